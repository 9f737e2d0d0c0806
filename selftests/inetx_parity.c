// SPDX-License-Identifier: GPL-2.0
/*
 * inetx_parity: the AF_INET parity suite. One engine runs declarative
 * scenarios (the .scn files in selftests/parity/, syntax in selftests/parity/README)
 * twice each, in a fresh child process: once with AF_INET, once with the
 * inetx family. Every step's return value, errno and observed data is
 * recorded; the two traces must be identical and every "=> expectation"
 * must hold in both runs. Steps that differ on purpose name an entry of
 * the table of documented differences (parity/00-differences.scn) and
 * assert that exact difference instead.
 *
 * Usage: inetx_parity [FILE.scn...]	(default: every .scn in $INETX_PARITY_DIR,
 *					 else ../../selftests/parity next to
 *					 the binary's build directory)
 */
#define INX_TRACE_MAX	256
#include "inetx_common.h"	/* first: it defines _GNU_SOURCE */

#include <ctype.h>
#include <dirent.h>
#include <glob.h>
#include <libgen.h>
#include <limits.h>
#include <net/if.h>
#include <sched.h>
#include <linux/errqueue.h>
#include <linux/sockios.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/uio.h>

#ifndef SO_EE_ORIGIN_ZEROCOPY
#define SO_EE_ORIGIN_ZEROCOPY	5
#endif
#ifndef MSG_ZEROCOPY
#define MSG_ZEROCOPY		0x4000000
#endif

#define MAX_TOK		32
#define MAX_SOCK	24
#define MAX_STEPS	96
#define MAX_SCENS	1024
#define MAX_DIFFS	64
#define RUN_SECS	40

/* ---- scenario model -------------------------------------------------- */

struct step {
	const char *file;
	int line;
	int ntok;
	char *tok[MAX_TOK];	/* op and arguments, "name =" removed */
	char *assign;		/* NAME of "NAME = op ..." */
	char *expect;		/* text after "=>", NULL if none */
};

struct scen {
	char desc[200];
	bool needs_root;	/* "needs root": skipped (and said so) otherwise */
	const char *file;
	int line;
	int nsteps;
	struct step steps[MAX_STEPS];
};

struct diff {
	char key[48];
	char text[200];
};

static struct scen *scens[MAX_SCENS];
static int nscens;
static struct diff diffs[MAX_DIFFS];
static int ndiffs;
static int parse_errors;

/* ---- per-run state ----------------------------------------------------- */

struct xsock {
	char name[24];
	int fd;
	int fam;		/* family it was created with */
	bool epoll;
	struct inx_prng tx;	/* what it sends next */
	uint64_t rxhash;	/* FNV of everything it received */
	long sent, got;		/* stream bytes so far, each way */
};

struct netns {
	char name[16];
	int fd;
};

struct run {
	struct inx_trace *t;
	bool root;
	bool userns;	/* unprivileged: in a user namespace of our own */
	struct netns ns[4];
	int nns;
	struct xsock s[MAX_SOCK];
	int nsock;
	const struct step *cur;
};

static volatile sig_atomic_t sigpipes;

static void on_sigpipe(int sig)
{
	(void)sig;
	sigpipes++;
}

/* ---- small parsers ---------------------------------------------------- */

static int errno_by_name(const char *s)
{
	int e;

	for (e = 1; e < 200; e++) {
		const char *n = strerrorname_np(e);

		if (n && !strcmp(n, s))
			return e;
	}
	return -1;
}

struct named {
	const char *name;
	long val;
};

#define N(x)	{ #x, x }
static const struct named msg_flags[] = {
	{ "oob", MSG_OOB }, { "peek", MSG_PEEK }, { "dontwait", MSG_DONTWAIT },
	{ "waitall", MSG_WAITALL }, { "trunc", MSG_TRUNC }, { "more", MSG_MORE },
	{ "nosignal", MSG_NOSIGNAL }, { "fastopen", MSG_FASTOPEN },
	{ "zerocopy", MSG_ZEROCOPY }, { "dontroute", MSG_DONTROUTE },
	{ "eor", MSG_EOR }, { "confirm", MSG_CONFIRM }, { "errqueue", MSG_ERRQUEUE },
	{ "cmsg_cloexec", MSG_CMSG_CLOEXEC }, { NULL, 0 }
};

static const struct named poll_bits[] = {
	{ "in", POLLIN }, { "pri", POLLPRI }, { "out", POLLOUT },
	{ "err", POLLERR }, { "hup", POLLHUP }, { "nval", POLLNVAL },
	{ "rdnorm", POLLRDNORM }, { "rdband", POLLRDBAND },
	{ "wrnorm", POLLWRNORM }, { "wrband", POLLWRBAND },
	{ "rdhup", POLLRDHUP }, { NULL, 0 }
};

static const struct named epoll_bits[] = {
	{ "in", EPOLLIN }, { "pri", EPOLLPRI }, { "out", EPOLLOUT },
	{ "err", EPOLLERR }, { "hup", EPOLLHUP }, { "rdhup", EPOLLRDHUP },
	{ "rdnorm", EPOLLRDNORM }, { "wrnorm", EPOLLWRNORM },
	{ "et", EPOLLET }, { "oneshot", EPOLLONESHOT }, { NULL, 0 }
};

static const struct named levels[] = {
	{ "sol", SOL_SOCKET }, { "ip", SOL_IP }, { "tcp", SOL_TCP },
	{ "ipv6", SOL_IPV6 }, { "udp", IPPROTO_UDP }, { NULL, 0 }
};

static const struct named ioctls[] = {
	N(SIOCINQ), N(SIOCOUTQ), N(SIOCOUTQNSD), N(SIOCATMARK),
	N(SIOCGSTAMP), N(SIOCGSTAMPNS), N(FIONBIO), N(FIONREAD),
	N(SIOCGIFNAME), N(SIOCGIFINDEX), N(SIOCGIFFLAGS), N(SIOCGIFADDR),
	N(SIOCGIFMTU), N(SIOCGIFCONF), { NULL, 0 }
};

/* How getsockopt's answer is recorded: only what is deterministic. */
enum okind { K_INT, K_LINGER, K_TV, K_STR, K_NONZERO, K_LEN, K_TCPINFO, K_SA };

struct optdef {
	const char *name;
	int level, opt;
	enum okind kind;
};

