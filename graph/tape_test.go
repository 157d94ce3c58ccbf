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
		ua, err := graph.Unroll(ma, gc)
		if err != nil {
			t.Fatal(err)
		}
		ub, _ := graph.Unroll(mb, gc)
		graph.RunAllEachRun(ub)
		if !graph.RunsOnCaller(ua) {
			t.Fatal("this Gorgonia's TapeMachine is not run on the caller")
		}
		if graph.RunsOnCaller(ub) {
			t.Fatal("RunAllEachRun: still run on the caller")
		}
		sa, sb := zeroStates(ma, gc.BatchSize, dt), zeroStates(mb, gc.BatchSize, dt)
		r := rand.New(rand.NewPCG(9, 10))
		for run := 0; run < 4; run++ {
			ids := randomIDs(r, gc)
			ga, gb := runSameBits(t, fmt.Sprintf("%s %v run %d (on the caller, RunAll)", kind, dt, run), ua, ub, ma, sa, sb, ids)
			for i, p := range ma.Params() {
				step(p.Value, ga[i])
				step(mb.Params()[i].Value, gb[i])
			}
		}
	})
}
