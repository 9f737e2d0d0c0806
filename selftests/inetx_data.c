// SPDX-License-Identifier: GPL-2.0
/*
 * inetx_data: moving bytes. 4 MiB each way at once between every pairing
 * of inetx and AF_INET endpoints, checksummed on both sides and compared
 * byte for byte against the generator; half-close; sendfile, splice,
 * vectored I/O, MSG_TRUNC, MSG_FASTOPEN. Each scenario also runs with
 * AF_INET on both ends and the traces must match.
 */
#include "inetx_common.h"	/* first: it defines _GNU_SOURCE */

#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/uio.h>

#define DUPLEX_BYTES	(4u << 20)

struct endpoint {
	int fd;
	uint64_t tx_seed, rx_seed;
	size_t len;
	/* results */
	size_t sent, rcvd, bad_at;
	uint64_t tx_hash, rx_hash;
	int err;
	bool mismatch;
};

/*
 * Send len bytes of the tx stream while receiving len bytes of the peer's
 * stream: nonblocking, poll-driven, so both directions are in flight at
 * once and neither side can deadlock on full buffers.
 */
static void *duplex(void *arg)
{
	struct endpoint *e = arg;
	struct inx_prng tx, rx;
	static __thread uint8_t out[65536], in[65536], want[65536];
	size_t out_len = 0, out_off = 0;

	inx_prng_init(&tx, e->tx_seed);
	inx_prng_init(&rx, e->rx_seed);
	e->tx_hash = e->rx_hash = INX_FNV_INIT;
	fcntl(e->fd, F_SETFL, fcntl(e->fd, F_GETFL) | O_NONBLOCK);

	while (e->sent < e->len || e->rcvd < e->len) {
		struct pollfd p = { .fd = e->fd, .events = 0 };
		ssize_t n;

		if (e->sent < e->len)
			p.events |= POLLOUT;
		if (e->rcvd < e->len)
			p.events |= POLLIN;
		n = poll(&p, 1, INX_TIMEOUT_MS);
		if (n <= 0) {
			e->err = n ? errno : ETIMEDOUT;
			break;
		}
		if (p.revents & POLLOUT) {
			if (out_off == out_len) {
				out_len = e->len - e->sent < sizeof(out) ?
					  e->len - e->sent : sizeof(out);
				inx_prng_fill(&tx, out, out_len);
				e->tx_hash = inx_fnv(e->tx_hash, out, out_len);
				out_off = 0;
			}
			n = send(e->fd, out + out_off, out_len - out_off, MSG_NOSIGNAL);
			if (n < 0 && errno != EAGAIN) {
				e->err = errno;
				break;
			}
			if (n > 0) {
				out_off += n;
				e->sent += n;
			}
		}
		if (p.revents & (POLLIN | POLLERR | POLLHUP)) {
			size_t room = e->len - e->rcvd < sizeof(in) ?
				      e->len - e->rcvd : sizeof(in);

			n = recv(e->fd, in, room, 0);
			if (n == 0 || (n < 0 && errno != EAGAIN)) {
				e->err = n ? errno : EPIPE;	/* early EOF */
				break;
			}
			if (n > 0) {
				inx_prng_fill(&rx, want, n);
				if (!e->mismatch && memcmp(in, want, n)) {
					e->mismatch = true;
					e->bad_at = e->rcvd;
				}
				e->rx_hash = inx_fnv(e->rx_hash, in, n);
				e->rcvd += n;
			}
		}
	}
	fcntl(e->fd, F_SETFL, fcntl(e->fd, F_GETFL) & ~O_NONBLOCK);
	return NULL;
}

