package graph

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// sharedGrads derives the gradients with symbolicGrads, every wrt node a
// parameter, and checks that the shared ones (want: name -> op prefix)
// are summed by this package's ops.
func sharedGrads(t *testing.T, want map[string]string) func(loss *G.Node, wrt G.Nodes) (map[*G.Node]bool, error) {
	return func(loss *G.Node, wrt G.Nodes) (map[*G.Node]bool, error) {
		grads, dead, err := symbolicGrads(loss, wrt, wrt)
		if err != nil {
			return nil, err
		}
		for i, w := range wrt {
			got := fmt.Sprint(grads[i].Op())
			prefix, ok := want[w.Name()]
			_, summed := grads[i].Op().(sumMulTNOp)
			if ok && !strings.HasPrefix(got, prefix) || !ok && summed {
				t.Errorf("gradient of %s is %s, want %q", w.Name(), got, prefix)
			}
		}
		return dead, nil
	}
}

// A weight and a bias used at three steps, as a recurrent cell uses them
// (y_t = tanh(x_t W + b), x_t of different heights, so the stacking is
// checked too): the gradients symbolicGrads sums over the steps at once
// (sumMulTN for W, one colSums for b) against central finite differences
// in float64, the checks of ops_test.go. A weight used in another way as
// well (h ⊙ W beside x W) keeps G.Grad's own sum, and is checked alike.
func TestSharedWeightGradients(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	params := []fdParam{randParam(r, "W", 5, 4), randParam(r, "b", 4), randParam(r, "x1", 2, 5), randParam(r, "x2", 3, 5), randParam(r, "x3", 1, 5)}
	build := func(g *G.ExprGraph, p G.Nodes) (*G.Node, error) {
		var e Expr
		var ys G.Nodes
		for _, x := range p[2:] {
			ys = append(ys, e.Tanh(e.AddBias(e.Mul(x, p[0]), p[1])))
		}
		if e.Err() != nil {
			return nil, e.Err()
		}
		return StackRows(ys...)
	}
	checkFDWith(t, fdEps, params, build, sharedGrads(t, map[string]string{"W": "ΣAᵀ×B3", "b": "ColSum3"}))

	params = []fdParam{randParam(r, "W", 4, 4), randParam(r, "x1", 2, 4), randParam(r, "x2", 2, 4)}
	mixed := func(g *G.ExprGraph, p G.Nodes) (*G.Node, error) {
		var e Expr
		a, b := e.Mul(p[1], p[0]), e.Mul(p[2], p[0])
		h := e.Hadamard(e.Add(a, b), e.Mul(p[1], e.Hadamard(p[0], p[0])))
		return h, e.Err()
	}
	checkFDWith(t, fdEps, params, mixed, sharedGrads(t, map[string]string{}))
}

// sumMulTN is x_1ᵀ dy_1 + ... + x_kᵀ dy_k, the sum of the products in
// float64, to rounding, in both dtypes (its product runs on the BLAS in use).
func TestSumMulTNIsTheSumOfProducts(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	rows := []int{3, 1, 7}
	for _, dt := range []string{"float64", "float32"} {
		g := G.NewGraph()
		var xs, dys G.Nodes
		var xv, dv [][]float64
		for i, n := range rows {
			x, d := randParam(r, "x", n, 6), randParam(r, "d", n, 5)
			xv, dv = append(xv, x.v.Float64s()), append(dv, d.v.Float64s())
			xn, dn := G.NodeFromAny(g, asDtype(x.v, dt), G.WithName(fmt.Sprint("x", i))), G.NodeFromAny(g, asDtype(d.v, dt), G.WithName(fmt.Sprint("d", i)))
			xs, dys = append(xs, xn), append(dys, dn)
		}
		out, err := sumMulTN(xs, dys)
		if err != nil {
			t.Fatal(err)
		}
		var v G.Value
		G.Read(out, &v)
		vm := G.NewTapeMachine(g)
		for run := 0; run < 2; run++ { // the second run reuses the op's buffers
			vm.Reset()
			if err := vm.RunAll(); err != nil {
				t.Fatal(err)
			}
			got := floats(v)
			tol := 1e-14
			if dt == "float32" {
				tol = 1e-5 // float32 rounding of 11 terms of size ~0.25
			}
			for a := 0; a < 6; a++ {
				for b := 0; b < 5; b++ {
					want := 0.0
					for i, n := range rows {
						for j := 0; j < n; j++ {
							want += xv[i][j*6+a] * dv[i][j*5+b]
						}
					}
					if e := relErr(got[a*5+b], want); e > tol {
						t.Fatalf("%s run %d: element (%d, %d) is %v, want %v", dt, run, a, b, got[a*5+b], want)
					}
				}
			}
		}
		vm.Close()
	}
	if _, err := sumMulTN(G.Nodes{}, G.Nodes{}); err == nil {
		t.Error("sumMulTN of nothing: no error")
	}
}

// asDtype returns d (float64) as a float32 tensor when dt is "float32".
func asDtype(d *tensor.Dense, dt string) *tensor.Dense {
	if dt != "float32" {
		return d
	}
	f := make([]float32, d.DataSize())
	for i, v := range d.Float64s() {
		f[i] = float32(v)
	}
	return tensor.New(tensor.WithShape(d.Shape()...), tensor.WithBacking(f))
}

// floats returns a float tensor's values as float64.
func floats(v G.Value) []float64 {
	switch d := v.Data().(type) {
	case []float32:
		out := make([]float64, len(d))
		for i, x := range d {
			out[i] = float64(x)
		}
		return out
	case []float64:
		return d
	}
	return nil
}
