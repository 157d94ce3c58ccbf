package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// expEdges are expf's special arguments: zeros of both signs, the
// infinities and NaN, each side of the overflow bound (88.72283905206835
// as a float32) and of the underflow bound (-103.972077), the arguments
// whose n = round(x/ln 2) reaches 128 (2^128 is scaled in two) or falls
// below -126 (subnormal results, scaled in two), and the points where n
// changes (x/ln 2 half-way between integers).
func expEdges() []float32 {
	inf := float32(math.Inf(1))
	xs := []float32{0, float32(math.Copysign(0, -1)), inf, -inf, float32(math.NaN()),
		math.Float32frombits(0x7fc00001), math.Float32frombits(0xffa00000), // NaNs with payloads, one signalling
		math.SmallestNonzeroFloat32, -math.SmallestNonzeroFloat32, math.MaxFloat32, -math.MaxFloat32,
		1e-30, -1e-30, 1, -1, 0.5, -0.5, 1e30, -1e30}
	near := func(x float32) {
		for _, d := range []float32{1, -1} {
			v := x
			for range 3 {
				xs = append(xs, v)
				v = math.Nextafter32(v, v+d*1e3)
			}
		}
	}
	for _, x := range []float32{88.72283905206835, -103.972077, 88.3762626647949, 88.5, 88.7, 89,
		-87.3365447505531, -87.33654, -87.5, -88.02969193111305, -103.27892990343184, -104, -103.5, -100, -90} {
		near(x)
	}
	// n changes where log2e*x + 0.5 crosses an integer.
	for k := -150; k <= 128; k += 7 {
		near(float32((float64(k) - 0.5) / 1.44269504088896341))
	}
	return xs
}

// TestExp32SameBitsEveryPath: Exp32 gives the scalar expf's bits on every
// path, over the edges, random arguments over expf's whole range and
// beyond, random bit patterns (any float32, NaNs included), and lengths
// around each path's lanes (the tail runs in Go).
func TestExp32SameBitsEveryPath(t *testing.T) {
	xs := expEdges()
	r := rand.New(rand.NewPCG(3, 4))
	for range 100003 {
		xs = append(xs, float32(r.NormFloat64()*4), float32(r.Float64()*220-115), math.Float32frombits(r.Uint32()))
	}
	want := make([]float32, len(xs))
	for i, x := range xs {
		want[i] = expf(x)
	}
	same := func(t *testing.T, what string, got, want, x []float32) {
		t.Helper()
		for i := range want {
			g, w := got[i], want[i]
			if math.Float32bits(g) != math.Float32bits(w) {
				t.Fatalf("%s: Exp32(%v) (%#x) = %v (%#x), the scalar code gives %v (%#x)",
					what, x[i], math.Float32bits(x[i]), g, math.Float32bits(g), w, math.Float32bits(w))
			}
		}
	}
	forEachPath(t, func(t *testing.T) {
		got := make([]float32, len(xs))
		Exp32(got, xs)
		same(t, "all", got, want, xs)
		// In place.
		in := append([]float32(nil), xs...)
		Exp32(in, in)
		same(t, "in place", in, want, xs)
		// Lengths 0, 1, lanes +-1 (8 and 16), odd, large, at odd offsets.
		for _, n := range []int{0, 1, 7, 8, 9, 15, 16, 17, 31, 33, 100, 1000, 15680} {
			off := r.IntN(len(xs) - n)
			dst := make([]float32, n+1)
			dst[n] = 42
			Exp32(dst, xs[off:off+n])
			same(t, "slice", dst[:n], want[off:off+n], xs[off:off+n])
			if dst[n] != 42 {
				t.Fatalf("Exp32 of %d values wrote past them", n)
			}
		}
	})
}

// expf against math.Exp: Cephes' expf is within 2 ulp of exp over its
// normal range (expf.c gives a peak relative error of 1.7e-7 = 1.4
// ulp of 2^-23); below 2^-126 the result is subnormal and its absolute
// error at most an ulp of the subnormals (2^-149) plus the 2 ulp.
func TestExpfAccuracy(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for range 200000 {
		x := float32(r.Float64()*192 - 103.9)
		got, want := float64(expf(x)), math.Exp(float64(x))
		tol := 2*math.Abs(want)*0x1p-23 + 0x1p-149
		if math.Abs(got-want) > tol {
			t.Fatalf("expf(%v) = %v, exp = %v", x, got, want)
		}
	}
}

// BenchmarkExp32 times Exp32 on every path over one block of the book
// RNN's softmax (560 rows of 28 logits, their row maximum subtracted:
// arguments <= 0), in ns per call; the generic path is the scalar expf.
func BenchmarkExp32(b *testing.B) {
	const rows, v = 560, 28
	r := rand.New(rand.NewPCG(1, 2))
	x := make([]float32, rows*v)
	for i := range x {
		x[i] = -float32(math.Abs(r.NormFloat64() * 3))
	}
	dst := make([]float32, len(x))
	for _, p := range Available() {
		b.Run(string(p), func(b *testing.B) {
			if err := Select(p); err != nil {
				b.Fatal(err)
			}
			defer func() { _ = Select("") }()
			for b.Loop() {
				Exp32(dst, x)
			}
		})
	}
}

// BenchmarkAddColSums32 times the bias gradient's column sums of one
// block of the book RNN's minibatch (560 rows of H=512) on every path.
func BenchmarkAddColSums32(b *testing.B) {
	const rows, h = 560, 512
	r := rand.New(rand.NewPCG(1, 2))
	x := make([]float32, rows*h)
	for i := range x {
		x[i] = float32(r.NormFloat64())
	}
	dst := make([]float32, h)
	for _, p := range Available() {
		b.Run(string(p), func(b *testing.B) {
			if err := Select(p); err != nil {
				b.Fatal(err)
			}
			defer func() { _ = Select("") }()
			for b.Loop() {
				AddColSums32(dst, x, h)
			}
		})
	}
}