/* Full duplex over a connected pair, then a half-close from the client. */
static void run_duplex(struct inx_trace *t, int cfam, int sfam)
{
	struct endpoint c = { .tx_seed = 0x1234, .rx_seed = 0xabcd, .len = DUPLEX_BYTES };
	struct endpoint s = { .tx_seed = 0xabcd, .rx_seed = 0x1234, .len = DUPLEX_BYTES };
	struct inx_thread th;
	char buf[8];
	long t0;

	if (inx_pair(sfam, cfam, &c.fd, &s.fd))
		return inx_fail(t, "connect");
	t0 = inx_now_ms();
	inx_check(t, "thread", !inx_thread_start(&th, duplex, &s));
	duplex(&c);
	inx_check(t, "join", !inx_thread_join(&th, INX_TEST_SECS * 1000, NULL));
	if (getenv("INETX_VERBOSE"))
		ktap_diag("%s: 2 x %u bytes in %ld ms", inx_famname(t->fam),
			  DUPLEX_BYTES, inx_now_ms() - t0);
	inx_val(t, "client errno", c.err);
	inx_val(t, "server errno", s.err);
	inx_check(t, "client sent all", c.sent == DUPLEX_BYTES);
	inx_check(t, "server sent all", s.sent == DUPLEX_BYTES);
	inx_check(t, "client received all", c.rcvd == DUPLEX_BYTES);
	inx_check(t, "server received all", s.rcvd == DUPLEX_BYTES);
	inx_check(t, "client->server checksum", c.tx_hash == s.rx_hash);
	inx_check(t, "server->client checksum", s.tx_hash == c.rx_hash);
	inx_check(t, "client->server bytes", !s.mismatch);
	inx_check(t, "server->client bytes", !c.mismatch);
	if (s.mismatch || c.mismatch)
		ktap_diag("%s: first bad byte c->s %zu, s->c %zu",
			  inx_famname(t->fam), s.bad_at, c.bad_at);

	/* Half-close: EOF one way, the other way still carries data. */
	INX_SYS(t, "client shutdown(SHUT_WR)", shutdown(c.fd, SHUT_WR));
	INX_SYS(t, "server recv -> EOF", recv(s.fd, buf, sizeof(buf), 0));
	INX_SYS(t, "server recv -> EOF again", recv(s.fd, buf, sizeof(buf), 0));
	INX_SYS(t, "server send after EOF", send(s.fd, "bye", 3, 0));
	INX_SYS(t, "client recv", inx_recv_all(c.fd, buf, 3));
	inx_check(t, "bye", !memcmp(buf, "bye", 3));
	INX_SYS(t, "client send after SHUT_WR", send(c.fd, "x", 1, MSG_NOSIGNAL));
	/* Both abortive: the FIN_WAIT2 side must not reach TIME_WAIT. */
	inx_close_abort(c.fd);
	inx_close_abort(s.fd);
}

static void scen_duplex_client(struct inx_trace *t)
{
	run_duplex(t, t->fam, AF_INET);
}

static void scen_duplex_server(struct inx_trace *t)
{
	run_duplex(t, AF_INET, t->fam);
}

static void scen_duplex_both(struct inx_trace *t)
{
	run_duplex(t, t->fam, t->fam);
}

/* shutdown(SHUT_WR) from either side of a mixed pair delivers EOF. */
static void scen_half_close(struct inx_trace *t)
{
	int i, c, s, shut, peer;
	char buf[8];

	for (i = 0; i < 2; i++) {
		if (inx_pair(AF_INET, t->fam, &c, &s))
			return inx_fail(t, "connect");
		/* i = 0: the tested family shuts down; i = 1: its peer does */
		shut = i ? s : c;
		peer = i ? c : s;

		INX_SYS(t, "send", send(shut, "data", 4, 0));
		INX_SYS(t, "shutdown(SHUT_WR)", shutdown(shut, SHUT_WR));
		INX_SYS(t, "peer recv data", inx_recv_all(peer, buf, 4));
		INX_SYS(t, "peer recv EOF", recv(peer, buf, sizeof(buf), 0));
		inx_val(t, "peer poll", inx_poll1(peer, POLLIN | POLLOUT | POLLRDHUP, 0));
		INX_SYS(t, "shutdown(SHUT_WR) again", shutdown(shut, SHUT_WR));
		INX_SYS(t, "peer send", send(peer, "back", 4, 0));
		INX_SYS(t, "recv after own SHUT_WR", inx_recv_all(shut, buf, 4));
		INX_SYS(t, "shutdown(SHUT_RD)", shutdown(shut, SHUT_RD));
		INX_SYS(t, "recv after SHUT_RD", recv(shut, buf, sizeof(buf), MSG_DONTWAIT));
		inx_close_abort(c);
		inx_close_abort(s);
	}
}

