// SPDX-License-Identifier: GPL-2.0
/*
 * inetx_diag_sockets: the sockets and raw sock_diag requests behind
 * inetx_diag.sh. Not a KTAP test itself; one line per record, fields
 * "STATE LOCAL PEER" as inetx-ss prints them, so listings compare with
 * sort and diff.
 *
 *	inetx_diag_sockets set [PORT]
 *		lo up, then a known set on 127.0.0.1: an inetx listener L1
 *		(on PORT if given), an inetx pair through it, an inetx
 *		client in TIME-WAIT against L1, an AF_INET client whose
 *		child in L1's queue is never accepted, an inetx client of an
 *		AF_INET listener L2, and AF_INET-only sockets (a pair, one
 *		in TIME-WAIT). Prints "inetx STATE LOCAL PEER" for every
 *		inetx socket, "inet STATE LOCAL PEER" for the AF_INET ones
 *		(the listing must not have them), "ready", then holds
 *		everything open until stdin closes.
 *	inetx_diag_sockets dump STATES [info]
 *		a SOCK_DIAG_BY_FAMILY dump for the inetx family, states a
 *		TCPF_* mask; "info" asks for INET_DIAG_INFO. Prints
 *		"STATE LOCAL PEER cookie=C ino=N info=S" per record (S: the
 *		tcp_info's tcpi_state, "-" without one), "done N" at the end,
 *		or "error ERRNO".
 *	inetx_diag_sockets get LOCAL PEER COOKIE|none
 *		an exact-socket request; prints the record or "error ERRNO".
 *	inetx_diag_sockets slowdump N
 *		N inetx listeners, a dump of them read one message at a time:
 *		prints "pinned D" (module references the started dump added),
 *		reads one recv, closes the listeners, prints "paused", then
 *		on a stdin line "finish" reads the rest ("done"), on
 *		"abandon" or end of input closes the netlink socket
 *		("abandoned").
 */
#include "inetx_common.h"

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <sys/resource.h>

static const char * const state_name[] = {
	"?", "ESTAB", "SYN-SENT", "SYN-RECV", "FIN-WAIT-1", "FIN-WAIT-2",
	"TIME-WAIT", "UNCONN", "CLOSE-WAIT", "LAST-ACK", "LISTEN", "CLOSING",
};

#define N_STATES	((int)(sizeof(state_name) / sizeof(state_name[0])))

static int die(const char *what)
{
	printf("error %s: %s\n", what, inx_errname(errno));
	return 1;
}

/* ---- the known set ---------------------------------------------------- */

static void fmt_sock(char *buf, size_t size, int fd)
{
	struct sockaddr_in l, p;
	socklen_t ll = sizeof(l), pl = sizeof(p);
	char ls[INET_ADDRSTRLEN], ps[INET_ADDRSTRLEN];

	memset(&p, 0, sizeof(p));
	getsockname(fd, (struct sockaddr *)&l, &ll);
	if (getpeername(fd, (struct sockaddr *)&p, &pl))
		memset(&p, 0, sizeof(p));
	inet_ntop(AF_INET, &l.sin_addr, ls, sizeof(ls));
	inet_ntop(AF_INET, &p.sin_addr, ps, sizeof(ps));
	if (p.sin_port)
		snprintf(buf, size, "%s:%u %s:%u", ls, ntohs(l.sin_port), ps,
			 ntohs(p.sin_port));
	else
		snprintf(buf, size, "%s:%u %s:*", ls, ntohs(l.sin_port), ps);
}

static void print_sock(const char *kind, const char *state, int fd)
{
	char buf[64];

	fmt_sock(buf, sizeof(buf), fd);
	printf("%s %s %s\n", kind, state, buf);
}

/* Wait (bounded) until the entry is there, or gone. */
static bool wait_proc_tcp(uint16_t lport, uint16_t rport, unsigned int st,
			  bool present)
{
	long end = inx_now_ms() + INX_TIMEOUT_MS;

	while (inx_proc_tcp_has(lport, rport, st) != present) {
		if (inx_now_ms() > end)
			return false;
		usleep(10000);
	}
	return true;
}

