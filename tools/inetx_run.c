// SPDX-License-Identifier: GPL-2.0
/*
 * inetx-run: run an unmodified program with its TCP/IPv4 sockets on inetx.
 *
 *   inetx-run [-v] [--strict] [--seccomp] [--ports L] [--addrs L] PROG ARGS
 *   inetx-run --check PID
 *   inetx-run --unit NAME [--root DIR] [-v] [--strict] [--ports L] [--addrs L]
 *
 * Default: exec PROG with libinetx-run.so appended to LD_PRELOAD. --seccomp:
 * PROG runs under a seccomp filter whose socket() (or, with a selection,
 * connect() and bind()) notifications this process answers, installing
 * inetx sockets it made itself (SECCOMP_IOCTL_NOTIF_ADDFD); it returns when
 * PROG and everything PROG started have exited, with PROG's status. See
 * inetx-run(1).
 *
 * Exit status of its own failures: 125 (as env(1) and timeout(1)).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "inetx_run.h"

#define EXIT_OWN	125

#if defined(__x86_64__)
#define INX_AUDIT_ARCH	AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define INX_AUDIT_ARCH	AUDIT_ARCH_AARCH64
#else
#error "inetx-run --seccomp: add this architecture's AUDIT_ARCH_*"
#endif

static int family = -1;
static bool verbose, strict;
static struct inx_sel sel;
static const char *ports_arg, *addrs_arg;

static void die(const char *what)
{
	perror(what);
	exit(EXIT_OWN);
}

/* ---- the family -------------------------------------------------------- */

/*
 * INETX_FAMILY (the selftests' override) or the loaded module's parameter;
 * -1 if neither. Never a built-in number: the module takes family=N.
 */
static int find_family(void)
{
	const char *env = getenv("INETX_FAMILY");
	FILE *f;
	int fam;

	if (env && *env)
		return atoi(env);
	f = fopen(INETX_FAMILY_SYSFS, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%d", &fam) != 1)
		fam = -1;
	fclose(f);
	return fam;
}

/* Whether the family works for us now; says why not. */
static bool family_usable(void)
{
	int fd;

	if (family <= 0) {
		fprintf(stderr, "inetx-run: the inetx module is not loaded (no %s)%s\n",
			INETX_FAMILY_SYSFS, strict ? "" : ": running on plain AF_INET");
		return false;
	}
	fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "inetx-run: socket(%d, SOCK_STREAM, 0): %s%s\n",
			family, strerror(errno), strict ? "" : ": running on plain AF_INET");
		return false;
	}
	close(fd);
	return true;
}

/* ---- preload mode ------------------------------------------------------ */

