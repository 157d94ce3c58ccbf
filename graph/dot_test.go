package graph_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/awalterschulze/gographviz"
	"github.com/unroll/unroll/datasets"
	"github.com/unroll/unroll/graph"
	"github.com/unroll/unroll/models"
	"gorgonia.org/tensor"
)

// Small sizes keep the tests fast; the shapes on the edges follow them.
const (
	tV = 28 // vocabulary
	tH = 16 // hiddens
	tB = 4  // batch
)

func newModel(t *testing.T, kind string) graph.Model {
	t.Helper()
	c := models.Config{VocabSize: tV, NumHiddens: tH, Dtype: tensor.Float32, Seed: 1}
	var (
		m   graph.Model
		err error
	)
	if kind == "mlp" {
		m, err = models.NewMLP(c)
	} else {
		m, err = models.NewRNN(c)
	}
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func unroll(t *testing.T, kind string, steps int, loss bool) *graph.Unrolled {
	t.Helper()
	u, err := graph.Unroll(newModel(t, kind), graph.Config{BatchSize: tB, NumSteps: steps, Loss: loss})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { u.Close() })
	return u
}

// parsed is a DOT document read back by gographviz, without the invisible
// nodes and edges that only steer the layout.
type parsed struct {
	g     *gographviz.Graph
	nodes map[string]map[string]string // id -> attributes, unquoted
	edges []parsedEdge
}

type parsedEdge struct {
	from, to string
	attrs    map[string]string
}

func unq(s string) string {
	if u, err := strconv.Unquote(s); err == nil {
		return u
	}
	return s
}

func attrsOf(a gographviz.Attrs) map[string]string {
	m := map[string]string{}
	for k, v := range a {
		m[string(k)] = unq(v)
	}
	return m
}

func parse(t *testing.T, dot []byte) *parsed {
	t.Helper()
	g, err := gographviz.Read(dot)
	if err != nil {
		t.Fatalf("DOT does not parse: %v\n%s", err, dot)
	}
	p := &parsed{g: g, nodes: map[string]map[string]string{}}
	for _, n := range g.Nodes.Nodes {
		a := attrsOf(n.Attrs)
		if a["style"] == "invis" {
			continue
		}
		p.nodes[unq(n.Name)] = a
	}
	for _, e := range g.Edges.Edges {
		a := attrsOf(e.Attrs)
		if a["style"] == "invis" {
			continue
		}
		// dir=back is drawn from head to tail: the view writes edges that
		// enter a step from outside it that way, for the ranking.
		if a["dir"] == "back" {
			p.edges = append(p.edges, parsedEdge{unq(e.Dst), unq(e.Src), a})
			continue
		}
		p.edges = append(p.edges, parsedEdge{unq(e.Src), unq(e.Dst), a})
	}
	return p
}

func (p *parsed) out(id string) (es []parsedEdge) {
	for _, e := range p.edges {
		if e.from == id {
			es = append(es, e)
		}
	}
	return es
}

func (p *parsed) edge(from, to string) (parsedEdge, bool) {
	for _, e := range p.edges {
		if e.from == from && e.to == to {
			return e, true
		}
	}
	return parsedEdge{}, false
}

// inCluster reports whether node id is declared in subgraph name.
func (p *parsed) inCluster(name, id string) bool {
	kids := p.g.Relations.ParentToChildren[strconv.Quote(name)]
	return kids[strconv.Quote(id)] || kids[id]
}

func forward(t *testing.T, kind string, steps int, opts graph.DOTOptions) *parsed {
	t.Helper()
	dot, err := graph.DOT(unroll(t, kind, steps, true), opts)
	if err != nil {
		t.Fatal(err)
	}
	return parse(t, dot)
}

