package models

import (
	"github.com/unroll/unroll/graph"
	G "gorgonia.org/gorgonia"
)

// MLP is the section's starting point, a language model without hidden
// state: each token predicts the next from itself alone.
//
//	H = phi(X W_xh + b_h)
//	O = H W_hq + b_q
type MLP struct {
	cfg              Config
	Wxh, Bh, Whq, Bq graph.Param
}

const (
	mlpWxh = iota
	mlpBh
	mlpWhq
	mlpBq
)

// NewMLP draws W_xh (V,H) then W_hq (H,V) from N(0,1)*0.01; biases are zero.
func NewMLP(c Config) (*MLP, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	in := newInitializer(c)
	v, h := c.VocabSize, c.NumHiddens
	return &MLP{
		cfg: c,
		Wxh: graph.Param{Name: "W_xh", Value: in.normal(v, h)},
		Bh:  graph.Param{Name: "b_h", Value: in.zeros(h)},
		Whq: graph.Param{Name: "W_hq", Value: in.normal(h, v)},
		Bq:  graph.Param{Name: "b_q", Value: in.zeros(v)},
	}, nil
}

// Config returns the configuration the model was built from.
func (m *MLP) Config() Config { return m.cfg }

// Params implements graph.Model.
func (m *MLP) Params() []graph.Param { return []graph.Param{m.Wxh, m.Bh, m.Whq, m.Bq} }

// StateSizes implements graph.Model: the MLP has no state.
func (m *MLP) StateSizes() []int { return nil }

// Step implements graph.Model: H = phi(X W_xh + b_h), ignoring any state.
func (m *MLP) Step(p G.Nodes, x *G.Node, _ G.Nodes) (*G.Node, G.Nodes, error) {
	xw, err := G.ByIndices(p[mlpWxh], x, 0)
	if err != nil {
		return nil, nil, err
	}
	s, err := graph.AddBias(xw, p[mlpBh])
	if err != nil {
		return nil, nil, err
	}
	h, err := m.cfg.Activation.apply(s)
	return h, nil, err
}

// Output implements graph.Model: O = H W_hq + b_q.
func (m *MLP) Output(p G.Nodes, h *G.Node) (*G.Node, error) {
	return output(h, p[mlpWhq], p[mlpBq])
}
