/* SPDX-License-Identifier: GPL-2.0 */
/*
 * inetx internals shared between the layers:
 *   af_inetx.c          family registration (mirrors inet_init)
 *   inetx_create.c      socket creation (mirrors inet_create)
 *   inetx_stream_ops.c  struct proto_ops (mirrors inet_stream_ops)
 *   inetx_proto.c       struct proto (mirrors tcp_prot, tcp_v4_connect)
 */
#ifndef _INETX_H
#define _INETX_H

#include <linux/net.h>
#include <net/sock.h>

/* The family number this instance registered (module parameter). */
extern int inetx_family;

extern struct proto inetx_prot;
extern const struct proto_ops inetx_stream_ops;

int inetx_create(struct net *net, struct socket *sock, int protocol,
		 int kern);

int inetx_proto_init(void);
void inetx_proto_exit(void);

int inetx_bind(struct socket *sock, struct sockaddr *uaddr, int addr_len);
int inetx_getname(struct socket *sock, struct sockaddr *uaddr, int peer);
int __inetx_stream_connect(struct socket *sock, struct sockaddr *uaddr,
			   int addr_len, int flags, int is_sendmsg);
int inetx_stream_connect(struct socket *sock, struct sockaddr *uaddr,
			 int addr_len, int flags);
int inetx_v4_connect(struct sock *sk, struct sockaddr *uaddr, int addr_len);

#endif /* _INETX_H */
