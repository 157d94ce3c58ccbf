// Command train trains the book's character-level language model (D2L,
// chapter 8) on The Time Machine, or any text, and reports perplexity and
// tokens/sec per epoch, then the book's final line and predictions.
//
//	go run ./cmd/train -steps 35
//	go run ./cmd/train -model mlp -epochs 50 -data my.txt
//	go run ./cmd/train -data german.txt -preprocess unicode -prefix "Es war"
//	go run ./cmd/train -tokens word -min-freq 2 -max-tokens 0 -hiddens 256
//	go run ./cmd/train -preset book-scratch -val-frac 0.1 -checkpoint runs/ckpt -metrics runs/m.jsonl -plot runs/ppl.png
//	go run ./cmd/train -checkpoint runs/ckpt -resume -epochs 1000
//	go run ./cmd/train -model lstm -hiddens 256 -init-from lstm-init.npz
//
// It checks every flag, the text and every output path, then prints the
// effective configuration, the corpus and a line saying what the
// preprocessing dropped (before the graph is compiled). With -checkpoint
// DIR it saves checkpoints (see package train) that -resume continues
// exactly and that cmd/sample and cmd/inspect read. With -init-from
// FILE.npz a new run starts from the weights in FILE (named as the
// model's parameters; scripts/torch_init.py writes PyTorch's). SIGINT, SIGTERM,
// SIGHUP or SIGQUIT lets the minibatch finish, saves a checkpoint of that
// point (with -checkpoint), prints a command that continues the run
// (pasteable, also under go run) and exits with 128 + the signal's number
// (130, 143, 129, 131). docs/errors.md lists every bad input and what it
// prints.
package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
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
	// SIGINT, SIGTERM, SIGHUP or SIGQUIT cancels ctx: training finishes its
	// minibatch, a checkpoint is saved (with -checkpoint) and the exit
	// status is 128 + the signal's number (130, 143, 129, 131). Before
	// training (reading the text, compiling the graph) the run ends at
	// once. A second signal ends the process at once.
	ctx, stop := cli.SignalContext(context.Background())
	progName = relaunch(os.Args[0])
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// progName is how to start this program again, shell-quoted, for the
// command line it prints on an interrupt (see relaunch).
var progName = "train"

// options are the command's flags, with the book's defaults.
type options struct {
	data, corpus      string
	maxTokens         int
	tokens            string // -tokens, -preprocess, -min-freq: see text.go
	preprocess        string
	minFreq           int
	prefix            string
	model, activation string
	hiddens           int
	layers            int
	bidirectional     bool
	init              string
	initSeed          uint64 // -init-seed; -seed when not given
	initFrom          string // -init-from FILE.npz: see initfrom.go
	train             train.Config
	iter              string
	predictEvery      int
	dot               string

	preset                  string
	valFrac                 float64
	earlyStop               int
	checkpoint              string
	checkpointEvery, keep   int
	resume, overwrite       bool
	releaseCheckpoint       func() // the -checkpoint DIR's lock
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
	data.IntVar(&o.maxTokens, "max-tokens", datasets.DefaultMaxTokens, "use only the first N tokens (characters, or words with -tokens word; <= 0: all)")
	data.StringVar(&o.tokens, "tokens", "char", "char (the chapter's language model) or word (the book's tokenize(lines, 'word'))")
	data.StringVar(&o.preprocess, "preprocess", "book", "book (the book's: letters a-z lower-cased, everything else a space); unicode (the letters of every script, lower-cased); raw (the text as it is)")
	data.IntVar(&o.minFreq, "min-freq", 0, "tokens seen fewer times are left out of the vocabulary and read as <unk> (the book's Vocab min_freq)")

	model := pflag.NewFlagSet("model", pflag.ContinueOnError)
	model.StringVar(&o.model, "model", "rnn", "the cell: "+strings.Join(models.Kinds(), ", ")+" (rnn: 8.5, gru: 9.1, lstm: 9.2, mlp: no state, the section's baseline)")
	model.IntVar(&o.hiddens, "hiddens", 512, "hidden units (num_hiddens)")
	model.IntVar(&o.layers, "layers", 1, "stacked layers (num_layers, 9.3)")
	model.BoolVar(&o.bidirectional, "bidirectional", false, "a backward layer beside each forward one (9.4)")
	model.StringVar(&o.init, "init", "book", "weight initialisation: book (N(0, 0.01^2), zero biases) or pytorch (as nn.GRU/nn.LSTM/nn.Linear draw)")
	model.StringVar(&o.initFrom, "init-from", "", "start from the weights in this .npz, named as the model's parameters (W_xh, W_hh, b_h, W_hq, b_q; l1.W_hh; ...), e.g. PyTorch's from scripts/torch_init.py; instead of -init")
	model.StringVar(&o.activation, "activation", "tanh", "hidden activation phi: tanh or relu")
	model.Uint64Var(&o.initSeed, "init-seed", 0, "seed of the initial weights alone (default: -seed); vary -seed with it fixed to change only the minibatch sampling")

	opt := pflag.NewFlagSet("optimisation", pflag.ContinueOnError)
	opt.IntVar(&o.train.NumSteps, "steps", d.NumSteps, "time steps unrolled per minibatch (num_steps)")
	opt.IntVar(&o.train.ChunkSteps, "chunk-steps", 0, fmt.Sprintf("compile at most this many steps as one graph; longer -steps run in chunks: compile time linear in -steps, at the price of a second forward pass over all but the last chunk (and with less memory); 0: %d; -1: never chunk", graph.DefaultChunkSteps))
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
	ck.BoolVar(&o.overwrite, "overwrite", false, "start a new run in a -checkpoint DIR that holds another run's checkpoints, removing them")

	book := pflag.NewFlagSet("bookkeeping", pflag.ContinueOnError)
	book.Uint64Var(&o.train.Seed, "seed", 0, "seed of the minibatch sampling and, unless -init-seed is given, of the initial weights: same seed, same run")
	book.IntVar(&o.predictEvery, "predict-every", 10, "print predictions every N epochs (0: off)")
	book.StringVar(&o.prefix, "prefix", "", "the prompt of the predictions (default: \"time traveller\" on The Time Machine, else the text's first words)")
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
		fmt.Fprintf(stderr, "train: %s (see train -h)\n", trimPackage(flagError(ue.error).Error()))
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
		fmt.Fprintf(stderr, "train: %s\n", trimPackage(flagError(err).Error()))
		return cli.ExitRuntime
	}
}

