package models

import (
	"github.com/unroll/unroll/graph"
	G "gorgonia.org/gorgonia"
)

// RNN is the book's recurrent language model with a hidden state:
//
//	H_t = phi(X_t W_xh + H_{t-1} W_hh + b_h)
//	O_t = H_t W_hq + b_q
type RNN struct {
	cfg                   Config
	Wxh, Whh, Bh, Whq, Bq graph.Param
}

// Parameter indices in Params order.
const (
	rnnWxh = iota
	rnnWhh
	rnnBh
	rnnWhq
	rnnBq
)

// NewRNN draws W_xh (V,H), W_hh (H,H) and W_hq (H,V) from N(0,1)*0.01 in
// that order, as the book does, with b_h (H) and b_q (V) zero.
func NewRNN(c Config) (*RNN, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	in := newInitializer(c)
	v, h := c.VocabSize, c.NumHiddens
	return &RNN{
		cfg: c,
		Wxh: graph.Param{Name: "W_xh", Value: in.normal(v, h)},
		Whh: graph.Param{Name: "W_hh", Value: in.normal(h, h)},
		Bh:  graph.Param{Name: "b_h", Value: in.zeros(h)},
		Whq: graph.Param{Name: "W_hq", Value: in.normal(h, v)},
		Bq:  graph.Param{Name: "b_q", Value: in.zeros(v)},
	}, nil
}

// Config returns the configuration the model was built from.
func (m *RNN) Config() Config { return m.cfg }

// Params implements graph.Model.
func (m *RNN) Params() []graph.Param { return []graph.Param{m.Wxh, m.Whh, m.Bh, m.Whq, m.Bq} }

// StateSizes implements graph.Model: one hidden state of NumHiddens.
func (m *RNN) StateSizes() []int { return []int{m.cfg.NumHiddens} }

// Step implements graph.Model: H_t = phi(X_t W_xh + H_{t-1} W_hh + b_h),
// one fused op (graph.RNNStep) whose one-hot product is a row gather.
func (m *RNN) Step(p G.Nodes, x *G.Node, state G.Nodes) (*G.Node, G.Nodes, error) {
	h, err := graph.RNNStep(x, state[0], p[rnnWxh], p[rnnWhh], p[rnnBh], m.cfg.Activation.graph())
	if err != nil {
		return nil, nil, err
	}
	return h, G.Nodes{h}, nil
}

// Output implements graph.Model: O = H W_hq + b_q.
func (m *RNN) Output(p G.Nodes, h *G.Node) (*G.Node, error) {
	return output(h, p[rnnWhq], p[rnnBq])
}

// output is the book's output layer, one fused op over all T*B rows.
func output(h, w, b *G.Node) (*G.Node, error) { return graph.Linear(h, w, b) }
