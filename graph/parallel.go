package graph

import (
	"errors"
	"fmt"

	"github.com/unroll/unroll/datasets"
	"github.com/unroll/unroll/internal/kernels"
	"github.com/unroll/unroll/internal/par"
	"gorgonia.org/tensor"
)

// DefaultParts is the number of row blocks NewRunner splits a minibatch
// into when Config.Parts is 0 (see Parallel): two, this project's
// machines' cores. It does not follow the machine's cores, so that the
// same seed gives the same bits on any machine.
const DefaultParts = 2

// minPartRows: NewRunner's default split leaves every part at least this
// many sequences (fewer rows make the matrix products too thin to pay).
const minPartRows = 8

// Parallel runs a minibatch as Parts blocks of consecutive sequences
// (rows), each a Runner of its own compiled for its rows, at once on the
// machine's cores (package par), and combines them: the loss and every
// gradient are the blocks' weighted by their share of the rows, added in
// block order. The blocks are fixed by BatchSize and Parts alone, so a
// run gives the same bits whatever the scheduling and however many cores
// the machine has (one core runs the blocks one after the other). The
// result equals one graph's over all the rows up to float rounding: the
// mean cross-entropy is a mean over the rows, and so is its gradient.
//
// Every Gorgonia op of a graph runs on one core; with the blocks on all
// of them, the work that one graph does between its matrix products (the
// elementwise ops, Gorgonia's bookkeeping) is done in parallel too.
type Parallel struct {
	Config
	parts  []Runner
	rows   []int                // first row of each part; rows[len(parts)] = BatchSize
	states [][]*tensor.Dense    // each part's state tensors
	mbs    []datasets.Minibatch // each part's rows of the minibatch
	losses []float64
	errs   []error
	grads  [][]*tensor.Dense // each part's gradients, after Run
}

// NewParallel compiles m for minibatches of cfg.BatchSize sequences split
// into parts blocks of (nearly) equal rows, each compiled by NewRunner
// with Parts 1 (chunked when long). It needs a loss, and neither Extend
// nor StateGrad (whose nodes belong to one graph).
func NewParallel(m Model, cfg Config, parts int) (*Parallel, error) {
	if parts < 1 || cfg.BatchSize < parts {
		return nil, fmt.Errorf("graph: NewParallel: %d parts of a batch of %d: want 1 <= parts <= batch", parts, cfg.BatchSize)
	}
	if !cfg.Loss || cfg.Extend != nil || cfg.StateGrad {
		return nil, errors.New("graph: NewParallel: the parts need Loss, and neither Extend nor StateGrad")
	}
	p := &Parallel{Config: cfg, rows: make([]int, parts+1)}
	for i := range p.rows {
		p.rows[i] = cfg.BatchSize * i / parts
	}
	for i := 0; i < parts; i++ {
		c := cfg
		c.BatchSize, c.Parts = p.rows[i+1]-p.rows[i], 1
		r, err := NewRunner(m, c)
		if err != nil {
			p.Close()
			return nil, err
		}
		p.parts = append(p.parts, r)
		var st []*tensor.Dense
		for _, s := range m.States() {
			st = append(st, tensor.New(tensor.Of(m.Params()[0].Value.Dtype()), tensor.WithShape(c.BatchSize, s.Size)))
		}
		p.states = append(p.states, st)
	}
	p.mbs = make([]datasets.Minibatch, parts)
	p.losses, p.errs, p.grads = make([]float64, parts), make([]error, parts), make([][]*tensor.Dense, parts)
	return p, nil
}

