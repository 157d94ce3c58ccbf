package main

import (
	"fmt"
	"math"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// exps writes the float32 exponential over a slice (../exp.go's Exp32),
// with AVX2 and AVX-512:
//
//	func expF32AVX2(n int, dst, x *float32)     n a multiple of 8
//	func expF32AVX512(n int, dst, x *float32)   n a multiple of 16
//
// Each lane computes act.go's expf over its whole argument range,
// operation for operation (multiplies and adds in the scalar code's
// order, no fused multiply-add), every branch computed and the lane's own
// chosen with a mask: the same bits as the scalar code (TestExp32*). It
// is genAct's expf (main.go) with the cases those kernels never meet:
// 2^128 scaled as 2 * 2^127, and +Inf above 88.72. dst may be x.
//
// It also writes the column sums of elem.go's AddColSums32 (genColSums).
func exps() {
	for _, w := range []vwidth{32, 64} {
		genExp(w)
	}
	for _, w := range []vwidth{32, 64} {
		genColSums(w)
	}
}

// expMask is a lane mask: a vector of all-ones lanes with AVX2, a mask
// register with AVX-512.
type expMask = Op

// expConsts are the kernels' constants, shared by both widths.
var expConsts = map[string]Mem{}

func genExp(w vwidth) {
	fn := "expF32" + w.suffix()
	TEXT(fn, NOSPLIT, "func(n int, dst, x *float32)")
	Pragma("noescape")
	Doc(fmt.Sprintf("%s: dst = expf(x) (act.go) over n float32 (n a multiple of %d; see gen/exp.go).", fn, w.lanes()))
	data := func(name string, v Constant) Mem {
		name = "exp_" + name
		if m, ok := expConsts[name]; ok {
			return m
		}
		expConsts[name] = ConstData(name, v)
		return expConsts[name]
	}
	// As bits: avo prints F32(1) as $(1), which the assembler stores as
	// the integer 1.
	f := func(name string, v float32) Mem { return data(name, U32(math.Float32bits(v))) }
	i32 := func(name string, v uint32) Mem { return data(name, U32(v)) }
	bc := func(m Mem) reg.VecVirtual {
		r := w.vec()
		VBROADCASTSS(m, r)
		return r
	}
	avx512 := w == 64
	// cmp returns the lanes where a pred b (a VCMPPS predicate).
	cmp := func(pred uint8, a, b reg.VecVirtual) expMask {
		if avx512 {
			k := K()
			VCMPPS(U8(pred), b, a, k)
			return k
		}
		m := w.vec()
		VCMPPS(U8(pred), b, a, m)
		return m
	}
	// blend sets dst = m ? a : dst.
	blend := func(m expMask, a, dst reg.VecVirtual) {
		if avx512 {
			VBLENDMPS(a, dst, m, dst)
			return
		}
		VBLENDVPS(m, a, dst, dst)
	}
	const (
		lt = 0x11 // LT_OQ
		gt = 0x1E // GT_OQ
		un = 0x03 // UNORD_Q: NaN
	)

	// expf sets the lanes of out to act.go's expf(x).
	expf := func(x, out reg.VecVirtual) {
		n, r, z, p, t := w.vec(), w.vec(), w.vec(), w.vec(), w.vec()
		VMULPS(bc(f("log2e", 1.44269504088896341)), x, n)
		VADDPS(bc(f("half", 0.5)), n, n)
		if avx512 {
			VRNDSCALEPS(U8(0x09), n, n) // floor, no precision exception
		} else {
			VROUNDPS(U8(0x09), n, n)
		}
		VMULPS(bc(f("c1", 0.693359375)), n, t)
		VSUBPS(t, x, r)
		VMULPS(bc(f("c2", -2.12194440e-4)), n, t)
		VSUBPS(t, r, r)
		VMULPS(r, r, z)
		VMULPS(bc(f("p0", 1.9875691500e-4)), r, p)
		for i, c := range []float32{1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1} {
			VADDPS(bc(f(fmt.Sprintf("p%d", i+1), c)), p, p)
			VMULPS(r, p, p)
		}
		VADDPS(bc(f("p5", 5.0000001201e-1)), p, p)
		VMULPS(z, p, p)
		VADDPS(r, p, p)
		VADDPS(bc(f("one", 1)), p, p)
		// 2^e, e = int(n): (e+127)<<23; below -126, (e+64+127)<<23 and a
		// second factor 2^-64; above 127, 2 * (e-1+127)<<23.
		e, s := w.vec(), w.vec()
		VCVTTPS2DQ(n, e)
		VPADDD(bc(i32("127", 127)), e, s)
		VPSLLD(U8(23), s, s)
		VMULPS(s, p, out)
		VPADDD(bc(i32("191", 64+127)), e, s)
		VPSLLD(U8(23), s, s)
		VMULPS(s, p, t)
		VMULPS(bc(f("2m64", 0x1p-64)), t, t)
		blend(cmp(lt, n, bc(f("m126", -126))), t, out) // n < -126
		VPADDD(bc(i32("126", 126)), e, s)
		VPSLLD(U8(23), s, s)
		VMULPS(bc(f("two", 2)), p, t)
		VMULPS(s, t, t)
		blend(cmp(gt, n, bc(f("127f", 127))), t, out) // n > 127
		// The argument's own cases, in any order: they exclude each other.
		if avx512 {
			VPXORD(t, t, t)
		} else {
			VXORPS(t, t, t)
		}
		blend(cmp(lt, x, bc(f("min", -103.972077))), t, out)                                // 0
		blend(cmp(gt, x, bc(f("max", 88.72283905206835))), bc(i32("inf", 0x7f800000)), out) // +Inf
		blend(cmp(un, x, x), x, out)                                                        // NaN: x
	}

	n := Load(Param("n"), GP64())
	dst := Load(Param("dst"), GP64())
	src := Load(Param("x"), GP64())
	shift := 3
	if avx512 {
		shift = 4
	}
	SHRQ(U8(shift), n)
	JZ(LabelRef(fn + "_done"))
	Label(fn + "_loop")
	x, out := w.vec(), w.vec()
	VMOVUPS(Mem{Base: src}, x)
	expf(x, out)
	VMOVUPS(out, Mem{Base: dst})
	ADDQ(U32(int(w)), src)
	ADDQ(U32(int(w)), dst)
	DECQ(n)
	JNZ(LabelRef(fn + "_loop"))
	Label(fn + "_done")
	VZEROUPPER()
	RET()
}

// genColSums writes func colSumsF32<path>(rows, cols int, dst, x *float32,
// ld int): dst[j] += x[r*ld+j] for r = 0, ..., rows-1 in that order, j <
// cols (a multiple of the lanes), dst the first operand of each sum as in
// elem.go's AddColSums32 (whose Binary32 adds dst + x). The columns go in
// tiles of eight vectors, then one, kept in registers over all the rows:
// each column's sums are the Go loop's, one at a time in row order.
func genColSums(w vwidth) {
	fn := "colSumsF32" + w.suffix()
	TEXT(fn, NOSPLIT, "func(rows, cols int, dst, x *float32, ld int)")
	Pragma("noescape")
	Doc(fmt.Sprintf("%s: dst[j] += x[r*ld+j] over rows r in order, j < cols (a multiple of %d; see gen/exp.go).", fn, w.lanes()))
	rows := Load(Param("rows"), GP64())
	cols := Load(Param("cols"), GP64())
	dst := Load(Param("dst"), GP64())
	x := Load(Param("x"), GP64())
	ld := Load(Param("ld"), GP64())
	SHLQ(U8(2), ld) // bytes
	TESTQ(rows, rows)
	JZ(LabelRef(fn + "_done"))
	tile := func(v int, name string) {
		Label(fn + "_" + name)
		CMPQ(cols, U32(v*w.lanes()))
		JL(LabelRef(fn + "_" + name + "_end"))
		acc := make([]reg.VecVirtual, v)
		for i := range acc {
			acc[i] = w.vec()
			VMOVUPS(Mem{Base: dst, Disp: i * int(w)}, acc[i])
		}
		p, r := GP64(), GP64()
		MOVQ(x, p)
		MOVQ(rows, r)
		Label(fn + "_" + name + "_row")
		for i := range acc {
			VADDPS(Mem{Base: p, Disp: i * int(w)}, acc[i], acc[i]) // dst + x
		}
		ADDQ(ld, p)
		DECQ(r)
		JNZ(LabelRef(fn + "_" + name + "_row"))
		for i := range acc {
			VMOVUPS(acc[i], Mem{Base: dst, Disp: i * int(w)})
		}
		ADDQ(U32(v*int(w)), dst)
		ADDQ(U32(v*int(w)), x)
		SUBQ(U32(v*w.lanes()), cols)
		JMP(LabelRef(fn + "_" + name))
		Label(fn + "_" + name + "_end")
	}
	tile(8, "tile8")
	tile(1, "tile1")
	Label(fn + "_done")
	VZEROUPPER()
	RET()
}
