/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every difference between the supported kernels (Debian 6.1, 6.12 and
 * 7.2) lives here, so the layer files read like the code they mirror.
 *
 * API shape is detected from the headers themselves; what a given Debian
 * ABI exports is detected from its Module.symvers by Kbuild (INETX_HAVE_*).
 */
#ifndef _INETX_COMPAT_H
#define _INETX_COMPAT_H

#include <linux/rtnetlink.h>
#include <linux/sysctl.h>
#include <net/net_namespace.h>
#include <net/inet_common.h>
#include <net/inet_sock.h>
#include <net/secure_seq.h>
#include <net/tcp.h>

/* 6.12 turned the inet_sock bitfields into atomic flag bits. */
#ifdef inet_set_bit
static inline void inetx_init_inet_flags(struct sock *sk, bool is_icsk)
{
	inet_assign_bit(IS_ICSK, sk, is_icsk);
	inet_clear_bit(NODEFRAG, sk);
	inet_set_bit(MC_LOOP, sk);
	inet_set_bit(MC_ALL, sk);
}

static inline bool inetx_defer_connect(const struct sock *sk)
{
	return inet_test_bit(DEFER_CONNECT, sk);
}

/* For inetx_kunit.ko, which checks and stages these flags. */
static inline void inetx_assign_defer_connect(struct sock *sk, bool on)
{
	inet_assign_bit(DEFER_CONNECT, sk, on);
}

static inline bool inetx_is_icsk(const struct sock *sk)
{
	return inet_test_bit(IS_ICSK, sk);
}

static inline bool inetx_mc_loop(const struct sock *sk)
{
	return inet_test_bit(MC_LOOP, sk);
}
#else
static inline void inetx_init_inet_flags(struct sock *sk, bool is_icsk)
{
	struct inet_sock *inet = inet_sk(sk);

	inet->is_icsk = is_icsk;
	inet->nodefrag = 0;
	inet->mc_loop = 1;
	inet->mc_all = 1;
}

static inline bool inetx_defer_connect(const struct sock *sk)
{
	return inet_sk(sk)->defer_connect;
}

static inline void inetx_assign_defer_connect(struct sock *sk, bool on)
{
	inet_sk(sk)->defer_connect = on;
}

static inline bool inetx_is_icsk(const struct sock *sk)
{
	return inet_sk(sk)->is_icsk;
}

static inline bool inetx_mc_loop(const struct sock *sk)
{
	return inet_sk(sk)->mc_loop;
}
#endif

/* Socket refcount debugging (a no-op macro unless built in) left in 6.2. */
static inline void inetx_sk_refcnt_debug_inc(struct sock *sk)
{
#ifdef sk_refcnt_debug_inc
	sk_refcnt_debug_inc(sk);
#endif
}

/* 6.7 added microsecond TCP timestamps, chosen per route. */
#ifdef RTAX_FEATURE_TCP_USEC_TS
static inline void inetx_set_usec_ts(struct tcp_sock *tp,
				     const struct dst_entry *dst)
{
	tp->tcp_usec_ts = dst_tcp_usec_ts(dst);
}
#else
static inline void inetx_set_usec_ts(struct tcp_sock *tp,
				     const struct dst_entry *dst)
{
}
#endif

/*
 * Debian 6.1.0-55 and later, and 6.12, export secure_tcp_seq_and_ts_off().
 * Older 6.1 ABIs export only secure_tcp_seq(); secure_tcp_ts_off() was
 * never exported, so there the timestamp offset stays 0.
 */
static inline void inetx_secure_seq(struct sock *sk, __be16 dport)
{
	struct inet_sock *inet = inet_sk(sk);
	struct tcp_sock *tp = tcp_sk(sk);
#ifdef INETX_HAVE_SECURE_TCP_SEQ_AND_TS_OFF
	union tcp_seq_and_ts_off st;

	st = secure_tcp_seq_and_ts_off(sock_net(sk), inet->inet_saddr,
				       inet->inet_daddr, inet->inet_sport,
				       dport);
	if (!tp->write_seq)
		WRITE_ONCE(tp->write_seq, st.seq);
	WRITE_ONCE(tp->tsoffset, st.ts_off);
#else
	if (!tp->write_seq)
		WRITE_ONCE(tp->write_seq,
			   secure_tcp_seq(inet->inet_saddr, inet->inet_daddr,
					  inet->inet_sport, dport));
#endif
}

