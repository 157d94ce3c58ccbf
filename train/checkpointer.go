package train

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Checkpointer is a Hook that saves checkpoints into Dir: every Every
// epochs, at the last epoch of the run, and whenever the validation
// perplexity reaches a new best. It keeps the Keep newest (all if Keep <=
// 0) and the best; the pointer files latest and best name them.
type Checkpointer struct {
	Dir   string
	Every int // <= 0: every epoch
	Keep  int // <= 0: keep all
	Info  RunInfo
	// BeforeRename, if set, is a fault-injection hook for tests: Save
	// calls it with the temporary directory of each new checkpoint once
	// every file in it is written and synced, before it is renamed into
	// place and latest points at it (a test may kill the process there).
	// Production code leaves it nil.
	BeforeRename func(tmpDir string)

	t       *Trainer
	saved   int     // epoch of the newest checkpoint written or restored
	bestVal float64 // lowest validation perplexity so far (+Inf if none)
}

// NewCheckpointer prepares dir for t's checkpoints, creating it if needed,
// checking that files can be written in it (a probe file is written,
// synced and removed, so an unwritable directory fails now rather than at
// the first save) and removing temporary directories a crash left behind.
// Call it after a Checkpoint's (or the Trainer's) Restore when resuming. For a new run (t was
// not restored) a dir that already holds checkpoints is refused, so that a
// run never mixes with another's.
func NewCheckpointer(dir string, t *Trainer, info RunInfo) (*Checkpointer, error) {
	if fi, err := os.Stat(dir); err == nil && !fi.IsDir() {
		return nil, fmt.Errorf("train: checkpoint directory %s is a file: use another directory", dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("train: cannot create the checkpoint directory %s (%v): use a writable directory", dir, pathCause(err))
	}
	if err := probeWrite(dir); err != nil {
		return nil, fmt.Errorf("train: cannot write in the checkpoint directory %s (%v): fix its permissions or free space, or use another directory", dir, pathCause(err))
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("train: checkpoint directory: %w", err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".tmp-") {
			os.RemoveAll(filepath.Join(dir, e.Name()))
		}
	}
	if !t.Restored() {
		if name, err := readPointer(dir, latestFile); err == nil {
			return nil, fmt.Errorf("train: %s already holds checkpoints (latest %s): restore the trainer from it (Checkpoint.Restore) to continue that run, or use another directory", dir, name)
		}
	}
	c := &Checkpointer{Dir: dir, Every: 1, Info: info, t: t, saved: t.EpochsDone(), bestVal: math.Inf(1)}
	for _, s := range t.History() {
		if s.ValPerplexity > 0 && s.ValPerplexity < c.bestVal {
			c.bestVal = s.ValPerplexity
		}
	}
	return c, nil
}

// AfterEpoch implements Hook.
func (c *Checkpointer) AfterEpoch(s EpochStats) error {
	improved := s.ValPerplexity > 0 && s.ValPerplexity < c.bestVal
	due := s.Epoch%max(c.Every, 1) == 0 || s.Epoch == c.t.Config.Epochs
	if !improved && !due {
		return nil
	}
	name, err := c.Save()
	if err != nil {
		return err
	}
	if improved {
		c.bestVal = s.ValPerplexity
		if err := writePointer(c.Dir, bestFile, name); err != nil {
			return err
		}
	}
	return c.prune()
}

// Final saves a checkpoint of the last completed epoch unless one exists
// (after a run stopped early between scheduled saves).
func (c *Checkpointer) Final() error {
	if c.t.EpochsDone() == 0 || c.saved == c.t.EpochsDone() {
		return nil
	}
	if _, err := c.Save(); err != nil {
		return err
	}
	return c.prune()
}

// Interrupted saves, after a Run stopped by its context, a checkpoint of
// the point where it stopped: inside an epoch (DIR/epoch-N-batch-K), or at
// an epoch boundary if it stopped there and the schedule had not saved it.
// It returns the checkpoint's name (the one latest already named, if
// nothing was new; "" if the run stopped before its first minibatch).
func (c *Checkpointer) Interrupted() (string, error) {
	k, ok := c.t.Interrupted()
	if (!ok || k == 0) && c.t.EpochsDone() == 0 {
		return "", nil
	}
	if (!ok || k == 0) && c.saved == c.t.EpochsDone() {
		if name, err := readPointer(c.Dir, latestFile); err == nil {
			return name, nil
		}
	}
	name, err := c.Save()
	if err != nil {
		return "", err
	}
	return name, c.prune()
}

// Save writes a checkpoint of the trainer's current state (its
// Snapshot) and points latest at it; it returns the checkpoint's
// directory name. The state is an epoch boundary, as in a Hook, or, after
// a Run stopped by its context, the point inside an epoch where it
// stopped. Non-finite parameters are never saved (the error wraps
// ErrDiverged), and a checkpoint that latest already names is not written
// again.
func (c *Checkpointer) Save() (string, error) {
	t := c.t
	done := t.EpochsDone()
	batches, _ := t.Interrupted()
	name := checkpointName(done, batches)
	if latest, err := readPointer(c.Dir, latestFile); err == nil && latest == name {
		c.saved = done
		return name, nil // the same point: the same state
	}
	s, err := t.Snapshot()
	if err != nil {
		return "", err
	}
	for _, p := range s.Params {
		if v, ok := firstNonFinite(p.Value); ok {
			return "", &DivergedError{What: "parameter " + p.Name, Value: v, Epoch: done, LR: t.Config.Schedule.LR(t.Config.LR, max(done, 1), t.Config.Epochs), Clip: t.Config.Clip}
		}
	}
	files, err := encodeCheckpoint(s, t.Config, c.Info, time.Now().UTC())
	if err != nil {
		return "", err
	}
	if err := writeDirAtomic(c.Dir, name, files, c.BeforeRename); err != nil {
		return "", err
	}
	if err := writePointer(c.Dir, latestFile, name); err != nil {
		return "", err
	}
	c.saved = done
	return name, nil
}

// prune removes checkpoints beyond the Keep newest, sparing latest and
// best. Directories newer than latest (left by a crash) are left alone:
// the run overwrites them when it gets there.
func (c *Checkpointer) prune() error {
	if c.Keep <= 0 {
		return nil
	}
	list, err := ListCheckpoints(c.Dir)
	if err != nil {
		return err
	}
	var older []CheckpointEntry
	for _, e := range list {
		if e.Epoch <= c.saved {
			older = append(older, e)
		}
	}
	for i, e := range older {
		if i >= len(older)-c.Keep || e.Latest || e.Best {
			continue
		}
		if err := os.RemoveAll(filepath.Join(c.Dir, e.Name)); err != nil {
			return fmt.Errorf("train: removing old checkpoint: %w", err)
		}
	}
	return nil
}
