package train_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/unroll/unroll/datasets"
	"github.com/unroll/unroll/models"
	"github.com/unroll/unroll/train"
	"gorgonia.org/tensor"
)

// countdown is a context whose Err turns to context.Canceled on its n-th
// call. Epoch calls Err once before each minibatch, so countdown{n: k+1}
// interrupts a run after exactly k minibatches, as a signal arriving
// during minibatch k would.
type countdown struct {
	context.Context
	n int
}

func (c *countdown) Err() error {
	c.n--
	if c.n <= 0 {
		return context.Canceled
	}
	return nil
}

// setup builds trainRun's trainer (same text, split, model and seed) with
// a checkpointer in dir.
func setup(t *testing.T, cfg train.Config, dir string) (*train.Trainer, *train.Checkpointer) {
	t.Helper()
	c := corpusOf(t, text)
	n := len(c.IDs) * 9 / 10
	m, err := models.NewRNN(models.Config{VocabSize: c.Vocab.Len(), NumHiddens: 24, Dtype: tensor.Float32, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	tr, err := train.New(m, c.IDs[:n], cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.SetValidation(c.IDs[n:]); err != nil {
		t.Fatal(err)
	}
	spec, _ := train.SpecOf(m)
	info := train.RunInfo{Model: spec, TokenKind: "char", Vocab: c.Vocab.Tokens()}
	if dir == "" {
		return tr, nil
	}
	if ck, err := train.OpenCheckpoint(dir); err == nil {
		if err := ck.Restore(tr); err != nil {
			t.Fatal(err)
		}
	}
	cp, err := train.NewCheckpointer(dir, tr, info)
	if err != nil {
		t.Fatal(err)
	}
	tr.Hooks = append(tr.Hooks, cp)
	return tr, cp
}

// TestInterruptInsideEpochExact: a run interrupted between two minibatches
// (inside an epoch, or at its boundary), saved with Checkpointer.Interrupted
// and restored in a fresh trainer, ends with the same perplexities,
// parameters and optimizer state, bit for bit, as the run that never
// stopped; so does the interrupted trainer itself when Run is called again.
func TestInterruptInsideEpochExact(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  train.Config
	}{
		{"sgd-sequential", train.Config{Epochs: 3, BatchSize: 3, NumSteps: 7, LR: 1, Clip: 1, Sampling: datasets.Sequential, Seed: 11}},
		{"adam-random", train.Config{Epochs: 3, BatchSize: 3, NumSteps: 7, LR: 0.01, Clip: 1, Sampling: datasets.Random, Seed: 11, Optimizer: "adam"}},
	} {
		straight := trainRun(t, tc.cfg, "", "")
		// The epochs have 33 to 35 minibatches (748 training tokens, 3 rows
		// of 7 steps, a random offset): 10 stops inside epoch 1, 50 inside
		// epoch 2, and 1 before anything was trained.
		for _, after := range []int{0, 10, 50} {
			t.Run(fmt.Sprintf("%s/after-%d", tc.name, after), func(t *testing.T) {
				dir := filepath.Join(t.TempDir(), "ck")
				tr, cp := setup(t, tc.cfg, dir)
				_, err := tr.Run(&countdown{Context: context.Background(), n: after + 1})
				if !errors.Is(err, context.Canceled) {
					t.Fatalf("Run: %v, want context.Canceled", err)
				}
				k, ok := tr.Interrupted()
				if !ok {
					t.Fatal("Interrupted: not interrupted")
				}
				name, err := cp.Interrupted()
				if err != nil {
					t.Fatal(err)
				}
				if after == 0 {
					if name != "" {
						t.Errorf("nothing trained, but %q saved", name)
					}
					return
				}
				want := fmt.Sprintf("epoch-%06d-batch-%06d", tr.EpochsDone(), k)
				if k == 0 {
					want = fmt.Sprintf("epoch-%06d", tr.EpochsDone())
				}
				if name != want {
					t.Errorf("saved %s, want %s", name, want)
				}
				// A fresh trainer continues from the checkpoint ...
				fresh, _ := setup(t, tc.cfg, dir)
				if _, err := fresh.Run(context.Background()); err != nil {
					t.Fatal(err)
				}
				// ... and the interrupted one from where it is.
				if _, err := tr.Run(context.Background()); err != nil {
					t.Fatal(err)
				}
				for _, r := range []*train.Trainer{fresh, tr} {
					h := r.History()
					if len(h) != len(straight.ppl) {
						t.Fatalf("%d epochs, want %d", len(h), len(straight.ppl))
					}
					for i, s := range h {
						if s.Perplexity != straight.ppl[i] || s.ValPerplexity != straight.val[i] {
							t.Errorf("epoch %d: perplexity %v, val %v; straight %v, %v", i+1, s.Perplexity, s.ValPerplexity, straight.ppl[i], straight.val[i])
						}
					}
					sameValues(t, "params", straight.params, r.Model.Params())
					if s, ok := r.Solver.(train.StatefulSolver); ok {
						sameValues(t, "optimizer", straight.solver, s.State().Tensors)
					}
				}
				ck, err := train.OpenCheckpoint(dir)
				if err != nil || ck.Epoch != 3 || ck.Batch != 0 {
					t.Errorf("latest after finishing: %v, %+v", err, ck)
				}
			})
		}
	}
}

// TestInterruptedCheckpointNeedsSameBatch: the rest of an interrupted epoch
// can only be cut with the same -batch, -steps and -iter.
func TestInterruptedCheckpointNeedsSameBatch(t *testing.T) {
	cfg := train.Config{Epochs: 2, BatchSize: 3, NumSteps: 7, LR: 1, Clip: 1}
	dir := filepath.Join(t.TempDir(), "ck")
	tr, cp := setup(t, cfg, dir)
	tr.Run(&countdown{Context: context.Background(), n: 5})
	if _, err := cp.Interrupted(); err != nil {
		t.Fatal(err)
	}
	ck, err := train.OpenCheckpoint(dir)
	if err != nil {
		t.Fatal(err)
	}
	cfg.BatchSize = 4
	other, _ := setup(t, cfg, "")
	if err := ck.Restore(other); err == nil || !strings.Contains(err.Error(), "use batch 3, steps 7, sequential sampling") {
		t.Errorf("restore with another batch size: %v", err)
	}
}

// TestDivergedKeepsLastCheckpoint: a learning rate that makes the loss
// overflow stops the run with ErrDiverged, naming the cause; the last good
// checkpoint stays latest and holds finite parameters.
func TestDivergedKeepsLastCheckpoint(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ck")
	tr, _ := setup(t, train.Config{Epochs: 1, BatchSize: 3, NumSteps: 7, LR: 1, Clip: 1}, dir)
	if _, err := tr.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	// 1e38 is near float32's largest value (3.4e38): the first update
	// sends weights to about 1e37 and the logits overflow.
	tr, _ = setup(t, train.Config{Epochs: 3, BatchSize: 3, NumSteps: 7, LR: 1e38, Clip: 0}, dir)
	_, err := tr.Run(context.Background())
	var de *train.DivergedError
	if !errors.Is(err, train.ErrDiverged) || !errors.As(err, &de) {
		t.Fatalf("Run: %v, want a DivergedError", err)
	}
	// Epoch 2: the first was restored from dir. The fields say what to
	// change; the text names no flag (the command line words it with its
	// own).
	if de.LR != 1e38 || de.Clip != 0 || de.Epoch != 2 || de.Batch < 1 || !math.IsInf(de.Value, 0) && !math.IsNaN(de.Value) {
		t.Errorf("DivergedError %+v", de)
	}
	for _, w := range []string{"diverged", "learning rate (1e+38) is too high", "clipping is off"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q lacks %q", err, w)
		}
	}
	if strings.Contains(err.Error(), "-lr") || strings.Contains(err.Error(), "-clip") {
		t.Errorf("error %q names a flag", err)
	}
	ck, err := train.OpenCheckpoint(dir)
	if err != nil {
		t.Fatal(err)
	}
	if ck.Epoch != 1 {
		t.Errorf("latest is epoch %d, want the last good one, 1", ck.Epoch)
	}
	for _, p := range ck.Params {
		for _, v := range p.Value.Float32s() {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				t.Fatalf("the kept checkpoint's %s holds %v", p.Name, v)
			}
		}
	}
}

