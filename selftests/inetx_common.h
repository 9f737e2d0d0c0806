/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared helpers for the inetx selftests.
 *
 * The kernel's own AF_INET TCP is the oracle: most tests run one scenario
 * twice in the same process, once with AF_INET and once with the inetx
 * family, record every syscall result in a trace and require the traces to
 * be identical. Whatever legitimately differs between runs (the family
 * number, ephemeral ports) is recorded as a relation ("family is the
 * socket's family", "port equals the listener's port"), never as a value.
 *
 * Environment:
 *	INETX_FAMILY=N	use family N instead of sysfs / AF_INETX. With N=2 the
 *			harness can be checked on a host without the module.
 *	INETX_REQUIRE=1	a missing inetx family fails the tests instead of
 *			skipping them (run_selftests.sh sets it in the guest).
 *
 * Closing: a TCP socket that closes first and then receives the peer's FIN
 * sits in TIME_WAIT for 60 s, and an inetx TIME_WAIT socket holds a module
 * reference, which would delay rmmod by a minute. So connected sockets are
 * closed abortively (SO_LINGER {1, 0}: RST, no TIME_WAIT) once the
 * application-level exchange is complete, or the AF_INET peer closes first.
 */
#ifndef _INETX_COMMON_H
#define _INETX_COMMON_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

/* After <netinet/in.h>: libc-compat then skips the duplicate definitions. */
#include <linux/inetx.h>

#include "ktap.h"

#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP	262
#endif

#define INX_TIMEOUT_MS	10000	/* per blocking step; the watchdog is the backstop */
#define INX_TEST_SECS	60	/* per test; TCG guests are slow */
#ifndef INX_TRACE_MAX
#define INX_TRACE_MAX	128
#endif

/* ---- errno and family names ------------------------------------------ */

static inline const char *inx_errname(int err)
{
	static __thread char buf[24];	/* "errno" and any int */
	const char *s = err ? strerrorname_np(err) : "0";

	if (s)
		return s;
	snprintf(buf, sizeof(buf), "errno%d", err);
	return buf;
}

/*
 * The inetx family: INETX_FAMILY from the environment, else the module's
 * sysfs parameter, else the default AF_INETX.
 */
static inline int inx_family(void)
{
	static int fam = -1;
	const char *env;
	FILE *f;

	if (fam >= 0)
		return fam;
	fam = AF_INETX;
	env = getenv("INETX_FAMILY");
	if (env && *env) {
		fam = atoi(env);
		return fam;
	}
	f = fopen(INETX_FAMILY_SYSFS, "r");
	if (f) {
		if (fscanf(f, "%d", &fam) != 1)
			fam = AF_INETX;
		fclose(f);
	}
	return fam;
}

static inline const char *inx_famname(int fam)
{
	return fam == AF_INET ? "AF_INET" : "INETX";
}

/* True if socket(inx_family(), SOCK_STREAM, 0) works. */
static inline bool inx_available(void)
{
	static int avail = -1;
	int fd;

	if (avail < 0) {
		fd = socket(inx_family(), SOCK_STREAM, 0);
		avail = fd >= 0;
		if (fd >= 0)
			close(fd);
	}
	return avail;
}

/*
 * Gate for a test that needs the module: skip (or fail under
 * INETX_REQUIRE) with @desc when the family is not registered.
 */
static inline bool inx_require(const char *desc)
{
	char reason[64];

	if (inx_available())
		return true;
	snprintf(reason, sizeof(reason), "inetx family %d not registered",
		 inx_family());
	if (getenv("INETX_REQUIRE")) {
		ktap_diag("%s", reason);
		ktap_test(false, "%s", desc);
	} else {
		ktap_skip(reason, "%s", desc);
	}
	return false;
}

/* ---- sockets --------------------------------------------------------- */

static inline void inx_set_timeouts(int fd, int ms)
{
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* A stream socket of @fam with blocking steps bounded by INX_TIMEOUT_MS. */
static inline int inx_socket(int fam)
{
	int fd = socket(fam, SOCK_STREAM, 0);

	if (fd >= 0)
		inx_set_timeouts(fd, INX_TIMEOUT_MS);
	return fd;
}

/*
 * 127.0.0.1:@port for a socket of family @fam: AF_INET for AF_INET and
 * inetx sockets alike. Any other @fam is taken as the sin_family itself.
 */
static inline socklen_t inx_addr(struct sockaddr_in *sa, int fam, uint16_t port)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = fam == inx_family() ? AF_INET : fam;
	sa->sin_port = htons(port);
	sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return sizeof(*sa);
}

static inline uint16_t inx_local_port(int fd)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);

	if (getsockname(fd, (struct sockaddr *)&sa, &len))
		return 0;
	return ntohs(sa.sin_port);
}

