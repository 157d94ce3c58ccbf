package train

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/unroll/unroll/datasets"
	"github.com/unroll/unroll/graph"
	"gorgonia.org/tensor"
)

// Config is one training run, with the book's defaults in DefaultConfig.
type Config struct {
	Epochs    int               // passes over the corpus (num_epochs)
	BatchSize int               // sequences per minibatch (batch_size)
	NumSteps  int               // time steps unrolled (num_steps)
	LR        float64           // SGD learning rate (lr)
	Clip      float64           // global gradient norm limit theta; <= 0: off
	Sampling  datasets.Sampling // sequential or random (use_random_iter)
	Seed      int64             // seeds the minibatch sampling
}

// DefaultConfig is train_ch8's setting in the book: 500 epochs, batch 32,
// 35 steps, lr 1, theta 1, sequential sampling.
func DefaultConfig() Config {
	return Config{Epochs: 500, BatchSize: 32, NumSteps: 35, LR: 1, Clip: 1, Sampling: datasets.Sequential}
}

// Validate reports the first setting that cannot work.
func (c Config) Validate() error {
	switch {
	case c.Epochs < 1:
		return fmt.Errorf("train: epochs must be >= 1, got %d", c.Epochs)
	case c.BatchSize < 1:
		return fmt.Errorf("train: batch size must be >= 1, got %d", c.BatchSize)
	case c.NumSteps < 1:
		return fmt.Errorf("train: steps must be >= 1, got %d", c.NumSteps)
	case !(c.LR > 0) || math.IsInf(c.LR, 0):
		return fmt.Errorf("train: learning rate must be a positive number, got %v", c.LR)
	case math.IsNaN(c.Clip) || math.IsInf(c.Clip, 0):
		return fmt.Errorf("train: clip must be a finite number, got %v", c.Clip)
	}
	return nil
}

// EpochStats is what a Hook sees after each epoch.
type EpochStats struct {
	Epoch        int           // 1-based
	Perplexity   float64       // exp(sum(loss*n)/sum(n)) over the epoch
	Tokens       int           // tokens trained on this epoch
	Duration     time.Duration // wall time, iterator included
	TokensPerSec float64       // Tokens / Duration
	GradNorm     float64       // mean global gradient norm before clipping
	LR           float64
}

// Hook is called after every epoch; an error stops training and is
// returned by Run (ErrStop stops without an error).
type Hook interface {
	AfterEpoch(s EpochStats) error
}

// HookFunc adapts a function to Hook.
type HookFunc func(s EpochStats) error

// AfterEpoch implements Hook.
func (f HookFunc) AfterEpoch(s EpochStats) error { return f(s) }

// ErrStop, returned by a Hook, ends training early without an error.
var ErrStop = fmt.Errorf("train: stopped by hook")

// Trainer holds a model, its training graph and the data.
type Trainer struct {
	Model  graph.Model
	Config Config
	Solver Solver
	Hooks  []Hook

	u     *graph.Unrolled
	iter  *datasets.Iterator
	state []*tensor.Dense
	x, y  []int
	mb    datasets.Minibatch
}

// New checks cfg, builds the training graph of m once for
// (cfg.BatchSize, cfg.NumSteps) and the minibatch iterator over ids.
// The solver is the book's SGD with cfg.LR.
func New(m graph.Model, ids []int, cfg Config) (*Trainer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	it, err := datasets.NewIterator(ids, cfg.BatchSize, cfg.NumSteps, cfg.Sampling, datasets.NewPyRandom(cfg.Seed))
	if err != nil {
		return nil, err
	}
	u, err := graph.Unroll(m, graph.Config{Batch: cfg.BatchSize, Steps: cfg.NumSteps, Loss: true})
	if err != nil {
		return nil, err
	}
	n := cfg.BatchSize * cfg.NumSteps
	return &Trainer{
		Model: m, Config: cfg, Solver: SGD{LR: cfg.LR},
		u: u, iter: it, state: zeroState(m, cfg.BatchSize),
		x: make([]int, n), y: make([]int, n),
	}, nil
}

// Graph returns the unrolled training graph.
func (t *Trainer) Graph() *graph.Unrolled { return t.u }

// Run trains for Config.Epochs epochs, calling the hooks after each, and
// returns the stats of the last epoch. It stops early when ctx is done.
func (t *Trainer) Run(ctx context.Context) (EpochStats, error) {
	var last EpochStats
	for epoch := 1; epoch <= t.Config.Epochs; epoch++ {
		s, err := t.Epoch(ctx)
		if err != nil {
			return last, err
		}
		s.Epoch = epoch
		last = s
		for _, h := range t.Hooks {
			if err := h.AfterEpoch(s); err == ErrStop {
				return last, nil
			} else if err != nil {
				return last, err
			}
		}
	}
	return last, nil
}

// Epoch trains one pass over the corpus: the book's train_epoch_ch8.
// Sequential sampling starts the epoch from a zero state and carries it
// from minibatch to minibatch without backpropagating into the past;
// random sampling starts every minibatch from a zero state.
func (t *Trainer) Epoch(ctx context.Context) (EpochStats, error) {
	start := time.Now()
	var ppl Perplexity
	var normSum float64
	t.iter.StartEpoch()
	t.zeroState()
	for k := 0; t.iter.Next(&t.mb); k++ {
		if err := ctx.Err(); err != nil {
			return EpochStats{}, err
		}
		if t.Config.Sampling == datasets.Random {
			t.zeroState()
		}
		t.mb.TimeMajor(t.x, t.y)
		loss, norm, err := t.Step(t.x, t.y)
		if err != nil {
			return EpochStats{}, fmt.Errorf("%w at minibatch %d", err, k+1)
		}
		normSum += norm
		ppl.Add(loss, len(t.y))
	}
	d := time.Since(start)
	nb := ppl.Tokens() / len(t.y)
	return EpochStats{
		Perplexity:   ppl.Value(),
		Tokens:       ppl.Tokens(),
		Duration:     d,
		TokensPerSec: float64(ppl.Tokens()) / d.Seconds(),
		GradNorm:     normSum / float64(max(nb, 1)),
		LR:           t.Config.LR,
	}, nil
}

// Step trains on one minibatch: forward and backward through the unrolled
// graph from the carried state, global-norm clipping and the solver's
// update. x and y hold BatchSize*NumSteps token ids in time-major order
// (index t*BatchSize+b). It returns the mean loss and the gradient norm
// before clipping; the state after the last step is kept for the next call.
func (t *Trainer) Step(x, y []int) (loss, norm float64, err error) {
	loss, err = t.u.Run(x, y, t.state)
	if err != nil {
		return 0, 0, err
	}
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		return 0, 0, fmt.Errorf("train: loss is %v: the run diverged; lower -lr or set -clip (now lr %g, clip %g)", loss, t.Config.LR, t.Config.Clip)
	}
	grads, err := t.u.Grads()
	if err != nil {
		return 0, 0, err
	}
	norm = ClipGradNorm(grads, t.Config.Clip)
	if err := t.Solver.Step(t.Model.Params(), grads); err != nil {
		return 0, 0, err
	}
	return loss, norm, nil
}

func (t *Trainer) zeroState() {
	for _, s := range t.state {
		s.Zero()
	}
}
