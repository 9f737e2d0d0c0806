// SPDX-License-Identifier: GPL-2.0
/*
 * inetx_fuzz: seeded random syscall sequences over a small fd table of
 * inetx and AF_INET sockets shared by several threads.
 *
 *	inetx_fuzz [--seed N] [--seconds S] [--threads T] [--ops N]
 *		   [--family-only F] [--netns|--no-netns] [--wild|--tame] [--trace]
 *		   [--flip-keys] [--strict]
 *
 * Each thread draws its operations from its own xorshift generator seeded
 * from the seed and the thread's index, and no draw depends on a syscall's
 * result or on the fd table (keep it so when adding operations): a
 * thread's sequence of operations and arguments is the same in every run
 * with the same seed (the interleaving of the threads is not).
 * --ops N stops each thread after N operations, --seconds 0 removes the
 * time bound; --threads 1 --ops N replays one sequence exactly.
 *
 * Kernel crashes and warnings are the harness's to find (run-vm.sh and
 * run_selftests.sh scan the kernel log). This program fails on what it can
 * see itself: an impossible return value (a kernel-internal errno such as
 * ERESTARTSYS or ENOIOCTLCMD, a length larger than asked for, an address
 * that is not AF_INET's sockaddr_in, a poll event nobody asked for), an
 * operation still blocked 30 s after signals started interrupting it, and
 * loopback TCP that no longer works afterwards. It then prints the seed, a
 * command line to replay the run and each thread's last operations.
 *
 * One kernel defect is known and told apart (see fz_probe_stored()): an
 * ERESTARTSYS that recvmmsg() left in a socket's sk_err. It is reported,
 * not failed, and only where test 1 has just reproduced it for the family;
 * --strict fails it too.
 *
 * Safety: the kernel is only ever given pointers into a per-thread data
 * area (followed by a PROT_NONE guard page), NULL or a PROT_NONE page, so
 * whatever it writes cannot corrupt the fuzzer. Structures the kernel reads
 * pointers from (msghdr, iovec, ifconf) live in a separate area that no
 * data pointer reaches. Blocking calls are interrupted by a per-thread
 * timer signal (no SA_RESTART). fork() runs one short-lived child at a time
 * per thread. Without --wild (the default outside the QEMU guest, where
 * run-vm.sh sets INETX_VM), nothing that could load a kernel module is
 * tried: no unknown protocol, ULP, congestion control or interface name;
 * and the host run (--netns, the default outside the guest) happens in a
 * private network namespace.
 */
#include "inetx_common.h"

#include <limits.h>
#include <sched.h>
#include <stdatomic.h>
#include <net/if.h>
#include <linux/filter.h>
#include <linux/net_tstamp.h>
#include <linux/sockios.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>

#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id	_sigev_un._tid
#endif
#ifndef MSG_PROBE
#define MSG_PROBE	0x10
#endif
#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD	77
#endif

#define FZ_SLOTS	16	/* the shared fd table */
#define FZ_PORTS	6	/* listeners bind here, connects go here */
#define FZ_PORT_BASE	47100
#define FZ_RING		64	/* last operations kept per thread */
#define FZ_MAXTHREADS	16
#define FZ_DATA		(256 << 10)	/* what the kernel may write to */
#define FZ_STRUCT	(64 << 10)	/* msghdrs, iovecs: never written by data */
#define FZ_PRIV_FD	900	/* fuzzer-private fds live above the slots */
#define FZ_TICK_MS	100	/* interrupt a blocked call after this */
#define FZ_STUCK_MS	30000	/* still blocked after this: a failure */
#define FZ_NERR		136
#define FZ_CHILD_OPS	8
#define FZ_STORED	1024	/* sockets a recvmmsg may have left ERESTARTSYS on */
#define ERESTARTSYS	512	/* include/linux/errno.h, kernel-internal */

enum fz_kind {
	FZ_SOCKET, FZ_PAIR, FZ_BIND, FZ_LISTEN, FZ_CONNECT, FZ_ACCEPT,
	FZ_SHUTDOWN, FZ_CLOSE, FZ_DUP2, FZ_SEND, FZ_RECV, FZ_SENDMSG,
	FZ_RECVMSG, FZ_SENDMMSG, FZ_RECVMMSG, FZ_SPLICE, FZ_SENDFILE,
	FZ_SETSOCKOPT, FZ_GETSOCKOPT, FZ_IOCTL, FZ_POLL, FZ_EPOLL, FZ_FCNTL,
	FZ_GETNAME, FZ_FORK, FZ_RACE, FZ_TSTAMP, FZ_NKINDS
};

static const struct {
	const char *name;
	int weight;
} fz_kinds[FZ_NKINDS] = {
	[FZ_SOCKET] = { "socket", 8 },
	[FZ_PAIR] = { "pair", 4 },
	[FZ_BIND] = { "bind", 5 },
	[FZ_LISTEN] = { "listen", 4 },
	[FZ_CONNECT] = { "connect", 7 },
	[FZ_ACCEPT] = { "accept4", 5 },
	[FZ_SHUTDOWN] = { "shutdown", 2 },
	[FZ_CLOSE] = { "close", 4 },
	[FZ_DUP2] = { "dup2", 2 },
	[FZ_SEND] = { "send", 6 },
	[FZ_RECV] = { "recv", 6 },
	[FZ_SENDMSG] = { "sendmsg", 3 },
	[FZ_RECVMSG] = { "recvmsg", 3 },
	[FZ_SENDMMSG] = { "sendmmsg", 2 },
	[FZ_RECVMMSG] = { "recvmmsg", 2 },
	[FZ_SPLICE] = { "splice", 2 },
	[FZ_SENDFILE] = { "sendfile", 2 },
	[FZ_SETSOCKOPT] = { "setsockopt", 12 },
	[FZ_GETSOCKOPT] = { "getsockopt", 8 },
	[FZ_IOCTL] = { "ioctl", 4 },
	[FZ_POLL] = { "poll", 3 },
	[FZ_EPOLL] = { "epoll", 3 },
	[FZ_FCNTL] = { "fcntl", 2 },
	[FZ_GETNAME] = { "getname", 3 },
	[FZ_FORK] = { "fork", 1 },
	[FZ_RACE] = { "unspec-race", 1 },
	[FZ_TSTAMP] = { "tstamp-flip", 2 },
};

/* One operation: what was called with what, and what came back. */
struct fz_rec {
	uint64_t n;
	int kind;
	int fd;
	long a, b, c;
	long ret;
	int err;
};

struct fz_thread {
	int idx;
	pthread_t th;
	timer_t timer;
	bool has_timer, in_child;
	uint64_t rng;
	uint64_t nops;
	atomic_long busy_since;		/* ms, 0 between operations */
	struct fz_rec ring[FZ_RING];
	char *sarea;			/* FZ_STRUCT bytes */
	char *data;			/* FZ_DATA bytes, then a guard page */
	int memfd, pipe[2], epfd;
	int full[2];			/* a listener whose queue is full, its client */
	uint16_t full_port;
	uint64_t kinds[FZ_NKINDS];
	uint64_t errs[FZ_NERR + 1];
};

static atomic_int fz_slot[FZ_SLOTS];
static atomic_bool fz_stop;
static atomic_int fz_failed;
static atomic_int fz_running;
static pthread_mutex_t fz_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t fz_cond = PTHREAD_COND_INITIALIZER;
static struct fz_thread fz_th[FZ_MAXTHREADS];
static int fz_nthreads = 4;
static uint64_t fz_seed;
static uint64_t fz_ops_limit;
static long fz_seconds = 60;
static long fz_deadline;		/* ms, 0: none */
static int fz_fam[2];			/* AF_INET, inetx */
static bool fz_wild;
static bool fz_netns_on;
static bool fz_flip_keys;		/* let static keys flip (see fz_pin_keys) */
static bool fz_trace;			/* every operation on stderr */
static char *fz_bad;			/* a PROT_NONE page */
static bool fz_strict;			/* known kernel defects fail too */

/*
 * Known kernel defect, in 6.1, 6.12 and 7.2 alike: when recvmmsg() has
 * received a message and receiving the next one fails, do_recvmmsg()
 * (net/socket.c) returns the count and stores the error in sk_err for a
 * later call to report, -ERESTARTSYS of a signal included. The next
 * receive (send, connect, splice) on that socket, in any thread or
 * process, returns it: ERESTARTSYS in user space, no signal to restart
 * the call. Test 1 reproduces it per family (fz_known[]); in the fuzzing,
 * a recvmmsg that got messages while our signal came records the socket
 * here, and an ERESTARTSYS from that socket later is this defect, once
 * per record. Shared with fork children.
 */
struct fz_shared {
	atomic_ulong mmsg_ino[2 * FZ_MAXTHREADS];	/* recvmmsg in flight on */
	atomic_ulong ino[FZ_STORED];			/* 0: a free record */
	atomic_int left[FZ_STORED];
	atomic_int adds, hits;
};

static struct fz_shared *fz_sh;
static const char fz_defect[] =
	"known kernel defect: do_recvmmsg() (net/socket.c) stores -ERESTARTSYS in sk_err";
static bool fz_known[2];		/* per fz_fam[] */
static __thread atomic_int fz_sigs;	/* this thread's signals so far */

/* ---- random numbers ---------------------------------------------------- */

static uint64_t fz_mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static uint64_t fz_rnd(struct fz_thread *t)
{
	t->rng ^= t->rng >> 12;
	t->rng ^= t->rng << 25;
	t->rng ^= t->rng >> 27;
	return t->rng * 0x2545f4914f6cdd1dULL;
}

static uint32_t fz_below(struct fz_thread *t, uint32_t n)
{
	return n ? (uint32_t)(fz_rnd(t) >> 32) % n : 0;
}

/* True with probability 1/@n. */
static bool fz_one_in(struct fz_thread *t, uint32_t n)
{
	return !fz_below(t, n);
}

static uint32_t fz_pick(struct fz_thread *t, const uint32_t *v, size_t n)
{
	return v[fz_below(t, n)];
}

#define FZ_ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define FZ_PICK(t, arr)		fz_pick((t), (arr), FZ_ARRAY_SIZE(arr))

