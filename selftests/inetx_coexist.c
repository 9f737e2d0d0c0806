// SPDX-License-Identifier: GPL-2.0
/*
 * inetx_coexist CASE [KO]: inetx next to the kernel features that share
 * TCP with it ("safe to load on a real machine"). One KTAP document per
 * run, for one case:
 *
 *	addr		PF_INETX takes and reports AF_INET sockaddr_in
 *	restrict	net.inetx.restrict_create (per netns, CAP_NET_ADMIN)
 *	md5		TCP_MD5SIG between inetx and AF_INET, both directions
 *	cgroup		cgroup/connect4 and cgroup/bind4 programs see AF_INET
 *	probe		unsupported type/protocol pairs create no socket behind
 *			inetx's back (a cgroup/sock_create program counts)
 *	landlock	Landlock TCP bind/connect rules apply to inetx as to AF_INET
 *	selinux		bind/connect/accept under SELinux (no policy loaded)
 *	sockmap		SOCKMAP/SOCKHASH refuse inetx sockets (EOPNOTSUPP)
 *	reuseport	mixed AF_INET/inetx SO_REUSEPORT group, tcp_migrate_req
 *	ktls		TCP_ULP on inetx refused; an AF_INET kTLS pair unharmed
 *
 * Root only, inside the QEMU guest (selftests/inetx_coexist.sh runs every
 * case with the module loaded; sockmap, reuseport and ktls unload it, and
 * reuseport loads KO again). Unprivileged steps run in a child that drops
 * to uid/gid 65534. bpf(2) and landlock(2) are raw syscalls; the BPF
 * programs are assembled here.
 *
 * Addresses: the module being tested may still be one that wants
 * sin_family = inetx (before "addresses are AF_INET"). The "addr" case
 * asserts the AF_INET contract; every other case probes once which family
 * an inetx bind accepts and uses that, so that each case fails for its
 * own reason only.
 *
 * Every wait is for an event (poll, queue length, refcount), bounded, and
 * fails explicitly when the bound runs out.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <grp.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <linux/bpf.h>
#include <linux/capability.h>
#include <linux/tls.h>

#include "inetx_common.h"

#ifndef SOL_TLS
#define SOL_TLS 282
#endif
#ifndef TCP_ULP
#define TCP_ULP 31
#endif

#define NOBODY 65534
#define CX_SECS 150		/* watchdog for one case */

static int xfam;		/* family an inetx bind/connect address takes */
static const char *ko_path;

/* ---- small helpers ----------------------------------------------------- */

static int fam_of(bool inetx)
{
	return inetx ? inx_family() : AF_INET;
}

static const char *kind(bool inetx)
{
	return inetx ? "INETX" : "AF_INET";
}

/* 127.0.0.1:@port with exactly this sin_family (whatever inx_addr() does). */
static socklen_t cx_sin(struct sockaddr_in *sa, int sin_family, uint16_t port)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = sin_family;
	sa->sin_port = htons(port);
	sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return sizeof(*sa);
}

/* 127.0.0.1:port in the address family the socket kind takes. */
static socklen_t cx_addr(struct sockaddr_in *sa, bool inetx, uint16_t port)
{
	return cx_sin(sa, inetx ? xfam : AF_INET, port);
}

static int cx_listen(bool inetx, uint16_t *port, bool reuseport, uint16_t want)
{
	struct sockaddr_in sa;
	int one = 1, fd = inx_socket(fam_of(inetx)), err;

	if (fd < 0)
		return -1;
	if (reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)))
		goto fail;
	if (bind(fd, (struct sockaddr *)&sa, cx_addr(&sa, inetx, want)))
		goto fail;
	if (listen(fd, 16))
		goto fail;
	*port = inx_local_port(fd);
	return fd;
fail:
	err = errno;
	close(fd);
	errno = err;
	return -1;
}

static int cx_connect(bool inetx, uint16_t port)
{
	struct sockaddr_in sa;
	int fd = inx_socket(fam_of(inetx)), err;

	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, cx_addr(&sa, inetx, port))) {
		err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

/* Client of kind @ci connected to a fresh listener of kind @si. */
static int cx_pair(bool si, bool ci, int *cfd, int *sfd)
{
	uint16_t port;
	int lfd = cx_listen(si, &port, false, 0);

	*cfd = *sfd = -1;
	if (lfd < 0)
		return -1;
	*cfd = cx_connect(ci, port);
	if (*cfd >= 0)
		*sfd = inx_accept(lfd, NULL, NULL);
	close(lfd);
	if (*sfd < 0) {
		inx_close_abort(*cfd);
		*cfd = -1;
		return -1;
	}
	return 0;
}

/* @len bytes each way; true if both arrive intact. */
static bool cx_exchange(int a, int b, size_t len)
{
	char out[256], in[256];
	size_t i;

	if (len > sizeof(out))
		return false;
	for (i = 0; i < len; i++)
		out[i] = (char)(i * 7 + len);
	if (inx_send_all(a, out, len) != (ssize_t)len ||
	    inx_recv_all(b, in, len) != (ssize_t)len || memcmp(in, out, len))
		return false;
	out[0] ^= 0x5a;
	if (inx_send_all(b, out, len) != (ssize_t)len ||
	    inx_recv_all(a, in, len) != (ssize_t)len || memcmp(in, out, len))
		return false;
	return true;
}

static int sa_family_of(int fd, bool peer)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	memset(&ss, 0, sizeof(ss));
	if ((peer ? getpeername : getsockname)(fd, (struct sockaddr *)&ss, &len))
		return -errno;
	return ss.ss_family;
}

static int errno_of(int r)
{
	return r < 0 ? errno : 0;
}

static int set_ulp(int fd, const char *name)
{
	return errno_of(setsockopt(fd, SOL_TCP, TCP_ULP, name, strlen(name)));
}

/* getsockopt(TCP_ULP): the length reported, or -errno. */
static int get_ulp_len(int fd)
{
	char buf[32];
	socklen_t len = sizeof(buf);

	if (getsockopt(fd, SOL_TCP, TCP_ULP, buf, &len))
		return -errno;
	return (int)len;
}


static int write_str_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY), r;

	if (fd < 0)
		return errno;
	r = write(fd, s, strlen(s)) == (ssize_t)strlen(s) ? 0 : errno;
	close(fd);
	return r;
}

static bool module_loaded(const char *name)
{
	char p[64];

	snprintf(p, sizeof(p), "/sys/module/%s/refcnt", name);
	return access(p, F_OK) == 0;
}

/* rmmod inetx: retried while refused (a closing socket), for @ms. */
static int cx_rmmod(int ms)
{
	long end = inx_now_ms() + ms;

	for (;;) {
		if (!syscall(__NR_delete_module, "inetx", O_NONBLOCK))
			return 0;
		if (errno != EWOULDBLOCK && errno != EBUSY)
			return errno;
		if (inx_now_ms() >= end)
			return errno;
		usleep(20000);
	}
}

static int cx_insmod(void)
{
	int fd, r;

	if (module_loaded("inetx"))
		return 0;
	if (!ko_path)
		return ENOENT;
	fd = open(ko_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	r = syscall(__NR_finit_module, fd, "", 0) ? errno : 0;
	close(fd);
	return r;
}

/* Is @name among the TCP ULPs registered right now? */
static bool ulp_registered(const char *name)
{
	char buf[256], *tok, *save;
	FILE *f = fopen("/proc/sys/net/ipv4/tcp_available_ulp", "r");
	bool found = false;

	if (!f)
		return false;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	for (tok = strtok_r(buf, " \t\n", &save); tok; tok = strtok_r(NULL, " \t\n", &save))
		if (!strcmp(tok, name))
			found = true;
	return found;
}

/*
 * CONFIG_@opt of the running kernel ('y', 'm', 'n' for "is not set"), or 0
 * if neither /proc/config.gz nor /boot/config-RELEASE can tell.
 */
static char kconfig(const char *opt)
{
	char cmd[256], line[256], want[80], v = 0;
	struct utsname u;
	FILE *p;

	if (uname(&u))
		return 0;
	snprintf(want, sizeof(want), "CONFIG_%s", opt);
	snprintf(cmd, sizeof(cmd),
		 "{ zcat /proc/config.gz || cat /boot/config-%s; } 2>/dev/null | grep -E '^(# )?%s[= ]'",
		 u.release, want);
	p = popen(cmd, "r");
	if (!p)
		return 0;
	while (fgets(line, sizeof(line), p)) {
		if (line[0] == '#')
			v = 'n';
		else if (!strncmp(line, want, strlen(want)) && line[strlen(want)] == '=')
			v = line[strlen(want) + 1];
	}
	pclose(p);
	return v;
}

/* How this kernel has kTLS: set by load_tls(). */
static enum { TLS_MISSING, TLS_MODULE, TLS_BUILTIN, TLS_NOT_CONFIGURED } tls_kind;

/*
 * kTLS and its crypto: the guest kernel cannot autoload (its modprobe
 * helper runs in the VM's initramfs, not in the host root the tests see).
 * Built in (the debug kernel: CONFIG_TLS=y, whose selects build AES and
 * GCM in too) there is nothing to load and no /sys/module/tls/refcnt.
 */
static void load_tls(void)
{
	char cfg;

	if (!module_loaded("tls") && ulp_registered("tls")) {
		tls_kind = TLS_BUILTIN;
		ktap_diag("tls is built in (ULP registered, no /sys/module/tls/refcnt): nothing to modprobe");
		return;
	}
	if (!module_loaded("tls") && system("modprobe tls") != 0)
		ktap_diag("modprobe tls failed");
	if (system("for m in gcm ghash_generic ghash_clmulni_intel aesni_intel ctr aead seqiv; do modprobe -q $m; done") != 0)
		ktap_diag("crypto modprobe loop failed");
	if (module_loaded("tls")) {
		tls_kind = TLS_MODULE;
	} else {
		cfg = kconfig("TLS");
		tls_kind = cfg == 'n' ? TLS_NOT_CONFIGURED : TLS_MISSING;
	}
	ktap_diag("tls module %s%s", module_loaded("tls") ? "loaded" : "NOT loaded",
		  tls_kind == TLS_NOT_CONFIGURED ? " (CONFIG_TLS is not set)" : "");
}

/* Wait (bounded) until the inetx refcount is @want; returns the last value. */
static int wait_refs(int want, int ms)
{
	long end = inx_now_ms() + ms;
	int n;

	while ((n = inx_module_refs()) != want && inx_now_ms() < end)
		usleep(10000);
	return n;
}

static int listen_backlog(int lfd)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	if (getsockopt(lfd, SOL_TCP, TCP_INFO, &ti, &len))
		return -1;
	return ti.tcpi_unacked;	/* sk_ack_backlog for a listener */
}

