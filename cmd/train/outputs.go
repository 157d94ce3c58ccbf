package main

import (
	"fmt"
	"io"
	"os"

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
		cp, err := train.NewCheckpointer(o.checkpoint, tr, info)
		if err != nil {
			return nil, err
		}
		cp.Every, cp.Keep = o.checkpointEvery, o.keep
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
		title := fmt.Sprintf("%s, %d hiddens, %s sampling, %s lr %g", o.model, o.hiddens, o.iter, o.train.Optimizer, o.train.LR)
		out.plot = report.NewPlot(o.plot, title, o.plotEvery, tr.History())
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
			keep(err)
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