/* Bind @fd to 127.0.0.1:0 and return the port the kernel picked. */
static inline int inx_bind_any(int fd, int fam, uint16_t *port)
{
	struct sockaddr_in sa;

	if (bind(fd, (struct sockaddr *)&sa, inx_addr(&sa, fam, 0)))
		return -1;
	*port = inx_local_port(fd);
	return *port ? 0 : -1;
}

/* Listener on 127.0.0.1, kernel-chosen port returned in @port. */
static inline int inx_listen(int fam, int backlog, uint16_t *port)
{
	int fd = inx_socket(fam);

	*port = 0;
	if (fd < 0)
		return -1;
	if (inx_bind_any(fd, fam, port) || listen(fd, backlog)) {
		int err = errno;

		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

/* Blocking connect of a new @fam socket to 127.0.0.1:@port. */
static inline int inx_connect(int fam, uint16_t port)
{
	struct sockaddr_in sa;
	int fd = inx_socket(fam);

	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, inx_addr(&sa, fam, port))) {
		int err = errno;

		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

/* Whether /proc/net/tcp has @lport -> @rport in state @st (hex there; 0: any). */
static inline bool inx_proc_tcp_has(uint16_t lport, uint16_t rport, unsigned int st)
{
	unsigned int lp, rp, s;
	char line[256];
	bool found = false;
	FILE *f = fopen("/proc/net/tcp", "r");

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, " %*d: %*x:%x %*x:%x %x", &lp, &rp, &s) == 3 &&
		    lp == lport && rp == rport && (!st || s == st))
			found = true;
	fclose(f);
	return found;
}

/* poll() one fd; returns revents, 0 on timeout, -1 on error. */
static inline int inx_poll1(int fd, short events, int ms)
{
	struct pollfd p = { .fd = fd, .events = events };
	int r = poll(&p, 1, ms);

	return r > 0 ? p.revents : r;
}

/* accept() that cannot block forever. */
static inline int inx_accept(int lfd, struct sockaddr_in *peer, socklen_t *len)
{
	int fd;

	if (inx_poll1(lfd, POLLIN, INX_TIMEOUT_MS) <= 0) {
		errno = ETIMEDOUT;
		return -1;
	}
	fd = accept(lfd, (struct sockaddr *)peer, len);
	if (fd >= 0)
		inx_set_timeouts(fd, INX_TIMEOUT_MS);
	return fd;
}

/*
 * A connected pair: client of @cfam connected to a listener of @sfam.
 * The listener is closed again; returns 0 or -1.
 */
static inline int inx_pair(int sfam, int cfam, int *cfd, int *sfd)
{
	uint16_t port;
	int lfd = inx_listen(sfam, 4, &port);

	*cfd = *sfd = -1;
	if (lfd < 0)
		return -1;
	*cfd = inx_connect(cfam, port);
	if (*cfd >= 0)
		*sfd = inx_accept(lfd, NULL, NULL);
	close(lfd);
	if (*sfd < 0) {
		if (*cfd >= 0)
			close(*cfd);
		*cfd = -1;
		return -1;
	}
	return 0;
}

/* Close with RST: no TIME_WAIT, so no module reference outlives us. */
static inline void inx_close_abort(int fd)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	if (fd < 0)
		return;
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
}

static inline ssize_t inx_send_all(int fd, const void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = send(fd, (const char *)buf + done, len - done,
				 MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return done ? (ssize_t)done : n;
		done += n;
	}
	return done;
}

/* Read exactly @len bytes unless EOF, error or SO_RCVTIMEO comes first. */
static inline ssize_t inx_recv_all(int fd, void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = recv(fd, (char *)buf + done, len - done, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return done ? (ssize_t)done : n;
		done += n;
	}
	return done;
}

/*
 * Wait until @fd has @want bytes queued. MSG_PEEK rather than SIOCINQ, so
 * that the ioctl tests do not depend on their own subject.
 */
