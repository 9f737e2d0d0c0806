// SPDX-License-Identifier: GPL-2.0
/*
 * sock_diag for PF_INETX, the counterpart of net/ipv4/inet_diag.c and
 * net/ipv4/tcp_diag.c: SOCK_DIAG_BY_FAMILY requests whose sdiag_family is
 * inetx's family (struct inet_diag_req_v2, sdiag_protocol IPPROTO_TCP) are
 * answered with struct inet_diag_msg records of inetx sockets only, as
 * net/smc/smc_diag.c does for AF_SMC.
 *
 * inetx sockets are TCP sockets with sk_family PF_INET in TCP's own hash
 * tables, so the walk is inet_diag_dump_icsk()'s over the namespace's TCP
 * hashinfo, keeping the sockets inetx's proto made. The fills are inetx's
 * own rather than inet_diag.ko's exports: those would make inetx depend on
 * inet_diag.ko and look up TCP's handler in its table.
 *
 * Not supported (the request is refused, never answered unfiltered):
 * bytecode filters and other request attributes. Bound but inactive
 * sockets (TCPF_BOUND_INACTIVE) are not walked.
 */

#include <linux/inet_diag.h>
#include <linux/module.h>
#include <linux/sock_diag.h>
#include <net/inet_connection_sock.h>
#include <net/inet_hashtables.h>
#include <net/inet_timewait_sock.h>
#include <net/netlink.h>
#include <net/request_sock.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "inetx.h"
#include "inetx_compat.h"

/*
 * Whether inetx's proto made @sk. sk_prot_creator rather than sk_prot: it
 * survives a proto swap (sockmap, ULPs), and sk_clone_lock() copies it to
 * children. TIME_WAIT socks carry it as tw_prot, request socks have their
 * listener's.
 */
static bool inetx_diag_owns(const struct sock *sk)
{
	switch (sk->sk_state) {
	case TCP_TIME_WAIT:
		return inet_twsk(sk)->tw_prot == &inetx_prot;
	case TCP_NEW_SYN_RECV: {
		const struct sock *lsk = inet_reqsk(sk)->rsk_listener;

		return lsk && lsk->sk_prot_creator == &inetx_prot;
	}
	default:
		return sk->sk_prot_creator == &inetx_prot;
	}
}

/* Mirrors inet_diag_msg_common_fill(), IPv4 only, inetx's family. */
static void inetx_diag_msg_common_fill(struct inet_diag_msg *r,
				       struct sock *sk)
{
	r->idiag_family = inetx_family;

	r->id.idiag_sport = htons(sk->sk_num);
	r->id.idiag_dport = sk->sk_dport;
	r->id.idiag_if = sk->sk_bound_dev_if;
	sock_diag_save_cookie(sk, r->id.idiag_cookie);

	memset(&r->id.idiag_src, 0, sizeof(r->id.idiag_src));
	memset(&r->id.idiag_dst, 0, sizeof(r->id.idiag_dst));
	r->id.idiag_src[0] = sk->sk_rcv_saddr;
	r->id.idiag_dst[0] = sk->sk_daddr;
}

static struct nlmsghdr *inetx_diag_nlmsg_put(struct sk_buff *skb,
					     struct netlink_callback *cb,
					     u16 nlmsg_flags)
{
	return nlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			 cb->nlh->nlmsg_type, sizeof(struct inet_diag_msg),
			 nlmsg_flags);
}

/* Mirrors tcp_diag_get_info(): queues, and tcp_info if asked for. */
static void inetx_diag_get_info(struct sock *sk, struct inet_diag_msg *r,
				struct tcp_info *info)
{
	if (inet_sk_state_load(sk) == TCP_LISTEN) {
		r->idiag_rqueue = READ_ONCE(sk->sk_ack_backlog);
		r->idiag_wqueue = READ_ONCE(sk->sk_max_ack_backlog);
	} else {
		const struct tcp_sock *tp = tcp_sk(sk);

		r->idiag_rqueue = max_t(int, READ_ONCE(tp->rcv_nxt) -
					     READ_ONCE(tp->copied_seq), 0);
		r->idiag_wqueue = READ_ONCE(tp->write_seq) - tp->snd_una;
	}
	if (info)
		tcp_get_info(sk, info);
}

