package kernels

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// forEachPath runs f with every kernel path this CPU has selected in turn.
func forEachPath(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	defer func() { _ = Select("") }()
	for _, p := range Available() {
		if err := Select(p); err != nil {
			t.Fatal(err)
		}
		t.Run(string(p), f)
	}
}

type shape struct {
	tA, tB  bool
	m, n, k int
}

// stored returns the rows and columns of A and B as stored (op(A) is m x
// k, op(B) k x n).
func (s shape) stored() (ar, ac, br, bc int) {
	ar, ac, br, bc = s.m, s.k, s.k, s.n
	if s.tA {
		ar, ac = s.k, s.m
	}
	if s.tB {
		br, bc = s.n, s.k
	}
	return
}

// testShapes: every combination of the edge sizes 1, 7, 33, 512, 1120 up
// to about 20 million multiply-adds (the plain Go reference's cost), every
// transpose, and the book RNN's products (B=32, T*B=1120, H=256 and 512,
// V=28) with their gradient products.
func testShapes(short bool) []shape {
	sizes := []int{1, 7, 33, 512, 1120}
	limit := 1120 * 512 * 33
	if short {
		sizes, limit = []int{1, 7, 33, 512}, 512*33*33
	}
	var r []shape
	for _, m := range sizes {
		for _, n := range sizes {
			for _, k := range sizes {
				if m*n*k > limit {
					continue
				}
				for tr := 0; tr < 4; tr++ {
					r = append(r, shape{tr&1 != 0, tr&2 != 0, m, n, k})
				}
			}
		}
	}
	if short {
		return r
	}
	for _, h := range []int{256, 512} {
		for _, s := range [][3]int{{32, h, h}, {32, h, 28}, {1120, 28, h}, {32, 28, h}} {
			m, n, k := s[0], s[1], s[2]
			r = append(r,
				shape{false, false, m, n, k}, // forward
				shape{false, true, m, k, n},  // dA = dC B^T
				shape{true, false, k, n, m},  // dB = A^T dC
			)
		}
	}
	return r
}

func fill[T Float](r *rand.Rand, n int) []T {
	x := make([]T, n)
	for i := range x {
		x[i] = T(r.NormFloat64())
	}
	return x
}

// TestGemm checks every kernel path against a plain Go reference computed
// in float64, over testShapes, alpha/beta pairs (beta 0 with C full of NaN:
// C must not be read) and strides with padding (which must be left as it
// was).
//
// Tolerance: with k fused multiply-adds, the alpha product and the beta
// step, each rounding once, the error of an element is at most
// (k+2)*u*(|alpha|*sum_p |a_ip b_pj| + |beta c_ij|) to first order (Higham,
// Accuracy and Stability, 3.1), u = 2^-24 (float32) or 2^-53 (float64);
// the float64 reference has its own error of the same bound (u = 2^-53),
// so the test allows twice that, plus the float64 product rounding (u) for
// float32. A wrong index or a missed element is off by the size of an
// element, far beyond.
func TestGemm(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		t.Run("float32", func(t *testing.T) { testGemm[float32](t, 0x1p-24) })
		t.Run("float64", func(t *testing.T) { testGemm[float64](t, 0x1p-53) })
	})
}

func testGemm[T Float](t *testing.T, u float64) {
	r := rand.New(rand.NewPCG(1, 2))
	ab := [][2]float64{{1, 0}, {1, 1}, {-0.5, 2}, {0, 0.5}, {2, 0}}
	for si, s := range testShapes(testing.Short()) {
		alpha, beta := ab[si%len(ab)][0], ab[si%len(ab)][1]
		pad := func() int { return r.IntN(4) }
		ar, ac, br, bc := s.stored()
		lda, ldb, ldc := ac+pad(), bc+pad(), s.n+pad()
		a := fill[T](r, ar*lda)
		b := fill[T](r, br*ldb)
		c := fill[T](r, s.m*ldc)
		if beta == 0 {
			for i := range c {
				c[i] = T(math.NaN())
			}
		}
		c0 := slices.Clone(c)
		gemmT(s.tA, s.tB, s.m, s.n, s.k, T(alpha), a, lda, b, ldb, T(beta), c, ldc)
		// op(A) by rows and op(B) by columns, in float64.
		opA := make([]float64, s.m*s.k)
		opBt := make([]float64, s.n*s.k)
		for i := 0; i < s.m; i++ {
			for p := 0; p < s.k; p++ {
				if s.tA {
					opA[i*s.k+p] = float64(a[p*lda+i])
				} else {
					opA[i*s.k+p] = float64(a[i*lda+p])
				}
			}
		}
		for j := 0; j < s.n; j++ {
			for p := 0; p < s.k; p++ {
				if s.tB {
					opBt[j*s.k+p] = float64(b[j*ldb+p])
				} else {
					opBt[j*s.k+p] = float64(b[p*ldb+j])
				}
			}
		}
		bad := 0
		for i := 0; i < s.m; i++ {
			for j := 0; j < ldc; j++ {
				got := float64(c[i*ldc+j])
				if j >= s.n {
					if !same(c[i*ldc+j], c0[i*ldc+j]) {
						t.Fatalf("%+v: padding C[%d][%d] changed", s, i, j)
					}
					continue
				}
				var sum, abs float64
				ra, rb := opA[i*s.k:(i+1)*s.k], opBt[j*s.k:(j+1)*s.k]
				for p, x := range ra {
					sum += x * rb[p]
					abs += math.Abs(x * rb[p])
				}
				want := alpha * sum
				scale := math.Abs(alpha) * abs
				if beta != 0 {
					want += beta * float64(c0[i*ldc+j])
					scale += math.Abs(beta * float64(c0[i*ldc+j]))
				}
				tol := (2*float64(s.k+2)*u + 0x1p-53*float64(s.k+2) + u) * scale
				if math.Abs(got-want) > tol || math.IsNaN(got) {
					if bad++; bad < 5 {
						t.Errorf("%+v alpha %g beta %g: C[%d][%d] = %g, want %g (tolerance %.3g)", s, alpha, beta, i, j, got, want, tol)
					}
				}
			}
		}
		if bad > 0 {
			t.Fatalf("%+v: %d wrong elements", s, bad)
		}
	}
}

