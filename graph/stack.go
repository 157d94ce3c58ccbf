package graph

import (
	"fmt"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/unroll/unroll/internal/par"
)

// StackRows stacks matrices of equal width on top of each other: the
// hidden outputs H_1..H_T, each (B, H), become one (T*B, H) matrix, so that
// the output layer is one product over all steps.
//
// It replaces G.Concat(0, ...), whose symbolic gradient in Gorgonia v0.9.18
// is wrong once the stacked matrix has more than about 256 rows (measured:
// B=32, T=16 and B=8, T=35 fail a finite-difference check; the slices of the
// incoming gradient are views whose storage the TapeMachine reuses). The
// gradient of StackRows copies each block out with rowSlice instead.
func StackRows(xs ...*G.Node) (*G.Node, error) {
	if len(xs) == 0 {
		return nil, fmt.Errorf("graph: StackRows: no inputs")
	}
	rows := make([]int, len(xs))
	for i, x := range xs {
		if x.Dims() != 2 || x.Shape()[1] != xs[0].Shape()[1] {
			return nil, fmt.Errorf("graph: StackRows: input %d has shape %v; want (n, %d)", i, x.Shape(), xs[0].Shape()[1])
		}
		rows[i] = x.Shape()[0]
	}
	return G.ApplyOp(stackOp{opBase{fmt.Sprintf("StackRows%v", rows)}, rows, new(outBuf)}, xs...)
}

type stackOp struct {
	opBase
	rows []int // rows of each input
	out  *outBuf
}

func (o stackOp) Arity() int { return len(o.rows) }
func (o stackOp) Type() hm.Type {
	m := G.TensorType{Dims: 2, Of: hm.TypeVariable('a')}
	ts := make(hm.Types, len(o.rows)+1)
	for i := range ts {
		ts[i] = m
	}
	return hm.NewFnType(ts...)
}
func (o stackOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	n := 0
	for _, r := range o.rows {
		n += r
	}
	w, err := in[0].DimSize(1)
	return tensor.Shape{n, w}, err
}
func (o stackOp) DiffWRT(n int) []bool {
	d := make([]bool, n)
	for i := range d {
		d[i] = true
	}
	return d
}

func (o stackOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	out := make(G.Nodes, len(inputs))
	start := 0
	for i, r := range o.rows {
		var err error
		if out[i], err = rowSlice(grad, start, start+r); err != nil {
			return nil, err
		}
		start += r
	}
	return out, nil
}

func (o stackOp) Do(vals ...G.Value) (G.Value, error) {
	ins, err := denses(o.name, vals)
	if err != nil {
		return nil, err
	}
	shape, _ := o.InferShape(ins[0].Shape())
	out := o.out.get(ins[0].Dtype(), shape...)
	stackInto(out, ins)
	return out, nil
}

// stackInto copies the matrices ins, in order, into the rows of dst, in
// blocks of inputs that copy at least minParElems values each.
func stackInto(dst *tensor.Dense, ins []*tensor.Dense) {
	offs := make([]int, len(ins)+1)
	for i, d := range ins {
		offs[i+1] = offs[i] + d.DataSize()
	}
	par.Range(len(ins), max(1, len(ins)*minParElems/max(dst.DataSize(), 1)), func(_, lo, hi int) {
		for i := lo; i < hi; i++ {
			copyInto(dst, ins[i], offs[i])
		}
	})
}

// copyInto copies src's values into dst from element off; returns the count.
func copyInto(dst, src *tensor.Dense, off int) int {
	switch d := data(dst).(type) {
	case []float32:
		return copy(d[off:], src.Float32s())
	case []float64:
		return copy(d[off:], src.Float64s())
	}
	return 0
}

// rowSlice returns a copy of rows [start, end) of the matrix x. It has no
// gradient of its own: it serves as StackRows' gradient.
func rowSlice(x *G.Node, start, end int) (*G.Node, error) {
	if x.Dims() != 2 || start < 0 || end > x.Shape()[0] || start >= end {
		return nil, fmt.Errorf("graph: rowSlice [%d, %d) of shape %v", start, end, x.Shape())
	}
	return G.ApplyOp(rowSliceOp{opBase{fmt.Sprintf("RowSlice[%d:%d]", start, end)}, start, end, new(outBuf)}, x)
}

type rowSliceOp struct {
	opBase
	start, end int
	out        *outBuf
}

func (rowSliceOp) Arity() int { return 1 }
func (rowSliceOp) Type() hm.Type {
	m := G.TensorType{Dims: 2, Of: hm.TypeVariable('a')}
	return hm.NewFnType(m, m)
}
func (o rowSliceOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	w, err := in[0].DimSize(1)
	return tensor.Shape{o.end - o.start, w}, err
}

func (o rowSliceOp) Do(vals ...G.Value) (G.Value, error) {
	x, err := dense(o.name, vals[0])
	if err != nil {
		return nil, err
	}
	w := x.Shape()[1]
	out := o.out.get(x.Dtype(), o.end-o.start, w)
	switch d := data(x).(type) {
	case []float32:
		copy(out.Float32s(), d[o.start*w:o.end*w])
	case []float64:
		copy(out.Float64s(), d[o.start*w:o.end*w])
	}
	return out, nil
}
