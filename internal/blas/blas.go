// Package blas selects the BLAS that Gorgonia, tensor and this project's own
// ops use. Importing it (graph does) is enough.
//
// The default build uses gonum's pure-Go BLAS and needs no C library. Built
// with -tags openblas, it switches everything to OpenBLAS through
// gonum.org/v1/netlib (cgo, Debian package libopenblas-dev): about five
// times faster on the book's shapes.
package blas

import G "gorgonia.org/gorgonia"

// Name says which BLAS is in use, for logs and benchmark reports.
var Name = "gonum (pure Go)"

// SplitGemm tells ops to split their products over goroutines themselves
// (package par), for a single-threaded BLAS. No build sets it: gonum's BLAS
// spreads a product over GOMAXPROCS goroutines and OpenBLAS over its own
// threads (see openblas.go for why). Tests turn it on to check the split
// code paths.
var SplitGemm = false

// Threads is the number of threads a product runs on: 0 for gonum (it
// decides per product, up to GOMAXPROCS), else OpenBLAS's thread count.
var Threads = 0

// Tanh32, when not nil, sets x[i] = tanh(x[i]) with SIMD instructions: the
// openblas build's C kernel on a CPU with AVX2 and FMA, within 1 ulp.
var Tanh32 func(x []float32)

// Impl returns the BLAS in use (the one Gorgonia was told to use).
func Impl() G.BLAS { return G.WhichBLAS() }
