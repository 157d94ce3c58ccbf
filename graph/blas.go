package graph

import (
	"github.com/unroll/unroll/internal/blas"
	"github.com/unroll/unroll/internal/par"
)

// BLAS names the BLAS that the graphs' matrix products run on: this
// project's kernels and the path in use ("unroll kernels (avx512)").
func BLAS() string { return blas.Name }

// Cores is the number of cores a minibatch's work is spread over: package
// par's goroutines, which run Parallel's blocks, the kernels' blocks and
// this package's ops (GOMAXPROCS, the machine's cores unless the
// environment says otherwise).
func Cores() int { return par.Workers() }
