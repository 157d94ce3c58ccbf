package models

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"gorgonia.org/tensor"
)

// Init says how a model's weights are drawn.
type Init int

const (
	// InitBook is the book's from-scratch initialisation: weights
	// N(0, 1) * 0.01, biases zero (8.5, 9.1, 9.2).
	InitBook Init = iota
	// InitPyTorch draws like PyTorch's nn.RNN, nn.GRU, nn.LSTM and
	// nn.Linear, which the book's concise implementations use: every
	// weight U(-k, k) with k = 1/sqrt(num_hiddens) (for the output layer
	// 1/sqrt(its inputs)); a recurrent cell's bias is the sum of PyTorch's
	// two (b_ih + b_hh), each U(-k, k).
	InitPyTorch
)

func (in Init) valid() bool { return in == InitBook || in == InitPyTorch }

func (in Init) String() string {
	switch in {
	case InitBook:
		return "book"
	case InitPyTorch:
		return "pytorch"
	}
	return fmt.Sprintf("Init(%d)", int(in))
}

// ParseInit reads "book" or "pytorch".
func ParseInit(s string) (Init, error) {
	switch strings.ToLower(s) {
	case "book":
		return InitBook, nil
	case "pytorch":
		return InitPyTorch, nil
	}
	return 0, &ConfigError{"Init", fmt.Sprintf("%q", s), "book or pytorch"}
}

// Initializer draws a model's parameters from one seeded generator, in the
// order the cells ask for them, so the same Config gives the same weights.
type Initializer struct {
	rng    *rand.Rand
	dt     tensor.Dtype
	scheme Init
	fanIn  int // k = 1/sqrt(fanIn) for InitPyTorch
}

func newInitializer(c Config) *Initializer {
	return &Initializer{rng: rand.New(rand.NewPCG(c.Seed, 0x756e726f6c6c)), dt: c.dtype(), scheme: c.Init} // "unroll"
}

// scaled returns the initializer for a layer whose PyTorch bound is
// 1/sqrt(fanIn); it draws from the same generator.
func (in *Initializer) scaled(fanIn int) *Initializer {
	c := *in
	c.fanIn = fanIn
	return &c
}

// Dtype is the dtype of the tensors drawn.
func (in *Initializer) Dtype() tensor.Dtype { return in.dt }

// Weight returns a new (rows, cols) weight matrix: N(0, 1) * 0.01 for the
// book, U(-k, k) for PyTorch.
func (in *Initializer) Weight(rows, cols int) *tensor.Dense {
	if in.scheme == InitPyTorch {
		return in.fill([]int{rows, cols}, 1)
	}
	return in.fill([]int{rows, cols}, 0)
}

// Bias returns a new bias vector of n: zero for the book, U(-k, k) +
// U(-k, k) for PyTorch (its b_ih + b_hh).
func (in *Initializer) Bias(n int) *tensor.Dense {
	if in.scheme == InitPyTorch {
		return in.fill([]int{n}, 2)
	}
	return tensor.New(tensor.Of(in.dt), tensor.WithShape(n))
}

// outputBias is the output layer's bias: nn.Linear has one, U(-k, k).
func (in *Initializer) outputBias(n int) *tensor.Dense {
	if in.scheme == InitPyTorch {
		return in.fill([]int{n}, 1)
	}
	return in.Bias(n)
}

// fill draws each value as N(0,1)*0.01 (uniforms == 0) or as the sum of
// uniforms draws of U(-k, k).
func (in *Initializer) fill(shape []int, uniforms int) *tensor.Dense {
	t := tensor.New(tensor.Of(in.dt), tensor.WithShape(shape...))
	k := 1 / math.Sqrt(float64(max(in.fanIn, 1)))
	draw := func() float64 {
		if uniforms == 0 {
			return in.rng.NormFloat64() * 0.01
		}
		s := 0.0
		for range uniforms {
			s += (2*in.rng.Float64() - 1) * k
		}
		return s
	}
	switch d := t.Data().(type) {
	case []float32:
		for i := range d {
			d[i] = float32(draw())
		}
	case []float64:
		for i := range d {
			d[i] = draw()
		}
	}
	return t
}