/* An "interesting" integer: edge values more often than uniform ones. */
static long fz_int(struct fz_thread *t)
{
	static const uint32_t edge[] = {
		0, 1, 2, 3, 4, 7, 8, 16, 64, 255, 256, 1024, 4096, 65535, 65536,
		0x7fffffff, 0x80000000, 0xffffffff, 0xfffffffe,
	};

	switch (fz_below(t, 4)) {
	case 0:
		return (int)FZ_PICK(t, edge);
	case 1:
		return fz_below(t, 64);
	case 2:
		return -(long)fz_below(t, 4);
	}
	return (int)fz_rnd(t);
}

static void fz_fill(struct fz_thread *t, void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len >= 8) {
		uint64_t v = fz_rnd(t);

		memcpy(p, &v, 8);
		p += 8;
		len -= 8;
	}
	while (len--)
		*p++ = fz_rnd(t);
}

/* ---- failure reports ----------------------------------------------------- */

static long fz_now(void)
{
	return inx_now_ms();
}

#define FZ_RUNNING	LONG_MIN	/* ret of an operation in flight */

static void fz_rec_str(const struct fz_rec *r, char *buf, size_t len)
{
	int n = snprintf(buf, len, "#%llu %s fd=%d a=%#lx b=%#lx c=%#lx = ",
			 (unsigned long long)r->n, fz_kinds[r->kind].name, r->fd,
			 r->a, r->b, r->c);

	if (n < 0 || (size_t)n >= len)
		return;
	if (r->ret == FZ_RUNNING)
		snprintf(buf + n, len - n, "(still running)");
	else
		snprintf(buf + n, len - n, "%ld %s", r->ret, r->err ? inx_errname(r->err) : "");
}

/* The last @last operations up to @end (not included) of thread @t. */
static void fz_dump(struct fz_thread *t, int last, uint64_t end)
{
	char s[200];
	uint64_t i, from = end > (uint64_t)last ? end - last : 0;

	ktap_diag("thread %d: its operations %llu to %llu:", t->idx,
		  (unsigned long long)from, (unsigned long long)end - 1);
	for (i = from; i < end; i++) {
		fz_rec_str(&t->ring[i % FZ_RING], s, sizeof(s));
		ktap_diag("  t%d %s", t->idx, s);
	}
}

/* A command line for the same run: --ops @ops per thread, or as started. */
static void fz_replay_line(uint64_t ops)
{
	char bound[64];

	if (ops)
		snprintf(bound, sizeof(bound), "--ops %llu --seconds 0", (unsigned long long)ops);
	else if (fz_ops_limit)
		snprintf(bound, sizeof(bound), "--ops %llu --seconds %ld",
			 (unsigned long long)fz_ops_limit, fz_seconds);
	else
		snprintf(bound, sizeof(bound), "--seconds %ld", fz_seconds);
	ktap_diag("replay: INETX_FAMILY=%d %s --seed %llu --threads %d %s%s%s%s",
		  fz_fam[1], "inetx_fuzz", (unsigned long long)fz_seed, fz_nthreads, bound,
		  fz_wild ? " --wild" : " --tame", fz_netns_on ? " --netns" : " --no-netns",
		  fz_flip_keys ? " --flip-keys" : "");
}

/* Which family and type the descriptor is now: AF_INET's bug or inetx's? */
static void fz_fd_info(int fd)
{
	int dom = -1, type = -1, proto = -1;
	socklen_t len = sizeof(int);

	getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &dom, &len);
	len = sizeof(int);
	getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len);
	len = sizeof(int);
	getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &len);
	ktap_diag("fd %d now: domain %d (%s), type %d, protocol %d", fd, dom,
		  dom == AF_INET ? "AF_INET" : dom == fz_fam[1] ? "inetx" : "?", type, proto);
}

/*
 * The first failure stops every thread and is reported with the failing
 * thread's ring; in a fork child only a line on stdout and the exit status.
 */
static void __attribute__((format(printf, 2, 3)))
fz_fail(struct fz_thread *t, const char *fmt, ...)
{
	char msg[300], s[200];
	va_list ap;
	int n;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fz_rec_str(&t->ring[t->nops % FZ_RING], s, sizeof(s));
	if (t->in_child) {
		n = snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg),
			     " (fork child of thread %d: %s)\n", t->idx, s);
		if (n > 0 && write(STDOUT_FILENO, "# ", 2) == 2)
			n = write(STDOUT_FILENO, msg, strlen(msg));
		_exit(3);
	}
	atomic_store(&fz_stop, true);
	if (atomic_fetch_add(&fz_failed, 1))
		return;
	pthread_mutex_lock(&fz_lock);
	ktap_diag("FAILURE in thread %d, operation %s: %s", t->idx, s, msg);
	fz_fd_info(t->ring[t->nops % FZ_RING].fd);
	ktap_diag("seed %llu; the same operations, each thread up to the failing one's number:",
		  (unsigned long long)fz_seed);
	fz_replay_line(t->nops + 1);
	/* The failing operation is the last one, not counted yet. */
	fz_dump(t, FZ_RING, t->nops + 1);
	pthread_mutex_unlock(&fz_lock);
}

/* ---- arguments ------------------------------------------------------------ */

static int fz_fam_pick(struct fz_thread *t)
{
	return fz_fam[fz_below(t, 2)];
}

/*
 * A descriptor: mostly a slot's (the next open one if the drawn slot is
 * empty), sometimes an empty slot's -1 or a random, maybe stale, number.
 * The draws are the same whatever the slots hold.
 */
static int fz_fd(struct fz_thread *t)
{
	int i, fd, kind = fz_below(t, 24), slot = fz_below(t, FZ_SLOTS);

	switch (kind) {
	case 0:
		return 3 + fz_below(t, 60);	/* never 0-2: those are ours */
	case 1:
		return -1;
	case 2 ... 5:
		return atomic_load(&fz_slot[slot]);
	}
	for (i = 0; i < FZ_SLOTS; i++) {
		fd = atomic_load(&fz_slot[(slot + i) % FZ_SLOTS]);
		if (fd >= 0)
			return fd;
	}
	return -1;
}

/* Put @fd into a random slot; whatever was there is closed. */
static void fz_slot_put(struct fz_thread *t, int fd)
{
	int old, i = fz_below(t, FZ_SLOTS);

	if (fd < 0)
		return;
	old = atomic_exchange(&fz_slot[i], fd);
	if (old >= 0)
		close(old);
}

static uint16_t fz_port(struct fz_thread *t)
{
	switch (fz_below(t, 8)) {
	case 0:
		return 0;
	case 1:
		return fz_rnd(t);
	}
	return FZ_PORT_BASE + fz_below(t, FZ_PORTS);
}

/*
 * A buffer for the kernel to read or write: @len bytes at the returned
 * pointer are inside the data area, except for the NULL, PROT_NONE and
 * "runs into the guard page" cases.
 */
static void *fz_buf(struct fz_thread *t, size_t *len)
{
	static const uint32_t lens[] = { 0, 1, 2, 7, 100, 536, 1460, 4096, 65536 };
	size_t l = fz_one_in(t, 3) ? fz_below(t, 200000) : FZ_PICK(t, lens);
	size_t off = fz_below(t, 4096);

	switch (fz_below(t, 24)) {
	case 0:
		*len = l;
		return NULL;
	case 1:
		*len = l;
		return fz_bad;
	case 2:
		*len = l + 64;
		return t->data + FZ_DATA - fz_below(t, 64);
	}
	if (off + l > FZ_DATA)
		l = FZ_DATA - off;
	*len = l;
	return t->data + off;
}

/* @p, NULL or the PROT_NONE page: mostly @p. */
static void *fz_mangle(struct fz_thread *t, void *p)
{
	switch (fz_below(t, 24)) {
	case 0:
		return NULL;
	case 1:
		return fz_bad;
	}
	return p;
}

/* A struct the kernel writes into, of at most @max bytes; or NULL/bad. */
static void *fz_out(struct fz_thread *t, size_t max)
{
	switch (fz_below(t, 16)) {
	case 0:
		return NULL;
	case 1:
		return fz_bad;
	}
	return t->data + FZ_DATA - 4096 - max - fz_below(t, 256);
}

/* A socket address to bind or connect to, in the data area. */
static struct sockaddr *fz_addr(struct fz_thread *t, socklen_t *len)
{
	static const uint32_t lens[] = {
		16, 16, 16, 16, 16, 16, 0, 1, 2, 4, 8, 15, 17, 28, 128, 129, 0xffffffff,
	};
	struct sockaddr_in *sa = (void *)(t->data + 8192 + 8 * fz_below(t, 64));
	static const uint32_t addrs[] = {
		INADDR_LOOPBACK, INADDR_LOOPBACK, INADDR_LOOPBACK, INADDR_ANY,
		0x7f000002, INADDR_BROADCAST, 0xe0000001, 0x0a000001,
	};
	uint32_t f = fz_below(t, 16);

	fz_fill(t, sa, 128);
	sa->sin_family = f < 11 ? AF_INET : f == 11 ? AF_UNSPEC : f == 12 ? AF_INET6 :
			 f == 13 ? fz_fam[1] : (int)fz_rnd(t);
	sa->sin_port = htons(fz_port(t));
	sa->sin_addr.s_addr = htonl(fz_one_in(t, 16) ? fz_rnd(t) : FZ_PICK(t, addrs));
	if (!fz_one_in(t, 4))
		memset(sa->sin_zero, 0, sizeof(sa->sin_zero));
	*len = FZ_PICK(t, lens);
	switch (fz_below(t, 20)) {
	case 0:
		return NULL;
	case 1:
		return (void *)fz_bad;
	}
	return (struct sockaddr *)sa;
}

/* An address/length pair for the kernel to fill (accept, getsockname). */
static struct sockaddr *fz_addr_out(struct fz_thread *t, socklen_t **lenp, socklen_t *given)
{
	static const uint32_t lens[] = { 16, 16, 16, 0, 1, 2, 8, 15, 17, 128, 0xffffffff };

	*lenp = (socklen_t *)(t->sarea + 64);
	**lenp = *given = FZ_PICK(t, lens);
	switch (fz_below(t, 12)) {
	case 0:
		*lenp = NULL;
		break;
	case 1:
		*lenp = (socklen_t *)fz_bad;
		break;
	}
	return fz_out(t, 256);
}

