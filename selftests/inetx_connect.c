// SPDX-License-Identifier: GPL-2.0
/*
 * inetx_connect: connection setup, addresses and their errors.
 *
 * The "seed" tests run the simplest possible TCP client (socket, connect,
 * write "This is test\n", read the reply, close) across family pairings
 * with the server in a forked process. Everything else is differential:
 * the same scenario with AF_INET and with inetx must give the same trace.
 */
#include "inetx_common.h"

static const char seed_msg[] = "This is test\n";

/* The inetx family number as a sin_family: both families refuse it. */
static int other_fam(void)
{
	return inx_family() == AF_INET ? AF_INETX : inx_family();
}

/* The default family when loaded with family=N, else another free one. */
static int unused_fam(void)
{
	return inx_family() == AF_INETX ? 19 : AF_INETX;
}

/* ---- seed client/server ---------------------------------------------- */

struct seed_srv {
	int lfd, fam;
};

/* Forked: accept one client, echo one line back, close politely. */
static int seed_server(void *arg)
{
	struct seed_srv *s = arg;
	char buf[256] = "";
	ssize_t n, got = 0;
	int fd;

	fd = inx_accept(s->lfd, NULL, NULL);
	if (fd < 0)
		return 10;
	while (got < (ssize_t)sizeof(buf) - 1 && !memchr(buf, '\n', got)) {
		n = recv(fd, buf + got, sizeof(buf) - 1 - got, 0);
		if (n <= 0)
			return 11;
		got += n;
	}
	if (got != (ssize_t)strlen(seed_msg) || memcmp(buf, seed_msg, got))
		return 12;
	if (inx_send_all(fd, buf, got) != got)
		return 13;
	/*
	 * An AF_INET server closes first (its TIME_WAIT is harmless); an
	 * inetx server waits for the client's FIN or RST so that it never
	 * becomes the TIME_WAIT side.
	 */
	if (s->fam != AF_INET) {
		while ((n = recv(fd, buf, sizeof(buf), 0)) > 0)
			;
		if (n < 0 && errno != ECONNRESET)
			return 14;
	}
	close(fd);
	return 0;
}

/* The seed client; returns NULL or what went wrong. */
static const char *seed_client(int cfam, int sfam, uint16_t port)
{
	struct sockaddr_in sa;
	char buf[1024];
	ssize_t n, got = 0;
	int fd;

	fd = socket(cfam, SOCK_STREAM, 0);
	if (fd < 0)
		return "socket";
	inx_set_timeouts(fd, INX_TIMEOUT_MS);
	if (connect(fd, (struct sockaddr *)&sa, inx_addr(&sa, cfam, port))) {
		close(fd);
		return "connect";
	}
	if (write(fd, seed_msg, strlen(seed_msg)) != (ssize_t)strlen(seed_msg)) {
		close(fd);
		return "write";
	}
	while (got < (ssize_t)strlen(seed_msg)) {
		n = read(fd, buf + got, sizeof(buf) - got);
		if (n <= 0) {
			close(fd);
			return "read";
		}
		got += n;
	}
	if (got != (ssize_t)strlen(seed_msg) || memcmp(buf, seed_msg, got)) {
		close(fd);
		return "reply differs";
	}
	if (sfam == AF_INET) {
		/* Server closes first: we see EOF and close from CLOSE_WAIT. */
		if (read(fd, buf, sizeof(buf)) != 0) {
			close(fd);
			return "no EOF after reply";
		}
		close(fd);
	} else if (cfam == AF_INET) {
		close(fd);
	} else {
		inx_close_abort(fd);
	}
	return NULL;
}

static void test_seed(int cfam, int sfam)
{
	char desc[96];
	struct seed_srv s = { .fam = sfam };
	const char *err = NULL;
	uint16_t port;
	pid_t pid;
	int st;

	snprintf(desc, sizeof(desc), "seed client: %s client -> %s echo server",
		 inx_famname(cfam), inx_famname(sfam));
	ktap_watchdog(INX_TEST_SECS, "%s", desc);
	if (!inx_require(desc))
		return;
	s.lfd = inx_listen(sfam, 8, &port);
	if (s.lfd < 0) {
		ktap_diag("listen: %s", strerror(errno));
		ktap_test(false, "%s", desc);
		return;
	}
	pid = inx_fork(seed_server, &s, INX_TEST_SECS - 5);
	close(s.lfd);
	err = seed_client(cfam, sfam, port);
	st = inx_waitpid(pid, INX_TIMEOUT_MS);
	if (err)
		ktap_diag("client: %s: %s", err, strerror(errno));
	if (st)
		ktap_diag("server exit status %d", st);
	ktap_test(!err && !st, "%s", desc);
}

/* ---- differential scenarios ------------------------------------------ */

/* connect() twice, and to another address: EISCONN. */
static void scen_eisconn(struct inx_trace *t)
{
	struct sockaddr_in sa;
	uint16_t port;
	int lfd, fd, sfd;

	lfd = inx_listen(t->fam, 4, &port);
	fd = inx_socket(t->fam);
	if (lfd < 0 || fd < 0)
		return inx_fail(t, "setup");
	inx_addr(&sa, t->fam, port);
	INX_SYS(t, "connect", connect(fd, (struct sockaddr *)&sa, sizeof(sa)));
	INX_SYS(t, "connect again", connect(fd, (struct sockaddr *)&sa, sizeof(sa)));
	inx_addr(&sa, t->fam, port + 1);
	INX_SYS(t, "connect elsewhere", connect(fd, (struct sockaddr *)&sa, sizeof(sa)));
	sfd = inx_accept(lfd, NULL, NULL);
	inx_check(t, "accepted", sfd >= 0);
	inx_close_abort(fd);
	inx_close_abort(sfd);
	close(lfd);
}

