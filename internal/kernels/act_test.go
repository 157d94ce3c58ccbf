package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// The activations give the same bits on every path: the AVX2 loop computes
// exactly the scalar Go code's operations (gen's genAct), over random
// values, the branch edges (0.625 and 9 for tanh, where expf's argument
// makes its result subnormal or zero for the sigmoid), zeros of both
// signs, infinities and NaN, in a slice whose length is not a multiple of
// 8 (the tail runs in Go).
func TestActSameBitsEveryPath(t *testing.T) {
	xs := []float32{0, float32(math.Copysign(0, -1)), 1e-30, -1e-30, 1e-7, 0.624, 0.625, 0.626, -0.625, -0.626,
		8.99, 9, 9.01, -9, -9.01, 17, 40, 87, 88, 88.7, 88.8, 100, 1e30,
		-87, -87.3, -87.4, -87.5, -90, -100, -103.97, -103.98, -104, -1e30,
		float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN())}
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 100003; i++ {
		xs = append(xs, float32(r.NormFloat64()*4), float32(r.Float64()*240-120))
	}
	want := map[string][]float32{"sigmoid": make([]float32, len(xs)), "tanh": make([]float32, len(xs))}
	for i, x := range xs {
		want["sigmoid"][i], want["tanh"][i] = sigmoidf(x), tanhf(x)
	}
	forEachPath(t, func(t *testing.T) {
		for name, f := range map[string]func(dst, x []float32){"sigmoid": Sigmoid32, "tanh": Tanh32} {
			got := make([]float32, len(xs))
			f(got, xs)
			for i, x := range xs {
				g, w := got[i], want[name][i]
				if math.Float32bits(g) != math.Float32bits(w) && !(g != g && w != w) {
					t.Fatalf("%s(%v) = %v (%#x), the scalar code gives %v (%#x)", name, x, g, math.Float32bits(g), w, math.Float32bits(w))
				}
			}
		}
	})
}

// expf's own edges: +Inf and 0 beyond the float32 range, NaN through.
func TestExpfEdges(t *testing.T) {
	for _, x := range []float32{float32(math.Inf(1)), float32(math.Inf(-1)), 89, -105} {
		if e := expf(x); x > 0 && !math.IsInf(float64(e), 1) || x < 0 && e != 0 {
			t.Errorf("expf(%v) = %v", x, e)
		}
	}
	if e := expf(float32(math.NaN())); e == e {
		t.Errorf("expf(NaN) = %v", e)
	}
}
