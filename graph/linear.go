package graph

import (
	"fmt"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/unroll/unroll/internal/blas"
	"github.com/unroll/unroll/internal/par"
)

// MatMul returns the matrix product a' b', where a' is a or its transpose
// (ta) and b' is b or its transpose (tb). Unlike G.Mul it keeps its output
// buffer across runs and never materialises a transpose; the gradients of
// Linear and RNNStep are made of it.
func MatMul(a, b *G.Node, ta, tb bool) (*G.Node, error) {
	if a.Dims() != 2 || b.Dims() != 2 {
		return nil, fmt.Errorf("graph: MatMul: want two matrices, got shapes %v and %v", a.Shape(), b.Shape())
	}
	op := matMulOp{opBase: opBase{fmt.Sprintf("MatMul(%s,%s)", transName(ta), transName(tb))}, ta: ta, tb: tb, out: new(outBuf)}
	_, k := op.dims(a.Shape(), ta)
	if k2, _ := op.dims(b.Shape(), tb); k != k2 {
		return nil, fmt.Errorf("graph: %s: inner sizes differ: shapes %v and %v", op.name, a.Shape(), b.Shape())
	}
	return G.ApplyOp(op, a, b)
}

func transName(t bool) string {
	if t {
		return "T"
	}
	return "N"
}

type matMulOp struct {
	opBase
	ta, tb bool
	out    *outBuf
}

// dims returns the rows and columns of a matrix of shape s, transposed if t.
func (matMulOp) dims(s tensor.Shape, t bool) (rows, cols int) {
	if t {
		return s[1], s[0]
	}
	return s[0], s[1]
}

func (matMulOp) Arity() int { return 2 }
func (matMulOp) Type() hm.Type {
	m := G.TensorType{Dims: 2, Of: hm.TypeVariable('a')}
	return hm.NewFnType(m, m, m)
}
func (o matMulOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	m, _ := o.dims(in[0].(tensor.Shape), o.ta)
	_, n := o.dims(in[1].(tensor.Shape), o.tb)
	return tensor.Shape{m, n}, nil
}
func (matMulOp) DiffWRT(int) []bool { return []bool{true, true} }

// SymDiff: for C = A B, dA = G B^T and dB = A^T G; the transposed cases
// follow by transposing both sides.
func (o matMulOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	a, b := inputs[0], inputs[1]
	var da, db *G.Node
	var err error
	switch {
	case !o.ta && !o.tb: // C = A B
		da, err = MatMul(grad, b, false, true)
		if err == nil {
			db, err = MatMul(a, grad, true, false)
		}
	case o.ta && !o.tb: // C = A^T B: dA = B G^T, dB = A G
		da, err = MatMul(b, grad, false, true)
		if err == nil {
			db, err = MatMul(a, grad, false, false)
		}
	case !o.ta && o.tb: // C = A B^T: dA = G B, dB = G^T A
		da, err = MatMul(grad, b, false, false)
		if err == nil {
			db, err = MatMul(grad, a, true, false)
		}
	default: // C = A^T B^T: dA = B^T G^T, dB = G^T A^T
		da, err = MatMul(b, grad, true, true)
		if err == nil {
			db, err = MatMul(grad, a, true, true)
		}
	}
	return G.Nodes{da, db}, err
}

func (o matMulOp) Do(vals ...G.Value) (G.Value, error) {
	a, err := dense(o.name, vals[0])
	if err != nil {
		return nil, err
	}
	b, err := dense(o.name, vals[1])
	if err != nil {
		return nil, err
	}
	m, k := o.dims(a.Shape(), o.ta)
	_, n := o.dims(b.Shape(), o.tb)
	out := o.out.get(a.Dtype(), m, n)
	switch ad := a.Data().(type) {
	case []float32:
		gemm(o.ta, o.tb, m, n, k, ad, b.Float32s(), 0, out.Float32s())
	case []float64:
		gemm(o.ta, o.tb, m, n, k, ad, b.Float64s(), 0, out.Float64s())
	}
	return out, nil
}

