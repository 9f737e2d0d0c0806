// SPDX-License-Identifier: GPL-2.0
/*
 * inetx_connect: what the parity scenarios (the .scn files in
 * selftests/parity/) cannot say declaratively about connections.
 *
 * The "seed" tests run the simplest possible TCP client (socket, connect,
 * write "This is test\n", read the reply, close) across family pairings
 * with the server in a forked process. The differential tests (the same
 * scenario with AF_INET and with inetx must give the same trace) measure
 * how long a blocking connect waits for SO_SNDTIMEO, accept from whichever
 * listener of a mixed SO_REUSEPORT group a connection lands on, and read
 * /proc/net/tcp. Everything else about connect, bind, accept, names and
 * poll masks is in the parity scenarios (40-connect.scn and others).
 */
#include "inetx_common.h"

static const char seed_msg[] = "This is test\n";

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
	/*
	 * At least the timeout; and SO_SNDTIMEO, not the SYN retries (over
	 * a minute), ended the wait: a bound no loaded guest comes near.
	 */
	inx_check(t, "waited about SO_SNDTIMEO", dt >= 250 && dt < 30000);
	t0 = inx_now_ms();
	INX_SYS(t, "blocking connect again", connect(fd, (struct sockaddr *)&sa, sizeof(sa)));
	dt = inx_now_ms() - t0;
	inx_check(t, "waited about SO_SNDTIMEO again", dt >= 250 && dt < 30000);
	close(fd);
	inx_close_abort(filler);
	close(lfd);
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
	{ scen_sndtimeo, "full backlog: blocking connect with SO_SNDTIMEO times out (EINPROGRESS)" },
	{ scen_reuseport, "SO_REUSEPORT group shared with AF_INET accepts all connections" },
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
