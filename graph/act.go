package graph

import (
	"fmt"
	"math"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/unroll/unroll/internal/kernels"
	"github.com/unroll/unroll/internal/par"
)

// Sigmoid returns the logistic function 1/(1+exp(-x)) of every element of
// x; Tanh returns tanh(x). They are the gates and candidates of every
// cell, so they are this package's own ops rather than G.Sigmoid and
// G.Tanh, for speed only: Gorgonia computes them one element at a time in
// float64 through a function value, allocates a new output every run, and
// builds their derivatives from three to five further elementwise nodes.
// These write into a buffer kept from run to run, in blocks over the
// cores, and their derivative is one op from the output y: y(1 - y) for
// the sigmoid, 1 - y² for tanh (the chain rule's product with the incoming
// gradient is Gorgonia's HadamardProd). float64 uses the math
// package's exp and tanh; float32 uses the polynomial approximations of
// Cephes' expf and tanhf (within 2 ulp of the float64 result over the
// range, TestActFloat32), eight values at a time with AVX2, sixteen with
// AVX-512 (package kernels: the same bits as the scalar Go).
func Sigmoid(x *G.Node) (*G.Node, error) { return applyAct(x, sigmoidAct) }

// Tanh returns tanh(x) elementwise: see Sigmoid.
func Tanh(x *G.Node) (*G.Node, error) { return applyAct(x, tanhAct) }

type actKind int

const (
	sigmoidAct actKind = iota
	tanhAct
)

func (k actKind) String() string {
	if k == sigmoidAct {
		return "Sigmoid"
	}
	return "Tanh"
}

func applyAct(x *G.Node, k actKind) (*G.Node, error) {
	if x.Dtype() != tensor.Float32 && x.Dtype() != tensor.Float64 {
		return nil, fmt.Errorf("graph: %v: want float32 or float64, got %v", k, x.Dtype())
	}
	return G.ApplyOp(actOp{opBase{k.String()}, k, new(outBuf)}, x)
}

type actOp struct {
	opBase
	kind actKind
	out  *outBuf
}

func (actOp) Arity() int { return 1 }
func (actOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	return hm.NewFnType(a, a)
}
func (actOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	return in[0].(tensor.Shape).Clone(), nil
}
func (actOp) DiffWRT(int) []bool { return []bool{true} }

// SymDiff returns g ⊙ f'(x): f'(x) from the output y = f(x) by this
// package's derivative op (y(1 - y) for the sigmoid, 1 - y² for tanh),
// and the chain rule's product by Gorgonia's HadamardProd.
func (o actOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	d, err := G.ApplyOp(actDerivOp{opBase{o.kind.String() + "Deriv"}, o.kind, new(outBuf)}, output)
	if err != nil {
		return nil, err
	}
	h, err := G.HadamardProd(grad, d)
	return G.Nodes{h}, err
}

func (o actOp) Do(vals ...G.Value) (G.Value, error) {
	x, err := dense(o.name, vals[0])
	if err != nil {
		return nil, err
	}
	out := o.out.get(x.Dtype(), x.Shape()...)
	par.Range(x.DataSize(), minParExps, func(_, lo, hi int) {
		switch xd := data(x).(type) {
		case []float32:
			act32(o.kind, out.Float32s()[lo:hi], xd[lo:hi])
		case []float64:
			act64(o.kind, out.Float64s()[lo:hi], xd[lo:hi])
		}
	})
	return out, nil
}

// actDerivOp computes f'(x) from y = f(x): y(1 - y) for the sigmoid,
// 1 - y² for tanh. It is only used inside gradients.
type actDerivOp struct {
	opBase
	kind actKind
	out  *outBuf
}

func (actDerivOp) Arity() int { return 1 }
func (actDerivOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	return hm.NewFnType(a, a)
}
func (actDerivOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	return in[0].(tensor.Shape).Clone(), nil
}

func (o actDerivOp) Do(vals ...G.Value) (G.Value, error) {
	y, err := dense(o.name, vals[0])
	if err != nil {
		return nil, err
	}
	out := o.out.get(y.Dtype(), y.Shape()...)
	par.Range(y.DataSize(), minParElems, func(_, lo, hi int) {
		switch yd := data(y).(type) {
		case []float32:
			actDeriv32(o.kind, out.Float32s()[lo:hi], yd[lo:hi])
		case []float64:
			actDeriv(o.kind, out.Float64s()[lo:hi], yd[lo:hi])
		}
	})
	return out, nil
}

// actDeriv32 is actDeriv for float32, in SIMD kernels of package kernels
// (the same bits as actDeriv's loops).
func actDeriv32(k actKind, dst, y []float32) {
	if k == sigmoidAct {
		kernels.SigmoidDeriv32(dst, y)
		return
	}
	kernels.TanhDeriv32(dst, y)
}

func actDeriv[T float32 | float64](k actKind, dst, y []T) {
	dst = dst[:len(y)]
	if k == sigmoidAct {
		for i, v := range y {
			dst[i] = v * (1 - v)
		}
		return
	}
	for i, v := range y {
		dst[i] = 1 - v*v
	}
}

func act64(k actKind, dst, x []float64) {
	dst = dst[:len(x)]
	if k == sigmoidAct {
		for i, v := range x {
			dst[i] = 1 / (1 + math.Exp(-v))
		}
		return
	}
	for i, v := range x {
		dst[i] = math.Tanh(v)
	}
}

func act32(k actKind, dst, x []float32) {
	if k == sigmoidAct {
		kernels.Sigmoid32(dst, x)
		return
	}
	kernels.Tanh32(dst, x)
}
