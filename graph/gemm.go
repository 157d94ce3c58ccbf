package graph

import (
	"sync/atomic"
	"time"

	"gorgonia.org/tensor"

	"github.com/unroll/unroll/internal/blas"
)

// gemm sets c = a' b' + beta*c for row-major matrices, where a' is a (m, k)
// or its transpose when ta, and b' is b (k, n) or its transpose when tb.
// It runs on the BLAS selected by the build (package internal/blas); when
// the build splits products itself (blas.SplitGemm), large ones are cut
// into column (or row) blocks run by blas.RunParts.
func gemm[T float32 | float64](ta, tb bool, m, n, k int, a, b []T, beta T, c []T) {
	lda, ldb := k, n
	if ta {
		lda = m
	}
	if tb {
		ldb = k
	}
	parts := splitParts(2 * m * n * k)
	if parts == 1 {
		gemmBlock(ta, tb, m, n, k, a, lda, b, ldb, beta, c, n)
		return
	}
	var buf [4]blas.Call // on the stack where RunParts lets it
	calls := buf[:]
	if parts > len(buf) {
		calls = make([]blas.Call, parts)
	}
	calls = calls[:parts]
	if n >= m || n >= 2*splitAlign*parts {
		// Column block [j0, j1) of c needs columns j0..j1 of b'.
		for i := range calls {
			j0, j1 := span(n, parts, i)
			bo := j0 // offset of b' column j0 in b
			if tb {
				bo = j0 * ldb
			}
			calls[i] = call(ta, tb, m, j1-j0, k, a, lda, b[bo:], ldb, beta, c[j0:], n)
		}
	} else {
		// Row block [i0, i1) of c needs rows i0..i1 of a'.
		for i := range calls {
			i0, i1 := span(m, parts, i)
			ao := i0 * lda // offset of a' row i0 in a
			if ta {
				ao = i0
			}
			calls[i] = call(ta, tb, i1-i0, n, k, a[ao:], lda, b, ldb, beta, c[i0*n:], n)
		}
	}
	runParts(calls, 1)
}

// splitParts is the number of blocks a product of flops is cut into.
func splitParts(flops int) int {
	if !blas.SplitGemm || flops < minSplitFlops {
		return 1
	}
	return max(blas.Parts(), 1)
}

// call describes one BLAS call for blas.RunParts.
func call[T float32 | float64](ta, tb bool, m, n, k int, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) blas.Call {
	r := blas.Call{TA: ta, TB: tb, M: m, N: n, K: k, LDA: lda, LDB: ldb, LDC: ldc, Beta: float64(beta)}
	switch c := any(c).(type) {
	case []float32:
		r.A32, r.B32, r.C32 = any(a).([]float32), any(b).([]float32), c
	case []float64:
		r.A64, r.B64, r.C64 = any(a).([]float64), any(b).([]float64), c
	}
	return r
}

// runParts is blas.RunParts, timed by MeasureProducts.
func runParts(calls []blas.Call, perPart int) {
	if productClock.on.Load() {
		defer productClock.add(time.Now())
	}
	blas.RunParts(calls, perPart)
}

// minSplitFlops: products below about 2 MFLOP (30 microseconds on one core)
// are not worth waking a second one.
const minSplitFlops = 2 << 20

// splitAlign keeps column blocks a multiple of 16 floats (64 bytes).
const splitAlign = 16

// span returns block i of n indices cut into parts blocks whose sizes are
// multiples of splitAlign (the last takes the remainder).
func span(n, parts, i int) (lo, hi int) {
	size := (n + parts - 1) / parts
	size = (size + splitAlign - 1) / splitAlign * splitAlign
	lo, hi = min(i*size, n), min((i+1)*size, n)
	return lo, hi
}

// minParElems: elementwise passes over fewer values than this (about 20
// microseconds of work) stay on one goroutine.
const minParElems = 1 << 15

// gemmBlock is one BLAS call with explicit leading dimensions.
func gemmBlock[T float32 | float64](ta, tb bool, m, n, k int, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	if productClock.on.Load() {
		defer productClock.add(time.Now())
	}
	d := call(ta, tb, m, n, k, a, lda, b, ldb, beta, c, ldc)
	d.Run()
}

// outBuf is an operator's own output tensor, kept from one run of the
// machine to the next. Gorgonia's TapeMachine drops every register's value
// on Reset, so an op that writes into the value it is offered re-allocates
// its output on every minibatch; an op holding an outBuf allocates once.
//
// This is safe because every node runs exactly once per run and nothing else
// aliases the buffer: the TapeMachine only hands a value to another node
// (as its preallocated output) once every reader of this node has run, and
// values read out of the graph (G.Read) are copies.
type outBuf struct{ d *tensor.Dense }

// get returns the buffer, (re)allocated when the dtype or shape differs.
// Its contents are whatever the previous run left.
func (o *outBuf) get(dt tensor.Dtype, shape ...int) *tensor.Dense {
	if o.d == nil || o.d.Dtype() != dt || !o.d.Shape().Eq(tensor.Shape(shape)) {
		o.d = tensor.New(tensor.Of(dt), tensor.WithShape(shape...))
	}
	return o.d
}

// productClock sums the wall time spent in BLAS calls while it is on.
var productClock clock

type clock struct {
	on atomic.Bool
	ns atomic.Int64
}

func (c *clock) add(start time.Time) { c.ns.Add(int64(time.Since(start))) }

// MeasureProducts starts (on) or stops summing the wall time the graphs'
// matrix products take, and returns the sum so far; starting resets it.
// It is how the minibatch benchmarks tell the share of a minibatch spent
// outside matrix products. The sum is exact when products are not split
// over goroutines by package par (the pure-Go build with blas.SplitGemm
// on, as only tests set it); blocks run by blas.RunParts, and gonum's own
// goroutines, run inside the calls it times.
func MeasureProducts(on bool) time.Duration {
	if on {
		productClock.ns.Store(0)
	}
	productClock.on.Store(on)
	return time.Duration(productClock.ns.Load())
}
