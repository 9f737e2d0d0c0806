// SPDX-License-Identifier: GPL-2.0
/*
 * inetx_failnth: systematic fault injection, one syscall path at a time
 * (QEMU guest, root, a kernel with failslab and fail_page_alloc).
 *
 *	inetx_failnth [--long] [--family inet|inetx|both] [--cap N]
 *
 * For each syscall path (socket, bind, listen, connect, accept, send,
 * recv, MSG_ZEROCOPY, setsockopt/getsockopt options, shutdown, close,
 * splice, sendfile) and family: set up with no fault armed, write N to
 * /proc/thread-self/fail-nth, make only the call under test, read fail-nth
 * back and write 0, check what followed, tear down; N = 1, 2, ... until a
 * run leaves fail-nth nonzero, i.e. the call made fewer than N allocations
 * and nothing was injected. The caller sets failslab and fail_page_alloc
 * up so that every allocation counts (ignore-gfp-wait N, min-order 0).
 *
 * Each faulted call must succeed or fail with ENOMEM, ENOBUFS, the errno
 * it gives with no fault, a path's own expected errno (what the kernel's
 * TCP gives: ENFILE when sock_alloc() or the file fails, EADDRINUSE when
 * bind's port bucket cannot be allocated, EAGAIN/EINPROGRESS for
 * nonblocking calls), or (for inetx) one AF_INET gave on the same path:
 * AF_INET runs first and is the oracle. Then the program must go on: a nonblocking connect must still
 * complete, a zerocopy send must still post its completion, and no step may
 * hang (every wait is a bounded poll, the KTAP watchdog is the backstop).
 * Leaks and unloadability are checked by the caller (guest.sh: kmemleak,
 * rmmod).
 *
 * One KTAP result per path and family, "faults injected: K" in it, and
 * "# FAILNTH: K faults injected in T s" at the end. --family both (the
 * default) runs AF_INET first; --long adds more socket options. Every
 * allocation of a run counts, the kernel's TCP's included: the figures are
 * per syscall, not per inetx function.
 */
#include "inetx_common.h"

#include <getopt.h>
#include <linux/errqueue.h>
#include <sys/mman.h>
#include <sys/sendfile.h>

#ifndef SO_ZEROCOPY
#define SO_ZEROCOPY	60
#endif
#ifndef MSG_ZEROCOPY
#define MSG_ZEROCOPY	0x4000000
#endif
#ifndef SO_EE_ORIGIN_ZEROCOPY
#define SO_EE_ORIGIN_ZEROCOPY	5
#endif

#define FN_CAP		2000	/* allocations per call: far more than any path makes */
#define FN_BUF		16384
#define FN_MAXERR	256

struct fn_ctx {
	int fam;	/* family under test */
	int fd;		/* the socket under test */
	int peer;	/* its connected peer */
	int lfd;	/* a listener */
	int pfd[2];	/* a pipe, for splice */
	int file;	/* a memfd, for sendfile */
};

struct fn_opt {
	int level, name;
	const void *val;
	socklen_t len;
};

struct fn_path {
	const char *name;
	int (*setup)(struct fn_ctx *c, const struct fn_path *p);
	long (*call)(struct fn_ctx *c, const struct fn_path *p);
	/* Unfaulted checks once fail-nth is 0 again; NULL: none. */
	bool (*after)(struct fn_ctx *c, long ret, int err);
	const struct fn_opt *opt;
	int expect[2];	/* errnos this call may give by design, or 0 */
	bool long_only;
};

static char buf[FN_BUF];
static int nth_fd = -1;
/* errnos AF_INET gave, per path: the oracle for inetx. */
static bool inet_errs[64][FN_MAXERR];

/* ---- fail-nth --------------------------------------------------------- */

static bool nth_write(unsigned int n)
{
	char s[16];
	int len = snprintf(s, sizeof(s), "%u", n);

	return pwrite(nth_fd, s, len, 0) == len;
}

/* The allocations still to skip: 0 once a fault was injected. */
static long nth_read(void)
{
	char s[16] = "";

	if (pread(nth_fd, s, sizeof(s) - 1, 0) <= 0)
		return -1;
	return strtol(s, NULL, 10);
}

/* ---- setups ----------------------------------------------------------- */

static int set_none(struct fn_ctx *c, const struct fn_path *p)
{
	(void)c;
	(void)p;
	return 0;
}

static int set_socket(struct fn_ctx *c, const struct fn_path *p)
{
	(void)p;
	c->fd = inx_socket(c->fam);
	return c->fd < 0 ? -1 : 0;
}

