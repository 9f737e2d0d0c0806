// SPDX-License-Identifier: GPL-2.0
/*
 * libinetx-run.so: inetx-run's preload library.
 *
 * socket(AF_INET, SOCK_STREAM[|SOCK_NONBLOCK|SOCK_CLOEXEC], 0 or
 * IPPROTO_TCP) returns a socket of the inetx family instead; every other
 * socket() call is passed on untouched. With a selection (--ports,
 * --addrs), socket() is left alone and connect()/bind() swap a fresh TCP
 * socket whose address is selected for an inetx one (dup3, same
 * descriptor number).
 *
 * Settings come from the environment once, in the constructor, before the
 * program's threads exist: afterwards they are only read, so the wrappers
 * need no locks. The wrappers make system calls only (plus the libc calls
 * they pass on): async-signal-safe. syscall(SYS_socket, ...) and
 * statically linked programs are out of reach (inetx-run --seccomp).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <sys/syscall.h>

#include "inetx_run.h"

static int inx_family = -1;	/* -1: not redirecting */
static bool inx_verbose, inx_strict;
static struct inx_sel inx_sel;

static int (*next_socket)(int, int, int);
static int (*next_connect)(int, const struct sockaddr *, socklen_t);
static int (*next_bind)(int, const struct sockaddr *, socklen_t);

static void inx_say(const char *what)
{
	struct inx_msg m = { .len = 0 };

	inx_msg_str(&m, "inetx-run: ");
	inx_msg_str(&m, what);
	inx_msg_send(&m);
}

/* Without the launcher (a systemd drop-in): the module's sysfs parameter. */
static int inx_sysfs_family(void)
{
	char buf[16];
	ssize_t n;
	int fd;

	fd = open(INETX_FAMILY_SYSFS, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return atoi(buf);
}

__attribute__((constructor)) static void inx_init(void)
{
	const char *fam = getenv(INX_ENV_FAMILY);
	const char *flags = getenv(INX_ENV_FLAGS);
	const char *ports = getenv(INX_ENV_PORTS);
	const char *addrs = getenv(INX_ENV_ADDRS);

	next_socket = dlsym(RTLD_NEXT, "socket");
	next_connect = dlsym(RTLD_NEXT, "connect");
	next_bind = dlsym(RTLD_NEXT, "bind");

	inx_verbose = flags && strchr(flags, 'v');
	inx_strict = flags && strchr(flags, 's');
	if (!fam || !*fam)
		fam = getenv("INETX_FAMILY");	/* as the selftests take it */
	inx_family = fam && *fam ? atoi(fam) : inx_sysfs_family();
	if (inx_family <= 0) {
		inx_family = -1;
		inx_say("the inetx module is not loaded (no " INETX_FAMILY_SYSFS
			"): sockets stay AF_INET");
		return;
	}
	if ((ports && inx_parse_ports(&inx_sel, ports)) ||
	    (addrs && inx_parse_addrs(&inx_sel, addrs))) {
		inx_say("bad " INX_ENV_PORTS " or " INX_ENV_ADDRS ": nothing redirected");
		inx_family = -1;
	}
}

/* Before the constructor ran (another library's constructor): the kernel. */
static int inx_next_socket(int domain, int type, int protocol)
{
	if (next_socket)
		return next_socket(domain, type, protocol);
	return syscall(SYS_socket, domain, type, protocol);
}

/*
 * -v: "pid P fd F: WHAT [ADDR] -> family N (NAME)" for a socket made or
 * swapped here, "... over NAME" for a TCP socket's connect/bind; NAME is
 * what sockfs calls the socket's protocol ("INETX", "TCP").
 */
static int inx_next_bind(int fd, const struct sockaddr *sa, socklen_t len)
{
	if (next_bind)
		return next_bind(fd, sa, len);
	return syscall(SYS_bind, fd, sa, len);
}

static void inx_report(const char *what, int fd, const struct sockaddr_in *sin,
		       bool made)
{
	struct inx_msg m = { .len = 0 };
	char name[16];

	inx_msg_event(&m, getpid(), fd, what, sin);
	inx_proto_name(fd, name, sizeof(name));
	if (made) {
		inx_msg_str(&m, " -> family ");
		inx_msg_uint(&m, inx_family);
		inx_msg_str(&m, " (");
		inx_msg_str(&m, name);
		inx_msg_str(&m, ")");
	} else {
		inx_msg_str(&m, " over ");
		inx_msg_str(&m, name);
	}
	inx_msg_send(&m);
}

/* -v without a selection: where each TCP socket connects or listens. */
static void inx_report_tcp(const char *what, int fd, const struct sockaddr *sa,
			   socklen_t len)
{
	socklen_t plen = sizeof(int);
	int proto, err = errno;	/* the caller's result stands */

	if (!inx_verbose || inx_family < 0 || inx_sel_active(&inx_sel) || !sa ||
	    len < sizeof(struct sockaddr_in) || sa->sa_family != AF_INET ||
	    getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &plen) ||
	    proto != IPPROTO_TCP) {
		errno = err;
		return;
	}
	inx_report(what, fd, (const struct sockaddr_in *)sa, false);
	errno = err;
}

