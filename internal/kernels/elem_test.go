package kernels

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// The elementwise kernels of elem.go give, on every path, the bits of the
// plain Go loops they replace (graph/act.go's actDeriv, graph/bias.go's
// addRows and colSum, train/solver.go's axpy and scaleBy, as they were
// written before these kernels), over vecLengths (0, 1, each remainder
// around one and several vectors, large) with special values mixed in,
// and at an odd offset (unaligned slices). A NaN matches any NaN
// (sameBits32).

// elemInputs returns random values with the special ones mixed in, and
// the same at offset 1 of a longer slice.
func elemInputs(r *rand.Rand, n int) [][]float32 {
	return [][]float32{randVec[float32](r, n), randVec[float32](r, n+1)[1:]}
}

// sameBits32 fails unless got and want are the same bits, element by
// element, where any NaN matches any NaN: when both operands of a sum are
// NaN, which one comes out (its sign) is the operand order the compiler
// chose, not the program's (the same Go statement compiled in two
// functions can differ).
func sameBits32(t *testing.T, what string, n int, got, want []float32) {
	t.Helper()
	for i := range want {
		g, w := got[i], want[i]
		if math.Float32bits(g) != math.Float32bits(w) && !(g != g && w != w) {
			t.Fatalf("%s, n=%d: element %d is %v (%#x), the Go loop gives %v (%#x)", what, n, i, g, math.Float32bits(g), w, math.Float32bits(w))
		}
	}
}

func TestElemDerivSameBitsEveryPath(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	forEachPath(t, func(t *testing.T) {
		for _, n := range vecLengths {
			for _, y := range elemInputs(r, n) {
				// Outputs of the activations too: values in [-1, 1].
				for i := range y {
					if r.IntN(2) == 0 {
						y[i] = float32(r.Float64()*2 - 1)
					}
				}
				want := make([]float32, n)
				for i, v := range y {
					want[i] = 1 - v*v
				}
				got := make([]float32, n)
				TanhDeriv32(got, y)
				sameBits32(t, "TanhDeriv32", n, got, want)
				for i, v := range y {
					want[i] = v * (1 - v)
				}
				SigmoidDeriv32(got, y)
				sameBits32(t, "SigmoidDeriv32", n, got, want)
				// In place.
				in := slices.Clone(y)
				SigmoidDeriv32(in, in)
				sameBits32(t, "SigmoidDeriv32 in place", n, in, want)
			}
		}
	})
}

func TestElemAxpyScaleSameBitsEveryPath(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	forEachPath(t, func(t *testing.T) {
		for _, n := range vecLengths {
			for _, a := range []float32{-0.7, 1, 0, float32(math.Inf(-1)), float32(math.NaN()), float32(r.NormFloat64())} {
				ins := elemInputs(r, n)
				y, x := ins[0], ins[1]
				want := slices.Clone(y)
				for i := range want {
					want[i] += a * x[i]
				}
				got := slices.Clone(y)
				Axpy32(got, x, a)
				sameBits32(t, "Axpy32", n, got, want)

				want = slices.Clone(x)
				for i := range want {
					want[i] *= a
				}
				got = slices.Clone(x)
				Scale32(got, a)
				sameBits32(t, "Scale32", n, got, want)
			}
		}
	})
}

func TestElemBiasSameBitsEveryPath(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	forEachPath(t, func(t *testing.T) {
		for _, h := range []int{1, 7, 16, 17, 33, 64, 512} {
			for _, rows := range []int{0, 1, 3, 16} {
				x := randVec[float32](r, rows*h)
				b := randVec[float32](r, h)
				want := make([]float32, len(x))
				for i := 0; i < len(x); i += h {
					for j := range b {
						want[i+j] = x[i+j] + b[j]
					}
				}
				got := make([]float32, len(x))
				AddRows32(got, x, b)
				sameBits32(t, "AddRows32", len(x), got, want)

				// Column sums of every block of columns [lo, hi), added to
				// values already there, as colSumOp does.
				for _, c := range [][2]int{{0, h}, {0, h / 2}, {h / 2, h}, {h / 3, h - h/3}} {
					lo, hi := c[0], c[1]
					init := randVec[float32](r, hi-lo)
					want := slices.Clone(init)
					for i := 0; i < len(x); i += h {
						for j, v := range x[i+lo : i+hi] {
							want[j] += v
						}
					}
					got := slices.Clone(init)
					AddColSums32(got, x[min(lo, len(x)):], h)
					sameBits32(t, "AddColSums32", len(x), got, want)
				}
			}
		}
	})
}

// SumSquares32: every path gives the bits of sixteen sums in lanes (the
// reference below, written out), and that is the sum of squares to within
// float64 rounding (n*2^-52 relative: each sum is a float64 sum of exact
// squares).
func TestElemSumSquaresSameBitsEveryPath(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	forEachPath(t, func(t *testing.T) {
		for _, n := range vecLengths {
			for _, x := range elemInputs(r, n) {
				for pass := 0; pass < 2; pass++ {
					if pass == 1 { // finite values only, for the comparison with the plain sum
						for i, v := range x {
							if math.IsInf(float64(v), 0) || v != v {
								x[i] = float32(r.NormFloat64())
							}
						}
					}
					var lanes [16]float64
					for i, v := range x {
						lanes[i%16] += float64(v) * float64(v)
					}
					var want, plain float64
					for _, s := range lanes {
						want += s
					}
					for _, v := range x {
						plain += float64(v) * float64(v)
					}
					got := SumSquares32(x)
					if math.Float64bits(got) != math.Float64bits(want) && !(got != got && want != want) {
						t.Fatalf("SumSquares32, n=%d: %v (%#x), the sixteen lanes give %v (%#x)", n, got, math.Float64bits(got), want, math.Float64bits(want))
					}
					if pass == 1 && math.Abs(got-plain) > float64(n)*0x1p-52*plain {
						t.Fatalf("SumSquares32, n=%d: %v, the plain sum %v", n, got, plain)
					}
				}
			}
		}
	})
}

// The activations at every length around the vector widths (the tails
// run in Go), against the scalar code.
func TestActLengthsEveryPath(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	forEachPath(t, func(t *testing.T) {
		for _, n := range vecLengths {
			for _, x := range elemInputs(r, n) {
				for name, f := range map[string][2]func(dst, x []float32){
					"Sigmoid32": {Sigmoid32, func(d, x []float32) {
						for i, v := range x {
							d[i] = sigmoidf(v)
						}
					}},
					"Tanh32": {Tanh32, func(d, x []float32) {
						for i, v := range x {
							d[i] = tanhf(v)
						}
					}},
				} {
					got, want := make([]float32, n), make([]float32, n)
					f[0](got, x)
					f[1](want, x)
					sameBits32(t, name, n, got, want)
				}
			}
		}
	})
}
