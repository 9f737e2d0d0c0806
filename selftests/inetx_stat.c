// SPDX-License-Identifier: GPL-2.0
/*
 * inetx_stat: inetx's per-namespace counters move by exactly what a
 * scripted sequence of socket calls should move them. KTAP on stdout.
 *
 *   inetx_stat          in a network namespace of its own (root), run the
 *                       sequence; after each step every counter of
 *                       /proc/net/inetx_stat must have moved by exactly the
 *                       step's amount, and generic netlink INETX's
 *                       GET_STATS must give the same values; a second new
 *                       namespace, made first, still reads all 0 after it
 *   inetx_stat --genl   print GET_STATS's values for the caller's namespace
 *                       as /proc/net/inetx_stat's second line ("InetX: ...")
 *
 * Steps: creates refused (one per errno inetx_create() returns that a
 * caller can cause), a listener, a connect and an accept, data both ways
 * through send/recv, sendfile and splice, a reset each way, a refused
 * connect, a connection ending in TIME_WAIT, a child never accepted.
 * Sockets are freed asynchronously (RCU, the peer's FIN): waits for
 * SocketsAlive to reach its value, bounded by ALIVE_WAIT_MS.
 * Prints "# listener port N" and "# refused port N" for inetx_stat.sh,
 * which checks the tracepoints of the same run.
 */
#include "inetx_common.h"
#include "ktap.h"

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <sys/sendfile.h>
#include <sys/mman.h>
#include <sys/wait.h>

#define STAT_MAX	64

struct stat_snap {
	int		n;
	char		names[STAT_MAX][48];
	unsigned long long vals[STAT_MAX];
};

static int nl_fd = -1, genl_id;

/* One netlink request, the reply into @buf; its length, or -1. */
static int nl_call(void *req, size_t len, char *buf, size_t size)
{
	struct sockaddr_nl nl = { .nl_family = AF_NETLINK };
	struct nlmsghdr *h;
	int n;

	if (sendto(nl_fd, req, len, 0, (struct sockaddr *)&nl, sizeof(nl)) < 0)
		return -1;
	n = recv(nl_fd, buf, size, 0);
	h = (struct nlmsghdr *)buf;
	if (n < (int)sizeof(*h) || !NLMSG_OK(h, (unsigned int)n))
		return -1;
	if (h->nlmsg_type == NLMSG_ERROR) {
		errno = -((struct nlmsgerr *)NLMSG_DATA(h))->error;
		return -1;
	}
	return n;
}

/* The first attribute of type @type in a genetlink reply, or NULL. */
static struct nlattr *genl_attr(char *buf, int n, int type)
{
	struct nlmsghdr *h = (struct nlmsghdr *)buf;
	char *p = (char *)NLMSG_DATA(h) + GENL_HDRLEN;
	char *end = buf + (n < (int)h->nlmsg_len ? n : (int)h->nlmsg_len);

	while (p + NLA_HDRLEN <= end) {
		struct nlattr *a = (struct nlattr *)p;

		if (a->nla_len < NLA_HDRLEN || p + a->nla_len > end)
			return NULL;
		if ((a->nla_type & NLA_TYPE_MASK) == type)
			return a;
		p += NLA_ALIGN(a->nla_len);
	}
	return NULL;
}

static int genl_open(void)
{
	struct {
		struct nlmsghdr h;
		struct genlmsghdr g;
		char attrs[64];
	} req = {
		.h.nlmsg_type = GENL_ID_CTRL,
		.h.nlmsg_flags = NLM_F_REQUEST,
		.g.cmd = CTRL_CMD_GETFAMILY,
		.g.version = 1,
	};
	struct nlattr *a = (struct nlattr *)req.attrs;
	char buf[8192];
	int n;

	nl_fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (nl_fd < 0)
		return -1;
	a->nla_type = CTRL_ATTR_FAMILY_NAME;
	a->nla_len = NLA_HDRLEN + sizeof(INETX_GENL_NAME);
	memcpy((char *)a + NLA_HDRLEN, INETX_GENL_NAME, sizeof(INETX_GENL_NAME));
	req.h.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN) + NLA_ALIGN(a->nla_len);
	n = nl_call(&req, req.h.nlmsg_len, buf, sizeof(buf));
	if (n < 0)
		return -1;
	a = genl_attr(buf, n, CTRL_ATTR_FAMILY_ID);
	if (!a)
		return -1;
	genl_id = *(uint16_t *)((char *)a + NLA_HDRLEN);
	return 0;
}