static bool wait_backlog(int lfd, int want)
{
	long end = inx_now_ms() + INX_TIMEOUT_MS;

	while (listen_backlog(lfd) != want) {
		if (inx_now_ms() >= end)
			return false;
		usleep(5000);
	}
	return true;
}

/* Kernel log: a marker now, and a scan from that marker later. */
static char klog_mark[96];

static void klog_start(const char *what)
{
	int fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);

	snprintf(klog_mark, sizeof(klog_mark), "inetx_coexist %s start %d %ld",
		 what, getpid(), (long)time(NULL));
	if (fd >= 0) {
		if (write(fd, klog_mark, strlen(klog_mark)) < 0)
			ktap_diag("cannot write to /dev/kmsg: %s", inx_errname(errno));
		close(fd);
	}
}

static bool klog_clean(void)
{
	static const char *const bad[] = {
		"WARNING:", "BUG:", "Oops", "Call Trace", "general protection",
		"refcount_t", "list_add corruption", "list_del corruption",
		"UBSAN", "KASAN",
	};
	char line[512];
	bool seen = false, clean = true;
	FILE *p = popen("dmesg 2>&1", "r");
	size_t i;
	int shown = 0;

	if (!p)
		return false;
	while (fgets(line, sizeof(line), p)) {
		if (!seen) {
			seen = strstr(line, klog_mark) != NULL;
			continue;
		}
		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
			if (strstr(line, bad[i]))
				break;
		if (i < sizeof(bad) / sizeof(bad[0])) {
			clean = false;
			if (shown++ < 30)
				ktap_diag("kernel: %s", strtok(line, "\n"));
		}
	}
	pclose(p);
	if (!seen)
		ktap_diag("marker '%s' not found in dmesg", klog_mark);
	return seen && clean;
}

static void drop_to_nobody(void)
{
	if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
	    setresuid(NOBODY, NOBODY, NOBODY)) {
		perror("drop privileges");
		_exit(99);
	}
}

static void *shared_page(void)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	memset(p, 0xff, 4096);
	return p;
}

/*
 * Which sin_family does an inetx bind take? AF_INET (the new contract)
 * or the inetx family (the old module). Used by every case but "addr".
 */
static void probe_xfam(void)
{
	struct sockaddr_in sa;
	int fd = socket(inx_family(), SOCK_STREAM, 0);

	xfam = AF_INET;
	if (fd < 0) {
		ktap_diag("socket(%d) for the probe: %s", inx_family(), inx_errname(errno));
		return;
	}
	if (bind(fd, (struct sockaddr *)&sa, cx_sin(&sa, AF_INET, 0)) &&
	    errno == EAFNOSUPPORT)
		xfam = inx_family();
	close(fd);
	ktap_diag("inetx addresses in this module: sin_family %d (%s)", xfam,
		  xfam == AF_INET ? "AF_INET, as required" : "inetx: the old contract");
}

/* ---- case addr: (a) ---------------------------------------------------- */

static int case_addr(void)
{
	struct sockaddr_in sa, peer;
	socklen_t plen = sizeof(peer);
	int fd, lfd, cfd, afd, r, f;
	uint16_t port;

	ktap_start(7);
	ktap_watchdog(CX_SECS, "addr");

	fd = socket(inx_family(), SOCK_STREAM, 0);
	r = fd < 0 ? -1 : bind(fd, (struct sockaddr *)&sa, cx_sin(&sa, AF_INET, 0));
	ktap_test(r == 0, "bind(PF_INETX, AF_INET 127.0.0.1:0) = 0 (got %s)",
		  inx_errname(errno_of(r)));
	f = fd < 0 ? -1 : sa_family_of(fd, false);
	ktap_test(f == AF_INET, "getsockname(PF_INETX) reports sin_family AF_INET (got %d)", f);
	if (fd >= 0)
		close(fd);

	fd = socket(inx_family(), SOCK_STREAM, 0);
	r = fd < 0 ? -1 : bind(fd, (struct sockaddr *)&sa, cx_sin(&sa, inx_family(), 0));
	ktap_test(r < 0 && errno == EAFNOSUPPORT,
		  "bind(PF_INETX) with sin_family %d: EAFNOSUPPORT (got %s)",
		  inx_family(), inx_errname(errno_of(r)));
	if (fd >= 0)
		close(fd);

	lfd = inx_listen(AF_INET, 4, &port);
	fd = socket(inx_family(), SOCK_STREAM, 0);
	inx_set_timeouts(fd, INX_TIMEOUT_MS);
	r = connect(fd, (struct sockaddr *)&sa, cx_sin(&sa, inx_family(), port));
	ktap_test(r < 0 && errno == EAFNOSUPPORT,
		  "connect(PF_INETX) with sin_family %d: EAFNOSUPPORT (got %s)",
		  inx_family(), inx_errname(errno_of(r)));
	inx_close_abort(fd);
	if (lfd >= 0)
		afd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);
	else
		afd = -1;
	inx_close_abort(afd);

	fd = socket(inx_family(), SOCK_STREAM, 0);
	inx_set_timeouts(fd, INX_TIMEOUT_MS);
	r = connect(fd, (struct sockaddr *)&sa, cx_sin(&sa, AF_INET, port));
	f = r ? -1 : sa_family_of(fd, true);
	ktap_test(r == 0 && f == AF_INET,
		  "connect(PF_INETX, AF_INET addr) = 0, getpeername AF_INET (got %s, family %d)",
		  inx_errname(errno_of(r)), f);
	afd = lfd >= 0 && r == 0 ? inx_accept(lfd, NULL, NULL) : -1;
	inx_close_abort(fd);
	if (afd >= 0)
		close(afd);
	if (lfd >= 0)
		close(lfd);

	/* An inetx listener, bound with AF_INET (or whatever it takes). */
	probe_xfam();
	lfd = cx_listen(true, &port, false, 0);
	cfd = lfd >= 0 ? cx_connect(false, port) : -1;
	afd = cfd >= 0 ? inx_accept(lfd, &peer, &plen) : -1;
	ktap_test(afd >= 0 && peer.sin_family == AF_INET && plen == sizeof(peer),
		  "accept(PF_INETX listener) reports the peer as AF_INET (family %d, len %u)",
		  afd >= 0 ? peer.sin_family : -1, (unsigned int)plen);
	f = afd >= 0 ? sa_family_of(afd, false) : -1;
	r = afd >= 0 ? sa_family_of(afd, true) : -1;
	ktap_test(f == AF_INET && r == AF_INET,
		  "accepted PF_INETX socket: getsockname and getpeername AF_INET (%d, %d)", f, r);
	inx_close_abort(afd);
	if (cfd >= 0)
		close(cfd);
	if (lfd >= 0)
		close(lfd);
	return ktap_finish();
}

/* ---- case restrict: (d) ------------------------------------------------ */

#define RESTRICT "/proc/sys/net/inetx/restrict_create"

struct create_res {
	int inetx_err;		/* 0 or errno of socket(PF_INETX) */
	int inet_err;		/* 0 or errno of socket(AF_INET) */
	int sysctl;		/* restrict_create as the child read it */
	int sysctl_written;	/* new netns: 0 or errno of writing the opposite */
};

enum cred { AS_NOBODY, AS_ROOT, AS_ROOT_NO_NET_ADMIN, AS_ROOT_NEW_NETNS };

static void drop_net_admin(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d) ||
	    (d[CAP_NET_ADMIN / 32].effective &= ~(1u << (CAP_NET_ADMIN % 32)),
	     d[CAP_NET_ADMIN / 32].permitted &= ~(1u << (CAP_NET_ADMIN % 32)),
	     syscall(SYS_capset, &h, d))) {
		perror("capset");
		_exit(99);
	}
}

