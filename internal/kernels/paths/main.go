// Command paths prints the kernel paths (package internal/kernels) this
// CPU can run, one a line, best last: .ci/run forces each in turn through
// UNROLL_KERNELS.
package main

import (
	"fmt"

	"github.com/unroll/unroll/internal/kernels"
)

func main() {
	for _, p := range kernels.Available() {
		fmt.Println(p)
	}
}
