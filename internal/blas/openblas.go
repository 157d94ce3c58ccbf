//go:build openblas

package blas

/*
#cgo LDFLAGS: -lopenblas
#cgo CFLAGS: -O3
char* openblas_get_config(void);
int openblas_get_num_threads(void);
void openblas_set_num_threads(int);

int unroll_have_avx2(void);
void unroll_tanh_avx2(float *x, long n);
void unroll_gather_bias(float *dst, const float *w, const long long *ids, const float *b, long rows, long h);
void unroll_add_rows(float *dst, const float *x, const float *b, long rows, long h);
void unroll_tanh_grad(float *dst, const float *h, const float *g, long n);
void unroll_col_sum(float *dst, const float *x, long rows, long ld, long w);
void unroll_scatter_add(float *dst, const float *g, const long long *ids, long rows, long ld, long w);
void unroll_axpy(float *y, const float *x, float a, long n);
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
		Vec32 = &Kernels32{
			GatherBias: gatherBias, AddRows: addRows, TanhGrad: tanhGrad,
			ColSum: colSum, ScatterAdd: scatterAdd, Axpy: axpy,
		}
	}
}

func fp(x []float32) *C.float { return (*C.float)(unsafe.Pointer(unsafe.SliceData(x))) }
func ip(x []int) *C.longlong  { return (*C.longlong)(unsafe.Pointer(unsafe.SliceData(x))) }

func gatherBias(dst, w []float32, ids []int, b []float32) {
	h := len(b)
	if len(ids) == 0 || h == 0 {
		return
	}
	_ = dst[len(ids)*h-1]
	for _, id := range ids {
		_ = w[id*h+h-1]
	}
	C.unroll_gather_bias(fp(dst), fp(w), ip(ids), fp(b), C.long(len(ids)), C.long(h))
}

func addRows(dst, x, b []float32) {
	h := len(b)
	if h == 0 || len(x) == 0 {
		return
	}
	_ = dst[len(x)-1]
	C.unroll_add_rows(fp(dst), fp(x), fp(b), C.long(len(x)/h), C.long(h))
}

func tanhGrad(dst, h, g []float32) {
	if len(dst) == 0 {
		return
	}
	_, _ = h[len(dst)-1], g[len(dst)-1]
	C.unroll_tanh_grad(fp(dst), fp(h), fp(g), C.long(len(dst)))
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

func scatterAdd(dst, g []float32, ids []int, ld, w int) {
	if len(ids) == 0 || w == 0 {
		return
	}
	_ = g[(len(ids)-1)*ld+w-1]
	for _, id := range ids {
		_ = dst[id*ld+w-1]
	}
	C.unroll_scatter_add(fp(dst), fp(g), ip(ids), C.long(len(ids)), C.long(ld), C.long(w))
}

func axpy(y, x []float32, a float32) {
	if len(y) == 0 {
		return
	}
	_ = x[len(y)-1]
	C.unroll_axpy(fp(y), fp(x), C.float(a), C.long(len(y)))
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