// trimPackage drops the package name that starts the errors of this
// module's packages, for the errors that no flag can fix (I/O, say) and
// so have no typed form for flagError: the command's name replaces it.
func trimPackage(msg string) string {
	for _, p := range []string{"train: ", "datasets: ", "models: ", "graph: "} {
		msg = strings.TrimPrefix(msg, p)
	}
	return msg
}

// interruptError is an interrupt by a signal, handled: msg says what was
// saved and how to continue, code is the exit status (128 + the signal's
// number: 130 for SIGINT, 143 for SIGTERM, 129 for SIGHUP, 131 for
// SIGQUIT).
type interruptError struct {
	msg  string
	code int
}

func (e *interruptError) Error() string { return e.msg }

// signalOf names the signal that cancelled ctx and its exit status
// (SIGINT and 130 when ctx was cancelled otherwise).
func signalOf(ctx context.Context) (string, int) {
	if se, ok := cli.Interrupted(ctx); ok {
		return cli.SignalName(se.Signal), se.ExitCode()
	}
	return "SIGINT", 128 + int(syscall.SIGINT)
}

// interrupted handles a run stopped by a signal between two minibatches:
// it saves a checkpoint of that point (with -checkpoint) and says how to
// continue.
func interrupted(ctx context.Context, o *options, tr *train.Trainer, out *outputs) error {
	sig, code := signalOf(ctx)
	k, _ := tr.Interrupted()
	where := fmt.Sprintf("in epoch %d after %s", tr.EpochsDone()+1, plural(k, "minibatch", "minibatches"))
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
	msg := divergedText(err)
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
	parts := []string{progName}
	hasResume := false
	for i := 0; i < len(args); i++ {
		a := args[i]
		if n := initFromArgs(args[i:]); n > 0 {
			i += n - 1 // the resumed run continues the checkpoint's weights
			continue
		}
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
		Bidirectional: o.bidirectional, Activation: act, Init: init, Dtype: tensor.Float32, Seed: o.initSeed}
}