/* @c closes first and ends in TIME-WAIT; its peer @s is gone after. */
static int time_wait(int c, int s, uint16_t lport)
{
	uint16_t cport = inx_local_port(c);
	char buf[8];

	close(c);
	if (recv(s, buf, sizeof(buf), 0) != 0)
		return die("EOF before TIME-WAIT");
	close(s);
	if (!wait_proc_tcp(cport, lport, 0x06, true) ||
	    !wait_proc_tcp(lport, cport, 0, false))
		return die("TIME-WAIT");
	return 0;
}

static int cmd_set(int fam, uint16_t want_port)
{
	int l1, l2, c1, a1, c2, c3, a3, c4, a4, c5, a5, c6, a6;
	struct sockaddr_in sa;
	uint16_t p1 = want_port, p2;
	char line[16], tw[64], new_tw[64];
	int ntw = 0, l3, rc;
	uint16_t p3;

	if (inx_lo_up())
		return die("lo up");
	l1 = inx_socket(fam);
	if (l1 < 0 || bind(l1, (struct sockaddr *)&sa, inx_addr(&sa, fam, p1)) ||
	    listen(l1, 8))
		return die("inetx listener");
	p1 = inx_local_port(l1);
	l2 = inx_listen(AF_INET, 8, &p2);
	if (l2 < 0)
		return die("AF_INET listener");

	/* Accepted in connect order: the never-accepted child comes last. */
	c1 = inx_connect(fam, p1);
	a1 = c1 < 0 ? -1 : inx_accept(l1, NULL, NULL);
	c5 = a1 < 0 ? -1 : inx_connect(fam, p1);
	a5 = c5 < 0 ? -1 : inx_accept(l1, NULL, NULL);
	if (a5 < 0)
		return die("inetx pairs");
	fmt_sock(tw, sizeof(tw), c5);
	printf("inetx TIME-WAIT %s\n", tw);
	if (time_wait(c5, a5, p1))
		return 1;
	c2 = inx_connect(AF_INET, p1);
	if (c2 < 0 || !wait_proc_tcp(p1, inx_local_port(c2), 0x01, true))
		return die("unaccepted child");

	c3 = inx_connect(fam, p2);
	a3 = c3 < 0 ? -1 : inx_accept(l2, NULL, NULL);
	c4 = a3 < 0 ? -1 : inx_connect(AF_INET, p2);
	a4 = c4 < 0 ? -1 : inx_accept(l2, NULL, NULL);
	c6 = a4 < 0 ? -1 : inx_connect(AF_INET, p2);
	a6 = c6 < 0 ? -1 : inx_accept(l2, NULL, NULL);
	if (a6 < 0)
		return die("AF_INET pairs");
	print_sock("inet", "TIME-WAIT", c6);
	if (time_wait(c6, a6, p2))
		return 1;

	print_sock("inetx", "LISTEN", l1);
	print_sock("inetx", "ESTAB", c1);
	print_sock("inetx", "ESTAB", a1);
	/* The child: L1's side of c2's connection. */
	printf("inetx ESTAB 127.0.0.1:%u 127.0.0.1:%u\n", p1,
	       inx_local_port(c2));
	print_sock("inet", "ESTAB", c2);
	print_sock("inetx", "ESTAB", c3);
	print_sock("inet", "ESTAB", a3);
	print_sock("inet", "LISTEN", l2);
	print_sock("inet", "ESTAB", c4);
	print_sock("inet", "ESTAB", a4);
	printf("ready\n");
	fflush(stdout);

	/*
	 * "tw": a fresh inetx TIME-WAIT socket, for slow kernels on which
	 * TCP_TIMEWAIT_LEN (60 s) ends before the last listing. The one
	 * before it is "stale": listed or already gone.
	 */
	while (fgets(line, sizeof(line), stdin)) {
		if (strncmp(line, "tw", 2))
			continue;
		/* Not through L1: its queue holds the never-accepted child. */
		l3 = inx_listen(fam, 1, &p3);
		c5 = l3 < 0 ? -1 : inx_connect(fam, p3);
		a5 = c5 < 0 ? -1 : inx_accept(l3, NULL, NULL);
		if (a5 < 0) {
			die("tw");
			continue;
		}
		fmt_sock(new_tw, sizeof(new_tw), c5);
		rc = time_wait(c5, a5, p3);
		close(l3);
		if (rc)
			continue;
		printf("stale %s\ninetx TIME-WAIT %s\ntw-ready %d\n", tw,
		       new_tw, ++ntw);
		snprintf(tw, sizeof(tw), "%s", new_tw);
	}
	return 0;
}

