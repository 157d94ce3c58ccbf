package kernels

import (
	"testing"
	"unsafe"
)

// BenchmarkMicro times each micro-kernel alone on packed operands in L1
// (kc=256): the kernel's ceiling, in GFLOP/s.
func BenchmarkMicro(b *testing.B) {
	for _, ks := range paths {
		b.Run(string(ks.path)+"/float32", func(b *testing.B) { benchMicro(b, ks.s) })
		b.Run(string(ks.path)+"/float64", func(b *testing.B) { benchMicro(b, ks.d) })
	}
}

func benchMicro[T Float](b *testing.B, mk micro[T]) {
	const k = 256
	size := int(unsafe.Sizeof(T(0)))
	a := make([]T, k*mk.mr)
	bb := make([]T, k*mk.nr)
	c := make([]T, mk.mr*mk.nr)
	for i := 0; i < b.N; i++ {
		mk.fn(k, &a[0], size, mk.mr*size, &bb[0], mk.nr*size, &c[0], mk.nr*size, 1, 1, true)
	}
	b.ReportMetric(2*float64(k*mk.mr*mk.nr)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}
