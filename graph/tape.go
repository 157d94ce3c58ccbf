package graph

import (
	"reflect"
	"unsafe"

	G "gorgonia.org/gorgonia"
)

// tape runs a TapeMachine's program on the goroutine that calls run.
//
// Gorgonia's G.VM.RunAll (v0.9.18's tapeMachine) locks the calling
// goroutine to its OS thread, starts a new goroutine that runs the
// program, and waits for it on channels (the design serves the CUDA
// build, whose calls must come from one thread). In the default build
// nothing needs the lock, and it costs two hand-offs between OS threads
// per run: the locked goroutine parks, so the runtime wakes another
// thread to run the program (a futex wake), and when the program ends the
// locked thread is woken back. On the KVM machines this project is
// measured on, a thread woken that way may wait long for a core, and the
// book RNN's minibatch runs two machines at once, one per core, so each
// of the four hand-offs delays the minibatch: with the program run here
// instead, its median time fell to 0.91-0.93 (in-process A/B,
// alternating 12-minibatch rounds, twice; the README's performance
// section), and the runtime's futex calls (2.9% of a one-core profile)
// went away.
//
// run calls the machine's own loop (tapeMachine.runall, what the
// goroutine of G.VM.RunAll runs), then does what G.VM.RunAll does after
// it in this build: it runs the closures the machine queued (Gorgonia
// queues them for dual values bound to identity nodes; none of this
// project's graphs has one). Its other work, flushing batched BLAS calls,
// exists only for a BLAS that batches; with one, and for any other VM or
// if v0.9.18's tapeMachine layout is not found, run is G.VM.RunAll.
type tape struct {
	vm       G.VM
	m        unsafe.Pointer  // the *tapeMachine; nil: G.VM.RunAll
	closures *[]func() error // its closureQueue
	errc     chan error      // the channels of runall, buffered: it runs here
	done     chan struct{}
}

// newTape looks up vm's layout once, when the machine is made.
func newTape(vm G.VM) tape {
	t := tape{vm: vm}
	e, ok := tapeMachine(vm)
	if !ok {
		return t
	}
	q := e.FieldByName("closureQueue")
	if !q.IsValid() || q.Type() != reflect.TypeOf([]func() error(nil)) {
		return t
	}
	// A BLAS that batches its calls (the machine's field b) needs the
	// flushes of G.VM.RunAll.
	if b := e.FieldByName("b"); !b.IsValid() || b.Kind() != reflect.Interface || !b.IsNil() {
		return t
	}
	t.m = e.Addr().UnsafePointer()
	t.closures = (*[]func() error)(unsafe.Pointer(q.UnsafeAddr()))
	t.errc, t.done = make(chan error, 1), make(chan struct{}, 1)
	return t
}

// run runs the program from the machine's program counter to the end.
func (t tape) run() error {
	if t.m == nil {
		return t.vm.RunAll()
	}
	tapeRunall(t.m, t.errc, t.done)
	select {
	case err := <-t.errc:
		return err
	case <-t.done:
	}
	for _, f := range *t.closures {
		if err := f(); err != nil {
			return err
		}
	}
	return nil
}

// tapeRunall is gorgonia's (*tapeMachine).runall, m the receiver: it
// runs the program and sends one value, on errc or on done.
//
//go:linkname tapeRunall gorgonia.org/gorgonia.(*tapeMachine).runall
func tapeRunall(m unsafe.Pointer, errc chan error, done chan struct{})
