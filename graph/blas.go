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
