package kernels

import (
	"fmt"
	"testing"
)

// BenchmarkHeldTranspose: dH = dA W^T for a block of 16 rows (graph's
// Parallel halves) with W held (transposed once, then the plain product)
// and not (the product computed transposed), on one core, GFLOP/s.
func BenchmarkHeldTranspose(b *testing.B) {
	defer func(old int) { maxParts = old }(maxParts)
	maxParts = 1
	for _, h := range []int{256, 512} {
		for _, hold := range []bool{false, true} {
			b.Run(fmt.Sprintf("H%d/held=%v", h, hold), func(b *testing.B) {
				m := 16
				a, w, c := make([]float32, m*h), make([]float32, h*h), make([]float32, m*h)
				for i := range w {
					w[i] = float32(i%5) * 0.1
				}
				if hold {
					defer Hold(w)()
				}
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					Sgemm(false, true, m, h, h, 1, a, h, w, h, 0, c, h)
				}
				b.ReportMetric(2*float64(m*h*h)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}
