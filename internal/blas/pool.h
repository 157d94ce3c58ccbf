// One BLAS product c = op(a) op(b) + beta*c, row-major, float32 (dbl = 0)
// or float64.
typedef struct {
	int dbl, ta, tb, m, n, k, lda, ldb, ldc;
	const void *a, *b;
	void *c;
	double beta;
} unroll_call;

typedef struct {
	long long own_ns, took_ns; // the caller's own parts; the whole job
	int mine;                  // parts the caller ran
} unroll_timing;

int unroll_pool_start(int workers, long long spin_ns);
void unroll_pool_run(const unroll_call *calls, long per_part, int nparts, int share, unroll_timing *out);
