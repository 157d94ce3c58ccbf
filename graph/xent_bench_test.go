package graph

import (
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// BenchmarkXent times the cross-entropy's forward op and its gradient op
// on one block of the book RNN's float32 minibatch (560 rows of 28
// logits: 35 steps x 32 rows split in 2 blocks, and the 28 characters),
// in ns per call of each. The calls cycle through 64 blocks of random
// logits (3.9 MB), as training's come new each time: the branch
// predictor cannot learn them, nor the caches keep them.
func BenchmarkXent(b *testing.B) {
	const rows, v, blocks = 560, 28, 64
	r := rand.New(rand.NewPCG(1, 2))
	var xs [blocks]*tensor.Dense
	for k := range xs {
		logits := make([]float32, rows*v)
		for i := range logits {
			logits[i] = float32(r.NormFloat64() * 3)
		}
		xs[k] = tensor.New(tensor.WithShape(rows, v), tensor.WithBacking(logits))
	}
	labels := make([]int, rows)
	for i := range labels {
		labels[i] = r.IntN(v)
	}
	y := tensor.New(tensor.WithShape(rows), tensor.WithBacking(labels))
	op := xentOp{opBase{"SoftmaxXent"}, new(outBuf), 0}
	grad := xentGradOp{opBase{"SoftmaxXentGrad"}, op.probs, new(outBuf), 0}
	loss, err := op.Do(xs[0], y)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("loss", func(b *testing.B) {
		k := 0
		for b.Loop() {
			if _, err := op.Do(xs[k%blocks], y); err != nil {
				b.Fatal(err)
			}
			k++
		}
	})
	b.Run("grad", func(b *testing.B) {
		for b.Loop() {
			if _, err := grad.Do(xs[0], y, loss, G.NewF32(1)); err != nil {
				b.Fatal(err)
			}
		}
	})
}
