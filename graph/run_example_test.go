package graph_test

import (
	"fmt"
	"slices"

	"github.com/unroll/unroll/datasets"
	"github.com/unroll/unroll/graph"
	"github.com/unroll/unroll/models"
	"gorgonia.org/tensor"
)

// Run takes a datasets.Minibatch, which carries its layout: built from
// rows (one sequence each), it is batch-major like the book's (batch_size,
// num_steps) tensors, and a minibatch of another shape is refused rather
// than misread. Run overwrites the state it is given with the state after
// the last step (so the same tensors carry it to the next minibatch), and
// the gradient tensors belong to the graph: the next Run overwrites them.
func ExampleUnrolled_Run() {
	m, err := models.NewRNN(models.Config{VocabSize: 4, NumHiddens: 3, Dtype: tensor.Float64, Seed: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	u, err := graph.Unroll(m, graph.Config{BatchSize: 2, NumSteps: 3, Loss: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer u.Close()
	// Two sequences of three tokens and their targets, row by row.
	mb, err := datasets.NewMinibatch([][]int{{0, 1, 2}, {3, 2, 1}}, [][]int{{1, 2, 3}, {2, 1, 0}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("X, batch-major:", mb.X, mb.BatchSize, "x", mb.NumSteps)
	x, y := mb.At(1, 0)
	fmt.Println("row 1, step 0:", x, "->", y)

	state := []*tensor.Dense{tensor.New(tensor.Of(tensor.Float64), tensor.WithShape(2, 3))} // H_0 = 0
	h0 := state[0].Clone().(*tensor.Dense)                                                  // to keep it

	// The same six ids read as 3 sequences of 2 steps: refused.
	_, err = u.Run(datasets.Minibatch{X: mb.X, Y: mb.Y, BatchSize: 3, NumSteps: 2}, state)
	fmt.Println(err)

	loss1, err := u.Run(mb, state)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("state overwritten with H_3:", !slices.Equal(state[0].Float64s(), h0.Float64s()))
	grads, err := u.Grads()
	if err != nil {
		fmt.Println(err)
		return
	}
	kept := slices.Clone(grads[0].Float64s()) // a copy survives the next Run

	// The next Run starts from H_3, the state carried over.
	if _, err := u.Run(mb, state); err != nil {
		fmt.Println(err)
		return
	}
	again, _ := u.Grads()
	fmt.Println("Grads returns the same tensors:", again[0] == grads[0])
	fmt.Println("which the next Run overwrote:", !slices.Equal(grads[0].Float64s(), kept))

	// From the kept H_0 the loss is the first one again.
	loss3, _ := u.Run(mb, []*tensor.Dense{h0})
	fmt.Println("same initial state, same loss:", loss3 == loss1)
	// Output:
	// X, batch-major: [0 1 2 3 2 1] 2 x 3
	// row 1, step 0: 3 -> 2
	// graph: Run: the minibatch is 3 x 2 (BatchSize x NumSteps), the graph 2 x 3
	// state overwritten with H_3: true
	// Grads returns the same tensors: true
	// which the next Run overwrote: true
	// same initial state, same loss: true
}
