/* SPDX-License-Identifier: GPL-2.0 */
/*
 * inetx-run: what the launcher (inetx_run.c) and the preload library
 * (libinetx_run.c) share.
 *
 * The library calls these from socket(), connect() and bind(), which a
 * program may call from a signal handler or from many threads at once: all
 * helpers used there are async-signal-safe (system calls, no malloc, no
 * stdio, no locks) and touch no shared state. Parsing (inx_sel_parse) is
 * not; it runs in the launcher and in the library's constructor only.
 */
#ifndef _INETX_RUN_H
#define _INETX_RUN_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/xattr.h>

#include <linux/inetx.h>

/* The launcher hands its decisions to the library through these. */
#define INX_ENV_FAMILY	"INETX_RUN_FAMILY"	/* family number */
#define INX_ENV_PORTS	"INETX_RUN_PORTS"	/* --ports LIST */
#define INX_ENV_ADDRS	"INETX_RUN_ADDRS"	/* --addrs LIST */
#define INX_ENV_FLAGS	"INETX_RUN_FLAGS"	/* 'v': -v, 's': --strict */

/* What sockfs reports in system.sockprotoname: sk_prot_creator->name. */
#define INX_PROTO_NAME	"INETX"

#define INX_SEL_MAX	64

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

struct inx_sel {
	int nports, naddrs;
	struct { uint16_t lo, hi; } ports[INX_SEL_MAX];	/* host order */
	struct { uint32_t net, mask; } addrs[INX_SEL_MAX];	/* network order */
};

static inline bool inx_sel_active(const struct inx_sel *sel)
{
	return sel->nports || sel->naddrs;
}

/* "80,443,8000-8099": 0 or -1 on bad syntax or too many entries. */
static inline int inx_parse_ports(struct inx_sel *sel, const char *s)
{
	char *end;
	long lo, hi;

	while (*s) {
		if (sel->nports == INX_SEL_MAX)
			return -1;
		lo = strtol(s, &end, 10);
		if (end == s || lo < 1 || lo > 65535)
			return -1;
		hi = lo;
		if (*end == '-') {
			s = end + 1;
			hi = strtol(s, &end, 10);
			if (end == s || hi < lo || hi > 65535)
				return -1;
		}
		sel->ports[sel->nports].lo = lo;
		sel->ports[sel->nports++].hi = hi;
		if (*end == ',' && end[1])
			end++;
		else if (*end)
			return -1;
		s = end;
	}
	return 0;
}

/* "127.0.0.1,10.0.0.0/8": 0 or -1 on bad syntax or too many entries. */
static inline int inx_parse_addrs(struct inx_sel *sel, const char *s)
{
	char buf[32];
	struct in_addr a;
	const char *comma, *slash;
	size_t len;
	long bits;
	char *end;

	while (*s) {
		if (sel->naddrs == INX_SEL_MAX)
			return -1;
		comma = strchr(s, ',');
		len = comma ? (size_t)(comma - s) : strlen(s);
		if (!len || len >= sizeof(buf))
			return -1;
		memcpy(buf, s, len);
		buf[len] = '\0';
		bits = 32;
		slash = strchr(buf, '/');
		if (slash) {
			bits = strtol(slash + 1, &end, 10);
			if (end == slash + 1 || *end || bits < 0 || bits > 32)
				return -1;
			buf[slash - buf] = '\0';
		}
		if (inet_pton(AF_INET, buf, &a) != 1)
			return -1;
		sel->addrs[sel->naddrs].mask = bits ? htonl(~0U << (32 - bits)) : 0;
		sel->addrs[sel->naddrs].net = a.s_addr & sel->addrs[sel->naddrs].mask;
		sel->naddrs++;
		s += len + (comma ? 1 : 0);
		if (comma && !*s)
			return -1;
	}
	return 0;
}

/*
 * Whether an address (the peer for connect, the local one for bind) is
 * selected: its port in --ports (if given) and its address in --addrs (if
 * given).
 */
