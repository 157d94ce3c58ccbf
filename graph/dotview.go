package graph

import (
	"bytes"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	G "gorgonia.org/gorgonia"
)

// viewer holds what every view of one graph needs: adjacency without
// statements, the forward set, and the time step of every node.
type viewer struct {
	u       *Unrolled
	all     G.Nodes
	kids    map[*G.Node][]*G.Node // operands, in order
	parents map[*G.Node][]*G.Node // consumers
	stmt    map[*G.Node]bool      // reads and lets: not computations
	fwd     map[*G.Node]bool      // the forward pass
	step    map[*G.Node]int       // 1..NumSteps: forward nodes of a step
	gstep   map[*G.Node]int       // 1..NumSteps, or noStep: gradient nodes
	isX     map[*G.Node]int       // X_t -> t
	isState map[*G.Node]bool      // H_0 (and further initial states)
	inRow   map[*G.Node]bool      // the chain drawn as the book's row of hidden states
	isParam map[*G.Node]bool
	isConst map[*G.Node]bool   // scalar constants: shown in their consumers' labels
	outOf   map[*G.Node]bool   // the output layer: forward, after the steps
	derivOf map[*G.Node]string // gradient node -> "∂loss/∂W_hh"
}

const noStep = math.MaxInt

func newViewer(u *Unrolled) *viewer {
	v := &viewer{
		u:       u,
		all:     u.Nodes(),
		kids:    map[*G.Node][]*G.Node{},
		parents: map[*G.Node][]*G.Node{},
		stmt:    map[*G.Node]bool{},
		fwd:     map[*G.Node]bool{},
		step:    map[*G.Node]int{},
		gstep:   map[*G.Node]int{},
		isX:     map[*G.Node]int{},
		isState: map[*G.Node]bool{},
		inRow:   map[*G.Node]bool{},
		isParam: map[*G.Node]bool{},
		isConst: map[*G.Node]bool{},
		outOf:   map[*G.Node]bool{},
		derivOf: map[*G.Node]string{},
	}
	for _, n := range v.all {
		switch fmt.Sprintf("%T", n.Op()) {
		case "gorgonia.readOp", "gorgonia.letOp":
			v.stmt[n] = true
		case "gorgonia.constantScalar":
			v.isConst[n] = true
		}
		for _, c := range children(u.Graph, n) {
			v.kids[n] = append(v.kids[n], c)
			v.parents[c] = append(v.parents[c], n)
		}
	}
	for t, x := range u.X {
		v.isX[x] = t + 1
	}
	for _, s := range u.State {
		v.isState[s] = true
	}
	// The row of hidden states, H_0 H_1 ... H_T as in the book's figure,
	// is the top layer's hidden outputs and, when the state that ends as
	// H_T is one (an RNN's, a GRU's or an LSTM's H, not its C nor a lower
	// layer's), the initial state that starts it.
	for _, h := range u.Hidden {
		v.inRow[h] = true
	}
	if T := len(u.Hidden); T > 0 {
		for i, f := range u.Final {
			if f == u.Hidden[T-1] && i < len(u.State) {
				v.inRow[u.State[i]] = true
			}
		}
	}
	for _, p := range u.Params {
		v.isParam[p] = true
	}

	// The forward pass: what the logits, the loss, the hidden outputs and
	// whatever the graph reads (the final state) depend on.
	roots := append(G.Nodes{u.Logits}, u.Hidden...)
	if u.Loss != nil {
		roots = append(roots, u.Loss)
	}
	for n := range v.stmt {
		roots = append(roots, v.kids[n]...)
	}
	v.walk(roots, func(n *G.Node) bool { v.fwd[n] = true; return true })

	// Step t holds the nodes named after it (X_t, the hidden output H_t
	// and every state S_t, scoped or not: C_t, l1.H_t, l1.fwd.H_t) and
	// everything between them and the nodes named after other steps: an
	// operation belongs to the step whose named node it computes. Leaves
	// (parameters, initial states, constants) and what depends on no input
	// belong to no step: they are drawn once. Naming, not dependency,
	// decides, so a backward direction (bwd.H_t reads bwd.H_{t+1}) lands
	// in its own step too.
	T := len(u.Hidden)
	dep := map[*G.Node]bool{} // depends on an input or a state
	var depends func(n *G.Node) bool
	depends = func(n *G.Node) bool {
		if d, ok := dep[n]; ok {
			return d
		}
		dep[n] = false
		d := v.isX[n] != 0 || v.isState[n]
		for _, c := range v.kids[n] {
			d = depends(c) || d
		}
		dep[n] = d
		return d
	}
	anchor := map[*G.Node]int{}
	for _, n := range v.all {
		if !v.fwd[n] || v.isParam[n] || !explicitName(n) {
			continue
		}
		if t, ok := stepOfName(n.Name()); ok && t >= 1 && t <= T {
			anchor[n] = t
		}
	}
	for i, h := range u.Hidden {
		anchor[h] = i + 1
	}
	for x, t := range v.isX {
		anchor[x] = t
	}
	for t := 1; t <= T; t++ {
		for _, a := range v.all {
			if anchor[a] != t {
				continue
			}
			v.walk(G.Nodes{a}, func(n *G.Node) bool {
				if n != a && anchor[n] != 0 {
					return false
				}
				if _, ok := v.step[n]; ok || len(v.kids[n]) == 0 && v.isX[n] == 0 || !depends(n) {
					return false
				}
				v.step[n] = t
				return true
			})
		}
	}
	v.walk(G.Nodes{u.Logits}, func(n *G.Node) bool {
		if _, ok := v.step[n]; ok {
			return false
		}
		if len(v.kids[n]) > 0 {
			v.outOf[n] = true
		}
		return true
	})

	// A gradient node belongs to the earliest step whose forward values it
	// reads, directly or through other gradient nodes: the backward pass of
	// step t combines the local derivative at H_t with the gradient that
	// arrives from step t+1, and so lands in step t.
	var gs func(n *G.Node) int
	gs = func(n *G.Node) int {
		if v.fwd[n] {
			if t, ok := v.step[n]; ok {
				return t
			}
			return noStep
		}
		if t, ok := v.gstep[n]; ok {
			return t
		}
		v.gstep[n] = noStep
		best := noStep
		for _, c := range v.kids[n] {
			if t := gs(c); t < best {
				best = t
			}
		}
		v.gstep[n] = best
		return best
	}
	for _, n := range v.all {
		if !v.fwd[n] && !v.stmt[n] && len(v.kids[n]) > 0 {
			gs(n)
		}
	}
	// What reads no forward value of a step (the slices of the output
	// layer's gradient that go back to each H_t) joins the step of its
	// consumers when they agree. Consumers come later in creation order.
	for i := len(v.all) - 1; i >= 0; i-- {
		n := v.all[i]
		if t, ok := v.gstep[n]; !ok || t != noStep {
			continue
		}
		agree := noStep
		for _, c := range v.parents[n] {
			if v.stmt[c] {
				continue
			}
			t, ok := v.gstep[c]
			if !ok || t == noStep || (agree != noStep && t != agree) {
				agree = noStep
				break
			}
			agree = t
		}
		v.gstep[n] = agree
	}

	// Name the gradients the book names: ∂loss/∂W for each parameter, and
	// those of O and of the hidden outputs.
	named := append(append(G.Nodes{}, u.Params...), u.Logits)
	named = append(named, u.Hidden...)
	for _, n := range named {
		if d := n.Deriv(); d != nil && !v.fwd[d] {
			if _, ok := v.derivOf[d]; !ok {
				v.derivOf[d] = "∂loss/∂" + n.Name()
			}
		}
	}
	return v
}

