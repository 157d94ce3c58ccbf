package kernels

import (
	"runtime"
	"sync"
	"sync/atomic"
	"unsafe"
)

// Hold marks the backing arrays of xs ([]float32 or []float64; others are
// ignored) as unchanging until release is called: a product whose B
// operand starts at the start of a held array packs op(B) into the
// micro-kernels' column panels once and keeps the copy. An unrolled graph
// multiplies by the same W_hh at every step of its forward pass and by
// W_hh^T at every step of its backward pass (dH = dA W_hh^T); unpacked,
// each product reads W's rows far apart from memory (W does not stay in
// cache between steps), and W^T had to be transposed, or the product
// computed transposed, on every call. The graph holds its parameters for
// the length of a run, during which nothing writes them.
//
// Holds nest (counted per array). After the last release the copies'
// buffers are kept, to be packed anew from the array's values by the
// first product that needs them once it is held again (a graph runs the
// same products every run): no allocation per run. They go once the array
// has not been held for maxAge holds of any array, or when more than
// maxIdle arrays are idle. The caller must not
// write a held array: a product would then use the old values.
func Hold(xs ...any) (release func()) {
	var keys []unsafe.Pointer
	held.mu.Lock()
	held.holds++
	for _, x := range xs {
		p, n, size := arrayOf(x)
		if p == nil {
			continue
		}
		n *= size / 4 // in 4-byte words
		e := held.m[p]
		if e == nil {
			e = &heldArray{}
			held.m[p] = e
		}
		e.last = held.holds
		if e.refs++; e.refs == 1 {
			// Held anew: every kept copy is stale.
			e.mu.Lock()
			e.gen++
			if e.words != n {
				e.t = nil // another array at this address
			}
			e.words = n
			e.mu.Unlock()
		}
		keys = append(keys, p)
	}
	held.mu.Unlock()
	return func() {
		held.mu.Lock()
		defer held.mu.Unlock()
		for _, p := range keys {
			if e := held.m[p]; e != nil {
				e.refs--
			}
		}
		keys = nil
		// An array not held in the last maxAge holds (a model no longer
		// trained, say) loses its copies, and the map its pointer, which
		// would keep the array alive; so do all idle ones past maxIdle.
		idle := 0
		for _, e := range held.m {
			if e.refs == 0 {
				idle++
			}
		}
		for p, e := range held.m {
			if e.refs == 0 && (idle > maxIdle || held.holds-e.last > maxAge) {
				delete(held.m, p)
			}
		}
	}
}

// maxIdle is the number of released arrays whose buffers are kept;
// maxAge the number of holds (of any array) after which a released
// array's are dropped.
const (
	maxIdle = 64
	maxAge  = 256
)

var held = struct {
	mu    sync.Mutex
	m     map[unsafe.Pointer]*heldArray
	holds uint64 // calls of Hold so far
}{m: map[unsafe.Pointer]*heldArray{}}

// heldArray is one held array and its packed copies, by the shape,
// stride, tile width and transpose they were made for.
type heldArray struct {
	refs  int    // under held.mu
	last  uint64 // under held.mu: held.holds when last held
	mu    sync.Mutex
	words int    // length in 4-byte words
	gen   uint64 // holds so far; a copy packed in an earlier one is stale
	t     map[[5]int]*heldCopy
}

// heldCopy is a packed op(B) ([]T) and the hold it was packed in. The
// products that need it in a hold pack its panels together: each claims
// panels (next) until none is left, then waits until all are done, so two
// blocks of a minibatch that reach the same product at once each pack
// half.
type heldCopy struct {
	buf  any
	gen  uint64
	next atomic.Int32 // panels claimed in generation gen
	done atomic.Int32 // panels packed in generation gen
}

// heldPanels returns op(B) (k x n; B^T when tB, b then n x k) packed in
// column panels of nr, zero-padded (see packPanels), when b starts a held
// array, making it on first use; else nil.
func heldPanels[T Float](b []T, tB bool, n, k, ldb, nr int) []T {
	p := unsafe.Pointer(&b[0])
	held.mu.Lock()
	e := held.m[p]
	if e != nil && e.refs == 0 {
		e = nil // kept from an earlier hold, not held now
	}
	held.mu.Unlock()
	if e == nil {
		return nil
	}
	rows, cols := k, n
	if tB {
		rows, cols = n, k
	}
	tiles := int32((n + nr - 1) / nr)
	e.mu.Lock()
	if (rows-1)*ldb+cols > e.words*4/int(unsafe.Sizeof(T(0))) {
		e.mu.Unlock()
		return nil
	}
	key := [5]int{n, k, ldb, nr, 0}
	if tB {
		key[4] = 1
	}
	c := e.t[key]
	if c == nil {
		c = &heldCopy{buf: make([]T, int(tiles)*k*nr)}
		if e.t == nil {
			e.t = map[[5]int]*heldCopy{}
		}
		e.t[key] = c
	}
	if c.gen != e.gen {
		// Stale: pack it anew (no one is packing it: the last hold has
		// been released).
		c.gen = e.gen
		c.next.Store(0)
		c.done.Store(0)
	}
	e.mu.Unlock()
	t := c.buf.([]T)
	for {
		j := c.next.Add(1) - 1
		if j >= tiles {
			break
		}
		packBPanel(t, b, tB, n, k, ldb, nr, int(j))
		c.done.Add(1)
	}
	for polls := 1; c.done.Load() < tiles; polls++ {
		if polls%64 == 0 {
			runtime.Gosched()
		}
	}
	return t
}

// packPanels copies op(B) (k x n) into out in column panels of nr: panel
// j (columns j*nr to j*nr+nr) is k rows of nr values, row p at (j*k +
// p)*nr. out has (n+nr-1)/nr*k*nr values, those of the columns past n
// zero already (packPanels leaves them). A micro-kernel reads a panel's
// rows one after the other, nr values apart.
func packPanels[T Float](out, b []T, tB bool, n, k, ldb, nr int) {
	for j := 0; j < (n+nr-1)/nr; j++ {
		packBPanel(out, b, tB, n, k, ldb, nr, j)
	}
}

// packBPanel writes panel j of packPanels.
func packBPanel[T Float](out, b []T, tB bool, n, k, ldb, nr, j int) {
	w := min(nr, n-j*nr)
	panel := out[j*k*nr : (j+1)*k*nr]
	if !tB {
		for p := 0; p < k; p++ {
			copy(panel[p*nr:p*nr+w], b[p*ldb+j*nr:])
		}
		return
	}
	// Row j*nr+c of B is column c of the panel, in blocks of 64 of the
	// panel's rows, which stay in L1 while all its columns are written.
	for p0 := 0; p0 < k; p0 += 64 {
		p1 := min(p0+64, k)
		for c := 0; c < w; c++ {
			row := b[(j*nr+c)*ldb+p0 : (j*nr+c)*ldb+p1]
			for p, x := range row {
				panel[(p0+p)*nr+c] = x
			}
		}
	}
}

// arrayOf returns the first element, length and element size of x, a
// []float32 or a []float64; a nil pointer for an empty slice or another
// type.
func arrayOf(x any) (p unsafe.Pointer, n, size int) {
	switch s := x.(type) {
	case []float32:
		if len(s) > 0 {
			return unsafe.Pointer(&s[0]), len(s), 4
		}
	case []float64:
		if len(s) > 0 {
			return unsafe.Pointer(&s[0]), len(s), 8
		}
	}
	return nil, 0, 0
}