// TestDOTCountsPerStep pins what the forward view draws per time step.
//
// RNN, H_t = tanh(X_t W_xh + H_{t-1} W_hh + b_h) in Gorgonia's ops (8
// nodes and 9 edges per step):
//
//	nodes: X_t, X_t × W_xh, H_{t-1} × W_hh, +, + bias, H_t (tanh), the
//	       waypoint where H_{t-1} enters the step, and the view O_t.
//	edges: X_t -> ×, H_{t-1} -> waypoint, waypoint -> ×, the two
//	       products -> +, + -> + bias, + bias -> H_t, H_t -> stack rows,
//	       O -> O_t.
//
// The step's parameters have no edges into it: the operations that read
// them name them in their labels (× W_xh, × W_hh, + bias b_h), and they
// are drawn once, apart.
//
// Step 1 has no waypoint (H_0 is drawn inside the step it enters): one node
// and one edge fewer. Once (11 nodes, 6 edges): W_xh, W_hh, b_h, H_0, the
// output layer (stack rows, × W_hq, O = + b_q, with W_hq and b_q), Y and
// loss; edges stack -> ×, W_hq -> ×, × -> O, b_q -> O, O -> loss,
// Y -> loss.
//
// MLP, H_t = tanh(X_t W_xh + b_h) (5 nodes, 5 edges per step): X_t, ×,
// + bias, H_t, O_t; X_t -> ×, × -> + bias, + bias -> H_t,
// H_t -> stack rows, O -> O_t. Once (9 nodes, 6 edges): the
// RNN's without W_hh and H_0.
//
// Clusters: one per step, the output layer and the parameters.
func TestDOTCountsPerStep(t *testing.T) {
	for _, c := range []struct {
		kind                       string
		nodesPerStep, edgesPerStep int
		nodesOnce, edgesOnce       int
		noWaypoint                 int // step 1 without waypoint: one node, one edge
	}{
		{"rnn", 8, 9, 11, 6, 1},
		{"mlp", 5, 5, 9, 6, 0},
	} {
		for _, steps := range []int{2, 3, 5} {
			p := forward(t, c.kind, steps, graph.DOTOptions{})
			if got, want := len(p.nodes), c.nodesOnce+steps*c.nodesPerStep-c.noWaypoint; got != want {
				t.Errorf("%s, %d steps: %d nodes, want %d", c.kind, steps, got, want)
			}
			if got, want := len(p.edges), c.edgesOnce+steps*c.edgesPerStep-c.noWaypoint; got != want {
				t.Errorf("%s, %d steps: %d edges, want %d", c.kind, steps, got, want)
			}
			clusters := 0
			for name := range p.g.SubGraphs.SubGraphs {
				if strings.HasPrefix(unq(name), "cluster_") {
					clusters++
				}
			}
			if want := steps + 2; clusters != want {
				t.Errorf("%s, %d steps: %d clusters, want %d (one per step, the output layer, the parameters)", c.kind, steps, clusters, want)
			}
		}
	}
}

// TestDOTSummaryCounts pins the summarised 35-step view: steps 1, 2, 34
// and 35 drawn in full; steps 3..33 as one node for the computation
// (naming the parameters it reads), one for the inputs and one for the
// outputs, with edges from X_3..X_33 into it, the state from H_2 into it
// and from it into step 34, its hidden outputs into stack rows and O to
// O_3..O_33.
func TestDOTSummaryCounts(t *testing.T) {
	for _, c := range []struct {
		kind         string
		nodes, edges int
		midIn        []string
		reads        string
	}{
		// 11 + 4*8 - 1 + 3 nodes; 6 + 4*9 - 1 + 4 edges (X, H_2 in;
		// stack rows, O_t out): see TestDOTCountsPerStep.
		{kind: "rnn", nodes: 45, edges: 45, midIn: []string{"X_3..X_33", "H_2"}, reads: "reading W_xh, W_hh, b_h"},
		// 9 + 4*5 + 3 nodes; 6 + 4*5 + 3 edges
		{kind: "mlp", nodes: 32, edges: 29, midIn: []string{"X_3..X_33"}, reads: "reading W_xh, b_h"},
	} {
		p := forward(t, c.kind, 35, graph.DOTOptions{Summarize: 2})
		if len(p.nodes) != c.nodes || len(p.edges) != c.edges {
			t.Errorf("%s: %d nodes and %d edges, want %d and %d", c.kind, len(p.nodes), len(p.edges), c.nodes, c.edges)
		}
		for _, id := range []string{"X_1", "X_2", "X_34", "X_35", "H_1", "H_2", "H_34", "H_35", "steps_3..33", "O_3..O_33"} {
			if p.nodes[id] == nil {
				t.Errorf("%s: no node %s", c.kind, id)
			}
		}
		for _, id := range []string{"X_3", "H_3", "H_33", "O_3"} {
			if p.nodes[id] != nil {
				t.Errorf("%s: collapsed step's node %s is drawn", c.kind, id)
			}
		}
		for _, from := range c.midIn {
			if _, ok := p.edge(from, "steps_3..33"); !ok {
				t.Errorf("%s: no edge %s -> steps_3..33", c.kind, from)
			}
		}
		if l := p.nodes["steps_3..33"]["label"]; !strings.HasSuffix(l, "\n"+c.reads) {
			t.Errorf("%s: the collapsed steps' node is labelled %q, want it to end with %q", c.kind, l, c.reads)
		}
		e, ok := p.edge("steps_3..33", stackID(t, p))
		if !ok || !strings.Contains(e.attrs["label"], "H_3 … H_33") {
			t.Errorf("%s: edge from the collapsed steps to stack rows: %v %v", c.kind, ok, e.attrs)
		}
	}
}

