package blas

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"gorgonia.org/tensor"

	"github.com/unroll/unroll/internal/kernels"
)

// engineCase is one call: the operand shapes and how the operands and the
// reuse/incr tensor are made.
type engineCase struct {
	aShape, bShape, rShape tensor.Shape // rShape nil: no reuse/incr tensor
	bDtype, rDtype         tensor.Dtype // zero: a's dtype
	view                   string       // "": plain; "slice" or "T": a is a view
	fast                   bool         // the kernels' path must take it
	rBad                   bool         // but not with the reuse/incr tensor
}

// engineOpts are every combination of the options Gorgonia passes
// (tBinOp: WithReuse, WithIncr, UseUnsafe, AsSameType) on a case with a
// reuse tensor r, or without.
func engineOpts(r tensor.Tensor) [][]tensor.FuncOpt {
	base := [][]tensor.FuncOpt{{}, {tensor.UseUnsafe()}}
	if r != nil {
		base = append(base,
			[]tensor.FuncOpt{tensor.WithReuse(r)},
			[]tensor.FuncOpt{tensor.WithReuse(r), tensor.UseUnsafe()},
			[]tensor.FuncOpt{tensor.WithIncr(r)},
			[]tensor.FuncOpt{tensor.WithIncr(r), tensor.UseUnsafe()},
			[]tensor.FuncOpt{tensor.WithIncr(r), tensor.WithReuse(r)})
	}
	var all [][]tensor.FuncOpt
	for _, o := range base {
		all = append(all, o, append(slices.Clone(o), tensor.AsSameType()))
	}
	return all
}

// randShape is a random shape of 1 to 3 dimensions of 1 to 12 (every
// remainder of the 16 lanes of AVX-512 float32 within reach).
func randShape(r *rand.Rand) tensor.Shape {
	s := make(tensor.Shape, 1+r.IntN(3))
	for i := range s {
		s[i] = 1 + r.IntN(12)
	}
	return s
}

func engineCases(r *rand.Rand) []engineCase {
	var cs []engineCase
	for range 20 {
		s := randShape(r)
		fast := s.TotalSize() >= 2
		cs = append(cs, engineCase{aShape: s, bShape: s, fast: fast}, engineCase{aShape: s, bShape: s, rShape: s, fast: fast})
	}
	// The GRU's blocks: 16 rows of H=256.
	h := tensor.Shape{16, 256}
	cs = append(cs, engineCase{aShape: h, bShape: h, fast: true}, engineCase{aShape: h, bShape: h, rShape: h, fast: true})
	// StdEng's: one element (a scalar to it), views, a reuse tensor of
	// another shape (reshaped) or dtype (an error), mismatched operands
	// (errors).
	cs = append(cs,
		engineCase{aShape: tensor.Shape{1, 1}, bShape: tensor.Shape{1, 1}, rShape: tensor.Shape{1, 1}},
		engineCase{aShape: tensor.Shape{1}, bShape: tensor.Shape{1}, rShape: tensor.Shape{1}},
		engineCase{aShape: tensor.Shape{6, 5}, bShape: tensor.Shape{3, 5}, rShape: tensor.Shape{3, 5}, view: "slice"},
		engineCase{aShape: tensor.Shape{5, 3}, bShape: tensor.Shape{3, 5}, rShape: tensor.Shape{3, 5}, view: "T"},
		engineCase{aShape: tensor.Shape{3, 5}, bShape: tensor.Shape{3, 5}, rShape: tensor.Shape{5, 3}, fast: true, rBad: true},
		engineCase{aShape: tensor.Shape{3, 5}, bShape: tensor.Shape{3, 5}, rShape: tensor.Shape{15}, fast: true, rBad: true},
		engineCase{aShape: tensor.Shape{3, 5}, bShape: tensor.Shape{3, 5}, rShape: tensor.Shape{3, 5}, rDtype: tensor.Int, fast: true, rBad: true},
		engineCase{aShape: tensor.Shape{3, 5}, bShape: tensor.Shape{5, 3}, rShape: tensor.Shape{3, 5}},
		engineCase{aShape: tensor.Shape{15}, bShape: tensor.Shape{1, 15}, rShape: tensor.Shape{15}},
		engineCase{aShape: tensor.Shape{3, 5}, bShape: tensor.Shape{3, 5}, bDtype: tensor.Int, rShape: tensor.Shape{3, 5}},
	)
	return cs
}

// newT is a tensor of dtype dt and shape s, on engine e, filled from
// seed (the same seed gives the same values).
func newT(dt tensor.Dtype, s tensor.Shape, e tensor.Engine, seed uint64) *tensor.Dense {
	r := rand.New(rand.NewPCG(seed, 7))
	n := s.TotalSize()
	var back any
	switch dt {
	case tensor.Float32:
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(r.NormFloat64() * math.Exp(3*r.NormFloat64()))
		}
		back = x
	case tensor.Float64:
		x := make([]float64, n)
		for i := range x {
			x[i] = r.NormFloat64() * math.Exp(3*r.NormFloat64())
		}
		back = x
	case tensor.Int:
		x := make([]int, n)
		for i := range x {
			x[i] = r.IntN(100)
		}
		back = x
	}
	return tensor.New(tensor.WithShape(s.Clone()...), tensor.WithBacking(back), tensor.WithEngine(e))
}

