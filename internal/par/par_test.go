package par

import (
	"sync/atomic"
	"testing"
)

// TestDo checks that every part runs exactly once, for several part counts
// and pool sizes, many times over (to give races a chance to show under
// go test -race).
func TestDo(t *testing.T) {
	for _, w := range []int{1, 2, 3} {
		SetWorkers(w)
		for _, n := range []int{0, 1, 2, 3, 7, 64} {
			for rep := 0; rep < 200; rep++ {
				counts := make([]atomic.Int32, n)
				Do(n, func(i int) { counts[i].Add(1) })
				for i := range counts {
					if c := counts[i].Load(); c != 1 {
						t.Fatalf("workers %d, n %d: part %d ran %d times", w, n, i, c)
					}
				}
			}
		}
	}
}

// BenchmarkDo measures the cost of sharing a job of two empty parts: the
// overhead one op pays for using a second core.
func BenchmarkDo(b *testing.B) {
	SetWorkers(2)
	var sink atomic.Int32
	for i := 0; i < b.N; i++ {
		Do(2, func(i int) { sink.Add(1) })
	}
}