/*
 * getsockname, getpeername and accept report AF_INET's sockaddr_in for
 * inetx and AF_INET sockets alike: the family is AF_INET, the length 16.
 */
static void fz_check_name(struct fz_thread *t, const struct sockaddr *sa,
			  const socklen_t *lenp, socklen_t given)
{
	const struct sockaddr_in *sin = (const void *)sa;

	if (!sa || (char *)sa == fz_bad || !lenp || (char *)lenp == fz_bad ||
	    given < sizeof(*sin) || given > 128)
		return;
	if (*lenp != sizeof(*sin) || sin->sin_family != AF_INET)
		fz_fail(t, "address length %u family %u, not AF_INET's sockaddr_in",
			*lenp, sin->sin_family);
}

/* ---- operations ------------------------------------------------------------ */

#define FZ_SYS(r, expr) ({						\
	long __v;							\
	errno = 0;							\
	__v = (long)(expr);						\
	(r)->ret = __v;							\
	(r)->err = __v < 0 ? errno : 0;					\
	__v;								\
})

/* Up to @max - 1 of @bits, now and then random ones too. */
static uint32_t fz_flags(struct fz_thread *t, const uint32_t *bits, size_t n, int max)
{
	uint32_t f = 0;
	int i = fz_below(t, max);

	while (i--)
		f |= fz_pick(t, bits, n);
	if (fz_one_in(t, 32))
		f |= fz_rnd(t);
	return f;
}

static uint32_t fz_send_flags(struct fz_thread *t)
{
	static const uint32_t bits[] = {
		MSG_OOB, MSG_DONTWAIT, MSG_MORE, MSG_ZEROCOPY, MSG_FASTOPEN, MSG_EOR,
		MSG_CONFIRM, MSG_DONTROUTE, MSG_PROBE, MSG_NOSIGNAL, MSG_DONTWAIT,
	};

	return fz_flags(t, bits, FZ_ARRAY_SIZE(bits), 4);
}

static uint32_t fz_recv_flags(struct fz_thread *t)
{
	static const uint32_t bits[] = {
		MSG_PEEK, MSG_OOB, MSG_TRUNC, MSG_WAITALL, MSG_DONTWAIT, MSG_ERRQUEUE,
		MSG_CMSG_CLOEXEC, MSG_DONTWAIT, MSG_DONTWAIT,
	};

	return fz_flags(t, bits, FZ_ARRAY_SIZE(bits), 3);
}

static void fz_op_socket(struct fz_thread *t, struct fz_rec *r)
{
	static const uint32_t types[] = {
		SOCK_STREAM, SOCK_STREAM, SOCK_STREAM, SOCK_STREAM, SOCK_STREAM,
		SOCK_DGRAM, SOCK_RAW, SOCK_SEQPACKET, SOCK_RDM, SOCK_DCCP, 11,
	};
	/*
	 * Registered by every kernel here: nothing to load on a host. (No
	 * SOCK_PACKET: AF_INET turns it into an AF_PACKET socket.)
	 */
	static const uint32_t tame[] = { 0, 0, 0, IPPROTO_TCP, IPPROTO_TCP, IPPROTO_UDP };
	static const uint32_t wild[] = {
		IPPROTO_ICMP, IPPROTO_RAW, IPPROTO_MPTCP, IPPROTO_SCTP, IPPROTO_UDPLITE,
		255, 256, 0xffffffff,
	};
	int fam = fz_fam_pick(t), type = FZ_PICK(t, types), proto = FZ_PICK(t, tame);

	if (fz_one_in(t, 3))
		type |= SOCK_NONBLOCK;
	if (fz_one_in(t, 3))
		type |= SOCK_CLOEXEC;
	if (fz_one_in(t, 5))
		proto = fz_one_in(t, 4) ? (int)fz_below(t, 300) : (int)FZ_PICK(t, wild);
	if (!fz_wild) {
		/* Anything inet_create does not find would request_module(). */
		type = (type & (SOCK_NONBLOCK | SOCK_CLOEXEC)) |
		       (proto == IPPROTO_UDP ? SOCK_DGRAM : SOCK_STREAM);
		proto = proto == IPPROTO_UDP ? proto : fz_one_in(t, 2) ? IPPROTO_TCP : 0;
	}
	r->a = fam;
	r->b = type;
	r->c = proto;
	fz_slot_put(t, FZ_SYS(r, socket(fam, type, proto)));
}

/* A connected pair (either family each side) to give data paths a chance. */
static void fz_op_pair(struct fz_thread *t, struct fz_rec *r)
{
	int sfam = fz_fam_pick(t), cfam = fz_fam_pick(t), l, c, a;
	struct sockaddr_in sa;
	uint16_t port;

	r->a = sfam;
	r->b = cfam;
	l = inx_listen(sfam, 4, &port);
	if (l < 0) {
		r->ret = -1;
		r->err = errno;
		return;
	}
	r->c = port;
	c = socket(cfam, SOCK_STREAM | SOCK_NONBLOCK, 0);
	FZ_SYS(r, connect(c, (struct sockaddr *)&sa, inx_addr(&sa, AF_INET, port)));
	a = FZ_SYS(r, accept4(l, NULL, NULL, fz_one_in(t, 2) ? SOCK_NONBLOCK : 0));
	r->fd = a;
	close(l);
	fz_slot_put(t, c);
	fz_slot_put(t, a);
}

/* Note family and port of @sa in the record (-1: NULL or unreadable). */
static void fz_sa_rec(struct fz_rec *r, const struct sockaddr *sa, socklen_t len)
{
	const struct sockaddr_in *sin = (const void *)sa;

	r->a = -1;
	r->b = -1;
	if (sa && (const char *)sa != fz_bad) {
		r->a = sin->sin_family;
		r->b = ntohs(sin->sin_port);
	}
	r->c = len;
}

/* bind or connect: an address, valid or not, from fz_addr(). */
static void fz_op_to(struct fz_thread *t, struct fz_rec *r, bool conn)
{
	struct sockaddr *sa;
	socklen_t len;

	r->fd = fz_fd(t);
	sa = fz_addr(t, &len);
	fz_sa_rec(r, sa, len);
	FZ_SYS(r, conn ? connect(r->fd, sa, len) : bind(r->fd, sa, len));
}

static void fz_op_bind(struct fz_thread *t, struct fz_rec *r)
{
	fz_op_to(t, r, false);
}

static void fz_op_listen(struct fz_thread *t, struct fz_rec *r)
{
	r->fd = fz_fd(t);
	r->a = fz_one_in(t, 4) ? fz_int(t) : (long)fz_below(t, 8);
	FZ_SYS(r, listen(r->fd, r->a));
}

static void fz_op_connect(struct fz_thread *t, struct fz_rec *r)
{
	fz_op_to(t, r, true);
}

static void fz_op_accept(struct fz_thread *t, struct fz_rec *r)
{
	static const uint32_t flags[] = { 0, SOCK_NONBLOCK, SOCK_CLOEXEC, 0x40, 0xffffffff };
	socklen_t *lenp, given;
	struct sockaddr *sa;
	long fd;

	r->fd = fz_fd(t);
	sa = fz_addr_out(t, &lenp, &given);
	r->a = given;
	r->b = FZ_PICK(t, flags);
	fd = FZ_SYS(r, accept4(r->fd, sa, lenp, r->b));
	if (fd >= 0)
		fz_check_name(t, sa, lenp, given);
	fz_slot_put(t, fd);
}

static void fz_op_shutdown(struct fz_thread *t, struct fz_rec *r)
{
	r->fd = fz_fd(t);
	r->a = fz_one_in(t, 8) ? fz_int(t) : (long)fz_below(t, 3);
	FZ_SYS(r, shutdown(r->fd, r->a));
}

