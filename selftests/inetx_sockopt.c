// SPDX-License-Identifier: GPL-2.0
/*
 * inetx_sockopt: socket options, ioctls and recv flags, each compared
 * with AF_INET. inetx hands these to TCP's own code, so any difference
 * means an operation was wired up wrongly (or not at all).
 */
#include "inetx_common.h"	/* first: it defines _GNU_SOURCE */

#include <net/if.h>
#include <linux/errqueue.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>

#ifndef SO_EE_ORIGIN_ZEROCOPY
#define SO_EE_ORIGIN_ZEROCOPY	5
#endif

static int geti(int fd, int level, int opt, int *v)
{
	socklen_t len = sizeof(*v);

	*v = -12345;
	return getsockopt(fd, level, opt, v, &len);
}

static int seti(int fd, int level, int opt, int v)
{
	return setsockopt(fd, level, opt, &v, sizeof(v));
}

/* Record getsockopt's return and value under @what. */
static void rec_get(struct inx_trace *t, const char *what, int fd, int level, int opt)
{
	char w[64];
	int v;

	INX_SYS(t, what, geti(fd, level, opt, &v));
	snprintf(w, sizeof(w), "%s value", what);
	inx_val(t, w, v);
}

static void scen_identity(struct inx_trace *t)
{
	uint16_t port;
	int fd, lfd, dom;

	fd = inx_socket(t->fam);
	lfd = inx_listen(t->fam, 1, &port);
	if (fd < 0 || lfd < 0)
		return inx_fail(t, "setup");
	rec_get(t, "SO_TYPE", fd, SOL_SOCKET, SO_TYPE);
	rec_get(t, "SO_PROTOCOL", fd, SOL_SOCKET, SO_PROTOCOL);
	rec_get(t, "SO_ACCEPTCONN", fd, SOL_SOCKET, SO_ACCEPTCONN);
	rec_get(t, "SO_ACCEPTCONN listener", lfd, SOL_SOCKET, SO_ACCEPTCONN);
	rec_get(t, "SO_ERROR", fd, SOL_SOCKET, SO_ERROR);
	/*
	 * SO_DOMAIN is answered by the core from sk_family, which inetx must
	 * keep PF_INET for the TCP engine: a known difference, shown only.
	 */
	geti(fd, SOL_SOCKET, SO_DOMAIN, &dom);
	if (t->fam != AF_INET)
		ktap_diag("SO_DOMAIN on an inetx socket: %d", dom);
	close(fd);
	close(lfd);
}

static void scen_nodelay_bufs(struct inx_trace *t)
{
	int fd = inx_socket(t->fam), v;

	if (fd < 0)
		return inx_fail(t, "setup");
	rec_get(t, "TCP_NODELAY default", fd, IPPROTO_TCP, TCP_NODELAY);
	INX_SYS(t, "set TCP_NODELAY 1", seti(fd, IPPROTO_TCP, TCP_NODELAY, 1));
	rec_get(t, "TCP_NODELAY", fd, IPPROTO_TCP, TCP_NODELAY);
	INX_SYS(t, "set TCP_NODELAY 0", seti(fd, IPPROTO_TCP, TCP_NODELAY, 0));
	rec_get(t, "TCP_NODELAY", fd, IPPROTO_TCP, TCP_NODELAY);
	v = 1;
	INX_SYS(t, "set TCP_NODELAY optlen 2", setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, 2));
	rec_get(t, "SO_RCVBUF default", fd, SOL_SOCKET, SO_RCVBUF);
	rec_get(t, "SO_SNDBUF default", fd, SOL_SOCKET, SO_SNDBUF);
	INX_SYS(t, "set SO_RCVBUF 65536", seti(fd, SOL_SOCKET, SO_RCVBUF, 65536));
	rec_get(t, "SO_RCVBUF", fd, SOL_SOCKET, SO_RCVBUF);
	INX_SYS(t, "set SO_SNDBUF 32768", seti(fd, SOL_SOCKET, SO_SNDBUF, 32768));
	rec_get(t, "SO_SNDBUF", fd, SOL_SOCKET, SO_SNDBUF);
	INX_SYS(t, "set SO_RCVBUF 0", seti(fd, SOL_SOCKET, SO_RCVBUF, 0));
	rec_get(t, "SO_RCVBUF min", fd, SOL_SOCKET, SO_RCVBUF);
	INX_SYS(t, "set SO_SNDBUF 0", seti(fd, SOL_SOCKET, SO_SNDBUF, 0));
	rec_get(t, "SO_SNDBUF min", fd, SOL_SOCKET, SO_SNDBUF);
	INX_SYS(t, "set SO_RCVBUFFORCE (root only)", seti(fd, SOL_SOCKET, SO_RCVBUFFORCE, 1 << 20));
	rec_get(t, "SO_RCVBUF", fd, SOL_SOCKET, SO_RCVBUF);
	close(fd);
}

