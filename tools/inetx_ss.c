// SPDX-License-Identifier: GPL-2.0
/*
 * inetx-ss: list inetx sockets the way ss(8) lists TCP ones, through the
 * module's sock_diag handler (SOCK_DIAG_BY_FAMILY with sdiag_family the
 * inetx family, struct inet_diag_req_v2), over libmnl.
 *
 *	inetx-ss [-l | -a] [-n] [-H] [-p] [-i] [-t] [state NAME]... [exclude NAME]...
 *
 * Default: connected sockets, as ss (no LISTEN, SYN-RECV, TIME-WAIT,
 * CLOSE). NAME: established, syn-sent, syn-recv, fin-wait-1, fin-wait-2,
 * time-wait, closed, close-wait, last-ack, listening, closing, or the
 * groups all, connected, synchronized, bucket, big. -t is accepted (inetx
 * sockets are all TCP). Addresses stay numeric; without -n ports are
 * named from /etc/services, never from DNS.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/inetx.h>

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* Kernel TCP states (include/net/tcp_states.h), as ss names them. */
enum {
	TCP_ESTABLISHED = 1, TCP_SYN_SENT, TCP_SYN_RECV, TCP_FIN_WAIT1,
	TCP_FIN_WAIT2, TCP_TIME_WAIT, TCP_CLOSE, TCP_CLOSE_WAIT, TCP_LAST_ACK,
	TCP_LISTEN, TCP_CLOSING, TCP_MAX_STATES
};

static const char * const state_col[TCP_MAX_STATES] = {
	[TCP_ESTABLISHED] = "ESTAB",	  [TCP_SYN_SENT] = "SYN-SENT",
	[TCP_SYN_RECV] = "SYN-RECV",	  [TCP_FIN_WAIT1] = "FIN-WAIT-1",
	[TCP_FIN_WAIT2] = "FIN-WAIT-2",	  [TCP_TIME_WAIT] = "TIME-WAIT",
	[TCP_CLOSE] = "UNCONN",		  [TCP_CLOSE_WAIT] = "CLOSE-WAIT",
	[TCP_LAST_ACK] = "LAST-ACK",	  [TCP_LISTEN] = "LISTEN",
	[TCP_CLOSING] = "CLOSING",
};

#define SF(s)		(1u << (s))
#define SF_ALL		(SF(TCP_MAX_STATES) - 2)
#define SF_CONNECTED	(SF_ALL & ~(SF(TCP_LISTEN) | SF(TCP_CLOSE) | \
				    SF(TCP_TIME_WAIT) | SF(TCP_SYN_RECV)))
#define SF_SYNCHRONIZED	(SF_CONNECTED & ~SF(TCP_SYN_SENT))
#define SF_BUCKET	(SF(TCP_SYN_RECV) | SF(TCP_TIME_WAIT))
#define SF_BIG		(SF_ALL & ~SF_BUCKET)

static const struct {
	const char *name;
	unsigned int states;
} state_names[] = {
	{ "established", SF(TCP_ESTABLISHED) }, { "syn-sent", SF(TCP_SYN_SENT) },
	{ "syn-recv", SF(TCP_SYN_RECV) },	{ "fin-wait-1", SF(TCP_FIN_WAIT1) },
	{ "fin-wait-2", SF(TCP_FIN_WAIT2) },	{ "time-wait", SF(TCP_TIME_WAIT) },
	{ "closed", SF(TCP_CLOSE) },		{ "close-wait", SF(TCP_CLOSE_WAIT) },
	{ "last-ack", SF(TCP_LAST_ACK) },	{ "listening", SF(TCP_LISTEN) },
	{ "closing", SF(TCP_CLOSING) },		{ "all", SF_ALL },
	{ "connected", SF_CONNECTED },		{ "synchronized", SF_SYNCHRONIZED },
	{ "bucket", SF_BUCKET },		{ "big", SF_BIG },
};

struct ss_opts {
	bool numeric, no_header, procs, info;
};

/* One socket inode's owners, "users:((...))" as ss -p prints them. */
struct ino_owner {
	unsigned long ino;
	char users[256];
};

static struct ino_owner *owners;
static size_t n_owners;

