package graph

import (
	"fmt"
	"hash"
	"hash/fnv"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// opBase carries the methods every unroll operator shares; each operator
// embeds it and names itself.
type opBase struct{ name string }

func (o opBase) ReturnsPtr() bool      { return false }
func (o opBase) CallsExtern() bool     { return false }
func (o opBase) OverwritesInput() int  { return -1 }
func (o opBase) WriteHash(h hash.Hash) { fmt.Fprint(h, o.name) }
func (o opBase) String() string        { return o.name }
func (o opBase) Hashcode() uint32 {
	h := fnv.New32a()
	o.WriteHash(h)
	return h.Sum32()
}

// dense asserts that v is a *tensor.Dense of a float type.
func dense(op string, v G.Value) (*tensor.Dense, error) {
	d, ok := v.(*tensor.Dense)
	if !ok {
		return nil, fmt.Errorf("graph: %s: want *tensor.Dense, got %T", op, v)
	}
	if dt := d.Dtype(); dt != tensor.Float32 && dt != tensor.Float64 {
		return nil, fmt.Errorf("graph: %s: want float32 or float64, got %v", op, dt)
	}
	return d, nil
}

// data is x.Data() at less cost: tensor's Data builds the []T by
// reflection and allocates twice per call (the book RNN's minibatch made
// 1,600 of its 9,000 allocations there, in this package's ops); for a
// float32 or float64 tensor that is not a scalar it is x's backing slice
// from Float32s or Float64s (one allocation, the slice's interface),
// else Data.
func data(x *tensor.Dense) any {
	if !x.IsScalar() {
		switch x.Dtype() {
		case tensor.Float32:
			return x.Float32s()
		case tensor.Float64:
			return x.Float64s()
		}
	}
	return x.Data()
}

// scalarOf returns the float value of a scalar Value (a G.F32, G.F64 or a
// 0-d / size-1 tensor).
func scalarOf(op string, v G.Value) (float64, error) {
	switch s := v.(type) {
	case *G.F32:
		return float64(*s), nil
	case *G.F64:
		return float64(*s), nil
	case *tensor.Dense:
		if s.Size() == 1 {
			switch d := s.Data().(type) {
			case []float32:
				return float64(d[0]), nil
			case []float64:
				return d[0], nil
			case float32:
				return float64(d), nil
			case float64:
				return d, nil
			}
		}
	}
	return 0, fmt.Errorf("graph: %s: want a float scalar, got %T", op, v)
}

// newScalar returns a scalar Value of dtype dt.
func newScalar(dt tensor.Dtype, v float64) G.Value {
	if dt == tensor.Float32 {
		return G.NewF32(float32(v))
	}
	return G.NewF64(v)
}

// labelsOf asserts that v is an int vector.
func labelsOf(op string, v G.Value) ([]int, error) {
	d, ok := v.(*tensor.Dense)
	if !ok || d.Dtype() != tensor.Int {
		return nil, fmt.Errorf("graph: %s: labels want an int tensor, got %T", op, v)
	}
	return d.Ints(), nil
}

// denses asserts that every value is a float *tensor.Dense.
func denses(op string, vals []G.Value) ([]*tensor.Dense, error) {
	ds := make([]*tensor.Dense, len(vals))
	for i, v := range vals {
		var err error
		if ds[i], err = dense(op, v); err != nil {
			return nil, err
		}
	}
	return ds, nil
}
