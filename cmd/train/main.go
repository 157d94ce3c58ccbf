// Command train trains the book's character-level language model (D2L,
// chapter 8) on The Time Machine, or any text, and reports perplexity and
// tokens/sec per epoch, then the book's final line and predictions.
//
//	go run ./cmd/train -steps 35
//	go run ./cmd/train -model mlp -epochs 50 -data my.txt
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
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
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// options are the command's flags, with the book's defaults.
type options struct {
	data, corpus      string
	maxTokens         int
	model, activation string
	hiddens           int
	train             train.Config
	iter              string
	predictEvery      int
	cpuProfile        string
}

func flags(o *options) *pflag.FlagSet {
	d := train.DefaultConfig()
	data := pflag.NewFlagSet("data", pflag.ContinueOnError)
	data.StringVar(&o.corpus, "corpus", "auto", "text to train on: auto (The Time Machine, else Newton's Opticks from GOROOT), timemachine, opticks")
	data.StringVar(&o.data, "data", "", "train on this local text file instead of -corpus")
	data.IntVar(&o.maxTokens, "max-tokens", datasets.DefaultMaxTokens, "use only the first N characters (<= 0: all)")

	model := pflag.NewFlagSet("model", pflag.ContinueOnError)
	model.StringVar(&o.model, "model", "rnn", "rnn (hidden state) or mlp (no state, the section's baseline)")
	model.IntVar(&o.hiddens, "hiddens", 512, "hidden units (num_hiddens)")
	model.StringVar(&o.activation, "activation", "tanh", "hidden activation phi: tanh or relu")

	opt := pflag.NewFlagSet("optimisation", pflag.ContinueOnError)
	opt.IntVar(&o.train.NumSteps, "steps", d.NumSteps, "time steps unrolled per minibatch (num_steps)")
	opt.IntVar(&o.train.BatchSize, "batch", d.BatchSize, "sequences per minibatch (batch_size)")
	opt.IntVar(&o.train.Epochs, "epochs", d.Epochs, "passes over the corpus (num_epochs)")
	opt.Float64Var(&o.train.LR, "lr", d.LR, "SGD learning rate")
	opt.Float64Var(&o.train.Clip, "clip", d.Clip, "clip gradients to this global L2 norm (theta); 0: off")
	opt.StringVar(&o.iter, "iter", "sequential", "minibatch sampling: sequential (state carried) or random (state reset)")

	book := pflag.NewFlagSet("bookkeeping", pflag.ContinueOnError)
	book.Int64Var(&o.train.Seed, "seed", 0, "seed for weights and sampling: same seed, same run")
	book.IntVar(&o.predictEvery, "predict-every", 10, "print predictions every N epochs (0: off)")
	book.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of training (go tool pprof) to this file")

	return cli.NewFlagSet("train", "train: the book's character-level RNN language model (D2L chapter 8)",
		cli.Group{Title: "Data", Flags: data},
		cli.Group{Title: "Model", Flags: model},
		cli.Group{Title: "Optimisation", Flags: opt},
		cli.Group{Title: "Bookkeeping", Flags: book})
}

// usageError is a bad flag value: exit status 2.
type usageError struct{ error }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var o options
	fs := flags(&o)
	if done, code := cli.Parse(fs, args, stderr); done {
		return code
	}
	err := trainRun(ctx, &o, stdout, stderr)
	var ue usageError
	switch {
	case err == nil:
		return cli.ExitOK
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "train: %v (see train -h)\n", ue.error)
		return cli.ExitUsage
	case errors.Is(err, context.Canceled):
		fmt.Fprintln(stderr, "train: interrupted")
		return 130
	default:
		fmt.Fprintf(stderr, "train: %v\n", err)
		return cli.ExitRuntime
	}
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
	if o.model != "rnn" && o.model != "mlp" {
		return "", 0, usageError{fmt.Errorf("unknown -model %q: use rnn or mlp", o.model)}
	}
	if o.hiddens < 1 {
		return "", 0, usageError{fmt.Errorf("-hiddens must be >= 1, got %d", o.hiddens)}
	}
	if err := o.train.Validate(); err != nil {
		return "", 0, usageError{errors.New(strings.TrimPrefix(err.Error(), "train: "))}
	}
	if o.train.Clip < 0 {
		return "", 0, usageError{fmt.Errorf("-clip must be >= 0, got %v", o.train.Clip)}
	}
	return src, act, nil
}

func trainRun(ctx context.Context, o *options, stdout, stderr io.Writer) error {
	src, act, err := o.check()
	if err != nil {
		return err
	}
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
	mc := models.Config{VocabSize: corpus.Vocab.Len(), NumHiddens: o.hiddens, Activation: act,
		Dtype: tensor.Float32, Seed: uint64(o.train.Seed)}
	var m graph.Model
	if o.model == "mlp" {
		m, err = models.NewMLP(mc)
	} else {
		m, err = models.NewRNN(mc)
	}
	if err != nil {
		return err
	}
	tr, err := train.New(m, corpus.IDs, o.train)
	if err != nil {
		return err
	}
	gen, err := train.NewGenerator(m)
	if err != nil {
		return err
	}
	c := o.train
	fmt.Fprintf(stdout, "corpus %s: %d lines, %d characters, %d used, vocab %d\n",
		corpus.Name, len(corpus.Lines), corpus.FullLen, len(corpus.IDs), corpus.Vocab.Len())
	fmt.Fprintf(stdout, "model %s (num_hiddens %d, %s), batch %d, steps %d, epochs %d, lr %g, clip %g, %s sampling, seed %d\n",
		o.model, o.hiddens, act, c.BatchSize, c.NumSteps, c.Epochs, c.LR, c.Clip, c.Sampling, c.Seed)
	u := tr.Graph()
	fmt.Fprintf(stdout, "graph: %d nodes, built in %.1f ms, compiled in %.1f ms; %s, %d cores used\n",
		u.Graph.AllNodes().Len(), ms(u.BuildTime), ms(u.CompileTime), graph.BLAS(), graph.Cores())

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
	prefixes := []string{"time traveller", "traveller"}
	var speeds []float64
	speed := train.HookFunc(func(s train.EpochStats) error { speeds = append(speeds, s.TokensPerSec); return nil })
	tr.Hooks = append(tr.Hooks, train.Progress(stdout), speed, train.PredictEvery(o.predictEvery, stdout, gen, corpus.Vocab, prefixes[0]))
	last, err := tr.Run(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "perplexity %.1f, %.1f tokens/sec on cpu\n", last.Perplexity, last.TokensPerSec)
	fmt.Fprintf(stdout, "median %.1f tokens/sec over %d epochs\n", median(speeds), len(speeds))
	for _, p := range prefixes {
		s, err := gen.PredictChars(corpus.Vocab, p, 50)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, s)
	}
	return nil
}

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
