package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/unroll/unroll/datasets"
	"github.com/unroll/unroll/graph"
	"github.com/unroll/unroll/internal/cli"
	"github.com/unroll/unroll/train"
)

// withFailingDOT adds to a machine error of the training graph where the
// failing node's neighbourhood (radius 2) was written as DOT, for
// graphviz: the library returns the error and draws on request, the
// command writes the file.
func withFailingDOT(err error, u *graph.Unrolled) error {
	var me *graph.MachineError
	if !errors.As(err, &me) || me.Node == nil {
		return err
	}
	if me.Graph != nil {
		u = me.Graph // the block or chunk that failed
	}
	dot, derr := u.NeighbourhoodDOT(err, 2)
	if derr != nil {
		return err
	}
	f, derr := os.CreateTemp("", "unroll-fail-*.dot")
	if derr != nil {
		return fmt.Errorf("%w [no DOT of the failing node: %v]", err, derr)
	}
	_, derr = f.Write(dot)
	if cerr := f.Close(); derr == nil {
		derr = cerr
	}
	if derr != nil {
		os.Remove(f.Name())
		return fmt.Errorf("%w [no DOT of the failing node: %v]", err, derr)
	}
	return fmt.Errorf("%w [the graph around it is written to %s]", err, f.Name())
}

// stopText says why a hook stopped the run, from the reason's type.
func stopText(reason error) string {
	var es *train.EarlyStop
	if errors.As(reason, &es) {
		return fmt.Sprintf("early stopping: validation perplexity has not improved for %d evaluations (best %.4f at epoch %d)", es.Evaluations, es.Best, es.BestEpoch)
	}
	return reason.Error()
}

// trainFlags are the flags of train.Config's fields.
var trainFlags = map[string]string{
	"Epochs": "-epochs", "BatchSize": "-batch", "NumSteps": "-steps", "LR": "-lr", "Clip": "-clip",
	"Optimizer": "-optimizer", "Schedule.Kind": "-lr-schedule", "Schedule.Step": "-lr-step",
	"Schedule.Gamma": "-lr-gamma", "Schedule.MinLR": "-lr-min",
}

// configFlagError words a *train.ConfigError with the flag of its field.
func configFlagError(err error) error {
	var ce *train.ConfigError
	if errors.As(err, &ce) {
		if f, ok := trainFlags[ce.Field]; ok {
			return fmt.Errorf("%s must be %s, got %s", f, ce.Want, ce.Value)
		}
	}
	return err
}

// divergedText words a divergence with the flags that fix it, from the
// fields of the *train.DivergedError.
func divergedText(err error) string {
	var d *train.DivergedError
	if !errors.As(err, &d) {
		return err.Error()
	}
	fix := fmt.Sprintf("lower -lr (now %g) or -clip (now %g)", d.LR, d.Clip)
	if d.Clip <= 0 {
		fix = fmt.Sprintf("set -clip 1 (gradient clipping is off) or lower -lr (now %g)", d.LR)
	}
	return fmt.Sprintf("%s is %v %s: the run diverged, most likely because the learning rate is too high or the gradients are not clipped: %s",
		d.What, d.Value, d.Where(), fix)
}

// flagError words the library's typed errors, whose fields say what to
// change, with the flags that change it; other errors are returned as
// they are.
func flagError(err error) error {
	var (
		ce *train.ConfigError
		sc *datasets.ShortCorpusError
		sv *train.ShortValidationError
		d  *train.DivergedError
	)
	switch {
	case errors.As(err, &ce):
		return configFlagError(err)
	case errors.As(err, &sc):
		return fmt.Errorf("the corpus has %d tokens but %s sampling with -batch %d -steps %d needs at least %d (%s): use a longer text, a smaller -batch or -steps, or a larger -max-tokens",
			sc.Tokens, sc.Sampling, sc.BatchSize, sc.NumSteps, sc.Need, sc.Rule())
	case errors.As(err, &sv):
		return fmt.Errorf("the validation text has %d tokens but -steps %d needs at least %d: raise -val-frac or lower -steps", sv.Tokens, sv.NumSteps, sv.NumSteps+1)
	case errors.As(err, &d):
		return errors.New(divergedText(err))
	}
	return cli.DataError(cli.CheckpointError(err))
}
