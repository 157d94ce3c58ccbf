package graph

import (
	"math"
	"testing"
)

// TestTanh32 compares tanh32 with math.Tanh rounded to float32 on every
// 97th float32 bit pattern between 0 and 12 (about 11 million inputs,
// covering every exponent from subnormals up), and at their negatives.
func TestTanh32(t *testing.T) {
	worst := 0
	hi := math.Float32bits(12)
	for b := uint32(0); b <= hi; b += 97 {
		for _, x := range []float32{math.Float32frombits(b), -math.Float32frombits(b)} {
			want := float32(math.Tanh(float64(x)))
			got := tanh32(x)
			d := int(int32(math.Float32bits(got)) - int32(math.Float32bits(want)))
			if d < 0 {
				d = -d
			}
			if d > worst {
				worst = d
				t.Logf("x=%g: tanh32 %g, math.Tanh %g (%d ulp)", x, got, want, d)
			}
		}
	}
	// 1 ulp: the result is computed in float64 to about 1e-11 relative
	// error and then rounded, so it can only land on the other side of a
	// rounding boundary of float32.
	if worst > 1 {
		t.Errorf("tanh32 is %d ulp from math.Tanh; want at most 1", worst)
	}
}
