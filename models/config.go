package models

import (
	"fmt"
	"strings"

	"github.com/unroll/unroll/graph"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Config describes a language model: which registered cell, its sizes, how
// many layers and directions, how the weights are drawn.
type Config struct {
	Kind          string       // a registered cell: "rnn" (also when empty), "gru", "lstm", "mlp", or one of the user's
	VocabSize     int          // |V|, the one-hot width
	NumHiddens    int          // the book's num_hiddens
	NumLayers     int          // the book's num_layers (9.3); 0 means 1
	Bidirectional bool         // a backward layer beside each forward one (9.4)
	Activation    Activation   // phi of the rnn and mlp cells; Tanh by default
	Init          Init         // how weights are drawn; InitBook by default
	Dtype         tensor.Dtype // tensor.Float32 (training; also the zero value) or tensor.Float64 (checks)
	Seed          uint64       // seeds the weight draws
}

// String shows the configuration as %+v would, with the defaults the zero
// values stand for (kind rnn, float32): the zero tensor.Dtype cannot
// print itself.
func (c Config) String() string {
	return fmt.Sprintf("{Kind:%s VocabSize:%d NumHiddens:%d NumLayers:%d Bidirectional:%t Activation:%v Init:%v Dtype:%v Seed:%d}",
		c.kind(), c.VocabSize, c.NumHiddens, c.NumLayers, c.Bidirectional, c.Activation, c.Init, dtypeName(c.dtype()), c.Seed)
}

// dtypeName names dt, also a Dtype whose Type is nil.
func dtypeName(dt tensor.Dtype) string {
	if dt.Type == nil {
		return "Dtype(nil)"
	}
	return dt.String()
}

// Layers returns the number of layers (at least 1).
func (c Config) Layers() int { return max(c.NumLayers, 1) }

// kind returns the cell's registered name ("rnn" when empty).
func (c Config) kind() string {
	if c.Kind == "" {
		return "rnn"
	}
	return c.Kind
}

// dtype returns the dtype, float32 for the zero value.
func (c Config) dtype() tensor.Dtype {
	if c.Dtype.Type == nil {
		return tensor.Float32
	}
	return c.Dtype
}

// ConfigError is a Config setting that cannot work. Field names the
// setting as in Config (the command line maps it to its flag).
type ConfigError struct {
	Field string // "Kind", "VocabSize", "NumHiddens", "NumLayers", "Activation", "Init" or "Dtype"
	Value string // the setting as given
	Want  string // what would work
}

func (e *ConfigError) Error() string {
	if e.Field == "" {
		return "models: invalid Config"
	}
	return fmt.Sprintf("models: %s %s: want %s", e.Field, e.Value, e.Want)
}

// Validate reports the first setting that cannot work.
func (c Config) Validate() error {
	switch {
	case c.VocabSize < 1:
		return &ConfigError{"VocabSize", fmt.Sprint(c.VocabSize), "a vocabulary of at least 1 token"}
	case c.NumHiddens < 1:
		return &ConfigError{"NumHiddens", fmt.Sprint(c.NumHiddens), "at least 1 hidden unit"}
	case c.NumLayers < 0:
		return &ConfigError{"NumLayers", fmt.Sprint(c.NumLayers), "at least 1 layer (0 means 1)"}
	case !c.Activation.valid():
		return &ConfigError{"Activation", fmt.Sprintf("Activation(%d)", int(c.Activation)), "Tanh or ReLU"}
	case !c.Init.valid():
		return &ConfigError{"Init", fmt.Sprintf("Init(%d)", int(c.Init)), "InitBook or InitPyTorch"}
	}
	if dt := c.dtype(); dt != tensor.Float32 && dt != tensor.Float64 {
		return &ConfigError{"Dtype", dtypeName(dt), "float32 or float64"}
	}
	if _, ok := lookup(c.kind()); !ok {
		return &ConfigError{"Kind", fmt.Sprintf("%q", c.kind()), "a registered cell: " + strings.Join(Kinds(), ", ")}
	}
	return nil
}

// Activation is phi, the nonlinearity of the RNN's hidden state.
type Activation int

const (
	Tanh Activation = iota // the book's choice
	ReLU
)

func (a Activation) valid() bool { return a == Tanh || a == ReLU }

func (a Activation) String() string {
	switch a {
	case Tanh:
		return "tanh"
	case ReLU:
		return "relu"
	}
	return fmt.Sprintf("Activation(%d)", int(a))
}

// ParseActivation reads "tanh" or "relu".
func ParseActivation(s string) (Activation, error) {
	switch strings.ToLower(s) {
	case "tanh":
		return Tanh, nil
	case "relu":
		return ReLU, nil
	}
	return 0, &ConfigError{"Activation", fmt.Sprintf("%q", s), "tanh or relu"}
}

// Apply builds phi(x) in e.
func (a Activation) Apply(e *graph.Expr, x *G.Node) *G.Node {
	if a == ReLU {
		return e.ReLU(x)
	}
	return e.Tanh(x)
}