static void scen_tcp_opts(struct inx_trace *t)
{
	static const struct {
		int opt, val;
		const char *name;
	} opts[] = {
		{ TCP_MAXSEG, 1000, "TCP_MAXSEG 1000" },
		{ TCP_MAXSEG, 10, "TCP_MAXSEG 10" },
		{ TCP_KEEPIDLE, 77, "TCP_KEEPIDLE 77" },
		{ TCP_KEEPIDLE, 0, "TCP_KEEPIDLE 0" },
		{ TCP_KEEPINTVL, 9, "TCP_KEEPINTVL 9" },
		{ TCP_KEEPCNT, 4, "TCP_KEEPCNT 4" },
		{ TCP_KEEPCNT, 1000, "TCP_KEEPCNT 1000" },
		{ TCP_SYNCNT, 3, "TCP_SYNCNT 3" },
		{ TCP_SYNCNT, 300, "TCP_SYNCNT 300" },
		{ TCP_USER_TIMEOUT, 1234, "TCP_USER_TIMEOUT 1234" },
		{ TCP_USER_TIMEOUT, -1, "TCP_USER_TIMEOUT -1" },
		{ TCP_WINDOW_CLAMP, 40000, "TCP_WINDOW_CLAMP 40000" },
		{ TCP_NOTSENT_LOWAT, 4096, "TCP_NOTSENT_LOWAT 4096" },
		{ TCP_LINGER2, 5, "TCP_LINGER2 5" },
		{ TCP_DEFER_ACCEPT, 3, "TCP_DEFER_ACCEPT 3" },
		{ TCP_QUICKACK, 1, "TCP_QUICKACK 1" },
		{ TCP_CORK, 1, "TCP_CORK 1" },
		{ TCP_THIN_LINEAR_TIMEOUTS, 1, "TCP_THIN_LINEAR_TIMEOUTS 1" },
		{ TCP_FASTOPEN, 5, "TCP_FASTOPEN 5" },
		{ 9999, 1, "TCP option 9999" },
	};
	unsigned int i;
	char w[64];
	int fd = inx_socket(t->fam);

	if (fd < 0)
		return inx_fail(t, "setup");
	rec_get(t, "TCP_MAXSEG unconnected", fd, IPPROTO_TCP, TCP_MAXSEG);
	for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		snprintf(w, sizeof(w), "set %s", opts[i].name);
		INX_SYS(t, w, seti(fd, IPPROTO_TCP, opts[i].opt, opts[i].val));
		snprintf(w, sizeof(w), "get %s", opts[i].name);
		rec_get(t, w, fd, IPPROTO_TCP, opts[i].opt);
	}
	close(fd);
}

static void scen_congestion(struct inx_trace *t)
{
	char name[32];
	socklen_t len;
	int fd = inx_socket(t->fam);

	if (fd < 0)
		return inx_fail(t, "setup");
	len = sizeof(name);
	memset(name, 0, sizeof(name));
	INX_SYS(t, "get TCP_CONGESTION", getsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, name, &len));
	inx_val(t, "name hash", inx_fnv(INX_FNV_INIT, (uint8_t *)name, sizeof(name)) & 0x7fffffff);
	INX_SYS(t, "set reno", setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, "reno", 4));
	len = sizeof(name);
	memset(name, 0, sizeof(name));
	INX_SYS(t, "get TCP_CONGESTION", getsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, name, &len));
	inx_check(t, "is reno", !strcmp(name, "reno"));
	INX_SYS(t, "set unknown", setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, "nosuchcc", 8));
	close(fd);
}

