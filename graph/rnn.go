package graph

import (
	"fmt"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/unroll/unroll/internal/blas"
	"github.com/unroll/unroll/internal/par"
)

// RNNStep returns one step of the book's RNN,
//
//	H_t = phi(X_t W_xh + H_{t-1} W_hh + b_h),
//
// as one op: the one-hot product X_t W_xh is a gather of the rows of W_xh
// named by the token ids x (B), the bias is written with them, the
// product with W_hh is added by one BLAS call and phi is applied in place.
//
// Gradients. A step's gradient node for H_{t-1} is the data gradient
// dA_t W_hh^T with dA_t = dH_t * phi'(A_t) (ops ActGrad and MatMul). The
// weight gradients are not summed step by step: consecutive steps built on
// each other's output with the same weights form a sequence, and its first
// step, which the reverse-mode sweep differentiates last, returns the
// gradients of W_xh, W_hh and b_h for the whole sequence at once:
//
//	dW_hh = [H_0; ...; H_{T-1}]^T [dA_1; ...; dA_T]   (SumMatMulTN)
//	dW_xh = the rows of [dA_1; ...; dA_T] added at the token ids
//	db_h  = the column sums of [dA_1; ...; dA_T]
//
// as cuDNN splits an RNN's backward pass into data and weight gradients.
// The other steps declare the weights non-differentiable, so G.Grad finds
// exactly one gradient node per weight instead of summing T of them. The
// total is exact; tests check it against finite differences and a
// hand-written BPTT. A sequence must be differentiated by one G.Grad call.
func RNNStep(x, hprev, wxh, whh, bh *G.Node, act Activation) (*G.Node, error) {
	if !act.valid() {
		return nil, fmt.Errorf("graph: RNNStep: unknown activation %v", act)
	}
	if x.Dims() != 1 || x.Dtype() != tensor.Int || hprev.Dims() != 2 || hprev.Shape()[0] != x.Shape()[0] {
		return nil, fmt.Errorf("graph: RNNStep: want ids x (B) and H_{t-1} (B, H), got %v %v and %v", x.Shape(), x.Dtype(), hprev.Shape())
	}
	h := hprev.Shape()[1]
	if wxh.Dims() != 2 || wxh.Shape()[1] != h || !whh.Shape().Eq(tensor.Shape{h, h}) || !bh.Shape().Eq(tensor.Shape{h}) {
		return nil, fmt.Errorf("graph: RNNStep: want W_xh (V, %d), W_hh (%d, %d), b_h (%d), got %v, %v, %v", h, h, h, h, wxh.Shape(), whh.Shape(), bh.Shape())
	}
	op := rnnStepOp{opBase: opBase{"RNNStep"}, act: act, hprevIsInput: hprev.Op() == nil, out: new(outBuf)}
	// Continue the sequence of the step that made hprev, if it used the same
	// weights and nothing continued it yet; else start a new one.
	if p, ok := hprev.Op().(rnnStepOp); ok && p.seq.wxh == wxh && p.seq.whh == whh && p.seq.bh == bh && len(p.seq.x) == p.t {
		op.seq, op.t = p.seq, p.t+1
	} else {
		op.seq, op.t = &rnnSeq{wxh: wxh, whh: whh, bh: bh}, 1
	}
	op.name = fmt.Sprintf("RNNStep%d(%v)", op.t, act)
	n, err := G.ApplyOp(op, x, hprev, wxh, whh, bh)
	if err != nil {
		return nil, err
	}
	op.seq.x = append(op.seq.x, x)
	op.seq.hprev = append(op.seq.hprev, hprev)
	op.seq.dA = append(op.seq.dA, nil)
	return n, nil
}

// rnnSeq links the steps of one sequence: step t (1-based) reads x[t-1]
// and hprev[t-1] and its SymDiff records its dA_t in dA[t-1].
type rnnSeq struct {
	wxh, whh, bh *G.Node
	x, hprev, dA []*G.Node
}

type rnnStepOp struct {
	opBase
	act          Activation
	t            int // position in seq, from 1
	hprevIsInput bool
	seq          *rnnSeq
	out          *outBuf
}

func (rnnStepOp) Arity() int { return 5 }
func (rnnStepOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	m := G.TensorType{Dims: 2, Of: a}
	return hm.NewFnType(G.TensorType{Dims: 1, Of: tensor.Int}, m, m, m, G.TensorType{Dims: 1, Of: a}, m)
}
func (rnnStepOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	return in[1].(tensor.Shape).Clone(), nil
}

// DiffWRT: never the ids; H_{t-1} unless it is an input of the graph (the
// initial state, whose gradient nobody reads); the weights only at the
// sequence's first step, which returns their gradients for all steps.
func (o rnnStepOp) DiffWRT(int) []bool {
	first := o.t == 1
	return []bool{false, !o.hprevIsInput, first, first, first}
}

