package graph

import (
	"errors"
	"fmt"
	"os"
	"strings"

	G "gorgonia.org/gorgonia"
)

// MachineError is the error Run returns when the TapeMachine fails. It
// names the node being executed, when Gorgonia reports one, and the file
// into which Run wrote that node's neighbourhood as DOT (see
// NeighbourhoodDOT), so that the failure can be looked at in context.
type MachineError struct {
	Err     error   // the machine's error
	Node    *G.Node // the failing node; nil when unknown
	DOTPath string  // the neighbourhood's DOT file; "" when none was written
	DOTErr  error   // why no DOT file was written, if so
}

func (e *MachineError) Error() string {
	var b strings.Builder
	if e.Err == nil {
		b.WriteString("graph: the machine failed")
	} else {
		b.WriteString(e.Err.Error())
	}
	switch {
	case e.DOTPath != "":
		fmt.Fprintf(&b, " [graph around node %s written to %s]", nodeTitle(e.Node), e.DOTPath)
	case e.DOTErr != nil:
		fmt.Fprintf(&b, " [no DOT of the failing node: %v]", e.DOTErr)
	}
	return b.String()
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

// machineError wraps a TapeMachine error and writes the failing node's
// neighbourhood (radius 2) to a temporary DOT file.
func (u *Unrolled) machineError(err error) *MachineError {
	me := &MachineError{Err: err, Node: failingNode(err)}
	if me.Node == nil {
		return me
	}
	dot, derr := u.NeighbourhoodDOT(err, 2)
	if derr != nil {
		me.DOTErr = derr
		return me
	}
	f, derr := os.CreateTemp("", "unroll-fail-*.dot")
	if derr != nil {
		me.DOTErr = derr
		return me
	}
	_, derr = f.Write(dot)
	if cerr := f.Close(); derr == nil {
		derr = cerr
	}
	if derr != nil {
		me.DOTErr = derr
		os.Remove(f.Name())
		return me
	}
	me.DOTPath = f.Name()
	return me
}