static void fz_op_close(struct fz_thread *t, struct fz_rec *r)
{
	int i = fz_below(t, FZ_SLOTS);
	bool abort_close = fz_one_in(t, 2);

	r->fd = atomic_exchange(&fz_slot[i], -1);
	r->a = abort_close;
	if (abort_close && r->fd >= 0) {
		struct linger lg = { .l_onoff = 1, .l_linger = 0 };

		setsockopt(r->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	}
	FZ_SYS(r, close(r->fd));
}

/* dup2 onto another slot's descriptor (never onto one of ours). */
static void fz_op_dup2(struct fz_thread *t, struct fz_rec *r)
{
	int to = atomic_load(&fz_slot[fz_below(t, FZ_SLOTS)]);

	r->fd = fz_fd(t);
	r->a = to;
	if (to < 3) {
		r->ret = 0;
		return;
	}
	FZ_SYS(r, dup2(r->fd, to));
}

static void fz_check_len(struct fz_thread *t, long ret, size_t len)
{
	if (ret > (long)len)
		fz_fail(t, "returned %ld for a %zu byte buffer", ret, len);
}

/* sendto or recvfrom, with an address a quarter of the time. */
static void fz_op_io(struct fz_thread *t, struct fz_rec *r, bool send)
{
	socklen_t *lenp = NULL, salen = 0;
	struct sockaddr *sa = NULL;
	size_t len;
	void *buf;

	r->fd = fz_fd(t);
	buf = fz_buf(t, &len);
	r->a = len;
	r->b = send ? fz_send_flags(t) : fz_recv_flags(t);
	if (fz_one_in(t, 4))
		sa = send ? fz_addr(t, &salen) : fz_addr_out(t, &lenp, &salen);
	r->c = salen;
	FZ_SYS(r, send ? sendto(r->fd, buf, len, r->b, sa, salen) :
	       recvfrom(r->fd, buf, len, r->b, sa, lenp));
	/* MSG_TRUNC: a datagram's whole length, more than fits. */
	if (send || !(r->b & MSG_TRUNC))
		fz_check_len(t, r->ret, len);
}

static void fz_op_send(struct fz_thread *t, struct fz_rec *r)
{
	fz_op_io(t, r, true);
}

static void fz_op_recv(struct fz_thread *t, struct fz_rec *r)
{
	fz_op_io(t, r, false);
}

/*
 * A msghdr in the struct area: name, iovecs and control pointing into the
 * data area (or NULL/bad); for sending, a few plausible cmsgs. Returns the
 * total iovec length.
 */
static size_t fz_msghdr(struct fz_thread *t, struct msghdr *m, struct iovec *iov, bool send)
{
	static const uint32_t ctl[] = { SOL_SOCKET, SOL_SOCKET, IPPROTO_IP, IPPROTO_TCP, 41 };
	size_t total = 0, len, n = fz_below(t, 5), i;
	struct cmsghdr *cm;
	socklen_t salen;

	memset(m, 0, sizeof(*m));
	if (fz_one_in(t, 3)) {
		m->msg_name = fz_addr(t, &salen);
		m->msg_namelen = salen;
	}
	for (i = 0; i < n; i++) {
		iov[i].iov_base = fz_buf(t, &len);
		iov[i].iov_len = len;
		total += len;
	}
	m->msg_iov = fz_one_in(t, 32) ? (void *)fz_bad : iov;
	m->msg_iovlen = fz_one_in(t, 32) ? 1025 : n;
	if (fz_one_in(t, 3)) {
		m->msg_control = t->data + 16384;
		m->msg_controllen = fz_below(t, 256);
		fz_fill(t, m->msg_control, 256);
		if (send && m->msg_controllen >= CMSG_LEN(4) && fz_one_in(t, 2)) {
			cm = m->msg_control;
			cm->cmsg_len = CMSG_LEN(4 * fz_below(t, 4));
			cm->cmsg_level = FZ_PICK(t, ctl);
			cm->cmsg_type = fz_below(t, 80);
		}
	}
	return total;
}

static void fz_op_msg(struct fz_thread *t, struct fz_rec *r, bool send)
{
	struct msghdr *m = (void *)t->sarea, *arg = m;
	struct iovec *iov = (void *)(t->sarea + 1024);
	size_t total;

	r->fd = fz_fd(t);
	total = fz_msghdr(t, m, iov, send);
	r->a = m->msg_iovlen;
	r->b = send ? fz_send_flags(t) : fz_recv_flags(t);
	r->c = m->msg_controllen;
	if (fz_one_in(t, 24)) {
		r->c = -1;
		arg = (void *)fz_bad;
	}
	FZ_SYS(r, send ? sendmsg(r->fd, arg, r->b) : recvmsg(r->fd, arg, r->b));
	/* MSG_TRUNC may report more than fits (datagram sockets). */
	if (!(r->b & MSG_TRUNC) && m->msg_iovlen <= 4)
		fz_check_len(t, r->ret, total);
}

static void fz_op_sendmsg(struct fz_thread *t, struct fz_rec *r)
{
	fz_op_msg(t, r, true);
}

static void fz_op_recvmsg(struct fz_thread *t, struct fz_rec *r)
{
	fz_op_msg(t, r, false);
}

/* The socket's inode (sockfs numbers are not reused soon), 0 if none. */
static unsigned long fz_ino(int fd)
{
	struct stat st;

	return fd >= 0 && !fstat(fd, &st) && S_ISSOCK(st.st_mode) ? st.st_ino : 0;
}

/* recvmmsg on the socket of @ino may have stored an ERESTARTSYS. */
static void fz_stored_add(unsigned long ino)
{
	int i;

	for (i = 0; i < FZ_STORED; i++) {
		unsigned long free = 0;

		if (atomic_load(&fz_sh->ino[i]) == ino ||
		    atomic_compare_exchange_strong(&fz_sh->ino[i], &free, ino)) {
			atomic_fetch_add(&fz_sh->left[i], 1);
			atomic_fetch_add(&fz_sh->adds, 1);
			return;
		}
	}
	/*
	 * Full (the long mode): the oldest records go first. Their sockets
	 * are long closed: the fd table is small and churns every second.
	 */
	i = atomic_fetch_add(&fz_sh->adds, 1) % FZ_STORED;
	/* Unmatchable while its count changes: no take sees old ino, new count. */
	atomic_store(&fz_sh->ino[i], 0);
	atomic_store(&fz_sh->left[i], 1);
	atomic_store(&fz_sh->ino[i], ino);
}

/* Take one stored ERESTARTSYS of @ino; false if none was recorded. */
static bool fz_stored_take(unsigned long ino)
{
	int i, n;

	for (i = 0; i < FZ_STORED; i++) {
		if (atomic_load(&fz_sh->ino[i]) != ino)
			continue;
		n = atomic_load(&fz_sh->left[i]);
		while (n > 0 && !atomic_compare_exchange_weak(&fz_sh->left[i], &n, n - 1))
			;
		if (n > 0)
			return true;
	}
	return false;
}

/* recvmmsg, noting the socket if the call may have stored ERESTARTSYS. */
static int fz_recvmmsg(struct fz_thread *t, int fd, struct mmsghdr *mm, unsigned int vlen,
		       int flags, struct timespec *ts)
{
	atomic_ulong *slot = &fz_sh->mmsg_ino[t->idx + (t->in_child ? FZ_MAXTHREADS : 0)];
	unsigned long ino = fz_ino(fd);
	int sigs = atomic_load(&fz_sigs), ret, err;

	atomic_store(slot, ino);
	ret = recvmmsg(fd, mm, vlen, flags, ts);
	err = errno;
	/* Messages, and our signal came: sk_err may hold ERESTARTSYS. */
	if (ret > 0 && atomic_load(&fz_sigs) != sigs && ino)
		fz_stored_add(ino);
	atomic_store(slot, 0);
	errno = err;
	return ret;
}

static bool fz_fd_known(int fd)
{
	int dom = -1, i;
	socklen_t len = sizeof(dom);

	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &dom, &len))
		return false;
	for (i = 0; i < 2; i++)
		if (dom == fz_fam[i] && fz_known[i])
			return true;
	return false;
}

/*
 * Is @r's ERESTARTSYS the recvmmsg defect (fz_shared)? Only for calls that
 * report sk_err, on a socket of a family test 1 saw it on, and only once
 * per recvmmsg that may have stored one. A recvmmsg still returning
 * elsewhere may have stored it already: wait for it first (each returns
 * within a timer tick; bounded for a fork child killed in it).
 */
static bool fz_known_defect(const struct fz_rec *r)
{
	unsigned long ino = fz_ino(r->fd);
	long until = fz_now() + 2000;
	int i;

	switch (r->kind) {
	case FZ_CONNECT: case FZ_SEND: case FZ_RECV: case FZ_SENDMSG: case FZ_RECVMSG:
	case FZ_SENDMMSG: case FZ_RECVMMSG: case FZ_SPLICE: case FZ_SENDFILE:
		break;
	default:
		return false;
	}
	if (r->err != ERESTARTSYS || fz_strict || !ino || !fz_fd_known(r->fd))
		return false;
	for (i = 0; i < 2 * FZ_MAXTHREADS; i++)
		while (atomic_load(&fz_sh->mmsg_ino[i]) == ino && fz_now() < until)
			sched_yield();
	return fz_stored_take(ino);
}

static void fz_op_mmsg(struct fz_thread *t, struct fz_rec *r, bool send)
{
	struct mmsghdr *mm = (void *)t->sarea;
	struct iovec *iov = (void *)(t->sarea + 4096);
	struct timespec *ts = (void *)(t->sarea + 8192);
	unsigned int vlen = 1 + fz_below(t, 4), i;
	size_t total[4];

	r->fd = fz_fd(t);
	for (i = 0; i < vlen; i++) {
		total[i] = fz_msghdr(t, &mm[i].msg_hdr, iov + 8 * i, send);
		mm[i].msg_len = fz_rnd(t);
	}
	/*
	 * Never more entries than built: the kernel would take whatever
	 * follows in the struct area for msghdrs and write where they point.
	 */
	r->a = fz_one_in(t, 16) ? 0 : vlen;
	if (send) {
		r->b = fz_send_flags(t);
		FZ_SYS(r, sendmmsg(r->fd, mm, r->a, r->b));
	} else {
		r->b = fz_recv_flags(t) | (fz_one_in(t, 4) ? MSG_WAITFORONE : 0);
		ts->tv_sec = 0;
		ts->tv_nsec = fz_below(t, 2000000);
		r->c = fz_below(t, 3);
		FZ_SYS(r, fz_recvmmsg(t, r->fd, mm, r->a, r->b,
				      r->c == 0 ? NULL : r->c == 1 ? ts : (void *)fz_bad));
	}
	if (r->ret > (long)r->a)
		fz_fail(t, "%ld messages of %ld", r->ret, r->a);
	for (i = 0; i < r->ret && i < vlen; i++)
		if (!(r->b & MSG_TRUNC) && mm[i].msg_hdr.msg_iovlen <= 4 &&
		    mm[i].msg_len > total[i])
			fz_fail(t, "message %u: msg_len %u for %zu bytes of iovecs",
				i, mm[i].msg_len, total[i]);
}

static void fz_op_splice(struct fz_thread *t, struct fz_rec *r)
{
	static const uint32_t flags[] = {
		0, SPLICE_F_NONBLOCK, SPLICE_F_MOVE, SPLICE_F_MORE, SPLICE_F_GIFT, 0xff,
	};
	loff_t *off = fz_one_in(t, 8) ? (loff_t *)(t->sarea + 128) : NULL;
	size_t len = fz_one_in(t, 2) ? fz_below(t, 200000) : fz_below(t, 4096);
	int way = fz_below(t, 3);

	r->fd = fz_fd(t);
	r->a = way;
	r->b = len;
	r->c = FZ_PICK(t, flags);
	if (way == 0)
		FZ_SYS(r, splice(r->fd, off, t->pipe[1], NULL, len, r->c));
	else if (way == 1)
		FZ_SYS(r, splice(t->pipe[0], NULL, r->fd, off, len, r->c));
	else	/* keep the pipe from filling up */
		FZ_SYS(r, read(t->pipe[0], t->data, FZ_DATA));
	if (way < 2)
		fz_check_len(t, r->ret, len);
}

static void fz_op_sendfile(struct fz_thread *t, struct fz_rec *r)
{
	off_t *off = (off_t *)(t->sarea + 256);
	size_t len = fz_one_in(t, 2) ? fz_below(t, 1 << 20) : fz_below(t, 4096);

	*off = fz_one_in(t, 8) ? fz_int(t) : (long)fz_below(t, 65536);
	r->fd = fz_fd(t);
	r->a = *off;
	r->b = len;
	r->c = fz_below(t, 8);
	if (r->c == 0)
		off = NULL;
	else if (r->c == 1)
		off = (off_t *)fz_bad;
	fz_check_len(t, FZ_SYS(r, sendfile(r->fd, t->memfd, off, len)), len);
}

