// Command gradflow shows how the gradient flows back through time (D2L
// section 8.7): for a model, fresh or trained, and a sequence of -steps
// tokens of a text, the norm of dL/dH_t at every step t (and dL/dC_t for
// the LSTM), for the loss at the last step alone and for the mean loss,
// read from the unrolled graph's own gradients; with the largest singular
// value of each recurrent matrix (W_hh, or the GRU's and LSTM's W_h*).
//
//	go run ./cmd/gradflow -steps 500 -init-scale 0.5 -plot vanish.png
//	go run ./cmd/gradflow -steps 500 -activation relu -init-scale 1.5 -o explode.csv
//	go run ./cmd/gradflow -steps 200 -model rnn,gru,lstm -plot cells.svg
//	go run ./cmd/gradflow -steps 200 -checkpoint ckpt -model gru -plot trained-vs-fresh.png
//
// -init-scale S replaces a fresh model's recurrent matrices by random
// orthogonal ones scaled by S, so that every singular value is S: below 1
// the gradient vanishes, above 1 (with ReLU, which does not squash) it
// explodes. -orthogonal=false rescales the drawn Gaussian matrix instead;
// its other singular values are smaller, and its spectral radius about
// half of S.
//
// -model, -activation, -init-scale and -checkpoint take comma-separated
// lists: every combination of the first three is one fresh run, every
// checkpoint one trained run; all runs go in one table, CSV and plot.
// It prints one line per step: t, then each run's norms.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/pflag"
	"github.com/unroll/unroll/datasets"
	"github.com/unroll/unroll/graph"
	"github.com/unroll/unroll/internal/cli"
	"github.com/unroll/unroll/models"
	"github.com/unroll/unroll/report"
	"github.com/unroll/unroll/train"
	"gorgonia.org/tensor"
)

func main() { os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr)) }

// maxSteps bounds -steps: two graphs of that many steps are built and
// compiled per run (1000 steps of a 512-unit RNN: seconds, not minutes).
const maxSteps = 5000

// options are the command's flags.
type options struct {
	model, activation, initScale, checkpoint string
	hiddens, layers                          int
	init                                     string
	seed                                     uint64
	orthogonal                               bool
	orthogonalSet                            bool // -orthogonal given (either way)

	data, corpus string
	offset       int
	steps, batch int

	out, plot, plotLoss string
	quiet               bool
}

func flags(o *options) *pflag.FlagSet {
	model := pflag.NewFlagSet("model", pflag.ContinueOnError)
	model.StringVar(&o.model, "model", "rnn", "fresh model(s), comma-separated: "+strings.Join(models.Kinds(), ", "))
	model.StringVar(&o.checkpoint, "checkpoint", "", "trained model(s): cmd/train -checkpoint directories, comma-separated (with -model given too, the fresh models are run as well)")
	model.StringVar(&o.activation, "activation", "tanh", "hidden activation phi of fresh rnn/mlp models: tanh, relu, or both as tanh,relu")
	model.StringVar(&o.initScale, "init-scale", "", "rescale each recurrent matrix (W_hh; the GRU's W_hz, W_hr, W_hh; the LSTM's W_hi, W_hf, W_ho, W_hc) so that its largest singular value is S; a list such as 0.5,1.5 gives one run each; empty: as drawn or trained")
	model.BoolVar(&o.orthogonal, "orthogonal", false, "replace each recurrent matrix by a random orthogonal one first: all its singular values equal, so -init-scale S sets every one of them, and its spectral radius, to S (a Gaussian matrix's radius is about half its largest singular value, so at S = 1.5 its gradient still vanishes). Default: on for fresh models with -init-scale, off otherwise; -orthogonal=false rescales the drawn matrix as it is")
	model.IntVar(&o.hiddens, "hiddens", 512, "hidden units of fresh models (num_hiddens)")
	model.IntVar(&o.layers, "layers", 1, "stacked layers of fresh models (num_layers)")
	model.StringVar(&o.init, "init", "book", "weight initialisation of fresh models: book (N(0, 0.01^2)) or pytorch")
	model.Uint64Var(&o.seed, "seed", 0, "seed of fresh models' weights")

	data := pflag.NewFlagSet("data", pflag.ContinueOnError)
	data.StringVar(&o.data, "data", "", "take the tokens from this text file (default: -corpus)")
	data.StringVar(&o.corpus, "corpus", "auto", "without -data: auto (The Time Machine, else Newton's Opticks from GOROOT), timemachine, opticks")
	data.IntVar(&o.offset, "offset", 0, "start at this character of the text; with -batch B, sequence b starts b*(steps+1) characters later")
	data.IntVar(&o.steps, "steps", 100, "time steps T: tokens in the sequence (at most 5000)")
	data.IntVar(&o.batch, "batch", 1, "sequences in the minibatch (norms are over the whole minibatch)")

	out := pflag.NewFlagSet("output", pflag.ContinueOnError)
	out.StringVarP(&o.out, "out", "o", "", "write the norms as CSV to this file")
	out.StringVar(&o.plot, "plot", "", "plot the norms on a log scale to this .png, .svg or .pdf")
	out.StringVar(&o.plotLoss, "plot-loss", "both", "which loss to plot: last (solid), mean (dashed) or both")
	out.BoolVar(&o.quiet, "quiet", false, "print only the runs' summaries, not one line per step")

	return cli.NewFlagSet("gradflow", "gradflow: the gradient's norm through time, dL/dH_t for t = 1..T (D2L 8.7)",
		cli.Group{Title: "Model", Flags: model},
		cli.Group{Title: "Data", Flags: data},
		cli.Group{Title: "Output", Flags: out})
}

