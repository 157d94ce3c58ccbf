package train

import "math"

// Perplexity accumulates a mean cross-entropy over many tokens, as the
// book's train_epoch_ch8 does with its Accumulator: exp(sum(loss*n)/sum(n)).
// It is 1 for a model that puts all probability on the right token, |V| for
// a uniform guess over the vocabulary, and +Inf when the right token gets
// probability zero.
type Perplexity struct {
	sum    float64 // sum of loss*n
	tokens int     // sum of n
}

// Add records a mean cross-entropy loss over n tokens.
func (p *Perplexity) Add(loss float64, n int) {
	p.sum += loss * float64(n)
	p.tokens += n
}

// Tokens is the number of tokens recorded.
func (p *Perplexity) Tokens() int { return p.tokens }

// Value returns exp of the mean cross-entropy; NaN when nothing was added.
func (p *Perplexity) Value() float64 {
	if p.tokens == 0 {
		return math.NaN()
	}
	return math.Exp(p.sum / float64(p.tokens))
}