/* Mirrors inet_sk_diag_fill() for a full TCP sock. */
static int inetx_sk_diag_fill(struct sock *sk, struct sk_buff *skb,
			      struct netlink_callback *cb,
			      const struct inet_diag_req_v2 *req,
			      u16 nlmsg_flags)
{
	struct inet_connection_sock *icsk = inet_csk(sk);
	const struct tcp_congestion_ops *ca_ops;
	struct tcp_info *info = NULL;
	int ext = req->idiag_ext;
	struct inet_diag_msg *r;
	struct nlmsghdr *nlh;
	struct nlattr *attr;
	u8 icsk_pending;

	nlh = inetx_diag_nlmsg_put(skb, cb, nlmsg_flags);
	if (!nlh)
		return -EMSGSIZE;

	r = nlmsg_data(nlh);
	inetx_diag_msg_common_fill(r, sk);
	r->idiag_state = sk->sk_state;
	r->idiag_timer = 0;
	r->idiag_retrans = 0;
	r->idiag_expires = 0;

	if (nla_put_u8(skb, INET_DIAG_SHUTDOWN, sk->sk_shutdown))
		goto errout;

	r->idiag_uid = from_kuid_munged(sk_user_ns(NETLINK_CB(cb->skb).sk),
					inetx_sock_i_uid(sk));
	r->idiag_inode = sock_i_ino(sk);

	icsk_pending = READ_ONCE(icsk->icsk_pending);
	if (icsk_pending == ICSK_TIME_RETRANS ||
	    icsk_pending == ICSK_TIME_REO_TIMEOUT ||
	    icsk_pending == ICSK_TIME_LOSS_PROBE) {
		r->idiag_timer = 1;
		r->idiag_retrans = READ_ONCE(icsk->icsk_retransmits);
		r->idiag_expires =
			jiffies_delta_to_msecs(inetx_icsk_timeout(sk) - jiffies);
	} else if (icsk_pending == ICSK_TIME_PROBE0) {
		r->idiag_timer = 4;
		r->idiag_retrans = READ_ONCE(icsk->icsk_probes_out);
		r->idiag_expires =
			jiffies_delta_to_msecs(inetx_icsk_timeout(sk) - jiffies);
	} else if (timer_pending(&icsk->icsk_keepalive_timer)) {
		r->idiag_timer = 2;
		r->idiag_retrans = READ_ONCE(icsk->icsk_probes_out);
		r->idiag_expires =
			jiffies_delta_to_msecs(icsk->icsk_keepalive_timer.expires -
					       jiffies);
	}

	if (ext & (1 << (INET_DIAG_INFO - 1))) {
		attr = nla_reserve_64bit(skb, INET_DIAG_INFO,
					 sizeof(struct tcp_info), INET_DIAG_PAD);
		if (!attr)
			goto errout;
		info = nla_data(attr);
	}

	if (ext & (1 << (INET_DIAG_CONG - 1))) {
		int err = 0;

		rcu_read_lock();
		ca_ops = READ_ONCE(icsk->icsk_ca_ops);
		if (ca_ops)
			err = nla_put_string(skb, INET_DIAG_CONG, ca_ops->name);
		rcu_read_unlock();
		if (err < 0)
			goto errout;
	}

	inetx_diag_get_info(sk, r, info);

	nlmsg_end(skb, nlh);
	return 0;

errout:
	nlmsg_cancel(skb, nlh);
	return -EMSGSIZE;
}

/*
 * The record of a sock without a file: a TIME_WAIT or a request sock, as
 * tcp_twsk_diag_fill() and tcp_req_diag_fill() (inet_twsk_diag_fill(),
 * inet_req_diag_fill() before 7.x) write it.
 */