/*
 * 7.2 passes bind and connect addresses as struct sockaddr_unsized
 * (Kbuild: INETX_HAVE_SOCKADDR_UNSIZED), sa_family first as before.
 */
#ifdef INETX_HAVE_SOCKADDR_UNSIZED
#define inetx_sockaddr	sockaddr_unsized
#else
#define inetx_sockaddr	sockaddr
#endif

/*
 * inetx_v4_connect() mirrors tcp_v4_connect() only where the kernel
 * exports inet_hash_connect(), tcp_set_state() and inet_bhash2_*_saddr()
 * (Kbuild: INETX_HAVE_V4_CONNECT_EXPORTS; Debian's 7.2 exports none of
 * them). Elsewhere it checks the address as before and then hands the
 * socket to TCP's own tcp_v4_connect(); the mirror is then dead code the
 * compiler drops, so its calls never reach modpost.
 */
#ifdef INETX_HAVE_V4_CONNECT_EXPORTS
#define inetx_have_v4_connect()		true
#define INETX_LAYER_V4_CONNECT		",proto.connect"
#else
#define inetx_have_v4_connect()		false
#define INETX_LAYER_V4_CONNECT		""
#endif

/*
 * 6.12 does not export tcp_fastopen_defer_connect(); inetx_v4_connect()
 * then hands TCP_FASTOPEN_CONNECT sockets to TCP's own tcp_v4_connect().
 */
#ifdef INETX_HAVE_TCP_FASTOPEN_DEFER_CONNECT
#define inetx_have_fastopen_defer_connect()	true
#define inetx_fastopen_defer_connect(sk, err) \
	tcp_fastopen_defer_connect(sk, err)
#else
#define inetx_have_fastopen_defer_connect()	false
static inline bool inetx_fastopen_defer_connect(struct sock *sk, int *err)
{
	return false;
}
#endif

/*
 * The layers that run inetx's own code on this kernel, decided above at
 * build time: module parameter and modinfo tag "layers", and the load
 * message, which also names what TCP's own code does instead.
 */
#define INETX_LAYERS \
	"create,proto_ops.connect,proto_ops.accept" INETX_LAYER_V4_CONNECT \
	",proto.setsockopt"
#if !defined(INETX_HAVE_V4_CONNECT_EXPORTS)
#define INETX_LAYERS_TCP \
	"proto.connect (not exported: inet_hash_connect, tcp_set_state, inet_bhash2_update_saddr, inet_bhash2_reset_saddr)"
#elif !defined(INETX_HAVE_TCP_FASTOPEN_DEFER_CONNECT)
#define INETX_LAYERS_TCP \
	"proto.connect for TCP_FASTOPEN_CONNECT (not exported: tcp_fastopen_defer_connect)"
#else
#define INETX_LAYERS_TCP	"none of these"
#endif

/*
 * inet_create() serves SOCK_DGRAM/IPPROTO_UDPLITE only where UDP-Lite
 * exists (Kbuild: INETX_HAVE_UDPLITE; 7.2 has none).
 */
#ifdef INETX_HAVE_UDPLITE
#define inetx_have_udplite()	true
#else
#define inetx_have_udplite()	false
#endif

/*
 * 7.x lets TCP clamp its window when SO_RCVBUF changes, through proto_ops
 * set_rcvbuf (Kbuild: INETX_HAVE_OPS_SET_RCVBUF); tcp_set_rcvbuf() is not
 * exported, so it is reached through inet_stream_ops.
 */
#ifdef INETX_HAVE_OPS_SET_RCVBUF
static inline void inetx_set_rcvbuf(struct sock *sk, int val)
{
	inet_stream_ops.set_rcvbuf(sk, val);
}

#define INETX_STREAM_OPS_SET_RCVBUF				\
	.set_rcvbuf	   = inetx_set_rcvbuf,
#else
#define INETX_STREAM_OPS_SET_RCVBUF
#endif

/*
 * proto_ops members only some kernels have: 6.1 still has sendpage (its
 * MSG_SENDPAGE_NOTLAST went with it), 6.12's TCP offers SO_PEEK_OFF, 7.x
 * set_rcvbuf. 6.1's sendfile() and splice() to a socket take sendpage:
 * inetx_sendpage() counts what it sends (inetx_stat.c).
 */