static void scen_sol_socket(struct inx_trace *t)
{
	struct linger lg = { 1, 5 };
	struct timeval tv;
	socklen_t len;
	int fd = inx_socket(t->fam);

	if (fd < 0)
		return inx_fail(t, "setup");
	INX_SYS(t, "set SO_KEEPALIVE", seti(fd, SOL_SOCKET, SO_KEEPALIVE, 1));
	rec_get(t, "SO_KEEPALIVE", fd, SOL_SOCKET, SO_KEEPALIVE);
	INX_SYS(t, "set SO_REUSEADDR", seti(fd, SOL_SOCKET, SO_REUSEADDR, 1));
	rec_get(t, "SO_REUSEADDR", fd, SOL_SOCKET, SO_REUSEADDR);
	INX_SYS(t, "set SO_REUSEPORT", seti(fd, SOL_SOCKET, SO_REUSEPORT, 1));
	rec_get(t, "SO_REUSEPORT", fd, SOL_SOCKET, SO_REUSEPORT);
	INX_SYS(t, "set SO_OOBINLINE", seti(fd, SOL_SOCKET, SO_OOBINLINE, 1));
	rec_get(t, "SO_OOBINLINE", fd, SOL_SOCKET, SO_OOBINLINE);
	INX_SYS(t, "set SO_PRIORITY 3", seti(fd, SOL_SOCKET, SO_PRIORITY, 3));
	rec_get(t, "SO_PRIORITY", fd, SOL_SOCKET, SO_PRIORITY);
	INX_SYS(t, "set SO_MARK (root only)", seti(fd, SOL_SOCKET, SO_MARK, 7));
	rec_get(t, "SO_RCVLOWAT default", fd, SOL_SOCKET, SO_RCVLOWAT);
	INX_SYS(t, "set SO_RCVLOWAT 10", seti(fd, SOL_SOCKET, SO_RCVLOWAT, 10));
	rec_get(t, "SO_RCVLOWAT", fd, SOL_SOCKET, SO_RCVLOWAT);
	len = sizeof(lg);
	INX_SYS(t, "get SO_LINGER", getsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, &len));
	inx_val(t, "linger onoff", lg.l_onoff);
	lg.l_onoff = 1;
	lg.l_linger = 5;
	INX_SYS(t, "set SO_LINGER", setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	len = sizeof(lg);
	INX_SYS(t, "get SO_LINGER", getsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, &len));
	inx_val(t, "linger", lg.l_onoff * 1000 + lg.l_linger);
	len = sizeof(tv);
	INX_SYS(t, "get SO_RCVTIMEO", getsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, &len));
	inx_val(t, "rcvtimeo ms", tv.tv_sec * 1000 + tv.tv_usec / 1000);
	INX_SYS(t, "set SO_ZEROCOPY", seti(fd, SOL_SOCKET, SO_ZEROCOPY, 1));
	rec_get(t, "SO_ZEROCOPY", fd, SOL_SOCKET, SO_ZEROCOPY);
	INX_SYS(t, "set SO_TIMESTAMP", seti(fd, SOL_SOCKET, SO_TIMESTAMP, 1));
	INX_SYS(t, "set SO_BINDTODEVICE lo (CAP_NET_RAW)",
		setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, "lo", 3));
	INX_SYS(t, "SOL_SOCKET option 9999", seti(fd, SOL_SOCKET, 9999, 1));
	close(fd);
}

static void scen_sol_ip(struct inx_trace *t)
{
	uint16_t port;
	int fd, lfd, sfd, v;

	fd = inx_socket(t->fam);
	lfd = inx_listen(t->fam, 1, &port);
	if (fd < 0 || lfd < 0)
		return inx_fail(t, "setup");
	INX_SYS(t, "set IP_TOS 0x10", seti(fd, IPPROTO_IP, IP_TOS, 0x10));
	rec_get(t, "IP_TOS", fd, IPPROTO_IP, IP_TOS);
	INX_SYS(t, "set IP_TTL 33", seti(fd, IPPROTO_IP, IP_TTL, 33));
	rec_get(t, "IP_TTL", fd, IPPROTO_IP, IP_TTL);
	INX_SYS(t, "set IP_TTL 0", seti(fd, IPPROTO_IP, IP_TTL, 0));
	INX_SYS(t, "set IP_TTL 256", seti(fd, IPPROTO_IP, IP_TTL, 256));
	rec_get(t, "IP_MTU_DISCOVER", fd, IPPROTO_IP, IP_MTU_DISCOVER);
	INX_SYS(t, "get IP_MTU unconnected", geti(fd, IPPROTO_IP, IP_MTU, &v));
	INX_SYS(t, "set IP_RECVERR", seti(fd, IPPROTO_IP, IP_RECVERR, 1));
	rec_get(t, "IP_RECVERR", fd, IPPROTO_IP, IP_RECVERR);
	INX_SYS(t, "set IP_BIND_ADDRESS_NO_PORT", seti(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, 1));
	INX_SYS(t, "SOL_IP option 9999", seti(fd, IPPROTO_IP, 9999, 1));
	INX_SYS(t, "IPV6_V6ONLY on IPv4", seti(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1));
	INX_SYS(t, "level 9999", seti(fd, 9999, 1, 1));
	INX_SYS(t, "connect", ({
		struct sockaddr_in sa;

		connect(fd, (struct sockaddr *)&sa, inx_addr(&sa, t->fam, port));
	}));
	rec_get(t, "IP_MTU connected", fd, IPPROTO_IP, IP_MTU);
	rec_get(t, "IP_TOS after connect", fd, IPPROTO_IP, IP_TOS);
	sfd = inx_accept(lfd, NULL, NULL);
	/* The TOS of the SYN-ACK side is the listener's, not the SYN's. */
	rec_get(t, "accepted IP_TOS", sfd, IPPROTO_IP, IP_TOS);
	rec_get(t, "accepted IP_TTL", sfd, IPPROTO_IP, IP_TTL);
	inx_close_abort(fd);
	inx_close_abort(sfd);
	close(lfd);
}

