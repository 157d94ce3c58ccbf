package graph

import (
	"fmt"
	"math"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/unroll/unroll/internal/par"
)

// SoftmaxCrossEntropy returns the mean over the rows of logits (N, V) of
// -log softmax(logits[i])[labels[i]]: the book's nn.CrossEntropyLoss with
// mean reduction. labels is an int vector of N class ids.
//
// It is computed with the row maximum subtracted (log-sum-exp), so float32
// logits of any magnitude give a finite, exact loss, unlike Gorgonia's
// SoftMax kernel, which returns NaN for float32 logits near 88. Its symbolic
// gradient with respect to the logits is (softmax(logits) - onehot(labels))/N
// times the incoming gradient.
func SoftmaxCrossEntropy(logits, labels *G.Node) (*G.Node, error) {
	if err := checkXent(logits, labels); err != nil {
		return nil, err
	}
	return G.ApplyOp(xentOp{opBase{"SoftmaxXent"}, new(outBuf), 0}, logits, labels)
}

// softmaxCrossEntropyOver is SoftmaxCrossEntropy with the summed loss
// divided by n instead of the number of rows: a chunk of a longer
// sequence contributes its share of the whole sequence's mean.
func softmaxCrossEntropyOver(logits, labels *G.Node, n int) (*G.Node, error) {
	if err := checkXent(logits, labels); err != nil {
		return nil, err
	}
	return G.ApplyOp(xentOp{opBase{"SoftmaxXent"}, new(outBuf), n}, logits, labels)
}

func checkXent(logits, labels *G.Node) error {
	if logits.Dims() != 2 {
		return fmt.Errorf("graph: SoftmaxCrossEntropy: logits must be (N, V), got shape %v", logits.Shape())
	}
	if labels.Dims() != 1 || labels.Shape()[0] != logits.Shape()[0] {
		return fmt.Errorf("graph: SoftmaxCrossEntropy: labels shape %v does not match logits %v", labels.Shape(), logits.Shape())
	}
	return nil
}

// xentOp keeps the softmax of the logits its forward pass computed, for
// its gradient op: exp is the costly part of both.
type xentOp struct {
	opBase
	probs *outBuf
	norm  int // the divisor of the summed loss; 0: the number of rows
}

// divisor is what the summed loss over rows rows is divided by.
func divisor(norm, rows int) float64 {
	if norm > 0 {
		return float64(norm)
	}
	return float64(rows)
}

func (xentOp) Arity() int { return 2 }
func (xentOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	return hm.NewFnType(G.TensorType{Dims: 2, Of: a}, G.TensorType{Dims: 1, Of: tensor.Int}, a)
}
func (xentOp) InferShape(...G.DimSizer) (tensor.Shape, error) { return tensor.ScalarShape(), nil }
func (xentOp) DiffWRT(int) []bool                             { return []bool{true, false} }

// SymDiff returns the gradient op. It reads the softmax the forward op
// left in probs, so it takes the loss node as an input: the machine then
// runs it after the forward op, in the same run.
func (o xentOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	d, err := G.ApplyOp(xentGradOp{opBase{"SoftmaxXentGrad"}, o.probs, new(outBuf), o.norm}, inputs[0], inputs[1], output, grad)
	return G.Nodes{d, nil}, err
}

