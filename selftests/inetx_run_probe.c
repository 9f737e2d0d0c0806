// SPDX-License-Identifier: GPL-2.0
/*
 * What inetx-run gives a program: the tests run this under it and read one
 * line per socket, "fd=N domain=D name=NAME nonblock=0|1 cloexec=0|1
 * nodelay=0|1 ret=R errno=E". Built dynamically (inetx_run_probe) and
 * statically (inetx_run_probe_static), which a preload cannot reach.
 *
 *   socket [nonblock] [cloexec]	socket(AF_INET, SOCK_STREAM|flags, 0)
 *   raw				the same through syscall(SYS_socket)
 *   others				UDP, AF_INET6 TCP and AF_UNIX sockets
 *   threads N M			N threads making M sockets each: counts
 *   fork				a child's socket (one line from each)
 *   signals N			N sockets, each interrupted by a handler that
 *					makes one too: counts
 *   connect PORT [nonblock]		TCP_NODELAY set, connect to 127.0.0.1:PORT
 *   bind PORT			TCP_NODELAY set, bind 127.0.0.1:PORT, listen
 *   env				LD_PRELOAD
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/xattr.h>

static void show(int fd, int ret, int err)
{
	char name[32] = "";
	socklen_t len = sizeof(int);
	int dom = -1, nodelay = -1;
	ssize_t n;

	getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &dom, &len);
	len = sizeof(int);
	getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &nodelay, &len);
	n = fgetxattr(fd, "system.sockprotoname", name, sizeof(name) - 1);
	name[n > 0 ? n : 0] = '\0';
	printf("fd=%d domain=%d name=%s nonblock=%d cloexec=%d nodelay=%d ret=%d errno=%s\n",
	       fd, dom, name, !!(fcntl(fd, F_GETFL) & O_NONBLOCK),
	       !!(fcntl(fd, F_GETFD) & FD_CLOEXEC), nodelay, ret,
	       err ? strerrorname_np(err) : "0");
	fflush(stdout);
}

static int tcp4(int flags)
{
	int fd = socket(AF_INET, SOCK_STREAM | flags, 0);

	if (fd < 0) {
		perror("socket");
		exit(1);
	}
	return fd;
}

static void *thread_fn(void *arg)
{
	long i, n = (long)arg, redirected = 0;
	socklen_t len;
	char name[32];
	int fd;

	for (i = 0; i < n; i++) {
		fd = tcp4(0);
		len = fgetxattr(fd, "system.sockprotoname", name, sizeof(name));
		redirected += len > 0 && strcmp(name, "TCP");
		close(fd);
	}
	return (void *)redirected;
}

static atomic_int stop, handler_calls, handler_redirected;	/* lock-free: signal-safe */

/* A redirected socket is not plain TCP (see the tests' stand-in families). */
static int redirected(int fd)
{
	char name[32];
	ssize_t n = fgetxattr(fd, "system.sockprotoname", name, sizeof(name));

	return n > 0 && strcmp(name, "TCP");
}

/* socket() interrupting socket(): the wrapper must be async-signal-safe. */
static void on_usr1(int sig)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	(void)sig;
	handler_calls++;
	if (fd >= 0) {
		handler_redirected += redirected(fd);
		close(fd);
	}
}

static void *signaller(void *arg)
{
	pthread_t main_thread = *(pthread_t *)arg;

	while (!stop && !pthread_kill(main_thread, SIGUSR1))
		sched_yield();
	return NULL;
}

static struct sockaddr_in lo(const char *port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };

	sin.sin_port = htons(atoi(port));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return sin;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";
	int fd, ret, one = 1, i, flags = 0;
	struct sockaddr_in sin;

	if (!strcmp(cmd, "socket")) {
		for (i = 2; i < argc; i++)
			flags |= !strcmp(argv[i], "nonblock") ? SOCK_NONBLOCK :
				 !strcmp(argv[i], "cloexec") ? SOCK_CLOEXEC : 0;
		show(tcp4(flags), 0, 0);
	} else if (!strcmp(cmd, "raw")) {
		fd = syscall(SYS_socket, AF_INET, SOCK_STREAM, 0);
		show(fd, 0, 0);
	} else if (!strcmp(cmd, "others")) {
		show(socket(AF_INET, SOCK_DGRAM, 0), 0, 0);
		show(socket(AF_INET6, SOCK_STREAM, 0), 0, 0);
		show(socket(AF_UNIX, SOCK_STREAM, 0), 0, 0);
	} else if (!strcmp(cmd, "threads") && argc == 4) {
		long n = atol(argv[2]), total = 0;
		pthread_t t[64];
		void *r;

		for (i = 0; i < n && i < 64; i++)
			pthread_create(&t[i], NULL, thread_fn, (void *)atol(argv[3]));
		for (i = 0; i < n && i < 64; i++) {
			pthread_join(t[i], &r);
			total += (long)r;
		}
		printf("redirected=%ld of %ld\n", total, n * atol(argv[3]));
	} else if (!strcmp(cmd, "fork")) {
		pid_t pid = fork();

		show(tcp4(0), 0, 0);
		if (pid > 0)
			waitpid(pid, NULL, 0);
	} else if ((!strcmp(cmd, "connect") || !strcmp(cmd, "bind")) && argc >= 3) {
		fd = tcp4(argc > 3 && !strcmp(argv[3], "nonblock") ? SOCK_NONBLOCK : 0);
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		sin = lo(argv[2]);
		if (cmd[0] == 'c')
			ret = connect(fd, (struct sockaddr *)&sin, sizeof(sin));
		else
			ret = bind(fd, (struct sockaddr *)&sin, sizeof(sin)) ?: listen(fd, 1);
		show(fd, ret, ret ? errno : 0);
	} else if (!strcmp(cmd, "signals") && argc == 3) {
		long n = atol(argv[2]), main_redirected = 0;
		pthread_t self = pthread_self(), t;

		signal(SIGUSR1, on_usr1);
		pthread_create(&t, NULL, signaller, &self);
		for (i = 0; i < n || !handler_calls; i++) {
			fd = tcp4(0);
			main_redirected += redirected(fd);
			close(fd);
		}
		stop = 1;
		pthread_join(t, NULL);
		printf("thread=%ld of %d handler=%d of %d\n", main_redirected, i,
		       handler_redirected, handler_calls);
	} else if (!strcmp(cmd, "env")) {
		printf("LD_PRELOAD=%s\n", getenv("LD_PRELOAD") ?: "");
	} else {
		fprintf(stderr, "usage: see the top of inetx_run_probe.c\n");
		return 2;
	}
	return 0;
}
