// Package graph unrolls a language model over a fixed number of time steps
// into one Gorgonia expression graph, compiled once into a TapeMachine and
// run for every minibatch. The model's equations are written in Gorgonia's
// own ops, and Gorgonia's symbolic differentiation (G.Backpropagate, what
// G.Grad calls) derives every gradient.
//
// A Cell is one time step written as the book writes it, like PyTorch's
// nn.RNNCell(input, hx): it maps X_t (batch, inputs) and the previous state
// to H_t and the next state, with Expr (G.Mul, G.Add, G.HadamardProd,
// G.Rectify, and this package's Tanh, Sigmoid and AddBias). Package
// models holds the book's cells and composes any cell into a Model:
// layers, stacks, bidirectional layers and the output layer. Unroll feeds
// the token ids as one-hot rows X_1..X_T, runs Model.Forward from the
// initial state, stacks the hidden outputs of all steps, applies Model.Output and, for training,
// the mean softmax cross-entropy and its symbolic gradients:
//
//	u, err := graph.Unroll(lm, graph.Config{BatchSize: 32, NumSteps: 35, Loss: true})
//	loss, err := u.Run(mb, state) // mb: a datasets.Minibatch (batch-major, with its shape)
//
// Gradients are then in u.Grads() for a solver (package train) to use.
// Parameters are looked up by name (Vars); Unroll refuses a parameter
// named like one of the graph's own nodes (X_t, Y, O, loss, the initial
// states), which Gorgonia would silently merge.
//
// The few operators of this package are what Gorgonia v0.9.18 lacks or
// gets wrong, each with its own finite-difference test: a numerically
// stable softmax cross-entropy (Gorgonia's SoftMax returns NaN for float32
// logits near 88), StackRows (the gradient of G.Concat on axis 0 is wrong
// past about 256 rows), AddBias (G.BroadcastAdd materialises the
// repeated bias on every step), and Sigmoid and Tanh (Gorgonia's work one
// float64 element at a time and build their gradients from several
// nodes). They keep their output buffers from one run to the next, and
// Run rewinds the machine instead of Reset, which would drop every
// register's buffer.
//
// The gradient of a weight that every step uses (W_hh, W_xz, b_h) is
// summed over the steps in one product (x_1ᵀ dY_1 + ... + x_Tᵀ dY_T as one
// (in, T*B) x (T*B, out) product, sumMulTN) instead of G.Grad's product
// and Add per step: Unroll asks G.Backpropagate for the gradients of the
// weight's uses and adds this last step of the chain rule itself, for
// any model, whose code does not change. Gradient terms nothing reads
// are left out of the compiled machine (Unrolled.Nodes).
//
// NewRunner splits a minibatch into two blocks of sequences (Parallel),
// each a graph of its own run on its own core, and compiles long
// sequences in chunks (Chunked): Gorgonia's compile time grows with the
// square of a graph's nodes, a chunk's does not grow with the steps, and
// the gradient still flows through all of them.
//
// DOT draws an unrolled graph for graphviz as a person reads it: the
// forward pass over the time steps like the book's figure, one cluster per
// step, parameters drawn once and shapes on the edges; optionally the
// backward pass, or many steps summarised. ModelDOT and Render serve
// notebooks, WriteDOTFile commands. When the machine fails, Run returns a
// MachineError naming the failing node, and NeighbourhoodDOT draws that
// node's neighbourhood; Run itself writes no file.
//
// # Speed
//
// Matrix products, Gorgonia's and this package's alike, run on the BLAS
// the build installs with G.Use: this project's own SIMD kernels
// (internal/kernels, AVX-512 or AVX2 chosen at run time, a portable Go
// fallback), with nothing to install. The cores share a
// minibatch in fixed blocks (Parallel's blocks of sequences; a large
// product's column blocks when a core is free), so a run is reproducible
// bit for bit on one machine.
package graph
