// SPDX-License-Identifier: GPL-2.0
/*
 * Socket creation, the counterpart of inet_create() in net/ipv4/af_inet.c:
 * struct socket -> struct sock -> inet_sock -> inet_connection_sock ->
 * tcp_sock, built exactly as AF_INET builds a TCP socket.
 */

#include <linux/bpf-cgroup.h>
#include <linux/net.h>
#include <net/inet_common.h>
#include <net/inet_connection_sock.h>
#include <net/protocol.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "inetx.h"
#include "inetx_compat.h"

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
 * A pair inetx does not serve is refused the way AF_INET refuses it, so
 * the errno is AF_INET's own (EPROTONOSUPPORT, ESOCKTNOSUPPORT, EPERM for
 * raw sockets without CAP_NET_RAW, ...) whatever protocol modules the
 * kernel has. Only where AF_INET would hand out a socket of another
 * protocol does inetx answer with a "not supported" errno of its own.
 */
static int inetx_unsupported(struct net *net, int type, int protocol,
			     int kern)
{
	struct socket *probe;
	int err;

	err = __sock_create(net, PF_INET, type, protocol, &probe, kern);
	if (err)
		return err;
	sock_release(probe);
	return type == SOCK_STREAM ? -EPROTONOSUPPORT : -ESOCKTNOSUPPORT;
}

int inetx_create(struct net *net, struct socket *sock, int protocol,
		 int kern)
{
	const struct inetx_protosw *answer;
	struct inet_sock *inet;
	struct sock *sk;
	int err;

	if (protocol < 0 || protocol >= IPPROTO_MAX)
		return -EINVAL;

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
