package models_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/unroll/unroll/models"
	"gorgonia.org/tensor"
)

// SizeOf extrapolates from models of 1, 2 and 3 hidden units; it must give
// exactly the parameter count of the model built at full size.
func TestSizeOfMatchesTheBuiltModel(t *testing.T) {
	for _, v := range variants() {
		c := models.Config{Kind: v.kind, VocabSize: 28, NumHiddens: 37, NumLayers: v.layers, Bidirectional: v.bidirectional, Activation: v.act}
		size, err := models.SizeOf(c)
		if err != nil {
			t.Fatal(err)
		}
		m, err := models.New(c)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, p := range m.Params() {
			n += p.Value.DataSize()
		}
		if size.Params != float64(n) {
			t.Errorf("%v: SizeOf says %v parameters, the model has %d", v, size.Params, n)
		}
	}
}

// A zero Config but for its sizes works (float32, tanh, the book's
// initialisation, the rnn); settings that cannot work fail with a
// ConfigError naming the field.
func TestConfigZeroValuesAndErrors(t *testing.T) {
	m, err := models.New(models.Config{VocabSize: 5, NumHiddens: 3})
	if err != nil {
		t.Fatalf("zero Config with sizes: %v", err)
	}
	if c := m.Config(); c.Kind != "" || m.Params()[0].Value.Dtype().String() != "float32" {
		t.Errorf("zero Config: kind %q, dtype %v; want the rnn in float32", c.Kind, m.Params()[0].Value.Dtype())
	}
	for _, tc := range []struct {
		c     models.Config
		field string
		want  string
	}{
		{models.Config{NumHiddens: 3}, "VocabSize", "at least 1 token"},
		{models.Config{VocabSize: 5}, "NumHiddens", "at least 1 hidden unit"},
		{models.Config{VocabSize: 5, NumHiddens: 3, NumLayers: -1}, "NumLayers", "at least 1 layer"},
		{models.Config{VocabSize: 5, NumHiddens: 3, Activation: 7}, "Activation", "Tanh or ReLU"},
		{models.Config{VocabSize: 5, NumHiddens: 3, Init: 9}, "Init", "InitBook or InitPyTorch"},
		{models.Config{VocabSize: 5, NumHiddens: 3, Kind: "transformer"}, "Kind", "gru, lstm, mlp, rnn"},
		{models.Config{VocabSize: 5, NumHiddens: 3, Dtype: tensor.Int}, "Dtype", "float32 or float64"},
	} {
		_, err := models.New(tc.c)
		var ce *models.ConfigError
		if !errors.As(err, &ce) || ce.Field != tc.field || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: error %v; want a ConfigError on %s saying %q", tc.c, err, tc.field, tc.want)
		}
	}
}

// Registering a name twice is a programmer error.
func TestRegisterTwicePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("registering gru again did not panic")
		}
	}()
	models.Register("gru", models.NewGRUCell)
}

// The book's GRU with two layers: parameters by name, layer by layer,
// then the output layer.
func ExampleNew() {
	m, err := models.New(models.Config{Kind: "gru", VocabSize: 28, NumHiddens: 256, NumLayers: 2})
	if err != nil {
		fmt.Println(err)
		return
	}
	var params, states []string
	for _, p := range m.Params() {
		params = append(params, fmt.Sprint(p.Name, p.Value.Shape()))
	}
	for _, s := range m.States() {
		states = append(states, s.Name)
	}
	fmt.Println(strings.Join(params, " "))
	fmt.Println(strings.Join(states, " "))
	// Output:
	// l1.W_xz(28, 256) l1.W_hz(256, 256) l1.b_z(256) l1.W_xr(28, 256) l1.W_hr(256, 256) l1.b_r(256) l1.W_xh(28, 256) l1.W_hh(256, 256) l1.b_h(256) l2.W_xz(256, 256) l2.W_hz(256, 256) l2.b_z(256) l2.W_xr(256, 256) l2.W_hr(256, 256) l2.b_r(256) l2.W_xh(256, 256) l2.W_hh(256, 256) l2.b_h(256) W_hq(256, 28) b_q(28)
	// l1.H l2.H
}
