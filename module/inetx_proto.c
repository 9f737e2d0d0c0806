// SPDX-License-Identifier: GPL-2.0
/*
 * struct proto for PF_INETX, the counterpart of tcp_prot in
 * net/ipv4/tcp_ipv4.c, and its connect, the counterpart of
 * tcp_v4_connect().
 *
 * The proto starts as a copy of tcp_prot: inetx sockets are run by the
 * TCP engine and share its hash tables, port space and memory limits.
 * The copy gets its own name, owner, slab, connect, setsockopt and
 * timewait ops: sharing TCP's timewait ops would let proto_register()
 * replace and proto_unregister() destroy TCP's own slab. It has no
 * request ops: tcp_conn_request() always uses TCP's.
 *
 * Other subsystems treat a proto as a type tag and copy its tables, and
 * inetx's carry its module as owner: kTLS and the other ULPs rebuild
 * global tables from a socket's proto and proto_ops, and sockmap swaps a
 * socket's proto for a copy without an owner whose children it points
 * back at the original. So ULPs are refused and sockmap is told inetx
 * has no BPF proto.
 */

#include <linux/module.h>
#include <linux/random.h>
#include <net/inet_hashtables.h>
#include <net/ip.h>
#include <net/route.h>
#include <net/tcp.h>

#include "inetx.h"
#include "inetx_compat.h"
#include "inetx_trace.h"

struct proto inetx_prot;
EXPORT_SYMBOL_IF_KUNIT(inetx_prot);
static struct timewait_sock_ops inetx_timewait_sock_ops;

/*
 * tcp_setsockopt() with ULPs refused before any ULP code runs: tls_init()
 * rebuilds kTLS's one IPv4 table from this socket's proto and proto_ops
 * even when it then fails, and espintcp and smc replace both. Here rather
 * than in proto_ops so that it also covers an inetx socket accepted
 * through an AF_INET listener (reuseport migration).
 */
VISIBLE_IF_KUNIT int inetx_setsockopt(struct sock *sk, int level, int optname,
				      sockptr_t optval, unsigned int optlen)
{
	if (level == SOL_TCP && optname == TCP_ULP)
		return -EOPNOTSUPP;
	return tcp_prot.setsockopt(sk, level, optname, optval, optlen);
}
EXPORT_SYMBOL_IF_KUNIT(inetx_setsockopt);

/* Mirrors tcp_v4_connect(): route, port, sequence number, then the SYN. */
int inetx_v4_connect(struct sock *sk, struct inetx_sockaddr *uaddr,
		     int addr_len)
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

	if (usin->sin_family != AF_INET)
		return -EAFNOSUPPORT;

	/*
	 * Where the mirror's helpers are not exported, or for fast open
	 * without tcp_fastopen_defer_connect(), TCP's own connect does it.
	 */
	if (!inetx_have_v4_connect() ||
	    (tp->fastopen_connect && !inetx_have_fastopen_defer_connect()))
		return tcp_prot.connect(sk, uaddr, addr_len);

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

/*
 * inetx_prot.connect: the mirror, traced. The next hop is the route's
 * gateway, or the destination (the first source route hop) where the
 * route has none, as ip_queue_xmit() will send to.
 */
int inetx_proto_connect(struct sock *sk, struct inetx_sockaddr *uaddr,
			int addr_len)
{
	int err = inetx_v4_connect(sk, uaddr, addr_len);

	if (trace_inetx_v4_connect_enabled()) {
		const struct sockaddr_in *usin = (const void *)uaddr;
		const struct dst_entry *dst = __sk_dst_get(sk);
		__be32 nexthop = 0;

		if (!err && dst)
			nexthop = rt_nexthop(container_of(dst, struct rtable, dst),
					     inet_sk(sk)->inet_daddr);
		else if (addr_len >= (int)sizeof(*usin))
			nexthop = usin->sin_addr.s_addr;
		trace_inetx_v4_connect(sk, nexthop, err);
	}
	return err;
}

int __init inetx_proto_init(void)
{
	inetx_timewait_sock_ops = *tcp_prot.twsk_prot;
	inetx_timewait_sock_ops.twsk_slab = NULL;
	inetx_timewait_sock_ops.twsk_slab_name = NULL;

	inetx_prot = tcp_prot;
	strscpy(inetx_prot.name, "INETX", sizeof(inetx_prot.name));
	inetx_prot.owner = THIS_MODULE;
	inetx_prot.connect = inetx_proto_connect;
	inetx_prot.setsockopt = inetx_setsockopt;
	inetx_prot.slab = NULL;
	inetx_prot.rsk_prot = NULL;
	inetx_prot.twsk_prot = &inetx_timewait_sock_ops;
#ifdef CONFIG_BPF_SYSCALL
	/* sock_map_sk_is_suitable(): EOPNOTSUPP, before any psock exists. */
	inetx_prot.psock_update_sk_prot = NULL;
#endif
	INIT_LIST_HEAD(&inetx_prot.node);

	return proto_register(&inetx_prot, 1);
}

void inetx_proto_exit(void)
{
	proto_unregister(&inetx_prot);
}
