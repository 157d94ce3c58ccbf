// Command gen writes the Go assembly of package kernels' micro-kernels
// (../gemm_amd64.s and its declarations ../gemm_amd64.go) with avo.
//
// It is a module of its own so that avo is not a dependency of unroll:
// only this generator needs it, and the generated files are committed.
// Run from this directory:
//
//	go run . -out ../gemm_amd64.s -stubs ../gemm_amd64.go -pkg kernels
//
// One generator writes the four kernels (float32/float64, AVX2+FMA and
// AVX-512) from one description: an mr x nr tile of C, nr a multiple of
// the vector width, kept in registers over the k loop.
package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	"github.com/mmcloughlin/avo/gotypes"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// kernel describes one micro-kernel.
type kernel struct {
	name   string
	f64    bool // element type float64 (else float32)
	width  int  // vector width in bytes: 32 (AVX2) or 64 (AVX-512)
	mr, nv int  // tile rows, and vectors per tile row (nr = nv*lanes)
}

func main() {
	ConstraintExpr("amd64")
	for _, k := range []kernel{
		{"sgemmAVX2", false, 32, 6, 2},   // 6x16
		{"dgemmAVX2", true, 32, 6, 2},    // 6x8
		{"sgemmAVX512", false, 64, 8, 2}, // 8x32
		{"dgemmAVX512", true, 64, 8, 2},  // 8x16
		// Narrow tiles, for products of at most half a tile's columns
		// (the transposed products of 16-row blocks: C^T is 16 wide).
		{"sgemmAVX2n8", false, 32, 6, 1},    // 6x8
		{"dgemmAVX2n4", true, 32, 6, 1},     // 6x4
		{"sgemmAVX512n16", false, 64, 8, 1}, // 8x16
		{"dgemmAVX512n8", true, 64, 8, 1},   // 8x8
	} {
		gen(k)
	}
	Generate()
}

// gen writes one kernel:
//
//	func name(k int, a *T, rsa, csa int, b *T, ldb int, c *T, ldc int, alpha, beta T, loadC bool)
//
// It sets the mr x nr tile at c (rows ldc bytes apart) to
//
//	alpha * sum_{p<k} a(i, p) * b(p, j) + beta * c(i, j)     (loadC)
//	alpha * sum_{p<k} a(i, p) * b(p, j)                      (!loadC: c is not read)
//
// where a(i, p) is the element at a + i*rsa + p*csa (strides in bytes, any
// layout: packed, a row-major matrix or its transpose) and b(p, j) at
// b + p*ldb + j*size (rows of b contiguous). Each c(i, j) is one chain of
// fused multiply-adds in p order, then the alpha and beta steps: the same
// operations whatever the tile's position, so results do not depend on how
// a product is cut into tiles. k must be at least 1.
func gen(kd kernel) {
	T, size := "float32", 4
	if kd.f64 {
		T, size = "float64", 8
	}
	lanes := kd.width / size
	TEXT(kd.name, NOSPLIT, fmt.Sprintf("func(k int, a *%[1]s, rsa, csa int, b *%[1]s, ldb int, c *%[1]s, ldc int, alpha, beta %[1]s, loadC bool)", T))
	Pragma("noescape")
	Doc(fmt.Sprintf("%s: %dx%d tile of C = alpha*A*B + beta*C over k (see gen).", kd.name, kd.mr, kd.nv*lanes))

	vec := func() reg.VecVirtual {
		if kd.width == 64 {
			return ZMM()
		}
		return YMM()
	}
	bcast, fma, mov, mul := VBROADCASTSS, VFMADD231PS, VMOVUPS, VMULPS
	if kd.f64 {
		bcast, fma, mov, mul = VBROADCASTSD, VFMADD231PD, VMOVUPD, VMULPD
	}

	n := Load(Param("k"), GP64())
	a := Load(Param("a"), GP64())
	rs := Load(Param("rsa"), GP64())
	cs := Load(Param("csa"), GP64())
	b := Load(Param("b"), GP64())
	ldb := Load(Param("ldb"), GP64())
	rs3 := GP64()
	LEAQ(Mem{Base: rs, Index: rs, Scale: 2}, rs3) // 3*rsa
	a4 := GP64()
	LEAQ(Mem{Base: a, Index: rs, Scale: 4}, a4) // row 4

	// row r of a: (a), (a)(rs*1), (a)(rs*2), (a)(rs3*1), then the same from a4.
	arow := func(r int) Mem {
		base := a
		if r >= 4 {
			base = a4
		}
		switch r % 4 {
		case 0:
			return Mem{Base: base}
		case 1:
			return Mem{Base: base, Index: rs, Scale: 1}
		case 2:
			return Mem{Base: base, Index: rs, Scale: 2}
		}
		return Mem{Base: base, Index: rs3, Scale: 1}
	}

	acc := make([][]reg.VecVirtual, kd.mr)
	for r := range acc {
		acc[r] = make([]reg.VecVirtual, kd.nv)
		for v := range acc[r] {
			acc[r][v] = vec()
			if kd.width == 64 {
				VPXORQ(acc[r][v], acc[r][v], acc[r][v])
			} else {
				VXORPS(acc[r][v].AsY(), acc[r][v].AsY(), acc[r][v].AsY())
			}
		}
	}
	bv := make([]reg.VecVirtual, kd.nv)
	for v := range bv {
		bv[v] = vec()
	}
	t := []reg.VecVirtual{vec(), vec()}

	Label("loop")
	for v := range bv {
		mov(Mem{Base: b, Disp: v * kd.width}, bv[v])
	}
	for r := 0; r < kd.mr; r++ {
		x := t[r%2]
		bcast(arow(r), x)
		for v := range bv {
			fma(bv[v], x, acc[r][v])
		}
	}
	ADDQ(cs, a)
	ADDQ(cs, a4)
	ADDQ(ldb, b)
	DECQ(n)
	JNZ(LabelRef("loop"))

	// Epilogue: c = alpha*acc (+ beta*c).
	c := Load(Param("c"), GP64())
	ldc := Load(Param("ldc"), GP64())
	alpha, beta := vec(), vec()
	bcast(addr(Param("alpha")), alpha)
	bcast(addr(Param("beta")), beta)
	for r := range acc {
		for v := range acc[r] {
			mul(alpha, acc[r][v], acc[r][v])
		}
	}
	load := Load(Param("loadC"), GP8())
	TESTB(load, load)
	JZ(LabelRef("store"))
	for r := range acc {
		for v := range acc[r] {
			fma(Mem{Base: c, Disp: v * kd.width}, beta, acc[r][v])
			mov(acc[r][v], Mem{Base: c, Disp: v * kd.width})
		}
		if r < kd.mr-1 {
			ADDQ(ldc, c)
		}
	}
	VZEROUPPER()
	RET()

	Label("store")
	for r := range acc {
		for v := range acc[r] {
			mov(acc[r][v], Mem{Base: c, Disp: v * kd.width})
		}
		if r < kd.mr-1 {
			ADDQ(ldc, c)
		}
	}
	VZEROUPPER()
	RET()
}

// addr is the stack address of a scalar parameter (broadcast straight from
// memory: AVX-512 registers X16-X31 have no MOVSS form).
func addr(c gotypes.Component) Mem {
	b, err := c.Resolve()
	if err != nil {
		panic(err)
	}
	return b.Addr
}
