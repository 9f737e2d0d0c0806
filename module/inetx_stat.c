// SPDX-License-Identifier: GPL-2.0
/*
 * inetx's counters, per network namespace and per CPU underneath, the
 * counterpart of the SNMP/netstat MIBs (net/ipv4/proc.c): shown as
 * /proc/net/inetx_stat in /proc/net/netstat's two-line layout and through
 * generic netlink family "INETX" (include/uapi/linux/inetx.h).
 *
 * What each counts:
 *   SocketsCreated   socket() calls inetx_create() served
 *   SocketsAlive     struct socks of inetx now allocated: those created plus
 *                    the children of inetx listeners (PassiveOpens), minus
 *                    those freed (sk_destruct), whatever the path: close,
 *                    a child never accepted, the full socket freed when it
 *                    hands over to a TIME_WAIT socket. TIME_WAIT and request
 *                    socks are not sockets alive (they have no sk_destruct).
 *                    Kernel sockets (kern=1) are not counted: they hold no
 *                    reference on their namespace.
 *   Refused*         inetx_create()'s failures, one per errno it can return
 *                    (LSM socket_create runs before it, in __sock_create())
 *   ConnectsStarted, ConnectsEstablished, ConnectsFailed
 *                    SYN_SENT entered, left for ESTABLISHED, left for CLOSE
 *                    (RST, timeout, ICMP error, AF_UNSPEC disconnect, a
 *                    failed port choice); from TCP's inet_sock_set_state
 *   PassiveOpens     children made by inetx listeners (LISTEN -> SYN_RECV)
 *   Accepts          accept() calls that returned a socket
 *   ResetsSent, ResetsReceived
 *                    TCP's tcp_send_reset / tcp_receive_reset tracepoints
 *                    for inetx socks (full, request or TIME_WAIT)
 *   BytesSent, BytesReceived
 *                    what inetx's proto_ops sendmsg, sendpage (6.1),
 *                    recvmsg and splice_read returned (MSG_PEEK excluded)
 *   ModuleRefs       the module's reference count now, global: rmmod is
 *                    refused while it is not 0. A refused rmmod itself runs
 *                    no module code (delete_module() stops at
 *                    try_stop_module()), so it cannot be counted here.
 *
 * TCP's tracepoints are reached through for_each_kernel_tracepoint(): only
 * tcp_send_reset is exported.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/tracepoint.h>
#include <net/genetlink.h>
#include <net/inet_common.h>
#include <net/net_namespace.h>
#include <net/sock.h>
#include <net/tcp_states.h>

#include <uapi/linux/inetx.h>

#include "inetx.h"
#include "inetx_compat.h"

/*
 * The names nstat shows with "InetX" before them, in a 32-column field:
 * 26 characters at most, or a name runs into its value.
 */
static const char * const inetx_mib_names[__INETX_MIB_MAX] = {
	[INETX_MIB_SOCKETS_CREATED]		= "SocketsCreated",
	[INETX_MIB_SOCKETS_ALIVE]		= "SocketsAlive",
	[INETX_MIB_CREATE_REFUSED_EINVAL]	= "RefusedEINVAL",
	[INETX_MIB_CREATE_REFUSED_EPERM]	= "RefusedEPERM",
	[INETX_MIB_CREATE_REFUSED_EPROTONOSUPPORT] = "RefusedEPROTONOSUPPORT",
	[INETX_MIB_CREATE_REFUSED_ESOCKTNOSUPPORT] = "RefusedESOCKTNOSUPPORT",
	[INETX_MIB_CREATE_REFUSED_ENOMEM]	= "RefusedENOMEM",
	[INETX_MIB_CREATE_REFUSED_OTHER]	= "RefusedOther",
	[INETX_MIB_CONNECTS_STARTED]		= "ConnectsStarted",
	[INETX_MIB_CONNECTS_ESTABLISHED]	= "ConnectsEstablished",
	[INETX_MIB_CONNECTS_FAILED]		= "ConnectsFailed",
	[INETX_MIB_PASSIVE_OPENS]		= "PassiveOpens",
	[INETX_MIB_ACCEPTS]			= "Accepts",
	[INETX_MIB_RESETS_SENT]			= "ResetsSent",
	[INETX_MIB_RESETS_RECEIVED]		= "ResetsReceived",
	[INETX_MIB_BYTES_SENT]			= "BytesSent",
	[INETX_MIB_BYTES_RECEIVED]		= "BytesReceived",
	[INETX_MIB_MODULE_REFS]			= "ModuleRefs",
};

static void inetx_stat_add(const struct net *net, int field, long val)
{
	struct inetx_mib __percpu *mib = inetx_net_mib(net);

	this_cpu_add(mib->mibs[field], val);
}

static void inetx_stat_inc(const struct net *net, int field)
{
	inetx_stat_add(net, field, 1);
}