/* Options that are inherited by accepted sockets and TCP_INFO of a pair. */
static void scen_tcp_info(struct inx_trace *t)
{
	struct tcp_info ti;
	socklen_t len;
	uint16_t port;
	int lfd, fd, sfd;

	lfd = inx_listen(t->fam, 1, &port);
	if (lfd < 0)
		return inx_fail(t, "setup");
	seti(lfd, IPPROTO_TCP, TCP_NODELAY, 1);
	seti(lfd, SOL_SOCKET, SO_KEEPALIVE, 1);
	fd = inx_connect(t->fam, port);
	sfd = inx_accept(lfd, NULL, NULL);
	if (fd < 0 || sfd < 0)
		return inx_fail(t, "connect");
	rec_get(t, "accepted TCP_NODELAY", sfd, IPPROTO_TCP, TCP_NODELAY);
	rec_get(t, "accepted SO_KEEPALIVE", sfd, SOL_SOCKET, SO_KEEPALIVE);
	rec_get(t, "TCP_MAXSEG connected", fd, IPPROTO_TCP, TCP_MAXSEG);
	send(sfd, "x", 1, 0);
	inx_wait_readable(fd, 1);
	memset(&ti, 0, sizeof(ti));
	len = sizeof(ti);
	INX_SYS(t, "TCP_INFO", getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len));
	inx_val(t, "len", len);
	inx_val(t, "state", ti.tcpi_state);
	inx_val(t, "ca_state", ti.tcpi_ca_state);
	inx_val(t, "options", ti.tcpi_options);
	inx_val(t, "snd_wscale", ti.tcpi_snd_wscale);
	inx_val(t, "rcv_wscale", ti.tcpi_rcv_wscale);
	inx_val(t, "snd_mss", ti.tcpi_snd_mss);
	inx_val(t, "rcv_mss", ti.tcpi_rcv_mss);
	inx_val(t, "advmss", ti.tcpi_advmss);
	inx_val(t, "pmtu", ti.tcpi_pmtu);
	inx_val(t, "snd_cwnd", ti.tcpi_snd_cwnd);
	inx_val(t, "reordering", ti.tcpi_reordering);
	inx_val(t, "unacked", ti.tcpi_unacked);
	inx_val(t, "total_retrans", ti.tcpi_total_retrans);
	len = 8;
	INX_SYS(t, "TCP_INFO short", getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len));
	inx_val(t, "short len", len);
	inx_close_abort(fd);
	inx_close_abort(sfd);
	close(lfd);
}

