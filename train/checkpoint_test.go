package train_test

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/unroll/unroll/datasets"
	"github.com/unroll/unroll/graph"
	"github.com/unroll/unroll/models"
	"github.com/unroll/unroll/train"
	"gorgonia.org/tensor"
)

// text is a small synthetic text, less regular than periodic, so that
// perplexities keep changing from epoch to epoch.
var text = strings.Repeat("the time traveller for so it will be convenient to speak of him was expounding a recondite matter to us ", 8)

// run is one training run of the resume tests.
type run struct {
	ppl, val []float64      // per epoch
	params   []graph.Param  // final values
	solver   []graph.Param  // final optimizer state tensors
	tr       *train.Trainer // the trainer
}

// trainRun trains cfg on text up to cfg.Epochs; with resumeFrom it first
// restores that checkpoint; with ckptDir it saves checkpoints there.
func trainRun(t *testing.T, cfg train.Config, ckptDir, resumeFrom string) run {
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
	if resumeFrom != "" {
		ck, err := train.OpenCheckpoint(resumeFrom)
		if err != nil {
			t.Fatal(err)
		}
		if err := ck.Restore(tr); err != nil {
			t.Fatal(err)
		}
	}
	if ckptDir != "" {
		spec, err := train.SpecOf(m)
		if err != nil {
			t.Fatal(err)
		}
		cp, err := train.NewCheckpointer(ckptDir, tr, train.RunInfo{Model: spec, TokenKind: "char", Vocab: c.Vocab.Tokens(),
			Data: train.DataInfo{Name: "text", Tokens: len(c.IDs), TrainTokens: n, ValTokens: len(c.IDs) - n, SHA256: train.TokensSHA256(c.IDs)}})
		if err != nil {
			t.Fatal(err)
		}
		cp.Keep = 2
		tr.Hooks = append(tr.Hooks, cp)
	}
	if _, err := tr.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	var r run
	r.tr = tr
	for _, s := range tr.History() {
		r.ppl = append(r.ppl, s.Perplexity)
		r.val = append(r.val, s.ValPerplexity)
	}
	r.params = m.Params()
	if s, ok := tr.Solver.(train.StatefulSolver); ok {
		r.solver = s.State().Tensors
	}
	return r
}

func sameValues(t *testing.T, what string, a, b []graph.Param) {
	t.Helper()
	if len(a) != len(b) {
		t.Fatalf("%s: %d tensors, then %d", what, len(a), len(b))
	}
	for i := range a {
		x, y := a[i].Value.Float32s(), b[i].Value.Float32s()
		for k := range x {
			if math.Float32bits(x[k]) != math.Float32bits(y[k]) {
				t.Fatalf("%s %s[%d]: %v straight, %v resumed", what, a[i].Name, k, x[k], y[k])
			}
		}
	}
}

// TestResumeExact is acceptance test 1: training 4 epochs straight, and
// training 2, saving a checkpoint, then resuming in a fresh trainer for 2
// more, give the same per-epoch train and validation perplexities and the
// same final parameters (and optimizer state), bit for bit. Both the book's
// setting (SGD, sequential sampling) and Adam with random sampling and a
// step schedule are checked.
func TestResumeExact(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  train.Config
	}{
		{"sgd-sequential", train.Config{Epochs: 4, BatchSize: 3, NumSteps: 7, LR: 1, Clip: 1, Sampling: datasets.Sequential, Seed: 11}},
		{"adam-random-step", train.Config{Epochs: 4, BatchSize: 3, NumSteps: 7, LR: 0.01, Clip: 1, Sampling: datasets.Random, Seed: 11,
			Optimizer: "adam", Schedule: train.Schedule{Kind: "step", Step: 3, Gamma: 0.5}, ValEvery: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			straight := trainRun(t, tc.cfg, "", "")
			dir := t.TempDir()
			first := tc.cfg
			first.Epochs = 2
			trainRun(t, first, dir, "")
			resumed := trainRun(t, tc.cfg, dir, dir)
			if len(resumed.ppl) != 4 {
				t.Fatalf("resumed history has %d epochs, want 4", len(resumed.ppl))
			}
			for e := range straight.ppl {
				if straight.ppl[e] != resumed.ppl[e] || straight.val[e] != resumed.val[e] {
					t.Errorf("epoch %d: perplexity %v / val %v straight, %v / %v resumed",
						e+1, straight.ppl[e], straight.val[e], resumed.ppl[e], resumed.val[e])
				}
			}
			t.Logf("per-epoch perplexity %v, val %v", straight.ppl, straight.val)
			if a, b := straight.tr.Updates(), resumed.tr.Updates(); a != b {
				t.Errorf("%d updates straight, %d resumed", a, b)
			}
			sameValues(t, "parameter", straight.params, resumed.params)
			sameValues(t, "optimizer state", straight.solver, resumed.solver)
			// Perplexity changes every epoch: the comparison is not vacuous.
			if straight.ppl[0] == straight.ppl[3] {
				t.Errorf("perplexity did not change over 4 epochs: %v", straight.ppl)
			}
		})
	}
}

