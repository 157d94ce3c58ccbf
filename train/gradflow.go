package train

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/unroll/unroll/datasets"
	"github.com/unroll/unroll/graph"
	"github.com/unroll/unroll/models"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Flow is how the gradient flows back through time over one sequence
// (section 8.7): the L2 norm of dL/dS_t for every step t = 1..NumSteps and
// every watched state S, taken over the whole minibatch, for two losses:
// the cross-entropy at the last step alone and the mean cross-entropy over
// all steps. The gradients are the graph's own (G.Backpropagate with
// respect to the state nodes of the unrolled graph), total derivatives: for
// the LSTM, dL/dC_t includes the path through H_t = O_t ⊙ tanh(C_t).
type Flow struct {
	NumSteps, BatchSize int
	// States names the watched nodes without their step suffix: first the
	// model's output per step (Unrolled.Hidden: "H", or "l2.H" for the top
	// of a stack), then every other state the model carries ("C" for the
	// LSTM, "l1.H" for a lower layer, "fwd.H" and "bwd.H" for a
	// bidirectional layer).
	States []string
	// Last[i][t-1] is ||dL_T/dS_t||, L_T the mean cross-entropy of the
	// last step's BatchSize tokens; Mean[i][t-1] is ||dL/dS_t||, L the
	// mean cross-entropy of all NumSteps*BatchSize tokens (the training
	// loss). A state that does not influence the loss at all (an MLP's
	// earlier outputs for L_T) has gradient exactly 0.
	Last, Mean [][]float64
	// LossLast and LossMean are L_T and L.
	LossLast, LossMean float64
}

// Ratio returns ||dL/dS_1|| / ||dL/dS_T|| for the state named name and the
// last-step loss (last true) or the mean loss: below 1 the gradient
// vanishes going back in time, above 1 it explodes. ok is false when the
// state is not watched.
func (f *Flow) Ratio(name string, last bool) (r float64, ok bool) {
	for i, s := range f.States {
		if s == name {
			n := f.Mean[i]
			if last {
				n = f.Last[i]
			}
			return n[0] / n[len(n)-1], true
		}
	}
	return 0, false
}

// GradFlow runs m forward over the minibatch mb (with its targets) from a
// zero state and measures Flow. A single sequence x with its targets y
// (x shifted by one token) is datasets.NewMinibatch([][]int{x},
// [][]int{y}). It builds and compiles two graphs (Gorgonia reuses a node's
// symbolic gradient once made, so one graph holds the gradients of one
// loss only); their size grows with the steps.
func GradFlow(m graph.Model, mb datasets.Minibatch) (*Flow, error) {
	if err := mb.Check(); err != nil || mb.Y == nil {
		if err == nil {
			err = errors.New("no targets Y")
		}
		return nil, fmt.Errorf("train: GradFlow: %w", err)
	}
	batch, steps := mb.BatchSize, mb.NumSteps
	f := &Flow{NumSteps: steps, BatchSize: batch}
	for _, last := range []bool{true, false} {
		p, err := newFlowProbe(m, batch, steps, last)
		if err != nil {
			return nil, err
		}
		loss, norms, err := p.run(mb)
		p.u.Close()
		if err != nil {
			return nil, err
		}
		f.States = p.names
		if last {
			f.Last, f.LossLast = norms, loss
		} else {
			f.Mean, f.LossMean = norms, loss
		}
	}
	return f, nil
}

// flowProbe is an unrolled graph extended with one loss and its gradients
// with respect to the watched state nodes.
type flowProbe struct {
	m     graph.Model
	u     *graph.Unrolled
	last  bool
	names []string
	ys    *tensor.Dense // the loss's labels
	lossV G.Value
	grads [][]G.Value // [state][step]; nil where the state does not reach the loss
}

func newFlowProbe(m graph.Model, batch, steps int, last bool) (*flowProbe, error) {
	p := &flowProbe{m: m, last: last}
	_, err := graph.Unroll(m, graph.Config{BatchSize: batch, NumSteps: steps, Extend: p.extend})
	if err != nil {
		return nil, fmt.Errorf("train: GradFlow: %w", err)
	}
	return p, nil
}

