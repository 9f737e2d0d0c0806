// SPDX-License-Identifier: GPL-2.0
/*
 * inetx_bench: one metric for one client->server pair of families, over
 * 127.0.0.1, server and client in two processes of this one program.
 * Prints one JSON line on stdout; selftests/bench/guest.sh runs it in
 * rounds and tools/inetx-bench-report turns the lines into tables.
 *
 *   inetx_bench --metric M --client F --server F [--port P] [--n N]
 *               [--remote ADDR]
 *   inetx_bench --serve ADDR
 *
 * Between two hosts (selftests/bench/twohost.sh): --serve runs on the
 * server's host, listening on ADDR:SERVE_PORT (AF_INET) for control
 * connections; a client run with --remote ADDR sends it the metric, the
 * server's family, the port and N there, and that connection then carries
 * what the pipes carry on one host (the server's "all accepted", the
 * client's "close them now") and, last, the server's exit status.
 *
 *   F: inet (AF_INET), inetx (the family in /sys/module/inetx/parameters/
 *      family, or INETX_FAMILY=N), smc (AF_SMC; falls back to TCP without
 *      RDMA or ISM devices)
 *   M and its fixed amount of work (N, default in brackets):
 *   bulk     one connection, N 64 KiB writes [768], client to server; the
 *            clock stops when the server has read everything (its EOF)
 *   rr       one connection, TCP_NODELAY, N 1-byte request/responses
 *            [6000]; transactions/s, p50 and p99 latency
 *   crr      N connect/request/response/close [600], the client closing
 *            first (TIME_WAIT on the client)
 *   crr_rst  the same, the client closing with RST (SO_LINGER {1, 0})
 *   accept   N nonblocking connects issued at once [500]; the clock stops
 *            when the server has accepted all of them
 *   create   N socket()+close() [15000], no server
 *   mem      N established connections [1000], kept open; kernel memory
 *            per connection from /proc/slabinfo deltas by cache (both
 *            ends: the client's sockets, the server's children, their
 *            files), and the time to open them
 *
 * Time is CLOCK_MONOTONIC: in a QEMU guest run with -icount it is virtual
 * time, which follows the instructions executed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <linux/inetx.h>

#ifndef AF_SMC
#define AF_SMC		43
#endif
#define SMCPROTO_SMC	0

#define BULK_WRITE	65536
#define WATCHDOG_SECS	300	/* guest time; a hang must not stall the run */
#define MAX_SLABS	512
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define SERVE_PORT	19999	/* --serve's control port */

static const char *metric = "", *cname = "", *sname = "";
/* The server's address: loopback, or --remote's. */
static struct in_addr peer;

static void die(const char *fmt, ...)
{
	va_list ap;
	int err = errno;

	fprintf(stderr, "inetx_bench: %s %s->%s: ", metric, cname, sname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", err ? strerror(err) : "failed");
	exit(1);
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The inetx family as selftests/inetx_common.h's inx_family() finds it. */
static int inetx_family(void)
{
	const char *env = getenv("INETX_FAMILY");
	int fam = -1;
	FILE *f;

	if (env && *env)
		return atoi(env);
	f = fopen(INETX_FAMILY_SYSFS, "r");
	if (!f || fscanf(f, "%d", &fam) != 1)
		die("cannot read %s (inetx not loaded?)", INETX_FAMILY_SYSFS);
	fclose(f);
	return fam;
}

struct fam {
	int family, protocol;
};

static struct fam parse_fam(const char *name)
{
	if (!strcmp(name, "inet"))
		return (struct fam){ AF_INET, 0 };
	if (!strcmp(name, "inetx"))
		return (struct fam){ inetx_family(), 0 };
	if (!strcmp(name, "smc"))
		return (struct fam){ AF_SMC, SMCPROTO_SMC };
	errno = 0;
	die("family %s: want inet, inetx or smc", name);
	return (struct fam){ 0, 0 };
}

static int sock(struct fam f, int flags)
{
	int fd = socket(f.family, SOCK_STREAM | flags, f.protocol);

	if (fd < 0)
		die("socket(%d)", f.family);
	return fd;
}

static struct sockaddr_in addr(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };

	a.sin_addr = peer;
	return a;
}

static void set_int(int fd, int level, int opt, int val)
{
	if (setsockopt(fd, level, opt, &val, sizeof(val)))
		die("setsockopt(%d, %d)", level, opt);
}

static void close_rst(int fd)
{
	struct linger l = { .l_onoff = 1, .l_linger = 0 };

	if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l)))
		die("SO_LINGER");
	close(fd);
}