func (o rnnStepOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	s := o.seq
	if s.dA[o.t-1] != nil {
		return nil, fmt.Errorf("graph: %s differentiated twice: one G.Grad per sequence", o.name)
	}
	dA, err := ActGrad(output, grad, o.act)
	if err != nil {
		return nil, err
	}
	s.dA[o.t-1] = dA
	out := make(G.Nodes, 5)
	if !o.hprevIsInput {
		if out[1], err = MatMul(dA, inputs[3], false, true); err != nil {
			return nil, err
		}
	}
	if o.t == 1 {
		out[2], out[3], out[4], err = s.weightGrads()
	}
	return out, err
}

// weightGrads builds the gradients of W_xh, W_hh and b_h over every step
// of the sequence that was differentiated (a step that does not reach the
// cost contributes nothing), each as one op over all those steps.
func (s *rnnSeq) weightGrads() (dwxh, dwhh, dbh *G.Node, err error) {
	var x, hprev, dA G.Nodes
	for t, d := range s.dA {
		if d != nil {
			x, hprev, dA = append(x, s.x[t]), append(hprev, s.hprev[t]), append(dA, d)
		}
	}
	if dwhh, err = SumMatMulTN(hprev, dA); err != nil {
		return
	}
	if dwxh, err = ScatterRows(dA, x, s.wxh.Shape()[0]); err != nil {
		return
	}
	dbh, err = ColSum(dA...)
	return
}

func (o rnnStepOp) Do(vals ...G.Value) (G.Value, error) {
	ids, err := labelsOf(o.name, vals[0])
	if err != nil {
		return nil, err
	}
	var d [4]*tensor.Dense
	for i := range d {
		if d[i], err = dense(o.name, vals[i+1]); err != nil {
			return nil, err
		}
	}
	hprev, wxh, whh, bh := d[0], d[1], d[2], d[3]
	b, h, v := hprev.Shape()[0], hprev.Shape()[1], wxh.Shape()[0]
	for i, id := range ids {
		if id < 0 || id >= v {
			return nil, fmt.Errorf("graph: %s: token id %d at row %d is outside [0, %d)", o.name, id, i, v)
		}
	}
	out := o.out.get(hprev.Dtype(), b, h)
	switch hp := hprev.Data().(type) {
	case []float32:
		rnnStep(o.act, ids, hp, wxh.Float32s(), whh.Float32s(), bh.Float32s(), out.Float32s(), h)
	case []float64:
		rnnStep(o.act, ids, hp, wxh.Float64s(), whh.Float64s(), bh.Float64s(), out.Float64s(), h)
	}
	return out, nil
}

// rnnStep sets out = phi(W_xh[ids] + b_h + hprev W_hh): the gather and
// the bias first, the product added onto them (split into column blocks
// where the build splits products), then phi in place, cut into row blocks
// over package par's goroutines.
func rnnStep[T float32 | float64](act Activation, ids []int, hprev, wxh, whh, bh, out []T, h int) {
	b := len(ids)
	gatherBias(out, wxh, ids, bh)
	gemm(false, false, b, h, h, hprev, whh, 1, out)
	par.Range(b, max(1, minParElems/h), func(_, r0, r1 int) {
		apply(act, out[r0*h:r1*h])
	})
}

// gatherBias sets row r of out to row ids[r] of wxh plus bh.
func gatherBias[T float32 | float64](out, wxh []T, ids []int, bh []T) {
	if o, ok := any(out).([]float32); ok && blas.Vec32 != nil {
		blas.Vec32.GatherBias(o, any(wxh).([]float32), ids, any(bh).([]float32))
		return
	}
	h := len(bh)
	for i, id := range ids {
		addRows(out[i*h:(i+1)*h], wxh[id*h:(id+1)*h], bh)
	}
}

// ActGrad returns g * phi'(A) for h = phi(A), with the derivative written
// in terms of h: (1 - h^2) g for tanh, g where h > 0 for ReLU. It is the
// gradient of RNNStep's pre-activation, has no gradient of its own and is
// checked through RNNStep's tests.
func ActGrad(h, g *G.Node, act Activation) (*G.Node, error) {
	if !h.Shape().Eq(g.Shape()) {
		return nil, fmt.Errorf("graph: ActGrad: shapes %v and %v differ", h.Shape(), g.Shape())
	}
	return G.ApplyOp(actGradOp{opBase{fmt.Sprintf("ActGrad(%v)", act)}, act, new(outBuf)}, h, g)
}

type actGradOp struct {
	opBase
	act Activation
	out *outBuf
}

func (actGradOp) Arity() int { return 2 }
func (actGradOp) Type() hm.Type {
	m := G.TensorType{Dims: 2, Of: hm.TypeVariable('a')}
	return hm.NewFnType(m, m, m)
}
func (actGradOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	return in[0].(tensor.Shape).Clone(), nil
}