/* GET_STATS: the __u64 array, element 0 its length; how many, or -1. */
static int genl_stats(unsigned long long *vals, int max)
{
	struct {
		struct nlmsghdr h;
		struct genlmsghdr g;
	} req = {
		.h.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN),
		.h.nlmsg_flags = NLM_F_REQUEST,
		.g.cmd = INETX_CMD_GET_STATS,
		.g.version = INETX_GENL_VERSION,
	};
	char buf[8192];
	struct nlattr *a;
	uint64_t v[STAT_MAX];
	int n, i, len;

	req.h.nlmsg_type = genl_id;
	n = nl_call(&req, req.h.nlmsg_len, buf, sizeof(buf));
	if (n < 0)
		return -1;
	a = genl_attr(buf, n, INETX_ATTR_STATS);
	if (!a)
		return -1;
	len = (a->nla_len - NLA_HDRLEN) / 8;
	if (len < 1 || len > STAT_MAX)
		return -1;
	memcpy(v, (char *)a + NLA_HDRLEN, len * 8);
	if (v[0] != (uint64_t)len)
		return -1;
	for (i = 1; i < len && i - 1 < max; i++)
		vals[i - 1] = v[i];
	return len - 1;
}

/* /proc/net/inetx_stat: "InetX: NAME..." then "InetX: VALUE...". */
static int proc_stats(struct stat_snap *s)
{
	char line[2][4096], *tok, *save;
	FILE *f = fopen(INETX_STAT_PROC, "r");
	int n = 0, m = 0;

	if (!f)
		return -1;
	if (!fgets(line[0], sizeof(line[0]), f) ||
	    !fgets(line[1], sizeof(line[1]), f)) {
		fclose(f);
		return -1;
	}
	fclose(f);
	tok = strtok_r(line[0], " \n", &save);
	if (!tok || strcmp(tok, "InetX:"))
		return -1;
	while ((tok = strtok_r(NULL, " \n", &save)) && n < STAT_MAX)
		snprintf(s->names[n++], sizeof(s->names[0]), "%s", tok);
	tok = strtok_r(line[1], " \n", &save);
	if (!tok || strcmp(tok, "InetX:"))
		return -1;
	while ((tok = strtok_r(NULL, " \n", &save)) && m < STAT_MAX)
		s->vals[m++] = strtoull(tok, NULL, 10);
	s->n = n;
	return n == m ? n : -1;
}

static int stat_index(const struct stat_snap *s, const char *name)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->names[i], name))
			return i;
	return -1;
}

static unsigned long long stat_get(const struct stat_snap *s, const char *name)
{
	int i = stat_index(s, name);

	return i < 0 ? ~0ULL : s->vals[i];
}

/*
 * Both views, which must agree (ModuleRefs, global and moving with other
 * namespaces' TIME_WAIT sockets, aside). False, with a diagnostic, if not.
 */
static bool snap(struct stat_snap *s)
{
	unsigned long long g[STAT_MAX];
	bool ok = true;
	int n, i;

	if (proc_stats(s) < 0) {
		ktap_diag("cannot parse %s", INETX_STAT_PROC);
		return false;
	}
	n = genl_stats(g, STAT_MAX);
	if (n != s->n) {
		ktap_diag("genetlink GET_STATS: %d values (%s), %s: %d", n,
			  n < 0 ? strerror(errno) : "ok", INETX_STAT_PROC, s->n);
		return false;
	}
	for (i = 0; i < n; i++) {
		if (!strcmp(s->names[i], "ModuleRefs") || g[i] == s->vals[i])
			continue;
		ktap_diag("%s: %llu in %s, %llu from genetlink", s->names[i],
			  s->vals[i], INETX_STAT_PROC, g[i]);
		ok = false;
	}
	return ok;
}

/*
 * Wait until SocketsAlive is @want: sockets are freed asynchronously (RCU
 * for listeners), slowly on a debug kernel under TCG.
 */
#define ALIVE_WAIT_MS	30000

static bool wait_alive(struct stat_snap *s, unsigned long long want)
{
	long end = inx_now_ms() + ALIVE_WAIT_MS;

	for (;;) {
		if (proc_stats(s) < 0)
			return false;
		if (stat_get(s, "SocketsAlive") == want)
			return true;
		if (inx_now_ms() > end) {
			ktap_diag("SocketsAlive %llu, not %llu, after %d ms",
				  stat_get(s, "SocketsAlive"), want, ALIVE_WAIT_MS);
			return false;
		}
		usleep(10000);
	}
}

