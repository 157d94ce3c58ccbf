package train

import (
	"bytes"
	"context"
	"math"
	"strings"
	"testing"

	"github.com/unroll/unroll/datasets"
	"github.com/unroll/unroll/models"
	"gorgonia.org/tensor"
)

// TestTrainerGradFlow: with Config.GradFlow the trainer's dL/dH_1 and
// dL/dH_T, read from the training graph, equal GradFlow's mean-loss norms
// on the same minibatch (float64; 1e-12: the two graphs compute the same
// sums in the same order up to the loss's own graph), and the clipping
// count follows Config.Clip. Off, Flow stays nil.
func TestTrainerGradFlow(t *testing.T) {
	text := strings.Repeat("the time traveller for so it will be convenient to speak of him ", 8)
	c, err := datasets.LoadCorpus([]byte(text), "test", datasets.Char, 0)
	if err != nil {
		t.Fatal(err)
	}
	newModel := func() *models.LM {
		m, err := models.New(models.Config{Kind: "gru", VocabSize: c.Vocab.Len(), NumHiddens: 6, Dtype: tensor.Float64, Seed: 4})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	cfg := Config{Epochs: 2, BatchSize: 2, NumSteps: 7, LR: 1, Clip: 1e-9, Sampling: datasets.Random, GradFlow: true}

	m := newModel()
	tr, err := New(m, c.IDs, cfg)
	if err != nil {
		t.Fatal(err)
	}
	one := datasets.Minibatch{X: c.IDs[:14], Y: c.IDs[1:15], BatchSize: 2, NumSteps: 7} // any ids will do
	f, err := GradFlow(m, one)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := tr.Step(one); err != nil {
		t.Fatal(err)
	}
	a, _ := valueNorm(tr.flow.dh1)
	b, _ := valueNorm(tr.flow.dhT)
	if math.Abs(a-f.Mean[0][0]) > 1e-12*a || math.Abs(b-f.Mean[0][6]) > 1e-12*b {
		t.Errorf("trainer: dL/dH_1 %g, dL/dH_T %g; GradFlow %g, %g", a, b, f.Mean[0][0], f.Mean[0][6])
	}

	var out bytes.Buffer
	tr.Hooks = []Hook{Progress(&out)}
	s, err := tr.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if s.Flow == nil || s.Flow.Clipped != s.Flow.Batches || s.Flow.Batches == 0 || s.Flow.Ratio != s.Flow.DH1/s.Flow.DHT {
		t.Errorf("flow %+v: want every minibatch clipped at clip 1e-9", s.Flow)
	}
	if !strings.Contains(out.String(), "dL/dH_1 / dL/dH_T") {
		t.Errorf("progress line %q lacks the flow summary", out.String())
	}
	var mb bytes.Buffer
	if err := WriteMetrics(&mb, s); err != nil {
		t.Fatal(err)
	}
	back, err := ReadMetrics(&mb)
	if err != nil || back[0].Flow == nil || *back[0].Flow != *s.Flow {
		t.Errorf("metrics round trip: %v, %+v", err, back)
	}

	cfg.GradFlow, cfg.Clip = false, 0
	tr, err = New(newModel(), c.IDs, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if s, err = tr.Run(context.Background()); err != nil || s.Flow != nil {
		t.Errorf("GradFlow off: flow %+v, err %v", s.Flow, err)
	}
	cfg.GradFlow = true
	tr, _ = New(newModel(), c.IDs, cfg)
	if s, err = tr.Run(context.Background()); err != nil || s.Flow == nil || s.Flow.Clipped != 0 {
		t.Errorf("clip off: flow %+v, err %v", s.Flow, err)
	}
}
