package graph_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"gorgonia.org/tensor"

	"github.com/unroll/unroll/datasets"
	"github.com/unroll/unroll/graph"
	"github.com/unroll/unroll/internal/par"
	"github.com/unroll/unroll/models"
)

// A minibatch run as blocks of sequences (Parallel) computes one graph's
// loss, gradients and final state over all of them, up to float64
// rounding (closeTo's 1e-10: the sums over rows are taken in another
// order; a block weighted wrongly, or its rows or state mixed up, changes
// the first digits): equal blocks, uneven ones (7 rows in 3 blocks of 2, 2
// and 3), blocks that are themselves chunked, and the evaluation graph.
// The blocks are fixed by the batch and the parts, so one core and two
// give the same bits.
func TestParallelMatchesWhole(t *testing.T) {
	defer par.SetWorkers(par.Workers())
	const vocab = 6
	for _, c := range []struct {
		kind                       string
		batch, parts, steps, chunk int
	}{
		{"rnn", 4, 2, 5, 0},
		{"gru", 7, 3, 4, 0},
		{"lstm", 6, 2, 7, 3},
		{"mlp", 4, 2, 3, 0},
	} {
		m, err := models.New(models.Config{Kind: c.kind, VocabSize: vocab, NumHiddens: 5, Dtype: tensor.Float64, Seed: 3})
		if err != nil {
			t.Fatal(err)
		}
		r := rand.New(rand.NewPCG(1, 2))
		n := c.batch * c.steps
		x, y := make([]int, n), make([]int, n)
		for i := range x {
			x[i], y[i] = r.IntN(vocab), r.IntN(vocab)
		}
		var s0 []*tensor.Dense
		for _, s := range m.States() {
			d := make([]float64, c.batch*s.Size)
			for i := range d {
				d[i] = r.NormFloat64() / 2
			}
			s0 = append(s0, tensor.New(tensor.WithShape(c.batch, s.Size), tensor.WithBacking(d)))
		}
		clone := func() []*tensor.Dense {
			var out []*tensor.Dense
			for _, s := range s0 {
				out = append(out, s.Clone().(*tensor.Dense))
			}
			return out
		}
		mb := datasets.Minibatch{X: x, Y: y, BatchSize: c.batch, NumSteps: c.steps} // any ids will do
		whole, err := graph.Unroll(m, graph.Config{BatchSize: c.batch, NumSteps: c.steps, Loss: true})
		if err != nil {
			t.Fatal(err)
		}
		sw := clone()
		lw, err := whole.Run(mb, sw)
		if err != nil {
			t.Fatal(err)
		}
		gw, _ := whole.Grads()
		var bits [][]float64
		for _, workers := range []int{2, 1} {
			par.SetWorkers(workers)
			pr, err := graph.NewRunner(m, graph.Config{BatchSize: c.batch, NumSteps: c.steps, Loss: true, Parts: c.parts, ChunkSteps: c.chunk})
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := pr.(*graph.Parallel); !ok {
				t.Fatalf("%s: NewRunner gave %T for %d parts", c.kind, pr, c.parts)
			}
			if s := pr.Summary(); s.Parts != c.parts {
				t.Errorf("%s: Summary says %d parts, want %d", c.kind, s.Parts, c.parts)
			}
			var all []float64
			for run := 1; run <= 2; run++ { // the second run must not add to the first's gradients
				sp := clone()
				lp, err := pr.Run(mb, sp)
				if err != nil {
					t.Fatal(err)
				}
				gp, _ := pr.Grads()
				closeTo(t, c.kind+" loss", []float64{lp}, []float64{lw})
				all = append(all, lp)
				for i, p := range m.Params() {
					closeTo(t, c.kind+" d"+p.Name, gp[i].Float64s(), gw[i].Float64s())
					all = append(all, gp[i].Float64s()...)
				}
				for i := range sp {
					closeTo(t, c.kind+" final state", sp[i].Float64s(), sw[i].Float64s())
					all = append(all, sp[i].Float64s()...)
				}
			}
			bits = append(bits, all)
			ev, err := graph.NewRunner(m, graph.Config{BatchSize: c.batch, NumSteps: c.steps, Loss: true, NoGrad: true, Parts: c.parts, ChunkSteps: c.chunk})
			if err != nil {
				t.Fatal(err)
			}
			le, err := ev.Run(mb, clone())
			if err != nil {
				t.Fatal(err)
			}
			closeTo(t, c.kind+" evaluation loss", []float64{le}, []float64{lw})
			pr.Close()
			ev.Close()
		}
		for i := range bits[0] {
			if math.Float64bits(bits[0][i]) != math.Float64bits(bits[1][i]) {
				t.Fatalf("%s: value %d is %v on two cores, %v on one", c.kind, i, bits[0][i], bits[1][i])
			}
		}
	}
}

// NewRunner splits a training minibatch in two when each half keeps at
// least 8 sequences, and not a graph that must stay whole (Extend).
func TestNewRunnerParts(t *testing.T) {
	m, err := models.New(models.Config{Kind: "rnn", VocabSize: 6, NumHiddens: 4})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		cfg  graph.Config
		want int
	}{
		{graph.Config{BatchSize: 32, NumSteps: 3, Loss: true}, graph.DefaultParts},
		{graph.Config{BatchSize: 16, NumSteps: 3, Loss: true}, graph.DefaultParts},
		{graph.Config{BatchSize: 15, NumSteps: 3, Loss: true}, 1},
		{graph.Config{BatchSize: 8, NumSteps: 3, Loss: true}, 1},
		{graph.Config{BatchSize: 32, NumSteps: 3, Loss: true, Parts: 1}, 1},
		{graph.Config{BatchSize: 32, NumSteps: 3, Loss: true, Extend: func(*graph.Unrolled) error { return nil }}, 1},
		{graph.Config{BatchSize: 32, NumSteps: 3}, 1},
	} {
		r, err := graph.NewRunner(m, c.cfg)
		if err != nil {
			t.Fatal(err)
		}
		_, split := r.(*graph.Parallel)
		if split != (c.want > 1) {
			t.Errorf("batch %d, parts %d: NewRunner gave %T", c.cfg.BatchSize, c.cfg.Parts, r)
		}
		r.Close()
	}
	if _, err := graph.NewRunner(m, graph.Config{BatchSize: 32, NumSteps: 3, Loss: true, Parts: 2, StateGrad: true}); err == nil {
		t.Error("Parts 2 with StateGrad: no error")
	}
}
