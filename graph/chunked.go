package graph

import (
	"errors"
	"fmt"
	"time"

	"github.com/unroll/unroll/datasets"
	"github.com/unroll/unroll/internal/kernels"
	"gorgonia.org/tensor"
)

// DefaultChunkSteps is the longest sequence NewRunner unrolls into one
// graph when Config.ChunkSteps is 0: the book's num_steps, 35. Gorgonia's
// compiler takes time that grows with the square of a graph's nodes (its
// code generator scans every register allocated so far for each operand),
// so a graph of thousands of steps would take minutes to compile; a chunk
// of 35 steps compiles in about 10 ms at the book's sizes.
const DefaultChunkSteps = 35

// Runner runs the training or evaluation graph of one minibatch: an
// *Unrolled (the whole sequence in one graph) or a *Chunked (a long
// sequence in chunks). NewRunner picks.
type Runner interface {
	// Run is Unrolled.Run: mb is a minibatch of BatchSize sequences of
	// NumSteps tokens (batch-major, checked against the graph's shape),
	// state the initial state, overwritten with the final one; it returns
	// the mean cross-entropy.
	Run(mb datasets.Minibatch, state []*tensor.Dense) (float64, error)
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
	NumSteps   int           // time steps of a minibatch
	ChunkSteps int           // steps per chunk (= NumSteps when unchunked)
	Parts      int           // row blocks of a minibatch, each its own graphs (0 or 1: one)
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

// NewRunner compiles m for minibatches of cfg.BatchSize sequences of
// cfg.NumSteps steps. The minibatch is split into row blocks run at once
// on the cores as cfg.Parts says (see Parallel), each block as follows. A
// causal model (see Causal) with a loss, no Extend,
// no StateGrad and more steps than cfg.ChunkSteps (DefaultChunkSteps when
// 0) is run in chunks (see Chunked); anything else is unrolled whole
// (Unroll).
func NewRunner(m Model, cfg Config) (Runner, error) {
	parts := cfg.Parts
	if parts == 0 {
		parts = DefaultParts
		if cfg.BatchSize%parts != 0 || cfg.BatchSize < parts*minPartRows || !cfg.Loss || cfg.Extend != nil || cfg.StateGrad {
			parts = 1
		}
	}
	if parts < 1 {
		return nil, fmt.Errorf("graph: NewRunner: Parts %d: want >= 0", cfg.Parts)
	}
	if parts > 1 {
		return NewParallel(m, cfg, parts)
	}
	chunk := cfg.ChunkSteps
	if chunk == 0 {
		chunk = DefaultChunkSteps
	}
	c, causal := m.(Causal)
	if chunk < 0 || cfg.NumSteps <= chunk || !cfg.Loss || cfg.Extend != nil || cfg.StateGrad || !causal || !c.Causal() {
		return Unroll(m, cfg)
	}
	return NewChunked(m, cfg, chunk)
}

// Chunk returns u itself (see Runner).
func (u *Unrolled) Chunk() *Unrolled { return u }

// Summary implements Runner.
func (u *Unrolled) Summary() Summary {
	return Summary{NumSteps: u.NumSteps, ChunkSteps: u.NumSteps, Graphs: 1, Nodes: u.Nodes().Len(), Build: u.BuildTime, Compile: u.CompileTime}
}

// Chunked runs a causal model over NumSteps time steps as consecutive chunks
// of at most ChunkSteps steps, each an unrolled graph compiled once, so
// that compile time does not grow with the steps. Its gradient is exactly
// the whole sequence's (backpropagation through all NumSteps steps, as
// Unroll's graph computes it, up to float rounding): the gradient with
// respect to each chunk's initial state flows into the previous chunk's
// final state. The price is a second forward pass: Run first runs the
// chunks forward to find each chunk's initial state, then each chunk
// forward and backward, from the last to the first.
//
// At most three graphs are compiled: a forward-only chunk, a chunk with
// loss and gradients, and a shorter one for the last chunk when ChunkSteps
// does not divide NumSteps.
type Chunked struct {
	Config
	ChunkSteps int

	fwd   *Unrolled // ChunkSteps steps, the final state only
	full  *Unrolled // ChunkSteps steps, loss and gradients (nil with NoGrad: eval)
	last  *Unrolled // the last chunk when shorter; nil when ChunkSteps divides NumSteps
	n     int       // chunks
	start [][]*tensor.Dense
	seed  []*tensor.Dense
	mbs   []datasets.Minibatch // each chunk's steps of the minibatch
}

// NewChunked compiles m's chunks of chunk steps for cfg (see Chunked).
// cfg needs Loss and no Extend; m must be causal, or the gradient is
// wrong (NewChunked cannot tell).
func NewChunked(m Model, cfg Config, chunk int) (*Chunked, error) {
	if chunk < 1 || cfg.NumSteps < 1 || cfg.BatchSize < 1 {
		return nil, fmt.Errorf("graph: NewChunked: chunk, steps and batch must be >= 1, got %d, %d and %d", chunk, cfg.NumSteps, cfg.BatchSize)
	}
	if !cfg.Loss || cfg.Extend != nil {
		return nil, errors.New("graph: NewChunked: a chunked graph needs Loss and no Extend")
	}
	// As many chunks as chunk steps need, all of one length but a shorter
	// last one: 140 steps in chunks of at most 35 are 4 of 35, and 100 are
	// 34, 34 and 32, not 35, 35 and 30.
	n := (cfg.NumSteps + chunk - 1) / chunk
	chunk = (cfg.NumSteps + n - 1) / n
	c := &Chunked{Config: cfg, ChunkSteps: chunk, n: n}
	tokens := cfg.NumSteps * cfg.BatchSize
	part := func(steps int, role chunkRole) (*Unrolled, error) {
		pc := cfg
		pc.NumSteps, pc.ChunkSteps = steps, -1
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
	if r := cfg.NumSteps - (c.n-1)*chunk; r != chunk {
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
		c.start = append(c.start, zeros(m, cfg.BatchSize, c.full.Loss.Dtype()))
	}
	c.seed = zeros(m, cfg.BatchSize, c.full.Loss.Dtype())
	for k := 0; k < c.n; k++ {
		steps := c.part(k).NumSteps
		n := cfg.BatchSize * steps
		c.mbs = append(c.mbs, datasets.Minibatch{X: make([]int, n), Y: make([]int, n), BatchSize: cfg.BatchSize, NumSteps: steps})
	}
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
func (c *Chunked) Run(mb datasets.Minibatch, state []*tensor.Dense) (float64, error) {
	B, T := c.BatchSize, c.NumSteps
	if mb.BatchSize != B || mb.NumSteps != T {
		return 0, fmt.Errorf("graph: Run: the minibatch is %d x %d (BatchSize x NumSteps), the graph %d x %d", mb.BatchSize, mb.NumSteps, B, T)
	}
	if n := B * T; len(mb.X) != n || len(mb.Y) != n {
		return 0, fmt.Errorf("graph: Run: want %d token ids for X and Y, got %d and %d", n, len(mb.X), len(mb.Y))
	}
	if len(state) != len(c.seed) {
		return 0, fmt.Errorf("graph: Run: want %d state tensors, got %d", len(c.seed), len(state))
	}
	// Held across the chunks: each weight is packed once per minibatch.
	for _, u := range []*Unrolled{c.fwd, c.full, c.last} {
		if u != nil {
			defer kernels.Hold(u.weights...)()
			break
		}
	}
	// Each chunk's steps [t0, t0+steps) of every row.
	for k, part := range c.mbs {
		t0, steps := k*c.ChunkSteps, part.NumSteps
		for b := 0; b < B; b++ {
			copy(part.X[b*steps:(b+1)*steps], mb.X[b*T+t0:])
			copy(part.Y[b*steps:(b+1)*steps], mb.Y[b*T+t0:])
		}
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
			l, err := c.part(k).Run(c.mbs[k], c.start[0])
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
		if _, err := c.fwd.Run(c.mbs[k], c.start[k+1]); err != nil {
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
		l, err := u.Run(c.mbs[k], c.start[k])
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
		switch dd := data(d).(type) {
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
	s := Summary{NumSteps: c.NumSteps, ChunkSteps: c.ChunkSteps}
	for _, u := range []*Unrolled{c.full, c.last, c.fwd} {
		if u != nil {
			s.Graphs++
			s.Nodes += u.Nodes().Len()
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
