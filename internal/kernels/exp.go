package kernels

// Exp32 sets dst[i] = exp(x[i]) for float32 x: act.go's expf (Cephes'
// expf), eight values at a time with AVX2, sixteen with AVX-512
// (gen/exp.go), the same bits as the scalar loop, which does the rest:
// +Inf above 88.72, 0 below -103.97, subnormal results between -103.97
// and -87.34, NaN through. len(dst) >= len(x); dst may be x (not
// otherwise overlap it).
func Exp32(dst, x []float32) {
	dst = dst[:len(x)]
	n := 0
	if k := elem(); k != nil {
		n = len(x) - len(x)%k.lanes
		if n > 0 {
			k.exp(n, &dst[0], &x[0])
		}
	}
	for i, v := range x[n:] {
		dst[n+i] = expf(v)
	}
}
