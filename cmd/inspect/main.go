// Command inspect prints what a cmd/train checkpoint holds: the model and
// training configuration, the data and vocabulary, the files with their
// verified checksums, every parameter's shape and L2 norm (and the
// optimizer's state), and the metrics of every epoch as a table.
//
//	go run ./cmd/inspect -checkpoint ckpt
//	go run ./cmd/inspect -checkpoint ckpt/epoch-000010
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/spf13/pflag"
	"github.com/unroll/unroll/graph"
	"github.com/unroll/unroll/internal/cli"
	"github.com/unroll/unroll/train"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

type options struct {
	checkpoint string
	settings   bool
}

func flags(o *options) *pflag.FlagSet {
	in := pflag.NewFlagSet("input", pflag.ContinueOnError)
	in.StringVar(&o.checkpoint, "checkpoint", "", "a checkpoint directory of cmd/train (its latest), its best file, or one epoch-NNNNNN directory")
	in.BoolVar(&o.settings, "settings", false, "also print every command-line setting of the run that wrote it")
	return cli.NewFlagSet("inspect", "inspect: show what a cmd/train checkpoint holds", cli.Group{Title: "Input", Flags: in})
}

type usageError struct{ error }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) (code int) {
	defer cli.Recover("inspect", stderr, &code)
	var o options
	fs := flags(&o)
	if done, code := cli.Parse(fs, args, stderr); done {
		return code
	}
	err := inspect(&o, stdout)
	var ue usageError
	switch {
	case err == nil:
		return cli.ExitOK
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "inspect: %v (see inspect -h)\n", ue.error)
		return cli.ExitUsage
	default:
		fmt.Fprintf(stderr, "inspect: %s\n", strings.TrimPrefix(err.Error(), "train: "))
		return cli.ExitRuntime
	}
}

func inspect(o *options, w io.Writer) error {
	if o.checkpoint == "" {
		return usageError{fmt.Errorf("-checkpoint DIR is required: the -checkpoint directory of a cmd/train run")}
	}
	ck, err := train.OpenCheckpoint(o.checkpoint)
	if err != nil {
		return cli.CheckpointError(err)
	}
	done := fmt.Sprintf("%d epochs done", ck.Epoch)
	if ck.Batch > 0 {
		done += fmt.Sprintf(" and %d minibatches of epoch %d (saved on an interrupt)", ck.Batch, ck.Epoch+1)
	}
	fmt.Fprintf(w, "checkpoint %s: format %d, written %s, %s\n", ck.Path, ck.Version, ck.Created.Local().Format("2006-01-02 15:04:05 MST"), done)
	if list, err := train.ListCheckpoints(filepath.Dir(ck.Path)); err == nil && len(list) > 0 {
		var names []string
		for _, e := range list {
			n := e.Name
			if e.Latest {
				n += " (latest)"
			}
			if e.Best {
				n += " (best)"
			}
			names = append(names, n)
		}
		fmt.Fprintf(w, "in %s: %s\n", filepath.Dir(ck.Path), strings.Join(names, ", "))
	}
	m, c := ck.Model, ck.Config
	fmt.Fprintf(w, "\nmodel      %s: vocab_size %d, num_hiddens %d, %s, %s, init seed %d\n", m.Kind, m.VocabSize, m.NumHiddens, m.Activation, m.Dtype, m.Seed)
	fmt.Fprintf(w, "training   epochs %d, batch_size %d, num_steps %d, lr %g, clip %g, %s sampling, seed %d\n",
		c.Epochs, c.BatchSize, c.NumSteps, c.LR, c.Clip, c.Sampling, c.Seed)
	fmt.Fprintf(w, "optimizer  %s (%s), lr schedule %s; %d minibatch updates\n", ck.Solver.Name, hyper(ck.Solver.Hyper), c.Schedule, ck.Updates)
	if d := ck.Data; d.Name != "" {
		fmt.Fprintf(w, "data       %s: %d tokens (max-tokens %d), %d for training, %d held out (val-frac %g); token ids sha256 %.16s...\n",
			d.Name, d.Tokens, d.MaxTokens, d.TrainTokens, d.ValTokens, d.ValFrac, d.SHA256)
	}
	kind, prep := ck.TokenKind, ck.Data.Preprocess
	if kind == "" {
		kind = "char" // checkpoints from before -tokens
	}
	if prep == "" {
		prep = "book"
	}
	fmt.Fprintf(w, "vocab      %d %s tokens (preprocess %s, min-freq %d): %s\n", len(ck.Vocab), kind, prep, ck.Data.MinFreq, showVocab(ck.Vocab))
	if ck.Batch > 0 {
		fmt.Fprintf(w, "sampler    MT19937 state, %d bytes: epoch %d started from it; it continues at minibatch %d with the saved hidden state\n", len(ck.RNGState), ck.Epoch+1, ck.Batch+1)
	} else {
		fmt.Fprintf(w, "sampler    MT19937 state, %d bytes: epoch %d starts from it\n", len(ck.RNGState), ck.Epoch+1)
	}
	var files []string
	for _, f := range ck.Files {
		files = append(files, fmt.Sprintf("%s %d bytes, sha256 %.12s... verified", f.Name, f.Bytes, f.SHA256))
	}
	fmt.Fprintf(w, "files      manifest.json; %s\n", strings.Join(files, "; "))

	fmt.Fprintln(w, "\nparameters")
	printTensors(w, ck.Params)
	if len(ck.Solver.Tensors) > 0 {
		fmt.Fprintf(w, "\noptimizer state (%s)\n", ck.Solver.Name)
		printTensors(w, ck.Solver.Tensors)
	}

	fmt.Fprintln(w, "\nmetrics")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "epoch\ttrain ppl\tval ppl\ttokens/s\tgrad norm\tlr\tseconds\telapsed\t")
	for _, s := range ck.History {
		val := "-"
		if s.ValPerplexity > 0 {
			val = fmt.Sprintf("%.4f", s.ValPerplexity)
		}
		fmt.Fprintf(tw, "%d\t%.4f\t%s\t%.1f\t%.4f\t%g\t%.2f\t%.1f\t\n", s.Epoch, s.Perplexity, val, s.TokensPerSec, s.GradNorm, s.LR, s.Duration.Seconds(), s.Elapsed.Seconds())
	}
	tw.Flush()

	if o.settings && len(ck.Settings) > 0 {
		fmt.Fprintln(w, "\nsettings of the run")
		var names []string
		for k := range ck.Settings {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			fmt.Fprintf(w, "  -%s %s\n", k, ck.Settings[k])
		}
	}
	return nil
}

