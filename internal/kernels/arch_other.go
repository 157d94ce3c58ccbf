//go:build !amd64

package kernels

// archPaths: only the portable Go kernels off amd64.
func archPaths() []kernelSet { return nil }

func sigmoidAVX2(dst, x *float32, n int) { panic("kernels: no AVX2 off amd64") }
func tanhAVX2(dst, x *float32, n int)    { panic("kernels: no AVX2 off amd64") }
