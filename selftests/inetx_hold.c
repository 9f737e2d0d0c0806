// SPDX-License-Identifier: GPL-2.0
/*
 * inetx_hold: small helper for the shell tests.
 *
 *	inetx_hold socket FAMILY	socket(FAMILY, SOCK_STREAM, 0): prints
 *					"ok" or the errno name; exit 0 if created
 *	inetx_hold hold FAMILY FILE	keep a listener and an unconnected socket
 *					of FAMILY open; writes FILE when ready,
 *					then sleeps until killed
 *	inetx_hold conn FAMILY		FAMILY<->FAMILY and AF_INET<->FAMILY
 *					echo exchanges; exit 0 if both worked
 *	inetx_hold tcp			AF_INET exchange whose client closes
 *					first, so a TIME_WAIT socket is made
 *	inetx_hold wire FAMILY PORT	FAMILY client and server on PORT: the
 *					seed exchange, then the client's FIN
 *	inetx_hold timewait FAMILY	FAMILY pair whose client closes first:
 *					leaves a FAMILY socket in TIME_WAIT
 *	inetx_hold port			print a currently free TCP port
 *	inetx_hold keys FILE		switch on the static keys socket
 *					options flip (inx_pin_static_keys())
 *					and keep them on; writes FILE when
 *					ready, then sleeps until killed
 *
 * Diagnostics go to stdout as "# ..." lines so KTAP callers can pass
 * them through. conn and wire close abortively where the inetx side
 * would otherwise end up in TIME_WAIT and pin the module for 60 s.
 */
#include "inetx_common.h"

static const char msg[] = "This is test\n";

static int die(const char *what)
{
	printf("# %s: %s\n", what, strerror(errno));
	return 1;
}

static int cmd_socket(int fam)
{
	int fd = socket(fam, SOCK_STREAM, 0);

	if (fd < 0) {
		printf("%s\n", inx_errname(errno));
		return 1;
	}
	printf("ok\n");
	close(fd);
	return 0;
}

static void on_term(int sig)
{
	(void)sig;
	_exit(0);
}

/* Ready: write VAL to FILE for the caller, then sleep until killed. */
static int ready_then_wait(const char *file, int val)
{
	FILE *f = fopen(file, "w");

	if (!f)
		return die(file);
	fprintf(f, "%d\n", val);
	fclose(f);
	for (;;)
		pause();
}

static int cmd_hold(int fam, const char *file)
{
	uint16_t port;
	int lfd, fd;

	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	lfd = inx_listen(fam, 1, &port);
	fd = socket(fam, SOCK_STREAM, 0);
	if (lfd < 0 || fd < 0)
		return die("socket");
	return ready_then_wait(file, port);
}

static int cmd_keys(const char *file)
{
	int tcp, udp, bad;

	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	bad = inx_pin_static_keys(&tcp, &udp, false);
	return ready_then_wait(file, bad);
}

/* One echo exchange: client of cfam to a listener of sfam. */
static int exchange(int cfam, int sfam)
{
	char buf[64];
	uint16_t port;
	int lfd, c, s = -1, rc = 1;

	lfd = inx_listen(sfam, 1, &port);
	if (lfd < 0)
		return die("listen");
	c = inx_connect(cfam, port);
	if (c < 0) {
		die("connect");
		goto out;
	}
	s = inx_accept(lfd, NULL, NULL);
	if (s < 0) {
		die("accept");
		goto out;
	}
	if (inx_send_all(c, msg, sizeof(msg) - 1) != sizeof(msg) - 1 ||
	    inx_recv_all(s, buf, sizeof(msg) - 1) != sizeof(msg) - 1 ||
	    inx_send_all(s, buf, sizeof(msg) - 1) != sizeof(msg) - 1 ||
	    inx_recv_all(c, buf, sizeof(msg) - 1) != sizeof(msg) - 1 ||
	    memcmp(buf, msg, sizeof(msg) - 1)) {
		die("exchange");
		goto out;
	}
	rc = 0;
out:
	inx_close_abort(c);
	inx_close_abort(s);
	close(lfd);
	return rc;
}

static int cmd_conn(int fam)
{
	int rc = exchange(fam, fam);

	rc |= exchange(AF_INET, fam);
	rc |= exchange(fam, AF_INET);
	printf("# conn family %d: %s\n", fam, rc ? "FAILED" : "ok");
	return rc;
}

/* TIME_WAIT state in /proc/net/tcp is 06. */
static bool in_time_wait(uint16_t lport, uint16_t rport)
{
	return inx_proc_tcp_has(lport, rport, 0x06);
}

