package train_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/unroll/unroll/datasets"
	"github.com/unroll/unroll/graph"
	"github.com/unroll/unroll/models"
	"github.com/unroll/unroll/train"
	G "gorgonia.org/gorgonia"
)

// MGU is a minimal gated unit (Zhou et al. 2016), a cell this repository
// does not have: one forget gate F_t does the work of the GRU's two.
type MGU struct {
	Wxf, Whf, Bf, Wxh, Whh, Bh graph.Param
	hiddens                    int
}

func NewMGU(c models.CellConfig) (graph.Cell, error) {
	w := func(name string, rows int) graph.Param {
		return graph.Param{Name: name, Value: c.Init.Weight(rows, c.Hiddens)}
	}
	b := func(name string) graph.Param { return graph.Param{Name: name, Value: c.Init.Bias(c.Hiddens)} }
	return &MGU{w("W_xf", c.Inputs), w("W_hf", c.Hiddens), b("b_f"),
		w("W_xh", c.Inputs), w("W_hh", c.Hiddens), b("b_h"), c.Hiddens}, nil
}

func (m *MGU) Params() []graph.Param {
	return []graph.Param{m.Wxf, m.Whf, m.Bf, m.Wxh, m.Whh, m.Bh}
}

func (m *MGU) States() []graph.State { return []graph.State{{Name: "H", Size: m.hiddens}} }

// Step: F_t = sigmoid(X_t W_xf + H_{t-1} W_hf + b_f),
// H~_t = tanh(X_t W_xh + (F_t ⊙ H_{t-1}) W_hh + b_h),
// H_t = (1 - F_t) ⊙ H_{t-1} + F_t ⊙ H~_t.
func (m *MGU) Step(p graph.Vars, X *G.Node, state G.Nodes) (*G.Node, G.Nodes, error) {
	var e graph.Expr
	H := state[0]
	F := e.Sigmoid(e.Affine(X, p.Get("W_xf"), H, p.Get("W_hf"), p.Get("b_f")))
	Hc := e.Tanh(e.Affine(X, p.Get("W_xh"), e.Hadamard(F, H), p.Get("W_hh"), p.Get("b_h")))
	Hn := e.Add(e.Hadamard(e.OneMinus(F), H), e.Hadamard(F, Hc))
	return Hn, G.Nodes{Hn}, e.Err()
}

// A cell of the user's own, registered by name, trains, checkpoints,
// resumes exactly and samples like the built-in ones: 4 epochs in one run
// and 2 epochs then a resumed run of 2 more end with the same parameters,
// bit for bit.
func Example_userCell() {
	models.Register("mgu", NewMGU)
	text := []byte(strings.Repeat("the time traveller for so it will be convenient to speak of him ", 20))
	corpus, err := datasets.LoadCorpus(text, "example", datasets.Char, 0)
	check(err)
	cfg := train.Config{Epochs: 4, BatchSize: 4, NumSteps: 10, LR: 1, Clip: 1, Sampling: datasets.Sequential, Seed: 3}
	mc := models.Config{Kind: "mgu", VocabSize: corpus.Vocab.Len(), NumHiddens: 32, Seed: 1}

	// run trains up to epochs; with dir it checkpoints there, and with
	// resume it continues the run saved in dir.
	run := func(epochs int, dir string, resume bool) {
		m, err := models.New(mc)
		check(err)
		cfg.Epochs = epochs
		tr, err := train.New(m, corpus.IDs, cfg)
		check(err)
		spec, err := train.SpecOf(m)
		check(err)
		if resume {
			ck, err := train.OpenCheckpoint(dir)
			check(err)
			check(ck.Restore(tr))
		}
		cp, err := train.NewCheckpointer(dir, tr, train.RunInfo{Model: spec, TokenKind: "char", Vocab: corpus.Vocab.Tokens()})
		check(err)
		tr.Hooks = append(tr.Hooks, cp)
		_, err = tr.Run(context.Background())
		check(err)
	}
	oneGo, twoGoes := tempDir(), tempDir()
	defer os.RemoveAll(oneGo)
	defer os.RemoveAll(twoGoes)
	run(4, oneGo, false)
	run(2, twoGoes, false)
	run(4, twoGoes, true)

	a, err := train.OpenCheckpoint(oneGo)
	check(err)
	b, err := train.OpenCheckpoint(twoGoes)
	check(err)
	same := len(a.Params) == len(b.Params)
	for i := range a.Params {
		same = same && a.Params[i].Name == b.Params[i].Name &&
			slices.Equal(a.Params[i].Value.Float32s(), b.Params[i].Value.Float32s())
	}
	fmt.Println("model:", a.Model.Kind, a.Params[0].Name, a.Params[0].Value.Shape())
	fmt.Println("resumed run equals the run in one go, bit for bit:", same)

	m, err := b.NewModel() // rebuilt through the registry
	check(err)
	gen, err := train.NewGenerator(m)
	check(err)
	out, err := gen.PredictChars(corpus.Vocab, "the time", 10)
	check(err)
	fmt.Println("sampled", len(out)-len("the time"), "characters after the prefix:", strings.HasPrefix(out, "the time"))
	// Output:
	// model: mgu W_xf (20, 32)
	// resumed run equals the run in one go, bit for bit: true
	// sampled 10 characters after the prefix: true
}

func check(err error) {
	if err != nil {
		panic(err)
	}
}

func tempDir() string {
	d, err := os.MkdirTemp("", "unroll-usercell-")
	check(err)
	return d
}