/* 0.0.0.0 as a destination means this host. */
static void scen_connect_any(struct inx_trace *t)
{
	struct sockaddr_in sa;
	uint16_t port;
	int lfd, fd, sfd;

	lfd = inx_listen(t->fam, 4, &port);
	fd = inx_socket(t->fam);
	if (lfd < 0 || fd < 0)
		return inx_fail(t, "setup");
	inx_addr(&sa, t->fam, port);
	sa.sin_addr.s_addr = htonl(INADDR_ANY);
	INX_SYS(t, "connect 0.0.0.0", connect(fd, (struct sockaddr *)&sa, sizeof(sa)));
	sfd = inx_accept(lfd, NULL, NULL);
	inx_check(t, "accepted", sfd >= 0);
	inx_close_abort(fd);
	inx_close_abort(sfd);
	close(lfd);
}

/*
 * A listen(fd, 0) listener holding one unaccepted connection has a full
 * accept queue: further SYNs are dropped, so a connect cannot complete.
 * Returns the listener; *filler is the queued connection.
 */
static int full_listener(struct inx_trace *t, uint16_t *port, int *filler)
{
	int lfd = inx_listen(t->fam, 0, port);

	*filler = -1;
	if (lfd < 0)
		return -1;
	*filler = inx_connect(t->fam, *port);
	if (*filler < 0 || inx_poll1(lfd, POLLIN, INX_TIMEOUT_MS) <= 0) {
		inx_close_abort(*filler);
		close(lfd);
		return -1;
	}
	return lfd;
}

static void scen_ealready(struct inx_trace *t)
{
	struct sockaddr_in sa;
	int lfd, filler, fd, v = -1;
	socklen_t len = sizeof(v);
	uint16_t port;

	lfd = full_listener(t, &port, &filler);
	fd = socket(t->fam, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (lfd < 0 || fd < 0)
		return inx_fail(t, "setup");
	inx_addr(&sa, t->fam, port);
	INX_SYS(t, "nonblocking connect", connect(fd, (struct sockaddr *)&sa, sizeof(sa)));
	INX_SYS(t, "connect again", connect(fd, (struct sockaddr *)&sa, sizeof(sa)));
	INX_SYS(t, "connect third", connect(fd, (struct sockaddr *)&sa, sizeof(sa)));
	inx_val(t, "poll POLLOUT 200ms (nothing)", inx_poll1(fd, POLLOUT, 200));
	INX_SYS(t, "SO_ERROR", getsockopt(fd, SOL_SOCKET, SO_ERROR, &v, &len));
	inx_val(t, "SO_ERROR value", v);
	INX_SYS(t, "getpeername", getpeername(fd, (struct sockaddr *)&sa, &len));
	close(fd);		/* SYN_SENT: no TIME_WAIT */
	inx_close_abort(filler);
	close(lfd);
}

/* Blocking connect bounded by SO_SNDTIMEO: gives up with EINPROGRESS. */
static void scen_sndtimeo(struct inx_trace *t)
{
	struct timeval tv = { .tv_usec = 300000 };
	struct sockaddr_in sa;
	int lfd, filler, fd;
	uint16_t port;
	long t0, dt;

	lfd = full_listener(t, &port, &filler);
	fd = socket(t->fam, SOCK_STREAM, 0);
	if (lfd < 0 || fd < 0)
		return inx_fail(t, "setup");
	INX_SYS(t, "SO_SNDTIMEO", setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)));
	inx_addr(&sa, t->fam, port);
	t0 = inx_now_ms();
	INX_SYS(t, "blocking connect", connect(fd, (struct sockaddr *)&sa, sizeof(sa)));
	dt = inx_now_ms() - t0;
	inx_check(t, "waited about SO_SNDTIMEO", dt >= 250 && dt < 5000);
	t0 = inx_now_ms();
	INX_SYS(t, "blocking connect again", connect(fd, (struct sockaddr *)&sa, sizeof(sa)));
	dt = inx_now_ms() - t0;
	inx_check(t, "waited about SO_SNDTIMEO again", dt >= 250 && dt < 5000);
	close(fd);
	inx_close_abort(filler);
	close(lfd);
}

/* A port bound by nobody's listener. */
static int reserve_port(uint16_t *port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd >= 0 && inx_bind_any(fd, AF_INET, port)) {
		close(fd);
		return -1;
	}
	return fd;
}

static void scen_refused(struct inx_trace *t)
{
	struct sockaddr_in sa;
	int res, fd, v = -1;
	socklen_t len = sizeof(v);
	uint16_t port;

	res = reserve_port(&port);
	fd = inx_socket(t->fam);
	if (res < 0 || fd < 0)
		return inx_fail(t, "setup");
	inx_addr(&sa, t->fam, port);
	INX_SYS(t, "connect", connect(fd, (struct sockaddr *)&sa, sizeof(sa)));
	INX_SYS(t, "SO_ERROR", getsockopt(fd, SOL_SOCKET, SO_ERROR, &v, &len));
	inx_val(t, "SO_ERROR value", v);
	INX_SYS(t, "connect again", connect(fd, (struct sockaddr *)&sa, sizeof(sa)));
	INX_SYS(t, "send", send(fd, "x", 1, MSG_NOSIGNAL));
	close(fd);
	close(res);
}

