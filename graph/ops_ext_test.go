package graph_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/unroll/unroll/graph"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func randDense(r *rand.Rand, dt tensor.Dtype, shape ...int) *tensor.Dense {
	t := tensor.New(tensor.Of(dt), tensor.WithShape(shape...))
	switch d := t.Data().(type) {
	case []float64:
		for i := range d {
			d[i] = r.NormFloat64()
		}
	case []float32:
		for i := range d {
			d[i] = float32(r.NormFloat64())
		}
	}
	return t
}

// checkGrad builds cost = build(inputs) on float64 inputs, takes G.Grad and
// compares every entry of every input's gradient with a central finite
// difference. eps 1e-5 keeps truncation (~eps^2) and round-off
// (~1e-16/eps) near 1e-10, far below the 1e-6 bound of the foundation issue.
func checkGrad(t *testing.T, inputs []*tensor.Dense, build func(g *G.ExprGraph, in G.Nodes) (*G.Node, error)) {
	t.Helper()
	g := G.NewGraph()
	var nodes G.Nodes
	for i, v := range inputs {
		// Distinct names matter: Gorgonia merges unnamed input nodes of
		// the same type and shape into one node.
		nodes = append(nodes, G.NodeFromAny(g, v, G.WithName(fmt.Sprintf("in%d", i))))
	}
	cost, err := build(g, nodes)
	if err != nil {
		t.Fatal(err)
	}
	var costV G.Value
	G.Read(cost, &costV)
	if _, err := G.Grad(cost, nodes...); err != nil {
		t.Fatal(err)
	}
	vm := G.NewTapeMachine(g, G.BindDualValues(nodes...))
	defer vm.Close()
	run := func() float64 {
		vm.Reset()
		if err := vm.RunAll(); err != nil {
			t.Fatal(err)
		}
		switch v := costV.(type) {
		case *G.F64:
			return float64(*v)
		case *tensor.Dense:
			return v.Data().(float64)
		}
		t.Fatalf("cost is %T", costV)
		return 0
	}
	run()
	sym := make([][]float64, len(nodes))
	for i, n := range nodes {
		gv, err := n.Grad()
		if err != nil {
			t.Fatal(err)
		}
		sym[i] = append([]float64(nil), gv.(*tensor.Dense).Float64s()...)
	}
	const eps = 1e-5
	for i, v := range inputs {
		d := v.Float64s()
		worst := 0.0
		for k := range d {
			orig := d[k]
			d[k] = orig + eps
			lp := run()
			d[k] = orig - eps
			lm := run()
			d[k] = orig
			num := (lp - lm) / (2 * eps)
			rel := math.Abs(num-sym[i][k]) / math.Max(math.Max(math.Abs(num), math.Abs(sym[i][k])), 1e-8)
			worst = math.Max(worst, rel)
		}
		if worst > 1e-6 {
			t.Errorf("input %d: max relative error %.3e > 1e-6", i, worst)
		}
	}
}

// sumTimes returns sum(x .* w) for a fixed random w: a scalar cost whose
// gradient with respect to x is w, so every entry of x's gradient matters.
func sumTimes(x *G.Node, r *rand.Rand) (*G.Node, error) {
	w := G.NodeFromAny(x.Graph(), randDense(r, tensor.Float64, x.Shape()...), G.WithName("w"))
	p, err := G.HadamardProd(x, w)
	if err != nil {
		return nil, err
	}
	return G.Sum(p)
}

func TestSoftmaxCrossEntropyGradient(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	labels := tensor.New(tensor.WithBacking([]int{2, 0, 4, 4, 1}))
	// N(0,1) logits: no probability falls much below 1e-3, so every
	// gradient entry stays far above the finite difference's round-off
	// (about 1e-16*loss/eps = 1e-11).
	logits := randDense(r, tensor.Float64, 5, 5)
	checkGrad(t, []*tensor.Dense{logits}, func(g *G.ExprGraph, in G.Nodes) (*G.Node, error) {
		return graph.SoftmaxCrossEntropy(in[0], G.NodeFromAny(g, labels))
	})
}

