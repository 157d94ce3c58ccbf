// Package blas selects the BLAS that Gorgonia, tensor and this project's own
// ops use. Importing it (graph does) is enough.
//
// The default build uses this project's own matrix product in Go assembly
// (package internal/kernels, see own.go) for Sgemm and Dgemm, and gonum's
// pure Go for the other routines: it needs no C library. Built with -tags
// openblas, it switches everything to OpenBLAS through gonum.org/v1/netlib
// (cgo, Debian package libopenblas-dev).
package blas

import (
	gblas "gonum.org/v1/gonum/blas"
	G "gorgonia.org/gorgonia"
)

// Name says which BLAS is in use, for logs and benchmark reports.
var Name = "gonum (pure Go)" // until a build's init sets it

// SplitGemm tells ops to cut their large products into blocks and run them
// with RunParts. The openblas build sets it (OpenBLAS runs on one thread,
// the blocks on a pool of C threads; see openblas.go for why); the default
// build's kernels split a large product into fixed blocks themselves, so it
// does not. Tests turn it on in both builds to check the split code paths.
var SplitGemm = false

// Threads is the number of threads a split product runs on (the caller and
// the openblas build's pool), or 0 in the default build, whose kernels
// split a product over package par's goroutines.
var Threads = 0

// Call is one product C = op(A) op(B) + Beta*C of row-major matrices, op
// the transpose where TA or TB: float32 in A32, B32, C32, or float64 in
// A64, B64, C64.
type Call struct {
	TA, TB        bool
	M, N, K       int
	LDA, LDB, LDC int
	A32, B32, C32 []float32
	A64, B64, C64 []float64
	Beta          float64
}

// Run does c with the BLAS in use, on the calling goroutine.
func (c *Call) Run() {
	if c.M == 0 || c.N == 0 {
		return
	}
	tA, tB := gblas.NoTrans, gblas.NoTrans
	if c.TA {
		tA = gblas.Trans
	}
	if c.TB {
		tB = gblas.Trans
	}
	if c.C32 != nil {
		Impl().Sgemm(tA, tB, c.M, c.N, c.K, 1, c.A32, c.LDA, c.B32, c.LDB, float32(c.Beta), c.C32, c.LDC)
	} else {
		Impl().Dgemm(tA, tB, c.M, c.N, c.K, 1, c.A64, c.LDA, c.B64, c.LDB, c.Beta, c.C64, c.LDC)
	}
}

// Tanh32, when not nil, sets x[i] = tanh(x[i]) with SIMD instructions: the
// openblas build's C kernel on a CPU with AVX2 and FMA, within 1 ulp.
var Tanh32 func(x []float32)

// Vec32, when not nil, holds C versions of the minibatch's elementwise
// float32 loops (the openblas build on a CPU with AVX2): the same
// operations in the same order per element as the Go loops they replace,
// so they give the same bits, eight lanes at a time. Slices are checked
// in Go (a bad length panics as the Go loop would) before C sees them.
var Vec32 *Kernels32

// Kernels32 are the loops Vec32 provides.
type Kernels32 struct {
	// GatherBias sets row r of dst to row ids[r] of w plus b (rows of
	// width len(b)).
	GatherBias func(dst, w []float32, ids []int, b []float32)
	// AddRows sets dst = x + b, b added to every row of width len(b).
	AddRows func(dst, x, b []float32)
	// TanhGrad sets dst = g * (1 - h*h) over len(dst) values.
	TanhGrad func(dst, h, g []float32)
	// ColSum adds to dst[j] (j < len(dst)) x[r*ld+j] for every row r of
	// x, in order.
	ColSum func(dst, x []float32, ld int)
	// ScatterAdd adds g[r*ld+j] to dst[ids[r]*ld+j] for j < w, rows in
	// order.
	ScatterAdd func(dst, g []float32, ids []int, ld, w int)
	// Axpy sets y += a*x.
	Axpy func(y, x []float32, a float32)
}

// Impl returns the BLAS in use (the one Gorgonia was told to use).
func Impl() G.BLAS { return G.WhichBLAS() }
