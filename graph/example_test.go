package graph_test

import (
	"fmt"
	"math"
	"math/rand/v2"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// The identity the book's RNN section shows: the hidden-state update
// X W_xh + H W_hh equals one product of the concatenations,
// concat(X, H) along columns times concat(W_xh, W_hh) along rows,
// for X (3,1), W_xh (1,4), H (3,4), W_hh (4,4).
func Example_concatIdentity() {
	r := rand.New(rand.NewPCG(0, 0))
	normal := func(rows, cols int) *tensor.Dense {
		d := make([]float64, rows*cols)
		for i := range d {
			d[i] = r.NormFloat64()
		}
		return tensor.New(tensor.WithShape(rows, cols), tensor.WithBacking(d))
	}
	g := G.NewGraph()
	X := G.NodeFromAny(g, normal(3, 1), G.WithName("X"))
	Wxh := G.NodeFromAny(g, normal(1, 4), G.WithName("W_xh"))
	H := G.NodeFromAny(g, normal(3, 4), G.WithName("H"))
	Whh := G.NodeFromAny(g, normal(4, 4), G.WithName("W_hh"))

	sum := G.Must(G.Add(G.Must(G.Mul(X, Wxh)), G.Must(G.Mul(H, Whh))))
	XH := G.Must(G.Concat(1, X, H))    // (3, 5)
	W := G.Must(G.Concat(0, Wxh, Whh)) // (5, 4)
	cat := G.Must(G.Mul(XH, W))

	vm := G.NewTapeMachine(g)
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		fmt.Println(err)
		return
	}
	a := sum.Value().Data().([]float64)
	b := cat.Value().Data().([]float64)
	var diff float64
	for i := range a {
		diff = math.Max(diff, math.Abs(a[i]-b[i]))
	}
	fmt.Println("X W_xh + H W_hh:", sum.Shape())
	fmt.Println("concat(X, H) concat(W_xh, W_hh):", XH.Shape(), "x", W.Shape(), "=", cat.Shape())
	// Both sides sum the same five products per entry, in float64.
	fmt.Println("max |difference| below 1e-12:", diff < 1e-12)
	// Output:
	// X W_xh + H W_hh: (3, 4)
	// concat(X, H) concat(W_xh, W_hh): (3, 5) x (5, 4) = (3, 4)
	// max |difference| below 1e-12: true
}
