package train_test

import (
	"context"
	"math"
	"reflect"
	"slices"
	"testing"

	"github.com/unroll/unroll/datasets"
	"github.com/unroll/unroll/graph"
	"github.com/unroll/unroll/models"
	"github.com/unroll/unroll/train"
	"gorgonia.org/tensor"
)

// TestSolverPointerReceivers: only the pointers are solvers. A value SGD
// would take the Trainer's SetLR on a copy and keep its own rate while the
// metrics report the scheduled one; with every method on the pointer,
// `tr.Solver = train.SGD{LR: 1}` does not compile.
func TestSolverPointerReceivers(t *testing.T) {
	solver := reflect.TypeFor[train.Solver]()
	setter := reflect.TypeFor[train.RateSetter]()
	stateful := reflect.TypeFor[train.StatefulSolver]()
	for _, v := range []reflect.Type{reflect.TypeFor[train.SGD](), reflect.TypeFor[train.Adam]()} {
		for _, i := range []reflect.Type{solver, setter, stateful} {
			if v.Implements(i) {
				t.Errorf("the value type %v implements %v: give every method a pointer receiver", v, i)
			}
			if p := reflect.PointerTo(v); !p.Implements(i) {
				t.Errorf("%v does not implement %v", p, i)
			}
		}
	}
}

// TestScheduleSetsSolverRate: a solver the user puts in Trainer.Solver
// (with a rate of its own) updates with the scheduled rate of each epoch.
// The corpus holds one minibatch per epoch and clipping is off, so the
// epoch's update of every parameter is exactly -lr * (its gradient), and
// the gradient is still in the graph's buffers when the hook runs.
func TestScheduleSetsSolverRate(t *testing.T) {
	const batch, steps, vocab = 2, 3, 5
	m, err := models.NewRNN(models.Config{VocabSize: vocab, NumHiddens: 4, Dtype: tensor.Float64, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	// MinTokens ids: every offset the epoch draws leaves one minibatch.
	ids := make([]int, datasets.MinTokens(batch, steps, datasets.Sequential))
	for i := range ids {
		ids[i] = i * 3 % vocab
	}
	cfg := train.Config{Epochs: 3, BatchSize: batch, NumSteps: steps, LR: 1, Clip: 0,
		Schedule: train.Schedule{Kind: "step", Step: 1, Gamma: 0.5}}
	tr, err := train.New(m, ids, cfg)
	if err != nil {
		t.Fatal(err)
	}
	sgd := &train.SGD{LR: 123} // not the schedule's: the Trainer sets it
	tr.Solver = sgd
	before := snapshot(m.Params())
	wantLR := []float64{1, 0.5, 0.25} // LR * Gamma^(epoch-1)
	tr.Hooks = append(tr.Hooks, train.HookFunc(func(s train.EpochStats) error {
		want := wantLR[s.Epoch-1]
		if s.LR != want || sgd.LR != want {
			t.Errorf("epoch %d: metrics say lr %v, the solver has %v; want %v", s.Epoch, s.LR, sgd.LR, want)
		}
		grads, err := tr.Graph().Grads()
		if err != nil {
			t.Fatal(err)
		}
		after := snapshot(m.Params())
		for i, p := range m.Params() {
			g := grads[i].Float64s()
			for j := range g {
				// Float64: the update p - lr*g rounds once.
				if d := after[i][j] - before[i][j]; math.Abs(d+want*g[j]) > 1e-12*(1+math.Abs(before[i][j])) {
					t.Fatalf("epoch %d: %s[%d] moved by %v, want -%v * %v", s.Epoch, p.Name, j, d, want, g[j])
				}
			}
		}
		before = after
		return nil
	}))
	if _, err := tr.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if tr.Updates() != 3 {
		t.Fatalf("%d updates, want one per epoch", tr.Updates())
	}
}

func snapshot(ps []graph.Param) [][]float64 {
	out := make([][]float64, len(ps))
	for i, p := range ps {
		out[i] = slices.Clone(p.Value.Float64s())
	}
	return out
}
