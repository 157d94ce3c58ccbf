package train_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/unroll/unroll/datasets"
	"github.com/unroll/unroll/graph"
	"github.com/unroll/unroll/internal/safeio"
	"github.com/unroll/unroll/models"
	"github.com/unroll/unroll/train"
	"gorgonia.org/tensor"
)

// TestErrorsFormatZeroValues: every error type of the library, and the
// configurations that errors print, format with zero or nil fields
// without fmt's %!v(PANIC=...) or %!verb markers.
func TestErrorsFormatZeroValues(t *testing.T) {
	errs := []error{
		&models.ConfigError{},
		&graph.MachineError{},
		&train.DivergedError{},
		&train.LockedError{},
		&train.EarlyStop{},
		&train.ConfigError{},
		&train.ShortValidationError{},
		&datasets.ShortCorpusError{},
		&safeio.NotRegularError{},
		&safeio.TooLargeError{},
	}
	for _, err := range errs {
		for _, s := range []string{err.Error(), fmt.Sprintf("%v", err), fmt.Sprintf("%+v", err)} {
			if s == "" || strings.Contains(s, "%!") {
				t.Errorf("%T{}: %q", err, s)
			}
		}
	}
	for _, v := range []any{models.Config{}, models.Config{Dtype: tensor.Float64, Activation: 7, Init: 9}} {
		for _, s := range []string{fmt.Sprintf("%v", v), fmt.Sprintf("%+v", v)} {
			if strings.Contains(s, "%!") {
				t.Errorf("%T: %q", v, s)
			}
		}
	}
	// The zero Config fails cleanly, naming its first unusable field.
	if _, err := models.New(models.Config{}); err == nil || strings.Contains(err.Error(), "%!") || !strings.Contains(err.Error(), "VocabSize") {
		t.Errorf("models.New(Config{}): %v", err)
	}
	if got := fmt.Sprint(models.Config{VocabSize: 5}); got != "{Kind:rnn VocabSize:5 NumHiddens:0 NumLayers:0 Bidirectional:false Activation:tanh Init:book Dtype:float32 Seed:0}" {
		t.Errorf("Config{VocabSize: 5} prints %s", got)
	}
}
