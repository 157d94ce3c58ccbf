package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/unroll/unroll/report"
	"github.com/unroll/unroll/train"
	"golang.org/x/term"
)

// outputs are the run's hooks beyond the book's progress lines and
// predictions: progress bar, metrics file, checkpoints, plot.
type outputs struct {
	stdout  io.Writer
	printer io.Writer // where predictions go: stdout, or above the bar
	tr      *train.Trainer
	bar     *report.Bar
	metrics *os.File
	cp      *train.Checkpointer
	plot    *report.Plot
}

func newOutputs(o *options, tr *train.Trainer, info train.RunInfo, stdout io.Writer) (*outputs, error) {
	out := &outputs{stdout: stdout, printer: stdout, tr: tr}
	// The checkpointer first: it may refuse the directory, and then the
	// metrics file must not have been truncated yet.
	if o.checkpoint != "" {
		if o.overwrite {
			// Asked for, and only now that every check has passed.
			if err := train.ClearCheckpoints(o.checkpoint); err != nil {
				return nil, err
			}
		}
		cp, err := train.NewCheckpointer(o.checkpoint, tr, info)
		if err != nil {
			return nil, err
		}
		cp.Every, cp.Keep = o.checkpointEvery, o.keep
		cp.BeforeRename = pauseBeforeRename(os.Getenv(savePauseEnv))
		out.cp = cp
	}
	if o.metrics != "" {
		f, err := os.Create(o.metrics)
		if err != nil {
			return nil, fmt.Errorf("-metrics: cannot create %s (%v): choose a writable path", o.metrics, err)
		}
		// A resumed run rewrites the epochs it restored, so the file
		// matches the checkpoint even if the old run went further.
		if err := train.WriteMetrics(f, tr.History()...); err != nil {
			f.Close()
			return nil, err
		}
		out.metrics = f
	}
	if o.plot != "" {
		out.plot = report.NewPlot(o.plot, plotTitle(o), o.plotEvery, tr.History())
	}
	return out, nil
}

// startBar shows the progress bar (with -progress bar, or auto on a
// terminal): it draws at once, so it starts after the run's first lines.
func (out *outputs) startBar(o *options) {
	if o.progress == "bar" || o.progress == "auto" && isTerminal(out.stdout) {
		out.bar = report.NewBar(out.stdout, out.tr.EpochsDone(), o.train.Epochs)
		out.printer = out.bar.Printer()
	}
}

// hooks returns the hooks in the order they must run: early stopping last,
// so that the epoch it stops at is still printed, recorded and saved.
func (out *outputs) hooks(o *options, predict train.Hook) []train.Hook {
	var hs []train.Hook
	if out.bar != nil {
		hs = append(hs, out.bar)
	} else {
		hs = append(hs, train.Progress(out.stdout))
	}
	hs = append(hs, predict)
	if out.metrics != nil {
		hs = append(hs, train.MetricsJSON(out.metrics))
	}
	if out.cp != nil {
		hs = append(hs, out.cp)
	}
	if out.plot != nil {
		hs = append(hs, out.plot)
	}
	if o.earlyStop > 0 {
		hs = append(hs, train.EarlyStopping(out.tr, o.earlyStop))
	}
	return hs
}

// close finishes the bar, draws the plot, closes the metrics file and, if
// the run ended normally, saves a last checkpoint if the schedule skipped
// it. It reports where things were written.
func (out *outputs) close(ok bool) error {
	var first error
	keep := func(err error) {
		if first == nil {
			first = err
		}
	}
	if out.bar != nil {
		out.bar.Finish()
	}
	if out.metrics != nil {
		keep(out.metrics.Close())
		fmt.Fprintf(out.stdout, "metrics: %s\n", out.metrics.Name())
	}
	if out.plot != nil {
		if err := out.plot.Save(); err != nil {
			keep(&plotError{err})
		} else {
			fmt.Fprintf(out.stdout, "plot: %s\n", out.plot.Path)
		}
	}
	if out.cp != nil && ok {
		if err := out.cp.Final(); err != nil {
			keep(err)
		} else {
			fmt.Fprintf(out.stdout, "checkpoint: %s (epoch %d); continue with -checkpoint %s -resume -epochs N\n",
				out.cp.Dir, out.tr.EpochsDone(), out.cp.Dir)
		}
	}
	return first
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// plotError is a -plot that could not be drawn at the end of a run.
type plotError struct{ error }

func (e *plotError) Unwrap() error { return e.error }

// plotTitle is the title of the -plot.
func plotTitle(o *options) string {
	return fmt.Sprintf("%s, %d hiddens, %s sampling, %s lr %g", o.model, o.hiddens, o.iter, o.train.Optimizer, o.train.LR)
}

// plotFailed is the message for a plot that failed once training had
// finished: the run itself is complete, and the advice is a command that
// only draws the plot (-resume of a finished run with -plot).
func plotFailed(err error, o *options, out *outputs) error {
	msg := strings.TrimPrefix(strings.TrimPrefix(err.Error(), "report: "), "plot: ")
	if out.cp == nil {
		return fmt.Errorf("-plot: %s; training finished, but without -checkpoint DIR there is nothing to draw it from later", msg)
	}
	return fmt.Errorf("-plot: %s; training finished and is saved in %s (epoch %d): once the path is fixed, draw the plot with: %s",
		msg, o.checkpoint, out.tr.EpochsDone(), resumeCommand(o.args))
}

// drawOnly draws -plot from a finished run's checkpoint: what -resume of a
// run already at -epochs does when -plot is given.
func drawOnly(o *options, ck *train.Checkpoint, stdout io.Writer) error {
	if err := report.NewPlot(o.plot, plotTitle(o), 0, ck.History).Save(); err != nil {
		return &plotError{err}
	}
	fmt.Fprintf(stdout, "plot: %s (the %d epochs of %s; nothing to train)\n", o.plot, ck.Epoch, ck.Path)
	return nil
}
