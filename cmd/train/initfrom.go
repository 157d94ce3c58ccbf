package main

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/unroll/unroll/graph"
	"github.com/unroll/unroll/internal/safeio"
	"github.com/unroll/unroll/models"
	"github.com/unroll/unroll/train"
)

// loadInit sets m's weights from -init-from FILE.npz (train.LoadParams
// does the work) and says in one line, naming the flags, why they do not
// fit.
func (o *options) loadInit(m graph.Model, mc models.Config) error {
	if o.initFrom == "" {
		return nil
	}
	err := train.LoadParams(m, o.initFrom)
	if err == nil {
		return nil
	}
	model := fmt.Sprintf("-model %s -hiddens %d -layers %d", o.model, o.hiddens, o.layers)
	if o.bidirectional {
		model += " -bidirectional"
	}
	model += fmt.Sprintf(", vocabulary of %d", mc.VocabSize)
	var pe *train.ParamsError
	var nr *safeio.NotRegularError
	var tl *safeio.TooLargeError
	switch {
	case errors.As(err, &pe):
		switch pe.Problem {
		case train.ParamMissing:
			return fmt.Errorf("-init-from %s has no array %s, a parameter %v of this model (%s): pass the -model, -layers and -bidirectional the weights were made for, or save every parameter under this model's names (%s; scripts/torch_init.py does for PyTorch's)",
				o.initFrom, pe.Name, pe.Want, model, names(pe.Params))
		case train.ParamExtra:
			return fmt.Errorf("-init-from %s: array %s is not a parameter of this model (%s: %s): pass the -model, -layers and -bidirectional the weights were made for, or drop the array",
				o.initFrom, pe.Name, model, names(pe.Params))
		case train.ParamShape:
			return fmt.Errorf("-init-from %s: %s is %v there but %v in this model (%s): pass the -hiddens the weights were made for and train on the same text, or save them in this layout (a weight matrix is input x output: transpose PyTorch's)",
				o.initFrom, pe.Name, pe.Got, pe.Want, model)
		case train.ParamNotFinite:
			return fmt.Errorf("-init-from %s: %s holds %v: give finite weights (those of a run that diverged are not)", o.initFrom, pe.Name, pe.Value)
		}
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("-init-from %s: no such file: check the path", o.initFrom)
	case errors.As(err, &nr):
		return fmt.Errorf("-init-from %s is %s, not a regular file: pass an .npz file", o.initFrom, nr.Kind)
	case errors.As(err, &tl):
		return fmt.Errorf("-init-from %s holds more than %d bytes: it is not weights for a model this size", o.initFrom, tl.Max)
	}
	msg := strings.ReplaceAll(strings.TrimPrefix(err.Error(), "train: "), "npz: ", "")
	return fmt.Errorf("-init-from %s: %s: pass an .npz of float32 or float64 arrays (numpy.savez)", o.initFrom, strings.TrimPrefix(msg, o.initFrom+": "))
}

// names lists parameter names, the first eight and a count of the rest.
func names(ps []string) string {
	if len(ps) <= 8 {
		return strings.Join(ps, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(ps[:8], ", "), len(ps)-8)
}

// initFromArgs returns how many of args' first elements are an
// -init-from flag and its value (0 if args does not start with one), for
// the command that continues a run: a resumed run continues the weights of
// its checkpoint, and -init-from with -resume is an error.
func initFromArgs(args []string) int {
	if len(args) == 0 {
		return 0
	}
	switch a := args[0]; {
	case a == "-init-from" || a == "--init-from":
		return min(2, len(args))
	case strings.HasPrefix(a, "-init-from=") || strings.HasPrefix(a, "--init-from="):
		return 1
	}
	return 0
}
