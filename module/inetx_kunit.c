// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suites for inetx internals: inetx_kunit.ko, built only for kernels
 * with CONFIG_KUNIT (selftests/debug-kernel/), loaded after inetx.ko.
 *
 * Sockets are made with sock_create_kern() in init_net and driven through
 * their proto_ops, as the socket layer drives them; AF_INET sockets made
 * the same way are the oracle wherever inetx promises AF_INET's behaviour.
 * The tests need loopback up and nothing else listening on their ports.
 * Every socket is closed with an RST (linger 0): a TIME_WAIT socket would
 * keep inetx.ko busy for a minute after the tests.
 */

#include <kunit/test.h>
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/in.h>
#include <linux/jiffies.h>
#include <linux/mman.h>
#include <linux/nsproxy.h>
#include <linux/module.h>
#include <linux/net.h>
#include <linux/percpu_counter.h>
#include <linux/preempt.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sockptr.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/uio.h>
#include <net/inet_common.h>
#include <net/inet_connection_sock.h>
#include <net/inet_sock.h>
#include <net/ip.h>
#include <net/net_namespace.h>
#include <net/ping.h>
#include <net/protocol.h>
#include <net/request_sock.h>
#include <net/snmp.h>
#include <net/sock.h>
#include <net/tcp.h>
#include <net/timewait_sock.h>
#include <net/udp.h>
#include <net/udplite.h>

#include <uapi/linux/inetx.h>

#include "inetx.h"
#include "inetx_compat.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

#define IKT_LOOPBACK	htonl(INADDR_LOOPBACK)
/* TEST-NET-1 (RFC 5737): a guest with only loopback has no route to it. */
#define IKT_UNROUTABLE	htonl(0xc0000201)
/* The broadcast route the kernel adds for 127.0.0.1/8 on lo. */
#define IKT_LO_BCAST	htonl(0x7fffffff)
#define IKT_MAX_SOCKS	8
/* Loopback is synchronous, but softirqs can be late on a loaded TCG guest. */
#define IKT_WAIT_MS	10000
/*
 * do_sock_{set,get}sockopt() (6.8) and kunit_vm_mmap() (6.10), for options
 * from user memory (Kbuild: INETX_HAVE_KUNIT_VM_MMAP).
 */
#ifdef INETX_HAVE_KUNIT_VM_MMAP
#define IKT_HAVE_SOCKOPT_PATH	1
#else
#define IKT_HAVE_SOCKOPT_PATH	0
#endif

/* Sockets a test made, closed by ikt_exit() even when an assertion fails. */
struct ikt_ctx {
	struct socket *socks[IKT_MAX_SOCKS];
	int nsocks;
};

/* Poll @cond every 20 ms for up to IKT_WAIT_MS; the result of the last try. */
#define ikt_wait_for(cond)						\
({									\
	unsigned long __end = jiffies + msecs_to_jiffies(IKT_WAIT_MS);	\
	bool __ok;							\
									\
	while (!(__ok = (cond)) && time_before(jiffies, __end))		\
		msleep(20);						\
	__ok;								\
})

static int ikt_init(struct kunit *test)
{
	struct ikt_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);

	if (!ctx)
		return -ENOMEM;
	test->priv = ctx;
	return 0;
}

static void ikt_close(struct socket *sock)
{
	/* An RST instead of a FIN, so nothing is left in TIME_WAIT. */
	if (sock->sk)
		sock_no_linger(sock->sk);
	sock_release(sock);
}

static void ikt_exit(struct kunit *test)
{
	struct ikt_ctx *ctx = test->priv;

	while (ctx->nsocks > 0)
		ikt_close(ctx->socks[--ctx->nsocks]);
}

static void ikt_track(struct kunit *test, struct socket *sock)
{
	struct ikt_ctx *ctx = test->priv;

	if (ctx->nsocks >= IKT_MAX_SOCKS)
		ikt_close(sock);
	KUNIT_ASSERT_LT(test, ctx->nsocks, IKT_MAX_SOCKS);
	ctx->socks[ctx->nsocks++] = sock;
}

/* Close a tracked socket before the test ends (counters go back down). */
static void ikt_release(struct kunit *test, struct socket *sock)
{
	struct ikt_ctx *ctx = test->priv;
	int i;

	for (i = 0; i < ctx->nsocks; i++) {
		if (ctx->socks[i] != sock)
			continue;
		memmove(&ctx->socks[i], &ctx->socks[i + 1],
			(ctx->nsocks - i - 1) * sizeof(ctx->socks[0]));
		ctx->nsocks--;
		ikt_close(sock);
		return;
	}
	KUNIT_FAIL(test, "socket %p is not tracked", sock);
}

/* A stream socket of @family (inetx_family or PF_INET) with protocol 0. */
static struct socket *ikt_socket(struct kunit *test, int family)
{
	struct socket *sock;
	int err;

	err = sock_create_kern(&init_net, family, SOCK_STREAM, 0, &sock);
	KUNIT_ASSERT_EQ_MSG(test, err, 0, "socket(%d, SOCK_STREAM, 0)", family);
	ikt_track(test, sock);
	return sock;
}

/*
 * Both families take and report struct sockaddr_in with AF_INET; @af is
 * what the caller writes into sin_family, AF_INET unless a test wants a
 * wrong one.
 */
static struct sockaddr_in ikt_sin(int af, __be32 addr, __be16 port)
{
	struct sockaddr_in sin = {
		.sin_family = af,
		.sin_port = port,
		.sin_addr.s_addr = addr,
	};

	return sin;
}

static int ikt_bind(struct socket *sock, int af, __be32 addr, __be16 port)
{
	struct sockaddr_in sin = ikt_sin(af, addr, port);

	return kernel_bind(sock, (struct inetx_sockaddr *)&sin, sizeof(sin));
}

static int ikt_connect(struct socket *sock, int af, __be32 addr, __be16 port,
		       int flags)
{
	struct sockaddr_in sin = ikt_sin(af, addr, port);

	return kernel_connect(sock, (struct inetx_sockaddr *)&sin, sizeof(sin),
			      flags);
}

static __be16 ikt_port(struct kunit *test, struct socket *sock)
{
	struct sockaddr_in sin = {};
	int len;

	len = kernel_getsockname(sock, (struct sockaddr *)&sin);
	KUNIT_ASSERT_EQ(test, len, (int)sizeof(sin));
	KUNIT_ASSERT_NE(test, ntohs(sin.sin_port), 0);
	return sin.sin_port;
}

/* A listener on 127.0.0.1 at a free port; accept() waits IKT_WAIT_MS. */
static struct socket *ikt_listener(struct kunit *test, int family,
				   int backlog, __be16 *port)
{
	struct socket *sock = ikt_socket(test, family);

	KUNIT_ASSERT_EQ(test, ikt_bind(sock, AF_INET, IKT_LOOPBACK, 0), 0);
	KUNIT_ASSERT_EQ(test, kernel_listen(sock, backlog), 0);
	WRITE_ONCE(sock->sk->sk_rcvtimeo, msecs_to_jiffies(IKT_WAIT_MS));
	*port = ikt_port(test, sock);
	return sock;
}

/* A client of @family connected (blocking) to 127.0.0.1:@port. */
static struct socket *ikt_client(struct kunit *test, int family, __be16 port)
{
	struct socket *sock = ikt_socket(test, family);

	KUNIT_ASSERT_EQ(test,
			ikt_connect(sock, AF_INET, IKT_LOOPBACK, port, 0),
			0);
	return sock;
}

static struct socket *ikt_accept(struct kunit *test, struct socket *listener)
{
	struct socket *child;

	KUNIT_ASSERT_EQ(test, kernel_accept(listener, &child, 0), 0);
	ikt_track(test, child);
	WRITE_ONCE(child->sk->sk_rcvtimeo, msecs_to_jiffies(IKT_WAIT_MS));
	return child;
}

static bool ikt_in_state(const struct sock *sk, int tcpf_mask)
{
	return (1 << READ_ONCE(sk->sk_state)) & tcpf_mask;
}

/*
 * A client of @family left in SYN_SENT: a listener with backlog 0 takes
 * one connection into its accept queue and then drops every SYN.
 */
static struct socket *ikt_syn_sent(struct kunit *test, int family, int flags)
{
	struct socket *listener, *sock;
	__be16 port;
	int err;

	listener = ikt_listener(test, PF_INET, 0, &port);
	ikt_client(test, PF_INET, port);
	KUNIT_ASSERT_TRUE(test,
			  ikt_wait_for(READ_ONCE(listener->sk->sk_ack_backlog)));

	sock = ikt_socket(test, family);
	err = ikt_connect(sock, AF_INET, IKT_LOOPBACK, port, flags);
	KUNIT_ASSERT_EQ(test, err, -EINPROGRESS);
	KUNIT_ASSERT_EQ(test, (int)sock->state, SS_CONNECTING);
	KUNIT_ASSERT_EQ(test, (int)sock->sk->sk_state, TCP_SYN_SENT);
	return sock;
}

static int ikt_stream_connect(struct socket *sock, struct sockaddr_in *sin,
			      int flags, int is_sendmsg)
{
	int err;

	lock_sock(sock->sk);
	err = __inetx_stream_connect(sock, (struct inetx_sockaddr *)sin,
				     sizeof(*sin), flags, is_sendmsg);
	release_sock(sock->sk);
	return err;
}

/* Let sockets closed by earlier tests finish their RCU-deferred frees. */
static void ikt_settle(void)
{
	synchronize_rcu();
	rcu_barrier();
}

/* ---- inetx_addr: addresses are AF_INET's sockaddr_in -------------------- */

static void addr_bind_af_inet(struct kunit *test)
{
	struct socket *sock = ikt_socket(test, inetx_family);
	struct inet_sock *inet = inet_sk(sock->sk);

	KUNIT_EXPECT_EQ(test, ikt_bind(sock, AF_INET, IKT_LOOPBACK, 0), 0);
	KUNIT_EXPECT_EQ(test, ntohl(inet->inet_rcv_saddr), INADDR_LOOPBACK);
	KUNIT_EXPECT_NE(test, (int)inet->inet_num, 0);
	KUNIT_EXPECT_EQ(test, ntohs(inet->inet_sport), inet->inet_num);
}

/* The inetx family number is not an address family: inet_bind() says so. */
static void addr_bind_inetx_family_refused(struct kunit *test)
{
	struct socket *sock = ikt_socket(test, inetx_family);
	struct inet_sock *inet = inet_sk(sock->sk);

	KUNIT_EXPECT_EQ(test, ikt_bind(sock, inetx_family, IKT_LOOPBACK, 0),
			-EAFNOSUPPORT);
	KUNIT_EXPECT_EQ(test, (int)inet->inet_num, 0);
	KUNIT_EXPECT_EQ(test, ntohs(inet->inet_sport), 0);
	KUNIT_EXPECT_EQ(test, ntohl(inet->inet_rcv_saddr), INADDR_ANY);
	/* Still bindable: the refusal changed nothing. */
	KUNIT_EXPECT_EQ(test, ikt_bind(sock, AF_INET, IKT_LOOPBACK, 0), 0);
}

/* inet_bind() checks the length first, so inetx does too. */
static void addr_bind_short_len(struct kunit *test)
{
	struct socket *sock = ikt_socket(test, inetx_family);
	struct sockaddr_in sin = ikt_sin(AF_INET, IKT_LOOPBACK, 0);
	int short_len = sizeof(sin) - 1;

	KUNIT_EXPECT_EQ(test, kernel_bind(sock, (struct inetx_sockaddr *)&sin,
					  short_len), -EINVAL);
	/* Whatever the family: the length is checked first. */
	sin.sin_family = inetx_family;
	KUNIT_EXPECT_EQ(test, kernel_bind(sock, (struct inetx_sockaddr *)&sin,
					  short_len), -EINVAL);
	KUNIT_EXPECT_EQ(test, (int)inet_sk(sock->sk)->inet_num, 0);
}

static void addr_bind_long_len(struct kunit *test)
{
	struct socket *sock = ikt_socket(test, inetx_family);
	struct sockaddr_storage ss = {};
	struct sockaddr_in sin = ikt_sin(AF_INET, IKT_LOOPBACK, 0);

	memcpy(&ss, &sin, sizeof(sin));
	KUNIT_EXPECT_EQ(test, kernel_bind(sock, (struct inetx_sockaddr *)&ss,
					  sizeof(ss)), 0);
	KUNIT_EXPECT_EQ(test, ntohl(inet_sk(sock->sk)->inet_rcv_saddr),
			INADDR_LOOPBACK);
}