static struct create_res try_create(enum cred cred)
{
	struct create_res *res = shared_page(), out;
	pid_t pid;
	int fd, st;

	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		if (cred == AS_NOBODY)
			drop_to_nobody();
		else if (cred == AS_ROOT_NO_NET_ADMIN)
			drop_net_admin();
		else if (cred == AS_ROOT_NEW_NETNS && unshare(CLONE_NEWNET))
			_exit(98);
		res->sysctl = inx_read_int(RESTRICT);
		if (cred == AS_ROOT_NEW_NETNS)
			res->sysctl_written = write_str_file(RESTRICT, res->sysctl ? "0" : "1");
		fd = socket(inx_family(), SOCK_STREAM, 0);
		res->inetx_err = fd < 0 ? errno : 0;
		if (fd >= 0)
			close(fd);
		fd = socket(AF_INET, SOCK_STREAM, 0);
		res->inet_err = fd < 0 ? errno : 0;
		if (fd >= 0)
			close(fd);
		_exit(0);
	}
	st = inx_waitpid(pid, INX_TIMEOUT_MS);
	if (st)
		ktap_diag("child for creation test exited with %d", st);
	out = *res;
	munmap(res, 4096);
	return out;
}

static int case_restrict(void)
{
	struct create_res r;
	int v0 = inx_read_int(RESTRICT), w;
	bool have = v0 >= 0;

	ktap_start(8);
	ktap_watchdog(CX_SECS, "restrict");
	if (!have)
		ktap_diag("%s is absent", RESTRICT);
	ktap_test(v0 == 0, "net.inetx.restrict_create exists and is 0 by default (read %d)", v0);

	r = try_create(AS_NOBODY);
	ktap_test(have && r.inetx_err == 0,
		  "restrict_create=0: nobody creates a PF_INETX socket (%s)",
		  inx_errname(r.inetx_err));

	w = have ? write_str_file(RESTRICT, "1") : ENOENT;
	r = try_create(AS_NOBODY);
	ktap_test(!w && r.inetx_err == EPERM && r.inet_err == 0,
		  "restrict_create=1: nobody gets EPERM for PF_INETX (%s), AF_INET still works (%s)",
		  inx_errname(r.inetx_err), inx_errname(r.inet_err));
	r = try_create(AS_ROOT);
	ktap_test(!w && r.inetx_err == 0,
		  "restrict_create=1: root creates a PF_INETX socket (%s)",
		  inx_errname(r.inetx_err));
	r = try_create(AS_ROOT_NO_NET_ADMIN);
	ktap_test(!w && r.inetx_err == EPERM && r.inet_err == 0,
		  "restrict_create=1: uid 0 without CAP_NET_ADMIN gets EPERM (%s)",
		  inx_errname(r.inetx_err));
	r = try_create(AS_ROOT_NEW_NETNS);
	ktap_diag("a new netns starts with restrict_create=%d (init netns: 1)", r.sysctl);
	ktap_test(!w && r.sysctl >= 0 && r.sysctl_written == 0 && inx_read_int(RESTRICT) == 1,
		  "restrict_create is per netns: root in a new netns sets its own to %d (%s), the init netns keeps 1 (%d)",
		  !r.sysctl, inx_errname(r.sysctl_written), inx_read_int(RESTRICT));
	w = have ? write_str_file(RESTRICT, "0") : ENOENT;
	ktap_test(!w && inx_read_int(RESTRICT) == 0,
		  "restrict_create can be set back to 0 (%s)", inx_errname(w));
	r = try_create(AS_NOBODY);
	ktap_test(have && r.inetx_err == 0,
		  "restrict_create=0 again: nobody creates a PF_INETX socket (%s)",
		  inx_errname(r.inetx_err));
	return ktap_finish();
}

/* ---- case md5: TCP_MD5SIG -------------------------------------------- */

static int set_md5(int fd, const char *key)
{
	struct tcp_md5sig md5;
	struct sockaddr_in *sa = (struct sockaddr_in *)&md5.tcpm_addr;

	memset(&md5, 0, sizeof(md5));
	sa->sin_family = AF_INET;	/* MD5 key addresses are AF_INET always */
	sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	md5.tcpm_keylen = strlen(key);
	memcpy(md5.tcpm_key, key, md5.tcpm_keylen);
	return errno_of(setsockopt(fd, IPPROTO_TCP, TCP_MD5SIG, &md5, sizeof(md5)));
}

/* One scenario; true if the outcome is the expected one. */
static bool md5_run(bool srv_inetx, bool cli_inetx, const char *ckey, bool expect_ok)
{
	const char *skey = "inetx-coexist-md5-key";
	struct sockaddr_in sa;
	int lfd, cfd = -1, afd = -1, e1, e2, r, ev, soerr = 0;
	socklen_t sl = sizeof(soerr);
	uint16_t port = 0;
	bool ok = false;

	lfd = inx_socket(fam_of(srv_inetx));
	e1 = lfd < 0 ? errno : set_md5(lfd, skey);
	if (e1 || bind(lfd, (struct sockaddr *)&sa, cx_addr(&sa, srv_inetx, 0)) ||
	    listen(lfd, 4)) {
		ktap_diag("%s listener with MD5: %s", kind(srv_inetx),
			  inx_errname(e1 ? e1 : errno));
		goto out;
	}
	port = inx_local_port(lfd);
	cfd = inx_socket(fam_of(cli_inetx));
	e2 = cfd < 0 ? errno : set_md5(cfd, ckey);
	if (e2) {
		ktap_diag("%s client TCP_MD5SIG: %s", kind(cli_inetx), inx_errname(e2));
		goto out;
	}
	fcntl(cfd, F_SETFL, O_NONBLOCK);
	r = connect(cfd, (struct sockaddr *)&sa, cx_addr(&sa, cli_inetx, port));
	if (r && errno != EINPROGRESS) {
		ktap_diag("connect: %s", inx_errname(errno));
		goto out;
	}
	/* A key mismatch drops the SYN silently: 3 s without an answer. */
	ev = inx_poll1(cfd, POLLOUT, expect_ok ? INX_TIMEOUT_MS : 3000);
	getsockopt(cfd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
	if (!expect_ok) {
		afd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);
		ok = (ev == 0 || soerr) && afd < 0;
		ktap_diag("mismatched keys: poll %#x, SO_ERROR %s, listener %s",
			  ev, inx_errname(soerr), afd < 0 ? "has no child" : "ACCEPTED one");
		goto out;
	}
	if (ev <= 0 || soerr) {
		ktap_diag("matching keys: poll %d, SO_ERROR %s", ev, inx_errname(soerr));
		goto out;
	}
	fcntl(cfd, F_SETFL, 0);
	afd = inx_accept(lfd, NULL, NULL);
	ok = afd >= 0 && cx_exchange(cfd, afd, 100);
	if (!ok)
		ktap_diag("matching keys: accept/exchange failed: %s", inx_errname(errno));
out:
	inx_close_abort(cfd);
	inx_close_abort(afd);
	if (lfd >= 0)
		close(lfd);
	return ok;
}

static int case_md5(void)
{
	const char *good = "inetx-coexist-md5-key", *bad = "inetx-coexist-md5-kez";

	ktap_start(4);
	ktap_watchdog(CX_SECS, "md5");
	probe_xfam();
	ktap_test(md5_run(false, true, good, true),
		  "TCP_MD5SIG: PF_INETX client, AF_INET listener, matching keys: connect and data");
	ktap_test(md5_run(false, true, bad, false),
		  "TCP_MD5SIG: PF_INETX client, AF_INET listener, mismatched keys: no connection");
	ktap_test(md5_run(true, false, good, true),
		  "TCP_MD5SIG: AF_INET client, PF_INETX listener, matching keys: connect and data");
	ktap_test(md5_run(true, false, bad, false),
		  "TCP_MD5SIG: AF_INET client, PF_INETX listener, mismatched keys: no connection");
	return ktap_finish();
}

/* ---- bpf(2) ------------------------------------------------------------ */

static long sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

static int map_create(enum bpf_map_type type, int ksz, int vsz, int max)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_type = type;
	a.key_size = ksz;
	a.value_size = vsz;
	a.max_entries = max;
	return sys_bpf(BPF_MAP_CREATE, &a);
}

static int map_op(int cmd, int fd, const void *key, void *val, __u64 flags)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_fd = fd;
	a.key = (__u64)(unsigned long)key;
	if (cmd == BPF_MAP_GET_NEXT_KEY)
		a.next_key = (__u64)(unsigned long)val;
	else
		a.value = (__u64)(unsigned long)val;
	a.flags = flags;
	return sys_bpf(cmd, &a) ? errno : 0;
}

#define INSN(c, d, s, o, i) \
	((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })

/* BPF_PROG_ATTACH of @prog to cgroup @cg; 0, or -1 with a diagnostic. */
static int cg_attach(int cg, int prog, enum bpf_attach_type type,
		     const char *what)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.target_fd = cg;
	a.attach_bpf_fd = prog;
	a.attach_type = type;
	if (sys_bpf(BPF_PROG_ATTACH, &a)) {
		ktap_diag("attach %s: %s", what, inx_errname(errno));
		return -1;
	}
	return 0;
}