/* Next to this program (the build tree), else PREFIX/lib/inetx/. */
static void library_path(char *path, size_t size)
{
	const char *env = getenv("INETX_RUN_LIB");
	char self[PATH_MAX - 64], *slash;	/* room for the file name */
	ssize_t n;

	if (env && *env) {
		snprintf(path, size, "%s", env);
		return;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		die("readlink /proc/self/exe");
	self[n] = '\0';
	slash = strrchr(self, '/');
	*slash = '\0';
	snprintf(path, size, "%s/libinetx-run.so", self);
	if (!access(path, R_OK))
		return;
	slash = strrchr(self, '/');
	if (slash)
		*slash = '\0';
	snprintf(path, size, "%s/lib/inetx/libinetx-run.so", self);
}

static void set_env(const char *name, const char *value)
{
	if (value ? setenv(name, value, 1) : unsetenv(name))
		die("setenv");
}

static void preload_env(void)
{
	char lib[PATH_MAX], fam[16], flags[4] = "", *v;
	const char *old = getenv("LD_PRELOAD");
	size_t len;

	library_path(lib, sizeof(lib));
	if (access(lib, R_OK)) {
		fprintf(stderr, "inetx-run: %s: %s\n", lib, strerror(errno));
		exit(EXIT_OWN);
	}
	if (old && *old) {
		len = strlen(old) + strlen(lib) + 2;
		v = malloc(len);
		if (!v)
			die("malloc");
		snprintf(v, len, "%s:%s", old, lib);
		set_env("LD_PRELOAD", v);
		free(v);
	} else {
		set_env("LD_PRELOAD", lib);
	}
	snprintf(fam, sizeof(fam), "%d", family);
	set_env(INX_ENV_FAMILY, fam);
	set_env(INX_ENV_PORTS, ports_arg);
	set_env(INX_ENV_ADDRS, addrs_arg);
	if (verbose)
		strcat(flags, "v");
	if (strict)
		strcat(flags, "s");
	set_env(INX_ENV_FLAGS, *flags ? flags : NULL);
}

static void exec_prog(char **argv)
{
	execvp(argv[0], argv);
	fprintf(stderr, "inetx-run: %s: %s\n", argv[0], strerror(errno));
	exit(errno == ENOENT ? 127 : 126);
}

/* ---- seccomp mode ------------------------------------------------------ */

#define ARG_LO(n)	(offsetof(struct seccomp_data, args[n]))	/* little endian */
#define LD(off)		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (off))
#define JEQ(k, t, f)	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (k), (t), (f))
#define RET(v)		BPF_STMT(BPF_RET | BPF_K, (v))

/*
 * Only what may be redirected reaches the supervisor; everything else is
 * allowed in the kernel. The socket() test is inx_is_tcp4()'s.
 */
static int install_filter(bool sel_mode, bool watch_addrs)
{
	struct sock_filter f[] = {
		LD(offsetof(struct seccomp_data, arch)),
		JEQ(INX_AUDIT_ARCH, 1, 0),
		RET(SECCOMP_RET_ALLOW),
		LD(offsetof(struct seccomp_data, nr)),
		/* 4 */ JEQ(__NR_socket, sel_mode ? 2 : 3, 0),
		JEQ(__NR_connect, watch_addrs ? 10 : 1, 0),
		JEQ(__NR_bind, watch_addrs ? 9 : 0, 0),
		/* 7 */ RET(SECCOMP_RET_ALLOW),
		/* 8: socket(domain, type, protocol) */
		LD(ARG_LO(0)),
		JEQ(AF_INET, 0, 7),
		LD(ARG_LO(1)),
		BPF_STMT(BPF_ALU | BPF_AND | BPF_K, ~(SOCK_NONBLOCK | SOCK_CLOEXEC)),
		JEQ(SOCK_STREAM, 0, 4),
		LD(ARG_LO(2)),
		JEQ(0, 1, 0),
		JEQ(IPPROTO_TCP, 0, 1),
		/* 16 */ RET(SECCOMP_RET_USER_NOTIF),
		RET(SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = ARRAY_SIZE(f), .filter = f };

	/* Not needed with CAP_SYS_ADMIN, but then a setuid exec would not drop it. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -1;
	return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
		       SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
}

static int send_fd(int sock, int fd)
{
	char c = 0, ctl[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl, .msg_controllen = sizeof(ctl),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &mh, 0) == 1 ? 0 : -1;
}

static int recv_fd(int sock)
{
	char c, ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl, .msg_controllen = sizeof(ctl),
	};
	struct cmsghdr *cm;
	int fd;

	if (recvmsg(sock, &mh, MSG_CMSG_CLOEXEC) != 1)
		return -1;
	cm = CMSG_FIRSTHDR(&mh);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

struct supervisor {
	int listener;
	bool addfd_send;	/* SECCOMP_ADDFD_FLAG_SEND works (5.14+) */
	struct seccomp_notif *req;
	struct seccomp_notif_resp *resp;
	struct seccomp_notif_sizes sizes;
	struct stat netns;
};

static int notif_send(struct supervisor *sv, __u64 id, int error, __u32 flags, __s64 val)
{
	memset(sv->resp, 0, sv->sizes.seccomp_notif_resp);
	sv->resp->id = id;
	sv->resp->error = error;
	sv->resp->val = val;
	sv->resp->flags = flags;
	return ioctl(sv->listener, SECCOMP_IOCTL_NOTIF_SEND, sv->resp);
}

/* Let the program's own call run, unchanged. */
static void notif_continue(struct supervisor *sv, __u64 id)
{
	notif_send(sv, id, 0, SECCOMP_USER_NOTIF_FLAG_CONTINUE, 0);
}

/* The notification still stands: its task did not die or get a signal. */
static bool notif_valid(struct supervisor *sv, __u64 id)
{
	return !ioctl(sv->listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id);
}

/* A socket made here lives in our network namespace: it must be the task's. */
static bool same_netns(struct supervisor *sv, pid_t tid)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", tid);
	return !stat(path, &st) && st.st_ino == sv->netns.st_ino &&
	       st.st_dev == sv->netns.st_dev;
}

static void say_task(pid_t tid, int fd, const char *what, const struct sockaddr_in *sin,
		     const char *name)
{
	struct inx_msg m = { .len = 0 };

	inx_msg_event(&m, tid, fd, what, sin);
	inx_msg_str(&m, name);
	inx_msg_send(&m);
}

/* -v: the family, and the protocol as the kernel names the socket (FD). */
static void say_made(pid_t tid, int tfd, const char *what, const struct sockaddr_in *sin,
		     int fd)
{
	char msg[48], name[16];

	inx_proto_name(fd, name, sizeof(name));
	snprintf(msg, sizeof(msg), " -> family %d (%s)", family, name);
	say_task(tid, tfd, what, sin, msg);
}

/*
 * Put our socket FD into the task: as the result of its socket() call
 * (SEND, atomically where the kernel has it) or, with SETFD, as its
 * descriptor TARGET. The descriptor number in the task, or -errno.
 */
static int addfd(struct supervisor *sv, __u64 id, int fd, int target, bool cloexec)
{
	struct seccomp_notif_addfd a = {
		.id = id,
		.srcfd = fd,
		.newfd = target >= 0 ? target : 0,
		.newfd_flags = cloexec ? O_CLOEXEC : 0,
		.flags = target >= 0 ? SECCOMP_ADDFD_FLAG_SETFD :
		 sv->addfd_send ? SECCOMP_ADDFD_FLAG_SEND : 0,
	};
	int ret = ioctl(sv->listener, SECCOMP_IOCTL_NOTIF_ADDFD, &a);

	if (ret < 0 && errno == EINVAL && (a.flags & SECCOMP_ADDFD_FLAG_SEND)) {
		/* Before 5.14: add, then reply with the number. */
		sv->addfd_send = false;
		a.flags = 0;
		ret = ioctl(sv->listener, SECCOMP_IOCTL_NOTIF_ADDFD, &a);
		if (ret >= 0 && notif_send(sv, id, 0, 0, ret))
			return -errno;
	} else if (ret >= 0 && target < 0 && !(a.flags & SECCOMP_ADDFD_FLAG_SEND) &&
		   notif_send(sv, id, 0, 0, ret)) {
		return -errno;
	}
	return ret < 0 ? -errno : ret;
}

static void on_socket(struct supervisor *sv)
{
	const struct seccomp_data *d = &sv->req->data;
	int type = d->args[1], proto = d->args[2];
	pid_t tid = sv->req->pid;
	int fd, ret, err;

	/* The filter passed only these; a check costs nothing. */
	if (!inx_is_tcp4(d->args[0], type, proto)) {
		notif_continue(sv, sv->req->id);
		return;
	}
	if (!same_netns(sv, tid)) {
		if (verbose)
			say_task(tid, -1, "socket in another network namespace", NULL,
				 ": AF_INET kept");
		notif_continue(sv, sv->req->id);
		return;
	}
	fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC | (type & SOCK_NONBLOCK), proto);
	if (fd < 0) {
		err = errno;
		if (verbose)
			say_task(tid, -1, "no inetx socket", NULL,
				 strict ? "" : ": AF_INET instead");
		if (strict)
			notif_send(sv, sv->req->id, -err, 0, 0);
		else
			notif_continue(sv, sv->req->id);
		return;
	}
	if (!notif_valid(sv, sv->req->id)) {
		close(fd);
		return;
	}
	ret = addfd(sv, sv->req->id, fd, -1, type & SOCK_CLOEXEC);
	if (ret >= 0 && verbose)
		say_made(tid, ret, "socket", NULL, fd);
	close(fd);
	/* ENOENT: the task is gone or was interrupted; else tell it. */
	if (ret < 0 && ret != -ENOENT)
		notif_send(sv, sv->req->id, ret, 0, 0);
}