static int set_bound(struct fn_ctx *c, const struct fn_path *p)
{
	uint16_t port;

	if (set_socket(c, p))
		return -1;
	return inx_bind_any(c->fd, c->fam, &port);
}

static int set_listener(struct fn_ctx *c, int fam, uint16_t *port)
{
	c->lfd = inx_listen(fam, 16, port);
	return c->lfd < 0 ? -1 : 0;
}

/* A socket to connect and a listener of the same family. */
static int set_connect(struct fn_ctx *c, const struct fn_path *p)
{
	uint16_t port;

	(void)p;
	if (set_listener(c, c->fam, &port) || set_socket(c, p))
		return -1;
	return port;
}

static int set_connect_nb(struct fn_ctx *c, const struct fn_path *p)
{
	int port = set_connect(c, p);

	if (port < 0 || fcntl(c->fd, F_SETFL, O_NONBLOCK))
		return -1;
	return port;
}

/* A connection waiting in a listener's queue. */
static int set_accept(struct fn_ctx *c, const struct fn_path *p)
{
	uint16_t port;

	(void)p;
	if (set_listener(c, c->fam, &port))
		return -1;
	c->peer = inx_connect(c->fam, port);
	if (c->peer < 0 || inx_poll1(c->lfd, POLLIN, INX_TIMEOUT_MS) <= 0)
		return -1;
	return 0;
}

/* An established pair: fd of the family under test, peer of @pfam. */
static int set_pair_fam(struct fn_ctx *c, int pfam)
{
	return inx_pair(pfam, c->fam, &c->fd, &c->peer);
}

static int set_pair(struct fn_ctx *c, const struct fn_path *p)
{
	(void)p;
	return set_pair_fam(c, c->fam);
}

/* A pair with data waiting for fd. */
static int set_readable(struct fn_ctx *c, const struct fn_path *p)
{
	if (set_pair(c, p) || inx_send_all(c->peer, buf, 4096) != 4096)
		return -1;
	return inx_wait_readable(c->fd, 4096) ? 0 : -1;
}

static int set_zerocopy(struct fn_ctx *c, const struct fn_path *p)
{
	int one = 1;

	if (set_pair(c, p))
		return -1;
	return setsockopt(c->fd, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof(one));
}

/*
 * The peer is AF_INET and sends its FIN first, so the close under test
 * sends the second FIN: no TIME_WAIT socket of the family under test is
 * left (an inetx one would pin the module for a minute). The peer stays
 * open and is reset at teardown: if the close could not allocate its FIN,
 * the orphan waits in LAST_ACK with no timer for a segment from the peer,
 * kernel TCP and inetx alike, and an inetx one pins the module until then.
 */
static int set_close(struct fn_ctx *c, const struct fn_path *p)
{
	(void)p;
	if (set_pair_fam(c, AF_INET) || shutdown(c->peer, SHUT_WR))
		return -1;
	return inx_poll1(c->fd, POLLIN, INX_TIMEOUT_MS) > 0 ? 0 : -1;
}

static int set_splice_in(struct fn_ctx *c, const struct fn_path *p)
{
	if (set_pair(c, p) || pipe(c->pfd))
		return -1;
	return write(c->pfd[1], buf, 4096) == 4096 ? 0 : -1;
}

static int set_splice_out(struct fn_ctx *c, const struct fn_path *p)
{
	if (set_readable(c, p) || pipe(c->pfd))
		return -1;
	return 0;
}

static int set_sendfile(struct fn_ctx *c, const struct fn_path *p)
{
	if (set_pair(c, p))
		return -1;
	c->file = memfd_create("inetx_failnth", 0);
	if (c->file < 0 || write(c->file, buf, 8192) != 8192)
		return -1;
	return 0;
}

/* ---- the calls under test --------------------------------------------- */

static long call_socket(struct fn_ctx *c, const struct fn_path *p)
{
	(void)p;
	c->fd = socket(c->fam, SOCK_STREAM, 0);
	return c->fd;
}

static long call_bind(struct fn_ctx *c, const struct fn_path *p)
{
	struct sockaddr_in sa;

	(void)p;
	return bind(c->fd, (struct sockaddr *)&sa, inx_addr(&sa, c->fam, 0));
}

static long call_listen(struct fn_ctx *c, const struct fn_path *p)
{
	(void)p;
	return listen(c->fd, 16);
}

