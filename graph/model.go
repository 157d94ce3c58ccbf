package graph

import (
	"fmt"
	"strings"

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

// State names one recurrent state tensor of a cell and gives its width:
// the RNN and the GRU have one, H (batch, num_hiddens); the LSTM two, H and
// C. Unroll names the initial state Name_0 and a layer names the state
// after step t Name_t.
type State struct {
	Name string
	Size int
}

// Cell is one time step of a recurrent layer, written as the book writes
// it, in Gorgonia ops: it maps the step's input X_t (batch, inputs) and the
// previous state to the step's output H_t (batch, hiddens) and the next
// state, like PyTorch's nn.RNNCell(input, hx). G.Grad derives its backward
// pass. Package models holds the book's cells (RNN, GRU, LSTM, the MLP as
// a cell without state) and composes any cell into layers, stacks and
// bidirectional layers.
type Cell interface {
	// Params lists the cell's parameters under the cell's own names
	// (W_xz, W_hz, b_z, ...). The names are unique within the cell.
	Params() []Param
	// States lists the recurrent state tensors; empty for a stateless cell.
	States() []State
	// Step builds one time step. p looks the cell's parameters up by name;
	// state holds one node per States entry. It returns the step's output
	// and the next state (one node per States entry).
	Step(p Vars, x *G.Node, state G.Nodes) (h *G.Node, next G.Nodes, err error)
}

// Model is a language model that Unroll builds into a graph: token ids are
// fed as one-hot rows X_t (batch, VocabSize); Forward maps the sequence of
// inputs and the initial state to the hidden outputs of every step and the
// final state; Output maps hidden outputs (n, hiddens) to logits (n,
// VocabSize). models.LM composes any Cell into a Model.
type Model interface {
	VocabSize() int
	// Params lists every parameter under a unique name (a layer's name
	// prefixed to its cell's: "l2.W_hh").
	Params() []Param
	// States lists the state tensors of all layers, in the order Forward
	// takes and returns them, with unique names.
	States() []State
	Forward(p Vars, xs G.Nodes, state G.Nodes) (hs G.Nodes, next G.Nodes, err error)
	Output(p Vars, h *G.Node) (*G.Node, error)
}

// Vars looks parameter nodes up by name within a scope: a cell's Step asks
// for "W_hh" and gets the node of its own layer's ("l2.W_hh").
type Vars struct {
	scope string
	nodes map[string]*G.Node
}

// NewVars returns the Vars of a graph's parameter nodes, keyed by their
// full names.
func NewVars(nodes map[string]*G.Node) Vars { return Vars{nodes: nodes} }

// Get returns the node of the parameter name in v's scope. A name the model
// does not have is a programmer error: Get panics naming it.
func (v Vars) Get(name string) *G.Node {
	n, ok := v.nodes[Scoped(v.scope, name)]
	if !ok {
		panic(fmt.Sprintf("graph: no parameter %q (scope %q)", Scoped(v.scope, name), v.scope))
	}
	return n
}

// Scope returns the Vars under prefix, inside v's scope.
func (v Vars) Scope(prefix string) Vars {
	return Vars{scope: Scoped(v.scope, prefix), nodes: v.nodes}
}

// Scoped joins a scope and a name with a dot; an empty scope leaves the
// name as it is.
func Scoped(scope, name string) string {
	if scope == "" {
		return name
	}
	if name == "" {
		return scope
	}
	return scope + "." + name
}

// checkNames refuses empty or repeated parameter names and names that the
// graph gives its own nodes (Gorgonia merges input nodes of equal name,
// type and shape, which would silently give wrong results).
func checkNames(params []Param, states []State, steps int) error {
	seen := map[string]string{"Y": "the labels", "loss": "the loss", "O": "the logits"}
	for t := 1; t <= steps; t++ {
		seen[fmt.Sprintf("X_%d", t)] = "an input"
	}
	for _, s := range states {
		if s.Name == "" || s.Size < 1 {
			return fmt.Errorf("graph: state %q of size %d: want a name and a size >= 1", s.Name, s.Size)
		}
		n := s.Name + "_0"
		if what, ok := seen[n]; ok {
			return fmt.Errorf("graph: initial state %q is also the name of %s", n, what)
		}
		seen[n] = "an initial state"
	}
	for _, p := range params {
		switch {
		case p.Name == "" || strings.TrimSpace(p.Name) != p.Name:
			return fmt.Errorf("graph: parameter name %q: want a non-empty name without surrounding spaces", p.Name)
		case p.Value == nil:
			return fmt.Errorf("graph: parameter %s has no value", p.Name)
		}
		if what, ok := seen[p.Name]; ok {
			return fmt.Errorf("graph: parameter name %q is taken by %s: rename the parameter", p.Name, what)
		}
		seen[p.Name] = "another parameter"
	}
	return nil
}
