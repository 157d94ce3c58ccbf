package graph_test

import (
	"testing"

	"github.com/unroll/unroll/datasets"
	"github.com/unroll/unroll/graph"
	"github.com/unroll/unroll/models"
	"gorgonia.org/tensor"
)

// TestNoGradLoss: a loss-only graph (NoGrad) gives the same loss and final
// state as the training graph on the same minibatch, bit for bit (the same
// forward ops in the same order), and has no gradients.
func TestNoGradLoss(t *testing.T) {
	m, err := models.NewRNN(models.Config{VocabSize: 7, NumHiddens: 5, Dtype: tensor.Float32, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	const B, T = 3, 4
	x := []int{1, 2, 3, 4, 5, 6, 0, 1, 2, 3, 4, 5}
	y := []int{2, 3, 4, 5, 6, 0, 1, 2, 3, 4, 5, 6}
	run := func(cfg graph.Config) (float64, []float32) {
		u, err := graph.Unroll(m, cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer u.Close()
		h := tensor.New(tensor.Of(tensor.Float32), tensor.WithShape(B, 5))
		loss, err := u.Run(datasets.Minibatch{X: x, Y: y, BatchSize: B, NumSteps: T}, []*tensor.Dense{h})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := u.Grads(); (err == nil) == cfg.NoGrad {
			t.Errorf("NoGrad %v: Grads error %v", cfg.NoGrad, err)
		}
		return loss, h.Float32s()
	}
	l1, h1 := run(graph.Config{BatchSize: B, NumSteps: T, Loss: true})
	l2, h2 := run(graph.Config{BatchSize: B, NumSteps: T, Loss: true, NoGrad: true})
	if l1 != l2 || l1 == 0 {
		t.Errorf("loss %v with gradients, %v without", l1, l2)
	}
	for i := range h1 {
		if h1[i] != h2[i] {
			t.Fatalf("state[%d]: %v with gradients, %v without", i, h1[i], h2[i])
		}
	}
}
