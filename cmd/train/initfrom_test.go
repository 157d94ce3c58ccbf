package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/unroll/unroll/internal/clitest"
	"github.com/unroll/unroll/models"
	"github.com/unroll/unroll/train"
	"github.com/unroll/unroll/train/npz"
	"gorgonia.org/tensor"
)

// firstEpoch returns the training perplexity and gradient norm of epoch 1
// in a -metrics file.
func firstEpoch(t *testing.T, path string) [2]float64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	if !s.Scan() {
		t.Fatalf("%s is empty", path)
	}
	var r struct {
		Perplexity float64 `json:"train_perplexity"`
		GradNorm   float64 `json:"grad_norm"`
	}
	if err := json.Unmarshal(s.Bytes(), &r); err != nil {
		t.Fatal(err)
	}
	return [2]float64{r.Perplexity, r.GradNorm}
}

// initFile writes the weights models.New draws for the run's model (rnn,
// 16 hiddens, vocabulary vocab) with seed, as float32 or float64.
func initFile(t *testing.T, dir string, vocab int, seed uint64, f64 bool) string {
	t.Helper()
	m, err := models.New(models.Config{Kind: "rnn", VocabSize: vocab, NumHiddens: 16, Dtype: tensor.Float32, Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, fmt.Sprintf("init-seed%d-f64-%v.npz", seed, f64))
	if f64 {
		var arrays []npz.Array
		for _, q := range m.Params() {
			arrays = append(arrays, npz.Array{Name: q.Name, Shape: q.Value.Shape().Clone(), Data: npz.Array{Data: q.Value.Data()}.Float64s()})
		}
		if err := npz.WriteFile(p, arrays); err != nil {
			t.Fatal(err)
		}
	} else if err := train.SaveParams(m, p); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestInitFrom: -init-from the weights that -seed 7 draws trains exactly
// as -seed 7 does (from float32 and from float64 files: float32 values
// survive the round trip through float64), and other weights (seed 8's)
// train differently; so the run starts from the file's weights.
func TestInitFrom(t *testing.T) {
	data := text(t)
	dir := t.TempDir()
	base := small(data, "-epochs", "1", "-val-frac", "0", "-seed", "7")
	var out string
	run := func(name string, extra ...string) [2]float64 {
		m := filepath.Join(dir, name+".jsonl")
		out = mustRun(t, append(append(base, "-metrics", m), extra...)...)
		return firstEpoch(t, m)
	}
	straight := run("straight")
	vocab := vocabOf(t, out)
	for _, f64 := range []bool{false, true} {
		if got := run("same", "-init-from", initFile(t, dir, vocab, 7, f64)); got != straight {
			t.Errorf("-init-from seed 7's weights (float64 file %v): epoch 1 perplexity, grad norm %v; -seed 7 alone: %v", f64, got, straight)
		}
	}
	if got := run("other", "-init-from", initFile(t, dir, vocab, 8, false)); got == straight {
		t.Errorf("-init-from seed 8's weights: %v, the same as seed 7's: the file is not used", got)
	}
}

// vocabOf returns the vocabulary size a run printed ("corpus ...: ...,
// vocab 24").
func vocabOf(t *testing.T, out string) int {
	t.Helper()
	i := strings.Index(out, ", vocab ")
	var v int
	if i < 0 {
		t.Fatalf("no vocabulary size in\n%s", out)
	}
	if _, err := fmt.Sscanf(out[i:], ", vocab %d", &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestInitFromBadInput is the -init-from rows of docs/errors.md.
func TestInitFromBadInput(t *testing.T) {
	data := text(t)
	dir := t.TempDir()
	// text(t)'s vocabulary: <unk>, the space and 22 letters.
	const vocab = 24
	if v := vocabOf(t, mustRun(t, small(data, "-epochs", "1")...)); v != vocab {
		t.Fatalf("text(t) has a vocabulary of %d, not %d: update the rows", v, vocab)
	}
	good := initFile(t, dir, vocab, 7, false)
	arrays, err := npz.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, arrays []npz.Array) string {
		p := filepath.Join(dir, name)
		if err := npz.WriteFile(p, arrays); err != nil {
			t.Fatal(err)
		}
		return p
	}
	clone := func() []npz.Array {
		out := make([]npz.Array, len(arrays))
		for i, a := range arrays {
			out[i] = npz.Array{Name: a.Name, Shape: append([]int{}, a.Shape...), Data: append([]float32{}, a.Float32s()...)}
		}
		return out
	}
	missing := write("missing.npz", clone()[1:])
	transposed := clone()
	transposed[0].Shape = []int{16, vocab}
	extra := append(clone(), npz.Array{Name: "W_xz", Shape: []int{vocab, 16}, Data: make([]float32, vocab*16)})
	nan := clone()
	nan[1].Data.([]float32)[3] = float32(math.NaN())
	notNPZ := filepath.Join(dir, "weights.txt")
	os.WriteFile(notNPZ, []byte("W_xh = [[0.1, 0.2]]\n"), 0o644)
	args := func(extra ...string) []string {
		return small(data, append([]string{"-epochs", "1", "-val-frac", "0"}, extra...)...)
	}
	for _, c := range []badCase{
		{"-init-from: a parameter missing", args("-init-from", missing), 1, []string{"has no array W_xh, a parameter [24 16] of this model (-model rnn -hiddens 16 -layers 1, vocabulary of 24): pass the -model, -layers and -bidirectional the weights were made for, or save every parameter under this model's names (W_xh, W_hh, b_h, W_hq, b_q;"}},
		{"-init-from: a shape differs", args("-init-from", write("transposed.npz", transposed)), 1, []string{"W_xh is [16 24] there but [24 16] in this model (-model rnn -hiddens 16 -layers 1, vocabulary of 24): pass the -hiddens the weights were made for"}},
		{"-init-from: other -hiddens", args("-init-from", good, "-hiddens", "8"), 1, []string{"W_xh is [24 16] there but [24 8] in this model"}},
		{"-init-from: an array the model lacks", args("-init-from", write("extra.npz", extra)), 1, []string{"array W_xz is not a parameter of this model (-model rnn -hiddens 16 -layers 1, vocabulary of 24: W_xh, W_hh, b_h, W_hq, b_q): pass the -model, -layers and -bidirectional the weights were made for, or drop the array"}},
		{"-init-from: another -model", args("-init-from", good, "-model", "gru"), 1, []string{"has no array W_xz, a parameter [24 16] of this model (-model gru"}},
		{"-init-from: NaN weights", args("-init-from", write("nan.npz", nan)), 1, []string{"W_hh holds NaN: give finite weights"}},
		{"-init-from: file missing", args("-init-from", filepath.Join(dir, "none.npz")), 1, []string{"none.npz: no such file: check the path"}},
		{"-init-from: not an .npz", args("-init-from", notNPZ), 1, []string{"file is truncated or not an .npz archive", "pass an .npz of float32 or float64 arrays (numpy.savez)"}},
		{"-init-from: a device", args("-init-from", "/dev/zero"), 1, []string{"-init-from /dev/zero is a character device, not a regular file: pass an .npz file"}},
		{"-init-from and -resume", args("-init-from", good, "-checkpoint", filepath.Join(dir, "ck"), "-resume"), 2, []string{"-init-from and -resume both given: -resume continues the weights of the run in -checkpoint DIR, -init-from starts a new run from FILE; use one"}},
		{"-init-from and -init", args("-init-from", good, "-init", "pytorch"), 2, []string{"-init-from and -init both given: -init-from's weights replace what -init draws; drop -init"}},
		{"an output is the -init-from file", args("-init-from", good, "-metrics", good), 2, []string{"is the -init-from file", "-metrics " + good + " is the -init-from file " + good}},
	} {
		code, out, errOut := runCmd(c.Args...)
		clitest.Check(t, "train", clitest.Case(c), code, errOut)
		if code != 0 && out != "" {
			t.Errorf("%s: stdout %q before the error: want the one line alone", c.Row, out)
		}
	}
	if after, err := npz.ReadFile(good); err != nil || len(after) != len(arrays) {
		t.Errorf("the -init-from file changed: %v", err)
	}
}

// TestResumeCommandDropsInitFrom: the command printed to continue a run
// started with -init-from resumes from the checkpoint, without -init-from
// (which -resume refuses).
func TestResumeCommandDropsInitFrom(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-data", "t.txt", "-init-from", "w.npz", "-checkpoint", "ck"}, "train -data t.txt -checkpoint ck -resume"},
		{[]string{"--init-from=w.npz", "-checkpoint", "ck"}, "train -checkpoint ck -resume"},
		{[]string{"-checkpoint", "ck", "--init-from", "my weights.npz"}, "train -checkpoint ck -resume"},
	} {
		if got := resumeCommand(c.args); got != c.want {
			t.Errorf("resumeCommand(%q) = %q, want %q", c.args, got, c.want)
		}
	}
}

// TestInitSeed: -seed seeds the weights and the sampling, as the book's
// one seed does; -init-seed seeds the weights alone. The checkpoint records
// the two seeds the library keeps apart (models.Config.Seed in the model
// spec, train.Config.Seed in the training config).
func TestInitSeed(t *testing.T) {
	data := text(t)
	for _, c := range []struct {
		extra             []string
		weights, sampling uint64
	}{
		{[]string{"-seed", "5"}, 5, 5},
		{[]string{"-seed", "5", "-init-seed", "9"}, 9, 5},
		{[]string{"-init-seed", "9"}, 9, 0},
	} {
		dir := filepath.Join(t.TempDir(), "ck")
		mustRun(t, small(data, append([]string{"-epochs", "1", "-checkpoint", dir}, c.extra...)...)...)
		ck, err := train.OpenCheckpoint(dir)
		if err != nil {
			t.Fatal(err)
		}
		if ck.Model.Seed != c.weights || ck.Config.Seed != c.sampling {
			t.Errorf("%q: weight seed %d, sampling seed %d; want %d and %d", c.extra, ck.Model.Seed, ck.Config.Seed, c.weights, c.sampling)
		}
	}
	good := filepath.Join(t.TempDir(), "w.npz")
	row := badCase{"-init-from and -init-seed", small(data, "-epochs", "1", "-init-from", good, "-init-seed", "3"), 2,
		[]string{"-init-from and -init-seed both given: -init-from's weights replace what -init-seed draws; drop -init-seed"}}
	code, _, errOut := runCmd(row.Args...)
	clitest.Check(t, "train", clitest.Case(row), code, errOut)
}
