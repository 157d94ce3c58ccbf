package blas

import (
	"strings"
	"testing"
)

func TestCoreWarning(t *testing.T) {
	for _, c := range []struct {
		core         string
		avx2, avx512 bool
		want         string // "" or the OPENBLAS_CORETYPE to suggest
	}{
		// Debian's OpenBLAS 0.3.21 on the Intel Xeon (family 6 model 207) this
		// project ran on: DYNAMIC_ARCH fell back to Prescott.
		{"Prescott", true, true, "SkylakeX"},
		{"prescott", true, false, "Haswell"},
		{"Nehalem", true, false, "Haswell"},
		// Kernels that fit.
		{"SkylakeX", true, true, ""},
		{"Cooperlake", true, true, ""},
		{"Haswell", true, false, ""},
		{"Zen", true, true, ""},
		// An old CPU running an old kernel is not OpenBLAS's fault.
		{"Prescott", false, false, ""},
	} {
		w := coreWarning(c.core, c.avx2, c.avx512)
		switch {
		case c.want == "" && w != "":
			t.Errorf("%s (avx2 %v, avx512 %v): warned %q", c.core, c.avx2, c.avx512, w)
		case c.want != "" && !strings.Contains(w, "OPENBLAS_CORETYPE="+c.want):
			t.Errorf("%s (avx2 %v, avx512 %v): %q, want it to suggest OPENBLAS_CORETYPE=%s", c.core, c.avx2, c.avx512, w, c.want)
		}
	}
}
