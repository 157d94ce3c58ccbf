package graph

import (
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Expr writes equations in Gorgonia's own ops without an error check after
// every operation: each method returns nil once an earlier one failed, and
// Err reports the first failure. A cell's Step reads like the book:
//
//	var e graph.Expr
//	R := e.Sigmoid(e.Affine(X, p.Get("W_xr"), H, p.Get("W_hr"), p.Get("b_r")))
//	...
//	return Hn, G.Nodes{Hn}, e.Err()
//
// Every operation is a Gorgonia op with its own symbolic derivative, so
// G.Grad derives the backward pass of anything written with it: Gorgonia's
// G.Mul, G.Add, G.Sub, G.HadamardProd and G.Rectify, and this package's
// AddBias (a row-bias add), Sigmoid and Tanh (Gorgonia's are correct but
// slow; see Sigmoid).
type Expr struct{ err error }

// Err returns the first error of the expression, naming the operation.
func (e *Expr) Err() error { return e.err }

func (e *Expr) do(op string, f func() (*G.Node, error), ins ...*G.Node) *G.Node {
	if e.err != nil {
		return nil
	}
	for _, in := range ins {
		if in == nil {
			e.err = fmt.Errorf("graph: %s of a nil node", op)
			return nil
		}
	}
	n, err := f()
	if err != nil {
		e.err = fmt.Errorf("graph: %s: %w", op, err)
	}
	return n
}

// Mul is the matrix product a b (G.Mul).
func (e *Expr) Mul(a, b *G.Node) *G.Node {
	return e.do("Mul", func() (*G.Node, error) { return G.Mul(a, b) }, a, b)
}

// Add is a + b, elementwise (G.Add).
func (e *Expr) Add(a, b *G.Node) *G.Node {
	return e.do("Add", func() (*G.Node, error) { return G.Add(a, b) }, a, b)
}

// Sub is a - b, elementwise (G.Sub).
func (e *Expr) Sub(a, b *G.Node) *G.Node {
	return e.do("Sub", func() (*G.Node, error) { return G.Sub(a, b) }, a, b)
}

// Hadamard is the elementwise product a ⊙ b (G.HadamardProd).
func (e *Expr) Hadamard(a, b *G.Node) *G.Node {
	return e.do("Hadamard", func() (*G.Node, error) { return G.HadamardProd(a, b) }, a, b)
}

// OneMinus is 1 - x, elementwise (G.Sub from a scalar constant).
func (e *Expr) OneMinus(x *G.Node) *G.Node {
	return e.do("OneMinus", func() (*G.Node, error) {
		var one *G.Node
		if x.Dtype() == tensor.Float32 {
			one = G.NewConstant(float32(1))
		} else {
			one = G.NewConstant(1.0)
		}
		return G.Sub(one, x)
	}, x)
}

// Tanh is tanh(x), elementwise (this package's Tanh).
func (e *Expr) Tanh(x *G.Node) *G.Node {
	return e.do("Tanh", func() (*G.Node, error) { return Tanh(x) }, x)
}

// Sigmoid is the logistic function 1/(1+exp(-x)), elementwise (this
// package's Sigmoid).
func (e *Expr) Sigmoid(x *G.Node) *G.Node {
	return e.do("Sigmoid", func() (*G.Node, error) { return Sigmoid(x) }, x)
}

// ReLU is max(x, 0), elementwise (G.Rectify).
func (e *Expr) ReLU(x *G.Node) *G.Node {
	return e.do("ReLU", func() (*G.Node, error) { return G.Rectify(x) }, x)
}

// AddBias adds the vector b (H) to every row of x (N, H).
func (e *Expr) AddBias(x, b *G.Node) *G.Node {
	return e.do("AddBias", func() (*G.Node, error) { return AddBias(x, b) }, x, b)
}

// Affine is x W_x + h W_h + b, the pre-activation of the book's gates
// (X_t W_xr + H_{t-1} W_hr + b_r). h and W_h may be nil (a stateless cell:
// x W_x + b).
func (e *Expr) Affine(x, wx, h, wh, b *G.Node) *G.Node {
	s := e.Mul(x, wx)
	if h != nil || wh != nil {
		s = e.Add(s, e.Mul(h, wh))
	}
	return e.AddBias(s, b)
}

// ConcatCols joins matrices of equal height side by side (G.Concat on axis
// 1): the two directions of a bidirectional layer.
func (e *Expr) ConcatCols(xs ...*G.Node) *G.Node {
	return e.do("ConcatCols", func() (*G.Node, error) { return G.Concat(1, xs...) }, xs...)
}
