// SPDX-License-Identifier: GPL-2.0
/*
 * inetx_create: family registration and the socket() errno matrix.
 *
 * Every (type, protocol) pair is created with AF_INET and with inetx.
 * The expected inetx outcome:
 *   - generic argument errors (bad flags, type >= SOCK_MAX, protocol < 0
 *     or >= IPPROTO_MAX) give EINVAL, exactly as AF_INET;
 *   - SOCK_STREAM with protocol 0 or IPPROTO_TCP succeeds, and the socket
 *     looks like AF_INET's (SO_TYPE, SO_PROTOCOL, O_NONBLOCK, FD_CLOEXEC);
 *   - SOCK_STREAM with any other protocol fails with AF_INET's errno, or
 *     EPROTONOSUPPORT where AF_INET succeeds (MPTCP; SCTP once sctp.ko is
 *     loaded): documented difference;
 *   - any other type fails with ESOCKTNOSUPPORT (documented difference
 *     where AF_INET succeeds: SOCK_DGRAM, SOCK_RAW, SOCK_PACKET, SCTP).
 */
#include "inetx_common.h"

struct named {
	int v;
	const char *name;
};

static const struct named types[] = {
	{ SOCK_STREAM, "SOCK_STREAM" },
	{ SOCK_DGRAM, "SOCK_DGRAM" },
	{ SOCK_RAW, "SOCK_RAW" },
	{ SOCK_SEQPACKET, "SOCK_SEQPACKET" },
	{ SOCK_RDM, "SOCK_RDM" },
	{ SOCK_DCCP, "SOCK_DCCP" },
	{ SOCK_PACKET, "SOCK_PACKET" },
	{ 11, "type11" },		/* == SOCK_MAX */
	{ -1, "type-1" },
};

static const struct named protos[] = {
	{ 0, "0" },
	{ IPPROTO_TCP, "IPPROTO_TCP" },
	{ IPPROTO_UDP, "IPPROTO_UDP" },
	{ IPPROTO_ICMP, "IPPROTO_ICMP" },
	{ IPPROTO_UDPLITE, "IPPROTO_UDPLITE" },	/* AF_INET: none in 7.2 */
	{ IPPROTO_SCTP, "IPPROTO_SCTP" },
	{ IPPROTO_MPTCP, "IPPROTO_MPTCP" },
	{ 255, "255" },
	{ 256, "256" },
	{ IPPROTO_MAX, "IPPROTO_MAX" },
	{ -1, "-1" },
};

/* Type flag variants, all with IPPROTO_TCP unless stated. */
static const struct {
	int type, proto;
	const char *name;
} flagged[] = {
	{ SOCK_STREAM | SOCK_NONBLOCK, 0, "SOCK_STREAM|SOCK_NONBLOCK" },
	{ SOCK_STREAM | SOCK_CLOEXEC, 0, "SOCK_STREAM|SOCK_CLOEXEC" },
	{ SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP,
	  "SOCK_STREAM|SOCK_NONBLOCK|SOCK_CLOEXEC" },
	{ SOCK_DGRAM | SOCK_NONBLOCK, 0, "SOCK_DGRAM|SOCK_NONBLOCK" },
	{ SOCK_STREAM | 0x10, 0, "SOCK_STREAM|0x10 (bad flag)" },
	{ SOCK_STREAM | O_APPEND, 0, "SOCK_STREAM|O_APPEND (bad flag)" },
	{ SOCK_STREAM | 0x40000000, 0, "SOCK_STREAM|0x40000000 (bad flag)" },
	{ SOCK_STREAM | SOCK_NONBLOCK | 0x20, IPPROTO_UDP,
	  "SOCK_STREAM|SOCK_NONBLOCK|0x20/IPPROTO_UDP (bad flag)" },
};

#define NTYPES		(int)(sizeof(types) / sizeof(types[0]))
#define NPROTOS		(int)(sizeof(protos) / sizeof(protos[0]))
#define NFLAGGED	(int)(sizeof(flagged) / sizeof(flagged[0]))
#define NSETUP		5

/* Outcome of one socket() call plus what the socket looks like. */
struct outcome {
	int err;		/* 0: created */
	int so_type, so_proto, nonblock, cloexec;
};

