// Package blas selects the BLAS that Gorgonia, tensor and this project's own
// ops use. Importing it (graph does) is enough.
//
// The default build uses this project's own matrix product in Go assembly
// (package internal/kernels, see own.go) for Sgemm and Dgemm, and gonum's
// pure Go for the other routines: it needs no C library. Built with -tags
// openblas, it switches everything to OpenBLAS through gonum.org/v1/netlib
// (cgo, Debian package libopenblas-dev).
package blas

import G "gorgonia.org/gorgonia"

// Name says which BLAS is in use, for logs and benchmark reports.
var Name = "gonum (pure Go)" // until a build's init sets it

// Vec32, when not nil, holds C versions of the minibatch's elementwise
// float32 loops (the openblas build on a CPU with AVX2): the same
// operations in the same order per element as the Go loops they replace,
// so they give the same bits, eight lanes at a time. Slices are checked
// in Go (a bad length panics as the Go loop would) before C sees them.
var Vec32 *Kernels32

// Kernels32 are the loops Vec32 provides.
type Kernels32 struct {
	// AddRows sets dst = x + b, b added to every row of width len(b).
	AddRows func(dst, x, b []float32)
	// ColSum adds to dst[j] (j < len(dst)) x[r*ld+j] for every row r of
	// x, in order.
	ColSum func(dst, x []float32, ld int)
	// Axpy sets y += a*x.
	Axpy func(y, x []float32, a float32)
}

// Impl returns the BLAS in use (the one Gorgonia was told to use).
func Impl() G.BLAS { return G.WhichBLAS() }
