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
	"unsafe"

	"gonum.org/v1/netlib/blas/netlib"
	G "gorgonia.org/gorgonia"
)

func init() {
	G.Use(netlib.Implementation{})
	// Ops split their products over goroutines themselves (package par);
	// OpenBLAS's own threads would only compete with them.
	C.openblas_set_num_threads(1)
	SplitGemm = true
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