// writes are the paths the run writes.
func (o *options) writes() []cli.PathUse {
	return []cli.PathUse{{Flag: "-checkpoint", Path: o.checkpoint, Dir: true}, {Flag: "-metrics", Path: o.metrics},
		{Flag: "-plot", Path: o.plot}, {Flag: "-dot", Path: o.dot}, {Flag: "-cpuprofile", Path: o.cpuProfile}}
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
	if _, err := o.textOptions(); err != nil {
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
		return "", 0, usageError{configFlagError(err)}
	}
	if o.train.Clip < 0 {
		return "", 0, usageError{fmt.Errorf("-clip must be >= 0, got %v", o.train.Clip)}
	}
	if err := o.checkNew(); err != nil {
		return "", 0, usageError{err}
	}
	if o.sources["data"] == "*" && o.data == "" {
		return "", 0, usageError{fmt.Errorf("-data is empty: pass a text file, or drop -data to train on -corpus")}
	}
	// No output may overwrite an input, another output, or a file of the
	// checkpoint directory.
	if err := cli.CheckPaths(o.writes(), []cli.PathUse{{Flag: "-data", Path: o.data}, {Flag: "-init-from", Path: o.initFrom}}); err != nil {
		return "", 0, usageError{err}
	}
	// Where the run writes must be writable now, not after hours of
	// training (these may create the directories).
	for _, f := range [][2]string{{"-metrics", o.metrics}, {"-plot", o.plot}, {"-dot", o.dot}, {"-cpuprofile", o.cpuProfile}} {
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
		if o.releaseCheckpoint, err = claimCheckpointDir(o); err != nil {
			return "", 0, err
		}
	}
	return src, act, nil
}