// stepName matches the names of a step's nodes: X_3, H_3, C_3, l1.H_3,
// l2.fwd.H_3 (a capitalised name, scoped or not, and the step).
var stepName = regexp.MustCompile(`^(?:[A-Za-z]\w*\.)*[A-Z]\w*_([0-9]+)$`)

// stepOfName returns the step a node's name gives it, if any.
func stepOfName(name string) (int, bool) {
	m := stepName.FindStringSubmatch(name)
	if m == nil {
		return 0, false
	}
	t, err := strconv.Atoi(m[1])
	return t, err == nil
}

// walk visits roots and, through operands, everything they depend on,
// skipping statements; visit returns false to stop below a node.
func (v *viewer) walk(roots G.Nodes, visit func(*G.Node) bool) {
	stack := append(G.Nodes{}, roots...)
	seen := map[*G.Node]bool{}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n == nil || seen[n] || v.stmt[n] {
			continue
		}
		seen[n] = true
		if visit(n) {
			stack = append(stack, v.kids[n]...)
		}
	}
}

// dotNode, dotEdge and cluster are the drawn elements.
type dotNode struct {
	id    string
	attrs []string // key="value"
}

type dotEdge struct {
	from, to string
	srcs     []*G.Node // the tensors it carries (several when collapsed)
	attrs    []string
	noLabel  bool
	// back: written as to -> from with dir=back. It is drawn the same,
	// from -> to, but ranks from above to: for edges that enter a step
	// from outside it, at the height of their source or lower. graphviz
	// (2.43) fails on such edges written constraint=false between
	// clusters ("trouble in init_rank").
	back bool
}

type cluster struct {
	key   string
	attrs []string
	nodes []dotNode
}

// picture is one view under construction.
type picture struct {
	*viewer
	opts   DOTOptions
	keep   map[*G.Node]bool // nil: every node
	focus  *G.Node          // drawn in red
	lo, hi int              // collapsed steps lo..hi (none when hi < lo)

	ids                         map[*G.Node]string
	used                        map[string]bool
	midFwd, midGrad, midX, midO string

	first, top   []dotNode // first: left of step 1
	clusters     map[string]*cluster
	clusterOrder []string
	edges        []*dotEdge
	edgeAt       map[[2]string]*dotEdge
	waypoints    map[[2]string]string
	reads        map[string][]string // a step's operation -> the parameters it reads
	xRow, hRow   []string
	oRow         []string
	params       []string    // the steps' parameters, drawn apart
	invis        [][2]string // invisible edges that steer the layout
}

