package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestSumTNIsStackedGemm: SumTN's result is, bit for bit, Sgemm's (Dgemm's)
// AᵀB over the pieces stacked with kc set to kcTN, on every path, for
// pieces of random rows (some empty), widths at and around the tiles'
// edges (1, 7, 8, 33 and the book's 28 and 512), and totals below, at and
// past kcTN (one pass of the micro-kernel over k, and several). A wrong row or column, a piece
// skipped or read twice, changes a sum by a whole product; anything but
// the same operations in the same order changes the last bits.
func TestSumTNIsStackedGemm(t *testing.T) {
	defer func(old int) { kc = old }(kc)
	kc = kcTN
	forEachPath(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(3, 4))
		for _, m := range []int{1, 7, 8, 28, 33, 300, 512} {
			for _, n := range []int{1, 7, 28, 33, 512} {
				for _, rows := range [][]int{{1}, {0, 3, 0}, {16, 16, 16}, {kcTN}, {kcTN - 1, 2}, {100, 0, 200, 60, 300}, {500, 0, 600, 1200}} {
					t.Run(fmt.Sprintf("%dx%d/%v", m, n, rows), func(t *testing.T) {
						testSumTN[float32](t, r, m, n, rows)
						testSumTN[float64](t, r, m, n, rows)
					})
				}
			}
		}
	})
}

func testSumTN[T Float](t *testing.T, r *rand.Rand, m, n int, rows []int) {
	k := 0
	var as, bs [][]T
	for _, rw := range rows {
		as, bs = append(as, fill[T](r, rw*m)), append(bs, fill[T](r, rw*n))
		k += rw
	}
	var a, b []T
	for i := range as {
		a, b = append(a, as[i]...), append(b, bs[i]...)
	}
	ldc := n + 3 // padding left as it was
	want, got := fill[T](r, m*ldc), make([]T, m*ldc)
	copy(got, want)
	if k > 0 {
		gemmT(true, false, m, n, k, 1, a, m, b, n, 0, want, ldc)
	} else {
		for i := 0; i < m; i++ {
			clear(want[i*ldc : i*ldc+n])
		}
	}
	switch c := any(got).(type) {
	case []float32:
		SumTN32(c, ldc, m, n, any(as).([][]float32), any(bs).([][]float32))
	case []float64:
		SumTN64(c, ldc, m, n, any(as).([][]float64), any(bs).([][]float64))
	}
	for i := range want {
		if !same(got[i], want[i]) {
			t.Fatalf("element (%d, %d): %v, the stacked product %v", i/ldc, i%ldc, got[i], want[i])
		}
	}
}

// BenchmarkSumTN: the book RNN's weight gradients in one of graph's
// blocks of 16 sequences over 35 steps (dW_hh: 512x512 over 560 rows in
// 35 pieces; dW_xh 28x512; dW_hq 512x28), on one core, GFLOP/s.
func BenchmarkSumTN(b *testing.B) {
	defer func(old int) { maxParts = old }(maxParts)
	maxParts = 1
	r := rand.New(rand.NewPCG(1, 2))
	for _, s := range []struct{ m, n int }{{512, 512}, {28, 512}, {512, 28}} {
		b.Run(fmt.Sprintf("%dx%d", s.m, s.n), func(b *testing.B) {
			var as, bs [][]float32
			for range 35 {
				as, bs = append(as, fill[float32](r, 16*s.m)), append(bs, fill[float32](r, 16*s.n))
			}
			c := make([]float32, s.m*s.n)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				SumTN32(c, s.n, s.m, s.n, as, bs)
			}
			b.ReportMetric(2*float64(s.m*s.n*560)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