static void scen_refused_nonblock(struct inx_trace *t)
{
	struct sockaddr_in sa;
	int res, fd, v = -1;
	socklen_t len = sizeof(v);
	uint16_t port;

	res = reserve_port(&port);
	fd = socket(t->fam, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (res < 0 || fd < 0)
		return inx_fail(t, "setup");
	inx_addr(&sa, t->fam, port);
	INX_SYS(t, "connect", connect(fd, (struct sockaddr *)&sa, sizeof(sa)));
	inx_val(t, "poll mask", inx_poll1(fd, POLLIN | POLLOUT | POLLRDHUP, INX_TIMEOUT_MS));
	INX_SYS(t, "SO_ERROR", getsockopt(fd, SOL_SOCKET, SO_ERROR, &v, &len));
	inx_val(t, "SO_ERROR value", v);
	v = -1;
	INX_SYS(t, "SO_ERROR again", getsockopt(fd, SOL_SOCKET, SO_ERROR, &v, &len));
	inx_val(t, "SO_ERROR value again", v);
	/* SO_ERROR consumed the error: the next connect reports ECONNABORTED. */
	INX_SYS(t, "connect again", connect(fd, (struct sockaddr *)&sa, sizeof(sa)));
	INX_SYS(t, "connect third", connect(fd, (struct sockaddr *)&sa, sizeof(sa)));
	close(fd);
	close(res);
}

static void scen_nonblock_ok(struct inx_trace *t)
{
	struct sockaddr_in sa;
	int lfd, fd, sfd, v = -1;
	socklen_t len = sizeof(v);
	uint16_t port;

	lfd = inx_listen(t->fam, 4, &port);
	fd = socket(t->fam, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (lfd < 0 || fd < 0)
		return inx_fail(t, "setup");
	inx_addr(&sa, t->fam, port);
	INX_SYS(t, "connect", connect(fd, (struct sockaddr *)&sa, sizeof(sa)));
	inx_val(t, "poll mask", inx_poll1(fd, POLLIN | POLLOUT | POLLRDHUP, INX_TIMEOUT_MS));
	INX_SYS(t, "SO_ERROR", getsockopt(fd, SOL_SOCKET, SO_ERROR, &v, &len));
	inx_val(t, "SO_ERROR value", v);
	/* SS_CONNECTING -> SS_CONNECTED on the next call, then EISCONN. */
	INX_SYS(t, "connect again", connect(fd, (struct sockaddr *)&sa, sizeof(sa)));
	INX_SYS(t, "connect third", connect(fd, (struct sockaddr *)&sa, sizeof(sa)));
	sfd = inx_accept(lfd, NULL, NULL);
	inx_check(t, "accepted", sfd >= 0);
	INX_SYS(t, "send", send(fd, "abc", 3, 0));
	inx_check(t, "peer got it", inx_wait_readable(sfd, 3));
	inx_close_abort(fd);
	inx_close_abort(sfd);
	close(lfd);
}

/*
 * Wrong sin_family on connect: EAFNOSUPPORT, and the socket stays usable.
 * In the bad[] lists, -1 stands for the inetx family number (addresses
 * are AF_INET for both families) and -2 for an inetx number not loaded now.
 */
static void scen_connect_family(struct inx_trace *t)
{
	static const int bad[] = { -1, -2, AF_INET6, AF_UNIX, AF_PACKET, 0xffff };
	struct sockaddr_in sa;
	uint16_t port;
	int lfd, fd, sfd;
	unsigned int i;
	char w[48];

	lfd = inx_listen(t->fam, 4, &port);
	fd = inx_socket(t->fam);
	if (lfd < 0 || fd < 0)
		return inx_fail(t, "setup");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int f = bad[i] == -1 ? other_fam() :
			bad[i] == -2 ? unused_fam() : bad[i];

		inx_addr(&sa, AF_INET, port);
		sa.sin_family = f;
		snprintf(w, sizeof(w), "connect family #%u", i);
		INX_SYS(t, w, connect(fd, (struct sockaddr *)&sa, sizeof(sa)));
	}
	inx_addr(&sa, t->fam, port);
	INX_SYS(t, "connect right family", connect(fd, (struct sockaddr *)&sa, sizeof(sa)));
	sfd = inx_accept(lfd, NULL, NULL);
	inx_check(t, "accepted", sfd >= 0);
	inx_close_abort(fd);
	inx_close_abort(sfd);
	close(lfd);
}

/* Short address lengths: EINVAL, checked before the family. */
static void scen_connect_len(struct inx_trace *t)
{
	static const int lens[] = { 0, 1, 2, 8, 15 };
	struct sockaddr_storage ss;
	struct sockaddr_in *sa = (struct sockaddr_in *)&ss;
	uint16_t port;
	int lfd, fd, sfd;
	unsigned int i;
	char w[48];

	lfd = inx_listen(t->fam, 4, &port);
	fd = inx_socket(t->fam);
	if (lfd < 0 || fd < 0)
		return inx_fail(t, "setup");
	memset(&ss, 0, sizeof(ss));
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		inx_addr(sa, t->fam, port);
		snprintf(w, sizeof(w), "connect len %d", lens[i]);
		INX_SYS(t, w, connect(fd, (struct sockaddr *)sa, lens[i]));
		inx_addr(sa, AF_INET, port);
		sa->sin_family = other_fam();
		snprintf(w, sizeof(w), "connect wrong family len %d", lens[i]);
		INX_SYS(t, w, connect(fd, (struct sockaddr *)sa, lens[i]));
	}
	inx_addr(sa, t->fam, port);
	INX_SYS(t, "connect len 129", connect(fd, (struct sockaddr *)sa, sizeof(ss) + 1));
	INX_SYS(t, "connect len -1", connect(fd, (struct sockaddr *)sa, -1));
	INX_SYS(t, "connect len 128", connect(fd, (struct sockaddr *)sa, sizeof(ss)));
	sfd = inx_accept(lfd, NULL, NULL);
	inx_check(t, "accepted", sfd >= 0);
	inx_close_abort(fd);
	inx_close_abort(sfd);
	close(lfd);
}