static void connect_to(int fd, int port)
{
	struct sockaddr_in a = addr(port);

	if (connect(fd, (struct sockaddr *)&a, sizeof(a)))
		die("connect");
}

static int accept_one(int lfd)
{
	int fd = accept(lfd, NULL, NULL);

	if (fd < 0)
		die("accept");
	return fd;
}

static void xwrite(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die("write");
		p += n;
		len -= n;
	}
}

static void xread1(int fd)
{
	char c;

	if (read(fd, &c, 1) != 1)
		die("read");
}

/* Read until EOF or reset; returns the bytes read. */
static long long drain(int fd, char *buf, size_t len)
{
	long long total = 0;
	ssize_t n;

	while ((n = read(fd, buf, len)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ECONNRESET)
				break;
			die("read");
		}
		total += n;
	}
	return total;
}

static void raise_nofile(long n)
{
	struct rlimit r = { .rlim_cur = n, .rlim_max = n };
	struct rlimit old;

	if (getrlimit(RLIMIT_NOFILE, &old) == 0 && old.rlim_cur >= (rlim_t)n)
		return;
	if (setrlimit(RLIMIT_NOFILE, &r))
		die("RLIMIT_NOFILE %ld", n);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* ---- /proc/slabinfo ------------------------------------------------- */

struct slab {
	char name[64];
	long long objs, size;
};

static int read_slabs(struct slab *s)
{
	FILE *f = fopen("/proc/slabinfo", "r");
	char line[512];
	int n = 0;

	if (!f)
		die("/proc/slabinfo");
	while (fgets(line, sizeof(line), f) && n < MAX_SLABS) {
		if (line[0] == '#' || !strncmp(line, "slabinfo", 8))
			continue;
		if (sscanf(line, "%63s %lld %*d %lld", s[n].name, &s[n].objs,
			   &s[n].size) == 3)
			n++;
	}
	fclose(f);
	return n;
}

/* ---- the server process ---------------------------------------------- */

/*
 * Runs in the child with the listener; @ready gets one byte when the
 * server has done its part (accept/mem), @go is read before those
 * connections are closed.
 */
static void serve(const char *m, int lfd, int n, int ready, int go)
{
	static char buf[BULK_WRITE];
	int i, fd, *fds;
	char c;

	if (!strcmp(m, "bulk")) {
		fd = accept_one(lfd);
		drain(fd, buf, sizeof(buf));
		close(fd);
	} else if (!strcmp(m, "rr")) {
		fd = accept_one(lfd);
		set_int(fd, IPPROTO_TCP, TCP_NODELAY, 1);
		while (read(fd, &c, 1) == 1)
			xwrite(fd, &c, 1);
		close(fd);
	} else if (!strcmp(m, "crr") || !strcmp(m, "crr_rst")) {
		for (i = 0; i < n; i++) {
			fd = accept_one(lfd);
			xread1(fd);
			xwrite(fd, "r", 1);
			drain(fd, buf, sizeof(buf));
			close(fd);
		}
	} else {	/* accept, mem: hold every connection until told */
		fds = calloc(n, sizeof(*fds));
		if (!fds)
			die("calloc");
		for (i = 0; i < n; i++)
			fds[i] = accept_one(lfd);
		xwrite(ready, "a", 1);
		xread1(go);
		for (i = 0; i < n; i++)
			close_rst(fds[i]);
		free(fds);
	}
}

/* ---- the client side, timed ------------------------------------------ */

struct result {
	int64_t ns;		/* the timed part */
	char extra[8192];	/* more "key": value pairs, JSON */
};

static void add(struct result *r, const char *fmt, ...)
{
	size_t len = strlen(r->extra);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->extra + len, sizeof(r->extra) - len, fmt, ap);
	va_end(ap);
}

