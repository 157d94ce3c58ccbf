// Command gen writes the Go assembly of package kernels' micro-kernels
// (../gemm_amd64.s and its declarations ../gemm_amd64.go) with avo.
//
// It is a module of its own so that avo is not a dependency of unroll:
// only this generator needs it, and the generated files are committed.
// Run from this directory:
//
//	go run . -out ../gemm_amd64.s -stubs ../gemm_amd64.go -pkg kernels
//	go run . -set vec -out ../vec_amd64.s -stubs ../vec_amd64.go -pkg kernels
//	go run . -set elem -out ../elem_amd64.s -stubs ../elem_amd64.go -pkg kernels
//	go run . -set exp -out ../exp_amd64.s -stubs ../exp_amd64.go -pkg kernels
//
// The second writes the elementwise kernels (a op b, dst += a op b; see
// vec.go in this directory), the third those of a training step around
// its products (AVX-512 activations, their derivatives, axpy, scaling,
// sums of squares; see elem.go), the fourth the float32 exponential of
// the softmax (exp.go).
//
// One generator writes the four kernels (float32/float64, AVX2+FMA and
// AVX-512) from one description: an mr x nr tile of C, nr a multiple of
// the vector width, kept in registers over the k loop.
package main

import (
	"flag"
	"fmt"
	"math"
	"math/bits"

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

// set picks what one run writes: "gemm" the micro-kernels, "vec" the
// elementwise kernels (vec.go), "elem" a training step's (elem.go), "exp"
// the float32 exponential (exp.go), each to its own file.
var set = flag.String("set", "gemm", "kernels to write: gemm, vec, elem or exp")

func main() {
	flag.Parse()
	ConstraintExpr("amd64")
	switch *set {
	case "gemm":
		gemms()
	case "vec":
		vecs()
	case "elem":
		elems()
	case "exp":
		exps()
	default:
		panic("gen: -set must be gemm, vec, elem or exp")
	}
	Generate()
}

func gemms() {
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
	genAct()
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

// genAct writes the float32 activations, eight lanes at a time with AVX2
// (which every AVX-512 CPU this package selects also has):
//
//	func sigmoidAVX2(dst, x *float32, n int)
//	func tanhAVX2(dst, x *float32, n int)
//
// n a multiple of 8. Each lane computes exactly what the scalar Go code
// of act.go computes (Cephes' expf and tanhf), operation for operation
// (multiplies and adds, no fused multiply-add), every branch computed and
// the lane's own chosen with a mask: the same bits.
func genAct() {
	consts := map[string]Mem{}
	data := func(name string, v Constant) Mem {
		if m, ok := consts[name]; ok {
			return m
		}
		consts[name] = ConstData(name, v)
		return consts[name]
	}
	// As bits: avo prints F32(1) as $(1), which the assembler stores as
	// the integer 1.
	f := func(name string, v float32) Mem { return data(name, U32(math.Float32bits(v))) }
	bc := func(m Mem) reg.VecVirtual {
		r := YMM()
		VBROADCASTSS(m, r)
		return r
	}
	signMask := data("act_sign", U32(0x80000000))
	absMask := data("act_abs", U32(0x7fffffff))
	one := f("act_one", 1)
	two := f("act_two", 2)

	// expf sets the lanes of out to expf(x) for x <= 0 (act.go's expf: the
	// overflow cases cannot occur).
	expf := func(x, out reg.VecVirtual) {
		n, r, z, p, t := YMM(), YMM(), YMM(), YMM(), YMM()
		VMULPS(bc(f("act_log2e", 1.44269504088896341)), x, n)
		VADDPS(bc(f("act_half", 0.5)), n, n)
		VROUNDPS(U8(0x09), n, n) // floor, no precision exception
		VMULPS(bc(f("act_c1", 0.693359375)), n, t)
		VSUBPS(t, x, r)
		VMULPS(bc(f("act_c2", -2.12194440e-4)), n, t)
		VSUBPS(t, r, r)
		VMULPS(r, r, z)
		VMULPS(bc(f("act_p0", 1.9875691500e-4)), r, p)
		for i, c := range []float32{1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1} {
			VADDPS(bc(f(fmt.Sprintf("act_p%d", i+1), c)), p, p)
			VMULPS(r, p, p)
		}
		VADDPS(bc(f("act_p5", 5.0000001201e-1)), p, p)
		VMULPS(z, p, p)
		VADDPS(r, p, p)
		VADDPS(bc(one), p, p)
		// 2^e, e = int(n): (e+127)<<23; below -126, (e+64+127)<<23 and a
		// second factor 2^-64.
		e, s, m := YMM(), YMM(), YMM()
		VCVTTPS2DQ(n, e)
		VPADDD(bc(data("act_127", U32(127))), e, s)
		VPSLLD(U8(23), s, s)
		VMULPS(s, p, out)
		VPADDD(bc(data("act_191", U32(64+127))), e, s)
		VPSLLD(U8(23), s, s)
		VMULPS(s, p, t)
		VMULPS(bc(f("act_2m64", 0x1p-64)), t, t)
		VCMPPS(U8(0x11), bc(f("act_m126", -126)), n, m) // n < -126 (LT_OQ)
		VBLENDVPS(m, t, out, out)
		VCMPPS(U8(0x11), bc(f("act_min", -103.972077)), x, m) // x < -103.97: 0
		VXORPS(t, t, t)
		VBLENDVPS(m, t, out, out)
		VCMPPS(U8(0x03), x, x, m) // NaN: x
		VBLENDVPS(m, x, out, out)
	}

	loop := func(name string, body func(x, out reg.VecVirtual)) {
		unaryLoop(name, name+": act.go's float32 "+name[:len(name)-4]+" of n (a multiple of 8) values, eight at a time (see gen).", 32, body)
	}

	loop("sigmoidAVX2", func(v, out reg.VecVirtual) {
		ge, arg, e, d, t := YMM(), YMM(), YMM(), YMM(), YMM()
		VXORPS(t, t, t)
		VCMPPS(U8(0x1D), t, v, ge) // v >= 0 (GE_OQ)
		VXORPS(bc(signMask), v, t) // -v
		VBLENDVPS(ge, t, v, arg)   // v >= 0: expf(-v), else expf(v)
		expf(arg, e)
		VADDPS(bc(one), e, d) // 1 + e
		VDIVPS(d, bc(one), t) // 1 / (1 + e)
		VDIVPS(d, e, out)     // e / (1 + e)
		VBLENDVPS(ge, t, out, out)
	})

	loop("tanhAVX2", func(x, out reg.VecVirtual) {
		a, z, p, m, t, y := YMM(), YMM(), YMM(), YMM(), YMM(), YMM()
		VANDPS(bc(absMask), x, a)
		// |x| < 0.625: the odd polynomial.
		VMULPS(x, x, z)
		VMULPS(bc(f("act_t0", -5.70498872745e-3)), z, p)
		for i, c := range []float32{2.06390887954e-2, -5.37397155531e-2, 1.33314422036e-1} {
			VADDPS(bc(f(fmt.Sprintf("act_t%d", i+1), c)), p, p)
			VMULPS(z, p, p)
		}
		VADDPS(bc(f("act_t4", -3.33332819422e-1)), p, p)
		VMULPS(z, p, p)
		VMULPS(x, p, p)
		VADDPS(x, p, out)
		VXORPS(t, t, t)
		VCMPPS(U8(0x00), t, x, m) // x == 0: x (keeps -0)
		VBLENDVPS(m, x, out, out)
		// |x| >= 0.625: 1 - 2/(expf(2|x|)+1), with x's sign.
		VMULPS(bc(two), a, t)
		expf(t, y)
		VADDPS(bc(one), y, y)
		VDIVPS(y, bc(two), y)
		VSUBPS(y, bc(one), y)
		VXORPS(t, t, t)
		VCMPPS(U8(0x11), t, x, m) // x < 0
		VXORPS(bc(signMask), y, t)
		VBLENDVPS(m, t, y, y)
		VCMPPS(U8(0x1D), bc(f("act_lo", 0.625)), a, m) // |x| >= 0.625
		VBLENDVPS(m, y, out, out)
		// |x| > 9: +-1.
		VXORPS(t, t, t)
		VCMPPS(U8(0x11), t, x, m) // x < 0
		VXORPS(bc(signMask), bc(one), t)
		VBLENDVPS(m, t, bc(one), y)
		VCMPPS(U8(0x1E), bc(f("act_hi", 9)), a, m) // |x| > 9 (GT_OQ)
		VBLENDVPS(m, y, out, out)
	})
}

// unaryLoop writes
//
//	func name(dst, x *float32, n int)
//
// which runs body on each vector of width bytes (32: AVX2, 64: AVX-512) of
// x into dst; n is a multiple of the lanes.
func unaryLoop(name, doc string, width int, body func(x, out reg.VecVirtual)) {
	TEXT(name, NOSPLIT, "func(dst, x *float32, n int)")
	Pragma("noescape")
	Doc(doc)
	vec := func() reg.VecVirtual { return YMM() }
	if width == 64 {
		vec = func() reg.VecVirtual { return ZMM() }
	}
	dst := Load(Param("dst"), GP64())
	src := Load(Param("x"), GP64())
	cnt := Load(Param("n"), GP64())
	SHRQ(U8(bits.TrailingZeros(uint(width/4))), cnt)
	JZ(LabelRef(name + "_done"))
	Label(name + "_loop")
	x, out := vec(), vec()
	VMOVUPS(Mem{Base: src}, x)
	body(x, out)
	VMOVUPS(out, Mem{Base: dst})
	ADDQ(U32(width), src)
	ADDQ(U32(width), dst)
	DECQ(cnt)
	JNZ(LabelRef(name + "_loop"))
	Label(name + "_done")
	VZEROUPPER()
	RET()
}