/* Highest option number worth trying per level (a few past the last one). */
static int fz_optmax(int level)
{
	switch (level) {
	case SOL_SOCKET:
		return 90;
	case IPPROTO_IP:
		return 72;
	case IPPROTO_TCP:
		return 50;
	}
	return 300;
}

static int fz_level(struct fz_thread *t)
{
	static const uint32_t other[] = { 41, 17, 255, 258, 263, 282, 284, 0xffffffff };

	switch (fz_below(t, 20)) {
	case 0 ... 6:
		return SOL_SOCKET;
	case 7 ... 11:
		return IPPROTO_IP;
	case 12 ... 18:
		return IPPROTO_TCP;
	}
	return FZ_PICK(t, other);
}

/* Fill @val for @level/@name; returns the length to pass. */
static socklen_t fz_optval(struct fz_thread *t, int level, int name, char *val)
{
	static const char * const ulps[] = { "tls", "smc", "espintcp", "mptcp", "", "x" };
	static const char * const ccs[] = { "cubic", "reno" };
	static const char * const wildccs[] = { "bbr", "dctcp", "vegas", "" };
	static const char * const devs[] = { "lo", "", "eth0", "inetx0", "lo\x01" };
	static const uint32_t lens[] = {
		0, 1, 2, 3, 4, 4, 4, 4, 4, 8, 8, 12, 16, 16, 20, 32, 64, 128, 256,
		0xffffffff,
	};
	struct sock_fprog *prog = (void *)val;
	struct sock_filter *f = (void *)(val + 256);
	socklen_t len = FZ_PICK(t, lens);
	int i, n;

	fz_fill(t, val, 512);
	*(int *)val = fz_int(t);
	if (level == IPPROTO_TCP && (name == TCP_ULP || name == TCP_CONGESTION)) {
		const char *s = name == TCP_ULP ? ulps[fz_below(t, 6)] :
				fz_wild && fz_one_in(t, 2) ? wildccs[fz_below(t, 4)] :
				ccs[fz_below(t, 2)];

		snprintf(val, 64, "%s", s);
		return fz_one_in(t, 4) ? len : strlen(s) + fz_below(t, 2);
	}
	if (level == SOL_SOCKET && name == SO_BINDTODEVICE) {
		snprintf(val, 64, "%s", fz_wild ? devs[fz_below(t, 5)] : "lo");
		return fz_one_in(t, 4) ? len : strlen(val) + fz_below(t, 2);
	}
	if (level == SOL_SOCKET && (name == SO_ATTACH_FILTER ||
				    name == SO_ATTACH_REUSEPORT_CBPF)) {
		/* Mostly valid classic BPF: "accept n bytes", maybe a load. */
		n = 1 + fz_below(t, 3);
		for (i = 0; i < n; i++) {
			f[i].code = i == n - 1 ? BPF_RET | BPF_K : BPF_LD | BPF_W | BPF_ABS;
			f[i].jt = 0;
			f[i].jf = 0;
			f[i].k = fz_one_in(t, 2) ? 0xffffffff : fz_below(t, 100);
		}
		if (fz_one_in(t, 4))
			f[fz_below(t, n)].code = fz_rnd(t);
		prog->len = fz_one_in(t, 8) ? (int)fz_rnd(t) : n;
		prog->filter = fz_one_in(t, 16) ? (void *)fz_bad : f;
		return fz_one_in(t, 4) ? len : sizeof(*prog);
	}
	if (level == IPPROTO_TCP && name == TCP_REPAIR)
		*(int *)val = (int)fz_below(t, 4) - 1;	/* -1 (no probe), 0, 1, 2 */
	return len;
}

/*
 * Without --wild, options that may request_module() are left out: a ULP,
 * a crypto algorithm by name (TCP-MD5, TCP-AO), xfrm policies, and
 * netfilter's table and match names (IPPROTO_IP 64 up).
 */
static int fz_optname_tame(int level, int name)
{
	if (fz_wild)
		return name;
	if (level == IPPROTO_TCP && (name == TCP_ULP || name == TCP_MD5SIG ||
				     name == TCP_MD5SIG_EXT || (name >= 37 && name <= 40)))
		return TCP_NODELAY;
	if (level == IPPROTO_IP && (name == IP_IPSEC_POLICY || name == IP_XFRM_POLICY ||
				    name >= 64))
		return IP_TOS;
	return name;
}

static void fz_op_setsockopt(struct fz_thread *t, struct fz_rec *r)
{
	int level = fz_level(t);
	int name = fz_one_in(t, 32) ? (int)fz_rnd(t) : (int)fz_below(t, fz_optmax(level) + 1);
	char *val = t->data + 32768;
	socklen_t len;

	r->fd = fz_fd(t);
	/* iptables/arptables/ebtables replace (64 up): not the stack's rules. */
	if (level == IPPROTO_IP && name >= 64 && name < 128)
		name = IP_TOS;
	name = fz_optname_tame(level, name);
	len = fz_optval(t, level, name, val);
	r->a = level;
	r->b = name;
	r->c = len;
	val = fz_mangle(t, val);
	FZ_SYS(r, setsockopt(r->fd, level, name, val, len));
}

static void fz_op_getsockopt(struct fz_thread *t, struct fz_rec *r)
{
	static const uint32_t lens[] = { 0, 1, 2, 4, 4, 4, 8, 16, 64, 256, 4096, 0xffffffff };
	int level = fz_level(t);
	int name = fz_one_in(t, 32) ? (int)fz_rnd(t) : (int)fz_below(t, fz_optmax(level) + 1);
	socklen_t *lenp = (socklen_t *)(t->sarea + 64);
	char *val = t->data + 32768;

	r->fd = fz_fd(t);
	name = fz_optname_tame(level, name);
	fz_fill(t, val, 4096);
	/* Its struct carries addresses the kernel writes to: only ours. */
	if (level == IPPROTO_TCP && name == TCP_ZEROCOPY_RECEIVE)
		memset(val, 0, 4096);
	*lenp = FZ_PICK(t, lens);
	r->a = level;
	r->b = name;
	r->c = *lenp;
	val = fz_mangle(t, val);
	lenp = fz_mangle(t, lenp);
	FZ_SYS(r, getsockopt(r->fd, level, name, val, lenp));
	/* SO_PEERPIDFD made a descriptor for us. */
	if (!r->ret && level == SOL_SOCKET && name == SO_PEERPIDFD &&
	    val == t->data + 32768 && r->c >= 4 && *(int *)val > 2)
		close(*(int *)val);
}

static void fz_op_ioctl(struct fz_thread *t, struct fz_rec *r)
{
	static const uint32_t cmds[] = {
		FIONREAD, SIOCOUTQ, SIOCOUTQNSD, SIOCATMARK, FIONBIO, FIOASYNC,
		SIOCGSTAMP_OLD, SIOCGSTAMPNS_OLD, SIOCGIFCONF, SIOCGIFNAME,
		SIOCGIFINDEX, SIOCGIFFLAGS, SIOCGIFADDR, SIOCGIFMTU, SIOCGIFNETMASK,
		SIOCGIFBRDADDR, SIOCGIFHWADDR, SIOCGIFTXQLEN, SIOCGPGRP, FIOGETOWN,
		SIOCSPGRP, FIOSETOWN, SIOCGSKNS, SIOCGIFDSTADDR, FIOCLEX, FIONCLEX,
	};
	struct ifconf *ifc = (void *)(t->sarea + 512);
	char *arg = t->data + 49152;
	uint32_t cmd = FZ_PICK(t, cmds);
	struct ifreq *ifr = (void *)arg;
	void *p = arg;

	r->fd = fz_fd(t);
	fz_fill(t, arg, 512);
	if (fz_one_in(t, 8)) {
		cmd = fz_rnd(t);
		/* Socket ioctls (0x89..) include route and address setters. */
		if (_IOC_TYPE(cmd) == 0x89)
			cmd = FIONREAD;
	}
	switch (cmd) {
	case SIOCGIFCONF:
		ifc->ifc_len = fz_below(t, 512);
		ifc->ifc_buf = fz_one_in(t, 4) ? NULL : arg;
		p = ifc;
		break;
	case SIOCSPGRP:
	case FIOSETOWN:
		/* Only ourselves: SIGIO and SIGURG are ignored here. */
		*(int *)arg = fz_one_in(t, 2) ? getpid() : 0;
		break;
	case SIOCGIFNAME:
		ifr->ifr_ifindex = fz_below(t, 4);
		break;
	default:
		if (cmd >= SIOCGIFNAME && cmd <= SIOCGIFTXQLEN)
			snprintf(ifr->ifr_name, IFNAMSIZ, "%s",
				 fz_wild && fz_one_in(t, 4) ? "eth0" : "lo");
	}
	p = fz_mangle(t, p);
	r->a = cmd;
	r->b = p == fz_bad ? -1 : !p ? 0 : 1;
	FZ_SYS(r, ioctl(r->fd, cmd, p));
	if (cmd == SIOCGSKNS && r->ret > 2)
		close(r->ret);
}

static void fz_op_poll(struct fz_thread *t, struct fz_rec *r)
{
	static const uint32_t ev[] = { POLLIN, POLLOUT, POLLPRI, POLLRDHUP, POLLRDNORM,
				       POLLWRNORM, POLLRDBAND, POLLWRBAND, POLLERR };
	struct pollfd *p = (void *)(t->sarea + 2048);
	unsigned int n = 1 + fz_below(t, 4), i, j;

	for (i = 0; i < n; i++) {
		p[i].fd = fz_fd(t);
		p[i].events = 0;
		for (j = fz_below(t, 4); j; j--)
			p[i].events |= FZ_PICK(t, ev);
		if (fz_one_in(t, 16))
			p[i].events = fz_rnd(t);
		p[i].revents = fz_rnd(t);
	}
	r->fd = p[0].fd;
	r->a = n;
	r->b = p[0].events;
	r->c = fz_below(t, 3);
	if (FZ_SYS(r, poll(p, n, r->c)) > (long)n)
		fz_fail(t, "poll: %ld of %u descriptors ready", r->ret, n);
	for (i = 0; r->ret > 0 && i < n; i++) {
		short ok = p[i].events | POLLERR | POLLHUP | POLLNVAL;

		if (p[i].revents & ~ok)
			fz_fail(t, "poll: fd %d revents %#x for events %#x",
				p[i].fd, p[i].revents, p[i].events);
	}
}