static void run_client(const char *m, struct fam cf, int port, int n,
		       int ready, int go, struct result *r)
{
	static char buf[BULK_WRITE];
	int64_t t0, *lat;
	int i, fd, *fds;
	struct slab *before, *after;
	int nb, na, j;
	long long total = 0, d;

	if (!strcmp(m, "bulk")) {
		fd = sock(cf, 0);
		connect_to(fd, port);
		memset(buf, 'b', sizeof(buf));
		t0 = now_ns();
		for (i = 0; i < n; i++)
			xwrite(fd, buf, sizeof(buf));
		shutdown(fd, SHUT_WR);
		drain(fd, buf, sizeof(buf));	/* the server's EOF: all read */
		r->ns = now_ns() - t0;
		close(fd);
		add(r, "\"MiB_per_s\": %.3f", (double)n * BULK_WRITE / 1048576 / (r->ns / 1e9));
	} else if (!strcmp(m, "rr")) {
		lat = calloc(n, sizeof(*lat));
		if (!lat)
			die("calloc");
		fd = sock(cf, 0);
		connect_to(fd, port);
		set_int(fd, IPPROTO_TCP, TCP_NODELAY, 1);
		t0 = now_ns();
		for (i = 0; i < n; i++) {
			int64_t t = now_ns();

			xwrite(fd, "q", 1);
			xread1(fd);
			lat[i] = now_ns() - t;
		}
		r->ns = now_ns() - t0;
		close(fd);
		qsort(lat, n, sizeof(*lat), cmp_i64);
		add(r, "\"trans_per_s\": %.3f, \"p50_us\": %.3f, \"p99_us\": %.3f",
		    n / (r->ns / 1e9), lat[n / 2] / 1e3, lat[(n * 99) / 100] / 1e3);
		free(lat);
	} else if (!strcmp(m, "crr") || !strcmp(m, "crr_rst")) {
		t0 = now_ns();
		for (i = 0; i < n; i++) {
			fd = sock(cf, 0);
			connect_to(fd, port);
			xwrite(fd, "q", 1);
			xread1(fd);
			if (m[3])
				close_rst(fd);
			else
				close(fd);
		}
		r->ns = now_ns() - t0;
		add(r, "\"conn_per_s\": %.3f", n / (r->ns / 1e9));
	} else if (!strcmp(m, "accept")) {
		struct sockaddr_in a = addr(port);

		fds = calloc(n, sizeof(*fds));
		if (!fds)
			die("calloc");
		for (i = 0; i < n; i++)
			fds[i] = sock(cf, SOCK_NONBLOCK);
		t0 = now_ns();
		for (i = 0; i < n; i++)
			if (connect(fds[i], (struct sockaddr *)&a, sizeof(a)) &&
			    errno != EINPROGRESS)
				die("connect");
		xread1(ready);		/* the server accepted all n */
		r->ns = now_ns() - t0;
		xwrite(go, "g", 1);
		for (i = 0; i < n; i++)
			close_rst(fds[i]);
		free(fds);
		add(r, "\"accept_per_s\": %.3f", n / (r->ns / 1e9));
	} else if (!strcmp(m, "mem")) {
		fds = calloc(n, sizeof(*fds));
		before = calloc(MAX_SLABS, sizeof(*before));
		after = calloc(MAX_SLABS, sizeof(*after));
		if (!fds || !before || !after)
			die("calloc");
		nb = read_slabs(before);
		t0 = now_ns();
		for (i = 0; i < n; i++) {
			fds[i] = sock(cf, 0);
			connect_to(fds[i], port);
		}
		xread1(ready);
		r->ns = now_ns() - t0;
		na = read_slabs(after);
		add(r, "\"open_per_s\": %.3f, \"slab\": {", n / (r->ns / 1e9));
		for (i = 0; i < na; i++) {
			d = after[i].objs;
			for (j = 0; j < nb; j++)
				if (!strcmp(before[j].name, after[i].name)) {
					d -= before[j].objs;
					break;
				}
			total += d * after[i].size;
			/* Caches that grew by at least 8 bytes a connection. */
			if (d * after[i].size >= 8LL * n)
				add(r, "%s\"%s\": [%lld, %lld]",
				    r->extra[strlen(r->extra) - 1] == '{' ? "" : ", ",
				    after[i].name, d, d * after[i].size);
		}
		add(r, "}, \"bytes_per_conn\": %.1f", (double)total / n);
		xwrite(go, "g", 1);
		for (i = 0; i < n; i++)
			close_rst(fds[i]);
		free(fds);
		free(before);
		free(after);
	}
}

