package graph

import (
	"fmt"

	"github.com/chewxy/hm"
	gblas "gonum.org/v1/gonum/blas"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/unroll/unroll/internal/blas"
	"github.com/unroll/unroll/internal/kernels"
)

// sumMulTN returns x_1ᵀ dy_1 + ... + x_kᵀ dy_k, the gradient of a weight W
// used as x_i W in k places (once per time step), given the gradients dy_i
// of the products: one (in, N) x (N, out) product over the rows of all the
// steps stacked (N = sum of the n_i), where Gorgonia's G.Grad makes k
// (in, n_i) x (n_i, out) products and adds them one by one. Every x_i is
// (n_i, in), every dy_i (n_i, out). It has no gradient of its own: it only
// appears in gradients (see batchWeightGrads).
func sumMulTN(xs, dys G.Nodes) (*G.Node, error) {
	if len(xs) == 0 || len(xs) != len(dys) {
		return nil, fmt.Errorf("graph: sumMulTN: want as many gradients as inputs (>= 1), got %d and %d", len(dys), len(xs))
	}
	for i := range xs {
		xsh, dsh := xs[i].Shape(), dys[i].Shape()
		if xs[i].Dims() != 2 || dys[i].Dims() != 2 || xsh[0] != dsh[0] || xsh[1] != xs[0].Shape()[1] || dsh[1] != dys[0].Shape()[1] {
			return nil, fmt.Errorf("graph: sumMulTN: input %d: x %v and dy %v; want (n, %d) and (n, %d)", i, xsh, dsh, xs[0].Shape()[1], dys[0].Shape()[1])
		}
	}
	op := sumMulTNOp{opBase{fmt.Sprintf("ΣAᵀ×B%d", len(xs))}, len(xs), &sumMulBufs{}}
	return G.ApplyOp(op, append(append(G.Nodes{}, xs...), dys...)...)
}

type sumMulTNOp struct {
	opBase
	k    int
	bufs *sumMulBufs
}

// sumMulBufs are the op's output and its stacked operands, kept across runs.
type sumMulBufs struct{ out, x, dy outBuf }

func (o sumMulTNOp) Arity() int { return 2 * o.k }
func (o sumMulTNOp) Type() hm.Type {
	m := G.TensorType{Dims: 2, Of: hm.TypeVariable('a')}
	ts := make(hm.Types, 2*o.k+1)
	for i := range ts {
		ts[i] = m
	}
	return hm.NewFnType(ts...)
}
func (o sumMulTNOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	a, err := in[0].DimSize(1)
	if err != nil {
		return nil, err
	}
	b, err := in[o.k].DimSize(1)
	return tensor.Shape{a, b}, err
}
func (o sumMulTNOp) DiffWRT(n int) []bool { return make([]bool, n) }
func (o sumMulTNOp) SymDiff(G.Nodes, *G.Node, *G.Node) (G.Nodes, error) {
	return nil, fmt.Errorf("graph: %s has no gradient (it only appears in gradients)", o.name)
}

func (o sumMulTNOp) Do(vals ...G.Value) (G.Value, error) {
	ins, err := denses(o.name, vals)
	if err != nil {
		return nil, err
	}
	xs, dys := ins[:o.k], ins[o.k:]
	in, outW := xs[0].Shape()[1], dys[0].Shape()[1]
	n := 0
	for _, x := range xs {
		n += x.Shape()[0]
	}
	dt := xs[0].Dtype()
	out := o.bufs.out.get(dt, in, outW)
	if _, own := blas.Impl().(blas.Own); own {
		// This project's kernels pack the pieces straight into their
		// panels: no stacked copies.
		switch d := data(out).(type) {
		case []float32:
			kernels.SumTN32(d, outW, in, outW, pieces[float32](xs), pieces[float32](dys))
		case []float64:
			kernels.SumTN64(d, outW, in, outW, pieces[float64](xs), pieces[float64](dys))
		}
		return out, nil
	}
	x, dy := xs[0], dys[0]
	if o.k > 1 {
		x, dy = o.bufs.x.get(dt, n, in), o.bufs.dy.get(dt, n, outW)
		stackInto(x, xs)
		stackInto(dy, dys)
	}
	switch d := data(out).(type) {
	case []float32:
		blas.Impl().Sgemm(gblas.Trans, gblas.NoTrans, in, outW, n, 1, x.Float32s(), in, dy.Float32s(), outW, 0, d, outW)
	case []float64:
		blas.Impl().Dgemm(gblas.Trans, gblas.NoTrans, in, outW, n, 1, x.Float64s(), in, dy.Float64s(), outW, 0, d, outW)
	}
	return out, nil
}

// pieces returns the values of the matrices ts (through a pointer to
// each slot: no interface holding a slice, so no allocation per piece).
func pieces[T float32 | float64](ts []*tensor.Dense) [][]T {
	r := make([][]T, len(ts))
	for i, t := range ts {
		switch p := any(&r[i]).(type) {
		case *[]float32:
			*p = t.Float32s()
		case *[]float64:
			*p = t.Float64s()
		}
	}
	return r
}
