//go:build !amd64

package kernels

// archPaths: only the portable Go kernels off amd64.
func archPaths() []kernelSet { return nil }

// archElem: only the Go loops off amd64.
func archElem(Path) *elemSet { return nil }