static void scen_ioctl(struct inx_trace *t)
{
	char buf[1000];
	struct ifreq ifr;
	int c, s, v, i, lfd;
	uint16_t port;

	if (inx_pair(AF_INET, t->fam, &c, &s))
		return inx_fail(t, "setup");
	lfd = inx_listen(t->fam, 1, &port);
	memset(buf, 'q', sizeof(buf));
	INX_SYS(t, "SIOCINQ empty", ioctl(c, SIOCINQ, &v));
	inx_val(t, "SIOCINQ empty value", v);
	INX_SYS(t, "peer send 1000", send(s, buf, 1000, 0));
	inx_check(t, "readable", inx_wait_readable(c, 1000));
	INX_SYS(t, "SIOCINQ", ioctl(c, SIOCINQ, &v));
	inx_val(t, "SIOCINQ value", v);
	INX_SYS(t, "FIONREAD", ioctl(c, FIONREAD, &v));
	inx_val(t, "FIONREAD value", v);
	INX_SYS(t, "recv 300", recv(c, buf, 300, 0));
	INX_SYS(t, "SIOCINQ after 300", ioctl(c, SIOCINQ, &v));
	inx_val(t, "SIOCINQ value", v);
	INX_SYS(t, "send 500", send(c, buf, 500, 0));
	/*
	 * Our bytes leave SIOCOUTQ once the peer's stack has ACKed them:
	 * wait for that (INX_TIMEOUT_MS at most), and it must happen.
	 */
	for (i = 0, v = -1; i < INX_TIMEOUT_MS / 10 && v; i++) {
		if (ioctl(c, SIOCOUTQ, &v))
			v = -1;
		if (v)
			usleep(10000);
	}
	inx_check(t, "SIOCOUTQ drains to 0", v == 0);
	INX_SYS(t, "SIOCOUTQNSD", ioctl(c, SIOCOUTQNSD, &v));
	inx_val(t, "SIOCOUTQNSD value", v);
	INX_SYS(t, "SIOCATMARK", ioctl(c, SIOCATMARK, &v));
	inx_val(t, "SIOCATMARK value", v);
	INX_SYS(t, "SIOCINQ on listener", ioctl(lfd, SIOCINQ, &v));
	INX_SYS(t, "SIOCOUTQ on listener", ioctl(lfd, SIOCOUTQ, &v));
	v = 1;
	INX_SYS(t, "FIONBIO", ioctl(c, FIONBIO, &v));
	inx_val(t, "O_NONBLOCK", !!(fcntl(c, F_GETFL) & O_NONBLOCK));
	INX_SYS(t, "recv drained nonblocking", recv(c, buf, sizeof(buf), 0) >= 0 ? 0 : -1);
	INX_SYS(t, "recv empty nonblocking", recv(c, buf, sizeof(buf), 0));
	INX_SYS(t, "TCGETS", ioctl(c, TCGETS, buf));
	/* Device ioctls pass through inet_ioctl to devinet. */
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	INX_SYS(t, "SIOCGIFADDR lo", ioctl(c, SIOCGIFADDR, &ifr));
	inx_check(t, "lo is 127.0.0.1",
		  ((struct sockaddr_in *)&ifr.ifr_addr)->sin_addr.s_addr == htonl(INADDR_LOOPBACK));
	inx_val(t, "SIOCGIFADDR family", ((struct sockaddr_in *)&ifr.ifr_addr)->sin_family);
	INX_SYS(t, "SIOCGIFINDEX lo", ioctl(c, SIOCGIFINDEX, &ifr));
	INX_SYS(t, "SIOCGIFFLAGS lo", ioctl(c, SIOCGIFFLAGS, &ifr));
	inx_val(t, "lo flags", ifr.ifr_flags);
	strcpy(ifr.ifr_name, "nosuchif0");
	INX_SYS(t, "SIOCGIFADDR nosuchif0", ioctl(c, SIOCGIFADDR, &ifr));
	inx_close_abort(c);
	inx_close_abort(s);
	close(lfd);
}

static void scen_peek(struct inx_trace *t)
{
	char buf[16];
	int c, s;

	if (inx_pair(AF_INET, t->fam, &c, &s))
		return inx_fail(t, "setup");
	INX_SYS(t, "MSG_DONTWAIT empty", recv(c, buf, sizeof(buf), MSG_DONTWAIT));
	INX_SYS(t, "peer send", send(s, "abcdef", 6, 0));
	inx_check(t, "readable", inx_wait_readable(c, 6));
	memset(buf, 0, sizeof(buf));
	INX_SYS(t, "MSG_PEEK 3", recv(c, buf, 3, MSG_PEEK));
	inx_check(t, "abc", !memcmp(buf, "abc", 3));
	INX_SYS(t, "MSG_PEEK all", recv(c, buf, sizeof(buf), MSG_PEEK));
	INX_SYS(t, "recv 4", recv(c, buf, 4, 0));
	inx_check(t, "abcd", !memcmp(buf, "abcd", 4));
	INX_SYS(t, "MSG_PEEK rest", recv(c, buf, sizeof(buf), MSG_PEEK | MSG_DONTWAIT));
	inx_check(t, "ef", !memcmp(buf, "ef", 2));
	/* SO_PEEK_OFF: TCP supports it from 6.9 on (EOPNOTSUPP before). */
	INX_SYS(t, "SO_PEEK_OFF 1", seti(c, SOL_SOCKET, SO_PEEK_OFF, 1));
	memset(buf, 0, sizeof(buf));
	INX_SYS(t, "MSG_PEEK after SO_PEEK_OFF", recv(c, buf, sizeof(buf), MSG_PEEK | MSG_DONTWAIT));
	inx_val(t, "peeked byte", buf[0]);
	rec_get(t, "SO_PEEK_OFF", c, SOL_SOCKET, SO_PEEK_OFF);
	INX_SYS(t, "recv rest", recv(c, buf, sizeof(buf), MSG_DONTWAIT));
	INX_SYS(t, "MSG_PEEK|MSG_TRUNC", recv(c, NULL, 4, MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT));
	inx_close_abort(c);
	inx_close_abort(s);
}

