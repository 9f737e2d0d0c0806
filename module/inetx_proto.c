// SPDX-License-Identifier: GPL-2.0
/*
 * struct proto for PF_INETX, the counterpart of tcp_prot in
 * net/ipv4/tcp_ipv4.c, and its connect, the counterpart of
 * tcp_v4_connect().
 *
 * The proto starts as a copy of tcp_prot: inetx sockets are run by the
 * TCP engine and share its hash tables, port space and memory limits.
 * The copy gets its own name, owner, slab, connect, and private request
 * and timewait ops: sharing TCP's would let proto_register() replace and
 * proto_unregister() destroy TCP's own slabs.
 */

#include <linux/module.h>
#include <linux/random.h>
#include <net/inet_hashtables.h>
#include <net/ip.h>
#include <net/route.h>
#include <net/tcp.h>

#include "inetx.h"
#include "inetx_compat.h"

struct proto inetx_prot;
EXPORT_SYMBOL_IF_KUNIT(inetx_prot);
static struct request_sock_ops inetx_request_sock_ops;
static struct timewait_sock_ops inetx_timewait_sock_ops;

/* Hands a socket to TCP's own tcp_v4_connect() with an AF_INET address. */
static int inetx_tcp_v4_connect(struct sock *sk, struct sockaddr *uaddr,
				int addr_len)
{
	struct sockaddr_in sin;

	memcpy(&sin, uaddr, sizeof(sin));
	sin.sin_family = AF_INET;
	return tcp_prot.connect(sk, (struct sockaddr *)&sin, sizeof(sin));
}

/* Mirrors tcp_v4_connect(): route, port, sequence number, then the SYN. */
int inetx_v4_connect(struct sock *sk, struct sockaddr *uaddr, int addr_len)
{
	struct sockaddr_in *usin = (struct sockaddr_in *)uaddr;
	struct inet_timewait_death_row *tcp_death_row;
	struct inet_sock *inet = inet_sk(sk);
	struct tcp_sock *tp = tcp_sk(sk);
	struct ip_options_rcu *inet_opt;
	struct net *net = sock_net(sk);
	__be16 orig_sport, orig_dport;
	__be32 daddr, nexthop;
	struct flowi4 *fl4;
	struct rtable *rt;
	int err;

	if (addr_len < sizeof(struct sockaddr_in))
		return -EINVAL;

	if (usin->sin_family != inetx_family)
		return -EAFNOSUPPORT;

	if (tp->fastopen_connect && !inetx_have_fastopen_defer_connect())
		return inetx_tcp_v4_connect(sk, uaddr, addr_len);

	nexthop = usin->sin_addr.s_addr;
	daddr = nexthop;
	inet_opt = rcu_dereference_protected(inet->inet_opt,
					     lockdep_sock_is_held(sk));
	if (inet_opt && inet_opt->opt.srr) {
		if (!daddr)
			return -EINVAL;
		nexthop = inet_opt->opt.faddr;
	}

	orig_sport = inet->inet_sport;
	orig_dport = usin->sin_port;
	fl4 = &inet->cork.fl.u.ip4;
	rt = ip_route_connect(fl4, nexthop, inet->inet_saddr,
			      sk->sk_bound_dev_if, IPPROTO_TCP, orig_sport,
			      orig_dport, sk);
	if (IS_ERR(rt)) {
		err = PTR_ERR(rt);
		if (err == -ENETUNREACH)
			IP_INC_STATS(net, IPSTATS_MIB_OUTNOROUTES);
		return err;
	}

	if (rt->rt_flags & (RTCF_MULTICAST | RTCF_BROADCAST)) {
		ip_rt_put(rt);
		return -ENETUNREACH;
	}

	if (!inet_opt || !inet_opt->opt.srr)
		daddr = fl4->daddr;

	tcp_death_row = &net->ipv4.tcp_death_row;

	if (!inet->inet_saddr) {
		err = inet_bhash2_update_saddr(sk, &fl4->saddr, AF_INET);
		if (err) {
			ip_rt_put(rt);
			return err;
		}
	} else {
		sk_rcv_saddr_set(sk, inet->inet_saddr);
	}

	if (tp->rx_opt.ts_recent_stamp && inet->inet_daddr != daddr) {
		/* Reset state inherited from an earlier peer. */
		tp->rx_opt.ts_recent = 0;
		tp->rx_opt.ts_recent_stamp = 0;
		if (likely(!tp->repair))
			WRITE_ONCE(tp->write_seq, 0);
	}

	inet->inet_dport = usin->sin_port;
	sk_daddr_set(sk, daddr);

	inet_csk(sk)->icsk_ext_hdr_len = 0;
	if (inet_opt)
		inet_csk(sk)->icsk_ext_hdr_len = inet_opt->opt.optlen;

	tp->rx_opt.mss_clamp = TCP_MSS_DEFAULT;

	/*
	 * SYN_SENT before the source port is chosen: the socket stays
	 * locked while inet_hash_connect() picks the port and hashes it.
	 */
	tcp_set_state(sk, TCP_SYN_SENT);
	err = inet_hash_connect(tcp_death_row, sk);
	if (err)
		goto failure;

	sk_set_txhash(sk);

	rt = ip_route_newports(fl4, rt, orig_sport, orig_dport,
			       inet->inet_sport, inet->inet_dport, sk);
	if (IS_ERR(rt)) {
		err = PTR_ERR(rt);
		rt = NULL;
		goto failure;
	}
	inetx_set_usec_ts(tp, &rt->dst);
	/* Commit the destination: from here segments use this route. */
	sk->sk_gso_type = SKB_GSO_TCPV4;
	sk_setup_caps(sk, &rt->dst);
	rt = NULL;

	if (likely(!tp->repair))
		inetx_secure_seq(sk, usin->sin_port);

	atomic_set(&inet->inet_id, get_random_u16());

	if (inetx_fastopen_defer_connect(sk, &err))
		return err;
	if (err)
		goto failure;

	err = tcp_connect(sk);
	if (err)
		goto failure;

	return 0;

failure:
	/* Unhashes the socket and releases the local port. */
	tcp_set_state(sk, TCP_CLOSE);
	inet_bhash2_reset_saddr(sk);
	ip_rt_put(rt);
	sk->sk_route_caps = 0;
	inet->inet_dport = 0;
	return err;
}

int __init inetx_proto_init(void)
{
	inetx_request_sock_ops = *tcp_prot.rsk_prot;
	inetx_request_sock_ops.slab = NULL;
	inetx_request_sock_ops.slab_name = NULL;

	inetx_timewait_sock_ops = *tcp_prot.twsk_prot;
	inetx_timewait_sock_ops.twsk_slab = NULL;
	inetx_timewait_sock_ops.twsk_slab_name = NULL;

	inetx_prot = tcp_prot;
	strscpy(inetx_prot.name, "INETX", sizeof(inetx_prot.name));
	inetx_prot.owner = THIS_MODULE;
	inetx_prot.connect = inetx_v4_connect;
	inetx_prot.slab = NULL;
	inetx_prot.rsk_prot = &inetx_request_sock_ops;
	inetx_prot.twsk_prot = &inetx_timewait_sock_ops;
	INIT_LIST_HEAD(&inetx_prot.node);

	return proto_register(&inetx_prot, 1);
}

void inetx_proto_exit(void)
{
	proto_unregister(&inetx_prot);
}
