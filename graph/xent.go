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

// SoftmaxCrossEntropy returns the mean over the rows of logits (N, V) of
// -log softmax(logits[i])[labels[i]]: the book's nn.CrossEntropyLoss with
// mean reduction. labels is an int vector of N class ids.
//
// It is computed with the row maximum subtracted (log-sum-exp), so float32
// logits of any magnitude give a finite, exact loss, unlike Gorgonia's
// SoftMax kernel, which returns NaN for float32 logits near 88. Its symbolic
// gradient with respect to the logits is (softmax(logits) - onehot(labels))/N
// times the incoming gradient.
//
// Float64 logits are computed in float64 throughout. Float32 logits are
// computed as PyTorch's float32 models compute their cross-entropy: the
// softmax in float32 (the exponentials by kernels.Exp32, the same bits on
// every kernel path) and the gradient in float32, while each row's sum of
// exponentials, its loss and the total loss are accumulated in float64 (the
// loss is a sum of thousands of rows; see xentLoss32 and xentGrad32). The
// result does not depend on the kernel path or on how the rows are shared
// among goroutines.
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
// its gradient op: exp is the costly part of both. The softmax has the
// logits' dtype.
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
	// Row blocks, each with its partial sum; the sums are added in block
	// order, so the loss does not depend on which goroutine ran what.
	parts := make([]float64, par.Workers())
	switch data := data(x).(type) {
	case []float32:
		p := o.probs.get(tensor.Float32, x.Shape()...).Float32s()
		par.Range(len(labels), minParExps/v, func(i, lo, hi int) {
			parts[i] = xentLoss32(p[lo*v:hi*v], data[lo*v:hi*v], labels[lo:hi], v)
		})
	case []float64:
		p := o.probs.get(tensor.Float64, x.Shape()...).Float64s()
		par.Range(len(labels), minParExps/v, func(i, lo, hi int) {
			parts[i] = xentLoss64(p[lo*v:hi*v], data[lo*v:hi*v], labels[lo:hi], v)
		})
	default:
		return nil, fmt.Errorf("graph: %s: logits of %v: want float32 or float64", o.name, x.Dtype())
	}
	var loss float64
	for _, s := range parts {
		loss += s
	}
	return newScalar(x.Dtype(), loss/divisor(o.norm, len(labels))), nil
}

// minParExps: an exp costs about as much as 8 plain elementwise operations.
const minParExps = minParElems / 8

// xentLoss64 is the summed cross-entropy of row-major float64 logits
// (len(labels), v); it leaves softmax(logits) in probs. Each row's maximum
// is subtracted before exp, so no logit overflows.
func xentLoss64(probs, logits []float64, labels []int, v int) float64 {
	var total float64
	for i, y := range labels {
		row, p := logits[i*v:(i+1)*v], probs[i*v:(i+1)*v]
		m := row[0]
		for _, z := range row[1:] {
			m = max(m, z)
		}
		var s float64
		for j, z := range row {
			e := math.Exp(z - m)
			p[j] = e
			s += e
		}
		for j := range p {
			p[j] /= s
		}
		total += m + math.Log(s) - row[y]
	}
	return total
}

// rowMax32 is the largest of row's values. With a NaN in the row it
// returns that NaN or the largest other value: the NaN makes the row's
// sum and loss NaN either way. It compares
// the values as integers whose order is the floats' (the sign-magnitude
// bits of a negative value turned into two's complement), which the
// compiler maximises without branches (a branch on each compare
// mispredicts on new logits, about 30 ns a row); over every fourth value
// in four maxima, then their largest: the largest of the row either way.
// Of +0 and -0 it returns +0, which gives z - m and so expf(z - m) the
// same bits as -0.
func rowMax32(row []float32) float32 {
	k0 := orderKey(row[0])
	k1, k2, k3 := k0, k0, k0
	j := 1
	for ; j+4 <= len(row); j += 4 {
		k0 = max(k0, orderKey(row[j]))
		k1 = max(k1, orderKey(row[j+1]))
		k2 = max(k2, orderKey(row[j+2]))
		k3 = max(k3, orderKey(row[j+3]))
	}
	for ; j < len(row); j++ {
		k0 = max(k0, orderKey(row[j]))
	}
	k := max(k0, k1, k2, k3)
	return math.Float32frombits(uint32(k ^ k>>31&0x7fffffff))
}