// Linear returns x W + b with the vector b added to every row: the book's
// output layer O = H W_hq + b_q in one op and one pass over the output.
func Linear(x, w, b *G.Node) (*G.Node, error) {
	if x.Dims() != 2 || w.Dims() != 2 || b.Dims() != 1 || x.Shape()[1] != w.Shape()[0] || w.Shape()[1] != b.Shape()[0] {
		return nil, fmt.Errorf("graph: Linear: want x (N, K), W (K, M), b (M), got %v, %v, %v", x.Shape(), w.Shape(), b.Shape())
	}
	return G.ApplyOp(linearOp{opBase{"Linear"}, new(outBuf)}, x, w, b)
}

type linearOp struct {
	opBase
	out *outBuf
}

func (linearOp) Arity() int { return 3 }
func (linearOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	m := G.TensorType{Dims: 2, Of: a}
	return hm.NewFnType(m, m, G.TensorType{Dims: 1, Of: a}, m)
}
func (linearOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	return tensor.Shape{in[0].(tensor.Shape)[0], in[1].(tensor.Shape)[1]}, nil
}
func (linearOp) DiffWRT(int) []bool { return []bool{true, true, true} }

// SymDiff: dx = G W^T, dW = x^T G, db = the column sums of G.
func (linearOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	dx, err := MatMul(grad, inputs[1], false, true)
	if err != nil {
		return nil, err
	}
	dw, err := MatMul(inputs[0], grad, true, false)
	if err != nil {
		return nil, err
	}
	db, err := ColSum(grad)
	return G.Nodes{dx, dw, db}, err
}

func (o linearOp) Do(vals ...G.Value) (G.Value, error) {
	x, err := dense(o.name, vals[0])
	if err != nil {
		return nil, err
	}
	w, err := dense(o.name, vals[1])
	if err != nil {
		return nil, err
	}
	b, err := dense(o.name, vals[2])
	if err != nil {
		return nil, err
	}
	n, k, m := x.Shape()[0], x.Shape()[1], w.Shape()[1]
	out := o.out.get(x.Dtype(), n, m)
	switch xd := x.Data().(type) {
	case []float32:
		linear(xd, w.Float32s(), b.Float32s(), out.Float32s(), n, k, m)
	case []float64:
		linear(xd, w.Float64s(), b.Float64s(), out.Float64s(), n, k, m)
	}
	return out, nil
}

// linear sets out (n, m) = x (n, k) w (k, m) + b: the bias is written first
// and the product added onto it.
func linear[T float32 | float64](x, w, b, out []T, n, k, m int) {
	for i := 0; i < n; i++ {
		copy(out[i*m:(i+1)*m], b)
	}
	gemm(false, false, n, m, k, x, w, 1, out)
}