// usageError is a bad flag value: exit status 2.
type usageError struct{ error }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) (code int) {
	defer cli.Recover("gradflow", stderr, &code)
	var o options
	fs := flags(&o)
	if done, code := cli.Parse(fs, args, stderr); done {
		return code
	}
	err := measure(ctx, fs, &o, stdout, stderr)
	var ue usageError
	switch {
	case err == nil:
		return cli.ExitOK
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "gradflow: %s (see gradflow -h)\n", trimPackage(ue.Error()))
		return cli.ExitUsage
	default:
		fmt.Fprintf(stderr, "gradflow: %s\n", trimPackage(cli.DataError(cli.CheckpointError(err)).Error()))
		return cli.ExitRuntime
	}
}

func trimPackage(msg string) string {
	for _, p := range []string{"train: ", "datasets: ", "models: ", "graph: ", "report: "} {
		msg = strings.TrimPrefix(msg, p)
	}
	return msg
}

// spec is one run: a fresh model or a checkpoint, and an optional rescale.
type spec struct {
	label      string
	fresh      models.Config
	checkpoint string
	scale      float64 // 0: no rescale
}

// list splits a comma-separated flag value.
func list(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// check validates the flags and returns the runs.
func (o *options) check(fs *pflag.FlagSet) ([]spec, error) {
	switch {
	case o.steps < 1 || o.steps > maxSteps:
		return nil, usageError{fmt.Errorf("-steps must be between 1 and %d, got %d", maxSteps, o.steps)}
	case o.batch < 1:
		return nil, usageError{fmt.Errorf("-batch must be >= 1, got %d", o.batch)}
	case o.hiddens < 1:
		return nil, usageError{fmt.Errorf("-hiddens must be >= 1, got %d", o.hiddens)}
	case o.layers < 1:
		return nil, usageError{fmt.Errorf("-layers must be >= 1, got %d", o.layers)}
	case o.offset < 0:
		return nil, usageError{fmt.Errorf("-offset must be >= 0, got %d", o.offset)}
	case o.plotLoss != "last" && o.plotLoss != "mean" && o.plotLoss != "both":
		return nil, usageError{fmt.Errorf("unknown -plot-loss %q: use last, mean or both", o.plotLoss)}
	}
	if _, err := datasets.ParseSource(o.corpus); err != nil {
		return nil, usageError{err}
	}
	in, err := models.ParseInit(o.init)
	if err != nil {
		return nil, usageError{err}
	}
	scales := []float64{0}
	if ss := list(o.initScale); len(ss) > 0 {
		scales = nil
		for _, s := range ss {
			v, err := strconv.ParseFloat(s, 64)
			if err != nil || !(v > 0) || math.IsInf(v, 0) {
				return nil, usageError{fmt.Errorf("-init-scale %q: want positive numbers such as 0.5 or 0.5,1.5", s)}
			}
			scales = append(scales, v)
		}
	}
	var acts []models.Activation
	for _, a := range list(o.activation) {
		act, err := models.ParseActivation(a)
		if err != nil {
			return nil, usageError{fmt.Errorf("-activation %q: use tanh, relu or tanh,relu", a)}
		}
		acts = append(acts, act)
	}
	kinds := list(o.model)
	cks := list(o.checkpoint)
	if len(acts) == 0 || (len(kinds) == 0 && len(cks) == 0) {
		return nil, usageError{errors.New("-model and -activation need at least one value each")}
	}
	var runs []spec
	for _, ck := range cks {
		for _, s := range scales {
			runs = append(runs, spec{label: "trained " + filepath.Base(filepath.Clean(ck)) + scaleLabel(s), checkpoint: ck, scale: s})
		}
	}
	if len(cks) == 0 || fs.Changed("model") {
		for _, k := range kinds {
			if !slices.Contains(models.Kinds(), k) {
				return nil, usageError{fmt.Errorf("unknown -model %q: use one of %s", k, strings.Join(models.Kinds(), ", "))}
			}
			for _, act := range acts {
				if len(acts) > 1 && k != "rnn" && k != "mlp" && act != acts[0] {
					continue // the GRU and LSTM have no phi to choose
				}
				for _, s := range scales {
					label := k
					if k == "rnn" || k == "mlp" {
						label += " " + act.String()
					}
					c := models.Config{Kind: k, NumHiddens: o.hiddens, NumLayers: o.layers, Activation: act, Init: in,
						Dtype: tensor.Float64, Seed: o.seed}
					runs = append(runs, spec{label: label + scaleLabel(s), fresh: c, scale: s})
				}
			}
		}
	}
	need := float64(len(runs)) * 2 * 8 * 40 * float64(o.batch*o.steps) * float64(4*o.hiddens*o.layers+100)
	if err := cli.CheckMemory(need, fmt.Sprintf("%d runs of -steps %d -batch %d -hiddens %d", len(runs), o.steps, o.batch, o.hiddens),
		"lower -steps, -batch or -hiddens"); err != nil {
		return nil, usageError{err}
	}
	if err := o.checkOutputs(); err != nil {
		return nil, err
	}
	return runs, nil
}

func scaleLabel(s float64) string {
	if s == 0 {
		return ""
	}
	return fmt.Sprintf(" σ=%g", s)
}

// checkOutputs refuses output paths that would overwrite an input or each
// other, and plot files of an unknown format.
func (o *options) checkOutputs() error {
	if o.plot != "" {
		if err := report.CheckPlotPath(o.plot); err != nil {
			return usageError{fmt.Errorf("-plot %s: the file name must end in .png, .svg or .pdf", o.plot)}
		}
	}
	if o.out != "" && o.plot != "" && samePath(o.out, o.plot) {
		return usageError{fmt.Errorf("-o and -plot are both %s: give them different files", o.out)}
	}
	for _, p := range []struct{ flag, path string }{{"-o", o.out}, {"-plot", o.plot}} {
		if p.path == "" {
			continue
		}
		if o.data != "" && samePath(p.path, o.data) {
			return usageError{fmt.Errorf("%s %s is the -data file: it would be overwritten; choose another path", p.flag, p.path)}
		}
		for _, ck := range list(o.checkpoint) {
			if abs, err := filepath.Abs(p.path); err == nil {
				if ckAbs, err := filepath.Abs(ck); err == nil && strings.HasPrefix(abs, ckAbs+string(filepath.Separator)) {
					return usageError{fmt.Errorf("%s %s is inside -checkpoint %s: choose a path outside it", p.flag, p.path, ck)}
				}
			}
		}
		if err := cli.CheckWritableFile(p.flag, p.path); err != nil {
			return err
		}
	}
	return nil
}

func samePath(a, b string) bool {
	if fa, err := os.Stat(a); err == nil {
		if fb, err := os.Stat(b); err == nil {
			return os.SameFile(fa, fb)
		}
	}
	aa, err1 := filepath.Abs(a)
	bb, err2 := filepath.Abs(b)
	return err1 == nil && err2 == nil && aa == bb
}

// result is one run measured.
type result struct {
	spec
	flow    *train.Flow
	sigmas  []train.Rescaled
	summary string
}

func measure(ctx context.Context, fs *pflag.FlagSet, o *options, stdout, stderr io.Writer) error {
	runs, err := o.check(fs)
	if err != nil {
		return err
	}
	o.orthogonalSet = fs.Changed("orthogonal")
	src, _ := datasets.ParseSource(o.corpus)
	text, name, notice, err := (&datasets.Fetcher{DataName: "-data PATH"}).Load(ctx, src, o.data)
	if err != nil {
		return err
	}
	if notice != "" {
		fmt.Fprintln(stderr, notice)
	}
	corpus, err := datasets.LoadCorpus(text, name, datasets.Char, 0)
	if err != nil {
		return err
	}
	need := o.offset + o.batch*(o.steps+1)
	if len(corpus.IDs) < need {
		return usageError{fmt.Errorf("%s has %d characters, -offset %d with -batch %d -steps %d needs %d: lower -steps, -batch or -offset", name, len(corpus.IDs), o.offset, o.batch, o.steps, need)}
	}
	tokens := datasets.Tokenize(corpus.Lines, datasets.Char)
	var chars []string
	for _, line := range tokens {
		chars = append(chars, line...)
	}
	chars = chars[o.offset:need]

	var results []result
	for _, r := range runs {
		res, err := measureRun(r, corpus.Vocab, chars, o)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, res.summary)
		results = append(results, res)
	}
	if !o.quiet {
		if err := writeTable(stdout, results, " ", "%.4e"); err != nil {
			return err
		}
	}
	if o.out != "" {
		if err := writeFile(o.out, func(w io.Writer) error { return writeTable(w, results, ",", "%.17g") }); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "gradflow: wrote %s\n", o.out)
	}
	if o.plot != "" {
		if err := writeFile(o.plot, func(w io.Writer) error { return plotFlow(w, o, results) }); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "gradflow: wrote %s\n", o.plot)
	}
	return nil
}

