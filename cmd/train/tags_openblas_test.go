//go:build openblas

package main

// buildTags are the build tags this test binary was built with, for the
// child binaries the tests build: the signal tests compare bits between
// the test's own runs and the child's, which differ between the pure-Go
// and OpenBLAS builds.
const buildTags = "openblas"
