package graph

import (
	"reflect"
	"unsafe"

	G "gorgonia.org/gorgonia"
)

// programCounter returns the program counter of a TapeMachine, so that
// Run can set it back to the first instruction and keep the machine's
// registers: the next run writes into the buffers the last one
// allocated. Gorgonia's Reset does the same but also drops every register
// (since gorgonia PR #467), so each run re-allocates all of them: at the
// book's size about 50 MB and 10,000 allocations per minibatch, and the
// time to clear them. The machine's own alloc instruction keeps a
// register whose dtype and shape already fit, and every op that writes a
// preallocated register overwrites it whole, so a rewound run computes
// the same bits (TestRewindSameBits).
//
// The program counter is an unexported field of Gorgonia's tapeMachine
// (v0.9.18, the version go.mod pins): programCounter returns nil, and Run
// falls back to Reset, for any other VM or layout. It is looked up once,
// when the machine is made.
func programCounter(vm G.VM) *int {
	e, ok := tapeMachine(vm)
	if !ok {
		return nil
	}
	pc := e.FieldByName("pc")
	if !pc.IsValid() || pc.Kind() != reflect.Int {
		return nil
	}
	return (*int)(unsafe.Pointer(pc.UnsafeAddr()))
}

// tapeMachine returns the struct vm points to when vm is Gorgonia's
// *tapeMachine (whose fields programCounter and newTape read).
func tapeMachine(vm G.VM) (reflect.Value, bool) {
	v := reflect.ValueOf(vm)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return reflect.Value{}, false
	}
	e := v.Elem()
	if e.Kind() != reflect.Struct || e.Type().Name() != "tapeMachine" || e.Type().PkgPath() != "gorgonia.org/gorgonia" {
		return reflect.Value{}, false
	}
	return e, true
}
