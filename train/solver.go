package train

import (
	"fmt"
	"math"

	"github.com/unroll/unroll/graph"
	"github.com/unroll/unroll/internal/kernels"
	"github.com/unroll/unroll/internal/par"
	"gorgonia.org/tensor"
)

// Solver updates parameters from their gradients.
type Solver interface {
	Step(params []graph.Param, grads []*tensor.Dense) error
}

// SGD is the book's minibatch stochastic gradient descent, p -= LR * grad
// (d2l.sgd with batch_size 1, since the loss is already a mean). Every
// method has a pointer receiver, so only *SGD is a Solver: a Trainer's
// learning-rate schedule sets the rate of the solver it holds (SetLR), which
// a copy held by value would silently ignore.
type SGD struct {
	LR float64
}

// Step implements Solver.
func (s *SGD) Step(params []graph.Param, grads []*tensor.Dense) error {
	if len(params) != len(grads) {
		return fmt.Errorf("train: SGD: %d parameters but %d gradients", len(params), len(grads))
	}
	for i, p := range params {
		switch v := p.Value.Data().(type) {
		case []float32:
			g := grads[i].Float32s()
			par.Range(len(v), minParElems, func(_, lo, hi int) { kernels.Axpy32(v[lo:hi], g[lo:hi], float32(-s.LR)) })
		case []float64:
			g := grads[i].Float64s()
			par.Range(len(v), minParElems, func(_, lo, hi int) { axpy(v[lo:hi], g[lo:hi], -s.LR) })
		}
	}
	return nil
}

// minParElems: passes over fewer values stay on one goroutine.
const minParElems = 1 << 15

// scaleBy sets x *= a (float32: kernels.Scale32, the same bits in SIMD).
func scaleBy[T float32 | float64](x []T, a T) {
	for i := range x {
		x[i] *= a
	}
}

// axpy sets y += a*x (float32: kernels.Axpy32, the same bits in SIMD).
func axpy[T float32 | float64](y, x []T, a T) {
	x = x[:len(y)]
	for i := range y {
		y[i] += a * x[i]
	}
}

// GradNorm returns the L2 norm of all gradients taken together. Large
// gradients are summed in blocks over the cores; the block sums are added
// in order, so the norm is the same from run to run. A float32 block's
// squares go to sixteen sums in turn (kernels.SumSquares32, SIMD lanes:
// the same bits on every kernel path).
func GradNorm(grads []*tensor.Dense) float64 {
	var ss float64
	sums := make([]float64, par.Workers())
	for _, g := range grads {
		clear(sums)
		switch d := g.Data().(type) {
		case []float32:
			par.Range(len(d), minParElems, func(i, lo, hi int) { sums[i] = kernels.SumSquares32(d[lo:hi]) })
		case []float64:
			par.Range(len(d), minParElems, func(i, lo, hi int) { sums[i] = sumSquares(d[lo:hi]) })
		}
		for _, s := range sums {
			ss += s
		}
	}
	return math.Sqrt(ss)
}

// sumSquares is the sum of x[i]^2, accumulated in float64.
func sumSquares[T float32 | float64](x []T) float64 {
	var s float64
	for _, v := range x {
		s += float64(v) * float64(v)
	}
	return s
}

// ClipGradNorm is the book's grad_clipping: when the global L2 norm of all
// gradients exceeds theta, every gradient is scaled by theta/norm in place.
// It returns the norm before clipping. theta <= 0 disables clipping.
func ClipGradNorm(grads []*tensor.Dense, theta float64) float64 {
	norm := GradNorm(grads)
	if theta > 0 && norm > theta {
		scale := theta / norm
		for _, g := range grads {
			switch d := g.Data().(type) {
			case []float32:
				par.Range(len(d), minParElems, func(_, lo, hi int) { kernels.Scale32(d[lo:hi], float32(scale)) })
			case []float64:
				par.Range(len(d), minParElems, func(_, lo, hi int) { scaleBy(d[lo:hi], scale) })
			}
		}
	}
	return norm
}

// RateSetter is a Solver whose learning rate the Trainer sets before every
// epoch, from Config.LR and Config.Schedule.
type RateSetter interface {
	SetLR(lr float64)
}

// SolverState is what a checkpoint keeps of a solver: its name, its
// hyperparameters, how many updates it made and its per-parameter state
// (none for SGD; the moments for Adam).
type SolverState struct {
	Name    string             // "sgd" or "adam"
	Hyper   map[string]float64 // "lr", and "beta1", "beta2", "eps" for Adam
	Step    int64              // updates made
	Tensors []graph.Param      // named state tensors, e.g. Adam's m_W_xh
}

// StatefulSolver is a Solver whose state a checkpoint saves and restores.
type StatefulSolver interface {
	Solver
	State() SolverState
	SetState(s SolverState) error
}

// Optimizers are the solver names Config.Optimizer accepts.
var Optimizers = []string{"sgd", "adam"}

// NewSolver returns the solver called name ("sgd", also for "", or "adam")
// for params with learning rate lr.
func NewSolver(name string, params []graph.Param, lr float64) (Solver, error) {
	switch name {
	case "", "sgd":
		return &SGD{LR: lr}, nil
	case "adam":
		return NewAdam(params, lr), nil
	}
	return nil, fmt.Errorf("train: unknown optimizer %q: use sgd or adam", name)
}

// SetLR implements RateSetter.
func (s *SGD) SetLR(lr float64) { s.LR = lr }

// State implements StatefulSolver: SGD has no state beyond its rate.
func (s *SGD) State() SolverState {
	return SolverState{Name: "sgd", Hyper: map[string]float64{"lr": s.LR}}
}

// SetState implements StatefulSolver; the learning rate is left to the
// caller's Config.
func (s *SGD) SetState(st SolverState) error {
	if st.Name != "sgd" {
		return fmt.Errorf("train: the saved optimizer is %q, not sgd", st.Name)
	}
	return nil
}