// stackID finds the id of the stack rows node.
func stackID(t *testing.T, p *parsed) string {
	for id, a := range p.nodes {
		if a["label"] == "stack rows" {
			return id
		}
	}
	t.Fatal("no stack rows node")
	return ""
}

func TestDOTNamesShapesAndLayout(t *testing.T) {
	p := forward(t, "rnn", 3, graph.DOTOptions{})
	for _, id := range []string{"X_1", "X_2", "X_3", "H_0", "H_1", "H_2", "H_3", "O_1", "O_2", "O_3",
		"W_xh", "W_hh", "b_h", "W_hq", "b_q", "O", "Y", "loss"} {
		if p.nodes[id] == nil {
			t.Errorf("no node %s", id)
		}
	}
	// Parameters are drawn once. The output layer's feed it by an edge;
	// the steps' have none (they would cross every step between): in each
	// step the operations that read them name them.
	for _, c := range []struct {
		id    string
		uses  int
		shape string
	}{{"W_xh", 0, ""}, {"W_hh", 0, ""}, {"b_h", 0, ""}, {"W_hq", 1, "(16, 28)"}, {"b_q", 1, "(28)"}} {
		es := p.out(c.id)
		if len(es) != c.uses {
			t.Errorf("%s has %d uses, want %d", c.id, len(es), c.uses)
		}
		for _, e := range es {
			if e.attrs["label"] != c.shape {
				t.Errorf("%s -> %s labelled %q, want %q", c.id, e.to, e.attrs["label"], c.shape)
			}
		}
	}
	// One cluster per step, holding X_t, H_t and O_t; the step's
	// parameters in their own cluster, the output layer's in its.
	for i := 1; i <= 3; i++ {
		cl := "cluster_step_" + strconv.Itoa(i)
		for _, id := range []string{"X_", "H_", "O_"} {
			if !p.inCluster(cl, id+strconv.Itoa(i)) {
				t.Errorf("%s%d not in %s", id, i, cl)
			}
		}
		if p.inCluster(cl, "W_xh") {
			t.Errorf("a parameter is inside %s", cl)
		}
		for _, label := range []string{"×\nW_xh", "×\nW_hh", "+ bias\nb_h"} {
			found := 0
			for id, a := range p.nodes {
				if a["label"] == label && p.inCluster(cl, id) {
					found++
				}
			}
			if found != 1 {
				t.Errorf("%s: %d operations labelled %q, want 1", cl, found, label)
			}
		}
	}
	for _, id := range []string{"W_xh", "W_hh", "b_h"} {
		if !p.inCluster("cluster_params", id) {
			t.Errorf("%s not in the parameters' cluster", id)
		}
	}
	if !p.inCluster("cluster_step_1", "H_0") {
		t.Error("H_0 is not drawn in step 1, which it enters")
	}
	// The hidden state passes from step to step: H_{t-1} enters step t
	// through a waypoint and reaches the product H_{t-1} W_hh.
	for i := 2; i <= 3; i++ {
		prev := "H_" + strconv.Itoa(i-1)
		var w string
		for _, e := range p.out(prev) {
			if p.nodes[e.to]["shape"] == "point" {
				w = e.to
				if e.attrs["label"] != "(4, 16)" || e.attrs["style"] != "bold" {
					t.Errorf("%s -> step %d: %v", prev, i, e.attrs)
				}
			}
		}
		if w == "" || !p.inCluster("cluster_step_"+strconv.Itoa(i), w) {
			t.Fatalf("%s does not enter step %d", prev, i)
		}
		es := p.out(w)
		if len(es) != 1 || p.nodes[es[0].to]["label"] != "×\nW_hh" {
			t.Errorf("the state entering step %d goes to %v", i, es)
		}
	}
	// Every edge carries a shape, except the last leg of the state edges
	// (its first leg has it).
	for _, e := range p.edges {
		if e.attrs["label"] == "" && p.nodes[e.from]["shape"] != "point" {
			t.Errorf("edge %s -> %s has no label", e.from, e.to)
		}
	}
	// X_t is one-hot: (batch, vocabulary).
	if e, _ := p.edge("X_1", p.out("X_1")[0].to); e.attrs["label"] != "(4, 28)" {
		t.Errorf("X_1 edge labelled %q, want (4, 28)", e.attrs["label"])
	}
	// Rows as in the book's figure.
	if !strings.Contains(string(mustDOT(t, "rnn", 3, graph.DOTOptions{})), `subgraph "row_h" { rank="same"; "H_1"; "H_2"; "H_3";`) {
		t.Error("no row of hidden states")
	}
}