struct delta {
	const char	*name;
	long long	by;
};

/*
 * The step's test: every counter moved by its delta (0 if not listed),
 * ModuleRefs aside, and both views agree.
 */
static bool step(struct stat_snap *prev, const char *desc,
		 const struct delta *d, bool done)
{
	struct stat_snap now = { 0 };
	bool ok = done && snap(&now);
	int i, j;

	if (!done)
		ktap_diag("%s: a socket call failed: %s", desc, strerror(errno));
	for (i = 0; ok && i < now.n; i++) {
		long long by = 0;

		if (!strcmp(now.names[i], "ModuleRefs"))
			continue;
		for (j = 0; d[j].name; j++)
			if (!strcmp(d[j].name, now.names[i]))
				by = d[j].by;
		if ((long long)(now.vals[i] - prev->vals[i]) != by) {
			ktap_diag("%s: %s moved by %lld, expected %lld", desc,
				  now.names[i],
				  (long long)(now.vals[i] - prev->vals[i]), by);
			ok = false;
		}
	}
	for (j = 0; done && d[j].name; j++)
		if (stat_index(&now, d[j].name) < 0) {
			ktap_diag("%s: no counter %s", desc, d[j].name);
			ok = false;
		}
	ktap_test(ok, "%s", desc);
	/* The next step counts from here, whatever this one did. */
	if (!ok && proc_stats(&now) < 0)
		now.n = 0;
	*prev = now;
	return ok;
}

static bool refused(int fam, int type, int proto, int want)
{
	int fd = socket(fam, type, proto);

	if (fd >= 0) {
		close(fd);
		ktap_diag("socket(%d, %d, %d) succeeded", fam, type, proto);
		return false;
	}
	if (errno != want) {
		ktap_diag("socket(%d, %d, %d): %s, expected %s", fam, type,
			  proto, inx_errname(errno), inx_errname(want));
		return false;
	}
	return true;
}

/* net.inetx.restrict_create=1, a user without CAP_NET_ADMIN: EPERM. */
static bool refused_eperm(int fam)
{
	FILE *f = fopen(INETX_RESTRICT_CREATE_SYSCTL, "w");
	int status = -1;
	pid_t pid;

	if (!f || fputs("1\n", f) < 0 || fclose(f))
		return false;
	pid = fork();
	if (pid == 0) {
		if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			_exit(2);
		_exit(refused(fam, SOCK_STREAM, 0, EPERM) ? 0 : 1);
	}
	if (pid > 0)
		waitpid(pid, &status, 0);
	f = fopen(INETX_RESTRICT_CREATE_SYSCTL, "w");
	if (!f || fputs("0\n", f) < 0 || fclose(f))
		return false;
	return pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* A port of this namespace nobody listens on. */
static uint16_t free_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	uint16_t port = 0;

	if (fd >= 0 && !inx_bind_any(fd, AF_INET, &port))
		close(fd);
	return port;
}

/* Wait for @fd's end: recv() gives 0 (FIN) or -1 with @err. */
static bool recv_end(int fd, int err)
{
	char c;
	ssize_t n = recv(fd, &c, 1, 0);

	if (err ? n == -1 && errno == err : n == 0)
		return true;
	ktap_diag("recv: %zd (%s), expected %s", n, n < 0 ? inx_errname(errno) : "-",
		  err ? inx_errname(err) : "EOF");
	return false;
}

/* A TIME_WAIT socket in this namespace's /proc/net/tcp. */
static bool time_wait_seen(uint16_t port)
{
	char line[512], want[16];
	FILE *f = fopen("/proc/net/tcp", "r");
	bool seen = false;

	snprintf(want, sizeof(want), ":%04X", port);
	while (f && fgets(line, sizeof(line), f))
		if (strstr(line, want) && strstr(line, " 06 "))
			seen = true;
	if (f)
		fclose(f);
	return seen;
}

