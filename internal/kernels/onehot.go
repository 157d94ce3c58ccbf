package kernels

import (
	"fmt"
	"sync"
	"unsafe"
)

// OneHot marks x ([]float32 or []float64, rows x cols, row-major without
// padding) as one-hot until release is called: row i is zero but for a 1
// at column ids[i] (len(ids) rows). A language model's inputs are such
// rows (the token ids of a time step), and a product by one of them is a
// row lookup: Sgemm and Dgemm then copy op(B)'s rows ids[i] where they
// would multiply (for alpha 1 and beta 0, the graphs' products), and
// SumTN32 and SumTN64 add the rows of each b_i into the rows ids of the
// result where they would multiply by a_iᵀ (the gradient of the weight).
// A product by a one-hot row adds exact zeros to the one product that
// counts, so the lookup gives the multiply's bits, as long as the other
// operand is finite (0 x Inf is NaN in a multiply, nothing in a lookup).
// The caller must not change x, nor let it be collected, before release.
func OneHot(x any, cols int, ids []int) (release func()) {
	s := NewOneHotSet([]any{x}, cols, [][]int{ids})
	s.Mark()
	return s.Unmark
}

// OneHotSet is arrays marked one-hot together, as OneHot marks one, made
// once for arrays and id slices that stay the same from run to run (a
// graph's inputs): Mark and Unmark then allocate nothing. The ids' values
// may change between runs; Mark checks them.
type OneHotSet struct {
	ps   []unsafe.Pointer
	rows []oneHotRows
}

// NewOneHotSet returns the set of the arrays xs ([]float32 or []float64),
// xs[i] len(ids[i]) rows of cols, unmarked.
func NewOneHotSet(xs []any, cols int, ids [][]int) *OneHotSet {
	s := &OneHotSet{}
	for i, x := range xs {
		switch x.(type) {
		case []float32, []float64:
		default:
			panic(fmt.Sprintf("kernels: OneHot of %T", x))
		}
		p, n, _ := arrayOf(x)
		if n != len(ids[i])*cols {
			panic(fmt.Sprintf("kernels: OneHot: %d values are not %d rows of %d", n, len(ids[i]), cols))
		}
		if p != nil {
			s.ps = append(s.ps, p)
			s.rows = append(s.rows, oneHotRows{cols: cols, ids: ids[i]})
		}
	}
	return s
}

// Mark marks the set's arrays one-hot, their rows' ones at the columns
// their ids hold now, until Unmark.
func (s *OneHotSet) Mark() {
	for _, r := range s.rows {
		for _, id := range r.ids {
			if id < 0 || id >= r.cols {
				panic(fmt.Sprintf("kernels: OneHot: column %d of %d", id, r.cols))
			}
		}
	}
	oneHots.Lock()
	for i, p := range s.ps {
		oneHots.m[p] = &s.rows[i]
	}
	oneHots.Unlock()
}

// Unmark ends Mark: the arrays are plain operands again.
func (s *OneHotSet) Unmark() {
	oneHots.Lock()
	for i, p := range s.ps {
		if oneHots.m[p] == &s.rows[i] {
			delete(oneHots.m, p)
		}
	}
	oneHots.Unlock()
}

type oneHotRows struct {
	cols int
	ids  []int
}

var oneHots = struct {
	sync.Mutex
	m map[unsafe.Pointer]*oneHotRows
}{m: map[unsafe.Pointer]*oneHotRows{}}

// oneHotIDs returns the ids of a, a rows x cols matrix with stride ld,
// when it is a marked one-hot array of that shape; else nil.
func oneHotIDs[T Float](a []T, rows, cols, ld int) []int {
	if len(a) == 0 || ld != cols {
		return nil
	}
	oneHots.Lock()
	e := oneHots.m[unsafe.Pointer(&a[0])]
	oneHots.Unlock()
	if e == nil || e.cols != cols || len(e.ids) != rows {
		return nil
	}
	return e.ids
}

// lookupRows sets row i of C (m x n) to 0 + op(B)'s row ids[i], op(B) k x
// n (B n x k when tB): the product of one-hot rows and op(B) (alpha 1,
// beta 0), whose kernels sum +0 and the one product 1*b.
func lookupRows[T Float](ids []int, n int, b []T, tB bool, ldb int, c []T, ldc int) {
	if !tB {
		zero := getScratch[T](n)
		defer putScratch(zero)
		clear(zero.s)
		for i, id := range ids {
			add(c[i*ldc:i*ldc+n], zero.s, b[id*ldb:id*ldb+n])
		}
		return
	}
	for i, id := range ids {
		row := c[i*ldc : i*ldc+n]
		for j := range row {
			row[j] = 0 + b[j*ldb+id]
		}
	}
}

// add sets dst = a + b with the path's vector kernels (one IEEE addition
// per element, as the plain loop).
func add[T Float](dst, a, b []T) {
	switch d := any(dst).(type) {
	case []float32:
		Binary32(Add, d, any(a).([]float32), any(b).([]float32))
	case []float64:
		Binary64(Add, d, any(a).([]float64), any(b).([]float64))
	}
}
