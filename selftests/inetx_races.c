// SPDX-License-Identifier: GPL-2.0
/*
 * inetx_races: the race loops behind inetx_races.sh (QEMU guest, root).
 *
 *	inetx_races modcycle KO SECS MAX
 *		load and unload KO (finit_module/delete_module, up to MAX
 *		cycles or SECS seconds) while threads create inetx sockets,
 *		connect inetx and AF_INET pairs and make network namespaces;
 *		the module is left loaded, the threads stopped
 *	inetx_races workers SECS
 *		modcycle's threads alone, no module loaded or unloaded: with
 *		INETX_FAMILY=2 this checks the harness on a host
 *	inetx_races netns SECS MAX
 *		child processes in fresh network namespaces hold inetx sockets
 *		in LISTEN, SYN_SENT/SYN_RECV, ESTABLISHED (with and without
 *		unread data) and TIME_WAIT, then exit or are killed, so each
 *		namespace dies with all of them inside
 *	inetx_races close SECS MAX
 *		shutdown, connect(AF_UNSPEC), a signal or close racing a
 *		blocked connect(); shutdown or close racing a blocked accept()
 *		while connections arrive
 *	inetx_races mass N ROUNDS SECS
 *		N inetx connections open at once (as many as SECS allow),
 *		then every socket of both sides reset at once from two threads
 *
 * Output: "# " diagnostics, ending with a line "# RACE: N iterations in
 * T s"; exit status 0 if every invariant held. Every loop is bounded by
 * its iteration count and its time; every wait waits for an event with a
 * bound. Sockets are closed with SO_LINGER {1, 0} wherever the race
 * allows, so no TIME_WAIT socket pins the module afterwards (the netns
 * race makes them on purpose: the namespace's death must free them).
 */
#include "inetx_common.h"

#include <stdatomic.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#define MOD		"inetx"
#define MOD_SYSFS	"/sys/module/" MOD

static int fam;
static atomic_long errors;

/* At most a few lines per kind of failure, then just the count. */
static void __attribute__((format(printf, 1, 2))) fail(const char *fmt, ...)
{
	va_list ap;

	if (atomic_fetch_add(&errors, 1) >= 20)
		return;
	va_start(ap, fmt);
	ktap_vprint("# FAIL: ", fmt, ap);
	va_end(ap);
	putchar('\n');
}

static double secs_since(long t0)
{
	return (inx_now_ms() - t0) / 1000.0;
}

/* Short pause inside a poll for an event (never a wait for luck). */
static void nap_us(long us)
{
	struct timespec ts = { .tv_sec = 0, .tv_nsec = us * 1000 };

	nanosleep(&ts, NULL);
}

static bool module_present(void)
{
	return !access(MOD_SYSFS, F_OK);
}

static int tcp_state(int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len))
		return -1;
	return ti.tcpi_state;
}

/*
 * Count /proc/net/tcp entries (this task's namespace) by state; only
 * those with local or remote port @port unless @port is 0.
 */
static void tcp_states(uint16_t port, int count[16])
{
	unsigned int lp, rp, st;
	char line[256];
	FILE *f = fopen("/proc/net/tcp", "r");

	memset(count, 0, 16 * sizeof(int));
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, " %*d: %*x:%x %*x:%x %x", &lp, &rp, &st) == 3 &&
		    st < 16 && (!port || lp == port || rp == port))
			count[st]++;
	fclose(f);
}

enum { ST_ESTABLISHED = 1, ST_SYN_SENT, ST_SYN_RECV, ST_TIME_WAIT = 6, ST_LISTEN = 10 };

/* One byte each way; then both ends reset. Returns 0 if it worked. */
static int ping_close(int c, int s)
{
	char b = 'x';
	int rc = 0;

	if (send(c, &b, 1, MSG_NOSIGNAL) != 1 || recv(s, &b, 1, 0) != 1 ||
	    send(s, &b, 1, MSG_NOSIGNAL) != 1 || recv(c, &b, 1, 0) != 1)
		rc = -1;
	inx_close_abort(c);
	inx_close_abort(s);
	return rc;
}

/* ---- modcycle ---------------------------------------------------------- */

static struct {
	atomic_int stop;
	atomic_int quiesce;	/* workers hold no socket while set */
	atomic_int gen;		/* bumped at each load */
	atomic_long sockets, enoaf, conns, netns, netns_sockets;
} mc;

static bool mc_run(void)
{
	while (atomic_load(&mc.quiesce) && !atomic_load(&mc.stop))
		nap_us(500);
	return !atomic_load(&mc.stop);
}