/* -p: every process's fds that are sockets, by inode. */
static void owners_load(void)
{
	DIR *proc = opendir("/proc");
	struct dirent *p;

	if (!proc)
		return;
	while ((p = readdir(proc))) {
		char path[600], link[64], comm[64] = "?";
		struct dirent *f;
		FILE *cf;
		DIR *fds;

		if (!isdigit((unsigned char)p->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", p->d_name);
		cf = fopen(path, "r");
		if (cf) {
			if (fgets(comm, sizeof(comm), cf))
				comm[strcspn(comm, "\n")] = 0;
			fclose(cf);
		}
		snprintf(path, sizeof(path), "/proc/%s/fd", p->d_name);
		fds = opendir(path);
		if (!fds)
			continue;
		while ((f = readdir(fds))) {
			unsigned long ino;
			struct ino_owner *o;
			ssize_t len;
			size_t i, used;

			snprintf(path, sizeof(path), "/proc/%s/fd/%s",
				 p->d_name, f->d_name);
			len = readlink(path, link, sizeof(link) - 1);
			if (len <= 0)
				continue;
			link[len] = 0;
			if (sscanf(link, "socket:[%lu]", &ino) != 1)
				continue;
			for (i = 0; i < n_owners && owners[i].ino != ino; i++)
				;
			if (i == n_owners) {
				o = realloc(owners, (n_owners + 1) * sizeof(*o));
				if (!o)
					break;
				owners = o;
				owners[n_owners].ino = ino;
				owners[n_owners].users[0] = 0;
				n_owners++;
			}
			o = &owners[i];
			used = strlen(o->users);
			snprintf(o->users + used, sizeof(o->users) - used,
				 "%s(\"%s\",pid=%s,fd=%s)", used ? "," : "",
				 comm, p->d_name, f->d_name);
		}
		closedir(fds);
	}
	closedir(proc);
}

static const char *owners_of(unsigned long ino)
{
	size_t i;

	for (i = 0; ino && i < n_owners; i++)
		if (owners[i].ino == ino)
			return owners[i].users;
	return NULL;
}

/* Without -n: the port's tcp name from /etc/services only (no NSS, no DNS). */
static const char *service_name(unsigned int port)
{
	static char name[64];
	char line[512];
	bool found = false;
	FILE *f;

	f = fopen("/etc/services", "r");
	if (!f)
		return NULL;
	while (!found && fgets(line, sizeof(line), f)) {
		unsigned int p;
		char proto[16];

		line[strcspn(line, "#")] = 0;
		if (sscanf(line, "%63s %u/%15s", name, &p, proto) == 3 &&
		    p == port && !strcmp(proto, "tcp"))
			found = true;
	}
	fclose(f);
	return found ? name : NULL;
}

static void format_addr(char *buf, size_t len, __be32 addr, __be16 port,
			const struct ss_opts *o)
{
	char ip[INET_ADDRSTRLEN];
	const char *svc = NULL;

	inet_ntop(AF_INET, &addr, ip, sizeof(ip));
	if (!port) {
		snprintf(buf, len, "%s:*", ip);
		return;
	}
	if (!o->numeric)
		svc = service_name(ntohs(port));
	if (svc)
		snprintf(buf, len, "%s:%s", ip, svc);
	else
		snprintf(buf, len, "%s:%u", ip, ntohs(port));
}

/* -i: a summary of struct tcp_info in ss -i's words. */
static void print_info(const struct tcp_info *ti, const char *cong)
{
	printf("\t");
	if (cong)
		printf(" %s", cong);
	printf(" rto:%g rtt:%g/%g mss:%u cwnd:%u ssthresh:%u",
	       ti->tcpi_rto / 1000.0, ti->tcpi_rtt / 1000.0,
	       ti->tcpi_rttvar / 1000.0, ti->tcpi_snd_mss, ti->tcpi_snd_cwnd,
	       ti->tcpi_snd_ssthresh);
	printf(" bytes_sent:%llu bytes_acked:%llu bytes_received:%llu",
	       (unsigned long long)ti->tcpi_bytes_sent,
	       (unsigned long long)ti->tcpi_bytes_acked,
	       (unsigned long long)ti->tcpi_bytes_received);
	printf(" segs_out:%u segs_in:%u retrans:%u/%u\n", ti->tcpi_segs_out,
	       ti->tcpi_segs_in, ti->tcpi_retrans, ti->tcpi_total_retrans);
}

static int attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	if (mnl_attr_type_valid(attr, INET_DIAG_MAX) > 0)
		tb[type] = attr;
	return MNL_CB_OK;
}

static int msg_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct inet_diag_msg *r = mnl_nlmsg_get_payload(nlh);
	struct nlattr *tb[INET_DIAG_MAX + 1] = { NULL };
	const struct ss_opts *o = data;
	char local[80], peer[80];
	const char *users;

	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*r)))
		return MNL_CB_ERROR;
	mnl_attr_parse(nlh, sizeof(*r), attr_cb, tb);

	format_addr(local, sizeof(local), r->id.idiag_src[0],
		    r->id.idiag_sport, o);
	format_addr(peer, sizeof(peer), r->id.idiag_dst[0],
		    r->id.idiag_dport, o);
	printf("%-10s %-6u %-6u %-24s %-24s",
	       r->idiag_state < TCP_MAX_STATES && state_col[r->idiag_state] ?
	       state_col[r->idiag_state] : "UNKNOWN",
	       r->idiag_rqueue, r->idiag_wqueue, local, peer);
	users = o->procs ? owners_of(r->idiag_inode) : NULL;
	if (users)
		printf(" users:(%s)", users);
	printf("\n");

	if (o->info && tb[INET_DIAG_INFO]) {
		struct tcp_info ti = { 0 };
		size_t len = mnl_attr_get_payload_len(tb[INET_DIAG_INFO]);

		memcpy(&ti, mnl_attr_get_payload(tb[INET_DIAG_INFO]),
		       len < sizeof(ti) ? len : sizeof(ti));
		print_info(&ti, tb[INET_DIAG_CONG] ?
			   mnl_attr_get_str(tb[INET_DIAG_CONG]) : NULL);
	}
	return MNL_CB_OK;
}

