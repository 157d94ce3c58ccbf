package graph

import (
	"math"
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func TestSigmoidTanhFD(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for _, f := range []func(*G.Node) (*G.Node, error){Sigmoid, Tanh} {
		x := randParam(r, "x", 5, 7)
		for i, d := 0, x.v.Float64s(); i < len(d); i++ {
			d[i] *= 4 // N(0, 4): well into both tails (the slope there is ~1e-3) and the middle
		}
		checkFD(t, []fdParam{x}, func(g *G.ExprGraph, p G.Nodes) (*G.Node, error) { return f(p[0]) })
	}
}

// ulps is the distance between two float32s in units in the last place.
func ulps(a, b float32) int64 {
	ia, ib := int64(int32(math.Float32bits(a))), int64(int32(math.Float32bits(b)))
	if ia < 0 {
		ia = math.MinInt32 - ia
	}
	if ib < 0 {
		ib = math.MinInt32 - ib
	}
	if d := ia - ib; d >= 0 {
		return d
	}
	return ib - ia
}

// The float32 sigmoid and tanh against float64's, rounded to float32: at
// most 2 units in the last place (Cephes documents about 1 for expf and
// tanhf; the sigmoid adds a division), over the range that matters and
// beyond, including the edges where exp under- or overflows.
func TestActFloat32(t *testing.T) {
	const maxUlps = 2
	xs := []float32{0, -0, 1e-30, -1e-30, 1e-7, 0.624, 0.625, 0.626, -0.625, 8.99, 9, 9.01, 17, 40, 87, 88, 88.7, 88.8, -87, -87.3, -87.4, -100, 100}
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 200000; i++ {
		xs = append(xs, float32(r.NormFloat64()*4), float32(r.Float64()*200-100))
	}
	worst := map[actKind]int64{}
	for _, k := range []actKind{sigmoidAct, tanhAct} {
		// All at once: the values go through the kernels' SIMD loop (and
		// its scalar tail).
		got := make([]float32, len(xs))
		act32(k, got, xs)
		for i, x := range xs {
			var want float32
			if k == sigmoidAct {
				want = float32(1 / (1 + math.Exp(-float64(x))))
			} else {
				want = float32(math.Tanh(float64(x)))
			}
			if u := ulps(got[i], want); u > worst[k] {
				worst[k] = u
				if u > maxUlps {
					t.Errorf("%v(%v) = %v, float64 gives %v: %d ulps", k, x, got[i], want, u)
				}
			}
		}
	}
	t.Logf("worst: sigmoid %d ulps, tanh %d ulps", worst[sigmoidAct], worst[tanhAct])
}

// The derivative is one op of this package and the chain rule's product
// Gorgonia's HadamardProd.
func TestActDerivativeIsOneOp(t *testing.T) {
	for _, f := range []func(*G.Node) (*G.Node, error){Sigmoid, Tanh} {
		g := G.NewGraph()
		x := G.NewMatrix(g, tensor.Float32, G.WithShape(2, 3), G.WithName("x"))
		y, err := f(x)
		if err != nil {
			t.Fatal(err)
		}
		s, err := G.Sum(y)
		if err != nil {
			t.Fatal(err)
		}
		before := g.AllNodes().Len()
		if _, err := G.Grad(s, x); err != nil {
			t.Fatal(err)
		}
		var names []string
		derivs := 0
		for _, n := range g.AllNodes()[before:] {
			names = append(names, n.Op().String())
			if n.Op().String() == y.Op().String()+"Deriv" {
				derivs++
			}
		}
		if derivs != 1 {
			t.Errorf("%s: gradient nodes %v: want exactly one %sDeriv", y.Op(), names, y.Op())
		}
	}
}
