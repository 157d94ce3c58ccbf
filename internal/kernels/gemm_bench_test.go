package kernels

import (
	"fmt"
	"runtime"
	"strings"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// benchShapes are the float32 products of the book's RNN (B=32, T=35,
// T*B=1120, V=28) at H=512 and H=256: forward, and the gradient products
// of each (dA = dC B^T, dB = A^T dC), with the weight gradient summed over
// one step (K=32) or all steps (K=1120).
func benchShapes() []struct {
	name string
	s    shape
} {
	var r []struct {
		name string
		s    shape
	}
	add := func(name string, tA, tB bool, m, n, k int) {
		r = append(r, struct {
			name string
			s    shape
		}{fmt.Sprintf("%s-%dx%dx%d", name, m, n, k), shape{tA, tB, m, n, k}})
	}
	for _, h := range []int{512, 256} {
		add("xW", false, false, 32, h, 28)       // X_t W_xh
		add("hW", false, false, 32, h, h)        // H W_hh
		add("dhWt", false, true, 32, h, h)       // dA W_hh^T
		add("dW-step", true, false, h, h, 32)    // H^T dA, one step
		add("dW-all", true, false, h, h, 1120)   // H^T dA, all steps
		add("out", false, false, 1120, 28, h)    // H W_hq
		add("dout-Wt", false, true, 1120, h, 28) // dY W_hq^T
		add("dWout", true, false, h, 28, 1120)   // H^T dY
		// Half a minibatch (graph.Parallel's blocks of 16 sequences).
		add("hW-half", false, false, 16, h, h)
		add("dhWt-half", false, true, 16, h, h)
		add("dW-all-half", true, false, h, h, 560)
	}
	return r
}

// BenchmarkSgemm reports GFLOP/s (2mnk per product) for each kernel path
// and gonum's pure-Go BLAS, on one core ("1core": the product is not
// split) and on all of them ("cores"). Run with -count 5 and take the
// median; the machine is shared.
func BenchmarkSgemm(b *testing.B) {
	defer func() { _ = Select("") }()
	for _, bs := range benchShapes() {
		s := bs.s
		lda, ldb := s.k, s.n
		if s.tA {
			lda = s.m
		}
		if s.tB {
			ldb = s.k
		}
		ar, br := s.m, s.k
		if s.tA {
			ar = s.k
		}
		if s.tB {
			br = s.n
		}
		a := make([]float32, ar*lda)
		bb := make([]float32, br*ldb)
		c := make([]float32, s.m*s.n)
		for i := range a {
			a[i] = float32(i%7) * 0.1
		}
		for i := range bb {
			bb[i] = float32(i%5) * 0.1
		}
		flops := 2 * float64(s.m*s.n*s.k)
		// On one core, the thread's CPU time too: on a shared machine it
		// leaves out the time the thread waited for a core.
		var t0 float64
		start := func(b *testing.B, cores string) {
			if cores == "1core" {
				runtime.LockOSThread()
			}
			b.ResetTimer()
			t0 = threadCPU()
		}
		report := func(b *testing.B, cores string) {
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			if cpu := threadCPU() - t0; cores == "1core" && cpu > 0 && !strings.Contains(b.Name(), "/gonum/") {
				// (gonum runs its blocks on goroutines of their own,
				// on other threads: its thread time means nothing.)
				b.ReportMetric(flops*float64(b.N)/cpu/1e9, "GFLOP/cpu-s")
			}
			if cores == "1core" {
				runtime.UnlockOSThread()
			}
		}
		for _, cores := range []string{"1core", "cores"} {
			for _, p := range Available() {
				b.Run(fmt.Sprintf("%s/%s/%s", bs.name, p, cores), func(b *testing.B) {
					_ = Select(p)
					old := maxParts
					if cores == "1core" {
						maxParts = 1
					}
					defer func() { maxParts = old }()
					start(b, cores)
					for i := 0; i < b.N; i++ {
						Sgemm(s.tA, s.tB, s.m, s.n, s.k, 1, a, lda, bb, ldb, 0, c, s.n)
					}
					report(b, cores)
				})
			}
			b.Run(fmt.Sprintf("%s/gonum/%s", bs.name, cores), func(b *testing.B) {
				tA, tB := blas.NoTrans, blas.NoTrans
				if s.tA {
					tA = blas.Trans
				}
				if s.tB {
					tB = blas.Trans
				}
				if cores == "1core" {
					// gonum spreads a product over GOMAXPROCS goroutines.
					defer setProcs(setProcs(1))
				}
				start(b, cores)
				for i := 0; i < b.N; i++ {
					gonum.Implementation{}.Sgemm(tA, tB, s.m, s.n, s.k, 1, a, lda, bb, ldb, 0, c, s.n)
				}
				report(b, cores)
			})
		}
	}
}