/* INETX_FAMILY (as the selftests take it), else sysfs, else AF_INETX. */
static int inetx_family_number(void)
{
	const char *env = getenv("INETX_FAMILY");
	int family = AF_INETX;
	FILE *f;

	if (env && *env)
		return atoi(env);
	f = fopen(INETX_FAMILY_SYSFS, "r");
	if (f) {
		if (fscanf(f, "%d", &family) != 1)
			family = AF_INETX;
		fclose(f);
	}
	return family;
}

static unsigned int parse_state(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(state_names); i++)
		if (!strcmp(name, state_names[i].name))
			return state_names[i].states;
	fprintf(stderr, "inetx-ss: unknown state \"%s\"\n", name);
	exit(2);
}

static void print_usage(int status)
{
	fprintf(status ? stderr : stdout,
		"usage: inetx-ss [-l | -a] [-n] [-H] [-p] [-i] [-t] [state NAME]... [exclude NAME]...\n"
		"  -l listening sockets  -a all  -n numeric ports  -H no header\n"
		"  -p processes  -i tcp_info  -t TCP (all inetx sockets are)\n"
		"  NAME: established syn-sent syn-recv fin-wait-1 fin-wait-2 time-wait\n"
		"        closed close-wait last-ack listening closing all connected\n"
		"        synchronized bucket big\n");
	exit(status);
}

static int list_sockets(unsigned int states, const struct ss_opts *o)
{
	static char buf[65536];	/* a dump skb is at most 32 KiB */
	struct inet_diag_req_v2 *req;
	unsigned int seq, portid;
	struct mnl_socket *nl;
	struct nlmsghdr *nlh;
	int family, ret;

	family = inetx_family_number();
	nl = mnl_socket_open(NETLINK_SOCK_DIAG);
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		perror("inetx-ss: netlink");
		return 1;
	}
	portid = mnl_socket_get_portid(nl);

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	seq = time(NULL);
	nlh->nlmsg_seq = seq;
	req = mnl_nlmsg_put_extra_header(nlh, sizeof(*req));
	req->sdiag_family = family;
	req->sdiag_protocol = IPPROTO_TCP;
	req->idiag_states = states;
	if (o->info)
		req->idiag_ext = (1 << (INET_DIAG_INFO - 1)) |
				 (1 << (INET_DIAG_CONG - 1));

	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		perror("inetx-ss: send");
		mnl_socket_close(nl);
		return 1;
	}
	if (!o->no_header)
		printf("%-10s %-6s %-6s %-24s %-24s%s\n", "State", "Recv-Q",
		       "Send-Q", "Local Address:Port", "Peer Address:Port",
		       o->procs ? " Process" : "");
	do {
		ret = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (ret <= 0)
			break;
		ret = mnl_cb_run(buf, ret, seq, portid, msg_cb, (void *)o);
	} while (ret > 0);
	if (ret < 0) {
		if (errno == ENOENT)
			fprintf(stderr, "inetx-ss: family %d not listable: is inetx loaded?\n",
				family);
		else
			perror("inetx-ss: dump");
	}
	mnl_socket_close(nl);
	return ret < 0;
}

int main(int argc, char **argv)
{
	unsigned int states = SF_CONNECTED, with = 0, without = 0;
	struct ss_opts o = { 0 };
	int c;

	while ((c = getopt(argc, argv, "lanHpith")) != -1) {
		switch (c) {
		case 'l':
			states = SF(TCP_LISTEN);
			break;
		case 'a':
			states = SF_ALL;
			break;
		case 'n':
			o.numeric = true;
			break;
		case 'H':
			o.no_header = true;
			break;
		case 'p':
			o.procs = true;
			break;
		case 'i':
			o.info = true;
			break;
		case 't':
			break;
		case 'h':
			print_usage(0);
			break;
		default:
			print_usage(2);
		}
	}
	for (; optind < argc; optind++) {
		const char *word = argv[optind];

		if (optind + 1 >= argc ||
		    (strcmp(word, "state") && strcmp(word, "exclude")))
			print_usage(2);
		if (!strcmp(word, "state"))
			with |= parse_state(argv[++optind]);
		else
			without |= parse_state(argv[++optind]);
	}
	/* As ss: "state" replaces the default set, "exclude" trims it. */
	if (with)
		states = with;
	states &= ~without;

	if (o.procs)
		owners_load();
	return list_sockets(states, &o);
}