/* connect(AF_UNSPEC) disconnects (RST to the peer); reconnect works. */
static void scen_unspec(struct inx_trace *t)
{
	struct sockaddr_in sa;
	struct sockaddr un = { .sa_family = AF_UNSPEC };
	socklen_t len = sizeof(sa);
	char buf[8];
	uint16_t port;
	int lfd, fd, sfd, sfd2;

	lfd = inx_listen(t->fam, 4, &port);
	fd = inx_socket(t->fam);
	if (lfd < 0 || fd < 0)
		return inx_fail(t, "setup");
	INX_SYS(t, "AF_UNSPEC on fresh socket", connect(fd, &un, sizeof(un)));
	inx_addr(&sa, t->fam, port);
	INX_SYS(t, "connect", connect(fd, (struct sockaddr *)&sa, sizeof(sa)));
	sfd = inx_accept(lfd, NULL, NULL);
	inx_check(t, "accepted", sfd >= 0);
	INX_SYS(t, "AF_UNSPEC len 2", connect(fd, &un, 2));
	INX_SYS(t, "getpeername", getpeername(fd, (struct sockaddr *)&sa, &len));
	INX_SYS(t, "peer recv", recv(sfd, buf, sizeof(buf), 0));
	INX_SYS(t, "send", send(fd, "x", 1, MSG_NOSIGNAL));
	inx_addr(&sa, t->fam, port);
	INX_SYS(t, "reconnect", connect(fd, (struct sockaddr *)&sa, sizeof(sa)));
	sfd2 = inx_accept(lfd, NULL, NULL);
	inx_check(t, "accepted again", sfd2 >= 0);
	len = sizeof(sa);
	INX_SYS(t, "getpeername", getpeername(fd, (struct sockaddr *)&sa, &len));
	inx_rec_sa(t, "peer", &sa, len, INADDR_LOOPBACK, port);
	INX_SYS(t, "send", send(fd, "hello", 5, 0));
	INX_SYS(t, "peer recv", inx_recv_all(sfd2, buf, 5));
	inx_check(t, "data", !memcmp(buf, "hello", 5));
	INX_SYS(t, "AF_UNSPEC sizeof(sockaddr)", connect(fd, &un, sizeof(un)));
	INX_SYS(t, "reconnect again", connect(fd, (struct sockaddr *)&sa, sizeof(sa)));
	inx_close_abort(fd);
	inx_close_abort(sfd);
	inx_close_abort(sfd2);
	close(lfd);
}

static void scen_names(struct inx_trace *t)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sa = (struct sockaddr_in *)&ss, peer;
	socklen_t len, plen = sizeof(peer);
	uint16_t port, cport;
	int lfd, fd, sfd;

	lfd = inx_listen(t->fam, 4, &port);
	fd = inx_connect(t->fam, port);
	if (lfd < 0 || fd < 0)
		return inx_fail(t, "setup");
	sfd = INX_FD(t, "accept", inx_accept(lfd, &peer, &plen));
	cport = inx_local_port(fd);

	len = sizeof(*sa);
	INX_SYS(t, "listener getsockname", getsockname(lfd, (struct sockaddr *)sa, &len));
	inx_rec_sa(t, "listener", sa, len, INADDR_LOOPBACK, port);
	len = sizeof(*sa);
	INX_SYS(t, "client getsockname", getsockname(fd, (struct sockaddr *)sa, &len));
	inx_rec_sa(t, "client local", sa, len, INADDR_LOOPBACK, cport);
	inx_check(t, "client port != listener port", cport && cport != port);
	len = sizeof(*sa);
	INX_SYS(t, "client getpeername", getpeername(fd, (struct sockaddr *)sa, &len));
	inx_rec_sa(t, "client peer", sa, len, INADDR_LOOPBACK, port);
	inx_rec_sa(t, "accept peer", &peer, plen, INADDR_LOOPBACK, cport);
	len = sizeof(*sa);
	INX_SYS(t, "accepted getsockname", getsockname(sfd, (struct sockaddr *)sa, &len));
	inx_rec_sa(t, "accepted local", sa, len, INADDR_LOOPBACK, port);
	len = sizeof(*sa);
	INX_SYS(t, "accepted getpeername", getpeername(sfd, (struct sockaddr *)sa, &len));
	inx_rec_sa(t, "accepted peer", sa, len, INADDR_LOOPBACK, cport);

	/* Truncation: the full length is reported, only len bytes copied. */
	memset(&ss, 0xa5, sizeof(ss));
	len = 2;
	INX_SYS(t, "getpeername len 2", getpeername(fd, (struct sockaddr *)sa, &len));
	inx_val(t, "len 2 -> reported", len);
	inx_check(t, "len 2 family", sa->sin_family == AF_INET);
	inx_check(t, "len 2 no port written", sa->sin_port == 0xa5a5);
	len = sizeof(ss);
	INX_SYS(t, "getpeername len 128", getpeername(fd, (struct sockaddr *)sa, &len));
	inx_val(t, "len 128 -> reported", len);
	len = 0;
	INX_SYS(t, "getsockname len 0", getsockname(fd, (struct sockaddr *)sa, &len));
	inx_val(t, "len 0 -> reported", len);

	/* SO_PEERNAME goes through the same getname. */
	len = sizeof(*sa);
	INX_SYS(t, "SO_PEERNAME", getsockopt(fd, SOL_SOCKET, SO_PEERNAME, sa, &len));
	inx_rec_sa(t, "SO_PEERNAME", sa, len, INADDR_LOOPBACK, port);
	len = 4;
	INX_SYS(t, "SO_PEERNAME short", getsockopt(fd, SOL_SOCKET, SO_PEERNAME, sa, &len));
	inx_close_abort(fd);
	inx_close_abort(sfd);
	close(lfd);
}

