package train

import (
	"fmt"
	"slices"
	"strings"

	"github.com/unroll/unroll/graph"
	"github.com/unroll/unroll/train/npz"
	"gorgonia.org/tensor"
)

// ParamsProblem is what is wrong with arrays given for a model's
// parameters.
type ParamsProblem int

const (
	// ParamMissing: the model has a parameter the arrays do not.
	ParamMissing ParamsProblem = iota + 1
	// ParamExtra: an array names no parameter of the model.
	ParamExtra
	// ParamShape: an array's shape is not its parameter's.
	ParamShape
	// ParamNotFinite: an array holds NaN or an infinity (after conversion
	// to the model's dtype: a float64 beyond float32's range is +-Inf).
	ParamNotFinite
)

// ParamsError says why arrays cannot be a model's parameters (see
// SetParams): which parameter or array, what is wrong, and for a shape
// the two shapes. Its fields let a command name its own flags.
type ParamsError struct {
	Path    string // the file the arrays came from; "" for SetParams
	Name    string // the parameter (ParamMissing) or array name
	Problem ParamsProblem
	Want    []int    // ParamShape, ParamMissing: the model's shape
	Got     []int    // ParamShape: the array's shape
	Value   float64  // ParamNotFinite: the first value that is not finite
	Params  []string // the model's parameter names, in Params order
}

func (e *ParamsError) Error() string {
	where := "train: "
	if e.Path != "" {
		where += e.Path + ": "
	}
	switch e.Problem {
	case ParamMissing:
		return fmt.Sprintf("%sno array for parameter %s %v: give every parameter of the model (%s)", where, e.Name, e.Want, strings.Join(e.Params, ", "))
	case ParamExtra:
		return fmt.Sprintf("%sarray %s is not a parameter of the model (%s): drop it, or build the model it belongs to", where, e.Name, strings.Join(e.Params, ", "))
	case ParamShape:
		return fmt.Sprintf("%sarray %s has shape %v, the model's parameter %v: give it in the model's layout (input x output for a weight matrix)", where, e.Name, e.Got, e.Want)
	case ParamNotFinite:
		return fmt.Sprintf("%sarray %s holds %v: give finite weights", where, e.Name, e.Value)
	}
	return where + "bad parameters"
}

// SetParams sets every parameter of m to the array of the same name
// (graph.Param names: "W_xh", "l2.W_hh", "l1.fwd.W_xz"), converting
// float32 and float64 values to the parameter's dtype. Every parameter
// must have an array of its exact shape, every array must name a
// parameter and every value must be finite; otherwise SetParams returns a
// *ParamsError for the first problem (in the model's parameter order,
// then the arrays') and m is unchanged. The values are copied: arrays may
// be reused.
func SetParams(m graph.Model, arrays []npz.Array) error {
	return setParams(m, arrays, "")
}

// LoadParams sets m's parameters (see SetParams) from the .npz archive
// (or one-array .npy file) at path, read as npz.ReadFile reads it: a
// regular file of bounded size. NumPy writes one with
//
//	numpy.savez("init.npz", W_xh=W_xh, W_hh=W_hh, b_h=b_h, W_hq=W_hq, b_q=b_q)
//
// and SaveParams writes one of a model's parameters.
func LoadParams(m graph.Model, path string) error {
	arrays, err := npz.ReadFile(path)
	if err != nil {
		return fmt.Errorf("train: %w", err)
	}
	return setParams(m, arrays, path)
}

// SaveParams writes m's parameters to path as an .npz archive named as
// m.Params names them, in their own dtype (see npz.WriteFile).
func SaveParams(m graph.Model, path string) error {
	var arrays []npz.Array
	for _, p := range m.Params() {
		arrays = append(arrays, npz.Array{Name: p.Name, Shape: p.Value.Shape().Clone(), Data: p.Value.Data()})
	}
	if err := npz.WriteFile(path, arrays); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	return nil
}

func setParams(m graph.Model, arrays []npz.Array, path string) error {
	params := m.Params()
	names := make([]string, len(params))
	for i, p := range params {
		names[i] = p.Name
	}
	fail := func(name string, problem ParamsProblem) *ParamsError {
		return &ParamsError{Path: path, Name: name, Problem: problem, Params: names}
	}
	byName := map[string]npz.Array{}
	for _, a := range arrays {
		if _, dup := byName[a.Name]; dup {
			return fmt.Errorf("train: %sarray %s is given twice", pathPrefix(path), a.Name)
		}
		byName[a.Name] = a
	}
	values := make([]any, len(params))
	for i, p := range params {
		a, ok := byName[p.Name]
		want := []int(p.Value.Shape())
		if !ok {
			e := fail(p.Name, ParamMissing)
			e.Want = slices.Clone(want)
			return e
		}
		if !slices.Equal(a.Shape, want) {
			e := fail(p.Name, ParamShape)
			e.Want, e.Got = slices.Clone(want), slices.Clone(a.Shape)
			return e
		}
		if a.Dtype() == "" || a.Size() != p.Value.DataSize() {
			return fmt.Errorf("train: %sarray %s: data %T of %d values for shape %v: want []float32 or []float64 of %d", pathPrefix(path), a.Name, a.Data, dataLen(a.Data), a.Shape, p.Value.DataSize())
		}
		switch p.Value.Dtype() {
		case tensor.Float32:
			values[i] = a.Float32s()
		case tensor.Float64:
			values[i] = a.Float64s()
		default:
			return fmt.Errorf("train: parameter %s is %v: only float32 and float64 parameters can be set", p.Name, p.Value.Dtype())
		}
		if v, bad := firstNonFinite(tensor.New(tensor.WithShape(p.Value.DataSize()), tensor.WithBacking(values[i]))); bad {
			e := fail(p.Name, ParamNotFinite)
			e.Value = v
			return e
		}
	}
	for _, a := range arrays {
		if !slices.Contains(names, a.Name) {
			return fail(a.Name, ParamExtra)
		}
	}
	for i, p := range params {
		switch d := p.Value.Data().(type) {
		case []float32:
			copy(d, values[i].([]float32))
		case []float64:
			copy(d, values[i].([]float64))
		}
	}
	return nil
}

func pathPrefix(path string) string {
	if path == "" {
		return ""
	}
	return path + ": "
}

func dataLen(d any) int {
	switch d := d.(type) {
	case []float32:
		return len(d)
	case []float64:
		return len(d)
	}
	return 0
}