/* BPF_PROG_LOAD with the verifier's log shown when it refuses. */
static int load_prog(enum bpf_prog_type ptype, enum bpf_attach_type atype,
		     const struct bpf_insn *insns, unsigned int cnt,
		     const char *what)
{
	static char log[8192];
	union bpf_attr a;
	int fd;

	memset(&a, 0, sizeof(a));
	a.prog_type = ptype;
	a.expected_attach_type = atype;
	a.insns = (__u64)(unsigned long)insns;
	a.insn_cnt = cnt;
	a.license = (__u64)(unsigned long)"GPL";
	a.log_buf = (__u64)(unsigned long)log;
	a.log_size = sizeof(log);
	a.log_level = 1;
	fd = sys_bpf(BPF_PROG_LOAD, &a);
	if (fd < 0)
		ktap_diag("BPF_PROG_LOAD (%s): %s; log: %.600s", what,
			  inx_errname(errno), log);
	return fd;
}

/*
 * cgroup/sock_addr program: map[slot] = ctx->user_family; return 1.
 */
static int load_family_prog(int mapfd, int slot, enum bpf_attach_type type)
{
	struct bpf_insn prog[] = {
		INSN(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_6, BPF_REG_1, 0, 0),
		INSN(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_1, BPF_REG_6,
		     offsetof(struct bpf_sock_addr, user_family), 0),
		INSN(BPF_STX | BPF_MEM | BPF_W, BPF_REG_10, BPF_REG_1, -8, 0),
		INSN(BPF_ST | BPF_MEM | BPF_W, BPF_REG_10, 0, -4, slot),
		INSN(BPF_LD | BPF_DW | BPF_IMM, BPF_REG_1, BPF_PSEUDO_MAP_FD, 0, mapfd),
		INSN(0, 0, 0, 0, 0),
		INSN(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_2, BPF_REG_10, 0, 0),
		INSN(BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_2, 0, 0, -4),
		INSN(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_3, BPF_REG_10, 0, 0),
		INSN(BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_3, 0, 0, -8),
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_4, 0, 0, BPF_ANY),
		INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_update_elem),
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 1),
		INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};
	char what[32];

	snprintf(what, sizeof(what), "attach type %d", type);
	return load_prog(BPF_PROG_TYPE_CGROUP_SOCK_ADDR, type, prog,
			 sizeof(prog) / sizeof(prog[0]), what);
}

/* ---- case cgroup: cgroup/bind4 and cgroup/connect4 -------------------- */

#define CG_ROOT "/sys/fs/cgroup"

/*
 * A fresh cgroup v2 directory for this process's test child: its path in
 * @dir, its cgroup.procs in @procs. Returns an O_DIRECTORY fd (the
 * BPF_PROG_ATTACH target) or -1 after a diagnostic. The caller rmdir()s
 * @dir once the child is gone.
 */
static int cg_mkdir(char *dir, size_t dlen, char *procs, size_t plen)
{
	int cg;

	snprintf(dir, dlen, CG_ROOT "/inetx_coexist.%d", getpid());
	snprintf(procs, plen, "%s/cgroup.procs", dir);
	if (access(CG_ROOT "/cgroup.controllers", F_OK)) {
		ktap_diag("no cgroup2 at " CG_ROOT);
		return -1;
	}
	if (mkdir(dir, 0755) && errno != EEXIST) {
		ktap_diag("mkdir %s: %s", dir, inx_errname(errno));
		return -1;
	}
	cg = open(dir, O_RDONLY | O_DIRECTORY);
	if (cg < 0)
		ktap_diag("open %s: %s", dir, inx_errname(errno));
	return cg;
}

struct cg_res {
	int step_err[4];	/* errno of the bind/connect */
	unsigned int fam[4];	/* user_family the hook stored */
};

static int cg_child(int mapfd, struct cg_res *res, const char *procs)
{
	static const bool inetx[4] = { false, true, false, true };
	struct sockaddr_in sa;
	__u32 key, val;
	uint16_t port;
	int i, lfd, fd, r;

	if (write_str_file(procs, "0"))
		return 97;
	/* The listener is AF_INET: its own bind runs the hook too, first. */
	lfd = inx_listen(AF_INET, 8, &port);
	if (lfd < 0)
		return 96;
	for (i = 0; i < 4; i++) {
		bool is_connect = i >= 2;

		key = is_connect ? 0 : 1;
		val = 0xffffffff;
		map_op(BPF_MAP_UPDATE_ELEM, mapfd, &key, &val, BPF_ANY);
		fd = inx_socket(fam_of(inetx[i]));
		if (is_connect)
			r = connect(fd, (struct sockaddr *)&sa, cx_addr(&sa, inetx[i], port));
		else
			r = bind(fd, (struct sockaddr *)&sa, cx_addr(&sa, inetx[i], 0));
		res->step_err[i] = errno_of(r);
		map_op(BPF_MAP_LOOKUP_ELEM, mapfd, &key, &val, 0);
		res->fam[i] = val;
		inx_close_abort(fd);
		if (is_connect) {
			fd = inx_accept(lfd, NULL, NULL);
			if (fd >= 0)
				close(fd);
		}
	}
	close(lfd);
	return 0;
}

static int case_cgroup(void)
{
	static const char *const what[4] = {
		"bind4 hook, AF_INET bind", "bind4 hook, PF_INETX bind",
		"connect4 hook, AF_INET connect", "connect4 hook, PF_INETX connect",
	};
	char dir[128], procs[160];
	struct cg_res *res;
	int mapfd = -1, pc = -1, pb = -1, cg = -1, i, st = -1;
	bool setup = false;
	pid_t pid;

	ktap_start(5);
	ktap_watchdog(CX_SECS, "cgroup");
	probe_xfam();
	res = shared_page();
	cg = cg_mkdir(dir, sizeof(dir), procs, sizeof(procs));
	if (cg < 0)
		goto report;
	mapfd = map_create(BPF_MAP_TYPE_ARRAY, 4, 4, 2);
	if (cg < 0 || mapfd < 0) {
		ktap_diag("cgroup dir %d, array map: %s", cg, inx_errname(errno));
		goto report;
	}
	pc = load_family_prog(mapfd, 0, BPF_CGROUP_INET4_CONNECT);
	pb = load_family_prog(mapfd, 1, BPF_CGROUP_INET4_BIND);
	if (pc < 0 || pb < 0)
		goto report;
	if (cg_attach(cg, pc, BPF_CGROUP_INET4_CONNECT, "connect4") ||
	    cg_attach(cg, pb, BPF_CGROUP_INET4_BIND, "bind4"))
		goto report;
	setup = true;
	fflush(NULL);
	pid = fork();
	if (pid == 0)
		_exit(cg_child(mapfd, res, procs));
	st = inx_waitpid(pid, 60000);
report:
	ktap_test(setup && st == 0,
		  "cgroup v2 dir with BPF_CGROUP_INET4_BIND and _CONNECT programs, test child in it (child %d)",
		  st);
	for (i = 0; i < 4; i++) {
		bool ok = setup && st == 0 && res->step_err[i] == 0 && res->fam[i] == AF_INET;

		if (setup && st == 0 && res->fam[i] == 0xffffffff)
			ktap_diag("%s: the hook did not run", what[i]);
		ktap_test(ok, "%s: succeeds (%s), the hook sees user_family %d (want 2)",
			  what[i], setup ? inx_errname(res->step_err[i]) : "-",
			  setup ? (int)res->fam[i] : -1);
	}
	if (pc >= 0)
		close(pc);
	if (pb >= 0)
		close(pb);
	if (cg >= 0)
		close(cg);
	if (mapfd >= 0)
		close(mapfd);
	rmdir(dir);
	return ktap_finish();
}

/* ---- case probe: unsupported pairs create no socket -------------------- */

/*
 * cgroup/sock_create program (BPF_PROG_TYPE_CGROUP_SOCK, attach type
 * BPF_CGROUP_INET_SOCK_CREATE): map[0] += 1 (atomically); return 1, so
 * every creation is allowed and only counted. inet_create() runs it for
 * each user socket of the cgroup once the sock is initialized, and
 * inetx_create() runs it the same way for a PF_INETX socket.
 */
static int load_count_prog(int mapfd)
{
	struct bpf_insn prog[] = {
		INSN(BPF_ST | BPF_MEM | BPF_W, BPF_REG_10, 0, -4, 0),	/* key = 0 */
		INSN(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_2, BPF_REG_10, 0, 0),
		INSN(BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_2, 0, 0, -4),
		INSN(BPF_LD | BPF_DW | BPF_IMM, BPF_REG_1, BPF_PSEUDO_MAP_FD, 0, mapfd),
		INSN(0, 0, 0, 0, 0),
		INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem),
		INSN(BPF_JMP | BPF_JEQ | BPF_K, BPF_REG_0, 0, 2, 0),
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_1, 0, 0, 1),
		INSN(BPF_STX | BPF_ATOMIC | BPF_DW, BPF_REG_0, BPF_REG_1, 0, BPF_ADD),
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 1),
		INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};
	return load_prog(BPF_PROG_TYPE_CGROUP_SOCK, BPF_CGROUP_INET_SOCK_CREATE,
			 prog, sizeof(prog) / sizeof(prog[0]),
			 "cgroup/sock_create");
}

#define PING_RANGE "/proc/sys/net/ipv4/ping_group_range"