static inline bool inx_sel_match(const struct inx_sel *sel,
				 const struct sockaddr_in *sin)
{
	uint16_t port = ntohs(sin->sin_port);
	bool ok;
	int i;

	if (sin->sin_family != AF_INET)
		return false;
	ok = !sel->nports;
	for (i = 0; !ok && i < sel->nports; i++)
		ok = port >= sel->ports[i].lo && port <= sel->ports[i].hi;
	if (!ok)
		return false;
	ok = !sel->naddrs;
	for (i = 0; !ok && i < sel->naddrs; i++)
		ok = (sin->sin_addr.s_addr & sel->addrs[i].mask) == sel->addrs[i].net;
	return ok;
}

/* socket() arguments inetx-run redirects: TCP over IPv4, nothing else. */
static inline bool inx_is_tcp4(int domain, int type, int protocol)
{
	return domain == AF_INET &&
	       (type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) == SOCK_STREAM &&
	       (protocol == 0 || protocol == IPPROTO_TCP);
}

/* The socket's protocol name ("TCP", "INETX", ...); "" if none. */
static inline void inx_proto_name(int fd, char *buf, size_t size)
{
	ssize_t n = fgetxattr(fd, "system.sockprotoname", buf, size - 1);

	buf[n > 0 ? n : 0] = '\0';
}

/* A plain AF_INET TCP socket nobody has bound-and-listened or connected. */
static inline bool inx_fresh_tcp4(int fd)
{
	struct tcp_info ti;
	socklen_t len;
	char name[16];
	int v;

	len = sizeof(v);
	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &v, &len) || v != AF_INET)
		return false;
	len = sizeof(v);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &len) || v != SOCK_STREAM)
		return false;
	len = sizeof(v);
	if (getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &v, &len) || v != IPPROTO_TCP)
		return false;
	/* An inetx socket says AF_INET to SO_DOMAIN too: sockfs tells them apart. */
	inx_proto_name(fd, name, sizeof(name));
	if (strcmp(name, "TCP"))
		return false;
	len = sizeof(ti);
	return !getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) &&
	       ti.tcpi_state == TCP_CLOSE;
}

/*
 * Options a program may have set before bind/connect, copied to the new
 * socket where their value differs from a fresh socket's. Filters
 * (SO_ATTACH_FILTER, SO_ATTACH_BPF) cannot be read back and are lost.
 */
static const struct { int level, name; } inx_copy_opts[] = {
	{ SOL_SOCKET, SO_REUSEADDR }, { SOL_SOCKET, SO_REUSEPORT },
	{ SOL_SOCKET, SO_KEEPALIVE }, { SOL_SOCKET, SO_OOBINLINE },
	{ SOL_SOCKET, SO_PRIORITY }, { SOL_SOCKET, SO_MARK },
	{ SOL_SOCKET, SO_RCVLOWAT }, { SOL_SOCKET, SO_RCVBUF },
	{ SOL_SOCKET, SO_SNDBUF }, { SOL_SOCKET, SO_LINGER },
	{ SOL_SOCKET, SO_RCVTIMEO }, { SOL_SOCKET, SO_SNDTIMEO },
	{ SOL_SOCKET, SO_BINDTODEVICE }, { SOL_SOCKET, SO_ZEROCOPY },
	{ SOL_IP, IP_TOS }, { SOL_IP, IP_TTL }, { SOL_IP, IP_FREEBIND },
	{ SOL_IP, IP_TRANSPARENT }, { SOL_IP, IP_BIND_ADDRESS_NO_PORT },
	{ SOL_TCP, TCP_NODELAY }, { SOL_TCP, TCP_CORK },
	{ SOL_TCP, TCP_KEEPIDLE }, { SOL_TCP, TCP_KEEPINTVL },
	{ SOL_TCP, TCP_KEEPCNT }, { SOL_TCP, TCP_MAXSEG },
	{ SOL_TCP, TCP_USER_TIMEOUT }, { SOL_TCP, TCP_DEFER_ACCEPT },
	{ SOL_TCP, TCP_FASTOPEN }, { SOL_TCP, TCP_FASTOPEN_CONNECT },
	{ SOL_TCP, TCP_NOTSENT_LOWAT }, { SOL_TCP, TCP_WINDOW_CLAMP },
	{ SOL_TCP, TCP_SYNCNT }, { SOL_TCP, TCP_LINGER2 },
	{ SOL_TCP, TCP_CONGESTION },
};