static int sequence(int fam)
{
	struct stat_snap s;
	char buf[256] = { 0 };
	int lfd, c1, a1, c2, c3, a3, c4, mfd, pfd[2], i;
	uint16_t port, rport;
	bool ok;

	/* 1 */
	ok = snap(&s);
	for (i = 0; ok && i < s.n; i++)
		if (strcmp(s.names[i], "ModuleRefs") && s.vals[i])
			ok = false;
	ktap_test(ok, "a new namespace's counters are all 0, in %s and from genetlink (%d counters)",
		  INETX_STAT_PROC, s.n);

	/* 2 */
	ok = refused(fam, SOCK_DGRAM, 0, ESOCKTNOSUPPORT) &&
	     refused(fam, SOCK_STREAM, IPPROTO_UDP, EPROTONOSUPPORT) &&
	     refused(fam, SOCK_STREAM, 1000, EINVAL) && refused_eperm(fam);
	step(&s, "creates refused: one more of each of RefusedESOCKTNOSUPPORT, EPROTONOSUPPORT, EINVAL, EPERM",
	     (struct delta[]){ { "RefusedESOCKTNOSUPPORT", 1 },
			       { "RefusedEPROTONOSUPPORT", 1 },
			       { "RefusedEINVAL", 1 },
			       { "RefusedEPERM", 1 }, { NULL } }, ok);

	/* 3 */
	lfd = inx_listen(fam, 8, &port);
	c1 = lfd >= 0 ? inx_connect(fam, port) : -1;
	a1 = c1 >= 0 ? inx_accept(lfd, NULL, NULL) : -1;
	ktap_diag("listener port %u", port);
	step(&s, "listen, connect, accept: SocketsCreated +2, SocketsAlive +3, ConnectsStarted/Established, PassiveOpens, Accepts +1",
	     (struct delta[]){ { "SocketsCreated", 2 }, { "SocketsAlive", 3 },
			       { "ConnectsStarted", 1 },
			       { "ConnectsEstablished", 1 },
			       { "PassiveOpens", 1 }, { "Accepts", 1 },
			       { NULL } }, a1 >= 0);

	/* 4: ModuleRefs is the module's reference count (3 sockets here). */
	ok = false;
	for (i = 0; i < 5 && !ok; i++) {
		int before = inx_module_refs(), after;
		unsigned long long refs;

		proc_stats(&s);
		refs = stat_get(&s, "ModuleRefs");
		after = inx_module_refs();
		ok = before == after && refs == (unsigned long long)after &&
		     refs >= 3;
		if (!ok)
			ktap_diag("ModuleRefs %llu, refcnt %d then %d", refs, before, after);
	}
	ktap_test(ok, "ModuleRefs equals /sys/module/inetx/refcnt (at least this namespace's 3 sockets)");

	/* 5: 100 + 50 by send/recv, 30 by sendfile, 30 received by splice. */
	mfd = memfd_create("inetx_stat", 0);
	ok = a1 >= 0 && mfd >= 0 && write(mfd, buf, 30) == 30 && !pipe(pfd) &&
	     inx_send_all(c1, buf, 100) == 100 &&
	     inx_recv_all(a1, buf, 100) == 100 &&
	     inx_send_all(a1, buf, 50) == 50 &&
	     inx_recv_all(c1, buf, 50) == 50 &&
	     sendfile(c1, mfd, &(off_t){ 0 }, 30) == 30 &&
	     inx_wait_readable(a1, 30) &&
	     splice(a1, NULL, pfd[1], NULL, 30, 0) == 30;
	step(&s, "data: BytesSent +180, BytesReceived +180 (send/recv, sendfile, splice; MSG_PEEK not counted)",
	     (struct delta[]){ { "BytesSent", 180 }, { "BytesReceived", 180 },
			       { NULL } }, ok);

	/* 6: c1 half-closes, a1 aborts: one RST each way, both freed. */
	ok = a1 >= 0 && !shutdown(c1, SHUT_WR) && recv_end(a1, 0);
	inx_close_abort(a1);
	ok = ok && recv_end(c1, ECONNRESET);
	close(c1);
	ok = ok && wait_alive(&(struct stat_snap){ 0 }, 1);
	step(&s, "shutdown, abort: ResetsSent +1, ResetsReceived +1, SocketsAlive -2",
	     (struct delta[]){ { "ResetsSent", 1 }, { "ResetsReceived", 1 },
			       { "SocketsAlive", -2 }, { NULL } }, ok);

	/* 7: a closed port answers the SYN with a RST (sent by no socket). */
	rport = free_port();
	ktap_diag("refused port %u", rport);
	c2 = inx_socket(fam);
	ok = c2 >= 0 && rport &&
	     connect(c2, (struct sockaddr *)&(struct sockaddr_in){
			     .sin_family = AF_INET, .sin_port = htons(rport),
			     .sin_addr.s_addr = htonl(INADDR_LOOPBACK) },
		     sizeof(struct sockaddr_in)) == -1 && errno == ECONNREFUSED;
	close(c2);
	ok = ok && wait_alive(&(struct stat_snap){ 0 }, 1);
	step(&s, "refused connect: SocketsCreated, ConnectsStarted, ConnectsFailed, ResetsReceived +1",
	     (struct delta[]){ { "SocketsCreated", 1 }, { "ConnectsStarted", 1 },
			       { "ConnectsFailed", 1 }, { "ResetsReceived", 1 },
			       { NULL } }, ok);

	/* 8: c3 closes first and hands over to a TIME_WAIT socket. */
	c3 = inx_connect(fam, port);
	a3 = c3 >= 0 ? inx_accept(lfd, NULL, NULL) : -1;
	ok = a3 >= 0 && !close(c3) && recv_end(a3, 0) && !close(a3) &&
	     wait_alive(&(struct stat_snap){ 0 }, 1) && time_wait_seen(port);
	step(&s, "connection to TIME_WAIT: SocketsCreated, ConnectsStarted/Established, PassiveOpens, Accepts +1, SocketsAlive back",
	     (struct delta[]){ { "SocketsCreated", 1 }, { "ConnectsStarted", 1 },
			       { "ConnectsEstablished", 1 },
			       { "PassiveOpens", 1 }, { "Accepts", 1 },
			       { NULL } }, ok);

	/* 9: the listener closes on a child nobody accepted: RST to c4. */
	c4 = inx_connect(fam, port);
	ok = c4 >= 0 && inx_poll1(lfd, POLLIN, INX_TIMEOUT_MS) > 0;
	close(lfd);
	ok = ok && recv_end(c4, ECONNRESET);
	close(c4);
	ok = ok && wait_alive(&(struct stat_snap){ 0 }, 0);
	step(&s, "child never accepted: SocketsCreated, ConnectsStarted/Established, PassiveOpens, ResetsSent/Received +1, SocketsAlive 0",
	     (struct delta[]){ { "SocketsCreated", 1 }, { "ConnectsStarted", 1 },
			       { "ConnectsEstablished", 1 },
			       { "PassiveOpens", 1 }, { "ResetsSent", 1 },
			       { "ResetsReceived", 1 }, { "SocketsAlive", -1 },
			       { NULL } }, ok);
	if (mfd >= 0)
		close(mfd);
	return 0;
}

