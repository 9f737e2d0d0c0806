// SPDX-License-Identifier: GPL-2.0
/*
 * Socket creation, the counterpart of inet_create() in net/ipv4/af_inet.c:
 * struct socket -> struct sock -> inet_sock -> inet_connection_sock ->
 * tcp_sock, built exactly as AF_INET builds a TCP socket.
 */

#include <linux/bpf-cgroup.h>
#include <linux/capability.h>
#include <linux/net.h>
#include <net/inet_common.h>
#include <net/inet_connection_sock.h>
#include <net/protocol.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "inetx.h"
#include "inetx_compat.h"
#include "inetx_trace.h"

/* inetx's switch table, the counterpart of inetsw_array[]: one entry. */
static const struct inetx_protosw inetxsw_array[] = {
	{
		.type		= SOCK_STREAM,
		.protocol	= IPPROTO_TCP,
		.prot		= &inetx_prot,
		.ops		= &inetx_stream_ops,
		.flags		= INET_PROTOSW_PERMANENT | INET_PROTOSW_ICSK,
	},
};

/* Same matching rules as inet_create(), over inetx's own table. */
VISIBLE_IF_KUNIT const struct inetx_protosw *
inetx_lookup_protosw(int type, int *protocol)
{
	const struct inetx_protosw *answer;

	for (answer = inetxsw_array;
	     answer < inetxsw_array + ARRAY_SIZE(inetxsw_array); answer++) {
		if (answer->type != type)
			continue;
		if (*protocol == answer->protocol) {
			if (*protocol != IPPROTO_IP)
				return answer;
		} else {
			if (*protocol == IPPROTO_IP) {
				*protocol = answer->protocol;
				return answer;
			}
			if (answer->protocol == IPPROTO_IP)
				return answer;
		}
	}
	return NULL;
}
EXPORT_SYMBOL_IF_KUNIT(inetx_lookup_protosw);

/*
 * The errno inet_create() gives for a pair inetx does not serve, from
 * inetsw[]'s fixed layout rather than by creating an AF_INET socket: a
 * probe would run LSM, audit and cgroup BPF hooks and request_module() for
 * a socket nobody asked for. Where AF_INET would hand out a socket of
 * another protocol, inetx refuses it as a type (or, for SOCK_STREAM, a
 * protocol) it does not support.
 */
VISIBLE_IF_KUNIT int inetx_unsupported(struct net *net, int type,
				       int protocol, int kern)
{
	switch (type) {
	case SOCK_STREAM:
		/* TCP is inetx's; MPTCP and SCTP are other protocols. */
		return -EPROTONOSUPPORT;
	case SOCK_DGRAM:
		/* UDP (also the wildcard), ping, UDP-Lite where built, L2TP/IP. */
		if (protocol == IPPROTO_IP || protocol == IPPROTO_UDP ||
		    protocol == IPPROTO_ICMP ||
		    (inetx_have_udplite() && protocol == IPPROTO_UDPLITE) ||
		    (IS_ENABLED(CONFIG_L2TP_IP) && protocol == IPPROTO_L2TP))
			return -ESOCKTNOSUPPORT;
		return -EPROTONOSUPPORT;
	case SOCK_RAW:
		/* One wildcard entry: every protocol but 0 matches it. */
		if (protocol == IPPROTO_IP)
			return -EPROTONOSUPPORT;
		if (!kern && !ns_capable(net->user_ns, CAP_NET_RAW))
			return -EPERM;
		return -ESOCKTNOSUPPORT;
	case SOCK_PACKET:
		/* __sock_create() hands it to packet_create(), which checks. */
		if (!ns_capable(net->user_ns, CAP_NET_RAW))
			return -EPERM;
		return -ESOCKTNOSUPPORT;
	default:
		return -ESOCKTNOSUPPORT;
	}
}
EXPORT_SYMBOL_IF_KUNIT(inetx_unsupported);

int inetx_create(struct net *net, struct socket *sock, int protocol,
		 int kern)
{
	const struct inetx_protosw *answer;
	struct inet_sock *inet;
	struct sock *sk;
	int err;

	if (protocol < 0 || protocol >= IPPROTO_MAX)
		return -EINVAL;

	if (!kern && !inetx_may_create(net))
		return -EPERM;

	sock->state = SS_UNCONNECTED;

	answer = inetx_lookup_protosw(sock->type, &protocol);
	if (!answer)
		return inetx_unsupported(net, sock->type, protocol, kern);

	sock->ops = answer->ops;

	/* PF_INET, not inetx_family: the TCP engine only knows IPv4 socks. */
	sk = sk_alloc(net, PF_INET, GFP_KERNEL, answer->prot, kern);
	if (!sk)
		return -ENOMEM;

	if (INET_PROTOSW_REUSE & answer->flags)
		sk->sk_reuse = SK_CAN_REUSE;

	if (INET_PROTOSW_ICSK & answer->flags)
		inet_init_csk_locks(sk);

	inet = inet_sk(sk);
	inetx_init_inet_flags(sk, INET_PROTOSW_ICSK & answer->flags);

	if (READ_ONCE(net->ipv4.sysctl_ip_no_pmtu_disc))
		inet->pmtudisc = IP_PMTUDISC_DONT;
	else
		inet->pmtudisc = IP_PMTUDISC_WANT;

	atomic_set(&inet->inet_id, 0);

	sock_init_data(sock, sk);

	sk->sk_destruct	   = inet_sock_destruct;
	sk->sk_protocol	   = protocol;
	sk->sk_backlog_rcv = sk->sk_prot->backlog_rcv;
	sk->sk_txrehash = READ_ONCE(net->core.sysctl_txrehash);

	inet->uc_ttl	= -1;
	inet->mc_ttl	= 1;
	inet->mc_index	= 0;
	inet->mc_list	= NULL;
	inet->rcv_tos	= 0;

	inetx_sk_refcnt_debug_inc(sk);

	if (sk->sk_prot->init) {
		err = sk->sk_prot->init(sk);
		if (err)
			goto out_sk_release;
	}

	if (!kern) {
		err = BPF_CGROUP_RUN_PROG_INET_SOCK(sk);
		if (err)
			goto out_sk_release;
	}
	return 0;

out_sk_release:
	sk_common_release(sk);
	sock->sk = NULL;
	return err;
}

/* What af_inetx.c registers: inetx_create(), traced and counted. */
int inetx_family_create(struct net *net, struct socket *sock, int protocol,
			int kern)
{
	int err = inetx_create(net, sock, protocol, kern);

	trace_inetx_create(inetx_family, sock->type, protocol, err);
	inetx_stat_create(net, sock, kern, err);
	return err;
}