static int task_cloexec(pid_t tid, int fd)
{
	char path[64], line[128];
	unsigned int flags = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", tid, fd);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "flags: %o", &flags) == 1)
			break;
	fclose(f);
	return !!(flags & O_CLOEXEC);
}

static pid_t task_tgid(pid_t tid)
{
	char path[64], line[128];
	pid_t tgid = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", tid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Tgid: %d", &tgid) == 1)
			break;
	fclose(f);
	return tgid;
}

/*
 * connect()/bind() with a selection (or -v): swap the task's fresh TCP
 * socket for an inetx one if the address is selected, then let its call
 * run. The address is read before the call runs: a thread changing it in
 * between changes which family is used, not what the kernel checks.
 */
static void on_addr(struct supervisor *sv)
{
	const struct seccomp_data *d = &sv->req->data;
	bool is_connect = d->nr == __NR_connect;
	const char *what = is_connect ? "connect" : "bind";
	struct sockaddr_in sin, local;
	socklen_t llen = sizeof(local);
	struct iovec liov = { &sin, sizeof(sin) };
	struct iovec riov = { (void *)(uintptr_t)d->args[1], sizeof(sin) };
	pid_t tid = sv->req->pid, tgid;
	int tfd = d->args[0], pidfd = -1, old = -1, nfd = -1, cloexec, ret;
	char name[16] = "";

	if (d->args[2] < sizeof(sin) ||
	    process_vm_readv(tid, &liov, 1, &riov, 1, 0) != sizeof(sin) ||
	    sin.sin_family != AF_INET)
		goto out;
	tgid = task_tgid(tid);
	if (!notif_valid(sv, sv->req->id))
		return;
	pidfd = tgid > 0 ? syscall(SYS_pidfd_open, tgid, 0) : -1;
	old = pidfd >= 0 ? syscall(SYS_pidfd_getfd, pidfd, tfd, 0) : -1;
	if (old < 0)
		goto out;
	if (!inx_sel_active(&sel) || !inx_sel_match(&sel, &sin) || !inx_fresh_tcp4(old) ||
	    !same_netns(sv, tid)) {
		inx_proto_name(old, name, sizeof(name));
		if (verbose && !strcmp(name, INX_PROTO_NAME))
			say_task(tid, tfd, what, &sin, " over " INX_PROTO_NAME);
		goto out;
	}
	cloexec = task_cloexec(tid, tfd);
	if (cloexec < 0 || getsockname(old, (struct sockaddr *)&local, &llen))
		goto out;
	nfd = inx_new_like(old, family);
	if (nfd < 0) {
		if (verbose)
			say_task(tid, tfd, what, &sin, ": no inetx socket");
		if (strict) {
			notif_send(sv, sv->req->id, -errno, 0, 0);
			goto done;
		}
		goto out;
	}
	if (!notif_valid(sv, sv->req->id))
		goto done;
	ret = addfd(sv, sv->req->id, nfd, tfd, cloexec);
	if (ret < 0) {
		if (ret != -ENOENT)
			notif_send(sv, sv->req->id, ret, 0, 0);
		goto done;
	}
	/* The old socket is closed now (ours last); its address goes over. */
	close(old);
	old = -1;
	if ((local.sin_port || local.sin_addr.s_addr) &&
	    bind(nfd, (struct sockaddr *)&local, sizeof(local))) {
		notif_send(sv, sv->req->id, -errno, 0, 0);
		goto done;
	}
	if (verbose)
		say_made(tid, tfd, what, &sin, nfd);
out:
	notif_continue(sv, sv->req->id);
done:
	if (nfd >= 0)
		close(nfd);
	if (old >= 0)
		close(old);
	if (pidfd >= 0)
		close(pidfd);
}