// ColSum returns the column sums of the matrices xs (each (N_i, H)) taken
// together, as a vector (H): the gradient of a bias added to every row. It
// is only used inside gradients and has no gradient of its own.
func ColSum(xs ...*G.Node) (*G.Node, error) {
	if len(xs) == 0 {
		return nil, fmt.Errorf("graph: ColSum: no inputs")
	}
	for _, x := range xs {
		if x.Dims() != 2 || x.Shape()[1] != xs[0].Shape()[1] {
			return nil, fmt.Errorf("graph: ColSum: want matrices of one width, got shapes %v and %v", xs[0].Shape(), x.Shape())
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
		switch d := out.Data().(type) {
		case []float32:
			clear(d[lo:hi])
			for _, x := range xs {
				colSum(d, x.Float32s(), h, lo, hi)
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
	if d, ok := any(dst).([]float32); ok && blas.Vec32 != nil {
		if x := any(x).([]float32); len(x) > 0 {
			blas.Vec32.ColSum(d[lo:hi], x[lo:], h)
		}
		return
	}
	d := dst[lo:hi]
	for i := 0; i < len(x); i += h {
		for j, v := range x[i+lo : i+hi] {
			d[j] += v
		}
	}
}

// SumMatMulTN returns a_1^T b_1 + ... + a_n^T b_n for a_i (K_i, M) and
// b_i (K_i, N): the product [a_1; ...; a_n]^T [b_1; ...; b_n] without
// stacking the blocks. RNNStep's W_hh gradient over all steps is this with
// a_t = H_{t-1} and b_t = dA_t; the BLAS adds each block's product onto the
// sum (beta = 1), which costs as much as one product with K = sum K_i (see
// BenchmarkWeightGrad in internal/blas). It has no gradient of its own.
func SumMatMulTN(as, bs G.Nodes) (*G.Node, error) {
	if len(as) == 0 || len(as) != len(bs) {
		return nil, fmt.Errorf("graph: SumMatMulTN: want as many a as b blocks, got %d and %d", len(as), len(bs))
	}
	m, n := as[0].Shape()[1], bs[0].Shape()[1]
	for i := range as {
		a, b := as[i].Shape(), bs[i].Shape()
		if len(a) != 2 || len(b) != 2 || a[0] != b[0] || a[1] != m || b[1] != n {
			return nil, fmt.Errorf("graph: SumMatMulTN: block %d has shapes %v and %v; want (K, %d) and (K, %d)", i, a, b, m, n)
		}
	}
	op := sumMatMulOp{opBase{fmt.Sprintf("SumMatMulTN%d", len(as))}, len(as), new(outBuf), new([]blas.Call)}
	return G.ApplyOp(op, append(append(G.Nodes{}, as...), bs...)...)
}

type sumMatMulOp struct {
	opBase
	n     int // blocks
	out   *outBuf
	calls *[]blas.Call // kept from run to run, as out
}

func (o sumMatMulOp) Arity() int { return 2 * o.n }
func (o sumMatMulOp) Type() hm.Type {
	ts := make(hm.Types, 2*o.n+1)
	for i := range ts {
		ts[i] = G.TensorType{Dims: 2, Of: hm.TypeVariable('a')}
	}
	return hm.NewFnType(ts...)
}
func (o sumMatMulOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	return tensor.Shape{in[0].(tensor.Shape)[1], in[o.n].(tensor.Shape)[1]}, nil
}

func (o sumMatMulOp) Do(vals ...G.Value) (G.Value, error) {
	ds, err := denses(o.name, vals)
	if err != nil {
		return nil, err
	}
	as, bs := ds[:o.n], ds[o.n:]
	m, n := as[0].Shape()[1], bs[0].Shape()[1]
	out := o.out.get(as[0].Dtype(), m, n)
	flops := 0
	for _, a := range as {
		flops += 2 * m * n * a.Shape()[0]
	}
	// Column blocks of the sum, each accumulated over the blocks in order.
	parts := splitParts(flops)
	calls := (*o.calls)[:0]
	for p := 0; p < parts; p++ {
		j0, j1 := span(n, parts, p)
		for i := range as {
			k, beta := as[i].Shape()[0], 1.0
			if i == 0 {
				beta = 0
			}
			switch c := out.Data().(type) {
			case []float32:
				calls = append(calls, call(true, false, m, j1-j0, k, as[i].Float32s(), m, bs[i].Float32s()[j0:], n, float32(beta), c[j0:], n))
			case []float64:
				calls = append(calls, call(true, false, m, j1-j0, k, as[i].Float64s(), m, bs[i].Float64s()[j0:], n, beta, c[j0:], n))
			}
		}
	}
	runParts(calls, len(as))
	*o.calls = calls
	return out, nil
}

// denses asserts that every value is a float *tensor.Dense.
func denses(op string, vals []G.Value) ([]*tensor.Dense, error) {
	ds := make([]*tensor.Dense, len(vals))
	for i, v := range vals {
		var err error
		if ds[i], err = dense(op, v); err != nil {
			return nil, err
		}
	}
	return ds, nil
}
