package blas

import (
	"fmt"
	"os"

	gblas "gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
	G "gorgonia.org/gorgonia"

	"github.com/unroll/unroll/internal/kernels"
)

// The default build's BLAS is this project's own matrix product (package
// internal/kernels: AVX-512 or AVX2 assembly, or portable Go) for Sgemm
// and Dgemm, which every Gorgonia and tensor matrix product calls, and
// gonum's pure Go for every other routine. UNROLL_KERNELS=generic|avx2|
// avx512 forces a kernel path.
func init() {
	if err := kernels.Select(kernels.Path(os.Getenv("UNROLL_KERNELS"))); err != nil {
		fmt.Fprintf(os.Stderr, "UNROLL_KERNELS=%s: %v; set it to one of those or unset it\n", os.Getenv("UNROLL_KERNELS"), err)
		os.Exit(2)
	}
	G.Use(Own{})
	Name = "unroll kernels (" + string(kernels.Current()) + ")"
}

// Own is gonum's BLAS with this project's Sgemm and Dgemm.
type Own struct{ gonum.Implementation }

// Sgemm is kernels.Sgemm with gonum's arguments.
func (Own) Sgemm(tA, tB gblas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	kernels.Sgemm(trans(tA), trans(tB), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// Dgemm is kernels.Dgemm with gonum's arguments.
func (Own) Dgemm(tA, tB gblas.Transpose, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	kernels.Dgemm(trans(tA), trans(tB), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// trans reports whether t transposes (ConjTrans is Trans for real
// matrices) and panics, as gonum does, on anything else.
func trans(t gblas.Transpose) bool {
	switch t {
	case gblas.NoTrans:
		return false
	case gblas.Trans, gblas.ConjTrans:
		return true
	}
	panic("blas: illegal transpose")
}

// SelectKernels forces a kernel path (tests compare them); "" selects the
// best the CPU has. Name follows.
func SelectKernels(p kernels.Path) error {
	if err := kernels.Select(p); err != nil {
		return err
	}
	Name = "unroll kernels (" + string(kernels.Current()) + ")"
	return nil
}
