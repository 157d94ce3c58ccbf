package graph

import (
	"math"
	"math/rand/v2"
	"testing"

	"gorgonia.org/tensor"

	"github.com/unroll/unroll/internal/kernels"
)

// runXent returns the loss and gradient (incoming gradient 1) of logits
// (rows, v) of dtype dt.
func runXent(t *testing.T, logits *tensor.Dense, labels []int) (float64, *tensor.Dense) {
	t.Helper()
	y := tensor.New(tensor.WithShape(len(labels)), tensor.WithBacking(labels))
	op := xentOp{opBase{"SoftmaxXent"}, new(outBuf), 0}
	loss, err := op.Do(logits, y)
	if err != nil {
		t.Fatal(err)
	}
	one := newScalar(logits.Dtype(), 1)
	g, err := xentGradOp{opBase{"SoftmaxXentGrad"}, op.probs, new(outBuf), 0}.Do(logits, y, loss, one)
	if err != nil {
		t.Fatal(err)
	}
	l, err := scalarOf("test", loss)
	if err != nil {
		t.Fatal(err)
	}
	return l, g.(*tensor.Dense)
}

// TestXentFloat32: float32 logits, whose softmax and gradient are computed
// in float32, against the float64 computation of the same values, within
// bounds of their roundings; and the same bits on every kernel path.
func TestXentFloat32(t *testing.T) {
	const rows, v = 300, 28 // more rows than xentRows, not a multiple
	r := rand.New(rand.NewPCG(7, 8))
	x32 := make([]float32, rows*v)
	x64 := make([]float64, rows*v)
	for i := range x32 {
		x32[i] = float32(r.NormFloat64() * 3)
		if i/v%50 == 7 { // rows past expf's range
			x32[i] *= 100
		}
		x64[i] = float64(x32[i])
	}
	labels := make([]int, rows)
	for i := range labels {
		labels[i] = r.IntN(v)
	}
	l32, g32 := runXent(t, tensor.New(tensor.WithShape(rows, v), tensor.WithBacking(x32)), labels)
	l64, g64 := runXent(t, tensor.New(tensor.WithShape(rows, v), tensor.WithBacking(x64)), labels)
	// Each e_j = expf(z_j - m) is within 2^-22 relative of exp (expf's 2
	// ulp, TestExpfAccuracy) after the argument's rounding, an error of
	// |z_j - m| 2^-24 in the argument, so relative in e_j; s, a weighted
	// mean of those, inherits at most the largest weighted one, and
	// e^-d d <= 1/e. A row's loss is then off by at most 2^-22 +
	// 2^-24/e, the mean too, and the float32 result adds a rounding of
	// 2^-24 relative.
	const u = 0x1p-24
	if d, tol := math.Abs(l32-l64), 4*u+u/math.E+u*math.Abs(l64); d > tol {
		t.Errorf("float32 loss %v, float64 %v: off by %g > %g", l32, l64, d, tol)
	}
	// A probability p_j is off by its e_j's error, s's, and its own
	// rounding: p_j (8u + |z_j-m| u + u + u); the gradient adds the
	// scale's rounding, the product's (and at the label p_y - 1's, an
	// absolute u), each relative u of the entry.
	for i := range rows {
		row := x64[i*v : (i+1)*v]
		m := row[0]
		for _, z := range row {
			m = max(m, z)
		}
		for j := range v {
			want := g64.Float64s()[i*v+j]
			p := want * rows
			if j == labels[i] {
				p++
			}
			tol := (p*(10*u+math.Abs(row[j]-m)*u) + u + 2*u*math.Abs(want*rows)) / rows
			got := float64(g32.Float32s()[i*v+j])
			if math.Abs(got-want) > tol {
				t.Fatalf("row %d, logit %d: gradient %v, float64 %v: off by %g > %g", i, j, got, want, math.Abs(got-want), tol)
			}
		}
	}
	// Every kernel path: the same bits.
	defer func() { _ = kernels.Select("") }()
	for _, p := range kernels.Available() {
		if err := kernels.Select(p); err != nil {
			t.Fatal(err)
		}
		l, g := runXent(t, tensor.New(tensor.WithShape(rows, v), tensor.WithBacking(x32)), labels)
		if l != l32 {
			t.Errorf("path %s: loss %v, %v on the default path", p, l, l32)
		}
		for i, gv := range g.Float32s() {
			if math.Float32bits(gv) != math.Float32bits(g32.Float32s()[i]) {
				t.Fatalf("path %s: gradient[%d] %v, not %v", p, i, gv, g32.Float32s()[i])
			}
		}
	}
}

// TestRowMax32: rowMax32 is the largest value of rows of every length
// from 1 to 33 (the four maxima and the tail), with infinities and zeros
// of both signs among them; and a NaN logit gives a NaN loss wherever it
// is in its row.
func TestRowMax32(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	special := []float32{0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)), math.MaxFloat32, -math.MaxFloat32, math.SmallestNonzeroFloat32}
	for n := 1; n <= 33; n++ {
		for range 200 {
			row := make([]float32, n)
			for j := range row {
				row[j] = float32(r.NormFloat64() * 10)
				if r.IntN(4) == 0 {
					row[j] = special[r.IntN(len(special))]
				}
			}
			want := row[0]
			for _, z := range row {
				if z > want || z == 0 && want == 0 && !math.Signbit(float64(z)) {
					want = z
				}
			}
			if got := rowMax32(row); math.Float32bits(got) != math.Float32bits(want) {
				t.Fatalf("rowMax32(%v) = %v, want %v", row, got, want)
			}
		}
	}
	for _, nan := range []float32{float32(math.NaN()), -float32(math.NaN())} {
		for j := range 5 {
			row := []float32{1, -2, 3, 0, 5}
			row[j] = nan
			l, _ := runXent(t, tensor.New(tensor.WithShape(1, 5), tensor.WithBacking(row)), []int{(j + 1) % 5})
			if !math.IsNaN(l) {
				t.Errorf("logits %v: loss %v, want NaN", row, l)
			}
		}
	}
}