/*
 * The full close handshake, client first, so the client ends in
 * TIME_WAIT. With AF_INET this exercises TCP's request and timewait
 * socks, which a broken proto_unregister() would have destroyed; with
 * inetx it leaves a timewait sock that must pin the module for 60 s.
 */
static int cmd_timewait(int fam)
{
	char buf[64];
	uint16_t port, cport;
	int lfd, c, s, i;

	lfd = inx_listen(fam, 1, &port);
	c = lfd < 0 ? -1 : inx_connect(fam, port);
	s = c < 0 ? -1 : inx_accept(lfd, NULL, NULL);
	if (s < 0)
		return die("connect");
	cport = inx_local_port(c);
	if (inx_send_all(c, msg, sizeof(msg) - 1) != sizeof(msg) - 1 ||
	    inx_recv_all(s, buf, sizeof(msg) - 1) != sizeof(msg) - 1 ||
	    inx_send_all(s, buf, sizeof(msg) - 1) != sizeof(msg) - 1 ||
	    inx_recv_all(c, buf, sizeof(msg) - 1) != sizeof(msg) - 1)
		return die("exchange");
	close(c);
	if (recv(s, buf, sizeof(buf), 0) != 0)
		return die("EOF");
	close(s);
	close(lfd);
	for (i = 0; i < 200 && !in_time_wait(cport, port); i++)
		usleep(10000);
	if (!in_time_wait(cport, port)) {
		printf("# no TIME_WAIT entry for 127.0.0.1:%u\n", cport);
		return 1;
	}
	printf("# family %d exchange ok, client %u in TIME_WAIT\n", fam, cport);
	return 0;
}

/*
 * The capture test's exchange: SYN, SYN-ACK, ACK, 13 bytes each way, the
 * client's FIN (shutdown), then the server resets so that the client,
 * which sent the first FIN, never reaches TIME_WAIT.
 */
static int cmd_wire(int fam, uint16_t port)
{
	struct sockaddr_in sa;
	char buf[64];
	int lfd, c, s;

	lfd = inx_socket(fam);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, inx_addr(&sa, fam, port)) ||
	    listen(lfd, 1))
		return die("listen");
	c = inx_connect(fam, port);
	s = c < 0 ? -1 : inx_accept(lfd, NULL, NULL);
	if (s < 0)
		return die("connect");
	if (inx_send_all(c, msg, sizeof(msg) - 1) != sizeof(msg) - 1 ||
	    inx_recv_all(s, buf, sizeof(msg) - 1) != sizeof(msg) - 1 ||
	    inx_send_all(s, buf, sizeof(msg) - 1) != sizeof(msg) - 1 ||
	    inx_recv_all(c, buf, sizeof(msg) - 1) != sizeof(msg) - 1)
		return die("exchange");
	shutdown(c, SHUT_WR);
	if (recv(s, buf, sizeof(buf), 0) != 0)
		return die("EOF");
	inx_close_abort(s);
	inx_poll1(c, POLLERR, INX_TIMEOUT_MS);
	close(c);
	close(lfd);
	printf("# wire exchange family %d port %u ok\n", fam, port);
	return 0;
}

static int cmd_port(void)
{
	uint16_t port;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0 || inx_bind_any(fd, AF_INET, &port))
		return die("bind");
	printf("%u\n", port);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	alarm(120);		/* nothing here may outlive its caller's patience */
	if (argc == 3 && !strcmp(argv[1], "socket"))
		return cmd_socket(atoi(argv[2]));
	if (argc == 4 && !strcmp(argv[1], "hold")) {
		alarm(0);	/* killed by the caller */
		return cmd_hold(atoi(argv[2]), argv[3]);
	}
	if (argc == 3 && !strcmp(argv[1], "keys")) {
		alarm(0);	/* killed by the caller */
		return cmd_keys(argv[2]);
	}
	if (argc == 3 && !strcmp(argv[1], "conn"))
		return cmd_conn(atoi(argv[2]));
	if (argc == 2 && !strcmp(argv[1], "tcp"))
		return cmd_timewait(AF_INET);
	if (argc == 3 && !strcmp(argv[1], "timewait"))
		return cmd_timewait(atoi(argv[2]));
	if (argc == 4 && !strcmp(argv[1], "wire"))
		return cmd_wire(atoi(argv[2]), atoi(argv[3]));
	if (argc == 2 && !strcmp(argv[1], "port"))
		return cmd_port();
	fprintf(stderr, "usage: %s socket|hold|keys|conn|tcp|timewait|wire|port ...\n",
		argv[0]);
	return 2;
}