#define O(l, x, k)	{ #x, l, x, k }
static const struct optdef opts[] = {
	O(SOL_SOCKET, SO_DEBUG, K_INT), O(SOL_SOCKET, SO_REUSEADDR, K_INT),
	O(SOL_SOCKET, SO_TYPE, K_INT), O(SOL_SOCKET, SO_ERROR, K_INT),
	O(SOL_SOCKET, SO_DONTROUTE, K_INT), O(SOL_SOCKET, SO_BROADCAST, K_INT),
	O(SOL_SOCKET, SO_SNDBUF, K_INT), O(SOL_SOCKET, SO_RCVBUF, K_INT),
	O(SOL_SOCKET, SO_SNDBUFFORCE, K_INT), O(SOL_SOCKET, SO_RCVBUFFORCE, K_INT),
	O(SOL_SOCKET, SO_KEEPALIVE, K_INT), O(SOL_SOCKET, SO_OOBINLINE, K_INT),
	O(SOL_SOCKET, SO_NO_CHECK, K_INT), O(SOL_SOCKET, SO_PRIORITY, K_INT),
	O(SOL_SOCKET, SO_LINGER, K_LINGER), O(SOL_SOCKET, SO_REUSEPORT, K_INT),
	O(SOL_SOCKET, SO_PASSCRED, K_INT), O(SOL_SOCKET, SO_RCVLOWAT, K_INT),
	O(SOL_SOCKET, SO_SNDLOWAT, K_INT), O(SOL_SOCKET, SO_RCVTIMEO, K_TV),
	O(SOL_SOCKET, SO_SNDTIMEO, K_TV), O(SOL_SOCKET, SO_BINDTODEVICE, K_STR),
	O(SOL_SOCKET, SO_TIMESTAMP, K_INT), O(SOL_SOCKET, SO_TIMESTAMPNS, K_INT),
	O(SOL_SOCKET, SO_TIMESTAMPING, K_INT), O(SOL_SOCKET, SO_ACCEPTCONN, K_INT),
	O(SOL_SOCKET, SO_PEERSEC, K_LEN), O(SOL_SOCKET, SO_PASSSEC, K_INT),
	O(SOL_SOCKET, SO_MARK, K_INT), O(SOL_SOCKET, SO_PROTOCOL, K_INT),
	O(SOL_SOCKET, SO_DOMAIN, K_INT), O(SOL_SOCKET, SO_RXQ_OVFL, K_INT),
	O(SOL_SOCKET, SO_WIFI_STATUS, K_INT), O(SOL_SOCKET, SO_PEEK_OFF, K_INT),
	O(SOL_SOCKET, SO_NOFCS, K_INT), O(SOL_SOCKET, SO_LOCK_FILTER, K_INT),
	O(SOL_SOCKET, SO_SELECT_ERR_QUEUE, K_INT), O(SOL_SOCKET, SO_BUSY_POLL, K_INT),
	O(SOL_SOCKET, SO_MAX_PACING_RATE, K_INT), O(SOL_SOCKET, SO_INCOMING_CPU, K_LEN),
	O(SOL_SOCKET, SO_COOKIE, K_NONZERO), O(SOL_SOCKET, SO_ZEROCOPY, K_INT),
	O(SOL_SOCKET, SO_TXTIME, K_LEN), O(SOL_SOCKET, SO_BINDTOIFINDEX, K_INT),
	O(SOL_SOCKET, SO_PEERNAME, K_SA), O(SOL_SOCKET, SO_MEMINFO, K_LEN),
	O(SOL_SOCKET, SO_INCOMING_NAPI_ID, K_INT), O(SOL_SOCKET, SO_PEERCRED, K_LEN),
	O(SOL_SOCKET, SO_PREFER_BUSY_POLL, K_INT), O(SOL_SOCKET, SO_BUSY_POLL_BUDGET, K_INT),
	O(SOL_SOCKET, SO_NETNS_COOKIE, K_NONZERO), O(SOL_SOCKET, SO_BUF_LOCK, K_INT),
	O(SOL_SOCKET, SO_RESERVE_MEM, K_INT), O(SOL_SOCKET, SO_TXREHASH, K_INT),
	O(SOL_SOCKET, SO_RCVMARK, K_INT), O(SOL_SOCKET, SO_ATTACH_FILTER, K_LEN),
	O(SOL_IP, IP_TOS, K_INT), O(SOL_IP, IP_TTL, K_INT), O(SOL_IP, IP_HDRINCL, K_INT),
	O(SOL_IP, IP_OPTIONS, K_LEN), O(SOL_IP, IP_RECVOPTS, K_INT),
	O(SOL_IP, IP_RETOPTS, K_INT), O(SOL_IP, IP_PKTINFO, K_INT),
	O(SOL_IP, IP_PKTOPTIONS, K_LEN), O(SOL_IP, IP_MTU_DISCOVER, K_INT),
	O(SOL_IP, IP_RECVERR, K_INT), O(SOL_IP, IP_RECVTTL, K_INT),
	O(SOL_IP, IP_RECVTOS, K_INT), O(SOL_IP, IP_MTU, K_INT),
	O(SOL_IP, IP_FREEBIND, K_INT), O(SOL_IP, IP_PASSSEC, K_INT),
	O(SOL_IP, IP_TRANSPARENT, K_INT), O(SOL_IP, IP_MINTTL, K_INT),
	O(SOL_IP, IP_NODEFRAG, K_INT), O(SOL_IP, IP_CHECKSUM, K_INT),
	O(SOL_IP, IP_BIND_ADDRESS_NO_PORT, K_INT), O(SOL_IP, IP_RECVFRAGSIZE, K_INT),
	O(SOL_IP, IP_MULTICAST_TTL, K_INT), O(SOL_IP, IP_MULTICAST_LOOP, K_INT),
	O(SOL_IP, IP_MULTICAST_ALL, K_INT), O(SOL_IP, IP_MULTICAST_IF, K_INT),
	O(SOL_IP, IP_ROUTER_ALERT, K_INT), O(SOL_IP, IP_RECVORIGDSTADDR, K_INT),
	O(SOL_IP, IP_LOCAL_PORT_RANGE, K_INT), O(SOL_IP, IP_UNICAST_IF, K_INT),
	O(SOL_TCP, TCP_NODELAY, K_INT), O(SOL_TCP, TCP_MAXSEG, K_INT),
	O(SOL_TCP, TCP_CORK, K_INT), O(SOL_TCP, TCP_KEEPIDLE, K_INT),
	O(SOL_TCP, TCP_KEEPINTVL, K_INT), O(SOL_TCP, TCP_KEEPCNT, K_INT),
	O(SOL_TCP, TCP_SYNCNT, K_INT), O(SOL_TCP, TCP_LINGER2, K_INT),
	O(SOL_TCP, TCP_DEFER_ACCEPT, K_INT), O(SOL_TCP, TCP_WINDOW_CLAMP, K_INT),
	O(SOL_TCP, TCP_INFO, K_TCPINFO), O(SOL_TCP, TCP_QUICKACK, K_INT),
	O(SOL_TCP, TCP_CONGESTION, K_STR), O(SOL_TCP, TCP_MD5SIG, K_LEN),
	O(SOL_TCP, TCP_THIN_LINEAR_TIMEOUTS, K_INT), O(SOL_TCP, TCP_THIN_DUPACK, K_INT),
	O(SOL_TCP, TCP_USER_TIMEOUT, K_INT), O(SOL_TCP, TCP_REPAIR, K_INT),
	O(SOL_TCP, TCP_REPAIR_QUEUE, K_INT), O(SOL_TCP, TCP_QUEUE_SEQ, K_LEN),
	O(SOL_TCP, TCP_REPAIR_OPTIONS, K_LEN), O(SOL_TCP, TCP_FASTOPEN, K_INT),
	O(SOL_TCP, TCP_TIMESTAMP, K_LEN), O(SOL_TCP, TCP_NOTSENT_LOWAT, K_INT),
	O(SOL_TCP, TCP_CC_INFO, K_LEN), O(SOL_TCP, TCP_SAVE_SYN, K_INT),
	O(SOL_TCP, TCP_SAVED_SYN, K_LEN), O(SOL_TCP, TCP_REPAIR_WINDOW, K_LEN),
	O(SOL_TCP, TCP_FASTOPEN_CONNECT, K_INT), O(SOL_TCP, TCP_ULP, K_STR),
	O(SOL_TCP, TCP_MD5SIG_EXT, K_LEN), O(SOL_TCP, TCP_FASTOPEN_KEY, K_LEN),
	O(SOL_TCP, TCP_FASTOPEN_NO_COOKIE, K_INT), O(SOL_TCP, TCP_ZEROCOPY_RECEIVE, K_LEN),
	O(SOL_TCP, TCP_INQ, K_INT), O(SOL_TCP, TCP_TX_DELAY, K_INT),
	O(SOL_IPV6, IPV6_V6ONLY, K_INT),
	{ NULL, 0, 0, K_INT }
};

static bool lookup(const struct named *tab, const char *s, long *v)
{
	char *end;

	for (; tab->name; tab++) {
		if (!strcasecmp(tab->name, s)) {
			*v = tab->val;
			return true;
		}
	}
	*v = strtol(s, &end, 0);
	return *s && !*end;
}

/* "a|b|c" over @tab. */
static bool lookup_bits(const struct named *tab, const char *s, long *v)
{
	char buf[128], *p, *save = NULL;
	long b;

	*v = 0;
	snprintf(buf, sizeof(buf), "%s", s);
	for (p = strtok_r(buf, "|", &save); p; p = strtok_r(NULL, "|", &save)) {
		if (!lookup(tab, p, &b))
			return false;
		*v |= b;
	}
	return true;
}

static const struct optdef *find_opt(const char *level, const char *name)
{
	const struct optdef *o;
	long lv;

	static struct optdef numeric;
	char *end;

	if (!lookup(levels, level, &lv))
		return NULL;
	for (o = opts; o->name; o++)
		if (o->level == lv && !strcasecmp(o->name, name))
			return o;
	/* A bare number: an option this table does not name. */
	numeric.opt = strtol(name, &end, 0);
	if (!*name || *end)
		return NULL;
	numeric.name = "option";
	numeric.level = lv;
	numeric.kind = K_INT;
	return &numeric;
}

/* ---- the run: sockets by name ----------------------------------------- */

static int run_seed;

static struct xsock *sock_new(struct run *r, const char *name, int fd, int fam)
{
	struct xsock *s;

	if (r->nsock >= MAX_SOCK)
		return NULL;
	s = &r->s[r->nsock++];
	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%s", name ? name : "?");
	s->fd = fd;
	s->fam = fam;
	s->rxhash = INX_FNV_INIT;
	inx_prng_init(&s->tx, 0x5eed0000ULL + ++run_seed);
	return s;
}

static struct xsock *sock_get(struct run *r, const char *name)
{
	int i;

	for (i = r->nsock - 1; i >= 0; i--)
		if (!strcmp(r->s[i].name, name))
			return &r->s[i];
	return NULL;
}

/* The family an address reported: AF_INET for both families. */
static const char *fam_name(int fam)
{
	static char buf[16];

	if (fam == AF_INET)
		return "inet";
	if (fam == AF_UNSPEC)
		return "unspec";
	snprintf(buf, sizeof(buf), "%d", fam);
	return buf;
}

/* A port as a relation: "0", "@name" (local port of a socket), or "eph". */
static void port_rel(struct run *r, uint16_t port, char *buf, size_t len)
{
	int i;

	if (!port) {
		snprintf(buf, len, "0");
		return;
	}
	for (i = 0; i < r->nsock; i++) {
		struct xsock *s = &r->s[i];

		if (s->fd >= 0 && !s->epoll && inx_local_port(s->fd) == port) {
			snprintf(buf, len, "@%s", s->name);
			return;
		}
	}
	if (port < 1024) {
		snprintf(buf, len, "%u", port);
		return;
	}
	snprintf(buf, len, "eph");
}

/* ---- recording ---------------------------------------------------------- */

static void rec_kv(struct run *r, const char *fmt, long v, ...)
	__attribute__((format(printf, 2, 4)));
static void rec_kv(struct run *r, const char *fmt, long v, ...)
{
	char w[64];
	va_list ap;

	va_start(ap, v);
	vsnprintf(w, sizeof(w), fmt, ap);
	va_end(ap);
	inx_rec(r->t, w, v, 0);
}