// TestValidationDrawsNothing: evaluating validation perplexity does not
// touch the training sampler or the parameters: the training perplexities
// are the same with and without it.
func TestValidationDrawsNothing(t *testing.T) {
	c := corpusOf(t, text)
	cfg := train.Config{Epochs: 3, BatchSize: 3, NumSteps: 7, LR: 1, Clip: 1, Sampling: datasets.Random, Seed: 2}
	ppl := func(val bool) []float64 {
		m, _ := models.NewRNN(models.Config{VocabSize: c.Vocab.Len(), NumHiddens: 16, Dtype: tensor.Float32, Seed: 1})
		tr, err := train.New(m, c.IDs[:700], cfg)
		if err != nil {
			t.Fatal(err)
		}
		if val {
			if err := tr.SetValidation(c.IDs[700:]); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := tr.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		var out []float64
		for _, s := range tr.History() {
			out = append(out, s.Perplexity)
			if (s.ValPerplexity > 0) != val || math.IsNaN(s.ValPerplexity) {
				t.Errorf("validation %v: epoch %d has val perplexity %v", val, s.Epoch, s.ValPerplexity)
			}
		}
		return out
	}
	a, b := ppl(false), ppl(true)
	for i := range a {
		if a[i] != b[i] {
			t.Errorf("epoch %d: perplexity %v without validation, %v with", i+1, a[i], b[i])
		}
	}
}

func TestValidationTooShort(t *testing.T) {
	c := corpusOf(t, text)
	tr, _ := newTrainer(t, c, train.Config{Epochs: 1, BatchSize: 2, NumSteps: 10, LR: 1}, 1)
	err := tr.SetValidation(c.IDs[:10])
	var sv *train.ShortValidationError
	if !errors.As(err, &sv) || sv.Tokens != 10 || sv.NumSteps != 10 || !strings.Contains(err.Error(), "at least 11") {
		t.Errorf("10 validation tokens for 10 steps: error %v, want a ShortValidationError saying 11 are needed", err)
	}
}

// checkpointOnce trains one epoch with checkpoints in a new directory and
// returns the directory and the model.
func checkpointOnce(t *testing.T, epochs int) (string, *models.LM, *datasets.Corpus) {
	t.Helper()
	dir := t.TempDir()
	c := corpusOf(t, text)
	tr, m := newTrainer(t, c, train.Config{Epochs: epochs, BatchSize: 3, NumSteps: 7, LR: 1, Clip: 1, Seed: 1}, 1)
	spec, _ := train.SpecOf(m)
	cp, err := train.NewCheckpointer(dir, tr, train.RunInfo{Model: spec, TokenKind: "char", Vocab: c.Vocab.Tokens()})
	if err != nil {
		t.Fatal(err)
	}
	cp.Keep = 2
	tr.Hooks = append(tr.Hooks, cp)
	if _, err := tr.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	return dir, m, c
}

// TestCheckpointNumPy is acceptance test 2: NumPy (Debian's python3-numpy)
// reads every parameter of params.npz with the right name, shape, dtype and
// values (compared through a SHA-256 of the raw little-endian float32
// bytes). It skips, saying so, without /usr/bin/python3 and numpy.
func TestCheckpointNumPy(t *testing.T) {
	const py = "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import numpy").Run(); err != nil {
		t.Skipf("SKIP: %s with numpy is not available (%v): apt-get install -y python3-numpy to run acceptance check 2", py, err)
	}
	dir, m, _ := checkpointOnce(t, 1)
	out, err := exec.Command(py, "-c", `import hashlib, numpy, sys
z = numpy.load(sys.argv[1])
for k in z.files:
    a = z[k]
    print(k, a.dtype.str, a.shape, hashlib.sha256(a.astype('<f4').tobytes(order='C')).hexdigest())
`, filepath.Join(dir, "epoch-000001", "params.npz")).CombinedOutput()
	if err != nil {
		t.Fatalf("numpy: %v\n%s", err, out)
	}
	var want strings.Builder
	for _, p := range m.Params() {
		h := sha256.New()
		for _, v := range p.Value.Float32s() {
			binary.Write(h, binary.LittleEndian, v)
		}
		shape := fmt.Sprint(p.Value.Shape())
		if len(p.Value.Shape()) == 1 {
			shape = fmt.Sprintf("(%d,)", p.Value.Shape()[0])
		}
		fmt.Fprintf(&want, "%s <f4 %s %s\n", p.Name, shape, hex.EncodeToString(h.Sum(nil)))
	}
	if string(out) != want.String() {
		t.Errorf("numpy.load read\n%s\nwant\n%s", out, want.String())
	}
	t.Logf("numpy.load:\n%s", out)
}

