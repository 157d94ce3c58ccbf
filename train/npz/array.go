package npz

import "fmt"

// Array is a named float32 or float64 array in C (row-major) order.
type Array struct {
	Name  string // its key in an .npz archive (the file name without ".npy")
	Shape []int  // empty for a scalar
	Data  any    // []float32 or []float64 of len Size()
}

// Size returns the number of elements, the product of Shape (1 for a
// scalar).
func (a Array) Size() int {
	n := 1
	for _, d := range a.Shape {
		n *= d
	}
	return n
}

// Dtype returns NumPy's name of a's element type: "float32" or "float64"
// ("" if Data is neither).
func (a Array) Dtype() string {
	switch a.Data.(type) {
	case []float32:
		return "float32"
	case []float64:
		return "float64"
	}
	return ""
}

// Float32s returns a's values as float32: Data itself when it is a
// []float32, else a new slice of the float64 values rounded to float32
// (nil if Data is neither).
func (a Array) Float32s() []float32 {
	switch d := a.Data.(type) {
	case []float32:
		return d
	case []float64:
		out := make([]float32, len(d))
		for i, v := range d {
			out[i] = float32(v)
		}
		return out
	}
	return nil
}

// Float64s returns a's values as float64: Data itself when it is a
// []float64, else a new slice of the float32 values widened exactly (nil
// if Data is neither).
func (a Array) Float64s() []float64 {
	switch d := a.Data.(type) {
	case []float64:
		return d
	case []float32:
		out := make([]float64, len(d))
		for i, v := range d {
			out[i] = float64(v)
		}
		return out
	}
	return nil
}

// descr returns the .npy dtype string of a's data and its element size.
func (a Array) descr() (string, int, error) {
	switch d := a.Data.(type) {
	case []float32:
		return "<f4", 4, a.checkLen(len(d))
	case []float64:
		return "<f8", 8, a.checkLen(len(d))
	}
	return "", 0, fmt.Errorf("npz: array %q: data is %T, want []float32 or []float64", a.Name, a.Data)
}

func (a Array) checkLen(n int) error {
	for _, d := range a.Shape {
		if d < 0 {
			return fmt.Errorf("npz: array %q: negative dimension in shape %v", a.Name, a.Shape)
		}
	}
	if n != a.Size() {
		return fmt.Errorf("npz: array %q: %d values for shape %v (%d)", a.Name, n, a.Shape, a.Size())
	}
	return nil
}
