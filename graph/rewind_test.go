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
	const batch, steps, vocab = 4, 5, 7
	for _, dt := range []tensor.Dtype{tensor.Float32, tensor.Float64} {
		for _, kind := range []string{"rnn", "gru", "lstm", "mlp"} {
			cfg := models.Config{Kind: kind, VocabSize: vocab, NumHiddens: 6, NumLayers: 2, Dtype: dt, Seed: 5}
			ma, err := models.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			mb, _ := models.New(cfg)
			gc := graph.Config{BatchSize: batch, NumSteps: steps, Loss: true}
			ua, err := graph.Unroll(ma, gc)
			if err != nil {
				t.Fatal(err)
			}
			ub, _ := graph.Unroll(mb, gc)
			graph.ResetEachRun(ub)
			if !graph.Rewinds(ua) {
				t.Fatal("rewind does not work on this Gorgonia's TapeMachine")
			}
			sa, sb := zeroStates(ma, batch, dt), zeroStates(mb, batch, dt)
			r := rand.New(rand.NewPCG(7, 8))
			for run := 0; run < 4; run++ {
				x, y := make([]int, batch*steps), make([]int, batch*steps)
				for i := range x {
					x[i], y[i] = r.IntN(vocab), r.IntN(vocab)
				}
				ids := datasets.Minibatch{X: x, Y: y, BatchSize: batch, NumSteps: steps} // any ids will do
				ga, gb := runSameBits(t, fmt.Sprintf("%s %v run %d (rewound, reset)", kind, dt, run), ua, ub, ma, sa, sb, ids)
				// An SGD step on both, so the next run sees new weights.
				for i, p := range ma.Params() {
					step(p.Value, ga[i])
					step(mb.Params()[i].Value, gb[i])
				}
			}
		}
	}
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
				t.Fatalf("%s: element %d is %v rewound, %v reset", what, i, ad[i], v)
			}
		}
	case []float64:
		for i, v := range b.Float64s() {
			if math.Float64bits(v) != math.Float64bits(ad[i]) {
				t.Fatalf("%s: element %d is %v rewound, %v reset", what, i, ad[i], v)
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
