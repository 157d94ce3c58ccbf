package kernels

import (
	"syscall"
	"unsafe"
)

// threadCPU returns the CPU time of the calling OS thread in seconds
// (CLOCK_THREAD_CPUTIME_ID): on a shared machine it measures the work,
// not the wait for a core.
func threadCPU() float64 {
	var ts syscall.Timespec
	syscall.Syscall(syscall.SYS_CLOCK_GETTIME, 3, uintptr(unsafe.Pointer(&ts)), 0)
	return float64(ts.Sec) + float64(ts.Nsec)*1e-9
}
