package models_test

import (
	"testing"

	"github.com/unroll/unroll/graph"
	"github.com/unroll/unroll/models"
)

// TestStateGradientsFiniteDifferences checks dL/dS_0, the gradient of the
// loss with respect to every initial state (graph.Config.StateGrad), entry
// by entry against a central finite difference of the graph's own loss, in
// float64, for every stateful variant at the short problem.
func TestStateGradientsFiniteDifferences(t *testing.T) {
	pr := smallProblem
	plain, err := graph.Unroll(scaledModel(t, pr, variant{kind: "rnn"}), graph.Config{BatchSize: pr.B, NumSteps: pr.T, Loss: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := plain.StateGrads(); err == nil {
		t.Error("StateGrads of a graph built without StateGrad: no error")
	}
	// A chunked runner has no StateGrads: NewRunner unrolls such a graph whole.
	r, err := graph.NewRunner(scaledModel(t, pr, variant{kind: "rnn"}), graph.Config{BatchSize: pr.B, NumSteps: 7, ChunkSteps: 3, Loss: true, StateGrad: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := r.(*graph.Unrolled); !ok {
		t.Errorf("NewRunner with StateGrad gave %T, want an *Unrolled", r)
	}
	for _, v := range variants() {
		if v.kind == "mlp" {
			continue // no state
		}
		t.Run(v.String(), func(t *testing.T) {
			t.Parallel()
			m := scaledModel(t, pr, v)
			u, err := graph.Unroll(m, graph.Config{BatchSize: pr.B, NumSteps: pr.T, Loss: true, StateGrad: true})
			if err != nil {
				t.Fatal(err)
			}
			st0 := initialState(m, pr.B)
			loss := func() float64 {
				// Run overwrites the state it is given: a clone keeps st0.
				l, err := u.Run(pr.minibatch(), cloneState(st0))
				if err != nil {
					t.Fatal(err)
				}
				return l
			}
			loss()
			dst, err := u.StateGrads()
			if err != nil {
				t.Fatal(err)
			}
			if len(dst) != len(m.States()) {
				t.Fatalf("%d state gradients for %d states", len(dst), len(m.States()))
			}
			sym := make([][]float64, len(dst))
			for i, g := range dst {
				sym[i] = append([]float64(nil), g.Float64s()...)
			}
			// The fourth-order stencil with h = 1e-3, as for the
			// parameters (TestGradientsFiniteDifferences says why); the
			// two-point one with h = 1e-5 across ReLU's kink.
			h, fd := 1e-3, func(at func(float64) float64, h float64) float64 {
				return (-at(2*h) + 8*at(h) - 8*at(-h) + at(-2*h)) / (12 * h)
			}
			if v.act == models.ReLU {
				h, fd = 1e-5, func(at func(float64) float64, h float64) float64 { return (at(h) - at(-h)) / (2 * h) }
			}
			for si, s := range m.States() {
				d := st0[si].Float64s()
				worst, nonzero := 0.0, false
				for i := range d {
					orig := d[i]
					num := fd(func(dx float64) float64 { d[i] = orig + dx; return loss() }, h)
					d[i] = orig
					worst = max(worst, relErr(sym[si][i], num))
					nonzero = nonzero || sym[si][i] != 0
				}
				t.Logf("%s_0: max relative error %.2e", s.Name, worst)
				// 1e-6: the bound the parameters' check uses.
				if worst > 1e-6 {
					t.Errorf("d loss / d %s_0 differs from finite differences: max relative error %.3e > 1e-6", s.Name, worst)
				}
				if !nonzero {
					t.Errorf("d loss / d %s_0 is all zero", s.Name)
				}
			}
		})
	}
}
