package main

import (
	"fmt"
	"math"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// elems writes the float32 elementwise kernels of a training step around
// its matrix products (../elem.go): the activations sixteen lanes at a
// time with AVX-512, their derivatives, axpy, scaling and the sum of
// squares, each with AVX2 and AVX-512. Every lane does exactly the
// operations of the plain Go loop (never a fused multiply-add): the same
// bits on every path.
func elems() {
	elemOne = ConstData("elem_one", U32(math.Float32bits(1)))
	genAct512()
	for _, width := range []int{32, 64} {
		w := vwidth(width)
		genUnary(w, "tanhDeriv", "dst = 1 - y*y", func(y, one, out reg.VecVirtual) {
			VMULPS(y, y, out)
			VSUBPS(out, one, out) // 1 - y*y
		})
		genUnary(w, "sigmoidDeriv", "dst = y * (1-y)", func(y, one, out reg.VecVirtual) {
			VSUBPS(y, one, out) // 1 - y
			VMULPS(out, y, out) // y * (1-y)
		})
		genScaled(w, "axpy", "y += a*x", true)
		genScaled(w, "scale", "x *= a", false)
		genSumSquares(w)
	}
}

// elemOne is the float32 1 that genUnary's kernels broadcast.
var elemOne Mem

// vwidth is a vector width in bytes: 32 (AVX2, YMM) or 64 (AVX-512, ZMM).
type vwidth int

func (w vwidth) vec() reg.VecVirtual {
	if w == 64 {
		return ZMM()
	}
	return YMM()
}

func (w vwidth) suffix() string {
	if w == 64 {
		return "AVX512"
	}
	return "AVX2"
}

// lanes of float32.
func (w vwidth) lanes() int { return int(w) / 4 }

// stream writes the loop of a kernel over n float32 (n a multiple of the
// lanes), four vectors a step while it can, then one: step(v) does v
// vectors at byte offset 0 of the pointers ptrs, which it then advances.
func stream(w vwidth, n reg.Register, ptrs []reg.Register, step func(v int)) {
	adv := func(v int) {
		step(v)
		for _, p := range ptrs {
			ADDQ(U32(v*int(w)), p)
		}
		SUBQ(U32(v*w.lanes()), n)
	}
	Label("loop4")
	CMPQ(n, U32(4*w.lanes()))
	JL(LabelRef("loop1"))
	adv(4)
	JMP(LabelRef("loop4"))
	Label("loop1")
	TESTQ(n, n)
	JZ(LabelRef("done"))
	adv(1)
	JMP(LabelRef("loop1"))
	Label("done")
	VZEROUPPER()
	RET()
}

// genUnary writes func <name>F32<path>(n int, dst, y *float32): dst[i] =
// f(y[i]), f's operations written by body from y and a vector of ones.
// dst may be y.
func genUnary(w vwidth, name, form string, body func(y, one, out reg.VecVirtual)) {
	fn := name + "F32" + w.suffix()
	TEXT(fn, NOSPLIT, "func(n int, dst, y *float32)")
	Pragma("noescape")
	Doc(fmt.Sprintf("%s: %s over n float32 (n a multiple of %d; see gen/elem.go).", fn, form, w.lanes()))
	n := Load(Param("n"), GP64())
	dst := Load(Param("dst"), GP64())
	y := Load(Param("y"), GP64())
	one := w.vec()
	VBROADCASTSS(elemOne, one)
	stream(w, n, []reg.Register{dst, y}, func(v int) {
		out := make([]reg.VecVirtual, v)
		for i := range out {
			x := w.vec()
			VMOVUPS(Mem{Base: y, Disp: i * int(w)}, x)
			out[i] = w.vec()
			body(x, one, out[i])
		}
		for i := range out {
			VMOVUPS(out[i], Mem{Base: dst, Disp: i * int(w)})
		}
	})
}

// genScaled writes
//
//	func axpyF32<path>(n int, y, x *float32, a float32)   y[i] = y[i] + a*x[i]  (incr)
//	func scaleF32<path>(n int, x *float32, a float32)     x[i] = x[i] * a       (!incr)
//
// the operands in the order of the Go loops (y[i] += a * x[i]; x[i] *= a),
// the product rounded before the sum.
func genScaled(w vwidth, name, form string, incr bool) {
	fn := name + "F32" + w.suffix()
	sig := "func(n int, x *float32, a float32)"
	if incr {
		sig = "func(n int, y, x *float32, a float32)"
	}
	TEXT(fn, NOSPLIT, sig)
	Pragma("noescape")
	Doc(fmt.Sprintf("%s: %s over n float32 (n a multiple of %d; see gen/elem.go).", fn, form, w.lanes()))
	n := Load(Param("n"), GP64())
	x := Load(Param("x"), GP64())
	ptrs := []reg.Register{x}
	var y reg.Register
	if incr {
		y = Load(Param("y"), GP64())
		ptrs = append(ptrs, y)
	}
	a := w.vec()
	VBROADCASTSS(addr(Param("a")), a)
	stream(w, n, ptrs, func(v int) {
		out := make([]reg.VecVirtual, v)
		for i := range out {
			out[i] = w.vec()
			VMULPS(Mem{Base: x, Disp: i * int(w)}, a, out[i]) // a*x (x*a: the same product)
			if incr {
				// y + a*x, y the first operand as in the Go loop (the
				// one whose NaN comes out when both are NaN).
				t := w.vec()
				VMOVUPS(Mem{Base: y, Disp: i * int(w)}, t)
				VADDPS(out[i], t, out[i])
			}
		}
		dst := x
		if incr {
			dst = y
		}
		for i := range out {
			VMOVUPS(out[i], Mem{Base: dst, Disp: i * int(w)})
		}
	})
}

// genSumSquares writes func sumSquaresF32<path>(n int, x *float32, acc
// *float64): acc[i%16] += float64(x[i])*float64(x[i]) for i < n (n a
// multiple of 16), sixteen float64 sums whatever the vector width, so
// that every path (and the Go loop of elem.go) adds the same numbers in
// the same order.
func genSumSquares(w vwidth) {
	fn := "sumSquaresF32" + w.suffix()
	TEXT(fn, NOSPLIT, "func(n int, x *float32, acc *float64)")
	Pragma("noescape")
	Doc(fmt.Sprintf("%s: acc[i%%16] += float64(x[i])² over n float32 (n a multiple of 16; see gen/elem.go).", fn))
	n := Load(Param("n"), GP64())
	x := Load(Param("x"), GP64())
	acc := Load(Param("acc"), GP64())
	// nv vectors of float64 hold the 16 sums; each takes 16/nv float32.
	nv := 128 / int(w)
	sums := make([]reg.VecVirtual, nv)
	for i := range sums {
		sums[i] = w.vec()
		VMOVUPD(Mem{Base: acc, Disp: i * int(w)}, sums[i])
	}
	SHRQ(U8(4), n)
	JZ(LabelRef("done"))
	Label("loop")
	for i := range sums {
		t := w.vec()
		VCVTPS2PD(Mem{Base: x, Disp: i * int(w) / 2}, t)
		VMULPD(t, t, t)
		VADDPD(t, sums[i], sums[i])
	}
	ADDQ(U32(64), x)
	DECQ(n)
	JNZ(LabelRef("loop"))
	Label("done")
	for i := range sums {
		VMOVUPD(sums[i], Mem{Base: acc, Disp: i * int(w)})
	}
	VZEROUPPER()
	RET()
}

// genAct512 writes the AVX-512 forms of genAct's activations, sixteen
// lanes at a time:
//
//	func sigmoidAVX512(dst, x *float32, n int)
//	func tanhAVX512(dst, x *float32, n int)
//
// n a multiple of 16. The operations are genAct's, in its order (act.go's
// scalar Cephes code, no fused multiply-add), with mask registers for the
// blends; the sigmoid divides once, by 1 + e, the numerator (1 or e)
// chosen first: the same quotient as genAct's two. A constant is an
// embedded broadcast (the _BCST forms, no instruction of its own) where it
// is the operand that may be in memory. The constants are their own
// (act5_*): genAct's are in another file.
func genAct512() {
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
	f := func(name string, v float32) Mem { return data("act5_"+name, U32(math.Float32bits(v))) }
	bc := func(m Mem) reg.VecVirtual {
		r := ZMM()
		VBROADCASTSS(m, r)
		return r
	}
	signMask := data("act5_sign", U32(0x80000000))
	absMask := data("act5_abs", U32(0x7fffffff))
	one := f("one", 1)
	two := f("two", 2)

	// expf sets the lanes of out to expf(x) for x <= 0 (act.go's expf).
	expf := func(x, out reg.VecVirtual) {
		n, r, z, p, t := ZMM(), ZMM(), ZMM(), ZMM(), ZMM()
		VMULPS_BCST(f("log2e", 1.44269504088896341), x, n)
		VADDPS_BCST(f("half", 0.5), n, n)
		VRNDSCALEPS(U8(0x09), n, n) // floor, no precision exception
		VMULPS_BCST(f("c1", 0.693359375), n, t)
		VSUBPS(t, x, r)
		VMULPS_BCST(f("c2", -2.12194440e-4), n, t)
		VSUBPS(t, r, r)
		VMULPS(r, r, z)
		VMULPS_BCST(f("p0", 1.9875691500e-4), r, p)
		for i, c := range []float32{1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1} {
			VADDPS_BCST(f(fmt.Sprintf("p%d", i+1), c), p, p)
			VMULPS(r, p, p)
		}
		VADDPS_BCST(f("p5", 5.0000001201e-1), p, p)
		VMULPS(z, p, p)
		VADDPS(r, p, p)
		VADDPS_BCST(one, p, p)
		// 2^e, e = int(n): (e+127)<<23; below -126, (e+64+127)<<23 and a
		// second factor 2^-64.
		e, s := ZMM(), ZMM()
		m := K()
		VCVTTPS2DQ(n, e)
		VPADDD_BCST(data("act5_127", U32(127)), e, s)
		VPSLLD(U8(23), s, s)
		VMULPS(s, p, out)
		VPADDD_BCST(data("act5_191", U32(64+127)), e, s)
		VPSLLD(U8(23), s, s)
		VMULPS(s, p, t)
		VMULPS_BCST(f("2m64", 0x1p-64), t, t)
		VCMPPS_BCST(U8(0x11), f("m126", -126), n, m) // n < -126 (LT_OQ)
		VBLENDMPS(t, out, m, out)
		VCMPPS_BCST(U8(0x11), f("min", -103.972077), x, m) // x < -103.97: 0
		VPXORD(t, t, t)
		VBLENDMPS(t, out, m, out)
		VCMPPS(U8(0x03), x, x, m) // NaN: x
		VBLENDMPS(x, out, m, out)
	}

	loop := func(name string, body func(x, out reg.VecVirtual)) {
		unaryLoop(name, name+": act.go's float32 "+name[:len(name)-6]+" of n (a multiple of 16) values, sixteen at a time (see gen/elem.go).", 64, body)
	}

	loop("sigmoidAVX512", func(v, out reg.VecVirtual) {
		arg, e, d, num, t := ZMM(), ZMM(), ZMM(), ZMM(), ZMM()
		ge := K()
		VPXORD(t, t, t)
		VCMPPS(U8(0x1D), t, v, ge)  // v >= 0 (GE_OQ)
		VPXORD_BCST(signMask, v, t) // -v
		VBLENDMPS(t, v, ge, arg)    // v >= 0: expf(-v), else expf(v)
		expf(arg, e)
		VADDPS_BCST(one, e, d)          // 1 + e
		VBLENDMPS_BCST(one, e, ge, num) // v >= 0: 1 / (1 + e), else e / (1 + e)
		VDIVPS(d, num, out)
	})

	loop("tanhAVX512", func(x, out reg.VecVirtual) {
		a, z, p, t, y := ZMM(), ZMM(), ZMM(), ZMM(), ZMM()
		m := K()
		VPANDD_BCST(absMask, x, a)
		// |x| < 0.625: the odd polynomial.
		VMULPS(x, x, z)
		VMULPS_BCST(f("t0", -5.70498872745e-3), z, p)
		for i, c := range []float32{2.06390887954e-2, -5.37397155531e-2, 1.33314422036e-1} {
			VADDPS_BCST(f(fmt.Sprintf("t%d", i+1), c), p, p)
			VMULPS(z, p, p)
		}
		VADDPS_BCST(f("t4", -3.33332819422e-1), p, p)
		VMULPS(z, p, p)
		VMULPS(x, p, p)
		VADDPS(x, p, out)
		VPXORD(t, t, t)
		VCMPPS(U8(0x00), t, x, m) // x == 0: x (keeps -0)
		VBLENDMPS(x, out, m, out)
		// |x| >= 0.625: 1 - 2/(expf(2|x|)+1), with x's sign.
		VMULPS_BCST(two, a, t)
		expf(t, y)
		VADDPS_BCST(one, y, y)
		VDIVPS(y, bc(two), y)
		VSUBPS(y, bc(one), y)
		neg := K()
		VPXORD(t, t, t)
		VCMPPS(U8(0x11), t, x, neg) // x < 0
		VPXORD_BCST(signMask, y, t)
		VBLENDMPS(t, y, neg, y)
		VCMPPS_BCST(U8(0x1D), f("lo", 0.625), a, m) // |x| >= 0.625
		VBLENDMPS(y, out, m, out)
		// |x| > 9: +-1.
		VPXORD_BCST(signMask, bc(one), t)
		VBLENDMPS(t, bc(one), neg, y)
		VCMPPS_BCST(U8(0x1E), f("hi", 9), a, m) // |x| > 9 (GT_OQ)
		VBLENDMPS(y, out, m, out)
	})
}