static long call_connect(struct fn_ctx *c, const struct fn_path *p)
{
	struct sockaddr_in sa;

	(void)p;
	return connect(c->fd, (struct sockaddr *)&sa,
		       inx_addr(&sa, c->fam, inx_local_port(c->lfd)));
}

static long call_accept(struct fn_ctx *c, const struct fn_path *p)
{
	(void)p;
	c->fd = accept(c->lfd, NULL, NULL);
	return c->fd;
}

static long call_accept4(struct fn_ctx *c, const struct fn_path *p)
{
	(void)p;
	c->fd = accept4(c->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	return c->fd;
}

static long call_send(struct fn_ctx *c, const struct fn_path *p)
{
	(void)p;
	return send(c->fd, buf, FN_BUF, MSG_DONTWAIT | MSG_NOSIGNAL);
}

static long call_recv(struct fn_ctx *c, const struct fn_path *p)
{
	(void)p;
	return recv(c->fd, buf, FN_BUF, MSG_DONTWAIT);
}

static long call_sendmsg_zc(struct fn_ctx *c, const struct fn_path *p)
{
	struct iovec iov = { .iov_base = buf, .iov_len = 8192 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

	(void)p;
	return sendmsg(c->fd, &msg, MSG_ZEROCOPY | MSG_DONTWAIT | MSG_NOSIGNAL);
}

static long call_setsockopt(struct fn_ctx *c, const struct fn_path *p)
{
	return setsockopt(c->fd, p->opt->level, p->opt->name, p->opt->val,
			  p->opt->len);
}

static long call_getsockopt(struct fn_ctx *c, const struct fn_path *p)
{
	static char out[512];
	socklen_t len = p->opt->len;

	return getsockopt(c->fd, p->opt->level, p->opt->name, out, &len);
}

static long call_shutdown(struct fn_ctx *c, const struct fn_path *p)
{
	(void)p;
	return shutdown(c->fd, SHUT_WR);
}

static long call_close(struct fn_ctx *c, const struct fn_path *p)
{
	int fd = c->fd;

	(void)p;
	c->fd = -1;
	return close(fd);
}

static long call_splice_in(struct fn_ctx *c, const struct fn_path *p)
{
	(void)p;
	return splice(c->pfd[0], NULL, c->fd, NULL, 4096, SPLICE_F_NONBLOCK);
}

static long call_splice_out(struct fn_ctx *c, const struct fn_path *p)
{
	(void)p;
	return splice(c->fd, NULL, c->pfd[1], NULL, 4096, SPLICE_F_NONBLOCK);
}

static long call_sendfile(struct fn_ctx *c, const struct fn_path *p)
{
	off_t off = 0;

	(void)p;
	return sendfile(c->fd, c->file, &off, 8192);
}

/* ---- checks after the call, with no fault armed ----------------------- */

/* A nonblocking connect in progress still ends, one way or the other. */
static bool after_connect_nb(struct fn_ctx *c, long ret, int err)
{
	int soerr = 0;
	socklen_t len = sizeof(soerr);

	if (ret == 0 || err != EINPROGRESS)
		return true;
	if (inx_poll1(c->fd, POLLOUT, INX_TIMEOUT_MS) <= 0) {
		ktap_diag("nonblocking connect did not complete in %d ms",
			  INX_TIMEOUT_MS);
		return false;
	}
	getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &len);
	if (soerr)
		ktap_diag("nonblocking connect completed with %s",
			  inx_errname(soerr));
	return true;
}

/* Bytes sent with MSG_ZEROCOPY: the completion must still be posted. */
static bool after_zerocopy(struct fn_ctx *c, long ret, int err)
{
	char ctrl[CMSG_SPACE(sizeof(struct sock_extended_err))];
	struct msghdr msg = { .msg_control = ctrl,
			      .msg_controllen = sizeof(ctrl) };
	struct sock_extended_err *ee;
	struct cmsghdr *cm;

	(void)err;
	if (ret <= 0)
		return true;
	/* Loopback copies zerocopy frags on receive: no read needed. */
	if (!(inx_poll1(c->fd, 0, INX_TIMEOUT_MS) & POLLERR) ||
	    recvmsg(c->fd, &msg, MSG_ERRQUEUE) < 0) {
		ktap_diag("no MSG_ZEROCOPY completion after %ld bytes sent", ret);
		return false;
	}
	cm = CMSG_FIRSTHDR(&msg);
	ee = cm ? (struct sock_extended_err *)CMSG_DATA(cm) : NULL;
	if (!ee || ee->ee_origin != SO_EE_ORIGIN_ZEROCOPY) {
		ktap_diag("error queue: not a zerocopy completion");
		return false;
	}
	return true;
}

/* ---- the paths -------------------------------------------------------- */

static const int one = 1, rcvbuf = 65536;
static const char reno[] = "reno", tls[] = "tls";
static const struct linger lg = { .l_onoff = 1, .l_linger = 5 };
static const int idle = 30, tos = 0x10, maxseg = 1200;

#define OPT(l, n, v, s) (&(const struct fn_opt){ l, n, v, s })

static const struct fn_path paths[] = {
	{ .name = "socket", .setup = set_none, .call = call_socket,
	  .expect = { ENFILE } },
	{ .name = "bind", .setup = set_socket, .call = call_bind,
	  .expect = { EADDRINUSE } },
	{ .name = "listen", .setup = set_bound, .call = call_listen },
	{ .name = "connect (blocking)", .setup = set_connect, .call = call_connect },
	{ .name = "connect (nonblocking) + poll", .setup = set_connect_nb, .call = call_connect,
	  .after = after_connect_nb, .expect = { EINPROGRESS } },
	{ .name = "accept", .setup = set_accept, .call = call_accept,
	  .expect = { ENFILE } },
	{ .name = "accept4", .setup = set_accept, .call = call_accept4,
	  .expect = { ENFILE } },
	{ .name = "send", .setup = set_pair, .call = call_send, .expect = { EAGAIN } },
	{ .name = "recv", .setup = set_readable, .call = call_recv, .expect = { EAGAIN } },
	{ .name = "sendmsg MSG_ZEROCOPY", .setup = set_zerocopy, .call = call_sendmsg_zc,
	  .after = after_zerocopy, .expect = { EAGAIN } },
	{ .name = "setsockopt TCP_NODELAY", .setup = set_pair, .call = call_setsockopt,
	  .opt = OPT(IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) },
	{ .name = "setsockopt SO_RCVBUF", .setup = set_pair, .call = call_setsockopt,
	  .opt = OPT(SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)) },
	{ .name = "setsockopt TCP_CONGESTION reno", .setup = set_pair, .call = call_setsockopt,
	  .opt = OPT(IPPROTO_TCP, TCP_CONGESTION, reno, sizeof(reno) - 1) },
	{ .name = "setsockopt TCP_ULP tls", .setup = set_pair, .call = call_setsockopt,
	  .opt = OPT(IPPROTO_TCP, TCP_ULP, tls, sizeof(tls) - 1) },
	{ .name = "setsockopt SO_LINGER", .setup = set_pair, .call = call_setsockopt,
	  .opt = OPT(SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), .long_only = true },
	{ .name = "setsockopt SO_KEEPALIVE", .setup = set_pair, .call = call_setsockopt,
	  .opt = OPT(SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one)), .long_only = true },
	{ .name = "setsockopt TCP_KEEPIDLE", .setup = set_pair, .call = call_setsockopt,
	  .opt = OPT(IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle)), .long_only = true },
	{ .name = "setsockopt TCP_MAXSEG", .setup = set_socket, .call = call_setsockopt,
	  .opt = OPT(IPPROTO_TCP, TCP_MAXSEG, &maxseg, sizeof(maxseg)), .long_only = true },
	{ .name = "setsockopt IP_TOS", .setup = set_pair, .call = call_setsockopt,
	  .opt = OPT(IPPROTO_IP, IP_TOS, &tos, sizeof(tos)), .long_only = true },
	{ .name = "getsockopt TCP_INFO", .setup = set_pair, .call = call_getsockopt,
	  .opt = OPT(IPPROTO_TCP, TCP_INFO, NULL, sizeof(struct tcp_info)) },
	{ .name = "getsockopt TCP_CONGESTION", .setup = set_pair, .call = call_getsockopt,
	  .opt = OPT(IPPROTO_TCP, TCP_CONGESTION, NULL, 16) },
	{ .name = "getsockopt SO_RCVBUF", .setup = set_pair, .call = call_getsockopt,
	  .opt = OPT(SOL_SOCKET, SO_RCVBUF, NULL, sizeof(int)) },
	{ .name = "getsockopt TCP_NODELAY", .setup = set_pair, .call = call_getsockopt,
	  .opt = OPT(IPPROTO_TCP, TCP_NODELAY, NULL, sizeof(int)) },
	{ .name = "getsockopt TCP_ULP", .setup = set_pair, .call = call_getsockopt,
	  .opt = OPT(IPPROTO_TCP, TCP_ULP, NULL, 16), .long_only = true },
	{ .name = "getsockopt IP_PKTOPTIONS", .setup = set_pair, .call = call_getsockopt,
	  .opt = OPT(IPPROTO_IP, IP_PKTOPTIONS, NULL, 256), .long_only = true },
	{ .name = "shutdown SHUT_WR", .setup = set_pair, .call = call_shutdown },
	{ .name = "close (second FIN)", .setup = set_close, .call = call_close },
	{ .name = "splice pipe -> socket", .setup = set_splice_in, .call = call_splice_in,
	  .expect = { EAGAIN } },
	{ .name = "splice socket -> pipe", .setup = set_splice_out, .call = call_splice_out,
	  .expect = { EAGAIN } },
	{ .name = "sendfile", .setup = set_sendfile, .call = call_sendfile, .expect = { EAGAIN } },
};

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif
#define NPATHS	((int)ARRAY_SIZE(paths))