static void fz_op_epoll(struct fz_thread *t, struct fz_rec *r)
{
	static const uint32_t ev[] = { EPOLLIN, EPOLLOUT, EPOLLPRI, EPOLLRDHUP, EPOLLET,
				       EPOLLONESHOT, EPOLLEXCLUSIVE, EPOLLERR, EPOLLHUP };
	struct epoll_event *e = (void *)(t->sarea + 3072);
	int max = 1 + fz_below(t, 8), j;

	r->fd = fz_fd(t);
	r->a = 1 + fz_below(t, 3);
	r->b = 0;
	for (j = fz_below(t, 4); j; j--)
		r->b |= FZ_PICK(t, ev);
	e->events = r->b;
	e->data.u64 = r->fd;
	if (epoll_ctl(t->epfd, r->a, r->fd, fz_one_in(t, 16) ? (void *)fz_bad : e) < 0)
		r->c = errno;
	if (FZ_SYS(r, epoll_wait(t->epfd, e, max, fz_below(t, 2))) > max)
		fz_fail(t, "epoll_wait: %ld events of at most %d", r->ret, max);
}

static void fz_op_fcntl(struct fz_thread *t, struct fz_rec *r)
{
	int fl, flip;

	r->fd = fz_fd(t);
	r->a = fz_below(t, 3);
	switch (r->a) {
	case 0:
		flip = fz_one_in(t, 4) ? O_ASYNC : O_NONBLOCK;
		fl = fcntl(r->fd, F_GETFL);
		r->b = fl < 0 ? 0 : fl ^ flip;
		FZ_SYS(r, fcntl(r->fd, F_SETFL, r->b));
		break;
	case 1:
		r->b = fz_one_in(t, 2) ? getpid() : 0;
		FZ_SYS(r, fcntl(r->fd, F_SETOWN, r->b));
		break;
	default:
		FZ_SYS(r, fcntl(r->fd, F_GETFL));
	}
}

static void fz_op_getname(struct fz_thread *t, struct fz_rec *r)
{
	socklen_t *lenp, given;
	struct sockaddr *sa;

	r->fd = fz_fd(t);
	r->a = fz_below(t, 2);
	sa = fz_addr_out(t, &lenp, &given);
	r->b = given;
	if (FZ_SYS(r, r->a ? getpeername(r->fd, sa, lenp) : getsockname(r->fd, sa, lenp)) == 0)
		fz_check_name(t, sa, lenp, given);
}

static void fz_one(struct fz_thread *t);
static int fz_dup_high(int fd);

/* The calling thread's timer: SIGUSR1 to interrupt a blocked call. */
static int fz_timer(struct fz_thread *t)
{
	struct sigevent sev = { 0 };

	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = SIGUSR1;
	sev.sigev_notify_thread_id = syscall(SYS_gettid);
	return timer_create(CLOCK_MONOTONIC, &sev, &t->timer);
}

/* A child that does a few operations on the inherited table, then exits. */
static void fz_op_fork(struct fz_thread *t, struct fz_rec *r)
{
	uint64_t seed = fz_rnd(t);
	int st, i;
	pid_t pid;

	pid = fork();
	if (!pid) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		signal(SIGALRM, SIG_DFL);
		alarm(5);	/* a blocked child is killed, not waited for */
		t->in_child = true;
		t->rng = fz_mix(seed);
		/* Timers are not inherited: the child needs its own. */
		t->has_timer = !fz_timer(t);
		for (i = 0; i < FZ_CHILD_OPS; i++)
			fz_one(t);
		_exit(0);
	}
	r->a = pid;
	if (pid < 0) {
		r->ret = -1;
		r->err = errno;
		return;
	}
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	/* A child killed in recvmmsg (alarm) does not clear its slot. */
	atomic_store(&fz_sh->mmsg_ino[t->idx + FZ_MAXTHREADS], 0);
	r->ret = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	if (WIFEXITED(st) && WEXITSTATUS(st))
		fz_fail(t, "fork child exited with %d", WEXITSTATUS(st));
}

struct fz_race {
	int fd;
	struct sockaddr_in sa;
	long ret;
	int err;
};

static void *fz_race_connect(void *arg)
{
	struct fz_race *c = arg;

	errno = 0;
	c->ret = connect(c->fd, (struct sockaddr *)&c->sa, sizeof(c->sa));
	c->err = c->ret < 0 ? errno : 0;
	return NULL;
}

/*
 * connect(AF_UNSPEC) on a socket while another thread is blocked in its
 * connect: the disconnect under a waiting connect that inetx mirrors.
 */
static void fz_op_race(struct fz_thread *t, struct fz_rec *r)
{
	struct sockaddr_in un = { .sin_family = AF_UNSPEC };
	struct fz_race c = { 0 };
	struct inx_thread th;
	int spins = fz_below(t, 2000), fam = fz_fam_pick(t);

	/* Mostly the full listener: SYNs dropped, so connect really waits. */
	inx_addr(&c.sa, AF_INET, fz_one_in(t, 4) ? fz_port(t) : t->full_port);
	c.fd = socket(fam, SOCK_STREAM, 0);
	r->fd = c.fd;
	r->a = fam;
	r->b = ntohs(c.sa.sin_port);
	if (c.fd < 0 || inx_thread_start(&th, fz_race_connect, &c)) {
		r->ret = -1;
		r->err = errno;
		close(c.fd);
		fz_slot_put(t, -1);	/* the same draws either way */
		return;
	}
	while (spins--)
		sched_yield();
	FZ_SYS(r, connect(c.fd, (struct sockaddr *)&un, sizeof(un)));
	/* Interrupt the connect until it returns; the watchdog bounds this. */
	do {
		pthread_kill(th.th, SIGUSR1);
		th.started = true;
	} while (inx_thread_join(&th, 50, NULL));
	r->c = c.ret < 0 ? -c.err : c.ret;
	if (c.ret < -1 || c.ret > 0 || (c.ret < 0 && c.err >= 512))
		fz_fail(t, "racing connect returned %ld %s", c.ret, inx_errname(c.err));
	fz_slot_put(t, c.fd);
}

/*
 * Receive timestamps on a fresh socket, then close it: when no other
 * socket wants them, that flips the netstamp static key, patching the code
 * loopback receive (netif_rx) is running on the other CPU.
 */
static void fz_op_tstamp(struct fz_thread *t, struct fz_rec *r)
{
	static const uint32_t opts[] = {
		SO_TIMESTAMP, SO_TIMESTAMPNS, SO_TIMESTAMPING, SO_TIMESTAMP_NEW,
		SO_TIMESTAMPNS_NEW, SO_TIMESTAMPING_NEW,
	};
	int fd, on = fz_one_in(t, 2) ? 1 : SOF_TIMESTAMPING_RX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE;

	r->a = FZ_PICK(t, opts);
	r->b = on;
	fd = socket(fz_fam_pick(t), SOCK_STREAM, 0);
	r->fd = fd;
	FZ_SYS(r, setsockopt(fd, SOL_SOCKET, r->a, &on, sizeof(on)));
	close(fd);
}

static void fz_op_mmsg_send(struct fz_thread *t, struct fz_rec *r)
{
	fz_op_mmsg(t, r, true);
}

static void fz_op_mmsg_recv(struct fz_thread *t, struct fz_rec *r)
{
	fz_op_mmsg(t, r, false);
}

static void (* const fz_ops[FZ_NKINDS])(struct fz_thread *, struct fz_rec *) = {
	[FZ_SOCKET] = fz_op_socket,
	[FZ_PAIR] = fz_op_pair,
	[FZ_BIND] = fz_op_bind,
	[FZ_LISTEN] = fz_op_listen,
	[FZ_CONNECT] = fz_op_connect,
	[FZ_ACCEPT] = fz_op_accept,
	[FZ_SHUTDOWN] = fz_op_shutdown,
	[FZ_CLOSE] = fz_op_close,
	[FZ_DUP2] = fz_op_dup2,
	[FZ_SEND] = fz_op_send,
	[FZ_RECV] = fz_op_recv,
	[FZ_SENDMSG] = fz_op_sendmsg,
	[FZ_RECVMSG] = fz_op_recvmsg,
	[FZ_SENDMMSG] = fz_op_mmsg_send,
	[FZ_RECVMMSG] = fz_op_mmsg_recv,
	[FZ_SPLICE] = fz_op_splice,
	[FZ_SENDFILE] = fz_op_sendfile,
	[FZ_SETSOCKOPT] = fz_op_setsockopt,
	[FZ_GETSOCKOPT] = fz_op_getsockopt,
	[FZ_IOCTL] = fz_op_ioctl,
	[FZ_POLL] = fz_op_poll,
	[FZ_EPOLL] = fz_op_epoll,
	[FZ_FCNTL] = fz_op_fcntl,
	[FZ_GETNAME] = fz_op_getname,
	[FZ_FORK] = fz_op_fork,
	[FZ_RACE] = fz_op_race,
	[FZ_TSTAMP] = fz_op_tstamp,
};

/* ---- the loop -------------------------------------------------------------- */

static void fz_arm(struct fz_thread *t, bool on)
{
	struct itimerspec its = { 0 };

	if (!t->has_timer)
		return;
	if (on) {
		its.it_value.tv_nsec = FZ_TICK_MS * 1000000L;
		its.it_interval.tv_nsec = FZ_TICK_MS * 1000000L;
	}
	timer_settime(t->timer, 0, &its, NULL);
}

static int fz_weights;	/* sum of fz_kinds[].weight */

static int fz_kind_pick(struct fz_thread *t)
{
	int k, w = fz_below(t, fz_weights);

	for (k = 0; k < FZ_NKINDS - 1; k++) {
		w -= fz_kinds[k].weight;
		if (w < 0)
			break;
	}
	return k;
}