/* sendfile() from a memfd into the socket; the peer checksums it. */
static void scen_sendfile(struct inx_trace *t)
{
	const size_t len = 1u << 20;
	struct inx_prng p;
	uint64_t h_file, h_got = INX_FNV_INIT;
	uint8_t *buf;
	off_t off = 0;
	size_t got = 0;
	int mfd, c, s;
	ssize_t n;

	buf = malloc(len);
	mfd = memfd_create("inetx", 0);
	if (!buf || mfd < 0 || inx_pair(AF_INET, t->fam, &c, &s)) {
		free(buf);
		return inx_fail(t, "setup");
	}
	inx_prng_init(&p, 42);
	inx_prng_fill(&p, buf, len);
	h_file = inx_fnv(INX_FNV_INIT, buf, len);
	inx_check(t, "write memfd", write(mfd, buf, len) == (ssize_t)len);
	/*
	 * The tested family is the sender (c is of t->fam). Nonblocking, so
	 * one thread can alternate between sendfile() and draining the peer.
	 */
	fcntl(c, F_SETFL, O_NONBLOCK);
	while (off < (off_t)len) {
		n = sendfile(c, mfd, &off, len - off);
		if (n < 0 && errno != EAGAIN)
			break;
		if (n == 0)
			break;
		while (got < (size_t)off) {
			ssize_t r = recv(s, buf, len, MSG_DONTWAIT);

			if (r <= 0)
				break;
			h_got = inx_fnv(h_got, buf, r);
			got += r;
		}
		if (n < 0 && inx_poll1(c, POLLOUT, INX_TIMEOUT_MS) <= 0)
			break;
	}
	inx_val(t, "sendfile offset", off);
	while (got < len) {
		n = recv(s, buf, len - got, 0);
		if (n <= 0)
			break;
		h_got = inx_fnv(h_got, buf, n);
		got += n;
	}
	inx_val(t, "received", got);
	inx_check(t, "checksum", h_got == h_file);
	inx_close_abort(c);
	inx_close_abort(s);
	close(mfd);
	free(buf);
}

/* splice() socket -> pipe, and pipe -> socket. */
static void scen_splice(struct inx_trace *t)
{
	char buf[4096], back[4096];
	int pfd[2], c, s, i;
	ssize_t n;

	if (pipe(pfd) || inx_pair(AF_INET, t->fam, &c, &s))
		return inx_fail(t, "setup");
	for (i = 0; i < (int)sizeof(buf); i++)
		buf[i] = i * 7;
	INX_SYS(t, "peer send", inx_send_all(s, buf, sizeof(buf)));
	inx_check(t, "readable", inx_wait_readable(c, sizeof(buf)));
	INX_SYS(t, "splice socket->pipe", splice(c, NULL, pfd[1], NULL, sizeof(buf), 0));
	INX_SYS(t, "splice pipe->socket", splice(pfd[0], NULL, c, NULL, sizeof(buf), 0));
	n = INX_SYS(t, "peer recv", inx_recv_all(s, back, sizeof(back)));
	inx_check(t, "round trip", n == sizeof(back) && !memcmp(buf, back, sizeof(buf)));
	/* tcp_splice_read() honours O_NONBLOCK, not SPLICE_F_NONBLOCK. */
	fcntl(c, F_SETFL, O_NONBLOCK);
	INX_SYS(t, "splice nonblocking, nothing queued",
		splice(c, NULL, pfd[1], NULL, 16, SPLICE_F_NONBLOCK));
	inx_close_abort(c);
	inx_close_abort(s);
	close(pfd[0]);
	close(pfd[1]);
}