/* The pairs inetx refuses, with the errno the README's table gives. */
static const struct {
	int type, protocol, want;
	const char *name;
} probe_pairs[] = {
	{ SOCK_DGRAM, 0, ESOCKTNOSUPPORT, "SOCK_DGRAM/0" },
	{ SOCK_DGRAM, IPPROTO_ICMP, ESOCKTNOSUPPORT, "SOCK_DGRAM/IPPROTO_ICMP" },
	{ SOCK_STREAM, IPPROTO_MPTCP, EPROTONOSUPPORT, "SOCK_STREAM/IPPROTO_MPTCP" },
	{ SOCK_RAW, IPPROTO_TCP, ESOCKTNOSUPPORT, "SOCK_RAW/IPPROTO_TCP (root)" },
};
#define PROBE_N (int)(sizeof(probe_pairs) / sizeof(probe_pairs[0]))

/* Counter readings: [0] before anything, [1] after the AF_INET control,
 * [2 + i] after pair i, [2 + PROBE_N] after the supported PF_INETX socket. */
struct probe_res {
	int setup;			/* 0, or errno of joining the cgroup */
	int ctl_err, ok_err;		/* errno of the AF_INET / PF_INETX creations */
	int err[PROBE_N];		/* errno of each unsupported pair (0: it worked) */
	int lookup_err;			/* first failing map lookup, 0 if none */
	__u64 cnt[PROBE_N + 3];
};

static __u64 probe_count(int mapfd, struct probe_res *res)
{
	__u32 key = 0;
	__u64 v = ~0ULL;
	int e = map_op(BPF_MAP_LOOKUP_ELEM, mapfd, &key, &v, 0);

	if (e && !res->lookup_err)
		res->lookup_err = e;
	return v;
}

static int probe_child(int mapfd, struct probe_res *res, const char *procs)
{
	int i, fd;

	res->setup = write_str_file(procs, "0");
	if (res->setup)
		return 97;
	/* From here on this process is the cgroup's only member. */
	res->cnt[0] = probe_count(mapfd, res);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	res->ctl_err = fd < 0 ? errno : 0;
	if (fd >= 0)
		close(fd);
	res->cnt[1] = probe_count(mapfd, res);
	for (i = 0; i < PROBE_N; i++) {
		fd = socket(inx_family(), probe_pairs[i].type, probe_pairs[i].protocol);
		res->err[i] = fd < 0 ? errno : 0;
		if (fd >= 0)
			close(fd);
		res->cnt[2 + i] = probe_count(mapfd, res);
	}
	fd = socket(inx_family(), SOCK_STREAM, 0);
	res->ok_err = fd < 0 ? errno : 0;
	if (fd >= 0)
		close(fd);
	res->cnt[2 + PROBE_N] = probe_count(mapfd, res);
	return 0;
}

static int case_probe(void)
{
	char dir[128] = "", procs[160], range[64] = "";
	struct probe_res *res;
	int mapfd = -1, prog = -1, cg = -1, i, st = -1, w = -1;
	__u64 before;
	bool setup = false, ran;
	pid_t pid;
	FILE *fp;

	ktap_start(3 + 2 * PROBE_N);
	ktap_watchdog(CX_SECS, "probe");
	res = shared_page();
	memset(res, 0, sizeof(*res));
	/*
	 * AF_INET's ping socket refuses root (gid 0) under the default
	 * ping_group_range "1 0" in ping_init_sock(), before the cgroup hook;
	 * let gid 0 in, so that an AF_INET SOCK_DGRAM/IPPROTO_ICMP socket
	 * created behind inetx's back would be counted too.
	 */
	fp = fopen(PING_RANGE, "r");
	if (fp) {
		if (!fgets(range, sizeof(range), fp))
			range[0] = 0;
		fclose(fp);
	}
	if (range[0])
		w = write_str_file(PING_RANGE, "0 0");
	ktap_diag("ping_group_range was \"%.*s\", set to \"0 0\" (%s); net.mptcp.enabled %d",
		  (int)strcspn(range, "\n"), range, inx_errname(w),
		  inx_read_int("/proc/sys/net/mptcp/enabled"));

	cg = cg_mkdir(dir, sizeof(dir), procs, sizeof(procs));
	if (cg < 0)
		goto report;
	mapfd = map_create(BPF_MAP_TYPE_ARRAY, 4, 8, 1);
	if (mapfd < 0) {
		ktap_diag("array map: %s", inx_errname(errno));
		goto report;
	}
	prog = load_count_prog(mapfd);
	if (prog < 0)
		goto report;
	if (cg_attach(cg, prog, BPF_CGROUP_INET_SOCK_CREATE, "sock_create"))
		goto report;
	setup = true;
	fflush(NULL);
	pid = fork();
	if (pid == 0)
		_exit(probe_child(mapfd, res, procs));
	st = inx_waitpid(pid, 60000);
report:
	ran = setup && st == 0 && !res->lookup_err;
	if (setup && (st || res->setup || res->lookup_err))
		ktap_diag("child: exit %d, joining the cgroup %s, map lookup %s", st,
			  inx_errname(res->setup), inx_errname(res->lookup_err));
	/* 1: the control. Nothing else runs in the cgroup: exactly 0 -> 1. */
	ktap_test(ran && res->ctl_err == 0 && res->cnt[0] == 0 && res->cnt[1] == 1,
		  "control: socket(AF_INET, SOCK_DGRAM, 0) in the cgroup (%s) runs the cgroup/sock_create program: counter %lld -> %lld (want 0 -> 1)",
		  inx_errname(res->ctl_err), ran ? (long long)res->cnt[0] : -1LL,
		  ran ? (long long)res->cnt[1] : -1LL);
	for (i = 0; i < PROBE_N; i++) {
		before = res->cnt[1 + i];
		ktap_test(ran && res->err[i] == probe_pairs[i].want,
			  "socket(PF_INETX, %s) fails with %s (got %s)", probe_pairs[i].name,
			  inx_errname(probe_pairs[i].want), ran ? inx_errname(res->err[i]) : "-");
		ktap_test(ran && res->cnt[2 + i] == before,
			  "socket(PF_INETX, %s) creates no socket: counter %lld -> %lld (want unchanged)",
			  probe_pairs[i].name, ran ? (long long)before : -1LL,
			  ran ? (long long)res->cnt[2 + i] : -1LL);
	}
	/*
	 * A supported PF_INETX socket is created by inetx_create() alone:
	 * like inet_create() it runs BPF_CGROUP_RUN_PROG_INET_SOCK() itself
	 * (user sockets only) once sk_prot->init is done, so the program sees
	 * this one socket exactly once: +1, no more (no AF_INET socket behind
	 * it), no less (inetx sockets are not hidden from cgroup BPF).
	 */
	before = res->cnt[1 + PROBE_N];
	ktap_test(ran && res->ok_err == 0 && res->cnt[2 + PROBE_N] == before + 1,
		  "socket(PF_INETX, SOCK_STREAM, 0) (%s) runs the program once, from inetx_create(): counter %lld -> %lld (want +1)",
		  ran ? inx_errname(res->ok_err) : "-", ran ? (long long)before : -1LL,
		  ran ? (long long)res->cnt[2 + PROBE_N] : -1LL);
	ktap_test(ran && res->cnt[2 + PROBE_N] == 2,
		  "the cgroup/sock_create program ran exactly twice in all: the AF_INET control and the PF_INETX socket (%lld)",
		  ran ? (long long)res->cnt[2 + PROBE_N] : -1LL);
	if (range[0] && !w)
		write_str_file(PING_RANGE, range);
	if (prog >= 0)
		close(prog);
	if (cg >= 0)
		close(cg);
	if (mapfd >= 0)
		close(mapfd);
	rmdir(dir);
	return ktap_finish();
}

/* ---- case landlock ----------------------------------------------------- */

#ifndef __NR_landlock_create_ruleset
#define __NR_landlock_create_ruleset 444
#define __NR_landlock_add_rule 445
#define __NR_landlock_restrict_self 446
#endif
#define LL_CREATE_RULESET_VERSION	(1U << 0)
#define LL_RULE_NET_PORT		2
#define LL_NET_BIND_TCP			(1ULL << 0)
#define LL_NET_CONNECT_TCP		(1ULL << 1)

struct ll_ruleset_attr {
	__u64 handled_access_fs;
	__u64 handled_access_net;
};

struct ll_net_port_attr {
	__u64 allowed_access;
	__u64 port;
} __attribute__((packed));

struct ll_res {
	int setup;		/* 0 or errno of the ruleset steps */
	int err[2][4];		/* [inetx][bind ok, bind denied, conn ok, conn denied] */
};

