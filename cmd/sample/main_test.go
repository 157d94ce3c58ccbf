package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/unroll/unroll/datasets"
	"github.com/unroll/unroll/internal/clitest"
	"github.com/unroll/unroll/models"
	"github.com/unroll/unroll/train"
	"gorgonia.org/tensor"
)

// checkpoint trains a small RNN for 6 epochs with checkpoints in a new
// directory and returns the directory and the run's own greedy predictions
// for "time traveller" and "traveller" (as cmd/train prints them).
func checkpoint(t *testing.T) (dir string, preds []string) {
	t.Helper()
	text := strings.Repeat("The Time Traveller (for so it will be convenient to speak of him) was expounding a recondite matter to us.\n", 6)
	c, err := datasets.LoadCorpus([]byte(text), "text", datasets.Char, 0)
	if err != nil {
		t.Fatal(err)
	}
	m, err := models.NewRNN(models.Config{VocabSize: c.Vocab.Len(), NumHiddens: 24, Dtype: tensor.Float32, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	tr, err := train.New(m, c.IDs, train.Config{Epochs: 6, BatchSize: 2, NumSteps: 8, LR: 1, Clip: 1})
	if err != nil {
		t.Fatal(err)
	}
	spec, _ := train.SpecOf(m)
	dir = filepath.Join(t.TempDir(), "ck")
	cp, err := train.NewCheckpointer(dir, tr, train.RunInfo{Model: spec, TokenKind: "char", Vocab: c.Vocab.Tokens()})
	if err != nil {
		t.Fatal(err)
	}
	tr.Hooks = append(tr.Hooks, cp)
	if _, err := tr.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	gen, _ := train.NewGenerator(m)
	for _, p := range []string{"time traveller", "traveller"} {
		s, err := gen.PredictChars(c.Vocab, p, 50)
		if err != nil {
			t.Fatal(err)
		}
		preds = append(preds, s)
	}
	return dir, preds
}

func runCmd(args ...string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	code = run(context.Background(), args, &o, &e)
	return code, o.String(), e.String()
}

// TestGreedyMatchesTraining is acceptance test 3: greedy sampling from the
// checkpoint prints exactly the training run's own prediction for the same
// prefix (50 characters, as predict_ch8), with -temperature 0 and with
// -top-k 1.
func TestGreedyMatchesTraining(t *testing.T) {
	dir, preds := checkpoint(t)
	for _, args := range [][]string{
		{"-temperature", "0"},
		{"-top-k", "1", "-seed", "9"},
	} {
		for i, prefix := range []string{"time traveller", "traveller"} {
			code, out, errOut := runCmd(append([]string{"-checkpoint", dir, "-prefix", prefix}, args...)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			if out != preds[i]+"\n" {
				t.Errorf("%v %q: sample printed %q, training predicted %q", args, prefix, out, preds[i])
			}
			if !strings.Contains(errOut, "greedy") || !strings.Contains(errOut, "epoch 6") {
				t.Errorf("header %q does not say greedy, epoch 6", errOut)
			}
		}
	}
}

func TestSampledCountSeed(t *testing.T) {
	dir, _ := checkpoint(t)
	args := []string{"-checkpoint", dir, "-count", "3", "-length", "30", "-temperature", "1.5", "-seed", "4"}
	_, a, _ := runCmd(args...)
	_, b, _ := runCmd(args...)
	_, c, _ := runCmd(append(args, "-seed", "5")...)
	lines := strings.Split(strings.TrimSuffix(a, "\n"), "\n")
	if len(lines) != 3 || a != b || a == c {
		t.Errorf("3 samples, seed 4 twice then 5:\n%s\n%s\n%s", a, b, c)
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, "time traveller") || len(l) != len("time traveller")+30 {
			t.Errorf("sample %q: want the prefix and 30 characters", l)
		}
	}
	if lines[0] == lines[1] && lines[1] == lines[2] {
		t.Errorf("the 3 samples are identical: %q", lines[0])
	}
}

func TestPrefixFileAndCleaning(t *testing.T) {
	dir, preds := checkpoint(t)
	pf := filepath.Join(t.TempDir(), "prefix.txt")
	os.WriteFile(pf, []byte("Time  Traveller"), 0o644)
	code, out, errOut := runCmd("-checkpoint", dir, "-prefix-file", pf, "-temperature", "0")
	if code != 0 || out != preds[0]+"\n" || !strings.Contains(errOut, `cleaned as the corpus was: "time traveller"`) {
		t.Errorf("prefix file: exit %d, out %q, err %q", code, out, errOut)
	}
	code, _, errOut = runCmd("-checkpoint", dir, "-prefix", "Time!", "-raw", "-temperature", "0")
	if code != 0 || !strings.Contains(errOut, "<unk>") {
		t.Errorf("-raw with unknown characters: exit %d, err %q", code, errOut)
	}
}

// badCase is a clitest.Case, declared here so that its literals may be
// unkeyed (go vet asks for keys in literals of other packages' structs).
type badCase struct {
	Row  string
	Args []string
	Code int
	Want []string
}

// spoilCopy copies the checkpoint dir's latest epoch directory into a new
// run directory, changes one file with f, and returns the new directory.
func spoilCopy(t *testing.T, dir, file string, f func([]byte) []byte) string {
	t.Helper()
	ck, err := train.OpenCheckpoint(dir)
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), "ck")
	ep := filepath.Join(dst, ck.Name())
	os.MkdirAll(ep, 0o755)
	entries, _ := os.ReadDir(ck.Path)
	for _, e := range entries {
		b, _ := os.ReadFile(filepath.Join(ck.Path, e.Name()))
		if e.Name() == file && f != nil {
			b = f(b)
		}
		os.WriteFile(filepath.Join(ep, e.Name()), b, 0o644)
	}
	os.WriteFile(filepath.Join(dst, "latest"), []byte(ck.Name()+"\n"), 0o644)
	return dst
}

