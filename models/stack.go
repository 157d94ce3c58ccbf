package models

import (
	"fmt"

	"github.com/unroll/unroll/graph"
	G "gorgonia.org/gorgonia"
)

// Stack is a deep recurrent network (9.3): the outputs of each layer are
// the inputs of the next, H^(l)_t = f_l(H^(l-1)_t, H^(l)_{t-1}), and each
// layer keeps its own state.
type Stack []Layer

func (s Stack) Params() []graph.Param {
	var out []graph.Param
	for _, l := range s {
		out = append(out, l.Params()...)
	}
	return out
}

func (s Stack) States() []graph.State {
	var out []graph.State
	for _, l := range s {
		out = append(out, l.States()...)
	}
	return out
}

func (s Stack) Forward(p graph.Vars, xs G.Nodes, state G.Nodes) (G.Nodes, G.Nodes, error) {
	if want := len(s.States()); len(state) != want {
		return nil, nil, fmt.Errorf("models: stack: want %d state nodes, got %d", want, len(state))
	}
	var next G.Nodes
	for i, l := range s {
		n := len(l.States())
		hs, ns, err := l.Forward(p, xs, state[:n])
		if err != nil {
			return nil, nil, fmt.Errorf("models: layer %d: %w", i+1, err)
		}
		xs, state, next = hs, state[n:], append(next, ns...)
	}
	return xs, next, nil
}