// orderKey maps float32 to int32 keeping the order of the non-NaN values
// (-0 just below +0); it is its own inverse on the bits.
func orderKey(z float32) int32 {
	b := int32(math.Float32bits(z))
	return b ^ b>>31&0x7fffffff
}

// xentRows is how many rows xentLoss32 takes at a time: their
// exponentials (about 7 KB for the book's 28 characters) stay in L1
// between the passes, and one Exp32 call does them all.
const xentRows = 64

// xentLoss32 is xentLoss64 for float32 logits, computed as PyTorch's
// float32 models compute their cross-entropy: in float32, with each row's
// sum and the loss in float64. For a row z with maximum m and label y:
// e_j = expf(z_j - m), the difference rounded to float32 and expf
// Cephes' (kernels.Exp32: the same bits on every kernel path); s = the sum
// of the e_j in float64, in j order; probs_j = float32(e_j * (1/s)), the
// product in float64 (a multiply costs a fraction of a divide; rounded to
// float32 it is the quotient's float32 but where e_j/s lies within about
// 2^-52 of a float32 rounding boundary); the row's loss m + log(s) - z_y
// in float64. The total adds the rows' losses in order, in float64.
func xentLoss32(probs, logits []float32, labels []int, v int) float64 {
	var total float64
	var rowMax [xentRows]float32
	for lo := 0; lo < len(labels); lo += xentRows {
		hi := min(lo+xentRows, len(labels))
		for i := lo; i < hi; i++ {
			row, p := logits[i*v:(i+1)*v], probs[i*v:(i+1)*v]
			m := rowMax32(row)
			for j, z := range row {
				p[j] = z - m
			}
			rowMax[i-lo] = m
		}
		kernels.Exp32(probs[lo*v:hi*v], probs[lo*v:hi*v])
		for i := lo; i < hi; i++ {
			p := probs[i*v : (i+1)*v]
			var s float64
			for _, e := range p {
				s += float64(e)
			}
			r := 1 / s
			for j, e := range p {
				p[j] = float32(float64(e) * r)
			}
			total += float64(rowMax[i-lo]) + math.Log(s) - float64(logits[i*v+labels[i]])
		}
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
	if p == nil || !p.Shape().Eq(x.Shape()) || p.Dtype() != x.Dtype() {
		return nil, fmt.Errorf("graph: %s: the forward op has not run", o.name)
	}
	out := o.out.get(x.Dtype(), x.Shape()...)
	v := x.Shape()[1]
	scale := g / divisor(o.norm, len(labels))
	par.Range(len(labels), minParElems/v, func(_, lo, hi int) {
		switch od := data(out).(type) {
		case []float32:
			xentGrad32(od[lo*v:hi*v], p.Float32s()[lo*v:hi*v], labels[lo:hi], v, float32(scale))
		case []float64:
			xentGrad64(od[lo*v:hi*v], p.Float64s()[lo*v:hi*v], labels[lo:hi], v, scale)
		}
	})
	return out, nil
}

// xentGrad64 sets dst = (probs - onehot(labels)) * scale, rows of width v.
func xentGrad64(dst, probs []float64, labels []int, v int, scale float64) {
	for i, y := range labels {
		p, d := probs[i*v:(i+1)*v], dst[i*v:(i+1)*v]
		for j, pj := range p {
			d[j] = pj * scale
		}
		d[y] = (p[y] - 1) * scale
	}
}

// xentGrad32 is xentGrad64 in float32, from xentLoss32's float32 probs
// and the scale rounded to float32: dst_j = probs_j * scale, and
// (probs_y - 1) * scale at the label, each operation rounded to float32.
func xentGrad32(dst, probs []float32, labels []int, v int, scale float32) {
	copy(dst, probs)
	kernels.Scale32(dst, scale)
	for i, y := range labels {
		dst[i*v+y] = (probs[i*v+y] - 1) * scale
	}
}