static void scen_unconnected_names(struct inx_trace *t)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	uint16_t port;
	int fd, lfd;

	fd = inx_socket(t->fam);
	lfd = inx_listen(t->fam, 1, &port);
	if (fd < 0 || lfd < 0)
		return inx_fail(t, "setup");
	INX_SYS(t, "getpeername unconnected", getpeername(fd, (struct sockaddr *)&sa, &len));
	len = sizeof(sa);
	memset(&sa, 0xa5, sizeof(sa));
	INX_SYS(t, "getsockname unbound", getsockname(fd, (struct sockaddr *)&sa, &len));
	inx_val(t, "len", len);
	inx_check(t, "unbound family", sa.sin_family == AF_INET);
	inx_check(t, "unbound port 0", sa.sin_port == 0);
	inx_check(t, "unbound addr 0", sa.sin_addr.s_addr == 0);
	len = sizeof(sa);
	INX_SYS(t, "getpeername listener", getpeername(lfd, (struct sockaddr *)&sa, &len));
	INX_SYS(t, "shutdown unconnected", shutdown(fd, SHUT_RDWR));
	INX_SYS(t, "send unconnected", send(fd, "x", 1, MSG_NOSIGNAL));
	INX_SYS(t, "recv unconnected", recv(fd, &sa, 1, MSG_DONTWAIT));
	close(fd);
	close(lfd);
}

/* Binding with the wrong family (bad[] as above), AF_UNSPEC's exception. */
static void scen_bind_family(struct inx_trace *t)
{
	static const int bad[] = { -1, -2, AF_INET6, AF_UNIX, 0xffff };
	struct sockaddr_in sa;
	unsigned int i;
	char w[48];
	int fd;

	fd = inx_socket(t->fam);
	if (fd < 0)
		return inx_fail(t, "setup");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		inx_addr(&sa, AF_INET, 0);
		sa.sin_family = bad[i] == -1 ? other_fam() :
				bad[i] == -2 ? unused_fam() : bad[i];
		snprintf(w, sizeof(w), "bind family #%u", i);
		INX_SYS(t, w, bind(fd, (struct sockaddr *)&sa, sizeof(sa)));
	}
	inx_addr(&sa, AF_UNSPEC, 0);
	INX_SYS(t, "bind AF_UNSPEC 127.0.0.1", bind(fd, (struct sockaddr *)&sa, sizeof(sa)));
	sa.sin_addr.s_addr = htonl(INADDR_ANY);
	INX_SYS(t, "bind AF_UNSPEC 0.0.0.0", bind(fd, (struct sockaddr *)&sa, sizeof(sa)));
	inx_check(t, "port assigned", inx_local_port(fd) != 0);
	INX_SYS(t, "bind again", bind(fd, (struct sockaddr *)&sa, sizeof(sa)));
	close(fd);

	fd = inx_socket(t->fam);
	inx_addr(&sa, t->fam, 0);
	INX_SYS(t, "bind right family", bind(fd, (struct sockaddr *)&sa, sizeof(sa)));
	INX_SYS(t, "bind twice", bind(fd, (struct sockaddr *)&sa, sizeof(sa)));
	close(fd);
}

static void scen_bind_len(struct inx_trace *t)
{
	static const int lens[] = { 0, 1, 2, 8, 15 };
	struct sockaddr_storage ss;
	struct sockaddr_in *sa = (struct sockaddr_in *)&ss;
	unsigned int i;
	char w[48];
	int fd;

	fd = inx_socket(t->fam);
	if (fd < 0)
		return inx_fail(t, "setup");
	memset(&ss, 0, sizeof(ss));
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		inx_addr(sa, t->fam, 0);
		snprintf(w, sizeof(w), "bind len %d", lens[i]);
		INX_SYS(t, w, bind(fd, (struct sockaddr *)sa, lens[i]));
		inx_addr(sa, AF_INET, 0);
		sa->sin_family = other_fam();
		snprintf(w, sizeof(w), "bind wrong family len %d", lens[i]);
		INX_SYS(t, w, bind(fd, (struct sockaddr *)sa, lens[i]));
	}
	inx_addr(sa, t->fam, 0);
	INX_SYS(t, "bind len 129", bind(fd, (struct sockaddr *)sa, sizeof(ss) + 1));
	INX_SYS(t, "bind len 128", bind(fd, (struct sockaddr *)sa, sizeof(ss)));
	inx_check(t, "bound", inx_local_port(fd) != 0);
	close(fd);
}

