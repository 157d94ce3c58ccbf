package models

import (
	"github.com/unroll/unroll/graph"
	G "gorgonia.org/gorgonia"
)

// GRUCell is the gated recurrent unit (9.1):
//
//	R_t = sigmoid(X_t W_xr + H_{t-1} W_hr + b_r)
//	Z_t = sigmoid(X_t W_xz + H_{t-1} W_hz + b_z)
//	H~_t = tanh(X_t W_xh + (R_t ⊙ H_{t-1}) W_hh + b_h)
//	H_t = Z_t ⊙ H_{t-1} + (1 - Z_t) ⊙ H~_t
type GRUCell struct {
	Wxz, Whz, Bz graph.Param // update gate
	Wxr, Whr, Br graph.Param // reset gate
	Wxh, Whh, Bh graph.Param // candidate hidden state
	hiddens      int
}

// NewGRUCell draws a GRU cell from c, in the book's order (update gate,
// reset gate, candidate).
func NewGRUCell(c CellConfig) (graph.Cell, error) {
	g := &GRUCell{hiddens: c.Hiddens}
	g.Wxz, g.Whz, g.Bz = gate(c, "W_xz", "W_hz", "b_z")
	g.Wxr, g.Whr, g.Br = gate(c, "W_xr", "W_hr", "b_r")
	g.Wxh, g.Whh, g.Bh = gate(c, "W_xh", "W_hh", "b_h")
	return g, nil
}

func (c *GRUCell) Params() []graph.Param {
	return []graph.Param{c.Wxz, c.Whz, c.Bz, c.Wxr, c.Whr, c.Br, c.Wxh, c.Whh, c.Bh}
}
func (c *GRUCell) States() []graph.State { return []graph.State{{Name: "H", Size: c.hiddens}} }

func (c *GRUCell) Step(p graph.Vars, X *G.Node, state G.Nodes) (*G.Node, G.Nodes, error) {
	var e graph.Expr
	H := state[0]
	R := e.Sigmoid(e.Affine(X, p.Get("W_xr"), H, p.Get("W_hr"), p.Get("b_r")))
	Z := e.Sigmoid(e.Affine(X, p.Get("W_xz"), H, p.Get("W_hz"), p.Get("b_z")))
	Hc := e.Tanh(e.Affine(X, p.Get("W_xh"), e.Hadamard(R, H), p.Get("W_hh"), p.Get("b_h")))
	Hn := e.Add(e.Hadamard(Z, H), e.Hadamard(e.OneMinus(Z), Hc))
	return Hn, G.Nodes{Hn}, e.Err()
}
