// SPDX-License-Identifier: GPL-2.0
/*
 * struct proto_ops for PF_INETX stream sockets, the counterpart of
 * inet_stream_ops in net/ipv4/af_inet.c.
 *
 * Operations that see a socket address are inetx's own: they accept and
 * report the inetx family. The rest are TCP's own implementations, taken
 * from inet_stream_ops so that kernels which do not export them still
 * give the same behaviour.
 */

#include <linux/net.h>
#include <linux/socket.h>
#include <net/inet_common.h>
#include <net/inet_sock.h>
#include <net/tcp.h>

#include "inetx.h"
#include "inetx_compat.h"

struct proto_ops inetx_stream_ops __ro_after_init;

/* Mirrors inet_bind(): the length check comes first, then the family. */
int inetx_bind(struct socket *sock, struct sockaddr *uaddr, int addr_len)
{
	struct sockaddr_in sin;

	if (addr_len < sizeof(struct sockaddr_in))
		return -EINVAL;

	/* AF_UNSPEC with INADDR_ANY stays legal, as __inet_bind() allows. */
	if (uaddr->sa_family == AF_INET)
		return -EAFNOSUPPORT;
	if (uaddr->sa_family != inetx_family)
		return inet_bind(sock, uaddr, addr_len);

	memcpy(&sin, uaddr, sizeof(sin));
	sin.sin_family = AF_INET;
	return inet_bind(sock, (struct sockaddr *)&sin, sizeof(sin));
}

int inetx_getname(struct socket *sock, struct sockaddr *uaddr, int peer)
{
	int len = inet_getname(sock, uaddr, peer);

	if (len >= 0)
		uaddr->sa_family = inetx_family;
	return len;
}

/* Copy of the static inet_wait_for_connect(). */
static long inetx_wait_for_connect(struct sock *sk, long timeo, int writebias)
{
	DEFINE_WAIT_FUNC(wait, woken_wake_function);

	add_wait_queue(sk_sleep(sk), &wait);
	sk->sk_write_pending += writebias;

	/* Whoever sets sk->sk_err also moves the socket out of SYN_*. */
	while ((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV)) {
		release_sock(sk);
		timeo = wait_woken(&wait, TASK_INTERRUPTIBLE, timeo);
		lock_sock(sk);
		if (signal_pending(current) || !timeo)
			break;
	}
	remove_wait_queue(sk_sleep(sk), &wait);
	sk->sk_write_pending -= writebias;
	return timeo;
}

/*
 * Mirrors __inet_stream_connect(). Called with the socket locked.
 * TCP's own sendmsg fast-open path calls __inet_stream_connect(), which
 * reaches inetx_v4_connect() through sk->sk_prot all the same.
 */
int __inetx_stream_connect(struct socket *sock, struct sockaddr *uaddr,
			   int addr_len, int flags, int is_sendmsg)
{
	struct sock *sk = sock->sk;
	long timeo;
	int err;

	if (uaddr) {
		if (addr_len < sizeof(uaddr->sa_family))
			return -EINVAL;

		if (uaddr->sa_family == AF_UNSPEC) {
			sk->sk_disconnects++;
			err = sk->sk_prot->disconnect(sk, flags);
			sock->state = err ? SS_DISCONNECTING : SS_UNCONNECTED;
			return err;
		}
	}

	switch (sock->state) {
	default:
		return -EINVAL;
	case SS_CONNECTED:
		return -EISCONN;
	case SS_CONNECTING:
		if (inetx_defer_connect(sk))
			err = is_sendmsg ? -EINPROGRESS : -EISCONN;
		else
			err = -EALREADY;
		break;
	case SS_UNCONNECTED:
		if (sk->sk_state != TCP_CLOSE)
			return -EISCONN;

		if (BPF_CGROUP_PRE_CONNECT_ENABLED(sk)) {
			err = sk->sk_prot->pre_connect(sk, uaddr, addr_len);
			if (err)
				return err;
		}

		err = sk->sk_prot->connect(sk, uaddr, addr_len);
		if (err < 0)
			return err;

		sock->state = SS_CONNECTING;

		if (!err && inetx_defer_connect(sk))
			return 0;

		/* Nonblocking callers get EINPROGRESS here, EALREADY later. */
		err = -EINPROGRESS;
		break;
	}

	timeo = sock_sndtimeo(sk, flags & O_NONBLOCK);

	if ((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV)) {
		int writebias = (sk->sk_protocol == IPPROTO_TCP) &&
				tcp_sk(sk)->fastopen_req &&
				tcp_sk(sk)->fastopen_req->data ? 1 : 0;
		int dis = sk->sk_disconnects;

		if (!timeo || !inetx_wait_for_connect(sk, timeo, writebias))
			return err;

		err = sock_intr_errno(timeo);
		if (signal_pending(current))
			return err;

		/* Someone ran AF_UNSPEC connect while we slept. */
		if (dis != sk->sk_disconnects)
			return -EPIPE;
	}

	/* Closed by RST, timeout, ICMP error or another disconnect. */
	if (sk->sk_state == TCP_CLOSE)
		goto sock_error;

	sock->state = SS_CONNECTED;
	return 0;

sock_error:
	err = sock_error(sk) ? : -ECONNABORTED;
	sock->state = SS_UNCONNECTED;
	sk->sk_disconnects++;
	if (sk->sk_prot->disconnect(sk, flags))
		sock->state = SS_DISCONNECTING;
	return err;
}

int inetx_stream_connect(struct socket *sock, struct sockaddr *uaddr,
			 int addr_len, int flags)
{
	int err;

	lock_sock(sock->sk);
	err = __inetx_stream_connect(sock, uaddr, addr_len, flags, 0);
	release_sock(sock->sk);
	return err;
}

/*
 * Start from TCP's table so every operation exists on both kernels even
 * where its implementation is not exported (tcp_mmap, tcp_splice_read,
 * ... on 6.12), then put inetx's own in.
 */
void __init inetx_stream_ops_init(void)
{
	inetx_stream_ops = inet_stream_ops;
	inetx_stream_ops.family	 = inetx_family;
	inetx_stream_ops.owner	 = THIS_MODULE;
	inetx_stream_ops.bind	 = inetx_bind;
	inetx_stream_ops.connect = inetx_stream_connect;
	inetx_stream_ops.getname = inetx_getname;
}