/* writev/readv with many small iovecs; MSG_WAITALL; zero-length I/O. */
static void scen_vectors(struct inx_trace *t)
{
	static char src[64 * 100], dst[64 * 100];
	struct iovec iov[64];
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 64 };
	size_t total = 0;
	int c, s, i;

	if (inx_pair(AF_INET, t->fam, &c, &s))
		return inx_fail(t, "setup");
	for (i = 0; i < (int)sizeof(src); i++)
		src[i] = i ^ (i >> 8);
	for (i = 0; i < 64; i++) {
		iov[i].iov_base = src + total;
		iov[i].iov_len = i + 1;
		total += i + 1;
	}
	INX_SYS(t, "writev 64 iovecs", writev(c, iov, 64));
	memset(dst, 0, sizeof(dst));
	for (i = 0, total = 0; i < 64; i++) {
		iov[i].iov_base = dst + total;
		iov[i].iov_len = 64 - i;
		total += 64 - i;
	}
	INX_SYS(t, "peer recvmsg MSG_WAITALL", recvmsg(s, &mh, MSG_WAITALL));
	inx_check(t, "bytes", !memcmp(src, dst, total));
	INX_SYS(t, "send 0 bytes", send(c, src, 0, 0));
	INX_SYS(t, "recv 0 bytes", recv(s, dst, 0, MSG_DONTWAIT));
	INX_SYS(t, "recvmsg nothing pending", recvmsg(s, &mh, MSG_DONTWAIT));
	/* Rejected before the kernel looks at the (short) iovec array. */
	mh.msg_iovlen = 1025;
	INX_SYS(t, "sendmsg 1025 iovecs (> UIO_MAXIOV)", sendmsg(c, &mh, 0));
	inx_close_abort(c);
	inx_close_abort(s);
}

/* recv(MSG_TRUNC) on TCP discards bytes without copying them. */
static void scen_trunc(struct inx_trace *t)
{
	char buf[100], got[100];
	int c, s, i;

	if (inx_pair(AF_INET, t->fam, &c, &s))
		return inx_fail(t, "setup");
	for (i = 0; i < 100; i++)
		buf[i] = i;
	INX_SYS(t, "peer send", send(s, buf, 100, 0));
	inx_check(t, "readable", inx_wait_readable(c, 100));
	INX_SYS(t, "recv MSG_TRUNC 40", recv(c, NULL, 40, MSG_TRUNC));
	INX_SYS(t, "recv rest", inx_recv_all(c, got, 60));
	inx_check(t, "rest starts at 40", got[0] == 40 && got[59] == 99);
	inx_close_abort(c);
	inx_close_abort(s);
}

/*
 * sendto(MSG_FASTOPEN) connects and sends in one call; the address goes
 * through the family's connect just like connect(): AF_INET for both.
 */
static void scen_fastopen(struct inx_trace *t)
{
	struct sockaddr_in sa;
	char buf[16];
	uint16_t port;
	int lfd, fd, sfd, one = 1;

	lfd = inx_listen(AF_INET, 4, &port);
	fd = inx_socket(t->fam);
	if (lfd < 0 || fd < 0)
		return inx_fail(t, "setup");
	inx_addr(&sa, AF_INET, port);
	sa.sin_family = inx_family() == AF_INET ? AF_INETX : inx_family();
	INX_SYS(t, "MSG_FASTOPEN wrong family",
		sendto(fd, "hello", 5, MSG_FASTOPEN, (struct sockaddr *)&sa, sizeof(sa)));
	inx_addr(&sa, t->fam, port);
	INX_SYS(t, "MSG_FASTOPEN short len",
		sendto(fd, "hello", 5, MSG_FASTOPEN, (struct sockaddr *)&sa, 8));
	INX_SYS(t, "MSG_FASTOPEN",
		sendto(fd, "hello", 5, MSG_FASTOPEN, (struct sockaddr *)&sa, sizeof(sa)));
	sfd = inx_accept(lfd, NULL, NULL);
	INX_SYS(t, "peer recv", sfd < 0 ? -1 : inx_recv_all(sfd, buf, 5));
	inx_check(t, "data", sfd >= 0 && !memcmp(buf, "hello", 5));
	INX_SYS(t, "MSG_FASTOPEN when connected",
		sendto(fd, "x", 1, MSG_FASTOPEN, (struct sockaddr *)&sa, sizeof(sa)));
	inx_close_abort(fd);
	inx_close_abort(sfd);

	/* TCP_FASTOPEN_CONNECT: connect() is deferred to the first write. */
	fd = inx_socket(t->fam);
	INX_SYS(t, "TCP_FASTOPEN_CONNECT",
		setsockopt(fd, IPPROTO_TCP, TCP_FASTOPEN_CONNECT, &one, sizeof(one)));
	INX_SYS(t, "connect", connect(fd, (struct sockaddr *)&sa, sizeof(sa)));
	INX_SYS(t, "write", write(fd, "world", 5));
	sfd = inx_accept(lfd, NULL, NULL);
	INX_SYS(t, "peer recv", sfd < 0 ? -1 : inx_recv_all(sfd, buf, 5));
	inx_check(t, "data", sfd >= 0 && !memcmp(buf, "world", 5));
	inx_close_abort(fd);
	inx_close_abort(sfd);
	close(lfd);
}

