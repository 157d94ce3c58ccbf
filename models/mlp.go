package models

import (
	"github.com/unroll/unroll/graph"
	G "gorgonia.org/gorgonia"
)

// MLPCell is the section's stateless baseline (8.4.1), a cell without
// state: each step sees its own token only.
//
//	H = phi(X W_xh + b_h)
type MLPCell struct {
	Wxh, Bh    graph.Param
	Activation Activation // phi
}

// NewMLPCell draws an MLP cell from c.
func NewMLPCell(c CellConfig) (graph.Cell, error) {
	return &MLPCell{
		Wxh:        graph.Param{Name: "W_xh", Value: c.Init.Weight(c.Inputs, c.Hiddens)},
		Bh:         graph.Param{Name: "b_h", Value: c.Init.Bias(c.Hiddens)},
		Activation: c.Activation,
	}, nil
}

func (c *MLPCell) Params() []graph.Param { return []graph.Param{c.Wxh, c.Bh} }
func (c *MLPCell) States() []graph.State { return nil }

func (c *MLPCell) Step(p graph.Vars, X *G.Node, _ G.Nodes) (*G.Node, G.Nodes, error) {
	var e graph.Expr
	H := c.Activation.Apply(&e, e.Affine(X, p.Get("W_xh"), nil, nil, p.Get("b_h")))
	return H, nil, e.Err()
}