/* vals[0] is the array's length, as in IFLA_INET6_STATS. */
VISIBLE_IF_KUNIT void inetx_stat_fold(const struct net *net, u64 *vals)
{
	struct inetx_mib __percpu *mib = inetx_net_mib(net);
	int cpu, i;

	memset(vals, 0, sizeof(*vals) * __INETX_MIB_MAX);
	for_each_possible_cpu(cpu) {
		const struct inetx_mib *m = per_cpu_ptr(mib, cpu);

		for (i = 1; i < __INETX_MIB_MAX; i++)
			vals[i] += m->mibs[i];
	}
	/* The gauge's halves may fall on different CPUs: fold, then sign. */
	vals[INETX_MIB_SOCKETS_ALIVE] =
		(unsigned long)vals[INETX_MIB_SOCKETS_ALIVE];
	vals[INETX_MIB_MODULE_REFS] = module_refcount(THIS_MODULE);
	vals[0] = __INETX_MIB_MAX;
}
EXPORT_SYMBOL_IF_KUNIT(inetx_stat_fold);

/* sk_destruct of the sockets counted in SocketsAlive, and their children. */
static void inetx_sock_destruct(struct sock *sk)
{
	inet_sock_destruct(sk);
	inetx_stat_add(sock_net(sk), INETX_MIB_SOCKETS_ALIVE, -1);
}

static bool inetx_stat_counts(const struct sock *sk)
{
	return sk->sk_destruct == inetx_sock_destruct;
}

/* The counter of inetx_create()'s result @err: created, or refused by. */
VISIBLE_IF_KUNIT int inetx_stat_create_field(int err)
{
	switch (err) {
	case 0:
		return INETX_MIB_SOCKETS_CREATED;
	case -EINVAL:
		return INETX_MIB_CREATE_REFUSED_EINVAL;
	case -EPERM:
		return INETX_MIB_CREATE_REFUSED_EPERM;
	case -EPROTONOSUPPORT:
		return INETX_MIB_CREATE_REFUSED_EPROTONOSUPPORT;
	case -ESOCKTNOSUPPORT:
		return INETX_MIB_CREATE_REFUSED_ESOCKTNOSUPPORT;
	case -ENOMEM:
		return INETX_MIB_CREATE_REFUSED_ENOMEM;
	default:
		return INETX_MIB_CREATE_REFUSED_OTHER;
	}
}
EXPORT_SYMBOL_IF_KUNIT(inetx_stat_create_field);

void inetx_stat_create(struct net *net, struct socket *sock, int kern,
		       int err)
{
	inetx_stat_inc(net, inetx_stat_create_field(err));
	if (err || kern)
		return;
	sock->sk->sk_destruct = inetx_sock_destruct;
	inetx_stat_inc(net, INETX_MIB_SOCKETS_ALIVE);
}

void inetx_stat_accept(const struct sock *sk)
{
	inetx_stat_inc(sock_net(sk), INETX_MIB_ACCEPTS);
}

void inetx_stat_bytes(const struct sock *sk, bool sent, long bytes)
{
	if (bytes > 0)
		inetx_stat_add(sock_net(sk), sent ? INETX_MIB_BYTES_SENT :
			       INETX_MIB_BYTES_RECEIVED, bytes);
}

/*
 * TCP's tracepoints fire for every TCP sock: keep inetx's, and none of a
 * namespace being dismantled (its counters may be freed once the probes'
 * RCU readers are done, and check_net() is false from then on).
 */
static struct net *inetx_stat_net(const struct sock *sk)
{
	struct net *net;

	if (!sk || READ_ONCE(sk->sk_prot) != &inetx_prot)
		return NULL;
	net = sock_net(sk);
	return check_net(net) ? net : NULL;
}

static void inetx_probe_set_state(void *data, const struct sock *sk,
				  const int oldstate, const int newstate)
{
	struct net *net = inetx_stat_net(sk);

	if (!net)
		return;
	if (newstate == TCP_SYN_SENT) {
		inetx_stat_inc(net, INETX_MIB_CONNECTS_STARTED);
	} else if (oldstate == TCP_SYN_SENT) {
		if (newstate == TCP_ESTABLISHED)
			inetx_stat_inc(net, INETX_MIB_CONNECTS_ESTABLISHED);
		else if (newstate == TCP_CLOSE)
			inetx_stat_inc(net, INETX_MIB_CONNECTS_FAILED);
	} else if (oldstate == TCP_LISTEN && newstate == TCP_SYN_RECV &&
		   inetx_stat_counts(sk)) {
		/* inet_csk_clone_lock(): a child with its listener's destructor. */
		inetx_stat_inc(net, INETX_MIB_PASSIVE_OPENS);
		inetx_stat_inc(net, INETX_MIB_SOCKETS_ALIVE);
	}
}

