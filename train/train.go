package train

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/unroll/unroll/datasets"
	"github.com/unroll/unroll/graph"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Config is one training run, with the book's defaults in DefaultConfig.
type Config struct {
	Epochs    int // passes over the corpus (num_epochs)
	BatchSize int // sequences per minibatch (batch_size)
	NumSteps  int // time steps unrolled (num_steps)
	// ChunkSteps is the longest sequence compiled into one graph: longer
	// ones run in chunks (graph.NewRunner, graph.Chunked), whose compile
	// time grows linearly with NumSteps instead of with its square, at the
	// price of a second forward pass. 0: graph.DefaultChunkSteps;
	// negative: never chunk.
	ChunkSteps int
	LR         float64           // SGD learning rate (lr)
	Clip       float64           // global gradient norm limit theta; <= 0: off
	Sampling   datasets.Sampling // sequential or random (use_random_iter)
	Seed       uint64            // seeds the minibatch sampling (models.Config.Seed seeds the weights)
	Optimizer  string            // "sgd" (the book's; also when empty) or "adam"
	Schedule   Schedule          // learning rate per epoch; zero value: constant
	ValEvery   int               // with SetValidation: evaluate every N epochs (<= 0: every epoch)
	// GradFlow records EpochStats.Flow: the gradient's decay through
	// time on the epoch's last minibatch and how often clipping fired.
	// Off, it costs nothing; on, two (batch, hiddens) copies per minibatch.
	GradFlow bool
}

// DefaultConfig is train_ch8's setting in the book: 500 epochs, batch 32,
// 35 steps, lr 1, theta 1, sequential sampling.
func DefaultConfig() Config {
	return Config{Epochs: 500, BatchSize: 32, NumSteps: 35, LR: 1, Clip: 1, Sampling: datasets.Sequential}
}

// ConfigError is a Config setting that cannot work. Field names it as in
// Config ("Epochs", "BatchSize", "NumSteps", "LR", "Clip", "Optimizer",
// "Schedule.Kind", "Schedule.Step", "Schedule.Gamma" or "Schedule.MinLR"),
// so that a caller can point at its own name for it (cmd/train names the
// flag); Want says what would work and Value what was given.
type ConfigError struct {
	Field string
	Value string
	Want  string
}

func (e *ConfigError) Error() string {
	if e.Field == "" {
		return "train: invalid Config"
	}
	return fmt.Sprintf("train: Config.%s must be %s, got %s", e.Field, e.Want, e.Value)
}

// Validate reports the first setting that cannot work, as a *ConfigError.
func (c Config) Validate() error {
	switch {
	case c.Epochs < 1:
		return &ConfigError{"Epochs", fmt.Sprint(c.Epochs), ">= 1"}
	case c.BatchSize < 1:
		return &ConfigError{"BatchSize", fmt.Sprint(c.BatchSize), ">= 1"}
	case c.NumSteps < 1:
		return &ConfigError{"NumSteps", fmt.Sprint(c.NumSteps), ">= 1"}
	case !(c.LR > 0) || math.IsInf(c.LR, 0):
		return &ConfigError{"LR", fmt.Sprint(c.LR), "a positive number"}
	case math.IsNaN(c.Clip) || math.IsInf(c.Clip, 0):
		return &ConfigError{"Clip", fmt.Sprint(c.Clip), "a finite number"}
	case c.Optimizer != "" && !slices.Contains(Optimizers, c.Optimizer):
		return &ConfigError{"Optimizer", fmt.Sprintf("%q", c.Optimizer), "sgd or adam"}
	}
	return c.Schedule.Validate()
}

// EpochStats is what a Hook sees after each epoch.
type EpochStats struct {
	Epoch        int           // 1-based
	Perplexity   float64       // exp(sum(loss*n)/sum(n)) over the epoch
	Tokens       int           // tokens trained on this epoch
	Duration     time.Duration // wall time, iterator included
	TokensPerSec float64       // Tokens / Duration
	GradNorm     float64       // mean global gradient norm before clipping
	LR           float64       // learning rate of the epoch
	// ValPerplexity is the perplexity of the validation tokens after the
	// epoch; 0 when none was evaluated (no SetValidation, or not a
	// Config.ValEvery epoch).
	ValPerplexity float64
	// Flow is the gradient-flow summary with Config.GradFlow; nil without.
	Flow    *FlowStats
	Elapsed time.Duration // wall time of the run so far, resumed runs included
	End     time.Time     // when the epoch ended
}

