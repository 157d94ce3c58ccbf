package models

import (
	"fmt"

	"github.com/unroll/unroll/graph"
)

// Kinds are the model kinds New builds, by the names the command line and
// checkpoints use.
var Kinds = []string{"rnn", "mlp"}

// New builds the model of the given kind ("rnn" or "mlp") from c.
func New(kind string, c Config) (graph.Model, error) {
	switch kind {
	case "rnn":
		return NewRNN(c)
	case "mlp":
		return NewMLP(c)
	}
	return nil, fmt.Errorf("models: unknown model kind %q: use rnn or mlp", kind)
}

// KindOf returns the kind and configuration of a model of this package; ok
// is false for any other graph.Model.
func KindOf(m graph.Model) (kind string, c Config, ok bool) {
	switch m := m.(type) {
	case *RNN:
		return "rnn", m.cfg, true
	case *MLP:
		return "mlp", m.cfg, true
	}
	return "", Config{}, false
}
