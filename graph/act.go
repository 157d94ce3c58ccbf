package graph

import (
	"fmt"
	"math"

	"github.com/unroll/unroll/internal/blas"
)

// Activation is the elementwise nonlinearity phi of a recurrent step.
type Activation int

const (
	Tanh Activation = iota // the book's choice
	ReLU
)

func (a Activation) String() string {
	switch a {
	case Tanh:
		return "tanh"
	case ReLU:
		return "relu"
	}
	return fmt.Sprintf("Activation(%d)", int(a))
}

func (a Activation) valid() bool { return a == Tanh || a == ReLU }

// apply sets x[i] = phi(x[i]).
func apply[T float32 | float64](a Activation, x []T) {
	switch a {
	case Tanh:
		switch x := any(x).(type) {
		case []float32:
			tanhSlice32(x)
		case []float64:
			for i, v := range x {
				x[i] = math.Tanh(v)
			}
		}
	case ReLU:
		for i, v := range x {
			x[i] = max(v, 0)
		}
	}
}

// applyGrad sets dst[i] = g[i] * phi'(.) with the derivative written in
// terms of the activation's output h: 1 - h^2 for tanh, [h > 0] for ReLU.
func applyGrad[T float32 | float64](a Activation, dst, h, g []T) {
	g = g[:len(dst)]
	h = h[:len(dst)]
	if d, ok := any(dst).([]float32); ok && a == Tanh && blas.Vec32 != nil {
		blas.Vec32.TanhGrad(d, any(h).([]float32), any(g).([]float32))
		return
	}
	switch a {
	case Tanh:
		for i, v := range h {
			dst[i] = g[i] * (1 - v*v)
		}
	case ReLU:
		for i, v := range h {
			if v > 0 {
				dst[i] = g[i]
			} else {
				dst[i] = 0
			}
		}
	}
}

// tanhSlice32 sets x[i] = tanh32(x[i]), with the openblas build's SIMD
// kernel when there is one (the same algorithm, in C).
func tanhSlice32(x []float32) {
	if blas.Tanh32 != nil {
		blas.Tanh32(x)
		return
	}
	// The float64 values go through memory: converting each float32 in a
	// register just before the call makes every call wait for the previous
	// one (the conversion merges into a register the last call wrote),
	// which was measured four times slower.
	var buf [256]float64
	for len(x) > 0 {
		n := min(len(x), len(buf))
		for i, v := range x[:n] {
			buf[i] = float64(v)
		}
		for i, v := range buf[:n] {
			x[i] = float32(tanh64(v))
		}
		x = x[n:]
	}
}

// tanh32 returns tanh(x) rounded to float32: within one float32 ulp of
// math.Tanh (TestTanh32).
func tanh32(x float32) float32 { return float32(tanh64(float64(x))) }

// tanh64 is tanh to about 1e-11 relative error (float32's needs), several
// times faster than math.Tanh. It is -m/(2+m) with m = exp(-2|x|) - 1.
//
// exp(y) for y = -2|x| in [-20, 0] is 2^k exp(r) with k the integer nearest
// y/ln 2 and |r| <= ln(2)/2, so m = 2^k q + (2^k - 1) with q = exp(r) - 1
// from its Taylor polynomial of degree 9 (relative error below
// |r|^9/10! < 2.4e-11). Evaluating q without its leading 1 keeps small
// inputs (k = 0, m = q) free of cancellation.
func tanh64(x float64) float64 {
	// 1 - tanh(10) = 4e-9 is below half a float32 ulp of 1, so larger
	// inputs give exactly +-1 anyway; the clamp keeps 2^k representable.
	a := min(math.Abs(x), 10)
	y := -2 * a
	k := int(y*math.Log2E - 0.5) // nearest integer to y/ln2, for y <= 0
	r := y - float64(k)*math.Ln2
	q := r * (1 + r*(1.0/2+r*(1.0/6+r*(1.0/24+r*(1.0/120+r*(1.0/720+r*(1.0/5040+r*(1.0/40320+r*(1.0/362880)))))))))
	s := math.Float64frombits(uint64(k+1023) << 52) // 2^k
	m := s*q + (s - 1)
	return math.Copysign(-m/(2+m), x)
}