static void fz_one(struct fz_thread *t)
{
	struct fz_rec *r = &t->ring[t->nops % FZ_RING];
	int k = fz_kind_pick(t);

	/* No nested children, and no thread creation after fork(). */
	if (t->in_child && (k == FZ_FORK || k == FZ_RACE))
		k = FZ_GETNAME;
	memset(r, 0, sizeof(*r));
	r->n = t->nops;
	r->kind = k;
	r->fd = -1;
	r->ret = FZ_RUNNING;
	atomic_store(&t->busy_since, fz_now());
	fz_arm(t, true);
	fz_ops[k](t, r);
	fz_arm(t, false);
	if (r->ret == FZ_RUNNING)
		r->ret = 0;
	atomic_store(&t->busy_since, 0);
	if (fz_trace && !t->in_child) {
		char s[200];

		fz_rec_str(r, s, sizeof(s));
		fprintf(stderr, "t%d %s\n", t->idx, s);
	}
	/* Kernel-internal codes (ERESTARTSYS 512, ENOIOCTLCMD 515, ...). */
	if (r->ret < 0 && (r->err <= 0 || r->err >= 512) && k != FZ_FORK) {
		if (!fz_known_defect(r))
			fz_fail(t, "errno %d (%s) reached user space", r->err,
				inx_errname(r->err));
		else if (atomic_fetch_add(&fz_sh->hits, 1) < 5)
			ktap_diag("t%d%s #%llu %s fd=%d: %s (test 1)",
				  t->idx, t->in_child ? " child" : "", (unsigned long long)r->n,
				  fz_kinds[k].name, r->fd, fz_defect);
	}
	t->kinds[k]++;
	t->errs[r->ret < 0 ? (r->err > 0 && r->err < FZ_NERR ? r->err : FZ_NERR) : 0]++;
	t->nops++;
}

static int fz_dup_high(int fd)
{
	int hi = fd < 0 ? -1 : fcntl(fd, F_DUPFD_CLOEXEC, FZ_PRIV_FD);

	if (fd >= 0)
		close(fd);
	return hi;
}

/*
 * A listener with backlog 0 and one connection queued, never accepted:
 * it drops further SYNs, so a blocking connect to it waits (SYN_SENT) for
 * whatever interrupts it, an AF_UNSPEC connect from another thread say.
 */
static int fz_full_listener(struct fz_thread *t)
{
	int l = inx_listen(fz_fam[t->idx & 1], 0, &t->full_port);
	int c = l < 0 ? -1 : socket(fz_fam[(t->idx >> 1) & 1], SOCK_STREAM, 0);
	struct sockaddr_in sa;

	/* The handshake completes on loopback before connect returns. */
	if (c < 0 || connect(c, (struct sockaddr *)&sa, inx_addr(&sa, AF_INET, t->full_port)))
		return -1;
	t->full[0] = fz_dup_high(l);
	t->full[1] = fz_dup_high(c);
	return t->full[0] < 0 || t->full[1] < 0 ? -1 : 0;
}

/* Private descriptors go above FZ_PRIV_FD, out of reach of stale numbers. */
static int fz_thread_setup(struct fz_thread *t)
{
	int p[2], i;
	char *m;

	m = mmap(NULL, FZ_STRUCT + FZ_DATA + 4096, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return -1;
	t->sarea = m;
	t->data = m + FZ_STRUCT;
	if (mprotect(t->data + FZ_DATA, 4096, PROT_NONE))
		return -1;
	fz_fill(t, t->data, 16384);
	t->memfd = fz_dup_high(memfd_create("inetx_fuzz", 0));
	for (i = 0; i < 4; i++)
		if (write(t->memfd, t->data, 16384) != 16384)
			return -1;
	if (pipe2(p, O_NONBLOCK))
		return -1;
	t->pipe[0] = fz_dup_high(p[0]);
	t->pipe[1] = fz_dup_high(p[1]);
	t->epfd = fz_dup_high(epoll_create1(0));
	if (t->memfd < 0 || t->pipe[0] < 0 || t->pipe[1] < 0 || t->epfd < 0 ||
	    fz_full_listener(t))
		return -1;
	t->has_timer = !fz_timer(t);
	return t->has_timer ? 0 : -1;
}

static void *fz_thread_main(void *arg)
{
	struct fz_thread *t = arg;

	if (fz_thread_setup(t)) {
		fz_fail(t, "thread setup: %s", inx_errname(errno));
	} else {
		while (!atomic_load(&fz_stop) && (!fz_ops_limit || t->nops < fz_ops_limit) &&
		       (!fz_deadline || fz_now() < fz_deadline))
			fz_one(t);
	}
	if (t->has_timer)
		timer_delete(t->timer);
	close(t->memfd);
	close(t->pipe[0]);
	close(t->pipe[1]);
	close(t->epfd);
	inx_close_abort(t->full[0]);
	inx_close_abort(t->full[1]);
	pthread_mutex_lock(&fz_lock);
	fz_running--;
	pthread_cond_signal(&fz_cond);
	pthread_mutex_unlock(&fz_lock);
	return NULL;
}

/* Wait for the threads; one stuck in a call for FZ_STUCK_MS fails the run. */
static bool fz_wait_threads(void)
{
	struct timespec ts;
	bool stuck = false;
	long now;
	int i;

	pthread_mutex_lock(&fz_lock);
	while (fz_running > 0 && !stuck) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 1;
		pthread_cond_timedwait(&fz_cond, &fz_lock, &ts);
		now = fz_now();
		for (i = 0; i < fz_nthreads; i++) {
			long since = atomic_load(&fz_th[i].busy_since);

			if (since && now - since > FZ_STUCK_MS && !stuck) {
				stuck = true;
				pthread_mutex_unlock(&fz_lock);
				fz_fail(&fz_th[i], "still blocked after %d s despite signals",
					FZ_STUCK_MS / 1000);
				pthread_mutex_lock(&fz_lock);
			}
		}
	}
	pthread_mutex_unlock(&fz_lock);
	if (stuck) {
		/* Threads are stuck in the kernel: report and leave. */
		ktap_test(false, "fuzz seed %llu: an operation blocked for good",
			  (unsigned long long)fz_seed);
		printf("Bail out! operation stuck in the kernel\n");
		fflush(stdout);
		_exit(2);
	}
	for (i = 0; i < fz_nthreads; i++)
		pthread_join(fz_th[i].th, NULL);
	return true;
}

static void fz_summary(double secs)
{
	uint64_t kinds[FZ_NKINDS] = { 0 }, errs[FZ_NERR + 1] = { 0 }, total = 0;
	char line[1024];
	size_t o = 0;
	int i, k;

	for (i = 0; i < fz_nthreads; i++) {
		for (k = 0; k < FZ_NKINDS; k++)
			kinds[k] += fz_th[i].kinds[k];
		for (k = 0; k <= FZ_NERR; k++)
			errs[k] += fz_th[i].errs[k];
	}
	for (k = 0; k < FZ_NKINDS; k++) {
		total += kinds[k];
		o += snprintf(line + o, sizeof(line) - o, " %s %llu", fz_kinds[k].name,
			      (unsigned long long)kinds[k]);
	}
	ktap_diag("%llu operations in %.1f s (%.0f/s):%s", (unsigned long long)total,
		  secs, secs > 0 ? total / secs : 0.0, line);
	o = 0;
	for (k = 0; k <= FZ_NERR && o < sizeof(line) - 40; k++)
		if (errs[k])
			o += snprintf(line + o, sizeof(line) - o, " %s %llu",
				      k == FZ_NERR ? "other" : k ? inx_errname(k) : "ok",
				      (unsigned long long)errs[k]);
	ktap_diag("results:%s", line);
}

/*
 * Close whatever the run left open (stale numbers included) with RST; at
 * the start, what we inherited: random descriptor numbers must only ever
 * reach our own sockets.
 */
static int fz_close_all(void)
{
	int fd, n = 0;

	for (fd = 0; fd < FZ_SLOTS; fd++) {
		int s = atomic_exchange(&fz_slot[fd], -1);

		if (s >= 0)
			inx_close_abort(s);
	}
	for (fd = 3; fd < 1100; fd++) {
		if (fcntl(fd, F_GETFD) < 0)
			continue;
		inx_close_abort(fd);
		n++;
	}
	return n;
}

/* Loopback TCP still works, for each family pair. */
static bool fz_sanity(void)
{
	char out[1000], in[1000];
	int s, c, i, j;
	bool ok = true;

	memset(out, 0x5a, sizeof(out));
	for (i = 0; i < 2; i++) {
		for (j = 0; j < 2; j++) {
			bool good = !inx_pair(fz_fam[i], fz_fam[j], &c, &s) &&
				    inx_send_all(c, out, sizeof(out)) == sizeof(out) &&
				    inx_recv_all(s, in, sizeof(in)) == sizeof(in) &&
				    !memcmp(in, out, sizeof(in));

			if (!good) {
				ktap_diag("after fuzzing: %s client to %s server failed: %s",
					  inx_famname(fz_fam[j]), inx_famname(fz_fam[i]),
					  inx_errname(errno));
				ok = false;
			}
			inx_close_abort(c);
			inx_close_abort(s);
		}
	}
	return ok;
}

/*
 * The static keys fuzzed options flip are switched on before the threads
 * start, by sockets held open until they stop (inx_pin_static_keys()).
 * --flip-keys leaves the keys to the fuzzing.
 */
static int fz_pin_keys(void)
{
	int tcp, udp, bad = inx_pin_static_keys(&tcp, &udp, fz_wild);

	fz_dup_high(tcp);	/* held open until exit */
	fz_dup_high(udp);
	return bad;
}

static void fz_handler(int sig)
{
	(void)sig;
	atomic_fetch_add(&fz_sigs, 1);
}

/*
 * The recvmmsg defect (fz_shared), deterministically: a recvmmsg for two
 * messages gets the one byte sent, then blocks for a second until our
 * timer's signal interrupts it; then a non-blocking recv on the socket.
 * A sound kernel says EAGAIN, or EINTR stored for it (recvmmsg(2) BUGS).
 * Returns that errno, -1 if the setup failed; *@n: what recvmmsg returned,
 * *@told: whether fz_known_defect() tells this ERESTARTSYS apart.
 */