// render draws the view. keep, if not nil, restricts it to those nodes
// (a neighbourhood of focus); title, if not empty, replaces the caption.
func (v *viewer) render(opts DOTOptions, keep map[*G.Node]bool, focus *G.Node, title string) []byte {
	p := &picture{viewer: v, opts: opts, keep: keep, focus: focus, lo: 0, hi: -1,
		ids: map[*G.Node]string{}, used: map[string]bool{"_order": true, "_sink": true},
		clusters: map[string]*cluster{}, edgeAt: map[[2]string]*dotEdge{}, waypoints: map[[2]string]string{},
		reads: map[string][]string{}}
	T, k := len(v.u.Hidden), opts.Summarize
	if keep == nil && k > 0 && T >= 2*k+2 {
		p.lo, p.hi = k+1, T-k
	}
	p.name()
	p.addNodes()
	p.addEdges()
	p.labelReads()
	p.addOutputViews()
	if title == "" {
		title = p.caption()
	}
	return p.write(title)
}

func (p *picture) collapsed(t int) bool { return t >= p.lo && t <= p.hi }

func (p *picture) include(n *G.Node) bool {
	if p.stmt[n] || p.isConst[n] || (p.keep != nil && !p.keep[n]) {
		return false
	}
	return p.fwd[n] || p.opts.Grad
}

// name gives every drawn node its DOT id: its own name when it was given
// one (X_1, H_1, W_xh, O, loss) and no other drawn node has it.
func (p *picture) name() {
	count := map[string]int{}
	for _, n := range p.all {
		if p.include(n) && explicitName(n) {
			count[n.Name()]++
		}
	}
	for _, n := range p.all {
		if !p.include(n) {
			continue
		}
		id := fmt.Sprintf("n%d", n.ID())
		if explicitName(n) && count[n.Name()] == 1 {
			id = n.Name()
		}
		p.ids[n] = id
		p.used[id] = true
	}
	if p.hi >= p.lo {
		p.midFwd = p.fresh(fmt.Sprintf("steps_%d..%d", p.lo, p.hi))
		p.midGrad = p.fresh(fmt.Sprintf("backward_%d..%d", p.lo, p.hi))
		p.midX = p.fresh(fmt.Sprintf("X_%d..X_%d", p.lo, p.hi))
		p.midO = p.fresh(fmt.Sprintf("O_%d..O_%d", p.lo, p.hi))
	}
}

// fresh returns an unused id based on want.
func (p *picture) fresh(want string) string {
	id := want
	for i := 2; p.used[id]; i++ {
		id = fmt.Sprintf("%s#%d", want, i)
	}
	p.used[id] = true
	return id
}

// group returns where a node is drawn: "f" forward step t, "g" backward
// step t, "out" the output layer, "gout" its gradient, "" the top level.
func (p *picture) group(n *G.Node) (string, int) {
	if p.fwd[n] {
		if t, ok := p.step[n]; ok {
			return "f", t
		}
		if p.outOf[n] {
			return "out", 0
		}
		return "", 0
	}
	if len(p.kids[n]) == 0 {
		return "", 0
	}
	if t := p.gstep[n]; t != noStep {
		return "g", t
	}
	return "gout", 0
}

// disp is the id of the drawn node that stands for n.
func (p *picture) disp(n *G.Node) string {
	kind, t := p.group(n)
	switch {
	case t == 0 || !p.collapsed(t):
		return p.ids[n]
	case p.isX[n] != 0:
		return p.midX
	case kind == "f":
		return p.midFwd
	}
	return p.midGrad
}

// clusterStyle styles a cluster: filled, or dashed when fill is "" (the
// collapsed steps).
func clusterStyle(label, fill, border string) []string {
	a := []string{attr("label", label), attr("color", border), attr("fontname", "Helvetica")}
	if fill == "" {
		return append(a, attr("style", "rounded,dashed"))
	}
	return append(a, attr("style", "rounded,filled"), attr("fillcolor", fill))
}

// clusterFor returns the cluster of a group ("" for the top level).
func (p *picture) clusterFor(kind string, t int) (string, []string) {
	if kind != "" && t != 0 && p.collapsed(t) {
		if kind == "f" {
			return fmt.Sprintf("cluster_steps_%d..%d", p.lo, p.hi),
				clusterStyle(fmt.Sprintf("time steps %d..%d", p.lo, p.hi), "", "#9db4cc")
		}
		return fmt.Sprintf("cluster_backward_%d..%d", p.lo, p.hi),
			clusterStyle(fmt.Sprintf("backward, steps %d..%d", p.lo, p.hi), "", "#cc9d9d")
	}
	switch kind {
	case "f":
		return fmt.Sprintf("cluster_step_%d", t), clusterStyle(fmt.Sprintf("time step %d", t), "#f3f7fb", "#9db4cc")
	case "g":
		return fmt.Sprintf("cluster_backward_%d", t), clusterStyle(fmt.Sprintf("backward, step %d", t), "#fbf3f3", "#cc9d9d")
	case "out":
		return "cluster_output", clusterStyle("output layer: all steps in one product", "#f6f3fb", "#b3a6cc")
	case "gout":
		return "cluster_backward_output", clusterStyle("backward, output layer", "#fbf3f3", "#cc9d9d")
	}
	return "", nil
}

