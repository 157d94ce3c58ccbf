package graph

import (
	"math"
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// The finite-difference checks of this file build a small float64 graph
// around the op under test, reduce its output to the scalar
// L = sum(out .* R) with a fixed random R (so every output entry matters
// with a different weight), and compare the symbolic gradient of every
// differentiable input (G.Grad, run on a TapeMachine) with the central
// difference (L(p+eps) - L(p-eps)) / 2eps of the same machine, entry by
// entry (100 random entries of the larger inputs).

// fdEps: truncation error ~eps^2 * L”' ~ 1e-10 and round-off
// ~1e-16 * |L| / eps ~ 1e-11 for the values used here (|L| < 100).
const fdEps = 1e-5

// fdTol is the foundation issue's bound on the relative error.
const fdTol = 1e-6

// fdParam is an input of the checked graph with its values.
type fdParam struct {
	name  string
	shape []int
	v     *tensor.Dense
}

func randParam(r *rand.Rand, name string, shape ...int) fdParam {
	t := tensor.New(tensor.Of(tensor.Float64), tensor.WithShape(shape...))
	for i, d := 0, t.Float64s(); i < len(d); i++ {
		d[i] = r.NormFloat64() * 0.5 // N(0, 0.25): gradients well above noise
	}
	return fdParam{name, shape, t}
}

func idsTensor(r *rand.Rand, n, v int) *tensor.Dense {
	ids := make([]int, n)
	for i := range ids {
		ids[i] = r.IntN(v)
	}
	ids[0], ids[n-1] = 0, 0 // a repeated id: its gradient rows must add
	return tensor.New(tensor.WithShape(n), tensor.WithBacking(ids))
}

// checkFD builds build(g, nodes) over the params, then checks every
// param's gradient against finite differences.
func checkFD(t *testing.T, params []fdParam, build func(g *G.ExprGraph, p G.Nodes) (*G.Node, error)) {
	checkFDEps(t, fdEps, params, build)
}

// checkFDEps is checkFD with step eps.
func checkFDEps(t *testing.T, eps float64, params []fdParam, build func(g *G.ExprGraph, p G.Nodes) (*G.Node, error)) {
	t.Helper()
	checkFDWith(t, eps, params, build, func(loss *G.Node, wrt G.Nodes) (map[*G.Node]bool, error) {
		_, err := G.Grad(loss, wrt...)
		return nil, err
	})
}

// checkFDWith is checkFDEps with the gradients derived by grad, which
// returns the nodes to leave out of the machine (see symbolicGrads).
func checkFDWith(t *testing.T, eps float64, params []fdParam, build func(g *G.ExprGraph, p G.Nodes) (*G.Node, error),
	grad func(loss *G.Node, wrt G.Nodes) (map[*G.Node]bool, error)) {
	t.Helper()
	g := G.NewGraph()
	nodes := make(G.Nodes, len(params))
	for i, p := range params {
		nodes[i] = G.NodeFromAny(g, p.v, G.WithName(p.name))
	}
	out, err := build(g, nodes)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(9, 9))
	var loss *G.Node
	if out.IsScalar() {
		loss = G.Must(G.Mul(out, G.NewConstant(1.3)))
	} else {
		w := randParam(r, "R", out.Shape()...)
		loss = G.Must(G.Sum(G.Must(G.HadamardProd(out, G.NodeFromAny(g, w.v, G.WithName("R"))))))
	}
	var lossV G.Value
	G.Read(loss, &lossV)
	dead, err := grad(loss, nodes)
	if err != nil {
		t.Fatal(err)
	}
	prog := g
	if len(dead) > 0 {
		var live G.Nodes
		for _, n := range g.AllNodes() {
			if !dead[n] {
				live = append(live, n)
			}
		}
		prog = g.Subgraph(live...)
	}
	vm := G.NewTapeMachine(prog, G.BindDualValues(nodes...))
	defer vm.Close()
	run := func() float64 {
		for _, n := range nodes {
			if gv, err := n.Grad(); err == nil {
				if d, ok := gv.(*tensor.Dense); ok {
					d.Zero()
				}
			}
		}
		vm.Reset()
		if err := vm.RunAll(); err != nil {
			t.Fatal(err)
		}
		l, err := scalarOf("test", lossV)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	run()
	// Every gradient is read before any input is perturbed: the gradient
	// of one input depends on the values of the others.
	syms := make([][]float64, len(nodes))
	for i, n := range nodes {
		gv, err := n.Grad()
		if err != nil {
			t.Fatalf("%s: %v", n.Name(), err)
		}
		syms[i] = append([]float64(nil), gv.(*tensor.Dense).Float64s()...)
	}
	for i, sym := range syms {
		d := params[i].v.Float64s()
		worst := 0.0
		// Large inputs: 100 entries drawn at random keep the test short.
		entries := r.Perm(len(d))[:min(len(d), 100)]
		for _, j := range entries {
			orig := d[j]
			d[j] = orig + eps
			lp := run()
			d[j] = orig - eps
			lm := run()
			d[j] = orig
			if e := relErr(sym[j], (lp-lm)/(2*eps)); e > worst {
				worst = e
			}
		}
		t.Logf("%-4s max relative error %.2e", params[i].name, worst)
		if worst > fdTol {
			t.Errorf("%s: symbolic gradient differs from finite differences: max relative error %.3e > %g", params[i].name, worst, fdTol)
		}
	}
}

// relErr is |a-b| / max(|a|, |b|) with a floor of 1e-8 on the denominator,
// so that entries whose gradient is zero on both sides agree.
func relErr(a, b float64) float64 {
	return math.Abs(a-b) / math.Max(math.Max(math.Abs(a), math.Abs(b)), 1e-8)
}

func TestAddBiasFD(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	checkFD(t, []fdParam{randParam(r, "x", 5, 3), randParam(r, "b", 3)},
		func(g *G.ExprGraph, p G.Nodes) (*G.Node, error) { return AddBias(p[0], p[1]) })
}

func TestStackRowsFD(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 4))
	checkFD(t, []fdParam{randParam(r, "a", 2, 3), randParam(r, "b", 1, 3), randParam(r, "c", 4, 3)},
		func(g *G.ExprGraph, p G.Nodes) (*G.Node, error) { return StackRows(p...) })
}

