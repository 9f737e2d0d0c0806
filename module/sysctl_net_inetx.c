// SPDX-License-Identifier: GPL-2.0
/*
 * net.inetx.* sysctls, per network namespace, the counterpart of
 * net/ipv4/sysctl_net_ipv4.c.
 *
 * net.inetx.restrict_create: 0 (default) lets anyone create PF_INETX
 * sockets, as anyone may create AF_INET ones; 1 limits creation to
 * CAP_NET_ADMIN in the initial user namespace. A new namespace starts
 * with the initial namespace's value, and only CAP_NET_ADMIN in the
 * initial user namespace may change it anywhere: root in a user namespace
 * owns its netns's sysctls but must not lift an administrator's limit.
 *
 * The same pernet data holds the namespace's counters (inetx_stat.c).
 */

#include <linux/capability.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/sysctl.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "inetx.h"
#include "inetx_compat.h"

struct inetx_net {
	int			restrict_create;
	struct ctl_table_header	*sysctl_hdr;
	struct inetx_mib __percpu *mib;		/* inetx_stat.c */
};

static unsigned int inetx_net_id __read_mostly;

static struct inetx_net *inetx_pernet(const struct net *net)
{
	return net_generic(net, inetx_net_id);
}

struct inetx_mib __percpu *inetx_net_mib(const struct net *net)
{
	return inetx_pernet(net)->mib;
}

bool inetx_may_create(struct net *net)
{
	return !READ_ONCE(inetx_pernet(net)->restrict_create) ||
	       capable(CAP_NET_ADMIN);
}

static int inetx_restrict_create_handler(INETX_CTL_TABLE_CONST struct ctl_table *table,
					 int write, void *buffer, size_t *lenp,
					 loff_t *ppos)
{
	if (write && !capable(CAP_NET_ADMIN))
		return -EPERM;
	return proc_dointvec_minmax(table, write, buffer, lenp, ppos);
}

static struct ctl_table inetx_sysctl_table[] = {
	{
		.procname	= "restrict_create",
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= inetx_restrict_create_handler,
		.extra1		= SYSCTL_ZERO,
		.extra2		= SYSCTL_ONE,
	},
	INETX_CTL_TABLE_SENTINEL
};

static int __net_init inetx_net_init(struct net *net)
{
	struct inetx_net *in = inetx_pernet(net);
	struct ctl_table *table;
	int err = -ENOMEM;

	if (!net_eq(net, &init_net))
		in->restrict_create =
			READ_ONCE(inetx_pernet(&init_net)->restrict_create);

	in->mib = alloc_percpu(struct inetx_mib);
	if (!in->mib)
		return -ENOMEM;

	table = kmemdup(inetx_sysctl_table, sizeof(inetx_sysctl_table),
			GFP_KERNEL);
	if (!table)
		goto out_mib;
	table[0].data = &in->restrict_create;

	in->sysctl_hdr = inetx_register_net_sysctl(net, "net/inetx", table,
						   ARRAY_SIZE(inetx_sysctl_table));
	if (!in->sysctl_hdr)
		goto out_table;

	err = inetx_stat_net_init(net);
	if (err)
		goto out_sysctl;
	return 0;

out_sysctl:
	unregister_net_sysctl_table(in->sysctl_hdr);
out_table:
	kfree(table);
out_mib:
	free_percpu(in->mib);
	return err;
}

static void __net_exit inetx_net_exit(struct net *net)
{
	struct inetx_net *in = inetx_pernet(net);
	const struct ctl_table *table = in->sysctl_hdr->ctl_table_arg;

	inetx_stat_net_exit(net);
	unregister_net_sysctl_table(in->sysctl_hdr);
	kfree(table);
	free_percpu(in->mib);
}

static struct pernet_operations inetx_net_ops = {
	.init	= inetx_net_init,
	.exit	= inetx_net_exit,
	.id	= &inetx_net_id,
	.size	= sizeof(struct inetx_net),
};

int __init inetx_sysctl_init(void)
{
	return register_pernet_subsys(&inetx_net_ops);
}

void inetx_sysctl_exit(void)
{
	unregister_pernet_subsys(&inetx_net_ops);
}