static void bad(struct run *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void bad(struct run *r, const char *fmt, ...)
{
	char m[128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m, sizeof(m), fmt, ap);
	va_end(ap);
	if (!r->t->bad++)
		snprintf(r->t->badmsg, sizeof(r->t->badmsg), "%s:%d: %s",
			 r->cur->file, r->cur->line, m);
	inx_rec(r->t, "bad", 0, 0);
}

static void rec_sa(struct run *r, const char *what,
		   const struct sockaddr_in *sa, socklen_t len)
{
	char pr[32], a[INET_ADDRSTRLEN];

	port_rel(r, ntohs(sa->sin_port), pr, sizeof(pr));
	inet_ntop(AF_INET, &sa->sin_addr, a, sizeof(a));
	rec_kv(r, "%s len", len, what);
	rec_kv(r, "%s %s %s:%s", 0, what, fam_name(sa->sin_family), a, pr);
}

/*
 * Does (ret, err) satisfy @spec? Forms: "ok" (ret >= 0), "fail" (ret < 0),
 * an errno name, or a number (ret == number).
 */
static bool match1(const char *spec, long ret, int err)
{
	char *end;
	long v;

	if (!strcmp(spec, "ok"))
		return ret >= 0;
	if (!strcmp(spec, "fail"))
		return ret < 0;
	if (isupper((unsigned char)spec[0]))
		return ret < 0 && err == errno_by_name(spec);
	v = strtol(spec, &end, 0);
	return !*end && ret == v && !err;
}

/*
 * Check a step's "=> ..." expectation. Parts: a bare spec applies always;
 * "root:S"/"user:S" by privilege; "inet:S"/"x:S" by family, the latter
 * only with "diff:KEY" naming a documented difference, in which case the
 * step is recorded as "matched its documented expectation" instead of
 * its raw result (the raw results differ by design).
 */
static bool expect(struct run *r, const char *what, long ret, int err)
{
	char buf[160], *p, *save = NULL, *famspec = NULL, *key = NULL;
	const char *e = r->cur->expect;
	bool ok = true, any = false;
	int i;

	if (!e) {
		inx_rec(r->t, what, ret, err);
		return true;
	}
	snprintf(buf, sizeof(buf), "%s", e);
	for (p = strtok_r(buf, " ", &save); p; p = strtok_r(NULL, " ", &save)) {
		const char *spec = p;
		bool applies = true, fampart = false;

		if (!strncmp(p, "diff:", 5)) {
			key = p + 5;
			continue;
		}
		/* Qualifiers chain: "root:x:EPERM" is for root's inetx run. */
		for (;;) {
			if (!strncmp(spec, "root:", 5)) {
				applies &= r->root;
				spec += 5;
			} else if (!strncmp(spec, "user:", 5)) {
				applies &= !r->root;
				spec += 5;
			} else if (!strncmp(spec, "inet:", 5)) {
				applies &= r->t->fam == AF_INET;
				fampart = true;
				spec += 5;
			} else if (!strncmp(spec, "x:", 2)) {
				applies &= r->t->fam != AF_INET;
				fampart = true;
				spec += 2;
			} else {
				break;
			}
		}
		if (fampart)
			famspec = p;
		if (!applies)
			continue;
		any = true;
		if (!match1(spec, ret, err))
			ok = false;
	}
	if (famspec) {
		for (i = 0; key && i < ndiffs; i++)
			if (!strcmp(diffs[i].key, key))
				break;
		if (!key || i == ndiffs)
			bad(r, "family-specific expectation without a documented diff:KEY");
		/* Same record in both runs when each matches its own spec. */
		rec_kv(r, "%s [diff:%s]", ok, what, key ? key : "?");
	} else {
		inx_rec(r->t, what, ret, err);
	}
	if (!ok)
		bad(r, "%s = %ld %s, expected %s", what, ret, inx_errname(err), e);
	return ok && any;
}

/* ---- address arguments -------------------------------------------------- */

/*
 * "HOST:PORT": HOST is lo, any, bcast, or a dotted quad; PORT a number or
 * @name (that socket's local port). Options elsewhere in the step:
 * fam=inet|x|unspec|N (default AF_INET, as for both families), len=N.
 */
static bool parse_addr(struct run *r, const char *arg,
		       struct sockaddr_in *sa, socklen_t *len)
{
	char host[64], *colon;
	const char *port;
	int i;

	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	*len = sizeof(*sa);
	snprintf(host, sizeof(host), "%s", arg);
	colon = strrchr(host, ':');
	if (!colon)
		return false;
	*colon = 0;
	port = colon + 1;
	if (!strcmp(host, "lo"))
		sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	else if (!strcmp(host, "any"))
		sa->sin_addr.s_addr = htonl(INADDR_ANY);
	else if (!strcmp(host, "bcast"))
		sa->sin_addr.s_addr = htonl(INADDR_BROADCAST);
	else if (inet_pton(AF_INET, host, &sa->sin_addr) != 1)
		return false;
	if (port[0] == '@') {
		struct xsock *s = sock_get(r, port + 1);

		if (!s)
			return false;
		sa->sin_port = htons(inx_local_port(s->fd));
	} else {
		sa->sin_port = htons(atoi(port));
	}
	for (i = 0; i < r->cur->ntok; i++) {
		const char *t = r->cur->tok[i];

		if (!strncmp(t, "len=", 4)) {
			*len = atoi(t + 4);
		} else if (!strncmp(t, "fam=", 4)) {
			t += 4;
			if (!strcmp(t, "inet"))
				sa->sin_family = AF_INET;
			else if (!strcmp(t, "x"))	/* AF_INETX when run on AF_INET */
				sa->sin_family = inx_family() == AF_INET ? AF_INETX :
						 inx_family();
			else if (!strcmp(t, "unspec"))
				sa->sin_family = AF_UNSPEC;
			else
				sa->sin_family = atoi(t);
		}
	}
	return true;
}

/* Flags from the step's bare words (e.g. "send a 10 oob dontwait"). */
static int step_flags(const struct step *st, int from, const struct named *tab)
{
	long v, f = 0;
	int i;

	for (i = from; i < st->ntok; i++)
		if (!strchr(st->tok[i], '=') && !isdigit((unsigned char)st->tok[i][0]) &&
		    lookup(tab, st->tok[i], &v))
			f |= v;
	return f;
}

static bool has_word(const struct step *st, const char *w)
{
	int i;

	for (i = 1; i < st->ntok; i++)
		if (!strcmp(st->tok[i], w))
			return true;
	return false;
}

static long num_arg(const struct step *st, int i, long dflt)
{
	return i < st->ntok && isdigit((unsigned char)st->tok[i][0]) ?
	       strtol(st->tok[i], NULL, 0) : dflt;
}

/* ---- data helpers --------------------------------------------------------- */

/* A scratch buffer of at least @len bytes, kept between calls. */
static uint8_t *scratch(uint8_t **buf, size_t *cap, size_t len)
{
	if (len > *cap) {
		free(*buf);
		*cap = len;
		*buf = malloc(len);
		if (!*buf)
			abort();
	}
	return *buf;
}

static uint8_t *next_bytes(struct xsock *s, size_t len)
{
	static uint8_t *buf;
	static size_t cap;

	inx_prng_fill(&s->tx, scratch(&buf, &cap, len), len);
	return buf;
}

static uint8_t *rx_buf(size_t len)
{
	static uint8_t *buf;
	static size_t cap;

	return memset(scratch(&buf, &cap, len), 0, len);
}

/*
 * Sent bytes are drawn from the sender's stream only once they are
 * accepted: on a short or failed send the unsent tail is taken back by
 * rewinding, so both runs keep producing the same byte sequence.
 */
static void tx_commit(struct xsock *s, struct inx_prng *saved, size_t asked, long sent)
{
	uint8_t junk[4096];
	size_t n;

	if (sent > 0)
		s->sent += sent;
	if (sent == (long)asked)
		return;
	s->tx = *saved;
	for (n = sent > 0 ? sent : 0; n; ) {
		size_t k = n < sizeof(junk) ? n : sizeof(junk);

		inx_prng_fill(&s->tx, junk, k);
		n -= k;
	}
}

/* N bytes of S's stream read: into its hash and count. */
static void rx_consume(struct xsock *s, const uint8_t *buf, long n)
{
	s->rxhash = inx_fnv(s->rxhash, buf, n);
	s->got += n;
}

static void rx_account(struct run *r, struct xsock *s, const char *what,
		       const uint8_t *buf, long n, bool consume)
{
	uint64_t h;

	if (n <= 0)
		return;
	if (consume) {
		rx_consume(s, buf, n);
		h = s->rxhash;
	} else {
		h = inx_fnv(INX_FNV_INIT, buf, n);
	}
	rec_kv(r, "%s data", (long)(h & 0x7fffffff), what);
}

/* ---- steps ------------------------------------------------------------------ */

static int do_socket(struct run *r, const struct step *st)
{
	int fam = r->t->fam, type = SOCK_STREAM, proto = 0, fd, i;
	long v;

	for (i = 1; i < st->ntok; i++) {
		const char *a = st->tok[i];

		if (!strcmp(a, "inet"))
			fam = AF_INET;
		else if (!strcmp(a, "nonblock"))
			type |= SOCK_NONBLOCK;
		else if (!strcmp(a, "cloexec"))
			type |= SOCK_CLOEXEC;
		else if (!strncmp(a, "type=", 5) && lookup((const struct named[]){
				{ "stream", SOCK_STREAM }, { "dgram", SOCK_DGRAM },
				{ "raw", SOCK_RAW }, { "seqpacket", SOCK_SEQPACKET },
				{ NULL, 0 } }, a + 5, &v))
			type = (type & ~0xf) | v;
		else if (!strncmp(a, "proto=", 6))
			proto = strtol(a + 6, NULL, 0);
		else if (strcmp(a, "notimeo"))
			return bad(r, "socket: unknown argument %s", a), -1;
	}
	fd = socket(fam, type, proto);
	expect(r, "socket", fd < 0 ? -1 : 0, fd < 0 ? errno : 0);
	if (fd < 0)
		return -1;
	/* Bounded blocking steps, except where the step is about timeouts. */
	if (!has_word(st, "notimeo"))
		inx_set_timeouts(fd, INX_TIMEOUT_MS);
	if (st->assign && !sock_new(r, st->assign, fd, fam))
		bad(r, "too many sockets");
	else if (!st->assign)
		close(fd);
	return 0;
}

#define SOCK_ARG(st, r, s)						\
	do {								\
		if ((st)->ntok < 2 || !((s) = sock_get((r), (st)->tok[1]))) \
			return bad((r), "%s: no such socket", (st)->tok[0]), -1; \
	} while (0)

static int do_bind_connect(struct run *r, const struct step *st, bool conn)
{
	struct sockaddr_in sa;
	struct xsock *s;
	socklen_t len;
	long ret;

	SOCK_ARG(st, r, s);
	if (st->ntok >= 3 && !strcmp(st->tok[2], "unspec")) {
		memset(&sa, 0, sizeof(sa));
		sa.sin_family = AF_UNSPEC;
		len = sizeof(sa);
		for (int i = 3; i < st->ntok; i++)
			if (!strncmp(st->tok[i], "len=", 4))
				len = atoi(st->tok[i] + 4);
	} else if (st->ntok < 3 || !parse_addr(r, st->tok[2], &sa, &len)) {
		return bad(r, "bad address"), -1;
	}
	errno = 0;
	ret = conn ? connect(s->fd, (struct sockaddr *)&sa, len) :
		     bind(s->fd, (struct sockaddr *)&sa, len);
	expect(r, conn ? "connect" : "bind", ret, ret < 0 ? errno : 0);
	return 0;
}

static int do_accept(struct run *r, const struct step *st)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int flags = 0, fd;
	struct xsock *s, *n;

	SOCK_ARG(st, r, s);
	if (has_word(st, "nonblock"))
		flags |= SOCK_NONBLOCK;
	if (has_word(st, "cloexec"))
		flags |= SOCK_CLOEXEC;
	for (int i = 2; i < st->ntok; i++) {
		if (!strncmp(st->tok[i], "len=", 4))
			len = atoi(st->tok[i] + 4);
		else if (!strncmp(st->tok[i], "flags=", 6))
			flags = strtol(st->tok[i] + 6, NULL, 0);
	}
	memset(&sa, 0xa5, sizeof(sa));
	errno = 0;
	if (has_word(st, "noaddr"))
		fd = accept4(s->fd, NULL, NULL, flags);
	else
		fd = accept4(s->fd, (struct sockaddr *)&sa, &len, flags);
	expect(r, "accept", fd < 0 ? -1 : 0, fd < 0 ? errno : 0);
	if (fd < 0)
		return 0;
	n = st->assign ? sock_new(r, st->assign, fd, s->fam) : NULL;
	if (!n) {
		close(fd);
		return 0;
	}
	if (!has_word(st, "noaddr"))
		rec_sa(r, "accept peer", &sa, len);
	return 0;
}

