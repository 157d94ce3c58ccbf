package kernels

import (
	"fmt"
	"unsafe"

	"github.com/unroll/unroll/internal/par"
)

// SumTN32 sets c (m x n, rows ldc apart) to a_1ᵀ b_1 + ... + a_kᵀ b_k,
// each a_i (r_i x m) and b_i (r_i x n) row-major without padding (rows m
// and n values apart): the gradient of a weight used in k products x_i W,
// given the products' gradients. It is Sgemm(tA, !tB) over the a_i and
// the b_i stacked (their rows one after the other), computed without
// stacking them: the operands are packed straight from the pieces into
// the micro-kernel's panels, which a product of the stacked matrices
// would copy them into anyway. It sums over the stacked rows in passes of
// kcTN rows, where Sgemm takes kc: each element of C gets the operations
// of that Sgemm with kc set to kcTN, on every path, the same bits
// (TestSumTNIsStackedGemm).
func SumTN32(c []float32, ldc, m, n int, as, bs [][]float32) {
	sumTN(&cur.s, &cur.sn, c, ldc, m, n, as, bs)
}

// SumTN64 is SumTN32 for float64.
func SumTN64(c []float64, ldc, m, n int, as, bs [][]float64) {
	sumTN(&cur.d, &cur.dn, c, ldc, m, n, as, bs)
}

// kcTN is the depth of SumTN32's (SumTN64's) passes: the book's T·B
// rows (560 in a block of 16 sequences) in one pass. Sgemm's kc = 256
// would make three, each loading and storing all of C (1 MB for W_hh at
// H=512): the book RNN's minibatch took 0.967x the time with 1024
// (in-process A/B, alternating 12-minibatch rounds, twice).
const kcTN = 1024

func sumTN[T Float](mk, narrow *micro[T], c []T, ldc, m, n int, as, bs [][]T) {
	if len(as) != len(bs) {
		panic(fmt.Sprintf("kernels: SumTN of %d a's and %d b's", len(as), len(bs)))
	}
	if m < 0 || n < 0 {
		panic(fmt.Sprintf("kernels: SumTN of negative shape %dx%d", m, n))
	}
	// k: the rows of the pieces, stacked.
	k := 0
	for i := range as {
		if m == 0 || n == 0 {
			break
		}
		if len(as[i])%m != 0 || len(bs[i])%n != 0 || len(as[i])/m != len(bs[i])/n {
			panic(fmt.Sprintf("kernels: SumTN piece %d: a has %d values (rows of %d), b %d (rows of %d): want the same number of whole rows", i, len(as[i]), m, len(bs[i]), n))
		}
		k += len(as[i]) / m
	}
	check("c", m, n, c, ldc)
	if m == 0 || n == 0 {
		return
	}
	if k == 0 {
		for i := 0; i < m; i++ {
			clear(c[i*ldc : i*ldc+n])
		}
		return
	}
	if addOneHot(c, ldc, m, n, as, bs) {
		return
	}
	kern := pick(mk, narrow, n)
	st := stacked[T]{as: as, bs: bs, m: m, n: n}
	// Column blocks over the cores, as nn splits a product (whole column
	// tiles, each element computed the same way in any block).
	nt := (n + kern.nr - 1) / kern.nr
	parts := 1
	if 2*m*n*k >= splitFlops && !par.Busy() {
		parts = min(maxParts, nt)
	}
	par.Do(parts, func(i int) {
		j0, j1 := nt*i/parts*kern.nr, min(nt*(i+1)/parts*kern.nr, n)
		st.block(kern, k, j0, j1, c, ldc)
	})
}

// stacked is the pieces of SumTN32 (SumTN64) seen as two stacked
// matrices, A (k x m) and B (k x n).
type stacked[T Float] struct {
	as, bs [][]T
	m, n   int
}

// block computes columns [j0, j1) of C = AᵀB, in passes of kcTN rows of A
// and B as block does for Sgemm's (tA, !tB) product: per pass, Aᵀ packed
// into row panels and the column tiles of B into panels (packB, one sweep
// over the rows), the tiles computed by the same micro-kernel calls.
func (s *stacked[T]) block(mk *micro[T], k, j0, j1 int, c []T, ldc int) {
	mr, nr, m := mk.mr, mk.nr, s.m
	rowTiles := (m + mr - 1) / mr
	kc := kcTN
	tiles := (j1 - j0 + nr - 1) / nr
	ap := getScratch[T](rowTiles * mr * min(kc, k))
	bp := getScratch[T](tiles * nr * min(kc, k))
	edge := getScratch[T](mr * nr)
	defer func() {
		putScratch(ap)
		putScratch(bp)
		putScratch(edge)
	}()
	// The piece and row within it where the pass starts.
	piece, row := 0, 0
	for p0 := 0; p0 < k; p0 += kc {
		kb := min(kc, k-p0)
		s.packA(ap.s, mr, rowTiles, piece, row, kb)
		s.packB(bp.s, nr, j0, tiles, piece, row, kb)
		for t := 0; t < tiles; t++ {
			s.tile(mk, ap.s, bp.s[t*kb*nr:(t+1)*kb*nr], edge.s, j0+t*nr, kb, p0 > 0, c, ldc)
		}
		piece, row = s.advance(piece, row, kb)
	}
}

