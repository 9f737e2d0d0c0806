// SPDX-License-Identifier: GPL-2.0
/*
 * PF_INETX: TCP over IPv4 behind a private protocol family.
 *
 * Family registration, the counterpart of inet_init() in
 * net/ipv4/af_inet.c: register the struct proto, then the family.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/net.h>
#include <linux/socket.h>
#include <linux/sysfs.h>
#include <linux/in.h>

#include <uapi/linux/inetx.h>

#include "inetx.h"

int inetx_family = AF_INETX;
EXPORT_SYMBOL_IF_KUNIT(inetx_family);
module_param_named(family, inetx_family, int, 0444);
MODULE_PARM_DESC(family,
		 "protocol family number to register (default 18; 13, 19, 22 and 25 are also free on 6.1 and 6.12)");

/*
 * Read-only: which layers run inetx's own code on this kernel, fixed at
 * build time by what the kernel exports (inetx_compat.h).
 */
static int inetx_layers_set(const char *val, const struct kernel_param *kp)
{
	return -EPERM;
}

static int inetx_layers_get(char *buffer, const struct kernel_param *kp)
{
	return sysfs_emit(buffer, "%s\n", INETX_LAYERS);
}

static const struct kernel_param_ops inetx_layers_ops = {
	.set	= inetx_layers_set,
	.get	= inetx_layers_get,
};

module_param_cb(layers, &inetx_layers_ops, NULL, 0444);
__MODULE_PARM_TYPE(layers, "string");
MODULE_PARM_DESC(layers,
		 "read-only: the layers running inetx's own code on this kernel, TCP's own runs the rest: "
		 INETX_LAYERS);
MODULE_INFO(layers, INETX_LAYERS);

static struct net_proto_family inetx_family_ops __ro_after_init = {
	.create	= inetx_family_create,
	.owner	= THIS_MODULE,
};

static int __init inetx_init(void)
{
	int rc;

	/* sock_register() would take 0 (AF_UNSPEC) or a negative index. */
	if (inetx_family <= AF_UNSPEC) {
		pr_err("family=%d is not a valid protocol family: error %d\n",
		       inetx_family, -EINVAL);
		return -EINVAL;
	}
	if (inetx_family >= NPROTO) {
		pr_err("family=%d is out of range, the kernel has %d families: error %d\n",
		       inetx_family, NPROTO, -ENOBUFS);
		return -ENOBUFS;
	}

	inetx_family_ops.family = inetx_family;

	rc = inetx_proto_init();
	if (rc) {
		pr_err("cannot register proto INETX: error %d\n", rc);
		return rc;
	}

	rc = inetx_sysctl_init();
	if (rc) {
		pr_err("cannot register net.inetx sysctls: error %d\n", rc);
		goto out_proto;
	}

	rc = inetx_stat_init();
	if (rc) {
		pr_err("cannot register counters (genetlink INETX, TCP tracepoint probes): error %d\n",
		       rc);
		goto out_sysctl;
	}

	/*
	 * Before the family: a registered family is always listable. A
	 * handler already there (inet_diag for 2 and 10, unix_diag for 1...)
	 * means the family is taken: the same answer as sock_register()'s.
	 */
	rc = inetx_diag_init();
	if (rc == -EBUSY) {
		rc = -EEXIST;
		pr_err("protocol family %d is already registered (it has a sock_diag handler); load with family=N for a free one: error %d\n",
		       inetx_family, rc);
		goto out_stat;
	}
	if (rc) {
		pr_err("cannot register the sock_diag handler for family %d: error %d\n",
		       inetx_family, rc);
		goto out_stat;
	}

	rc = sock_register(&inetx_family_ops);
	if (rc) {
		if (rc == -EEXIST)
			pr_err("protocol family %d is already registered; load with family=N for a free one: error %d\n",
			       inetx_family, rc);
		else
			pr_err("cannot register protocol family %d: error %d\n",
			       inetx_family, rc);
		goto out_diag;
	}

	pr_info("registered protocol family %d (PF_INETX)\n", inetx_family);
	pr_info("family %d; own code: %s; TCP's own: %s\n", inetx_family,
		INETX_LAYERS, INETX_LAYERS_TCP);
	return 0;

out_diag:
	inetx_diag_exit();
out_stat:
	inetx_stat_exit();
out_sysctl:
	inetx_sysctl_exit();
out_proto:
	inetx_proto_exit();
	return rc;
}

static void __exit inetx_exit(void)
{
	/* No new sockets after this; it waits for RCU readers of the table. */
	sock_unregister(inetx_family);
	inetx_diag_exit();
	inetx_stat_exit();
	inetx_sysctl_exit();
	inetx_proto_exit();
	pr_info("unregistered protocol family %d\n", inetx_family);
}

module_init(inetx_init);
module_exit(inetx_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("PF_INETX: TCP/IPv4 sockets behind a private protocol family");
MODULE_VERSION("0.1.0");
MODULE_ALIAS_NETPROTO(AF_INETX);