static int do_xfer(struct run *r, const struct step *st)
{
	const char *op = st->tok[0];
	struct inx_prng saved;
	struct xsock *s;
	long ret, len;
	int flags, err;
	uint8_t *buf;

	SOCK_ARG(st, r, s);
	len = num_arg(st, 2, -1);
	if (len < 0)
		return bad(r, "%s: length missing", op), -1;
	flags = step_flags(st, 3, msg_flags);
	saved = s->tx;
	errno = 0;
	if (!strcmp(op, "send") || !strcmp(op, "write") || !strcmp(op, "sendmsg")) {
		buf = next_bytes(s, len);
		if (!strcmp(op, "write")) {
			ret = write(s->fd, buf, len);
		} else if (!strcmp(op, "send")) {
			ret = send(s->fd, buf, len, flags);
		} else {
			struct iovec iov = { buf, len };
			struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

			ret = sendmsg(s->fd, &mh, flags);
		}
		err = ret < 0 ? errno : 0;
		tx_commit(s, &saved, len, ret);
		expect(r, op, ret, err);
	} else {
		bool consume = !(flags & MSG_PEEK);
		struct sockaddr_in from;
		socklen_t fromlen = sizeof(from);
		char ctrl[256];
		struct iovec iov;
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
				     .msg_control = ctrl, .msg_controllen = sizeof(ctrl) };
		struct cmsghdr *cm;

		buf = rx_buf(len ? len : 1);
		iov = (struct iovec){ buf, len };
		if (!strcmp(op, "read"))
			ret = read(s->fd, buf, len);
		else if (!strcmp(op, "recv"))
			ret = recv(s->fd, buf, len, flags);
		else if (!strcmp(op, "recvfrom"))
			ret = recvfrom(s->fd, buf, len, flags, (struct sockaddr *)&from, &fromlen);
		else
			ret = recvmsg(s->fd, &mh, flags);
		err = ret < 0 ? errno : 0;
		expect(r, op, ret, err);
		/* TCP reports no source address: only its length is recorded. */
		if (!strcmp(op, "recvfrom") && ret >= 0)
			rec_kv(r, "recvfrom addrlen", fromlen);
		if (!strcmp(op, "recvmsg") && ret >= 0) {
			rec_kv(r, "msg_flags", mh.msg_flags);
			/* The control messages by level and type (not their contents). */
			for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
				rec_kv(r, "cmsg level/type", cm->cmsg_level * 1000 + cm->cmsg_type);
		}
		/* MSG_TRUNC returns the length but copies nothing. */
		if (!(flags & MSG_TRUNC))
			rx_account(r, s, op, buf, ret < len ? ret : len, consume);
	}
	return 0;
}

/* writev/readv N L1,L2,...: scattered buffers of those sizes. */
static int do_vec(struct run *r, const struct step *st)
{
	struct iovec iov[16];
	char lens[128], *p, *save = NULL;
	struct inx_prng saved;
	size_t total = 0, off;
	uint8_t *buf;
	struct xsock *s;
	int n = 0, err;
	long ret;
	bool wr = !strcmp(st->tok[0], "writev");

	SOCK_ARG(st, r, s);
	if (st->ntok < 3)
		return bad(r, "%s: lengths missing", st->tok[0]), -1;
	snprintf(lens, sizeof(lens), "%s", st->tok[2]);
	for (p = strtok_r(lens, ",", &save); p && n < 16; p = strtok_r(NULL, ",", &save)) {
		iov[n].iov_len = atoi(p);
		total += iov[n++].iov_len;
	}
	saved = s->tx;
	buf = wr ? next_bytes(s, total) : rx_buf(total ? total : 1);
	off = 0;
	for (int i = 0; i < n; i++) {
		iov[i].iov_base = buf + off;
		off += iov[i].iov_len;
	}
	errno = 0;
	ret = wr ? writev(s->fd, iov, n) : readv(s->fd, iov, n);
	err = ret < 0 ? errno : 0;
	if (wr)
		tx_commit(s, &saved, total, ret);
	expect(r, st->tok[0], ret, err);
	if (!wr)
		rx_account(r, s, "readv", buf, ret, true);
	return 0;
}

static int do_poll(struct run *r, const struct step *st)
{
	struct xsock *s;
	long ev = POLLIN | POLLPRI | POLLOUT | POLLRDHUP | POLLRDNORM |
		  POLLRDBAND | POLLWRNORM | POLLWRBAND, want = 0;
	long ms = num_arg(st, 2, 0), t0;
	int rv;

	SOCK_ARG(st, r, s);
	if (st->ntok > 3 && !lookup_bits(poll_bits, st->tok[3], &want))
		return bad(r, "poll: bad events %s", st->tok[3]), -1;
	/*
	 * "poll S MS [EVENTS]": wait up to MS for any of EVENTS (default:
	 * any event), then record the whole mask.
	 */
	t0 = inx_now_ms();
	for (;;) {
		rv = inx_poll1(s->fd, ev, 0);
		if (rv < 0 || (want ? (rv & want) : rv) || inx_now_ms() - t0 >= ms)
			break;
		usleep(2000);
	}
	expect(r, "poll", rv, rv < 0 ? errno : 0);
	return 0;
}

static int do_select(struct run *r, const struct step *st)
{
	struct timeval tv = { 0, 0 };
	fd_set rd, wr, ex;
	struct xsock *s;
	int rv;

	SOCK_ARG(st, r, s);
	FD_ZERO(&rd);
	FD_ZERO(&wr);
	FD_ZERO(&ex);
	FD_SET(s->fd, &rd);
	FD_SET(s->fd, &wr);
	FD_SET(s->fd, &ex);
	rv = select(s->fd + 1, &rd, &wr, &ex, &tv);
	expect(r, "select", rv, rv < 0 ? errno : 0);
	rec_kv(r, "select r/w/x", FD_ISSET(s->fd, &rd) * 4 + FD_ISSET(s->fd, &wr) * 2 +
	       FD_ISSET(s->fd, &ex));
	return 0;
}

/* E = epoll; epoll_add E S EVENTS; epoll_mod E S EVENTS; epoll_wait E MS */
static int do_epoll(struct run *r, const struct step *st)
{
	const char *op = st->tok[0];
	struct epoll_event evs[8];
	struct xsock *e, *s;
	long bits;
	int i, n;

	if (!strcmp(op, "epoll")) {
		int fd = epoll_create1(EPOLL_CLOEXEC);

		expect(r, "epoll_create", fd < 0 ? -1 : 0, fd < 0 ? errno : 0);
		if (fd >= 0 && st->assign) {
			e = sock_new(r, st->assign, fd, 0);
			if (e)
				e->epoll = true;
		}
		return 0;
	}
	e = st->ntok > 1 ? sock_get(r, st->tok[1]) : NULL;
	if (!e || !e->epoll)
		return bad(r, "%s: no such epoll", op), -1;
	if (!strcmp(op, "epoll_wait")) {
		n = epoll_wait(e->fd, evs, 8, num_arg(st, 2, 0));
		expect(r, "epoll_wait", n, n < 0 ? errno : 0);
		for (i = 0; i < n; i++)
			rec_kv(r, "epoll event %s", evs[i].events,
			       r->s[evs[i].data.u32].name);
		return 0;
	}
	s = st->ntok > 2 ? sock_get(r, st->tok[2]) : NULL;
	if (!s || st->ntok < 4 || !lookup_bits(epoll_bits, st->tok[3], &bits))
		return bad(r, "%s: bad arguments", op), -1;
	evs[0].events = bits;
	evs[0].data.u32 = s - r->s;
	n = epoll_ctl(e->fd, !strcmp(op, "epoll_add") ? EPOLL_CTL_ADD : EPOLL_CTL_MOD,
		      s->fd, &evs[0]);
	expect(r, op, n, n < 0 ? errno : 0);
	return 0;
}

