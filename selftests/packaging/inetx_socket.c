// SPDX-License-Identifier: GPL-2.0
/*
 * inetx_socket [FAMILY]: call socket(FAMILY, SOCK_STREAM, 0) first thing,
 * with nothing loaded by hand and no sysfs read, as a program does that
 * relies on the kernel loading inetx by itself (the net-pf-N module alias).
 * Then bind it to 127.0.0.1:0 and check that getsockname() reports FAMILY,
 * i.e. that the socket is inetx's. FAMILY defaults to PF_INETX.
 *
 * Prints one line; exit 0 when all of that worked, 1 when socket() failed
 * ("errno=N"), 2 on any later failure.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/inetx.h>

int main(int argc, char **argv)
{
	int family = argc > 1 ? atoi(argv[1]) : PF_INETX;
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int fd;

	fd = socket(family, SOCK_STREAM, 0);
	if (fd < 0) {
		printf("socket(%d, SOCK_STREAM, 0): errno=%d (%s)\n", family, errno,
		       strerror(errno));
		return 1;
	}
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		printf("bind: errno=%d (%s)\n", errno, strerror(errno));
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	if (getsockname(fd, (struct sockaddr *)&sa, &len)) {
		printf("getsockname: errno=%d (%s)\n", errno, strerror(errno));
		return 2;
	}
	if (sa.sin_family != AF_INET) {
		printf("getsockname reports family %d, not AF_INET\n", sa.sin_family);
		return 2;
	}
	printf("socket(%d, SOCK_STREAM, 0) = %d, bound to 127.0.0.1:%d\n", family, fd,
	       ntohs(sa.sin_port));
	close(fd);
	return 0;
}