/* __inet_bind()'s compatibility rule: AF_UNSPEC only with INADDR_ANY. */
static void addr_bind_unspec_any(struct kunit *test)
{
	struct socket *sock = ikt_socket(test, inetx_family);

	KUNIT_EXPECT_EQ(test, ikt_bind(sock, AF_UNSPEC, htonl(INADDR_ANY), 0),
			0);
	KUNIT_EXPECT_NE(test, (int)inet_sk(sock->sk)->inet_num, 0);
	KUNIT_EXPECT_EQ(test, ntohl(inet_sk(sock->sk)->inet_rcv_saddr),
			INADDR_ANY);
}

static void addr_bind_unspec_addr_refused(struct kunit *test)
{
	struct socket *sock = ikt_socket(test, inetx_family);

	KUNIT_EXPECT_EQ(test, ikt_bind(sock, AF_UNSPEC, IKT_LOOPBACK, 0),
			-EAFNOSUPPORT);
	KUNIT_EXPECT_EQ(test, (int)inet_sk(sock->sk)->inet_num, 0);
}

static void addr_bind_other_family_refused(struct kunit *test)
{
	struct socket *sock = ikt_socket(test, inetx_family);

	KUNIT_EXPECT_EQ(test, ikt_bind(sock, AF_INET6, IKT_LOOPBACK, 0),
			-EAFNOSUPPORT);
	KUNIT_EXPECT_EQ(test, ikt_bind(sock, AF_UNIX, IKT_LOOPBACK, 0),
			-EAFNOSUPPORT);
}

/*
 * inetx's bind is inet_bind(): any address, good or bad, gets the answer
 * an AF_INET socket gives, and a bound socket reports the same address.
 */
static void addr_bind_matches_af_inet(struct kunit *test)
{
	const struct {
		int af;
		u32 addr;
		int len;
	} addrs[] = {
		{ AF_INET, INADDR_LOOPBACK, sizeof(struct sockaddr_in) },
		{ AF_INET, INADDR_ANY, sizeof(struct sockaddr_in) },
		{ AF_INET, INADDR_LOOPBACK, sizeof(struct sockaddr_in) - 1 },
		{ AF_INET, ntohl(IKT_UNROUTABLE), sizeof(struct sockaddr_in) },
		{ AF_UNSPEC, INADDR_ANY, sizeof(struct sockaddr_in) },
		{ AF_UNSPEC, INADDR_LOOPBACK, sizeof(struct sockaddr_in) },
		{ inetx_family, INADDR_LOOPBACK, sizeof(struct sockaddr_in) },
		{ inetx_family, INADDR_ANY, sizeof(struct sockaddr_in) },
		{ AF_INET6, INADDR_LOOPBACK, sizeof(struct sockaddr_in) },
	};
	int i;

	for (i = 0; i < ARRAY_SIZE(addrs); i++) {
		struct sockaddr_in sin = ikt_sin(addrs[i].af,
						 htonl(addrs[i].addr), 0);
		struct socket *sock = ikt_socket(test, inetx_family);
		struct socket *oracle = ikt_socket(test, PF_INET);
		struct sockaddr_in got = {}, want = {};
		int err, oerr;

		err = kernel_bind(sock, (struct inetx_sockaddr *)&sin, addrs[i].len);
		oerr = kernel_bind(oracle, (struct inetx_sockaddr *)&sin,
				   addrs[i].len);
		KUNIT_EXPECT_EQ_MSG(test, err, oerr,
				    "family %d, address %pI4, length %d",
				    addrs[i].af, &sin.sin_addr, addrs[i].len);
		if (!err && !oerr) {
			err = kernel_getsockname(sock, (struct sockaddr *)&got);
			oerr = kernel_getsockname(oracle,
						  (struct sockaddr *)&want);
			KUNIT_EXPECT_EQ(test, err, oerr);
			KUNIT_EXPECT_EQ(test, (int)got.sin_family,
					(int)want.sin_family);
			KUNIT_EXPECT_EQ(test, ntohl(got.sin_addr.s_addr),
					ntohl(want.sin_addr.s_addr));
		}
		ikt_release(test, oracle);
		ikt_release(test, sock);
	}
}

static void addr_bind_nonlocal_refused(struct kunit *test)
{
	struct socket *sock = ikt_socket(test, inetx_family);
	struct socket *oracle = ikt_socket(test, PF_INET);

	KUNIT_EXPECT_EQ(test, ikt_bind(sock, AF_INET, IKT_UNROUTABLE, 0),
			-EADDRNOTAVAIL);
	KUNIT_EXPECT_EQ(test, ikt_bind(oracle, AF_INET, IKT_UNROUTABLE, 0),
			-EADDRNOTAVAIL);
}

static void addr_bind_twice_refused(struct kunit *test)
{
	struct socket *sock = ikt_socket(test, inetx_family);
	__be16 port;

	KUNIT_ASSERT_EQ(test, ikt_bind(sock, AF_INET, IKT_LOOPBACK, 0), 0);
	port = ikt_port(test, sock);
	KUNIT_EXPECT_EQ(test, ikt_bind(sock, AF_INET, IKT_LOOPBACK, 0),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, ntohs(ikt_port(test, sock)), ntohs(port));
}

/* A port bound through inetx is taken for AF_INET too: one port space. */
static void addr_bind_shares_tcp_ports(struct kunit *test)
{
	struct socket *sock = ikt_socket(test, inetx_family);
	struct socket *oracle = ikt_socket(test, PF_INET);
	__be16 port;

	KUNIT_ASSERT_EQ(test, ikt_bind(sock, AF_INET, IKT_LOOPBACK, 0), 0);
	port = ikt_port(test, sock);
	KUNIT_EXPECT_EQ(test, ikt_bind(oracle, AF_INET, IKT_LOOPBACK, port),
			-EADDRINUSE);
}

static void addr_getsockname_reports_af_inet(struct kunit *test)
{
	struct socket *sock = ikt_socket(test, inetx_family);
	struct sockaddr_in sin = {};

	KUNIT_ASSERT_EQ(test, ikt_bind(sock, AF_INET, IKT_LOOPBACK, 0), 0);
	KUNIT_EXPECT_EQ(test, kernel_getsockname(sock, (struct sockaddr *)&sin),
			(int)sizeof(sin));
	KUNIT_EXPECT_EQ(test, (int)sin.sin_family, AF_INET);
	KUNIT_EXPECT_EQ(test, ntohl(sin.sin_addr.s_addr), INADDR_LOOPBACK);
	KUNIT_EXPECT_EQ(test, ntohs(sin.sin_port), inet_sk(sock->sk)->inet_num);
}

static void addr_getpeername_unconnected(struct kunit *test)
{
	struct socket *sock = ikt_socket(test, inetx_family);
	struct sockaddr_in sin = {};

	KUNIT_EXPECT_EQ(test, kernel_getpeername(sock, (struct sockaddr *)&sin),
			-ENOTCONN);
}

static void addr_getpeername_reports_af_inet(struct kunit *test)
{
	struct socket *sock;
	struct sockaddr_in sin = {};
	__be16 port;

	ikt_listener(test, inetx_family, 8, &port);
	sock = ikt_client(test, inetx_family, port);
	KUNIT_EXPECT_EQ(test, kernel_getpeername(sock, (struct sockaddr *)&sin),
			(int)sizeof(sin));
	KUNIT_EXPECT_EQ(test, (int)sin.sin_family, AF_INET);
	KUNIT_EXPECT_EQ(test, ntohl(sin.sin_addr.s_addr), INADDR_LOOPBACK);
	KUNIT_EXPECT_EQ(test, ntohs(sin.sin_port), ntohs(port));
}

/* INADDR_ANY as destination means this host, as for AF_INET. */
static void addr_connect_any_is_loopback(struct kunit *test)
{
	struct socket *sock;
	struct sockaddr_in sin = {};
	__be16 port;

	ikt_listener(test, inetx_family, 8, &port);
	sock = ikt_socket(test, inetx_family);
	KUNIT_ASSERT_EQ(test, ikt_connect(sock, AF_INET,
					  htonl(INADDR_ANY), port, 0), 0);
	KUNIT_EXPECT_EQ(test, kernel_getpeername(sock, (struct sockaddr *)&sin),
			(int)sizeof(sin));
	KUNIT_EXPECT_EQ(test, ntohl(sin.sin_addr.s_addr), INADDR_LOOPBACK);
	KUNIT_EXPECT_EQ(test, (int)sin.sin_family, AF_INET);
}

/* inetx_v4_connect() refuses what tcp_v4_connect() refuses. */
static void addr_connect_inetx_family_refused(struct kunit *test)
{
	struct socket *sock = ikt_socket(test, inetx_family);
	struct socket *oracle = ikt_socket(test, PF_INET);
	__be16 port;

	ikt_listener(test, PF_INET, 8, &port);
	KUNIT_EXPECT_EQ(test, ikt_connect(sock, inetx_family, IKT_LOOPBACK,
					  port, 0), -EAFNOSUPPORT);
	KUNIT_EXPECT_EQ(test, ikt_connect(oracle, inetx_family, IKT_LOOPBACK,
					  port, 0), -EAFNOSUPPORT);
	KUNIT_EXPECT_EQ(test, (int)sock->state, SS_UNCONNECTED);
	KUNIT_EXPECT_EQ(test, (int)sock->sk->sk_state, TCP_CLOSE);
	KUNIT_EXPECT_EQ(test, (int)inet_sk(sock->sk)->inet_num, 0);
	KUNIT_EXPECT_EQ(test, ntohs(inet_sk(sock->sk)->inet_dport), 0);
	KUNIT_EXPECT_EQ(test, ntohl(inet_sk(sock->sk)->inet_daddr), INADDR_ANY);
	/* Still connectable: the refusal changed nothing. */
	KUNIT_EXPECT_EQ(test, ikt_connect(sock, AF_INET, IKT_LOOPBACK, port, 0),
			0);
}

