package train

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"gorgonia.org/tensor"
)

// SampleOptions choose how Sample picks each next token from the model's
// logits z over the vocabulary.
type SampleOptions struct {
	// Temperature T divides the logits: the next token is drawn with
	// probability softmax(z/T). 1 samples the model's own distribution,
	// below 1 sharpens it, above 1 flattens it. 0 picks the most likely
	// token (greedy, the book's predict_ch8), as T -> 0 does in the limit.
	Temperature float64
	// TopK, when > 0, draws only among the K most likely tokens (ties broken
	// by lower id). 1 is greedy.
	TopK int
}

// Greedy reports whether the options always pick the most likely token.
func (o SampleOptions) Greedy() bool { return o.Temperature == 0 || o.TopK == 1 }

func (o SampleOptions) validate() error {
	if !(o.Temperature >= 0) || math.IsInf(o.Temperature, 0) {
		return fmt.Errorf("train: temperature must be a finite number >= 0, got %v", o.Temperature)
	}
	if o.TopK < 0 {
		return fmt.Errorf("train: top-k must be >= 0, got %d", o.TopK)
	}
	return nil
}

// Sample is Predict with sampling: from a zero state it warms up on prefix,
// then appends n tokens, each drawn from the model's distribution for the
// next token as opts shape it, using rng (which greedy options do not
// touch). The same rng seed gives the same sample. The result starts with
// the prefix.
func (g *Generator) Sample(prefix []int, n int, opts SampleOptions, rng *rand.Rand) ([]int, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	if len(prefix) == 0 {
		return nil, fmt.Errorf("train: Sample: empty prefix")
	}
	if rng == nil && !opts.Greedy() {
		return nil, fmt.Errorf("train: Sample: sampling needs a random generator")
	}
	g.Reset()
	out := append(make([]int, 0, len(prefix)+n), prefix[0])
	for _, id := range prefix[1:] {
		if _, err := g.step(out[len(out)-1]); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	for i := 0; i < n; i++ {
		logits, err := g.step(out[len(out)-1])
		if err != nil {
			return nil, err
		}
		if opts.Greedy() {
			out = append(out, argmax(logits))
		} else {
			out = append(out, g.draw(logits, opts, rng))
		}
	}
	return out, nil
}

// SampleChars is Sample for a character vocabulary: the prefix is split into
// characters and the result joined back into a string.
func (g *Generator) SampleChars(v Vocab, prefix string, n int, opts SampleOptions, rng *rand.Rand) (string, error) {
	ids := make([]int, 0, len(prefix))
	for _, r := range prefix {
		ids = append(ids, v.ID(string(r)))
	}
	out, err := g.Sample(ids, n, opts, rng)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for _, id := range out {
		b.WriteString(v.Token(id))
	}
	return b.String(), nil
}

// draw picks a token with probability softmax(z/T) restricted to the top
// K logits. The weights exp((z_i - max z)/T) are computed in float64; the
// draw is one rng.Float64.
func (g *Generator) draw(logits *tensor.Dense, opts SampleOptions, rng *rand.Rand) int {
	z := g.logits64(logits)
	idx := g.idx[:0]
	for i := range z {
		idx = append(idx, i)
	}
	g.idx = idx
	if opts.TopK > 0 && opts.TopK < len(z) {
		// Insertion sort by descending logit, stable: V is small (28
		// characters) and this does not allocate.
		for i := 1; i < len(idx); i++ {
			for j := i; j > 0 && z[idx[j]] > z[idx[j-1]]; j-- {
				idx[j], idx[j-1] = idx[j-1], idx[j]
			}
		}
		idx = idx[:opts.TopK]
	}
	zmax := math.Inf(-1)
	for _, i := range idx {
		zmax = math.Max(zmax, z[i])
	}
	var sum float64
	w := g.w[:0]
	for _, i := range idx {
		e := math.Exp((z[i] - zmax) / opts.Temperature)
		w = append(w, e)
		sum += e
	}
	g.w = w
	u := rng.Float64() * sum
	for k, e := range w {
		if u < e {
			return idx[k]
		}
		u -= e
	}
	// Rounding can leave u just above the last weight: take the last
	// token with a non-zero weight.
	for k := len(w) - 1; k >= 0; k-- {
		if w[k] > 0 {
			return idx[k]
		}
	}
	return idx[0]
}

// logits64 copies the first row of logits to float64.
func (g *Generator) logits64(d *tensor.Dense) []float64 {
	n := d.Shape()[d.Dims()-1]
	z := g.z[:0]
	switch d.Dtype() {
	case tensor.Float32:
		for _, x := range d.Float32s()[:n] {
			z = append(z, float64(x))
		}
	case tensor.Float64:
		z = append(z, d.Float64s()[:n]...)
	}
	g.z = z
	return z
}
