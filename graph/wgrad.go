package graph

import (
	"cmp"
	"fmt"
	"slices"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Gradients of weights shared over time steps.
//
// An unrolled cell uses each weight W once per step, as x_t W (G.Mul) or
// x_t + W (AddBias, W a bias). G.Grad differentiates every use on its own
// and sums the terms one by one: per step a (in, B) x (B, out) product
// with a depth of only B rows, a fresh (in, out) matrix, and an Add of it
// into the running sum. symbolicGrads keeps G.Grad's derivation of
// everything else and asks it for the gradient of each use (the products
// x_t W) instead of W; the gradient of W is then the sum over the uses of
// x_tᵀ dY_t, which sumMulTN computes as one product over all the steps'
// rows (column sums for a bias). The arithmetic is the same chain rule as
// Gorgonia's Mul and AddBias derivatives; only the sum over steps is
// grouped. Model code does not change: the rewrite looks at how the graph
// uses each parameter, and leaves a parameter used any other way to G.Grad.

// sharedUse is one use of a parameter: the node computing it and the other
// operand (x in x W, x in x + b).
type sharedUse struct{ node, x *G.Node }

// sharedUses returns, for each parameter used two or more times and only
// as the right operand of plain matrix products (x W) or only as the bias
// of AddBias, its uses that affect cost. Other parameters are left out.
func sharedUses(g *G.ExprGraph, cost *G.Node, params G.Nodes) map[*G.Node][]sharedUse {
	affects := ancestors(cost)
	out := map[*G.Node][]sharedUse{}
	for _, p := range params {
		var uses []sharedUse
		kind, ok := "", true
		for it := g.To(p.ID()); ok && it.Next(); {
			n := it.Node().(*G.Node)
			ch := children(g, n)
			k := useKind(n)
			if k == "" || len(ch) != 2 || ch[1] != p || ch[0] == p || (kind != "" && k != kind) {
				ok = false
				break
			}
			kind = k
			if affects[n] {
				uses = append(uses, sharedUse{node: n, x: ch[0]})
			}
		}
		if ok && len(uses) >= 2 {
			// Gorgonia's parent lists have no fixed order; node IDs
			// follow construction, so the steps' order, and with it the
			// order of the sum, is the same in every graph.
			slices.SortFunc(uses, func(a, b sharedUse) int { return cmp.Compare(a.node.ID(), b.node.ID()) })
			out[p] = uses
		}
	}
	return out
}

// useKind is "mul" for a plain matrix product node, "bias" for AddBias,
// "" otherwise.
func useKind(n *G.Node) string {
	switch op := n.Op().(type) {
	case addBiasOp:
		return "bias"
	case nil:
		return ""
	default:
		if op.String() == "A × B" && n.Dims() == 2 {
			return "mul"
		}
	}
	return ""
}

// children returns n's operands in order.
func children(g *G.ExprGraph, n *G.Node) G.Nodes {
	var ch G.Nodes
	for it := g.From(n.ID()); it.Next(); {
		ch = append(ch, it.Node().(*G.Node))
	}
	return ch
}

// ancestors returns the set of nodes n depends on, n included.
func ancestors(n *G.Node) map[*G.Node]bool {
	seen := map[*G.Node]bool{n: true}
	stack := G.Nodes{n}
	g := n.Graph()
	for len(stack) > 0 {
		top := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, c := range children(g, top) {
			if !seen[c] {
				seen[c] = true
				stack = append(stack, c)
			}
		}
	}
	return seen
}

// symbolicGrads returns the gradients of the scalar cost with respect to
// wrt, derived by G.Backpropagate, with the gradients of the parameters
// among wrt that the graph shares over steps (sharedUses) summed by
// sumMulTN / colSums over all their uses at once. Each parameter's
// gradient node is its derivative (G.SetDerivOf), which the TapeMachine
// adds into its dual value. It also returns the gradient nodes that
// nothing uses (those of the one-hot inputs, of an initial state not asked
// for, the per-step terms of the shared weights), which the machine is
// compiled without.
func symbolicGrads(cost *G.Node, wrt G.Nodes, params G.Nodes) (G.Nodes, map[*G.Node]bool, error) {
	g := cost.Graph()
	before := make(map[*G.Node]bool, len(g.AllNodes()))
	for _, n := range g.AllNodes() {
		before[n] = true
	}
	shared := sharedUses(g, cost, params)
	var asked G.Nodes
	for _, w := range wrt {
		if uses, ok := shared[w]; ok {
			for _, u := range uses {
				asked = append(asked, u.node)
			}
			continue
		}
		asked = append(asked, w)
	}
	var one *G.Node
	switch cost.Dtype() {
	case tensor.Float32:
		one = G.NewConstant(float32(1))
	default:
		one = G.NewConstant(1.0)
	}
	one = g.AddNode(one)
	dAsked, err := G.Backpropagate(G.Nodes{cost}, G.Nodes{one}, asked)
	if err != nil {
		return nil, nil, err
	}
	grads := make(G.Nodes, len(wrt))
	i := 0
	for j, w := range wrt {
		uses, ok := shared[w]
		if !ok {
			grads[j] = dAsked[i]
			i++
			continue
		}
		xs, dys := make(G.Nodes, len(uses)), make(G.Nodes, len(uses))
		for k, u := range uses {
			xs[k], dys[k] = u.x, dAsked[i]
			i++
		}
		var d *G.Node
		if useKind(uses[0].node) == "bias" {
			d, err = colSums(dys...)
		} else {
			d, err = sumMulTN(xs, dys)
		}
		if err != nil {
			return nil, nil, fmt.Errorf("gradient of %s: %w", w.Name(), err)
		}
		G.SetDerivOf(d, w)
		grads[j] = d
	}
	return grads, deadGradients(g, before, grads), nil
}

// deadGradients returns the nodes added since before that no node uses
// and that are not in keep, and then whatever only they used: the
// gradient terms G.Backpropagate makes and nothing reads. They stay in
// the graph (removing nodes leaves a Gorgonia graph's node index stale) and are
// left out of the compiled machine (see Unrolled.compile).
func deadGradients(g *G.ExprGraph, before map[*G.Node]bool, keep G.Nodes) map[*G.Node]bool {
	kept := make(map[*G.Node]bool, len(keep))
	for _, k := range keep {
		kept[k] = true
	}
	dead := map[*G.Node]bool{}
	unused := func(n *G.Node) bool {
		for it := g.To(n.ID()); it.Next(); {
			if !dead[it.Node().(*G.Node)] {
				return false
			}
		}
		return true
	}
	queue := append(G.Nodes{}, g.AllNodes()...)
	for len(queue) > 0 {
		n := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		if before[n] || kept[n] || dead[n] || n.Op() == nil || !unused(n) {
			continue
		}
		dead[n] = true
		queue = append(queue, children(g, n)...)
	}
	return dead
}
