package graph

import (
	"errors"
	"fmt"
	"time"

	"gorgonia.org/tensor"
)

// DefaultChunkSteps is the longest sequence NewRunner unrolls into one
// graph when Config.ChunkSteps is 0. Gorgonia's compiler takes time that
// grows with the square of a graph's nodes (its code generator scans every
// register allocated so far for each operand), so a graph of thousands of
// steps would take minutes to compile; chunks of this length compile in
// tens of milliseconds at the book's sizes. The book's num_steps, 35, fits
// in one chunk.
const DefaultChunkSteps = 64

// Runner runs the training or evaluation graph of one minibatch: an
// *Unrolled (the whole sequence in one graph) or a *Chunked (a long
// sequence in chunks). NewRunner picks.
type Runner interface {
	// Run is Unrolled.Run: x and y are Steps*Batch token ids in time-major
	// order, state the initial state, overwritten with the final one; it
	// returns the mean cross-entropy.
	Run(x, y []int, state []*tensor.Dense) (float64, error)
	// Grads is Unrolled.Grads: the parameters' gradients of the last Run.
	Grads() ([]*tensor.Dense, error)
	// Chunk is the compiled graph: the whole sequence's for an *Unrolled,
	// a full chunk's for a *Chunked.
	Chunk() *Unrolled
	// Summary says how the sequence was compiled.
	Summary() Summary
	Close() error
}

// Summary says how a Runner compiled its sequence.
type Summary struct {
	Steps      int           // time steps of a minibatch
	ChunkSteps int           // steps per chunk (= Steps when unchunked)
	Graphs     int           // graphs compiled
	Nodes      int           // nodes over all graphs
	Build      time.Duration // building the graphs and their gradients
	Compile    time.Duration // compiling them into TapeMachines
}

// Causal is implemented by a Model whose state after step t depends on
// X_1..X_t only, as in any left-to-right recurrent model (a bidirectional
// one is not causal). Only a model that says so is run in chunks.
type Causal interface {
	Causal() bool
}

// NewRunner compiles m for minibatches of cfg.Batch sequences of
// cfg.Steps steps. A causal model (see Causal) with a loss, no Extend and
// more steps than cfg.ChunkSteps (DefaultChunkSteps when 0) is run in
// chunks (see Chunked); anything else is unrolled whole (Unroll).
func NewRunner(m Model, cfg Config) (Runner, error) {
	chunk := cfg.ChunkSteps
	if chunk == 0 {
		chunk = DefaultChunkSteps
	}
	c, causal := m.(Causal)
	if chunk < 0 || cfg.Steps <= chunk || !cfg.Loss || cfg.Extend != nil || !causal || !c.Causal() {
		return Unroll(m, cfg)
	}
	return NewChunked(m, cfg, chunk)
}

// Chunk returns u itself (see Runner).
func (u *Unrolled) Chunk() *Unrolled { return u }

// Summary implements Runner.
func (u *Unrolled) Summary() Summary {
	return Summary{Steps: u.Steps, ChunkSteps: u.Steps, Graphs: 1, Nodes: u.Graph.AllNodes().Len(), Build: u.BuildTime, Compile: u.CompileTime}
}

// Chunked runs a causal model over Steps time steps as consecutive chunks
// of at most ChunkSteps steps, each an unrolled graph compiled once, so
// that compile time does not grow with the steps. Its gradient is exactly
// the whole sequence's (backpropagation through all Steps steps, as
// Unroll's graph computes it, up to float rounding): the gradient with
// respect to each chunk's initial state flows into the previous chunk's
// final state. The price is a second forward pass: Run first runs the
// chunks forward to find each chunk's initial state, then each chunk
// forward and backward, from the last to the first.
//
// At most three graphs are compiled: a forward-only chunk, a chunk with
// loss and gradients, and a shorter one for the last chunk when ChunkSteps
// does not divide Steps.
type Chunked struct {
	Config
	ChunkSteps int

	fwd   *Unrolled // ChunkSteps steps, the final state only
	full  *Unrolled // ChunkSteps steps, loss and gradients (nil with NoGrad: eval)
	last  *Unrolled // the last chunk when shorter; nil when ChunkSteps divides Steps
	n     int       // chunks
	start [][]*tensor.Dense
	seed  []*tensor.Dense
}

// NewChunked compiles m's chunks of chunk steps for cfg (see Chunked).
// cfg needs Loss and no Extend; m must be causal, or the gradient is
// wrong (NewChunked cannot tell).
func NewChunked(m Model, cfg Config, chunk int) (*Chunked, error) {
	if chunk < 1 || cfg.Steps < 1 || cfg.Batch < 1 {
		return nil, fmt.Errorf("graph: NewChunked: chunk, steps and batch must be >= 1, got %d, %d and %d", chunk, cfg.Steps, cfg.Batch)
	}
	if !cfg.Loss || cfg.Extend != nil {
		return nil, errors.New("graph: NewChunked: a chunked graph needs Loss and no Extend")
	}
	chunk = min(chunk, cfg.Steps)
	c := &Chunked{Config: cfg, ChunkSteps: chunk, n: (cfg.Steps + chunk - 1) / chunk}
	tokens := cfg.Steps * cfg.Batch
	part := func(steps int, role chunkRole) (*Unrolled, error) {
		pc := cfg
		pc.Steps, pc.ChunkSteps = steps, -1
		if role.stateOnly {
			pc.Loss = false
		}
		u, err := unroll(m, pc, role)
		if err != nil {
			return nil, err
		}
		u.accumulate = true
		return u, nil
	}
	role := chunkRole{tokens: tokens, carry: !cfg.NoGrad}
	var err error
	if c.full, err = part(chunk, role); err != nil {
		return nil, err
	}
	if r := cfg.Steps - (c.n-1)*chunk; r != chunk {
		if c.last, err = part(r, role); err != nil {
			return nil, err
		}
	}
	if c.n > 1 && !cfg.NoGrad {
		if c.fwd, err = part(chunk, chunkRole{stateOnly: true}); err != nil {
			return nil, err
		}
	}
	for k := 0; k < c.n; k++ {
		c.start = append(c.start, zeros(m, cfg.Batch, c.full.Loss.Dtype()))
	}
	c.seed = zeros(m, cfg.Batch, c.full.Loss.Dtype())
	return c, nil
}