/* One port space: a port held by one family is busy for the other. */
static void scen_addrinuse(struct inx_trace *t)
{
	struct sockaddr_in sa;
	int one = 1, i;

	/* i = 0: AF_INET holds the port; i = 1: the family under test does. */
	for (i = 0; i < 2; i++) {
		int lf = i ? t->fam : AF_INET;
		int bf = i ? AF_INET : t->fam;
		uint16_t port;
		int lfd, fd, fd2;

		lfd = inx_listen(lf, 1, &port);
		fd = inx_socket(bf);
		fd2 = inx_socket(bf);
		if (lfd < 0 || fd < 0 || fd2 < 0)
			return inx_fail(t, "setup");
		inx_addr(&sa, bf, port);
		inx_check(t, "bind 127.0.0.1:held EADDRINUSE",
			  bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 &&
			  errno == EADDRINUSE);
		sa.sin_addr.s_addr = htonl(INADDR_ANY);
		inx_check(t, "bind 0.0.0.0:held EADDRINUSE",
			  bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 &&
			  errno == EADDRINUSE);
		setsockopt(fd2, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		inx_addr(&sa, bf, port);
		inx_check(t, "SO_REUSEADDR bind to a listening port EADDRINUSE",
			  bind(fd2, (struct sockaddr *)&sa, sizeof(sa)) < 0 &&
			  errno == EADDRINUSE);
		close(fd);
		close(fd2);
		close(lfd);
	}
}

/* SO_REUSEPORT: both families join one group; all connections land. */
static void scen_reuseport(struct inx_trace *t)
{
	struct sockaddr_in sa;
	int one = 1, l[2], c[8], n = 0, i;
	uint16_t port = 0;

	for (i = 0; i < 2; i++) {
		int f = i ? t->fam : AF_INET;

		l[i] = inx_socket(f);
		if (l[i] < 0)
			return inx_fail(t, "setup");
		INX_SYS(t, "SO_REUSEPORT", setsockopt(l[i], SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)));
		inx_addr(&sa, f, port);
		INX_SYS(t, "bind", bind(l[i], (struct sockaddr *)&sa, sizeof(sa)));
		if (!port)
			port = inx_local_port(l[i]);
		INX_SYS(t, "listen", listen(l[i], 8));
	}
	for (i = 0; i < 8; i++)
		c[i] = inx_connect(i & 1 ? t->fam : AF_INET, port);
	for (i = 0; i < 100 && n < 8; i++) {
		struct pollfd p[2] = { { l[0], POLLIN, 0 }, { l[1], POLLIN, 0 } };
		int j;

		if (poll(p, 2, 100) < 0)
			break;
		for (j = 0; j < 2; j++) {
			if (p[j].revents & POLLIN) {
				inx_close_abort(accept(l[j], NULL, NULL));
				n++;
			}
		}
	}
	inx_val(t, "connections accepted", n);
	for (i = 0; i < 8; i++)
		inx_close_abort(c[i]);
	close(l[0]);
	close(l[1]);
}

/* accept() reports the listener's family for AF_INET and inetx clients. */
static void scen_accept_family(struct inx_trace *t)
{
	struct sockaddr_in peer, sa;
	socklen_t plen, len;
	int lfd, cfd, sfd, i;
	uint16_t port;

	lfd = inx_listen(t->fam, 4, &port);
	if (lfd < 0)
		return inx_fail(t, "setup");
	for (i = 0; i < 2; i++) {
		cfd = inx_connect(i ? t->fam : AF_INET, port);

		plen = sizeof(peer);
		memset(&peer, 0, sizeof(peer));
		sfd = INX_FD(t, "accept", inx_accept(lfd, &peer, &plen));
		inx_rec_sa(t, i ? "peer (same family client)" : "peer (AF_INET client)",
			   &peer, plen, INADDR_LOOPBACK, inx_local_port(cfd));
		len = sizeof(sa);
		INX_SYS(t, "getsockname", getsockname(sfd, (struct sockaddr *)&sa, &len));
		inx_rec_sa(t, "accepted local", &sa, len, INADDR_LOOPBACK, port);
		inx_close_abort(cfd);
		inx_close_abort(sfd);
	}
	/* A short addrlen truncates but still succeeds. */
	cfd = inx_connect(t->fam, port);
	plen = 4;
	memset(&peer, 0, sizeof(peer));
	sfd = INX_FD(t, "accept addrlen 4", inx_accept(lfd, &peer, &plen));
	inx_val(t, "addrlen 4 -> reported", plen);
	inx_check(t, "addrlen 4 family", peer.sin_family == AF_INET);
	inx_check(t, "addrlen 4 truncated", peer.sin_addr.s_addr == 0);
	inx_close_abort(cfd);
	inx_close_abort(sfd);
	close(lfd);
}

