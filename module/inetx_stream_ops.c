// SPDX-License-Identifier: GPL-2.0
/*
 * struct proto_ops for PF_INETX stream sockets, the counterpart of
 * inet_stream_ops in net/ipv4/af_inet.c.
 *
 * Addresses are plain AF_INET sockaddr_in, as on an AF_INET socket, so
 * bind and getname are AF_INET's own and every LSM and BPF hook sees the
 * real address. connect and accept are inetx's mirrors. The rest are
 * TCP's own implementations, taken from inet_stream_ops so that kernels
 * which do not export them still give the same behaviour.
 */

#include <linux/net.h>
#include <linux/socket.h>
#include <net/inet_common.h>
#include <net/inet_sock.h>
#include <net/tcp.h>

#include <linux/module.h>
#include <uapi/linux/inetx.h>

#include "inetx.h"
#include "inetx_compat.h"
#include "inetx_trace.h"

/*
 * inetx_accept() (inetx_compat.h) is inet_accept(), then this. With
 * SO_REUSEPORT and net.ipv4.tcp_migrate_req, an AF_INET listener closing
 * hands its unaccepted children to another listener of its group, which
 * may be inetx's. Such a child was made by
 * tcp_prot and is an AF_INET socket: give it AF_INET's proto_ops, so that
 * nothing (kTLS's table of base proto_ops among others) ever pairs
 * tcp_prot with inetx's table. do_accept() set newsock->ops and took a
 * reference on their owner, ours, before calling us; drop it with them.
 * kernel_accept() sets the ops only after we return.
 * Every accept() is traced, and counted when it returns a socket.
 */
int inetx_accept_finish(struct socket *sock, struct socket *newsock, int err)
{
	trace_inetx_accept(sock->sk, err ? NULL : newsock->sk, err);
	if (err)
		return err;
	inetx_stat_accept(sock->sk);
	if (newsock->ops == sock->ops &&
	    newsock->sk->sk_prot_creator != &inetx_prot) {
		WRITE_ONCE(newsock->ops, &inet_stream_ops);
		module_put(THIS_MODULE);
	}
	return 0;
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
int __inetx_stream_connect(struct socket *sock, struct inetx_sockaddr *uaddr,
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
EXPORT_SYMBOL_IF_KUNIT(__inetx_stream_connect);

int inetx_stream_connect(struct socket *sock, struct inetx_sockaddr *uaddr,
			 int addr_len, int flags)
{
	int oldsockstate, oldstate;
	int err;

	lock_sock(sock->sk);
	oldsockstate = sock->state;
	oldstate = sock->sk->sk_state;
	err = __inetx_stream_connect(sock, uaddr, addr_len, flags, 0);
	trace_inetx_connect(sock, oldsockstate, oldstate, flags, err);
	release_sock(sock->sk);
	return err;
}

/*
 * AF_INET's own socket calls with inetx's tracepoints (inetx_trace.h) and
 * byte counters (inetx_stat.c) around them.
 */
static int inetx_release(struct socket *sock)
{
	trace_inetx_release(sock);
	return inet_release(sock);
}

static int inetx_bind(struct socket *sock, struct inetx_sockaddr *uaddr,
		      int addr_len)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)uaddr;
	bool sized = addr_len >= (int)sizeof(*sin);
	int err = inet_bind(sock, uaddr, addr_len);

	trace_inetx_bind(sock->sk, sized ? sin->sin_addr.s_addr : 0,
			 sized ? sin->sin_port : 0, err);
	return err;
}

static int inetx_listen(struct socket *sock, int backlog)
{
	int err = inet_listen(sock, backlog);

	trace_inetx_listen(sock->sk, backlog, err);
	return err;
}

static int inetx_shutdown(struct socket *sock, int how)
{
	int err = inet_shutdown(sock, how);

	trace_inetx_shutdown(sock->sk, how, err);
	return err;
}