static int fz_probe_stored(int fam, int *n, bool *told)
{
	struct itimerspec its = { .it_value.tv_nsec = FZ_TICK_MS * 1000000L };
	struct fz_thread t = { 0 };
	struct fz_rec r = { .kind = FZ_RECV, .err = -1 };
	struct mmsghdr mm[2] = { 0 };
	struct iovec iov[2];
	char buf[2][8], c = 'x';
	struct pollfd pfd;
	int cl, sv, i, err = -1;

	*n = -1;
	if (inx_pair(fam, fam, &cl, &sv))
		return -1;
	/*
	 * No receive timeout (inx_pair() sets one), as on the fuzzed sockets:
	 * with one, sock_intr_errno() says EINTR, not ERESTARTSYS.
	 */
	setsockopt(sv, SOL_SOCKET, SO_RCVTIMEO, &(struct timeval){ 0 }, sizeof(struct timeval));
	pfd.fd = sv;
	pfd.events = POLLIN;
	if (send(cl, &c, 1, 0) == 1 && poll(&pfd, 1, INX_TIMEOUT_MS) == 1 && !fz_timer(&t)) {
		for (i = 0; i < 2; i++) {
			iov[i].iov_base = buf[i];
			iov[i].iov_len = sizeof(buf[i]);
			mm[i].msg_hdr.msg_iov = &iov[i];
			mm[i].msg_hdr.msg_iovlen = 1;
		}
		timer_settime(t.timer, 0, &its, NULL);
		*n = fz_recvmmsg(&t, sv, mm, 2, 0, NULL);
		r.fd = sv;
		FZ_SYS(&r, recv(sv, buf[0], 1, MSG_DONTWAIT));
		err = r.err;
		timer_delete(t.timer);
		/* As the fuzzing would see it: fz_known[] decides. */
		fz_known[fam != fz_fam[0]] = *n == 1 && err == ERESTARTSYS;
		*told = r.ret < 0 && fz_known_defect(&r);
	}
	inx_close_abort(cl);
	inx_close_abort(sv);
	return err;
}

/*
 * Test 1: the probe on each family. Both families share the socket layer's
 * recvmmsg, so inetx must do what AF_INET does; the defect itself is the
 * kernel's: a skip naming it (a failure with --strict), provided that the
 * fuzzing's own bookkeeping tells the probe's ERESTARTSYS apart, as it
 * then does for the families that showed it.
 */
static void fz_probe(void)
{
	int err[2], n[2], i, nfam = fz_fam[0] == fz_fam[1] ? 1 : 2;
	bool told[2] = { false, false };
	struct utsname u;
	char what[160];

	if (uname(&u))
		snprintf(u.release, sizeof(u.release), "?");
	for (i = 0; i < nfam; i++) {
		err[i] = fz_probe_stored(fz_fam[i], &n[i], &told[i]);
		ktap_diag("%s: recvmmsg interrupted after a message returned %d, next recv %s%s",
			  inx_famname(fz_fam[i]), n[i], err[i] < 0 ? "(setup failed)" :
			  err[i] ? inx_errname(err[i]) : "got data",
			  told[i] ? " (told apart as the known defect)" : "");
	}
	snprintf(what, sizeof(what), "recvmmsg interrupted after a message: the next recv on %s",
		 nfam == 1 ? inx_famname(fz_fam[0]) : "AF_INET and INETX alike");
	if (nfam == 2 && (n[0] != n[1] || err[0] != err[1])) {
		ktap_test(false, "%s", what);
		fz_known[0] = false;
		fz_known[1] = false;
	} else if (fz_known[0] && !fz_strict) {
		if (told[0] && told[nfam - 1])
			ktap_skip(fz_defect, "%s returns ERESTARTSYS on %s", what, u.release);
		else
			ktap_test(false, "%s: ERESTARTSYS not told apart", what);
	} else {
		ktap_test(n[0] == 1 && (err[0] == EAGAIN || err[0] == EINTR),
			  "%s says EAGAIN or EINTR on %s", what, u.release);
	}
}

/* A fresh network namespace with lo up: the host's own stack stays apart. */
static int fz_netns(void)
{
	int fd, ret;

	if (unshare(CLONE_NEWNET))
		return -1;
	ret = inx_lo_up();
	/*
	 * Orphans whose peer drops their segments (a filter, TCP_REPAIR,
	 * IP_MINTTL, MD5) retransmit for ~100 s by default, holding inetx
	 * references past run_selftests.sh's rmmod bound: one retry here.
	 * TIME_WAIT sockets go with the namespace.
	 */
	fd = open("/proc/sys/net/ipv4/tcp_orphan_retries", O_WRONLY);
	if (fd >= 0) {
		if (write(fd, "1", 1) != 1)
			ret = -1;
		close(fd);
	}
	return ret;
}

static void fz_usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [--seed N] [--seconds S] [--threads T] [--ops N]\n"
		"	[--family-only F] [--netns|--no-netns] [--wild|--tame] [--trace]\n"
		"	[--flip-keys] [--strict]\n", prog);
	exit(2);
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = fz_handler };	/* no SA_RESTART */
	int i, netns = !getenv("INETX_VM"), only = 0, left, refs, nprobe;
	long t0, t1;
	bool ok;

	fz_wild = getenv("INETX_VM");
	for (i = 0; i < FZ_SLOTS; i++)
		atomic_store(&fz_slot[i], -1);
	fz_close_all();
	fz_seed = (uint64_t)time(NULL);
	for (i = 1; i < argc; i++) {
		const char *o = argv[i];

		if (!strcmp(o, "--netns"))
			netns = 1;
		else if (!strcmp(o, "--no-netns"))
			netns = 0;
		else if (!strcmp(o, "--wild"))
			fz_wild = true;
		else if (!strcmp(o, "--tame"))
			fz_wild = false;
		else if (!strcmp(o, "--trace"))
			fz_trace = true;
		else if (!strcmp(o, "--flip-keys"))
			fz_flip_keys = true;
		else if (!strcmp(o, "--strict"))
			fz_strict = true;
		else if (i + 1 >= argc)
			fz_usage(argv[0]);
		else if (!strcmp(o, "--seed"))
			fz_seed = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(o, "--seconds"))
			fz_seconds = strtol(argv[++i], NULL, 0);
		else if (!strcmp(o, "--threads"))
			fz_nthreads = atoi(argv[++i]);
		else if (!strcmp(o, "--ops"))
			fz_ops_limit = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(o, "--family-only"))
			only = atoi(argv[++i]);
		else
			fz_usage(argv[0]);
	}
	if (fz_nthreads < 1 || fz_nthreads > FZ_MAXTHREADS || fz_seconds < 0 ||
	    (!fz_seconds && !fz_ops_limit))
		fz_usage(argv[0]);

	ktap_start(3);
	fz_fam[0] = only ? only : AF_INET;
	fz_fam[1] = only ? only : inx_family();
	ktap_diag("seed %llu, %d threads, %ld s, %llu ops per thread, families %d and %d%s%s",
		  (unsigned long long)fz_seed, fz_nthreads, fz_seconds,
		  (unsigned long long)fz_ops_limit, fz_fam[0], fz_fam[1],
		  netns ? ", own network namespace" : "",
		  fz_wild ? ", wild (module autoloading allowed)" : "");
	fz_netns_on = netns;
	fz_replay_line(0);
	if (netns && fz_netns()) {
		ktap_diag("no network namespace of our own: %s", inx_errname(errno));
		ktap_skip("needs CAP_SYS_ADMIN for a network namespace",
			  "recvmmsg's stored error");
		ktap_skip("needs CAP_SYS_ADMIN for a network namespace", "fuzz seed %llu",
			  (unsigned long long)fz_seed);
		ktap_skip("no fuzz run", "loopback TCP works after fuzzing");
		return ktap_finish();
	}
	if (!only && !inx_require("fuzz")) {
		ktap_skip("no inetx family", "recvmmsg's stored error");
		ktap_skip("no inetx family", "loopback TCP works after fuzzing");
		return ktap_finish();
	}
	/* The watchdog's backstop: stuck threads are reported before this. */
	ktap_watchdog(fz_seconds ? fz_seconds + FZ_STUCK_MS / 1000 + 120 : 0,
		      "fuzz seed %llu", (unsigned long long)fz_seed);
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGIO, SIG_IGN);
	signal(SIGURG, SIG_IGN);
	fz_bad = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	fz_sh = mmap(NULL, sizeof(*fz_sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		     -1, 0);
	if (fz_bad == MAP_FAILED || fz_sh == MAP_FAILED) {
		ktap_diag("mmap failed");
		return 1;
	}
	fz_probe();
	nprobe = atomic_load(&fz_sh->adds);
	if (!fz_flip_keys && fz_pin_keys())
		ktap_diag("some static keys not pinned: %s", inx_errname(errno));
	for (i = 0; i < FZ_NKINDS; i++)
		fz_weights += fz_kinds[i].weight;
	refs = inx_module_refs();

	t0 = fz_now();
	if (fz_seconds)
		fz_deadline = t0 + fz_seconds * 1000;
	fz_running = fz_nthreads;
	for (i = 0; i < fz_nthreads; i++) {
		fz_th[i].idx = i;
		fz_th[i].rng = fz_mix(fz_seed ^ fz_mix(i + 1));
		if (pthread_create(&fz_th[i].th, NULL, fz_thread_main, &fz_th[i])) {
			ktap_diag("pthread_create failed");
			return 1;
		}
	}
	fz_wait_threads();
	t1 = fz_now();
	fz_summary((t1 - t0) / 1000.0);
	left = fz_close_all();
	ktap_diag("closed %d descriptors left open; inetx refcnt %d before, %d now (TIME_WAIT)",
		  left, refs, inx_module_refs());
	/* The other threads' last operations, for races; all with -v. */
	for (i = 0; i < fz_nthreads; i++)
		if (fz_failed || getenv("INETX_FUZZ_VERBOSE"))
			fz_dump(&fz_th[i], 16, fz_th[i].nops);
	/* The probe's own record is not the fuzzing's. */
	if (atomic_load(&fz_sh->adds) > nprobe)
		ktap_diag("known kernel defect (test 1): ERESTARTSYS read back %d times, %s %d",
			  atomic_load(&fz_sh->hits), "recvmmsg with messages and a signal:",
			  atomic_load(&fz_sh->adds) - nprobe);
	ktap_test(!fz_failed, "fuzz seed %llu: %d threads, no failure", (unsigned long long)fz_seed,
		  fz_nthreads);
	ok = fz_sanity();
	ktap_test(ok, "loopback TCP works after fuzzing");
	alarm(0);
	return ktap_finish();
}
