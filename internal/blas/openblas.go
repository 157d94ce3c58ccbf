//go:build openblas

package blas

/*
#cgo LDFLAGS: -lopenblas
char* openblas_get_config(void);
int openblas_get_num_threads(void);
*/
import "C"

import (
	"fmt"

	"gonum.org/v1/netlib/blas/netlib"
	G "gorgonia.org/gorgonia"
)

func init() {
	G.Use(netlib.Implementation{})
	Name = fmt.Sprintf("OpenBLAS (%s, %d threads)", C.GoString(C.openblas_get_config()), int(C.openblas_get_num_threads()))
}
