package train_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/unroll/unroll/datasets"
	"github.com/unroll/unroll/models"
	"github.com/unroll/unroll/train"
	"gorgonia.org/tensor"
)

func TestMetricsRoundTrip(t *testing.T) {
	end := time.Date(2025, 1, 2, 3, 4, 5, 6, time.UTC)
	in := []train.EpochStats{
		{Epoch: 1, Perplexity: 17.123456789012345, Tokens: 100, Duration: 1500 * time.Millisecond, TokensPerSec: 66.7, GradNorm: 0.5, LR: 1, Elapsed: 2 * time.Second, End: end},
		{Epoch: 2, Perplexity: math.Inf(1), ValPerplexity: 12.5, Tokens: 100, LR: 0.5, End: end},
	}
	var b bytes.Buffer
	if err := train.WriteMetrics(&b, in...); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines, want 2:\n%s", len(lines), b.String())
	}
	var first map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"epoch", "train_perplexity", "val_perplexity", "tokens_per_sec", "grad_norm", "lr", "epoch_seconds", "elapsed_seconds", "time"} {
		if _, ok := first[k]; !ok {
			t.Errorf("line 1 lacks %q: %s", k, lines[0])
		}
	}
	if first["val_perplexity"] != nil {
		t.Errorf("val_perplexity of an epoch without validation: %v, want null", first["val_perplexity"])
	}
	// JSON has no +Inf: null, never the string "+Inf", which would make
	// the column text for the tools that read it.
	if !strings.Contains(lines[1], `"train_perplexity":null`) {
		t.Errorf("infinite perplexity written as %s", lines[1])
	}
	out, err := train.ReadMetrics(&b)
	if err != nil {
		t.Fatal(err)
	}
	if !math.IsNaN(out[1].Perplexity) {
		t.Errorf("null read as %v, want NaN", out[1].Perplexity)
	}
	out[1].Perplexity = in[1].Perplexity
	// What older versions wrote still reads.
	old, err := train.ReadMetrics(strings.NewReader(`{"epoch":2,"train_perplexity":"+Inf","val_perplexity":"NaN","lr":1}` + "\n"))
	if err != nil || !math.IsInf(old[0].Perplexity, 1) || !math.IsNaN(old[0].ValPerplexity) {
		t.Errorf("the strings +Inf and NaN read as %v, %v", old, err)
	}
	for i := range in {
		a, o := in[i], out[i]
		if a.Perplexity != o.Perplexity || a.ValPerplexity != o.ValPerplexity || a.Duration != o.Duration || !a.End.Equal(o.End) || a.LR != o.LR {
			t.Errorf("epoch %d: wrote %+v, read %+v", i+1, a, o)
		}
	}
}

// TestEarlyStopping: with a learning rate this large the validation
// perplexity stops improving within a few epochs; patience 1 then stops the
// run before its 30 epochs, at the first evaluation without improvement.
func TestEarlyStopping(t *testing.T) {
	c := corpusOf(t, text)
	n := len(c.IDs) * 9 / 10
	m, err := models.NewRNN(models.Config{VocabSize: c.Vocab.Len(), NumHiddens: 32, Dtype: tensor.Float32, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	tr2, err := train.New(m, c.IDs[:n], train.Config{Epochs: 30, BatchSize: 3, NumSteps: 7, LR: 3, Clip: 1, Seed: 1, Sampling: datasets.Sequential})
	if err != nil {
		t.Fatal(err)
	}
	if err := tr2.SetValidation(c.IDs[n:]); err != nil {
		t.Fatal(err)
	}
	tr2.Hooks = append(tr2.Hooks, train.EarlyStopping(tr2, 1))
	if _, err := tr2.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	h := tr2.History()
	var es *train.EarlyStop
	if len(h) == 30 || !errors.As(tr2.StopReason(), &es) || !errors.Is(tr2.StopReason(), train.ErrStop) {
		t.Fatalf("ran %d epochs, stop reason %v (%T)", len(h), tr2.StopReason(), tr2.StopReason())
	}
	if es.Evaluations != 1 || es.BestEpoch >= h[len(h)-1].Epoch || es.Best != h[es.BestEpoch-1].ValPerplexity {
		t.Errorf("stop reason %+v, history ends at epoch %d", es, h[len(h)-1].Epoch)
	}
	last, prev := h[len(h)-1].ValPerplexity, math.Inf(1)
	for _, s := range h[:len(h)-1] {
		prev = math.Min(prev, s.ValPerplexity)
	}
	if last < prev {
		t.Errorf("stopped after an improvement: %v < best %v", last, prev)
	}
	t.Logf("%v after %d epochs", tr2.StopReason(), len(h))
}
