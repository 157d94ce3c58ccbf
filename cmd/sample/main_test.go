package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/unroll/unroll/datasets"
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

func TestErrors(t *testing.T) {
	dir, _ := checkpoint(t)
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{}, 2, "-checkpoint DIR is required"},
		{[]string{"-checkpoint", dir, "-temperature", "-1"}, 2, "-temperature"},
		{[]string{"-checkpoint", dir, "-top-k", "-2"}, 2, "-top-k"},
		{[]string{"-checkpoint", dir, "-count", "0"}, 2, "-count"},
		{[]string{"-checkpoint", dir, "-prefix", "a", "-prefix-file", "x"}, 2, "use one"},
		{[]string{"-checkpoint", dir, "-prefix", ""}, 2, "prefix is empty"},
		{[]string{"-checkpoint", filepath.Join(dir, "nope")}, 1, "no checkpoint"},
		{[]string{"-checkpoint", dir, "-prefix-file", filepath.Join(dir, "missing.txt")}, 1, "missing.txt"},
	} {
		code, _, errOut := runCmd(tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d containing %q", tc.args, code, errOut, tc.code, tc.want)
		}
	}
}