// operands makes a case's a, b and r (nil without one) on engine e.
func (c engineCase) operands(t *testing.T, dt tensor.Dtype, e tensor.Engine, seed uint64) (a, b, r tensor.Tensor) {
	bdt, rdt := dt, dt
	if c.bDtype != (tensor.Dtype{}) {
		bdt = c.bDtype
	}
	if c.rDtype != (tensor.Dtype{}) {
		rdt = c.rDtype
	}
	ad := newT(dt, c.aShape, e, seed)
	a = ad
	switch c.view {
	case "slice":
		v, err := ad.Slice(tensor.S(1, 4))
		if err != nil {
			t.Fatal(err)
		}
		a = v
	case "T":
		if err := ad.T(); err != nil {
			t.Fatal(err)
		}
	}
	b = newT(bdt, c.bShape, e, seed+1)
	if c.rShape != nil {
		r = newT(rdt, c.rShape, e, seed+2)
	}
	return a, b, r
}

// state is a tensor's shape and data bits, NaN-proof.
func state(x tensor.Tensor) string {
	if x == nil {
		return "nil"
	}
	var bits []uint64
	switch d := x.Data().(type) {
	case []float32:
		for _, v := range d {
			bits = append(bits, uint64(math.Float32bits(v)))
		}
	case []float64:
		for _, v := range d {
			bits = append(bits, math.Float64bits(v))
		}
	default:
		return fmt.Sprint(x.Shape(), d)
	}
	return fmt.Sprint(x.Shape(), bits)
}

// which says which tensor a result is.
func which(res, a, b, r tensor.Tensor) string {
	switch {
	case res == nil:
		return "nil"
	case res == a:
		return "a"
	case res == b:
		return "b"
	case r != nil && res == r:
		return "r"
	}
	return "new"
}

// TestEngineMatchesStdEng: tensor.Add, Sub and Mul on tensors of Engine
// give what they give on StdEng's, bit for bit, with every option
// combination, float32 and float64, on every kernel path: the result, the
// tensor returned (a, the reuse tensor or a new one), the error or not,
// and the operands and reuse tensor afterwards. The plain cases must take
// the kernels (binary not nil), the others StdEng.
func TestEngineMatchesStdEng(t *testing.T) {
	defer func() { _ = kernels.Select("") }()
	ops := []struct {
		name string
		op   kernels.Op
		fn   func(a, b any, opts ...tensor.FuncOpt) (tensor.Tensor, error)
	}{{"Add", kernels.Add, tensor.Add}, {"Sub", kernels.Sub, tensor.Sub}, {"Mul", kernels.Mul, tensor.Mul}}
	rng := rand.New(rand.NewPCG(3, 4))
	cases := engineCases(rng)
	for _, p := range kernels.Available() {
		if err := kernels.Select(p); err != nil {
			t.Fatal(err)
		}
		fast := 0
		for _, dt := range []tensor.Dtype{tensor.Float32, tensor.Float64} {
			for ci, c := range cases {
				for _, op := range ops {
					seed := uint64(ci * 10)
					_, _, r0 := c.operands(t, dt, tensor.StdEng{}, seed)
					for oi := range engineOpts(r0) {
						// Fresh operands per call: Unsafe and Incr write.
						sa, sb, sr := c.operands(t, dt, tensor.StdEng{}, seed)
						ea, eb, er := c.operands(t, dt, Engine{}, seed)
						want, werr := op.fn(sa, sb, engineOpts(sr)[oi]...)
						got, gerr := op.fn(ea, eb, engineOpts(er)[oi]...)
						name := fmt.Sprintf("%s %s %v case %d %v%s b%v r%v opts %d", p, op.name, dt, ci, c.aShape, c.view, c.bShape, c.rShape, oi)
						if (werr == nil) != (gerr == nil) {
							t.Fatalf("%s: error %v, StdEng's %v", name, gerr, werr)
						}
						if gerr == nil {
							if g, w := state(got), state(want); g != w {
								t.Fatalf("%s: result differs from StdEng's", name)
							}
							if g, w := which(got, ea, eb, er), which(want, sa, sb, sr); g != w {
								t.Fatalf("%s: returned %s, StdEng %s", name, g, w)
							}
						}
						for i, pair := range [][2]tensor.Tensor{{ea, sa}, {eb, sb}, {er, sr}} {
							if g, w := state(pair[0]), state(pair[1]); g != w {
								t.Fatalf("%s: operand %d afterwards differs from StdEng's", name, i)
							}
						}
						// Which path did it take?
						xa, xb, xr := c.operands(t, dt, Engine{}, seed)
						took := binary(op.op, xa, xb, engineOpts(xr)[oi]) != nil
						wantFast := c.fast && !(c.rBad && oi >= 4) // engineOpts: the first 4 have no r
						if took != wantFast {
							t.Fatalf("%s: kernels' path taken %v, want %v", name, took, wantFast)
						}
						if took {
							fast++
						}
					}
				}
			}
		}
		if fast == 0 {
			t.Fatalf("%s: no call took the kernels' path", p)
		}
	}
}