static void rec_tcpinfo(struct run *r, const struct tcp_info *ti, socklen_t len)
{
	rec_kv(r, "tcpi len", len);
	rec_kv(r, "tcpi_state", ti->tcpi_state);
	rec_kv(r, "tcpi_ca_state", ti->tcpi_ca_state);
	rec_kv(r, "tcpi_options", ti->tcpi_options);
	rec_kv(r, "tcpi_snd_wscale", ti->tcpi_snd_wscale);
	rec_kv(r, "tcpi_rcv_wscale", ti->tcpi_rcv_wscale);
	rec_kv(r, "tcpi_snd_mss", ti->tcpi_snd_mss);
	rec_kv(r, "tcpi_rcv_mss", ti->tcpi_rcv_mss);
	rec_kv(r, "tcpi_advmss", ti->tcpi_advmss);
	rec_kv(r, "tcpi_pmtu", ti->tcpi_pmtu);
	rec_kv(r, "tcpi_unacked", ti->tcpi_unacked);
	rec_kv(r, "tcpi_retransmits", ti->tcpi_retransmits);
	rec_kv(r, "tcpi_total_retrans", ti->tcpi_total_retrans);
	rec_kv(r, "tcpi_snd_cwnd", ti->tcpi_snd_cwnd);
	rec_kv(r, "tcpi_reordering", ti->tcpi_reordering);
}

static int do_getopt(struct run *r, const struct step *st)
{
	union {
		int i;
		struct linger lg;
		struct timeval tv;
		char str[64];
		struct tcp_info ti;
		struct sockaddr_in sa;
		uint64_t u64;
		uint8_t raw[512];
	} v;
	const struct optdef *o;
	struct xsock *s;
	socklen_t len;
	long ret;
	int i;

	SOCK_ARG(st, r, s);
	if (st->ntok < 4 || !(o = find_opt(st->tok[2], st->tok[3])))
		return bad(r, "getopt: unknown option"), -1;
	len = o->kind == K_INT ? sizeof(int) : o->kind == K_LINGER ? sizeof(v.lg) :
	      o->kind == K_TV ? sizeof(v.tv) : o->kind == K_STR ? sizeof(v.str) :
	      o->kind == K_TCPINFO ? sizeof(v.ti) : o->kind == K_NONZERO ? 8 :
	      o->kind == K_SA ? sizeof(v.sa) : sizeof(v.raw);
	for (i = 4; i < st->ntok; i++)
		if (!strncmp(st->tok[i], "len=", 4))
			len = atoi(st->tok[i] + 4);
	memset(&v, 0, sizeof(v));
	v.i = -12345;
	errno = 0;
	ret = getsockopt(s->fd, o->level, o->opt, &v, &len);
	expect(r, "getsockopt", ret, ret < 0 ? errno : 0);
	if (ret < 0)
		return 0;
	rec_kv(r, "optlen", len);
	switch (o->kind) {
	case K_INT:
		rec_kv(r, "%s", v.i, o->name);
		break;
	case K_LINGER:
		rec_kv(r, "l_onoff", v.lg.l_onoff);
		rec_kv(r, "l_linger", v.lg.l_linger);
		break;
	case K_TV:
		rec_kv(r, "tv ms", v.tv.tv_sec * 1000 + v.tv.tv_usec / 1000);
		break;
	case K_STR:
		rec_kv(r, "%s \"%.40s\"", 0, o->name, v.str);
		break;
	case K_NONZERO:
		rec_kv(r, "%s != 0", v.u64 != 0, o->name);
		break;
	case K_TCPINFO:
		rec_tcpinfo(r, &v.ti, len);
		break;
	case K_SA:
		if (len >= sizeof(v.sa))
			rec_sa(r, o->name, &v.sa, len);
		break;
	case K_LEN:
		break;
	}
	return 0;
}

static int do_setopt(struct run *r, const struct step *st)
{
	union {
		int i;
		struct linger lg;
		struct timeval tv;
		char str[64];
		struct tcp_md5sig md5;
	} v;
	const struct optdef *o;
	struct xsock *s;
	socklen_t len = sizeof(int);
	const char *a;
	long ret;
	int i;

	SOCK_ARG(st, r, s);
	if (st->ntok < 5 || !(o = find_opt(st->tok[2], st->tok[3])))
		return bad(r, "setopt: unknown option or no value"), -1;
	a = st->tok[4];
	memset(&v, 0, sizeof(v));
	if (!strncmp(a, "linger:", 7)) {
		sscanf(a + 7, "%d,%d", &v.lg.l_onoff, &v.lg.l_linger);
		len = sizeof(v.lg);
	} else if (!strncmp(a, "tv:", 3)) {
		sscanf(a + 3, "%ld,%ld", &v.tv.tv_sec, &v.tv.tv_usec);
		len = sizeof(v.tv);
	} else if (!strncmp(a, "str:", 4)) {
		snprintf(v.str, sizeof(v.str), "%s", a + 4);
		len = strlen(v.str);
	} else if (!strncmp(a, "md5:", 4)) {
		/* md5:ADDR:KEY */
		struct sockaddr_in *sin = (struct sockaddr_in *)&v.md5.tcpm_addr;
		char host[32];
		const char *key = strchr(a + 4, ':');

		if (!key)
			return bad(r, "md5:ADDR:KEY"), -1;
		snprintf(host, sizeof(host), "%.*s", (int)(key - a - 4), a + 4);
		sin->sin_family = AF_INET;
		inet_pton(AF_INET, host, &sin->sin_addr);
		key++;
		v.md5.tcpm_keylen = strlen(key);
		memcpy(v.md5.tcpm_key, key, v.md5.tcpm_keylen);
		len = sizeof(v.md5);
	} else {
		v.i = strtol(a, NULL, 0);
	}
	for (i = 5; i < st->ntok; i++)
		if (!strncmp(st->tok[i], "len=", 4))
			len = atoi(st->tok[i] + 4);
	errno = 0;
	ret = setsockopt(s->fd, o->level, o->opt, &v, len);
	expect(r, "setsockopt", ret, ret < 0 ? errno : 0);
	return 0;
}

static int do_ioctl(struct run *r, const struct step *st)
{
	union {
		int i;
		struct timeval tv;
		struct ifreq ifr;
	} v;
	struct xsock *s;
	long cmd, ret;
	bool ifreq;

	SOCK_ARG(st, r, s);
	if (st->ntok < 3 || !lookup(ioctls, st->tok[2], &cmd))
		return bad(r, "ioctl: unknown request"), -1;
	memset(&v, 0, sizeof(v));
	v.i = st->ntok > 3 ? atoi(st->tok[3]) : -12345;
	/*
	 * Interface requests ask about lo (ifindex 1), or the interface
	 * named by the argument, and record what they answer.
	 */
	ifreq = cmd == SIOCGIFFLAGS || cmd == SIOCGIFADDR || cmd == SIOCGIFMTU ||
		cmd == SIOCGIFINDEX;
	if (cmd == SIOCGIFNAME) {
		memset(&v, 0, sizeof(v));
		v.ifr.ifr_ifindex = 1;
	} else if (ifreq) {
		memset(&v, 0, sizeof(v));
		snprintf(v.ifr.ifr_name, sizeof(v.ifr.ifr_name), "%s",
			 st->ntok > 3 ? st->tok[3] : "lo");
	}
	errno = 0;
	ret = ioctl(s->fd, cmd, &v);
	expect(r, "ioctl", ret, ret < 0 ? errno : 0);
	if (ret < 0 || cmd == SIOCGSTAMP || cmd == SIOCGSTAMPNS)
		return 0;
	if (cmd == SIOCGIFADDR)
		rec_sa(r, "ifr_addr", (struct sockaddr_in *)&v.ifr.ifr_addr,
		       sizeof(struct sockaddr_in));
	else if (cmd == SIOCGIFNAME)
		rec_kv(r, "ifr_name %.16s", 0, v.ifr.ifr_name);
	else if (cmd == SIOCGIFFLAGS)
		rec_kv(r, "ifr_flags", v.ifr.ifr_flags);
	else if (cmd == SIOCGIFMTU)
		rec_kv(r, "ifr_mtu", v.ifr.ifr_mtu);
	else if (cmd == SIOCGIFINDEX)
		rec_kv(r, "ifr_ifindex", v.ifr.ifr_ifindex);
	else
		rec_kv(r, "ioctl value", v.i);
	return 0;
}

static int do_name(struct run *r, const struct step *st, bool peer)
{
	struct sockaddr_in sa;
	socklen_t len = num_arg(st, 2, sizeof(sa));
	struct xsock *s;
	long ret;

	SOCK_ARG(st, r, s);
	memset(&sa, 0, sizeof(sa));
	errno = 0;
	ret = peer ? getpeername(s->fd, (struct sockaddr *)&sa, &len) :
		     getsockname(s->fd, (struct sockaddr *)&sa, &len);
	expect(r, peer ? "getpeername" : "getsockname", ret, ret < 0 ? errno : 0);
	if (ret == 0)
		rec_sa(r, peer ? "peer" : "name", &sa, len);
	return 0;
}