func TestSoftmaxCrossEntropyFD(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	labels := idsTensor(r, 6, 4)
	checkFD(t, []fdParam{randParam(r, "O", 6, 4)},
		func(g *G.ExprGraph, p G.Nodes) (*G.Node, error) {
			y := G.NodeFromAny(g, labels, G.WithName("Y"))
			return SoftmaxCrossEntropy(p[0], y)
		})
}

// TestSoftmaxCrossEntropyLargeLogits: float32 logits far beyond exp's range
// (up to 1000) must give the loss and gradient computed in float64 from the
// same values, to float32 precision, where Gorgonia's SoftMax kernel gives
// NaN from about 88.
func TestSoftmaxCrossEntropyLargeLogits(t *testing.T) {
	logits := []float32{1000, 999, -5, 88, 89, 90, 0, 0, 500}
	labels := []int{1, 0, 2}
	g := G.NewGraph()
	o := G.NodeFromAny(g, tensor.New(tensor.WithShape(3, 3), tensor.WithBacking(logits)), G.WithName("O"))
	y := G.NodeFromAny(g, tensor.New(tensor.WithShape(3), tensor.WithBacking(labels)), G.WithName("Y"))
	loss := G.Must(SoftmaxCrossEntropy(o, y))
	var lossV G.Value
	G.Read(loss, &lossV)
	if _, err := G.Grad(loss, o); err != nil {
		t.Fatal(err)
	}
	vm := G.NewTapeMachine(g, G.BindDualValues(o))
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	var want float64
	wantGrad := make([]float64, 9)
	for i, lab := range labels {
		row := logits[i*3 : i*3+3]
		m := math.Inf(-1)
		for _, z := range row {
			m = math.Max(m, float64(z))
		}
		var s float64
		for _, z := range row {
			s += math.Exp(float64(z) - m)
		}
		want += (m + math.Log(s) - float64(row[lab])) / 3
		for j, z := range row {
			wantGrad[i*3+j] = math.Exp(float64(z)-m) / s / 3
		}
		wantGrad[i*3+lab] -= 1.0 / 3
	}
	got, _ := scalarOf("test", lossV)
	// 1e-6: the loss is rounded to float32 once (relative 6e-8 of ~1).
	if math.Abs(got-want) > 1e-6 {
		t.Errorf("loss %v, want %v", got, want)
	}
	gv, _ := o.Grad()
	for i, v := range gv.(*tensor.Dense).Float32s() {
		// 1e-7: |entry| <= 1/3, computed in float32 from float32
		// probabilities (a few roundings of relative 6e-8 each, and
		// expf's error within 2 ulp: TestExpfAccuracy).
		if math.Abs(float64(v)-wantGrad[i]) > 1e-7 {
			t.Errorf("gradient[%d] = %v, want %v", i, v, wantGrad[i])
		}
	}
}
