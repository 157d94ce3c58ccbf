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
package graph
