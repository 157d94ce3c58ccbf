package graph_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"gorgonia.org/tensor"

	"github.com/unroll/unroll/datasets"
	"github.com/unroll/unroll/graph"
	"github.com/unroll/unroll/models"
)

// A chunked run computes the whole sequence's loss, gradients and final
// state: the same as one graph over all the steps, up to float64 rounding
// (the sums are taken in another order). 1e-10 relative: float64 round-off
// over a few thousand terms is about 1e-13; a dropped chunk boundary term
// (a wrong carry) changes the gradients in their first digits.
func TestChunkedMatchesWhole(t *testing.T) {
	const batch, vocab = 3, 6
	cases := []struct {
		kind         string
		layers       int
		steps, chunk int
	}{
		{"rnn", 1, 7, 3}, // chunks 3, 3, 1
		{"rnn", 1, 6, 3}, // chunks 3, 3
		{"gru", 1, 7, 3},
		{"lstm", 1, 8, 3}, // 3, 3, 2
		{"rnn", 2, 5, 2},
		{"lstm", 2, 5, 4},
		{"mlp", 1, 5, 2},
	}
	for _, c := range cases {
		m, err := models.New(models.Config{Kind: c.kind, VocabSize: vocab, NumHiddens: 5, NumLayers: c.layers, Dtype: tensor.Float64, Seed: 3})
		if err != nil {
			t.Fatal(err)
		}
		r := rand.New(rand.NewPCG(1, 2))
		n := batch * c.steps
		x, y := make([]int, n), make([]int, n)
		for i := range x {
			x[i], y[i] = r.IntN(vocab), r.IntN(vocab)
		}
		state := func() []*tensor.Dense {
			var out []*tensor.Dense
			for _, s := range m.States() {
				d := make([]float64, batch*s.Size)
				for i := range d {
					d[i] = r.NormFloat64() / 2
				}
				out = append(out, tensor.New(tensor.WithShape(batch, s.Size), tensor.WithBacking(d)))
			}
			return out
		}
		s0 := state()
		clone := func() []*tensor.Dense {
			var out []*tensor.Dense
			for _, s := range s0 {
				out = append(out, s.Clone().(*tensor.Dense))
			}
			return out
		}
		whole, err := graph.Unroll(m, graph.Config{BatchSize: batch, NumSteps: c.steps, Loss: true})
		if err != nil {
			t.Fatal(err)
		}
		sw := clone()
		mb := datasets.Minibatch{X: x, Y: y, BatchSize: batch, NumSteps: c.steps} // any ids will do
		lw, err := whole.Run(mb, sw)
		if err != nil {
			t.Fatal(err)
		}
		gw, _ := whole.Grads()
		ch, err := graph.NewRunner(m, graph.Config{BatchSize: batch, NumSteps: c.steps, Loss: true, ChunkSteps: c.chunk})
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := ch.(*graph.Chunked); !ok {
			t.Fatalf("%s: NewRunner gave %T for %d steps in chunks of %d", c.kind, ch, c.steps, c.chunk)
		}
		for run := 1; run <= 2; run++ { // the second run must not add to the first's gradients
			sc := clone()
			lc, err := ch.Run(mb, sc)
			if err != nil {
				t.Fatal(err)
			}
			gc, _ := ch.Grads()
			name := func(what string) string {
				return c.kind + " " + what
			}
			closeTo(t, name("loss"), []float64{lc}, []float64{lw})
			for i, p := range m.Params() {
				closeTo(t, name("d"+p.Name), gc[i].Float64s(), gw[i].Float64s())
			}
			for i := range sc {
				closeTo(t, name("final state"), sc[i].Float64s(), sw[i].Float64s())
			}
		}
		ev, err := graph.NewRunner(m, graph.Config{BatchSize: batch, NumSteps: c.steps, Loss: true, NoGrad: true, ChunkSteps: c.chunk})
		if err != nil {
			t.Fatal(err)
		}
		le, err := ev.Run(mb, clone())
		if err != nil {
			t.Fatal(err)
		}
		closeTo(t, c.kind+" evaluation loss", []float64{le}, []float64{lw})
	}
}

func closeTo(t *testing.T, what string, got, want []float64) {
	t.Helper()
	var scale, worst float64
	for i := range want {
		scale = math.Max(scale, math.Abs(want[i]))
		worst = math.Max(worst, math.Abs(got[i]-want[i]))
	}
	if len(got) != len(want) || worst > 1e-10*math.Max(scale, 1e-300) {
		t.Errorf("%s: chunked differs from whole by %.3g (scale %.3g)", what, worst, scale)
	}
}

// Only a causal model is chunked: a bidirectional layer reads the sequence
// from its end, so its chunks cannot run in order.
func TestNewRunnerKeepsNonCausalWhole(t *testing.T) {
	m, err := models.New(models.Config{Kind: "rnn", VocabSize: 6, NumHiddens: 4, Bidirectional: true, Dtype: tensor.Float64})
	if err != nil {
		t.Fatal(err)
	}
	r, err := graph.NewRunner(m, graph.Config{BatchSize: 2, NumSteps: 9, Loss: true, ChunkSteps: 3})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := r.(*graph.Unrolled); !ok {
		t.Fatalf("NewRunner chunked a bidirectional model: %T", r)
	}
}

// Compile work does not grow with the steps once they are chunked: the
// same graphs (a forward-only chunk, a full one, a shorter last one) for
// 6 chunks and for 60. The time itself is measured by cmd/train's "graph:"
// line, not in a test.
func TestChunkedCompileDoesNotGrow(t *testing.T) {
	m, err := models.New(models.Config{Kind: "lstm", VocabSize: 6, NumHiddens: 4})
	if err != nil {
		t.Fatal(err)
	}
	var sums []graph.Summary
	for _, steps := range []int{6*8 + 3, 60*8 + 3} {
		r, err := graph.NewRunner(m, graph.Config{BatchSize: 2, NumSteps: steps, Loss: true, ChunkSteps: 8})
		if err != nil {
			t.Fatal(err)
		}
		sums = append(sums, r.Summary())
		r.Close()
	}
	a, b := sums[0], sums[1]
	if a.Graphs != 3 || b.Graphs != 3 || a.Nodes != b.Nodes {
		t.Errorf("51 steps: %d graphs of %d nodes in all; 483 steps: %d graphs of %d nodes; want 3 graphs each, the same nodes", a.Graphs, a.Nodes, b.Graphs, b.Nodes)
	}
}
