package kernels

import (
	"fmt"
	"unsafe"
)

// Op is the elementwise operation of Binary32, BinaryIncr32, Binary64
// and BinaryIncr64.
type Op int

// The operations.
const (
	Add Op = iota // a + b
	Sub           // a - b
	Mul           // a * b
)

// vecOps are one path's elementwise kernels for one element type: each
// does n elements, n a multiple of lanes (see gen/vec.go). A nil fn is a
// path without them (the portable one): the Go loops do everything.
type vecOps[T Float] struct {
	lanes int
	fn    [3]func(n int, dst, a, b *T) // dst = a op b, by Op
	incr  [3]func(n int, dst, a, b *T) // dst += a op b, by Op
}

// vecSet is a path's elementwise kernels.
type vecSet struct {
	s vecOps[float32]
	d vecOps[float64]
}

// goVec is the portable path's: none, so the Go loops run.
var goVec vecSet

// Binary32 sets dst[i] = a[i] op b[i]. The slices must have the same
// length; dst may be a or b (not otherwise overlap them). Each element is
// one IEEE operation, as in the plain Go loop: the same bits on every
// path.
func Binary32(op Op, dst, a, b []float32) { binary(&cur.v.s, op, false, dst, a, b) }

// BinaryIncr32 sets dst[i] += a[i] op b[i]: dst[i] + (a[i] op b[i]), two
// IEEE operations (never fused), as in the plain Go loop.
func BinaryIncr32(op Op, dst, a, b []float32) { binary(&cur.v.s, op, true, dst, a, b) }

// Binary64 is Binary32 for float64.
func Binary64(op Op, dst, a, b []float64) { binary(&cur.v.d, op, false, dst, a, b) }

// BinaryIncr64 is BinaryIncr32 for float64.
func BinaryIncr64(op Op, dst, a, b []float64) { binary(&cur.v.d, op, true, dst, a, b) }

func binary[T Float](k *vecOps[T], op Op, incr bool, dst, a, b []T) {
	if op < Add || op > Mul {
		panic(fmt.Sprintf("kernels: unknown elementwise op %d", op))
	}
	if len(a) != len(dst) || len(b) != len(dst) {
		panic(fmt.Sprintf("kernels: elementwise op on slices of lengths %d, %d into %d", len(a), len(b), len(dst)))
	}
	fn := k.fn[op]
	if incr {
		fn = k.incr[op]
	}
	m := 0
	if fn != nil {
		m = len(dst) - len(dst)%k.lanes
		if m > 0 {
			fn(m, unsafe.SliceData(dst), unsafe.SliceData(a), unsafe.SliceData(b))
		}
	}
	goBinary(op, incr, dst[m:], a[m:], b[m:])
}

// goBinary is the plain Go loop, the same statements as
// gorgonia.org/tensor's (internal/execution, vecf32/vecf64).
func goBinary[T Float](op Op, incr bool, dst, a, b []T) {
	a = a[:len(dst)]
	b = b[:len(dst)]
	switch {
	case op == Add && !incr:
		for i := range dst {
			dst[i] = a[i] + b[i]
		}
	case op == Sub && !incr:
		for i := range dst {
			dst[i] = a[i] - b[i]
		}
	case op == Mul && !incr:
		for i := range dst {
			dst[i] = a[i] * b[i]
		}
	case op == Add:
		for i := range dst {
			dst[i] += a[i] + b[i]
		}
	case op == Sub:
		for i := range dst {
			dst[i] += a[i] - b[i]
		}
	case op == Mul:
		for i := range dst {
			dst[i] += a[i] * b[i]
		}
	}
}
