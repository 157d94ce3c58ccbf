// Command train trains the book's character-level language model (D2L,
// chapter 8) on The Time Machine, or any text, and reports perplexity and
// tokens/sec per epoch, then the book's final line and predictions.
//
//	go run ./cmd/train -steps 35
//	go run ./cmd/train -model mlp -epochs 50 -data my.txt
//	go run ./cmd/train -preset book-scratch -val-frac 0.1 -checkpoint ckpt -metrics m.jsonl -plot ppl.png
//	go run ./cmd/train -checkpoint ckpt -resume -epochs 1000
//
// It prints the effective configuration first. With -checkpoint DIR it
// saves checkpoints (see package train) that -resume continues exactly and
// that cmd/sample and cmd/inspect read. Every flag, the text and every
// output path are checked before the first epoch. SIGINT or SIGTERM lets
// the minibatch finish, saves a checkpoint of that point (with
// -checkpoint), prints the command that continues the run and exits with
// 130 or 143. docs/errors.md lists every bad input and what it prints.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/pflag"
	"github.com/unroll/unroll/datasets"
	"github.com/unroll/unroll/graph"
	"github.com/unroll/unroll/internal/cli"
	"github.com/unroll/unroll/models"
	"github.com/unroll/unroll/train"
	"gorgonia.org/tensor"
)

