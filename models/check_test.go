package models_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/unroll/unroll/graph"
	"github.com/unroll/unroll/models"
	"gorgonia.org/tensor"
)

// problem is an unrolled gradient-check problem: V tokens, H hidden units,
// B sequences of T steps, with time-major ids (step t holds x[t*B:(t+1)*B]).
type problem struct {
	name       string
	V, H, B, T int
	x, y       []int
}

// smallProblem is small enough to check every parameter entry; its first
// step repeats token 0 so that the W_xh lookup's gradient must add up.
var smallProblem = problem{"B2T3", 5, 4, 2, 3, []int{0, 0, 2, 3, 4, 1}, []int{1, 2, 3, 4, 0, 2}}

// tallProblem has T*B = 280 rows: Gorgonia's Concat gradient was measured
// wrong above about 256 stacked rows (B=8, T=35 failed), so every check also
// runs at this size.
var tallProblem = randomProblem("B8T35", 5, 4, 8, 35)

func randomProblem(name string, v, h, b, t int) problem {
	r := rand.New(rand.NewPCG(5, 6))
	p := problem{name, v, h, b, t, make([]int, b*t), make([]int, b*t)}
	for i := range p.x {
		p.x[i], p.y[i] = r.IntN(v), r.IntN(v)
	}
	return p
}

// scaledModel builds a float64 model and rescales its weights (and biases)
// to N(0, 0.5^2) so that gradients are well above finite-difference noise:
// the book's 0.01 scale gives gradients near 1e-5, where the central
// difference's round-off (about 1e-16*loss/eps = 1e-11) would dominate the
// 1e-6 relative tolerance.
func scaledModel(t *testing.T, pr problem, kind string, act models.Activation) graph.Model {
	t.Helper()
	c := models.Config{VocabSize: pr.V, NumHiddens: pr.H, Activation: act, Dtype: tensor.Float64, Seed: 7}
	var m graph.Model
	var err error
	if kind == "mlp" {
		m, err = models.NewMLP(c)
	} else {
		m, err = models.NewRNN(c)
	}
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for _, p := range m.Params() {
		d := p.Value.Float64s()
		for i := range d {
			d[i] = r.NormFloat64() * 0.5
		}
	}
	return m
}

func initialState(m graph.Model, batch int) []*tensor.Dense {
	r := rand.New(rand.NewPCG(3, 4))
	var st []*tensor.Dense
	for _, size := range m.StateSizes() {
		s := tensor.New(tensor.Of(tensor.Float64), tensor.WithShape(batch, size))
		for i, d := 0, s.Float64s(); i < len(d); i++ {
			d[i] = r.NormFloat64() * 0.5 // a non-zero H_0 also checks the path into W_hh at step 1
		}
		st = append(st, s)
	}
	return st
}

func cloneState(st []*tensor.Dense) []*tensor.Dense {
	out := make([]*tensor.Dense, len(st))
	for i, s := range st {
		out[i] = s.Clone().(*tensor.Dense)
	}
	return out
}

// TestGradientsFiniteDifferences checks every entry of every parameter's
// symbolic gradient (G.Grad through the unrolled graph) against a central
// finite difference of the graph's own loss, in float64.
func TestGradientsFiniteDifferences(t *testing.T) {
	for _, tc := range []struct {
		kind string
		act  models.Activation
		pr   problem
	}{
		{"rnn", models.Tanh, smallProblem}, {"rnn", models.ReLU, smallProblem},
		{"mlp", models.Tanh, smallProblem}, {"mlp", models.ReLU, smallProblem},
		{"rnn", models.Tanh, tallProblem}, {"mlp", models.Tanh, tallProblem},
	} {
		t.Run(tc.kind+"-"+tc.act.String()+"-"+tc.pr.name, func(t *testing.T) {
			pr := tc.pr
			m := scaledModel(t, pr, tc.kind, tc.act)
			u, err := graph.Unroll(m, graph.Config{Batch: pr.B, Steps: pr.T, Loss: true})
			if err != nil {
				t.Fatal(err)
			}
			st0 := initialState(m, pr.B)
			loss := func() float64 {
				l, err := u.Run(pr.x, pr.y, cloneState(st0))
				if err != nil {
					t.Fatal(err)
				}
				return l
			}
			loss()
			grads, err := u.Grads()
			if err != nil {
				t.Fatal(err)
			}
			sym := make([][]float64, len(grads))
			for i, g := range grads {
				sym[i] = append([]float64(nil), g.Float64s()...)
			}
			// eps 1e-5: truncation error eps^2*f''' ~ 1e-10, round-off
			// ~1e-16*|loss|/eps ~ 3e-11; both far below the tolerance.
			const eps = 1e-5
			for pi, p := range m.Params() {
				d := p.Value.Float64s()
				worst := 0.0
				for i := range d {
					orig := d[i]
					d[i] = orig + eps
					lp := loss()
					d[i] = orig - eps
					lm := loss()
					d[i] = orig
					num := (lp - lm) / (2 * eps)
					if r := relErr(sym[pi][i], num); r > worst {
						worst = r
					}
				}
				t.Logf("%-5s max relative error %.2e", p.Name, worst)
				// 1e-6: the acceptance bound of the foundation issue.
				if worst > 1e-6 {
					t.Errorf("%s: symbolic gradient differs from finite differences: max relative error %.3e > 1e-6", p.Name, worst)
				}
			}
		})
	}
}

// relErr is |a-b| / max(|a|, |b|), with a floor of 1e-8 on the denominator
// so that entries whose gradient is exactly zero on both sides (a token
// absent from the minibatch) count as agreeing.
func relErr(a, b float64) float64 {
	return math.Abs(a-b) / math.Max(math.Max(math.Abs(a), math.Abs(b)), 1e-8)
}