static inline void inx_copy_sockopts(int from, int to)
{
	unsigned char a[64], b[64];
	socklen_t alen, blen;
	unsigned int i;
	int *v = (int *)a;

	for (i = 0; i < ARRAY_SIZE(inx_copy_opts); i++) {
		alen = sizeof(a);
		blen = sizeof(b);
		if (getsockopt(from, inx_copy_opts[i].level, inx_copy_opts[i].name, a, &alen) ||
		    getsockopt(to, inx_copy_opts[i].level, inx_copy_opts[i].name, b, &blen))
			continue;
		if (alen == blen && !memcmp(a, b, alen))
			continue;
		/* The kernel doubles what is set and reports the doubled value. */
		if (inx_copy_opts[i].level == SOL_SOCKET &&
		    (inx_copy_opts[i].name == SO_RCVBUF || inx_copy_opts[i].name == SO_SNDBUF))
			*v /= 2;
		setsockopt(to, inx_copy_opts[i].level, inx_copy_opts[i].name, a, alen);
	}
}

/*
 * A new socket of FAMILY standing in for the fresh TCP socket OLDFD: the
 * same O_NONBLOCK, the options copied. Close-on-exec, so that a launcher's
 * copy never leaks; the caller installs it with the flags it wants.
 */
static inline int inx_new_like(int oldfd, int family)
{
	int fl = fcntl(oldfd, F_GETFL);
	int fd;

	if (fl < 0)
		return -1;
	fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC |
		    (fl & O_NONBLOCK ? SOCK_NONBLOCK : 0), 0);
	if (fd >= 0)
		inx_copy_sockopts(oldfd, fd);
	return fd;
}

/* ---- async-signal-safe messages: one write(2) per line ---------------- */

struct inx_msg {
	char buf[256];
	size_t len;
};

static inline void inx_msg_str(struct inx_msg *m, const char *s)
{
	while (*s && m->len < sizeof(m->buf) - 1)
		m->buf[m->len++] = *s++;
}

static inline void inx_msg_uint(struct inx_msg *m, unsigned long v)
{
	char d[24];
	int n = 0;

	do {
		d[n++] = '0' + v % 10;
		v /= 10;
	} while (v);
	while (n && m->len < sizeof(m->buf) - 1)
		m->buf[m->len++] = d[--n];
}

static inline void inx_msg_addr(struct inx_msg *m, const struct sockaddr_in *sin)
{
	const unsigned char *a = (const unsigned char *)&sin->sin_addr.s_addr;
	int i;

	for (i = 0; i < 4; i++) {
		inx_msg_uint(m, a[i]);
		inx_msg_str(m, i < 3 ? "." : ":");
	}
	inx_msg_uint(m, ntohs(sin->sin_port));
}

/* "inetx-run: pid P fd F: WHAT ADDR", the start of every -v line. */
static inline void inx_msg_event(struct inx_msg *m, pid_t pid, int fd, const char *what,
				 const struct sockaddr_in *sin)
{
	inx_msg_str(m, "inetx-run: pid ");
	inx_msg_uint(m, pid);
	if (fd >= 0) {
		inx_msg_str(m, " fd ");
		inx_msg_uint(m, fd);
	}
	inx_msg_str(m, ": ");
	inx_msg_str(m, what);
	if (sin) {
		inx_msg_str(m, " ");
		inx_msg_addr(m, sin);
	}
}

static inline void inx_msg_send(struct inx_msg *m)
{
	int saved = errno;

	m->buf[m->len++] = '\n';
	if (write(STDERR_FILENO, m->buf, m->len) < 0)
		m->len = 0;	/* nowhere to report it */
	errno = saved;
}

#endif /* _INETX_RUN_H */
