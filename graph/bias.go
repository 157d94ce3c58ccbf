package graph

import (
	"fmt"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/unroll/unroll/internal/kernels"
	"github.com/unroll/unroll/internal/par"
)

// AddBias returns x + b with the vector b (H) added to every row of the
// matrix x (N, H): the book's `+ b_h`. Gorgonia's BroadcastAdd does the same
// but materialises the repeated bias on every call; this op does not. Its
// gradient is the incoming gradient for x and its column sums for b.
func AddBias(x, b *G.Node) (*G.Node, error) {
	if x.Dims() != 2 || b.Dims() != 1 || x.Shape()[1] != b.Shape()[0] {
		return nil, fmt.Errorf("graph: AddBias: want x (N, H) and b (H), got %v and %v", x.Shape(), b.Shape())
	}
	return G.ApplyOp(addBiasOp{opBase{"AddBias"}, new(outBuf)}, x, b)
}

type addBiasOp struct {
	opBase
	out *outBuf
}

func (addBiasOp) Arity() int { return 2 }
func (addBiasOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	m := G.TensorType{Dims: 2, Of: a}
	return hm.NewFnType(m, G.TensorType{Dims: 1, Of: a}, m)
}
func (addBiasOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	return in[0].(tensor.Shape).Clone(), nil
}
func (addBiasOp) DiffWRT(int) []bool { return []bool{true, true} }

func (addBiasOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	db, err := colSums(grad)
	return G.Nodes{grad, db}, err
}

func (o addBiasOp) Do(vals ...G.Value) (G.Value, error) {
	x, err := dense(o.name, vals[0])
	if err != nil {
		return nil, err
	}
	b, err := dense(o.name, vals[1])
	if err != nil {
		return nil, err
	}
	out := o.out.get(x.Dtype(), x.Shape()...)
	switch xd := data(x).(type) {
	case []float32:
		kernels.AddRows32(out.Float32s(), xd, b.Float32s())
	case []float64:
		addRows(out.Float64s(), xd, b.Float64s())
	}
	return out, nil
}

// addRows writes x + b for each row of width len(b) (float32:
// kernels.AddRows32, the same sums in SIMD).
func addRows[T float32 | float64](dst, x, b []T) {
	h := len(b)
	for i := 0; i < len(x); i += h {
		d, r := dst[i:i+h], x[i:i+h]
		for j := range b {
			d[j] = r[j] + b[j]
		}
	}
}

// colSums returns the column sums of the matrices xs (each (N_i, H)) taken
// together, as a vector (H): the gradient of a bias added to every row. It
// is only used inside gradients and has no gradient of its own.
func colSums(xs ...*G.Node) (*G.Node, error) {
	if len(xs) == 0 {
		return nil, fmt.Errorf("graph: colSums: no inputs")
	}
	for _, x := range xs {
		if x.Dims() != 2 || x.Shape()[1] != xs[0].Shape()[1] {
			return nil, fmt.Errorf("graph: colSums: want matrices of one width, got shapes %v and %v", xs[0].Shape(), x.Shape())
		}
	}
	return G.ApplyOp(colSumOp{opBase{fmt.Sprintf("ColSum%d", len(xs))}, len(xs), new(outBuf)}, xs...)
}

type colSumOp struct {
	opBase
	n   int
	out *outBuf
}

func (o colSumOp) Arity() int { return o.n }
func (o colSumOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	ts := make(hm.Types, o.n+1)
	for i := range ts {
		ts[i] = G.TensorType{Dims: 2, Of: a}
	}
	ts[o.n] = G.TensorType{Dims: 1, Of: a}
	return hm.NewFnType(ts...)
}
func (colSumOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	return tensor.Shape{in[0].(tensor.Shape)[1]}, nil
}

func (o colSumOp) Do(vals ...G.Value) (G.Value, error) {
	xs, err := denses(o.name, vals)
	if err != nil {
		return nil, err
	}
	h, size := xs[0].Shape()[1], 0
	for _, x := range xs {
		size += x.DataSize()
	}
	out := o.out.get(xs[0].Dtype(), h)
	// Column blocks: each sum still adds the rows in order.
	par.Range(h, max(1, h*minParElems/max(size, 1)), func(_, lo, hi int) {
		switch d := data(out).(type) {
		case []float32:
			clear(d[lo:hi])
			for _, x := range xs {
				xd := x.Float32s()
				kernels.AddColSums32(d[lo:hi], xd[min(lo, len(xd)):], h) // colSum in SIMD
			}
		case []float64:
			clear(d[lo:hi])
			for _, x := range xs {
				colSum(d, x.Float64s(), h, lo, hi)
			}
		}
	})
	return out, nil
}

// colSum adds to dst[lo:hi] the sums over the rows of x (rows of width h)
// of columns lo to hi, adding the rows in order.
func colSum[T float32 | float64](dst, x []T, h, lo, hi int) {
	d := dst[lo:hi]
	for i := 0; i < len(x); i += h {
		for j, v := range x[i+lo : i+hi] {
			d[j] += v
		}
	}
}