static int ll_child(struct ll_res *res, uint16_t pa, uint16_t pd)
{
	struct ll_ruleset_attr ra = {
		.handled_access_net = LL_NET_BIND_TCP | LL_NET_CONNECT_TCP,
	};
	struct ll_net_port_attr pr = {
		.allowed_access = LL_NET_BIND_TCP | LL_NET_CONNECT_TCP,
		.port = pa,
	};
	struct sockaddr_in sa;
	int rs, k, fd, lfd, afd;

	rs = syscall(__NR_landlock_create_ruleset, &ra, sizeof(ra), 0);
	if (rs < 0 ||
	    syscall(__NR_landlock_add_rule, rs, LL_RULE_NET_PORT, &pr, 0) ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    syscall(__NR_landlock_restrict_self, rs, 0)) {
		res->setup = errno;
		return 1;
	}
	res->setup = 0;
	for (k = 0; k < 2; k++) {
		bool x = k;

		fd = inx_socket(fam_of(x));
		res->err[k][0] = errno_of(bind(fd, (struct sockaddr *)&sa, cx_addr(&sa, x, pa)));
		close(fd);
		fd = inx_socket(fam_of(x));
		res->err[k][1] = errno_of(bind(fd, (struct sockaddr *)&sa, cx_addr(&sa, x, pd)));
		close(fd);
	}
	/* The allowed port gets an AF_INET listener (bind allowed) for connect. */
	lfd = inx_socket(AF_INET);
	if (bind(lfd, (struct sockaddr *)&sa, cx_addr(&sa, false, pa)) || listen(lfd, 4)) {
		res->setup = errno;
		return 1;
	}
	for (k = 0; k < 2; k++) {
		bool x = k;

		fd = inx_socket(fam_of(x));
		res->err[k][2] = errno_of(connect(fd, (struct sockaddr *)&sa, cx_addr(&sa, x, pa)));
		afd = res->err[k][2] ? -1 : inx_accept(lfd, NULL, NULL);
		inx_close_abort(fd);
		if (afd >= 0)
			close(afd);
		fd = inx_socket(fam_of(x));
		res->err[k][3] = errno_of(connect(fd, (struct sockaddr *)&sa, cx_addr(&sa, x, pd)));
		inx_close_abort(fd);
	}
	close(lfd);
	return 0;
}

static bool lsm_active(const char *name, char *list, size_t len)
{
	FILE *f = fopen("/sys/kernel/security/lsm", "r");
	char *tok, *save;
	bool found = false;

	list[0] = 0;
	if (!f)
		return false;
	if (!fgets(list, len, f))
		list[0] = 0;
	fclose(f);
	list[strcspn(list, "\n")] = 0;
	{
		char copy[256];

		snprintf(copy, sizeof(copy), "%s", list);
		for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
			if (!strcmp(tok, name))
				found = true;
	}
	return found;
}

static int case_landlock(void)
{
	static const char *const what[4] = {
		"bind to the allowed port", "bind to a denied port",
		"connect to the allowed port", "connect to a denied port",
	};
	static const int want[4] = { 0, EACCES, 0, EACCES };
	char lsm[256], reason[128];
	struct ll_res *res;
	int abi, i, st, fd;
	uint16_t pa = 0, pd = 0;
	pid_t pid;

	ktap_start(4);
	ktap_watchdog(CX_SECS, "landlock");
	abi = syscall(__NR_landlock_create_ruleset, NULL, 0, LL_CREATE_RULESET_VERSION);
	if (!lsm_active("landlock", lsm, sizeof(lsm))) {
		snprintf(reason, sizeof(reason), "Landlock not active (lsm: %.80s)",
			 lsm[0] ? lsm : "unreadable");
		goto skip;
	}
	if (abi < 4) {
		snprintf(reason, sizeof(reason),
			 "Landlock ABI %d < 4: no TCP port rules on this kernel",
			 abi < 0 ? -errno : abi);
		goto skip;
	}
	ktap_diag("Landlock ABI %d, lsm %s", abi, lsm);
	probe_xfam();
	/* Two free ports: bound briefly, never connected, so no TIME_WAIT. */
	fd = inx_socket(AF_INET);
	inx_bind_any(fd, AF_INET, &pa);
	i = inx_socket(AF_INET);
	inx_bind_any(i, AF_INET, &pd);
	close(fd);
	close(i);
	res = shared_page();
	fflush(NULL);
	pid = fork();
	if (pid == 0)
		_exit(ll_child(res, pa, pd));
	st = inx_waitpid(pid, 60000);
	if (st || res->setup)
		ktap_diag("landlock child: exit %d, setup %s", st, inx_errname(res->setup));
	for (i = 0; i < 4; i++)
		ktap_test(!st && !res->setup && res->err[0][i] == want[i] &&
			  res->err[1][i] == res->err[0][i],
			  "Landlock %s: AF_INET %s, PF_INETX %s (want %s for both)",
			  what[i], inx_errname(res->err[0][i]),
			  inx_errname(res->err[1][i]), inx_errname(want[i]));
	return ktap_finish();
skip:
	for (i = 0; i < 4; i++)
		ktap_skip(reason, "Landlock %s: PF_INETX as AF_INET", what[i]);
	return ktap_finish();
}

/* ---- case selinux ------------------------------------------------------ */

struct sel_res {
	int err[2][5];	/* [inetx] socket, bind, listen+connect, accept, data */
};

static int sel_child(struct sel_res *res)
{
	int k;

	for (k = 0; k < 2; k++) {
		bool x = k;
		struct sockaddr_in sa, peer;
		socklen_t pl = sizeof(peer);
		int lfd, cfd = -1, afd = -1;
		uint16_t port = 0;

		lfd = inx_socket(fam_of(x));
		res->err[k][0] = lfd < 0 ? errno : 0;
		res->err[k][1] = errno_of(bind(lfd, (struct sockaddr *)&sa, cx_addr(&sa, x, 0)));
		if (!res->err[k][1]) {
			port = inx_local_port(lfd);
			listen(lfd, 4);
			cfd = inx_socket(fam_of(x));
			res->err[k][2] = errno_of(connect(cfd, (struct sockaddr *)&sa,
							  cx_addr(&sa, x, port)));
			afd = inx_accept(lfd, &peer, &pl);
			res->err[k][3] = afd < 0 ? errno : 0;
			res->err[k][4] = afd >= 0 && cx_exchange(cfd, afd, 64) ? 0 : EIO;
		}
		inx_close_abort(cfd);
		if (afd >= 0)
			close(afd);
		if (lfd >= 0)
			close(lfd);
	}
	return 0;
}

static int case_selinux(void)
{
	static const char *const who[2] = { "root", "nobody" };
	char lsm[256], reason[300];
	struct sel_res *res;
	int u, k, st;
	bool same;
	pid_t pid;

	ktap_start(2);
	ktap_watchdog(CX_SECS, "selinux");
	if (!lsm_active("selinux", lsm, sizeof(lsm))) {
		snprintf(reason, sizeof(reason),
			 "SELinux not active (lsm: %.80s; boot with security=selinux selinux=1)",
			 lsm[0] ? lsm : "unreadable");
		for (u = 0; u < 2; u++)
			ktap_skip(reason, "SELinux: PF_INETX bind/connect/accept as AF_INET (%s)",
				  who[u]);
		return ktap_finish();
	}
	ktap_diag("lsm: %s; SELinux enforce: %d (no policy loaded)", lsm,
		  inx_read_int("/sys/fs/selinux/enforce"));
	probe_xfam();
	for (u = 0; u < 2; u++) {
		res = shared_page();
		fflush(NULL);
		pid = fork();
		if (pid == 0) {
			if (u)
				drop_to_nobody();
			_exit(sel_child(res));
		}
		st = inx_waitpid(pid, 60000);
		same = st == 0;
		for (k = 0; k < 5; k++) {
			same = same && res->err[0][k] == 0 && res->err[1][k] == 0;
			ktap_diag("%s step %d: AF_INET %s, PF_INETX %s", who[u], k,
				  inx_errname(res->err[0][k]), inx_errname(res->err[1][k]));
		}
		ktap_test(same, "SELinux: PF_INETX socket/bind/listen/connect/accept/data as AF_INET (%s)",
			  who[u]);
		munmap(res, 4096);
	}
	return ktap_finish();
}

/* ---- case sockmap: (c) ------------------------------------------------- */

static bool sockmap_one(enum bpf_map_type type, const char *name, bool *all_inet_ok)
{
	int map = map_create(type, 4, 8, 8), lx = -1, ex_c = -1, ex_s = -1, la = -1,
	    ea_c = -1, ea_s = -1, e1, e2, l1, l2, a1, a2, d1, d2, k;
	__u64 v, cookie;
	__u32 key, next;
	uint16_t port;
	bool ok_x;

	*all_inet_ok = false;
	if (map < 0) {
		ktap_diag("%s create: %s", name, inx_errname(errno));
		return false;
	}
	lx = cx_listen(true, &port, false, 0);
	cx_pair(true, true, &ex_c, &ex_s);
	la = cx_listen(false, &port, false, 0);
	cx_pair(false, false, &ea_c, &ea_s);
	if (lx < 0 || ex_c < 0 || la < 0 || ea_c < 0) {
		ktap_diag("%s: sockets: %d %d %d %d", name, lx, ex_c, la, ea_c);
		goto out;
	}
	key = 0; v = lx;
	e1 = map_op(BPF_MAP_UPDATE_ELEM, map, &key, &v, BPF_ANY);
	l1 = map_op(BPF_MAP_LOOKUP_ELEM, map, &key, &cookie, 0);
	key = 1; v = ex_c;
	e2 = map_op(BPF_MAP_UPDATE_ELEM, map, &key, &v, BPF_ANY);
	l2 = map_op(BPF_MAP_LOOKUP_ELEM, map, &key, &cookie, 0);
	ok_x = e1 == EOPNOTSUPP && e2 == EOPNOTSUPP && l1 == ENOENT && l2 == ENOENT;
	ktap_test(ok_x,
		  "%s: inetx listener %s, established inetx %s (want EOPNOTSUPP); lookups %s, %s (want ENOENT)",
		  name, inx_errname(e1), inx_errname(e2), inx_errname(l1), inx_errname(l2));

	key = 2; v = la;
	a1 = map_op(BPF_MAP_UPDATE_ELEM, map, &key, &v, BPF_ANY);
	l1 = map_op(BPF_MAP_LOOKUP_ELEM, map, &key, &cookie, 0);
	key = 3; v = ea_s;
	a2 = map_op(BPF_MAP_UPDATE_ELEM, map, &key, &v, BPF_ANY);
	l2 = map_op(BPF_MAP_LOOKUP_ELEM, map, &key, &cookie, 0);
	*all_inet_ok = !a1 && !a2 && !l1 && !l2 && cx_exchange(ea_c, ea_s, 128);
	ktap_test(*all_inet_ok,
		  "%s: AF_INET listener %s, established AF_INET %s (want 0); lookups %s, %s; the pair still exchanges data",
		  name, inx_errname(a1), inx_errname(a2), inx_errname(l1), inx_errname(l2));

	for (k = 0; k < 4; k++) {
		key = k;
		map_op(BPF_MAP_DELETE_ELEM, map, &key, NULL, 0);
	}
	key = 2;
	d1 = map_op(BPF_MAP_LOOKUP_ELEM, map, &key, &cookie, 0);
	key = 3;
	d2 = map_op(BPF_MAP_LOOKUP_ELEM, map, &key, &cookie, 0);
	key = 0;
	/* A SOCKHASH with nothing in it has no first key either. */
	k = type == BPF_MAP_TYPE_SOCKHASH ? map_op(BPF_MAP_GET_NEXT_KEY, map, NULL, &next, 0) : ENOENT;
	ktap_test(d1 == ENOENT && d2 == ENOENT && k == ENOENT && cx_exchange(ea_c, ea_s, 64),
		  "%s: after delete the map is empty (%s, %s, next key %s) and the AF_INET pair works",
		  name, inx_errname(d1), inx_errname(d2), inx_errname(k));
out:
	inx_close_abort(ex_c);
	inx_close_abort(ex_s);
	inx_close_abort(ea_c);
	inx_close_abort(ea_s);
	if (lx >= 0)
		close(lx);
	if (la >= 0)
		close(la);
	close(map);
	return true;
}

