package models_test

import (
	"math"
	"testing"

	"github.com/unroll/unroll/graph"
	"github.com/unroll/unroll/models"
)

// oracleRNN is the book's RNN written out by hand in plain Go, forward and
// backward (backpropagation through time), with no Gorgonia: the reference
// the unrolled graph must reproduce.
//
// Shapes: wxh (V,H), whh (H,H), bh (H), whq (H,V), bq (V), h0 (B,H);
// x and y are time-major token ids (T*B).
func oracleRNN(v, h, b, steps int, wxh, whh, bh, whq, bq, h0 []float64, x, y []int) (loss float64, grads [][]float64, hT []float64) {
	n := steps * b
	hs := make([][]float64, steps+1) // hs[0] = H_0, hs[t+1] = H_{t+1}
	hs[0] = h0
	for t := 0; t < steps; t++ {
		cur := make([]float64, b*h)
		for i := 0; i < b; i++ {
			for j := 0; j < h; j++ {
				a := wxh[x[t*b+i]*h+j] + bh[j] // one-hot X_t W_xh picks a row
				for k := 0; k < h; k++ {
					a += hs[t][i*h+k] * whh[k*h+j]
				}
				cur[i*h+j] = math.Tanh(a)
			}
		}
		hs[t+1] = cur
	}
	// O = H W_hq + b_q over all T*B rows; loss = mean cross-entropy.
	dO := make([]float64, n*v)
	for t := 0; t < steps; t++ {
		for i := 0; i < b; i++ {
			r := t*b + i
			o := make([]float64, v)
			mx := math.Inf(-1)
			for q := 0; q < v; q++ {
				o[q] = bq[q]
				for j := 0; j < h; j++ {
					o[q] += hs[t+1][i*h+j] * whq[j*v+q]
				}
				mx = math.Max(mx, o[q])
			}
			var s float64
			for q := range o {
				s += math.Exp(o[q] - mx)
			}
			loss += mx + math.Log(s) - o[y[r]]
			for q := range o {
				dO[r*v+q] = math.Exp(o[q]-mx) / s / float64(n)
			}
			dO[r*v+y[r]] -= 1 / float64(n)
		}
	}
	loss /= float64(n)

	gWxh, gWhh, gBh := make([]float64, v*h), make([]float64, h*h), make([]float64, h)
	gWhq, gBq := make([]float64, h*v), make([]float64, v)
	dHnext := make([]float64, b*h) // gradient flowing into H_t from step t+1
	for t := steps - 1; t >= 0; t-- {
		dA := make([]float64, b*h)
		for i := 0; i < b; i++ {
			r := t*b + i
			for j := 0; j < h; j++ {
				dh := dHnext[i*h+j]
				for q := 0; q < v; q++ {
					dh += dO[r*v+q] * whq[j*v+q]
					gWhq[j*v+q] += hs[t+1][i*h+j] * dO[r*v+q]
				}
				hv := hs[t+1][i*h+j]
				dA[i*h+j] = dh * (1 - hv*hv)
			}
			for q := 0; q < v; q++ {
				gBq[q] += dO[r*v+q]
			}
		}
		next := make([]float64, b*h)
		for i := 0; i < b; i++ {
			for j := 0; j < h; j++ {
				d := dA[i*h+j]
				gBh[j] += d
				gWxh[x[t*b+i]*h+j] += d
				for k := 0; k < h; k++ {
					gWhh[k*h+j] += hs[t][i*h+k] * d
					next[i*h+k] += d * whh[k*h+j]
				}
			}
		}
		dHnext = next
	}
	return loss, [][]float64{gWxh, gWhh, gBh, gWhq, gBq}, hs[steps]
}

// TestRNNMatchesOracle runs the unrolled graph and the hand-written oracle
// on the same parameters, state and data, and compares loss, every
// gradient and the final hidden state.
func TestRNNMatchesOracle(t *testing.T) {
	// The book's B=32, T=35 and V=28 with a small H: 1120 stacked rows.
	bookShaped := randomProblem("book-B32T35V28", 28, 16, 32, 35)
	// H=64: stacking 1120 rows of 64 is large enough for the ops to split
	// their work over goroutines (graph.minParElems).
	wide := randomProblem("book-B32T35V28H64", 28, 64, 32, 35)
	for _, pr := range []problem{smallProblem, tallProblem, bookShaped, wide} {
		t.Run(pr.name, func(t *testing.T) { testOracle(t, pr) })
	}
}

func testOracle(t *testing.T, pr problem) {
	m := scaledModel(t, pr, variant{kind: "rnn"})
	if pr.H > 16 {
		// W_hh ~ N(0, 0.5^2) has a spectral radius near 0.5*sqrt(H): 4 at
		// H=64, where 35 steps amplify rounding (OpenBLAS and gonum add in
		// different orders) past the 1e-9 bound. N(0, 1/H) keeps it near 1.
		whh := param(t, m, "W_hh")
		for i := range whh {
			whh[i] *= 2 / math.Sqrt(float64(pr.H))
		}
	}
	st := initialState(m, pr.B)
	h0 := append([]float64(nil), st[0].Float64s()...)
	u, err := graph.Unroll(m, graph.Config{BatchSize: pr.B, NumSteps: pr.T, Loss: true})
	if err != nil {
		t.Fatal(err)
	}
	loss, err := u.Run(pr.minibatch(), st)
	if err != nil {
		t.Fatal(err)
	}
	grads, err := u.Grads()
	if err != nil {
		t.Fatal(err)
	}
	f := func(name string) []float64 { return param(t, m, name) }
	wantLoss, wantGrads, wantH := oracleRNN(pr.V, pr.H, pr.B, pr.T, f("W_xh"), f("W_hh"), f("b_h"), f("W_hq"), f("b_q"), h0, pr.x, pr.y)
	p := m.Params()

	// 1e-9 absolute: the acceptance bound; both sides are float64 sums of
	// a few dozen terms, so they agree to about 1e-16 in practice.
	const tol = 1e-9
	if d := math.Abs(loss - wantLoss); d > tol {
		t.Errorf("loss %.17g, oracle %.17g (diff %.2e)", loss, wantLoss, d)
	}
	t.Logf("loss: graph %.12f oracle %.12f", loss, wantLoss)
	for i, g := range grads {
		d := maxAbsDiff(g.Float64s(), wantGrads[i])
		t.Logf("%-5s max |graph - oracle| = %.2e", p[i].Name, d)
		if d > tol {
			t.Errorf("%s: gradient differs from the oracle by %.3e > %g", p[i].Name, d, tol)
		}
	}
	if d := maxAbsDiff(st[0].Float64s(), wantH); d > tol {
		t.Errorf("final hidden state differs from the oracle by %.3e", d)
	}
}

// param returns the values of the parameter named name.
func param(t *testing.T, m *models.LM, name string) []float64 {
	t.Helper()
	p, ok := m.Param(name)
	if !ok {
		t.Fatalf("the model has no parameter %s", name)
	}
	return p.Value.Float64s()
}

func maxAbsDiff(a, b []float64) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	var m float64
	for i := range a {
		m = math.Max(m, math.Abs(a[i]-b[i]))
	}
	return m
}