// printTensors prints name, shape, dtype, L2 norm and largest magnitude.
func printTensors(w io.Writer, ps []graph.Param) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  name\tshape\tdtype\tvalues\tL2 norm\tmax |x|")
	total := 0
	for _, p := range ps {
		norm, maxAbs := stats(p)
		total += p.Value.DataSize()
		fmt.Fprintf(tw, "  %s\t%v\t%v\t%d\t%.6g\t%.6g\n", p.Name, p.Value.Shape(), p.Value.Dtype(), p.Value.DataSize(), norm, maxAbs)
	}
	fmt.Fprintf(tw, "  total\t\t\t%d\t\t\n", total)
	tw.Flush()
}

func stats(p graph.Param) (norm, maxAbs float64) {
	var ss float64
	add := func(v float64) {
		ss += v * v
		maxAbs = math.Max(maxAbs, math.Abs(v))
	}
	switch d := p.Value.Data().(type) {
	case []float32:
		for _, v := range d {
			add(float64(v))
		}
	case []float64:
		for _, v := range d {
			add(v)
		}
	}
	return math.Sqrt(ss), maxAbs
}

func hyper(h map[string]float64) string {
	var keys []string
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []string
	for _, k := range keys {
		out = append(out, fmt.Sprintf("%s %g", k, h[k]))
	}
	return strings.Join(out, ", ")
}

// showVocab lists the tokens, quoting the space; only the first 60 of a
// larger vocabulary.
func showVocab(v []string) string {
	const most = 60 // a word vocabulary has thousands: show its start
	out := make([]string, 0, min(len(v), most)+1)
	for i, t := range v {
		if i == most {
			out = append(out, fmt.Sprintf("... (%d more)", len(v)-most))
			break
		}
		if strings.TrimSpace(t) == "" {
			t = fmt.Sprintf("%q", t)
		}
		out = append(out, t)
	}
	return strings.Join(out, " ")
}
