//go:build openblas

package blas

/*
#cgo LDFLAGS: -lopenblas
#cgo CFLAGS: -O2
char* openblas_get_config(void);
int openblas_get_num_threads(void);
void openblas_set_num_threads(int);

int unroll_have_avx2(void);
void unroll_tanh_avx2(float *x, long n);
*/
import "C"

import (
	"fmt"
	"runtime"
	"unsafe"

	"gonum.org/v1/netlib/blas/netlib"
	G "gorgonia.org/gorgonia"

	"github.com/unroll/unroll/internal/par"
)

func init() {
	G.Use(netlib.Implementation{})
	// OpenBLAS runs each product on one thread per core (GOMAXPROCS, so
	// that GOMAXPROCS=1 means one core), and the Go side stays on one
	// goroutine: package par gets one worker, and ops do not split their
	// products themselves.
	//
	// Why not Go helpers, which an earlier version used: a cgo call of
	// more than 20 microseconds loses its P to the runtime's sysmon, and
	// when every P is busy (the caller in cgo, a helper goroutine in cgo or
	// polling) the runtime starts another OS thread to spin for work. On
	// the 2-core KVM machines here those threads took the helpers' cores
	// for 0.2-4 ms at a time (perf sched), a goroutine blocked on a channel
	// took 50-70 microseconds to wake, and splitting a time step's
	// 32x512x512 product over two goroutines gained 0-20%. OpenBLAS's
	// pthreads hand the product over inside C: 260 -> 157 microseconds for
	// that product, and a training minibatch took 31.9 ms instead of 40.9
	// with the Go helpers (BenchmarkMinibatchScratch, medians of 4
	// interleaved runs on a busy machine). For a
	// given shape and thread count OpenBLAS cuts a product into the same
	// blocks whichever thread finishes first, so a run is reproducible bit
	// for bit for the same GOMAXPROCS; other thread counts round
	// differently (TestThreadsRepeatable).
	SetThreads(runtime.GOMAXPROCS(0))
	par.SetWorkers(1)
	Name = fmt.Sprintf("OpenBLAS (%s)", C.GoString(C.openblas_get_config()))
	if C.unroll_have_avx2() != 0 {
		Tanh32 = tanhAVX2
	}
}

func tanhAVX2(x []float32) {
	if len(x) > 0 {
		C.unroll_tanh_avx2((*C.float)(unsafe.Pointer(&x[0])), C.long(len(x)))
	}
}

// SetThreads sets the number of threads OpenBLAS runs a product on.
func SetThreads(n int) {
	C.openblas_set_num_threads(C.int(max(n, 1)))
	Threads = int(C.openblas_get_num_threads())
}