// TestErrors is the sample rows of docs/errors.md.
func TestErrors(t *testing.T) {
	dir, _ := checkpoint(t)
	tmp := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(tmp, name)
		os.WriteFile(p, b, 0o644)
		return p
	}
	empty := write("empty.txt", nil)
	binary := write("image.png", append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), make([]byte, 64)...))
	latin1 := write("latin1.txt", []byte("caf\xe9 time traveller"))
	plain := write("plain.txt", []byte("time traveller"))
	trunc := spoilCopy(t, dir, "params.npz", func(b []byte) []byte { return b[:len(b)/2] })
	v3 := spoilCopy(t, dir, "manifest.json", func(b []byte) []byte {
		return []byte(strings.Replace(string(b), `"format_version": 3`, `"format_version": 4`, 1))
	})
	ck, err := train.OpenCheckpoint(dir)
	if err != nil {
		t.Fatal(err)
	}
	nan := clitest.NaNCheckpoint(t, ck.Path)
	// A manifest that is a symlink to /dev/zero: refused, not read.
	zeroManifest := spoilCopy(t, dir, "", nil)
	m := filepath.Join(zeroManifest, ck.Name(), "manifest.json")
	os.Remove(m)
	os.Symlink("/dev/zero", m)
	fifo := filepath.Join(tmp, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	// One byte more than -prefix-file takes.
	large := write("large.txt", bytes.Repeat([]byte("a"), maxPrefixBytes+1))
	for _, c := range []badCase{
		{"unknown flag", []string{"-checkpoint", dir, "-nonsense"}, 2, []string{"unknown flag: --nonsense", "see sample -h"}},
		{"checkpoint with NaN parameters", []string{"-checkpoint", nan}, 1, []string{"holds NaN: the checkpoint is from a run that had diverged; use an earlier epoch-* directory", "params.npz: parameter W_xh"}},
		{"checkpoint file a symlink to a device", []string{"-checkpoint", zeroManifest}, 1, []string{"manifest.json is a character device, not a regular file"}},
		{"-prefix-file a device (/dev/zero)", []string{"-checkpoint", dir, "-prefix-file", "/dev/zero"}, 1, []string{"-prefix-file /dev/zero is a character device, not a regular file: pass a text file"}},
		{"-prefix-file a FIFO", []string{"-checkpoint", dir, "-prefix-file", fifo}, 1, []string{"is a FIFO (named pipe), not a regular file: pass a text file"}},
		{"-prefix-file too large", []string{"-checkpoint", dir, "-prefix-file", large}, 1, []string{"holds more than 1048576 bytes: a prefix of up to 1048576 is plenty"}},
		{"no -checkpoint", []string{}, 2, []string{"-checkpoint DIR is required: the -checkpoint directory of a cmd/train run"}},
		{"negative or NaN -temperature", []string{"-checkpoint", dir, "-temperature", "-1"}, 2, []string{"-temperature must be a number >= 0 (0: greedy)", "got -1"}},
		{"negative or NaN -temperature", []string{"-checkpoint", dir, "-temperature", "NaN"}, 2, []string{"-temperature must be a number >= 0 (0: greedy)", "got NaN"}},
		{"negative -top-k", []string{"-checkpoint", dir, "-top-k", "-2"}, 2, []string{"-top-k must be >= 0, got -2"}},
		{"zero -count", []string{"-checkpoint", dir, "-count", "0"}, 2, []string{"-count must be >= 1, got 0"}},
		{"negative -length", []string{"-checkpoint", dir, "-length", "-5"}, 2, []string{"-length must be >= 0, got -5"}},
		{"huge -length", []string{"-checkpoint", dir, "-length", "1000000000"}, 2, []string{"-length must be <= 1000000, got 1000000000"}},
		{"-prefix and -prefix-file", []string{"-checkpoint", dir, "-prefix", "a", "-prefix-file", plain}, 2, []string{"-prefix and -prefix-file both given: use one"}},
		{"empty prefix", []string{"-checkpoint", dir, "-prefix", ""}, 2, []string{"the prefix is empty: give at least one character with -prefix"}},
		{"-checkpoint missing", []string{"-checkpoint", filepath.Join(dir, "nope")}, 1, []string{"no checkpoint at", "train with -checkpoint", "first, or check the path"}},
		{"-checkpoint is a plain file", []string{"-checkpoint", plain}, 1, []string{"is a file: pass a checkpoint directory, an epoch-* directory in it, or its latest or best file"}},
		{"truncated checkpoint", []string{"-checkpoint", trunc}, 1, []string{"the file is truncated or changed; use an earlier epoch-* directory"}},
		{"checkpoint of another format version", []string{"-checkpoint", v3}, 1, []string{"has format version 4 but this program reads versions 1 to 3"}},
		{"-prefix-file missing", []string{"-checkpoint", dir, "-prefix-file", filepath.Join(tmp, "missing.txt")}, 1, []string{"no such file: check the path"}},
		{"-prefix-file is a directory", []string{"-checkpoint", dir, "-prefix-file", tmp}, 1, []string{"is a directory: pass a text file"}},
		{"-prefix-file empty", []string{"-checkpoint", dir, "-prefix-file", empty}, 1, []string{"is empty: give at least one character"}},
		{"-prefix-file binary", []string{"-checkpoint", dir, "-prefix-file", binary}, 1, []string{"looks like a binary file (a NUL byte at offset 8), not text: pass a plain text file"}},
		{"-prefix-file not UTF-8", []string{"-checkpoint", dir, "-prefix-file", latin1}, 1, []string{"is not UTF-8 text (byte 0xE9 on line 1): convert it"}},
	} {
		code, _, errOut := runCmd(c.Args...)
		clitest.Check(t, "sample", clitest.Case(c), code, errOut)
	}
}