static void on_notification(struct supervisor *sv)
{
	memset(sv->req, 0, sv->sizes.seccomp_notif);
	if (ioctl(sv->listener, SECCOMP_IOCTL_NOTIF_RECV, sv->req))
		return;	/* EINTR, or ENOENT: the task went away meanwhile */
	if (sv->req->data.nr == __NR_socket)
		on_socket(sv);
	else
		on_addr(sv);
}

/* Die the way the program died, so that our caller sees the same. */
static void pass_on(int status)
{
	struct rlimit no_core = { 0, 0 };
	sigset_t set;
	int sig;

	if (WIFEXITED(status))
		exit(WEXITSTATUS(status));
	sig = WTERMSIG(status);
	setrlimit(RLIMIT_CORE, &no_core);	/* the program's core is dumped */
	signal(sig, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	raise(sig);
	exit(128 + sig);
}

static const int forwarded[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2,
				 SIGWINCH, SIGCONT };

static int run_seccomp(char **argv)
{
	/* The hook lets the host tests cover the pre-5.14 path. */
	struct supervisor sv = { .addfd_send = !getenv("INETX_RUN_TEST_NO_SEND") };
	struct signalfd_siginfo si;
	sigset_t set, old;
	struct pollfd pfd[2];
	int sp[2], status = 0, st;
	bool main_done = false;
	unsigned int i;
	pid_t pid, w;

	if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sv.sizes))
		die("seccomp(SECCOMP_GET_NOTIF_SIZES)");
	sv.req = calloc(1, sv.sizes.seccomp_notif);
	sv.resp = calloc(1, sv.sizes.seccomp_notif_resp);
	if (!sv.req || !sv.resp)
		die("calloc");
	if (stat("/proc/self/ns/net", &sv.netns))
		die("/proc/self/ns/net");
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	for (i = 0; i < ARRAY_SIZE(forwarded); i++)
		sigaddset(&set, forwarded[i]);
	if (sigprocmask(SIG_BLOCK, &set, &old))
		die("sigprocmask");
	/* Orphans of a daemonizing program come to us, so they are reaped. */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0))
		die("PR_SET_CHILD_SUBREAPER");
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp))
		die("socketpair");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (!pid) {
		int l;

		close(sp[0]);
		sigprocmask(SIG_SETMASK, &old, NULL);
		l = install_filter(inx_sel_active(&sel), inx_sel_active(&sel) || verbose);
		if (l < 0) {
			fprintf(stderr, "inetx-run: seccomp filter: %s\n", strerror(errno));
			_exit(EXIT_OWN);
		}
		if (send_fd(sp[1], l))
			_exit(EXIT_OWN);
		close(l);
		close(sp[1]);
		exec_prog(argv);
	}
	close(sp[1]);
	sv.listener = recv_fd(sp[0]);
	close(sp[0]);
	pfd[1].fd = signalfd(-1, &set, SFD_CLOEXEC);
	if (pfd[1].fd < 0)
		die("signalfd");
	pfd[1].events = POLLIN;
	pfd[0].fd = sv.listener;
	pfd[0].events = POLLIN;
	if (sv.listener < 0)
		pfd[0].fd = -1;	/* the child says why; wait for it */
	for (;;) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			die("poll");
		}
		if (pfd[1].revents & POLLIN &&
		    read(pfd[1].fd, &si, sizeof(si)) == sizeof(si)) {
			if (si.ssi_signo != SIGCHLD) {
				/* Sent by someone to us, not by the terminal to the group. */
				if (!main_done && si.ssi_code <= 0)
					kill(pid, si.ssi_signo);
			}
			while ((w = waitpid(-1, &st, WNOHANG)) > 0) {
				if (w == pid) {
					status = st;
					main_done = true;
				}
			}
			if (main_done && pfd[0].fd < 0)
				break;
		}
		if (pfd[0].revents & POLLIN)
			on_notification(&sv);
		else if (pfd[0].revents & (POLLHUP | POLLERR | POLLNVAL))
			pfd[0].fd = -1;	/* no task left under the filter */
		if (pfd[0].fd < 0 && main_done)
			break;
	}
	/* The last task released the filter when it was reaped: by us. */
	if (!main_done && waitpid(pid, &status, 0) < 0)
		die("waitpid");
	pass_on(status);
	return EXIT_OWN;
}

