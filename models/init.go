package models

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/unroll/unroll/graph"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Config is what every model of this package is built from.
type Config struct {
	VocabSize  int          // |V|, the one-hot width
	NumHiddens int          // the book's num_hiddens
	Activation Activation   // phi; Tanh by default
	Dtype      tensor.Dtype // tensor.Float32 (training) or tensor.Float64 (checks)
	Seed       uint64       // seeds the N(0,1)*0.01 weight draws
}

// Activation is the hidden layer's phi.
type Activation int

const (
	Tanh Activation = iota // the book's choice
	ReLU
)

func (a Activation) String() string {
	if a == ReLU {
		return "relu"
	}
	return "tanh"
}

// ParseActivation reads "tanh" or "relu".
func ParseActivation(s string) (Activation, error) {
	switch strings.ToLower(s) {
	case "tanh":
		return Tanh, nil
	case "relu":
		return ReLU, nil
	}
	return 0, fmt.Errorf("models: unknown activation %q: use tanh or relu", s)
}

// graph returns the same activation for package graph's fused ops.
func (a Activation) graph() graph.Activation {
	if a == ReLU {
		return graph.ReLU
	}
	return graph.Tanh
}

func (a Activation) apply(x *G.Node) (*G.Node, error) {
	if a == ReLU {
		return G.Rectify(x)
	}
	return G.Tanh(x)
}

func (c Config) check() error {
	if c.VocabSize < 1 || c.NumHiddens < 1 {
		return fmt.Errorf("models: vocab size and hiddens must be >= 1, got %d and %d", c.VocabSize, c.NumHiddens)
	}
	if c.Dtype != tensor.Float32 && c.Dtype != tensor.Float64 {
		return fmt.Errorf("models: dtype must be float32 or float64, got %v", c.Dtype)
	}
	return nil
}

// initializer draws the book's parameters in a fixed order from one seeded
// stream, so a model is a function of its Config.
type initializer struct {
	rng *rand.Rand
	dt  tensor.Dtype
}

func newInitializer(c Config) *initializer {
	return &initializer{rng: rand.New(rand.NewPCG(c.Seed, 0x756e726f6c6c)), dt: c.Dtype} // "unroll"
}

// normal returns a tensor of N(0,1)*0.01 draws: the book's normal(shape).
func (in *initializer) normal(shape ...int) *tensor.Dense {
	t := tensor.New(tensor.Of(in.dt), tensor.WithShape(shape...))
	switch d := t.Data().(type) {
	case []float32:
		for i := range d {
			d[i] = float32(in.rng.NormFloat64() * 0.01)
		}
	case []float64:
		for i := range d {
			d[i] = in.rng.NormFloat64() * 0.01
		}
	}
	return t
}

// zeros returns a zero tensor: the book's biases.
func (in *initializer) zeros(shape ...int) *tensor.Dense {
	return tensor.New(tensor.Of(in.dt), tensor.WithShape(shape...))
}
