package blas

import (
	"math/rand/v2"
	"slices"
	"testing"

	gblas "gonum.org/v1/gonum/blas"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/unroll/unroll/internal/kernels"
)

// TestGorgoniaUsesKernels: in the default build, a Gorgonia matrix product
// and its two gradient products (dX = dY W^T, dW = X^T dY) come out of
// package kernels, bit for bit, on every kernel path this CPU has. (gonum's
// Sgemm rounds a multiply and an add separately, the kernels fuse them: at
// K=28..512 on random data their bits differ, so this would fail if the
// products ran on gonum; the portable path is checked for the same bits as
// the kernels, which here are gonum's too.)
func TestGorgoniaUsesKernels(t *testing.T) {
	defer func() { _ = SelectKernels("") }()
	const m, k, n = 32, 28, 512 // X_t W_xh of the book's RNN (B=32, V=28, H=512)
	r := rand.New(rand.NewPCG(1, 2))
	xv := make([]float32, m*k)
	wv := make([]float32, k*n)
	for i := range xv {
		xv[i] = float32(r.NormFloat64())
	}
	for i := range wv {
		wv[i] = float32(r.NormFloat64())
	}
	for _, p := range kernels.Available() {
		if err := SelectKernels(p); err != nil {
			t.Fatal(err)
		}
		g := G.NewGraph()
		x := G.NewMatrix(g, tensor.Float32, G.WithShape(m, k), G.WithName("x"), G.WithValue(tensor.New(tensor.WithShape(m, k), tensor.WithBacking(slices.Clone(xv)))))
		w := G.NewMatrix(g, tensor.Float32, G.WithShape(k, n), G.WithName("w"), G.WithValue(tensor.New(tensor.WithShape(k, n), tensor.WithBacking(slices.Clone(wv)))))
		y := G.Must(G.Mul(x, w))
		var yv G.Value
		G.Read(y, &yv)
		cost := G.Must(G.Sum(G.Must(G.Square(y))))
		if _, err := G.Grad(cost, x, w); err != nil {
			t.Fatal(err)
		}
		vm := G.NewTapeMachine(g)
		if err := vm.RunAll(); err != nil {
			t.Fatal(err)
		}
		got := yv.Data().([]float32)
		want := make([]float32, m*n)
		kernels.Sgemm(false, false, m, n, k, 1, xv, k, wv, n, 0, want, n)
		if !slices.Equal(got, want) {
			t.Fatalf("%s: G.Mul's product is not the kernels' bits", p)
		}
		// dY = 2Y.
		dy := make([]float32, m*n)
		for i, v := range want {
			dy[i] = 2 * v
		}
		dxWant := make([]float32, m*k)
		kernels.Sgemm(false, true, m, k, n, 1, dy, n, wv, n, 0, dxWant, k)
		dwWant := make([]float32, k*n)
		kernels.Sgemm(true, false, k, n, m, 1, xv, k, dy, n, 0, dwWant, n)
		dx, _ := x.Grad()
		dw, _ := w.Grad()
		if !slices.Equal(dx.Data().([]float32), dxWant) {
			t.Errorf("%s: dX is not the kernels' dY W^T", p)
		}
		if !slices.Equal(dw.Data().([]float32), dwWant) {
			t.Errorf("%s: dW is not the kernels' X^T dY", p)
		}
		vm.Close()
		// The same with gonum's BLAS must differ (or the test proves
		// nothing), except on the portable path: plain Go multiplies and
		// adds in gonum's order, and (on amd64) does not fuse them.
		alt := make([]float32, m*n)
		Own{}.Implementation.Sgemm(gblas.NoTrans, gblas.NoTrans, m, n, k, 1, xv, k, wv, n, 0, alt, n)
		if p != kernels.Generic && slices.Equal(alt, want) {
			t.Errorf("%s: gonum gives the same bits: the test cannot tell the BLAS apart", p)
		}
	}
}