// add puts a node into a cluster, created in order of first use.
func (p *picture) add(key string, attrs []string, n dotNode) {
	if key == "" {
		p.top = append(p.top, n)
		return
	}
	c, ok := p.clusters[key]
	if !ok {
		c = &cluster{key: key, attrs: attrs}
		p.clusters[key] = c
		p.clusterOrder = append(p.clusterOrder, key)
	}
	c.nodes = append(c.nodes, n)
}

func (p *picture) addNodes() {
	midDone := map[string]bool{}
	for _, n := range p.all {
		if !p.include(n) {
			continue
		}
		kind, t := p.group(n)
		key, cattrs := p.clusterFor(kind, t)
		if t != 0 && p.collapsed(t) {
			// One node stands for each pass over the collapsed steps (and
			// one for their inputs), in a cluster placed where the first
			// of them comes.
			if midDone[kind] {
				continue
			}
			midDone[kind] = true
			count := p.hi - p.lo + 1
			if kind == "f" {
				p.add(key, cattrs, dotNode{id: p.midX, attrs: []string{
					attr("label", fmt.Sprintf("X_%d … X_%d", p.lo, p.hi)), attr("shape", "box3d"),
					attr("style", "filled"), attr("fillcolor", "#d5ecd4"), attr("color", "#5a9a58")}})
				p.add(key, cattrs, dotNode{id: p.midFwd, attrs: []string{
					attr("label", fmt.Sprintf("H_%d … H_%d\n%d steps, each computed\nlike step %d", p.lo, p.hi, count, p.lo-1)),
					attr("shape", "box3d"), attr("style", "filled"), attr("fillcolor", "#cfe0f3"), attr("color", "#3b6ea5")}})
			} else {
				p.add(key, cattrs, dotNode{id: p.midGrad, attrs: []string{
					attr("label", fmt.Sprintf("backward of steps %d..%d\n%d steps, each computed\nlike backward step %d", p.lo, p.hi, count, p.lo-1)),
					attr("shape", "box3d"), attr("style", "filled"), attr("fillcolor", "#f5e3e3"), attr("color", "#b04a4a")}})
			}
			continue
		}
		dn := dotNode{id: p.ids[n], attrs: p.nodeAttrs(n)}
		if n == p.focus {
			dn.attrs = setAttrs(dn.attrs, attr("style", "filled,bold"), attr("fillcolor", "#ff6b6b"),
				attr("penwidth", "3"), attr("color", "#b00000"))
		}
		if p.isParam[n] && p.keep == nil {
			// Parameters are drawn once: the output layer's beside it,
			// with their edges; the steps' apart, in a row, without edges
			// (the operations that read them name them, see addEdges).
			if p.onlyOutput(n) {
				key, cattrs = p.clusterFor("out", 0)
			} else {
				key, cattrs = "cluster_params", clusterStyle("parameters, shared by every step", "#fffbea", "#d9c98a")
				p.params = append(p.params, dn.id)
			}
			p.add(key, cattrs, dn)
			continue
		}
		if p.isState[n] && p.keep == nil {
			// An initial state is drawn in the step it enters: step 1
			// (step T for a backward direction's). dot keeps the step
			// clusters in order; a node outside them it places anywhere.
			t := 1
			if p.entersLast(n) {
				t = len(p.u.Hidden)
			}
			if !p.collapsed(t) {
				key, cattrs = p.clusterFor("f", t)
			}
			p.add(key, cattrs, dn)
			continue
		}
		p.add(key, cattrs, dn)
	}
	if p.keep != nil {
		return
	}
	for t := 1; t <= len(p.u.Hidden); t++ {
		switch {
		case t == p.lo:
			p.xRow = append(p.xRow, p.midX)
			p.hRow = append(p.hRow, p.midFwd)
		case p.collapsed(t):
		default:
			if x := p.u.X[t-1]; p.include(x) {
				p.xRow = append(p.xRow, p.ids[x])
			}
			p.hRow = append(p.hRow, p.ids[p.u.Hidden[t-1]])
		}
	}
}

