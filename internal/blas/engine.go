package blas

import (
	"slices"
	"sync"

	"gorgonia.org/tensor"

	"github.com/unroll/unroll/internal/kernels"
)

// Engine is tensor's standard engine with its elementwise Add, Sub and
// Mul of two tensors on package kernels' vector loops (AVX-512, AVX2 or
// Go, the path in use) where both operands, and the tensor reused or
// incremented if any, are plain float32 or float64 *tensor.Dense of one
// shape: contiguous row-major, not views, unmasked, at least two elements
// (StdEng treats one element as a scalar). Everything else goes to
// tensor.StdEng unchanged.
//
// The results are StdEng's bit for bit, options included (WithReuse,
// WithIncr, UseUnsafe, or a new tensor): each element is the same IEEE
// operation as in tensor's Go loops. The graphs' TapeMachines run on it
// (graph passes G.WithEngine), which makes it the engine of every value
// they hold, so Gorgonia's Add, Sub and HadamardProd ops, and the sums of
// G.Grad's gradients, reach it through tensor.Add, Sub and Mul.
type Engine struct{ tensor.StdEng }

// Add is a + b.
func (e Engine) Add(a, b tensor.Tensor, opts ...tensor.FuncOpt) (tensor.Tensor, error) {
	if r := binary(kernels.Add, a, b, opts); r != nil {
		return r, nil
	}
	return e.StdEng.Add(a, b, opts...)
}

// Sub is a - b.
func (e Engine) Sub(a, b tensor.Tensor, opts ...tensor.FuncOpt) (tensor.Tensor, error) {
	if r := binary(kernels.Sub, a, b, opts); r != nil {
		return r, nil
	}
	return e.StdEng.Sub(a, b, opts...)
}

// Mul is a * b, elementwise.
func (e Engine) Mul(a, b tensor.Tensor, opts ...tensor.FuncOpt) (tensor.Tensor, error) {
	if r := binary(kernels.Mul, a, b, opts); r != nil {
		return r, nil
	}
	return e.StdEng.Mul(a, b, opts...)
}

// optPool recycles the parsed options (tensor's own pool is unexported).
var optPool = sync.Pool{New: func() any { return new(tensor.OpOpt) }}

// binary computes a op b as StdEng would, or returns nil (having changed
// nothing) when the operands are not the plain case.
func binary(op kernels.Op, a, b tensor.Tensor, opts []tensor.FuncOpt) tensor.Tensor {
	ad, ok := a.(*tensor.Dense)
	if !ok || !plain(ad) {
		return nil
	}
	bd, ok := b.(*tensor.Dense)
	if !ok || !plain(bd) || bd.Dtype() != ad.Dtype() || !slices.Equal(ad.Shape(), bd.Shape()) {
		return nil
	}
	o := optPool.Get().(*tensor.OpOpt)
	for _, f := range opts {
		f(o)
	}
	reuse, incr := o.IncrReuse()
	safe := o.Safe()
	*o = tensor.OpOpt{}
	optPool.Put(o)
	var rd *tensor.Dense
	if reuse != nil {
		// StdEng reshapes (or rejects) a reuse tensor of another shape:
		// leave that to it.
		if rd, ok = reuse.(*tensor.Dense); !ok || !plain(rd) || rd.Dtype() != ad.Dtype() || !slices.Equal(rd.Shape(), ad.Shape()) {
			return nil
		}
	}
	var dst *tensor.Dense
	switch {
	case reuse != nil:
		dst = rd
	case !safe:
		dst = ad
	default:
		dst = ad.Clone().(*tensor.Dense)
	}
	switch ad.Dtype() {
	case tensor.Float32:
		run(op, incr, dst.Float32s(), ad.Float32s(), bd.Float32s(), kernels.Binary32, kernels.BinaryIncr32)
	case tensor.Float64:
		run(op, incr, dst.Float64s(), ad.Float64s(), bd.Float64s(), kernels.Binary64, kernels.BinaryIncr64)
	}
	return dst
}

// run is dst = a op b, or dst += a op b when incr.
func run[T float32 | float64](op kernels.Op, incr bool, dst, a, b []T, plain, inc func(kernels.Op, []T, []T, []T)) {
	if incr {
		inc(op, dst, a, b)
		return
	}
	plain(op, dst, a, b)
}

// plain reports whether t is a float32 or float64 tensor of at least two
// elements that StdEng would run through its plain loops: contiguous,
// row-major, not a view or transposed, unmasked, in Go memory, its data
// exactly its shape's size.
func plain(t *tensor.Dense) bool {
	if dt := t.Dtype(); dt != tensor.Float32 && dt != tensor.Float64 {
		return false
	}
	n := t.Shape().TotalSize()
	return n >= 2 && t.DataSize() == n && t.DataOrder() == 0 &&
		!t.IsMaterializable() && !t.RequiresIterator() && !t.IsMasked() &&
		t.IsNativelyAccessible()
}