/* ---- raw sock_diag ---------------------------------------------------- */

static int diag_send(int fd, uint32_t states, uint8_t ext,
		     const struct inet_diag_sockid *id)
{
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 r;
	} req = {
		.nlh = {
			.nlmsg_len = sizeof(req),
			.nlmsg_type = SOCK_DIAG_BY_FAMILY,
			.nlmsg_flags = NLM_F_REQUEST | (id ? 0 : NLM_F_DUMP),
			.nlmsg_seq = 1,
		},
		.r = {
			.sdiag_family = inx_family(),
			.sdiag_protocol = IPPROTO_TCP,
			.idiag_ext = ext,
			.idiag_states = states,
		},
	};
	struct sockaddr_nl nl = { .nl_family = AF_NETLINK };

	if (id)
		req.r.id = *id;
	return sendto(fd, &req, sizeof(req), 0, (struct sockaddr *)&nl,
		      sizeof(nl)) == sizeof(req) ? 0 : -1;
}

/* slowdump counts records without printing them. */
static bool quiet;

static void print_record(const struct nlmsghdr *nlh)
{
	const struct inet_diag_msg *r = NLMSG_DATA(nlh);
	int len = nlh->nlmsg_len - NLMSG_LENGTH(sizeof(*r));
	const struct rtattr *a = (const void *)(r + 1);
	char ls[INET_ADDRSTRLEN], ps[INET_ADDRSTRLEN], info[16] = "-";

	if (quiet)
		return;
	for (; RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (a->rta_type == INET_DIAG_INFO &&
		    RTA_PAYLOAD(a) >= (int)sizeof(struct tcp_info))
			snprintf(info, sizeof(info), "%s",
				 state_name[((const struct tcp_info *)
					     RTA_DATA(a))->tcpi_state %
					    N_STATES]);
	inet_ntop(AF_INET, &r->id.idiag_src[0], ls, sizeof(ls));
	inet_ntop(AF_INET, &r->id.idiag_dst[0], ps, sizeof(ps));
	printf("%s %s:%u ", r->idiag_state < N_STATES ?
	       state_name[r->idiag_state] : "?", ls, ntohs(r->id.idiag_sport));
	if (r->id.idiag_dport)
		printf("%s:%u", ps, ntohs(r->id.idiag_dport));
	else
		printf("%s:*", ps);
	printf(" cookie=%08x%08x ino=%u info=%s family=%u\n",
	       r->id.idiag_cookie[0], r->id.idiag_cookie[1], r->idiag_inode,
	       info, r->idiag_family);
}

/*
 * Read replies, printing records, for at most @max_recvs recv calls (0:
 * no limit). Returns 1 at NLMSG_DONE or after an exact reply, 0 if the
 * limit stopped it, -1 with "error ERRNO" printed.
 */
static int diag_recv(int fd, int max_recvs, bool exact, int *records)
{
	static char buf[65536];
	int n, recvs;

	for (recvs = 0; !max_recvs || recvs < max_recvs; recvs++) {
		struct nlmsghdr *nlh = (struct nlmsghdr *)buf;

		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0)
			return die("recv");
		for (; NLMSG_OK(nlh, n); nlh = NLMSG_NEXT(nlh, n)) {
			if (nlh->nlmsg_type == NLMSG_DONE)
				return 1;
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(nlh);

				errno = -e->error;
				if (!e->error)
					return 1;
				printf("error %s\n", inx_errname(-e->error));
				return -1;
			}
			print_record(nlh);
			(*records)++;
			if (exact)
				return 1;
		}
	}
	return 0;
}

static int diag_socket(void)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);

	if (fd >= 0)
		inx_set_timeouts(fd, INX_TIMEOUT_MS);
	return fd;
}