static int inetx_mini_diag_fill(struct sock *sk, struct sk_buff *skb,
				struct netlink_callback *cb, u16 nlmsg_flags,
				u8 state, u8 timer, u8 retrans,
				unsigned long expires)
{
	struct inet_diag_msg *r;
	struct nlmsghdr *nlh;

	nlh = inetx_diag_nlmsg_put(skb, cb, nlmsg_flags);
	if (!nlh)
		return -EMSGSIZE;

	r = nlmsg_data(nlh);
	inetx_diag_msg_common_fill(r, sk);
	r->idiag_state = state;
	r->idiag_timer = timer;
	r->idiag_retrans = retrans;
	r->idiag_expires = jiffies_delta_to_msecs(expires - jiffies);
	r->idiag_rqueue = 0;
	r->idiag_wqueue = 0;
	r->idiag_uid = 0;
	r->idiag_inode = 0;

	nlmsg_end(skb, nlh);
	return 0;
}

/* Mirrors sk_diag_fill() in inet_diag.c. */
static int inetx_sk_diag_fill_any(struct sock *sk, struct sk_buff *skb,
				  struct netlink_callback *cb,
				  const struct inet_diag_req_v2 *req,
				  u16 nlmsg_flags)
{
	if (sk->sk_state == TCP_TIME_WAIT)
		return inetx_mini_diag_fill(sk, skb, cb, nlmsg_flags,
					    READ_ONCE(inet_twsk(sk)->tw_substate),
					    3, 0, inet_twsk(sk)->tw_timer.expires);
	if (sk->sk_state == TCP_NEW_SYN_RECV)
		return inetx_mini_diag_fill(sk, skb, cb, nlmsg_flags,
					    TCP_SYN_RECV, 1,
					    READ_ONCE(inet_reqsk(sk)->num_retrans),
					    READ_ONCE(inet_reqsk(sk)->rsk_timer.expires));
	return inetx_sk_diag_fill(sk, skb, cb, req, nlmsg_flags);
}

/* The state a record reports: TIME_WAIT socks report their substate. */
static int inetx_diag_state(const struct sock *sk)
{
	if (sk->sk_state == TCP_TIME_WAIT)
		return READ_ONCE(inet_twsk(sk)->tw_substate);
	return sk->sk_state;
}

/* Sockets per ehash lock hold, as inet_diag_dump_icsk()'s SKARR_SZ. */
#define INETX_DIAG_SKARR_SZ	16

/*
 * Mirrors inet_diag_dump_icsk(): listeners from lhash2, then everything
 * else from ehash, resuming from cb->args[] when the skb fills up.
 */
