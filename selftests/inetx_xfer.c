// SPDX-License-Identifier: GPL-2.0
/*
 * inetx_xfer: one bulk TCP transfer between two hosts, for inetx_twohost.sh.
 *
 *	inetx_xfer recv FAM PORT BYTES [close]
 *	inetx_xfer send FAM ADDR PORT BYTES SEED [close]
 *
 * FAM is "inetx" or "inet". The receiver accepts one connection on
 * 0.0.0.0:PORT, reads BYTES bytes and sends back their SHA-256; the sender
 * connects (retrying while the peer is not up yet: refused, unreachable,
 * timed out, for INX_CONNECT_SECS at most), sends BYTES bytes of the
 * seeded pattern, reads the receiver's digest and compares it with the
 * digest of what it sent. Both print one line: bytes, digests, seconds.
 *
 * "close": this side closes first once the digest has passed; the other
 * waits for its EOF, so the TIME_WAIT socket is this side's. Giving it to
 * the AF_INET end keeps inetx sockets out of TIME_WAIT (no 60 s module
 * reference before rmmod).
 *
 * Built with -DINX_XFER_CORRUPT, the receiver flips one received byte
 * before hashing: a test build showing that a damaged transfer fails.
 *
 * Exit status: 0 if the digests match, 1 otherwise, 2 on usage errors.
 */
#include "inetx_common.h"	/* first: it defines _GNU_SOURCE */

#include <openssl/evp.h>

#define INX_XFER_CHUNK		65536
#define INX_XFER_TIMEOUT_MS	120000	/* per blocking step, lossy TCG link */
#define INX_CONNECT_SECS	300	/* the peer guest may still be booting */

static int xfer_family(const char *name)
{
	if (!strcmp(name, "inet"))
		return AF_INET;
	if (!strcmp(name, "inetx"))
		return inx_family();
	fprintf(stderr, "inetx_xfer: family must be inet or inetx, not %s\n", name);
	exit(2);
}

static void hex(const unsigned char *d, char *out)
{
	int i;

	for (i = 0; i < 32; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

static double secs_since(long t0)
{
	return (inx_now_ms() - t0) / 1000.0;
}

/* Wait for the peer's EOF (it closes first), then close. */
static int finish(int fd, bool close_first)
{
	char c;
	ssize_t n = 0;

	if (!close_first) {
		n = recv(fd, &c, 1, 0);
		if (n != 0)
			fprintf(stderr, "inetx_xfer: want EOF, got %zd (%s)\n", n,
				inx_errname(n < 0 ? errno : 0));
	}
	close(fd);
	return n ? 1 : 0;
}

static int do_recv(int fam, uint16_t port, size_t bytes, bool close_first)
{
	static unsigned char buf[INX_XFER_CHUNK];
	unsigned char md[32];
	struct sockaddr_in sa = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr.s_addr = htonl(INADDR_ANY),
	};
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t got = 0;
	char mdhex[65];
	int one = 1, lfd, fd;
	long t0;

	lfd = socket(fam, SOCK_STREAM, 0);
	if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) || listen(lfd, 1)) {
		fprintf(stderr, "inetx_xfer: listen on %u: %s\n", port, inx_errname(errno));
		return 1;
	}
	/* Bounded: a peer that never comes must not hang the guest. */
	if (inx_poll1(lfd, POLLIN, INX_CONNECT_SECS * 1000) <= 0) {
		fprintf(stderr, "inetx_xfer: no connection on %u in %d s\n", port,
			INX_CONNECT_SECS);
		return 1;
	}
	fd = accept(lfd, NULL, NULL);
	if (fd < 0) {
		fprintf(stderr, "inetx_xfer: accept: %s\n", inx_errname(errno));
		return 1;
	}
	close(lfd);
	inx_set_timeouts(fd, INX_XFER_TIMEOUT_MS);
	t0 = inx_now_ms();
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	while (got < bytes) {
		size_t room = bytes - got < sizeof(buf) ? bytes - got : sizeof(buf);
		ssize_t n = recv(fd, buf, room, 0);

		if (n <= 0) {
			fprintf(stderr, "inetx_xfer: recv after %zu bytes: %s\n", got,
				n ? inx_errname(errno) : "EOF");
			return 1;
		}
#ifdef INX_XFER_CORRUPT
		if (got <= bytes / 2 && got + n > bytes / 2)
			buf[bytes / 2 - got] ^= 1;
#endif
		EVP_DigestUpdate(ctx, buf, n);
		got += n;
	}
	EVP_DigestFinal_ex(ctx, md, NULL);
	EVP_MD_CTX_free(ctx);
	hex(md, mdhex);
	printf("recv %s %zu bytes sha256 %s in %.1f s\n", fam == AF_INET ? "inet" : "inetx",
	       got, mdhex, secs_since(t0));
	if (inx_send_all(fd, md, sizeof(md)) != sizeof(md)) {
		fprintf(stderr, "inetx_xfer: sending the digest: %s\n", inx_errname(errno));
		return 1;
	}
	return finish(fd, close_first);
}

