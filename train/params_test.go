package train_test

import (
	"errors"
	"fmt"
	"log"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/unroll/unroll/graph"
	"github.com/unroll/unroll/models"
	"github.com/unroll/unroll/train"
	"github.com/unroll/unroll/train/npz"
	"gorgonia.org/tensor"
)

func newModel(t *testing.T, kind string, layers int, bidir bool, dt tensor.Dtype, seed uint64) graph.Model {
	t.Helper()
	m, err := models.New(models.Config{Kind: kind, VocabSize: 5, NumHiddens: 3, NumLayers: layers, Bidirectional: bidir, Dtype: dt, Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func paramValues(m graph.Model) map[string]any {
	out := map[string]any{}
	for _, p := range m.Params() {
		out[p.Name] = slices.Clone(p.Value.Float32s())
	}
	return out
}

// TestLoadParamsRoundTrip: the parameters one model saves, another of the
// same configuration (other weights: another seed) loads bit for bit, for
// every cell and a stacked bidirectional model.
func TestLoadParamsRoundTrip(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		kind   string
		layers int
		bidir  bool
	}{{"rnn", 1, false}, {"gru", 1, false}, {"lstm", 1, false}, {"mlp", 1, false}, {"lstm", 2, true}} {
		a := newModel(t, c.kind, c.layers, c.bidir, tensor.Float32, 1)
		b := newModel(t, c.kind, c.layers, c.bidir, tensor.Float32, 2)
		if reflect.DeepEqual(paramValues(a), paramValues(b)) {
			t.Fatalf("%s: seeds 1 and 2 drew the same weights: the test would prove nothing", c.kind)
		}
		p := filepath.Join(dir, fmt.Sprintf("%s-%d-%v.npz", c.kind, c.layers, c.bidir))
		if err := train.SaveParams(a, p); err != nil {
			t.Fatal(err)
		}
		if err := train.LoadParams(b, p); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(paramValues(a), paramValues(b)) {
			t.Errorf("%s layers %d bidirectional %v: loaded parameters differ from the saved ones", c.kind, c.layers, c.bidir)
		}
	}
}

// TestSetParamsConverts: float64 arrays set a float32 model (rounded) and
// float32 arrays a float64 model (exactly).
func TestSetParamsConverts(t *testing.T) {
	m32 := newModel(t, "rnn", 1, false, tensor.Float32, 1)
	m64 := newModel(t, "rnn", 1, false, tensor.Float64, 1)
	var as64, as32 []npz.Array
	for i, p := range m32.Params() {
		n := p.Value.DataSize()
		d64, d32 := make([]float64, n), make([]float32, n)
		for j := range d64 {
			d64[j] = 0.1 * float64(i*100+j) // 0.1 is inexact in float32: rounding shows
			d32[j] = float32(d64[j])
		}
		as64 = append(as64, npz.Array{Name: p.Name, Shape: p.Value.Shape().Clone(), Data: d64})
		as32 = append(as32, npz.Array{Name: p.Name, Shape: p.Value.Shape().Clone(), Data: d32})
	}
	if err := train.SetParams(m32, as64); err != nil {
		t.Fatal(err)
	}
	if err := train.SetParams(m64, as32); err != nil {
		t.Fatal(err)
	}
	for i, p := range m32.Params() {
		if !reflect.DeepEqual(p.Value.Float32s(), as32[i].Data) {
			t.Errorf("float64 -> float32 %s: %v, want %v", p.Name, p.Value.Float32s(), as32[i].Data)
		}
		if want := as32[i].Float64s(); !reflect.DeepEqual(m64.Params()[i].Value.Float64s(), want) {
			t.Errorf("float32 -> float64 %s: %v, want %v", p.Name, m64.Params()[i].Value.Float64s(), want)
		}
	}
}

// TestSetParamsRefuses: a missing, extra, misshapen or non-finite array is
// a *ParamsError naming it, and the model is left as it was.
func TestSetParamsRefuses(t *testing.T) {
	m := newModel(t, "rnn", 1, false, tensor.Float32, 1)
	good := func() []npz.Array {
		var out []npz.Array
		for _, p := range m.Params() {
			out = append(out, npz.Array{Name: p.Name, Shape: p.Value.Shape().Clone(), Data: make([]float64, p.Value.DataSize())})
		}
		return out
	}
	before := paramValues(m)
	cases := []struct {
		name    string
		edit    func([]npz.Array) []npz.Array
		problem train.ParamsProblem
		param   string
		text    string
	}{
		{"missing", func(a []npz.Array) []npz.Array { return slices.Delete(a, 1, 2) }, train.ParamMissing, "W_hh",
			"train: no array for parameter W_hh [3 3]: give every parameter of the model (W_xh, W_hh, b_h, W_hq, b_q)"},
		{"extra", func(a []npz.Array) []npz.Array {
			return append(a, npz.Array{Name: "W_xz", Shape: []int{5, 3}, Data: make([]float32, 15)})
		}, train.ParamExtra, "W_xz",
			"train: array W_xz is not a parameter of the model (W_xh, W_hh, b_h, W_hq, b_q): drop it, or build the model it belongs to"},
		{"transposed", func(a []npz.Array) []npz.Array { a[0].Shape = []int{3, 5}; return a }, train.ParamShape, "W_xh",
			"train: array W_xh has shape [3 5], the model's parameter [5 3]: give it in the model's layout (input x output for a weight matrix)"},
		{"NaN", func(a []npz.Array) []npz.Array { a[4].Data.([]float64)[2] = math.NaN(); return a }, train.ParamNotFinite, "b_q",
			"train: array b_q holds NaN: give finite weights"},
		// 1e300 is finite in float64 but +Inf in the model's float32.
		{"overflows float32", func(a []npz.Array) []npz.Array { a[2].Data.([]float64)[0] = 1e300; return a }, train.ParamNotFinite, "b_h",
			"train: array b_h holds +Inf: give finite weights"},
	}
	for _, c := range cases {
		err := train.SetParams(m, c.edit(good()))
		var pe *train.ParamsError
		if !errors.As(err, &pe) || pe.Problem != c.problem || pe.Name != c.param || err.Error() != c.text {
			t.Errorf("%s: error %v (%+v), want %q", c.name, err, pe, c.text)
		}
		if !reflect.DeepEqual(paramValues(m), before) {
			t.Fatalf("%s: the refused arrays changed the model", c.name)
		}
	}
	// The path names the file.
	p := filepath.Join(t.TempDir(), "init.npz")
	if err := npz.WriteFile(p, good()[1:]); err != nil {
		t.Fatal(err)
	}
	var pe *train.ParamsError
	if err := train.LoadParams(m, p); !errors.As(err, &pe) || pe.Path != p || pe.Name != "W_xh" {
		t.Errorf("LoadParams: error %v, want W_xh missing in %s", err, p)
	}
	if err := train.LoadParams(m, "/dev/zero"); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("LoadParams(/dev/zero): error %v", err)
	}
}

// Start a model from given weights: here another model's, saved to an
// .npz file; in practice weights written by NumPy or PyTorch under the
// model's parameter names (scripts/torch_init.py).
func ExampleLoadParams() {
	dir, err := os.MkdirTemp("", "params")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	cfg := models.Config{Kind: "rnn", VocabSize: 28, NumHiddens: 16, Dtype: tensor.Float32, Seed: 1}
	a, _ := models.New(cfg)
	if err := train.SaveParams(a, filepath.Join(dir, "init.npz")); err != nil {
		log.Fatal(err)
	}
	cfg.Seed = 2 // other weights
	b, _ := models.New(cfg)
	if err := train.LoadParams(b, filepath.Join(dir, "init.npz")); err != nil {
		log.Fatal(err)
	}
	arrays, _ := npz.ReadFile(filepath.Join(dir, "init.npz"))
	for i, arr := range arrays {
		fmt.Println(arr.Name, arr.Shape, slices.Equal(arr.Float32s(), b.Params()[i].Value.Float32s()))
	}
	// Output:
	// W_xh [28 16] true
	// W_hh [16 16] true
	// b_h [16] true
	// W_hq [16 28] true
	// b_q [28] true
}
