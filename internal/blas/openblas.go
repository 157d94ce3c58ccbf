//go:build openblas

package blas

/*
#cgo LDFLAGS: -lopenblas
#cgo CFLAGS: -O3
char* openblas_get_config(void);
char* openblas_get_corename(void);
int openblas_get_num_threads(void);
void openblas_set_num_threads(int);

int unroll_have_avx2(void);
void unroll_tanh_avx2(float *x, long n);
#include "pool.h"
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
	"sync"
	"time"
	"unsafe"

	"golang.org/x/sys/cpu"
	"gonum.org/v1/netlib/blas/netlib"
	G "gorgonia.org/gorgonia"

	"github.com/unroll/unroll/internal/par"
)

func init() {
	G.Use(netlib.Implementation{})
	// OpenBLAS runs on one thread; ops cut large products into blocks
	// (SplitGemm) that the caller and a pool of C threads share, one
	// thread per core in all (GOMAXPROCS, so that GOMAXPROCS=1 means one
	// core), and the Go side stays on one goroutine (package par gets one
	// worker).
	//
	// Why, measured on this project's 2-core KVM machines:
	//  - Go helper goroutines, which an earlier version used, lose their
	//    core whenever a cgo call outlives sysmon's 20 microseconds: with
	//    every P busy, the runtime starts another OS thread to spin for
	//    work, and those took the helpers' cores for 0.2-4 ms at a time
	//    (perf sched); a goroutine blocked on a channel took 50-70
	//    microseconds to wake. Splitting a 32x512x512 product over two
	//    goroutines gained 0-20%.
	//  - OpenBLAS's own threads (260 -> 157 microseconds for that product)
	//    spin for a core a busy machine does not give them: with a second
	//    process busy on one core, a training minibatch took 230-270 ms
	//    instead of 31 on one thread. Their results also depend on the
	//    thread count (TestThreadsRepeatable).
	//  - C threads hand a block over inside C, and the caller runs a block
	//    no worker has taken yet, so a worker without a core costs little;
	//    par.Gain stops sharing for a while when it does not pay. Blocks
	//    are fixed and each runs on one-thread OpenBLAS, so the bits do not
	//    depend on who runs them.
	SetThreads(1)
	workers := max(runtime.GOMAXPROCS(0)-1, 0)
	Threads = 1 + int(C.unroll_pool_start(C.int(workers), C.longlong(poolSpin.Nanoseconds())))
	SplitGemm = true
	par.SetWorkers(1)
	Name = fmt.Sprintf("OpenBLAS (%s)", C.GoString(C.openblas_get_config()))
	Warning = coreWarning(C.GoString(C.openblas_get_corename()), cpu.X86.HasAVX2 && cpu.X86.HasFMA, cpu.X86.HasAVX512F)
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

// SetThreads sets the number of threads OpenBLAS runs a product on (one,
// as init leaves it; tests compare).
func SetThreads(n int) { C.openblas_set_num_threads(C.int(max(n, 1))) }

// poolSpin is how long a pool thread polls for the next block before it
// sleeps: an unrolled graph issues its products tens to hundreds of
// microseconds apart, and waking a sleeping thread takes about as long.
const poolSpin = 2 * time.Millisecond

// Parts is the number of blocks RunParts runs at once: the caller and the
// pool's threads.
func Parts() int { return Threads }

var pool struct {
	mu   sync.Mutex
	gain par.Gain
}

// callBuf is RunParts' C-layout copy of the calls and the pins that let C
// read the Go slices they name, kept for the next call.
type callBuf struct {
	cs  []C.unroll_call
	pin runtime.Pinner
}

var callBufs = sync.Pool{New: func() any { return new(callBuf) }}

// RunParts runs len(calls)/perPart parts, part i being calls[i*perPart :
// (i+1)*perPart] in order, on the caller and the pool's C threads. Parts
// must write disjoint memory. A part computes the same bits whichever
// thread runs it.
func RunParts(calls []Call, perPart int) {
	nparts := len(calls) / perPart
	buf := callBufs.Get().(*callBuf)
	if cap(buf.cs) < len(calls) {
		buf.cs = make([]C.unroll_call, len(calls))
	}
	cs := buf.cs[:len(calls)]
	pin := &buf.pin
	defer func() {
		// cgo checks the whole array for unpinned pointers: leave none.
		pin.Unpin()
		clear(cs)
		callBufs.Put(buf)
	}()
	for i := range calls {
		c, d := &calls[i], &cs[i]
		d.ta, d.tb = cbool(c.TA), cbool(c.TB)
		d.m, d.n, d.k = C.int(c.M), C.int(c.N), C.int(c.K)
		d.lda, d.ldb, d.ldc = C.int(c.LDA), C.int(c.LDB), C.int(c.LDC)
		d.beta = C.double(c.Beta)
		if c.M == 0 || c.N == 0 {
			continue
		}
		if c.C32 != nil {
			d.a, d.b, d.c = pinned(pin, c.A32), pinned(pin, c.B32), pinned(pin, c.C32)
		} else {
			d.dbl = 1
			d.a, d.b, d.c = pinned(pin, c.A64), pinned(pin, c.B64), pinned(pin, c.C64)
		}
	}
	pool.mu.Lock()
	share := pool.gain.Share()
	pool.mu.Unlock()
	var t C.unroll_timing
	C.unroll_pool_run(&cs[0], C.long(perPart), C.int(nparts), cbool(share), &t)
	if share && t.mine > 0 {
		// What the caller alone would have taken, from its own parts (all
		// of them when no worker helped).
		solo := time.Duration(t.own_ns) / time.Duration(t.mine) * time.Duration(nparts)
		pool.mu.Lock()
		pool.gain.Record(solo, time.Duration(t.took_ns))
		pool.mu.Unlock()
	}
}

// PoolStats returns how many split products were shared with the pool's
// threads and how many ran on the caller alone because sharing did not pay.
func PoolStats() par.Stats {
	pool.mu.Lock()
	defer pool.mu.Unlock()
	return pool.gain.Stats
}

func cbool(b bool) C.int {
	if b {
		return 1
	}
	return 0
}

func pinned[T float32 | float64](pin *runtime.Pinner, x []T) unsafe.Pointer {
	p := unsafe.Pointer(unsafe.SliceData(x))
	pin.Pin(p)
	return p
}
