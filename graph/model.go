package graph

import (
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Param is a named model parameter. Its Value is shared by every graph built
// from the model, so an update made after running one graph (the B x T
// training graph) is seen by the others (the 1 x 1 generation graph).
type Param struct {
	Name  string        // the book's name: W_xh, W_hh, b_h, W_hq, b_q
	Value *tensor.Dense // the live values
}

// Model is a character-level language model that Unroll can build into a
// graph: one time step at a time, then one output projection over the
// hidden outputs of every step. A GRU or LSTM implements it with a state of
// one or two tensors.
type Model interface {
	// Params lists the parameters in a fixed order. Step and Output receive
	// their graph nodes in that order.
	Params() []Param
	// StateSizes gives the width of each recurrent state tensor; each is
	// (batch, size). Empty for a stateless model such as the MLP.
	StateSizes() []int
	// Step builds one time step: x holds the step's token ids (batch) and
	// state the previous state. It returns the step's hidden output
	// (batch, hiddens) and the next state.
	Step(p G.Nodes, x *G.Node, state G.Nodes) (h *G.Node, next G.Nodes, err error)
	// Output maps hidden outputs (n, hiddens) to logits (n, vocab).
	Output(p G.Nodes, h *G.Node) (*G.Node, error)
}