#ifdef MSG_SENDPAGE_NOTLAST
void inetx_stat_bytes(const struct sock *sk, bool sent, long bytes);

static inline ssize_t inetx_sendpage(struct socket *sock, struct page *page,
				     int offset, size_t size, int flags)
{
	ssize_t ret = inet_sendpage(sock, page, offset, size, flags);

	inetx_stat_bytes(sock->sk, true, ret);
	return ret;
}

#define INETX_STREAM_OPS_VERSIONED				\
	.sendpage	   = inetx_sendpage,			\
	.sendpage_locked   = tcp_sendpage_locked,
#else
#define INETX_STREAM_OPS_VERSIONED				\
	.set_peek_off	   = sk_set_peek_off,			\
	INETX_STREAM_OPS_SET_RCVBUF
#endif

/*
 * Sysctl tables: 6.6 passes their size (register_net_sysctl became a
 * macro around register_net_sysctl_sz) and 6.11 dropped the empty
 * terminating entry; 6.11 also made proc handlers take a const table
 * (Kbuild: INETX_HAVE_CONST_CTL_TABLE).
 */
#ifdef register_net_sysctl
#define INETX_CTL_TABLE_SENTINEL
static inline struct ctl_table_header *
inetx_register_net_sysctl(struct net *net, const char *path,
			  struct ctl_table *table, size_t size)
{
	return register_net_sysctl_sz(net, path, table, size);
}
#else
#define INETX_CTL_TABLE_SENTINEL	{ }
static inline struct ctl_table_header *
inetx_register_net_sysctl(struct net *net, const char *path,
			  struct ctl_table *table, size_t size)
{
	return register_net_sysctl(net, path, table);
}
#endif

#ifdef INETX_HAVE_CONST_CTL_TABLE
#define INETX_CTL_TABLE_CONST	const
#else
#define INETX_CTL_TABLE_CONST
#endif

/*
 * 6.10 passes accept()'s flags in a struct proto_accept_arg (Kbuild:
 * INETX_HAVE_PROTO_ACCEPT_ARG). inetx_stream_ops.c has the logic.
 */
int inetx_accept_finish(struct socket *sock, struct socket *newsock, int err);

#ifdef INETX_HAVE_PROTO_ACCEPT_ARG
static inline int inetx_accept(struct socket *sock, struct socket *newsock,
			       struct proto_accept_arg *arg)
{
	return inetx_accept_finish(sock, newsock,
				   inet_accept(sock, newsock, arg));
}
#else
static inline int inetx_accept(struct socket *sock, struct socket *newsock,
			       int flags, bool kern)
{
	return inetx_accept_finish(sock, newsock,
				   inet_accept(sock, newsock, flags, kern));
}
#endif

/*
 * 6.10 gave TCP's tcp_send_reset tracepoint a reset reason (Kbuild:
 * INETX_HAVE_SK_RST_REASON): the arguments of inetx_stat.c's probe.
 */
#ifdef INETX_HAVE_SK_RST_REASON
#include <net/rstreason.h>
#define INETX_TCP_SEND_RESET_ARGS					\
	const struct sock *sk, const struct sk_buff *skb,		\
	const enum sk_rst_reason reason
#else
#define INETX_TCP_SEND_RESET_ARGS					\
	const struct sock *sk, const struct sk_buff *skb
#endif

/*
 * sock_diag (inetx_diag.c): 7.x reads a socket's owner from sk_uid()
 * (Kbuild: INETX_HAVE_SK_UID) and its retransmit timeout from
 * tcp_timeout_expires() (Kbuild: INETX_HAVE_TCP_TIMEOUT_EXPIRES).
 */
#ifdef INETX_HAVE_SK_UID
#define inetx_sock_i_uid(sk)	sk_uid(sk)
#else
#define inetx_sock_i_uid(sk)	sock_i_uid(sk)
#endif

#ifdef INETX_HAVE_TCP_TIMEOUT_EXPIRES
#define inetx_icsk_timeout(sk)	tcp_timeout_expires(sk)
#else
#define inetx_icsk_timeout(sk)	(inet_csk(sk)->icsk_timeout)
#endif

/* TCP's hash tables for a namespace (per netns since 6.1). */
static inline struct inet_hashinfo *inetx_tcp_hashinfo(const struct net *net)
{
	return net->ipv4.tcp_death_row.hashinfo;
}

#endif /* _INETX_COMPAT_H */