func (o xentOp) Do(vals ...G.Value) (G.Value, error) {
	x, err := dense(o.name, vals[0])
	if err != nil {
		return nil, err
	}
	labels, err := labelsOf(o.name, vals[1])
	if err != nil {
		return nil, err
	}
	v := x.Shape()[1]
	for i, y := range labels {
		if y < 0 || y >= v {
			return nil, fmt.Errorf("graph: %s: label %d at row %d is outside [0, %d)", o.name, y, i, v)
		}
	}
	p := o.probs.get(tensor.Float64, x.Shape()...).Float64s()
	// Row blocks, each with its partial sum; the sums are added in block
	// order, so the loss does not depend on which goroutine ran what.
	parts := make([]float64, par.Workers())
	par.Range(len(labels), minParExps/v, func(i, lo, hi int) {
		var s float64
		switch data := x.Data().(type) {
		case []float32:
			s = xentLoss(p[lo*v:hi*v], data[lo*v:hi*v], labels[lo:hi], v)
		case []float64:
			s = xentLoss(p[lo*v:hi*v], data[lo*v:hi*v], labels[lo:hi], v)
		}
		parts[i] = s
	})
	var loss float64
	for _, s := range parts {
		loss += s
	}
	return newScalar(x.Dtype(), loss/divisor(o.norm, len(labels))), nil
}

// minParExps: an exp costs about as much as 8 plain elementwise operations.
const minParExps = minParElems / 8

// xentLoss is the summed cross-entropy of row-major logits (len(labels),
// v); it leaves softmax(logits) in probs. Everything is computed in float64
// whatever the storage type, and each row's maximum is subtracted before
// exp, so no logit overflows.
func xentLoss[T float32 | float64](probs []float64, logits []T, labels []int, v int) float64 {
	var total float64
	for i, y := range labels {
		row, p := logits[i*v:(i+1)*v], probs[i*v:(i+1)*v]
		m := float64(row[0])
		for _, z := range row[1:] {
			m = max(m, float64(z))
		}
		var s float64
		for j, z := range row {
			e := math.Exp(float64(z) - m)
			p[j] = e
			s += e
		}
		for j := range p {
			p[j] /= s
		}
		total += m + math.Log(s) - float64(row[y])
	}
	return total
}

// xentGradOp computes d loss / d logits = g * (softmax(logits) - onehot)/N
// (N the rows, or xentOp's norm)
// from the softmax its forward op computed. Its inputs are the logits, the
// labels, the loss (for the order of execution only) and g.
type xentGradOp struct {
	opBase
	probs, out *outBuf
	norm       int // as xentOp's
}

func (xentGradOp) Arity() int { return 4 }
func (xentGradOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	m := G.TensorType{Dims: 2, Of: a}
	return hm.NewFnType(m, G.TensorType{Dims: 1, Of: tensor.Int}, a, a, m)
}
func (xentGradOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	return in[0].(tensor.Shape).Clone(), nil
}

func (o xentGradOp) Do(vals ...G.Value) (G.Value, error) {
	x, err := dense(o.name, vals[0])
	if err != nil {
		return nil, err
	}
	labels, err := labelsOf(o.name, vals[1])
	if err != nil {
		return nil, err
	}
	g, err := scalarOf(o.name, vals[3])
	if err != nil {
		return nil, err
	}
	p := o.probs.d
	if p == nil || !p.Shape().Eq(x.Shape()) {
		return nil, fmt.Errorf("graph: %s: the forward op has not run", o.name)
	}
	out := o.out.get(x.Dtype(), x.Shape()...)
	v := x.Shape()[1]
	scale := g / divisor(o.norm, len(labels))
	par.Range(len(labels), minParElems/v, func(_, lo, hi int) {
		pd := p.Float64s()[lo*v : hi*v]
		switch od := out.Data().(type) {
		case []float32:
			xentGrad(od[lo*v:hi*v], pd, labels[lo:hi], v, scale)
		case []float64:
			xentGrad(od[lo*v:hi*v], pd, labels[lo:hi], v, scale)
		}
	})
	return out, nil
}

// xentGrad sets dst = (probs - onehot(labels)) * scale, rows of width v.
func xentGrad[T float32 | float64](dst []T, probs []float64, labels []int, v int, scale float64) {
	for i, y := range labels {
		p, d := probs[i*v:(i+1)*v], dst[i*v:(i+1)*v]
		for j, pj := range p {
			d[j] = T(pj * scale)
		}
		d[y] = T((p[y] - 1) * scale)
	}
}