func same[T Float](x, y T) bool { return x == y || x != x && y != y }

func gemmT[T Float](tA, tB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	switch a := any(a).(type) {
	case []float32:
		Sgemm(tA, tB, m, n, k, float32(alpha), a, lda, any(b).([]float32), ldb, float32(beta), any(c).([]float32), ldc)
	case []float64:
		Dgemm(tA, tB, m, n, k, float64(alpha), a, lda, any(b).([]float64), ldb, float64(beta), any(c).([]float64), ldc)
	}
}

// TestSameBitsAnyWay: an element's bits do not depend on how a product is
// computed: split into blocks on the cores or not, a transposed operand
// copied or the product computed transposed, the product computed whole
// or as column blocks (as graph's split products call it), on a wide tile
// or a narrow one (blocks of 7 columns, and the 16-row transposed product,
// whose C^T is 16 wide, take the narrow kernels).
func TestSameBitsAnyWay(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(5, 6))
		for _, s := range []shape{{false, false, 32, 512, 512}, {false, true, 32, 512, 512}, {false, true, 16, 512, 512}, {true, false, 512, 512, 1120}, {false, false, 1120, 28, 512}, {true, true, 33, 70, 300}} {
			ar, ac, br, bc := s.stored()
			a, b, c0 := fill[float32](r, ar*ac), fill[float32](r, br*bc), fill[float32](r, s.m*s.n)
			run := func() []float32 {
				c := slices.Clone(c0)
				Sgemm(s.tA, s.tB, s.m, s.n, s.k, 1.5, a, ac, b, bc, 0.5, c, s.n)
				return c
			}
			want := run()
			// Unsplit.
			old := maxParts
			maxParts = 1
			got := run()
			maxParts = old
			if !slices.Equal(got, want) {
				t.Errorf("%+v: unsplit product differs from split", s)
			}
			// op(B) copied to rows by the caller.
			if s.tB {
				bt := make([]float32, s.k*s.n)
				transpose(bt, s.n, b, s.n, s.k, bc)
				c := slices.Clone(c0)
				Sgemm(s.tA, false, s.m, s.n, s.k, 1.5, a, ac, bt, s.n, 0.5, c, s.n)
				if !slices.Equal(c, want) {
					t.Errorf("%+v: differs from the product with B transposed beforehand", s)
				}
			}
			// Column blocks of 7 (not a multiple of any tile width).
			c := slices.Clone(c0)
			for j0 := 0; j0 < s.n; j0 += 7 {
				j1 := min(j0+7, s.n)
				bo := j0
				if s.tB {
					bo = j0 * bc
				}
				Sgemm(s.tA, s.tB, s.m, j1-j0, s.k, 1.5, a, ac, b[bo:], bc, 0.5, c[j0:], s.n)
			}
			if !slices.Equal(c, want) {
				t.Errorf("%+v: column blocks differ from the whole product", s)
			}
		}
	})
}

// TestSelect: unknown paths are refused, naming what the CPU can run.
func TestSelect(t *testing.T) {
	defer func() { _ = Select("") }()
	if err := Select("sse9"); err == nil {
		t.Fatal("Select(sse9) succeeded")
	} else {
		t.Log(err)
	}
	av := Available()
	if av[0] != Generic {
		t.Fatalf("Available() = %v, want generic first", av)
	}
	if err := Select(""); err != nil || Current() != av[len(av)-1] {
		t.Fatalf("Select(\"\") = %v, current %s, want %s", err, Current(), av[len(av)-1])
	}
}