// measureRun builds (or loads) one run's model in float64, rescales it,
// and measures its gradient flow over chars.
func measureRun(r spec, textVocab *datasets.Vocab, chars []string, o *options) (result, error) {
	var m graph.Model
	vocab := textVocab
	what := ""
	if r.checkpoint != "" {
		ck, err := train.OpenCheckpoint(r.checkpoint)
		if err != nil {
			return result{}, err
		}
		if vocab, err = ck.NewVocab(); err != nil {
			return result{}, err
		}
		trained, err := ck.NewModel()
		if err != nil {
			return result{}, err
		}
		if m, err = train.Float64Model(trained); err != nil {
			return result{}, err
		}
		c := m.(interface{ Config() models.Config }).Config()
		r.label = fmt.Sprintf("%s %s", c.Kind, r.label)
		what = fmt.Sprintf("%s, %d hiddens, trained %d epochs (%s)", c.Kind, c.NumHiddens, ck.Epoch, ck.Path)
	} else {
		c := r.fresh
		c.VocabSize = vocab.Len()
		lm, err := models.New(c)
		if err != nil {
			return result{}, usageError{err}
		}
		m = lm
		what = fmt.Sprintf("%d hiddens, fresh (%s init, seed %d)", c.NumHiddens, c.Init, c.Seed)
	}
	res := result{spec: r}
	// -init-scale S crosses the vanishing/exploding boundary at S = 1 only
	// when every singular value is S: an orthogonal matrix, scaled. A
	// trained matrix is kept unless -orthogonal is asked for.
	orthogonal := o.orthogonal
	if !o.orthogonalSet {
		orthogonal = r.scale > 0 && r.checkpoint == ""
	}
	if orthogonal {
		if err := train.OrthogonalRecurrent(m, o.seed); err != nil {
			return result{}, usageError{fmt.Errorf("-orthogonal: %w", err)}
		}
		r.label += " orthogonal"
		res.label = r.label
	}
	var sig []string
	if r.scale > 0 {
		rs, err := train.ScaleRecurrent(m, r.scale)
		if err != nil {
			return result{}, usageError{fmt.Errorf("-init-scale: %w", err)}
		}
		res.sigmas = rs
		for _, s := range rs {
			sig = append(sig, fmt.Sprintf("%s %.4g -> %.4g", s.Name, s.Before, s.After))
		}
		if orthogonal {
			sig = []string{fmt.Sprintf("all %.4g (orthogonal, scaled)", r.scale)}
		}
	} else {
		for _, p := range train.RecurrentParams(m) {
			s, err := train.SpectralNorm(p.Value)
			if err != nil {
				return result{}, err
			}
			res.sigmas = append(res.sigmas, train.Rescaled{Name: p.Name, Before: s, After: s})
			sig = append(sig, fmt.Sprintf("%s %.4g", p.Name, s))
		}
	}
	// Sequence b of the minibatch is chars[b*(T+1) : (b+1)*(T+1)].
	T, B := o.steps, o.batch
	x, y := make([][]int, B), make([][]int, B)
	for b := range x {
		seq := vocab.IDs(chars[b*(T+1) : (b+1)*(T+1)])
		x[b], y[b] = seq[:T], seq[1:]
	}
	mb, err := datasets.NewMinibatch(x, y)
	if err != nil {
		return result{}, err
	}
	f, err := train.GradFlow(m, mb)
	if err != nil {
		return result{}, err
	}
	res.flow = f
	if len(sig) == 0 {
		sig = []string{"none (no recurrent matrix)"}
	}
	var radii []string
	for _, p := range train.RecurrentParams(m) {
		rho, err := train.SpectralRadius(p.Value)
		if err != nil {
			return result{}, err
		}
		radii = append(radii, fmt.Sprintf("%s %.4g", p.Name, rho))
	}
	if len(radii) > 0 {
		sig = append(sig, "spectral radius "+strings.Join(radii, ", "))
	}
	top := f.States[0]
	ratio, _ := f.Ratio(top, true)
	mratio, _ := f.Ratio(top, false)
	res.summary = fmt.Sprintf("# %s: %s; largest singular values: %s; loss at step T %.4f, mean loss %.4f; ||dL_T/d%s_1|| / ||dL_T/d%s_T|| = %s, for the mean loss %.3e",
		res.label, what, strings.Join(sig, ", "), f.LossLast, f.LossMean, top, top, ratioString(ratio, f.Last[0]), mratio)
	return res, nil
}