/* The (ret, errno) of closing: "close S", "abort S" (SO_LINGER {1, 0}). */
static int do_close(struct run *r, const struct step *st)
{
	struct xsock *s;
	long ret;

	SOCK_ARG(st, r, s);
	if (!strcmp(st->tok[0], "abort")) {
		struct linger lg = { 1, 0 };

		setsockopt(s->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	}
	errno = 0;
	ret = close(s->fd);
	expect(r, st->tok[0], ret, ret < 0 ? errno : 0);
	s->fd = -1;
	s->name[0] = 0;
	return 0;
}

static int do_shutdown(struct run *r, const struct step *st)
{
	struct xsock *s;
	long how, ret;

	SOCK_ARG(st, r, s);
	if (st->ntok < 3 || !lookup((const struct named[]){ { "rd", SHUT_RD },
			{ "wr", SHUT_WR }, { "rdwr", SHUT_RDWR }, { NULL, 0 } },
			st->tok[2], &how))
		return bad(r, "shutdown: how?"), -1;
	errno = 0;
	ret = shutdown(s->fd, how);
	expect(r, "shutdown", ret, ret < 0 ? errno : 0);
	return 0;
}

/* listen S BACKLOG */
static int do_listen(struct run *r, const struct step *st)
{
	struct xsock *s;
	long ret;

	SOCK_ARG(st, r, s);
	errno = 0;
	ret = listen(s->fd, num_arg(st, 2, 8));
	expect(r, "listen", ret, ret < 0 ? errno : 0);
	return 0;
}

/* fcntl S nonblock|block|cloexec?|nonblock? */
static int do_fcntl(struct run *r, const struct step *st)
{
	struct xsock *s;
	const char *a;
	long ret;
	int fl;

	SOCK_ARG(st, r, s);
	a = st->ntok > 2 ? st->tok[2] : "";
	fl = fcntl(s->fd, F_GETFL);
	errno = 0;
	if (!strcmp(a, "nonblock"))
		ret = fcntl(s->fd, F_SETFL, fl | O_NONBLOCK);
	else if (!strcmp(a, "block"))
		ret = fcntl(s->fd, F_SETFL, fl & ~O_NONBLOCK);
	else if (!strcmp(a, "nonblock?"))
		ret = !!(fl & O_NONBLOCK);
	else if (!strcmp(a, "cloexec?"))
		ret = !!(fcntl(s->fd, F_GETFD) & FD_CLOEXEC);
	else
		return bad(r, "fcntl: what?"), -1;
	expect(r, "fcntl", ret, ret < 0 ? errno : 0);
	return 0;
}

/* sendfile S LEN: the socket's next LEN bytes from a memfd. */
static int do_sendfile(struct run *r, const struct step *st)
{
	struct inx_prng saved;
	long len = num_arg(st, 2, 0), ret;
	struct xsock *s;
	off_t off = 0;
	int mfd, err;

	SOCK_ARG(st, r, s);
	mfd = memfd_create("inetx_parity", 0);
	saved = s->tx;
	if (mfd < 0 || write(mfd, next_bytes(s, len), len) != len)
		return bad(r, "memfd"), -1;
	errno = 0;
	ret = sendfile(s->fd, mfd, &off, len);
	err = ret < 0 ? errno : 0;
	tx_commit(s, &saved, len, ret);
	expect(r, "sendfile", ret, err);
	close(mfd);
	return 0;
}

/*
 * splice_to S LEN: LEN bytes through a pipe into the socket.
 * splice_from S LEN [nonblock]: up to LEN bytes from the socket into a
 * pipe, then read back and accounted like recv.
 */
static int do_splice(struct run *r, const struct step *st)
{
	bool to = !strcmp(st->tok[0], "splice_to");
	long len = num_arg(st, 2, 0), ret;
	struct inx_prng saved;
	struct xsock *s;
	int p[2], err;

	SOCK_ARG(st, r, s);
	if (pipe(p))
		return bad(r, "pipe"), -1;
	if (to) {
		saved = s->tx;
		if (write(p[1], next_bytes(s, len), len) != len)
			return bad(r, "pipe write"), -1;
		errno = 0;
		ret = splice(p[0], NULL, s->fd, NULL, len, 0);
		err = ret < 0 ? errno : 0;
		tx_commit(s, &saved, len, ret);
		expect(r, "splice pipe->socket", ret, err);
	} else {
		uint8_t *buf = rx_buf(len ? len : 1);

		errno = 0;
		ret = splice(s->fd, NULL, p[1], NULL, len,
			     has_word(st, "nonblock") ? SPLICE_F_NONBLOCK : 0);
		err = ret < 0 ? errno : 0;
		expect(r, "splice socket->pipe", ret, err);
		if (ret > 0 && read(p[0], buf, ret) == ret)
			rx_account(r, s, "splice", buf, ret, true);
	}
	close(p[0]);
	close(p[1]);
	return 0;
}

/* errqueue S: one MSG_ERRQUEUE message, e.g. a MSG_ZEROCOPY completion. */
static int do_errqueue(struct run *r, const struct step *st)
{
	char ctrl[256];
	struct msghdr mh = { .msg_control = ctrl, .msg_controllen = sizeof(ctrl) };
	struct sock_extended_err *ee = NULL;
	struct cmsghdr *cm;
	struct xsock *s;
	long ret;

	SOCK_ARG(st, r, s);
	errno = 0;
	ret = recvmsg(s->fd, &mh, MSG_ERRQUEUE | MSG_DONTWAIT);
	expect(r, "recvmsg errqueue", ret, ret < 0 ? errno : 0);
	if (ret < 0)
		return 0;
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		rec_kv(r, "cmsg level/type", cm->cmsg_level * 1000 + cm->cmsg_type);
		if (cm->cmsg_level == SOL_IP && cm->cmsg_type == IP_RECVERR)
			ee = (struct sock_extended_err *)CMSG_DATA(cm);
	}
	if (ee) {
		rec_kv(r, "ee_errno", ee->ee_errno);
		rec_kv(r, "ee_origin", ee->ee_origin);
		rec_kv(r, "ee_code", ee->ee_code);
		rec_kv(r, "ee_info..ee_data", ee->ee_info * 1000 + ee->ee_data);
	}
	return 0;
}

/* sendto S ADDR LEN [flags] (MSG_FASTOPEN connects and sends at once). */
static int do_sendto(struct run *r, const struct step *st)
{
	struct inx_prng saved;
	struct sockaddr_in sa;
	struct xsock *s;
	socklen_t alen;
	long len, ret;
	int err;

	SOCK_ARG(st, r, s);
	if (st->ntok < 4 || !parse_addr(r, st->tok[2], &sa, &alen))
		return bad(r, "sendto: bad address"), -1;
	len = num_arg(st, 3, 0);
	saved = s->tx;
	errno = 0;
	ret = sendto(s->fd, next_bytes(s, len), len, step_flags(st, 4, msg_flags),
		     (struct sockaddr *)&sa, alen);
	err = ret < 0 ? errno : 0;
	tx_commit(s, &saved, len, ret);
	expect(r, "sendto", ret, err);
	return 0;
}

/* waitin S N: until N bytes can be read (or EOF). */
static int do_waitin(struct run *r, const struct step *st)
{
	struct xsock *s;

	SOCK_ARG(st, r, s);
	expect(r, "waitin", inx_wait_readable(s->fd, num_arg(st, 2, 1)), 0);
	return 0;
}

/*
 * tswait C S: until S's received data comes with an SCM_TIMESTAMP.
 * S must have SO_TIMESTAMP on. TCP stamps received packets only while the
 * kernel's receive-timestamp static key is on, and the kernel turns that
 * key on from a workqueue after the first SO_TIMESTAMP user appears: C
 * sends one-byte probes, S reads them with recvmsg, until one is stamped
 * (or INX_TIMEOUT_MS passes). The probes are not part of either stream.
 * While S keeps SO_TIMESTAMP, the key stays on.
 */
static int do_tswait(struct run *r, const struct step *st)
{
	struct xsock *c, *s;
	long t0 = inx_now_ms(), on = 0;

	if (st->ntok < 3 || !(c = sock_get(r, st->tok[1])) || !(s = sock_get(r, st->tok[2])))
		return bad(r, "tswait C S"), -1;
	while (!on && inx_now_ms() - t0 < INX_TIMEOUT_MS) {
		char ctrl[256], b;
		struct iovec iov = { &b, 1 };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
				     .msg_control = ctrl, .msg_controllen = sizeof(ctrl) };
		struct cmsghdr *cm;

		if (send(c->fd, "t", 1, MSG_NOSIGNAL) != 1 || recvmsg(s->fd, &mh, 0) != 1)
			break;
		for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
			if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_TIMESTAMP)
				on = 1;
		if (!on)
			usleep(10000);
	}
	expect(r, "tswait", on, 0);
	return 0;
}

/* Drain S until EOF: records total bytes and the stream's hash. */
static int do_drain(struct run *r, const struct step *st)
{
	uint8_t *buf = rx_buf(65536);
	long total = 0, n;
	struct xsock *s;

	SOCK_ARG(st, r, s);
	while ((n = recv(s->fd, buf, 65536, 0)) > 0) {
		rx_consume(s, buf, n);
		total += n;
	}
	expect(r, "drain", n < 0 ? -1 : total, n < 0 ? errno : 0);
	rec_kv(r, "stream hash", (long)(s->rxhash & 0x7fffffff));
	return 0;
}

/* pump A B LEN: A sends LEN bytes while B receives them (one thread). */
static int do_pump(struct run *r, const struct step *st)
{
	struct xsock *a, *b;
	long len = num_arg(st, 3, 0), sent = 0, got = 0, t0 = inx_now_ms();
	uint8_t *rb = malloc(65536);

	if (st->ntok < 4 || !(a = sock_get(r, st->tok[1])) || !(b = sock_get(r, st->tok[2])) || !rb)
		return free(rb), bad(r, "pump A B LEN"), -1;
	while ((sent < len || got < len) && inx_now_ms() - t0 < INX_TIMEOUT_MS * 2) {
		if (sent < len) {
			struct inx_prng saved = a->tx;
			long k = len - sent > 65536 ? 65536 : len - sent;
			long n = send(a->fd, next_bytes(a, k), k, MSG_DONTWAIT);

			tx_commit(a, &saved, k, n);
			if (n > 0)
				sent += n;
		}
		for (;;) {
			long n = recv(b->fd, rb, 65536, MSG_DONTWAIT);

			if (n <= 0)
				break;
			rx_consume(b, rb, n);
			got += n;
		}
		if (sent < len || got < len)
			inx_poll1(b->fd, POLLIN, 5);
	}
	free(rb);
	expect(r, "pump", got == len && sent == len ? len : -1, 0);
	rec_kv(r, "stream hash", (long)(b->rxhash & 0x7fffffff));
	return 0;
}