// Run is Unrolled.Run over the parts (see Parallel).
func (p *Parallel) Run(mb datasets.Minibatch, state []*tensor.Dense) (float64, error) {
	B, T := p.BatchSize, p.NumSteps
	if mb.BatchSize != B || mb.NumSteps != T {
		return 0, fmt.Errorf("graph: Run: the minibatch is %d x %d (BatchSize x NumSteps), the graph %d x %d", mb.BatchSize, mb.NumSteps, B, T)
	}
	if len(mb.X) != B*T || len(mb.Y) != B*T {
		return 0, fmt.Errorf("graph: Run: want %d token ids for X and Y, got %d and %d", B*T, len(mb.X), len(mb.Y))
	}
	if len(state) != len(p.states[0]) {
		return 0, fmt.Errorf("graph: Run: want %d state tensors, got %d", len(p.states[0]), len(state))
	}
	for i := range p.parts {
		lo, hi := p.rows[i], p.rows[i+1]
		p.mbs[i] = datasets.Minibatch{X: mb.X[lo*T : hi*T], Y: mb.Y[lo*T : hi*T], BatchSize: hi - lo, NumSteps: T}
		for j, s := range state {
			if s.DataSize() != B*p.states[i][j].Shape()[1] {
				return 0, fmt.Errorf("graph: Run: state %d has %d values, want %d", j, s.DataSize(), B*p.states[i][j].Shape()[1])
			}
			copyRows(p.states[i][j], s, lo, hi, false)
		}
	}
	// Held across the parts, so the transposed weights are made once.
	release := kernels.Hold(p.parts[0].Chunk().weights...)
	defer release()
	par.Do(len(p.parts), func(i int) {
		p.losses[i], p.errs[i] = p.parts[i].Run(p.mbs[i], p.states[i])
		if p.errs[i] == nil && !p.NoGrad {
			p.grads[i], p.errs[i] = p.parts[i].Grads()
		}
	})
	if err := errors.Join(p.errs...); err != nil {
		return 0, err
	}
	loss := 0.0
	for i := range p.parts {
		loss += p.weight(i) * p.losses[i]
		for j, s := range state {
			copyRows(p.states[i][j], s, p.rows[i], p.rows[i+1], true)
		}
	}
	if !p.NoGrad {
		for j, g := range p.grads[0] {
			combine(g, p.grads, j, p.weight)
		}
	}
	return loss, nil
}

// weight is part i's share of the rows.
func (p *Parallel) weight(i int) float64 {
	return float64(p.rows[i+1]-p.rows[i]) / float64(p.BatchSize)
}

// combine sets dst (part 0's gradient j) to the sum over the parts of
// weight(i) * grads[i][j], in part order, in blocks over the cores (each
// element the same operations in any block).
func combine(dst *tensor.Dense, grads [][]*tensor.Dense, j int, weight func(int) float64) {
	switch d := data(dst).(type) {
	case []float32:
		par.Range(len(d), minParElems, func(_, lo, hi int) {
			// d *= w0, d += w*s: the same bits in SIMD.
			kernels.Scale32(d[lo:hi], float32(weight(0)))
			for i := 1; i < len(grads); i++ {
				kernels.Axpy32(d[lo:hi], grads[i][j].Float32s()[lo:hi], float32(weight(i)))
			}
		})
	case []float64:
		par.Range(len(d), minParElems, func(_, lo, hi int) {
			w0 := weight(0)
			for k := lo; k < hi; k++ {
				d[k] *= w0
			}
			for i := 1; i < len(grads); i++ {
				w, s := weight(i), grads[i][j].Float64s()
				for k := lo; k < hi; k++ {
					d[k] += w * s[k]
				}
			}
		})
	}
}

// copyRows copies rows [lo, hi) of whole into part (back: part into
// whole's rows).
func copyRows(part, whole *tensor.Dense, lo, hi int, back bool) {
	w := part.Shape()[1]
	switch d := data(whole).(type) {
	case []float32:
		if back {
			copy(d[lo*w:hi*w], part.Float32s())
		} else {
			copy(part.Float32s(), d[lo*w:hi*w])
		}
	case []float64:
		if back {
			copy(d[lo*w:hi*w], part.Float64s())
		} else {
			copy(part.Float64s(), d[lo*w:hi*w])
		}
	}
}

// Grads returns the parameters' gradients of the last Run: the first
// part's tensors, into which Run combined all the parts'. They belong to
// the runner, as Unrolled.Grads' do.
func (p *Parallel) Grads() ([]*tensor.Dense, error) {
	if p.NoGrad {
		return nil, errors.New("graph: Grads: the graph was built with NoGrad")
	}
	if p.grads[0] == nil {
		return p.parts[0].Grads()
	}
	return p.grads[0], nil
}

// Chunk returns the first part's compiled graph (a graph of its rows,
// not of the whole BatchSize).
func (p *Parallel) Chunk() *Unrolled { return p.parts[0].Chunk() }

// Summary adds up the parts' graphs.
func (p *Parallel) Summary() Summary {
	s := p.parts[0].Summary()
	for _, r := range p.parts[1:] {
		o := r.Summary()
		s.Graphs += o.Graphs
		s.Nodes += o.Nodes
		s.Build += o.Build
		s.Compile += o.Compile
	}
	s.Parts = len(p.parts)
	return s
}

// Close releases every part's machines.
func (p *Parallel) Close() error {
	var errs []error
	for _, r := range p.parts {
		errs = append(errs, r.Close())
	}
	return errors.Join(errs...)
}
