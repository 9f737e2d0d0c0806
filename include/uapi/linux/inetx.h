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

#endif /* _UAPI_LINUX_INETX_H */