static void try_create(int fam, int type, int proto, struct outcome *o)
{
	socklen_t len = sizeof(int);
	int fd;

	memset(o, 0, sizeof(*o));
	fd = socket(fam, type, proto);
	if (fd < 0) {
		o->err = errno;
		return;
	}
	getsockopt(fd, SOL_SOCKET, SO_TYPE, &o->so_type, &len);
	len = sizeof(int);
	getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &o->so_proto, &len);
	o->nonblock = !!(fcntl(fd, F_GETFL) & O_NONBLOCK);
	o->cloexec = !!(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);
}

/* The documented inetx answer, given what AF_INET answered. */
static int expected_err(int type, int proto, const struct outcome *inet)
{
	int flags = type & ~0xf, base = type & 0xf;

	if ((flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) || base >= 11)
		return EINVAL;
	if (proto < 0 || proto >= IPPROTO_MAX)
		return EINVAL;
	if (base == SOCK_STREAM && (proto == 0 || proto == IPPROTO_TCP))
		return 0;
	/* AF_INET's own errno; where AF_INET gives another protocol's socket,
	 * inetx says the protocol (stream) or the type is not supported. A
	 * ping socket refused by net.ipv4.ping_group_range (EACCES, from the
	 * protocol's init) is one AF_INET serves.
	 */
	if (inet->err && !(base == SOCK_DGRAM && proto == IPPROTO_ICMP &&
			   inet->err == EACCES))
		return inet->err;
	return base == SOCK_STREAM ? EPROTONOSUPPORT : ESOCKTNOSUPPORT;
}

static void check_pair(int type, int proto, const char *desc)
{
	struct outcome in, x;
	int want;
	bool ok;

	ktap_watchdog(INX_TEST_SECS, "%s", desc);
	if (!inx_require(desc))
		return;
	try_create(AF_INET, type, proto, &in);
	try_create(inx_family(), type, proto, &x);
	want = expected_err(type, proto, &in);

	ok = x.err == want;
	if (!want) {
		/* A created socket must look exactly like AF_INET's. */
		ok = ok && !in.err && x.so_type == in.so_type &&
		     x.so_proto == in.so_proto && x.nonblock == in.nonblock &&
		     x.cloexec == in.cloexec && x.so_type == SOCK_STREAM &&
		     x.so_proto == IPPROTO_TCP;
		if (!ok)
			ktap_diag("AF_INET: %s type %d proto %d nb %d cloexec %d | INETX: %s type %d proto %d nb %d cloexec %d",
				  inx_errname(in.err), in.so_type, in.so_proto,
				  in.nonblock, in.cloexec, inx_errname(x.err),
				  x.so_type, x.so_proto, x.nonblock, x.cloexec);
	} else if (!ok || in.err != want) {
		ktap_diag("AF_INET %s, INETX %s, expected INETX %s%s",
			  inx_errname(in.err), inx_errname(x.err),
			  inx_errname(want),
			  in.err != want ? " (documented difference)" : "");
	}
	ktap_test(ok, "%s", desc);
}

/* /proc/net/protocols line for @name: fills the module column. */
static bool proto_line(const char *name, int *size, int *sockets, char *module)
{
	char line[512], n[32], slab[8];
	bool found = false;
	FILE *f = fopen("/proc/net/protocols", "r");

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		long mem;
		int maxhdr;
		char press[8];

		if (sscanf(line, "%31s %d %d %ld %7s %d %7s %31s", n, size,
			   sockets, &mem, press, &maxhdr, slab, module) == 8 &&
		    !strcmp(n, name)) {
			found = true;
			break;
		}
	}
	fclose(f);
	return found;
}

static void test_registered(void)
{
	const char *desc = "/proc/net/protocols lists INETX owned by module inetx";
	int size, sockets;
	char module[32];
	bool found;

	ktap_watchdog(INX_TEST_SECS, "%s", desc);
	if (!inx_require(desc))
		return;
	found = proto_line("INETX", &size, &sockets, module);
	if (found)
		ktap_diag("INETX size %d sockets %d module %s", size, sockets, module);
	ktap_test(found && size > 0 && !strcmp(module, "inetx"), "%s", desc);
}