/*
 * fill S: nonblocking sends until EAGAIN (how much fits depends on
 * timing, so only reaching EAGAIN is recorded).
 * catchup R S: R reads exactly what S has sent beyond what R has read.
 */
static int do_fill(struct run *r, const struct step *st)
{
	long n, i, t0 = inx_now_ms();
	struct xsock *s;

	SOCK_ARG(st, r, s);
	for (i = 0; inx_now_ms() - t0 < INX_TIMEOUT_MS; i++) {
		struct inx_prng saved = s->tx;

		n = send(s->fd, next_bytes(s, 65536), 65536, MSG_DONTWAIT);
		tx_commit(s, &saved, 65536, n);
		if (n < 0)
			break;
	}
	expect(r, "fill", n < 0 ? -1 : 0, n < 0 ? errno : 0);
	return 0;
}

static int do_catchup(struct run *r, const struct step *st)
{
	uint8_t *buf = rx_buf(65536);
	struct xsock *rs, *ss;
	long n = 0, want;

	if (st->ntok < 3 || !(rs = sock_get(r, st->tok[1])) || !(ss = sock_get(r, st->tok[2])))
		return bad(r, "catchup R S"), -1;
	while (rs->got < ss->sent) {
		want = ss->sent - rs->got;
		n = recv(rs->fd, buf, want < 65536 ? want : 65536, 0);
		if (n <= 0)
			break;
		rx_consume(rs, buf, n);
	}
	expect(r, "catchup", rs->got == ss->sent ? 0 : -1, n < 0 ? errno : 0);
	rec_kv(r, "stream hash", (long)(rs->rxhash & 0x7fffffff));
	return 0;
}

static int write_str(const char *path, const char *s)
{
	ssize_t len = strlen(s);
	int fd, ret;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ret = write(fd, s, len) == len ? 0 : -1;
	close(fd);
	return ret;
}

/*
 * Network namespaces without root: a user namespace of the run's own,
 * made once, before the first network namespace, which it then owns (and
 * so may enter, set up and leave). Our uid and gid are 0 in it, so "ip"
 * started by veth keeps its capabilities there. Root stays where it is.
 */
static int userns_enter(struct run *r)
{
	char map[32];

	if (r->root || r->userns)
		return 0;
	snprintf(map, sizeof(map), "0 %u 1\n", (unsigned int)geteuid());
	if (unshare(CLONE_NEWUSER) || write_str("/proc/self/uid_map", map) ||
	    write_str("/proc/self/setgroups", "deny"))
		return -1;
	snprintf(map, sizeof(map), "0 %u 1\n", (unsigned int)getegid());
	if (write_str("/proc/self/gid_map", map))
		return -1;
	r->userns = true;
	return 0;
}

/* A new network namespace, owned by our user namespace, with lo up. */
static int netns_new(struct run *r)
{
	if (userns_enter(r) || unshare(CLONE_NEWNET))
		return -1;
	return inx_lo_up();
}

/* netns: a new network namespace with lo up. */
static int do_netns(struct run *r, const struct step *st)
{
	long ret;

	(void)st;
	errno = 0;
	ret = netns_new(r);
	expect(r, "netns", ret, ret < 0 ? errno : 0);
	return 0;
}

static struct netns *ns_get(struct run *r, const char *name)
{
	int i;

	for (i = 0; i < r->nns; i++)
		if (!strcmp(r->ns[i].name, name))
			return &r->ns[i];
	return NULL;
}

/*
 * ns NAME: switch to network namespace NAME, making it (lo up) the first
 * time; "ns init" goes back. Sockets belong to the namespace they were
 * made in. Unprivileged, the initial namespace cannot be entered again
 * (setns wants CAP_SYS_ADMIN over its owner), so "init" is then a new one
 * of the run's own, and no socket may come before the first ns.
 */
static int do_ns(struct run *r, const struct step *st)
{
	struct netns *n;
	long ret;

	if (st->ntok < 2)
		return bad(r, "ns NAME"), -1;
	errno = 0;
	if (!r->nns) {
		if (!r->root && r->nsock)
			return bad(r, "unprivileged: no socket before the first ns"), -1;
		if (!r->root && netns_new(r)) {
			expect(r, "ns", -1, errno);
			return 0;
		}
		snprintf(r->ns[0].name, sizeof(r->ns[0].name), "init");
		r->ns[0].fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
		r->nns = 1;
	}
	n = ns_get(r, st->tok[1]);
	if (!n && r->nns >= 4)
		return bad(r, "too many namespaces"), -1;
	if (n) {
		ret = setns(n->fd, CLONE_NEWNET);
	} else {
		ret = netns_new(r);
		if (!ret) {
			n = &r->ns[r->nns++];
			snprintf(n->name, sizeof(n->name), "%s", st->tok[1]);
			n->fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
		}
	}
	expect(r, "ns", ret, ret < 0 ? errno : 0);
	return 0;
}

/*
 * veth A ADDR_A B ADDR_B: a veth pair between namespaces A and B (made
 * with "ns" before), addresses ADDR/24 on each end, both up; we end in B.
 * iproute2 does the netlink work in the namespace it inherits from us and
 * finds B by our fd: no named namespaces (ip netns), whose mounts need
 * root. The pair dies with its namespaces.
 */
static int do_veth(struct run *r, const struct step *st)
{
	char cmd[512];
	struct netns *n[2];
	int ret, pid = getpid();

	if (st->ntok < 5 || !(n[0] = ns_get(r, st->tok[1])) || !(n[1] = ns_get(r, st->tok[3])))
		return bad(r, "veth A ADDR_A B ADDR_B"), -1;
	/*
	 * The VM's kernel cannot autoload veth (its modprobe helper runs in
	 * the initramfs) and unprivileged runs cannot load it:
	 * run_selftests.sh loads it first.
	 */
	snprintf(cmd, sizeof(cmd),
		 "{ modprobe -q veth 2>/dev/null; true; } && "
		 "ip link add vx%da type veth peer name vx%db netns /proc/%d/fd/%d && "
		 "ip addr add %s/24 dev vx%da && ip link set vx%da up",
		 pid, pid, pid, n[1]->fd, st->tok[2], pid, pid);
	ret = setns(n[0]->fd, CLONE_NEWNET);
	if (!ret)
		ret = system(cmd);
	snprintf(cmd, sizeof(cmd), "ip addr add %s/24 dev vx%db && ip link set vx%db up",
		 st->tok[4], pid, pid);
	if (!ret)
		ret = setns(n[1]->fd, CLONE_NEWNET);
	if (!ret)
		ret = system(cmd);
	expect(r, "veth", ret ? -1 : 0, 0);
	return 0;
}

/* The uapi struct tcp_zerocopy_receive (<linux/tcp.h> clashes with libc's). */
struct inx_zc {
	uint64_t address;
	uint32_t length;
	uint32_t recv_skip_hint;
	uint32_t inq;
	int32_t err;
	uint64_t copybuf_address;
	int32_t copybuf_len;
	uint32_t flags;
	uint64_t msg_control;
	uint64_t msg_controllen;
	uint32_t msg_flags;
	uint32_t reserved;
};

/*
 * zcrecv S LEN: mmap LEN bytes of the socket and ask TCP_ZEROCOPY_RECEIVE
 * to map received pages there. How much is mapped and how much must be
 * copied follow the skb layout, which depends on how the sender's writes
 * met its send buffer (timing), so only the shape is recorded: whole
 * pages, within LEN, and something mapped or to skip when data is queued.
 * The mapped bytes join the stream hash, which a later catchup compares.
 */
static int do_zcrecv(struct run *r, const struct step *st)
{
	long len = num_arg(st, 2, 0), ret;
	socklen_t zl = sizeof(struct inx_zc);
	struct inx_zc zc;
	struct xsock *s;
	void *map;

	SOCK_ARG(st, r, s);
	errno = 0;
	map = mmap(NULL, len, PROT_READ, MAP_SHARED, s->fd, 0);
	expect(r, "mmap", map == MAP_FAILED ? -1 : 0, map == MAP_FAILED ? errno : 0);
	if (map == MAP_FAILED)
		return 0;
	memset(&zc, 0, sizeof(zc));
	zc.address = (uintptr_t)map;
	zc.length = len;
	errno = 0;
	ret = getsockopt(s->fd, IPPROTO_TCP, TCP_ZEROCOPY_RECEIVE, &zc, &zl);
	rec_kv(r, "zerocopy receive ret", ret < 0 ? -errno : ret);
	if (!ret) {
		rec_kv(r, "zc whole pages within len",
		       zc.length % getpagesize() == 0 && zc.length <= len);
		rec_kv(r, "zc mapped or skip hint", zc.length + zc.recv_skip_hint > 0);
		rec_kv(r, "zc err", zc.err);
		if (zc.length) {
			rx_consume(s, map, zc.length);
		}
	}
	munmap(map, len);
	return 0;
}

