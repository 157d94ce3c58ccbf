//go:build openblas

// tanh over a float32 vector with AVX2 and FMA, for the openblas build. It
// is the Go fallback's algorithm (graph.tanh32), four lanes of float64 at a
// time, so it is as accurate: within one float32 ulp of math.Tanh.
//
// tanh(x) = sign(x) * -m / (2 + m) with m = exp(-2|x|) - 1. exp(y) for
// y = -2|x| in [-20, 0] is 2^k exp(r) with k the integer nearest y/ln 2 and
// |r| <= ln(2)/2, so m = 2^k q + (2^k - 1) with q = exp(r) - 1 from its
// Taylor polynomial of degree 9 (relative error below |r|^9/10! < 2.4e-11);
// for k = 0, m is q itself, so small inputs suffer no cancellation. |x| is
// clamped to 10, where tanh already rounds to 1.

#include <immintrin.h>

int unroll_have_avx2(void) {
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

__attribute__((target("avx2,fma")))
static inline __m128 tanh4(__m128 v) {
	const __m256d absmask = _mm256_castsi256_pd(_mm256_set1_epi64x(0x7fffffffffffffffLL));
	const __m256d one = _mm256_set1_pd(1.0);
	__m256d x = _mm256_cvtps_pd(v);
	// min(10, a) returns a when a is NaN, so NaN stays NaN.
	__m256d a = _mm256_min_pd(_mm256_set1_pd(10.0), _mm256_and_pd(x, absmask));
	__m256d y = _mm256_mul_pd(a, _mm256_set1_pd(-2.0));
	__m256d k = _mm256_round_pd(_mm256_mul_pd(y, _mm256_set1_pd(1.4426950408889634)),
	                            _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
	__m256d r = _mm256_fnmadd_pd(k, _mm256_set1_pd(0.6931471805599453), y);
	__m256d q = _mm256_set1_pd(1.0 / 362880);
	q = _mm256_fmadd_pd(q, r, _mm256_set1_pd(1.0 / 40320));
	q = _mm256_fmadd_pd(q, r, _mm256_set1_pd(1.0 / 5040));
	q = _mm256_fmadd_pd(q, r, _mm256_set1_pd(1.0 / 720));
	q = _mm256_fmadd_pd(q, r, _mm256_set1_pd(1.0 / 120));
	q = _mm256_fmadd_pd(q, r, _mm256_set1_pd(1.0 / 24));
	q = _mm256_fmadd_pd(q, r, _mm256_set1_pd(1.0 / 6));
	q = _mm256_fmadd_pd(q, r, _mm256_set1_pd(0.5));
	q = _mm256_fmadd_pd(q, r, one);
	q = _mm256_mul_pd(q, r);
	__m256i ki = _mm256_cvtepi32_epi64(_mm256_cvtpd_epi32(k));
	__m256d s = _mm256_castsi256_pd(_mm256_slli_epi64(_mm256_add_epi64(ki, _mm256_set1_epi64x(1023)), 52));
	__m256d m = _mm256_fmadd_pd(s, q, _mm256_sub_pd(s, one));
	__m256d t = _mm256_div_pd(_mm256_sub_pd(_mm256_setzero_pd(), m), _mm256_add_pd(_mm256_set1_pd(2.0), m));
	t = _mm256_or_pd(t, _mm256_andnot_pd(absmask, x)); // the sign of x
	return _mm256_cvtpd_ps(t);
}

__attribute__((target("avx2,fma")))
void unroll_tanh_avx2(float *x, long n) {
	long i = 0;
	for (; i + 4 <= n; i += 4) {
		_mm_storeu_ps(x + i, tanh4(_mm_loadu_ps(x + i)));
	}
	if (i < n) { // the tail goes through the same arithmetic
		float tail[4] = {0};
		for (long j = i; j < n; j++) tail[j - i] = x[j];
		_mm_storeu_ps(tail, tanh4(_mm_loadu_ps(tail)));
		for (long j = i; j < n; j++) x[j] = tail[j - i];
	}
}
