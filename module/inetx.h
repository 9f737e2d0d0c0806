/* SPDX-License-Identifier: GPL-2.0 */
/*
 * inetx internals shared between the layers:
 *   af_inetx.c          family registration (mirrors inet_init)
 *   inetx_create.c      socket creation (mirrors inet_create)
 *   inetx_stream_ops.c  struct proto_ops (mirrors inet_stream_ops)
 *   inetx_proto.c       struct proto (mirrors tcp_prot, tcp_v4_connect)
 *   sysctl_net_inetx.c  net.inetx.* per namespace (sysctl_net_ipv4.c)
 *   inetx_stat.c        counters per namespace (net/ipv4/proc.c's MIBs)
 *   inetx_trace.[ch]    tracepoints, system "inetx"
 *   inetx_diag.c        sock_diag handler (inet_diag.c, tcp_diag.c)
 */
#ifndef _INETX_H
#define _INETX_H

#include <kunit/visibility.h>
#include <linux/export.h>
#include <linux/kconfig.h>
#include <linux/net.h>
#include <net/sock.h>

#include <uapi/linux/inetx.h>

#include "inetx_compat.h"

/* The family number this instance registered (module parameter). */
extern int inetx_family;

extern struct proto inetx_prot;
extern const struct proto_ops inetx_stream_ops;

/* inetx's switch table entry, the counterpart of struct inet_protosw. */
struct inetx_protosw {
	unsigned short		type;
	unsigned short		protocol;
	struct proto		*prot;
	const struct proto_ops	*ops;
	unsigned char		flags;
};

int inetx_create(struct net *net, struct socket *sock, int protocol,
		 int kern);
int inetx_family_create(struct net *net, struct socket *sock, int protocol,
			int kern);
/*
 * inetx_kunit.ko tests internals nothing else needs: EXPORT_SYMBOL_IF_KUNIT()
 * exports them (namespace EXPORTED_FOR_KUNIT_TESTING) only to kernels that
 * can run KUnit, and VISIBLE_IF_KUNIT drops "static" only there.
 */
#if IS_ENABLED(CONFIG_KUNIT)
const struct inetx_protosw *inetx_lookup_protosw(int type, int *protocol);
int inetx_unsupported(struct net *net, int type, int protocol, int kern);
int inetx_setsockopt(struct sock *sk, int level, int optname,
		     sockptr_t optval, unsigned int optlen);
void inetx_stat_fold(const struct net *net, u64 *vals);
int inetx_stat_create_field(int err);
#endif

/* sysctl_net_inetx.c: net.inetx.restrict_create. */
bool inetx_may_create(struct net *net);
int inetx_sysctl_init(void);
void inetx_sysctl_exit(void);

/*
 * inetx_stat.c: counters, indexed by INETX_MIB_* (uapi), one block per
 * CPU per namespace (allocated with the pernet data, sysctl_net_inetx.c).
 */
struct inetx_mib {
	unsigned long	mibs[__INETX_MIB_MAX];
};

struct inetx_mib __percpu *inetx_net_mib(const struct net *net);
int inetx_stat_net_init(struct net *net);
void inetx_stat_net_exit(struct net *net);
int inetx_stat_init(void);
void inetx_stat_exit(void);
void inetx_stat_create(struct net *net, struct socket *sock, int kern,
		       int err);
void inetx_stat_accept(const struct sock *sk);
void inetx_stat_bytes(const struct sock *sk, bool sent, long bytes);
/* inetx_diag.c: the sock_diag handler for inetx's family. */
int inetx_diag_init(void);
void inetx_diag_exit(void);

int inetx_proto_init(void);
void inetx_proto_exit(void);

int __inetx_stream_connect(struct socket *sock, struct inetx_sockaddr *uaddr,
			   int addr_len, int flags, int is_sendmsg);
int inetx_stream_connect(struct socket *sock, struct inetx_sockaddr *uaddr,
			 int addr_len, int flags);
/*
 * Called by inetx_proto_connect() only, and never inlined there: the mirror
 * stays a function of its own for kprobes (selftests/inetx_layers.sh) and
 * function tracing.
 */
noinline int inetx_v4_connect(struct sock *sk, struct inetx_sockaddr *uaddr,
			      int addr_len);
int inetx_proto_connect(struct sock *sk, struct inetx_sockaddr *uaddr,
			int addr_len);

#endif /* _INETX_H */