// extend adds the loss, the watched nodes' gradients and their reads.
func (p *flowProbe) extend(u *graph.Unrolled) error {
	p.u = u
	g := u.Graph
	dt := u.Params[0].Dtype()
	byName := make(map[string]*G.Node, len(u.Params))
	for _, n := range u.Params {
		byName[n.Name()] = n
	}
	logits, n := u.Logits, u.NumSteps*u.BatchSize
	if p.last {
		var err error
		if logits, err = p.m.Output(graph.NewVars(byName), u.Hidden[u.NumSteps-1]); err != nil {
			return fmt.Errorf("output of the last step: %w", err)
		}
		n = u.BatchSize
	}
	p.ys = tensor.New(tensor.Of(tensor.Int), tensor.WithShape(n))
	yn := G.NewVector(g, tensor.Int, G.WithShape(n), G.WithName("Y_flow"), G.WithValue(p.ys))
	loss, err := graph.SoftmaxCrossEntropy(logits, yn)
	if err != nil {
		return err
	}
	G.WithName("loss_flow")(loss)
	G.Read(loss, &p.lossV)

	watched, err := p.watch(u)
	if err != nil {
		return err
	}
	reach := ancestors(loss)
	var wrt G.Nodes
	for _, ns := range watched {
		for _, nd := range ns {
			if reach[nd] {
				wrt = append(wrt, nd)
			}
		}
	}
	var one *G.Node
	if dt == tensor.Float32 {
		one = G.NewConstant(float32(1))
	} else {
		one = G.NewConstant(1.0)
	}
	one = g.AddNode(one)
	dw, err := G.Backpropagate(G.Nodes{loss}, G.Nodes{one}, wrt)
	if err != nil {
		return fmt.Errorf("gradients with respect to the states: %w", err)
	}
	grad := make(map[*G.Node]*G.Node, len(wrt))
	for i, nd := range wrt {
		grad[nd] = dw[i]
	}
	p.grads = make([][]G.Value, len(watched))
	for i, ns := range watched {
		p.grads[i] = make([]G.Value, len(ns))
		for t, nd := range ns {
			if d, ok := grad[nd]; ok {
				G.Read(d, &p.grads[i][t])
			}
		}
	}
	return nil
}

// watch returns the watched nodes per state and step, and sets p.names:
// the model's output per step, then each state of Model.States not
// already among them.
func (p *flowProbe) watch(u *graph.Unrolled) ([]G.Nodes, error) {
	out := []G.Nodes{u.Hidden}
	p.names = []string{stepBase(u.Hidden[0].Name())}
	seen := map[*G.Node]bool{}
	for _, h := range u.Hidden {
		seen[h] = true
	}
	for _, s := range p.m.States() {
		ns := make(G.Nodes, u.NumSteps)
		dup := false
		for t := range ns {
			name := fmt.Sprintf("%s_%d", s.Name, t+1)
			found := u.Graph.ByName(name)
			if len(found) != 1 {
				return nil, fmt.Errorf("want one node named %s, found %d: the model must name its states as models.Recurrent does", name, len(found))
			}
			ns[t] = found[0]
			dup = dup || seen[found[0]]
		}
		if !dup {
			out = append(out, ns)
			p.names = append(p.names, s.Name)
		}
	}
	return out, nil
}

// stepBase drops the "_t" suffix of a step's node name ("l2.H_1" -> "l2.H").
func stepBase(name string) string {
	if i := strings.LastIndexByte(name, '_'); i > 0 {
		return name[:i]
	}
	return name
}

// ancestors returns the nodes n depends on, n included.
func ancestors(n *G.Node) map[*G.Node]bool {
	seen := map[*G.Node]bool{n: true}
	stack := G.Nodes{n}
	for len(stack) > 0 {
		top := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for it := top.Graph().From(top.ID()); it.Next(); { // the node's children
			c := it.Node().(*G.Node)
			if !seen[c] {
				seen[c] = true
				stack = append(stack, c)
			}
		}
	}
	return seen
}

// run feeds one minibatch from a zero state and returns the loss and the
// gradient norms.
func (p *flowProbe) run(mb datasets.Minibatch) (float64, [][]float64, error) {
	u := p.u
	B, T := u.BatchSize, u.NumSteps
	ys := p.ys.Ints() // time-major, as the stacked logits
	for b := 0; b < B; b++ {
		if p.last {
			ys[b] = mb.Y[b*T+T-1]
			continue
		}
		for t := 0; t < T; t++ {
			ys[t*B+b] = mb.Y[b*T+t]
		}
	}
	if _, err := u.Run(mb, zeroState(p.m, B)); err != nil {
		return 0, nil, fmt.Errorf("train: GradFlow: %w", err)
	}
	loss, err := valueNorm(p.lossV) // a cross-entropy: >= 0
	if err != nil {
		return 0, nil, err
	}
	norms := make([][]float64, len(p.grads))
	for i, gs := range p.grads {
		norms[i] = make([]float64, len(gs))
		for t, v := range gs {
			if v == nil {
				continue // the state does not reach the loss: exactly 0
			}
			if norms[i][t], err = valueNorm(v); err != nil {
				return 0, nil, err
			}
		}
	}
	return loss, norms, nil
}