/* The family is gone: wait for the module to appear (it is being loaded). */
static void mc_wait_module(void)
{
	while (!module_present() && !atomic_load(&mc.stop) && !atomic_load(&mc.quiesce))
		nap_us(200);
}

static void *mc_creator(void *arg)
{
	(void)arg;
	while (mc_run()) {
		int fd = socket(fam, SOCK_STREAM, 0);

		if (fd >= 0) {
			close(fd);
			atomic_fetch_add(&mc.sockets, 1);
			continue;
		}
		/* EAFNOSUPPORT while unloaded or going; nothing else. */
		if (errno != EAFNOSUPPORT)
			fail("creator: socket(%d): %s", fam, inx_errname(errno));
		atomic_fetch_add(&mc.enoaf, 1);
		mc_wait_module();
	}
	return NULL;
}

/*
 * A listener holds a module reference, so once it exists every inetx
 * socket of the exchange must work: anything failing then is a bug.
 */
static int mc_exchange(int lfam, int cfam)
{
	uint16_t port;
	int lfd, c, s;

	lfd = inx_listen(lfam, 8, &port);
	if (lfd < 0) {
		if (errno != EAFNOSUPPORT || lfam != fam)
			fail("listen(family %d): %s", lfam, inx_errname(errno));
		return 1;
	}
	c = inx_connect(cfam, port);
	if (c < 0) {
		/* An AF_INET listener pins nothing: inetx may be going. */
		if (errno != EAFNOSUPPORT || lfam == fam)
			fail("connect %d->%d: %s", cfam, lfam, inx_errname(errno));
		close(lfd);
		return 1;
	}
	s = inx_accept(lfd, NULL, NULL);
	if (s < 0 || ping_close(c, s)) {
		fail("accept/exchange %d->%d: %s", cfam, lfam, inx_errname(errno));
		if (s < 0)
			inx_close_abort(c);
		close(lfd);
		return -1;
	}
	close(lfd);
	return 0;
}

static void *mc_connector(void *arg)
{
	unsigned int i = 0;

	(void)arg;
	while (mc_run()) {
		/* inetx<->inetx, AF_INET->inetx, inetx->AF_INET */
		int lfam = i % 3 == 2 ? AF_INET : fam;
		int cfam = i % 3 == 1 ? AF_INET : fam;
		int rc = mc_exchange(lfam, cfam);

		i++;
		if (!rc)
			atomic_fetch_add(&mc.conns, 1);
		else if (rc > 0)
			mc_wait_module();
	}
	return NULL;
}

/*
 * One new network namespace per load, made at whatever point of the
 * load/unload cycle this thread gets to it: inetx's pernet init and
 * exit race with its register/unregister_pernet_subsys(). The previous
 * namespace dies (asynchronously) when this thread leaves it.
 */
static void *mc_netns(void *arg)
{
	int last = -1;

	(void)arg;
	while (mc_run()) {
		uint16_t port;
		int g = atomic_load(&mc.gen), lfd, c, s;

		if (g == last) {
			nap_us(1000);
			continue;
		}
		last = g;
		if (unshare(CLONE_NEWNET) || inx_lo_up()) {
			fail("netns: unshare/lo: %s", inx_errname(errno));
			continue;
		}
		atomic_fetch_add(&mc.netns, 1);
		lfd = inx_listen(fam, 4, &port);
		if (lfd < 0)
			continue;
		c = inx_connect(fam, port);
		s = c < 0 ? -1 : inx_accept(lfd, NULL, NULL);
		if (s < 0) {
			fail("netns: inetx connect/accept: %s", inx_errname(errno));
			inx_close_abort(c);
		} else if (ping_close(c, s)) {
			fail("netns: inetx exchange: %s", inx_errname(errno));
		} else {
			atomic_fetch_add(&mc.netns_sockets, 1);
		}
		close(lfd);
	}
	return NULL;
}

static long mc_activity(void)
{
	return atomic_load(&mc.sockets) + atomic_load(&mc.conns);
}

static int mc_load(int kofd)
{
	return syscall(SYS_finit_module, kofd, "", 0);
}

static int mc_unload(void)
{
	return syscall(SYS_delete_module, MOD, O_NONBLOCK);
}