static int do_step(struct run *r, const struct step *st)
{
	const char *op = st->tok[0];

	r->cur = st;
	if (!strcmp(op, "socket"))
		return do_socket(r, st);
	if (!strcmp(op, "bind"))
		return do_bind_connect(r, st, false);
	if (!strcmp(op, "connect"))
		return do_bind_connect(r, st, true);
	if (!strcmp(op, "listen"))
		return do_listen(r, st);
	if (!strcmp(op, "accept"))
		return do_accept(r, st);
	if (!strcmp(op, "send") || !strcmp(op, "recv") || !strcmp(op, "write") ||
	    !strcmp(op, "read") || !strcmp(op, "sendmsg") || !strcmp(op, "recvmsg") ||
	    !strcmp(op, "recvfrom"))
		return do_xfer(r, st);
	if (!strcmp(op, "writev") || !strcmp(op, "readv"))
		return do_vec(r, st);
	if (!strcmp(op, "sendto"))
		return do_sendto(r, st);
	if (!strcmp(op, "poll"))
		return do_poll(r, st);
	if (!strcmp(op, "select"))
		return do_select(r, st);
	if (!strncmp(op, "epoll", 5))
		return do_epoll(r, st);
	if (!strcmp(op, "getopt"))
		return do_getopt(r, st);
	if (!strcmp(op, "setopt"))
		return do_setopt(r, st);
	if (!strcmp(op, "ioctl"))
		return do_ioctl(r, st);
	if (!strcmp(op, "getsockname"))
		return do_name(r, st, false);
	if (!strcmp(op, "getpeername"))
		return do_name(r, st, true);
	if (!strcmp(op, "close") || !strcmp(op, "abort"))
		return do_close(r, st);
	if (!strcmp(op, "shutdown"))
		return do_shutdown(r, st);
	if (!strcmp(op, "fcntl"))
		return do_fcntl(r, st);
	if (!strcmp(op, "sendfile"))
		return do_sendfile(r, st);
	if (!strcmp(op, "splice_to") || !strcmp(op, "splice_from"))
		return do_splice(r, st);
	if (!strcmp(op, "errqueue"))
		return do_errqueue(r, st);
	if (!strcmp(op, "waitin"))
		return do_waitin(r, st);
	if (!strcmp(op, "drain"))
		return do_drain(r, st);
	if (!strcmp(op, "tswait"))
		return do_tswait(r, st);
	if (!strcmp(op, "pump"))
		return do_pump(r, st);
	if (!strcmp(op, "netns"))
		return do_netns(r, st);
	if (!strcmp(op, "ns"))
		return do_ns(r, st);
	if (!strcmp(op, "veth"))
		return do_veth(r, st);
	if (!strcmp(op, "zcrecv"))
		return do_zcrecv(r, st);
	if (!strcmp(op, "fill"))
		return do_fill(r, st);
	if (!strcmp(op, "catchup"))
		return do_catchup(r, st);
	if (!strcmp(op, "sleep")) {
		usleep(num_arg(st, 1, 0) * 1000);
		return 0;
	}
	if (!strcmp(op, "sigpipes")) {
		expect(r, "SIGPIPEs so far", sigpipes, 0);
		return 0;
	}
	return bad(r, "unknown step '%s'", op), -1;
}

/* The child: run every step, then close what is left without TIME_WAIT. */
static int run_child(struct scen *sc, struct inx_trace *t)
{
	struct run r = { .t = t, .root = geteuid() == 0 };
	int i;

	signal(SIGPIPE, on_sigpipe);
	run_seed = 0;
	for (i = 0; i < sc->nsteps; i++)
		if (do_step(&r, &sc->steps[i]) < 0)
			break;
	for (i = 0; i < r.nsock; i++)
		if (r.s[i].fd >= 0 && !r.s[i].epoll)
			inx_close_abort(r.s[i].fd);
		else if (r.s[i].fd >= 0)
			close(r.s[i].fd);
	return 0;
}

static int child_main(void *arg)
{
	void **a = arg;

	return run_child(a[0], a[1]);
}

/* Both runs in fresh children; traces come back through shared memory. */
static bool run_scen(struct scen *sc)
{
	struct inx_trace *tr;
	bool ok, settled = true;
	int fam[2] = { AF_INET, inx_family() }, i, refs;

	ktap_watchdog(3 * RUN_SECS, "%s", sc->desc);
	if (!inx_require(sc->desc))
		return false;
	if (sc->needs_root && geteuid()) {
		ktap_skip("needs root", "%s", sc->desc);
		return true;
	}
	tr = mmap(NULL, 2 * sizeof(*tr), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (tr == MAP_FAILED)
		return ktap_test(false, "%s (mmap)", sc->desc);
	memset(tr, 0, 2 * sizeof(*tr));
	for (i = 0; i < 2; i++) {
		void *arg[2] = { sc, &tr[i] };
		int st;

		tr[i].fam = fam[i];
		refs = inx_module_refs();
		st = inx_waitpid(inx_fork(child_main, arg, RUN_SECS), RUN_SECS * 1000 + 5000);
		if (st) {
			tr[i].bad++;
			snprintf(tr[i].badmsg, sizeof(tr[i].badmsg), "run exited with %d", st);
		}
		if (i == 1)
			settled = inx_settle(refs);
	}
	if (tr[0].bad)
		ktap_diag("AF_INET run: %s", tr[0].badmsg);
	if (tr[1].bad)
		ktap_diag("INETX run: %s", tr[1].badmsg);
	ok = inx_trace_eq(&tr[0], &tr[1]) && !tr[0].bad && !tr[1].bad && settled;
	if (getenv("INETX_VERBOSE") || (!ok && (tr[0].bad || tr[1].bad))) {
		inx_trace_dump(&tr[0]);
		inx_trace_dump(&tr[1]);
	}
	ok = ktap_test(ok, "%s [%s:%d]", sc->desc, strrchr(sc->file, '/') ?
		       strrchr(sc->file, '/') + 1 : sc->file, sc->line);
	munmap(tr, 2 * sizeof(*tr));
	return ok;
}

/* ---- the scenario language ------------------------------------------------- */

static void perr(const char *file, int line, const char *msg)
{
	fprintf(stderr, "%s:%d: %s\n", file, line, msg);
	parse_errors++;
}

static void parse_file(const char *path)
{
	char *line = NULL, *p, *save;
	struct scen *sc = NULL;
	size_t cap = 0;
	int lineno = 0;
	FILE *f;

	f = fopen(path, "r");
	if (!f) {
		perr(path, 0, strerror(errno));
		return;
	}
	path = strdup(path);
	while (getline(&line, &cap, f) > 0) {
		struct step *st;
		char *arrow;

		lineno++;
		p = strchr(line, '#');
		if (p)
			*p = 0;
		for (p = line; isspace((unsigned char)*p); p++)
			;
		p[strcspn(p, "\n")] = 0;
		if (!*p)
			continue;
		if (!strncmp(p, "difference ", 11)) {
			char *colon = strchr(p, ':');

			if (!colon || ndiffs >= MAX_DIFFS) {
				perr(path, lineno, "difference KEY: text");
				continue;
			}
			*colon = 0;
			snprintf(diffs[ndiffs].key, sizeof(diffs[0].key), "%s", p + 11);
			snprintf(diffs[ndiffs].text, sizeof(diffs[0].text), "%s", colon + 1);
			ndiffs++;
			continue;
		}
		if (!strncmp(p, "scenario ", 9)) {
			if (sc)
				perr(path, lineno, "scenario inside scenario");
			if (nscens >= MAX_SCENS) {
				perr(path, lineno, "too many scenarios");
				continue;
			}
			sc = calloc(1, sizeof(*sc));
			snprintf(sc->desc, sizeof(sc->desc), "%s", p + 9);
			sc->file = path;
			sc->line = lineno;
			continue;
		}
		if (!strcmp(p, "end")) {
			if (!sc)
				perr(path, lineno, "end without scenario");
			else if (!sc->nsteps)
				perr(path, lineno, "empty scenario");
			else
				scens[nscens++] = sc;
			sc = NULL;
			continue;
		}
		if (!sc) {
			perr(path, lineno, "step outside a scenario");
			continue;
		}
		if (!strcmp(p, "needs root")) {
			sc->needs_root = true;
			continue;
		}
		if (sc->nsteps >= MAX_STEPS) {
			perr(path, lineno, "too many steps");
			continue;
		}
		st = &sc->steps[sc->nsteps++];
		st->file = path;
		st->line = lineno;
		p = strdup(p);
		arrow = strstr(p, "=>");
		if (arrow) {
			*arrow = 0;
			for (arrow += 2; isspace((unsigned char)*arrow); arrow++)
				;
			st->expect = arrow;
		}
		save = NULL;
		for (char *t = strtok_r(p, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
			if (st->ntok >= MAX_TOK) {
				perr(path, lineno, "too many words");
				break;
			}
			st->tok[st->ntok++] = t;
		}
		if (st->ntok >= 3 && !strcmp(st->tok[1], "=")) {
			st->assign = st->tok[0];
			memmove(st->tok, st->tok + 2, (st->ntok - 2) * sizeof(char *));
			st->ntok -= 2;
		}
		if (!st->ntok)
			perr(path, lineno, "no operation");
	}
	if (sc)
		perr(path, lineno, "scenario without end");
	free(line);
	fclose(f);
}

static void load_default(const char *argv0)
{
	char dir[PATH_MAX], pat[PATH_MAX + 8];
	const char *env = getenv("INETX_PARITY_DIR");
	glob_t g;
	size_t i;

	if (env) {
		snprintf(dir, sizeof(dir), "%s", env);
	} else {
		/* build/selftests/inetx_parity -> selftests/parity */
		char *exe = realpath(argv0, NULL);

		snprintf(dir, sizeof(dir), "%s/../../selftests/parity",
			 exe ? dirname(exe) : ".");
		free(exe);
	}
	snprintf(pat, sizeof(pat), "%s/*.scn", dir);
	if (glob(pat, 0, NULL, &g)) {
		perr(pat, 0, "no scenario files");
		return;
	}
	for (i = 0; i < g.gl_pathc; i++)
		parse_file(g.gl_pathv[i]);
	globfree(&g);
}

int main(int argc, char **argv)
{
	int i;

	if (argc > 1)
		for (i = 1; i < argc; i++)
			parse_file(argv[i]);
	else
		load_default(argv[0]);
	if (parse_errors || !nscens) {
		ktap_start(1);
		ktap_test(false, "parse the parity scenarios (%d errors, %d scenarios)",
			  parse_errors, nscens);
		return ktap_finish();
	}
	ktap_start(nscens);
	ktap_diag("inetx family %d%s, %d scenarios, %d documented differences, %s",
		  inx_family(), inx_available() ? "" : " (not registered)", nscens,
		  ndiffs, geteuid() ? "unprivileged" : "root");
	for (i = 0; i < nscens; i++)
		run_scen(scens[i]);
	return ktap_finish();
}