// writeTable writes the header and one row per step: t, then for each run
// and watched state the norm for the last-step loss and for the mean loss.
func writeTable(w io.Writer, results []result, sep, num string) error {
	cols := []string{"t"}
	for _, r := range results {
		for _, s := range r.flow.States {
			for _, l := range []string{"last", "mean"} {
				cols = append(cols, strings.ReplaceAll(fmt.Sprintf("%s/%s/%s", r.label, s, l), sep, "_"))
			}
		}
	}
	if _, err := fmt.Fprintln(w, strings.Join(cols, sep)); err != nil {
		return err
	}
	T := results[0].flow.NumSteps
	for t := 0; t < T; t++ {
		row := []string{strconv.Itoa(t + 1)}
		for _, r := range results {
			for i := range r.flow.States {
				row = append(row, fmt.Sprintf(num, r.flow.Last[i][t]), fmt.Sprintf(num, r.flow.Mean[i][t]))
			}
		}
		if _, err := fmt.Fprintln(w, strings.Join(row, sep)); err != nil {
			return err
		}
	}
	return nil
}

func plotFlow(w io.Writer, o *options, results []result) error {
	var curves []report.FlowCurve
	colour := -1
	for _, r := range results {
		for si, s := range r.flow.States {
			colour++
			if o.plotLoss != "mean" {
				curves = append(curves, report.FlowCurve{Label: fmt.Sprintf("%s: ||dL_T/d%s_t||", r.label, s), Norms: r.flow.Last[si], Colour: colour})
			}
			if o.plotLoss != "last" {
				curves = append(curves, report.FlowCurve{Label: fmt.Sprintf("%s: ||dL/d%s_t|| (mean loss)", r.label, s), Norms: r.flow.Mean[si], Dashed: true, Colour: colour})
			}
		}
	}
	title := fmt.Sprintf("gradient through time, T = %d", o.steps)
	format := strings.TrimPrefix(strings.ToLower(filepath.Ext(o.plot)), ".")
	return report.DrawFlow(w, format, title, "gradient norm", curves)
}

// writeFile writes what write produces to path through a temporary file
// in the same directory, renamed into place.
func writeFile(path string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-gradflow-*")
	if err != nil {
		return fmt.Errorf("cannot write %s: %v", path, err)
	}
	err = write(tmp)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("cannot write %s: %v", path, err)
	}
	return nil
}

// ratioString prints a ratio of norms, saying so when the earlier norm
// fell below float64's range (underflow to 0) and at which step.
func ratioString(r float64, norms []float64) string {
	if r != 0 {
		return fmt.Sprintf("%.3e", r)
	}
	t := 0
	for t < len(norms) && norms[t] == 0 {
		t++
	}
	return fmt.Sprintf("0 (below float64's range, about 1e-308, for t <= %d)", t)
}
