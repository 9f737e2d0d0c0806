/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints of the inetx socket path (system "inetx"), one at each step
 * of a program's socket calls that runs inetx's code:
 *   inetx_create      socket():  inetx_create()       (inet_create)
 *   inetx_bind        bind():    inetx_bind()         (inet_bind)
 *   inetx_listen      listen():  inetx_listen()       (inet_listen)
 *   inetx_connect     connect(): __inetx_stream_connect() (socket layer)
 *   inetx_v4_connect  connect(): inetx_v4_connect()   (proto layer)
 *   inetx_accept      accept():  inetx_accept()       (inet_accept)
 *   inetx_shutdown    shutdown(): inetx_shutdown()    (inet_shutdown)
 *   inetx_release     close():   inetx_release()      (inet_release)
 * CREATE_TRACE_POINTS is defined by inetx_trace.c only.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM inetx

#if !defined(_INETX_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _INETX_TRACE_H

#include <linux/net.h>
#include <linux/tracepoint.h>
#include <net/inet_sock.h>
#include <net/tcp.h>
#include <net/tcp_states.h>

/* Symbolic states, as include/trace/events/sock.h prints TCP's. */
#define inetx_tcp_state_names			\
		EM(TCP_ESTABLISHED)		\
		EM(TCP_SYN_SENT)		\
		EM(TCP_SYN_RECV)		\
		EM(TCP_FIN_WAIT1)		\
		EM(TCP_FIN_WAIT2)		\
		EM(TCP_TIME_WAIT)		\
		EM(TCP_CLOSE)			\
		EM(TCP_CLOSE_WAIT)		\
		EM(TCP_LAST_ACK)		\
		EM(TCP_LISTEN)			\
		EM(TCP_CLOSING)			\
		EMe(TCP_NEW_SYN_RECV)

#define inetx_socket_state_names		\
		EM(SS_FREE)			\
		EM(SS_UNCONNECTED)		\
		EM(SS_CONNECTING)		\
		EM(SS_CONNECTED)		\
		EMe(SS_DISCONNECTING)

#undef EM
#undef EMe
#define EM(a)	TRACE_DEFINE_ENUM(a);
#define EMe(a)	TRACE_DEFINE_ENUM(a);

inetx_tcp_state_names
inetx_socket_state_names

#undef EM
#undef EMe
#define EM(a)	{ a, #a },
#define EMe(a)	{ a, #a }

#define inetx_show_tcp_state(val) \
	__print_symbolic(val, inetx_tcp_state_names)
#define inetx_show_socket_state(val) \
	__print_symbolic(val, inetx_socket_state_names)

TRACE_EVENT(inetx_create,

	TP_PROTO(int family, int type, int protocol, int result),

	TP_ARGS(family, type, protocol, result),

	TP_STRUCT__entry(
		__field(int, family)
		__field(int, type)
		__field(int, protocol)
		__field(int, result)
	),

	TP_fast_assign(
		__entry->family = family;
		__entry->type = type;
		__entry->protocol = protocol;
		__entry->result = result;
	),

	TP_printk("family=%d type=%d protocol=%d result=%d",
		  __entry->family, __entry->type, __entry->protocol,
		  __entry->result)
);

TRACE_EVENT(inetx_bind,

	TP_PROTO(const struct sock *sk, __be32 addr, __be16 port, int result),

	TP_ARGS(sk, addr, port, result),

	TP_STRUCT__entry(
		__field(const void *, skaddr)
		__array(__u8, addr, 4)
		__field(__u16, port)
		__field(int, result)
	),

	TP_fast_assign(
		__entry->skaddr = sk;
		memcpy(__entry->addr, &addr, 4);
		__entry->port = ntohs(port);
		__entry->result = result;
	),

	TP_printk("skaddr=%p addr=%pI4 port=%u result=%d", __entry->skaddr,
		  __entry->addr, __entry->port, __entry->result)
);

TRACE_EVENT(inetx_listen,

	TP_PROTO(const struct sock *sk, int backlog, int result),

	TP_ARGS(sk, backlog, result),

	TP_STRUCT__entry(
		__field(const void *, skaddr)
		__field(int, backlog)
		__field(int, result)
	),

	TP_fast_assign(
		__entry->skaddr = sk;
		__entry->backlog = backlog;
		__entry->result = result;
	),

	TP_printk("skaddr=%p backlog=%d result=%d", __entry->skaddr,
		  __entry->backlog, __entry->result)
);

/* The socket layer's connect: both state machines before and after. */
TRACE_EVENT(inetx_connect,

	TP_PROTO(const struct socket *sock, int oldsockstate, int oldstate,
		 int flags, int result),

	TP_ARGS(sock, oldsockstate, oldstate, flags, result),

	TP_STRUCT__entry(
		__field(const void *, skaddr)
		__field(int, oldsockstate)
		__field(int, newsockstate)
		__field(int, oldstate)
		__field(int, newstate)
		__field(int, flags)
		__field(int, result)
	),

	TP_fast_assign(
		__entry->skaddr = sock->sk;
		__entry->oldsockstate = oldsockstate;
		__entry->newsockstate = sock->state;
		__entry->oldstate = oldstate;
		__entry->newstate = sock->sk->sk_state;
		__entry->flags = flags;
		__entry->result = result;
	),

	TP_printk("skaddr=%p sock_state=%s->%s sk_state=%s->%s flags=%#x result=%d",
		  __entry->skaddr,
		  inetx_show_socket_state(__entry->oldsockstate),
		  inetx_show_socket_state(__entry->newsockstate),
		  inetx_show_tcp_state(__entry->oldstate),
		  inetx_show_tcp_state(__entry->newstate),
		  __entry->flags, __entry->result)
);

