// Package blas selects the BLAS that Gorgonia, tensor and this project's own
// ops use. Importing it (graph does) is enough: this project's own matrix
// product in Go assembly (package internal/kernels, see own.go) for Sgemm
// and Dgemm, gonum's pure Go for the other routines, and Engine, tensor's
// engine with SIMD elementwise loops, for the TapeMachines. It needs no C
// library. (An OpenBLAS build, -tags openblas, was removed once this one
// ran faster: docs/performance.md.)
package blas

import G "gorgonia.org/gorgonia"

// Name says which BLAS is in use, for logs and benchmark reports.
var Name = "gonum (pure Go)" // until own.go's init sets it

// Impl returns the BLAS in use (the one Gorgonia was told to use).
func Impl() G.BLAS { return G.WhichBLAS() }