static void scen_accept4(struct inx_trace *t)
{
	uint16_t port;
	char c;
	int lfd, fd, sfd;

	lfd = inx_listen(t->fam, 4, &port);
	fd = inx_connect(t->fam, port);
	if (lfd < 0 || fd < 0)
		return inx_fail(t, "setup");
	inx_poll1(lfd, POLLIN, INX_TIMEOUT_MS);
	INX_SYS(t, "accept4 bad flags", accept4(lfd, NULL, NULL, 1));
	sfd = INX_FD(t, "accept4", accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC));
	inx_val(t, "O_NONBLOCK", !!(fcntl(sfd, F_GETFL) & O_NONBLOCK));
	inx_val(t, "FD_CLOEXEC", !!(fcntl(sfd, F_GETFD) & FD_CLOEXEC));
	INX_SYS(t, "recv", recv(sfd, &c, 1, 0));
	fcntl(lfd, F_SETFL, O_NONBLOCK);
	INX_SYS(t, "accept empty nonblocking", accept(lfd, NULL, NULL));
	inx_close_abort(fd);
	inx_close_abort(sfd);
	close(lfd);
}

/* Ten queued connections, accepted in order with matching peers. */
static void scen_backlog(struct inx_trace *t)
{
	struct sockaddr_in peer;
	socklen_t plen;
	uint16_t port;
	int lfd, c[10], i, okpeer = 0;

	lfd = inx_listen(t->fam, 16, &port);
	if (lfd < 0)
		return inx_fail(t, "setup");
	for (i = 0; i < 10; i++)
		c[i] = inx_connect(t->fam, port);
	for (i = 0; i < 10; i++) {
		int sfd;

		plen = sizeof(peer);
		sfd = inx_accept(lfd, &peer, &plen);
		if (sfd >= 0 && c[i] >= 0 &&
		    ntohs(peer.sin_port) == inx_local_port(c[i]))
			okpeer++;
		inx_close_abort(sfd);
		inx_close_abort(c[i]);
	}
	inx_val(t, "accepted in order with matching peer", okpeer);
	close(lfd);
}

static void scen_state_errors(struct inx_trace *t)
{
	struct sockaddr_in sa;
	uint16_t port;
	int lfd, fd, sfd, ufd;

	lfd = inx_listen(t->fam, 4, &port);
	fd = inx_connect(t->fam, port);
	ufd = inx_socket(t->fam);
	if (lfd < 0 || fd < 0 || ufd < 0)
		return inx_fail(t, "setup");
	sfd = inx_accept(lfd, NULL, NULL);
	inx_addr(&sa, t->fam, port);
	INX_SYS(t, "connect on listener", connect(lfd, (struct sockaddr *)&sa, sizeof(sa)));
	INX_SYS(t, "listen on connected", listen(fd, 4));
	INX_SYS(t, "accept on connected", accept(fd, NULL, NULL));
	INX_SYS(t, "accept on unconnected", accept(ufd, NULL, NULL));
	inx_addr(&sa, t->fam, 0);
	INX_SYS(t, "bind connected", bind(fd, (struct sockaddr *)&sa, sizeof(sa)));
	INX_SYS(t, "shutdown how 3", shutdown(fd, 3));
	INX_SYS(t, "shutdown how -1", shutdown(fd, -1));
	INX_SYS(t, "listen again", listen(lfd, 16));
	INX_SYS(t, "listen unbound", listen(ufd, 4));
	inx_check(t, "listen autobinds", inx_local_port(ufd) != 0);
	INX_SYS(t, "shutdown listener", shutdown(lfd, SHUT_RDWR));
	INX_SYS(t, "accept after shutdown", accept(lfd, NULL, NULL));
	inx_close_abort(fd);
	inx_close_abort(sfd);
	close(ufd);
	close(lfd);
}

/* tcp_poll() masks through the connection's life, seen from the client. */
#define ALLEV (POLLIN | POLLPRI | POLLOUT | POLLRDHUP | POLLRDNORM | \
	       POLLRDBAND | POLLWRNORM | POLLWRBAND)

static void scen_poll(struct inx_trace *t)
{
	char buf[16];
	uint16_t port;
	int lfd, fd, sfd, ufd;

	ufd = inx_socket(t->fam);
	lfd = inx_listen(t->fam, 4, &port);
	if (lfd < 0 || ufd < 0)
		return inx_fail(t, "setup");
	inx_val(t, "fresh socket", inx_poll1(ufd, ALLEV, 0));
	inx_val(t, "idle listener", inx_poll1(lfd, ALLEV, 0));
	fd = inx_connect(t->fam, port);
	inx_val(t, "listener with pending", inx_poll1(lfd, POLLIN, INX_TIMEOUT_MS));
	inx_val(t, "listener all", inx_poll1(lfd, ALLEV, 0));
	sfd = inx_accept(lfd, NULL, NULL);
	if (fd < 0 || sfd < 0)
		return inx_fail(t, "connect");
	inx_val(t, "connected", inx_poll1(fd, ALLEV, 0));
	send(sfd, "hello", 5, 0);
	inx_val(t, "wait POLLIN", inx_poll1(fd, POLLIN, INX_TIMEOUT_MS));
	inx_val(t, "data", inx_poll1(fd, ALLEV, 0));
	send(sfd, "!", 1, MSG_OOB);
	inx_val(t, "wait POLLPRI", inx_poll1(fd, POLLPRI, INX_TIMEOUT_MS));
	inx_val(t, "urgent", inx_poll1(fd, ALLEV, 0));
	INX_SYS(t, "recv", recv(fd, buf, sizeof(buf), 0));
	INX_SYS(t, "recv OOB", recv(fd, buf, 1, MSG_OOB));
	inx_val(t, "drained", inx_poll1(fd, ALLEV, 0));
	shutdown(sfd, SHUT_WR);
	inx_val(t, "wait POLLRDHUP", inx_poll1(fd, POLLRDHUP, INX_TIMEOUT_MS));
	inx_val(t, "peer shut", inx_poll1(fd, ALLEV, 0));
	INX_SYS(t, "recv EOF", recv(fd, buf, sizeof(buf), 0));
	/*
	 * Not shutdown(fd, SHUT_WR) here: our FIN would put the peer, which
	 * sent the first FIN, into TIME_WAIT. Reset it from FIN_WAIT2.
	 */
	inx_close_abort(sfd);
	inx_val(t, "wait POLLERR", inx_poll1(fd, POLLERR, INX_TIMEOUT_MS));
	inx_val(t, "after reset", inx_poll1(fd, ALLEV, 0));
	INX_SYS(t, "recv after reset", recv(fd, buf, sizeof(buf), 0));
	inx_val(t, "after error read", inx_poll1(fd, ALLEV, 0));
	INX_SYS(t, "send after reset", send(fd, buf, 1, MSG_NOSIGNAL));
	INX_SYS(t, "shutdown after reset", shutdown(fd, SHUT_WR));
	inx_val(t, "closed", inx_poll1(fd, ALLEV, 0));
	inx_close_abort(fd);
	close(ufd);
	close(lfd);
}