// addEdges draws every operand edge between drawn nodes, edges of
// collapsed steps merged; each is labelled with the shape it carries.
func (p *picture) addEdges() {
	for _, n := range p.all {
		if !p.include(n) {
			continue
		}
		for _, c := range p.kids[n] {
			if !p.include(c) {
				continue
			}
			from, to := p.disp(c), p.disp(n)
			if from == to {
				continue
			}
			if p.readsParam(c, n) {
				// A step's operation names the parameter it reads in its
				// label instead of an edge from the parameter drawn once:
				// such edges (three per step for an RNN, nine for a GRU)
				// cross every step between. (Copies of the parameters in
				// each step read well but make graphviz's ranking fail,
				// "trouble in init_rank", on deep and gradient views.)
				if !slices.Contains(p.reads[to], c.Name()) {
					p.reads[to] = append(p.reads[to], c.Name())
				}
				continue
			}
			if !p.isStateEdge(c, n) {
				p.edge(from, to, c, p.edgeAttrs(c, n), false)
				continue
			}
			state := []string{attr("style", "bold"), attr("color", "#3b6ea5"), attr("penwidth", "2"), attr("fontcolor", "#3b6ea5")}
			_, t := p.group(n)
			// The waypoint is for the state that comes from the step
			// before; an initial state is drawn in the step it enters.
			if p.keep != nil || p.isState[c] {
				p.edge(from, to, c, state, false)
				continue
			}
			if p.collapsed(t) {
				p.edge(from, to, c, state, false)
				continue
			}
			if !p.inRow[c] {
				// A state that crosses steps outside the row (a lower
				// layer's H, an LSTM's C) ranks its consumer below itself,
				// as within a step: the steps are ranked alike, side by
				// side, and tied by their rows. Ranked forward, the chain
				// would climb a step at a time, against the rows.
				p.edge(from, to, c, state, false).back = true
				continue
			}
			// The hidden state enters step t from the left at the height
			// of the H row, through a waypoint, then goes down to its
			// consumer: the book's horizontal H_{t-1} -> H_t arrows.
			key, cattrs := p.clusterFor("f", t)
			w, ok := p.waypoints[[2]string{from, key}]
			if !ok {
				w = p.fresh(fmt.Sprintf("%s>%d", from, t))
				p.waypoints[[2]string{from, key}] = w
				p.add(key, cattrs, dotNode{id: w, attrs: []string{attr("shape", "point"), attr("width", "0.06"),
					attr("color", "#3b6ea5"), attr("label", "")}})
				p.hRow = append(p.hRow, w)
			}
			p.edge(from, w, c, append(state, attr("arrowhead", "none")), false)
			p.edge(w, to, c, state, true).back = true
		}
	}
}

// readsParam reports whether c is a parameter that operation n of a step
// (forward or backward, collapsed or not) reads.
func (p *picture) readsParam(c, n *G.Node) bool {
	if !p.isParam[c] || p.keep != nil {
		return false
	}
	kind, t := p.group(n)
	return (kind == "f" || kind == "g") && t != 0
}

// labelReads adds to each operation of a step the parameters it reads.
func (p *picture) labelReads() {
	for _, c := range p.clusters {
		for i, n := range c.nodes {
			names := p.reads[n.id]
			if len(names) == 0 {
				continue
			}
			sep := "\n"
			if n.id == p.midFwd || n.id == p.midGrad {
				sep = "\nreading "
			}
			for j, a := range n.attrs {
				if label, ok := strings.CutPrefix(a, "label="); ok {
					l, err := strconv.Unquote(label)
					if err != nil {
						panic(fmt.Sprintf("graph: DOT: label %s: %v", label, err))
					}
					c.nodes[i].attrs[j] = attr("label", l+sep+strings.Join(names, ", "))
				}
			}
		}
	}
}

// entersLast reports whether the initial state s enters only the last of
// several steps (a backward direction's).
func (p *picture) entersLast(s *G.Node) bool {
	T := len(p.u.Hidden)
	first := T + 1
	for _, c := range p.parents[s] {
		if _, t := p.group(c); p.fwd[c] && t > 0 && t < first {
			first = t
		}
	}
	return first == T && T > 1
}

// onlyOutput reports whether every forward consumer of n is in the output
// layer (W_hq and b_q).
func (p *picture) onlyOutput(n *G.Node) bool {
	any := false
	for _, c := range p.parents[n] {
		if p.fwd[c] && !p.stmt[c] {
			if !p.outOf[c] {
				return false
			}
			any = true
		}
	}
	return any
}

// isStateEdge reports whether operand c reaches the forward node n of
// step t from an earlier step or as the initial state.
func (p *picture) isStateEdge(c, n *G.Node) bool {
	nk, nt := p.group(n)
	if nk != "f" {
		return false
	}
	if p.isState[c] {
		return true
	}
	ck, ct := p.group(c)
	return ck == "f" && ct != nt
}

func (p *picture) edge(from, to string, src *G.Node, attrs []string, noLabel bool) *dotEdge {
	key := [2]string{from, to}
	e, ok := p.edgeAt[key]
	if !ok {
		e = &dotEdge{from: from, to: to, attrs: attrs, noLabel: noLabel}
		p.edgeAt[key] = e
		p.edges = append(p.edges, e)
	}
	if !isIn(src, e.srcs) {
		e.srcs = append(e.srcs, src)
	}
	return e
}