// valueNorm is the L2 norm of a tensor or scalar value, in float64.
func valueNorm(v G.Value) (float64, error) {
	switch d := v.(type) {
	case *tensor.Dense:
		switch xs := d.Data().(type) {
		case []float32:
			return math.Sqrt(sumSquares(xs)), nil
		case []float64:
			return math.Sqrt(sumSquares(xs)), nil
		case float32:
			return math.Abs(float64(xs)), nil
		case float64:
			return math.Abs(xs), nil
		}
	case G.Scalar:
		return math.Abs(scalarValue(d)), nil
	}
	return 0, fmt.Errorf("train: GradFlow: cannot read a %T", v)
}

func scalarValue(s G.Scalar) float64 {
	switch x := s.Data().(type) {
	case float32:
		return float64(x)
	case float64:
		return x
	}
	return math.NaN()
}

// RecurrentParams returns the recurrent weight matrices of a model built
// by package models, by the book's names: every W_h* that maps the
// previous hidden state (W_hh of the RNN; W_hz, W_hr, W_hh of the GRU;
// W_hi, W_hf, W_ho, W_hc of the LSTM; scoped by layer and direction), but
// not the output layer's W_hq.
func RecurrentParams(m graph.Model) []graph.Param {
	var out []graph.Param
	for _, p := range m.Params() {
		base := p.Name[strings.LastIndexByte(p.Name, '.')+1:]
		if strings.HasPrefix(base, "W_h") && base != "W_hq" {
			out = append(out, p)
		}
	}
	return out
}

// SpectralNorm returns the largest singular value of the matrix w, by power
// iteration on W^T W from a fixed start, in float64, until the estimate
// changes by less than 1e-12 relative (at most 20000 iterations).
func SpectralNorm(w *tensor.Dense) (float64, error) {
	s := w.Shape()
	if len(s) != 2 {
		return 0, fmt.Errorf("train: SpectralNorm: want a matrix, got shape %v", s)
	}
	r, c := s[0], s[1]
	a := float64s(w)
	v := make([]float64, c)
	for j := range v {
		v[j] = 1 + 0.5*math.Sin(float64(j)+1) // fixed, not orthogonal to anything in particular
	}
	u := make([]float64, r)
	lambda := 0.0
	for it := 0; it < 20000; it++ {
		nv := math.Sqrt(sumSquares(v))
		if nv == 0 {
			return 0, nil
		}
		for j := range v {
			v[j] /= nv
		}
		for i := range u { // u = W v
			row := a[i*c : (i+1)*c]
			var sum float64
			for j, x := range row {
				sum += x * v[j]
			}
			u[i] = sum
		}
		clear(v) // v = W^T u
		for i, ui := range u {
			row := a[i*c : (i+1)*c]
			for j, x := range row {
				v[j] += x * ui
			}
		}
		next := math.Sqrt(sumSquares(v)) // ||W^T W v|| for unit v
		if math.Abs(next-lambda) <= 1e-12*next {
			lambda = next
			break
		}
		lambda = next
	}
	return math.Sqrt(lambda), nil
}

// float64s returns the values of t as float64 (a copy for float32).
func float64s(t *tensor.Dense) []float64 {
	switch d := t.Data().(type) {
	case []float64:
		return d
	case []float32:
		out := make([]float64, len(d))
		for i, x := range d {
			out[i] = float64(x)
		}
		return out
	}
	return nil
}

// Rescaled is one recurrent matrix that ScaleRecurrent rescaled.
type Rescaled struct {
	Name          string
	Before, After float64 // largest singular value
}

// ScaleRecurrent multiplies each of m's recurrent matrices (RecurrentParams)
// in place so that its largest singular value is s (the vanishing and
// exploding boundary of section 8.7 is at 1, times the activation's
// largest slope). It returns the values before and after.
func ScaleRecurrent(m graph.Model, s float64) ([]Rescaled, error) {
	if !(s > 0) || math.IsInf(s, 0) {
		return nil, fmt.Errorf("train: ScaleRecurrent: want a positive scale, got %v", s)
	}
	ps := RecurrentParams(m)
	if len(ps) == 0 {
		return nil, fmt.Errorf("train: ScaleRecurrent: the model has no recurrent matrix (W_hh, W_hz, ...)")
	}
	var out []Rescaled
	for _, p := range ps {
		before, err := SpectralNorm(p.Value)
		if err != nil {
			return nil, err
		}
		if before == 0 {
			return nil, fmt.Errorf("train: ScaleRecurrent: %s is zero: it cannot be scaled to a singular value of %v", p.Name, s)
		}
		k := s / before
		switch d := p.Value.Data().(type) {
		case []float32:
			scaleBy(d, float32(k))
		case []float64:
			scaleBy(d, k)
		}
		after, err := SpectralNorm(p.Value)
		if err != nil {
			return nil, err
		}
		out = append(out, Rescaled{Name: p.Name, Before: before, After: after})
	}
	return out, nil
}

