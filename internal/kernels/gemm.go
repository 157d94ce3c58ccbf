package kernels

import (
	"fmt"
	"sync"
	"unsafe"

	"github.com/unroll/unroll/internal/par"
)

// Tuning, measured on the book's shapes (see gemm_bench_test.go).
var (
	// kc is the depth of one pass of the micro-kernel over k: a kc x nr
	// panel of op(B) stays in L1/L2 while the row tiles use it.
	kc = 256
	// splitFlops is the size (2mnk) from which a product is split into
	// blocks run on the cores; maxParts the number of blocks.
	splitFlops = 1 << 21
	maxParts   = 4
	// packAMin is the number of column tiles from which op(A) is packed:
	// below it, the copy costs more than strided reads.
	packAMin = 3
)

// Sgemm sets C = alpha*op(A)*op(B) + beta*C for row-major float32
// matrices, op(A) m x k, op(B) k x n, with gonum's blas.Sgemm conventions
// (tA, tB: transpose; lda, ldb, ldc: row strides). When beta is 0, C is
// not read.
func Sgemm(tA, tB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	gemm(&cur.s, &cur.sn, tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// Dgemm is Sgemm for float64.
func Dgemm(tA, tB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	gemm(&cur.d, &cur.dn, tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// check panics, as gonum's BLAS does, when a slice is too short for its
// matrix or a stride is too small.
func check[T Float](name string, rows, cols int, x []T, ld int) {
	if ld < max(1, cols) {
		panic(fmt.Sprintf("kernels: bad ld%s %d for %d columns", name, ld, cols))
	}
	if rows > 0 && cols > 0 && len(x) < ld*(rows-1)+cols {
		panic(fmt.Sprintf("kernels: %s has %d elements, a %dx%d matrix with stride %d needs %d", name, len(x), rows, cols, ld, ld*(rows-1)+cols))
	}
}

func gemm[T Float](mk, narrow *micro[T], tA, tB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	if m < 0 || n < 0 || k < 0 {
		panic(fmt.Sprintf("kernels: negative dimension in a %dx%dx%d product", m, n, k))
	}
	ar, ac := m, k
	if tA {
		ar, ac = k, m
	}
	br, bc := k, n
	if tB {
		br, bc = n, k
	}
	check("a", ar, ac, a, lda)
	check("b", br, bc, b, ldb)
	check("c", m, n, c, ldc)
	if m == 0 || n == 0 {
		return
	}
	if k == 0 || alpha == 0 {
		for i := 0; i < m; i++ {
			row := c[i*ldc : i*ldc+n]
			for j := range row {
				if beta == 0 {
					row[j] = 0
				} else {
					row[j] *= beta
				}
			}
		}
		return
	}
	if !tA && alpha == 1 && beta == 0 {
		if ids := oneHotIDs(a, m, k, lda); ids != nil {
			lookupRows(ids, n, b, tB, ldb, c, ldc)
			return
		}
	}
	// a(i, p) = A[i*rsa + p*csa].
	rsa, csa := lda, 1
	if tA {
		rsa, csa = 1, lda
	}
	if !tB || !tA {
		kern := pick(mk, narrow, n)
		if pb := heldPanels(b, tB, n, k, ldb, kern.nr); pb != nil {
			nn(kern, m, n, k, alpha, a, rsa, csa, pb, panelStride, beta, c, ldc)
			return
		}
	}
	if !tB {
		nn(pick(mk, narrow, n), m, n, k, alpha, a, rsa, csa, b, ldb, beta, c, ldc)
		return
	}
	// op(B) = B^T has no contiguous rows. Either copy it to rows (n*k
	// copies), or compute C^T = op(B)^T op(A)^T = B op(A)^T, which needs
	// op(A)^T in rows (a copy unless tA) and C^T in a scratch matrix. Both
	// compute every element with the same operations (a*b = b*a).
	swap := m * n
	if beta != 0 {
		swap *= 2
	}
	if !tA {
		swap += m * k
	}
	if n*k <= swap {
		bt := getScratch[T](k * n)
		transpose(bt.s, n, b, n, k, ldb) // bt is k x n
		nn(pick(mk, narrow, n), m, n, k, alpha, a, rsa, csa, bt.s, n, beta, c, ldc)
		putScratch(bt)
		return
	}
	v, ldv := a, lda // op(A)^T, k x m
	if !tA {
		vs := getScratch[T](k * m)
		defer putScratch(vs)
		transpose(vs.s, m, a, m, k, lda)
		v, ldv = vs.s, m
	}
	ct := getScratch[T](n * m)
	defer putScratch(ct)
	if beta != 0 {
		transpose(ct.s, m, c, m, n, ldc)
	}
	nn(pick(mk, narrow, m), n, m, k, alpha, b, ldb, 1, v, ldv, beta, ct.s, m)
	transpose(c, ldc, ct.s, n, m, m)
}

// pick returns the narrow kernel for a product of n columns that fit its
// tile, else mk: a 16-column product on a 32-column tile wastes half the
// tile's work. Both compute each element with the same operations.
func pick[T Float](mk, narrow *micro[T], n int) *micro[T] {
	if n <= narrow.nr && narrow.nr < mk.nr {
		return narrow
	}
	return mk
}

// transpose sets dst (cols x rows, stride ldd) to src^T, src rows x cols
// with stride lds, in 32 x 32 blocks.
func transpose[T Float](dst []T, ldd int, src []T, rows, cols, lds int) {
	const bs = 32
	for i0 := 0; i0 < rows; i0 += bs {
		i1 := min(i0+bs, rows)
		for j0 := 0; j0 < cols; j0 += bs {
			j1 := min(j0+bs, cols)
			for i := i0; i < i1; i++ {
				row := src[i*lds+j0 : i*lds+j1]
				for j, x := range row {
					dst[(j0+j)*ldd+i] = x
				}
			}
		}
	}
}

// panelStride as nn's ldb says that B is packed in column panels of the
// kernel's nr (packPanels).
const panelStride = -1

// nn sets C = alpha*op(A)*B + beta*C, op(A)(i, p) = a[i*rsa + p*csa], B
// with contiguous rows (or packed in panels: ldb = panelStride). Large products are split into fixed blocks of
// whole tiles (column blocks, or row blocks for narrow C), run by package
// par; each block computes its elements exactly as an unsplit product
// would.
func nn[T Float](mk *micro[T], m, n, k int, alpha T, a []T, rsa, csa int, b []T, ldb int, beta T, c []T, ldc int) {
	mt, nt := (m+mk.mr-1)/mk.mr, (n+mk.nr-1)/mk.nr
	parts := 1
	if 2*m*n*k >= splitFlops {
		parts = maxParts
	}
	// One block when the cores are taken (graph's Parallel runs its blocks
	// of sequences on them): the parts would run one after the other,
	// each packing op(A) again.
	if parts == 1 || par.Busy() {
		block(mk, m, n, k, 0, m, 0, n, alpha, a, rsa, csa, b, ldb, beta, c, ldc)
		return
	}
	if nt >= 2*parts || nt >= mt {
		parts = min(parts, nt)
		par.Do(parts, func(i int) {
			j0, j1 := nt*i/parts*mk.nr, min(nt*(i+1)/parts*mk.nr, n)
			block(mk, m, n, k, 0, m, j0, j1, alpha, a, rsa, csa, b, ldb, beta, c, ldc)
		})
		return
	}
	parts = min(parts, mt)
	par.Do(parts, func(i int) {
		i0, i1 := mt*i/parts*mk.mr, min(mt*(i+1)/parts*mk.mr, m)
		block(mk, m, n, k, i0, i1, 0, n, alpha, a, rsa, csa, b, ldb, beta, c, ldc)
	})
}

// block computes rows [i0, i1) and columns [j0, j1) of C (see nn), tile
// boundaries at multiples of mr and nr from the corner.
func block[T Float](mk *micro[T], m, n, k, i0, i1, j0, j1 int, alpha T, a []T, rsa, csa int, b []T, ldb int, beta T, c []T, ldc int) {
	mr, nr := mk.mr, mk.nr
	size := int(unsafe.Sizeof(T(0)))
	rowTiles := (i1 - i0 + mr - 1) / mr
	colTiles := (j1 - j0 + nr - 1) / nr
	// op(A) is copied into zero-padded mr-row panels (p-major) when
	// packAMin or more column tiles read it, and always for a last
	// partial row tile.
	// Not with B in panels (held) for a kernel that reads op(A) in place
	// faster then (micro.inPlaceA).
	packA := colTiles >= packAMin && !(ldb == panelStride && mk.inPlaceA)
	kcm := min(kc, k)
	var ap, bp, tile *scratch[T]
	if packA {
		ap = getScratch[T](rowTiles * mr * kcm)
	} else if (i1-i0)%mr != 0 {
		ap = getScratch[T](mr * kcm)
	}
	bp = getScratch[T](kcm * nr)
	tile = getScratch[T](mr * nr)
	defer func() {
		putScratch(bp)
		putScratch(tile)
		if ap != nil {
			putScratch(ap)
		}
	}()
	for p0 := 0; p0 < k; p0 += kc {
		kb := min(kc, k-p0)
		be, load := beta, beta != 0
		if p0 > 0 {
			be, load = 1, true
		}
		if packA {
			for t := 0; t < rowTiles; t++ {
				packPanel(ap.s[t*mr*kb:], mr, a, rsa, csa, i0+t*mr, min(mr, m-i0-t*mr), p0, kb)
			}
		}
		for jt := j0; jt < j1; jt += nr {
			jw := min(nr, n-jt)
			bptr, ldbb := (*T)(nil), ldb*size
			switch {
			case ldb == panelStride:
				bptr, ldbb = &b[(jt/nr*k+p0)*nr], nr*size
			case jw < nr:
				for p := 0; p < kb; p++ {
					row := bp.s[p*nr : (p+1)*nr]
					copy(row, b[(p0+p)*ldb+jt:(p0+p)*ldb+jt+jw])
					clear(row[jw:])
				}
				bptr, ldbb = &bp.s[0], nr*size
			default:
				bptr = &b[p0*ldb+jt]
			}
			for it := i0; it < i1; it += mr {
				ih := min(mr, m-it)
				var aptr *T
				rs, cs := rsa*size, csa*size
				switch {
				case packA:
					aptr, rs, cs = &ap.s[(it-i0)/mr*mr*kb], size, mr*size
				case ih < mr:
					packPanel(ap.s, mr, a, rsa, csa, it, ih, p0, kb)
					aptr, rs, cs = &ap.s[0], size, mr*size
				default:
					aptr = &a[it*rsa+p0*csa]
				}
				if ih == mr && jw == nr {
					mk.fn(kb, aptr, rs, cs, bptr, ldbb, &c[it*ldc+jt], ldc*size, alpha, be, load)
					continue
				}
				// Edge tile: the same kernel on a copy.
				if load {
					for i := 0; i < ih; i++ {
						copy(tile.s[i*nr:i*nr+jw], c[(it+i)*ldc+jt:])
					}
				}
				mk.fn(kb, aptr, rs, cs, bptr, ldbb, &tile.s[0], nr*size, alpha, be, load)
				for i := 0; i < ih; i++ {
					copy(c[(it+i)*ldc+jt:(it+i)*ldc+jt+jw], tile.s[i*nr:i*nr+jw])
				}
			}
		}
	}
}

// packPanel copies rows [i0, i0+ih) and columns [p0, p0+kb) of op(A) into
// dst as an mr-row panel, element (i, p) at p*mr + i, rows from ih to mr
// zero.
func packPanel[T Float](dst []T, mr int, a []T, rsa, csa, i0, ih, p0, kb int) {
	dst = dst[:kb*mr]
	if ih < mr {
		clear(dst)
	}
	if csa == 1 {
		for i := 0; i < ih; i++ {
			row := a[(i0+i)*rsa+p0 : (i0+i)*rsa+p0+kb]
			for p, x := range row {
				dst[p*mr+i] = x
			}
		}
		return
	}
	if rsa == 1 {
		// A loop, not copy: a runtime call per mr elements costs more
		// than the copy itself.
		for p := 0; p < kb; p++ {
			src, d := a[i0+(p0+p)*csa:][:ih], dst[p*mr:][:ih]
			for i, x := range src {
				d[i] = x
			}
		}
		return
	}
	for p := 0; p < kb; p++ {
		for i := 0; i < ih; i++ {
			dst[p*mr+i] = a[(i0+i)*rsa+(p0+p)*csa]
		}
	}
}

// scratch is a reusable buffer.
type scratch[T Float] struct{ s []T }

var pools = [2]sync.Pool{}

func poolOf[T Float]() *sync.Pool {
	if unsafe.Sizeof(T(0)) == 4 {
		return &pools[0]
	}
	return &pools[1]
}

func getScratch[T Float](n int) *scratch[T] {
	s, _ := poolOf[T]().Get().(*scratch[T])
	if s == nil {
		s = new(scratch[T])
	}
	if cap(s.s) < n {
		s.s = make([]T, n+n/4)
	}
	s.s = s.s[:n]
	return s
}

func putScratch[T Float](s *scratch[T]) { poolOf[T]().Put(s) }