func main() {
	// SIGINT or SIGTERM cancels ctx: training finishes its minibatch, a
	// checkpoint is saved (with -checkpoint) and the exit status is 130 or
	// 143. A second signal ends the process at once.
	ctx, stop := cli.SignalContext(context.Background())
	progName = commandName(os.Args[0])
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// progName is how the command was started, for the resume command line it
// prints on an interrupt.
var progName = "train"

// commandName returns how to start this program again: "go run
// ./cmd/train" when it was built by go run, else the path it was started
// by.
func commandName(arg0 string) string {
	if strings.Contains(arg0, "go-build") {
		return "go run ./cmd/train"
	}
	return arg0
}

// options are the command's flags, with the book's defaults.
type options struct {
	data, corpus      string
	maxTokens         int
	model, activation string
	hiddens           int
	layers            int
	bidirectional     bool
	init              string
	train             train.Config
	iter              string
	predictEvery      int
	dot               string

	preset                  string
	valFrac                 float64
	earlyStop               int
	checkpoint              string
	checkpointEvery, keep   int
	resume                  bool
	metrics, plot, progress string
	plotEvery               int
	args                    []string          // the command line, for the resume hint
	groups                  []cli.Group       // for the configuration block
	sources                 map[string]string // flag name -> "flag", "preset" or a note
	cpuProfile              string
}

func flags(o *options) *pflag.FlagSet {
	d := train.DefaultConfig()
	preset := pflag.NewFlagSet("preset", pflag.ContinueOnError)
	preset.StringVar(&o.preset, "preset", "", "the book's runs: "+presetHelp()+"; explicit flags override it")

	data := pflag.NewFlagSet("data", pflag.ContinueOnError)
	data.StringVar(&o.corpus, "corpus", "auto", "text to train on: auto (The Time Machine, else Newton's Opticks from GOROOT), timemachine, opticks")
	data.StringVar(&o.data, "data", "", "train on this local text file instead of -corpus")
	data.IntVar(&o.maxTokens, "max-tokens", datasets.DefaultMaxTokens, "use only the first N characters (<= 0: all)")

	model := pflag.NewFlagSet("model", pflag.ContinueOnError)
	model.StringVar(&o.model, "model", "rnn", "the cell: "+strings.Join(models.Kinds(), ", ")+" (rnn: 8.5, gru: 9.1, lstm: 9.2, mlp: no state, the section's baseline)")
	model.IntVar(&o.hiddens, "hiddens", 512, "hidden units (num_hiddens)")
	model.IntVar(&o.layers, "layers", 1, "stacked layers (num_layers, 9.3)")
	model.BoolVar(&o.bidirectional, "bidirectional", false, "a backward layer beside each forward one (9.4)")
	model.StringVar(&o.init, "init", "book", "weight initialisation: book (N(0, 0.01^2), zero biases) or pytorch (as nn.GRU/nn.LSTM/nn.Linear draw)")
	model.StringVar(&o.activation, "activation", "tanh", "hidden activation phi: tanh or relu")

	opt := pflag.NewFlagSet("optimisation", pflag.ContinueOnError)
	opt.IntVar(&o.train.NumSteps, "steps", d.NumSteps, "time steps unrolled per minibatch (num_steps)")
	opt.IntVar(&o.train.BatchSize, "batch", d.BatchSize, "sequences per minibatch (batch_size)")
	opt.IntVar(&o.train.Epochs, "epochs", d.Epochs, "passes over the corpus (num_epochs)")
	opt.Float64Var(&o.train.LR, "lr", d.LR, "SGD learning rate")
	opt.Float64Var(&o.train.Clip, "clip", d.Clip, "clip gradients to this global L2 norm (theta); 0: off")
	opt.StringVar(&o.iter, "iter", "sequential", "minibatch sampling: sequential (state carried) or random (state reset)")
	opt.StringVar(&o.train.Optimizer, "optimizer", "sgd", "sgd (the book's) or adam (PyTorch's Adam, betas 0.9/0.999, eps 1e-8; lr 0.002 unless -lr is given)")
	opt.StringVar(&o.train.Schedule.Kind, "lr-schedule", "constant", "learning rate per epoch: constant; step (times -lr-gamma every -lr-step epochs); cosine (from -lr down to -lr-min at -epochs)")
	opt.IntVar(&o.train.Schedule.Step, "lr-step", 100, "step schedule: epochs between decays")
	opt.Float64Var(&o.train.Schedule.Gamma, "lr-gamma", 0.1, "step schedule: factor per decay")
	opt.Float64Var(&o.train.Schedule.MinLR, "lr-min", 0, "cosine schedule: the rate reached at the last epoch")

	val := pflag.NewFlagSet("validation", pflag.ContinueOnError)
	val.Float64Var(&o.valFrac, "val-frac", 0, "hold out this fraction at the end of the (cut) text for validation perplexity; 0: off")
	val.IntVar(&o.train.ValEvery, "val-every", 1, "evaluate validation perplexity every N epochs")
	val.IntVar(&o.earlyStop, "early-stop", 0, "stop when validation perplexity has not improved for N evaluations; 0: off")

	ck := pflag.NewFlagSet("checkpoints", pflag.ContinueOnError)
	ck.StringVar(&o.checkpoint, "checkpoint", "", "save checkpoints in this directory (DIR/epoch-NNNNNN, DIR/latest, DIR/best)")
	ck.IntVar(&o.checkpointEvery, "checkpoint-every", 1, "save every N epochs (and at the last, and at each new best validation perplexity)")
	ck.IntVar(&o.keep, "keep", 3, "keep the N newest checkpoints (and the best); 0: all")
	ck.BoolVar(&o.resume, "resume", false, "continue the run in -checkpoint DIR from its latest checkpoint, up to -epochs")

	book := pflag.NewFlagSet("bookkeeping", pflag.ContinueOnError)
	book.Int64Var(&o.train.Seed, "seed", 0, "seed for weights and sampling: same seed, same run")
	book.IntVar(&o.predictEvery, "predict-every", 10, "print predictions every N epochs (0: off)")
	book.StringVar(&o.dot, "dot", "", "write the training graph as graphviz DOT to this file (.svg or .png: rendered by graphviz's dot)")
	book.StringVar(&o.progress, "progress", "auto", "auto (a progress bar on a terminal, else one line per epoch), bar, or lines")
	book.StringVar(&o.metrics, "metrics", "", "write one JSON line per epoch to this file")
	book.BoolVar(&o.train.GradFlow, "grad-flow", false, "add to each epoch's line and metrics ||dL/dH_1|| / ||dL/dH_T|| on its last minibatch and how many minibatches were clipped")
	book.StringVar(&o.plot, "plot", "", "draw perplexity per epoch to this .png, .svg or .pdf at the end")
	book.IntVar(&o.plotEvery, "plot-every", 0, "also redraw -plot every N epochs; 0: only at the end")
	book.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of training (go tool pprof) to this file")

	o.groups = []cli.Group{
		{Title: "Preset", Flags: preset},
		{Title: "Data", Flags: data},
		{Title: "Model", Flags: model},
		{Title: "Optimisation", Flags: opt},
		{Title: "Validation", Flags: val},
		{Title: "Checkpoints", Flags: ck},
		{Title: "Bookkeeping", Flags: book},
	}
	return cli.NewFlagSet("train", "train: the book's character-level RNN language model (D2L chapter 8)", o.groups...)
}

// usageError is a bad flag value: exit status 2.
type usageError struct{ error }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) (code int) {
	defer cli.Recover("train", stderr, &code)
	var o options
	o.args = args
	fs := flags(&o)
	if done, code := cli.Parse(fs, args, stderr); done {
		return code
	}
	err := applyPreset(fs, &o)
	if err == nil {
		err = trainRun(ctx, &o, stdout, stderr)
	}
	var ue usageError
	var ie *interruptError
	switch {
	case err == nil:
		return cli.ExitOK
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "train: %s (see train -h)\n", trimPackage(ue.Error()))
		return cli.ExitUsage
	case errors.As(err, &ie):
		fmt.Fprintf(stderr, "train: %s\n", ie.msg)
		return ie.code
	case errors.Is(err, context.Canceled):
		// Interrupted before training started (while loading the data).
		sig, code := signalOf(ctx)
		fmt.Fprintf(stderr, "train: interrupted by %s before training started: nothing to save\n", sig)
		return code
	default:
		fmt.Fprintf(stderr, "train: %s\n", trimPackage(err.Error()))
		return cli.ExitRuntime
	}
}

