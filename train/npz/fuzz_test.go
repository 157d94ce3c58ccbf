package npz_test

import (
	"bytes"
	"math"
	"reflect"
	"testing"

	"github.com/unroll/unroll/train/npz"
)

// seedNPY is a small float32 array as numpy.save writes it.
func seedNPY(f *testing.F) []byte {
	var b bytes.Buffer
	if err := npz.WriteNPY(&b, npz.Array{Shape: []int{2, 3}, Data: []float32{1, 2, 3, 4, 5, float32(math.Inf(1))}}); err != nil {
		f.Fatal(err)
	}
	return b.Bytes()
}

// sameArray reports whether a and b have the same shape and the same
// values, bit for bit (NaN included).
func sameArray(a, b npz.Array) bool {
	if !reflect.DeepEqual(a.Shape, b.Shape) {
		return false
	}
	switch x := a.Data.(type) {
	case []float32:
		y, ok := b.Data.([]float32)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if math.Float32bits(x[i]) != math.Float32bits(y[i]) {
				return false
			}
		}
	case []float64:
		y, ok := b.Data.([]float64)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if math.Float64bits(x[i]) != math.Float64bits(y[i]) {
				return false
			}
		}
	default:
		return false
	}
	return true
}

// FuzzReadNPY: ReadNPY never panics nor allocates more than the input holds
// (a header may claim any shape); what it reads, WriteNPY writes back to an
// array ReadNPY reads the same.
func FuzzReadNPY(f *testing.F) {
	f.Add(seedNPY(f))
	f.Add([]byte("\x93NUMPY\x01\x00\x46\x00{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999, 99999999999), }\n"))
	f.Add([]byte("\x93NUMPY\x03\x00\xff\xff\xff\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := npz.ReadNPY(bytes.NewReader(data))
		if err != nil {
			return
		}
		var b bytes.Buffer
		if err := npz.WriteNPY(&b, a); err != nil {
			t.Fatalf("WriteNPY of what ReadNPY returned: %v", err)
		}
		back, err := npz.ReadNPY(&b)
		if err != nil || !sameArray(a, back) {
			t.Fatalf("round trip: %v", err)
		}
	})
}

// FuzzReadNPZ: Read never panics; what it reads, Write writes back
// (when the names allow) to an archive Read reads the same.
func FuzzReadNPZ(f *testing.F) {
	var b bytes.Buffer
	if err := npz.Write(&b, []npz.Array{
		{Name: "W_xh", Shape: []int{2, 2}, Data: []float32{1, 2, 3, 4}},
		{Name: "b_h", Shape: []int{2}, Data: []float64{-1, 0.5}},
	}); err != nil {
		f.Fatal(err)
	}
	f.Add(b.Bytes())
	f.Add(b.Bytes()[:b.Len()/2])
	f.Fuzz(func(t *testing.T, data []byte) {
		arrays, err := npz.Read(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return
		}
		var out bytes.Buffer
		if err := npz.Write(&out, arrays); err != nil {
			return // an archive may repeat a name, or have an empty one
		}
		back, err := npz.Read(bytes.NewReader(out.Bytes()), int64(out.Len()))
		if err != nil || len(back) != len(arrays) {
			t.Fatalf("round trip: %d arrays, then %d (%v)", len(arrays), len(back), err)
		}
		for i := range back {
			if back[i].Name != arrays[i].Name || !sameArray(arrays[i], back[i]) {
				t.Fatalf("round trip changed array %d (%s)", i, arrays[i].Name)
			}
		}
	})
}
