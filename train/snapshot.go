package train

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/unroll/unroll/datasets"
	"github.com/unroll/unroll/graph"
	"gorgonia.org/tensor"
)

// Snapshot is everything a Trainer needs to go on exactly where it was:
// the model's parameters, the optimizer's state, the minibatch sampler's
// random state, the counters and the history, and, when a Run stopped
// inside an epoch, that epoch's progress and the hidden state carried to
// its next minibatch. A checkpoint is a Snapshot written to disk with the
// run's description (RunInfo); Checkpointer.Save takes one and
// Checkpoint.Restore gives one back.
//
// Trainer.Snapshot copies every tensor, so a Snapshot does not change as
// the trainer trains on; Trainer.Restore copies the values back.
type Snapshot struct {
	Epoch   int           // epochs completed
	Updates int64         // minibatch updates made
	History []EpochStats  // one per completed epoch
	Elapsed time.Duration // wall time of the completed epochs
	// RNGState is the minibatch sampler's state (datasets.PyRandom.State)
	// from which the next Epoch starts its epoch: inside an epoch, the
	// state before that epoch's offset and shuffle were drawn.
	RNGState []byte
	Solver   SolverState   // the optimizer's, tensors included
	Params   []graph.Param // the model's, in Model.Params order
	// Partial is the progress of the epoch a Run left between two
	// minibatches (nil at an epoch boundary); State is then the hidden
	// state carried to its next minibatch, one tensor per Model.States
	// entry, (BatchSize, size) each.
	Partial *PartialEpoch
	State   []*tensor.Dense
}

// PartialEpoch is what the minibatches of an epoch left unfinished have
// accumulated; the next Epoch goes on from there and ends the epoch
// exactly as an uninterrupted one.
type PartialEpoch struct {
	Batches     int           // minibatches trained in the epoch
	LossSum     float64       // the sum of their mean losses times their tokens
	Tokens      int           // the tokens they trained on
	GradNormSum float64       // the sum of their gradient norms (before clipping)
	Clipped     int           // how many of them were clipped
	Spent       time.Duration // wall time spent on the epoch so far
}

// Snapshot returns a copy of t's state (see Snapshot). t's solver must be
// a StatefulSolver (SGD and Adam are).
func (t *Trainer) Snapshot() (Snapshot, error) {
	ss, ok := t.Solver.(StatefulSolver)
	if !ok {
		return Snapshot{}, fmt.Errorf("train: solver %T cannot save its state (it is not a StatefulSolver)", t.Solver)
	}
	st := ss.State()
	st.Hyper = maps.Clone(st.Hyper)
	st.Tensors = cloneParams(st.Tensors)
	s := Snapshot{
		Epoch: t.done, Updates: t.updates, History: slices.Clone(t.history), Elapsed: t.elapsed,
		RNGState: t.rng.State(), Solver: st, Params: cloneParams(t.Model.Params()),
	}
	if p := t.partial; p != nil {
		s.RNGState = slices.Clone(p.rngState) // before the epoch's StartEpoch drew
		s.Partial = &PartialEpoch{Batches: p.batches, LossSum: p.ppl.sum, Tokens: p.ppl.tokens, GradNormSum: p.normSum, Spent: p.spent, Clipped: p.clipped}
		for _, h := range t.state {
			s.State = append(s.State, h.Clone().(*tensor.Dense))
		}
	}
	return s, nil
}

// Restore sets t's state to s, so that t.Run trains on exactly as the
// trainer s was taken from would have. The parameters, optimizer and
// hidden state must be those of t's model and solver (an error says which
// differs); t.Config is kept, so changed settings apply from the next
// epoch. Everything that can be checked beforehand is, but an error from
// the solver's SetState may leave t partly restored: then discard t.
func (t *Trainer) Restore(s Snapshot) error {
	if err := t.restore(s); err != nil {
		return fmt.Errorf("train: restore: %w", err)
	}
	return nil
}

// restore is Restore; its errors say what differs without a prefix (its
// callers name what they restore from).
func (t *Trainer) restore(s Snapshot) error {
	ss, ok := t.Solver.(StatefulSolver)
	if !ok {
		return fmt.Errorf("solver %T cannot restore a saved state (it is not a StatefulSolver)", t.Solver)
	}
	if err := matchParams(t.Model.Params(), s.Params); err != nil {
		return err
	}
	if s.Epoch < 0 || s.Updates < 0 || len(s.History) != s.Epoch {
		return fmt.Errorf("epoch %d, %d updates and %d history entries do not agree", s.Epoch, s.Updates, len(s.History))
	}
	if err := datasets.NewPyRandom(0).SetState(s.RNGState); err != nil {
		return err
	}
	if p := s.Partial; p != nil {
		if p.Batches < 0 || p.Tokens < 0 || p.Spent < 0 {
			return fmt.Errorf("partial epoch of %d minibatches, %d tokens, %v", p.Batches, p.Tokens, p.Spent)
		}
		if len(s.State) != len(t.state) {
			return fmt.Errorf("%d state tensors, the model has %d: it is a different model", len(s.State), len(t.state))
		}
		for i, h := range t.state {
			if !s.State[i].Shape().Eq(h.Shape()) || s.State[i].Dtype() != h.Dtype() {
				return fmt.Errorf("state %d is %v %v, want %v %v", i, s.State[i].Dtype(), s.State[i].Shape(), h.Dtype(), h.Shape())
			}
		}
	}
	if err := ss.SetState(s.Solver); err != nil {
		return err
	}
	for i, p := range t.Model.Params() {
		copyDenseValues(p.Value, s.Params[i].Value)
	}
	if err := t.rng.SetState(s.RNGState); err != nil {
		return err // checked above
	}
	t.partial = nil
	if p := s.Partial; p != nil {
		t.partial = &partialEpoch{rngState: slices.Clone(s.RNGState), batches: p.Batches,
			ppl: Perplexity{sum: p.LossSum, tokens: p.Tokens}, normSum: p.GradNormSum, spent: p.Spent, clipped: p.Clipped}
		for i, h := range t.state {
			copyDenseValues(h, s.State[i])
		}
	}
	t.restored = true
	t.done, t.updates = s.Epoch, s.Updates
	t.history = slices.Clone(s.History)
	t.elapsed = s.Elapsed
	return nil
}

// Restored reports whether Restore set t's state (a resumed run).
func (t *Trainer) Restored() bool { return t.restored }

// matchParams checks that saved holds have's parameters: the same names,
// shapes and dtypes in the same order.
func matchParams(have, saved []graph.Param) error {
	if len(have) != len(saved) {
		return fmt.Errorf("%d parameters saved, the model has %d: it is a different model", len(saved), len(have))
	}
	for i, p := range have {
		s := saved[i]
		if s.Name != p.Name || !s.Value.Shape().Eq(p.Value.Shape()) || s.Value.Dtype() != p.Value.Dtype() {
			return fmt.Errorf("parameter %d is %s %v %v, the model's is %s %v %v: it is a different model",
				i, s.Name, s.Value.Dtype(), s.Value.Shape(), p.Name, p.Value.Dtype(), p.Value.Shape())
		}
	}
	return nil
}

// cloneParams returns a copy of ps with copies of their values.
func cloneParams(ps []graph.Param) []graph.Param {
	out := make([]graph.Param, len(ps))
	for i, p := range ps {
		out[i] = graph.Param{Name: p.Name, Value: p.Value.Clone().(*tensor.Dense)}
	}
	return out
}
