// Package graph holds unroll's Gorgonia building blocks: the custom
// operators the book's RNN needs and that Gorgonia v0.9.18 lacks or gets
// wrong (a numerically stable softmax cross-entropy, a row-bias add), and the
// unrolling of a recurrent cell over a fixed number of time steps into one
// expression graph whose gradients come from Gorgonia's symbolic
// differentiation (G.Grad) and run on a TapeMachine.
//
// A model (see package models) implements Cell. Unroll turns it into a
// compiled graph for one (batch, steps) pair, built once and reused for every
// minibatch:
//
//	u, err := graph.Unroll(rnn, graph.Config{Batch: 32, Steps: 35, Loss: true})
//	loss, err := u.Run(x, y, state) // x, y time-major token ids
//
// Gradients are then in u.Grads() for a solver (package train) to use.
//
// DOT draws an unrolled graph for graphviz as a person reads it: the
// forward pass over the time steps like the book's figure, one cluster per
// step, parameters drawn once and shapes on the edges; optionally the
// backward pass, or many steps summarised. ModelDOT and Render serve
// notebooks, WriteDOTFile commands. When the machine fails, Run returns a
// MachineError naming a DOT file of the failing node's neighbourhood.
// # Speed
//
// The RNN's time step is one op, RNNStep: the one-hot product X_t W_xh is
// a gather of rows, the bias is written with it, H_{t-1} W_hh is added by
// one BLAS call and tanh is applied in place. Its gradient computes each
// step's data gradient, and the weight gradients of all steps at once from
// the sequence's first step: W_hh's is one op over all T*B rows (the BLAS
// accumulates the steps' products in place) instead of T products summed
// by Gorgonia's Add nodes. The output layer is one op (Linear) over all
// T*B rows.
//
// Every op of this package keeps its output tensor from one run to the
// next (Gorgonia's TapeMachine.Reset drops register values, so ops that
// use the value they are offered re-allocate it on every minibatch).
// Matrix products go to the BLAS the build selects, which spreads each over
// the cores: gonum's pure Go by default, OpenBLAS with -tags openblas (one
// thread per core; see BLAS, Cores and docs/performance.md). In the pure-Go
// build large elementwise passes are also split over the cores (package
// internal/par), in blocks that do not depend on the scheduling; the
// openblas build runs them on the caller, with AVX2 loops in C. Either way
// a run is reproducible bit for bit on one machine.
package graph
