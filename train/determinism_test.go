package train_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/unroll/unroll/datasets"
	"github.com/unroll/unroll/internal/par"
	"github.com/unroll/unroll/models"
	"github.com/unroll/unroll/train"
	"gorgonia.org/tensor"
)

// steps trains a fresh book-sized RNN (H=128 to keep the test short) for
// four minibatches on fixed synthetic ids and returns the losses and the
// final W_hh.
func steps(t *testing.T) ([]float64, []float32) {
	t.Helper()
	const vocab, batch, nsteps = 28, 32, 35
	m, err := models.NewRNN(models.Config{VocabSize: vocab, NumHiddens: 128, Dtype: tensor.Float32, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(4, 5))
	ids := make([]int, 5*batch*nsteps+1)
	for i := range ids {
		ids[i] = r.IntN(vocab)
	}
	tr, err := train.New(m, ids, train.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	n := batch * nsteps
	var losses []float64
	for k := 0; k < 4; k++ {
		l, _, err := tr.Step(datasets.Minibatch{X: ids[k*n : (k+1)*n], Y: ids[k*n+1 : (k+1)*n+1], BatchSize: batch, NumSteps: nsteps})
		if err != nil {
			t.Fatal(err)
		}
		losses = append(losses, l)
	}
	return losses, slices.Clone(whh(t, m))
}

// TestDeterministic: the same seed gives the same run bit for bit, with
// the work split over two goroutines (where the scheduling varies) as on
// one; and one against two goroutines agree to float32 rounding (sums are
// then cut into blocks at other places).
func TestDeterministic(t *testing.T) {
	defer par.SetWorkers(par.Workers())
	par.SetWorkers(2)
	l1, w1 := steps(t)
	l2, w2 := steps(t)
	if !slices.Equal(l1, l2) || !slices.Equal(w1, w2) {
		t.Fatalf("two runs with 2 workers differ: losses %v and %v", l1, l2)
	}
	par.SetWorkers(1)
	l3, w3 := steps(t)
	for i := range l1 {
		// 1e-5: a float32 run's loss after a few updates, rounded
		// differently (measured differences are near 1e-7).
		if math.Abs(l1[i]-l3[i]) > 1e-5 {
			t.Errorf("minibatch %d: loss %v with 2 workers, %v with 1", i, l1[i], l3[i])
		}
	}
	var worst float64
	for i := range w1 {
		worst = math.Max(worst, math.Abs(float64(w1[i]-w3[i])))
	}
	t.Logf("losses %v; max |W_hh(2 workers) - W_hh(1)| = %.2e", l1, worst)
	if worst > 1e-5 {
		t.Errorf("W_hh differs by %.2e between 1 and 2 workers", worst)
	}
}