static int cmd_dump(uint32_t states, bool info)
{
	int fd = diag_socket(), n = 0, rc;

	if (fd < 0 || diag_send(fd, states,
				info ? 1 << (INET_DIAG_INFO - 1) : 0, NULL))
		return die("send");
	rc = diag_recv(fd, 0, false, &n);
	close(fd);
	if (rc > 0)
		printf("done %d\n", n);
	return rc <= 0;
}

static int parse_addr(const char *s, __be32 *addr, __be16 *port)
{
	char ip[INET_ADDRSTRLEN];
	unsigned int p = 0;

	if (sscanf(s, "%15[0-9.]:%u", ip, &p) < 1 ||
	    inet_pton(AF_INET, ip, addr) != 1)
		return -1;
	*port = htons(p);	/* "*" leaves 0 */
	return 0;
}

static int cmd_get(const char *local, const char *peer, const char *cookie)
{
	struct inet_diag_sockid id = { 0 };
	int fd, n = 0, rc;

	if (parse_addr(local, &id.idiag_src[0], &id.idiag_sport) ||
	    parse_addr(peer, &id.idiag_dst[0], &id.idiag_dport)) {
		printf("error bad address\n");
		return 2;
	}
	if (!strcmp(cookie, "none")) {
		id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
		id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
	} else if (sscanf(cookie, "%8x%8x", &id.idiag_cookie[0],
			  &id.idiag_cookie[1]) != 2) {
		printf("error bad cookie\n");
		return 2;
	}
	fd = diag_socket();
	if (fd < 0 || diag_send(fd, 0, 0, &id))
		return die("send");
	rc = diag_recv(fd, 1, true, &n);
	close(fd);
	return rc <= 0;
}

static int cmd_slowdump(int fam, int n)
{
	struct rlimit rl;
	int *l, i, fd, before, records = 0, rc;
	char line[32] = "";
	uint16_t port;

	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < (rlim_t)n + 64) {
		rl.rlim_cur = rl.rlim_max < (rlim_t)n + 64 ?
			      rl.rlim_max : (rlim_t)n + 64;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	quiet = true;
	l = calloc(n, sizeof(*l));
	for (i = 0; l && i < n; i++) {
		l[i] = inx_listen(fam, 1, &port);
		if (l[i] < 0)
			return die("listener");
	}
	fd = diag_socket();
	before = inx_module_refs();
	if (fd < 0 || diag_send(fd, 1 << 10 /* TCPF_LISTEN */, 0, NULL))
		return die("send");
	/* The first skb is filled in sendmsg; the dump now holds the module. */
	printf("pinned %d\n", inx_module_refs() - before);
	rc = diag_recv(fd, 1, false, &records);
	for (i = 0; i < n; i++)
		close(l[i]);
	printf("paused %d %s\n", records, rc == 0 ? "in progress" : "ended");
	fflush(stdout);

	if (fgets(line, sizeof(line), stdin) && !strncmp(line, "finish", 6)) {
		rc = diag_recv(fd, 0, false, &records);
		printf("done %d %s\n", records, rc > 0 ? "complete" : "failed");
		close(fd);
		return rc <= 0;
	}
	close(fd);
	printf("abandoned\n");
	return 0;
}

int main(int argc, char **argv)
{
	int fam = inx_family();

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 2 && !strcmp(argv[1], "set"))
		return cmd_set(fam, argc > 2 ? atoi(argv[2]) : 0);
	if (argc >= 3 && !strcmp(argv[1], "dump"))
		return cmd_dump(strtoul(argv[2], NULL, 0),
				argc > 3 && !strcmp(argv[3], "info"));
	if (argc == 5 && !strcmp(argv[1], "get"))
		return cmd_get(argv[2], argv[3], argv[4]);
	if (argc == 3 && !strcmp(argv[1], "slowdump"))
		return cmd_slowdump(fam, atoi(argv[2]));
	fprintf(stderr, "usage: %s set [PORT] | dump STATES [info] | get LOCAL PEER COOKIE|none | slowdump N\n",
		argv[0]);
	return 2;
}
