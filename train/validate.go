package train

import (
	"context"
	"fmt"
	"math"

	"github.com/unroll/unroll/datasets"
	"github.com/unroll/unroll/graph"
	"gorgonia.org/tensor"
)

// validator computes the perplexity of held-out tokens with a loss-only
// graph (graph.Config.NoGrad) that shares the model's parameters.
type validator struct {
	u      graph.Runner
	batch  int // sequences per minibatch
	steps  int // time steps per minibatch
	ids    []int
	width  int // tokens per row
	nb     int // minibatches
	state  []*tensor.Dense
	mb     datasets.Minibatch
	random bool // zero the state before every minibatch, as training does
}

// SetValidation makes Epoch evaluate the perplexity of ids, tokens held out
// from training, every Config.ValEvery epochs (EpochStats.ValPerplexity).
//
// The tokens are cut as sequential sampling cuts them, without a random
// offset, so every evaluation sees the same minibatches and draws nothing
// from the training sampler: rows of (len(ids)-1)/B consecutive tokens,
// read Config.NumSteps at a time. The state is carried from minibatch to
// minibatch with sequential sampling and reset before each one with random
// sampling, as in training. B is Config.BatchSize, or fewer rows when the
// held-out text is too short for that many (at least NumSteps+1 tokens are
// needed).
func (t *Trainer) SetValidation(ids []int) error {
	T := t.Config.NumSteps
	b := min(t.Config.BatchSize, (len(ids)-1)/T)
	if b < 1 {
		return &ShortValidationError{Tokens: len(ids), NumSteps: T}
	}
	u, err := graph.NewRunner(t.Model, graph.Config{BatchSize: b, NumSteps: T, ChunkSteps: t.Config.ChunkSteps, Loss: true, NoGrad: true})
	if err != nil {
		return fmt.Errorf("train: validation graph: %w", err)
	}
	width := (len(ids) - 1) / b
	t.val = &validator{
		u: u, batch: b, steps: T, ids: ids, width: width, nb: width / T,
		state:  zeroState(t.Model, b),
		mb:     datasets.Minibatch{X: make([]int, b*T), Y: make([]int, b*T), BatchSize: b, NumSteps: T},
		random: t.Config.Sampling == datasets.Random,
	}
	return nil
}

// ShortValidationError is held-out text too short for one row of NumSteps
// inputs and their targets: it needs NumSteps+1 tokens. A caller may hold
// out more text or lower NumSteps.
type ShortValidationError struct {
	Tokens   int
	NumSteps int
}

func (e *ShortValidationError) Error() string {
	return fmt.Sprintf("train: the validation text has %d tokens but %d steps need at least %d", e.Tokens, e.NumSteps, e.NumSteps+1)
}

// ValidationShape returns the validation minibatch size, the number of
// minibatches and the number of tokens each evaluation scores; zeros
// without SetValidation.
func (t *Trainer) ValidationShape() (batch, batches, tokens int) {
	if t.val == nil {
		return 0, 0, 0
	}
	return t.val.batch, t.val.nb, t.val.nb * t.val.batch * t.val.steps
}

// Validate returns the perplexity of the validation tokens under the
// current parameters, without changing them; NaN without SetValidation.
func (t *Trainer) Validate(ctx context.Context) (float64, error) {
	v := t.val
	if v == nil {
		return math.NaN(), nil
	}
	for _, s := range v.state {
		s.Zero()
	}
	B, T := v.batch, v.steps
	var ppl Perplexity
	for j := 0; j < v.nb; j++ {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		if v.random {
			for _, s := range v.state {
				s.Zero()
			}
		}
		for b := 0; b < B; b++ {
			start := b*v.width + j*T
			copy(v.mb.X[b*T:(b+1)*T], v.ids[start:])
			copy(v.mb.Y[b*T:(b+1)*T], v.ids[start+1:])
		}
		loss, err := v.u.Run(v.mb, v.state)
		if err != nil {
			return 0, fmt.Errorf("train: validation: %w", err)
		}
		ppl.Add(loss, len(v.mb.Y))
	}
	return ppl.Value(), nil
}