static int listener(struct fam sf, int port, int n)
{
	struct sockaddr_in a = addr(port);
	int lfd = sock(sf, 0);

	set_int(lfd, SOL_SOCKET, SO_REUSEADDR, 1);
	if (bind(lfd, (struct sockaddr *)&a, sizeof(a)))
		die("bind %s:%d", inet_ntoa(peer), port);
	if (listen(lfd, n + 64 < 4096 ? n + 64 : 4096))
		die("listen");
	return lfd;
}

/* ---- between two hosts ------------------------------------------------ */

static void read_line(int fd, char *buf, size_t len)
{
	size_t i = 0;

	while (i + 1 < len && read(fd, buf + i, 1) == 1 && buf[i] != '\n')
		i++;
	buf[i] = 0;
}

/*
 * --serve: one control connection at a time.  Per request a child binds,
 * listens, answers 'L' and serves; then the parent sends its exit status
 * as one byte.  "quit" ends the loop.
 */
static void serve_loop(void)
{
	char req[128], m[16], f[16];
	int cfd, ctl, lfd, port, n, status;
	unsigned char st;
	pid_t pid;

	signal(SIGPIPE, SIG_IGN);	/* a client that died is not our end */
	cfd = listener(parse_fam("inet"), SERVE_PORT, 8);
	for (;;) {
		ctl = accept_one(cfd);
		read_line(ctl, req, sizeof(req));
		if (!strcmp(req, "quit"))
			break;
		if (!*req) {		/* twohost.sh's probe */
			close(ctl);
			continue;
		}
		if (sscanf(req, "%15s %15s %d %d", m, f, &port, &n) != 4 || n <= 0) {
			fprintf(stderr, "inetx_bench: bad request '%s'\n", req);
			close(ctl);
			continue;
		}
		pid = fork();
		if (pid < 0)
			die("fork");
		if (!pid) {
			close(cfd);
			metric = m;
			sname = f;
			alarm(WATCHDOG_SECS);
			if (!strcmp(m, "mem"))
				raise_nofile(n + 64);
			lfd = listener(parse_fam(f), port, n);
			xwrite(ctl, "L", 1);
			serve(m, lfd, n, ctl, ctl);
			_exit(0);
		}
		if (waitpid(pid, &status, 0) != pid)
			die("waitpid");
		st = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		if (write(ctl, &st, 1) != 1)
			fprintf(stderr, "inetx_bench: status to client: %s\n", strerror(errno));
		close(ctl);
	}
	close(ctl);
	close(cfd);
}

/* The client's end of a --serve control connection, the server listening. */
static int control(const char *m, const char *f, int port, int n)
{
	char req[128], c;
	int fd;

	fd = sock(parse_fam("inet"), 0);
	connect_to(fd, SERVE_PORT);
	snprintf(req, sizeof(req), "%s %s %d %d\n", m, f, port, n);
	xwrite(fd, req, strlen(req));
	if (read(fd, &c, 1) != 1 || c != 'L') {
		errno = 0;
		die("the server at %s did not listen (see its log)", inet_ntoa(peer));
	}
	return fd;
}

