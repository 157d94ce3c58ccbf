package graph

import "github.com/unroll/unroll/internal/blas"

// BLAS names the BLAS that the graphs' matrix products run on: gonum's pure
// Go by default, OpenBLAS when built with -tags openblas.
func BLAS() string { return blas.Name }