static void teardown(struct fn_ctx *c)
{
	inx_close_abort(c->fd);
	inx_close_abort(c->peer);
	if (c->lfd >= 0)
		close(c->lfd);
	if (c->pfd[0] >= 0)
		close(c->pfd[0]);
	if (c->pfd[1] >= 0)
		close(c->pfd[1]);
	if (c->file >= 0)
		close(c->file);
}

static void ctx_init(struct fn_ctx *c, int fam)
{
	*c = (struct fn_ctx){ .fam = fam, .fd = -1, .peer = -1, .lfd = -1,
			      .pfd = { -1, -1 }, .file = -1 };
}

/* An errno a faulted call may give: see the top of the file. */
static bool sane_errno(const struct fn_path *p, int pi, int fam, int err,
		       int base)
{
	if (err == ENOMEM || err == ENOBUFS || err == base ||
	    (p->expect[0] && err == p->expect[0]) ||
	    (p->expect[1] && err == p->expect[1]))
		return true;
	return fam != AF_INET && err < FN_MAXERR && inet_errs[pi][err];
}

struct fn_result {
	int faults;		/* runs with a fault injected */
	int fails;		/* of them, calls that failed */
	int errs[FN_MAXERR];	/* their errnos */
	bool bad;
};

static void describe(const struct fn_result *r, char *s, size_t len)
{
	size_t n = 0;
	int e;

	s[0] = 0;
	for (e = 0; e < FN_MAXERR && n < len; e++)
		if (r->errs[e])
			n += snprintf(s + n, len - n, "%s%s x%d", n ? ", " : "",
				      e ? inx_errname(e) : "ok", r->errs[e]);
}

