package kernels

import "math"

// Sigmoid32 sets dst[i] = 1/(1+exp(-x[i])) for float32 x: Cephes' expf
// of a non-positive argument only (exp(-x) for x >= 0, else exp(x)/(1+
// exp(x))), so nothing overflows and the far negative tail keeps its tiny
// values. Eight values at a time with AVX2 (gen's sigmoidAVX2), sixteen
// with AVX-512 (gen/elem.go's sigmoidAVX512): the same bits as the scalar
// loop, which does the rest. len(dst) >= len(x).
func Sigmoid32(dst, x []float32) {
	dst = dst[:len(x)]
	n := 0
	if k := elem(); k != nil {
		n = len(x) - len(x)%k.lanes
		if n > 0 {
			k.sigmoid(&dst[0], &x[0], n)
		}
	}
	for i, v := range x[n:] {
		dst[n+i] = sigmoidf(v)
	}
}

// Tanh32 sets dst[i] = tanh(x[i]) for float32 x (Cephes' tanhf), eight or
// sixteen at a time as Sigmoid32. len(dst) >= len(x).
func Tanh32(dst, x []float32) {
	dst = dst[:len(x)]
	n := 0
	if k := elem(); k != nil {
		n = len(x) - len(x)%k.lanes
		if n > 0 {
			k.tanh(&dst[0], &x[0], n)
		}
	}
	for i, v := range x[n:] {
		dst[n+i] = tanhf(v)
	}
}

func sigmoidf(v float32) float32 {
	if v >= 0 {
		return 1 / (1 + expf(-v))
	}
	e := expf(v)
	return e / (1 + e)
}

// expf is Cephes' expf: exp(x) = 2^n exp(r), n = round(x/ln 2), |r| <=
// ln(2)/2, exp(r) by a degree-7 polynomial; ln 2 is split in two so that r
// is exact. Below about -104 it returns 0, above 88.7 +Inf; between -104
// and -87.3 the result is subnormal.
func expf(x float32) float32 {
	const (
		log2e = 1.44269504088896341
		c1    = 0.693359375
		c2    = -2.12194440e-4
	)
	switch {
	case x > 88.72283905206835:
		return float32(math.Inf(1))
	case x < -103.972077:
		return 0
	case x != x:
		return x
	}
	n := float32(math.Floor(float64(log2e*x + 0.5)))
	r := x - n*c1 - n*c2
	z := r * r
	p := ((((1.9875691500e-4*r+1.3981999507e-3)*r+8.3334519073e-3)*r+4.1665795894e-2)*r+1.6666665459e-1)*r + 5.0000001201e-1
	p = p*z + r + 1
	e := int32(n)
	switch {
	case e > 127: // 2^128 is not a float32: scale twice
		return p * 2 * math.Float32frombits(uint32(e-1+127)<<23)
	case e < -126: // a subnormal result: scale twice
		return p * math.Float32frombits(uint32(e+64+127)<<23) * 0x1p-64
	}
	return p * math.Float32frombits(uint32(e+127)<<23)
}

// tanhf is Cephes' tanhf: an odd polynomial below 0.625 in magnitude,
// 1 - 2/(exp(2x)+1) above, and +-1 beyond 9.
func tanhf(x float32) float32 {
	a := x
	if a < 0 {
		a = -a
	}
	switch {
	case a > 9:
		if x < 0 {
			return -1
		}
		return 1
	case a >= 0.625:
		y := 1 - 2/(expf(2*a)+1)
		if x < 0 {
			return -y
		}
		return y
	case x == 0:
		return x
	}
	z := x * x
	return ((((-5.70498872745e-3*z+2.06390887954e-2)*z-5.37397155531e-2)*z+1.33314422036e-1)*z-3.33332819422e-1)*z*x + x
}
