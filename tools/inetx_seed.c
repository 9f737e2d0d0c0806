// SPDX-License-Identifier: GPL-2.0
/*
 * The seed's TCP client (socket -> connect -> write -> read) over PF_INETX,
 * and a plain AF_INET server for it to talk to.
 *
 *   inetx_seed server PORT   AF_INET: accept one connection, echo a reply
 *   inetx_seed client PORT   PF_INETX: connect to 127.0.0.1:PORT, write, read
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/inetx.h>

#define MAXLEN 1024

/* The family is a module parameter; sysfs says which one is live. */
static int inetx_family(void)
{
	FILE *f = fopen(INETX_FAMILY_SYSFS, "r");
	int family = AF_INETX;

	if (f) {
		if (fscanf(f, "%d", &family) != 1)
			family = AF_INETX;
		fclose(f);
	}
	return family;
}

static int server(int port)
{
	struct sockaddr_in addr = { .sin_family = AF_INET };
	char buf[MAXLEN];
	int s, c, one = 1;
	ssize_t n;

	addr.sin_port = htons(port);
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0 || setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(s, (struct sockaddr *)&addr, sizeof(addr)) || listen(s, 1)) {
		perror("server");
		return 1;
	}
	printf("server: AF_INET listening on 127.0.0.1:%d\n", port);
	fflush(stdout);
	c = accept(s, NULL, NULL);
	if (c < 0) {
		perror("accept");
		return 1;
	}
	n = read(c, buf, sizeof(buf) - 1);
	if (n < 0) {
		perror("read");
		return 1;
	}
	buf[n] = '\0';
	printf("server: read %zd bytes: %s", n, buf);
	snprintf(buf, sizeof(buf), "Hello from AF_INET\n");
	/*
	 * Corked, the reply and the FIN leave in one segment, so the client
	 * has the FIN before it closes: TIME_WAIT stays on this side and
	 * does not pin the inetx module for 60 s.
	 */
	setsockopt(c, IPPROTO_TCP, TCP_CORK, &one, sizeof(one));
	if (write(c, buf, strlen(buf)) < 0)
		perror("write");
	close(c);
	close(s);
	return 0;
}

/* The seed, with PF_INETX in place of AF_INET in socket(): nothing else. */
static int client(int port)
{
	int sockfd, connc, family = inetx_family();
	char *message = "This is test\n", buf[MAXLEN];
	struct sockaddr_in servaddr;
	ssize_t n;

	sockfd = socket(family, SOCK_STREAM, 0);
	if (sockfd == -1) {
		perror("sock created");
		exit(-1);
	}
	memset(&servaddr, 0, sizeof(servaddr));
	servaddr.sin_family = AF_INET;
	servaddr.sin_port = htons(port);
	servaddr.sin_addr.s_addr = inet_addr("127.0.0.1");

	connc = connect(sockfd, (struct sockaddr *)&servaddr, sizeof(servaddr));
	if (connc == -1) {
		perror("connect error");
		exit(-1);
	}
	printf("client: PF_INETX (family %d) connected to 127.0.0.1:%d\n",
	       family, port);
	if (write(sockfd, message, strlen(message)) < 0)
		perror("write");
	n = read(sockfd, buf, MAXLEN - 1);
	if (n < 0) {
		perror("read");
		exit(-1);
	}
	buf[n] = '\0';
	printf("client: read %zd bytes: %s", n, buf);
	close(sockfd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s server|client PORT\n", argv[0]);
		return 2;
	}
	if (!strcmp(argv[1], "server"))
		return server(atoi(argv[2]));
	if (!strcmp(argv[1], "client"))
		return client(atoi(argv[2]));
	fprintf(stderr, "usage: %s server|client PORT\n", argv[0]);
	return 2;
}
