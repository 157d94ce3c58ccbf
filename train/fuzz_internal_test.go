package train

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"github.com/unroll/unroll/internal/safeio"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/unroll/unroll/datasets"
	"github.com/unroll/unroll/models"
	"gorgonia.org/tensor"
)

// fixSums rewrites the sizes and SHA-256 sums the manifest records for
// params.npz and state.npz to match the files, so that the fuzzer gets
// past the checksums to the .npz reader and the checks after it. A
// manifest that is not a JSON object with a files list is returned as it
// is.
func fixSums(manifest []byte, files map[string][]byte) []byte {
	dec := json.NewDecoder(bytes.NewReader(manifest))
	dec.UseNumber() // keep the other numbers as they are
	var m map[string]any
	if dec.Decode(&m) != nil {
		return manifest
	}
	list, ok := m["files"].([]any)
	if !ok {
		return manifest
	}
	for _, f := range list {
		e, ok := f.(map[string]any)
		if !ok {
			continue
		}
		name, _ := e["name"].(string)
		if b, ok := files[name]; ok {
			sum := sha256.Sum256(b)
			e["bytes"], e["sha256"] = len(b), hex.EncodeToString(sum[:])
		}
	}
	out, err := json.Marshal(m)
	if err != nil {
		return manifest
	}
	return out
}

// stopAt is a context cancelled at its n-th Err call, that is after n-1
// minibatches.
type stopAt struct {
	context.Context
	n int
}

func (c *stopAt) Err() error {
	if c.n--; c.n <= 0 {
		return context.Canceled
	}
	return nil
}

// seedCheckpoint trains a 4-unit RNN on a few letters and returns the
// files of a checkpoint, at the end of epoch 1 or (inside) inside epoch 2.
func seedCheckpoint(f *testing.F, inside bool) (manifest, params, state []byte) {
	c, err := datasets.LoadCorpus([]byte(strings.Repeat("abcab cba ", 12)), "seed", datasets.Char, 0)
	if err != nil {
		f.Fatal(err)
	}
	m, err := models.NewRNN(models.Config{VocabSize: c.Vocab.Len(), NumHiddens: 4, Dtype: tensor.Float32, Seed: 1})
	if err != nil {
		f.Fatal(err)
	}
	tr, err := New(m, c.IDs, Config{Epochs: 2, BatchSize: 2, NumSteps: 3, LR: 1, Clip: 1})
	if err != nil {
		f.Fatal(err)
	}
	spec, _ := SpecOf(m)
	dir := f.TempDir()
	cp, err := NewCheckpointer(dir, tr, RunInfo{Model: spec, TokenKind: "char", Vocab: c.Vocab.Tokens()})
	if err != nil {
		f.Fatal(err)
	}
	tr.Hooks = append(tr.Hooks, cp)
	// 119 tokens in 2 rows of 3 steps: 19 or 20 minibatches an epoch, so
	// 22 is inside epoch 2 and 1000 is after the run.
	ctx := &stopAt{Context: context.Background(), n: 1000}
	if inside {
		ctx.n = 23
	}
	tr.Run(ctx)
	name, err := cp.Interrupted()
	if err != nil {
		f.Fatal(err)
	}
	ep := filepath.Join(dir, name)
	manifest, err1 := os.ReadFile(filepath.Join(ep, manifestFile))
	params, err2 := os.ReadFile(filepath.Join(ep, paramsFile))
	state, _ = os.ReadFile(filepath.Join(ep, stateFile))
	if err1 != nil || err2 != nil || inside != (state != nil) {
		f.Fatal(err1, err2, name)
	}
	return manifest, params, state
}

// FuzzReadCheckpoint: the checkpoint reader never panics, whatever
// manifest.json and params.npz hold (with fix, the manifest's checksums
// are made to match params first); a checkpoint it accepts gives a model
// that takes its parameters and a vocabulary, without allocating more than
// the files hold.
func FuzzReadCheckpoint(f *testing.F) {
	manifest, params, _ := seedCheckpoint(f, false)
	f.Add(manifest, params, []byte{}, false)
	f.Add(manifest, params[:len(params)/2], []byte{}, true)
	f.Add([]byte(strings.Replace(string(manifest), `"num_hiddens": 4`, `"num_hiddens": 4000000000`, 1)), params, []byte{}, true)
	f.Add([]byte(`{"magic":"unroll-checkpoint","format_version":2}`), []byte{}, []byte{}, true)
	manifest, params, state := seedCheckpoint(f, true)
	f.Add(manifest, params, state, false)
	files := map[string][]byte{manifestFile: manifest, paramsFile: params, stateFile: state}
	if c, err := decodeCheckpoint("ck", func(name string, _ int64) ([]byte, error) { return files[name], nil }); err != nil || c.Batch == 0 {
		f.Fatalf("the seed checkpoint inside an epoch does not decode as one: %v", err)
	}
	f.Add(manifest, params, state[:len(state)-1], true)
	f.Fuzz(func(t *testing.T, manifest, params, state []byte, fix bool) {
		files := map[string][]byte{paramsFile: params, stateFile: state}
		if fix {
			manifest = fixSums(manifest, files)
		}
		files[manifestFile] = manifest
		read := func(name string, max int64) ([]byte, error) {
			if b, ok := files[name]; ok {
				if int64(len(b)) > max {
					return nil, &safeio.TooLargeError{Path: name, Max: max}
				}
				return b, nil
			}
			return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
		}
		c, err := decodeCheckpoint("ck/epoch-000001", read)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("a message of several lines: %q", err)
			}
			return
		}
		if _, err := c.NewModel(); err != nil && strings.Contains(err.Error(), "\n") {
			t.Fatalf("NewModel: a message of several lines: %q", err)
		}
		if _, err := c.NewVocab(); err != nil && strings.Contains(err.Error(), "\n") {
			t.Fatalf("NewVocab: a message of several lines: %q", err)
		}
	})
}
