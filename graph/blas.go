package graph

import (
	"github.com/unroll/unroll/internal/blas"
	"github.com/unroll/unroll/internal/par"
)

// BLAS names the BLAS that the graphs' matrix products run on: this
// project's kernels by default, OpenBLAS when built with -tags openblas.
func BLAS() string { return blas.Name }

// Cores is the number of cores a minibatch's work is spread over: package
// par's goroutines, which run the kernels' blocks and this package's ops
// (GOMAXPROCS, the machine's cores unless the environment says otherwise;
// one in the openblas build, whose OpenBLAS runs on one thread).
func Cores() int { return par.Workers() }

// BLASWarning is a line for the user about the BLAS in use, or "": with
// -tags openblas, when OpenBLAS runs a kernel written for an older CPU
// than this one, it names the OPENBLAS_CORETYPE to set.
func BLASWarning() string { return blas.Warning }