/* ---- --check PID ------------------------------------------------------- */

/*
 * sockfs names a socket's protocol in the extended attribute
 * system.sockprotoname: "INETX" for inetx sockets, whose SO_DOMAIN says
 * AF_INET. getxattr() follows /proc/PID/fd/N with ptrace read access, so
 * no descriptor is taken from the process. 0: inetx sockets found, 1:
 * none, 2: error.
 */
static int check(const char *pidstr)
{
	const char *want = getenv("INETX_RUN_TEST_PROTO");	/* the host tests' stand-in */
	char dir[64], path[PATH_MAX], link[128], name[32];
	int nsock = 0, ninetx = 0;
	struct dirent *de;
	ssize_t n;
	DIR *d;

	if (!want || !*want)
		want = INX_PROTO_NAME;
	snprintf(dir, sizeof(dir), "/proc/%s/fd", pidstr);
	d = opendir(dir);
	if (!d) {
		fprintf(stderr, "inetx-run: %s: %s%s\n", dir, strerror(errno),
			errno == EACCES ? " (needs the process's user or root)" : "");
		return 2;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		if (strncmp(link, "socket:", 7))
			continue;
		n = getxattr(path, "system.sockprotoname", name, sizeof(name) - 1);
		if (n < 0) {
			fprintf(stderr, "inetx-run: %s: %s\n", path, strerror(errno));
			closedir(d);
			return 2;
		}
		name[n] = '\0';
		nsock++;
		ninetx += !strcmp(name, want);
		printf("fd %s %s %s%s\n", de->d_name, link, name,
		       strcmp(name, want) ? "" : " PF_INETX");
	}
	closedir(d);
	printf("pid %s: %d sockets, %d PF_INETX\n", pidstr, nsock, ninetx);
	return ninetx ? 0 : 1;
}