static inline bool inx_wait_readable(int fd, size_t want)
{
	static char buf[1 << 16];
	int i;

	if (want > sizeof(buf))
		return false;
	for (i = 0; i < INX_TIMEOUT_MS / 10; i++) {
		ssize_t n = recv(fd, buf, want, MSG_PEEK | MSG_DONTWAIT);

		if (n >= (ssize_t)want || n == 0)
			return n >= (ssize_t)want;
		usleep(10000);
	}
	return false;
}

static inline long inx_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- traces: the differential machinery ------------------------------ */

struct inx_ev {
	char what[64];
	long ret;
	int err;
};

struct inx_trace {
	int fam;		/* family under test in this run */
	int n;
	int bad;		/* failed absolute checks */
	char badmsg[160];	/* the first one */
	struct inx_ev ev[INX_TRACE_MAX];
};

static inline void inx_rec(struct inx_trace *t, const char *what, long ret, int err)
{
	struct inx_ev *e;

	if (t->n >= INX_TRACE_MAX) {
		t->bad++;
		snprintf(t->badmsg, sizeof(t->badmsg), "trace overflow at %s", what);
		return;
	}
	e = &t->ev[t->n++];
	snprintf(e->what, sizeof(e->what), "%s", what);
	e->ret = ret;
	e->err = err;
}

/* Record a syscall: its return value and, if it failed, errno. */
#define INX_SYS(t, what, expr) ({					\
	long __r;							\
	errno = 0;							\
	__r = (long)(expr);						\
	inx_rec((t), (what), __r, __r < 0 ? errno : 0);			\
	__r;								\
})

/* Like INX_SYS for calls returning a descriptor: records 0 for any fd. */
#define INX_FD(t, what, expr) ({					\
	int __fd;							\
	errno = 0;							\
	__fd = (expr);							\
	inx_rec((t), (what), __fd < 0 ? -1 : 0, __fd < 0 ? errno : 0);	\
	__fd;								\
})

/* Record a plain value that must match between the runs. */
static inline long inx_val(struct inx_trace *t, const char *what, long v)
{
	inx_rec(t, what, v, 0);
	return v;
}

/* Absolute check: must hold in every run (and is recorded too). */
static inline bool inx_check(struct inx_trace *t, const char *what, bool cond)
{
	inx_rec(t, what, cond, 0);
	if (!cond && !t->bad++)
		snprintf(t->badmsg, sizeof(t->badmsg), "check failed: %s", what);
	return cond;
}

/* Setup trouble that makes the rest of the run meaningless. */
static inline void inx_fail(struct inx_trace *t, const char *what)
{
	if (!t->bad++)
		snprintf(t->badmsg, sizeof(t->badmsg), "%s: %s", what,
			 inx_errname(errno));
}

/*
 * Record what getsockname/getpeername style calls returned, relative to
 * the run: family equals the socket's family, address is 127.0.0.1 (or
 * @addr), port equals @port (pass -1 for "non-zero").
 */
static inline void inx_rec_sa(struct inx_trace *t, const char *what,
			      const struct sockaddr_in *sa, socklen_t len,
			      uint32_t addr, int port)
{
	char w[48];

	snprintf(w, sizeof(w), "%s.len", what);
	inx_val(t, w, len);
	snprintf(w, sizeof(w), "%s.family==AF_INET", what);
	inx_check(t, w, sa->sin_family == AF_INET);
	snprintf(w, sizeof(w), "%s.addr", what);
	inx_check(t, w, sa->sin_addr.s_addr == htonl(addr));
	snprintf(w, sizeof(w), "%s.port", what);
	if (port < 0)
		inx_check(t, w, sa->sin_port != 0);
	else
		inx_check(t, w, ntohs(sa->sin_port) == port);
}

static inline void inx_ev_str(const struct inx_ev *e, char *buf, size_t len)
{
	if (!e)
		snprintf(buf, len, "(missing)");
	else if (e->err)
		snprintf(buf, len, "%s = %ld %s", e->what, e->ret, inx_errname(e->err));
	else
		snprintf(buf, len, "%s = %ld", e->what, e->ret);
}

