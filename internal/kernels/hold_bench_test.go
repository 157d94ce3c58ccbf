package kernels

import (
	"fmt"
	"testing"
)

// BenchmarkHeldTranspose: dH = dA W^T (tB) and H W for a block of 16 rows
// (graph's Parallel halves) with W held (packed once) and not, on one
// core, GFLOP/s.
func BenchmarkHeldTranspose(b *testing.B) {
	defer func(old int) { maxParts = old }(maxParts)
	maxParts = 1
	defer func() { _ = Select("") }()
	for _, path := range Available()[1:] {
		for _, h := range []int{256, 512} {
			for _, c := range []struct{ hold, tB bool }{{false, true}, {true, true}, {false, false}, {true, false}} {
				hold, tB := c.hold, c.tB
				b.Run(fmt.Sprintf("%s/H%d/tB=%v/held=%v", path, h, tB, hold), func(b *testing.B) {
					_ = Select(path)
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
						Sgemm(false, tB, m, h, h, 1, a, h, w, h, 0, c, h)
					}
					b.ReportMetric(2*float64(m*h*h)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
				})
			}
		}
	}
}
