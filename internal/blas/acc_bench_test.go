package blas

import (
	"runtime"
	"testing"

	"gonum.org/v1/gonum/blas"
)

// BenchmarkWeightGrad compares two ways to form dW_hh = sum_t H_{t-1}^T dA_t
// over T=35 steps of B=32 rows, H=512: stacking the 35 blocks (two copies)
// and one product with K=1120, against 35 products with K=32 accumulated.
func BenchmarkWeightGrad(b *testing.B) {
	const T, B, H = 35, 32, 512
	hs := make([][]float32, T)
	das := make([][]float32, T)
	for t := range hs {
		hs[t] = make([]float32, B*H)
		das[t] = make([]float32, B*H)
		for i := range hs[t] {
			hs[t][i] = float32((i+t)%7) * 0.1
			das[t][i] = float32((i*3+t)%5) * 0.1
		}
	}
	hAll := make([]float32, T*B*H)
	dAll := make([]float32, T*B*H)
	c := make([]float32, H*H)
	impl := Impl()
	b.Run("stack+one", func(b *testing.B) {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		t0 := threadCPU()
		for i := 0; i < b.N; i++ {
			for t := 0; t < T; t++ {
				copy(hAll[t*B*H:], hs[t])
				copy(dAll[t*B*H:], das[t])
			}
			impl.Sgemm(blas.Trans, blas.NoTrans, H, H, T*B, 1, hAll, H, dAll, H, 0, c, H)
		}
		b.ReportMetric((threadCPU()-t0)/float64(b.N)*1e3, "cpu-ms/op")
	})
	b.Run("accumulate", func(b *testing.B) {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		t0 := threadCPU()
		for i := 0; i < b.N; i++ {
			for t := 0; t < T; t++ {
				beta := float32(1)
				if t == 0 {
					beta = 0
				}
				impl.Sgemm(blas.Trans, blas.NoTrans, H, H, B, 1, hs[t], H, das[t], H, beta, c, H)
			}
		}
		b.ReportMetric((threadCPU()-t0)/float64(b.N)*1e3, "cpu-ms/op")
	})
	b.Run("accumulate-half", func(b *testing.B) { // one core's column half
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		t0 := threadCPU()
		for i := 0; i < b.N; i++ {
			for t := 0; t < T; t++ {
				beta := float32(1)
				if t == 0 {
					beta = 0
				}
				impl.Sgemm(blas.Trans, blas.NoTrans, H, H/2, B, 1, hs[t], H, das[t], H, beta, c, H)
			}
		}
		b.ReportMetric((threadCPU()-t0)/float64(b.N)*1e3*2, "cpu-ms/op(x2)")
	})
}
