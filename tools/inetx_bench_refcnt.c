// SPDX-License-Identifier: GPL-2.0
/*
 * inetx_bench_refcnt: what a per-socket module reference costs when every
 * CPU takes it on the same counter, in userspace, on this machine's cores.
 *
 *   inetx_bench_refcnt [TRIALS [ITERATIONS]]
 *
 * try_module_get() is atomic_inc_not_zero(&mod->refcnt) and module_put()
 * atomic_dec_if_positive(): two compare-and-swap loops on one cache line
 * shared by every socket of the module.  Each thread here does TRIALS
 * (default 100) trials of ITERATIONS (default 20000) such get/put pairs,
 * pinned to CPU 0 (and CPU 1):
 *   shared-1     one thread, one counter: the uncontended cost
 *   shared-2     two threads, one counter: the line moves between cores
 *   false-2      two threads, two counters in one cache line
 *   percpu-2     two threads, a counter each in its own cache line (what
 *                a percpu_ref or a per-CPU counter costs)
 * The threads spin on a barrier before each trial, so both start on a CPU.
 * On a loaded host one may still be preempted, and then the other runs
 * uncontended: a trial counts only if, for every thread, its CPU time
 * (CLOCK_THREAD_CPUTIME_ID) was at least 90% of its wall time and the two
 * threads' intervals overlapped by at least 90%.  One JSON line per case:
 * the median ns per get/put pair over the trials that count, how many did,
 * and the failed compare-and-swaps per pair (the contention itself).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define MAX_TRIALS	10000

struct line {
	alignas(64) atomic_int v[16];
};

static struct line lines[2];
static long iters = 20000;
static int trials = 100;
static atomic_int barrier;

struct arg {
	atomic_int *ctr;
	int cpu, nthreads;
	double wall0[MAX_TRIALS], wall1[MAX_TRIALS], cpu_ns[MAX_TRIALS];
	long fails;
};

static double clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* atomic_inc_not_zero() and atomic_dec_if_positive(), as CAS loops. */
static long get_put(atomic_int *c)
{
	int old = atomic_load_explicit(c, memory_order_relaxed);
	long fails = 0;

	do {
		if (!old)
			abort();
	} while (!atomic_compare_exchange_weak(c, &old, old + 1) && ++fails);
	old = atomic_load_explicit(c, memory_order_relaxed);
	do {
		if (old <= 0)
			abort();
	} while (!atomic_compare_exchange_weak(c, &old, old - 1) && ++fails);
	return fails;
}

static void *worker(void *p)
{
	struct arg *a = p;
	double c0;
	cpu_set_t set;
	long i;
	int t;

	CPU_ZERO(&set);
	CPU_SET(a->cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	for (t = 0; t < trials; t++) {
		/* Trial t starts when every thread has arrived. */
		atomic_fetch_add(&barrier, 1);
		while (atomic_load(&barrier) < (t + 1) * a->nthreads)
			;
		c0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
		a->wall0[t] = clock_ns(CLOCK_MONOTONIC);
		for (i = 0; i < iters; i++)
			a->fails += get_put(a->ctr);
		a->wall1[t] = clock_ns(CLOCK_MONOTONIC);
		a->cpu_ns[t] = clock_ns(CLOCK_THREAD_CPUTIME_ID) - c0;
	}
	return NULL;
}

static int cmp_d(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return (a > b) - (a < b);
}

static struct arg args[2];

static void run(const char *name, int nthreads, atomic_int *c0, atomic_int *c1)
{
	static double ns[2 * MAX_TRIALS];
	double lo, hi, w;
	pthread_t th[2];
	int i, t, n = 0, ok;

	atomic_store(&barrier, 0);
	atomic_store(c0, 1);
	atomic_store(c1, 1);
	for (i = 0; i < nthreads; i++) {
		args[i].ctr = i ? c1 : c0;
		args[i].cpu = i;
		args[i].nthreads = nthreads;
		args[i].fails = 0;
		pthread_create(&th[i], NULL, worker, &args[i]);
	}
	for (i = 0; i < nthreads; i++)
		pthread_join(th[i], NULL);
	for (t = 0; t < trials; t++) {
		ok = 1;
		lo = 0;
		hi = 1e300;
		for (i = 0; i < nthreads; i++) {
			w = args[i].wall1[t] - args[i].wall0[t];
			ok &= args[i].cpu_ns[t] >= 0.9 * w;
			lo = args[i].wall0[t] > lo ? args[i].wall0[t] : lo;
			hi = args[i].wall1[t] < hi ? args[i].wall1[t] : hi;
		}
		for (i = 0; i < nthreads; i++)
			ok &= hi - lo >= 0.9 * (args[i].wall1[t] - args[i].wall0[t]);
		if (!ok)
			continue;
		for (i = 0; i < nthreads; i++)
			ns[n++] = (args[i].wall1[t] - args[i].wall0[t]) / iters;
	}
	qsort(ns, n, sizeof(*ns), cmp_d);
	printf("{\"case\": \"%s\", \"threads\": %d, \"ns_per_get_put_median\": %.2f, ",
	       name, nthreads, n ? ns[n / 2] : -1.0);
	printf("\"trials_counted\": %d, \"trials\": %d, \"failed_cas_per_pair\": %.3f}\n",
	       n / nthreads, trials,
	       (double)(args[0].fails + (nthreads > 1 ? args[1].fails : 0)) /
	       ((double)iters * trials * nthreads));
}

int main(int argc, char **argv)
{
	if (argc > 1)
		trials = atoi(argv[1]);
	if (argc > 2)
		iters = atol(argv[2]);
	if (trials < 1 || trials > MAX_TRIALS || iters < 1) {
		fprintf(stderr, "usage: inetx_bench_refcnt [TRIALS (1-%d) [ITERATIONS]]\n",
			MAX_TRIALS);
		return 2;
	}
	run("shared-1", 1, &lines[0].v[0], &lines[0].v[0]);
	run("shared-2", 2, &lines[0].v[0], &lines[0].v[0]);
	run("false-2", 2, &lines[0].v[0], &lines[0].v[1]);
	run("percpu-2", 2, &lines[0].v[0], &lines[1].v[0]);
	return 0;
}
