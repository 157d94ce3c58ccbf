package graph_test

import (
	"strings"
	"testing"

	"github.com/unroll/unroll/graph"
	"github.com/unroll/unroll/models"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// namedCell is a user's cell whose parameter and state names the test
// chooses: H_t = tanh(X_t W + b) for its first state, the others carried
// unchanged.
type namedCell struct {
	w, b   graph.Param
	states []graph.State
}

func (c *namedCell) Params() []graph.Param { return []graph.Param{c.w, c.b} }
func (c *namedCell) States() []graph.State { return c.states }
func (c *namedCell) Step(p graph.Vars, x *G.Node, state G.Nodes) (*G.Node, G.Nodes, error) {
	var e graph.Expr
	h := e.Tanh(e.AddBias(e.Mul(x, p.Get(c.w.Name)), p.Get(c.b.Name)))
	next := append(G.Nodes{h}, state[1:]...)
	return h, next, e.Err()
}

// TestNamesCheckedAgainstTheGraphs: Gorgonia merges input nodes of equal
// name, type and shape, so a parameter or state named like one of the
// graph's own inputs (X_t, Y, the initial states), or like its logits O
// and loss, would silently give wrong results. Unroll refuses every such
// name, for the user's own cells (registered with models.Register) as for
// the book's, and names the clash.
func TestNamesCheckedAgainstTheGraphs(t *testing.T) {
	const vocab, hiddens, steps = 3, 2, 2
	for i, tc := range []struct {
		w, b   string // the cell's parameter names
		states []string
		want   string // in the error; "" for no error
	}{
		{"W", "b", []string{"H"}, ""},
		{"W", "b", []string{"H", "C"}, ""},
		{"X_1", "b", []string{"H"}, `"X_1" is taken by an input`},
		{"W", "X_2", []string{"H"}, `"X_2" is taken by an input`},
		{"X_3", "b", []string{"H"}, ""}, // only X_1 and X_2 exist with 2 steps
		{"Y", "b", []string{"H"}, `"Y" is taken by the labels`},
		{"O", "b", []string{"H"}, `"O" is taken by the logits`},
		{"loss", "b", []string{"H"}, `"loss" is taken by the loss`},
		{"H_0", "b", []string{"H"}, `"H_0" is taken by an initial state`},
		{"W", "C_0", []string{"H", "C"}, `"C_0" is taken by an initial state`},
		{"W", "W", []string{"H"}, `"W" is taken by another parameter`},
		// The user's state names: their initial states H_0 must be unique
		// and not an input's.
		{"W", "b", []string{"H", "H"}, `initial state "H_0" is also the name of an initial state`},
		{"W", "b", []string{"H", ""}, `state "" of size`},
		{"W", "b", []string{"X"}, ""}, // X_0 is no input: X_1.. are
	} {
		kind := "names-test-" + string(rune('a'+i))
		models.Register(kind, func(c models.CellConfig) (graph.Cell, error) {
			cell := &namedCell{w: graph.Param{Name: tc.w, Value: c.Init.Weight(c.Inputs, c.Hiddens)},
				b: graph.Param{Name: tc.b, Value: c.Init.Bias(c.Hiddens)}}
			for _, s := range tc.states {
				cell.states = append(cell.states, graph.State{Name: s, Size: c.Hiddens})
			}
			return cell, nil
		})
		m, err := models.New(models.Config{Kind: kind, VocabSize: vocab, NumHiddens: hiddens, Dtype: tensor.Float64})
		if err != nil {
			t.Fatal(err)
		}
		_, err = graph.Unroll(m, graph.Config{BatchSize: 1, NumSteps: steps, Loss: true})
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("params %s, %s, states %q: %v", tc.w, tc.b, tc.states, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("params %s, %s, states %q: error %v, want one saying %s", tc.w, tc.b, tc.states, err, tc.want)
		}
	}
}