/*
 * One run: setup, the call with fail-nth @n (0: none), checks, teardown.
 * Returns 1 if a fault was injected, 0 if not, -1 on a failure.
 */
static int run_once(const struct fn_path *p, int fam, unsigned int n,
		    long *ret, int *err)
{
	struct fn_ctx c;
	long left = 0;
	int rc = 0;

	ctx_init(&c, fam);
	if (p->setup(&c, p) < 0) {
		ktap_diag("%s: setup failed: %s", p->name, inx_errname(errno));
		teardown(&c);
		return -1;
	}
	if (n && !nth_write(n)) {
		ktap_diag("cannot write fail-nth: %s", inx_errname(errno));
		teardown(&c);
		return -1;
	}
	errno = 0;
	*ret = p->call(&c, p);
	*err = *ret < 0 ? errno : 0;
	if (n) {
		left = nth_read();
		if (left < 0 || !nth_write(0)) {
			ktap_diag("cannot read or reset fail-nth: %s",
				  inx_errname(errno));
			rc = -1;
		}
	}
	if (rc == 0 && p->after && !p->after(&c, *ret, *err))
		rc = -1;
	teardown(&c);
	if (rc)
		return rc;
	return n && left == 0;
}

static bool sweep(const struct fn_path *p, int pi, int fam, unsigned int cap,
		  struct fn_result *r)
{
	int base, err, inj;
	unsigned int n;
	long ret;

