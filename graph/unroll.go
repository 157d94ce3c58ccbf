package graph

import (
	"errors"
	"fmt"
	"time"

	"github.com/unroll/unroll/datasets"
	"github.com/unroll/unroll/internal/kernels"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Config fixes the shape of an unrolled graph: Gorgonia checks shapes
// exactly, so one graph serves one (BatchSize, NumSteps) pair.
type Config struct {
	BatchSize int // minibatch size (the book's batch_size)
	NumSteps  int // time steps unrolled (the book's num_steps)
	// Loss adds labels, the mean cross-entropy over NumSteps*BatchSize
	// tokens and its symbolic gradients with respect to every parameter.
	// Without it the graph only computes logits and the next state (for
	// generation).
	Loss bool
	// ChunkSteps is the longest sequence NewRunner compiles into one graph
	// (0: DefaultChunkSteps; negative: no limit). Unroll ignores it.
	ChunkSteps int
	// Parts is the number of row blocks NewRunner splits each minibatch
	// into, each run by a graph of its own on its own core (see Parallel):
	// 0 means DefaultParts when the batch divides into parts of at least
	// 8 sequences, and the graph needs no Extend or StateGrad, else 1; 1
	// means one graph for all rows. Unroll ignores it.
	Parts int
	// NoGrad, with Loss, leaves out the gradients: the graph computes the
	// loss only, for evaluation (validation perplexity) without updating.
	NoGrad bool
	// StateGrad, with Loss and gradients, also derives the gradient of the
	// loss with respect to every initial state (dL/dH_0, and dL/dC_0 for
	// the LSTM), which StateGrads returns after each Run: what truncated
	// backpropagation leaves out, or what a caller needs to chain graphs.
	// Off, the graph costs nothing more. Unroll's graphs only.
	StateGrad bool
	// Extend, if set, is called once the graph is built (loss and
	// parameter gradients included) and before it is compiled. It may add
	// nodes to u.Graph, such as gradients with respect to the hidden
	// states (G.Backpropagate), and G.Read their values, which every Run
	// then computes.
	Extend func(u *Unrolled) error
}

// Unrolled is a model unrolled over NumSteps time steps and compiled into a
// TapeMachine. It is built once and run for every minibatch.
type Unrolled struct {
	Config
	Graph  *G.ExprGraph
	Params G.Nodes   // parameter nodes, in Model.Params order
	X      []*G.Node // one-hot inputs per step, each (BatchSize, VocabSize)
	Y      *G.Node   // labels, time-major (NumSteps*BatchSize); nil without Loss
	State  G.Nodes   // initial state, each (BatchSize, size), in Model.States order
	Hidden []*G.Node // the model's output per step, each (BatchSize, hiddens)
	Final  G.Nodes   // the state after the last step, in Model.States order
	Logits *G.Node   // time-major (NumSteps*BatchSize, vocab)
	Loss   *G.Node   // mean cross-entropy; nil without Loss

	// BuildTime is the time Unroll took to build the graph and its
	// symbolic gradients, CompileTime the time NewTapeMachine took.
	BuildTime, CompileTime time.Duration

	model   Model
	vocab   int
	xs      []*tensor.Dense
	xids    [][]int            // each step's token ids, rows of xs
	oneHots *kernels.OneHotSet // xs marked one-hot with xids for a run
	ys      *tensor.Dense
	lossV   G.Value
	logitsV G.Value
	stateV  []G.Value
	vm      G.VM

	// What Chunked adds to a chunk's graph (see chunkRole).
	role       chunkRole
	seedV      []*tensor.Dense // with role.carry: dL/dS_T from later chunks
	dStateV    []G.Value       // with role.carry or StateGrad: dL/dS_0, read out
	accumulate bool            // Run adds to the gradients instead of zeroing them first

	weights      []any            // the parameters' values, held constant during a run (kernels.Hold)
	dead         map[*G.Node]bool // gradient nodes nothing reads (symbolicGrads), not compiled
	pc           *int             // the machine's program counter (programCounter); nil: Reset every run
	resetEachRun bool             // Reset the machine (dropping its buffers) instead of rewinding it; for tests
	tape         tape             // runs the machine's program on the caller (see tape)
}

// chunkRole is what Chunked asks of one chunk's graph.
type chunkRole struct {
	// stateOnly: the graph computes the state after its last step only (no
	// output layer, no loss): Chunked's forward pass.
	stateOnly bool
	// carry, with Loss: the gradient of the later chunks' loss with respect
	// to this chunk's final state enters through one input per state
	// (seedV), added to the loss as sum(S_T * seed); the gradient with
	// respect to the initial state is read out (dStateV).
	carry bool
	// tokens, with Loss: the summed cross-entropy is divided by this (the
	// whole sequence's tokens) instead of the chunk's own.
	tokens int
}

// Unroll builds the graph of m over cfg.NumSteps steps and compiles it: the
// one-hot inputs X_1..X_T, the model's Forward over them from the initial
// state, its Output over the hidden outputs of all steps stacked, and with
// cfg.Loss the mean softmax cross-entropy and G.Grad's symbolic gradients
// with respect to every parameter.
func Unroll(m Model, cfg Config) (*Unrolled, error) {
	return unroll(m, cfg, chunkRole{})
}

func unroll(m Model, cfg Config, role chunkRole) (*Unrolled, error) {
	if cfg.BatchSize < 1 || cfg.NumSteps < 1 {
		return nil, fmt.Errorf("graph: Unroll: batch and steps must be >= 1, got %d and %d", cfg.BatchSize, cfg.NumSteps)
	}
	params := m.Params()
	if len(params) == 0 {
		return nil, errors.New("graph: Unroll: model has no parameters")
	}
	if err := checkNames(params, m.States(), cfg.NumSteps); err != nil {
		return nil, fmt.Errorf("graph: Unroll: %w", err)
	}
	vocab := m.VocabSize()
	if vocab < 1 {
		return nil, fmt.Errorf("graph: Unroll: vocabulary size must be >= 1, got %d", vocab)
	}
	start := time.Now()
	dt := params[0].Value.Dtype()
	g := G.NewGraph()
	u := &Unrolled{Config: cfg, Graph: g, model: m, vocab: vocab, role: role}

	byName := make(map[string]*G.Node, len(params))
	for _, p := range params {
		if p.Value.Dtype() != dt {
			return nil, fmt.Errorf("graph: Unroll: parameter %s is %v, %s is %v: one dtype for all", p.Name, p.Value.Dtype(), params[0].Name, dt)
		}
		// A header of its own over the parameter's values: Gorgonia
		// transposes a product's operand in place (its AP) for Aᵀ × B,
		// which would race with another graph of the same model running
		// at once (Parallel). The values are shared, so an update is
		// seen by every graph.
		view := tensor.New(tensor.WithShape(p.Value.Shape().Clone()...), tensor.WithBacking(p.Value.Data()))
		n := G.NodeFromAny(g, view, G.WithName(p.Name))
		u.weights = append(u.weights, view.Data())
		u.Params = append(u.Params, n)
		byName[p.Name] = n
	}
	for _, s := range m.States() {
		n := G.NewMatrix(g, dt, G.WithShape(cfg.BatchSize, s.Size), G.WithName(s.Name+"_0"))
		u.State = append(u.State, n)
	}
	for t := 0; t < cfg.NumSteps; t++ {
		xt := tensor.New(tensor.Of(dt), tensor.WithShape(cfg.BatchSize, vocab))
		x := G.NewMatrix(g, dt, G.WithShape(cfg.BatchSize, vocab), G.WithName(fmt.Sprintf("X_%d", t+1)), G.WithValue(xt))
		u.xs = append(u.xs, xt)
		u.X = append(u.X, x)
	}

	p := NewVars(byName)
	hs, final, err := m.Forward(p, u.X, u.State)
	if err != nil {
		return nil, fmt.Errorf("graph: Unroll: forward: %w", err)
	}
	if len(hs) != cfg.NumSteps || len(final) != len(u.State) {
		return nil, fmt.Errorf("graph: Unroll: forward returned %d outputs and %d states, want %d and %d", len(hs), len(final), cfg.NumSteps, len(u.State))
	}
	u.Hidden, u.Final = hs, final
	u.stateV = make([]G.Value, len(final))
	for i, s := range final {
		G.Read(s, &u.stateV[i])
	}
	if role.stateOnly {
		return u.compile(start)
	}

	stacked := hs[0]
	if cfg.NumSteps > 1 {
		if stacked, err = StackRows(hs...); err != nil {
			return nil, fmt.Errorf("graph: Unroll: stacking hidden outputs: %w", err)
		}
	}
	logits, err := m.Output(p, stacked)
	if err != nil {
		return nil, fmt.Errorf("graph: Unroll: output: %w", err)
	}
	if s := logits.Shape(); len(s) != 2 || s[0] != cfg.NumSteps*cfg.BatchSize || s[1] != vocab {
		return nil, fmt.Errorf("graph: Unroll: output has shape %v, want (%d, %d)", s, cfg.NumSteps*cfg.BatchSize, vocab)
	}
	G.WithName("O")(logits)
	u.Logits = logits
	G.Read(logits, &u.logitsV)

	if cfg.Loss {
		u.ys = tensor.New(tensor.Of(tensor.Int), tensor.WithShape(cfg.NumSteps*cfg.BatchSize))
		u.Y = G.NewVector(g, tensor.Int, G.WithShape(cfg.NumSteps*cfg.BatchSize), G.WithName("Y"), G.WithValue(u.ys))
		if role.tokens > 0 {
			u.Loss, err = softmaxCrossEntropyOver(logits, u.Y, role.tokens)
		} else {
			u.Loss, err = SoftmaxCrossEntropy(logits, u.Y)
		}
		if err != nil {
			return nil, fmt.Errorf("graph: Unroll: loss: %w", err)
		}
		G.WithName("loss")(u.Loss)
		G.Read(u.Loss, &u.lossV)
		if !cfg.NoGrad {
			if err := u.grad(); err != nil {
				return nil, fmt.Errorf("graph: Unroll: symbolic gradient: %w", err)
			}
		}
	}
	if cfg.Extend != nil {
		if err := cfg.Extend(u); err != nil {
			return nil, fmt.Errorf("graph: Unroll: extending the graph: %w", err)
		}
	}
	return u.compile(start)
}

// grad adds the symbolic gradients (symbolicGrads, G.Backpropagate's) of
// the loss with respect to every parameter; with StateGrad, with respect
// to the initial states too; with role.carry, of the loss plus
// sum(S_T * seed) over the final states, and with respect to the initial
// states too.
func (u *Unrolled) grad() error {
	if !u.role.carry && !u.StateGrad {
		_, dead, err := symbolicGrads(u.Loss, u.Params, u.Params)
		u.dead = dead
		return err
	}
	cost, wrt := u.Loss, append(G.Nodes{}, u.Params...)
	if !u.role.carry {
		wrt = append(wrt, u.State...)
	}
	for i, s := range u.model.States() {
		if !u.role.carry {
			break
		}
		seed := tensor.New(tensor.Of(u.Loss.Dtype()), tensor.WithShape(u.BatchSize, s.Size))
		in := G.NewMatrix(u.Graph, seed.Dtype(), G.WithShape(u.BatchSize, s.Size), G.WithName(fmt.Sprintf("dloss/d%s_%d", s.Name, u.NumSteps)), G.WithValue(seed))
		prod, err := G.HadamardProd(u.Final[i], in)
		if err != nil {
			return err
		}
		sum, err := G.Sum(prod)
		if err != nil {
			return err
		}
		if cost, err = G.Add(cost, sum); err != nil {
			return err
		}
		u.seedV = append(u.seedV, seed)
		wrt = append(wrt, u.State[i])
	}
	grads, dead, err := symbolicGrads(cost, wrt, u.Params)
	u.dead = dead
	if err != nil {
		return err
	}
	u.dStateV = make([]G.Value, len(u.State))
	for i := range u.State {
		G.Read(grads[len(u.Params)+i], &u.dStateV[i])
	}
	return nil
}

// compile makes the TapeMachine; start is when the build began.
func (u *Unrolled) compile(start time.Time) (*Unrolled, error) {
	opts := []G.VMOpt{G.WithEngine(engine)}
	if u.Loss != nil && !u.NoGrad {
		opts = append(opts, G.BindDualValues(u.Params...))
	}
	compile := time.Now()
	u.BuildTime = compile.Sub(start)
	prog := u.Graph
	if len(u.dead) > 0 {
		prog = u.Graph.Subgraph(u.Nodes()...)
	}
	u.vm = G.NewTapeMachine(prog, opts...)
	u.pc = programCounter(u.vm)
	u.tape = newTape(u.vm)
	u.CompileTime = time.Since(compile)
	return u, nil
}

// Nodes returns the nodes of u.Graph that the machine computes: all but
// the gradient terms that nothing uses, which G.Backpropagate adds (the
// gradients of the one-hot inputs, and the per-step terms of weights whose
// gradient is summed over the steps at once; see symbolicGrads).
func (u *Unrolled) Nodes() G.Nodes {
	if len(u.dead) == 0 {
		return u.Graph.AllNodes()
	}
	live := make(G.Nodes, 0, len(u.Graph.AllNodes()))
	for _, n := range u.Graph.AllNodes() {
		if !u.dead[n] {
			live = append(live, n)
		}
	}
	return live
}

// Run executes the graph for one minibatch. mb holds BatchSize sequences
// of NumSteps token ids in its documented batch-major layout (the book's
// (batch_size, num_steps): row b, step t at index b*NumSteps+t); its
// BatchSize and NumSteps must be the graph's, and with Loss it needs its
// targets Y (without Loss Y is ignored and may be nil).
//
// Ownership: state holds one tensor per Model.States entry, each
// (BatchSize, size). Run reads it as the initial state and then overwrites
// it in place with the state after the last step, so passing the same
// tensors to the next Run carries the state from minibatch to minibatch
// (without backpropagating into the past), as sequential sampling does;
// clone them first to keep the initial state. Run keeps neither mb nor
// state. It returns the mean cross-entropy (0 without Loss). The tensors
// of LogitsValue, Grads and StateGrads belong to the machine: the next Run
// overwrites them (after a Run with Loss, Grads holds this minibatch's
// parameter gradients), so copy what you keep.
func (u *Unrolled) Run(mb datasets.Minibatch, state []*tensor.Dense) (float64, error) {
	B, T := u.BatchSize, u.NumSteps
	n := B * T
	if mb.BatchSize != B || mb.NumSteps != T {
		return 0, fmt.Errorf("graph: Run: the minibatch is %d x %d (BatchSize x NumSteps), the graph %d x %d", mb.BatchSize, mb.NumSteps, B, T)
	}
	if len(mb.X) != n || (u.Loss != nil && len(mb.Y) != n) {
		return 0, fmt.Errorf("graph: Run: want %d token ids for X and Y, got %d and %d", n, len(mb.X), len(mb.Y))
	}
	if len(state) != len(u.State) {
		return 0, fmt.Errorf("graph: Run: want %d state tensors, got %d", len(u.State), len(state))
	}
	for _, id := range mb.X {
		if id < 0 || id >= u.vocab {
			return 0, fmt.Errorf("graph: Run: token id %d outside the vocabulary [0, %d)", id, u.vocab)
		}
	}
	if u.xids == nil {
		u.xids = make([][]int, len(u.xs))
		xs := make([]any, len(u.xs))
		for t := range u.xids {
			u.xids[t], xs[t] = make([]int, B), u.xs[t].Data()
		}
		u.oneHots = kernels.NewOneHotSet(xs, u.vocab, u.xids)
	}
	for t, xt := range u.xs {
		oneHot(xt, mb.X, t, T)
		for b := range u.xids[t] {
			u.xids[t][b] = mb.X[b*T+t]
		}
	}
	if u.ys != nil {
		ys := u.ys.Ints() // time-major, as the stacked logits
		for b := 0; b < B; b++ {
			for t, y := range mb.Y[b*T : (b+1)*T] {
				ys[t*B+b] = y
			}
		}
	}
	for i, s := range state {
		if err := G.Let(u.State[i], s); err != nil {
			return 0, fmt.Errorf("graph: Run: state %d: %w", i, err)
		}
	}
	if u.Loss != nil && !u.NoGrad && !u.accumulate {
		u.ZeroGrads()
	}
	if u.pc != nil && !u.resetEachRun {
		*u.pc = 0 // rewind, keeping the buffers (see programCounter)
	} else {
		u.vm.Reset()
	}
	release := kernels.Hold(u.weights...)
	// The products by the one-hot inputs are row lookups.
	u.oneHots.Mark()
	err := u.tape.run()
	release()
	u.oneHots.Unmark()
	if err != nil {
		// The error names the failing node; NeighbourhoodDOT draws it.
		return 0, fmt.Errorf("graph: Run: %w", u.machineError(err))
	}
	for i, s := range state {
		src, ok := u.stateV[i].(*tensor.Dense)
		if !ok {
			return 0, fmt.Errorf("graph: Run: state %d read as %T", i, u.stateV[i])
		}
		if s.DataSize() != src.DataSize() {
			return 0, fmt.Errorf("graph: Run: state %d has %d values, want %d", i, s.DataSize(), src.DataSize())
		}
		copyDense(s, src)
	}
	if u.Loss == nil {
		return 0, nil
	}
	return scalarOf("Run", u.lossV)
}

// LogitsValue returns the logits of the last Run, time-major
// (NumSteps*BatchSize, vocab): row t*BatchSize+b is step t of sequence b.
// The tensor belongs to the machine and the next Run overwrites it: copy
// what you keep.
func (u *Unrolled) LogitsValue() *tensor.Dense {
	d, _ := u.logitsV.(*tensor.Dense)
	return d
}

// Grads returns the gradient tensors of the parameters, in Params order,
// after a Run with Loss. They belong to the machine: a solver reads and may
// scale them in place, and the next Run zeroes and overwrites them, so
// copy what you keep (see the Run example).
func (u *Unrolled) Grads() ([]*tensor.Dense, error) {
	out := make([]*tensor.Dense, len(u.Params))
	for i, p := range u.Params {
		gv, err := p.Grad()
		if err != nil {
			return nil, fmt.Errorf("graph: gradient of %s: %w", p.Name(), err)
		}
		d, ok := gv.(*tensor.Dense)
		if !ok {
			return nil, fmt.Errorf("graph: gradient of %s is %T", p.Name(), gv)
		}
		out[i] = d
	}
	return out, nil
}

// StateGrads returns, after a Run of a graph built with Config.StateGrad,
// the gradient of the loss with respect to each initial state, in State
// order, each (BatchSize, size). Like Grads, the tensors belong to the
// machine and the next Run overwrites them: copy what you keep.
func (u *Unrolled) StateGrads() ([]*tensor.Dense, error) {
	if !u.StateGrad || u.dStateV == nil {
		return nil, errors.New("graph: StateGrads: the graph was built without Config.StateGrad (or without Loss, or with NoGrad)")
	}
	out := make([]*tensor.Dense, len(u.dStateV))
	for i, v := range u.dStateV {
		d, ok := v.(*tensor.Dense)
		if !ok {
			return nil, fmt.Errorf("graph: StateGrads: gradient of %s read as %T (no Run yet?)", u.State[i].Name(), v)
		}
		out[i] = d
	}
	return out, nil
}

// ZeroGrads sets every parameter gradient to zero.
func (u *Unrolled) ZeroGrads() {
	for _, p := range u.Params {
		if gv, err := p.Grad(); err == nil {
			if d, ok := gv.(*tensor.Dense); ok {
				d.Zero()
			}
		}
	}
}

// Close releases the machine.
func (u *Unrolled) Close() error { return u.vm.Close() }

// oneHot writes into x (batch, vocab) the one-hot rows of step t of the
// batch-major ids (row b at ids[b*steps+t]).
func oneHot(x *tensor.Dense, ids []int, t, steps int) {
	rows, v := x.Shape()[0], x.Shape()[1]
	switch d := data(x).(type) {
	case []float32:
		clear(d)
		for b := 0; b < rows; b++ {
			d[b*v+ids[b*steps+t]] = 1
		}
	case []float64:
		clear(d)
		for b := 0; b < rows; b++ {
			d[b*v+ids[b*steps+t]] = 1
		}
	}
}

func copyDense(dst, src *tensor.Dense) {
	switch d := data(dst).(type) {
	case []float32:
		copy(d, src.Float32s())
	case []float64:
		copy(d, src.Float64s())
	}
}