/* Listener and both ends of a connection appear in /proc/net/tcp. */
static int proc_tcp_state(uint16_t local, uint16_t remote)
{
	char line[256];
	unsigned int lp, rp, st;
	int found = -1;
	FILE *f = fopen("/proc/net/tcp", "r");

	if (!f)
		return -2;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, " %*d: %*x:%x %*x:%x %x", &lp, &rp, &st) == 3 &&
		    lp == local && rp == remote)
			found = st;
	}
	fclose(f);
	return found;
}

static void scen_proc_tcp(struct inx_trace *t)
{
	uint16_t port, cport;
	int lfd, fd, sfd;

	lfd = inx_listen(t->fam, 4, &port);
	fd = inx_connect(t->fam, port);
	if (lfd < 0 || fd < 0)
		return inx_fail(t, "setup");
	sfd = inx_accept(lfd, NULL, NULL);
	cport = inx_local_port(fd);
	inx_val(t, "listener state", proc_tcp_state(port, 0));
	inx_val(t, "client state", proc_tcp_state(cport, port));
	inx_val(t, "server state", proc_tcp_state(port, cport));
	inx_close_abort(fd);
	inx_close_abort(sfd);
	close(lfd);
	inx_val(t, "listener gone", proc_tcp_state(port, 0));
	inx_val(t, "client gone", proc_tcp_state(cport, port));
}

static const struct {
	inx_scen_t fn;
	const char *desc;
} scens[] = {
	{ scen_eisconn, "connect twice: EISCONN" },
	{ scen_connect_any, "connect to 0.0.0.0 reaches the local listener" },
	{ scen_ealready, "full backlog: nonblocking connect EINPROGRESS then EALREADY" },
	{ scen_sndtimeo, "full backlog: blocking connect with SO_SNDTIMEO times out (EINPROGRESS)" },
	{ scen_refused, "no listener: ECONNREFUSED" },
	{ scen_refused_nonblock, "no listener, nonblocking: poll mask and SO_ERROR ECONNREFUSED" },
	{ scen_nonblock_ok, "nonblocking connect, poll for completion, SO_ERROR 0" },
	{ scen_connect_family, "connect with a wrong sin_family: EAFNOSUPPORT" },
	{ scen_connect_len, "connect with a short addrlen: EINVAL" },
	{ scen_unspec, "connect(AF_UNSPEC) disconnects, socket reconnects" },
	{ scen_names, "getsockname/getpeername/accept/SO_PEERNAME addresses" },
	{ scen_unconnected_names, "unconnected: getpeername ENOTCONN, getsockname family" },
	{ scen_bind_family, "bind with a wrong sin_family: EAFNOSUPPORT" },
	{ scen_bind_len, "bind with a short addrlen: EINVAL" },
	{ scen_addrinuse, "bind to a port held by the other family: EADDRINUSE both ways" },
	{ scen_reuseport, "SO_REUSEPORT group shared with AF_INET accepts all connections" },
	{ scen_accept_family, "accept reports the listener's family for AF_INET and inetx peers" },
	{ scen_accept4, "accept4 flags and nonblocking accept" },
	{ scen_backlog, "ten queued connections accepted in order" },
	{ scen_state_errors, "listen/accept/bind/shutdown errors in the wrong state" },
	{ scen_poll, "poll masks through connect, data, OOB, shutdown, reset" },
	{ scen_proc_tcp, "/proc/net/tcp lists listener and connection" },
};

#define NSCENS	(int)(sizeof(scens) / sizeof(scens[0]))

int main(void)
{
	int i;

	ktap_start(3 + NSCENS);
	ktap_diag("inetx family %d%s", inx_family(),
		  inx_available() ? "" : " (not registered)");
	test_seed(inx_family(), AF_INET);
	test_seed(AF_INET, inx_family());
	test_seed(inx_family(), inx_family());
	for (i = 0; i < NSCENS; i++)
		inx_diff_test(scens[i].desc, scens[i].fn);
	return ktap_finish();
}
