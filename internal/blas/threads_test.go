//go:build openblas

package blas

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	gblas "gonum.org/v1/gonum/blas"
)

// TestThreadsRepeatable: with two threads, OpenBLAS gives the same bits for
// the same product every time, but not the bits of one thread (measured: at
// most 7e-5 in entries of up to 150, a few float32 ulps; the test logs the
// differences). That is one reason the openblas build keeps OpenBLAS on one
// thread and splits products into fixed blocks itself: a run's bits do not
// depend on how many cores were free. The shapes are the book's RNN's
// (B=32, H=512, T*B=1120, V=28).
func TestThreadsRepeatable(t *testing.T) {
	defer SetThreads(1) // as init leaves it
	r := rand.New(rand.NewPCG(3, 4))
	for _, s := range []struct {
		ta, tb  gblas.Transpose
		m, n, k int
	}{
		{gblas.NoTrans, gblas.NoTrans, 32, 512, 512},
		{gblas.NoTrans, gblas.Trans, 32, 512, 512},
		{gblas.Trans, gblas.NoTrans, 512, 512, 1120},
		{gblas.NoTrans, gblas.NoTrans, 1120, 28, 512},
		{gblas.NoTrans, gblas.Trans, 1120, 512, 28},
		{gblas.Trans, gblas.NoTrans, 512, 28, 1120},
	} {
		a := make([]float32, s.m*s.k)
		b := make([]float32, s.k*s.n)
		for i := range a {
			a[i] = float32(r.NormFloat64())
		}
		for i := range b {
			b[i] = float32(r.NormFloat64())
		}
		lda, ldb := s.k, s.n
		if s.ta == gblas.Trans {
			lda = s.m
		}
		if s.tb == gblas.Trans {
			ldb = s.k
		}
		product := func() []float32 {
			c := make([]float32, s.m*s.n)
			Impl().Sgemm(s.ta, s.tb, s.m, s.n, s.k, 1, a, lda, b, ldb, 0, c, s.n)
			return c
		}
		SetThreads(1)
		one := product()
		SetThreads(2)
		two := product()
		for rep := 0; rep < 20; rep++ {
			if !slices.Equal(product(), two) {
				t.Fatalf("%v%v %dx%dx%d: two threads gave different bits on repetition %d", s.ta, s.tb, s.m, s.n, s.k, rep)
			}
		}
		var worst, scale float64
		for i := range one {
			worst = max(worst, math.Abs(float64(one[i]-two[i])))
			scale = max(scale, math.Abs(float64(one[i])))
		}
		t.Logf("%v%v %dx%dx%d: max |1 thread - 2 threads| = %.2g of max |entry| %.3g", s.ta, s.tb, s.m, s.n, s.k, worst, scale)
	}
}

// TestAxpySameAsGo: the C y += a*x gives the bits of train's Go loop.
func TestAxpySameAsGo(t *testing.T) {
	if Vec32 == nil {
		t.Skip("no AVX2: no C loops")
	}
	r := rand.New(rand.NewPCG(7, 8))
	for _, n := range []int{1, 13, 512, 262144} {
		x, y := make([]float32, n), make([]float32, n)
		for i := range x {
			x[i], y[i] = float32(r.NormFloat64()), float32(r.NormFloat64())
		}
		want := slices.Clone(y)
		a := float32(-0.37)
		for i := range want {
			want[i] += a * x[i]
		}
		Vec32.Axpy(y, x, a)
		for i := range y {
			if math.Float32bits(y[i]) != math.Float32bits(want[i]) {
				t.Fatalf("n=%d: element %d is %v, want %v", n, i, y[i], want[i])
			}
		}
	}
}
