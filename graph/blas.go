package graph

import (
	"github.com/unroll/unroll/internal/blas"
	"github.com/unroll/unroll/internal/par"
)

// BLAS names the BLAS that the graphs' matrix products run on: gonum's pure
// Go by default, OpenBLAS when built with -tags openblas.
func BLAS() string { return blas.Name }

// Cores is the number of goroutines an op's work is split over: GOMAXPROCS
// (the machine's cores unless the environment says otherwise).
func Cores() int { return par.Workers() }
