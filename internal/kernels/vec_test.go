package kernels

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// vecLengths: empty, shorter than one vector, every remainder around one
// and several AVX-512 float32 vectors (16 lanes, unrolled by 4 = 64), and
// a GRU block's H*rows = 256*16.
var vecLengths = []int{0, 1, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 127, 128, 129, 4096, 4099}

// special values every op meets in the tests: zeros of both signs,
// infinities, NaN, the smallest subnormal and the largest finite value.
func special[T Float]() []T {
	var one T = 1
	inf := T(math.Inf(1))
	sub := T(math.SmallestNonzeroFloat32)
	if _, ok := any(one).(float64); ok {
		sub = T(math.SmallestNonzeroFloat64)
	}
	big := T(math.MaxFloat32)
	return []T{0, -one * 0, inf, -inf, T(math.NaN()), sub, -sub, big, -big, one}
}

func randVec[T Float](r *rand.Rand, n int) []T {
	x := make([]T, n)
	sp := special[T]()
	for i := range x {
		if r.IntN(8) == 0 {
			x[i] = sp[r.IntN(len(sp))]
		} else {
			x[i] = T(r.NormFloat64() * math.Exp(4*r.NormFloat64()))
		}
	}
	return x
}

// bits makes slices of floats comparable bit for bit (NaN included).
func bits[T Float](x []T) []uint64 {
	b := make([]uint64, len(x))
	for i, v := range x {
		switch v := any(v).(type) {
		case float32:
			b[i] = uint64(math.Float32bits(v))
		case float64:
			b[i] = math.Float64bits(v)
		}
	}
	return b
}

// testBinary checks every op, plain and incr, with dst a fresh slice, a
// or b, on every path, against the plain Go loop bit for bit.
func testBinary[T Float](t *testing.T, plain, incr func(Op, []T, []T, []T)) {
	r := rand.New(rand.NewPCG(1, 2))
	forEachPath(t, func(t *testing.T) {
		for _, n := range vecLengths {
			for op := Add; op <= Mul; op++ {
				for _, inc := range []bool{false, true} {
					for alias := 0; alias < 3; alias++ {
						a, b, d := randVec[T](r, n), randVec[T](r, n), randVec[T](r, n)
						want := slices.Clone(d)
						goBinary(op, inc, want, slices.Clone(a), slices.Clone(b))
						switch alias {
						case 1: // dst is a
							if inc {
								continue // dst += a op dst is not a form anyone uses
							}
							d, want = a, slices.Clone(a)
							goBinary(op, inc, want, slices.Clone(a), b)
						case 2: // dst is b
							if inc {
								continue
							}
							d, want = b, slices.Clone(b)
							goBinary(op, inc, want, a, slices.Clone(b))
						}
						if inc {
							incr(op, d, a, b)
						} else {
							plain(op, d, a, b)
						}
						if !slices.Equal(bits(d), bits(want)) {
							t.Fatalf("op %d incr %v n %d alias %d: results differ from the Go loop", op, inc, n, alias)
						}
					}
				}
			}
		}
	})
}

func TestBinary32(t *testing.T) { testBinary(t, Binary32, BinaryIncr32) }
func TestBinary64(t *testing.T) { testBinary(t, Binary64, BinaryIncr64) }

// TestBinaryLengths: slices of different lengths are a programmer error.
func TestBinaryLengths(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("Binary32 on lengths 4, 3 did not panic")
		}
	}()
	Binary32(Add, make([]float32, 4), make([]float32, 3), make([]float32, 4))
}
