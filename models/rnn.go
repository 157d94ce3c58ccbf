package models

import (
	"github.com/unroll/unroll/graph"
	G "gorgonia.org/gorgonia"
)

// RNNCell is the book's recurrent cell (8.4, 8.5):
//
//	H_t = phi(X_t W_xh + H_{t-1} W_hh + b_h)
type RNNCell struct {
	Wxh, Whh, Bh graph.Param
	Activation   Activation // phi
	hiddens      int
}

// NewRNNCell draws an RNN cell from c.
func NewRNNCell(c CellConfig) (graph.Cell, error) {
	in, h := c.Init, c.Hiddens
	return &RNNCell{
		Wxh:        graph.Param{Name: "W_xh", Value: in.Weight(c.Inputs, h)},
		Whh:        graph.Param{Name: "W_hh", Value: in.Weight(h, h)},
		Bh:         graph.Param{Name: "b_h", Value: in.Bias(h)},
		Activation: c.Activation,
		hiddens:    h,
	}, nil
}

func (c *RNNCell) Params() []graph.Param { return []graph.Param{c.Wxh, c.Whh, c.Bh} }
func (c *RNNCell) States() []graph.State { return []graph.State{{Name: "H", Size: c.hiddens}} }

func (c *RNNCell) Step(p graph.Vars, X *G.Node, state G.Nodes) (*G.Node, G.Nodes, error) {
	var e graph.Expr
	H := c.Activation.Apply(&e, e.Affine(X, p.Get("W_xh"), state[0], p.Get("W_hh"), p.Get("b_h")))
	return H, G.Nodes{H}, e.Err()
}
