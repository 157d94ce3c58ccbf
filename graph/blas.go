package graph

import (
	"github.com/unroll/unroll/internal/blas"
	"github.com/unroll/unroll/internal/par"
)

// BLAS names the BLAS that the graphs' matrix products run on: gonum's pure
// Go by default, OpenBLAS when built with -tags openblas.
func BLAS() string { return blas.Name }

// Cores is the number of cores a minibatch's work is spread over: the
// caller and the openblas build's pool of C threads, else the goroutines of
// gonum's products and of package par; GOMAXPROCS either way (the
// machine's cores unless the environment says otherwise).
func Cores() int { return max(par.Workers(), blas.Threads) }

// BLASWarning is a line for the user about the BLAS in use, or "": with
// -tags openblas, when OpenBLAS runs a kernel written for an older CPU
// than this one, it names the OPENBLAS_CORETYPE to set.
func BLASWarning() string { return blas.Warning }
