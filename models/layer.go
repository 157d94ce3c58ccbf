package models

import (
	"fmt"

	"github.com/unroll/unroll/graph"
	G "gorgonia.org/gorgonia"
)

// Layer maps a sequence of inputs, each (batch, inputs), and an initial
// state to a sequence of outputs and the final state: PyTorch's nn.RNN
// where a Cell is nn.RNNCell. Recurrent makes a layer of any cell; Stack
// and Bidirectional compose layers.
type Layer interface {
	Params() []graph.Param // under the layer's names ("l2.W_hh")
	States() []graph.State // under the layer's names ("l2.H")
	Forward(p graph.Vars, xs G.Nodes, state G.Nodes) (hs G.Nodes, next G.Nodes, err error)
}

// Recurrent runs a cell over the steps of a sequence, carrying its state
// from step to step; Reverse runs it from the last step to the first (the
// backward direction of a bidirectional layer). Its parameters and states
// are named Scope.name, and the state after step t Scope.name_t (H_t, C_t).
type Recurrent struct {
	Scope   string
	Cell    graph.Cell
	Reverse bool
}

func (r Recurrent) Params() []graph.Param {
	ps := r.Cell.Params()
	out := make([]graph.Param, len(ps))
	for i, p := range ps {
		out[i] = graph.Param{Name: graph.Scoped(r.Scope, p.Name), Value: p.Value}
	}
	return out
}

func (r Recurrent) States() []graph.State {
	ss := r.Cell.States()
	out := make([]graph.State, len(ss))
	for i, s := range ss {
		out[i] = graph.State{Name: graph.Scoped(r.Scope, s.Name), Size: s.Size}
	}
	return out
}

func (r Recurrent) Forward(p graph.Vars, xs G.Nodes, state G.Nodes) (G.Nodes, G.Nodes, error) {
	states := r.States()
	if len(state) != len(states) {
		return nil, nil, fmt.Errorf("models: %s: want %d state nodes, got %d", r.name(), len(states), len(state))
	}
	cp := p.Scope(r.Scope)
	hs := make(G.Nodes, len(xs))
	for i := range xs {
		t := i
		if r.Reverse {
			t = len(xs) - 1 - i
		}
		h, next, err := r.Cell.Step(cp, xs[t], state)
		if err != nil {
			return nil, nil, fmt.Errorf("models: %s: step %d: %w", r.name(), t+1, err)
		}
		if h == nil || len(next) != len(states) {
			return nil, nil, fmt.Errorf("models: %s: step %d returned %d states, want %d", r.name(), t+1, len(next), len(states))
		}
		named := false
		for k, s := range next {
			G.WithName(fmt.Sprintf("%s_%d", states[k].Name, t+1))(s)
			named = named || s == h
		}
		if !named {
			G.WithName(fmt.Sprintf("%s_%d", graph.Scoped(r.Scope, "H"), t+1))(h)
		}
		hs[t], state = h, next
	}
	return hs, state, nil
}

func (r Recurrent) name() string {
	if r.Scope == "" {
		return fmt.Sprintf("%T", r.Cell)
	}
	return r.Scope
}