// addOutputViews draws O_t, the rows of O that belong to step t.
func (p *picture) addOutputViews() {
	o, T, B := p.u.Logits, len(p.u.Hidden), p.u.BatchSize
	if p.keep != nil || !p.include(o) || o.Dims() != 2 || o.Shape()[0] != T*B {
		return
	}
	if l := p.u.Loss; l != nil && p.include(l) {
		if e, ok := p.edgeAt[[2]string{p.ids[o], p.ids[l]}]; ok {
			e.attrs = append(e.attrs, attr("minlen", "2")) // the loss above the O_t row
		}
	}
	rows := fmt.Sprintf("(%d, %d)", B, o.Shape()[1])
	// O_t sits at the top of step t's cluster, above H_t (an invisible
	// edge ranks it), and is tied to O by a dashed edge that does not
	// steer the layout.
	view := func(t int, id, label, below string) {
		key, cattrs := p.clusterFor("f", t)
		p.add(key, cattrs, dotNode{id: id, attrs: []string{attr("label", label), attr("shape", "box"),
			attr("style", "dashed,rounded"), attr("color", "#3b6ea5")}})
		p.edges = append(p.edges, &dotEdge{from: p.ids[o], to: id, back: true, attrs: []string{
			attr("label", rows), attr("style", "dashed"), attr("color", "#9a9a9a"),
			attr("fontcolor", "#555555"), attr("arrowhead", "none")}})
		p.invis = append(p.invis, [2]string{below, id})
		p.oRow = append(p.oRow, id)
	}
	for t := 1; t <= T; t++ {
		switch {
		case t == p.lo:
			view(t, p.midO, fmt.Sprintf("O_%d … O_%d\nrows %d:%d of O", p.lo, p.hi, (p.lo-1)*B, p.hi*B), p.midFwd)
		case p.collapsed(t):
		default:
			view(t, p.fresh(fmt.Sprintf("O_%d", t)), fmt.Sprintf("O_%d\nrows %d:%d of O", t, (t-1)*B, t*B), p.ids[p.u.Hidden[t-1]])
		}
	}
}

// caption is the picture's title.
func (p *picture) caption() string {
	u := p.u
	s := fmt.Sprintf("unrolled over %d steps, batch %d", len(u.Hidden), u.BatchSize)
	if p.hi >= p.lo {
		s += fmt.Sprintf(", steps %d..%d collapsed", p.lo, p.hi)
	}
	if p.opts.Grad {
		return s + ", forward and backward pass"
	}
	return s + ", forward pass"
}