// FlowStats summarises how the gradient flowed in an epoch (section 8.7).
type FlowStats struct {
	// DH1 and DHT are ||dL/dH_1|| and ||dL/dH_T|| (the model's output at
	// the first and the last of the NumSteps steps, over the minibatch)
	// on the epoch's last minibatch, before clipping; Ratio is DH1/DHT.
	DH1, DHT, Ratio float64
	// Clipped counts the epoch's minibatches whose gradient norm exceeded
	// Config.Clip (0 when clipping is off), of Batches.
	Clipped, Batches int
}

// Hook is called after every epoch; an error stops training and is
// returned by Run (an error wrapping ErrStop stops without an error, and
// StopReason returns it, typed: errors.As finds *EarlyStop, or the hook's
// own type).
type Hook interface {
	AfterEpoch(s EpochStats) error
}

// HookFunc adapts a function to Hook.
type HookFunc func(s EpochStats) error

// AfterEpoch implements Hook.
func (f HookFunc) AfterEpoch(s EpochStats) error { return f(s) }

// ErrStop, returned by a Hook or wrapped in its error, ends training early
// without an error.
var ErrStop = errors.New("train: stopped by hook")

// EarlyStop is the reason EarlyStopping's hook stops a run: the
// validation perplexity has not improved on Best (at BestEpoch) for
// Evaluations evaluations. It wraps ErrStop.
type EarlyStop struct {
	Evaluations int
	Best        float64
	BestEpoch   int
}

func (e *EarlyStop) Error() string {
	return fmt.Sprintf("early stopping: validation perplexity has not improved for %d evaluations (best %.4f at epoch %d)", e.Evaluations, e.Best, e.BestEpoch)
}

// Unwrap makes errors.Is(err, ErrStop) true.
func (e *EarlyStop) Unwrap() error { return ErrStop }

// Trainer holds a model, its training graph and the data.
type Trainer struct {
	Model  graph.Model
	Config Config
	Solver Solver
	Hooks  []Hook

	u     graph.Runner
	iter  *datasets.Iterator
	rng   *datasets.PyRandom // the iterator's: offsets and shuffles
	state []*tensor.Dense
	mb    datasets.Minibatch

	done     int           // epochs completed
	updates  int64         // minibatch updates made
	history  []EpochStats  // one per completed epoch
	elapsed  time.Duration // wall time of completed epochs
	val      *validator    // nil without SetValidation
	stopped  error         // why a hook stopped Run early (wraps ErrStop)
	partial  *partialEpoch // an epoch left when ctx was cancelled, or restored
	restored bool          // a Checkpoint's Restore set the state
	flow     *flowReads    // with Config.GradFlow
}

// flowReads receive dL/dH_1 and dL/dH_T of every minibatch (Config.GradFlow).
type flowReads struct{ dh1, dhT G.Value }

// readFlow is the graph.Config.Extend of Config.GradFlow: G.Grad made the
// gradient of every node between the parameters and the loss, so reading
// dL/dH_1 and dL/dH_T adds no computation.
func (f *flowReads) readFlow(u *graph.Unrolled) error {
	first, last := u.Hidden[0].Deriv(), u.Hidden[len(u.Hidden)-1].Deriv()
	if first == nil || last == nil {
		return errors.New("train: GradFlow: the graph has no gradient with respect to H_1 or H_T")
	}
	G.Read(first, &f.dh1)
	G.Read(last, &f.dhT)
	return nil
}

// partialEpoch is the progress of an epoch that Epoch left between two
// minibatches because its context was cancelled (or that Restore read
// from a checkpoint saved then). The hidden state carried between its
// minibatches stays in Trainer.state. The next Epoch continues it: it
// restores the sampler's state, redraws the epoch's offset and shuffle,
// seeks to minibatch batches and goes on accumulating, so the epoch ends
// exactly as an uninterrupted one.
type partialEpoch struct {
	rngState []byte        // the sampler's state before the epoch's StartEpoch
	batches  int           // minibatches trained in the epoch
	ppl      Perplexity    // their losses
	normSum  float64       // the sum of their gradient norms
	spent    time.Duration // wall time spent on the epoch so far
	clipped  int           // minibatches whose gradient norm exceeded Clip
}

