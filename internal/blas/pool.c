//go:build openblas

// A pool of C threads that run the blocks of a split product, for the
// openblas build (OpenBLAS itself set to one thread). The caller posts a
// job of nparts parts, each a list of per_part BLAS calls, runs parts itself
// and waits for the ones a worker took; a part nobody has taken yet when
// the caller is done with its own is run by the caller. A part computes the
// same bits whoever runs it (single-threaded OpenBLAS on a fixed block), so
// results do not depend on the scheduling.
//
// Why C threads: Go helper goroutines lost their cores to the runtime's
// spinning threads whenever a cgo call outlived sysmon's 20 microseconds,
// and OpenBLAS's own threads, which split a product in C, spin on a core a
// busy machine does not give them (ten times slower with a second process
// on one core). Workers poll for a job with pause and sched_yield, and
// sleep on a condition variable after spin_ns without one.

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define cpu_relax() _mm_pause()
#else
#define cpu_relax() ((void)0)
#endif

#include "pool.h"

// The cblas prototypes, without cblas.h (its path differs between
// distributions).
enum { RowMajor = 101, NoTrans = 111, Trans = 112 };
void cblas_sgemm(int order, int ta, int tb, int m, int n, int k, float alpha, const float *a, int lda,
                 const float *b, int ldb, float beta, float *c, int ldc);
void cblas_dgemm(int order, int ta, int tb, int m, int n, int k, double alpha, const double *a, int lda,
                 const double *b, int ldb, double beta, double *c, int ldc);

static void run_call(const unroll_call *g) {
	if (g->m == 0 || g->n == 0) return;
	int ta = g->ta ? Trans : NoTrans, tb = g->tb ? Trans : NoTrans;
	if (g->dbl) {
		cblas_dgemm(RowMajor, ta, tb, g->m, g->n, g->k, 1.0, g->a, g->lda, g->b, g->ldb, g->beta, g->c, g->ldc);
	} else {
		cblas_sgemm(RowMajor, ta, tb, g->m, g->n, g->k, 1.0f, g->a, g->lda, g->b, g->ldb, (float)g->beta, g->c,
		            g->ldc);
	}
}

static int64_t now_ns(void) {
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static struct {
	pthread_mutex_t caller; // one job at a time
	// claim: job id << 32 | nparts << 16 | next part. Whoever moves
	// "next" past a part by compare-and-swap runs it; the job id and the
	// part count come with it, so a worker that woke late cannot claim a
	// part of a later job as one of its own.
	_Atomic uint64_t claim;
	_Atomic uint32_t posted;   // the last job posted
	_Atomic int32_t remaining; // parts of the current job not finished
	const unroll_call *calls;  // the current job: part i is calls[i*per_part ...]
	long per_part;
	int workers;
	int64_t spin_ns;
	_Atomic int sleepers;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	uint32_t jobs;
} P = {.caller = PTHREAD_MUTEX_INITIALIZER, .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

// work claims and runs parts of job until none is left; it returns how
// many it ran.
static int work(uint32_t job) {
	int ran = 0;
	for (;;) {
		uint64_t w = atomic_load(&P.claim);
		uint32_t n = (uint32_t)(w >> 16) & 0xffff, i = (uint32_t)w & 0xffff;
		if ((uint32_t)(w >> 32) != job || i >= n) return ran;
		if (!atomic_compare_exchange_weak(&P.claim, &w, w + 1)) continue;
		// Part i is ours; the job cannot finish, nor its descriptor be
		// replaced, before we count it done.
		for (long c = 0; c < P.per_part; c++) run_call(&P.calls[i * P.per_part + c]);
		atomic_fetch_sub(&P.remaining, 1);
		ran++;
	}
}

static void *worker(void *arg) {
	(void)arg;
	uint32_t seen = atomic_load(&P.posted);
	for (;;) {
		int64_t start = now_ns();
		for (long polls = 1; atomic_load(&P.posted) == seen; polls++) {
			cpu_relax();
			if (polls % 256 != 0) continue;
			sched_yield(); // a thread waiting for this core gets it
			if (now_ns() - start < P.spin_ns) continue;
			pthread_mutex_lock(&P.mu);
			atomic_fetch_add(&P.sleepers, 1);
			while (atomic_load(&P.posted) == seen) pthread_cond_wait(&P.cv, &P.mu);
			atomic_fetch_sub(&P.sleepers, 1);
			pthread_mutex_unlock(&P.mu);
			start = now_ns();
		}
		seen = atomic_load(&P.posted);
		work(seen);
	}
	return NULL;
}

int unroll_pool_start(int workers, long long spin_ns) {
	P.spin_ns = spin_ns;
	for (int i = 0; i < workers; i++) {
		pthread_t t;
		if (pthread_create(&t, NULL, worker, NULL) != 0) break;
		pthread_detach(t);
		P.workers++;
	}
	return P.workers;
}

void unroll_pool_run(const unroll_call *calls, long per_part, int nparts, int share, unroll_timing *out) {
	pthread_mutex_lock(&P.caller);
	int64_t start = now_ns();
	if (!share || P.workers == 0 || nparts < 2 || nparts > 0xffff) {
		for (long c = 0; c < per_part * nparts; c++) run_call(&calls[c]);
		out->own_ns = out->took_ns = now_ns() - start;
		out->mine = nparts;
		pthread_mutex_unlock(&P.caller);
		return;
	}
	uint32_t job = ++P.jobs;
	if (job == 0) job = ++P.jobs; // 0 never names a job
	P.calls = calls;
	P.per_part = per_part;
	atomic_store(&P.remaining, nparts);
	atomic_store(&P.claim, (uint64_t)job << 32 | (uint64_t)nparts << 16);
	atomic_store(&P.posted, job);
	if (atomic_load(&P.sleepers) > 0) {
		pthread_mutex_lock(&P.mu);
		pthread_cond_broadcast(&P.cv);
		pthread_mutex_unlock(&P.mu);
	}
	out->mine = work(job);
	out->own_ns = now_ns() - start;
	for (long polls = 1; atomic_load(&P.remaining) > 0; polls++) {
		cpu_relax();
		if (polls % 64 == 0) sched_yield(); // the worker may be waiting for this core
	}
	out->took_ns = now_ns() - start;
	pthread_mutex_unlock(&P.caller);
}