/* Isolation: the namespace made before the sequence's counted nothing. */
static void bystander(int nsfd)
{
	struct stat_snap s = { 0 };
	bool ok;
	int i;

	close(nl_fd);
	ok = !setns(nsfd, CLONE_NEWNET) && !genl_open() && snap(&s) && s.n;
	for (i = 0; ok && i < s.n; i++)
		if (strcmp(s.names[i], "ModuleRefs") && s.vals[i]) {
			ktap_diag("%s is %llu", s.names[i], s.vals[i]);
			ok = false;
		}
	ktap_test(ok, "isolation: another namespace's counters are still all 0, in %s and from genetlink",
		  INETX_STAT_PROC);
}

int main(int argc, char **argv)
{
	int fam = inx_family(), other;

	if (argc > 1 && !strcmp(argv[1], "--genl")) {
		unsigned long long v[STAT_MAX];
		int n, i;

		if (genl_open() || (n = genl_stats(v, STAT_MAX)) < 0) {
			fprintf(stderr, "genetlink %s: %s\n", INETX_GENL_NAME,
				strerror(errno));
			return 1;
		}
		printf("InetX:");
		for (i = 0; i < n; i++)
			printf(" %llu", v[i]);
		printf("\n");
		return 0;
	}

	ktap_start(10);
	ktap_watchdog(300, "inetx_stat sequence");
	/*
	 * The bystander namespace, kept by a descriptor, then the sequence's.
	 * Not inx_require(): its probe socket would be counted.
	 */
	if (unshare(CLONE_NEWNET) ||
	    (other = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC)) < 0 ||
	    unshare(CLONE_NEWNET) || inx_lo_up()) {
		ktap_diag("new network namespace: %s", strerror(errno));
		printf("Bail out! no network namespace\n");
		return 1;
	}
	if (access(INETX_STAT_PROC, R_OK)) {
		ktap_diag("%s: %s (inetx not loaded?)", INETX_STAT_PROC, strerror(errno));
		printf("Bail out! no %s\n", INETX_STAT_PROC);
		return 1;
	}
	if (genl_open()) {
		ktap_diag("genetlink family %s: %s", INETX_GENL_NAME, strerror(errno));
		printf("Bail out! no genetlink family %s\n", INETX_GENL_NAME);
		return 1;
	}
	sequence(fam);
	bystander(other);
	return ktap_finish();
}