func (o actGradOp) Do(vals ...G.Value) (G.Value, error) {
	h, err := dense(o.name, vals[0])
	if err != nil {
		return nil, err
	}
	g, err := dense(o.name, vals[1])
	if err != nil {
		return nil, err
	}
	out := o.out.get(h.Dtype(), h.Shape()...)
	switch hd := h.Data().(type) {
	case []float32:
		applyGrad(o.act, out.Float32s(), hd, g.Float32s())
	case []float64:
		applyGrad(o.act, out.Float64s(), hd, g.Float64s())
	}
	return out, nil
}

// ScatterRows returns the (v, H) matrix whose row j is the sum of the rows
// of the matrices gs (each (N_i, H)) whose token id is j; ids[i] holds the
// N_i ids of gs[i]. It is the gradient of a row gather W[ids] (the one-hot
// product), adds rows in order and has no gradient of its own.
func ScatterRows(gs, ids G.Nodes, v int) (*G.Node, error) {
	if len(gs) == 0 || len(gs) != len(ids) {
		return nil, fmt.Errorf("graph: ScatterRows: want one id vector per matrix, got %d and %d", len(ids), len(gs))
	}
	for i, x := range ids {
		g := gs[i]
		if x.Dims() != 1 || x.Dtype() != tensor.Int {
			return nil, fmt.Errorf("graph: ScatterRows: ids must be int vectors, got %v %v", x.Shape(), x.Dtype())
		}
		if g.Dims() != 2 || g.Shape()[0] != x.Shape()[0] || g.Shape()[1] != gs[0].Shape()[1] {
			return nil, fmt.Errorf("graph: ScatterRows: matrix %d has shape %v for %d ids; want (%d, %d)", i, g.Shape(), x.Shape()[0], x.Shape()[0], gs[0].Shape()[1])
		}
	}
	op := scatterOp{opBase{fmt.Sprintf("ScatterRows%d/%d", v, len(gs))}, v, len(gs), new(outBuf)}
	return G.ApplyOp(op, append(append(G.Nodes{}, gs...), ids...)...)
}

type scatterOp struct {
	opBase
	v, n int // rows of the result, matrices
	out  *outBuf
}

func (o scatterOp) Arity() int { return 2 * o.n }
func (o scatterOp) Type() hm.Type {
	m := G.TensorType{Dims: 2, Of: hm.TypeVariable('a')}
	ts := make(hm.Types, 2*o.n+1)
	for i := range ts {
		ts[i] = m
		if i >= o.n && i < 2*o.n {
			ts[i] = G.TensorType{Dims: 1, Of: tensor.Int}
		}
	}
	return hm.NewFnType(ts...)
}
func (o scatterOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	return tensor.Shape{o.v, in[0].(tensor.Shape)[1]}, nil
}

func (o scatterOp) Do(vals ...G.Value) (G.Value, error) {
	gs, err := denses(o.name, vals[:o.n])
	if err != nil {
		return nil, err
	}
	ids := make([][]int, o.n)
	size := 0
	for i, val := range vals[o.n:] {
		if ids[i], err = labelsOf(o.name, val); err != nil {
			return nil, err
		}
		for _, id := range ids[i] {
			if id < 0 || id >= o.v {
				return nil, fmt.Errorf("graph: %s: token id %d is outside [0, %d)", o.name, id, o.v)
			}
		}
		size += gs[i].DataSize()
	}
	h := gs[0].Shape()[1]
	out := o.out.get(gs[0].Dtype(), o.v, h)
	// Column blocks: each sum still adds the rows in order.
	par.Range(h, max(1, h*minParElems/max(size, 1)), func(_, lo, hi int) {
		switch d := out.Data().(type) {
		case []float32:
			for r := 0; r < len(d); r += h {
				clear(d[r+lo : r+hi])
			}
			for i, g := range gs {
				scatterAdd(d, g.Float32s(), ids[i], h, lo, hi)
			}
		case []float64:
			for r := 0; r < len(d); r += h {
				clear(d[r+lo : r+hi])
			}
			for i, g := range gs {
				scatterAdd(d, g.Float64s(), ids[i], h, lo, hi)
			}
		}
	})
	return out, nil
}

// scatterAdd adds columns lo to hi of row i of g (rows of width h) to row
// ids[i] of dst, in order.
func scatterAdd[T float32 | float64](dst, g []T, ids []int, h, lo, hi int) {
	if d, ok := any(dst).([]float32); ok && blas.Vec32 != nil {
		if g := any(g).([]float32); len(g) > 0 {
			blas.Vec32.ScatterAdd(d[lo:], g[lo:], ids, h, hi-lo)
		}
		return
	}
	for i, id := range ids {
		d, src := dst[id*h+lo:id*h+hi], g[i*h+lo:i*h+hi]
		for j, v := range src {
			d[j] += v
		}
	}
}
