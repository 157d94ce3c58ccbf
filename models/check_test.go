package models_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/unroll/unroll/datasets"
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

// minibatch returns the problem's ids as a datasets.Minibatch (batch-major).
func (p problem) minibatch() datasets.Minibatch {
	mb := datasets.Minibatch{X: make([]int, len(p.x)), Y: make([]int, len(p.y)), BatchSize: p.B, NumSteps: p.T}
	for t := 0; t < p.T; t++ {
		for b := 0; b < p.B; b++ {
			mb.X[b*p.T+t], mb.Y[b*p.T+t] = p.x[t*p.B+b], p.y[t*p.B+b]
		}
	}
	return mb
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
// variant is one registered model as the gradient checks build it.
type variant struct {
	kind          string
	act           models.Activation
	layers        int
	bidirectional bool
}

func (v variant) String() string {
	s := v.kind + "-" + v.act.String()
	if v.layers > 1 {
		s += fmt.Sprintf("-%dlayers", v.layers)
	}
	if v.bidirectional {
		s += "-bidirectional"
	}
	return s
}

// variants are every registered cell (models.Kinds), with both activations
// where the cell has one, and the 2-layer and bidirectional versions.
func variants() []variant {
	var vs []variant
	for _, k := range models.Kinds() {
		vs = append(vs, variant{kind: k})
		if k == "rnn" || k == "mlp" {
			vs = append(vs, variant{kind: k, act: models.ReLU})
		}
		if k != "mlp" {
			vs = append(vs, variant{kind: k, layers: 2}, variant{kind: k, bidirectional: true})
		}
	}
	return vs
}

func scaledModel(t *testing.T, pr problem, v variant) *models.LM {
	t.Helper()
	c := models.Config{Kind: v.kind, VocabSize: pr.V, NumHiddens: pr.H, NumLayers: v.layers, Bidirectional: v.bidirectional,
		Activation: v.act, Dtype: tensor.Float64, Seed: 7}
	m, err := models.New(c)
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
	for _, state := range m.States() {
		s := tensor.New(tensor.Of(tensor.Float64), tensor.WithShape(batch, state.Size))
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
	type check struct {
		v  variant
		pr problem
	}
	var cases []check
	for _, v := range variants() {
		cases = append(cases, check{v, smallProblem}, check{v, tallProblem})
	}
	// Both wrappers at once, at the short problem.
	cases = append(cases, check{variant{kind: "lstm", layers: 2, bidirectional: true}, smallProblem})
	for _, tc := range cases {
		t.Run(tc.v.String()+"-"+tc.pr.name, func(t *testing.T) {
			t.Parallel()
			pr := tc.pr
			m := scaledModel(t, pr, tc.v)
			u, err := graph.Unroll(m, graph.Config{BatchSize: pr.B, NumSteps: pr.T, Loss: true})
			if err != nil {
				t.Fatal(err)
			}
			st0 := initialState(m, pr.B)
			loss := func() float64 {
				l, err := u.Run(pr.minibatch(), cloneState(st0))
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
			// The fourth-order central difference
			// (-f(x+2h) + 8f(x+h) - 8f(x-h) + f(x-2h)) / 12h with h = 1e-3:
			// truncation error h^4 f^(5)/30 ~ 1e-13 and round-off
			// ~1e-16*|loss|/h ~ 1e-13 (loss ~ ln 5 ~ 1.6), so gradients as
			// small as 1e-6 (the gated cells' input weights have such
			// entries) are still checked to 1e-6 relative. The plain
			// two-point difference with h = 1e-5 leaves 3e-11 of round-off,
			// 1e-5 relative on those.
			h, fd := 1e-3, func(at func(float64) float64, h float64) float64 {
				return (-at(2*h) + 8*at(h) - 8*at(-h) + at(-2*h)) / (12 * h)
			}
			if tc.v.act == models.ReLU {
				// The stencil's 4e-3 span can straddle ReLU's kink, where
				// the loss is not smooth; there the two-point difference
				// with h = 1e-5 (round-off 3e-11) is the better estimate.
				h, fd = 1e-5, func(at func(float64) float64, h float64) float64 { return (at(h) - at(-h)) / (2 * h) }
			}
			for pi, p := range m.Params() {
				d := p.Value.Float64s()
				worst, wi, wn := 0.0, 0, 0.0
				for _, i := range entries(len(d), pr.T) {
					orig := d[i]
					at := func(dx float64) float64 { d[i] = orig + dx; return loss() }
					num := fd(at, h)
					d[i] = orig
					if r := relErr(sym[pi][i], num); r > worst {
						worst, wi, wn = r, i, num
					}
				}
				t.Logf("%-5s max relative error %.2e (entry %d: symbolic %.6e, numeric %.6e)", p.Name, worst, wi, sym[pi][wi], wn)
				// 1e-6: the acceptance bound of the foundation issue.
				if worst > 1e-6 {
					t.Errorf("%s: symbolic gradient differs from finite differences: max relative error %.3e > 1e-6", p.Name, worst)
				}
			}
		})
	}
}

// entries lists the entries of a parameter of n values that the check
// perturbs: all of them for the short problems; at the 35-step problem,
// where a deep bidirectional LSTM has over a thousand entries and each
// costs four runs of the graph, 12 of them drawn with a fixed seed, the
// first and the last among them.
func entries(n, steps int) []int {
	const most = 12
	if steps <= 3 || n <= most {
		out := make([]int, n)
		for i := range out {
			out[i] = i
		}
		return out
	}
	r := rand.New(rand.NewPCG(uint64(n), 9))
	out := []int{0, n - 1}
	for _, i := range r.Perm(n)[:most-2] {
		if i != 0 && i != n-1 {
			out = append(out, i)
		}
	}
	return out
}

// relErr is |a-b| / max(|a|, |b|), with a floor of 1e-8 on the denominator
// so that entries whose gradient is exactly zero on both sides (a token
// absent from the minibatch) count as agreeing.
func relErr(a, b float64) float64 {
	return math.Abs(a-b) / math.Max(math.Max(math.Abs(a), math.Abs(b)), 1e-8)
}
