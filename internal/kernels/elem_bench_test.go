package kernels

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkElem times each elementwise kernel of elem.go (and the
// activations) on every path over one block of the book's RNN: 16 rows of
// H=512 (8192 float32, in L1/L2), in ns per call; the generic path is the
// Go loops the kernels replaced.
func BenchmarkElem(b *testing.B) {
	const rows, h = 16, 512
	r := rand.New(rand.NewPCG(1, 2))
	x := make([]float32, rows*h)
	y := make([]float32, rows*h)
	for i := range x {
		x[i], y[i] = float32(r.NormFloat64()), float32(r.Float64()*2-1)
	}
	bias := x[:h]
	dst := make([]float32, rows*h)
	fns := []struct {
		name string
		fn   func()
	}{
		{"Tanh32", func() { Tanh32(dst, x) }},
		{"Sigmoid32", func() { Sigmoid32(dst, x) }},
		{"TanhDeriv32", func() { TanhDeriv32(dst, y) }},
		{"SigmoidDeriv32", func() { SigmoidDeriv32(dst, y) }},
		{"AddRows32", func() { AddRows32(dst, x, bias) }},
		{"AddColSums32", func() { clear(dst[:h]); AddColSums32(dst[:h], x, h) }},
		{"Axpy32", func() { Axpy32(dst, x, 1e-30) }},
		{"Scale32", func() { Scale32(dst, 1) }},
		{"SumSquares32", func() { _ = SumSquares32(x) }},
	}
	for _, p := range Available() {
		for _, f := range fns {
			b.Run(string(p)+"/"+f.name, func(b *testing.B) {
				if err := Select(p); err != nil {
					b.Fatal(err)
				}
				defer func() { _ = Select("") }()
				for b.Loop() {
					f.fn()
				}
			})
		}
	}
}