	memset(r, 0, sizeof(*r));
	/* The call with no fault: the reference for the faulted runs. */
	if (run_once(p, fam, 0, &ret, &base) < 0)
		return false;
	if (base)
		ktap_diag("%s %s: %s with no fault injected", inx_famname(fam),
			  p->name, inx_errname(base));
	for (n = 1; n <= cap; n++) {
		inj = run_once(p, fam, n, &ret, &err);
		if (inj < 0)
			return false;
		if (!inj) {
			/* Nothing injected: the call must behave as unfaulted. */
			if (err != base) {
				ktap_diag("%s %s: %s with no fault, %s before",
					  inx_famname(fam), p->name,
					  inx_errname(err), inx_errname(base));
				return false;
			}
			return true;
		}
		r->faults++;
		if (err < FN_MAXERR)
			r->errs[err]++;
		if (!err)
			continue;
		r->fails++;
		if (fam == AF_INET && err < FN_MAXERR)
			inet_errs[pi][err] = true;
		if (!sane_errno(p, pi, fam, err, base)) {
			ktap_diag("%s %s: allocation %u failed: %s",
				  inx_famname(fam), p->name, n,
				  inx_errname(err));
			r->bad = true;
		}
	}
	ktap_diag("%s %s: still injecting at allocation %u", inx_famname(fam),
		  p->name, cap);
	return false;
}

static void usage(void)
{
	fprintf(stderr, "usage: inetx_failnth [--long] [--family inet|inetx|both] [--cap N]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "long", no_argument, NULL, 'l' },
		{ "family", required_argument, NULL, 'f' },
		{ "cap", required_argument, NULL, 'c' },
		{}
	};
	int fams[2], nfam = 0, npaths = 0, total = 0, i, f, o;
	const char *which = "both";
	unsigned int cap = FN_CAP;
	bool longmode = false;
	struct fn_result r;
	char desc[256];
	long t0, t1;

	while ((o = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		switch (o) {
		case 'l':
			longmode = true;
			break;
		case 'f':
			which = optarg;
			break;
		case 'c':
			cap = strtoul(optarg, NULL, 0);
			break;
		default:
			usage();
		}
	}
	if (!strcmp(which, "inet") || !strcmp(which, "both"))
		fams[nfam++] = AF_INET;
	if (!strcmp(which, "inetx") || !strcmp(which, "both"))
		fams[nfam++] = inx_family();
	if (!nfam || optind != argc || !cap)
		usage();
	for (i = 0; i < NPATHS; i++)
		npaths += longmode || !paths[i].long_only;

	ktap_start(nfam * (npaths + 1));
	ktap_diag("fail-nth sweep: %s, %d paths per family%s", which, npaths,
		  longmode ? " (long mode)" : "");
	nth_fd = open("/proc/thread-self/fail-nth", O_RDWR);
	if (nth_fd < 0 || !nth_write(0)) {
		printf("Bail out! no /proc/thread-self/fail-nth: %s\n",
		       inx_errname(errno));
		return 1;
	}
	/* No page fault may take (or be) an injected allocation. */
	memset(buf, 'x', sizeof(buf));
	if (mlockall(MCL_CURRENT | MCL_FUTURE))
		ktap_diag("mlockall: %s", inx_errname(errno));

	t0 = inx_now_ms();
	for (f = 0; f < nfam; f++) {
		if (fams[f] != AF_INET && !inx_require("inetx family present")) {
			for (i = 0; i < npaths; i++)
				ktap_skip("no inetx", "INETX path %d", i);
			continue;
		}
		for (i = 0; i < NPATHS; i++) {
			const struct fn_path *p = &paths[i];
			bool ok;

			if (p->long_only && !longmode)
				continue;
			ktap_watchdog(600, "%s %s", inx_famname(fams[f]), p->name);
			t1 = inx_now_ms();
			ok = sweep(p, i, fams[f], cap, &r);
			alarm(0);
			total += r.faults;
			describe(&r, desc, sizeof(desc));
			ktap_test(ok && !r.bad,
				  "%s %s: faults injected: %d (%d failed calls%s%s; %ld ms)",
				  inx_famname(fams[f]), p->name, r.faults, r.fails,
				  *desc ? ": " : "", desc, inx_now_ms() - t1);
		}
		if (fams[f] != AF_INET)
			/* Issue 13: inetx has no sock_diag handler yet. */
			ktap_skip("inetx has no sock_diag yet (issue 13)",
				  "%s sock_diag dump", inx_famname(fams[f]));
		else
			ktap_skip("swept with inetx's once it has one (issue 13)",
				  "%s sock_diag dump", inx_famname(fams[f]));
	}
	ktap_diag("FAILNTH: %d faults injected in %ld s", total,
		  (inx_now_ms() - t0) / 1000);
	return ktap_finish();
}
