package models

import (
	"fmt"

	"github.com/unroll/unroll/graph"
	G "gorgonia.org/gorgonia"
)

// Bidirectional is a bidirectional layer (9.4): one cell runs forward over
// the sequence, another backward from the last step, and the output at
// step t joins both directions' hidden states side by side,
// H_t = [H->_t, H<-_t] (batch, 2*num_hiddens). Its parameters and states
// are named Scope.fwd.* and Scope.bwd.*.
type Bidirectional struct {
	Scope    string
	Fwd, Bwd graph.Cell
}

func (b Bidirectional) dirs() [2]Recurrent {
	return [2]Recurrent{
		{Scope: graph.Scoped(b.Scope, "fwd"), Cell: b.Fwd},
		{Scope: graph.Scoped(b.Scope, "bwd"), Cell: b.Bwd, Reverse: true},
	}
}

func (b Bidirectional) Params() []graph.Param {
	d := b.dirs()
	return append(d[0].Params(), d[1].Params()...)
}

func (b Bidirectional) States() []graph.State {
	d := b.dirs()
	return append(d[0].States(), d[1].States()...)
}

func (b Bidirectional) Forward(p graph.Vars, xs G.Nodes, state G.Nodes) (G.Nodes, G.Nodes, error) {
	d := b.dirs()
	n := len(d[0].States())
	if want := n + len(d[1].States()); len(state) != want {
		return nil, nil, fmt.Errorf("models: bidirectional: want %d state nodes, got %d", want, len(state))
	}
	fh, fs, err := d[0].Forward(p, xs, state[:n])
	if err != nil {
		return nil, nil, err
	}
	bh, bs, err := d[1].Forward(p, xs, state[n:])
	if err != nil {
		return nil, nil, err
	}
	var e graph.Expr
	hs := make(G.Nodes, len(xs))
	for t := range hs {
		hs[t] = e.ConcatCols(fh[t], bh[t])
		if hs[t] != nil {
			G.WithName(fmt.Sprintf("%s_%d", graph.Scoped(b.Scope, "H"), t+1))(hs[t])
		}
	}
	return hs, append(append(G.Nodes{}, fs...), bs...), e.Err()
}