// tile computes column tile jt of a pass of kb stacked rows, Aᵀ packed in
// ap and the tile's columns of B in bp, edge tiles through tile (mr x nr
// scratch); load: add onto C (a pass after the first).
func (s *stacked[T]) tile(mk *micro[T], ap, bp, tile []T, jt, kb int, load bool, c []T, ldc int) {
	mr, nr, m, n := mk.mr, mk.nr, s.m, s.n
	size := int(unsafe.Sizeof(T(0)))
	be := T(0)
	if load {
		be = 1
	}
	jw := min(nr, n-jt)
	for it := 0; it < m; it += mr {
		ih := min(mr, m-it)
		aptr := &ap[it/mr*mr*kb]
		if ih == mr && jw == nr {
			mk.fn(kb, aptr, size, mr*size, &bp[0], nr*size, &c[it*ldc+jt], ldc*size, 1, be, load)
			continue
		}
		// Edge tile: the same kernel on a copy.
		if load {
			for i := 0; i < ih; i++ {
				copy(tile[i*nr:i*nr+jw], c[(it+i)*ldc+jt:])
			}
		}
		mk.fn(kb, aptr, size, mr*size, &bp[0], nr*size, &tile[0], nr*size, 1, be, load)
		for i := 0; i < ih; i++ {
			copy(c[(it+i)*ldc+jt:(it+i)*ldc+jt+jw], tile[i*nr:i*nr+jw])
		}
	}
}

// advance returns the piece and row kb stacked rows after (piece, row).
func (s *stacked[T]) advance(piece, row, kb int) (int, int) {
	for kb > 0 {
		left := len(s.as[piece])/s.m - row
		if kb < left {
			return piece, row + kb
		}
		kb -= left
		piece, row = piece+1, 0
	}
	for piece < len(s.as) && len(s.as[piece]) == 0 {
		piece++
	}
	return piece, row
}

// packA writes kb stacked rows of A from (piece, row) as Aᵀ's row panels:
// tile t's element (i, p) at t*mr*kb + p*mr + i, rows past m zero (as
// packPanel packs op(A) = Aᵀ).
func (s *stacked[T]) packA(dst []T, mr, rowTiles, piece, row, kb int) {
	full := s.m / mr
	eachRow(s.as, s.m, piece, row, kb, func(p int, x []T) {
		d := dst[p*mr:]
		switch mr {
		case 8: // AVX-512's tiles: a copy call per 8 values cost more than the copy
			for t := 0; t < full; t++ {
				*(*[8]T)(d[t*8*kb:]) = *(*[8]T)(x[t*8:])
			}
		default:
			for t := 0; t < full; t++ {
				copy(d[t*mr*kb:t*mr*kb+mr], x[t*mr:])
			}
		}
		if full < rowTiles {
			e := d[full*mr*kb : full*mr*kb+mr]
			clear(e[copy(e, x[full*mr:]):])
		}
	})
}

// packB writes the tiles column tiles of B from column j0, kb stacked
// rows from (piece, row), into nr-wide panels, one after the other
// (panel t's row p at t*kb*nr + p*nr, columns past n zero), in one sweep
// over the rows: each row is read once, whole, where a panel at a time
// read nr values of every row, far apart.
func (s *stacked[T]) packB(dst []T, nr, j0, tiles, piece, row, kb int) {
	n := s.n
	eachRow(s.bs, n, piece, row, kb, func(p int, x []T) {
		for t := 0; t < tiles; t++ {
			jt := j0 + t*nr
			d := dst[(t*kb+p)*nr : (t*kb+p+1)*nr]
			if nr == 32 && jt+32 <= n {
				*(*[32]T)(d) = *(*[32]T)(x[jt:])
				continue
			}
			clear(d[copy(d, x[jt:min(jt+nr, n)]):])
		}
	})
}

// eachRow calls f(p, x) for the kb stacked rows of pieces (rows of w
// values) from row row of piece piece: x is stacked row p (from 0).
func eachRow[T Float](pieces [][]T, w, piece, row, kb int, f func(p int, x []T)) {
	for p := 0; p < kb; {
		for len(pieces[piece]) == 0 {
			piece++
		}
		src := pieces[piece]
		rows := min(len(src)/w-row, kb-p)
		for r := 0; r < rows; r++ {
			f(p+r, src[(row+r)*w:(row+r+1)*w])
		}
		p += rows
		piece, row = piece+1, 0
	}
}

// addOneHot computes SumTN32 (SumTN64) when every a_i is marked one-hot (OneHot):
// row p of the stacked B is added into row ids[p] of C, in passes of kcTN
// stacked rows as the micro-kernels sum them (C = pass sum + C after the
// first), so the same bits. It reports false, doing nothing, otherwise.
func addOneHot[T Float](c []T, ldc, m, n int, as, bs [][]T) bool {
	var ids []int
	for _, a := range as {
		if len(a) == 0 {
			continue
		}
		x := oneHotIDs(a, len(a)/m, m, m)
		if x == nil {
			return false
		}
		ids = append(ids, x...)
	}
	var tmp *scratch[T]
	kc := kcTN
	if len(ids) > kc {
		tmp = getScratch[T](m * n)
		defer putScratch(tmp)
	}
	for i := 0; i < m; i++ {
		clear(c[i*ldc : i*ldc+n])
	}
	acc, lda := c, ldc // the first pass sums into C itself
	flush := func() {  // C = pass sum + C
		for i := 0; i < m; i++ {
			d := c[i*ldc : i*ldc+n]
			add(d, acc[i*n:(i+1)*n], d)
		}
	}
	eachRow(bs, n, 0, 0, len(ids), func(p int, x []T) {
		if p > 0 && p%kc == 0 { // a pass after the first
			if p > kc {
				flush()
			}
			acc, lda = tmp.s, n
			clear(acc)
		}
		d := acc[ids[p]*lda:][:n]
		add(d, d, x)
	})
	if len(ids) > kc {
		flush()
	}
	return true
}