static int inetx_diag_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	const struct inet_diag_req_v2 *r = nlmsg_data(cb->nlh);
	struct net *net = sock_net(skb->sk);
	struct inet_hashinfo *hashinfo = inetx_tcp_hashinfo(net);
	u32 idiag_states = r->idiag_states;
	int i, num, s_i, s_num;
	struct sock *sk;

	if (idiag_states & TCPF_SYN_RECV)
		idiag_states |= TCPF_NEW_SYN_RECV;
	s_i = cb->args[1];
	s_num = cb->args[2];
	num = s_num;

	if (cb->args[0] == 0) {
		if (!(idiag_states & TCPF_LISTEN) || r->id.idiag_dport)
			goto skip_listen_ht;

		for (i = s_i; i <= hashinfo->lhash2_mask; i++) {
			struct inet_listen_hashbucket *ilb;
			struct hlist_nulls_node *node;

			num = 0;
			ilb = &hashinfo->lhash2[i];

			if (hlist_nulls_empty(&ilb->nulls_head)) {
				s_num = 0;
				continue;
			}
			spin_lock(&ilb->lock);
			sk_nulls_for_each(sk, node, &ilb->nulls_head) {
				if (!net_eq(sock_net(sk), net))
					continue;

				if (num < s_num) {
					num++;
					continue;
				}

				if (!inetx_diag_owns(sk))
					goto next_listen;

				if (r->id.idiag_sport != inet_sk(sk)->inet_sport &&
				    r->id.idiag_sport)
					goto next_listen;

				if (inetx_sk_diag_fill(sk, skb, cb, r,
						       NLM_F_MULTI) < 0) {
					spin_unlock(&ilb->lock);
					goto done;
				}

next_listen:
				++num;
			}
			spin_unlock(&ilb->lock);

			s_num = 0;
		}
skip_listen_ht:
		cb->args[0] = 1;
		s_i = 0;
		num = 0;
		s_num = 0;
	}

	if (!(idiag_states & ~TCPF_LISTEN))
		goto out;

	for (i = s_i; i <= hashinfo->ehash_mask; i++) {
		struct inet_ehash_bucket *head = &hashinfo->ehash[i];
		spinlock_t *lock = inet_ehash_lockp(hashinfo, i);
		struct sock *sk_arr[INETX_DIAG_SKARR_SZ];
		int num_arr[INETX_DIAG_SKARR_SZ];
		struct hlist_nulls_node *node;
		int idx, accum, res;

		if (hlist_nulls_empty(&head->chain))
			continue;

		if (i > s_i)
			s_num = 0;

next_chunk:
		num = 0;
		accum = 0;
		spin_lock_bh(lock);
		sk_nulls_for_each(sk, node, &head->chain) {
			if (!net_eq(sock_net(sk), net))
				continue;
			if (num < s_num)
				goto next_normal;
			if (!(idiag_states & (1 << inetx_diag_state(sk))))
				goto next_normal;
			if (!inetx_diag_owns(sk))
				goto next_normal;
			if (r->id.idiag_sport != htons(sk->sk_num) &&
			    r->id.idiag_sport)
				goto next_normal;
			if (r->id.idiag_dport != sk->sk_dport &&
			    r->id.idiag_dport)
				goto next_normal;
			if (!refcount_inc_not_zero(&sk->sk_refcnt))
				goto next_normal;

			num_arr[accum] = num;
			sk_arr[accum] = sk;
			if (++accum == INETX_DIAG_SKARR_SZ)
				break;
next_normal:
			++num;
		}
		spin_unlock_bh(lock);
		res = 0;
		for (idx = 0; idx < accum; idx++) {
			if (res >= 0) {
				res = inetx_sk_diag_fill_any(sk_arr[idx], skb,
							     cb, r,
							     NLM_F_MULTI);
				if (res < 0)
					num = num_arr[idx];
			}
			sock_gen_put(sk_arr[idx]);
		}
		if (res < 0)
			break;
		cond_resched();
		if (accum == INETX_DIAG_SKARR_SZ) {
			s_num = num + 1;
			goto next_chunk;
		}
	}

done:
	cb->args[1] = i;
	cb->args[2] = num;
out:
	return skb->len;
}

static bool inetx_diag_id_match(const struct sock *sk,
				const struct inet_diag_sockid *id)
{
	return sk->sk_rcv_saddr == id->idiag_src[0] &&
	       htons(sk->sk_num) == id->idiag_sport &&
	       sk->sk_daddr == id->idiag_dst[0] &&
	       sk->sk_dport == id->idiag_dport &&
	       (!id->idiag_if || sk->sk_bound_dev_if == id->idiag_if);
}

/* This namespace's inetx socket with that 4-tuple, referenced. */
static bool inetx_diag_hold_match(struct sock *sk, const struct net *net,
				  const struct inet_diag_sockid *id)
{
	return net_eq(sock_net(sk), net) && inetx_diag_owns(sk) &&
	       inetx_diag_id_match(sk, id) &&
	       refcount_inc_not_zero(&sk->sk_refcnt);
}

/*
 * Mirrors inet_diag_find_one_icsk(), by the exact 4-tuple (and interface
 * if given) rather than inet_lookup(): its signature differs per kernel,
 * and a lookup would fall back to a listener or find TCP's sockets.
 */
