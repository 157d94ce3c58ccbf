package blas

import (
	"fmt"
	"runtime"
	"syscall"
	"testing"
	"unsafe"

	"gonum.org/v1/gonum/blas"
)

// BenchmarkSgemm times the float32 products of the book's RNN (B=32, T=35,
// H=512, V=28) in the BLAS selected by the build, in GFLOP/s.
func BenchmarkSgemm(b *testing.B) {
	for _, s := range []struct {
		name    string
		ta, tb  blas.Transpose
		m, n, k int
	}{
		{"fwd-HW-32x512x512", blas.NoTrans, blas.NoTrans, 32, 512, 512},
		{"bwd-dHWt-32x512x512", blas.NoTrans, blas.Trans, 32, 512, 512},
		{"dW-step-512x512x32", blas.Trans, blas.NoTrans, 512, 512, 32},
		{"dW-all-512x512x1120", blas.Trans, blas.NoTrans, 512, 512, 1120},
		{"out-1120x28x512", blas.NoTrans, blas.NoTrans, 1120, 28, 512},
		{"fwd-HW-32x256x256", blas.NoTrans, blas.NoTrans, 32, 256, 256},
		{"bwd-dHWt-32x256x256", blas.NoTrans, blas.Trans, 32, 256, 256},
		{"dW-all-256x256x1120", blas.Trans, blas.NoTrans, 256, 256, 1120},
		{"fwd-half-32x256x512", blas.NoTrans, blas.NoTrans, 32, 256, 512},
	} {
		b.Run(fmt.Sprintf("%s", s.name), func(b *testing.B) {
			a := make([]float32, s.m*s.k)
			bb := make([]float32, s.k*s.n)
			c := make([]float32, s.m*s.n)
			for i := range a {
				a[i] = float32(i%7) * 0.1
			}
			for i := range bb {
				bb[i] = float32(i%5) * 0.1
			}
			lda, ldb := s.k, s.n
			if s.ta == blas.Trans {
				lda = s.m
			}
			if s.tb == blas.Trans {
				ldb = s.k
			}
			impl := Impl()
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			b.ResetTimer()
			t0 := threadCPU()
			for i := 0; i < b.N; i++ {
				impl.Sgemm(s.ta, s.tb, s.m, s.n, s.k, 1, a, lda, bb, ldb, 1, c, s.n)
			}
			cpu := threadCPU() - t0
			b.ReportMetric(2*float64(s.m*s.n*s.k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			b.ReportMetric(2*float64(s.m*s.n*s.k)*float64(b.N)/cpu/1e9, "GFLOP/cpu-s")
		})
	}
}

// threadCPU returns the CPU time of the calling OS thread in seconds: on a
// shared machine it measures the work, not the wait for a core. (OpenBLAS
// with one thread computes on the calling thread.)
func threadCPU() float64 {
	var ts syscall.Timespec
	syscall.Syscall(syscall.SYS_CLOCK_GETTIME, 3 /* CLOCK_THREAD_CPUTIME_ID */, uintptr(unsafe.Pointer(&ts)), 0)
	return float64(ts.Sec) + float64(ts.Nsec)*1e-9
}