// ErrDiverged is wrapped by the error Epoch and Run return when the loss
// or the gradient norm is not finite (NaN or +-Inf), the parameters are
// left as they were before the minibatch that showed it; and when, at the
// end of an epoch, its perplexity, its validation perplexity or a
// parameter is not finite, the epoch is not counted (no hook sees it). A
// Checkpointer never saves non-finite parameters.
var ErrDiverged = errors.New("train: the run diverged")

// DivergedError says where the run diverged and the likely cause.
type DivergedError struct {
	What         string  // "loss", "gradient norm", "perplexity", "validation perplexity" or "parameter W_xh"...
	Value        float64 // the non-finite value (NaN or +-Inf)
	Epoch, Batch int     // where (Batch is 1-based; 0: at the end of the epoch)
	LR, Clip     float64 // the learning rate and clipping threshold in use
}

func (e *DivergedError) Error() string {
	what := e.What
	if what == "" {
		what = "a value"
	}
	clip := fmt.Sprintf("clipped to norm %g", e.Clip)
	if e.Clip <= 0 {
		clip = "clipping is off"
	}
	return fmt.Sprintf("train: %s is %v %s: the run diverged, most likely because the learning rate (%g) is too high or the gradients are not clipped (%s)",
		what, e.Value, e.Where(), e.LR, clip)
}

// Where says where the run diverged: "at minibatch B of epoch E", or
// "after epoch E" for a value of the whole epoch.
func (e *DivergedError) Where() string {
	if e.Batch == 0 {
		return fmt.Sprintf("after epoch %d", e.Epoch)
	}
	return fmt.Sprintf("at minibatch %d of epoch %d", e.Batch, e.Epoch)
}

// Unwrap makes errors.Is(err, ErrDiverged) true.
func (e *DivergedError) Unwrap() error { return ErrDiverged }

// New checks cfg, builds the training graph of m once for
// (cfg.BatchSize, cfg.NumSteps) and the minibatch iterator over ids.
// The solver is cfg.Optimizer (the book's SGD by default) with cfg.LR.
func New(m graph.Model, ids []int, cfg Config) (*Trainer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	solver, err := NewSolver(cfg.Optimizer, m.Params(), cfg.LR)
	if err != nil {
		return nil, err
	}
	rng := datasets.NewPyRandom(cfg.Seed)
	it, err := datasets.NewIterator(ids, cfg.BatchSize, cfg.NumSteps, cfg.Sampling, rng)
	if err != nil {
		return nil, err
	}
	gc := graph.Config{BatchSize: cfg.BatchSize, NumSteps: cfg.NumSteps, ChunkSteps: cfg.ChunkSteps, Loss: true}
	var flow *flowReads
	if cfg.GradFlow {
		flow = &flowReads{}
		gc.Extend = flow.readFlow
	}
	u, err := graph.NewRunner(m, gc)
	if err != nil {
		return nil, err
	}
	return &Trainer{
		Model: m, Config: cfg, Solver: solver,
		u: u, iter: it, rng: rng, state: zeroState(m, cfg.BatchSize), flow: flow,
	}, nil
}

// Graph returns the unrolled training graph: the whole minibatch's, or
// one chunk's when a long sequence is trained in chunks (see
// graph.NewRunner; Config.GradFlow keeps the whole sequence in one graph).
func (t *Trainer) Graph() *graph.Unrolled { return t.u.Chunk() }

// Compiled says how the training graph was compiled: its steps, chunks,
// nodes, and the time it took.
func (t *Trainer) Compiled() graph.Summary { return t.u.Summary() }

