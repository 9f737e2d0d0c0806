/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Minimal KTAP version 1 emitter for the inetx selftests.
 *
 *	ktap_start(n);			"KTAP version 1" and "1..n"
 *	ktap_test(cond, fmt, ...);	"ok N desc" / "not ok N desc"
 *	ktap_skip(reason, fmt, ...);	"ok N desc # SKIP reason"
 *	ktap_diag(fmt, ...);		"# ..."
 *	return ktap_finish();		exit code = number of failures
 *
 * A skip is never a pass: it is counted separately and the totals line
 * says so. Running a different number of tests than planned counts as a
 * failure, so a test that silently stops emitting results cannot pass.
 * ktap_watchdog() arms alarm(2); if a test hangs, the handler reports the
 * test as failed, prints "Bail out!" and exits, instead of hanging.
 */
#ifndef _INETX_KTAP_H
#define _INETX_KTAP_H

#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int ktap_planned, ktap_count, ktap_npass, ktap_nfail, ktap_nskip;
static char ktap_current[160];

static inline void ktap_vprint(const char *prefix, const char *fmt, va_list ap)
{
	fputs(prefix, stdout);
	vprintf(fmt, ap);
}

static inline void ktap_start(int planned)
{
	/* Line buffered so a crash or a bail out loses nothing. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	ktap_planned = planned;
	printf("KTAP version 1\n1..%d\n", planned);
}

static inline void __attribute__((format(printf, 1, 2))) ktap_diag(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ktap_vprint("# ", fmt, ap);
	va_end(ap);
	putchar('\n');
}

static inline bool __attribute__((format(printf, 2, 3)))
ktap_test(bool ok, const char *fmt, ...)
{
	va_list ap;

	ktap_count++;
	if (ok)
		ktap_npass++;
	else
		ktap_nfail++;
	printf("%s %d ", ok ? "ok" : "not ok", ktap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	return ok;
}

static inline void __attribute__((format(printf, 2, 3)))
ktap_skip(const char *reason, const char *fmt, ...)
{
	va_list ap;

	ktap_count++;
	ktap_nskip++;
	printf("ok %d ", ktap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(" # SKIP %s\n", reason);
}

static inline int ktap_finish(void)
{
	if (ktap_count != ktap_planned) {
		ktap_diag("planned %d tests but ran %d", ktap_planned, ktap_count);
		ktap_nfail++;
	}
	printf("# Totals: pass:%d fail:%d xfail:0 xpass:0 skip:%d error:0\n",
	       ktap_npass, ktap_nfail, ktap_nskip);
	fflush(stdout);
	return ktap_nfail > 255 ? 255 : ktap_nfail;
}

static inline void ktap_alarm(int sig)
{
	char buf[256];
	int n;

	(void)sig;
	/* snprintf/write only: we may be interrupting stdio. */
	n = snprintf(buf, sizeof(buf),
		     "not ok %d %s # TIMEOUT\n# watchdog fired\nBail out! %s timed out\n",
		     ktap_count + 1, ktap_current, ktap_current);
	if (write(STDOUT_FILENO, buf, n) < 0)
		n = 0;
	_exit(ktap_nfail + 1 > 255 ? 255 : ktap_nfail + 1);
}

/* Name the test about to run and give it @secs seconds in total. */
static inline void __attribute__((format(printf, 2, 3)))
ktap_watchdog(unsigned int secs, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ktap_current, sizeof(ktap_current), fmt, ap);
	va_end(ap);
	fflush(stdout);
	signal(SIGALRM, ktap_alarm);
	alarm(secs);
}

#endif /* _INETX_KTAP_H */
