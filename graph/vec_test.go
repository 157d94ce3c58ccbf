package graph

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/unroll/unroll/internal/blas"
)

// TestVecSameAsGo: the openblas build's C loops (blas.Vec32) give the same
// bits as this package's Go loops, at the book's width (512), at widths
// that leave a tail after the 8-lane blocks (13, 29), and on column blocks
// (lo, hi) as the split passes use them. It skips in the pure-Go build,
// which has no C loops.
func TestVecSameAsGo(t *testing.T) {
	if blas.Vec32 == nil {
		t.Skip("no C loops in this build (they come with -tags openblas on a CPU with AVX2)")
	}
	vec := blas.Vec32
	defer func() { blas.Vec32 = vec }()
	r := rand.New(rand.NewPCG(5, 6))
	fill := func(n int) []float32 {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(r.NormFloat64())
		}
		return x
	}
	// both runs f with the Go loops and with the C loops, on copies of
	// the same inputs, and compares the outputs bit for bit.
	both := func(t *testing.T, name string, out []float32, f func(out []float32)) {
		t.Helper()
		var res [2][]float32
		for i, v := range []*blas.Kernels32{nil, vec} {
			blas.Vec32 = v
			res[i] = slices.Clone(out)
			f(res[i])
		}
		for i := range res[0] {
			if math.Float32bits(res[0][i]) != math.Float32bits(res[1][i]) {
				t.Fatalf("%s: element %d is %v in Go, %v in C", name, i, res[0][i], res[1][i])
			}
		}
	}
	for _, h := range []int{13, 29, 512} {
		t.Run(fmt.Sprint("h=", h), func(t *testing.T) {
			const rows = 32
			b, x := fill(h), fill(rows*h)
			both(t, "addRows", fill(rows*h), func(out []float32) { addRows(out, x, b) })
			for _, span := range [][2]int{{0, h}, {0, h / 2}, {h / 2, h}} {
				lo, hi := span[0], span[1]
				both(t, fmt.Sprintf("colSum[%d:%d]", lo, hi), fill(h), func(out []float32) { colSum(out, x, h, lo, hi) })
			}
		})
	}
}
