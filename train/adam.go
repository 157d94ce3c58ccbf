package train

import (
	"fmt"
	"math"

	"github.com/unroll/unroll/graph"
	"gorgonia.org/tensor"
)

// Adam is the Adam optimizer (Kingma and Ba, 2015) as PyTorch's
// torch.optim.Adam computes it without weight decay:
//
//	m = Beta1*m + (1-Beta1)*g
//	v = Beta2*v + (1-Beta2)*g*g
//	p -= LR/(1-Beta1^t) * m / (sqrt(v)/sqrt(1-Beta2^t) + Eps)
//
// Its moments m and v live beside the parameters, one tensor each of the
// same shape and dtype, allocated once by NewAdam: Step does not allocate.
// Unlike Gorgonia's AdamSolver it does not clone tensors every step, and its
// state can be saved in a checkpoint (see State).
type Adam struct {
	LR, Beta1, Beta2, Eps float64

	step  int64
	names []string
	m, v  []*tensor.Dense
}

// NewAdam returns Adam for params with learning rate lr and the usual
// Beta1 0.9, Beta2 0.999, Eps 1e-8.
func NewAdam(params []graph.Param, lr float64) *Adam {
	a := &Adam{LR: lr, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}
	for _, p := range params {
		a.names = append(a.names, p.Name)
		a.m = append(a.m, tensor.New(tensor.Of(p.Value.Dtype()), tensor.WithShape(p.Value.Shape().Clone()...)))
		a.v = append(a.v, tensor.New(tensor.Of(p.Value.Dtype()), tensor.WithShape(p.Value.Shape().Clone()...)))
	}
	return a
}

// SetLR implements RateSetter.
func (a *Adam) SetLR(lr float64) { a.LR = lr }

// Steps returns the number of updates made so far (t in the formula).
func (a *Adam) Steps() int64 { return a.step }

// Step implements Solver.
func (a *Adam) Step(params []graph.Param, grads []*tensor.Dense) error {
	if len(params) != len(a.m) || len(grads) != len(a.m) {
		return fmt.Errorf("train: Adam: built for %d parameters, got %d parameters and %d gradients", len(a.m), len(params), len(grads))
	}
	for i, p := range params {
		if p.Value.DataSize() != a.m[i].DataSize() || grads[i].DataSize() != a.m[i].DataSize() || p.Value.Dtype() != a.m[i].Dtype() {
			return fmt.Errorf("train: Adam: parameter %s has changed shape or dtype since NewAdam", p.Name)
		}
	}
	a.step++
	bc1 := 1 - math.Pow(a.Beta1, float64(a.step))
	bc2 := 1 - math.Pow(a.Beta2, float64(a.step))
	stepSize, sqrtBC2 := a.LR/bc1, math.Sqrt(bc2)
	for i, p := range params {
		switch p.Value.Dtype() {
		case tensor.Float32:
			adamUpdate(p.Value.Float32s(), grads[i].Float32s(), a.m[i].Float32s(), a.v[i].Float32s(),
				float32(a.Beta1), float32(a.Beta2), float32(a.Eps), float32(stepSize), float32(sqrtBC2))
		case tensor.Float64:
			adamUpdate(p.Value.Float64s(), grads[i].Float64s(), a.m[i].Float64s(), a.v[i].Float64s(),
				a.Beta1, a.Beta2, a.Eps, stepSize, sqrtBC2)
		}
	}
	return nil
}

// adamUpdate applies one Adam step to p with gradient g and moments m, v.
func adamUpdate[T float32 | float64](p, g, m, v []T, b1, b2, eps, stepSize, sqrtBC2 T) {
	g, m, v = g[:len(p)], m[:len(p)], v[:len(p)]
	for i, gi := range g {
		m[i] = b1*m[i] + (1-b1)*gi
		v[i] = b2*v[i] + (1-b2)*gi*gi
		p[i] -= stepSize * m[i] / (T(math.Sqrt(float64(v[i])))/sqrtBC2 + eps)
	}
}

// State implements StatefulSolver: the hyperparameters, the step count and
// the moments, named m_<param> and v_<param> (m_W_xh, v_W_xh, ...). The
// tensors are the live ones.
func (a *Adam) State() SolverState {
	s := SolverState{
		Name:  "adam",
		Hyper: map[string]float64{"lr": a.LR, "beta1": a.Beta1, "beta2": a.Beta2, "eps": a.Eps},
		Step:  a.step,
	}
	for i, n := range a.names {
		s.Tensors = append(s.Tensors, graph.Param{Name: "m_" + n, Value: a.m[i]})
	}
	for i, n := range a.names {
		s.Tensors = append(s.Tensors, graph.Param{Name: "v_" + n, Value: a.v[i]})
	}
	return s
}

// SetState implements StatefulSolver: it copies the moments and the step
// count from s, and the betas and eps; the learning rate is left to the
// caller's Config (and schedule).
func (a *Adam) SetState(s SolverState) error {
	if s.Name != "adam" {
		return fmt.Errorf("train: the saved optimizer is %q, not adam", s.Name)
	}
	byName := map[string]*tensor.Dense{}
	for _, t := range s.Tensors {
		byName[t.Name] = t.Value
	}
	for _, mine := range a.State().Tensors {
		src, ok := byName[mine.Name]
		if !ok {
			return fmt.Errorf("train: the saved adam state has no %s", mine.Name)
		}
		if !src.Shape().Eq(mine.Value.Shape()) || src.Dtype() != mine.Value.Dtype() {
			return fmt.Errorf("train: saved adam %s is %v %v, want %v %v", mine.Name, src.Dtype(), src.Shape(), mine.Value.Dtype(), mine.Value.Shape())
		}
		copyDenseValues(mine.Value, src)
	}
	for k, dst := range map[string]*float64{"beta1": &a.Beta1, "beta2": &a.Beta2, "eps": &a.Eps} {
		if v, ok := s.Hyper[k]; ok {
			*dst = v
		}
	}
	if s.Step < 0 {
		return fmt.Errorf("train: saved adam step count %d is negative", s.Step)
	}
	a.step = s.Step
	return nil
}

// copyDenseValues copies src's values into dst of the same dtype and size.
func copyDenseValues(dst, src *tensor.Dense) {
	switch d := dst.Data().(type) {
	case []float32:
		copy(d, src.Float32s())
	case []float64:
		copy(d, src.Float64s())
	}
}