int socket(int domain, int type, int protocol)
{
	int fd, err;

	if (inx_family < 0 || inx_sel_active(&inx_sel) ||
	    !inx_is_tcp4(domain, type, protocol))
		return inx_next_socket(domain, type, protocol);
	fd = inx_next_socket(inx_family, type, protocol);
	if (fd < 0) {
		err = errno;
		if (inx_verbose)
			inx_say("inetx refused this one; AF_INET instead");
		if (inx_strict) {
			errno = err;
			return -1;
		}
		return inx_next_socket(domain, type, protocol);
	}
	if (inx_verbose)
		inx_report("socket", fd, NULL, true);
	return fd;
}

/*
 * Swap FD for an inetx socket if it is a fresh TCP socket and SIN is
 * selected. A socket already bound keeps its address: the new socket is
 * bound to it once dup3() has closed the old one. 0, or -1 with errno.
 */
static int inx_swap(int fd, const struct sockaddr *sa, socklen_t len,
		    const char *what)
{
	struct sockaddr_in sin, local;
	socklen_t llen = sizeof(local);
	int nfd, cloexec, err;
	bool bound;

	if (len < sizeof(sin) || !sa)
		return 0;
	memcpy(&sin, sa, sizeof(sin));
	if (!inx_sel_match(&inx_sel, &sin) || !inx_fresh_tcp4(fd))
		return 0;
	cloexec = fcntl(fd, F_GETFD);
	if (cloexec < 0 || getsockname(fd, (struct sockaddr *)&local, &llen))
		return 0;
	bound = local.sin_port || local.sin_addr.s_addr;
	nfd = inx_new_like(fd, inx_family);
	if (nfd < 0) {
		err = errno;
		if (inx_verbose)
			inx_say("no inetx socket; AF_INET kept");
		errno = err;
		return inx_strict ? -1 : 0;
	}
	if (dup3(nfd, fd, cloexec & FD_CLOEXEC ? O_CLOEXEC : 0) < 0) {
		err = errno;
		close(nfd);
		errno = err;
		return -1;
	}
	close(nfd);
	if (bound && inx_next_bind(fd, (struct sockaddr *)&local, sizeof(local)))
		return -1;
	if (inx_verbose)
		inx_report(what, fd, &sin, true);
	return 0;
}

int connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	int ret;

	if (inx_family >= 0 && inx_sel_active(&inx_sel) &&
	    inx_swap(fd, sa, len, "connect"))
		return -1;
	ret = next_connect ? next_connect(fd, sa, len) :
			     syscall(SYS_connect, fd, sa, len);
	inx_report_tcp("connect", fd, sa, len);
	return ret;
}

int bind(int fd, const struct sockaddr *sa, socklen_t len)
{
	int ret;

	if (inx_family >= 0 && inx_sel_active(&inx_sel) &&
	    inx_swap(fd, sa, len, "bind"))
		return -1;
	ret = inx_next_bind(fd, sa, len);
	inx_report_tcp("bind", fd, sa, len);
	return ret;
}
