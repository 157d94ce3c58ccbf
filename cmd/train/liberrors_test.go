package main

import (
	"errors"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/unroll/unroll/datasets"
	"github.com/unroll/unroll/graph"
	"github.com/unroll/unroll/models"
	"gorgonia.org/tensor"
)

// TestFailingDOT: the library's Run writes nothing on a machine error;
// the command writes the failing node's neighbourhood to a temporary DOT
// file and names it in the message.
func TestFailingDOT(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	m, err := models.NewRNN(models.Config{VocabSize: 5, NumHiddens: 3, Dtype: tensor.Float32, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	u, err := graph.Unroll(m, graph.Config{BatchSize: 2, NumSteps: 3, Loss: true})
	if err != nil {
		t.Fatal(err)
	}
	mb := datasets.Minibatch{X: make([]int, 6), Y: []int{0, 1, 2, 3, 4, 5 + 3}, BatchSize: 2, NumSteps: 3} // a label outside [0, 5)
	state := []*tensor.Dense{tensor.New(tensor.Of(tensor.Float32), tensor.WithShape(2, 3))}
	_, runErr := u.Run(mb, state)
	var me *graph.MachineError
	if !errors.As(runErr, &me) {
		t.Fatalf("Run: %v, want a MachineError", runErr)
	}
	if ents, _ := os.ReadDir(tmp); len(ents) != 0 {
		t.Fatalf("the library wrote %s", ents[0].Name())
	}
	err = withFailingDOT(runErr, u)
	path := regexp.MustCompile(`written to (\S+)\]`).FindStringSubmatch(err.Error())
	if path == nil || !errors.Is(err, runErr) {
		t.Fatalf("message %q names no DOT file (or does not wrap the machine's error)", err)
	}
	dot, rerr := os.ReadFile(path[1])
	if rerr != nil || !strings.HasPrefix(string(dot), "digraph") || !strings.Contains(string(dot), "loss") {
		t.Errorf("DOT file %s: %v, %.60q", path[1], rerr, dot)
	}
	if other := errors.New("not the machine's"); withFailingDOT(other, u) != other {
		t.Error("another error was changed")
	}
}