static void addr_connect_short_len(struct kunit *test)
{
	struct socket *sock = ikt_socket(test, inetx_family);
	struct sockaddr_in sin = ikt_sin(AF_INET, IKT_LOOPBACK, htons(9));

	KUNIT_EXPECT_EQ(test, kernel_connect(sock, (struct inetx_sockaddr *)&sin,
					     sizeof(sin) - 1, 0), -EINVAL);
	/* Shorter than sa_family: refused before the state is looked at. */
	KUNIT_EXPECT_EQ(test, kernel_connect(sock, (struct inetx_sockaddr *)&sin,
					     1, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, (int)sock->state, SS_UNCONNECTED);
	KUNIT_EXPECT_EQ(test, (int)sock->sk->sk_state, TCP_CLOSE);
}

static void addr_connect_unroutable(struct kunit *test)
{
	struct socket *sock = ikt_socket(test, inetx_family);
	struct socket *oracle = ikt_socket(test, PF_INET);

	KUNIT_EXPECT_EQ(test, ikt_connect(sock, AF_INET, IKT_UNROUTABLE,
					  htons(9), 0), -ENETUNREACH);
	KUNIT_EXPECT_EQ(test, ikt_connect(oracle, AF_INET, IKT_UNROUTABLE,
					  htons(9), 0), -ENETUNREACH);
	KUNIT_EXPECT_EQ(test, (int)sock->state, SS_UNCONNECTED);
	KUNIT_EXPECT_EQ(test, (int)inet_sk(sock->sk)->inet_num, 0);
}

static void addr_connect_broadcast_refused(struct kunit *test)
{
	struct socket *sock = ikt_socket(test, inetx_family);
	struct socket *oracle = ikt_socket(test, PF_INET);

	KUNIT_EXPECT_EQ(test, ikt_connect(sock, AF_INET, IKT_LO_BCAST,
					  htons(9), 0), -ENETUNREACH);
	KUNIT_EXPECT_EQ(test, ikt_connect(oracle, AF_INET, IKT_LO_BCAST,
					  htons(9), 0), -ENETUNREACH);
	KUNIT_EXPECT_EQ(test, (int)sock->sk->sk_state, TCP_CLOSE);
}

/* ---- inetx_create: the type/protocol matrix ----------------------------- */

/* inetx_unsupported()'s answer for datagram L2TP/IP, whatever is loaded. */
#define IKT_DGRAM_L2TP \
	(IS_ENABLED(CONFIG_L2TP_IP) ? -ESOCKTNOSUPPORT : -EPROTONOSUPPORT)

struct ikt_create_case {
	const char *name;
	int type;
	int protocol;
	/* inetx's answer on any kernel, to any caller allowed CAP_NET_RAW. */
	int err;
	/*
	 * AF_INET's answer depends on whether a module loads (L2TP/IP as a
	 * module): no AF_INET oracle for this pair.
	 */
	bool no_oracle;
};

static const struct ikt_create_case ikt_create_cases[] = {
	{ "stream_ip", SOCK_STREAM, IPPROTO_IP, 0 },
	{ "stream_tcp", SOCK_STREAM, IPPROTO_TCP, 0 },
	{ "stream_udp", SOCK_STREAM, IPPROTO_UDP, -EPROTONOSUPPORT },
	{ "stream_sctp", SOCK_STREAM, IPPROTO_SCTP, -EPROTONOSUPPORT },
	{ "stream_mptcp", SOCK_STREAM, IPPROTO_MPTCP, -EPROTONOSUPPORT },
	{ "stream_raw", SOCK_STREAM, IPPROTO_RAW, -EPROTONOSUPPORT },
	{ "stream_negative", SOCK_STREAM, -1, -EINVAL },
	{ "stream_ipproto_max", SOCK_STREAM, IPPROTO_MAX, -EINVAL },
	{ "dgram_ip", SOCK_DGRAM, IPPROTO_IP, -ESOCKTNOSUPPORT },
	{ "dgram_udp", SOCK_DGRAM, IPPROTO_UDP, -ESOCKTNOSUPPORT },
	/* Ping sockets: AF_INET's EACCES (ping_group_range) is ping's own. */
	{ "dgram_icmp", SOCK_DGRAM, IPPROTO_ICMP, -ESOCKTNOSUPPORT },
	{ "dgram_udplite", SOCK_DGRAM, IPPROTO_UDPLITE, -ESOCKTNOSUPPORT },
	{ "dgram_l2tp", SOCK_DGRAM, IPPROTO_L2TP, IKT_DGRAM_L2TP,
	  IS_MODULE(CONFIG_L2TP_IP) },
	{ "dgram_tcp", SOCK_DGRAM, IPPROTO_TCP, -EPROTONOSUPPORT },
	{ "dgram_sctp", SOCK_DGRAM, IPPROTO_SCTP, -EPROTONOSUPPORT },
	{ "dgram_negative", SOCK_DGRAM, -1, -EINVAL },
	{ "raw_icmp", SOCK_RAW, IPPROTO_ICMP, -ESOCKTNOSUPPORT },
	{ "raw_tcp", SOCK_RAW, IPPROTO_TCP, -ESOCKTNOSUPPORT },
	{ "raw_raw", SOCK_RAW, IPPROTO_RAW, -ESOCKTNOSUPPORT },
	{ "raw_ip", SOCK_RAW, IPPROTO_IP, -EPROTONOSUPPORT },
	{ "seqpacket_ip", SOCK_SEQPACKET, IPPROTO_IP, -ESOCKTNOSUPPORT },
	{ "seqpacket_sctp", SOCK_SEQPACKET, IPPROTO_SCTP, -ESOCKTNOSUPPORT },
	{ "rdm_ip", SOCK_RDM, IPPROTO_IP, -ESOCKTNOSUPPORT },
};

static void ikt_create_desc(const struct ikt_create_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(ikt_create, ikt_create_cases, ikt_create_desc);

/* socket(), closed at once if it was made; kern 0 is a user's socket. */
static int ikt_try_create(int family, int type, int protocol, int kern)
{
	struct socket *sock;
	int err;

	err = __sock_create(&init_net, family, type, protocol, &sock, kern);
	if (!err)
		sock_release(sock);
	return err;
}

/* inet_create()'s own refusals, before any protocol's init runs. */
static bool ikt_lookup_errno(int err)
{
	return err == -EINVAL || err == -EPROTONOSUPPORT ||
	       err == -ESOCKTNOSUPPORT || err == -EPERM;
}

/*
 * Each pair gives inetx's fixed answer, to kernel and user callers alike,
 * without asking AF_INET. The answer still follows AF_INET's: a pair
 * inet_create() itself refuses gets its errno; one AF_INET would serve
 * with another protocol (or leave to that protocol to refuse, as ping does
 * with EACCES) gets EPROTONOSUPPORT (stream) or ESOCKTNOSUPPORT.
 */
static void create_matrix(struct kunit *test)
{
	const struct ikt_create_case *c = test->param_value;
	int kern;

	for (kern = 1; kern >= 0; kern--) {
		struct socket *sock;
		int err, oracle, rule;

		err = __sock_create(&init_net, inetx_family, c->type,
				    c->protocol, &sock, kern);
		if (!err) {
			ikt_track(test, sock);
			KUNIT_EXPECT_PTR_EQ(test, READ_ONCE(sock->ops),
					    &inetx_stream_ops);
			KUNIT_EXPECT_PTR_EQ(test, sock->sk->sk_prot,
					    &inetx_prot);
			KUNIT_EXPECT_EQ(test, (int)sock->sk->sk_protocol,
					IPPROTO_TCP);
		}
		KUNIT_EXPECT_EQ_MSG(test, err, c->err, "kern %d", kern);
		if (c->err == 0 || c->no_oracle)
			continue;
		oracle = ikt_try_create(PF_INET, c->type, c->protocol, kern);
		if (ikt_lookup_errno(oracle))
			rule = oracle;
		else
			rule = c->type == SOCK_STREAM ? -EPROTONOSUPPORT :
							-ESOCKTNOSUPPORT;
		KUNIT_EXPECT_EQ_MSG(test, err, rule,
				    "kern %d: AF_INET gives %d", kern, oracle);
	}
}

static void create_lookup_wildcard(struct kunit *test)
{
	const struct inetx_protosw *answer;
	int protocol = IPPROTO_IP;

	answer = inetx_lookup_protosw(SOCK_STREAM, &protocol);
	KUNIT_ASSERT_NOT_NULL(test, answer);
	KUNIT_EXPECT_EQ(test, protocol, IPPROTO_TCP);
	KUNIT_EXPECT_PTR_EQ(test, answer->prot, &inetx_prot);
	KUNIT_EXPECT_PTR_EQ(test, answer->ops, &inetx_stream_ops);
	KUNIT_EXPECT_TRUE(test, answer->flags & INET_PROTOSW_ICSK);
	KUNIT_EXPECT_TRUE(test, answer->flags & INET_PROTOSW_PERMANENT);
	KUNIT_EXPECT_FALSE(test, answer->flags & INET_PROTOSW_REUSE);
}

static void create_lookup_exact(struct kunit *test)
{
	int protocol = IPPROTO_TCP;

	KUNIT_EXPECT_NOT_NULL(test,
			      inetx_lookup_protosw(SOCK_STREAM, &protocol));
	KUNIT_EXPECT_EQ(test, protocol, IPPROTO_TCP);
}

static void create_lookup_misses(struct kunit *test)
{
	static const int types[] = { SOCK_DGRAM, SOCK_RAW, SOCK_SEQPACKET };
	int i, protocol;

	protocol = IPPROTO_UDP;
	KUNIT_EXPECT_NULL(test, inetx_lookup_protosw(SOCK_STREAM, &protocol));
	KUNIT_EXPECT_EQ(test, protocol, IPPROTO_UDP);
	for (i = 0; i < ARRAY_SIZE(types); i++) {
		protocol = IPPROTO_IP;
		KUNIT_EXPECT_NULL(test, inetx_lookup_protosw(types[i],
							     &protocol));
		/* A miss must not rewrite the wildcard. */
		KUNIT_EXPECT_EQ(test, protocol, IPPROTO_IP);
	}
}

/* A refused create hands back every module reference it took. */
static void create_refusal_keeps_no_reference(struct kunit *test)
{
	struct module *owner = inetx_prot.owner;
	int base;

	ikt_settle();
	base = module_refcount(owner);
	KUNIT_EXPECT_EQ(test, ikt_try_create(inetx_family, SOCK_DGRAM, 0, 1),
			-ESOCKTNOSUPPORT);
	KUNIT_EXPECT_EQ(test, ikt_try_create(inetx_family, SOCK_STREAM, -1, 1),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, ikt_try_create(inetx_family, SOCK_STREAM,
					     IPPROTO_UDP, 1), -EPROTONOSUPPORT);
	KUNIT_EXPECT_TRUE_MSG(test,
			      ikt_wait_for(module_refcount(owner) == base),
			      "refcnt %d, was %d", module_refcount(owner), base);
}

/* Like inet_create(): kernel sockets do not pin their netns, user ones do. */
static void create_kern_and_user_netns_ref(struct kunit *test)
{
	struct socket *sock;

	sock = ikt_socket(test, inetx_family);
	KUNIT_EXPECT_FALSE(test, sock->sk->sk_net_refcnt);
	KUNIT_EXPECT_PTR_EQ(test, sock_net(sock->sk), &init_net);

	KUNIT_ASSERT_EQ(test, __sock_create(&init_net, inetx_family,
					    SOCK_STREAM, 0, &sock, 0), 0);
	ikt_track(test, sock);
	KUNIT_EXPECT_TRUE(test, sock->sk->sk_net_refcnt);
	KUNIT_EXPECT_PTR_EQ(test, sock->sk->sk_prot, &inetx_prot);
}

static void create_sysctl_no_pmtu_disc(struct kunit *test)
{
	u8 saved = READ_ONCE(init_net.ipv4.sysctl_ip_no_pmtu_disc);
	struct socket *want, *dont;

	WRITE_ONCE(init_net.ipv4.sysctl_ip_no_pmtu_disc, 0);
	want = ikt_socket(test, inetx_family);
	WRITE_ONCE(init_net.ipv4.sysctl_ip_no_pmtu_disc, 1);
	dont = ikt_socket(test, inetx_family);
	WRITE_ONCE(init_net.ipv4.sysctl_ip_no_pmtu_disc, saved);

	KUNIT_EXPECT_EQ(test, (int)inet_sk(want->sk)->pmtudisc,
			IP_PMTUDISC_WANT);
	KUNIT_EXPECT_EQ(test, (int)inet_sk(dont->sk)->pmtudisc,
			IP_PMTUDISC_DONT);
}

/* inetx_unsupported()'s pairs, including those inetx_create() never asks. */
struct ikt_pair {
	int type;
	int protocol;
	int err;
};

static const struct ikt_pair ikt_unsupported_pairs[] = {
	{ SOCK_STREAM, IPPROTO_UDP, -EPROTONOSUPPORT },
	{ SOCK_STREAM, IPPROTO_SCTP, -EPROTONOSUPPORT },
	{ SOCK_STREAM, IPPROTO_MPTCP, -EPROTONOSUPPORT },
	{ SOCK_DGRAM, IPPROTO_IP, -ESOCKTNOSUPPORT },
	{ SOCK_DGRAM, IPPROTO_UDP, -ESOCKTNOSUPPORT },
	{ SOCK_DGRAM, IPPROTO_ICMP, -ESOCKTNOSUPPORT },
	{ SOCK_DGRAM, IPPROTO_UDPLITE, -ESOCKTNOSUPPORT },
	{ SOCK_DGRAM, IPPROTO_L2TP, IKT_DGRAM_L2TP },
	{ SOCK_DGRAM, IPPROTO_TCP, -EPROTONOSUPPORT },
	{ SOCK_DGRAM, IPPROTO_SCTP, -EPROTONOSUPPORT },
	{ SOCK_DGRAM, IPPROTO_RAW, -EPROTONOSUPPORT },
	{ SOCK_RAW, IPPROTO_IP, -EPROTONOSUPPORT },
	{ SOCK_RAW, IPPROTO_ICMP, -ESOCKTNOSUPPORT },
	{ SOCK_RAW, IPPROTO_TCP, -ESOCKTNOSUPPORT },
	{ SOCK_RAW, IPPROTO_RAW, -ESOCKTNOSUPPORT },
	{ SOCK_RAW, IPPROTO_MAX - 1, -ESOCKTNOSUPPORT },
	{ SOCK_RDM, IPPROTO_IP, -ESOCKTNOSUPPORT },
	{ SOCK_SEQPACKET, IPPROTO_SCTP, -ESOCKTNOSUPPORT },
	{ SOCK_DCCP, IPPROTO_DCCP, -ESOCKTNOSUPPORT },
	{ SOCK_PACKET, IPPROTO_IP, -ESOCKTNOSUPPORT },
};

/*
 * The answer comes from the type and protocol alone. This test runs with
 * CAP_NET_RAW, so user (kern 0) and kernel callers get the same answers.
 */
static void create_unsupported_static(struct kunit *test)
{
	const struct ikt_pair *p, *end;
	int kern, err;

	end = ikt_unsupported_pairs + ARRAY_SIZE(ikt_unsupported_pairs);
	for (p = ikt_unsupported_pairs; p < end; p++) {
		for (kern = 0; kern <= 1; kern++) {
			err = inetx_unsupported(&init_net, p->type,
						p->protocol, kern);
			KUNIT_EXPECT_EQ_MSG(test, err, p->err,
					    "type %d, protocol %d, kern %d",
					    p->type, p->protocol, kern);
		}
	}
}

/*
 * inetx_unsupported() makes no socket and loads no module: it answers
 * with preemption off, where either would sleep (sk_alloc(), sock_alloc()
 * and request_module() are might_sleep() points, which this kernel's
 * CONFIG_DEBUG_ATOMIC_SLEEP reports) and switch away from this task.
 */
static void create_unsupported_never_sleeps(struct kunit *test)
{
	const struct ikt_pair *pairs = ikt_unsupported_pairs;
	int err[ARRAY_SIZE(ikt_unsupported_pairs)];
	unsigned long switches;
	int i;

	preempt_disable();
	switches = current->nvcsw + current->nivcsw;
	for (i = 0; i < ARRAY_SIZE(err); i++)
		err[i] = inetx_unsupported(&init_net, pairs[i].type,
					   pairs[i].protocol, 0);
	switches = current->nvcsw + current->nivcsw - switches;
	preempt_enable();

	KUNIT_EXPECT_EQ(test, switches, 0UL);
	for (i = 0; i < ARRAY_SIZE(err); i++)
		KUNIT_EXPECT_EQ(test, err[i], pairs[i].err);
}

/*
 * SOCK_RAW from a user without CAP_NET_RAW: EPERM, as inet_create() gives
 * before it would make the raw socket. Kernel sockets are exempt, and
 * protocol 0 matches no raw entry at all.
 */
static void create_unsupported_raw_eperm(struct kunit *test)
{
	int direct_user, direct_kern, direct_ip, inetx_user, inet_user;
	int inetx_kern, inetx_dgram;
	const struct cred *old;
	struct cred *cred;

	cred = prepare_creds();
	KUNIT_ASSERT_NOT_NULL(test, cred);
	cap_lower(cred->cap_effective, CAP_NET_RAW);
	old = override_creds(cred);
	direct_user = inetx_unsupported(&init_net, SOCK_RAW, IPPROTO_ICMP, 0);
	direct_kern = inetx_unsupported(&init_net, SOCK_RAW, IPPROTO_ICMP, 1);
	direct_ip = inetx_unsupported(&init_net, SOCK_RAW, IPPROTO_IP, 0);
	inetx_user = ikt_try_create(inetx_family, SOCK_RAW, IPPROTO_ICMP, 0);
	inet_user = ikt_try_create(PF_INET, SOCK_RAW, IPPROTO_ICMP, 0);
	inetx_kern = ikt_try_create(inetx_family, SOCK_RAW, IPPROTO_ICMP, 1);
	inetx_dgram = ikt_try_create(inetx_family, SOCK_DGRAM, IPPROTO_UDP, 0);
	revert_creds(old);
	put_cred(cred);

	KUNIT_EXPECT_EQ(test, direct_user, -EPERM);
	KUNIT_EXPECT_EQ(test, direct_kern, -ESOCKTNOSUPPORT);
	KUNIT_EXPECT_EQ(test, direct_ip, -EPROTONOSUPPORT);
	KUNIT_EXPECT_EQ(test, inetx_user, -EPERM);
	KUNIT_EXPECT_EQ(test, inet_user, -EPERM);
	KUNIT_EXPECT_EQ(test, inetx_kern, -ESOCKTNOSUPPORT);
	KUNIT_EXPECT_EQ(test, inetx_dgram, -ESOCKTNOSUPPORT);
	/* And with CAP_NET_RAW back, the type is what inetx refuses. */
	inetx_user = ikt_try_create(inetx_family, SOCK_RAW, IPPROTO_ICMP, 0);
	KUNIT_EXPECT_EQ(test, inetx_user, -ESOCKTNOSUPPORT);
}

/* What a socket of any family made and kept would move. */
struct ikt_counts {
	int inuse;
	int tcp, udp, udplite, ping, inetx;
	s64 tcp_allocated;
	int refs;
};

static void ikt_count(struct ikt_counts *n)
{
	ikt_settle();
	n->inuse = sock_inuse_get(&init_net);
	n->tcp = sock_prot_inuse_get(&init_net, &tcp_prot);
	n->udp = sock_prot_inuse_get(&init_net, &udp_prot);
	n->udplite = sock_prot_inuse_get(&init_net, &udplite_prot);
	n->ping = sock_prot_inuse_get(&init_net, &ping_prot);
	n->inetx = sock_prot_inuse_get(&init_net, &inetx_prot);
	n->tcp_allocated = percpu_counter_sum(tcp_prot.sockets_allocated);
	n->refs = module_refcount(inetx_prot.owner);
}

/*
 * Refusing every unsupported pair of the matrix, as a user and as the
 * kernel, leaves no socket of any family behind: the in-use counts of
 * the netns and of TCP, UDP, UDP-Lite, ping and inetx, TCP's allocated
 * sockets and inetx's module references are where they were.
 */
static void create_refused_leaves_no_socket(struct kunit *test)
{
	const struct ikt_create_case *c;
	struct ikt_counts before, after;
	int kern;

	ikt_count(&before);
	for (c = ikt_create_cases;
	     c < ikt_create_cases + ARRAY_SIZE(ikt_create_cases); c++)
		for (kern = 0; kern <= 1 && c->err; kern++)
			KUNIT_EXPECT_EQ(test, ikt_try_create(inetx_family,
							     c->type,
							     c->protocol,
							     kern), c->err);
	ikt_count(&after);

	KUNIT_EXPECT_EQ(test, after.inuse, before.inuse);
	KUNIT_EXPECT_EQ(test, after.tcp, before.tcp);
	KUNIT_EXPECT_EQ(test, after.udp, before.udp);
	KUNIT_EXPECT_EQ(test, after.udplite, before.udplite);
	KUNIT_EXPECT_EQ(test, after.ping, before.ping);
	KUNIT_EXPECT_EQ(test, after.inetx, before.inetx);
	KUNIT_EXPECT_EQ(test, after.tcp_allocated, before.tcp_allocated);
	KUNIT_EXPECT_EQ(test, after.refs, before.refs);
}

/* ---- inetx_layering: socket -> sock -> inet -> icsk -> tcp --------------- */

static void layer_socket_and_sock_linked(struct kunit *test)
{
	struct socket *sock = ikt_socket(test, inetx_family);
	struct sock *sk = sock->sk;

	KUNIT_ASSERT_NOT_NULL(test, sk);
	KUNIT_EXPECT_PTR_EQ(test, sk->sk_socket, sock);
	KUNIT_EXPECT_PTR_EQ(test, sk_sleep(sk), &sock->wq.wait);
	KUNIT_EXPECT_EQ(test, (int)sock->type, SOCK_STREAM);
	KUNIT_EXPECT_EQ(test, (int)sock->state, SS_UNCONNECTED);
	KUNIT_EXPECT_EQ(test, (int)sk->sk_state, TCP_CLOSE);
}

static void layer_ops_are_inetx(struct kunit *test)
{
	struct socket *sock = ikt_socket(test, inetx_family);
	const struct proto_ops *ops = READ_ONCE(sock->ops);

	KUNIT_EXPECT_PTR_EQ(test, ops, &inetx_stream_ops);
	KUNIT_EXPECT_EQ(test, ops->family, PF_INETX);
	KUNIT_EXPECT_PTR_EQ(test, ops->owner, inetx_prot.owner);
	KUNIT_EXPECT_NOT_NULL(test, ops->owner);
	/* Addresses are AF_INET's: getname is inet_stream_ops'. */
	KUNIT_EXPECT_PTR_EQ(test, ops->getname, inet_stream_ops.getname);
	/* connect and accept are inetx's mirrors. */
	KUNIT_EXPECT_PTR_NE(test, ops->connect, inet_stream_ops.connect);
	KUNIT_EXPECT_PTR_NE(test, ops->accept, inet_stream_ops.accept);
	/*
	 * bind, listen, shutdown, release (tracepoints), sendmsg and recvmsg
	 * (byte counters) are inetx's wrappers around AF_INET's own.
	 */
	KUNIT_EXPECT_PTR_NE(test, ops->bind, inet_stream_ops.bind);
	KUNIT_EXPECT_PTR_NE(test, ops->release, inet_stream_ops.release);
	KUNIT_EXPECT_PTR_NE(test, ops->sendmsg, inet_stream_ops.sendmsg);
	KUNIT_EXPECT_PTR_NE(test, ops->recvmsg, inet_stream_ops.recvmsg);
	KUNIT_EXPECT_PTR_EQ(test, ops->poll, inet_stream_ops.poll);
}

static void layer_prot_is_inetx(struct kunit *test)
{
	struct sock *sk = ikt_socket(test, inetx_family)->sk;

	KUNIT_EXPECT_PTR_EQ(test, sk->sk_prot, &inetx_prot);
	KUNIT_EXPECT_PTR_EQ(test, sk->sk_prot_creator, &inetx_prot);
	KUNIT_EXPECT_STREQ(test, sk->sk_prot->name, "INETX");
	KUNIT_EXPECT_NOT_NULL(test, sk->sk_prot->owner);
	KUNIT_EXPECT_STREQ(test, sk->sk_prot->owner->name, "inetx");
}

static void layer_family_is_inet(struct kunit *test)
{
	struct sock *sk = ikt_socket(test, inetx_family)->sk;

	KUNIT_EXPECT_EQ(test, (int)sk->sk_family, PF_INET);
	KUNIT_EXPECT_EQ(test, (int)sk->sk_type, SOCK_STREAM);
	KUNIT_EXPECT_EQ(test, (int)sk->sk_protocol, IPPROTO_TCP);
	KUNIT_EXPECT_TRUE(test, sk_is_tcp(sk));
	KUNIT_EXPECT_TRUE(test, sk_fullsock(sk));
}

static void layer_inet_sock_initialised(struct kunit *test)
{
	struct sock *sk = ikt_socket(test, inetx_family)->sk;
	struct inet_sock *inet = inet_sk(sk);

	KUNIT_EXPECT_TRUE(test, inetx_is_icsk(sk));
	KUNIT_EXPECT_TRUE(test, inetx_mc_loop(sk));
	KUNIT_EXPECT_EQ(test, (int)inet->uc_ttl, -1);
	KUNIT_EXPECT_EQ(test, (int)inet->mc_ttl, 1);
	KUNIT_EXPECT_EQ(test, (int)inet->mc_index, 0);
	KUNIT_EXPECT_NULL(test, rcu_access_pointer(inet->mc_list));
	KUNIT_EXPECT_EQ(test, (int)inet->inet_num, 0);
	KUNIT_EXPECT_PTR_EQ(test, sk->sk_destruct, &inet_sock_destruct);
}

/* tcp_prot.init ran: the tcp_sock and icsk look like AF_INET's. */
static void layer_tcp_sock_like_af_inet(struct kunit *test)
{
	struct sock *sk = ikt_socket(test, inetx_family)->sk;
	struct sock *ref = ikt_socket(test, PF_INET)->sk;
	struct tcp_sock *tp = tcp_sk(sk), *rtp = tcp_sk(ref);

	KUNIT_EXPECT_PTR_EQ(test, inet_csk(sk)->icsk_af_ops,
			    inet_csk(ref)->icsk_af_ops);
	KUNIT_EXPECT_NOT_NULL(test, inet_csk(sk)->icsk_af_ops);
	KUNIT_EXPECT_EQ(test, inet_csk(sk)->icsk_rto, TCP_TIMEOUT_INIT);
	KUNIT_EXPECT_EQ(test, tcp_snd_cwnd(tp), tcp_snd_cwnd(rtp));
	KUNIT_EXPECT_EQ(test, tcp_snd_cwnd(tp), (u32)TCP_INIT_CWND);
	KUNIT_EXPECT_EQ(test, tp->mss_cache, (u32)TCP_MSS_DEFAULT);
	KUNIT_EXPECT_EQ(test, tp->snd_ssthresh, rtp->snd_ssthresh);
	KUNIT_EXPECT_EQ(test, tp->reordering, rtp->reordering);
	KUNIT_EXPECT_EQ(test, sk->sk_sndbuf, ref->sk_sndbuf);
	KUNIT_EXPECT_EQ(test, sk->sk_rcvbuf, ref->sk_rcvbuf);
	KUNIT_EXPECT_EQ(test, sk->sk_gso_type, ref->sk_gso_type);
}

static void layer_callbacks_like_af_inet(struct kunit *test)
{
	struct sock *sk = ikt_socket(test, inetx_family)->sk;
	struct sock *ref = ikt_socket(test, PF_INET)->sk;

	KUNIT_EXPECT_PTR_EQ(test, sk->sk_backlog_rcv, tcp_prot.backlog_rcv);
	KUNIT_EXPECT_PTR_EQ(test, sk->sk_backlog_rcv, ref->sk_backlog_rcv);
	KUNIT_EXPECT_PTR_EQ(test, sk->sk_state_change, ref->sk_state_change);
	KUNIT_EXPECT_PTR_EQ(test, sk->sk_data_ready, ref->sk_data_ready);
	KUNIT_EXPECT_PTR_EQ(test, sk->sk_write_space, ref->sk_write_space);
	KUNIT_EXPECT_PTR_EQ(test, sk->sk_error_report, ref->sk_error_report);
	KUNIT_EXPECT_PTR_EQ(test, sk->sk_destruct, ref->sk_destruct);
}

/* The TCP engine runs inetx sockets: identity, connect, setsockopt differ. */
static void layer_prot_shares_tcp_engine(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, inetx_prot.obj_size, tcp_prot.obj_size);
	KUNIT_EXPECT_PTR_EQ(test, inetx_prot.init, tcp_prot.init);
	KUNIT_EXPECT_PTR_EQ(test, inetx_prot.close, tcp_prot.close);
	KUNIT_EXPECT_PTR_EQ(test, inetx_prot.recvmsg, tcp_prot.recvmsg);
	KUNIT_EXPECT_PTR_EQ(test, inetx_prot.sendmsg, tcp_prot.sendmsg);
	KUNIT_EXPECT_PTR_EQ(test, inetx_prot.hash, tcp_prot.hash);
	KUNIT_EXPECT_PTR_EQ(test, inetx_prot.get_port, tcp_prot.get_port);
	KUNIT_EXPECT_PTR_EQ(test, inetx_prot.disconnect, tcp_prot.disconnect);
	KUNIT_EXPECT_PTR_NE(test, inetx_prot.connect, tcp_prot.connect);
	KUNIT_EXPECT_NULL(test, inetx_prot.h.hashinfo);
	KUNIT_EXPECT_PTR_NE(test, inetx_prot.owner, tcp_prot.owner);
}

/*
 * proto_register() made inetx's own slabs for socks and timewait socks
 * and left TCP's alone (sharing them would let proto_unregister() destroy
 * TCP's). inetx has no request socks of its own: see inetx_safety.
 */
static void layer_prot_private_slabs(struct kunit *test)
{
	KUNIT_ASSERT_NOT_NULL(test, inetx_prot.slab);
	KUNIT_EXPECT_PTR_NE(test, inetx_prot.slab, tcp_prot.slab);

	KUNIT_ASSERT_NOT_NULL(test, inetx_prot.twsk_prot);
	KUNIT_EXPECT_PTR_NE(test, inetx_prot.twsk_prot, tcp_prot.twsk_prot);
	KUNIT_EXPECT_NOT_NULL(test, inetx_prot.twsk_prot->twsk_slab);
	KUNIT_EXPECT_PTR_NE(test, inetx_prot.twsk_prot->twsk_slab,
			    tcp_prot.twsk_prot->twsk_slab);
	KUNIT_EXPECT_STREQ(test, inetx_prot.twsk_prot->twsk_slab_name,
			   "tw_sock_INETX");

	KUNIT_EXPECT_NOT_NULL(test, tcp_prot.slab);
	KUNIT_EXPECT_NOT_NULL(test, tcp_prot.rsk_prot->slab);
	KUNIT_EXPECT_NOT_NULL(test, tcp_prot.twsk_prot->twsk_slab);
	KUNIT_EXPECT_STREQ(test, tcp_prot.twsk_prot->twsk_slab_name,
			   "tw_sock_TCP");
}

/* What inetx_v4_connect() leaves behind on a connected socket. */
static void layer_connected_sock(struct kunit *test)
{
	struct socket *sock;
	struct sock *sk;
	struct inet_sock *inet;
	struct dst_entry *dst;
	__be16 port;

	ikt_listener(test, PF_INET, 8, &port);
	sock = ikt_client(test, inetx_family, port);
	sk = sock->sk;
	inet = inet_sk(sk);

	KUNIT_EXPECT_EQ(test, (int)sock->state, SS_CONNECTED);
	KUNIT_EXPECT_EQ(test, (int)sk->sk_state, TCP_ESTABLISHED);
	KUNIT_EXPECT_EQ(test, ntohl(inet->inet_daddr), INADDR_LOOPBACK);
	KUNIT_EXPECT_EQ(test, ntohs(inet->inet_dport), ntohs(port));
	KUNIT_EXPECT_EQ(test, ntohl(inet->inet_saddr), INADDR_LOOPBACK);
	KUNIT_EXPECT_NE(test, (int)inet->inet_num, 0);
	KUNIT_EXPECT_EQ(test, (int)sk->sk_gso_type, (int)SKB_GSO_TCPV4);
	dst = sk_dst_get(sk);
	KUNIT_EXPECT_NOT_NULL(test, dst);
	dst_release(dst);
	KUNIT_EXPECT_PTR_EQ(test, sk->sk_prot, &inetx_prot);
	KUNIT_EXPECT_EQ(test, (int)sk->sk_family, PF_INET);
}

/* ---- inetx_connect: __inetx_stream_connect()'s sock->state switch -------- */

static void connect_unconnected_refused(struct kunit *test)
{
	struct socket *sock = ikt_socket(test, inetx_family);
	struct socket *probe = ikt_socket(test, PF_INET);
	__be16 port;

	/* A port that was just free: bound, then released unlistened. */
	KUNIT_ASSERT_EQ(test, ikt_bind(probe, AF_INET, IKT_LOOPBACK, 0), 0);
	port = ikt_port(test, probe);
	ikt_release(test, probe);

	KUNIT_EXPECT_EQ(test, ikt_connect(sock, AF_INET, IKT_LOOPBACK,
					  port, 0), -ECONNREFUSED);
	KUNIT_EXPECT_EQ(test, (int)sock->state, SS_UNCONNECTED);
	KUNIT_EXPECT_EQ(test, (int)sock->sk->sk_state, TCP_CLOSE);
	KUNIT_EXPECT_EQ(test, ntohs(inet_sk(sock->sk)->inet_dport), 0);
	KUNIT_EXPECT_EQ(test, sock->sk->sk_err, 0);
}

static void connect_connected_eisconn(struct kunit *test)
{
	struct socket *sock;
	__be16 port;

	ikt_listener(test, inetx_family, 8, &port);
	sock = ikt_client(test, inetx_family, port);
	KUNIT_EXPECT_EQ(test, (int)sock->state, SS_CONNECTED);
	KUNIT_EXPECT_EQ(test, ikt_connect(sock, AF_INET, IKT_LOOPBACK,
					  port, 0), -EISCONN);
	KUNIT_EXPECT_EQ(test, ikt_connect(sock, AF_INET, IKT_LOOPBACK,
					  port, O_NONBLOCK), -EISCONN);
	KUNIT_EXPECT_EQ(test, (int)sock->state, SS_CONNECTED);
	KUNIT_EXPECT_EQ(test, (int)sock->sk->sk_state, TCP_ESTABLISHED);
}

static void connect_connecting_ealready(struct kunit *test)
{
	struct socket *sock = ikt_syn_sent(test, inetx_family, O_NONBLOCK);
	struct sockaddr_in sin = ikt_sin(AF_INET, IKT_LOOPBACK,
					 inet_sk(sock->sk)->inet_dport);

	KUNIT_EXPECT_EQ(test, ikt_stream_connect(sock, &sin, O_NONBLOCK, 0),
			-EALREADY);
	/* Without a deferred connect, sendmsg's connect sees the same. */
	KUNIT_EXPECT_EQ(test, ikt_stream_connect(sock, &sin, O_NONBLOCK, 1),
			-EALREADY);
	KUNIT_EXPECT_EQ(test, (int)sock->state, SS_CONNECTING);
	KUNIT_EXPECT_EQ(test, (int)sock->sk->sk_state, TCP_SYN_SENT);
}

/* A blocking connect bounded by SO_SNDTIMEO leaves the SYN in flight. */
static void connect_timeout_einprogress(struct kunit *test)
{
	struct socket *listener, *sock;
	__be16 port;

	listener = ikt_listener(test, PF_INET, 0, &port);
	ikt_client(test, PF_INET, port);
	KUNIT_ASSERT_TRUE(test,
			  ikt_wait_for(READ_ONCE(listener->sk->sk_ack_backlog)));

	sock = ikt_socket(test, inetx_family);
	WRITE_ONCE(sock->sk->sk_sndtimeo, msecs_to_jiffies(200));
	KUNIT_EXPECT_EQ(test, ikt_connect(sock, AF_INET, IKT_LOOPBACK,
					  port, 0), -EINPROGRESS);
	KUNIT_EXPECT_EQ(test, (int)sock->state, SS_CONNECTING);
	KUNIT_EXPECT_EQ(test, ikt_connect(sock, AF_INET, IKT_LOOPBACK,
					  port, 0), -EALREADY);
	KUNIT_EXPECT_EQ(test, (int)sock->sk->sk_state, TCP_SYN_SENT);
}

/* TCP_FASTOPEN_CONNECT defers the SYN to the first sendmsg. */
static void connect_deferred(struct kunit *test)
{
	struct socket *sock = ikt_syn_sent(test, inetx_family, O_NONBLOCK);
	struct sockaddr_in sin = ikt_sin(AF_INET, IKT_LOOPBACK,
					 inet_sk(sock->sk)->inet_dport);

	inetx_assign_defer_connect(sock->sk, true);
	KUNIT_EXPECT_EQ(test, ikt_stream_connect(sock, &sin, O_NONBLOCK, 0),
			-EISCONN);
	KUNIT_EXPECT_EQ(test, ikt_stream_connect(sock, &sin, O_NONBLOCK, 1),
			-EINPROGRESS);
	inetx_assign_defer_connect(sock->sk, false);
	KUNIT_EXPECT_EQ(test, (int)sock->state, SS_CONNECTING);
}

static void connect_bad_states_einval(struct kunit *test)
{
	static const int states[] = { SS_FREE, SS_DISCONNECTING };
	struct socket *sock = ikt_socket(test, inetx_family);
	__be16 port;
	int i;

	ikt_listener(test, inetx_family, 8, &port);
	for (i = 0; i < ARRAY_SIZE(states); i++) {
		sock->state = states[i];
		KUNIT_EXPECT_EQ_MSG(test,
				    ikt_connect(sock, AF_INET,
						IKT_LOOPBACK, port, 0),
				    -EINVAL, "sock->state %d", states[i]);
		KUNIT_EXPECT_EQ(test, (int)sock->sk->sk_state, TCP_CLOSE);
	}
	sock->state = SS_UNCONNECTED;
	KUNIT_EXPECT_EQ(test, ikt_connect(sock, AF_INET, IKT_LOOPBACK,
					  port, 0), 0);
}

/* SS_UNCONNECTED but not TCP_CLOSE: a listener cannot connect. */
static void connect_listener_eisconn(struct kunit *test)
{
	struct socket *listener;
	__be16 port;

	listener = ikt_listener(test, inetx_family, 8, &port);
	KUNIT_EXPECT_EQ(test, (int)listener->state, SS_UNCONNECTED);
	KUNIT_EXPECT_EQ(test, ikt_connect(listener, AF_INET, IKT_LOOPBACK,
					  port, 0), -EISCONN);
	KUNIT_EXPECT_EQ(test, (int)listener->sk->sk_state, TCP_LISTEN);
}

static void connect_unspec_disconnects(struct kunit *test)
{
	struct socket *sock;
	__be16 port;

	ikt_listener(test, inetx_family, 8, &port);
	sock = ikt_client(test, inetx_family, port);
	KUNIT_EXPECT_EQ(test, ikt_connect(sock, AF_UNSPEC, 0, 0, 0), 0);
	KUNIT_EXPECT_EQ(test, (int)sock->state, SS_UNCONNECTED);
	KUNIT_EXPECT_EQ(test, (int)sock->sk->sk_state, TCP_CLOSE);
	KUNIT_EXPECT_EQ(test, ntohs(inet_sk(sock->sk)->inet_dport), 0);
	/* And the socket is as good as new. */
	KUNIT_EXPECT_EQ(test, ikt_connect(sock, AF_INET, IKT_LOOPBACK,
					  port, 0), 0);
	KUNIT_EXPECT_EQ(test, (int)sock->state, SS_CONNECTED);
}

static void connect_unspec_stops_listener(struct kunit *test)
{
	struct socket *listener;
	__be16 port;

	listener = ikt_listener(test, inetx_family, 8, &port);
	KUNIT_EXPECT_EQ(test, ikt_connect(listener, AF_UNSPEC, 0, 0, 0), 0);
	KUNIT_EXPECT_EQ(test, (int)listener->state, SS_UNCONNECTED);
	KUNIT_EXPECT_EQ(test, (int)listener->sk->sk_state, TCP_CLOSE);
}

static void connect_nonblocking_completes(struct kunit *test)
{
	struct socket *sock = ikt_socket(test, inetx_family);
	__be16 port;

	ikt_listener(test, inetx_family, 8, &port);
	KUNIT_ASSERT_EQ(test, ikt_connect(sock, AF_INET, IKT_LOOPBACK,
					  port, O_NONBLOCK), -EINPROGRESS);
	KUNIT_EXPECT_EQ(test, (int)sock->state, SS_CONNECTING);
	KUNIT_ASSERT_TRUE(test, ikt_wait_for(ikt_in_state(sock->sk,
							  TCPF_ESTABLISHED)));
	/* SS_CONNECTING with the handshake done: the second connect is 0. */
	KUNIT_EXPECT_EQ(test, ikt_connect(sock, AF_INET, IKT_LOOPBACK,
					  port, O_NONBLOCK), 0);
	KUNIT_EXPECT_EQ(test, (int)sock->state, SS_CONNECTED);
	KUNIT_EXPECT_EQ(test, ikt_connect(sock, AF_INET, IKT_LOOPBACK,
					  port, O_NONBLOCK), -EISCONN);
}

static void connect_nonblocking_refused(struct kunit *test)
{
	struct socket *sock = ikt_socket(test, inetx_family);
	struct socket *probe = ikt_socket(test, PF_INET);
	__be16 port;

	KUNIT_ASSERT_EQ(test, ikt_bind(probe, AF_INET, IKT_LOOPBACK, 0), 0);
	port = ikt_port(test, probe);
	ikt_release(test, probe);

	KUNIT_ASSERT_EQ(test, ikt_connect(sock, AF_INET, IKT_LOOPBACK,
					  port, O_NONBLOCK), -EINPROGRESS);
	KUNIT_ASSERT_TRUE(test, ikt_wait_for(ikt_in_state(sock->sk,
							  TCPF_CLOSE)));
	/* SS_CONNECTING, closed by the RST: the error, then a fresh start. */
	KUNIT_EXPECT_EQ(test, ikt_connect(sock, AF_INET, IKT_LOOPBACK,
					  port, O_NONBLOCK), -ECONNREFUSED);
	KUNIT_EXPECT_EQ(test, (int)sock->state, SS_UNCONNECTED);
	KUNIT_EXPECT_EQ(test, ikt_connect(sock, AF_INET, IKT_LOOPBACK,
					  port, 0), -ECONNREFUSED);
}

/*
 * 6.12 does not export tcp_fastopen_defer_connect(): inetx_v4_connect()
 * then passes the socket and its AF_INET address to tcp_v4_connect().
 */
static void connect_fastopen_connect(struct kunit *test)
{
	struct socket *sock = ikt_socket(test, inetx_family);
	const struct proto_ops *ops = READ_ONCE(sock->ops);
	struct sockaddr_in sin = {};
	int one = 1;
	__be16 port;

	ikt_listener(test, inetx_family, 8, &port);
	KUNIT_ASSERT_EQ(test, ops->setsockopt(sock, SOL_TCP,
					      TCP_FASTOPEN_CONNECT,
					      KERNEL_SOCKPTR(&one),
					      sizeof(one)), 0);
	KUNIT_EXPECT_TRUE(test, tcp_sk(sock->sk)->fastopen_connect);
	KUNIT_ASSERT_EQ(test, ikt_connect(sock, AF_INET, IKT_LOOPBACK,
					  port, 0), 0);
	KUNIT_EXPECT_EQ(test, (int)sock->state, SS_CONNECTED);
	KUNIT_EXPECT_EQ(test, kernel_getpeername(sock, (struct sockaddr *)&sin),
			(int)sizeof(sin));
	KUNIT_EXPECT_EQ(test, (int)sin.sin_family, AF_INET);
	KUNIT_EXPECT_EQ(test, ntohs(sin.sin_port), ntohs(port));
}

/* ---- inetx_children: what a listener's children inherit ---------------- */

static void child_of_af_inet_client(struct kunit *test)
{
	struct socket *listener, *child;
	__be16 port;

	listener = ikt_listener(test, inetx_family, 8, &port);
	ikt_client(test, PF_INET, port);
	child = ikt_accept(test, listener);

	KUNIT_EXPECT_PTR_EQ(test, READ_ONCE(child->ops), &inetx_stream_ops);
	KUNIT_EXPECT_PTR_EQ(test, child->sk->sk_prot, &inetx_prot);
	KUNIT_EXPECT_PTR_EQ(test, child->sk->sk_prot_creator, &inetx_prot);
	KUNIT_EXPECT_EQ(test, (int)child->sk->sk_family, PF_INET);
	KUNIT_EXPECT_EQ(test, (int)child->sk->sk_state, TCP_ESTABLISHED);
	KUNIT_EXPECT_EQ(test, (int)child->state, SS_CONNECTED);
	KUNIT_EXPECT_PTR_EQ(test, child->sk->sk_socket, child);
}

static void child_of_inetx_client(struct kunit *test)
{
	struct socket *listener, *client, *child;
	struct sockaddr_in sin = {};
	__be16 port;

	listener = ikt_listener(test, inetx_family, 8, &port);
	client = ikt_client(test, inetx_family, port);
	child = ikt_accept(test, listener);

	KUNIT_EXPECT_PTR_EQ(test, child->sk->sk_prot, &inetx_prot);
	KUNIT_EXPECT_PTR_EQ(test, client->sk->sk_prot, &inetx_prot);
	/* The child's peer is the client's own address. */
	KUNIT_EXPECT_EQ(test, kernel_getpeername(child, (struct sockaddr *)&sin),
			(int)sizeof(sin));
	KUNIT_EXPECT_EQ(test, (int)sin.sin_family, AF_INET);
	KUNIT_EXPECT_EQ(test, ntohs(sin.sin_port), ntohs(ikt_port(test, client)));
	KUNIT_EXPECT_EQ(test, ntohs(ikt_port(test, child)), ntohs(port));
}

static void child_keeps_listener_af_ops(struct kunit *test)
{
	struct socket *listener, *child;
	__be16 port;

	listener = ikt_listener(test, inetx_family, 8, &port);
	ikt_client(test, PF_INET, port);
	child = ikt_accept(test, listener);

	KUNIT_EXPECT_PTR_EQ(test, inet_csk(child->sk)->icsk_af_ops,
			    inet_csk(listener->sk)->icsk_af_ops);
	KUNIT_EXPECT_PTR_EQ(test, child->sk->sk_backlog_rcv,
			    listener->sk->sk_backlog_rcv);
	KUNIT_EXPECT_PTR_EQ(test, child->sk->sk_destruct, &inet_sock_destruct);
	KUNIT_EXPECT_TRUE(test, inetx_is_icsk(child->sk));
}

/*
 * tcp_v4_conn_request() hard-wires TCP's request_sock_ops, so the handshake
 * of an inetx listener runs on TCP's request socks (inetx_prot has no
 * rsk_prot at all); the child it makes is cloned from the listener and so
 * is inetx's.
 */
static void child_request_sock_ops(struct kunit *test)
{
	struct request_sock_queue *queue;
	const struct request_sock_ops *ops = NULL;
	const struct proto *child_prot = NULL;
	const struct sock *req_listener = NULL;
	struct socket *listener;
	__be16 port;

	listener = ikt_listener(test, inetx_family, 8, &port);
	ikt_client(test, PF_INET, port);
	queue = &inet_csk(listener->sk)->icsk_accept_queue;
	KUNIT_ASSERT_TRUE(test, ikt_wait_for(!reqsk_queue_empty(queue)));

	/* Only look under the lock: KUnit may sleep to report a failure. */
	spin_lock_bh(&queue->rskq_lock);
	if (queue->rskq_accept_head) {
		ops = queue->rskq_accept_head->rsk_ops;
		req_listener = queue->rskq_accept_head->rsk_listener;
		child_prot = READ_ONCE(queue->rskq_accept_head->sk->sk_prot);
	}
	spin_unlock_bh(&queue->rskq_lock);

	KUNIT_EXPECT_NOT_NULL(test, ops);
	KUNIT_EXPECT_PTR_EQ(test, ops, tcp_prot.rsk_prot);
	KUNIT_EXPECT_PTR_EQ(test, req_listener, listener->sk);
	KUNIT_EXPECT_PTR_EQ(test, child_prot, &inetx_prot);
}

/* inetx stays out of AF_INET's children, also with an inetx client. */
static void child_of_af_inet_listener(struct kunit *test)
{
	struct socket *listener, *child;
	struct sockaddr_in sin = {};
	__be16 port;

	listener = ikt_listener(test, PF_INET, 8, &port);
	ikt_client(test, inetx_family, port);
	child = ikt_accept(test, listener);

	KUNIT_EXPECT_PTR_EQ(test, READ_ONCE(child->ops), &inet_stream_ops);
	KUNIT_EXPECT_PTR_EQ(test, child->sk->sk_prot, &tcp_prot);
	KUNIT_EXPECT_EQ(test, kernel_getpeername(child, (struct sockaddr *)&sin),
			(int)sizeof(sin));
	KUNIT_EXPECT_EQ(test, (int)sin.sin_family, AF_INET);
}

static int ikt_send(struct socket *sock, const void *buf, size_t len)
{
	struct kvec vec = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr msg = {};

	return kernel_sendmsg(sock, &msg, &vec, 1, len);
}

static int ikt_recv(struct socket *sock, void *buf, size_t len)
{
	struct kvec vec = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = {};

	return kernel_recvmsg(sock, &msg, &vec, 1, len, MSG_WAITALL);
}

static void child_data_both_ways(struct kunit *test)
{
	static const char ping[] = "This is test\n", pong[] = "inetx child\n";
	struct socket *listener, *client, *child;
	char buf[32] = {};
	__be16 port;

	listener = ikt_listener(test, inetx_family, 8, &port);
	client = ikt_client(test, PF_INET, port);
	WRITE_ONCE(client->sk->sk_rcvtimeo, msecs_to_jiffies(IKT_WAIT_MS));
	child = ikt_accept(test, listener);

	KUNIT_ASSERT_EQ(test, ikt_send(client, ping, sizeof(ping)),
			(int)sizeof(ping));
	KUNIT_ASSERT_EQ(test, ikt_recv(child, buf, sizeof(ping)),
			(int)sizeof(ping));
	KUNIT_EXPECT_STREQ(test, buf, ping);

	KUNIT_ASSERT_EQ(test, ikt_send(child, pong, sizeof(pong)),
			(int)sizeof(pong));
	KUNIT_ASSERT_EQ(test, ikt_recv(client, buf, sizeof(pong)),
			(int)sizeof(pong));
	KUNIT_EXPECT_STREQ(test, buf, pong);
}

/* A peer's FIN reaches the child: read() returns 0, as on AF_INET. */
static void child_sees_peer_close(struct kunit *test)
{
	struct socket *listener, *client, *child;
	char buf[4];
	__be16 port;

	listener = ikt_listener(test, inetx_family, 8, &port);
	client = ikt_client(test, PF_INET, port);
	child = ikt_accept(test, listener);

	KUNIT_ASSERT_EQ(test, kernel_sock_shutdown(client, SHUT_WR), 0);
	KUNIT_EXPECT_EQ(test, ikt_recv(child, buf, sizeof(buf)), 0);
	KUNIT_EXPECT_EQ(test, (int)child->sk->sk_state, TCP_CLOSE_WAIT);
}

/* ---- inetx_counters: references, in-use counts, shared TCP accounting --- */

/* A socket pins inetx twice: its proto_ops and its struct proto. */
static void counters_module_refs_per_socket(struct kunit *test)
{
	struct module *owner = inetx_prot.owner;
	struct socket *sock;
	int base;

	ikt_settle();
	base = module_refcount(owner);
	sock = ikt_socket(test, inetx_family);
	KUNIT_EXPECT_EQ(test, module_refcount(owner), base + 2);
	ikt_release(test, sock);
	KUNIT_EXPECT_TRUE_MSG(test,
			      ikt_wait_for(module_refcount(owner) == base),
			      "refcnt %d, was %d", module_refcount(owner), base);
}

/* inetx_stat.c: one Refused counter per errno inetx_create() returns. */
static void counters_create_fields(struct kunit *test)
{
	static const struct {
		int err, field;
	} map[] = {
		{ 0, INETX_MIB_SOCKETS_CREATED },
		{ -EINVAL, INETX_MIB_CREATE_REFUSED_EINVAL },
		{ -EPERM, INETX_MIB_CREATE_REFUSED_EPERM },
		{ -EPROTONOSUPPORT, INETX_MIB_CREATE_REFUSED_EPROTONOSUPPORT },
		{ -ESOCKTNOSUPPORT, INETX_MIB_CREATE_REFUSED_ESOCKTNOSUPPORT },
		{ -ENOMEM, INETX_MIB_CREATE_REFUSED_ENOMEM },
		{ -EACCES, INETX_MIB_CREATE_REFUSED_OTHER },
		{ -ENOBUFS, INETX_MIB_CREATE_REFUSED_OTHER },
	};
	int i;

	for (i = 0; i < ARRAY_SIZE(map); i++)
		KUNIT_EXPECT_EQ_MSG(test, inetx_stat_create_field(map[i].err),
				    map[i].field, "errno %d", map[i].err);
}

static u64 ikt_alive(const struct net *net, u64 *vals)
{
	inetx_stat_fold(net, vals);
	return vals[INETX_MIB_SOCKETS_ALIVE];
}

/*
 * A user socket (kern=0) is created and alive in its namespace's counters
 * until it is freed; kernel sockets (ikt_socket()) are not alive there.
 */
static void counters_user_socket_alive(struct kunit *test)
{
	u64 before[__INETX_MIB_MAX], now[__INETX_MIB_MAX];
	struct net *net = current->nsproxy->net_ns;
	struct socket *sock;
	int err;

	ikt_settle();
	inetx_stat_fold(net, before);
	err = sock_create(inetx_family, SOCK_STREAM, 0, &sock);
	KUNIT_ASSERT_EQ(test, err, 0);
	inetx_stat_fold(net, now);
	KUNIT_EXPECT_EQ(test, now[INETX_MIB_SOCKETS_CREATED],
			before[INETX_MIB_SOCKETS_CREATED] + 1);
	KUNIT_EXPECT_EQ(test, now[INETX_MIB_SOCKETS_ALIVE],
			before[INETX_MIB_SOCKETS_ALIVE] + 1);
	sock_release(sock);
	KUNIT_EXPECT_TRUE(test, ikt_wait_for(ikt_alive(net, now) ==
					     before[INETX_MIB_SOCKETS_ALIVE]));
	sock = ikt_socket(test, inetx_family);
	inetx_stat_fold(net, now);
	KUNIT_EXPECT_EQ(test, now[INETX_MIB_SOCKETS_ALIVE],
			before[INETX_MIB_SOCKETS_ALIVE]);
}

static void counters_module_refs_per_child(struct kunit *test)
{
	struct module *owner = inetx_prot.owner;
	struct socket *listener;
	__be16 port;
	int base;

	listener = ikt_listener(test, inetx_family, 8, &port);
	ikt_settle();
	base = module_refcount(owner);
	ikt_client(test, PF_INET, port);
	ikt_accept(test, listener);
	KUNIT_EXPECT_EQ(test, module_refcount(owner), base + 2);
}

/* AF_INET sockets never pin inetx. */
static void counters_af_inet_takes_no_ref(struct kunit *test)
{
	struct module *owner = inetx_prot.owner;
	int base;

	ikt_settle();
	base = module_refcount(owner);
	ikt_socket(test, PF_INET);
	KUNIT_EXPECT_EQ(test, module_refcount(owner), base);
}

static void counters_inuse_listener(struct kunit *test)
{
	int inetx_base, tcp_base;
	struct socket *listener;
	__be16 port;

	inetx_base = sock_prot_inuse_get(&init_net, &inetx_prot);
	tcp_base = sock_prot_inuse_get(&init_net, &tcp_prot);
	listener = ikt_listener(test, inetx_family, 8, &port);
	KUNIT_EXPECT_EQ(test, sock_prot_inuse_get(&init_net, &inetx_prot),
			inetx_base + 1);
	KUNIT_EXPECT_EQ(test, sock_prot_inuse_get(&init_net, &tcp_prot),
			tcp_base);
	ikt_release(test, listener);
	KUNIT_EXPECT_EQ(test, sock_prot_inuse_get(&init_net, &inetx_prot),
			inetx_base);
}

static void counters_inuse_established(struct kunit *test)
{
	struct socket *client;
	int base;
	__be16 port;

	ikt_listener(test, PF_INET, 8, &port);
	base = sock_prot_inuse_get(&init_net, &inetx_prot);
	client = ikt_client(test, inetx_family, port);
	KUNIT_EXPECT_EQ(test, sock_prot_inuse_get(&init_net, &inetx_prot),
			base + 1);
	ikt_release(test, client);
	KUNIT_EXPECT_EQ(test, sock_prot_inuse_get(&init_net, &inetx_prot),
			base);
}

/* tcp_init_sock() counts inetx sockets in TCP's own sockets_allocated. */
static void counters_sockets_allocated(struct kunit *test)
{
	struct percpu_counter *allocated = inetx_prot.sockets_allocated;
	struct socket *sock;
	s64 base;

	KUNIT_ASSERT_PTR_EQ(test, allocated, tcp_prot.sockets_allocated);
	ikt_settle();
	base = percpu_counter_sum(allocated);
	sock = ikt_socket(test, inetx_family);
	KUNIT_EXPECT_EQ(test, percpu_counter_sum(allocated), base + 1);
	ikt_release(test, sock);
	KUNIT_EXPECT_TRUE(test,
			  ikt_wait_for(percpu_counter_sum(allocated) == base));
}

/* One set of TCP memory limits and pressure state covers both. */
static void counters_share_tcp_memory(struct kunit *test)
{
	KUNIT_EXPECT_PTR_EQ(test, inetx_prot.memory_allocated,
			    tcp_prot.memory_allocated);
	/* Per-CPU pointers: KUNIT_EXPECT_PTR_EQ() would drop __percpu. */
	KUNIT_EXPECT_TRUE(test, inetx_prot.per_cpu_fw_alloc ==
				tcp_prot.per_cpu_fw_alloc);
	KUNIT_EXPECT_PTR_EQ(test, inetx_prot.memory_pressure,
			    tcp_prot.memory_pressure);
	KUNIT_EXPECT_PTR_EQ(test, inetx_prot.sysctl_mem, tcp_prot.sysctl_mem);
	KUNIT_EXPECT_TRUE(test, inetx_prot.orphan_count ==
				tcp_prot.orphan_count);
	KUNIT_EXPECT_EQ(test, inetx_prot.sysctl_wmem_offset,
			tcp_prot.sysctl_wmem_offset);
	KUNIT_EXPECT_EQ(test, inetx_prot.sysctl_rmem_offset,
			tcp_prot.sysctl_rmem_offset);
}

static unsigned long ikt_tcp_mib(int field)
{
	return snmp_fold_field(init_net.mib.tcp_statistics, field);
}

static void counters_active_passive_opens(struct kunit *test)
{
	unsigned long active, passive;
	struct socket *listener;
	__be16 port;

	listener = ikt_listener(test, inetx_family, 8, &port);
	active = ikt_tcp_mib(TCP_MIB_ACTIVEOPENS);
	passive = ikt_tcp_mib(TCP_MIB_PASSIVEOPENS);
	ikt_client(test, inetx_family, port);
	ikt_accept(test, listener);
	KUNIT_EXPECT_EQ(test, ikt_tcp_mib(TCP_MIB_ACTIVEOPENS), active + 1);
	KUNIT_EXPECT_EQ(test, ikt_tcp_mib(TCP_MIB_PASSIVEOPENS), passive + 1);
}

/* inetx_v4_connect() counts a missing route, as tcp_v4_connect() does. */
static void counters_out_no_routes(struct kunit *test)
{
	struct socket *sock = ikt_socket(test, inetx_family);
	struct socket *oracle = ikt_socket(test, PF_INET);
	size_t syncp = offsetof(struct ipstats_mib, syncp);
	void __percpu *mib = init_net.mib.ip_statistics;
	u64 base;

	base = snmp_fold_field64(mib, IPSTATS_MIB_OUTNOROUTES, syncp);
	KUNIT_EXPECT_EQ(test, ikt_connect(sock, AF_INET, IKT_UNROUTABLE,
					  htons(9), 0), -ENETUNREACH);
	KUNIT_EXPECT_EQ(test, snmp_fold_field64(mib, IPSTATS_MIB_OUTNOROUTES,
						syncp), base + 1);
	KUNIT_EXPECT_EQ(test, ikt_connect(oracle, AF_INET, IKT_UNROUTABLE,
					  htons(9), 0), -ENETUNREACH);
	KUNIT_EXPECT_EQ(test, snmp_fold_field64(mib, IPSTATS_MIB_OUTNOROUTES,
						syncp), base + 2);
}

static void counters_listen_overflows(struct kunit *test)
{
	void __percpu *mib = init_net.mib.net_statistics;
	unsigned long base;

	base = snmp_fold_field(mib, LINUX_MIB_LISTENOVERFLOWS);
	ikt_syn_sent(test, inetx_family, O_NONBLOCK);
	KUNIT_EXPECT_GT(test, snmp_fold_field(mib, LINUX_MIB_LISTENOVERFLOWS),
			base);
}

/* ---- inetx_safety: what other subsystems must not do to inetx ----------- */

/*
 * setsockopt() as the syscall does it once it has the socket: LSM, cgroup
 * BPF, then proto_ops (do_sock_setsockopt()); on older kernels proto_ops
 * directly.
 */
static int ikt_setsockopt(struct socket *sock, int level, int optname,
			  const void *optval, unsigned int optlen)
{
	sockptr_t val = KERNEL_SOCKPTR((void *)optval);

#if IKT_HAVE_SOCKOPT_PATH
	return do_sock_setsockopt(sock, false, level, optname, val, optlen);
#else
	return READ_ONCE(sock->ops)->setsockopt(sock, level, optname, val,
						optlen);
#endif
}

/* Real ULPs, the empty name and one nobody registered: all refused. */
static const char * const ikt_ulps[] = {
	"tls", "espintcp", "", "inetx_no_such_ulp",
};

/*
 * TCP_ULP is refused before any ULP code runs: tls_init() rebuilds kTLS's
 * IPv4 table from the socket's proto and proto_ops even when it fails,
 * espintcp and smc replace both. On a new socket, a connected client and
 * an accepted child, with and without the name's NUL, through the socket
 * layer and through inetx_setsockopt() itself.
 */
static void ikt_expect_ulp_refused(struct kunit *test, struct socket *sock,
				   const char *name, int len)
{
	sockptr_t val = KERNEL_SOCKPTR((void *)name);
	int err;

	err = ikt_setsockopt(sock, SOL_TCP, TCP_ULP, name, len);
	KUNIT_EXPECT_EQ_MSG(test, err, -EOPNOTSUPP, "\"%s\", %d bytes",
			    name, len);
	err = inetx_setsockopt(sock->sk, SOL_TCP, TCP_ULP, val, len);
	KUNIT_EXPECT_EQ_MSG(test, err, -EOPNOTSUPP,
			    "inetx_setsockopt(): \"%s\", %d bytes", name, len);
}

static void safety_ulp_refused(struct kunit *test)
{
	static const char ping[] = "still TCP\n";
	struct socket *socks[3], *listener;
	char buf[sizeof(ping)] = {};
	const char *name;
	void *ulp_data;
	int i, j, len;
	__be16 port;

	socks[0] = ikt_socket(test, inetx_family);
	listener = ikt_listener(test, inetx_family, 8, &port);
	socks[1] = ikt_client(test, inetx_family, port);
	socks[2] = ikt_accept(test, listener);

	for (i = 0; i < ARRAY_SIZE(socks); i++) {
		struct sock *sk = socks[i]->sk;

		KUNIT_ASSERT_PTR_EQ(test, sk->sk_prot, &inetx_prot);
		/* Each name without and with its NUL. */
		for (j = 0; j < ARRAY_SIZE(ikt_ulps); j++) {
			name = ikt_ulps[j];
			len = strlen(name);
			ikt_expect_ulp_refused(test, socks[i], name, len);
			ikt_expect_ulp_refused(test, socks[i], name, len + 1);
		}
		ulp_data = rcu_access_pointer(inet_csk(sk)->icsk_ulp_data);
		KUNIT_EXPECT_NULL(test, inet_csk(sk)->icsk_ulp_ops);
		KUNIT_EXPECT_NULL(test, ulp_data);
		KUNIT_EXPECT_PTR_EQ(test, sk->sk_prot, &inetx_prot);
		KUNIT_EXPECT_PTR_EQ(test, READ_ONCE(socks[i]->ops),
				    &inetx_stream_ops);
	}

	/* The connection is untouched. */
	WRITE_ONCE(socks[1]->sk->sk_rcvtimeo, msecs_to_jiffies(IKT_WAIT_MS));
	KUNIT_ASSERT_EQ(test, ikt_send(socks[2], ping, sizeof(ping)),
			(int)sizeof(ping));
	KUNIT_ASSERT_EQ(test, ikt_recv(socks[1], buf, sizeof(ping)),
			(int)sizeof(ping));
	KUNIT_EXPECT_STREQ(test, buf, ping);
}

/*
 * The same from user memory, as a program's setsockopt() and getsockopt()
 * arrive: TCP_ULP "tls" refused, and TCP_ULP reads back empty (length 0),
 * as it does on an AF_INET socket without a ULP.
 */
static void safety_ulp_user_memory(struct kunit *test)
{
#if IKT_HAVE_SOCKOPT_PATH
	struct socket *socks[2];
	unsigned long uaddr;
	char __user *uval;
	int __user *ulen;
	int i, len, err;

	socks[0] = ikt_socket(test, inetx_family);
	socks[1] = ikt_socket(test, PF_INET);
	uaddr = kunit_vm_mmap(test, NULL, 0, PAGE_SIZE, PROT_READ | PROT_WRITE,
			      MAP_ANONYMOUS | MAP_PRIVATE, 0);
	KUNIT_ASSERT_TRUE_MSG(test, uaddr && !IS_ERR_VALUE(uaddr),
			      "no user memory: %ld", (long)uaddr);
	uval = (char __user *)uaddr;
	ulen = (int __user *)(uaddr + PAGE_SIZE / 2);

	KUNIT_ASSERT_EQ(test, copy_to_user(uval, "tls", 4), 0UL);
	err = do_sock_setsockopt(socks[0], false, SOL_TCP, TCP_ULP,
				 USER_SOCKPTR(uval), 3);
	KUNIT_EXPECT_EQ(test, err, -EOPNOTSUPP);

	for (i = 0; i < ARRAY_SIZE(socks); i++) {
		len = TCP_ULP_NAME_MAX;
		KUNIT_ASSERT_EQ(test, copy_to_user(ulen, &len, sizeof(len)),
				0UL);
		err = do_sock_getsockopt(socks[i], false, SOL_TCP, TCP_ULP,
					 USER_SOCKPTR(uval),
					 USER_SOCKPTR(ulen));
		KUNIT_EXPECT_EQ_MSG(test, err, 0, "socket %d", i);
		KUNIT_ASSERT_EQ(test, copy_from_user(&len, ulen, sizeof(len)),
				0UL);
		KUNIT_EXPECT_EQ_MSG(test, len, 0, "socket %d", i);
		KUNIT_EXPECT_NULL(test, inet_csk(socks[i]->sk)->icsk_ulp_ops);
	}
#else
	kunit_skip(test, "needs kunit_vm_mmap() and do_sock_getsockopt()");
#endif
}

/*
 * inetx_prot's tables: no sockmap/sockhash (they would swap in a copy of
 * the proto without an owner), no request socks of its own (TCP's serve
 * its handshakes), its own timewait ops (TCP's slab stays TCP's) and a
 * setsockopt of its own in front of TCP's.
 */
static void safety_prot_tables(struct kunit *test)
{
#ifdef CONFIG_BPF_SYSCALL
	KUNIT_EXPECT_TRUE(test, !inetx_prot.psock_update_sk_prot);
	KUNIT_EXPECT_TRUE(test, !!tcp_prot.psock_update_sk_prot);
#endif
	KUNIT_EXPECT_NULL(test, inetx_prot.rsk_prot);
	KUNIT_EXPECT_NOT_NULL(test, tcp_prot.rsk_prot);
	KUNIT_ASSERT_NOT_NULL(test, inetx_prot.twsk_prot);
	KUNIT_EXPECT_PTR_NE(test, inetx_prot.twsk_prot, tcp_prot.twsk_prot);
	KUNIT_EXPECT_PTR_EQ(test, inetx_prot.setsockopt, &inetx_setsockopt);
	KUNIT_EXPECT_PTR_NE(test, inetx_prot.setsockopt, tcp_prot.setsockopt);
	KUNIT_EXPECT_PTR_EQ(test, inetx_prot.getsockopt, tcp_prot.getsockopt);
}

/* Every other option still reaches TCP's setsockopt, with TCP's answers. */
static void safety_other_options_work(struct kunit *test)
{
	static const char reno[] = "reno";
	struct socket *sock = ikt_socket(test, inetx_family);
	struct socket *oracle = ikt_socket(test, PF_INET);
	struct sock *sk = sock->sk;
	int one = 1, zero = 0, tos = 0x10, tiny_mss = 1;

	KUNIT_EXPECT_EQ(test, ikt_setsockopt(sock, SOL_TCP, TCP_NODELAY, &one,
					     sizeof(one)), 0);
	KUNIT_EXPECT_TRUE(test, tcp_sk(sk)->nonagle & TCP_NAGLE_OFF);
	KUNIT_EXPECT_EQ(test, inetx_setsockopt(sk, SOL_TCP, TCP_NODELAY,
					       KERNEL_SOCKPTR(&zero),
					       sizeof(zero)), 0);
	KUNIT_EXPECT_FALSE(test, tcp_sk(sk)->nonagle & TCP_NAGLE_OFF);

	KUNIT_EXPECT_EQ(test, ikt_setsockopt(sock, SOL_TCP, TCP_CONGESTION,
					     reno, strlen(reno)), 0);
	KUNIT_ASSERT_NOT_NULL(test, inet_csk(sk)->icsk_ca_ops);
	KUNIT_EXPECT_STREQ(test, inet_csk(sk)->icsk_ca_ops->name, reno);

	/* Other levels pass through TCP's setsockopt to ip_setsockopt(). */
	KUNIT_EXPECT_EQ(test, ikt_setsockopt(sock, SOL_IP, IP_TOS, &tos,
					     sizeof(tos)), 0);
	KUNIT_EXPECT_EQ(test, (int)READ_ONCE(inet_sk(sk)->tos), tos);

	/* TCP's errors too. */
	KUNIT_EXPECT_EQ(test, ikt_setsockopt(sock, SOL_TCP, TCP_MAXSEG,
					     &tiny_mss, sizeof(tiny_mss)),
			ikt_setsockopt(oracle, SOL_TCP, TCP_MAXSEG, &tiny_mss,
				       sizeof(tiny_mss)));
	KUNIT_EXPECT_EQ(test, ikt_setsockopt(sock, SOL_TCP, TCP_MAXSEG,
					     &tiny_mss, sizeof(tiny_mss)),
			-EINVAL);
}

/* ---- the suites ---------------------------------------------------------- */

/*
 * A suite's cases, each run between ikt_init() and ikt_exit(). The
 * '.name = "inetx_..."' lines stay literal, one to a line:
 * selftests/debug-kernel/guest.sh reads the suite names from them.
 */
#define IKT_SUITE_CASES(...)						\
	.init = ikt_init,						\
	.exit = ikt_exit,						\
	.test_cases = (struct kunit_case []){ __VA_ARGS__, {} }

static struct kunit_suite ikt_suites[] = {
	{
		.name = "inetx_addr",
		IKT_SUITE_CASES(KUNIT_CASE(addr_bind_af_inet),
				KUNIT_CASE(addr_bind_inetx_family_refused),
				KUNIT_CASE(addr_bind_short_len),
				KUNIT_CASE(addr_bind_long_len),
				KUNIT_CASE(addr_bind_unspec_any),
				KUNIT_CASE(addr_bind_unspec_addr_refused),
				KUNIT_CASE(addr_bind_other_family_refused),
				KUNIT_CASE(addr_bind_matches_af_inet),
				KUNIT_CASE(addr_bind_nonlocal_refused),
				KUNIT_CASE(addr_bind_twice_refused),
				KUNIT_CASE(addr_bind_shares_tcp_ports),
				KUNIT_CASE(addr_getsockname_reports_af_inet),
				KUNIT_CASE(addr_getpeername_unconnected),
				KUNIT_CASE(addr_getpeername_reports_af_inet),
				KUNIT_CASE(addr_connect_any_is_loopback),
				KUNIT_CASE(addr_connect_inetx_family_refused),
				KUNIT_CASE(addr_connect_short_len),
				KUNIT_CASE(addr_connect_unroutable),
				KUNIT_CASE(addr_connect_broadcast_refused)),
	},
	{
		.name = "inetx_create",
		IKT_SUITE_CASES(KUNIT_CASE_PARAM(create_matrix,
						 ikt_create_gen_params),
				KUNIT_CASE(create_lookup_wildcard),
				KUNIT_CASE(create_lookup_exact),
				KUNIT_CASE(create_lookup_misses),
				KUNIT_CASE(create_refusal_keeps_no_reference),
				KUNIT_CASE(create_kern_and_user_netns_ref),
				KUNIT_CASE(create_sysctl_no_pmtu_disc),
				KUNIT_CASE(create_unsupported_static),
				KUNIT_CASE(create_unsupported_never_sleeps),
				KUNIT_CASE(create_unsupported_raw_eperm),
				KUNIT_CASE(create_refused_leaves_no_socket)),
	},
	{
		.name = "inetx_layering",
		IKT_SUITE_CASES(KUNIT_CASE(layer_socket_and_sock_linked),
				KUNIT_CASE(layer_ops_are_inetx),
				KUNIT_CASE(layer_prot_is_inetx),
				KUNIT_CASE(layer_family_is_inet),
				KUNIT_CASE(layer_inet_sock_initialised),
				KUNIT_CASE(layer_tcp_sock_like_af_inet),
				KUNIT_CASE(layer_callbacks_like_af_inet),
				KUNIT_CASE(layer_prot_shares_tcp_engine),
				KUNIT_CASE(layer_prot_private_slabs),
				KUNIT_CASE(layer_connected_sock)),
	},
	{
		.name = "inetx_connect",
		IKT_SUITE_CASES(KUNIT_CASE(connect_unconnected_refused),
				KUNIT_CASE(connect_connected_eisconn),
				KUNIT_CASE(connect_connecting_ealready),
				KUNIT_CASE(connect_timeout_einprogress),
				KUNIT_CASE(connect_deferred),
				KUNIT_CASE(connect_bad_states_einval),
				KUNIT_CASE(connect_listener_eisconn),
				KUNIT_CASE(connect_unspec_disconnects),
				KUNIT_CASE(connect_unspec_stops_listener),
				KUNIT_CASE(connect_nonblocking_completes),
				KUNIT_CASE(connect_nonblocking_refused),
				KUNIT_CASE(connect_fastopen_connect)),
	},
	{
		.name = "inetx_children",
		IKT_SUITE_CASES(KUNIT_CASE(child_of_af_inet_client),
				KUNIT_CASE(child_of_inetx_client),
				KUNIT_CASE(child_keeps_listener_af_ops),
				KUNIT_CASE(child_request_sock_ops),
				KUNIT_CASE(child_of_af_inet_listener),
				KUNIT_CASE(child_data_both_ways),
				KUNIT_CASE(child_sees_peer_close)),
	},
	{
		.name = "inetx_counters",
		IKT_SUITE_CASES(KUNIT_CASE(counters_module_refs_per_socket),
				KUNIT_CASE(counters_module_refs_per_child),
				KUNIT_CASE(counters_af_inet_takes_no_ref),
				KUNIT_CASE(counters_inuse_listener),
				KUNIT_CASE(counters_inuse_established),
				KUNIT_CASE(counters_sockets_allocated),
				KUNIT_CASE(counters_share_tcp_memory),
				KUNIT_CASE(counters_active_passive_opens),
				KUNIT_CASE(counters_out_no_routes),
				KUNIT_CASE(counters_listen_overflows),
				KUNIT_CASE(counters_create_fields),
				KUNIT_CASE(counters_user_socket_alive)),
	},
	{
		.name = "inetx_safety",
		IKT_SUITE_CASES(KUNIT_CASE(safety_ulp_refused),
				KUNIT_CASE(safety_ulp_user_memory),
				KUNIT_CASE(safety_prot_tables),
				KUNIT_CASE(safety_other_options_work)),
	},
};

/* Every entry of ikt_suites[], and nothing else. */
static_assert(ARRAY_SIZE(ikt_suites) == 7);
kunit_test_suites(&ikt_suites[0], &ikt_suites[1], &ikt_suites[2],
		  &ikt_suites[3], &ikt_suites[4], &ikt_suites[5],
		  &ikt_suites[6]);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for inetx (PF_INETX)");
