package kernels

import (
	"fmt"
	"testing"
)

// BenchmarkPackPanels: packing a held 512 x 512 float32 weight into the
// AVX-512 kernel's 32-column panels, as is and transposed, into a kept
// buffer as heldPanels does.
func BenchmarkPackPanels(b *testing.B) {
	const n = 512
	w, out := make([]float32, n*n), make([]float32, n*n)
	for _, tB := range []bool{false, true} {
		b.Run(fmt.Sprintf("tB=%v", tB), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				packPanels(out, w, tB, n, n, n, 32)
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/op")
		})
	}
}