func trainRun(ctx context.Context, o *options, stdout, stderr io.Writer) (err error) {
	src, act, err := o.check()
	if o.releaseCheckpoint != nil {
		defer o.releaseCheckpoint()
	}
	if err != nil {
		return err
	}
	copts, _ := o.textOptions() // checked by o.check
	// Every input that needs no graph is checked before anything is
	// printed: the report waits in head, so that a bad input gets its one
	// line alone.
	realStdout := stdout
	var head bytes.Buffer
	stdout = &head
	// Streamed: only the first -max-tokens tokens are kept, whatever the
	// text's size, and a signal stops the read.
	corpus, notice, err := (&datasets.Fetcher{DataName: "-data PATH"}).Corpus(ctx, src, o.data, copts)
	if err != nil {
		return err
	}
	if notice != "" {
		fmt.Fprintln(stderr, notice)
	}
	if o.data == "" {
		// The corpus came from the cache or GOROOT: no output may
		// overwrite it either.
		if err := cli.CheckPaths(o.writes(), []cli.PathUse{{Flag: "-corpus", Path: corpus.Name}}); err != nil {
			return usageError{err}
		}
	}
	if n := len(corpus.IDs); o.valFrac > 0 && math.Round(o.valFrac*float64(n)) == 0 {
		return usageError{fmt.Errorf("-val-frac %g holds no token of the %d used: raise it to at least %.2g, or set 0 to train without validation", o.valFrac, n, 1/float64(n))}
	}
	prefixes := []string{o.prefix}
	if o.prefix == "" {
		prefixes = defaultPrefixes(corpus)
		o.prefix = prefixes[0] // recorded in the checkpoints' settings: cmd/sample's default
	}
	pred := predictor{c: corpus, n: 50, note: stderr}
	if err := pred.checkPrefixes(prefixes); err != nil {
		return err
	}
	mc := o.modelConfig(corpus.Vocab.Len(), act)
	if err := o.checkMemory(mc); err != nil {
		return err
	}
	// Before the graph is built (compiling a long one takes a while): the
	// configuration and the corpus.
	printConfig(stdout, o)
	unit := "characters"
	if copts.Tokens == datasets.Word {
		unit = "words"
	}
	fmt.Fprintf(stdout, "corpus %s: %s, %d %s, %d used, vocab %d\n",
		corpus.Name, plural(corpus.NumLines, "line", "lines"), corpus.FullLen, unit, len(corpus.IDs), corpus.Vocab.Len())
	fmt.Fprintln(stdout, textSummary(corpus))
	m, err := models.New(mc)
	if err != nil {
		return err
	}
	if err := o.loadInit(m, mc); err != nil {
		return err
	}
	if _, err := head.WriteTo(realStdout); err != nil {
		return err
	}
	trainIDs, valIDs := splitValidation(corpus.IDs, o.valFrac)
	// Building and compiling a long unrolled graph takes a while: a
	// signal ends the wait (nothing is saved yet, so nothing is lost).
	tr, err := whileNotInterrupted(ctx, func() (*train.Trainer, error) { return train.New(m, trainIDs, o.train) })
	if err != nil {
		return err
	}
	if o.dot != "" {
		g := tr.Graph()
		if g.BatchSize != o.train.BatchSize {
			// The minibatch runs as blocks of sequences (graph.Parallel):
			// draw a graph of the whole batch, with its shapes.
			whole, err := graph.Unroll(m, graph.Config{BatchSize: o.train.BatchSize, NumSteps: g.NumSteps, Loss: true})
			if err != nil {
				return err
			}
			defer whole.Close()
			g = whole
		}
		if err := graph.WriteDOTFile(g, o.dot, graph.DOTOptions{Summarize: 2}); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "train: graph written to %s\n", o.dot)
	}
	gen, err := train.NewGenerator(m)
	if err != nil {
		return err
	}
	pred.gen = gen
	if len(valIDs) > 0 {
		if err := tr.SetValidation(valIDs); err != nil {
			return usageError{flagError(err)}
		}
		b, nb, n := tr.ValidationShape()
		fmt.Fprintf(stdout, "validation: the last %d tokens (%g of %d); %d scored per evaluation in %s of %d x %d, %s\n",
			len(valIDs), o.valFrac, len(corpus.IDs), n, plural(nb, "minibatch", "minibatches"), b, o.train.NumSteps, every(o.train.ValEvery))
	}
	info, err := runInfo(o, m, corpus, len(trainIDs), len(valIDs))
	if err != nil {
		return err
	}
	sum := tr.Compiled()
	cores := fmt.Sprintf("%d cores", graph.Cores())
	if graph.Cores() == 1 {
		cores = "1 core"
	}
	nodes := fmt.Sprintf("%d nodes", sum.Nodes)
	var how []string
	if sum.Parts > 1 {
		how = append(how, fmt.Sprintf("%d sequences in %d blocks", o.train.BatchSize, sum.Parts))
	}
	if sum.ChunkSteps < sum.NumSteps {
		how = append(how, fmt.Sprintf("%d steps in chunks of %d", sum.NumSteps, sum.ChunkSteps))
	}
	if len(how) > 0 {
		nodes = fmt.Sprintf("%s (%d graphs, %d nodes)", strings.Join(how, ", "), sum.Graphs, sum.Nodes)
	}
	fmt.Fprintf(stdout, "graph: %s, built in %.1f ms, compiled in %.1f ms; %s, %s used\n",
		nodes, ms(sum.Build), ms(sum.Compile), graph.BLAS(), cores)
	if o.cpuProfile != "" {
		stopProfile, err := startCPUProfile(o.cpuProfile)
		if err != nil {
			return err
		}
		defer func() {
			if perr := stopProfile(); perr != nil && err == nil {
				err = perr
			}
		}()
	}
	if o.resume {
		if err := resume(o, tr, info, stdout); err != nil {
			var d errDrawn
			if errors.As(err, &d) {
				// Only the plot was asked for: its line is the report.
				if _, werr := head.WriteTo(realStdout); werr != nil && d.err == nil {
					return werr
				}
				return d.err
			}
			return err
		}
	}

	out, err := newOutputs(o, tr, info, realStdout)
	if err != nil {
		return err
	}
	stdout = realStdout
	if _, err := head.WriteTo(stdout); err != nil {
		return err
	}
	out.startBar(o)
	var speeds []float64
	speed := train.HookFunc(func(s train.EpochStats) error { speeds = append(speeds, s.TokensPerSec); return nil })
	tr.Hooks = append(tr.Hooks, speed)
	tr.Hooks = append(tr.Hooks, out.hooks(o, pred.hook(o.predictEvery, out.printer, prefixes[:1]))...)
	last, err := tr.Run(ctx)
	err = withFailingDOT(err, tr.Graph())
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
	var pe *plotError
	if errors.As(err, &pe) {
		return plotFailed(pe, o, out)
	}
	if err != nil {
		return failed(err, o, out)
	}
	if r := tr.StopReason(); r != nil {
		fmt.Fprintf(stdout, "stopped after epoch %d: %s\n", tr.EpochsDone(), stopText(r))
	}
	over := fmt.Sprintf("the %d epochs", len(speeds))
	if len(speeds) == 1 {
		over = "the one epoch"
	}
	fmt.Fprintf(stdout, "median %.1f tokens/sec over %s of this run\n", median(speeds), over)
	fmt.Fprintf(stdout, "perplexity %.1f, %.1f tokens/sec on cpu\n", last.Perplexity, last.TokensPerSec)
	for _, p := range prefixes {
		s, err := pred.predict(p)
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

// whileNotInterrupted runs f, and returns ctx's error as soon as ctx is
// done (f then goes on in the background until the process ends: only for
// work that writes nothing).
func whileNotInterrupted[T any](ctx context.Context, f func() (T, error)) (T, error) {
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := f()
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		return r.v, r.err
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}

// plural is "1 one" or "n many".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// every is "every epoch" or "every n epochs".
func every(n int) string {
	if n <= 1 {
		return "every epoch"
	}
	return fmt.Sprintf("every %d epochs", n)
}