// Float64Model returns a float64 copy of a model built by package models
// (fresh, or from a checkpoint), for measurements whose values leave
// float32's range: a gradient that vanishes over 500 steps falls below
// float32's smallest number long before.
func Float64Model(m graph.Model) (graph.Model, error) {
	lm, ok := m.(interface{ Config() models.Config })
	if !ok {
		return nil, fmt.Errorf("train: Float64Model: %T was not built by models.New", m)
	}
	c := lm.Config()
	c.Dtype = tensor.Float64
	out, err := models.New(c)
	if err != nil {
		return nil, err
	}
	src, dst := m.Params(), out.Params()
	if len(src) != len(dst) {
		return nil, fmt.Errorf("train: Float64Model: %d parameters, the copy has %d", len(src), len(dst))
	}
	for i, p := range src {
		if p.Name != dst[i].Name || p.Value.DataSize() != dst[i].Value.DataSize() {
			return nil, fmt.Errorf("train: Float64Model: parameter %s does not match the copy's %s", p.Name, dst[i].Name)
		}
		copy(dst[i].Value.Float64s(), float64s(p.Value))
	}
	return out, nil
}

// SpectralRadius estimates the largest modulus of the eigenvalues of the
// square matrix w, the rate at which W^k grows or shrinks (Gelfand's
// formula): the geometric mean of ||W v_k|| / ||v_k|| over iterations
// 1001..2000 of v_{k+1} = W v_k from a fixed start. Repeated products by
// W_hh^T scale the gradient by about this per step (times the activation's
// slopes); the largest singular value only bounds it from above. For a
// Gaussian random matrix it is about half the largest singular value.
func SpectralRadius(w *tensor.Dense) (float64, error) {
	s := w.Shape()
	if len(s) != 2 || s[0] != s[1] {
		return 0, fmt.Errorf("train: SpectralRadius: want a square matrix, got shape %v", s)
	}
	n := s[0]
	a := float64s(w)
	v := make([]float64, n)
	for j := range v {
		v[j] = 1 + 0.5*math.Sin(float64(j)+1)
	}
	next := make([]float64, n)
	var logSum float64
	const burn, k = 1000, 1000
	for it := 0; it < burn+k; it++ {
		nv := math.Sqrt(sumSquares(v))
		if nv == 0 {
			return 0, nil
		}
		for j := range v {
			v[j] /= nv
		}
		clear(next) // next = v W, the row-vector product the cells compute (H W_hh)
		for i, vi := range v {
			row := a[i*n : (i+1)*n]
			for j, x := range row {
				next[j] += vi * x
			}
		}
		v, next = next, v
		if it >= burn {
			logSum += math.Log(math.Sqrt(sumSquares(v)))
		}
	}
	return math.Exp(logSum / k), nil
}

// OrthogonalRecurrent replaces each of m's recurrent matrices
// (RecurrentParams) by a random orthogonal matrix (modified Gram-Schmidt
// on N(0, 1) draws seeded by seed): all its singular values and the
// moduli of all its eigenvalues are 1, so after ScaleRecurrent(m, s) its
// spectral radius equals its largest singular value s.
func OrthogonalRecurrent(m graph.Model, seed uint64) error {
	r := rand.New(rand.NewPCG(seed, 0x6f7274686f)) // "ortho"
	for _, p := range RecurrentParams(m) {
		s := p.Value.Shape()
		if len(s) != 2 || s[0] != s[1] {
			return fmt.Errorf("train: OrthogonalRecurrent: %s has shape %v, want a square matrix", p.Name, s)
		}
		n := s[0]
		q := make([]float64, n*n) // rows are the vectors
		for i := 0; i < n; i++ {
			row := q[i*n : (i+1)*n]
			for {
				for j := range row {
					row[j] = r.NormFloat64()
				}
				for pass := 0; pass < 2; pass++ { // twice is enough (Kahan)
					for k := 0; k < i; k++ {
						prev := q[k*n : (k+1)*n]
						var dot float64
						for j := range row {
							dot += row[j] * prev[j]
						}
						for j := range row {
							row[j] -= dot * prev[j]
						}
					}
				}
				if nr := math.Sqrt(sumSquares(row)); nr > 1e-8 {
					for j := range row {
						row[j] /= nr
					}
					break
				}
			}
		}
		switch d := p.Value.Data().(type) {
		case []float64:
			copy(d, q)
		case []float32:
			for i, x := range q {
				d[i] = float32(x)
			}
		}
	}
	return nil
}
