//go:build openblas

package blas

/*
#cgo LDFLAGS: -lopenblas
#cgo CFLAGS: -O3
char* openblas_get_config(void);
char* openblas_get_corename(void);
void openblas_set_num_threads(int);

void unroll_add_rows(float *dst, const float *x, const float *b, long rows, long h);
void unroll_col_sum(float *dst, const float *x, long rows, long ld, long w);
void unroll_axpy(float *y, const float *x, float a, long n);
*/
import "C"

import (
	"fmt"
	"unsafe"

	"golang.org/x/sys/cpu"
	"gonum.org/v1/netlib/blas/netlib"
	G "gorgonia.org/gorgonia"

	"github.com/unroll/unroll/internal/par"
)

func init() {
	G.Use(netlib.Implementation{})
	// OpenBLAS runs on one thread, and package par gets one worker: the
	// whole minibatch runs on one core. Measured on this project's 2-core
	// KVM machines:
	//  - OpenBLAS's own threads spin for a core a busy machine does not
	//    give them (with a second process busy on one core, a training
	//    minibatch took 230-270 ms instead of 31 on one thread), and their
	//    results depend on the thread count (TestThreadsRepeatable).
	//  - Go helper goroutines lose their core whenever a cgo call outlives
	//    sysmon's 20 microseconds: with every P busy, the runtime starts
	//    another OS thread to spin for work, and those took the helpers'
	//    cores for 0.2-4 ms at a time (perf sched).
	// (A pool of C threads that shared fixed blocks of the fused ops'
	// products served the second core; it went with the fused ops.)
	SetThreads(1)
	par.SetWorkers(1)
	Name = fmt.Sprintf("OpenBLAS (%s)", C.GoString(C.openblas_get_config()))
	Warning = coreWarning(C.GoString(C.openblas_get_corename()), cpu.X86.HasAVX2 && cpu.X86.HasFMA, cpu.X86.HasAVX512F)
	if cpu.X86.HasAVX2 {
		Vec32 = &Kernels32{AddRows: addRows, ColSum: colSum, Axpy: axpy}
	}
}

func fp(x []float32) *C.float { return (*C.float)(unsafe.Pointer(unsafe.SliceData(x))) }

func addRows(dst, x, b []float32) {
	h := len(b)
	if h == 0 || len(x) == 0 {
		return
	}
	_ = dst[len(x)-1]
	C.unroll_add_rows(fp(dst), fp(x), fp(b), C.long(len(x)/h), C.long(h))
}

func colSum(dst, x []float32, ld int) {
	w := len(dst)
	if w == 0 || len(x) == 0 {
		return
	}
	rows := (len(x)-w)/ld + 1
	_ = x[(rows-1)*ld+w-1]
	C.unroll_col_sum(fp(dst), fp(x), C.long(rows), C.long(ld), C.long(w))
}

func axpy(y, x []float32, a float32) {
	if len(y) == 0 {
		return
	}
	_ = x[len(y)-1]
	C.unroll_axpy(fp(y), fp(x), C.float(a), C.long(len(y)))
}

// SetThreads sets the number of threads OpenBLAS runs a product on (one,
// as init leaves it; tests compare).
func SetThreads(n int) { C.openblas_set_num_threads(C.int(max(n, 1))) }