/* ---- --unit NAME ------------------------------------------------------- */

/*
 * A drop-in that preloads the library: Environment= survives any
 * ExecStart= the unit has, where a wrapper would have to restate it.
 * modprobe runs first with full privileges ('+'); without --strict its
 * failure does not stop the service ('-'), and the library says once per
 * process that sockets stay AF_INET.
 */
static int write_unit(const char *unit, const char *root)
{
	char lib[PATH_MAX], dir[PATH_MAX], path[PATH_MAX + 16], tmp[PATH_MAX + 32];
	const char *dot;
	char *p;
	FILE *f;

	dot = strrchr(unit, '.');
	if (!*unit || strchr(unit, '/') || (dot && strcmp(dot, ".service"))) {
		fprintf(stderr, "inetx-run: --unit %s: not a service name\n", unit);
		return EXIT_OWN;
	}
	library_path(lib, sizeof(lib));
	snprintf(dir, sizeof(dir), "%s/etc/systemd/system/%s%s.d", root ? root : "", unit,
		 dot ? "" : ".service");
	for (p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0755) && errno != EEXIST)
			die(dir);
		*p = '/';
	}
	if (mkdir(dir, 0755) && errno != EEXIST)
		die(dir);
	snprintf(path, sizeof(path), "%s/inetx.conf", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "we");
	if (!f)
		die(tmp);
	fprintf(f, "# Written by inetx-run --unit: this service's TCP/IPv4 sockets on inetx.\n"
		"# Undo: rm this file; systemctl daemon-reload; systemctl restart the unit.\n"
		"[Service]\n"
		"ExecStartPre=%s+/sbin/modprobe inetx\n"
		"Environment=LD_PRELOAD=%s\n", strict ? "" : "-", lib);
	if (ports_arg)
		fprintf(f, "Environment=%s=%s\n", INX_ENV_PORTS, ports_arg);
	if (addrs_arg)
		fprintf(f, "Environment=%s=%s\n", INX_ENV_ADDRS, addrs_arg);
	if (verbose || strict)
		fprintf(f, "Environment=%s=%s%s\n", INX_ENV_FLAGS, verbose ? "v" : "",
			strict ? "s" : "");
	if (fclose(f) || rename(tmp, path))
		die(path);
	printf("%s\n", path);
	if (!root)
		printf("now: systemctl daemon-reload && systemctl restart %s\n", unit);
	return 0;
}