// Run trains until Config.Epochs epochs are done (counting epochs
// restored from a checkpoint), calling the hooks after each, and returns
// the stats of the last epoch. It stops early when a hook returns an error
// wrapping ErrStop, or when ctx is done: then it finishes the minibatch in
// progress and returns ctx's error, and Interrupted reports where it
// stopped; a Checkpointer's Save then saves that point, and the next Run
// (or a run restored from that checkpoint) continues the epoch exactly.
func (t *Trainer) Run(ctx context.Context) (EpochStats, error) {
	var last EpochStats
	if n := len(t.history); n > 0 {
		last = t.history[n-1]
	}
	for t.done < t.Config.Epochs {
		s, err := t.Epoch(ctx)
		if err != nil {
			return last, err
		}
		last = s
		for _, h := range t.Hooks {
			if err := h.AfterEpoch(s); errors.Is(err, ErrStop) {
				t.stopped = err
				return last, nil
			} else if err != nil {
				return last, err
			}
		}
	}
	return last, nil
}

// Interrupted reports whether the last Run or Epoch stopped inside an
// epoch because its context was done, and how many of that epoch's
// minibatches were trained (0: it stopped at an epoch boundary).
func (t *Trainer) Interrupted() (batches int, ok bool) {
	if t.partial == nil {
		return 0, false
	}
	return t.partial.batches, true
}

// StopReason returns the error, wrapping ErrStop, with which a hook
// stopped the last Run early; nil if none did. Its type says why: errors.As
// finds *EarlyStop for EarlyStopping, or a hook's own type.
func (t *Trainer) StopReason() error { return t.stopped }

// EpochsDone returns the number of epochs completed, restored ones included.
func (t *Trainer) EpochsDone() int { return t.done }

// Updates returns the number of minibatch updates made, restored ones
// included.
func (t *Trainer) Updates() int64 { return t.updates }

// History returns the stats of every completed epoch, restored ones
// included, oldest first. The slice is shared: do not modify it.
func (t *Trainer) History() []EpochStats { return t.history }

// Epoch trains one pass over the corpus: the book's train_epoch_ch8.
// Sequential sampling starts the epoch from a zero state and carries it
// from minibatch to minibatch without backpropagating into the past;
// random sampling starts every minibatch from a zero state. The learning
// rate comes from Config.Schedule; with SetValidation the validation
// perplexity is evaluated afterwards every Config.ValEvery epochs.
func (t *Trainer) Epoch(ctx context.Context) (EpochStats, error) {
	start := time.Now()
	epoch := t.done + 1
	lr := t.Config.Schedule.LR(t.Config.LR, epoch, t.Config.Epochs)
	if s, ok := t.Solver.(RateSetter); ok {
		s.SetLR(lr)
	}
	var ppl Perplexity
	var normSum float64
	clipped := 0
	var spent time.Duration // on this epoch before an interruption
	k := 0                  // minibatches trained in this epoch
	if p := t.partial; p != nil {
		// Continue the epoch where it was left (see partialEpoch).
		if err := t.rng.SetState(p.rngState); err != nil {
			return EpochStats{}, err
		}
		t.iter.StartEpoch()
		if err := t.iter.Seek(p.batches); err != nil {
			return EpochStats{}, fmt.Errorf("train: continuing epoch %d: %w", epoch, err)
		}
		ppl, normSum, spent, k, clipped = p.ppl, p.normSum, p.spent, p.batches, p.clipped
		t.partial = nil
	} else {
		t.iter.StartEpoch()
		t.zeroState()
	}
	for ; t.iter.Next(&t.mb); k++ {
		if err := ctx.Err(); err != nil {
			// Stop between minibatches, keeping what is needed to go on.
			t.partial = &partialEpoch{rngState: t.iter.EpochRNGState(), batches: k, ppl: ppl, normSum: normSum,
				spent: spent + time.Since(start), clipped: clipped}
			return EpochStats{}, err
		}
		if t.Config.Sampling == datasets.Random {
			t.zeroState()
		}
		loss, norm, err := t.Step(t.mb)
		if err != nil {
			var d *DivergedError
			if errors.As(err, &d) {
				d.Epoch, d.Batch, d.LR = epoch, k+1, lr
				return EpochStats{}, d
			}
			return EpochStats{}, fmt.Errorf("%w at minibatch %d of epoch %d", err, k+1, epoch)
		}
		normSum += norm
		if t.Config.Clip > 0 && norm > t.Config.Clip {
			clipped++
		}
		ppl.Add(loss, len(t.mb.Y))
		t.updates++
	}
	d := spent + time.Since(start)
	nb := ppl.Tokens() / (t.Config.BatchSize * t.Config.NumSteps)
	s := EpochStats{
		Epoch:        epoch,
		Perplexity:   ppl.Value(),
		Tokens:       ppl.Tokens(),
		Duration:     d,
		TokensPerSec: float64(ppl.Tokens()) / d.Seconds(),
		GradNorm:     normSum / float64(max(nb, 1)),
		LR:           lr,
	}
	if err := t.checkFinite(epoch, lr, "perplexity", s.Perplexity); err != nil {
		return EpochStats{}, err
	}
	if t.flow != nil && t.flow.dh1 != nil {
		// The reads hold the epoch's last minibatch.
		a, err := valueNorm(t.flow.dh1)
		if err != nil {
			return EpochStats{}, err
		}
		b, err := valueNorm(t.flow.dhT)
		if err != nil {
			return EpochStats{}, err
		}
		s.Flow = &FlowStats{DH1: a, DHT: b, Ratio: a / b, Clipped: clipped, Batches: nb}
	}
	if t.val != nil && epoch%max(t.Config.ValEvery, 1) == 0 {
		// The epoch's training is done: an interruption now waits for
		// the (short) evaluation rather than losing the epoch.
		v, err := t.Validate(context.WithoutCancel(ctx))
		if err != nil {
			return EpochStats{}, err
		}
		if err := t.checkFinite(epoch, lr, "validation perplexity", v); err != nil {
			return EpochStats{}, err
		}
		s.ValPerplexity = v
	}
	t.done = epoch
	t.elapsed += spent + time.Since(start)
	s.Elapsed, s.End = t.elapsed, time.Now()
	t.history = append(t.history, s)
	return s, nil
}

