package graph

import (
	"fmt"
	"math"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

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
// range, TestActFloat32).
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
		switch xd := x.Data().(type) {
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
		switch yd := y.Data().(type) {
		case []float32:
			actDeriv(o.kind, out.Float32s()[lo:hi], yd[lo:hi])
		case []float64:
			actDeriv(o.kind, out.Float64s()[lo:hi], yd[lo:hi])
		}
	})
	return out, nil
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
	dst = dst[:len(x)]
	if k == sigmoidAct {
		for i, v := range x {
			// exp of a non-positive number only: no overflow, and the
			// tiny values of the far negative tail are kept.
			if v >= 0 {
				dst[i] = 1 / (1 + expf(-v))
			} else {
				e := expf(v)
				dst[i] = e / (1 + e)
			}
		}
		return
	}
	for i, v := range x {
		dst[i] = tanhf(v)
	}
}

// expf is Cephes' expf: exp(x) = 2^n exp(r), n = round(x/ln 2), |r| <=
// ln(2)/2, exp(r) by a degree-7 polynomial; ln 2 is split in two so that r
// is exact. Below about -104 it returns 0, above 88.7 +Inf; between -104
// and -87.3 the result is subnormal.
func expf(x float32) float32 {
	const (
		log2e = 1.44269504088896341
		c1    = 0.693359375
		c2    = -2.12194440e-4
	)
	switch {
	case x > 88.72283905206835:
		return float32(math.Inf(1))
	case x < -103.972077:
		return 0
	case x != x:
		return x
	}
	n := float32(math.Floor(float64(log2e*x + 0.5)))
	r := x - n*c1 - n*c2
	z := r * r
	p := ((((1.9875691500e-4*r+1.3981999507e-3)*r+8.3334519073e-3)*r+4.1665795894e-2)*r+1.6666665459e-1)*r + 5.0000001201e-1
	p = p*z + r + 1
	e := int32(n)
	switch {
	case e > 127: // 2^128 is not a float32: scale twice
		return p * 2 * math.Float32frombits(uint32(e-1+127)<<23)
	case e < -126: // a subnormal result: scale twice
		return p * math.Float32frombits(uint32(e+64+127)<<23) * 0x1p-64
	}
	return p * math.Float32frombits(uint32(e+127)<<23)
}

// tanhf is Cephes' tanhf: an odd polynomial below 0.625 in magnitude,
// 1 - 2/(exp(2x)+1) above, and +-1 beyond 9.
func tanhf(x float32) float32 {
	a := x
	if a < 0 {
		a = -a
	}
	switch {
	case a > 9:
		if x < 0 {
			return -1
		}
		return 1
	case a >= 0.625:
		y := 1 - 2/(expf(2*a)+1)
		if x < 0 {
			return -y
		}
		return y
	case x == 0:
		return x
	}
	z := x * x
	return ((((-5.70498872745e-3*z+2.06390887954e-2)*z-5.37397155531e-2)*z+1.33314422036e-1)*z-3.33332819422e-1)*z*x + x
}