// TestSaveRefusesNonFinite: parameters that became NaN are never written
// over a good checkpoint.
func TestSaveRefusesNonFinite(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ck")
	tr, cp := setup(t, train.Config{Epochs: 2, BatchSize: 3, NumSteps: 7, LR: 1, Clip: 1}, dir)
	tr.Run(&countdown{Context: context.Background(), n: 40}) // into epoch 2
	tr.Model.Params()[1].Value.Float32s()[3] = float32(math.NaN())
	if _, err := cp.Interrupted(); !errors.Is(err, train.ErrDiverged) || !strings.Contains(err.Error(), "parameter W_hh is NaN") {
		t.Errorf("saving NaN parameters: %v", err)
	}
	if ck, err := train.OpenCheckpoint(dir); err != nil || ck.Epoch != 1 || ck.Batch != 0 {
		t.Errorf("latest: %v, %v", ck, err)
	}
}

// TestCheckpointerUnwritable: a directory that cannot hold checkpoints is
// refused when the checkpointer is made, before any training.
func TestCheckpointerUnwritable(t *testing.T) {
	tr, _ := setup(t, train.Config{Epochs: 1, BatchSize: 3, NumSteps: 7, LR: 1}, "")
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, []byte("x"), 0o644)
	for _, tc := range []struct{ dir, want string }{
		{file, "is a file"},
		{filepath.Join(file, "ck"), "cannot create"},
		// /proc/self exists, but nobody, root included, can create files in it.
		{"/proc/self", "cannot write"},
	} {
		_, err := train.NewCheckpointer(tc.dir, tr, train.RunInfo{})
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "directory") || strings.Contains(err.Error(), "-checkpoint") {
			t.Errorf("%s: %v, want an error containing %q and the fix", tc.dir, err, tc.want)
		}
	}
}