// Step trains on one minibatch: forward and backward through the unrolled
// graph from the carried state, global-norm clipping and the solver's
// update. mb must be Config.BatchSize x Config.NumSteps, with targets (an
// Iterator's minibatches are). It returns the mean loss and the gradient
// norm before clipping; the state after the last step is kept for the next
// call. A non-finite loss or gradient norm returns a *DivergedError before
// any parameter changes (its Epoch and Batch are left for the caller to
// fill).
func (t *Trainer) Step(mb datasets.Minibatch) (loss, norm float64, err error) {
	loss, err = t.u.Run(mb, t.state)
	if err != nil {
		return 0, 0, err
	}
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		return 0, 0, &DivergedError{What: "loss", Value: loss, LR: t.Config.LR, Clip: t.Config.Clip}
	}
	grads, err := t.u.Grads()
	if err != nil {
		return 0, 0, err
	}
	norm = ClipGradNorm(grads, t.Config.Clip)
	if math.IsNaN(norm) || math.IsInf(norm, 0) {
		// Before the update: the parameters stay finite.
		return 0, 0, &DivergedError{What: "gradient norm", Value: norm, LR: t.Config.LR, Clip: t.Config.Clip}
	}
	if err := t.Solver.Step(t.Model.Params(), grads); err != nil {
		return 0, 0, err
	}
	return loss, norm, nil
}

// checkFinite returns a *DivergedError, after epoch, if the epoch's value
// (a perplexity) or any parameter is not finite: every loss may be finite
// and yet their mean overflow exp (a perplexity of +Inf), and the last
// update may leave parameters infinite. The epoch then does not count:
// no hook sees it, so it is never recorded nor saved.
func (t *Trainer) checkFinite(epoch int, lr float64, what string, v float64) error {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return &DivergedError{What: what, Value: v, Epoch: epoch, LR: lr, Clip: t.Config.Clip}
	}
	for _, p := range t.Model.Params() {
		if v, ok := firstNonFinite(p.Value); ok {
			return &DivergedError{What: "parameter " + p.Name, Value: v, Epoch: epoch, LR: lr, Clip: t.Config.Clip}
		}
	}
	return nil
}

func (t *Trainer) zeroState() {
	for _, s := range t.state {
		s.Zero()
	}
}