static void test_sysfs_family(void)
{
	const char *desc = "sysfs family parameter is the family socket() accepts";
	int fam = -1, fd, proto = 0;
	socklen_t len = sizeof(proto);
	FILE *f;

	ktap_watchdog(INX_TEST_SECS, "%s", desc);
	if (!inx_require(desc))
		return;
	f = fopen(INETX_FAMILY_SYSFS, "r");
	if (!f || fscanf(f, "%d", &fam) != 1) {
		ktap_diag("cannot read %s: %s", INETX_FAMILY_SYSFS, strerror(errno));
		if (f)
			fclose(f);
		ktap_test(false, "%s", desc);
		return;
	}
	fclose(f);
	ktap_diag("family %d (AF_INETX default %d)", fam, AF_INETX);
	fd = socket(fam, SOCK_STREAM, 0);
	if (fd >= 0) {
		getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &len);
		close(fd);
	} else {
		ktap_diag("socket(%d, SOCK_STREAM, 0): %s", fam, strerror(errno));
	}
	ktap_test(fd >= 0 && proto == IPPROTO_TCP && fam == inx_family(),
		  "%s", desc);
}

/*
 * The "sockets" column counts hashed inetx sockets: a listener must show
 * up while it exists and go away after close (sock_prot_inuse_add).
 */
static void test_inuse_count(void)
{
	const char *desc = "/proc/net/protocols INETX sockets column counts a listener";
	int size, before = -1, during = -1, after = -1;
	char module[32];
	uint16_t port;
	int fd;

	ktap_watchdog(INX_TEST_SECS, "%s", desc);
	if (!inx_require(desc))
		return;
	proto_line("INETX", &size, &before, module);
	fd = inx_listen(inx_family(), 1, &port);
	proto_line("INETX", &size, &during, module);
	if (fd >= 0)
		close(fd);
	proto_line("INETX", &size, &after, module);
	ktap_diag("sockets before %d, with listener %d, after close %d",
		  before, during, after);
	ktap_test(fd >= 0 && before >= 0 && during == before + 1 &&
		  after == before, "%s", desc);
}

/* Neither family has socketpair(): EOPNOTSUPP from sock_no_socketpair. */
static void test_socketpair(void)
{
	const char *desc = "socketpair: same errno as AF_INET";
	int sv[2], r_in, e_in, r_x, e_x;

	ktap_watchdog(INX_TEST_SECS, "%s", desc);
	if (!inx_require(desc))
		return;
	r_in = socketpair(AF_INET, SOCK_STREAM, 0, sv);
	e_in = errno;
	r_x = socketpair(inx_family(), SOCK_STREAM, 0, sv);
	e_x = errno;
	ktap_diag("AF_INET %d %s, INETX %d %s", r_in, inx_errname(e_in), r_x,
		  inx_errname(e_x));
	ktap_test(r_in == -1 && r_x == -1 && e_in == e_x, "%s", desc);
}

/* The uapi header: family numbers and the sysctl's path. */
static void test_uapi(void)
{
	ktap_watchdog(INX_TEST_SECS, "uapi");
	ktap_test(AF_INETX == PF_INETX && AF_INETX == 18 &&
		  !strcmp(INETX_RESTRICT_CREATE_SYSCTL,
			  "/proc/sys/net/inetx/restrict_create") &&
		  IPPROTO_MPTCP == 262,
		  "uapi: AF_INETX == PF_INETX == 18, INETX_RESTRICT_CREATE_SYSCTL");
}

int main(void)
{
	char desc[128];
	int i, j;

	ktap_start(NSETUP + NTYPES * NPROTOS + NFLAGGED);
	ktap_diag("inetx family %d%s", inx_family(),
		  inx_available() ? "" : " (not registered)");

	test_uapi();
	test_registered();
	test_sysfs_family();
	test_inuse_count();
	test_socketpair();

	for (i = 0; i < NTYPES; i++) {
		for (j = 0; j < NPROTOS; j++) {
			snprintf(desc, sizeof(desc), "create %s/%s",
				 types[i].name, protos[j].name);
			check_pair(types[i].v, protos[j].v, desc);
		}
	}
	for (i = 0; i < NFLAGGED; i++) {
		snprintf(desc, sizeof(desc), "create %s/%d", flagged[i].name,
			 flagged[i].proto);
		check_pair(flagged[i].type, flagged[i].proto, desc);
	}
	return ktap_finish();
}
