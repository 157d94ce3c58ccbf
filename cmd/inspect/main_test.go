package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/unroll/unroll/datasets"
	"github.com/unroll/unroll/internal/clitest"
	"github.com/unroll/unroll/models"
	"github.com/unroll/unroll/train"
	"gorgonia.org/tensor"
)

func checkpoint(t *testing.T, optimizer string) string {
	t.Helper()
	text := strings.Repeat("The Time Traveller (for so it will be convenient to speak of him) was expounding a recondite matter to us.\n", 6)
	c, err := datasets.LoadCorpus([]byte(text), "text", datasets.Char, 0)
	if err != nil {
		t.Fatal(err)
	}
	m, _ := models.NewRNN(models.Config{VocabSize: c.Vocab.Len(), NumHiddens: 12, Dtype: tensor.Float32, Seed: 1})
	n := len(c.IDs) - 100
	tr, err := train.New(m, c.IDs[:n], train.Config{Epochs: 3, BatchSize: 2, NumSteps: 8, LR: 0.01, Clip: 1, Optimizer: optimizer})
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.SetValidation(c.IDs[n:]); err != nil {
		t.Fatal(err)
	}
	spec, _ := train.SpecOf(m)
	dir := filepath.Join(t.TempDir(), "ck")
	cp, err := train.NewCheckpointer(dir, tr, train.RunInfo{Model: spec, TokenKind: "char", Vocab: c.Vocab.Tokens(),
		Settings: map[string]string{"hiddens": "12"}})
	if err != nil {
		t.Fatal(err)
	}
	tr.Hooks = append(tr.Hooks, cp)
	if _, err := tr.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	return dir
}

func runCmd(args ...string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	code = run(context.Background(), args, &o, &e)
	return code, o.String(), e.String()
}

func TestInspect(t *testing.T) {
	dir := checkpoint(t, "adam")
	code, out, errOut := runCmd("-checkpoint", dir, "-settings")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"epoch-000003: format 3", "3 epochs done", "(latest)",
		"model      rnn: vocab_size", "num_hiddens 12",
		"optimizer  adam (beta1 0.9, beta2 0.999, eps 1e-08, lr 0.01)",
		"vocab", `<unk> " "`,
		"params.npz", "verified",
		"W_xh", "(", "12)", "L2 norm", "W_hh   (12, 12)",
		"optimizer state (adam)", "m_W_xh", "v_b_q",
		"epoch  train ppl  val ppl", "\n      3  ",
		"-hiddens 12",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	t.Logf("\n%s", out)
}

// badCase is a clitest.Case, declared here so that its literals may be
// unkeyed (go vet asks for keys in literals of other packages' structs).
type badCase struct {
	Row  string
	Args []string
	Code int
	Want []string
}

// TestInspectCorrupt is the inspect rows of docs/errors.md.
func TestInspectCorrupt(t *testing.T) {
	dir := checkpoint(t, "sgd")
	ep := filepath.Join(dir, "epoch-000003")
	spoil := func(file string, f func([]byte) []byte) string {
		dst := filepath.Join(t.TempDir(), "epoch-000003")
		os.MkdirAll(dst, 0o755)
		entries, _ := os.ReadDir(ep)
		for _, e := range entries {
			b, _ := os.ReadFile(filepath.Join(ep, e.Name()))
			if e.Name() == file {
				b = f(b)
			}
			os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644)
		}
		return dst
	}
	trunc := spoil("params.npz", func(b []byte) []byte { return b[:len(b)-10] })
	truncManifest := spoil("manifest.json", func(b []byte) []byte { return b[:len(b)/2] })
	v3 := spoil("manifest.json", func(b []byte) []byte {
		return []byte(strings.Replace(string(b), `"format_version": 3`, `"format_version": 4`, 1))
	})
	for _, c := range []badCase{
		{"unknown flag", []string{"-nonsense"}, 2, []string{"unknown flag: --nonsense", "see inspect -h"}},
		{"stray argument", []string{dir}, 2, []string{"unexpected argument", "flags take the form -name value"}},
		{"no -checkpoint", []string{}, 2, []string{"-checkpoint DIR is required"}},
		{"-checkpoint missing", []string{"-checkpoint", filepath.Join(dir, "nope")}, 1, []string{"no checkpoint at", "first, or check the path"}},
		{"-checkpoint is a plain file", []string{"-checkpoint", filepath.Join(ep, "params.npz")}, 1, []string{"is a file: pass a checkpoint directory"}},
		{"truncated checkpoint", []string{"-checkpoint", trunc}, 1, []string{"the file is truncated or changed; use an earlier epoch-* directory", "params.npz"}},
		{"truncated manifest.json", []string{"-checkpoint", truncManifest}, 1, []string{"is not valid JSON", "corrupt or truncated"}},
		{"checkpoint of another format version", []string{"-checkpoint", v3}, 1, []string{"has format version 4 but this program reads versions 1 to 3"}},
		{"checkpoint with NaN parameters", []string{"-checkpoint", clitest.NaNCheckpoint(t, ep)}, 1, []string{"parameter W_xh holds NaN: the checkpoint is from a run that had diverged"}},
	} {
		code, _, errOut := runCmd(c.Args...)
		clitest.Check(t, "inspect", clitest.Case(c), code, errOut)
	}
}