static void scen_oob(struct inx_trace *t)
{
	char buf[16];
	int c, s, v;

	if (inx_pair(AF_INET, t->fam, &c, &s))
		return inx_fail(t, "setup");
	INX_SYS(t, "recv MSG_OOB none", recv(c, buf, 1, MSG_OOB | MSG_DONTWAIT));
	INX_SYS(t, "peer send", send(s, "ab", 2, 0));
	INX_SYS(t, "peer send MSG_OOB", send(s, "!", 1, MSG_OOB));
	inx_val(t, "POLLPRI", inx_poll1(c, POLLPRI, INX_TIMEOUT_MS));
	INX_SYS(t, "SIOCATMARK", ioctl(c, SIOCATMARK, &v));
	inx_val(t, "at mark", v);
	INX_SYS(t, "recv up to mark", recv(c, buf, sizeof(buf), 0));
	INX_SYS(t, "SIOCATMARK", ioctl(c, SIOCATMARK, &v));
	inx_val(t, "at mark", v);
	INX_SYS(t, "recv MSG_OOB", recv(c, buf, 1, MSG_OOB));
	inx_val(t, "oob byte", buf[0]);
	INX_SYS(t, "recv MSG_OOB again", recv(c, buf, 1, MSG_OOB));
	/* Inline: the urgent byte stays in the stream. */
	INX_SYS(t, "SO_OOBINLINE", seti(c, SOL_SOCKET, SO_OOBINLINE, 1));
	INX_SYS(t, "peer send MSG_OOB", send(s, "?", 1, MSG_OOB));
	inx_check(t, "readable", inx_wait_readable(c, 1));
	INX_SYS(t, "recv MSG_OOB inline", recv(c, buf, 1, MSG_OOB));
	INX_SYS(t, "recv inline", recv(c, buf, sizeof(buf), 0));
	inx_val(t, "inline byte", buf[0]);
	inx_close_abort(c);
	inx_close_abort(s);
}

/* TCP neither reports a source address on recvfrom nor uses sendto's. */
static void scen_msg_name(struct inx_trace *t)
{
	struct sockaddr_in sa;
	socklen_t len;
	char buf[8];
	int c, s;

	if (inx_pair(AF_INET, t->fam, &c, &s))
		return inx_fail(t, "setup");
	inx_addr(&sa, t->fam, 9);
	INX_SYS(t, "sendto own family", sendto(c, "a", 1, 0, (struct sockaddr *)&sa, sizeof(sa)));
	inx_addr(&sa, AF_INET6, 9);
	INX_SYS(t, "sendto AF_INET6", sendto(c, "b", 1, 0, (struct sockaddr *)&sa, sizeof(sa)));
	INX_SYS(t, "sendto len 3", sendto(c, "c", 1, 0, (struct sockaddr *)&sa, 3));
	INX_SYS(t, "peer recv", inx_recv_all(s, buf, 3));
	inx_check(t, "abc", !memcmp(buf, "abc", 3));
	INX_SYS(t, "peer send", send(s, "z", 1, 0));
	len = sizeof(sa);
	memset(&sa, 0xa5, sizeof(sa));
	INX_SYS(t, "recvfrom", recvfrom(c, buf, sizeof(buf), 0, (struct sockaddr *)&sa, &len));
	inx_val(t, "addrlen", len);
	inx_close_abort(c);
	inx_close_abort(s);
}

static void scen_rcvlowat(struct inx_trace *t)
{
	char buf[16];
	int c, s;

	if (inx_pair(AF_INET, t->fam, &c, &s))
		return inx_fail(t, "setup");
	INX_SYS(t, "SO_RCVLOWAT 10", seti(c, SOL_SOCKET, SO_RCVLOWAT, 10));
	INX_SYS(t, "peer send 5", send(s, "12345", 5, 0));
	inx_val(t, "poll below lowat", inx_poll1(c, POLLIN, 200));
	INX_SYS(t, "peer send 5 more", send(s, "67890", 5, 0));
	inx_val(t, "poll at lowat", inx_poll1(c, POLLIN, INX_TIMEOUT_MS));
	INX_SYS(t, "recv", recv(c, buf, sizeof(buf), 0));
	inx_close_abort(c);
	inx_close_abort(s);
}

