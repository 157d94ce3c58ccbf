package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/unroll/unroll/datasets"
	"github.com/unroll/unroll/models"
	"github.com/unroll/unroll/train"
	"gorgonia.org/tensor"
)

// TestWordCheckpoint: a checkpoint of a word-level run on German text
// (-tokens word -preprocess unicode) samples words, joined with spaces,
// from a prefix cleaned as its text was; greedy sampling equals the
// model's own predict_ch8 on the same ids.
func TestWordCheckpoint(t *testing.T) {
	text := strings.Repeat("Über die Brücke gehen Mädchen und Jungen. Der Fluß fließt, es ist kälter.\n", 8)
	opts := datasets.CorpusOptions{Tokens: datasets.Word, Preprocess: datasets.Unicode}
	c, err := datasets.NewCorpus([]byte(text), "de.txt", opts)
	if err != nil {
		t.Fatal(err)
	}
	m, err := models.NewRNN(models.Config{VocabSize: c.Vocab.Len(), NumHiddens: 16, Dtype: tensor.Float32, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	tr, err := train.New(m, c.IDs, train.Config{Epochs: 3, BatchSize: 2, NumSteps: 4, LR: 1, Clip: 1})
	if err != nil {
		t.Fatal(err)
	}
	spec, _ := train.SpecOf(m)
	dir := filepath.Join(t.TempDir(), "ck")
	cp, err := train.NewCheckpointer(dir, tr, train.RunInfo{Model: spec, TokenKind: "word", Vocab: c.Vocab.Tokens(),
		Data:     train.DataInfo{Name: "de.txt", Preprocess: "unicode"},
		Settings: map[string]string{"prefix": "über die"}})
	if err != nil {
		t.Fatal(err)
	}
	tr.Hooks = append(tr.Hooks, cp)
	if _, err := tr.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	gen, _ := train.NewGenerator(m)
	ids, err := gen.Predict(c.Vocab.IDs([]string{"der", "fluß"}), 7)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, id := range ids {
		want = append(want, c.Vocab.Token(id))
	}
	code, out, errOut := runCmd("-checkpoint", dir, "-prefix", "Der FLUß!", "-length", "7", "-temperature", "0")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if got := strings.TrimSuffix(out, "\n"); got != strings.Join(want, " ") {
		t.Errorf("greedy sample %q, want the model's prediction %q", got, strings.Join(want, " "))
	}
	if !strings.Contains(errOut, `prefix cleaned as the corpus was: "der fluß "`) {
		t.Errorf("stderr %q does not show the cleaned prefix", errOut)
	}
	// Without -prefix: the training run's prefix, 9 words in all.
	code, out, errOut = runCmd("-checkpoint", dir, "-length", "7", "-seed", "3")
	if code != 0 || !strings.HasPrefix(out, "über die ") || len(strings.Fields(out)) != 9 {
		t.Errorf("default prefix: exit %d, stderr %q, out %q; want 9 words from \"über die\"", code, errOut, out)
	}
}
