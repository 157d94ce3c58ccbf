package train_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/unroll/unroll/datasets"
	"github.com/unroll/unroll/models"
	"github.com/unroll/unroll/train"
	"gorgonia.org/tensor"
)

// TestSnapshotRestoreExact: a Snapshot taken where a Run stopped (inside
// an epoch, or before anything was trained), restored into a fresh
// trainer, continues bit for bit as the run that never stopped; the
// snapshot is a copy, so the interrupted trainer training on meanwhile
// does not change what it restores.
func TestSnapshotRestoreExact(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  train.Config
	}{
		{"sgd-sequential", train.Config{Epochs: 3, BatchSize: 3, NumSteps: 7, LR: 1, Clip: 1, Sampling: datasets.Sequential, Seed: 11}},
		{"adam-random", train.Config{Epochs: 3, BatchSize: 3, NumSteps: 7, LR: 0.01, Clip: 1, Sampling: datasets.Random, Seed: 11, Optimizer: "adam"}},
	} {
		straight := trainRun(t, tc.cfg, "", "")
		// As in TestInterruptInsideEpochExact: epochs of 33 to 35
		// minibatches, so 50 stops inside epoch 2 and 0 before any.
		for _, after := range []int{0, 50} {
			t.Run(fmt.Sprintf("%s/after-%d", tc.name, after), func(t *testing.T) {
				tr, _ := setup(t, tc.cfg, "")
				if _, err := tr.Run(&countdown{Context: context.Background(), n: after + 1}); !errors.Is(err, context.Canceled) {
					t.Fatalf("Run: %v, want context.Canceled", err)
				}
				s, err := tr.Snapshot()
				if err != nil {
					t.Fatal(err)
				}
				// after 0: stopped before epoch 1's first minibatch; after
				// 50: one epoch done, the second begun.
				wantEpoch := map[bool]int{false: 0, true: 1}[after > 0]
				if s.Partial == nil || (s.Partial.Batches > 0) != (after > 0) || s.Epoch != wantEpoch || s.Updates != int64(after) ||
					len(s.History) != wantEpoch || len(s.State) == 0 {
					t.Fatalf("snapshot after %d minibatches: epoch %d, %d updates, %d history entries, partial %+v, %d state tensors",
						after, s.Epoch, s.Updates, len(s.History), s.Partial, len(s.State))
				}
				if _, err := tr.Run(context.Background()); err != nil { // trains on: s must not change
					t.Fatal(err)
				}
				fresh, _ := setup(t, tc.cfg, "")
				if err := fresh.Restore(s); err != nil {
					t.Fatal(err)
				}
				if !fresh.Restored() || fresh.EpochsDone() != s.Epoch || fresh.Updates() != s.Updates {
					t.Fatalf("restored: %v, epoch %d, %d updates; want epoch %d, %d updates", fresh.Restored(), fresh.EpochsDone(), fresh.Updates(), s.Epoch, s.Updates)
				}
				if k, ok := fresh.Interrupted(); !ok || k != s.Partial.Batches {
					t.Errorf("restored Interrupted: %d, %v; want %d, true", k, ok, s.Partial.Batches)
				}
				if _, err := fresh.Run(context.Background()); err != nil {
					t.Fatal(err)
				}
				for _, r := range []*train.Trainer{fresh, tr} {
					h := r.History()
					if len(h) != len(straight.ppl) {
						t.Fatalf("%d epochs, want %d", len(h), len(straight.ppl))
					}
					for i, e := range h {
						if e.Perplexity != straight.ppl[i] || e.ValPerplexity != straight.val[i] {
							t.Errorf("epoch %d: perplexity %v, val %v; straight %v, %v", i+1, e.Perplexity, e.ValPerplexity, straight.ppl[i], straight.val[i])
						}
					}
					sameValues(t, "params", straight.params, r.Model.Params())
					sameValues(t, "optimizer", straight.solver, r.Solver.(train.StatefulSolver).State().Tensors)
				}
			})
		}
	}
}

// TestRestoreRefusesOtherModel: a snapshot of another model (another
// number of hidden units) is refused, naming the parameter, and leaves the
// trainer as it was.
func TestRestoreRefusesOtherModel(t *testing.T) {
	cfg := train.Config{Epochs: 2, BatchSize: 3, NumSteps: 7, LR: 1, Clip: 1}
	tr, _ := setup(t, cfg, "")
	tr.Run(&countdown{Context: context.Background(), n: 5})
	s, err := tr.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	c := corpusOf(t, text)
	m, err := models.NewRNN(models.Config{VocabSize: c.Vocab.Len(), NumHiddens: 8, Dtype: tensor.Float32, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	other, err := train.New(m, c.IDs, cfg)
	if err != nil {
		t.Fatal(err)
	}
	before := m.Params()[0].Value.Float32s()[0]
	err = other.Restore(s)
	if err == nil || !strings.Contains(err.Error(), "parameter 0 is W_xh") || !strings.Contains(err.Error(), "different model") {
		t.Errorf("restoring a 24-unit snapshot into an 8-unit model: %v", err)
	}
	if other.Restored() || other.EpochsDone() != 0 || other.Updates() != 0 || m.Params()[0].Value.Float32s()[0] != before {
		t.Errorf("a refused Restore changed the trainer")
	}
}

// TestBeforeRename: Save calls the fault-injection hook once per new
// checkpoint, with a temporary directory in Dir that already holds every
// file while latest still names the previous checkpoint; the directory is
// renamed into place afterwards, so nothing of it is left.
func TestBeforeRename(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ck")
	tr, cp := setup(t, train.Config{Epochs: 2, BatchSize: 3, NumSteps: 7, LR: 1, Clip: 1}, dir)
	var seen []string
	cp.BeforeRename = func(tmp string) {
		seen = append(seen, tmp)
		if filepath.Dir(tmp) != dir || !strings.HasPrefix(filepath.Base(tmp), ".tmp-") {
			t.Errorf("BeforeRename(%s): not a temporary directory in %s", tmp, dir)
		}
		for _, f := range []string{"manifest.json", "params.npz"} {
			if _, err := os.Stat(filepath.Join(tmp, f)); err != nil {
				t.Errorf("BeforeRename before %s is written: %v", f, err)
			}
		}
		latest, _ := os.ReadFile(filepath.Join(dir, "latest"))
		if want := map[int]string{1: "", 2: "epoch-000001\n"}[len(seen)]; string(latest) != want {
			t.Errorf("save %d: latest is %q before the rename, want %q", len(seen), latest, want)
		}
	}
	if _, err := tr.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 2 {
		t.Fatalf("BeforeRename called %d times for 2 epochs saved", len(seen))
	}
	for _, tmp := range seen {
		if _, err := os.Stat(tmp); !os.IsNotExist(err) {
			t.Errorf("%s is left after the save: %v", tmp, err)
		}
	}
	if ck, err := train.OpenCheckpoint(dir); err != nil || ck.Epoch != 2 {
		t.Errorf("latest after the run: %v, %v", ck, err)
	}
}