/*
 * The proto layer's connect: the route's addresses and next hop, the
 * ports chosen, the initial sequence number (write_seq), as left by
 * inetx_v4_connect() (or TCP's own tcp_v4_connect() where it runs).
 */
TRACE_EVENT(inetx_v4_connect,

	TP_PROTO(const struct sock *sk, __be32 nexthop, int result),

	TP_ARGS(sk, nexthop, result),

	TP_STRUCT__entry(
		__field(const void *, skaddr)
		__array(__u8, saddr, 4)
		__array(__u8, daddr, 4)
		__array(__u8, nexthop, 4)
		__field(__u16, sport)
		__field(__u16, dport)
		__field(__u32, isn)
		__field(int, state)
		__field(int, result)
	),

	TP_fast_assign(
		const struct inet_sock *inet = inet_sk(sk);

		__entry->skaddr = sk;
		memcpy(__entry->saddr, &inet->inet_saddr, 4);
		memcpy(__entry->daddr, &inet->inet_daddr, 4);
		memcpy(__entry->nexthop, &nexthop, 4);
		__entry->sport = ntohs(inet->inet_sport);
		__entry->dport = ntohs(inet->inet_dport);
		__entry->isn = READ_ONCE(tcp_sk(sk)->write_seq);
		__entry->state = sk->sk_state;
		__entry->result = result;
	),

	TP_printk("skaddr=%p saddr=%pI4 sport=%u daddr=%pI4 dport=%u nexthop=%pI4 isn=%u state=%s result=%d",
		  __entry->skaddr, __entry->saddr, __entry->sport,
		  __entry->daddr, __entry->dport, __entry->nexthop,
		  __entry->isn, inetx_show_tcp_state(__entry->state),
		  __entry->result)
);

/* The accepted child's 4-tuple (zeros when accept() failed). */
TRACE_EVENT(inetx_accept,

	TP_PROTO(const struct sock *sk, const struct sock *newsk, int result),

	TP_ARGS(sk, newsk, result),

	TP_STRUCT__entry(
		__field(const void *, skaddr)
		__field(const void *, newskaddr)
		__array(__u8, saddr, 4)
		__array(__u8, daddr, 4)
		__field(__u16, sport)
		__field(__u16, dport)
		__field(int, result)
	),

	TP_fast_assign(
		__entry->skaddr = sk;
		__entry->newskaddr = newsk;
		memset(__entry->saddr, 0, 4);
		memset(__entry->daddr, 0, 4);
		__entry->sport = 0;
		__entry->dport = 0;
		if (newsk) {
			const struct inet_sock *inet = inet_sk(newsk);

			memcpy(__entry->saddr, &inet->inet_saddr, 4);
			memcpy(__entry->daddr, &inet->inet_daddr, 4);
			__entry->sport = ntohs(inet->inet_sport);
			__entry->dport = ntohs(inet->inet_dport);
		}
		__entry->result = result;
	),

	TP_printk("skaddr=%p newskaddr=%p saddr=%pI4 sport=%u daddr=%pI4 dport=%u result=%d",
		  __entry->skaddr, __entry->newskaddr, __entry->saddr,
		  __entry->sport, __entry->daddr, __entry->dport,
		  __entry->result)
);

TRACE_EVENT(inetx_shutdown,

	TP_PROTO(const struct sock *sk, int how, int result),

	TP_ARGS(sk, how, result),

	TP_STRUCT__entry(
		__field(const void *, skaddr)
		__field(int, how)
		__field(int, state)
		__field(int, result)
	),

	TP_fast_assign(
		__entry->skaddr = sk;
		__entry->how = how;
		__entry->state = sk->sk_state;
		__entry->result = result;
	),

	TP_printk("skaddr=%p how=%d state=%s result=%d", __entry->skaddr,
		  __entry->how, inetx_show_tcp_state(__entry->state),
		  __entry->result)
);

/* Before inet_release(): the states the socket is closed in. */
TRACE_EVENT(inetx_release,

	TP_PROTO(const struct socket *sock),

	TP_ARGS(sock),

	TP_STRUCT__entry(
		__field(const void *, skaddr)
		__field(int, sockstate)
		__field(int, state)
	),

	TP_fast_assign(
		__entry->skaddr = sock->sk;
		__entry->sockstate = sock->state;
		__entry->state = sock->sk ? sock->sk->sk_state : TCP_CLOSE;
	),

	TP_printk("skaddr=%p sock_state=%s state=%s", __entry->skaddr,
		  inetx_show_socket_state(__entry->sockstate),
		  inetx_show_tcp_state(__entry->state))
);

#endif /* _INETX_TRACE_H */

/* Out of tree: Kbuild adds -I$(src), where this header is. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE inetx_trace
#include <trace/define_trace.h>