func (p *picture) write(title string) []byte {
	var b bytes.Buffer
	b.WriteString("digraph unrolled {\n")
	for _, a := range []string{attr("label", title), attr("labelloc", "t"),
		attr("rankdir", "BT"), attr("newrank", "true"), attr("nodesep", "0.3"), attr("ranksep", "0.35"),
		// dot's crossing minimisation would shuffle the step clusters:
		// keep the order of the breadth-first walk below.
		attr("mclimit", "0.05"),
		attr("fontname", "Helvetica"), attr("fontsize", "13")} {
		fmt.Fprintf(&b, "\t%s;\n", a)
	}
	// Sizes in points, 4/3 px each in an SVG shown at its natural size:
	// the smallest, 11, sets digits and capitals about 10 px high.
	b.WriteString("\tnode [fontname=\"Helvetica\", fontsize=\"12\"];\n")
	b.WriteString("\tedge [fontname=\"Helvetica\", fontsize=\"11\"];\n")
	if len(p.xRow)+len(p.hRow) > 1 {
		// dot orders clusters by a breadth-first walk from the first
		// source (and, in a second pass, from the first sink) and ignores
		// invisible edges between clusters of one row. An invisible source
		// feeding X_1..X_T and an invisible sink fed by H_0..H_T, declared
		// first, make both walks meet the steps in order.
		b.WriteString("\t\"_order\" [shape=\"point\", style=\"invis\", width=\"0\", label=\"\"];\n")
		b.WriteString("\t\"_sink\" [shape=\"point\", style=\"invis\", width=\"0\", label=\"\"];\n")
		for _, id := range p.xRow {
			fmt.Fprintf(&b, "\t\"_order\" -> %s [style=\"invis\"];\n", quote(id))
		}
		// The sink is fed through O_t where a step has one: an edge to
		// the sink from H_t as well as H_t -> O_t makes dot's ranking
		// fail ("trouble in init_rank").
		// The waypoints do not feed it: with the edges that leave them
		// written backwards (dotEdge.back), that fails the same way.
		above := map[string]string{}
		for _, e := range p.invis {
			above[e[0]] = e[1]
		}
		waypoint := map[string]bool{}
		for _, w := range p.waypoints {
			waypoint[w] = true
		}
		for _, id := range p.hRow {
			if waypoint[id] {
				continue
			}
			if o, ok := above[id]; ok {
				id = o
			}
			fmt.Fprintf(&b, "\t%s -> \"_sink\" [style=\"invis\"];\n", quote(id))
		}
	}
	for _, n := range p.first {
		fmt.Fprintf(&b, "\t%s\n", nodeStmt(n))
	}
	// The steps first: dot's initial order follows declarations, and the
	// parameters (created first in the graph) must not lead it.
	rank := func(key string) int {
		switch {
		case key == "cluster_params" || strings.Contains(key, "output"):
			return 3
		}
		return 1
	}
	order := append([]string{}, p.clusterOrder...)
	slices.SortStableFunc(order, func(a, b string) int { return rank(a) - rank(b) })
	for _, key := range order {
		c := p.clusters[key]
		fmt.Fprintf(&b, "\tsubgraph %s {\n", quote(c.key))
		for _, a := range c.attrs {
			fmt.Fprintf(&b, "\t\t%s;\n", a)
		}
		for _, n := range c.nodes {
			fmt.Fprintf(&b, "\t\t%s\n", nodeStmt(n))
		}
		b.WriteString("\t}\n")
	}
	for _, n := range p.top {
		fmt.Fprintf(&b, "\t%s\n", nodeStmt(n))
	}
	// Rows, as in the book's figure: X_t, then the hidden states with H_0
	// on the left, then the outputs O_t on top.
	for _, r := range []struct {
		name string
		ids  []string
	}{{"row_x", p.xRow}, {"row_h", p.hRow}, {"row_o", p.oRow}, {"row_params", p.params}} {
		if len(r.ids) < 2 {
			continue
		}
		fmt.Fprintf(&b, "\tsubgraph %s { rank=\"same\";", quote(r.name))
		for _, id := range r.ids {
			fmt.Fprintf(&b, " %s;", quote(id))
		}
		b.WriteString(" }\n")
	}
	for _, e := range p.edges {
		attrs := e.attrs
		if !e.noLabel && !hasAttr(attrs, "label") && len(e.srcs) > 0 {
			attrs = append(attrs, attr("label", edgeLabel(e.srcs)))
		}
		if e.back {
			back := []string{attr("dir", "back")}
			for _, a := range attrs {
				if v, ok := strings.CutPrefix(a, "arrowhead="); ok {
					a = "arrowtail=" + v
				}
				back = append(back, a)
			}
			fmt.Fprintf(&b, "\t%s -> %s [%s];\n", quote(e.to), quote(e.from), strings.Join(back, ", "))
			continue
		}
		fmt.Fprintf(&b, "\t%s -> %s [%s];\n", quote(e.from), quote(e.to), strings.Join(attrs, ", "))
	}
	for _, e := range p.invis {
		fmt.Fprintf(&b, "\t%s -> %s [style=\"invis\"];\n", quote(e[0]), quote(e[1]))
	}
	b.WriteString("}\n")
	return b.Bytes()
}

// nodeAttrs styles a node by its role.
func (v *viewer) nodeAttrs(n *G.Node) []string {
	leaf := len(v.kids[n]) == 0
	label := v.withConsts(n, nodeLabel(n, leaf))
	d, isDeriv := v.derivOf[n]
	if isDeriv {
		label = d + "\n" + v.withConsts(n, opLabel(n.Op()))
	}
	a := []string{attr("label", label)}
	switch {
	case v.isParam[n]:
		return append(a, attr("shape", "box"), attr("style", "filled"), attr("fillcolor", "#fff2b3"), attr("color", "#b39b2d"))
	case v.fwd[n] && leaf: // X_t, H_0, Y
		return append(a, attr("shape", "box"), attr("style", "filled,rounded"), attr("fillcolor", "#d5ecd4"), attr("color", "#5a9a58"))
	case n == v.u.Loss:
		return append(a, attr("shape", "box"), attr("style", "filled,rounded,bold"), attr("fillcolor", "#ffd8a8"), attr("color", "#c77700"))
	case v.fwd[n] && (isIn(n, v.u.Hidden) || n == v.u.Logits):
		return append(a, attr("shape", "box"), attr("style", "filled,rounded,bold"), attr("fillcolor", "#cfe0f3"), attr("color", "#3b6ea5"))
	case v.fwd[n]:
		return append(a, attr("shape", "ellipse"), attr("fontsize", "11"))
	case leaf: // a constant of the backward pass
		return append(a, attr("shape", "plaintext"), attr("fontsize", "11"))
	}
	a = append(a, attr("shape", "ellipse"), attr("fontsize", "11"), attr("color", "#b04a4a"), attr("fontcolor", "#7a2020"))
	if isDeriv {
		a = append(a, attr("style", "bold"))
	}
	return a
}

