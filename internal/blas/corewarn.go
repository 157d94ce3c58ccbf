package blas

import (
	"fmt"
	"slices"
	"strings"
)

// Warning, when not empty, is a line for the user about the BLAS in use:
// the openblas build sets it when OpenBLAS runs a kernel written for an
// older CPU than this one (see coreWarning). Commands print it once at
// start-up; the library prints nothing.
var Warning string

// olderCores are OpenBLAS core names whose kernels use neither AVX2 nor
// AVX-512: what its DYNAMIC_ARCH build falls back to on a CPU it does not
// recognise (Debian's 0.3.21 runs "Prescott" on Intel's family 6 model
// 207, 2.6x slower for this project's training than the kernel it has for
// that CPU).
var olderCores = []string{
	"Prescott", "Core2", "Penryn", "Dunnington", "Nehalem", "Sandybridge",
	"Atom", "Katmai", "Coppermine", "Northwood", "Banias", "Athlon",
	"Opteron", "Opteron_SSE3", "Barcelona", "Bobcat", "Bulldozer",
	"Piledriver", "Steamroller", "Excavator", "Nano", "Generic",
}

// coreWarning returns the warning for OpenBLAS running core on a CPU with
// the given features, or "" when the kernel fits the CPU.
func coreWarning(core string, avx2, avx512 bool) string {
	core = strings.TrimSpace(core)
	if !(avx2 || avx512) || !slices.ContainsFunc(olderCores, func(c string) bool { return strings.EqualFold(c, core) }) {
		return ""
	}
	try, has := "Haswell", "AVX2"
	if avx512 {
		try, has = "SkylakeX", "AVX-512"
	}
	return fmt.Sprintf("warning: OpenBLAS runs its %s kernel, written for older CPUs, on this one, which has %s: set OPENBLAS_CORETYPE=%s for its fast kernels (about 2-5x faster products), or build without -tags openblas", core, has, try)
}