func zeros(m Model, batch int, dt tensor.Dtype) []*tensor.Dense {
	var out []*tensor.Dense
	for _, s := range m.States() {
		out = append(out, tensor.New(tensor.Of(dt), tensor.WithShape(batch, s.Size)))
	}
	return out
}

// part returns the graph of chunk k.
func (c *Chunked) part(k int) *Unrolled {
	if k == c.n-1 && c.last != nil {
		return c.last
	}
	return c.full
}

// Run implements Runner.
func (c *Chunked) Run(x, y []int, state []*tensor.Dense) (float64, error) {
	n, b := c.Steps*c.Batch, c.Batch
	if len(x) != n || len(y) != n {
		return 0, fmt.Errorf("graph: Run: want %d token ids for x and y, got %d and %d", n, len(x), len(y))
	}
	if len(state) != len(c.seed) {
		return 0, fmt.Errorf("graph: Run: want %d state tensors, got %d", len(c.seed), len(state))
	}
	span := func(k int) (lo, hi int) {
		return k * c.ChunkSteps * b, min((k+1)*c.ChunkSteps, c.Steps) * b
	}
	for i, s := range state {
		if s.DataSize() != c.start[0][i].DataSize() {
			return 0, fmt.Errorf("graph: Run: state %d has %d values, want %d", i, s.DataSize(), c.start[0][i].DataSize())
		}
		copyDense(c.start[0][i], s)
	}
	if c.NoGrad {
		// Evaluation: the chunks in order, each from the last one's state.
		var loss float64
		for k := 0; k < c.n; k++ {
			lo, hi := span(k)
			l, err := c.part(k).Run(x[lo:hi], y[lo:hi], c.start[0])
			if err != nil {
				return 0, err
			}
			loss += l
		}
		for i, s := range state {
			copyDense(s, c.start[0][i])
		}
		return loss, nil
	}

	// The forward pass: each chunk's initial state.
	for k := 0; k+1 < c.n; k++ {
		for i := range state {
			copyDense(c.start[k+1][i], c.start[k][i])
		}
		lo, hi := span(k)
		if _, err := c.fwd.Run(x[lo:hi], nil, c.start[k+1]); err != nil {
			return 0, err
		}
	}
	// Backward through the chunks, from the last: each adds its share of
	// the loss and its parameters' gradients; the gradient with respect to
	// its initial state is the next one's seed.
	c.full.ZeroGrads()
	if c.last != nil {
		c.last.ZeroGrads()
	}
	for _, s := range c.seed {
		s.Zero()
	}
	var loss float64
	for k := c.n - 1; k >= 0; k-- {
		u := c.part(k)
		for i, s := range c.seed {
			copyDense(u.seedV[i], s)
		}
		lo, hi := span(k)
		l, err := u.Run(x[lo:hi], y[lo:hi], c.start[k])
		if err != nil {
			return 0, err
		}
		loss += l
		for i, s := range c.seed {
			d, err := dense("Run", u.dStateV[i])
			if err != nil {
				return 0, fmt.Errorf("graph: Run: the gradient of state %d: %w", i, err)
			}
			copyDense(s, d)
		}
	}
	for i, s := range state {
		copyDense(s, c.start[c.n-1][i])
	}
	if c.last != nil {
		if err := c.addLast(); err != nil {
			return 0, err
		}
	}
	return loss, nil
}

// addLast adds the last chunk's gradients to the full chunks', which
// Grads returns.
func (c *Chunked) addLast() error {
	dst, err := c.full.Grads()
	if err != nil {
		return err
	}
	src, err := c.last.Grads()
	if err != nil {
		return err
	}
	for i, d := range dst {
		switch dd := d.Data().(type) {
		case []float32:
			for j, v := range src[i].Float32s() {
				dd[j] += v
			}
		case []float64:
			for j, v := range src[i].Float64s() {
				dd[j] += v
			}
		}
	}
	return nil
}

// Grads implements Runner: the whole sequence's gradients after a Run.
func (c *Chunked) Grads() ([]*tensor.Dense, error) {
	if c.NoGrad {
		return nil, errors.New("graph: Grads: the graph has no gradients (NoGrad)")
	}
	return c.full.Grads()
}

// Chunk returns the graph of a full chunk (see Runner).
func (c *Chunked) Chunk() *Unrolled { return c.full }

// Summary implements Runner.
func (c *Chunked) Summary() Summary {
	s := Summary{Steps: c.Steps, ChunkSteps: c.ChunkSteps}
	for _, u := range []*Unrolled{c.full, c.last, c.fwd} {
		if u != nil {
			s.Graphs++
			s.Nodes += u.Graph.AllNodes().Len()
			s.Build += u.BuildTime
			s.Compile += u.CompileTime
		}
	}
	return s
}

// Close releases the machines.
func (c *Chunked) Close() error {
	var errs []error
	for _, u := range []*Unrolled{c.full, c.last, c.fwd} {
		if u != nil {
			errs = append(errs, u.Close())
		}
	}
	return errors.Join(errs...)
}
