package kernels

import (
	"sync"
	"unsafe"
)

// Hold marks the backing arrays of xs ([]float32 or []float64; others are
// ignored) as unchanging until release is called: a product whose B
// operand is transposed (tB) and starts at the start of a held array
// transposes it once and keeps the copy, instead of transposing it, or
// computing the product transposed, on every call. An unrolled graph
// multiplies by the same W_hh^T at every step of its backward pass (dH =
// dA W_hh^T); the graph holds its parameters for the length of a run,
// during which nothing writes them. Holds nest (count per array); the
// copies go with the last release. The caller must not write a held
// array: a product would then use the old values.
func Hold(xs ...any) (release func()) {
	var keys []unsafe.Pointer
	held.mu.Lock()
	for _, x := range xs {
		var p unsafe.Pointer
		var n int
		switch s := x.(type) {
		case []float32:
			if len(s) > 0 {
				p, n = unsafe.Pointer(&s[0]), len(s)
			}
		case []float64:
			if len(s) > 0 {
				p, n = unsafe.Pointer(&s[0]), len(s)*2
			}
		}
		if p == nil {
			continue
		}
		e := held.m[p]
		if e == nil {
			e = &heldArray{words: n}
			held.m[p] = e
		}
		e.refs++
		keys = append(keys, p)
	}
	held.mu.Unlock()
	return func() {
		held.mu.Lock()
		defer held.mu.Unlock()
		for _, p := range keys {
			if e := held.m[p]; e != nil {
				if e.refs--; e.refs == 0 {
					delete(held.m, p)
				}
			}
		}
		keys = nil
	}
}

var held = struct {
	mu sync.Mutex
	m  map[unsafe.Pointer]*heldArray
}{m: map[unsafe.Pointer]*heldArray{}}

// heldArray is one held array and its transposed copies, by the shape
// and stride they were made for.
type heldArray struct {
	refs  int
	words int // length in 4-byte words
	mu    sync.Mutex
	t     map[[3]int]any
}

// heldTranspose returns op(B) = B^T (k x n, rows contiguous) when b, n x
// k with stride ldb, starts a held array, making it on first use; else
// nil.
func heldTranspose[T Float](b []T, n, k, ldb int) []T {
	p := unsafe.Pointer(&b[0])
	held.mu.Lock()
	e := held.m[p]
	held.mu.Unlock()
	if e == nil || (n-1)*ldb+k > e.words*4/int(unsafe.Sizeof(T(0))) {
		return nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	key := [3]int{n, k, ldb}
	if t, ok := e.t[key].([]T); ok {
		return t
	}
	t := make([]T, k*n)
	transpose(t, n, b, n, k, ldb)
	if e.t == nil {
		e.t = map[[3]int]any{}
	}
	e.t[key] = t
	return t
}