static int case_sockmap(void)
{
	int c, s, r;
	bool ok;

	ktap_start(9);
	ktap_watchdog(CX_SECS, "sockmap");
	klog_start("sockmap");
	probe_xfam();
	if (!sockmap_one(BPF_MAP_TYPE_SOCKMAP, "SOCKMAP", &ok))
		for (r = 0; r < 3; r++)
			ktap_test(false, "SOCKMAP: setup failed");
	if (!sockmap_one(BPF_MAP_TYPE_SOCKHASH, "SOCKHASH", &ok))
		for (r = 0; r < 3; r++)
			ktap_test(false, "SOCKHASH: setup failed");
	r = cx_rmmod(30000);
	ktap_test(!r && !module_loaded("inetx"), "rmmod inetx after the map tests (%s)",
		  inx_errname(r));
	ok = !cx_pair(false, false, &c, &s) && cx_exchange(c, s, 200);
	if (c >= 0)
		close(c);	/* AF_INET client closes first: TIME_WAIT is TCP's own */
	if (s >= 0)
		close(s);
	ktap_test(ok, "system TCP works after rmmod inetx");
	ktap_test(klog_clean(), "kernel log: no WARNING/BUG/Oops during the sockmap case");
	return ktap_finish();
}

/* ---- case reuseport: (e) ----------------------------------------------- */

#define MIG_N 4

/*
 * Listener @first (kind first_inetx) gets MIG_N children from AF_INET
 * clients; then @second (the other kind) joins the group on the same
 * port; @first closes. Returns the accepted children in @kids.
 */
static bool migrate(bool first_inetx, int *kids, int *clients, int *second_fd,
		    char *why, size_t wlen)
{
	uint16_t port, p2;
	int lf, ls, i, n = 0, f1, f2;

	for (i = 0; i < MIG_N; i++)
		kids[i] = clients[i] = -1;
	*second_fd = -1;
	lf = cx_listen(first_inetx, &port, true, 0);
	if (lf < 0) {
		snprintf(why, wlen, "%s listener: %s", kind(first_inetx), inx_errname(errno));
		return false;
	}
	for (i = 0; i < MIG_N; i++)
		clients[i] = cx_connect(false, port);
	if (!wait_backlog(lf, MIG_N)) {
		snprintf(why, wlen, "%s listener accept queue %d, want %d",
			 kind(first_inetx), listen_backlog(lf), MIG_N);
		close(lf);
		return false;
	}
	ls = cx_listen(!first_inetx, &p2, true, port);
	if (ls < 0 || p2 != port) {
		snprintf(why, wlen, "%s listener on the same port with SO_REUSEPORT: %s",
			 kind(!first_inetx), inx_errname(errno));
		close(lf);
		return false;
	}
	*second_fd = ls;
	f1 = sa_family_of(lf, false);
	f2 = sa_family_of(ls, false);
	ktap_diag("%s listener (getsockname family %d) and %s listener (family %d) on port %u",
		  kind(first_inetx), f1, kind(!first_inetx), f2, port);
	close(lf);	/* tcp_migrate_req: its children move to @ls */
	for (i = 0; i < MIG_N; i++) {
		kids[i] = inx_accept(ls, NULL, NULL);
		n += kids[i] >= 0;
	}
	if (n != MIG_N) {
		snprintf(why, wlen, "%d of %d children accepted from the %s listener after closing the %s one",
			 n, MIG_N, kind(!first_inetx), kind(first_inetx));
		return false;
	}
	for (i = 0; i < MIG_N; i++)
		if (!cx_exchange(clients[i], kids[i], 32)) {
			snprintf(why, wlen, "migrated child %d: no data", i);
			return false;
		}
	return true;
}

static void close_all(int *fds, int n, int keep)
{
	int i;

	for (i = 0; i < n; i++)
		if (i != keep && fds[i] >= 0) {
			inx_close_abort(fds[i]);
			fds[i] = -1;
		}
}

static int case_reuseport(void)
{
	int kids[MIG_N], clients[MIG_N], ls, r, refs0, refs, u, up, c, s, f;
	char why[200] = "", old[16] = "";
	bool ok;
	FILE *fp;

	ktap_start(10);
	ktap_watchdog(CX_SECS, "reuseport");
	klog_start("reuseport");
	probe_xfam();
	load_tls();
	fp = fopen("/proc/sys/net/ipv4/tcp_migrate_req", "r");
	if (fp) {
		if (!fgets(old, sizeof(old), fp))
			old[0] = 0;
		fclose(fp);
	}
	r = write_str_file("/proc/sys/net/ipv4/tcp_migrate_req", "1");
	ktap_diag("net.ipv4.tcp_migrate_req=1 (%s; was %.1s)", inx_errname(r), old);
	refs0 = wait_refs(0, 5000);

	/* 1: inetx first; its children migrate into the AF_INET listener. */
	ok = migrate(true, kids, clients, &ls, why, sizeof(why));
	if (!ok)
		ktap_diag("%s", why);
	ktap_test(ok && ls >= 0,
		  "SO_REUSEPORT: an AF_INET listener joins the inetx listener's port; closing the inetx one migrates its %d children to it",
		  MIG_N);
	u = kids[0] >= 0 ? set_ulp(kids[0], "tls") : -1;
	ktap_test(u == EOPNOTSUPP,
		  "child migrated from the inetx listener (accepted via AF_INET) refuses TCP_ULP \"tls\": %s",
		  inx_errname(u));
	close_all(kids, MIG_N, 0);
	close_all(clients, MIG_N, -1);
	if (ls >= 0)
		close(ls);
	/* What is left of inetx: that one child (one reference, sk_prot). */
	refs = wait_refs(refs0 + 1, 5000);
	r = kids[0] >= 0 ? (syscall(__NR_delete_module, "inetx", O_NONBLOCK) ? errno : 0) : -1;
	ktap_test(kids[0] >= 0 && refs > refs0 && (r == EWOULDBLOCK || r == EBUSY),
		  "it holds an inetx reference: refcnt %d (was %d), rmmod refused (%s)",
		  refs, refs0, inx_errname(r));
	if (kids[0] >= 0)
		inx_close_abort(kids[0]);
	r = r == 0 ? 0 : cx_rmmod(30000);
	ktap_test(!r && !module_loaded("inetx"),
		  "after the child is closed rmmod inetx succeeds (%s)", inx_errname(r));
	r = cx_insmod();
	ktap_test(!r && inx_available(), "insmod %s again (%s)", ko_path ? ko_path : "(no KO)",
		  inx_errname(r));

	/* 2: AF_INET first; its children migrate into the inetx listener. */
	ok = !r && migrate(false, kids, clients, &ls, why, sizeof(why));
	if (!ok)
		ktap_diag("%s", why);
	ktap_test(ok, "SO_REUSEPORT: an inetx listener joins the AF_INET listener's port; closing the AF_INET one migrates its %d children to it",
		  MIG_N);
	f = kids[0] >= 0 ? sa_family_of(kids[0], false) : -1;
	ktap_test(f == AF_INET, "child migrated from the AF_INET listener, accepted via inetx: getsockname AF_INET (%d)",
		  f);
	u = kids[0] >= 0 ? set_ulp(kids[0], "tls") : -1;
	up = -1;
	if (!cx_pair(false, false, &c, &s)) {
		up = set_ulp(s, "tls");
		inx_close_abort(c);
		inx_close_abort(s);
	}
	ktap_test(kids[0] >= 0 && u != EOPNOTSUPP && u == up,
		  "it is a plain AF_INET socket: TCP_ULP \"tls\" %s, as on an accepted AF_INET socket (%s)",
		  inx_errname(u), inx_errname(up));
	close_all(kids, MIG_N, -1);
	close_all(clients, MIG_N, -1);
	if (ls >= 0)
		close(ls);
	refs = wait_refs(refs0, 5000);
	ktap_test(refs == refs0, "inetx refcnt back to %d after closing everything (%d)", refs0, refs);
	if (old[0])
		write_str_file("/proc/sys/net/ipv4/tcp_migrate_req", old);
	ktap_test(klog_clean(), "kernel log: no WARNING/BUG/Oops during the reuseport case");
	return ktap_finish();
}

