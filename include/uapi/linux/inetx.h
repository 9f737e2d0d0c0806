/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * inetx: TCP over IPv4 behind a private protocol family (PF_INETX).
 *
 * The family number is a module parameter. Programs should read it from
 * INETX_FAMILY_SYSFS and fall back to AF_INETX, the default.
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
 * Same layout as struct sockaddr_in, so a sockaddr_in with sin_family set
 * to the inetx family number may be passed as well.
 */
struct sockaddr_inx {
	__kernel_sa_family_t	sin_family;	/* AF_INETX */
	__be16			sin_port;
	struct in_addr		sin_addr;
	/* Pad to sizeof(struct sockaddr), as sockaddr_in does. */
	unsigned char		__pad[8];
};

#endif /* _UAPI_LINUX_INETX_H */