static void print_usage(void)
{
	fputs("usage: inetx_bench --metric bulk|rr|crr|crr_rst|accept|create|mem\n", stderr);
	fputs("\t--client inet|inetx|smc [--server inet|inetx|smc] [--port P] [--n N]\n", stderr);
	fputs("\t[--remote ADDR]\n", stderr);
	fputs("       inetx_bench --serve ADDR\n", stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "metric", required_argument, NULL, 'm' },
		{ "client", required_argument, NULL, 'c' },
		{ "server", required_argument, NULL, 's' },
		{ "port", required_argument, NULL, 'p' },
		{ "n", required_argument, NULL, 'n' },
		{ "remote", required_argument, NULL, 'r' },
		{ "serve", required_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 }
	};
	static const struct { const char *m; int n; } defaults[] = {
		{ "bulk", 768 }, { "rr", 6000 }, { "crr", 600 }, { "crr_rst", 600 },
		{ "accept", 500 }, { "create", 15000 }, { "mem", 1000 },
	};
	struct result *r = calloc(1, sizeof(*r));
	int port = 20000, n = 0, opt, i, lfd, status, ctl;
	int ready[2], go[2];
	bool remote = false;
	char st = 1;
	struct fam cf;
	pid_t pid;

	peer.s_addr = htonl(INADDR_LOOPBACK);

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'm':
			metric = optarg;
			break;
		case 'c':
			cname = optarg;
			break;
		case 's':
			sname = optarg;
			break;
		case 'p':
			port = atoi(optarg);
			break;
		case 'n':
			n = atoi(optarg);
			break;
		case 'r':
		case 'S':
			if (!inet_aton(optarg, &peer))
				print_usage();
			if (opt == 'S') {
				serve_loop();
				return 0;
			}
			remote = true;
			break;
		default:
			print_usage();
		}
	}
	if (!r || !*metric || !*cname || optind != argc)
		print_usage();
	for (i = 0; i < (int)ARRAY_SIZE(defaults); i++)
		if (!strcmp(metric, defaults[i].m))
			break;
	if (i == (int)ARRAY_SIZE(defaults))
		print_usage();
	if (!n)
		n = defaults[i].n;
	if (n <= 0)
		print_usage();
	cf = parse_fam(cname);
	alarm(WATCHDOG_SECS);

	if (!strcmp(metric, "create")) {
		int64_t t0 = now_ns();

		for (i = 0; i < n; i++)
			close(sock(cf, 0));
		r->ns = now_ns() - t0;
		add(r, "\"create_per_s\": %.3f", n / (r->ns / 1e9));
		sname = "";
		goto out;
	}
	if (!*sname)
		print_usage();
	if (!strcmp(metric, "mem"))
		raise_nofile(n + 64);
	if (remote) {
		parse_fam(sname);	/* checked here, used there */
		ctl = control(metric, sname, port, n);
		run_client(metric, cf, port, n, ctl, ctl, r);
		if (!r->ns) {
			errno = 0;
			die("unknown metric");
		}
		if (read(ctl, &st, 1) != 1 || st) {
			errno = 0;
			die("the server at %s exited with status %d", inet_ntoa(peer), st);
		}
		close(ctl);
		goto out;
	}

	lfd = listener(parse_fam(sname), port, n);
	if (pipe(ready) || pipe(go))
		die("pipe");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (!pid) {
		close(ready[0]);
		close(go[1]);
		serve(metric, lfd, n, ready[1], go[0]);
		_exit(0);
	}
	close(lfd);
	close(ready[1]);
	close(go[0]);
	run_client(metric, cf, port, n, ready[0], go[1], r);
	if (!r->ns) {
		errno = 0;
		die("unknown metric");
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status)) {
		errno = 0;
		die("server exited with status %#x", status);
	}
out:
	printf("{\"metric\": \"%s\", \"client\": \"%s\", \"server\": \"%s\", ",
	       metric, cname, sname);
	printf("\"n\": %d, \"ns\": %lld, %s}\n", n, (long long)r->ns, r->extra);
	return 0;
}