/* Compare two runs step by step; print the differences as diagnostics. */
static inline bool inx_trace_eq(const struct inx_trace *a, const struct inx_trace *b)
{
	int i, n = a->n > b->n ? a->n : b->n, shown = 0;
	char sa[112], sb[112];
	bool eq = true;

	for (i = 0; i < n; i++) {
		const struct inx_ev *ea = i < a->n ? &a->ev[i] : NULL;
		const struct inx_ev *eb = i < b->n ? &b->ev[i] : NULL;

		if (ea && eb && !strcmp(ea->what, eb->what) &&
		    ea->ret == eb->ret && ea->err == eb->err)
			continue;
		eq = false;
		if (shown++ >= 8)
			continue;
		inx_ev_str(ea, sa, sizeof(sa));
		inx_ev_str(eb, sb, sizeof(sb));
		ktap_diag("step %d: %s: %s | %s: %s", i, inx_famname(a->fam), sa,
			  inx_famname(b->fam), sb);
	}
	if (shown > 8)
		ktap_diag("... %d more differing steps", shown - 8);
	return eq;
}

static inline void inx_trace_dump(const struct inx_trace *t)
{
	char s[96];
	int i;

	for (i = 0; i < t->n; i++) {
		inx_ev_str(&t->ev[i], s, sizeof(s));
		ktap_diag("  %s[%d] %s", inx_famname(t->fam), i, s);
	}
}

/* References on the inetx module (sockets, TIME_WAIT), -1 if unknown. */
/* The integer a sysfs/procfs file starts with, or -1. */
static inline int inx_read_int(const char *path)
{
	FILE *f = fopen(path, "r");
	int v = -1;

	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static inline int inx_module_refs(void)
{
	return inx_read_int("/sys/module/inetx/refcnt");
}

/*
 * After a test, the module refcount must be back where it was within a
 * few seconds: every socket the test made is closed, and none of them is
 * left in TIME_WAIT (see the top of this file). A count that stays up is
 * a leaked socket or module reference, or a test that closed on the
 * wrong side and would delay rmmod by 60 s. Returns false then.
 */
static inline bool inx_settle(int before)
{
	int i, n = inx_module_refs();

	/*
	 * Sockets are freed after close() returns (RCU, softirq): wait for
	 * the count to drop, up to 30 s for a loaded TCG guest; a leak or a
	 * TIME_WAIT socket (60 s) still fails.
	 */
	for (i = 0; n > before && before >= 0 && i < 3000; i++) {
		usleep(10000);
		n = inx_module_refs();
	}
	if (n > before && before >= 0) {
		ktap_diag("inetx module refcnt %d, was %d before the test (leak or TIME_WAIT)",
			  n, before);
		return false;
	}
	return true;
}

typedef void (*inx_scen_t)(struct inx_trace *t);

/*
 * One KTAP result: run @fn for AF_INET and for inetx, require both to
 * pass their absolute checks and to produce identical traces.
 */
static inline bool inx_diff_test(const char *desc, inx_scen_t fn)
{
	static struct inx_trace a, b;
	bool ok, settled;
	int refs;
	long t0;

	ktap_watchdog(INX_TEST_SECS, "%s", desc);
	if (!inx_require(desc))
		return false;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	t0 = inx_now_ms();
	a.fam = AF_INET;
	fn(&a);
	b.fam = inx_family();
	refs = inx_module_refs();
	fn(&b);
	settled = inx_settle(refs);
	if (getenv("INETX_VERBOSE"))
		ktap_diag("both runs took %ld ms", inx_now_ms() - t0);
	if (a.bad)
		ktap_diag("AF_INET run: %s (test or environment problem)", a.badmsg);
	if (b.bad)
		ktap_diag("INETX run: %s", b.badmsg);
	ok = inx_trace_eq(&a, &b) && !a.bad && !b.bad && settled;
	if (getenv("INETX_VERBOSE") || (!ok && (a.bad || b.bad))) {
		inx_trace_dump(&a);
		inx_trace_dump(&b);
	}
	return ktap_test(ok, "%s", desc);
}

/* ---- threads and processes ------------------------------------------- */

struct inx_thread {
	pthread_t th;
	bool started;
};

static inline int inx_thread_start(struct inx_thread *t, void *(*fn)(void *), void *arg)
{
	t->started = !pthread_create(&t->th, NULL, fn, arg);
	return t->started ? 0 : -1;
}

/* Join within @ms; a thread that is stuck is left to the watchdog. */
static inline int inx_thread_join(struct inx_thread *t, int ms, void **ret)
{
	struct timespec ts;

	if (!t->started)
		return -1;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	t->started = false;
	return pthread_timedjoin_np(t->th, ret, &ts) ? -1 : 0;
}

/*
 * Run @fn(@arg) in a child process that dies with us and after @secs.
 * Its return value is the exit status.
 */
static inline pid_t inx_fork(int (*fn)(void *), void *arg, unsigned int secs)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	signal(SIGALRM, SIG_DFL);
	alarm(secs);
	_exit(fn(arg));
}