/* A sender that outruns a small receive window sees EAGAIN, then POLLOUT. */
static void scen_backpressure(struct inx_trace *t)
{
	static char buf[1 << 16];
	int c, s, sz = 4096, eagain = 0;
	size_t sent = 0, got = 0;
	ssize_t n;

	if (inx_pair(AF_INET, t->fam, &c, &s))
		return inx_fail(t, "setup");
	setsockopt(c, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	fcntl(c, F_SETFL, O_NONBLOCK);
	while (sent < (8u << 20)) {
		n = send(c, buf, sizeof(buf), MSG_NOSIGNAL);
		if (n < 0 && errno == EAGAIN) {
			eagain = 1;
			break;
		}
		if (n <= 0)
			break;
		sent += n;
	}
	inx_val(t, "EAGAIN before 8 MiB", eagain);
	while (got < sent) {
		n = recv(s, buf, sizeof(buf), 0);
		if (n <= 0)
			break;
		got += n;
	}
	inx_check(t, "peer got everything sent", got == sent);
	inx_val(t, "writable again", inx_poll1(c, POLLOUT, INX_TIMEOUT_MS) & POLLOUT);
	inx_close_abort(c);
	inx_close_abort(s);
}

/* Writing to a reset connection: EPIPE, and SIGPIPE without MSG_NOSIGNAL. */
static volatile sig_atomic_t got_sigpipe;

static void on_sigpipe(int sig)
{
	(void)sig;
	got_sigpipe++;
}

static void scen_epipe(struct inx_trace *t)
{
	char buf[8];
	int c, s;

	if (inx_pair(AF_INET, t->fam, &c, &s))
		return inx_fail(t, "setup");
	inx_close_abort(s);
	inx_poll1(c, POLLERR, INX_TIMEOUT_MS);
	INX_SYS(t, "recv after peer reset", recv(c, buf, sizeof(buf), 0));
	INX_SYS(t, "recv again", recv(c, buf, sizeof(buf), 0));
	got_sigpipe = 0;
	signal(SIGPIPE, on_sigpipe);
	INX_SYS(t, "write", write(c, "x", 1));
	inx_val(t, "SIGPIPE", got_sigpipe);
	INX_SYS(t, "send MSG_NOSIGNAL", send(c, "x", 1, MSG_NOSIGNAL));
	inx_val(t, "no SIGPIPE", got_sigpipe);
	signal(SIGPIPE, SIG_DFL);
	close(c);
}

/*
 * Concurrent connects from four threads (two of the tested family, two
 * AF_INET) to one listener of the tested family; each connection echoes
 * its id once. Exercises hashing, the accept queue and per-socket
 * references under concurrency.
 */
#define PAR_THREADS	4
#define PAR_CONNS	50

struct par {
	int fam, lfd;
	uint16_t port;
	int ok;		/* client: echoes that came back right; server: served */
};

static void *par_client(void *arg)
{
	struct par *p = arg;
	uint32_t id, back;
	int i, fd;

	for (i = 0; i < PAR_CONNS; i++) {
		fd = inx_connect(p->fam, p->port);
		if (fd < 0)
			continue;
		id = (uint32_t)p->fam << 16 | i;
		if (inx_send_all(fd, &id, sizeof(id)) == sizeof(id) &&
		    inx_recv_all(fd, &back, sizeof(back)) == sizeof(back) &&
		    back == ~id)
			p->ok++;
		inx_close_abort(fd);
	}
	return NULL;
}

static void *par_server(void *arg)
{
	struct par *p = arg;
	uint32_t id;
	char c;
	int i, fd;

	for (i = 0; i < PAR_THREADS * PAR_CONNS; i++) {
		fd = inx_accept(p->lfd, NULL, NULL);
		if (fd < 0)
			break;
		if (inx_recv_all(fd, &id, sizeof(id)) == sizeof(id)) {
			id = ~id;
			if (inx_send_all(fd, &id, sizeof(id)) == sizeof(id))
				p->ok++;
		}
		/* The client resets once it has the echo: no TIME_WAIT here. */
		recv(fd, &c, 1, 0);
		close(fd);
	}
	return NULL;
}

static void scen_parallel(struct inx_trace *t)
{
	struct par srv = { .fam = t->fam }, cli[PAR_THREADS];
	struct inx_thread sth, cth[PAR_THREADS];
	int i, total = 0;

	srv.lfd = inx_listen(t->fam, 256, &srv.port);
	if (srv.lfd < 0)
		return inx_fail(t, "listen");
	inx_check(t, "server thread", !inx_thread_start(&sth, par_server, &srv));
	for (i = 0; i < PAR_THREADS; i++) {
		cli[i] = (struct par){ .fam = i & 1 ? AF_INET : t->fam, .port = srv.port };
		inx_thread_start(&cth[i], par_client, &cli[i]);
	}
	for (i = 0; i < PAR_THREADS; i++) {
		inx_check(t, "client thread done",
			  !inx_thread_join(&cth[i], INX_TEST_SECS * 1000, NULL));
		total += cli[i].ok;
	}
	inx_check(t, "server thread done", !inx_thread_join(&sth, INX_TIMEOUT_MS, NULL));
	inx_val(t, "clients echoed", total);
	inx_val(t, "server served", srv.ok);
	inx_check(t, "all connections", total == PAR_THREADS * PAR_CONNS);
	close(srv.lfd);
}

static const struct {
	inx_scen_t fn;
	const char *desc;
} scens[] = {
	{ scen_duplex_client, "4 MiB full duplex, INETX client <-> AF_INET server, half-close" },
	{ scen_duplex_server, "4 MiB full duplex, AF_INET client <-> INETX server, half-close" },
	{ scen_duplex_both, "4 MiB full duplex, INETX client <-> INETX server, half-close" },
	{ scen_half_close, "shutdown(SHUT_WR) delivers EOF in both directions" },
	{ scen_sendfile, "sendfile 1 MiB from a memfd" },
	{ scen_splice, "splice socket -> pipe -> socket" },
	{ scen_vectors, "writev/recvmsg MSG_WAITALL with 64 iovecs, zero-length I/O" },
	{ scen_trunc, "recv(MSG_TRUNC) discards bytes" },
	{ scen_fastopen, "sendto(MSG_FASTOPEN) and TCP_FASTOPEN_CONNECT" },
	{ scen_backpressure, "nonblocking sender: EAGAIN on a full send buffer, POLLOUT after drain" },
	{ scen_epipe, "write after peer reset: ECONNRESET/EPIPE and SIGPIPE" },
	{ scen_parallel, "200 concurrent connections from 4 threads, mixed families" },
};

#define NSCENS	(int)(sizeof(scens) / sizeof(scens[0]))

int main(void)
{
	int i;

	ktap_start(NSCENS);
	ktap_diag("inetx family %d%s", inx_family(),
		  inx_available() ? "" : " (not registered)");
	for (i = 0; i < NSCENS; i++)
		inx_diff_test(scens[i].desc, scens[i].fn);
	return ktap_finish();
}
