package graph

import (
	"errors"
	"fmt"
	"strings"

	G "gorgonia.org/gorgonia"
)

// MachineError is the error Run returns when the TapeMachine fails. It
// names the node being executed, when Gorgonia reports one. Run writes
// nothing: to look at the failure in context, ask for the failing node's
// neighbourhood as DOT with Unrolled.NeighbourhoodDOT(err, radius), on
// the error's Graph, and write it where you choose (cmd/train does, to a
// temporary file).
type MachineError struct {
	Err   error     // the machine's error
	Node  *G.Node   // the failing node; nil when unknown
	Graph *Unrolled // the graph whose machine failed (one block's or chunk's, see NewRunner)
}

func (e *MachineError) Error() string {
	msg := "graph: the machine failed"
	if e.Err != nil {
		msg = e.Err.Error()
	}
	if e.Node != nil {
		msg += fmt.Sprintf(" [at node %s]", nodeTitle(e.Node))
	}
	return msg
}

// Unwrap returns the machine's error.
func (e *MachineError) Unwrap() error { return e.Err }

// failingNode returns the node a Gorgonia VM error names, or nil.
func failingNode(err error) *G.Node {
	var me *MachineError
	if errors.As(err, &me) && me.Node != nil {
		return me.Node
	}
	var ne interface{ Node() *G.Node }
	if errors.As(err, &ne) {
		return ne.Node()
	}
	return nil
}

// NeighbourhoodDOT returns the DOT of the nodes within radius edges
// (operands and consumers) of the node a machine error names, with the
// failing node drawn in red and the error as the picture's title. err is
// what the TapeMachine returned or a MachineError; NeighbourhoodDOT fails
// when err names no node of u.
func (u *Unrolled) NeighbourhoodDOT(err error, radius int) ([]byte, error) {
	n := failingNode(err)
	if n == nil || n.Graph() != u.Graph {
		return nil, fmt.Errorf("graph: NeighbourhoodDOT: the error names no node of this graph: %v", err)
	}
	if radius < 0 {
		return nil, fmt.Errorf("graph: NeighbourhoodDOT: radius must be >= 0, got %d", radius)
	}
	v := newViewer(u)
	if v.stmt[n] && len(v.kids[n]) > 0 {
		n = v.kids[n][0] // a failing read: show what it reads
	}
	keep := map[*G.Node]bool{n: true}
	frontier := []*G.Node{n}
	for r := 0; r < radius; r++ {
		var next []*G.Node
		for _, f := range frontier {
			for _, nb := range [][]*G.Node{v.kids[f], v.parents[f]} {
				for _, m := range nb {
					if !keep[m] && !v.stmt[m] {
						keep[m] = true
						next = append(next, m)
					}
				}
			}
		}
		frontier = next
	}
	title := strings.Join(strings.Fields(err.Error()), " ")
	if r := []rune(title); len(r) > 300 {
		title = string(r[:300]) + "…"
	}
	return v.render(DOTOptions{Grad: true}, keep, n, title), nil
}

// machineError wraps a TapeMachine error, naming the failing node.
func (u *Unrolled) machineError(err error) *MachineError {
	return &MachineError{Err: err, Node: failingNode(err), Graph: u}
}
