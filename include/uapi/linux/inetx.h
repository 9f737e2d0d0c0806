/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * inetx: TCP over IPv4 behind a private protocol family (PF_INETX).
 *
 * The family number is a module parameter. Programs should read it from
 * INETX_FAMILY_SYSFS and fall back to AF_INETX, the default. Addresses
 * are AF_INET's struct sockaddr_in: only the socket() call differs.
 */
#ifndef _UAPI_LINUX_INETX_H
#define _UAPI_LINUX_INETX_H

#include <linux/types.h>
#include <linux/socket.h>
#include <linux/in.h>

/* Default family: no in-tree user and no SELinux class on 6.1 or 6.12. */
#define AF_INETX		18
#define PF_INETX		AF_INETX

#define INETX_FAMILY_SYSFS	"/sys/module/inetx/parameters/family"

/*
 * PF_INETX sockets take and report plain struct sockaddr_in with
 * sin_family AF_INET, as AF_INET sockets do.
 */

/* Per network namespace: 1 limits creation to CAP_NET_ADMIN holders. */
#define INETX_RESTRICT_CREATE_SYSCTL	"/proc/sys/net/inetx/restrict_create"

/*
 * Counters per network namespace: /proc/net/inetx_stat ("InetX: NAME..."
 * then "InetX: VALUE...", the layout of /proc/net/netstat, in this order)
 * and generic netlink family INETX_GENL_NAME, command INETX_CMD_GET_STATS:
 * the reply's INETX_ATTR_STATS is a __u64 array indexed by INETX_MIB_*,
 * element 0 holding the array's length (like IFLA_INET6_STATS).
 */
#define INETX_STAT_PROC		"/proc/net/inetx_stat"
#define INETX_GENL_NAME		"INETX"
#define INETX_GENL_VERSION	1

enum {
	INETX_CMD_UNSPEC,
	INETX_CMD_GET_STATS,	/* the caller's network namespace */
	__INETX_CMD_MAX,
};

#define INETX_CMD_MAX		(__INETX_CMD_MAX - 1)

enum {
	INETX_ATTR_UNSPEC,
	INETX_ATTR_PAD,
	INETX_ATTR_STATS,	/* __u64[__INETX_MIB_MAX] */
	__INETX_ATTR_MAX,
};

#define INETX_ATTR_MAX		(__INETX_ATTR_MAX - 1)

enum {
	INETX_MIB_NUM = 0,
	INETX_MIB_SOCKETS_CREATED,		/* SocketsCreated */
	INETX_MIB_SOCKETS_ALIVE,		/* SocketsAlive (gauge) */
	INETX_MIB_CREATE_REFUSED_EINVAL,	/* RefusedEINVAL */
	INETX_MIB_CREATE_REFUSED_EPERM,		/* RefusedEPERM */
	INETX_MIB_CREATE_REFUSED_EPROTONOSUPPORT, /* RefusedEPROTONOSUPPORT */
	INETX_MIB_CREATE_REFUSED_ESOCKTNOSUPPORT, /* RefusedESOCKTNOSUPPORT */
	INETX_MIB_CREATE_REFUSED_ENOMEM,	/* RefusedENOMEM */
	INETX_MIB_CREATE_REFUSED_OTHER,		/* RefusedOther */
	INETX_MIB_CONNECTS_STARTED,		/* ConnectsStarted */
	INETX_MIB_CONNECTS_ESTABLISHED,		/* ConnectsEstablished */
	INETX_MIB_CONNECTS_FAILED,		/* ConnectsFailed */
	INETX_MIB_PASSIVE_OPENS,		/* PassiveOpens */
	INETX_MIB_ACCEPTS,			/* Accepts */
	INETX_MIB_RESETS_SENT,			/* ResetsSent */
	INETX_MIB_RESETS_RECEIVED,		/* ResetsReceived */
	INETX_MIB_BYTES_SENT,			/* BytesSent */
	INETX_MIB_BYTES_RECEIVED,		/* BytesReceived */
	INETX_MIB_MODULE_REFS,			/* ModuleRefs (gauge, global) */
	__INETX_MIB_MAX,
};

#endif /* _UAPI_LINUX_INETX_H */