func TestAddBiasGradient(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 2))
	checkGrad(t, []*tensor.Dense{randDense(r, tensor.Float64, 4, 3), randDense(r, tensor.Float64, 3)},
		func(g *G.ExprGraph, in G.Nodes) (*G.Node, error) {
			s, err := graph.AddBias(in[0], in[1])
			if err != nil {
				return nil, err
			}
			return sumTimes(s, r)
		})
}

func TestStackRowsGradient(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	// 3 blocks of 100 rows: 300 stacked rows, past the ~256 where
	// Gorgonia's Concat gradient goes wrong.
	ins := []*tensor.Dense{randDense(r, tensor.Float64, 100, 2), randDense(r, tensor.Float64, 100, 2), randDense(r, tensor.Float64, 100, 2)}
	checkGrad(t, ins, func(g *G.ExprGraph, in G.Nodes) (*G.Node, error) {
		s, err := graph.StackRows(in...)
		if err != nil {
			return nil, err
		}
		return sumTimes(s, r)
	})
}

// TestSoftmaxCrossEntropyLargeLogits: float32 logits of +-1000 are far past
// exp's float32 range (about 88.7), where Gorgonia's SoftMax returns NaN.
// The loss must be finite and exact: for a row (1000, -1000, 0) the
// log-sum-exp is 1000 + log(1 + e^-2000 + e^-1000) = 1000 in any precision,
// so the loss of label 0 is 0, of label 1 is 2000 and of label 2 is 1000.
func TestSoftmaxCrossEntropyExactAt1000(t *testing.T) {
	for _, tc := range []struct {
		label int
		want  float64
	}{{0, 0}, {1, 2000}, {2, 1000}} {
		g := G.NewGraph()
		x := G.NodeFromAny(g, tensor.New(tensor.WithShape(1, 3), tensor.WithBacking([]float32{1000, -1000, 0})), G.WithName("x"))
		y := G.NodeFromAny(g, tensor.New(tensor.WithShape(1), tensor.WithBacking([]int{tc.label})), G.WithName("y"))
		loss, err := graph.SoftmaxCrossEntropy(x, y)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := G.Grad(loss, x); err != nil {
			t.Fatal(err)
		}
		vm := G.NewTapeMachine(g, G.BindDualValues(x))
		if err := vm.RunAll(); err != nil {
			t.Fatal(err)
		}
		got := float64(*loss.Value().(*G.F32))
		if got != tc.want {
			t.Errorf("label %d: loss %v, want exactly %v", tc.label, got, tc.want)
		}
		gv, _ := x.Grad()
		// softmax is (1, 0, 0) to float32 precision: gradient = p - onehot.
		want := []float32{1, 0, 0}
		want[tc.label]--
		for i, v := range gv.(*tensor.Dense).Float32s() {
			if math.IsNaN(float64(v)) || v != want[i] {
				t.Errorf("label %d: gradient %v, want %v", tc.label, gv, want)
				break
			}
		}
		vm.Close()
	}
}

func TestSoftmaxCrossEntropyRejectsBadLabel(t *testing.T) {
	g := G.NewGraph()
	x := G.NodeFromAny(g, tensor.New(tensor.WithShape(1, 3), tensor.WithBacking([]float64{1, 2, 3})))
	y := G.NodeFromAny(g, tensor.New(tensor.WithShape(1), tensor.WithBacking([]int{3})))
	loss, err := graph.SoftmaxCrossEntropy(x, y)
	if err != nil {
		t.Fatal(err)
	}
	_ = loss
	vm := G.NewTapeMachine(g)
	if err := vm.RunAll(); err == nil {
		t.Fatal("label 3 with 3 classes: want an error")
	}
}