// trimPackage drops the package name that starts the errors of this
// module's packages: the command's name replaces it.
func trimPackage(msg string) string {
	for _, p := range []string{"train: ", "datasets: ", "models: ", "graph: "} {
		msg = strings.TrimPrefix(msg, p)
	}
	return msg
}

// interruptError is an interrupt by a signal, handled: msg says what was
// saved and how to continue, code is the exit status (130 for SIGINT, 143
// for SIGTERM).
type interruptError struct {
	msg  string
	code int
}

func (e *interruptError) Error() string { return e.msg }

// signalOf names the signal that cancelled ctx and its exit status
// (SIGINT and 130 when ctx was cancelled otherwise).
func signalOf(ctx context.Context) (string, int) {
	if se, ok := cli.Interrupted(ctx); ok {
		if s, ok := se.Signal.(syscall.Signal); ok && s == syscall.SIGTERM {
			return "SIGTERM", se.ExitCode()
		}
		return "SIGINT", se.ExitCode()
	}
	return "SIGINT", 128 + int(syscall.SIGINT)
}

// interrupted handles a run stopped by a signal between two minibatches:
// it saves a checkpoint of that point (with -checkpoint) and says how to
// continue.
func interrupted(ctx context.Context, o *options, tr *train.Trainer, out *outputs) error {
	sig, code := signalOf(ctx)
	k, _ := tr.Interrupted()
	where := fmt.Sprintf("in epoch %d after %d minibatches", tr.EpochsDone()+1, k)
	if k == 0 {
		where = fmt.Sprintf("after epoch %d", tr.EpochsDone())
	}
	cerr := out.close(false)
	if out.cp == nil {
		return &interruptError{fmt.Sprintf("interrupted by %s %s; nothing saved (no -checkpoint DIR): pass -checkpoint DIR to be able to resume a run", sig, where), code}
	}
	name, err := out.cp.Interrupted()
	if err != nil {
		return &interruptError{fmt.Sprintf("interrupted by %s %s, but saving the checkpoint failed: %s", sig, where, strings.TrimPrefix(err.Error(), "train: ")), cli.ExitRuntime}
	}
	if name == "" {
		return &interruptError{fmt.Sprintf("interrupted by %s before the first minibatch: nothing to save", sig), code}
	}
	msg := fmt.Sprintf("interrupted by %s %s: saved %s; continue with: %s", sig, where, filepath.Join(o.checkpoint, name), resumeCommand(o.args))
	if cerr != nil {
		msg += fmt.Sprintf(" (note: %s)", strings.TrimPrefix(cerr.Error(), "train: "))
	}
	return &interruptError{msg, code}
}

// diverged adds to a divergence error where the last good checkpoint is.
func diverged(err error, o *options, out *outputs) error {
	msg := strings.TrimPrefix(err.Error(), "train: ")
	if out.cp == nil {
		return fmt.Errorf("%s (nothing was saved: no -checkpoint DIR)", msg)
	}
	ck, cerr := train.OpenCheckpoint(o.checkpoint)
	if cerr != nil {
		return fmt.Errorf("%s (no checkpoint was saved before it)", msg)
	}
	return fmt.Errorf("%s; the last good checkpoint, %s (epoch %d), is kept: continue from it by adding -resume and a lower -lr", msg, ck.Path, ck.Epoch)
}

// failed adds to an error that stopped training (a write error while
// saving, say) which checkpoint is intact and how to continue from it.
func failed(err error, o *options, out *outputs) error {
	if out.cp == nil {
		return err
	}
	ck, cerr := train.OpenCheckpoint(o.checkpoint)
	if cerr != nil {
		return err
	}
	return fmt.Errorf("%s; the latest checkpoint, %s (epoch %d), is intact: once fixed, continue with: %s",
		strings.TrimPrefix(err.Error(), "train: "), ck.Path, ck.Epoch, resumeCommand(o.args))
}