/* MSG_ZEROCOPY completions arrive on the error queue. */
static void scen_zerocopy(struct inx_trace *t)
{
	static char data[4096], buf[4096];
	char control[128];
	struct sock_extended_err *ee = NULL;
	struct msghdr mh = { .msg_control = control, .msg_controllen = sizeof(control) };
	struct cmsghdr *cm;
	int c, s;

	if (inx_pair(AF_INET, t->fam, &c, &s))
		return inx_fail(t, "setup");
	INX_SYS(t, "SO_ZEROCOPY", seti(c, SOL_SOCKET, SO_ZEROCOPY, 1));
	INX_SYS(t, "send MSG_ZEROCOPY", send(c, data, sizeof(data), MSG_ZEROCOPY));
	INX_SYS(t, "peer recv", inx_recv_all(s, buf, sizeof(buf)));
	inx_val(t, "POLLERR", inx_poll1(c, POLLERR, INX_TIMEOUT_MS) & POLLERR);
	INX_SYS(t, "recvmsg MSG_ERRQUEUE", recvmsg(c, &mh, MSG_ERRQUEUE));
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
		if (cm->cmsg_level == SOL_IP && cm->cmsg_type == IP_RECVERR)
			ee = (struct sock_extended_err *)CMSG_DATA(cm);
	inx_check(t, "IP_RECVERR cmsg", ee);
	if (ee) {
		inx_val(t, "ee_origin", ee->ee_origin);
		inx_val(t, "ee_errno", ee->ee_errno);
		inx_val(t, "ee_info", ee->ee_info);
		inx_val(t, "ee_data", ee->ee_data);
	}
	INX_SYS(t, "recvmsg MSG_ERRQUEUE empty", recvmsg(c, &mh, MSG_ERRQUEUE));
	inx_close_abort(c);
	inx_close_abort(s);
}

/* SO_TIMESTAMP gives a SCM_TIMESTAMP cmsg on TCP reads too. */
static void scen_timestamp(struct inx_trace *t)
{
	char control[128], buf[8];
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = control, .msg_controllen = sizeof(control) };
	struct cmsghdr *cm;
	int c, s, found = 0;

	if (inx_pair(AF_INET, t->fam, &c, &s))
		return inx_fail(t, "setup");
	INX_SYS(t, "SO_TIMESTAMP", seti(c, SOL_SOCKET, SO_TIMESTAMP, 1));
	INX_SYS(t, "peer send", send(s, "ts", 2, 0));
	INX_SYS(t, "recvmsg", recvmsg(c, &mh, 0));
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_TIMESTAMP)
			found++;
	inx_val(t, "SCM_TIMESTAMP cmsgs", found);
	/* main() has waited for receive timestamps to be on. */
	inx_check(t, "the data came with an SCM_TIMESTAMP", found == 1);
	inx_close_abort(c);
	inx_close_abort(s);
}

/* Other loopback addresses and non-local ones; nothing leaves lo. */
static void scen_addresses(struct inx_trace *t)
{
	struct sockaddr_in sa;
	uint16_t port;
	int lfd, fd, sfd;

	lfd = inx_socket(t->fam);
	if (lfd < 0)
		return inx_fail(t, "setup");
	inx_addr(&sa, t->fam, 0);
	sa.sin_addr.s_addr = htonl(0x7f000002);		/* 127.0.0.2 */
	INX_SYS(t, "bind 127.0.0.2", bind(lfd, (struct sockaddr *)&sa, sizeof(sa)));
	INX_SYS(t, "listen", listen(lfd, 2));
	port = inx_local_port(lfd);
	fd = inx_socket(t->fam);
	inx_addr(&sa, t->fam, port);
	INX_SYS(t, "connect 127.0.0.1 (nobody there)", connect(fd, (struct sockaddr *)&sa, sizeof(sa)));
	close(fd);
	fd = inx_socket(t->fam);
	sa.sin_addr.s_addr = htonl(0x7f000002);
	INX_SYS(t, "connect 127.0.0.2", connect(fd, (struct sockaddr *)&sa, sizeof(sa)));
	sfd = inx_accept(lfd, NULL, NULL);
	inx_check(t, "accepted", sfd >= 0);
	inx_close_abort(fd);
	inx_close_abort(sfd);
	close(lfd);

	fd = inx_socket(t->fam);
	inx_addr(&sa, t->fam, 0);
	sa.sin_addr.s_addr = htonl(0xc0000201);		/* 192.0.2.1, TEST-NET-1 */
	INX_SYS(t, "bind non-local", bind(fd, (struct sockaddr *)&sa, sizeof(sa)));
	INX_SYS(t, "IP_FREEBIND", seti(fd, IPPROTO_IP, IP_FREEBIND, 1));
	INX_SYS(t, "bind non-local with IP_FREEBIND", bind(fd, (struct sockaddr *)&sa, sizeof(sa)));
	close(fd);
	fd = inx_socket(t->fam);
	sa.sin_addr.s_addr = htonl(0xe0000001);		/* 224.0.0.1 */
	INX_SYS(t, "bind multicast", bind(fd, (struct sockaddr *)&sa, sizeof(sa)));
	INX_SYS(t, "connect multicast", connect(fd, (struct sockaddr *)&sa, sizeof(sa)));
	sa.sin_addr.s_addr = htonl(INADDR_BROADCAST);
	INX_SYS(t, "connect broadcast", connect(fd, (struct sockaddr *)&sa, sizeof(sa)));
	close(fd);
}

