package graph_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/unroll/unroll/graph"
	"gorgonia.org/tensor"
)

// TestTapeSameBits: a machine run on the calling goroutine (graph's tape)
// gives the bits of the same machine run by Gorgonia's RunAll, for every
// cell in both dtypes, over runs with an SGD step between them (so later
// runs see new weights and rewound buffers).
func TestTapeSameBits(t *testing.T) {
	everyCellTwice(t, func(dt tensor.Dtype, kind string, ma, mb graph.Model, gc graph.Config) {
		ua, ub := unrollTwice(t, ma, mb, gc)
		graph.RunAllEachRun(ub)
		if !graph.RunsOnCaller(ua) {
			t.Fatal("this Gorgonia's TapeMachine is not run on the caller")
		}
		if graph.RunsOnCaller(ub) {
			t.Fatal("RunAllEachRun: still run on the caller")
		}
		runsSameBits(t, fmt.Sprintf("%s %v (on the caller, RunAll)", kind, dt), ua, ub, ma, mb, gc, rand.New(rand.NewPCG(9, 10)))
	})
}