// resumeCommand is the command line that continues this run: the same
// flags, and -resume.
func resumeCommand(args []string) string {
	parts := []string{shellQuote(progName)}
	hasResume := false
	for _, a := range args {
		if a == "-resume" || a == "--resume" || a == "-resume=true" || a == "--resume=true" {
			hasResume = true
		}
		parts = append(parts, shellQuote(a))
	}
	if !hasResume {
		parts = append(parts, "-resume")
	}
	return strings.Join(parts, " ")
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_=./:,+@%") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// checkMemory refuses sizes that cannot fit in memory (a typo such as
// -hiddens 51200), before anything is allocated.
func (o *options) checkMemory(mc models.Config) error {
	size, err := models.SizeOf(mc)
	if err != nil {
		return usageError{err}
	}
	if err := cli.CheckMemory(trainBytes(size, mc.VocabSize, o.hiddens, o.train.BatchSize, o.train.NumSteps),
		fmt.Sprintf("-model %s -hiddens %d -layers %d with -batch %d -steps %d", o.model, o.hiddens, o.layers, o.train.BatchSize, o.train.NumSteps),
		"lower -hiddens (the book uses 512), -layers, -batch or -steps"); err != nil {
		return usageError{err}
	}
	return nil
}

// trainBytes is a rough upper estimate of a training run's memory: 4-byte
// values; the parameters 5 times (values, gradients, Adam's two moments,
// one spare copy); and about 30 values per token and unit of each
// (hiddens x hiddens) block of the unrolled graph (the book's RNN, B=32,
// T=35, H=512, V=28, measured at 55-60 MB per minibatch, is about 25).
func trainBytes(size models.Size, vocab, hiddens, batch, steps int) float64 {
	v, h, b, t := float64(vocab), float64(hiddens), float64(batch), float64(steps)
	return 4 * (5*size.Params + 30*b*t*(max(size.SquareMatrices, 1)*h+v))
}

// modelConfig is the model the flags describe.
func (o *options) modelConfig(vocab int, act models.Activation) models.Config {
	init, _ := models.ParseInit(o.init) // checked by check
	return models.Config{Kind: o.model, VocabSize: vocab, NumHiddens: o.hiddens, NumLayers: o.layers,
		Bidirectional: o.bidirectional, Activation: act, Init: init, Dtype: tensor.Float32, Seed: uint64(o.train.Seed)}
}

// check validates every flag before anything is loaded or trained.
func (o *options) check() (datasets.Source, models.Activation, error) {
	src, err := datasets.ParseSource(o.corpus)
	if err != nil {
		return "", 0, usageError{err}
	}
	if o.train.Sampling, err = datasets.ParseSampling(o.iter); err != nil {
		return "", 0, usageError{err}
	}
	act, err := models.ParseActivation(o.activation)
	if err != nil {
		return "", 0, usageError{err}
	}
	if !slices.Contains(models.Kinds(), o.model) {
		return "", 0, usageError{fmt.Errorf("unknown -model %q: use one of the registered cells: %s", o.model, strings.Join(models.Kinds(), ", "))}
	}
	if o.hiddens < 1 {
		return "", 0, usageError{fmt.Errorf("-hiddens must be >= 1, got %d", o.hiddens)}
	}
	if o.layers < 1 {
		return "", 0, usageError{fmt.Errorf("-layers must be >= 1, got %d", o.layers)}
	}
	if _, err := models.ParseInit(o.init); err != nil {
		return "", 0, usageError{fmt.Errorf("unknown -init %q: use book or pytorch", o.init)}
	}
	if err := o.train.Validate(); err != nil {
		return "", 0, usageError{errors.New(strings.TrimPrefix(err.Error(), "train: "))}
	}
	if o.train.Clip < 0 {
		return "", 0, usageError{fmt.Errorf("-clip must be >= 0, got %v", o.train.Clip)}
	}
	if err := o.checkNew(); err != nil {
		return "", 0, usageError{err}
	}
	// Where the run writes must be writable now, not after hours of
	// training (these may create the directories).
	for _, f := range [][2]string{{"-metrics", o.metrics}, {"-plot", o.plot}, {"-dot", o.dot}} {
		if f[1] != "" {
			if err := cli.CheckWritableFile(f[0], f[1]); err != nil {
				return "", 0, err
			}
		}
	}
	if o.checkpoint != "" {
		if err := cli.CheckWritableDir("-checkpoint", o.checkpoint); err != nil {
			return "", 0, err
		}
	}
	return src, act, nil
}

func trainRun(ctx context.Context, o *options, stdout, stderr io.Writer) error {
	src, act, err := o.check()
	if err != nil {
		return err
	}
	printConfig(stdout, o)
	text, name, notice, err := (&datasets.Fetcher{}).Load(ctx, src, o.data)
	if err != nil {
		return err
	}
	if notice != "" {
		fmt.Fprintln(stderr, notice)
	}
	corpus, err := datasets.LoadCorpus(text, name, datasets.Char, o.maxTokens)
	if err != nil {
		return err
	}
	mc := o.modelConfig(corpus.Vocab.Len(), act)
	if err := o.checkMemory(mc); err != nil {
		return err
	}
	m, err := models.New(mc)
	if err != nil {
		return err
	}
	trainIDs, valIDs := splitValidation(corpus.IDs, o.valFrac)
	tr, err := train.New(m, trainIDs, o.train)
	if err != nil {
		return err
	}
	if o.dot != "" {
		if err := graph.WriteDOTFile(tr.Graph(), o.dot, graph.DOTOptions{Summarize: 2}); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "train: graph written to %s\n", o.dot)
	}
	gen, err := train.NewGenerator(m)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "corpus %s: %d lines, %d characters, %d used, vocab %d\n",
		corpus.Name, len(corpus.Lines), corpus.FullLen, len(corpus.IDs), corpus.Vocab.Len())
	if len(valIDs) > 0 {
		if err := tr.SetValidation(valIDs); err != nil {
			return usageError{errors.New(strings.TrimPrefix(err.Error(), "train: "))}
		}
		b, nb, n := tr.ValidationShape()
		fmt.Fprintf(stdout, "validation: the last %d tokens (%g of %d); %d scored per evaluation in %d minibatches of %d x %d, every %d epochs\n",
			len(valIDs), o.valFrac, len(corpus.IDs), n, nb, b, o.train.NumSteps, max(o.train.ValEvery, 1))
	}
	info, err := runInfo(o, m, corpus, len(trainIDs), len(valIDs))
	if err != nil {
		return err
	}
	u := tr.Graph()
	cores := fmt.Sprintf("%d cores", graph.Cores())
	if graph.Cores() == 1 {
		cores = "1 core"
	}
	fmt.Fprintf(stdout, "graph: %d nodes, built in %.1f ms, compiled in %.1f ms; %s, %s used\n",
		u.Graph.AllNodes().Len(), ms(u.BuildTime), ms(u.CompileTime), graph.BLAS(), cores)
	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	if o.resume {
		if err := resume(o, tr, info, stdout); err != nil {
			return err
		}
	}

	out, err := newOutputs(o, tr, info, stdout)
	if err != nil {
		return err
	}
	prefixes := []string{"time traveller", "traveller"}
	var speeds []float64
	speed := train.HookFunc(func(s train.EpochStats) error { speeds = append(speeds, s.TokensPerSec); return nil })
	tr.Hooks = append(tr.Hooks, speed)
	tr.Hooks = append(tr.Hooks, out.hooks(o, gen, corpus.Vocab, prefixes[0])...)
	last, err := tr.Run(ctx)
	switch {
	case errors.Is(err, context.Canceled):
		return interrupted(ctx, o, tr, out)
	case errors.Is(err, train.ErrDiverged):
		out.close(false)
		return diverged(err, o, out)
	}
	if cerr := out.close(err == nil); err == nil {
		err = cerr
	}
	if err != nil {
		return failed(err, o, out)
	}
	if r := tr.StopReason(); r != "" {
		fmt.Fprintf(stdout, "stopped after epoch %d: %s\n", tr.EpochsDone(), r)
	}
	fmt.Fprintf(stdout, "median %.1f tokens/sec over the %d epochs of this run\n", median(speeds), len(speeds))
	if s := graph.Sharing(); s.Solo > 0 {
		fmt.Fprintf(stdout, "split work: %d jobs shared over %d cores, %d run on one core while sharing did not pay (%d pauses)\n",
			s.Shared, graph.Cores(), s.Solo, s.Pauses)
	}
	fmt.Fprintf(stdout, "perplexity %.1f, %.1f tokens/sec on cpu\n", last.Perplexity, last.TokensPerSec)
	for _, p := range prefixes {
		s, err := gen.PredictChars(corpus.Vocab, p, 50)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, s)
	}
	return nil
}

// splitValidation holds out the last round(frac*len(ids)) tokens.
func splitValidation(ids []int, frac float64) (trainIDs, valIDs []int) {
	n := int(math.Round(frac * float64(len(ids))))
	return ids[: len(ids)-n : len(ids)-n], ids[len(ids)-n:]
}

// ms returns d in milliseconds.
func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1e3 }

// median returns the median of xs (the mean of the middle two for an even
// count), as Python's statistics.median does; 0 for none.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(xs))
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
