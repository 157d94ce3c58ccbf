//go:build !openblas

package main

// buildTags are the build tags this test binary was built with (see
// tags_openblas_test.go).
const buildTags = ""
