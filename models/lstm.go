package models

import (
	"github.com/unroll/unroll/graph"
	G "gorgonia.org/gorgonia"
)

// LSTMCell is long short-term memory (9.2):
//
//	I_t = sigmoid(X_t W_xi + H_{t-1} W_hi + b_i)
//	F_t = sigmoid(X_t W_xf + H_{t-1} W_hf + b_f)
//	O_t = sigmoid(X_t W_xo + H_{t-1} W_ho + b_o)
//	C~_t = tanh(X_t W_xc + H_{t-1} W_hc + b_c)
//	C_t = F_t ⊙ C_{t-1} + I_t ⊙ C~_t
//	H_t = O_t ⊙ tanh(C_t)
type LSTMCell struct {
	Wxi, Whi, Bi graph.Param // input gate
	Wxf, Whf, Bf graph.Param // forget gate
	Wxo, Who, Bo graph.Param // output gate
	Wxc, Whc, Bc graph.Param // candidate memory cell
	hiddens      int
}

// NewLSTMCell draws an LSTM cell from c, in the book's order (input,
// forget, output gates, candidate).
func NewLSTMCell(c CellConfig) (graph.Cell, error) {
	l := &LSTMCell{hiddens: c.Hiddens}
	l.Wxi, l.Whi, l.Bi = gate(c, "W_xi", "W_hi", "b_i")
	l.Wxf, l.Whf, l.Bf = gate(c, "W_xf", "W_hf", "b_f")
	l.Wxo, l.Who, l.Bo = gate(c, "W_xo", "W_ho", "b_o")
	l.Wxc, l.Whc, l.Bc = gate(c, "W_xc", "W_hc", "b_c")
	return l, nil
}

func (c *LSTMCell) Params() []graph.Param {
	return []graph.Param{c.Wxi, c.Whi, c.Bi, c.Wxf, c.Whf, c.Bf, c.Wxo, c.Who, c.Bo, c.Wxc, c.Whc, c.Bc}
}

// States are the hidden state H and the memory cell C.
func (c *LSTMCell) States() []graph.State {
	return []graph.State{{Name: "H", Size: c.hiddens}, {Name: "C", Size: c.hiddens}}
}

func (c *LSTMCell) Step(p graph.Vars, X *G.Node, state G.Nodes) (*G.Node, G.Nodes, error) {
	var e graph.Expr
	H, C := state[0], state[1]
	I := e.Sigmoid(e.Affine(X, p.Get("W_xi"), H, p.Get("W_hi"), p.Get("b_i")))
	F := e.Sigmoid(e.Affine(X, p.Get("W_xf"), H, p.Get("W_hf"), p.Get("b_f")))
	O := e.Sigmoid(e.Affine(X, p.Get("W_xo"), H, p.Get("W_ho"), p.Get("b_o")))
	Cc := e.Tanh(e.Affine(X, p.Get("W_xc"), H, p.Get("W_hc"), p.Get("b_c")))
	Cn := e.Add(e.Hadamard(F, C), e.Hadamard(I, Cc))
	Hn := e.Hadamard(O, e.Tanh(Cn))
	return Hn, G.Nodes{Hn, Cn}, e.Err()
}
