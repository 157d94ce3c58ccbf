//go:build openblas

// Elementwise float32 loops of the training minibatch, for the openblas
// build on CPUs with AVX2: the graph's Go loops (graph.addRows, colSum;
// train.axpy) compiled by gcc, which runs them eight
// lanes at a time where Go's compiler runs one. Each does the same
// operations in the same order per element as its Go loop, and the target
// is AVX2 without FMA, so gcc has no fused multiply-add to contract a*b+c
// into: the results are the same bits (TestVecSameAsGo).

#define TARGET __attribute__((target("avx2")))

// dst = x + b for rows of width h (b broadcast over the rows).
TARGET void unroll_add_rows(float *restrict dst, const float *restrict x, const float *restrict b, long rows, long h) {
	for (long r = 0; r < rows; r++) {
		const float *restrict src = x + r * h;
		float *restrict d = dst + r * h;
		for (long j = 0; j < h; j++) d[j] = src[j] + b[j];
	}
}

// dst[j] += x[r*ld + j] for j < w, rows r in order.
TARGET void unroll_col_sum(float *restrict dst, const float *restrict x, long rows, long ld, long w) {
	for (long r = 0; r < rows; r++) {
		const float *restrict src = x + r * ld;
		for (long j = 0; j < w; j++) dst[j] += src[j];
	}
}

// y += a*x.
TARGET void unroll_axpy(float *restrict y, const float *restrict x, float a, long n) {
	for (long i = 0; i < n; i++) y[i] += a * x[i];
}