static int connect_retry(int fam, const char *addr, uint16_t port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	long end = inx_now_ms() + INX_CONNECT_SECS * 1000L;
	int fd, err;

	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1) {
		fprintf(stderr, "inetx_xfer: bad address %s\n", addr);
		exit(2);
	}
	for (;;) {
		fd = socket(fam, SOCK_STREAM, 0);
		if (fd < 0) {
			fprintf(stderr, "inetx_xfer: socket: %s\n", inx_errname(errno));
			return -1;
		}
		if (!connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
			return fd;
		err = errno;
		close(fd);
		if ((err != ECONNREFUSED && err != EHOSTUNREACH && err != ENETUNREACH &&
		     err != ETIMEDOUT) || inx_now_ms() > end) {
			fprintf(stderr, "inetx_xfer: connect %s:%u: %s\n", addr, port,
				inx_errname(err));
			return -1;
		}
		/* Refused: the server is not listening yet. Bounded retry. */
		usleep(100000);
	}
}

static int do_send(int fam, const char *addr, uint16_t port, size_t bytes,
		   uint64_t seed, bool close_first)
{
	static uint8_t buf[INX_XFER_CHUNK];
	unsigned char md[32], peer[32];
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	char mdhex[65], peerhex[65];
	struct inx_prng prng;
	size_t sent = 0;
	bool same;
	long t0;
	int fd;

	fd = connect_retry(fam, addr, port);
	if (fd < 0)
		return 1;
	inx_set_timeouts(fd, INX_XFER_TIMEOUT_MS);
	t0 = inx_now_ms();
	inx_prng_init(&prng, seed);
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	while (sent < bytes) {
		size_t len = bytes - sent < sizeof(buf) ? bytes - sent : sizeof(buf);

		inx_prng_fill(&prng, buf, len);
		EVP_DigestUpdate(ctx, buf, len);
		if (inx_send_all(fd, buf, len) != (ssize_t)len) {
			fprintf(stderr, "inetx_xfer: send after %zu bytes: %s\n", sent,
				inx_errname(errno));
			return 1;
		}
		sent += len;
	}
	EVP_DigestFinal_ex(ctx, md, NULL);
	EVP_MD_CTX_free(ctx);
	if (inx_recv_all(fd, peer, sizeof(peer)) != sizeof(peer)) {
		fprintf(stderr, "inetx_xfer: no digest from the receiver: %s\n",
			inx_errname(errno));
		return 1;
	}
	hex(md, mdhex);
	hex(peer, peerhex);
	same = !memcmp(md, peer, sizeof(md));
	printf("send %s %zu bytes sha256 %s, receiver's %s (%s) in %.1f s\n",
	       fam == AF_INET ? "inet" : "inetx", sent, mdhex, peerhex,
	       same ? "match" : "MISMATCH", secs_since(t0));
	return finish(fd, close_first) || !same;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 5 && !strcmp(argv[1], "recv"))
		return do_recv(xfer_family(argv[2]), atoi(argv[3]),
			       strtoull(argv[4], NULL, 0),
			       argc > 5 && !strcmp(argv[5], "close"));
	if (argc >= 7 && !strcmp(argv[1], "send"))
		return do_send(xfer_family(argv[2]), argv[3], atoi(argv[4]),
			       strtoull(argv[5], NULL, 0), strtoull(argv[6], NULL, 0),
			       argc > 7 && !strcmp(argv[7], "close"));
	fprintf(stderr, "usage: inetx_xfer recv FAM PORT BYTES [close]\n"
		"       inetx_xfer send FAM ADDR PORT BYTES SEED [close]\n");
	return 2;
}