static void inetx_probe_send_reset(void *data, INETX_TCP_SEND_RESET_ARGS)
{
	struct net *net = inetx_stat_net(sk);

	if (net)
		inetx_stat_inc(net, INETX_MIB_RESETS_SENT);
}

static void inetx_probe_receive_reset(void *data, struct sock *sk)
{
	struct net *net = inetx_stat_net(sk);

	if (net)
		inetx_stat_inc(net, INETX_MIB_RESETS_RECEIVED);
}

static struct inetx_stat_probe {
	const char		*name;
	void			*probe;
	struct tracepoint	*tp;
} inetx_stat_probes[] = {
	{ "inet_sock_set_state", inetx_probe_set_state },
	{ "tcp_send_reset", inetx_probe_send_reset },
	{ "tcp_receive_reset", inetx_probe_receive_reset },
};

static void inetx_stat_find_tp(struct tracepoint *tp, void *priv)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(inetx_stat_probes); i++)
		if (!strcmp(tp->name, inetx_stat_probes[i].name))
			inetx_stat_probes[i].tp = tp;
}

static void inetx_stat_unregister_probes(void)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(inetx_stat_probes); i++) {
		struct inetx_stat_probe *p = &inetx_stat_probes[i];

		if (p->tp)
			tracepoint_probe_unregister(p->tp, p->probe, NULL);
		p->tp = NULL;
	}
	/* No probe runs after this: the module text may go. */
	tracepoint_synchronize_unregister();
}

static int inetx_stat_register_probes(void)
{
	int i, err;

	for_each_kernel_tracepoint(inetx_stat_find_tp, NULL);
	for (i = 0; i < ARRAY_SIZE(inetx_stat_probes); i++) {
		struct inetx_stat_probe *p = &inetx_stat_probes[i];

		if (!p->tp) {
			pr_warn("no tracepoint %s: its counters stay 0\n",
				p->name);
			continue;
		}
		err = tracepoint_probe_register(p->tp, p->probe, NULL);
		if (err) {
			p->tp = NULL;
			inetx_stat_unregister_probes();
			return err;
		}
	}
	return 0;
}

static int inetx_stat_seq_show(struct seq_file *seq, void *v)
{
	const struct net *net = seq_file_single_net(seq);
	u64 vals[__INETX_MIB_MAX];
	int i;

	inetx_stat_fold(net, vals);
	seq_puts(seq, "InetX:");
	for (i = 1; i < __INETX_MIB_MAX; i++)
		seq_printf(seq, " %s", inetx_mib_names[i]);
	seq_puts(seq, "\nInetX:");
	for (i = 1; i < __INETX_MIB_MAX; i++)
		seq_printf(seq, " %llu", vals[i]);
	seq_putc(seq, '\n');
	return 0;
}

static struct genl_family inetx_genl_family;

static int inetx_genl_get_stats(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	struct nlattr *attr;
	void *hdr;

	msg = genlmsg_new(nla_total_size_64bit(sizeof(u64) * __INETX_MIB_MAX),
			  GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &inetx_genl_family, 0,
				INETX_CMD_GET_STATS);
	if (!hdr)
		goto nla_put_failure;
	attr = nla_reserve_64bit(msg, INETX_ATTR_STATS,
				 sizeof(u64) * __INETX_MIB_MAX, INETX_ATTR_PAD);
	if (!attr)
		goto nla_put_failure;
	inetx_stat_fold(genl_info_net(info), nla_data(attr));
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

nla_put_failure:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

static const struct genl_small_ops inetx_genl_ops[] = {
	{
		.cmd	= INETX_CMD_GET_STATS,
		.doit	= inetx_genl_get_stats,
	},
};

/* No request attributes: strict validation refuses any. */
static struct genl_family inetx_genl_family __ro_after_init = {
	.name		= INETX_GENL_NAME,
	.version	= INETX_GENL_VERSION,
	.netnsok	= true,
	.module		= THIS_MODULE,
	.small_ops	= inetx_genl_ops,
	.n_small_ops	= ARRAY_SIZE(inetx_genl_ops),
	.resv_start_op	= INETX_CMD_GET_STATS,
};

/* From inetx's pernet init (sysctl_net_inetx.c), after the mib exists. */
int inetx_stat_net_init(struct net *net)
{
	if (!proc_create_net_single("inetx_stat", 0444, net->proc_net,
				    inetx_stat_seq_show, NULL))
		return -ENOMEM;
	return 0;
}

void inetx_stat_net_exit(struct net *net)
{
	remove_proc_entry("inetx_stat", net->proc_net);
}

int __init inetx_stat_init(void)
{
	int err;

	err = genl_register_family(&inetx_genl_family);
	if (err)
		return err;
	err = inetx_stat_register_probes();
	if (err)
		genl_unregister_family(&inetx_genl_family);
	return err;
}

void inetx_stat_exit(void)
{
	inetx_stat_unregister_probes();
	genl_unregister_family(&inetx_genl_family);
}