/* Exit status of @pid, 128+signal if killed, -1 if it had to be killed. */
static inline int inx_waitpid(pid_t pid, int ms)
{
	int st, i;

	if (pid < 0)
		return -1;
	for (i = 0; i <= ms / 10; i++) {
		pid_t r = waitpid(pid, &st, WNOHANG);

		if (r == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		if (r < 0)
			return -1;
		usleep(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return -1;
}

/* ---- data streams ---------------------------------------------------- */

/* xorshift64* byte stream: the same bytes whatever the chunking. */
struct inx_prng {
	uint64_t s, cur;
	int left;
};

static inline void inx_prng_init(struct inx_prng *p, uint64_t seed)
{
	p->s = seed ? seed : 0x9e3779b97f4a7c15ULL;
	p->left = 0;
}

static inline void inx_prng_fill(struct inx_prng *p, uint8_t *buf, size_t len)
{
	while (len--) {
		if (!p->left) {
			p->s ^= p->s >> 12;
			p->s ^= p->s << 25;
			p->s ^= p->s >> 27;
			p->cur = p->s * 0x2545f4914f6cdd1dULL;
			p->left = 8;
		}
		*buf++ = p->cur;
		p->cur >>= 8;
		p->left--;
	}
}

#define INX_FNV_INIT	0xcbf29ce484222325ULL

static inline uint64_t inx_fnv(uint64_t h, const uint8_t *buf, size_t len)
{
	while (len--) {
		h ^= *buf++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* Bring lo up, e.g. in a fresh network namespace (127.0.0.1 comes with it). */
static inline int inx_lo_up(void)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	int fd = socket(AF_INET, SOCK_DGRAM, 0), rc = -1;

	if (fd < 0)
		return -1;
	if (!ioctl(fd, SIOCGIFFLAGS, &ifr)) {
		ifr.ifr_flags |= IFF_UP;
		rc = ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	close(fd);
	return rc;
}

/*
 * Static keys that socket options switch on and off (netstamp_needed_key:
 * SO_TIMESTAMP*, SIOCGSTAMP; tcp_md5_needed: TCP_MD5SIG; udp_encap_needed:
 * UDP_ENCAP) or on once (ip4_min_ttl: IP_MINTTL; tcp_tx_delay_enabled:
 * TCP_TX_DELAY), switched on by two AF_INET sockets (*tcp, *udp) that the
 * caller keeps open: while they are, no kernel text is patched for these
 * keys.  Under QEMU TCG, patching code another vCPU is running oopses with
 * "int3" (netstamp's branch in ip_local_deliver_finish under loopback
 * receive, tcp_options_write after TCP_TX_DELAY), AF_INET alone too: a
 * flaw of the emulator, not of the kernel, that tests must not trip over.
 * MD5 wants a crypto module, so only with md5.  Returns how many options
 * failed.
 */
static inline int inx_pin_static_keys(int *tcp, int *udp, bool md5)
{
	struct tcp_md5sig sig = { .tcpm_keylen = 1, .tcpm_key = "k" };
	struct sockaddr_in *sin = (void *)&sig.tcpm_addr;
	int on = 1, encap = 2;	/* UDP_ENCAP_ESPINUDP */
	int bad = 0;

	*tcp = socket(AF_INET, SOCK_STREAM, 0);
	*udp = socket(AF_INET, SOCK_DGRAM, 0);
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(0x7f0000fe);	/* 127.0.0.254: nobody's */
	bad += setsockopt(*tcp, SOL_SOCKET, SO_TIMESTAMP, &on, sizeof(on)) < 0;
	bad += setsockopt(*tcp, IPPROTO_IP, IP_MINTTL, &on, sizeof(on)) < 0;
	bad += setsockopt(*tcp, IPPROTO_TCP, 37 /* TCP_TX_DELAY */, &on, sizeof(on)) < 0;
	if (md5)
		bad += setsockopt(*tcp, IPPROTO_TCP, TCP_MD5SIG, &sig, sizeof(sig)) < 0;
	bad += setsockopt(*udp, IPPROTO_UDP, 100 /* UDP_ENCAP */, &encap, sizeof(encap)) < 0;
	return bad;
}

#endif /* _INETX_COMMON_H */