func TestCheckpointKeepsLastAndLatest(t *testing.T) {
	dir, m, c := checkpointOnce(t, 4)
	list, err := train.ListCheckpoints(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range list {
		names = append(names, e.Name)
	}
	if got := strings.Join(names, " "); got != "epoch-000003 epoch-000004" || !list[1].Latest {
		t.Errorf("checkpoints %q (latest %v), want epoch-000003 epoch-000004 with the last latest", got, list[len(list)-1].Latest)
	}
	ck, err := train.OpenCheckpoint(dir)
	if err != nil {
		t.Fatal(err)
	}
	if ck.Epoch != 4 || ck.Name() != "epoch-000004" || len(ck.History) != 4 {
		t.Errorf("latest: epoch %d, name %s, %d history entries", ck.Epoch, ck.Name(), len(ck.History))
	}
	m2, err := ck.NewModel()
	if err != nil {
		t.Fatal(err)
	}
	sameValues(t, "NewModel", m.Params(), m2.Params())
	v, err := ck.NewVocab()
	if err != nil || v.Len() != c.Vocab.Len() {
		t.Errorf("vocab: %v, %d tokens", err, v.Len())
	}
	// A new run may not write into a directory that has checkpoints.
	tr, _ := newTrainer(t, c, train.Config{Epochs: 1, BatchSize: 3, NumSteps: 7, LR: 1}, 1)
	if _, err := train.NewCheckpointer(dir, tr, train.RunInfo{}); err == nil || !strings.Contains(err.Error(), "Checkpoint.Restore") {
		t.Errorf("new run in a used directory: error %v, want one suggesting Checkpoint.Restore", err)
	}
}

// TestCheckpointCorrupt: every kind of damage gives a one-line error that
// names the file and says what to do.
func TestCheckpointCorrupt(t *testing.T) {
	dir, _, _ := checkpointOnce(t, 1)
	ep := filepath.Join(dir, "epoch-000001")
	params := filepath.Join(ep, "params.npz")
	manifest := filepath.Join(ep, "manifest.json")
	good, _ := os.ReadFile(params)
	goodM, _ := os.ReadFile(manifest)
	for _, tc := range []struct {
		name  string
		spoil func()
		want  []string
	}{
		{"truncated params", func() { os.WriteFile(params, good[:len(good)/2], 0o644) }, []string{"params.npz", "truncated", "earlier epoch"}},
		{"flipped byte", func() {
			b := append([]byte(nil), good...)
			b[len(b)/2] ^= 1
			os.WriteFile(params, b, 0o644)
		}, []string{"params.npz", "SHA-256", "earlier epoch"}},
		{"missing params", func() { os.Remove(params) }, []string{"params.npz", "earlier epoch"}},
		{"newer version", func() {
			os.WriteFile(manifest, []byte(strings.Replace(string(goodM), `"format_version": 3`, `"format_version": 4`, 1)), 0o644)
		}, []string{"format version 4", "reads versions 1 to 3", "unroll version that wrote it"}},
		{"older version", func() {
			os.WriteFile(manifest, []byte(strings.Replace(string(goodM), `"format_version": 3`, `"format_version": 0`, 1)), 0o644)
		}, []string{"format version 0", "reads versions 1 to 3", "unroll version that wrote it"}},
		{"not a checkpoint", func() {
			os.WriteFile(manifest, []byte(strings.Replace(string(goodM), "unroll-checkpoint", "something-else", 1)), 0o644)
		}, []string{"manifest.json", "not an unroll checkpoint"}},
		{"truncated manifest", func() { os.WriteFile(manifest, goodM[:100], 0o644) }, []string{"manifest.json", "corrupt or truncated"}},
		{"bad latest", func() { os.WriteFile(filepath.Join(dir, "latest"), []byte("../etc\n"), 0o644) }, []string{"latest", "not a checkpoint name"}},
	} {
		tc.spoil()
		_, err := train.OpenCheckpoint(dir)
		msg := fmt.Sprint(err)
		for _, w := range tc.want {
			if !strings.Contains(msg, w) {
				t.Errorf("%s: error %q lacks %q", tc.name, msg, w)
			}
		}
		if strings.Contains(msg, "\n") {
			t.Errorf("%s: error has several lines: %q", tc.name, msg)
		}
		os.WriteFile(params, good, 0o644)
		os.WriteFile(manifest, goodM, 0o644)
		os.WriteFile(filepath.Join(dir, "latest"), []byte("epoch-000001\n"), 0o644)
	}
	if _, err := train.OpenCheckpoint(dir); err != nil {
		t.Errorf("restored checkpoint: %v", err)
	}
	if _, err := train.OpenCheckpoint(t.TempDir()); err == nil || !strings.Contains(err.Error(), "no checkpoint") {
		t.Errorf("empty directory: error %v", err)
	}
}

// TestResumeRefusesOtherOptimizer: an Adam checkpoint cannot continue with
// SGD.
func TestResumeRefusesOtherOptimizer(t *testing.T) {
	dir, _, c := checkpointOnce(t, 1)
	ck, err := train.OpenCheckpoint(dir)
	if err != nil {
		t.Fatal(err)
	}
	tr, _ := newTrainer(t, c, train.Config{Epochs: 2, BatchSize: 3, NumSteps: 7, LR: 0.01, Optimizer: "adam"}, 1)
	if err := ck.Restore(tr); err == nil || !strings.Contains(err.Error(), "use sgd to continue it") {
		t.Errorf("sgd checkpoint into adam: error %v", err)
	}
}

// TestBestCheckpoint: with validation the best checkpoint is kept beside
// the last ones, and best names it.
func TestBestCheckpoint(t *testing.T) {
	dir := t.TempDir()
	// A learning rate this large makes the validation perplexity go up and
	// down, so the best is usually not the last epoch; whatever it is, it
	// must be kept and named.
	r := trainRun(t, train.Config{Epochs: 6, BatchSize: 3, NumSteps: 7, LR: 3, Clip: 1, Seed: 1}, dir, "")
	best, bestEpoch := math.Inf(1), 0
	for i, v := range r.val {
		if v < best {
			best, bestEpoch = v, i+1
		}
	}
	ck, err := train.OpenCheckpoint(filepath.Join(dir, "best"))
	if err != nil {
		t.Fatal(err)
	}
	if ck.Epoch != bestEpoch {
		t.Errorf("best checkpoint is epoch %d, want %d (val perplexities %v)", ck.Epoch, bestEpoch, r.val)
	}
	t.Logf("val perplexities %v, best epoch %d", r.val, bestEpoch)
	list, _ := train.ListCheckpoints(dir)
	if n := len(list); n < 2 || n > 3 || list[n-1].Epoch != 6 {
		t.Errorf("checkpoints %+v: want the last 2 and the best", list)
	}
}

// TestCheckpointCrashLeftovers: what a crash can leave behind, a
// temporary directory and a checkpoint directory newer than latest, does
// not disturb a resumed run: the temporary directory is removed and the
// newer directory is replaced when the run gets there.
func TestCheckpointCrashLeftovers(t *testing.T) {
	dir := t.TempDir()
	cfg := train.Config{Epochs: 2, BatchSize: 3, NumSteps: 7, LR: 1, Clip: 1, Seed: 4}
	trainRun(t, cfg, dir, "")
	// A crash while writing epoch 3: a half-written temporary directory,
	// and a complete epoch-000003 that latest does not name yet.
	os.MkdirAll(filepath.Join(dir, ".tmp-epoch-000003-123"), 0o755)
	os.WriteFile(filepath.Join(dir, ".tmp-epoch-000003-123", "params.npz"), []byte("half"), 0o644)
	os.MkdirAll(filepath.Join(dir, "epoch-000003"), 0o755)
	os.WriteFile(filepath.Join(dir, "epoch-000003", "manifest.json"), []byte("{}"), 0o644)
	cfg.Epochs = 3
	resumed := trainRun(t, cfg, dir, dir)
	if _, err := os.Stat(filepath.Join(dir, ".tmp-epoch-000003-123")); err == nil {
		t.Error("the temporary directory of the crashed run is still there")
	}
	ck, err := train.OpenCheckpoint(dir)
	if err != nil {
		t.Fatal(err)
	}
	if ck.Epoch != 3 || len(ck.History) != 3 || ck.History[2].Perplexity != resumed.ppl[2] {
		t.Errorf("latest after resuming: epoch %d, %d history entries", ck.Epoch, len(ck.History))
	}
}