/* ---- case ktls: (b) and 1 --------------------------------------------- */

static void tls_info(struct tls12_crypto_info_aes_gcm_128 *ci)
{
	memset(ci, 0, sizeof(*ci));
	ci->info.version = TLS_1_2_VERSION;
	ci->info.cipher_type = TLS_CIPHER_AES_GCM_128;
	memset(ci->key, 0x4b, sizeof(ci->key));
	memset(ci->iv, 0x17, sizeof(ci->iv));
	memset(ci->salt, 0x5a, sizeof(ci->salt));
}

static int ktls_setup(int fd)
{
	struct tls12_crypto_info_aes_gcm_128 ci;
	int r;

	tls_info(&ci);
	r = set_ulp(fd, "tls");
	if (r)
		return r;
	if (setsockopt(fd, SOL_TLS, TLS_TX, &ci, sizeof(ci)))
		return errno;
	if (setsockopt(fd, SOL_TLS, TLS_RX, &ci, sizeof(ci)))
		return errno;
	return 0;
}

struct ulp_res {
	int setup;		/* errno of the child's own setup */
	int fresh, listening, connected;
	int getlen;		/* getsockopt(TCP_ULP) length on the connected one */
	int tls_refs;		/* /sys/module/tls/refcnt with the sockets open */
	int inetx_refs;
};

static int ulp_child(struct ulp_res *res)
{
	int f, l, la, c, a;
	uint16_t port, lport;

	drop_to_nobody();
	f = inx_socket(inx_family());
	l = cx_listen(true, &lport, false, 0);
	la = inx_listen(AF_INET, 4, &port);
	c = la >= 0 ? cx_connect(true, port) : -1;
	a = c >= 0 ? inx_accept(la, NULL, NULL) : -1;
	if (f < 0 || l < 0 || a < 0) {
		res->setup = errno ? errno : EIO;
		return 1;
	}
	res->setup = 0;
	res->fresh = set_ulp(f, "tls");
	res->listening = set_ulp(l, "tls");
	res->connected = set_ulp(c, "tls");
	res->getlen = get_ulp_len(c);
	res->tls_refs = inx_read_int("/sys/module/tls/refcnt");
	res->inetx_refs = inx_module_refs();
	close(f);
	close(l);
	inx_close_abort(c);
	close(a);
	close(la);
	return 0;
}

static int case_ktls(void)
{
	static const char *const no_tls = "no kTLS in this kernel (CONFIG_TLS is not set)";
	struct ulp_res *res;
	int c = -1, s = -1, e1 = -1, e2 = -1, tls0, inx0, st, fc, fs, r, n;
	bool pair = false, ok, have_tls;
	char buf[8];
	pid_t pid;

	ktap_start(10);
	ktap_watchdog(CX_SECS, "ktls");
	klog_start("ktls");
	probe_xfam();
	load_tls();
	have_tls = tls_kind != TLS_NOT_CONFIGURED;

	if (have_tls && !cx_pair(false, false, &c, &s)) {
		e1 = ktls_setup(c);
		e2 = ktls_setup(s);
		pair = !e1 && !e2 && cx_exchange(c, s, 200);
	}
	if (have_tls)
		ktap_test(pair, "AF_INET kTLS pair (TLS 1.2 AES-GCM-128, TX+RX) exchanges data (setup %s, %s)",
			  inx_errname(e1 < 0 ? 0 : e1), inx_errname(e2 < 0 ? 0 : e2));
	else
		ktap_skip(no_tls, "AF_INET kTLS pair (TLS 1.2 AES-GCM-128, TX+RX) exchanges data");
	tls0 = inx_read_int("/sys/module/tls/refcnt");
	inx0 = inx_module_refs();

	res = shared_page();
	fflush(NULL);
	pid = fork();
	if (pid == 0)
		_exit(ulp_child(res));
	st = inx_waitpid(pid, 60000);
	if (st || res->setup)
		ktap_diag("unprivileged child: exit %d, setup %s", st, inx_errname(res->setup));
	ok = !st && !res->setup;
	ktap_test(ok && res->fresh == EOPNOTSUPP,
		  "nobody: TCP_ULP \"tls\" on a fresh PF_INETX socket: %s (want EOPNOTSUPP)",
		  inx_errname(res->fresh));
	ktap_test(ok && res->listening == EOPNOTSUPP,
		  "nobody: TCP_ULP \"tls\" on a listening PF_INETX socket: %s (want EOPNOTSUPP)",
		  inx_errname(res->listening));
	ktap_test(ok && res->connected == EOPNOTSUPP && res->getlen == 0,
		  "nobody: TCP_ULP \"tls\" on a connected PF_INETX socket: %s (want EOPNOTSUPP); getsockopt(TCP_ULP) length %d (want 0)",
		  inx_errname(res->connected), res->getlen);
	/* A built-in tls has no module refcount to compare. */
	if (tls_kind == TLS_BUILTIN || !have_tls)
		ktap_skip(have_tls ? "built in" : no_tls,
			  "tls module refcount unchanged by TCP_ULP on inetx sockets");
	else
		ktap_test(ok && tls_kind == TLS_MODULE && tls0 >= 0 && res->tls_refs == tls0 &&
			  inx_read_int("/sys/module/tls/refcnt") == tls0,
			  "tls module refcount unchanged by TCP_ULP on inetx sockets: %d with them open, %d after (was %d)",
			  res->tls_refs, inx_read_int("/sys/module/tls/refcnt"), tls0);
	n = wait_refs(inx0, 5000);
	ktap_test(ok && res->inetx_refs > inx0 && n == inx0,
		  "inetx refcount: %d with the unprivileged child's sockets open, %d after they closed (was %d)",
		  res->inetx_refs, n, inx0);

	fc = pair ? sa_family_of(c, false) : -1;
	fs = pair ? sa_family_of(s, false) : -1;
	if (have_tls)
		ktap_test(pair && fc == AF_INET && fs == AF_INET && cx_exchange(c, s, 150),
			  "the kTLS pair still reports AF_INET (%d, %d) and exchanges data", fc, fs);
	else
		ktap_skip(no_tls, "the kTLS pair still reports AF_INET and exchanges data");

	r = cx_rmmod(30000);
	ktap_test(!r && !module_loaded("inetx"), "rmmod inetx with the kTLS pair open (%s)",
		  inx_errname(r));
	ok = pair && cx_exchange(c, s, 180);
	if (c >= 0)
		close(c);
	n = s >= 0 && inx_poll1(s, POLLIN, INX_TIMEOUT_MS) > 0 ? recv(s, buf, sizeof(buf), 0) : -2;
	if (s >= 0)
		close(s);
	if (have_tls)
		ktap_test(ok && n == 0,
			  "after rmmod inetx the kTLS pair exchanges data and closes cleanly (peer reads EOF: %d)",
			  n);
	else
		ktap_skip(no_tls, "after rmmod inetx the kTLS pair exchanges data and closes cleanly");
	ktap_test(klog_clean(), "kernel log: no WARNING/BUG/Oops during the kTLS case");
	return ktap_finish();
}

/* ---- main -------------------------------------------------------------- */

static const struct {
	const char *name;
	int (*fn)(void);
} cases[] = {
	{ "addr", case_addr },
	{ "restrict", case_restrict },
	{ "md5", case_md5 },
	{ "cgroup", case_cgroup },
	{ "probe", case_probe },
	{ "landlock", case_landlock },
	{ "selinux", case_selinux },
	{ "sockmap", case_sockmap },
	{ "reuseport", case_reuseport },
	{ "ktls", case_ktls },
};

int main(int argc, char **argv)
{
	size_t i;
	int fd;

	if (argc >= 3)
		ko_path = argv[2];
	for (i = 0; argc >= 2 && i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (strcmp(argv[1], cases[i].name))
			continue;
		if (geteuid() != 0) {
			ktap_start(1);
			ktap_skip("needs root", "%s", argv[1]);
			return ktap_finish();
		}
		xfam = AF_INET;
		fd = socket(inx_family(), SOCK_STREAM, 0);
		if (fd < 0) {
			ktap_start(1);
			ktap_test(false, "%s: socket(%d, SOCK_STREAM, 0): %s (module %s)",
				  argv[1], inx_family(), inx_errname(errno),
				  module_loaded("inetx") ? "loaded" : "not loaded");
			return ktap_finish();
		}
		close(fd);
		return cases[i].fn();
	}
	fprintf(stderr, "usage: %s CASE [KO]; CASE is one of:", argv[0]);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		fprintf(stderr, " %s", cases[i].name);
	fputc('\n', stderr);
	return 2;
}