// withConsts writes the scalar constants among n's operands, which are
// not drawn, into its operation's label: Sub(1, Z) reads "1 - ·" rather
// than "-" with an edge from a node "1" shared by every step.
func (v *viewer) withConsts(n *G.Node, label string) string {
	kids := v.kids[n]
	var consts []string
	for _, c := range kids {
		if v.isConst[c] {
			consts = append(consts, c.Name())
		}
	}
	if len(consts) == 0 {
		return label
	}
	head, rest, _ := strings.Cut(label, "\n")
	op := head
	if explicitName(n) {
		op = rest
	}
	var folded string
	switch {
	case len(kids) == 2 && v.isConst[kids[0]] && !v.isConst[kids[1]]:
		folded = kids[0].Name() + " " + op + " ·"
	case len(kids) == 2 && v.isConst[kids[1]] && !v.isConst[kids[0]]:
		folded = "· " + op + " " + kids[1].Name()
	default:
		folded = op + " (" + strings.Join(consts, ", ") + ")"
	}
	if explicitName(n) {
		return head + "\n" + folded
	}
	if rest != "" {
		return folded + "\n" + rest
	}
	return folded
}

// edgeAttrs styles an edge from operand c to consumer n.
func (v *viewer) edgeAttrs(c, n *G.Node) []string {
	a := []string{attr("fontcolor", "#555555")}
	switch {
	case !v.fwd[n]:
		return append(a, attr("color", "#c48b8b"))
	case v.isParam[c]:
		return append(a, attr("color", "#9a8a3a"))
	}
	return a
}

// edgeLabel names the tensor an edge carries: its shape, and the names of
// the tensors when several collapsed steps share one edge.
func edgeLabel(srcs []*G.Node) string {
	s := shapeString(srcs[0])
	if len(srcs) == 1 {
		return s
	}
	first, last := srcs[0], srcs[len(srcs)-1]
	if explicitName(first) && explicitName(last) {
		return fmt.Sprintf("%s … %s\n%s each", first.Name(), last.Name(), s)
	}
	return fmt.Sprintf("%d × %s", len(srcs), s)
}

func shapeString(n *G.Node) string {
	s := n.Shape()
	if len(s) == 0 {
		return "scalar"
	}
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = strconv.Itoa(d)
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// explicitName reports whether n was given a name, rather than Gorgonia's
// generated "Op(%1, %2)".
func explicitName(n *G.Node) bool {
	if n.Op() == nil {
		return true
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s(", n.Op())
	it := n.Graph().From(n.ID())
	for i := 0; it.Next(); i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%%%x", it.Node().ID())
	}
	b.WriteString(")")
	return n.Name() != b.String()
}

// nodeTitle names a node in a message.
func nodeTitle(n *G.Node) string {
	if n == nil {
		return "?"
	}
	if explicitName(n) {
		return strconv.Quote(n.Name())
	}
	return fmt.Sprintf("%q (id %d)", opLabel(n.Op()), n.ID())
}

// nodeLabel is the book's name when the node has one (with its operation
// below), else the operation. A leaf shows its name only.
func nodeLabel(n *G.Node, leaf bool) string {
	switch {
	case n.Op() == nil || leaf:
		return n.Name()
	case explicitName(n):
		return n.Name() + "\n" + opLabel(n.Op())
	}
	return opLabel(n.Op())
}

// opLabel shortens Gorgonia's operator strings.
func opLabel(op G.Op) string {
	if op == nil {
		return ""
	}
	s := op.String()
	switch {
	case strings.HasPrefix(s, "ByIndicesOpDiff"):
		return "∂ gather rows"
	case strings.HasPrefix(s, "ByIndicesOp"):
		return "gather rows"
	case strings.HasPrefix(s, "StackRows"):
		return "stack rows"
	case s == "AddBias":
		return "+ bias"
	case s == "SoftmaxXent":
		return "softmax\ncross-entropy"
	case s == "SoftmaxXentGrad":
		return "∂ softmax\ncross-entropy"
	case s == "Tanh":
		return "tanh"
	case s == "Sigmoid":
		return "σ"
	case s == "TanhDeriv":
		return "tanh′: 1 - y²"
	case s == "SigmoidDeriv":
		return "σ′: y(1 - y)"
	case s == "A × B":
		return "×"
	}
	return strings.TrimSuffix(strings.TrimSuffix(s, " false"), " true")
}

func isIn(n *G.Node, ns []*G.Node) bool {
	for _, m := range ns {
		if m == n {
			return true
		}
	}
	return false
}

func attr(k, v string) string { return k + "=" + quote(v) }

// setAttrs sets attributes, replacing those of the same key.
func setAttrs(attrs []string, set ...string) []string {
	out := attrs[:0:0]
	for _, a := range attrs {
		k, _, _ := strings.Cut(a, "=")
		if !hasAttr(set, k) {
			out = append(out, a)
		}
	}
	return append(out, set...)
}

func hasAttr(attrs []string, k string) bool {
	for _, a := range attrs {
		if strings.HasPrefix(a, k+"=") {
			return true
		}
	}
	return false
}

func nodeStmt(n dotNode) string {
	return fmt.Sprintf("%s [%s];", quote(n.id), strings.Join(n.attrs, ", "))
}

// quote makes a DOT double-quoted string; newlines become centred breaks.
func quote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return `"` + r.Replace(s) + `"`
}
