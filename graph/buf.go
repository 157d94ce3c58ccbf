package graph

import "gorgonia.org/tensor"

// minParElems: elementwise passes over fewer values than this (about 20
// microseconds of work) stay on one goroutine.
const minParElems = 1 << 15

// outBuf is an operator's own output tensor, kept from one run of the
// machine to the next. Gorgonia's TapeMachine drops every register's value
// on Reset, so an op that writes into the value it is offered re-allocates
// its output on every minibatch; an op holding an outBuf allocates once.
//
// This is safe because every node runs exactly once per run and nothing else
// aliases the buffer: the TapeMachine only hands a value to another node
// (as its preallocated output) once every reader of this node has run, and
// values read out of the graph (G.Read) are copies.
type outBuf struct{ d *tensor.Dense }

// get returns the buffer, (re)allocated when the dtype or shape differs.
// Its contents are whatever the previous run left.
func (o *outBuf) get(dt tensor.Dtype, shape ...int) *tensor.Dense {
	if o.d == nil || o.d.Dtype() != dt || !o.d.Shape().Eq(tensor.Shape(shape)) {
		o.d = tensor.New(tensor.Of(dt), tensor.WithShape(shape...))
	}
	return o.d
}