// TestDOTOneEdgePerStateArrow counts the drawn edges from H_{t-1} into
// step t: one, the book's one arrow, however many operations of the step
// read the state (a GRU's four, an LSTM's H and C). And every registered
// cell, stacked and bidirectional, builds, parses, and puts its named step
// nodes (H_t, C_t, l1.H_t, fwd.H_t, bwd.H_t) in step t's cluster.
func TestDOTOneEdgePerStateArrow(t *testing.T) {
	for _, c := range []struct {
		kind          string
		layers        int
		bidirectional bool
		named         []string // prefixes of the nodes named after step t
	}{
		{"rnn", 1, false, []string{"H_"}},
		{"gru", 1, false, []string{"H_"}},
		{"lstm", 1, false, []string{"H_", "C_"}},
		{"mlp", 1, false, []string{"H_"}},
		{"gru", 2, false, []string{"l1.H_", "l2.H_"}},
		{"lstm", 1, true, []string{"H_", "fwd.H_", "bwd.H_", "fwd.C_", "bwd.C_"}},
	} {
		name := fmt.Sprintf("%s layers %d bidirectional %v", c.kind, c.layers, c.bidirectional)
		m, err := models.New(models.Config{Kind: c.kind, VocabSize: tV, NumHiddens: tH, NumLayers: c.layers,
			Bidirectional: c.bidirectional, Dtype: tensor.Float32, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		for _, opts := range []graph.DOTOptions{{}, {Grad: true}} {
			dot, err := graph.ModelDOT(m, 3, opts)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			p := parse(t, dot)
			for i := 1; i <= 3; i++ {
				cl := "cluster_step_" + strconv.Itoa(i)
				for _, pre := range c.named {
					if id := pre + strconv.Itoa(i); !p.inCluster(cl, id) {
						t.Errorf("%s %+v: %s not in %s", name, opts, id, cl)
					}
				}
				if !p.inCluster(cl, "O_"+strconv.Itoa(i)) {
					t.Errorf("%s %+v: no O_%d in %s", name, opts, i, cl)
				}
			}
			if c.kind == "mlp" || c.layers > 1 || c.bidirectional {
				continue // the top layer's state is not the row's H
			}
			for i := 2; i <= 3; i++ {
				prev, cl := "H_"+strconv.Itoa(i-1), "cluster_step_"+strconv.Itoa(i)
				n := 0
				for _, e := range p.out(prev) {
					if p.inCluster(cl, e.to) {
						n++
					}
				}
				if n != 1 {
					t.Errorf("%s %+v: %d edges from %s into step %d, want 1", name, opts, n, prev, i)
				}
			}
		}
	}
}

func mustDOT(t *testing.T, kind string, steps int, opts graph.DOTOptions) []byte {
	t.Helper()
	dot, err := graph.DOT(unroll(t, kind, steps, true), opts)
	if err != nil {
		t.Fatal(err)
	}
	return dot
}

// TestDOTGradCountsPerStep pins what -grad adds per time step, derived
// from the Gorgonia graph itself: a step adds to u.Graph its forward ops
// and the backward ops G.Grad derives for them (counted here), and the
// view draws every one of them, plus its own per-step nodes (the waypoint
// of the entering state and O_t for the RNN, O_t for the MLP). Edges: the
// graph's (tanh's gradient is one op, TanhGrad, reading H_t and the
// incoming gradient), plus the view's (waypoint -> product and
// O -> O_t for the RNN, O -> O_t for the MLP), less the edges from the
// parameters into the step (forward and backward), which the view names in
// its operations' labels instead (counted in the graph here as well).
func TestDOTGradCountsPerStep(t *testing.T) {
	for _, c := range []struct {
		kind                 string
		viewNodes, viewEdges int // the view's own, per step
	}{{"rnn", 2, 2}, {"mlp", 1, 1}} {
		var n, e, gn, ge []int
		for _, steps := range []int{3, 4, 5} {
			u := unroll(t, c.kind, steps, true)
			nodes, edges := graphSize(u)
			edges -= paramEdges(u)
			gn, ge = append(gn, nodes), append(ge, edges)
			dot, err := graph.DOT(u, graph.DOTOptions{Grad: true})
			if err != nil {
				t.Fatal(err)
			}
			p := parse(t, dot)
			n = append(n, len(p.nodes))
			e = append(e, len(p.edges))
		}
		for i := 1; i < len(n); i++ {
			wantN := gn[i] - gn[i-1] + c.viewNodes
			wantE := ge[i] - ge[i-1] + c.viewEdges
			if n[i]-n[i-1] != wantN || e[i]-e[i-1] != wantE {
				t.Errorf("%s: a step adds %d nodes and %d edges, want %d and %d (the graph adds %d and %d)",
					c.kind, n[i]-n[i-1], e[i]-e[i-1], wantN, wantE, gn[i]-gn[i-1], ge[i]-ge[i-1])
			}
		}
	}
	p := forward(t, "rnn", 3, graph.DOTOptions{Grad: true})
	for _, want := range []string{"∂loss/∂W_xh", "∂loss/∂W_hh", "∂loss/∂b_h", "∂loss/∂W_hq", "∂loss/∂b_q", "∂loss/∂O"} {
		found := 0
		for _, a := range p.nodes {
			if strings.HasPrefix(a["label"], want+"\n") {
				found++
			}
		}
		if found != 1 {
			t.Errorf("%d nodes labelled %s, want 1", found, want)
		}
	}
	for i := 1; i <= 3; i++ {
		if _, ok := p.g.SubGraphs.SubGraphs[strconv.Quote("cluster_backward_"+strconv.Itoa(i))]; !ok {
			t.Errorf("no backward cluster for step %d", i)
		}
	}
}

// paramEdges counts the operand edges of u's Gorgonia graph that come from
// a parameter.
func paramEdges(u *graph.Unrolled) int {
	param := map[int64]bool{}
	for _, p := range u.Params {
		param[p.ID()] = true
	}
	n := 0
	for _, x := range u.Nodes() {
		it := u.Graph.From(x.ID())
		for it.Next() {
			if param[it.Node().ID()] {
				n++
			}
		}
	}
	return n
}

// graphSize counts the nodes and operand edges of u's Gorgonia graph.
func graphSize(u *graph.Unrolled) (nodes, edges int) {
	for _, n := range u.Nodes() {
		nodes++
		it := u.Graph.From(n.ID())
		for it.Next() {
			edges++
		}
	}
	return nodes, edges
}

// TestDOTEveryModeParses reads back every mode's output.
func TestDOTEveryModeParses(t *testing.T) {
	for _, kind := range []string{"rnn", "mlp"} {
		for _, steps := range []int{1, 2, 3, 35} {
			u := unroll(t, kind, steps, true)
			for _, opts := range []graph.DOTOptions{{}, {Grad: true}, {Summarize: 1}, {Summarize: 2}, {Summarize: 2, Grad: true}, {Raw: steps <= 3}} {
				dot, err := graph.DOT(u, opts)
				if err != nil {
					t.Fatalf("%s, %d steps, %+v: %v", kind, steps, opts, err)
				}
				parse(t, dot)
			}
		}
	}
	// A generation graph (no loss) draws its forward pass; -grad fails.
	u := unroll(t, "rnn", 1, false)
	dot, err := graph.DOT(u, graph.DOTOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if p := parse(t, dot); p.nodes["loss"] != nil || p.nodes["H_1"] == nil {
		t.Error("generation graph drawn wrongly")
	}
	if _, err := graph.DOT(u, graph.DOTOptions{Grad: true}); err == nil {
		t.Error("Grad on a graph without loss: no error")
	}
	if _, err := graph.DOT(u, graph.DOTOptions{Summarize: -1}); err == nil {
		t.Error("Summarize -1: no error")
	}
}

func TestModelDOT(t *testing.T) {
	dot, err := graph.ModelDOT(newModel(t, "rnn"), 3, graph.DOTOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p := parse(t, dot)
	if e, ok := p.edge("X_1", p.out("X_1")[0].to); !ok || e.attrs["label"] != "(1, 28)" {
		t.Errorf("ModelDOT batch: X_1 edge %v, want (1, 28)", e.attrs)
	}
	if _, err := graph.ModelDOT(newModel(t, "mlp"), 0, graph.DOTOptions{}); err == nil {
		t.Error("0 steps: no error")
	}
}

// TestRunFailingNeighbourhood provokes a machine error (a label outside
// [0, V) makes the cross-entropy fail), checks that Run wrote no file (no
// hidden side effect) and draws the failing node's neighbourhood.
func TestRunFailingNeighbourhood(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // where os.CreateTemp would write
	u := unroll(t, "rnn", 3, true)
	n := u.NumSteps * u.BatchSize
	mb := datasets.Minibatch{X: make([]int, n), Y: make([]int, n), BatchSize: u.BatchSize, NumSteps: u.NumSteps}
	mb.Y[5] = tV + 3
	state := []*tensor.Dense{tensor.New(tensor.Of(tensor.Float32), tensor.WithShape(tB, tH))}
	_, err := u.Run(mb, state)
	var me *graph.MachineError
	if !errors.As(err, &me) {
		t.Fatalf("Run: %v (%T), want a MachineError", err, err)
	}
	if !strings.Contains(err.Error(), "loss") || !strings.Contains(err.Error(), "outside [0, 28)") {
		t.Errorf("message %q does not name the node and the cause", err)
	}
	if me.Node == nil || me.Node.Name() != "loss" {
		t.Errorf("failing node %v, want loss", me.Node)
	}
	if ents, _ := os.ReadDir(tmp); len(ents) > 0 {
		t.Errorf("Run wrote %s in the temporary directory", ents[0].Name())
	}
	data, derr := u.NeighbourhoodDOT(err, 2)
	if derr != nil {
		t.Fatal(derr)
	}
	p := parse(t, data)
	// Radius 2 around the loss (9 nodes): the loss; at distance 1 its
	// inputs O and Y and its reader, the cross-entropy's gradient (which
	// reuses the softmax the forward pass kept); at distance 2 what O is
	// made of (O = (stacked H × W_hq) + b_q: the product and b_q) and the
	// gradient's three readers (∂loss/∂O W_hqᵀ, ∂loss/∂W_hq = Hᵀ ∂loss/∂O
	// and ∂loss/∂b_q, a column sum). The constant 1 that G.Grad seeds is
	// not a node: it is written in the gradient's label.
	if len(p.nodes) != 9 {
		t.Errorf("%d nodes around the loss, want 9: %v", len(p.nodes), keys(p.nodes))
	}
	if !strings.Contains(p.nodes["O"]["label"], "+ bias") || p.nodes["b_q"] == nil {
		t.Errorf("O and b_q not around the loss: %v", keys(p.nodes))
	}
	if p.nodes["loss"]["fillcolor"] != "#ff6b6b" {
		t.Errorf("the failing node is not red: %v", p.nodes["loss"])
	}
	if !strings.Contains(p.g.Attrs["label"], "outside") {
		t.Errorf("the picture's title does not carry the error: %q", p.g.Attrs["label"])
	}
	// A second run with good labels works again.
	mb.Y[5] = 1
	if _, err := u.Run(mb, state); err != nil {
		t.Fatalf("after the failure: %v", err)
	}
	if _, err := u.NeighbourhoodDOT(errors.New("no node"), 2); err == nil {
		t.Error("NeighbourhoodDOT of an error without a node: no error")
	}
}

func keys(m map[string]map[string]string) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

func TestRenderWithoutGraphviz(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	if _, err := graph.Render([]byte("digraph{a}"), "svg"); !errors.Is(err, graph.ErrNoGraphviz) {
		t.Errorf("Render without dot: %v, want ErrNoGraphviz", err)
	}
	if _, err := graph.Render([]byte("digraph{a}"), "gif"); err == nil {
		t.Error("format gif: no error")
	}
}

// TestRenderTimes renders the 3-step forward view and the 35-step summary
// with graphviz, when it is installed (acceptance: < 1 s and < 10 s; the
// bounds here are looser, the machine may be busy).
func TestRenderTimes(t *testing.T) {
	if _, err := exec.LookPath("dot"); err != nil {
		t.Skip("graphviz's dot is not installed")
	}
	for _, c := range []struct {
		steps int
		opts  graph.DOTOptions
		limit time.Duration
	}{{3, graph.DOTOptions{}, 5 * time.Second}, {35, graph.DOTOptions{Summarize: 2}, 20 * time.Second}} {
		u, err := graph.Unroll(newModel(t, "rnn"), graph.Config{BatchSize: 32, NumSteps: c.steps, Loss: true})
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "g.svg")
		start := time.Now()
		err = graph.WriteDOTFile(u, path, c.opts)
		d := time.Since(start)
		u.Close()
		if err != nil {
			t.Fatal(err)
		}
		svg, _ := os.ReadFile(path)
		if !bytes.Contains(svg, []byte("<svg")) {
			t.Errorf("%d steps: not an SVG", c.steps)
		}
		t.Logf("%d steps %+v: DOT and dot -Tsvg in %v", c.steps, c.opts, d)
		if d > c.limit {
			t.Errorf("%d steps: rendering took %v", c.steps, d)
		}
	}
}

func TestWriteDOTFile(t *testing.T) {
	u := unroll(t, "mlp", 2, true)
	path := filepath.Join(t.TempDir(), "g.dot")
	if err := graph.WriteDOTFile(u, path, graph.DOTOptions{}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	parse(t, data)
	if err := graph.WriteDOTFile(u, filepath.Join(t.TempDir(), "no", "such", "dir.dot"), graph.DOTOptions{}); err == nil {
		t.Error("unwritable path: no error")
	}
}

// TestLayoutKeepsStepsInOrder lays the views out with graphviz, when it is
// installed, and checks that the hidden states run left to right: dot's
// crossing minimisation shuffles clusters unless the view steers it.
func TestLayoutKeepsStepsInOrder(t *testing.T) {
	if _, err := exec.LookPath("dot"); err != nil {
		t.Skip("graphviz's dot is not installed")
	}
	for _, c := range []struct {
		kind  string
		steps int
		opts  graph.DOTOptions
		want  []string
	}{
		{"rnn", 3, graph.DOTOptions{}, []string{"H_0", "H_1", "H_2", "H_3"}},
		{"rnn", 3, graph.DOTOptions{Grad: true}, []string{"H_0", "H_1", "H_2", "H_3"}},
		{"rnn", 35, graph.DOTOptions{Summarize: 2}, []string{"H_0", "H_1", "H_2", "steps_3..33", "H_34", "H_35"}},
		{"rnn", 35, graph.DOTOptions{Summarize: 1, Grad: true}, []string{"H_0", "H_1", "steps_2..34", "H_35"}},
		{"mlp", 5, graph.DOTOptions{}, []string{"H_1", "H_2", "H_3", "H_4", "H_5"}},
		{"mlp", 35, graph.DOTOptions{Summarize: 2}, []string{"H_1", "H_2", "steps_3..33", "H_34", "H_35"}},
	} {
		cmd := exec.Command("dot", "-Tplain")
		cmd.Stdin = bytes.NewReader(mustDOT(t, c.kind, c.steps, c.opts))
		out, err := cmd.Output()
		if err != nil {
			t.Fatal(err)
		}
		x := map[string]float64{}
		for _, line := range strings.Split(string(out), "\n") {
			f := strings.Fields(line)
			if len(f) > 3 && f[0] == "node" {
				x[unq(f[1])], _ = strconv.ParseFloat(f[2], 64)
			}
		}
		for i := 1; i < len(c.want); i++ {
			if x[c.want[i-1]] >= x[c.want[i]] {
				t.Errorf("%s, %d steps, %+v: %s (x=%g) is not left of %s (x=%g)", c.kind, c.steps, c.opts,
					c.want[i-1], x[c.want[i-1]], c.want[i], x[c.want[i]])
			}
		}
	}
}

// TestGradLayoutStepsOverSteps lays the -grad view out with graphviz, when
// it is installed, and checks that the backward steps stand in the order
// of the forward ones, each between the forward steps either side of its
// own (issue 16: they ran off in a diagonal).
func TestGradLayoutStepsOverSteps(t *testing.T) {
	if _, err := exec.LookPath("dot"); err != nil {
		t.Skip("graphviz's dot is not installed")
	}
	for _, c := range []struct {
		steps int
		opts  graph.DOTOptions
		fwd   []string // the forward clusters, left to right
		bwd   []string // their backward clusters
	}{
		{3, graph.DOTOptions{Grad: true}, []string{"cluster_step_1", "cluster_step_2", "cluster_step_3"},
			[]string{"cluster_backward_1", "cluster_backward_2", "cluster_backward_3"}},
		{35, graph.DOTOptions{Grad: true, Summarize: 1}, []string{"cluster_step_1", "cluster_steps_2..34", "cluster_step_35"},
			[]string{"cluster_backward_1", "cluster_backward_2..34", "cluster_backward_35"}},
	} {
		dot := mustDOT(t, "rnn", c.steps, c.opts)
		p := parse(t, dot)
		cmd := exec.Command("dot", "-Tplain")
		cmd.Stdin = bytes.NewReader(dot)
		out, err := cmd.Output()
		if err != nil {
			t.Fatal(err)
		}
		x := map[string]float64{}
		for _, line := range strings.Split(string(out), "\n") {
			f := strings.Fields(line)
			if len(f) > 3 && f[0] == "node" {
				x[unq(f[1])], _ = strconv.ParseFloat(f[2], 64)
			}
		}
		// center is the mean x of the drawn nodes of a cluster.
		center := func(cl string) float64 {
			sum, n := 0.0, 0
			for id := range p.nodes {
				if p.inCluster(cl, id) {
					sum += x[id]
					n++
				}
			}
			if n == 0 {
				t.Fatalf("%d steps: no nodes in %s", c.steps, cl)
			}
			return sum / float64(n)
		}
		var fx, bx []float64
		for i := range c.fwd {
			fx, bx = append(fx, center(c.fwd[i])), append(bx, center(c.bwd[i]))
		}
		for i := range bx {
			if i > 0 && bx[i-1] >= bx[i] {
				t.Errorf("%d steps: %s (x=%.1f) is not left of %s (x=%.1f)", c.steps, c.bwd[i-1], bx[i-1], c.bwd[i], bx[i])
			}
			// Between the forward steps either side of its own: the
			// backward clusters are wider than the forward ones, so
			// their centres sit a little apart.
			if i > 0 && bx[i] <= fx[i-1] || i+1 < len(fx) && bx[i] >= fx[i+1] {
				t.Errorf("%d steps: %s (x=%.1f) is not between the forward steps beside %s (centres %.1f)",
					c.steps, c.bwd[i], bx[i], c.fwd[i], fx)
			}
		}
		t.Logf("%d steps: forward centers %.1f, backward centers %.1f", c.steps, fx, bx)
	}
}
