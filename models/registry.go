package models

import (
	"fmt"
	"slices"
	"sync"

	"github.com/unroll/unroll/graph"
)

// CellConfig is what a cell's constructor receives: the width of its
// inputs (|V| for the first layer, the layer below's outputs above it),
// its hidden size, and the initializer that draws its parameters.
type CellConfig struct {
	Inputs     int
	Hiddens    int // the width of the outputs and of each state
	Activation Activation
	Init       *Initializer
}

// CellFunc builds a cell. It must draw its parameters from c.Init, in a
// fixed order, so that the same Config gives the same weights.
type CellFunc func(c CellConfig) (graph.Cell, error)

// gate draws the three parameters of a gate of a cell, named as the book
// names them: the input weights W_x* (inputs, hiddens), the recurrent
// weights W_h* (hiddens, hiddens) and the bias b_* (hiddens).
func gate(c CellConfig, wx, wh, b string) (graph.Param, graph.Param, graph.Param) {
	return graph.Param{Name: wx, Value: c.Init.Weight(c.Inputs, c.Hiddens)},
		graph.Param{Name: wh, Value: c.Init.Weight(c.Hiddens, c.Hiddens)},
		graph.Param{Name: b, Value: c.Init.Bias(c.Hiddens)}
}

var registry = struct {
	sync.RWMutex
	cells map[string]CellFunc
}{cells: map[string]CellFunc{
	"rnn":  NewRNNCell,
	"gru":  NewGRUCell,
	"lstm": NewLSTMCell,
	"mlp":  NewMLPCell,
}}

// Register makes a cell available by name to New, and so to checkpoints,
// the commands built on this package and everything that builds a model
// from a Config. Registering a name twice, or an empty name or nil
// function, is a programmer error and panics.
func Register(kind string, f CellFunc) {
	registry.Lock()
	defer registry.Unlock()
	if kind == "" || f == nil {
		panic("models: Register needs a name and a function")
	}
	if _, dup := registry.cells[kind]; dup {
		panic(fmt.Sprintf("models: cell %q is already registered", kind))
	}
	registry.cells[kind] = f
}

// Kinds lists the registered cells, sorted.
func Kinds() []string {
	registry.RLock()
	defer registry.RUnlock()
	out := make([]string, 0, len(registry.cells))
	for k := range registry.cells {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func lookup(kind string) (CellFunc, bool) {
	registry.RLock()
	defer registry.RUnlock()
	f, ok := registry.cells[kind]
	return f, ok
}
