package train

import (
	"math"
	"math/rand/v2"
	"testing"

	"gorgonia.org/tensor"
)

// TestDrawFrequencies: draw picks token i with probability softmax(z/T)_i
// among the top k. With n = 200000 draws the standard deviation of an
// observed frequency is at most sqrt(0.25/n) = 0.0011; the tolerance 0.006
// is over 5 of them.
func TestDrawFrequencies(t *testing.T) {
	z := []float32{2, 0.5, 1, -1, 1.5}
	logits := tensor.New(tensor.WithShape(1, len(z)), tensor.WithBacking(z))
	for _, tc := range []struct {
		opts SampleOptions
	}{
		{SampleOptions{Temperature: 1}},
		{SampleOptions{Temperature: 0.5}},
		{SampleOptions{Temperature: 2, TopK: 3}},
	} {
		// Expected: softmax(z/T) over the top k (2, 1.5, 1 for k = 3).
		want := make([]float64, len(z))
		var sum float64
		for i, v := range z {
			if tc.opts.TopK == 3 && v < 1 {
				continue
			}
			want[i] = math.Exp(float64(v) / tc.opts.Temperature)
			sum += want[i]
		}
		for i := range want {
			want[i] /= sum
		}
		var g Generator
		rng := rand.New(rand.NewPCG(1, 2))
		const n = 200000
		counts := make([]float64, len(z))
		for range n {
			counts[g.draw(logits, tc.opts, rng)]++
		}
		for i := range counts {
			if got := counts[i] / n; math.Abs(got-want[i]) > 0.006 {
				t.Errorf("%+v: token %d drawn with frequency %.4f, want %.4f", tc.opts, i, got, want[i])
			}
		}
	}
}

// TestDrawDoesNotAllocate: the draw reuses its buffers, top-k included.
func TestDrawDoesNotAllocate(t *testing.T) {
	logits := tensor.New(tensor.WithShape(1, 4), tensor.WithBacking([]float32{1, 2, 3, 4}))
	var g Generator
	rng := rand.New(rand.NewPCG(1, 2))
	g.draw(logits, SampleOptions{Temperature: 1}, rng)
	if n := testing.AllocsPerRun(100, func() { g.draw(logits, SampleOptions{Temperature: 1, TopK: 2}, rng) }); n > 0 {
		t.Errorf("draw allocates %v times per call", n)
	}
}
