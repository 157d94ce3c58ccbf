//go:build !linux

package kernels

// threadCPU is not measured off Linux.
func threadCPU() float64 { return 0 }