static const struct {
	inx_scen_t fn;
	const char *desc;
} scens[] = {
	{ scen_identity, "SO_TYPE, SO_PROTOCOL, SO_ACCEPTCONN, SO_ERROR" },
	{ scen_nodelay_bufs, "TCP_NODELAY, SO_RCVBUF, SO_SNDBUF set and read back" },
	{ scen_tcp_opts, "TCP-level options set/get, including invalid values" },
	{ scen_congestion, "TCP_CONGESTION get, set reno, set unknown" },
	{ scen_sol_socket, "SOL_SOCKET options set/get" },
	{ scen_sol_ip, "SOL_IP options, unknown levels and options" },
	{ scen_tcp_info, "TCP_INFO of a connection, options inherited by accept" },
	{ scen_ioctl, "SIOCINQ/SIOCOUTQ/SIOCATMARK/FIONBIO and device ioctls" },
	{ scen_peek, "MSG_PEEK, MSG_DONTWAIT, SO_PEEK_OFF" },
	{ scen_oob, "MSG_OOB, SIOCATMARK, SO_OOBINLINE" },
	{ scen_msg_name, "sendto ignores the address, recvfrom reports none" },
	{ scen_rcvlowat, "SO_RCVLOWAT gates POLLIN" },
	{ scen_zerocopy, "MSG_ZEROCOPY completion on the error queue" },
	{ scen_timestamp, "SO_TIMESTAMP cmsg on recvmsg" },
	{ scen_addresses, "127.0.0.2, non-local, multicast and broadcast addresses" },
};

#define NSCENS	(int)(sizeof(scens) / sizeof(scens[0]))

/*
 * Whether TCP data now arrives with a receive timestamp: with the static
 * key off, TCP gives no SCM_TIMESTAMP at all (tcp_recv_timestamp()).
 */
static bool rx_timestamps_on(void)
{
	char control[128], buf[8];
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = control, .msg_controllen = sizeof(control) };
	struct cmsghdr *cm;
	bool found = false;
	int c, s;

	if (inx_pair(AF_INET, AF_INET, &c, &s))
		return false;
	if (!seti(c, SOL_SOCKET, SO_TIMESTAMP, 1) && send(s, "ts", 2, 0) == 2 &&
	    recvmsg(c, &mh, 0) > 0)
		for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
			if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_TIMESTAMP)
				found = true;
	inx_close_abort(c);
	inx_close_abort(s);
	return found;
}

int main(void)
{
	int i, ts;

	ktap_start(NSCENS);
	ktap_diag("inetx family %d%s, uid %d", inx_family(),
		  inx_available() ? "" : " (not registered)", getuid());
	/*
	 * Receive timestamps are a static key that the kernel flips from a
	 * workqueue when the first SO_TIMESTAMP user appears and the last
	 * goes. Keep one user for the whole run, so that packets of both
	 * runs of scen_timestamp are stamped alike, and wait until the key
	 * is on: until loopback TCP data comes with a timestamp.
	 */
	ts = socket(AF_INET, SOCK_DGRAM, 0);
	if (ts >= 0)
		seti(ts, SOL_SOCKET, SO_TIMESTAMP, 1);
	for (i = 0; i < INX_TIMEOUT_MS / 10 && !rx_timestamps_on(); i++)
		usleep(10000);
	if (i == INX_TIMEOUT_MS / 10)
		ktap_diag("receive timestamps still off after %d ms", INX_TIMEOUT_MS);
	for (i = 0; i < NSCENS; i++)
		inx_diff_test(scens[i].desc, scens[i].fn);
	if (ts >= 0)
		close(ts);
	return ktap_finish();
}
