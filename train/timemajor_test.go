package train_test

import "github.com/unroll/unroll/datasets"

// timeMajor returns the minibatch of the time-major ids x and y (index
// t*batch+b, how these tests index the steps), in the Minibatch's
// batch-major layout; y may be nil.
func timeMajor(x, y []int, batch int) datasets.Minibatch {
	steps := len(x) / batch
	mb := datasets.Minibatch{X: make([]int, len(x)), BatchSize: batch, NumSteps: steps}
	if y != nil {
		mb.Y = make([]int, len(y))
	}
	for t := 0; t < steps; t++ {
		for b := 0; b < batch; b++ {
			mb.X[b*steps+t] = x[t*batch+b]
			if y != nil {
				mb.Y[b*steps+t] = y[t*batch+b]
			}
		}
	}
	return mb
}
