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
		"epoch-000003: format 2", "3 epochs done", "(latest)",
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

func TestInspectCorrupt(t *testing.T) {
	dir := checkpoint(t, "sgd")
	p := filepath.Join(dir, "epoch-000003", "params.npz")
	b, _ := os.ReadFile(p)
	os.WriteFile(p, b[:len(b)-10], 0o644)
	code, _, errOut := runCmd("-checkpoint", dir)
	if code != 1 || !strings.Contains(errOut, "params.npz") || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
		t.Errorf("truncated params.npz: exit %d, stderr %q", code, errOut)
	}
	if code, _, errOut := runCmd(); code != 2 || !strings.Contains(errOut, "-checkpoint DIR is required") {
		t.Errorf("no flags: exit %d, stderr %q", code, errOut)
	}
}
