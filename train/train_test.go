package train_test

import (
	"context"
	"errors"
	"math"
	"regexp"
	"strings"
	"testing"

	"github.com/unroll/unroll/datasets"
	"github.com/unroll/unroll/graph"
	"github.com/unroll/unroll/models"
	"github.com/unroll/unroll/train"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// lossOf runs the project's cross-entropy op on one row of logits.
func lossOf(t *testing.T, logits []float64, label int) float64 {
	t.Helper()
	g := G.NewGraph()
	x := G.NodeFromAny(g, tensor.New(tensor.WithShape(1, len(logits)), tensor.WithBacking(logits)), G.WithName("x"))
	y := G.NodeFromAny(g, tensor.New(tensor.WithShape(1), tensor.WithBacking([]int{label})), G.WithName("y"))
	l, err := graph.SoftmaxCrossEntropy(x, y)
	if err != nil {
		t.Fatal(err)
	}
	vm := G.NewTapeMachine(g)
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	return float64(*l.Value().(*G.F64))
}

// TestPerplexityCases: the book's three cases. A model certain of the right
// token scores 1; a uniform guess over |V| = 28 scores 28; a model that gives
// the right token probability zero scores +Inf.
func TestPerplexityCases(t *testing.T) {
	const v = 28 // the book's character vocabulary
	perfect := make([]float64, v)
	perfect[3] = 1000 // softmax puts probability 1 - 27e^-1000 = 1 on token 3
	var p train.Perplexity
	p.Add(lossOf(t, perfect, 3), 10)
	if got := p.Value(); got != 1 {
		t.Errorf("perfect model: perplexity %v, want 1", got)
	}

	uniform := make([]float64, v) // equal logits: probability 1/28 each
	p = train.Perplexity{}
	p.Add(lossOf(t, uniform, 5), 7)
	p.Add(lossOf(t, uniform, 0), 3)
	// exp(log 28) rounds to within a few ulps of 28.
	if got := p.Value(); math.Abs(got-v) > 1e-12 {
		t.Errorf("uniform model: perplexity %v, want %d", got, v)
	}

	zero := make([]float64, v)
	zero[2] = math.Inf(-1) // probability exactly 0 for token 2
	p = train.Perplexity{}
	p.Add(lossOf(t, zero, 2), 1)
	if got := p.Value(); !math.IsInf(got, 1) {
		t.Errorf("zero-probability model: perplexity %v, want +Inf", got)
	}
}

// periodic is a text whose next character is always determined by the two
// before it, so a small RNN can learn it to perplexity near 1.
var periodic = strings.Repeat("the time traveller ", 60)

func corpusOf(t *testing.T, text string) *datasets.Corpus {
	t.Helper()
	c, err := datasets.LoadCorpus([]byte(text), "periodic", datasets.Char, 0)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func newTrainer(t *testing.T, c *datasets.Corpus, cfg train.Config, seed uint64) (*train.Trainer, *models.LM) {
	t.Helper()
	m, err := models.NewRNN(models.Config{VocabSize: c.Vocab.Len(), NumHiddens: 32, Dtype: tensor.Float32, Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	tr, err := train.New(m, c.IDs, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return tr, m
}

func smallConfig(s datasets.Sampling) train.Config {
	return train.Config{Epochs: 40, BatchSize: 4, NumSteps: 10, LR: 1, Clip: 1, Sampling: s, Seed: 3}
}

// TestTrainLearnsPeriodicText trains end to end (iterator, graph, clipping,
// SGD, state carrying) on a text the model can learn exactly.
func TestTrainLearnsPeriodicText(t *testing.T) {
	for _, s := range []datasets.Sampling{datasets.Sequential, datasets.Random} {
		t.Run(s.String(), func(t *testing.T) {
			c := corpusOf(t, periodic)
			tr, m := newTrainer(t, c, smallConfig(s), 1)
			var first float64
			tr.Hooks = append(tr.Hooks, train.HookFunc(func(st train.EpochStats) error {
				if st.Epoch == 1 {
					first = st.Perplexity
				}
				return nil
			}))
			last, err := tr.Run(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("perplexity %.3f -> %.3f", first, last.Perplexity)
			// The text has 11 distinct characters and a fixed successor for
			// every two-character context: 1.2 leaves room for the first
			// characters of each subsequence, which have no context.
			if last.Perplexity > 1.2 || !(last.Perplexity < first) {
				t.Errorf("perplexity %.3f after 40 epochs (first %.3f), want < 1.2", last.Perplexity, first)
			}
			gen, err := train.NewGenerator(m)
			if err != nil {
				t.Fatal(err)
			}
			got, err := gen.PredictChars(c.Vocab, "time trav", 20)
			if err != nil {
				t.Fatal(err)
			}
			// The text continued for 20 characters after the prefix.
			if want := "time traveller the time trave"; got != want {
				t.Errorf("prediction %q, want the text continued", got)
			}
		})
	}
}

// TestSameSeedSameRun: two runs from the same seed give the same per-epoch
// perplexities and the same final parameters, bit for bit; another seed
// does not.
func TestSameSeedSameRun(t *testing.T) {
	c := corpusOf(t, periodic)
	run := func(seed, sampleSeed uint64) ([]float64, []float32) {
		cfg := smallConfig(datasets.Random)
		cfg.Epochs, cfg.Seed = 5, sampleSeed
		tr, m := newTrainer(t, c, cfg, seed)
		var ppl []float64
		tr.Hooks = append(tr.Hooks, train.HookFunc(func(s train.EpochStats) error {
			ppl = append(ppl, s.Perplexity)
			return nil
		}))
		if _, err := tr.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		return ppl, append([]float32(nil), whh(t, m)...)
	}
	p1, w1 := run(7, 7)
	p2, w2 := run(7, 7)
	for i := range p1 {
		if p1[i] != p2[i] {
			t.Fatalf("epoch %d: perplexity %v then %v from the same seed", i+1, p1[i], p2[i])
		}
	}
	for i := range w1 {
		if w1[i] != w2[i] {
			t.Fatalf("W_hh[%d]: %v then %v from the same seed", i, w1[i], w2[i])
		}
	}
	p3, _ := run(8, 8)
	if p3[0] == p1[0] {
		t.Errorf("seeds 7 and 8 gave the same first-epoch perplexity %v: is the seed used?", p1[0])
	}
}

func TestClipGradNorm(t *testing.T) {
	// Gradients (3, 4) and (12): global norm sqrt(9+16+144) = 13.
	a := tensor.New(tensor.WithBacking([]float64{3, 4}))
	b := tensor.New(tensor.WithShape(1), tensor.WithBacking([]float64{12}))
	if n := train.ClipGradNorm([]*tensor.Dense{a, b}, 1); n != 13 {
		t.Fatalf("norm %v, want 13", n)
	}
	if got := train.GradNorm([]*tensor.Dense{a, b}); math.Abs(got-1) > 1e-15 {
		t.Errorf("norm after clipping to 1: %v", got)
	}
	if a.Float64s()[0] != 3.0/13 {
		t.Errorf("clipped a[0] = %v, want 3/13", a.Float64s()[0])
	}
	// Below the threshold nothing changes.
	if n := train.ClipGradNorm([]*tensor.Dense{a, b}, 5); math.Abs(n-1) > 1e-15 || a.Float64s()[0] != 3.0/13 {
		t.Errorf("clipping below theta changed the gradients")
	}
}

// flagLike matches a command-line flag in a message ("-lr", "--steps").
var flagLike = regexp.MustCompile(`(^|[\s(])--?[a-z]`)

func TestConfigValidate(t *testing.T) {
	ok := train.Config{Epochs: 1, BatchSize: 1, NumSteps: 1, LR: 1}
	with := func(f func(*train.Config)) train.Config { c := ok; f(&c); return c }
	for _, tc := range []struct {
		c     train.Config
		field string
	}{
		{with(func(c *train.Config) { c.Epochs = 0 }), "Epochs"},
		{with(func(c *train.Config) { c.BatchSize = 0 }), "BatchSize"},
		{with(func(c *train.Config) { c.NumSteps = -1 }), "NumSteps"},
		{with(func(c *train.Config) { c.LR = 0 }), "LR"},
		{with(func(c *train.Config) { c.LR = math.NaN() }), "LR"},
		{with(func(c *train.Config) { c.Clip = math.Inf(1) }), "Clip"},
		{with(func(c *train.Config) { c.Optimizer = "rmsprop" }), "Optimizer"},
		{with(func(c *train.Config) { c.Schedule.Kind = "linear" }), "Schedule.Kind"},
		{with(func(c *train.Config) { c.Schedule = train.Schedule{Kind: "step", Gamma: 0.5} }), "Schedule.Step"},
		{with(func(c *train.Config) { c.Schedule = train.Schedule{Kind: "step", Step: 1} }), "Schedule.Gamma"},
		{with(func(c *train.Config) { c.Schedule = train.Schedule{Kind: "cosine", MinLR: -1} }), "Schedule.MinLR"},
	} {
		err := tc.c.Validate()
		var ce *train.ConfigError
		if !errors.As(err, &ce) || ce.Field != tc.field {
			t.Errorf("%+v: error %v; want a ConfigError on %s", tc.c, err, tc.field)
			continue
		}
		// A library error names the field, never a command-line flag.
		if msg := err.Error(); !strings.Contains(msg, "Config."+tc.field) || flagLike.MatchString(msg) {
			t.Errorf("%s: message %q", tc.field, msg)
		}
	}
	if err := ok.Validate(); err != nil {
		t.Errorf("%+v: %v", ok, err)
	}
	if err := train.DefaultConfig().Validate(); err != nil {
		t.Errorf("default config: %v", err)
	}
}

// whh returns the values of the model's W_hh, looked up by name.
func whh(t *testing.T, m *models.LM) []float32 {
	t.Helper()
	p, ok := m.Param("W_hh")
	if !ok {
		t.Fatal("the model has no W_hh")
	}
	return p.Value.Float32s()
}