/* ---- main -------------------------------------------------------------- */

static void usage(int status)
{
	fprintf(status ? stderr : stdout,
		"Usage: inetx-run [-v] [--strict] [--seccomp] [--ports LIST] [--addrs LIST]\n"
		"                 [--] PROGRAM [ARGS...]\n"
		"       inetx-run --check PID\n"
		"       inetx-run --unit NAME [--root DIR] [-v] [--strict] [--ports LIST]\n"
		"                 [--addrs LIST]\n"
		"Runs PROGRAM with its TCP/IPv4 sockets on inetx (PF_INETX); see inetx-run(1).\n");
	exit(status);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "verbose", no_argument, NULL, 'v' },
		{ "strict", no_argument, NULL, 's' },
		{ "seccomp", no_argument, NULL, 'S' },
		{ "ports", required_argument, NULL, 'p' },
		{ "addrs", required_argument, NULL, 'a' },
		{ "check", required_argument, NULL, 'c' },
		{ "unit", required_argument, NULL, 'u' },
		{ "root", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *unit = NULL, *root = NULL;
	bool use_seccomp = false;
	int c;

	while ((c = getopt_long(argc, argv, "+vh", opts, NULL)) != -1) {
		switch (c) {
		case 'v':
			verbose = true;
			break;
		case 's':
			strict = true;
			break;
		case 'S':
			use_seccomp = true;
			break;
		case 'p':
			ports_arg = optarg;
			if (inx_parse_ports(&sel, optarg)) {
				fprintf(stderr, "inetx-run: --ports %s: want PORT[-PORT],...\n",
					optarg);
				return EXIT_OWN;
			}
			break;
		case 'a':
			addrs_arg = optarg;
			if (inx_parse_addrs(&sel, optarg)) {
				fprintf(stderr, "inetx-run: --addrs %s: want ADDR[/BITS],...\n",
					optarg);
				return EXIT_OWN;
			}
			break;
		case 'c':
			if (optind != argc)
				usage(EXIT_OWN);
			return check(optarg);
		case 'u':
			unit = optarg;
			break;
		case 'r':
			root = optarg;
			break;
		case 'h':
			usage(0);
			break;
		default:
			usage(EXIT_OWN);
		}
	}
	if (unit) {
		if (optind != argc || use_seccomp) {
			fputs("inetx-run: --unit takes no PROGRAM nor --seccomp (inetx-run(1))\n",
			      stderr);
			return EXIT_OWN;
		}
		return write_unit(unit, root);
	}
	if (optind == argc || root)
		usage(EXIT_OWN);
	argv += optind;
	family = find_family();
	if (!family_usable()) {
		if (strict)
			return EXIT_OWN;
		exec_prog(argv);
	}
	if (use_seccomp)
		return run_seccomp(argv);
	preload_env();
	exec_prog(argv);
	return EXIT_OWN;
}
