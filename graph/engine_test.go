package graph_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"gorgonia.org/tensor"

	"github.com/unroll/unroll/graph"
	"github.com/unroll/unroll/internal/blas"
)

// countEngine counts the elementwise Add, Sub and Mul that reach the
// graphs' engine.
type countEngine struct {
	blas.Engine
	n *int
}

func (e countEngine) Add(a, b tensor.Tensor, opts ...tensor.FuncOpt) (tensor.Tensor, error) {
	*e.n++
	return e.Engine.Add(a, b, opts...)
}

func (e countEngine) Sub(a, b tensor.Tensor, opts ...tensor.FuncOpt) (tensor.Tensor, error) {
	*e.n++
	return e.Engine.Sub(a, b, opts...)
}

func (e countEngine) Mul(a, b tensor.Tensor, opts ...tensor.FuncOpt) (tensor.Tensor, error) {
	*e.n++
	return e.Engine.Mul(a, b, opts...)
}

// TestMachinesRunOnTheEngine: the machines' elementwise ops reach the
// graph's engine (which tensor.Add etc. call only when the values carry
// it: G.WithEngine must have set it on them), at least once per step per
// Hadamard product of the cell's equations (GRU: r*H, z*H, (1-z)*H~, and
// their gradients), and give the same bits as on tensor's StdEng: loss,
// every gradient and the final state, for every cell in float32 and
// float64.
func TestMachinesRunOnTheEngine(t *testing.T) {
	everyCellTwice(t, func(dt tensor.Dtype, kind string, ma, mb graph.Model, gc graph.Config) {
		calls := 0
		ours := graph.SwapEngine(countEngine{blas.Engine{}, &calls})
		ua, err := graph.Unroll(ma, gc)
		graph.SwapEngine(tensor.StdEng{})
		if err != nil {
			t.Fatal(err)
		}
		ub, err := graph.Unroll(mb, gc)
		graph.SwapEngine(ours)
		if err != nil {
			t.Fatal(err)
		}
		sa, sb := zeroStates(ma, gc.BatchSize, dt), zeroStates(mb, gc.BatchSize, dt)
		ids := randomIDs(rand.New(rand.NewPCG(7, 8)), gc)
		runSameBits(t, fmt.Sprintf("%s %v (engine, StdEng)", kind, dt), ua, ub, ma, sa, sb, ids)
		if kind == "gru" && calls < 3*gc.NumSteps {
			t.Errorf("%s %v: %d elementwise ops reached the engine in a run of %d steps, want at least %d", kind, dt, calls, gc.NumSteps, 3*gc.NumSteps)
		}
		if kind == "rnn" && calls == 0 {
			t.Errorf("%s %v: no elementwise op reached the engine", kind, dt)
		}
	})
}
