package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// oneHotRowsOf returns rows x cols one-hot rows at random columns and
// their ids.
func oneHotRowsOf[T Float](r *rand.Rand, rows, cols int) ([]T, []int) {
	x, ids := make([]T, rows*cols), make([]int, rows)
	for i := range ids {
		ids[i] = r.IntN(cols)
		x[i*cols+ids[i]] = 1
	}
	return x, ids
}

// TestOneHotIsTheProduct: a product by marked one-hot rows (a lookup), and
// SumTN over marked one-hot pieces (rows added), give the bits of the
// same products computed by the kernels on unmarked copies, on every path:
// vocabularies of 1, 7, 28 (the book's) and 300 (past kc, so the kernels
// sum in two passes), B with -0 among its values, both transposes of B.
func TestOneHotIsTheProduct(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(5, 6))
		for _, v := range []int{1, 7, 28, 300} {
			for _, n := range []int{1, 33, 512} {
				t.Run(fmt.Sprintf("vocab%d/n%d", v, n), func(t *testing.T) {
					testOneHot[float32](t, r, v, n)
					testOneHot[float64](t, r, v, n)
				})
			}
		}
	})
}

func testOneHot[T Float](t *testing.T, r *rand.Rand, v, n int) {
	const rows = 16
	x, ids := oneHotRowsOf[T](r, rows, v)
	plain := append([]T(nil), x...)
	w := fill[T](r, v*n)
	w[0], w[len(w)-1] = T(math.Copysign(0, -1)), T(math.Copysign(0, -1))
	for _, tB := range []bool{false, true} {
		ldb := n
		if tB {
			ldb = v // w read as n x v
		}
		want, got := make([]T, rows*n), make([]T, rows*n)
		gemmT(false, tB, rows, n, v, 1, plain, v, w, ldb, 0, want, n)
		release := OneHot(x, v, ids)
		gemmT(false, tB, rows, n, v, 1, x, v, w, ldb, 0, got, n)
		release()
		for i := range want {
			if !same(got[i], want[i]) || math.Signbit(float64(got[i])) != math.Signbit(float64(want[i])) {
				t.Fatalf("tB=%v: element (%d, %d): lookup %v, product %v", tB, i/n, i%n, got[i], want[i])
			}
		}
	}
	// SumTN: 140 pieces of 16 rows (2224 > 2 kcTN: three passes) and an
	// empty one.
	var as, plains, bs [][]T
	var releases []func()
	for i := 0; i < 140; i++ {
		k := rows
		if i == 3 {
			k = 0
		}
		a, ids := oneHotRowsOf[T](r, k, v)
		as, plains, bs = append(as, a), append(plains, append([]T(nil), a...)), append(bs, fill[T](r, k*n))
		releases = append(releases, OneHot(a, v, ids))
	}
	want, got := make([]T, v*n), make([]T, v*n)
	sumTNT(want, v, n, plains, bs)
	sumTNT(got, v, n, as, bs)
	for _, f := range releases {
		f()
	}
	for i := range want {
		if !same(got[i], want[i]) {
			t.Fatalf("SumTN: element (%d, %d): rows added %v, product %v", i/n, i%n, got[i], want[i])
		}
	}
}

func sumTNT[T Float](c []T, m, n int, as, bs [][]T) {
	switch c := any(c).(type) {
	case []float32:
		SumTN32(c, n, m, n, any(as).([][]float32), any(bs).([][]float32))
	case []float64:
		SumTN64(c, n, m, n, any(as).([][]float64), any(bs).([][]float64))
	}
}

// TestOneHotMarks: a marked product looks rows up (an Inf elsewhere in B
// stays out of its rows, where a multiply makes NaN of 0 x Inf) only
// while marked, and only for its exact shape.
func TestOneHotMarks(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	x, ids := oneHotRowsOf[float32](r, 4, 5)
	w := fill[float32](r, 5*3)
	unused := 0
	for unused == ids[0] || unused == ids[1] || unused == ids[2] || unused == ids[3] {
		unused++
		if unused == 5 {
			t.Skip("the seed used every row")
		}
	}
	w[unused*3] = float32(math.Inf(1))
	c := make([]float32, 4*3)
	nans := func() int {
		Sgemm(false, false, 4, 3, 5, 1, x, 5, w, 3, 0, c, 3)
		k := 0
		for _, v := range c {
			if v != v {
				k++
			}
		}
		return k
	}
	if k := nans(); k == 0 {
		t.Fatalf("unmarked: no NaN from 0 x Inf: %v", c)
	}
	release := OneHot(x, 5, ids)
	if k := nans(); k != 0 {
		t.Fatalf("marked: %d NaNs, want a lookup: %v", k, c)
	}
	// Two of its rows are not the marked shape: a product, whose column
	// 0 sums 0 x Inf.
	c2 := make([]float32, 2*3)
	Sgemm(false, false, 2, 3, 5, 1, x, 5, w, 3, 0, c2, 3)
	if c2[0] == c2[0] || c2[3] == c2[3] {
		t.Fatalf("marked, 2 of its 4 rows: %v, want a product (NaN in column 0)", c2)
	}
	release()
	if k := nans(); k == 0 {
		t.Fatalf("released: no NaN, still a lookup: %v", c)
	}
}

// TestOneHotSetReuse: a set made once follows its ids' values from one
// Mark to the next, and marking and unmarking allocate nothing (a graph
// marks its inputs on every run).
func TestOneHotSetReuse(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	const rows, v, n = 4, 5, 3
	x, ids := oneHotRowsOf[float32](r, rows, v)
	w := fill[float32](r, v*n)
	s := NewOneHotSet([]any{x}, v, [][]int{ids})
	for run := 0; run < 3; run++ {
		clear(x)
		for i := range ids {
			ids[i] = r.IntN(v)
			x[i*v+ids[i]] = 1
		}
		want, got := make([]float32, rows*n), make([]float32, rows*n)
		Sgemm(false, false, rows, n, v, 1, x, v, w, n, 0, want, n)
		s.Mark()
		if oneHotIDs(x, rows, v, v) == nil {
			t.Fatalf("run %d: marked, but not seen as one-hot", run)
		}
		Sgemm(false, false, rows, n, v, 1, x, v, w, n, 0, got, n)
		s.Unmark()
		if oneHotIDs(x, rows, v, v) != nil {
			t.Fatalf("run %d: unmarked, still one-hot", run)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("run %d: lookup %v, product %v", run, got, want)
		}
	}
	if a := testing.AllocsPerRun(100, func() { s.Mark(); s.Unmark() }); a != 0 {
		t.Errorf("Mark and Unmark allocate %v times, want 0", a)
	}
}
