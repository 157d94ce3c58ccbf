package train

import (
	"fmt"
	"path/filepath"
	"time"

	"github.com/unroll/unroll/datasets"
	"github.com/unroll/unroll/graph"
	"gorgonia.org/tensor"
)

// Checkpoint is a loaded and verified checkpoint (OpenCheckpoint): what
// rebuilds its model and vocabulary, and the Snapshot that continues its
// run.
type Checkpoint struct {
	RunInfo
	Path     string       // the epoch directory
	Version  int          // format version
	Created  time.Time    // when it was written
	Config   Config       // the training configuration of the run that wrote it
	Epoch    int          // epochs completed
	Batch    int          // minibatches of epoch Epoch+1 completed (0: at an epoch boundary)
	Updates  int64        // minibatch updates made
	RNGState []byte       // the minibatch sampler's state before the next epoch
	Solver   SolverState  // the optimizer's state, tensors included
	History  []EpochStats // one per completed epoch
	Params   []graph.Param
	State    []graph.Param // inside an epoch: the hidden state carried to its next minibatch
	Files    []FileInfo    // every data file, size and SHA-256 verified

	partial *PartialEpoch // inside an epoch: what its minibatches accumulated
}

// Name returns the checkpoint's directory name, e.g. "epoch-000012".
func (c *Checkpoint) Name() string { return filepath.Base(c.Path) }

// NewModel builds the checkpoint's model with its parameters.
func (c *Checkpoint) NewModel() (graph.Model, error) {
	m, err := c.Model.Build()
	if err != nil {
		return nil, fmt.Errorf("train: checkpoint %s: %w", c.Path, err)
	}
	if err := matchParams(m.Params(), c.Params); err != nil {
		return nil, fmt.Errorf("train: checkpoint %s: %w", c.Path, err)
	}
	for i, p := range m.Params() {
		copyDenseValues(p.Value, c.Params[i].Value)
	}
	return m, nil
}

// NewVocab rebuilds the checkpoint's vocabulary.
func (c *Checkpoint) NewVocab() (*datasets.Vocab, error) {
	v, err := datasets.VocabFromTokens(c.Vocab)
	if err != nil {
		return nil, fmt.Errorf("train: checkpoint %s: %w", c.Path, err)
	}
	return v, nil
}

// Snapshot returns the trainer state the checkpoint holds. Its tensors
// are the checkpoint's own (Trainer.Restore copies them).
func (c *Checkpoint) Snapshot() Snapshot {
	s := Snapshot{Epoch: c.Epoch, Updates: c.Updates, History: c.History, RNGState: c.RNGState, Solver: c.Solver, Params: c.Params}
	if n := len(c.History); n > 0 {
		s.Elapsed = c.History[n-1].Elapsed
	}
	if c.partial != nil {
		p := *c.partial
		s.Partial = &p
		for _, h := range c.State {
			s.State = append(s.State, h.Value)
		}
	}
	return s
}

// Restore continues t from the checkpoint (see Trainer.Restore): it
// copies the parameters into t.Model and the optimizer state into
// t.Solver, and restores the epoch count, the minibatch sampler's random
// state and the metrics history, so that t.Run trains the following
// epochs exactly as the run that wrote the checkpoint would have. The
// model's structure and the optimizer must match (an error says which
// differs); t.Config is kept, so changed settings (-lr, -epochs, ...)
// apply from the next epoch.
func (c *Checkpoint) Restore(t *Trainer) error {
	ss, ok := t.Solver.(StatefulSolver)
	if !ok {
		return fmt.Errorf("train: resume: solver %T cannot restore a saved state", t.Solver)
	}
	if have := ss.State().Name; have != c.Solver.Name {
		return fmt.Errorf("train: resume: the checkpoint was trained with optimizer %s, this run uses %s: use %s to continue it, or start a new run in another directory", c.Solver.Name, have, c.Solver.Name)
	}
	if c.partial != nil {
		// The rest of the epoch must cut the text as its start did.
		cc, tc := c.Config, t.Config
		if cc.BatchSize != tc.BatchSize || cc.NumSteps != tc.NumSteps || cc.Sampling != tc.Sampling {
			return fmt.Errorf("train: resume: the checkpoint %s was taken inside epoch %d with batch %d, steps %d, %s sampling; this run has batch %d, steps %d, %s sampling: use batch %d, steps %d, %s sampling to finish that epoch",
				c.Path, c.Epoch+1, cc.BatchSize, cc.NumSteps, cc.Sampling, tc.BatchSize, tc.NumSteps, tc.Sampling, cc.BatchSize, cc.NumSteps, cc.Sampling)
		}
	}
	if err := t.restore(c.Snapshot()); err != nil {
		return fmt.Errorf("train: checkpoint %s: %w", c.Path, err)
	}
	return nil
}

// stateParams names the hidden state tensors H_0, H_1, ... as a
// checkpoint stores them.
func stateParams(state []*tensor.Dense) []graph.Param {
	var out []graph.Param
	for i, s := range state {
		out = append(out, graph.Param{Name: fmt.Sprintf("H_%d", i), Value: s})
	}
	return out
}
