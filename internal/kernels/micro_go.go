package kernels

import "unsafe"

// Float is the element type of a product.
type Float interface{ float32 | float64 }

// micro is one micro-kernel: fn sets the mr x nr tile at c (rows ldc bytes
// apart) to alpha*sum_{p<k} a(i,p)*b(p,j) (+ beta*c when loadC), a(i,p) at
// a + i*rsa + p*csa and b(p,j) at b + p*ldb + j*size (strides in bytes),
// k >= 1. See gen/main.go for the assembly ones.
type micro[T Float] struct {
	mr, nr int
	fn     func(k int, a *T, rsa, csa int, b *T, ldb int, c *T, ldc int, alpha, beta T, loadC bool)
	// inPlaceA: with B in panels (held), reading op(A) in place beats
	// packing it (the AVX-512 kernels: 16-row products by held weights
	// 95-105 -> 102-113 GFLOP/s; the AVX2 ones lose, BenchmarkHeldTranspose).
	inPlaceA bool
}

func goMicro[T Float]() micro[T] { return micro[T]{2, 4, goKernel[T], false} }

// goKernel is the portable micro-kernel: a 2x4 tile in eight locals, few
// enough to stay in registers on amd64 (15 usable by Go code) with the
// operands.
func goKernel[T Float](k int, a *T, rsa, csa int, b *T, ldb int, c *T, ldc int, alpha, beta T, loadC bool) {
	var c00, c01, c02, c03, c10, c11, c12, c13 T
	pa, pb := unsafe.Pointer(a), unsafe.Pointer(b)
	s := unsafe.Sizeof(T(0))
	for ; k > 0; k-- {
		a0 := *(*T)(pa)
		a1 := *(*T)(unsafe.Add(pa, rsa))
		b0 := *(*T)(pb)
		c00 += a0 * b0
		c10 += a1 * b0
		b1 := *(*T)(unsafe.Add(pb, s))
		c01 += a0 * b1
		c11 += a1 * b1
		b2 := *(*T)(unsafe.Add(pb, 2*s))
		c02 += a0 * b2
		c12 += a1 * b2
		b3 := *(*T)(unsafe.Add(pb, 3*s))
		c03 += a0 * b3
		c13 += a1 * b3
		if k > 1 { // never past the operands' ends: the GC must not see such a pointer
			pa = unsafe.Add(pa, csa)
			pb = unsafe.Add(pb, ldb)
		}
	}
	acc := [2][4]T{{c00, c01, c02, c03}, {c10, c11, c12, c13}}
	pc := unsafe.Pointer(c)
	for i := range acc {
		row := (*[4]T)(unsafe.Add(pc, i*ldc))
		for j, v := range acc[i] {
			v *= alpha
			if loadC {
				v += beta * row[j]
			}
			row[j] = v
		}
	}
}