static int inetx_sendmsg(struct socket *sock, struct msghdr *msg, size_t size)
{
	int ret = inet_sendmsg(sock, msg, size);

	inetx_stat_bytes(sock->sk, true, ret);
	return ret;
}

/* Peeked bytes are still to be received: not counted. */
static int inetx_recvmsg(struct socket *sock, struct msghdr *msg, size_t size,
			 int flags)
{
	int ret = inet_recvmsg(sock, msg, size, flags);

	if (!(flags & MSG_PEEK))
		inetx_stat_bytes(sock->sk, false, ret);
	return ret;
}

/*
 * TCP's own implementations that some kernels do not export (6.12 keeps
 * these for its IPv6 module only, 7.2 does not export inet_splice_eof)
 * are reached through inet_stream_ops.
 */
#ifdef CONFIG_MMU
static int inetx_mmap(struct file *file, struct socket *sock,
		      struct vm_area_struct *vma)
{
	return inet_stream_ops.mmap(file, sock, vma);
}
#endif

static void inetx_splice_eof(struct socket *sock)
{
	inet_stream_ops.splice_eof(sock);
}

static ssize_t inetx_splice_read(struct socket *sock, loff_t *ppos,
				 struct pipe_inode_info *pipe, size_t len,
				 unsigned int flags)
{
	ssize_t ret = inet_stream_ops.splice_read(sock, ppos, pipe, len, flags);

	inetx_stat_bytes(sock->sk, false, ret);
	return ret;
}

static int inetx_read_skb(struct sock *sk, skb_read_actor_t recv_actor)
{
	return inet_stream_ops.read_skb(sk, recv_actor);
}

static int inetx_peek_len(struct socket *sock)
{
	return inet_stream_ops.peek_len(sock);
}

static int inetx_set_rcvlowat(struct sock *sk, int val)
{
	return inet_stream_ops.set_rcvlowat(sk, val);
}

#ifdef CONFIG_COMPAT
static int inetx_compat_ioctl(struct socket *sock, unsigned int cmd,
			      unsigned long arg)
{
	return inet_stream_ops.compat_ioctl(sock, cmd, arg);
}
#endif

/*
 * .family is the default PF_INETX even when loaded with family=N: the
 * core never reads it for stream sockets (sock_register() uses
 * net_proto_family.family), and a const table cannot hold a parameter.
 */
const struct proto_ops inetx_stream_ops = {
	.family		   = PF_INETX,
	.owner		   = THIS_MODULE,
	.release	   = inetx_release,
	.bind		   = inetx_bind,
	.connect	   = inetx_stream_connect,
	.socketpair	   = sock_no_socketpair,
	.accept		   = inetx_accept,
	.getname	   = inet_getname,
	.poll		   = tcp_poll,
	.ioctl		   = inet_ioctl,
	.gettstamp	   = sock_gettstamp,
	.listen		   = inetx_listen,
	.shutdown	   = inetx_shutdown,
	.setsockopt	   = sock_common_setsockopt,
	.getsockopt	   = sock_common_getsockopt,
	.sendmsg	   = inetx_sendmsg,
	.recvmsg	   = inetx_recvmsg,
#ifdef CONFIG_MMU
	.mmap		   = inetx_mmap,
#endif
	.splice_eof	   = inetx_splice_eof,
	.splice_read	   = inetx_splice_read,
	.read_sock	   = tcp_read_sock,
	.read_skb	   = inetx_read_skb,
	.sendmsg_locked    = tcp_sendmsg_locked,
	.peek_len	   = inetx_peek_len,
#ifdef CONFIG_COMPAT
	.compat_ioctl	   = inetx_compat_ioctl,
#endif
	.set_rcvlowat	   = inetx_set_rcvlowat,
	INETX_STREAM_OPS_VERSIONED
};
EXPORT_SYMBOL_IF_KUNIT(inetx_stream_ops);
