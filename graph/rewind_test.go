package graph_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gorgonia.org/tensor"

	"github.com/unroll/unroll/datasets"
	"github.com/unroll/unroll/graph"
	"github.com/unroll/unroll/models"
)

// A machine rewound between runs (its buffers kept) computes the same bits
// as one Reset before every run (its buffers dropped and re-allocated):
// loss, every gradient and the final state, over several minibatches with
// different tokens and a parameter update between them, for every cell,
// in float32 (training) and float64 (checks).
func TestRewindSameBits(t *testing.T) {
	everyCellTwice(t, func(dt tensor.Dtype, kind string, ma, mb graph.Model, gc graph.Config) {
		ua, ub := unrollTwice(t, ma, mb, gc)
		graph.ResetEachRun(ub)
		if !graph.Rewinds(ua) {
			t.Fatal("rewind does not work on this Gorgonia's TapeMachine")
		}
		runsSameBits(t, fmt.Sprintf("%s %v (rewound, reset)", kind, dt), ua, ub, ma, mb, gc, rand.New(rand.NewPCG(7, 8)))
	})
}

// unrollTwice unrolls the two copies of a model.
func unrollTwice(t *testing.T, ma, mb graph.Model, gc graph.Config) (ua, ub *graph.Unrolled) {
	t.Helper()
	ua, err := graph.Unroll(ma, gc)
	if err != nil {
		t.Fatal(err)
	}
	ub, err = graph.Unroll(mb, gc)
	if err != nil {
		t.Fatal(err)
	}
	return ua, ub
}

// runsSameBits runs ua and ub (graphs of the copies ma and mb of a model)
// on four minibatches of random tokens, each from the state the last left,
// with an SGD step on both copies between them (so that later runs see new
// weights), and checks every run with runSameBits.
func runsSameBits(t *testing.T, what string, ua, ub *graph.Unrolled, ma, mb graph.Model, gc graph.Config, r *rand.Rand) {
	t.Helper()
	dt := ma.Params()[0].Value.Dtype()
	sa, sb := zeroStates(ma, gc.BatchSize, dt), zeroStates(mb, gc.BatchSize, dt)
	for run := 0; run < 4; run++ {
		ids := randomIDs(r, gc) // any ids will do
		ga, gb := runSameBits(t, fmt.Sprintf("%s run %d", what, run), ua, ub, ma, sa, sb, ids)
		for i, p := range ma.Params() {
			step(p.Value, ga[i])
			step(mb.Params()[i].Value, gb[i])
		}
	}
}

// everyCellTwice calls f for every cell kind (two layers, 6 hidden units,
// a vocabulary of 7) in float32 and float64 with two copies of the model
// (same seed) and a graph config of 4 sequences of 5 steps with a loss.
func everyCellTwice(t *testing.T, f func(dt tensor.Dtype, kind string, ma, mb graph.Model, gc graph.Config)) {
	t.Helper()
	for _, dt := range []tensor.Dtype{tensor.Float32, tensor.Float64} {
		for _, kind := range []string{"rnn", "gru", "lstm", "mlp"} {
			cfg := models.Config{Kind: kind, VocabSize: 7, NumHiddens: 6, NumLayers: 2, Dtype: dt, Seed: 5}
			ma, err := models.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			mb, _ := models.New(cfg)
			f(dt, kind, ma, mb, graph.Config{BatchSize: 4, NumSteps: 5, Loss: true})
		}
	}
}

// randomIDs returns a minibatch of gc's shape of random token ids and
// targets of everyCellTwice's vocabulary.
func randomIDs(r *rand.Rand, gc graph.Config) datasets.Minibatch {
	n := gc.BatchSize * gc.NumSteps
	x, y := make([]int, n), make([]int, n)
	for i := range x {
		x[i], y[i] = r.IntN(7), r.IntN(7)
	}
	return datasets.Minibatch{X: x, Y: y, BatchSize: gc.BatchSize, NumSteps: gc.NumSteps}
}

// runSameBits runs ua and ub (graphs of two copies of model ma) on ids
// from the states sa and sb, and checks that the loss, every gradient and
// the final state have the same bits in both; it returns the gradients.
func runSameBits(t *testing.T, what string, ua, ub *graph.Unrolled, ma graph.Model, sa, sb []*tensor.Dense, ids datasets.Minibatch) (ga, gb []*tensor.Dense) {
	t.Helper()
	la, err := ua.Run(ids, sa)
	if err != nil {
		t.Fatal(err)
	}
	lb, err := ub.Run(ids, sb)
	if err != nil {
		t.Fatal(err)
	}
	if math.Float64bits(la) != math.Float64bits(lb) {
		t.Fatalf("%s: loss %v and %v", what, la, lb)
	}
	ga, _ = ua.Grads()
	gb, _ = ub.Grads()
	for i, p := range ma.Params() {
		sameBits(t, what+" d"+p.Name, ga[i], gb[i])
	}
	for i := range sa {
		sameBits(t, what+" state", sa[i], sb[i])
	}
	return ga, gb
}

func zeroStates(m graph.Model, batch int, dt tensor.Dtype) []*tensor.Dense {
	var out []*tensor.Dense
	for _, s := range m.States() {
		out = append(out, tensor.New(tensor.Of(dt), tensor.WithShape(batch, s.Size)))
	}
	return out
}

func sameBits(t *testing.T, what string, a, b *tensor.Dense) {
	t.Helper()
	switch ad := a.Data().(type) {
	case []float32:
		for i, v := range b.Float32s() {
			if math.Float32bits(v) != math.Float32bits(ad[i]) {
				t.Fatalf("%s: element %d is %v in the first, %v in the second", what, i, ad[i], v)
			}
		}
	case []float64:
		for i, v := range b.Float64s() {
			if math.Float64bits(v) != math.Float64bits(ad[i]) {
				t.Fatalf("%s: element %d is %v in the first, %v in the second", what, i, ad[i], v)
			}
		}
	}
}

func step(w, g *tensor.Dense) {
	switch wd := w.Data().(type) {
	case []float32:
		for i, v := range g.Float32s() {
			wd[i] -= 0.5 * v
		}
	case []float64:
		for i, v := range g.Float64s() {
			wd[i] -= 0.5 * v
		}
	}
}
