package train_test

import (
	"math"
	"testing"

	"github.com/unroll/unroll/graph"
	"github.com/unroll/unroll/train"
	"gorgonia.org/tensor"
)

// TestAdamSteps checks Adam against the formula worked by hand. On the
// first step m = (1-b1) g and v = (1-b2) g^2, so the bias-corrected ratio
// is g/|g| and p moves by lr*g/(|g| + eps*...) = lr*sign(g), to within eps.
// The second step with a constant gradient moves by lr again.
func TestAdamSteps(t *testing.T) {
	p := graph.Param{Name: "w", Value: tensor.New(tensor.WithBacking([]float64{1, -2, 0.5}))}
	g := tensor.New(tensor.WithBacking([]float64{0.3, -4, 1e-3}))
	a := train.NewAdam([]graph.Param{p}, 0.1)
	for step, want := range [][]float64{{0.9, -1.9, 0.4}, {0.8, -1.8, 0.3}} {
		if err := a.Step([]graph.Param{p}, []*tensor.Dense{g}); err != nil {
			t.Fatal(err)
		}
		for i, v := range p.Value.Float64s() {
			// eps 1e-8 against |g| >= 1e-3 shortens each step of 0.1 by at
			// most 1e-5 relative, 1e-6 absolute: 2e-6 after two steps.
			if math.Abs(v-want[i]) > 2.5e-6 {
				t.Errorf("step %d: w[%d] = %v, want %v", step+1, i, v, want[i])
			}
		}
	}
	if a.Steps() != 2 {
		t.Errorf("Steps() = %d, want 2", a.Steps())
	}
}

// TestAdamStateRoundTrip: saving the state after one step and restoring it
// into a fresh Adam continues exactly.
func TestAdamStateRoundTrip(t *testing.T) {
	newP := func() graph.Param {
		return graph.Param{Name: "W", Value: tensor.New(tensor.WithShape(2, 2), tensor.WithBacking([]float32{1, 2, 3, 4}))}
	}
	g1 := tensor.New(tensor.WithShape(2, 2), tensor.WithBacking([]float32{0.1, -0.2, 0.3, 0.05}))
	g2 := tensor.New(tensor.WithShape(2, 2), tensor.WithBacking([]float32{-0.3, 0.2, 0.01, 0.5}))
	p1 := newP()
	a := train.NewAdam([]graph.Param{p1}, 0.01)
	a.Step([]graph.Param{p1}, []*tensor.Dense{g1})
	st := a.State()
	// Copy the live tensors, as a checkpoint does.
	for i := range st.Tensors {
		st.Tensors[i].Value = st.Tensors[i].Value.Clone().(*tensor.Dense)
	}
	a.Step([]graph.Param{p1}, []*tensor.Dense{g2})

	p2 := newP()
	b := train.NewAdam([]graph.Param{p2}, 0.01)
	b.Step([]graph.Param{p2}, []*tensor.Dense{g1}) // p2 now equals p1 after step 1
	c := train.NewAdam([]graph.Param{p2}, 0.01)
	if err := c.SetState(st); err != nil {
		t.Fatal(err)
	}
	c.Step([]graph.Param{p2}, []*tensor.Dense{g2})
	for i, v := range p1.Value.Float32s() {
		if w := p2.Value.Float32s()[i]; v != w {
			t.Errorf("W[%d]: %v straight, %v restored", i, v, w)
		}
	}
}

func TestAdamDoesNotAllocate(t *testing.T) {
	p := graph.Param{Name: "W", Value: tensor.New(tensor.Of(tensor.Float32), tensor.WithShape(64, 64))}
	g := tensor.New(tensor.Of(tensor.Float32), tensor.WithShape(64, 64))
	a := train.NewAdam([]graph.Param{p}, 0.01)
	ps, gs := []graph.Param{p}, []*tensor.Dense{g}
	if n := testing.AllocsPerRun(20, func() { a.Step(ps, gs) }); n > 0 {
		t.Errorf("Adam.Step allocates %v times per step", n)
	}
}

func TestSchedule(t *testing.T) {
	for _, tc := range []struct {
		s     train.Schedule
		epoch int
		want  float64
	}{
		{train.Schedule{}, 7, 0.5},
		{train.Schedule{Kind: "constant"}, 100, 0.5},
		{train.Schedule{Kind: "step", Step: 10, Gamma: 0.1}, 10, 0.5},
		{train.Schedule{Kind: "step", Step: 10, Gamma: 0.1}, 11, 0.05},
		{train.Schedule{Kind: "step", Step: 10, Gamma: 0.1}, 21, 0.005},
		// cosine over 100 epochs: the first epoch has the full rate, epoch
		// 51 is halfway (cos(pi/2) = 0), epoch 101 would reach MinLR.
		{train.Schedule{Kind: "cosine"}, 1, 0.5},
		{train.Schedule{Kind: "cosine", MinLR: 0.1}, 51, 0.3},
		{train.Schedule{Kind: "cosine", MinLR: 0.1}, 101, 0.1},
	} {
		if got := tc.s.LR(0.5, tc.epoch, 100); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("%v epoch %d: lr %v, want %v", tc.s, tc.epoch, got, tc.want)
		}
	}
	for _, bad := range []train.Schedule{{Kind: "linear"}, {Kind: "step"}, {Kind: "step", Step: 1}, {Kind: "cosine", MinLR: -1}} {
		if bad.Validate() == nil {
			t.Errorf("%+v: want an error", bad)
		}
	}
}
