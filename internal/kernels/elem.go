package kernels

import "fmt"

// The float32 elementwise work of a training step around its matrix
// products: the activations' derivatives, a bias added to every row and
// its gradient's column sums, axpy and scaling for the solver and for
// combining blocks' gradients, and the sum of squares of the gradient
// norm. Each has a plain Go loop (below) and, on the avx2 and avx512
// paths, kernels of gen/elem.go that do each lane's operations in the
// loop's order, never fused: the same bits on every path (TestElem*).
// The Go loops are the statements they replace, unchanged: with the
// default GOAMD64=v1 the compiler fuses no multiply-add, and it may order
// a sum's operands as it likes (which decides the sign of a NaN out of
// two NaNs), so a conversion such as float32(a*x[i]) would not be the
// same loop.

// elemSet is a path's kernels: each does n elements (colSums cols
// columns), n a multiple of lanes (16 for sumSquares whatever the path).
// A nil *elemSet (the portable path) runs the Go loops only.
type elemSet struct {
	lanes                   int
	sigmoid, tanh           func(dst, x *float32, n int)
	tanhDeriv, sigmoidDeriv func(n int, dst, y *float32)
	axpy                    func(n int, y, x *float32, a float32)
	scale                   func(n int, x *float32, a float32)
	sumSquares              func(n int, x *float32, acc *float64)
	exp                     func(n int, dst, x *float32)                  // Exp32's (gen/exp.go)
	colSums                 func(rows, cols int, dst, x *float32, ld int) // AddColSums32's (gen/exp.go)
}

// elem is the current path's kernels (nil: the Go loops).
func elem() *elemSet { return archElem(cur.path) }

// TanhDeriv32 sets dst[i] = 1 - y[i]*y[i], tanh's derivative from its
// output y: the product rounded, then the difference. len(dst) >= len(y);
// dst may be y.
func TanhDeriv32(dst, y []float32) {
	dst = dst[:len(y)]
	n := 0
	if k := elem(); k != nil {
		n = len(y) - len(y)%k.lanes
		if n > 0 {
			k.tanhDeriv(n, &dst[0], &y[0])
		}
	}
	for i, v := range y[n:] {
		dst[n+i] = 1 - v*v
	}
}

// SigmoidDeriv32 sets dst[i] = y[i] * (1 - y[i]), the sigmoid's
// derivative from its output y. len(dst) >= len(y); dst may be y.
func SigmoidDeriv32(dst, y []float32) {
	dst = dst[:len(y)]
	n := 0
	if k := elem(); k != nil {
		n = len(y) - len(y)%k.lanes
		if n > 0 {
			k.sigmoidDeriv(n, &dst[0], &y[0])
		}
	}
	for i, v := range y[n:] {
		dst[n+i] = v * (1 - v)
	}
}

// AddRows32 sets each row of dst (width len(b)) to the same row of x plus
// b: dst[i] = x[i] + b[i%len(b)], one IEEE sum each (Binary32). dst and x
// have the same length, a multiple of len(b); dst may be x.
func AddRows32(dst, x, b []float32) {
	h := len(b)
	if len(dst) != len(x) || h == 0 && len(x) > 0 || h > 0 && len(x)%h != 0 {
		panic(fmt.Sprintf("kernels: AddRows32 of %d values into %d, rows of width %d", len(x), len(dst), h))
	}
	for i := 0; i < len(x); i += h {
		Binary32(Add, dst[i:i+h], x[i:i+h], b)
	}
}

// AddColSums32 adds to dst the rows x[r*ld : r*ld+len(dst)] for r = 0, 1,
// ... while the row is inside x, in that order: each dst[j] gets its
// column's values one IEEE sum at a time, as the loop
//
//	for r := range rows { for j := range dst { dst[j] += x[r*ld+j] } }
//
// does (Binary32 on each row). ld >= len(dst), ld > 0.
func AddColSums32(dst, x []float32, ld int) {
	if ld <= 0 || ld < len(dst) {
		panic(fmt.Sprintf("kernels: AddColSums32 of rows %d apart into %d columns", ld, len(dst)))
	}
	w := len(dst)
	if w == 0 || len(x) < w {
		return
	}
	rows := (len(x)-w)/ld + 1
	// The kernels keep tiles of columns in registers over all the rows
	// (gen/exp.go's genColSums): each column gets the loop's sums.
	c := 0
	if k := elem(); k != nil {
		c = w - w%k.lanes
		if c > 0 {
			k.colSums(rows, c, &dst[0], &x[0], ld)
		}
	}
	if c == w {
		return
	}
	for r := range rows {
		i := r * ld
		Binary32(Add, dst[c:], dst[c:], x[i+c:i+w])
	}
}

// Axpy32 sets y[i] += a*x[i]: the product rounded, then the sum, y its
// first operand.
// len(x) >= len(y); they must not overlap.
func Axpy32(y, x []float32, a float32) {
	x = x[:len(y)]
	n := 0
	if k := elem(); k != nil {
		n = len(y) - len(y)%k.lanes
		if n > 0 {
			k.axpy(n, &y[0], &x[0], a)
		}
	}
	for i := n; i < len(y); i++ {
		y[i] += a * x[i]
	}
}

// Scale32 sets x[i] *= a.
func Scale32(x []float32, a float32) {
	n := 0
	if k := elem(); k != nil {
		n = len(x) - len(x)%k.lanes
		if n > 0 {
			k.scale(n, &x[0], a)
		}
	}
	for i := n; i < len(x); i++ {
		x[i] *= a
	}
}

// SumSquares32 returns the sum of float64(x[i])² for float32 x, each
// square exact in float64, in sixteen sums: x[i] goes to sum i%16, in
// order of i, and the sums are added from sum 0 to sum 15. Every path
// adds the same numbers in that order (the kernels keep the sixteen sums
// in vector lanes): the same bits everywhere, and from run to run.
func SumSquares32(x []float32) float64 {
	var acc [16]float64
	n := 0
	if k := elem(); k != nil {
		n = len(x) &^ 15
		if n > 0 {
			k.sumSquares(n, &x[0], &acc[0])
		}
	}
	for i := n; i < len(x); i++ {
		v := float64(x[i])
		acc[i%16] += v * v
	}
	var s float64
	for _, a := range acc {
		s += a
	}
	return s
}
