package models

import (
	"fmt"

	"github.com/unroll/unroll/graph"
	G "gorgonia.org/gorgonia"
)

// LM is a language model built from any registered cell: one-hot inputs
// X_t (which graph.Unroll feeds), Config.NumLayers layers of the cell
// (each Bidirectional if asked), and the output layer O_t = H_t W_hq + b_q.
// It implements graph.Model.
type LM struct {
	cfg  Config
	body Layer
	Whq  graph.Param
	Bq   graph.Param
}

// New draws the model c describes.
func New(c Config) (*LM, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	build, _ := lookup(c.kind())
	in := newInitializer(c)
	h, inputs := c.NumHiddens, c.VocabSize
	dirs := 1
	if c.Bidirectional {
		dirs = 2
	}
	cell := func() (graph.Cell, error) {
		cl, err := build(CellConfig{Inputs: inputs, Hiddens: h, Activation: c.Activation, Init: in.scaled(h)})
		if err == nil && cl == nil {
			err = fmt.Errorf("models: cell %q: its constructor returned no cell", c.kind())
		}
		return cl, err
	}
	var stack Stack
	for l := 1; l <= c.Layers(); l++ {
		scope := ""
		if c.Layers() > 1 {
			scope = fmt.Sprintf("l%d", l)
		}
		fwd, err := cell()
		if err != nil {
			return nil, err
		}
		if !c.Bidirectional {
			stack = append(stack, Recurrent{Scope: scope, Cell: fwd})
		} else {
			bwd, err := cell()
			if err != nil {
				return nil, err
			}
			stack = append(stack, Bidirectional{Scope: scope, Fwd: fwd, Bwd: bwd})
		}
		inputs = h * dirs
	}
	var body Layer = stack
	if len(stack) == 1 {
		body = stack[0]
	}
	out := in.scaled(inputs)
	return &LM{
		cfg:  c,
		body: body,
		Whq:  graph.Param{Name: "W_hq", Value: out.Weight(inputs, c.VocabSize)},
		Bq:   graph.Param{Name: "b_q", Value: out.outputBias(c.VocabSize)},
	}, nil
}

// NewRNN is New for the book's RNN (Kind "rnn").
func NewRNN(c Config) (*LM, error) { c.Kind = "rnn"; return New(c) }

// NewMLP is New for the stateless MLP baseline (Kind "mlp").
func NewMLP(c Config) (*LM, error) { c.Kind = "mlp"; return New(c) }

// Causal implements graph.Causal: the state after step t depends on the
// tokens up to t only, unless the layers are bidirectional. A causal model
// is trained in chunks on long sequences (graph.NewRunner).
func (m *LM) Causal() bool { return !m.cfg.Bidirectional }

// Config returns the configuration the model was built from.
func (m *LM) Config() Config { return m.cfg }

// VocabSize is |V|, the width of the one-hot inputs and of the logits.
func (m *LM) VocabSize() int { return m.cfg.VocabSize }

// Params lists every parameter: the layers' in order, then W_hq and b_q.
func (m *LM) Params() []graph.Param { return append(m.body.Params(), m.Whq, m.Bq) }

// Param returns the parameter named name.
func (m *LM) Param(name string) (graph.Param, bool) {
	for _, p := range m.Params() {
		if p.Name == name {
			return p, true
		}
	}
	return graph.Param{}, false
}

// States lists the state tensors of every layer and direction.
func (m *LM) States() []graph.State { return m.body.States() }

// Forward runs the layers over the one-hot inputs.
func (m *LM) Forward(p graph.Vars, xs G.Nodes, state G.Nodes) (G.Nodes, G.Nodes, error) {
	return m.body.Forward(p, xs, state)
}

// Output is the book's output layer, O = H W_hq + b_q, over the hidden
// outputs of all steps at once.
func (m *LM) Output(p graph.Vars, h *G.Node) (*G.Node, error) {
	var e graph.Expr
	O := e.AddBias(e.Mul(h, p.Get("W_hq")), p.Get("b_q"))
	return O, e.Err()
}
