package kernels

import (
	"fmt"
	"strings"
)

// Path names a set of micro-kernels.
type Path string

// The kernel paths. Which exist on this machine: Available.
const (
	Generic Path = "generic" // portable Go
	AVX2    Path = "avx2"    // AVX2 and FMA (amd64)
	AVX512  Path = "avx512"  // AVX-512F (amd64)
)

// paths holds the micro-kernels of each path this CPU can run, best last.
var paths = []kernelSet{{Generic, goMicro[float32](), goMicro[float64](), goMicro[float32](), goMicro[float64](), &goVec}}

// kernelSet is a path's micro-kernels: s and d for float32 and float64,
// sn and dn narrower tiles of the same rows (nr halved, or the same
// kernel), for products with at most their nr columns; v the path's
// elementwise kernels (vec.go).
type kernelSet struct {
	path Path
	s    micro[float32]
	d    micro[float64]
	sn   micro[float32]
	dn   micro[float64]
	v    *vecSet
}

var cur = &paths[0]

func init() {
	paths = append(paths, archPaths()...)
	cur = &paths[len(paths)-1]
}

// Available lists the paths this CPU can run, best last.
func Available() []Path {
	var r []Path
	for _, k := range paths {
		r = append(r, k.path)
	}
	return r
}

// Current is the path in use.
func Current() Path { return cur.path }

// Select makes p the path in use; "" selects the best the CPU has. It
// must not be called while a product runs. It fails, changing nothing,
// when p is unknown or the CPU cannot run it.
func Select(p Path) error {
	if p == "" {
		cur = &paths[len(paths)-1]
		return nil
	}
	for i := range paths {
		if paths[i].path == p {
			cur = &paths[i]
			return nil
		}
	}
	switch p {
	case Generic, AVX2, AVX512:
		return fmt.Errorf("kernel path %q: this CPU cannot run it (it can run %s)", p, list())
	}
	return fmt.Errorf("unknown kernel path %q (this CPU can run %s)", p, list())
}

func list() string {
	var s []string
	for _, k := range paths {
		s = append(s, string(k.path))
	}
	return strings.Join(s, ", ")
}