static int cmd_modcycle(const char *ko, int secs, long max)
{
	long t0 = inx_now_ms(), loads = 0, unloads = 0, quiesced = 0, tries = 0;
	struct inx_thread th[3];
	int kofd, i;

	kofd = open(ko, O_RDONLY | O_CLOEXEC);
	if (kofd < 0)
		return printf("# %s: %s\n", ko, strerror(errno)), 1;
	if (module_present())
		return printf("# %s is loaded already\n", MOD), 1;
	inx_thread_start(&th[0], mc_creator, NULL);
	inx_thread_start(&th[1], mc_connector, NULL);
	inx_thread_start(&th[2], mc_netns, NULL);
	for (;;) {
		long before = mc_activity();
		long t1;

		if (mc_load(kofd)) {
			fail("finit_module: %s", inx_errname(errno));
			break;
		}
		loads++;
		atomic_fetch_add(&mc.gen, 1);
		/*
		 * Every other cycle lets the workers meet the new module
		 * before the unload; the others unload at once, racing the
		 * first sockets against module_exit().
		 */
		t1 = inx_now_ms();
		while (loads % 2 && mc_activity() <= before + 1 && inx_now_ms() - t1 < 20000)
			nap_us(1000);
		if (loads % 2 && mc_activity() <= before + 1)
			fail("load %ld: no inetx socket within 20 s", loads);
		if (loads >= max || secs_since(t0) >= secs || atomic_load(&errors))
			break;
		/*
		 * delete_module() fails with EWOULDBLOCK while a socket holds
		 * a reference. Try while the workers run; after a second
		 * without success, stop them so the references can drain.
		 */
		t1 = inx_now_ms();
		while (mc_unload()) {
			if (errno != EWOULDBLOCK) {
				fail("delete_module: %s", inx_errname(errno));
				goto out;
			}
			tries++;
			if (!atomic_load(&mc.quiesce) && inx_now_ms() - t1 > 1000) {
				atomic_store(&mc.quiesce, 1);
				quiesced++;
			}
			if (inx_now_ms() - t1 > 60000) {
				fail("delete_module: references not released in 60 s (refcnt %d)",
				     inx_module_refs());
				goto out;
			}
			if (atomic_load(&mc.quiesce))
				nap_us(1000);
			else
				sched_yield();
		}
		atomic_store(&mc.quiesce, 0);
		unloads++;
	}
out:
	atomic_store(&mc.stop, 1);
	for (i = 0; i < 3; i++)
		if (inx_thread_join(&th[i], 30000, NULL))
			fail("worker %d did not stop within 30 s", i);
	close(kofd);
	printf("# modcycle: %ld loads, %ld unloads (%ld after stopping the workers, %ld EWOULDBLOCK retries); %ld inetx sockets, %ld EAFNOSUPPORT, %ld connections, %ld netns (%ld with an inetx connection)\n",
	       loads, unloads, quiesced, tries, atomic_load(&mc.sockets),
	       atomic_load(&mc.enoaf), atomic_load(&mc.conns),
	       atomic_load(&mc.netns), atomic_load(&mc.netns_sockets));
	printf("# modcycle: %ld iterations in %.1f s, module %s\n", loads, secs_since(t0),
	       module_present() ? "loaded" : "not loaded");
	return atomic_load(&errors) || !module_present() ? 1 : 0;
}

/*
 * The modcycle workers alone, no module loaded or unloaded: with
 * INETX_FAMILY=2 this checks the harness on a host.
 */
static int cmd_workers(int secs)
{
	long t0 = inx_now_ms();
	struct inx_thread th[3];
	int i;

	inx_thread_start(&th[0], mc_creator, NULL);
	inx_thread_start(&th[1], mc_connector, NULL);
	inx_thread_start(&th[2], mc_netns, NULL);
	while (secs_since(t0) < secs && !atomic_load(&errors)) {
		atomic_fetch_add(&mc.gen, 1);
		nap_us(100000);
	}
	atomic_store(&mc.stop, 1);
	for (i = 0; i < 3; i++)
		if (inx_thread_join(&th[i], 30000, NULL))
			fail("worker %d did not stop within 30 s", i);
	printf("# workers: %ld sockets, %ld connections, %ld netns in %.1f s\n",
	       atomic_load(&mc.sockets), atomic_load(&mc.conns),
	       atomic_load(&mc.netns), secs_since(t0));
	return atomic_load(&errors) ? 1 : 0;
}

/* ---- netns ------------------------------------------------------------- */

struct nn_arg {
	int wfd;
	unsigned int variant;
};

