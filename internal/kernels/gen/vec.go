package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// vecKernel describes one elementwise kernel.
type vecKernel struct {
	op    string // "add", "sub" or "mul"
	incr  bool   // dst += a op b (else dst = a op b)
	f64   bool   // element type float64 (else float32)
	width int    // vector width in bytes: 32 (AVX2) or 64 (AVX-512)
}

// name is the kernel's Go name, e.g. vaddIncrF32AVX512.
func (k vecKernel) name() string {
	n := "v" + k.op
	if k.incr {
		n += "Incr"
	}
	if k.f64 {
		n += "F64"
	} else {
		n += "F32"
	}
	if k.width == 64 {
		return n + "AVX512"
	}
	return n + "AVX2"
}

func vecs() {
	for _, width := range []int{32, 64} {
		for _, f64 := range []bool{false, true} {
			for _, incr := range []bool{false, true} {
				for _, op := range []string{"add", "sub", "mul"} {
					genVec(vecKernel{op, incr, f64, width})
				}
			}
		}
	}
}

// genVec writes one kernel:
//
//	func name(n int, dst, a, b *T)
//
// It sets, for i < n,
//
//	dst[i] = a[i] op b[i]              (!incr)
//	dst[i] = dst[i] + (a[i] op b[i])   (incr)
//
// one IEEE operation per step, with the operands in the order of the Go
// loops in gorgonia.org/tensor's execution package (a first; dst first in
// the sum), and no fused multiply-add: the same bits as those loops. n
// must be a multiple of the vector's lanes; dst may be a or b.
func genVec(kd vecKernel) {
	T, size := "float32", 4
	if kd.f64 {
		T, size = "float64", 8
	}
	lanes := kd.width / size
	TEXT(kd.name(), NOSPLIT, fmt.Sprintf("func(n int, dst, a, b *%s)", T))
	Pragma("noescape")
	form := "dst = a %s b"
	if kd.incr {
		form = "dst += a %s b"
	}
	sym := map[string]string{"add": "+", "sub": "-", "mul": "*"}[kd.op]
	Doc(fmt.Sprintf("%s: "+form+" over n %s (n a multiple of %d; see gen/vec.go).", kd.name(), sym, T, lanes))

	vec := func() reg.VecVirtual {
		if kd.width == 64 {
			return ZMM()
		}
		return YMM()
	}
	mov := VMOVUPS
	op := map[string]func(...Op){"add": VADDPS, "sub": VSUBPS, "mul": VMULPS}[kd.op]
	add := VADDPS
	if kd.f64 {
		mov = VMOVUPD
		op = map[string]func(...Op){"add": VADDPD, "sub": VSUBPD, "mul": VMULPD}[kd.op]
		add = VADDPD
	}

	n := Load(Param("n"), GP64())
	dst := Load(Param("dst"), GP64())
	a := Load(Param("a"), GP64())
	b := Load(Param("b"), GP64())

	// step does v vectors at byte offset 0 of dst, a and b.
	step := func(v int) {
		x := make([]reg.VecVirtual, v)
		for i := range x {
			x[i] = vec()
			mov(Mem{Base: a, Disp: i * kd.width}, x[i])
			op(Mem{Base: b, Disp: i * kd.width}, x[i], x[i]) // x = a op b
		}
		for i := range x {
			if kd.incr {
				d := vec()
				mov(Mem{Base: dst, Disp: i * kd.width}, d)
				add(x[i], d, d) // d = dst + x
				x[i] = d
			}
			mov(x[i], Mem{Base: dst, Disp: i * kd.width})
		}
		for _, p := range []reg.Register{dst, a, b} {
			ADDQ(U32(v*kd.width), p)
		}
		SUBQ(U32(v*lanes), n)
	}

	const unroll = 4
	Label("loop4")
	CMPQ(n, U32(unroll*lanes))
	JL(LabelRef("loop1"))
	step(unroll)
	JMP(LabelRef("loop4"))

	Label("loop1")
	TESTQ(n, n)
	JZ(LabelRef("done"))
	step(1)
	JMP(LabelRef("loop1"))

	Label("done")
	VZEROUPPER()
	RET()
}
