package graph

import (
	"fmt"
	"math"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
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
	if logits.Dims() != 2 {
		return nil, fmt.Errorf("graph: SoftmaxCrossEntropy: logits must be (N, V), got shape %v", logits.Shape())
	}
	if labels.Dims() != 1 || labels.Shape()[0] != logits.Shape()[0] {
		return nil, fmt.Errorf("graph: SoftmaxCrossEntropy: labels shape %v does not match logits %v", labels.Shape(), logits.Shape())
	}
	return G.ApplyOp(xentOp{opBase{"SoftmaxXent"}, new(outBuf)}, logits, labels)
}

// xentOp keeps the softmax of the logits its forward pass computed, for
// its gradient op: exp is the costly part of both.
type xentOp struct {
	opBase
	probs *outBuf
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
	d, err := G.ApplyOp(xentGradOp{opBase{"SoftmaxXentGrad"}, o.probs, new(outBuf)}, inputs[0], inputs[1], output, grad)
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
	p := o.probs.get(tensor.Float64, x.Shape()...).Float64s()
	var loss float64
	switch data := x.Data().(type) {
	case []float32:
		loss, err = xentLoss(p, data, labels, x.Shape()[1])
	case []float64:
		loss, err = xentLoss(p, data, labels, x.Shape()[1])
	}
	if err != nil {
		return nil, err
	}
	return newScalar(x.Dtype(), loss), nil
}

// xentLoss is the mean cross-entropy of row-major logits (len(labels), v);
// it leaves softmax(logits) in probs. Everything is computed in float64
// whatever the storage type, and each row's maximum is subtracted before
// exp, so no logit overflows.
func xentLoss[T float32 | float64](probs []float64, logits []T, labels []int, v int) (float64, error) {
	var total float64
	for i, y := range labels {
		if y < 0 || y >= v {
			return 0, fmt.Errorf("graph: SoftmaxXent: label %d at row %d is outside [0, %d)", y, i, v)
		}
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
	return total / float64(len(labels)), nil
}

// xentGradOp computes d loss / d logits = g * (softmax(logits) - onehot)/N
// from the softmax its forward op computed. Its inputs are the logits, the
// labels, the loss (for the order of execution only) and g.
type xentGradOp struct {
	opBase
	probs, out *outBuf
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
	switch od := out.Data().(type) {
	case []float32:
		xentGrad(od, p.Float64s(), labels, v, g)
	case []float64:
		xentGrad(od, p.Float64s(), labels, v, g)
	}
	return out, nil
}

func xentGrad[T float32 | float64](dst []T, probs []float64, labels []int, v int, g float64) {
	scale := g / float64(len(labels))
	for i, y := range labels {
		p, d := probs[i*v:(i+1)*v], dst[i*v:(i+1)*v]
		for j, pj := range p {
			d[j] = T(pj * scale)
		}
		d[y] = T((p[y] - 1) * scale)
	}
}