static int nn_pair(int lfd, uint16_t port, int cfam, int *c, int *s)
{
	*c = inx_connect(cfam, port);
	*s = *c < 0 ? -1 : inx_accept(lfd, NULL, NULL);
	return *s < 0 ? -1 : 0;
}

/*
 * In a fresh namespace: one socket of inetx in each state, report ready,
 * then exit with all of them open (variant bit 1: wait to be killed).
 */
static int nn_child(void *p)
{
	const struct nn_arg *a = p;
	int l1, l2, lin, c, s, tc, ts, f1, f2, sc, n[16], i;
	uint16_t p1, p2, pin, tport;
	char b[64] = "unread";

	if (unshare(CLONE_NEWNET) || inx_lo_up())
		return printf("# child: unshare/lo: %s\n", strerror(errno)), 1;
	l2 = inx_listen(fam, 16, &p2);
	lin = inx_listen(AF_INET, 16, &pin);
	if (l2 < 0 || lin < 0)
		return printf("# child: listen: %s\n", strerror(errno)), 1;
	/* ESTABLISHED, inetx on both ends and mixed with AF_INET. */
	if (nn_pair(l2, p2, fam, &c, &s) || nn_pair(l2, p2, AF_INET, &c, &s) ||
	    nn_pair(lin, pin, fam, &c, &s))
		return printf("# child: connect: %s\n", strerror(errno)), 1;
	/* Unread data: the close at exit resets instead of sending FIN. */
	if (a->variant & 1 && (send(c, b, sizeof(b), 0) != sizeof(b) ||
			       send(s, b, sizeof(b), 0) != sizeof(b)))
		return printf("# child: send: %s\n", strerror(errno)), 1;
	/* TIME_WAIT: the client closes first. */
	if (nn_pair(l2, p2, fam, &tc, &ts))
		return printf("# child: connect: %s\n", strerror(errno)), 1;
	tport = inx_local_port(tc);
	close(tc);
	if (recv(ts, b, sizeof(b), 0) != 0)
		return printf("# child: no EOF: %s\n", strerror(errno)), 1;
	close(ts);
	/*
	 * SYN_SENT: a listener with backlog 1 holds two unaccepted children,
	 * then its accept queue is full and it drops the next SYN.
	 */
	l1 = inx_listen(fam, 1, &p1);
	f1 = l1 < 0 ? -1 : inx_connect(fam, p1);
	f2 = f1 < 0 ? -1 : inx_connect(fam, p1);
	sc = f2 < 0 ? -1 : socket(fam, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (sc < 0)
		return printf("# child: full listener: %s\n", strerror(errno)), 1;
	{
		struct sockaddr_in sa;

		if (!connect(sc, (struct sockaddr *)&sa, inx_addr(&sa, fam, p1)) ||
		    errno != EINPROGRESS)
			return printf("# child: nonblocking connect: %s\n", strerror(errno)), 1;
	}
	for (i = 0; i < 1000; i++) {
		tcp_states(tport, n);
		if (n[ST_TIME_WAIT])
			break;
		nap_us(5000);
	}
	tcp_states(0, n);
	if (!n[ST_LISTEN] || !n[ST_ESTABLISHED] || !n[ST_TIME_WAIT] ||
	    !(n[ST_SYN_SENT] + n[ST_SYN_RECV]))
		return printf("# child: states LISTEN %d ESTABLISHED %d SYN_SENT %d SYN_RECV %d TIME_WAIT %d\n",
			      n[ST_LISTEN], n[ST_ESTABLISHED], n[ST_SYN_SENT],
			      n[ST_SYN_RECV], n[ST_TIME_WAIT]), 1;
	if (write(a->wfd, "r", 1) != 1)
		return 1;
	if (a->variant & 2)
		for (;;)
			pause();
	_exit(0);	/* the kernel closes everything */
}

static int cmd_netns(int secs, long max)
{
	long t0 = inx_now_ms(), it;
	int killed = 0;

	for (it = 0; it < max && secs_since(t0) < secs && !atomic_load(&errors); it++) {
		struct nn_arg a = { .variant = it };
		int fds[2], st;
		pid_t pid;
		char r = 0;

		if (pipe2(fds, O_CLOEXEC))
			return printf("# pipe: %s\n", strerror(errno)), 1;
		a.wfd = fds[1];
		pid = inx_fork(nn_child, &a, 60);
		close(fds[1]);
		if (pid < 0) {
			fail("fork: %s", strerror(errno));
			close(fds[0]);
			break;
		}
		if (inx_poll1(fds[0], POLLIN, 30000) <= 0 || read(fds[0], &r, 1) != 1)
			r = 0;
		close(fds[0]);
		if (r != 'r') {
			fail("iteration %ld: the child did not set up its sockets", it);
			kill(pid, SIGKILL);
		} else if (it & 2) {
			kill(pid, SIGKILL);
			killed++;
		}
		st = inx_waitpid(pid, 30000);
		if (r == 'r' && st != ((it & 2) ? 128 + SIGKILL : 0))
			fail("iteration %ld: child status %d", it, st);
	}
	printf("# netns: %ld namespaces died holding inetx sockets in LISTEN, SYN_SENT, ESTABLISHED and TIME_WAIT (%d killed, the rest exited)\n",
	       it, killed);
	printf("# netns: %ld iterations in %.1f s\n", it, secs_since(t0));
	return atomic_load(&errors) ? 1 : 0;
}

/* ---- close ------------------------------------------------------------- */

struct cl_conn {
	int fd;
	uint16_t port;
	atomic_int started;
	int ret, err;
};

static void on_usr1(int sig)
{
	(void)sig;
}

static void *cl_connect_thread(void *p)
{
	struct cl_conn *cc = p;
	struct sockaddr_in sa;
	socklen_t len = inx_addr(&sa, fam, cc->port);

	atomic_store(&cc->started, 1);
	cc->ret = connect(cc->fd, (struct sockaddr *)&sa, len);
	cc->err = cc->ret ? errno : 0;
	return NULL;
}

enum { CL_SHUTDOWN, CL_UNSPEC, CL_SIGNAL, CL_CLOSE, CL_NACT };
static const char *const cl_names[] = { "shutdown", "AF_UNSPEC", "signal", "close" };

/*
 * One connect() in a thread, action @act from here. @full: the listener
 * drops the SYN, so the connect is surely blocked when the action comes.
 * Returns the connect's errno (0 if it connected), -1 if it never returned.
 */
static int cl_connect_once(int cfam, uint16_t port, bool full, int act, int lfd)
{
	struct cl_conn cc = { .port = port };
	struct inx_thread th;
	struct sockaddr sa = { .sa_family = AF_UNSPEC };
	bool closed = false;
	int i, fd;

	cc.fd = inx_socket(cfam);
	if (cc.fd < 0)
		return fail("socket: %s", inx_errname(errno)), -1;
	if (inx_thread_start(&th, cl_connect_thread, &cc)) {
		close(cc.fd);
		return fail("pthread_create"), -1;
	}
	if (full) {
		/* Wait for the SYN to be out: the thread is in connect(). */
		for (i = 0; i < 5000 && tcp_state(cc.fd) != ST_SYN_SENT; i++)
			nap_us(1000);
		if (tcp_state(cc.fd) != ST_SYN_SENT)
			fail("connect to a full listener is not in SYN_SENT");
	} else {
		/* Anywhere from before connect() starts to after it ends. */
		while (rand() % 4 && !atomic_load(&cc.started))
			sched_yield();
		for (i = rand() % 32; i > 0; i--)
			sched_yield();
	}
	switch (act) {
	case CL_SHUTDOWN:
		shutdown(cc.fd, SHUT_RDWR);
		break;
	case CL_UNSPEC:
		connect(cc.fd, &sa, sizeof(sa));
		break;
	case CL_SIGNAL:
		pthread_kill(th.th, SIGUSR1);
		break;
	case CL_CLOSE:
		inx_close_abort(cc.fd);
		closed = true;
		break;
	}
	if (inx_thread_join(&th, 15000, NULL)) {
		fail("connect (%s, %s listener) did not return within 15 s",
		     cl_names[act], full ? "full" : "open");
		return -1;
	}
	if (!closed)
		inx_close_abort(cc.fd);
	/* Reset whatever reached the open listener's queue. */
	while (lfd >= 0 && (fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0)
		inx_close_abort(fd);
	return cc.ret ? cc.err : 0;
}

/* A listener whose accept queue is full (two children, backlog 1). */
static int cl_full_listener(int lfam, uint16_t *port, int fill[2])
{
	int lfd = inx_listen(lfam, 1, port);

	fill[0] = lfd < 0 ? -1 : inx_connect(lfam, *port);
	fill[1] = fill[0] < 0 ? -1 : inx_connect(lfam, *port);
	if (fill[1] < 0)
		fail("full listener (family %d): %s", lfam, inx_errname(errno));
	return lfd;
}

struct cl_acc {
	int lfd;
	atomic_int started;
	int ret, err;
};

static void *cl_accept_thread(void *p)
{
	struct cl_acc *ca = p;

	atomic_store(&ca->started, 1);
	ca->ret = accept(ca->lfd, NULL, NULL);
	ca->err = ca->ret < 0 ? errno : 0;
	return NULL;
}

struct cl_burst {
	uint16_t port;
	int n, fds[8];
};

static void *cl_burst_thread(void *p)
{
	struct cl_burst *cb = p;
	struct sockaddr_in sa;
	int i;

	for (i = 0; i < cb->n; i++) {
		int cf = i & 1 ? AF_INET : fam;

		cb->fds[i] = socket(cf, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (cb->fds[i] >= 0)
			connect(cb->fds[i], (struct sockaddr *)&sa, inx_addr(&sa, cf, cb->port));
	}
	return NULL;
}

/*
 * accept() blocked in a thread, a burst of connections from another,
 * and from here shutdown() of the listener, or close() then one more
 * connection (close alone does not wake accept(): the blocked call holds
 * the file). Returns 0 if accept() returned, -1 if it hung.
 */
static int cl_accept_once(unsigned int it, long *accepted)
{
	struct cl_acc ca = { 0 };
	struct cl_burst cb = { .n = it % 8 };
	struct inx_thread ta, tb;
	int i, act = it % 3, extra = -1, rc = 0;

	ca.lfd = inx_listen(fam, 16, &cb.port);
	if (ca.lfd < 0)
		return fail("listen: %s", inx_errname(errno)), -1;
	if (inx_thread_start(&ta, cl_accept_thread, &ca) ||
	    inx_thread_start(&tb, cl_burst_thread, &cb)) {
		fail("pthread_create");
		return -1;
	}
	while (!atomic_load(&ca.started))
		sched_yield();
	for (i = rand() % 16; i > 0; i--)
		sched_yield();
	if (act == 0) {
		shutdown(ca.lfd, SHUT_RDWR);
	} else {
		if (act == 2)
			shutdown(ca.lfd, SHUT_RDWR);
		close(ca.lfd);
		/* Wakes accept() if it still waits on the closed listener. */
		extra = socket(fam, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (extra >= 0) {
			struct sockaddr_in sa;

			connect(extra, (struct sockaddr *)&sa, inx_addr(&sa, fam, cb.port));
		}
	}
	if (inx_thread_join(&tb, 15000, NULL)) {
		fail("connecting thread did not finish within 15 s");
		rc = -1;
	}
	/*
	 * With act 1 and an accept() that took a burst connection first, a
	 * later blocked accept() is impossible: one accept per thread. The
	 * listener's SO_RCVTIMEO (10 s) bounds the rest.
	 */
	if (inx_thread_join(&ta, 15000, NULL)) {
		fail("accept (action %d) did not return within 15 s", act);
		rc = -1;
	}
	if (!rc && ca.ret >= 0) {
		(*accepted)++;
		inx_close_abort(ca.ret);
	}
	if (act == 0)
		close(ca.lfd);
	for (i = 0; i < cb.n; i++)
		inx_close_abort(cb.fds[i]);
	inx_close_abort(extra);
	return rc;
}

static int cmd_close(int secs, long max)
{
	int full[2] = { -1, -1 }, fill[2][2], oracle[CL_NACT] = { 0 }, hist[CL_NACT][4];
	long t0 = inx_now_ms(), it, nc = 0, na = 0, accepted = 0;
	uint16_t pfull[2], popen;
	struct sigaction sa;
	int lopen, act, f;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;	/* no SA_RESTART: connect() sees EINTR */
	sigaction(SIGUSR1, &sa, NULL);
	memset(hist, 0, sizeof(hist));
	srand(1);
	/* AF_INET's results against a full listener are the oracle. */
	for (f = 0; f < 2; f++)
		full[f] = cl_full_listener(f ? fam : AF_INET, &pfull[f], fill[f]);
	lopen = inx_listen(fam, 64, &popen);
	if (full[0] < 0 || full[1] < 0 || lopen < 0)
		return printf("# listeners: %s\n", strerror(errno)), 1;
	fcntl(lopen, F_SETFL, O_NONBLOCK);	/* drained with accept4() */
	for (act = 0; act < CL_CLOSE; act++) {
		oracle[act] = cl_connect_once(AF_INET, pfull[0], true, act, -1);
		printf("# AF_INET connect to a full listener, %s: %s\n", cl_names[act],
		       inx_errname(oracle[act]));
	}
	/* Half of the time for connect, half for accept. */
	for (it = 0; it < max / 2 && secs_since(t0) < secs / 2.0 && !atomic_load(&errors); it++) {
		bool isfull = it & 1;
		int r;

		act = (it >> 1) % (isfull ? CL_CLOSE : CL_NACT);
		r = cl_connect_once(fam, isfull ? pfull[1] : popen, isfull, act,
				    isfull ? -1 : lopen);
		nc++;
		if (r < 0)
			break;
		hist[act][isfull ? 0 : (r == 0 ? 1 : 2)]++;
		if (isfull && r != oracle[act])
			fail("connect to a full inetx listener, %s: %s, AF_INET: %s",
			     cl_names[act], inx_errname(r), inx_errname(oracle[act]));
	}
	for (act = 0; act < CL_NACT; act++)
		printf("# connect vs %s: %d to a full listener; to an open one %d connected, %d failed\n",
		       cl_names[act], hist[act][0], hist[act][1], hist[act][2]);
	for (it = 0; it < max / 2 && secs_since(t0) < secs && !atomic_load(&errors); it++) {
		na++;
		if (cl_accept_once(it, &accepted))
			break;
	}
	printf("# accept vs shutdown/close: %ld races, %ld accepts returned a connection\n",
	       na, accepted);
	for (f = 0; f < 2; f++) {
		inx_close_abort(fill[f][0]);
		inx_close_abort(fill[f][1]);
		close(full[f]);
	}
	close(lopen);
	printf("# close: %ld iterations in %.1f s (%ld connect, %ld accept)\n",
	       nc + na, secs_since(t0), nc, na);
	return atomic_load(&errors) ? 1 : 0;
}

/* ---- mass -------------------------------------------------------------- */

struct ms_reset {
	int *fds;
	int n, step;
};

static void *ms_reset_thread(void *p)
{
	struct ms_reset *r = p;
	int i;

	for (i = 0; i < r->n; i++)
		close(r->fds[r->step > 0 ? i : r->n - 1 - i]);
	return NULL;
}

static int ms_linger0(int fd)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	return setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
}

/* Accept until @want more connections are in, or 10 s without one. */
static int ms_accept(int lfd, int *sv, int *m, int want)
{
	while (want > 0) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);

		if (fd < 0) {
			if (errno != EAGAIN || inx_poll1(lfd, POLLIN, 10000) <= 0)
				return -1;
			continue;
		}
		sv[(*m)++] = fd;
		want--;
	}
	return 0;
}

static int ms_round(int n, int round, int *cl, int *sv, int secs)
{
	long t0 = inx_now_ms(), t1;
	struct ms_reset ra, rb;
	struct inx_thread th[2];
	int lfd, i, j, m = 0, cnt[16];
	uint16_t port;
	long us;

	lfd = inx_listen(fam, 4096, &port);
	if (lfd < 0)
		return fail("listen: %s", inx_errname(errno)), -1;
	fcntl(lfd, F_SETFL, O_NONBLOCK);
	/*
	 * Batches below the backlog, so no SYN is dropped and retried. A
	 * slow kernel (a debug build) opens fewer within @secs.
	 */
	for (i = 0; i < n; i += 256) {
		int b = n - i < 256 ? n - i : 256;

		if (secs_since(t0) >= secs) {
			printf("# round %d: %d of %d connections open after %d s, stopped opening\n",
			       round, i, n, secs);
			n = i;
			break;
		}

		for (j = i; j < i + b; j++) {
			struct sockaddr_in sa;

			cl[j] = socket(fam, SOCK_STREAM | SOCK_NONBLOCK, 0);
			if (cl[j] < 0 ||
			    (connect(cl[j], (struct sockaddr *)&sa, inx_addr(&sa, fam, port)) &&
			     errno != EINPROGRESS))
				return fail("connection %d: %s", j, inx_errname(errno)), -1;
		}
		if (ms_accept(lfd, sv, &m, b))
			return fail("accept after %d connections: %s", m,
				    inx_errname(errno)), -1;
		for (j = i; j < i + b; j++) {
			int err = 0;
			socklen_t len = sizeof(err);

			if (!(inx_poll1(cl[j], POLLOUT, 10000) & POLLOUT) ||
			    getsockopt(cl[j], SOL_SOCKET, SO_ERROR, &err, &len) || err)
				return fail("connection %d: not connected: %s", j,
					    inx_errname(err)), -1;
		}
	}
	close(lfd);
	tcp_states(port, cnt);
	t1 = inx_now_ms();
	printf("# round %d: %d connections open in %.1f s, %d ESTABLISHED sockets on port %u\n",
	       round, n, (t1 - t0) / 1000.0, cnt[ST_ESTABLISHED], port);
	if (cnt[ST_ESTABLISHED] != 2 * n)
		fail("%d ESTABLISHED sockets, want %d", cnt[ST_ESTABLISHED], 2 * n);
	for (i = 0; i < n; i++)
		if (ms_linger0(cl[i]) || ms_linger0(sv[i]))
			return fail("SO_LINGER: %s", inx_errname(errno)), -1;
	/*
	 * Both sides at once: clients from the first, servers from the last
	 * (reversed on odd rounds), so the two resets of some pairs cross.
	 */
	ra = (struct ms_reset){ .fds = cl, .n = n, .step = round & 1 ? -1 : 1 };
	rb = (struct ms_reset){ .fds = sv, .n = n, .step = round & 1 ? 1 : -1 };
	inx_thread_start(&th[0], ms_reset_thread, &ra);
	inx_thread_start(&th[1], ms_reset_thread, &rb);
	if (inx_thread_join(&th[0], 120000, NULL) || inx_thread_join(&th[1], 120000, NULL))
		return fail("closing took over 120 s"), -1;
	/*
	 * RST on both sides: nothing may linger, TIME_WAIT included. Each
	 * look reads /proc/net/tcp whole: look less often as time goes by.
	 */
	for (i = 0, us = 10000; secs_since(t1) < 60 + (t1 - t0) / 1000; i++, us += us / 2) {
		tcp_states(port, cnt);
		for (j = 0, m = 0; j < 16; j++)
			m += cnt[j];
		if (!m)
			break;
		nap_us(us < 500000 ? us : 500000);
	}
	printf("# round %d: reset in %.1f s, %d sockets left on port %u (%d TIME_WAIT)\n",
	       round, secs_since(t1), m, port, cnt[ST_TIME_WAIT]);
	if (m)
		fail("%d sockets still on port %u after the reset", m, port);
	return 0;
}

static int cmd_mass(int n, int rounds, int secs)
{
	struct rlimit rl = { .rlim_cur = 2 * n + 64, .rlim_max = 2 * n + 64 };
	long t0 = inx_now_ms();
	int lo = 0, hi = 0, r;
	int *cl = calloc(n, sizeof(int)), *sv = calloc(n, sizeof(int));
	FILE *f;

	if (!cl || !sv)
		return printf("# out of memory\n"), 1;
	/* Two descriptors per connection. */
	if (setrlimit(RLIMIT_NOFILE, &rl))
		return printf("# setrlimit(RLIMIT_NOFILE, %d): %s\n", 2 * n + 64,
			      strerror(errno)), 1;
	/* One ephemeral port per client, all to the same listener. */
	f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");
	if (!f || fscanf(f, "%d %d", &lo, &hi) != 2 || hi - lo + 1 < n + 1000)
		return printf("# ip_local_port_range %d-%d is too small for %d connections\n",
			      lo, hi, n), 1;
	fclose(f);
	printf("# %d connections: RLIMIT_NOFILE %d, ports %d-%d\n", n, 2 * n + 64, lo, hi);
	for (r = 0; r < rounds && !atomic_load(&errors); r++)
		if (ms_round(n, r, cl, sv, secs))
			break;
	printf("# mass: %d iterations in %.1f s (%d connections each)\n", r, secs_since(t0), n);
	free(cl);
	free(sv);
	return atomic_load(&errors) || r < rounds ? 1 : 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	fam = inx_family();
	if (argc == 5 && !strcmp(argv[1], "modcycle"))
		return cmd_modcycle(argv[2], atoi(argv[3]), atol(argv[4]));
	if (argc == 3 && !strcmp(argv[1], "workers"))
		return cmd_workers(atoi(argv[2]));
	if (argc == 4 && !strcmp(argv[1], "netns"))
		return cmd_netns(atoi(argv[2]), atol(argv[3]));
	if (argc == 4 && !strcmp(argv[1], "close"))
		return cmd_close(atoi(argv[2]), atol(argv[3]));
	if (argc == 5 && !strcmp(argv[1], "mass"))
		return cmd_mass(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]));
	fprintf(stderr, "usage: %s modcycle KO SECS MAX | workers SECS | netns SECS MAX | close SECS MAX | mass N ROUNDS SECS\n",
		argv[0]);
	return 2;
}