static struct sock *inetx_diag_find_one_icsk(struct net *net,
					     const struct inet_diag_req_v2 *req)
{
	struct inet_hashinfo *hashinfo = inetx_tcp_hashinfo(net);
	struct hlist_nulls_node *node;
	struct sock *sk, *found = NULL;
	int i;

	for (i = 0; i <= hashinfo->lhash2_mask && !found; i++) {
		struct inet_listen_hashbucket *ilb = &hashinfo->lhash2[i];

		spin_lock(&ilb->lock);
		sk_nulls_for_each(sk, node, &ilb->nulls_head) {
			if (inetx_diag_hold_match(sk, net, &req->id)) {
				found = sk;
				break;
			}
		}
		spin_unlock(&ilb->lock);
	}

	for (i = 0; i <= hashinfo->ehash_mask && !found; i++) {
		struct inet_ehash_bucket *head = &hashinfo->ehash[i];
		spinlock_t *lock = inet_ehash_lockp(hashinfo, i);

		if (hlist_nulls_empty(&head->chain))
			continue;
		spin_lock_bh(lock);
		sk_nulls_for_each(sk, node, &head->chain) {
			if (inetx_diag_hold_match(sk, net, &req->id)) {
				found = sk;
				break;
			}
		}
		spin_unlock_bh(lock);
	}

	if (!found)
		return ERR_PTR(-ENOENT);

	if (sock_diag_check_cookie(found, req->id.idiag_cookie)) {
		sock_gen_put(found);
		return ERR_PTR(-ENOENT);
	}
	return found;
}

/* Mirrors inet_diag_dump_one_icsk(): one record, unicast back. */
static int inetx_diag_dump_one(struct sk_buff *in_skb,
			       const struct nlmsghdr *nlh,
			       const struct inet_diag_req_v2 *req)
{
	struct netlink_callback cb = {
		.nlh = nlh,
		.skb = in_skb,
	};
	struct net *net = sock_net(in_skb->sk);
	struct sk_buff *rep;
	struct sock *sk;
	int err;

	sk = inetx_diag_find_one_icsk(net, req);
	if (IS_ERR(sk))
		return PTR_ERR(sk);

	rep = nlmsg_new(nla_total_size(sizeof(struct inet_diag_msg)) +
			nla_total_size_64bit(sizeof(struct tcp_info)) +
			nla_total_size(TCP_CA_NAME_MAX) +
			nla_total_size(sizeof(u8)) + 64, GFP_KERNEL);
	if (!rep) {
		err = -ENOMEM;
		goto out;
	}

	err = inetx_sk_diag_fill_any(sk, rep, &cb, req, 0);
	if (err < 0) {
		WARN_ON(err == -EMSGSIZE);
		nlmsg_free(rep);
		goto out;
	}
	err = nlmsg_unicast(net->diag_nlsk, rep, NETLINK_CB(in_skb).portid);

out:
	sock_gen_put(sk);
	return err;
}

/*
 * Mirrors inet_diag_handler_cmd(): a dump or one socket. The dump pins
 * this module until it is done (netlink_dump_start() sets the control's
 * module to THIS_MODULE), so rmmod cannot pull inetx_diag_dump() from
 * under a slow reader.
 */
static int inetx_diag_handler_cmd(struct sk_buff *skb, struct nlmsghdr *h)
{
	const int hdrlen = sizeof(struct inet_diag_req_v2);
	struct net *net = sock_net(skb->sk);
	const struct inet_diag_req_v2 *req;

	if (nlmsg_len(h) < hdrlen)
		return -EINVAL;
	req = nlmsg_data(h);
	/* Only TCP, as with inet_diag's handler table. */
	if (req->sdiag_protocol != IPPROTO_TCP)
		return -ENOENT;
	/* No bytecode: answering unfiltered would mislead. */
	if (nlmsg_attrlen(h, hdrlen))
		return -EOPNOTSUPP;

	if (h->nlmsg_flags & NLM_F_DUMP) {
		struct netlink_dump_control c = {
			.dump = inetx_diag_dump,
		};

		return netlink_dump_start(net->diag_nlsk, skb, h, &c);
	}
	return inetx_diag_dump_one(skb, h, req);
}

static struct sock_diag_handler inetx_diag_handler __ro_after_init = {
	.owner	= THIS_MODULE,
	.dump	= inetx_diag_handler_cmd,
};

int __init inetx_diag_init(void)
{
	inetx_diag_handler.family = inetx_family;
	return sock_diag_register(&inetx_diag_handler);
}

void inetx_diag_exit(void)
{
	sock_diag_unregister(&inetx_diag_handler);
}
