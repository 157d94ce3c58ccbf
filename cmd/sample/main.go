// Command sample generates text from a checkpoint written by cmd/train:
// from a prefix, count samples of length tokens each (characters, or
// words joined by spaces for a word-level run), greedy (the
// book's predict_ch8) or drawn with a temperature and top-k, reproducible
// with a seed. The samples go to stdout, one per line; a header naming the
// checkpoint goes to stderr.
//
//	go run ./cmd/sample -checkpoint ckpt -prefix "time traveller" -temperature 0
//	go run ./cmd/sample -checkpoint ckpt/best -count 5 -length 200 -temperature 0.8 -top-k 5 -seed 1
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"slices"
	"strings"

	"github.com/spf13/pflag"
	"github.com/unroll/unroll/datasets"
	"github.com/unroll/unroll/internal/cli"
	"github.com/unroll/unroll/internal/safeio"
	"github.com/unroll/unroll/train"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

type options struct {
	checkpoint         string
	prefix, prefixFile string
	length, count      int
	temperature        float64
	topK               int
	seed               uint64
	raw                bool
}

func flags(o *options) *pflag.FlagSet {
	in := pflag.NewFlagSet("input", pflag.ContinueOnError)
	in.StringVar(&o.checkpoint, "checkpoint", "", "a checkpoint directory of cmd/train (its latest), its best file, or one epoch-NNNNNN directory")
	in.StringVar(&o.prefix, "prefix", "time traveller", "text to start from (default: the prefix the training run predicted from, else \"time traveller\")")
	in.StringVar(&o.prefixFile, "prefix-file", "", "read the prefix from this file instead")
	in.BoolVar(&o.raw, "raw", false, "use the prefix as given; by default it is cleaned as the corpus was (with the run's -preprocess: book or unicode lower-case letters and make other runs of characters one space)")

	gen := pflag.NewFlagSet("generation", pflag.ContinueOnError)
	gen.IntVar(&o.length, "length", 50, "tokens (characters, or words for a -tokens word run) to generate after the prefix (the book's num_preds)")
	gen.IntVar(&o.count, "count", 1, "number of samples")
	gen.Float64Var(&o.temperature, "temperature", 1, "divide the logits by this before sampling; 0: greedy, the most likely character (the book's predict_ch8)")
	gen.IntVar(&o.topK, "top-k", 0, "sample only among the K most likely characters; 0: all; 1: greedy")
	gen.Uint64Var(&o.seed, "seed", 0, "seed of the sampling: same seed, same samples")

	return cli.NewFlagSet("sample", "sample: generate text from a cmd/train checkpoint",
		cli.Group{Title: "Input", Flags: in}, cli.Group{Title: "Generation", Flags: gen})
}

type usageError struct{ error }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) (code int) {
	defer cli.Recover("sample", stderr, &code)
	var o options
	fs := flags(&o)
	if done, code := cli.Parse(fs, args, stderr); done {
		return code
	}
	err := sample(&o, fs, stdout, stderr)
	var ue usageError
	switch {
	case err == nil:
		return cli.ExitOK
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "sample: %v (see sample -h)\n", ue.error)
		return cli.ExitUsage
	default:
		fmt.Fprintf(stderr, "sample: %s\n", strings.TrimPrefix(err.Error(), "train: "))
		return cli.ExitRuntime
	}
}

func (o *options) check(fs *pflag.FlagSet) error {
	switch {
	case o.checkpoint == "":
		return fmt.Errorf("-checkpoint DIR is required: the -checkpoint directory of a cmd/train run")
	case fs.Changed("prefix") && o.prefixFile != "":
		return fmt.Errorf("-prefix and -prefix-file both given: use one")
	case o.length < 0:
		return fmt.Errorf("-length must be >= 0, got %d", o.length)
	case o.length > maxLength:
		return fmt.Errorf("-length must be <= %d, got %d: sample in several runs, or with -count", maxLength, o.length)
	case o.count < 1:
		return fmt.Errorf("-count must be >= 1, got %d", o.count)
	case o.count > maxCount:
		return fmt.Errorf("-count must be <= %d, got %d", maxCount, o.count)
	case !(o.temperature >= 0) || o.temperature > 1e300:
		return fmt.Errorf("-temperature must be a number >= 0 (0: greedy), got %v", o.temperature)
	case o.topK < 0:
		return fmt.Errorf("-top-k must be >= 0, got %d", o.topK)
	}
	return nil
}

// Upper bounds that catch typos (an extra zero or three) before a run
// that would take hours: generating a character takes about a millisecond
// at 512 hiddens, so a million is a quarter of an hour.
const (
	maxLength = 1_000_000
	maxCount  = 10_000
)

func sample(o *options, fs *pflag.FlagSet, stdout, stderr io.Writer) error {
	if err := o.check(fs); err != nil {
		return usageError{err}
	}
	prefix := o.prefix
	if o.prefixFile != "" {
		b, err := readPrefix(o.prefixFile)
		if err != nil {
			return err
		}
		prefix = string(b)
	}
	ck, err := train.OpenCheckpoint(o.checkpoint)
	if err != nil {
		return cli.CheckpointError(err)
	}
	kind, prep, err := textOf(ck)
	if err != nil {
		return err
	}
	if !fs.Changed("prefix") && o.prefixFile == "" && ck.Settings["prefix"] != "" {
		prefix = ck.Settings["prefix"] // what the training run predicted from
	}
	if o.raw {
		prep = datasets.Raw
	} else if c := prep.CleanPrefix(prefix); c != prefix {
		fmt.Fprintf(stderr, "prefix cleaned as the corpus was: %q (use -raw to keep it as given)\n", c)
		prefix = c
	}
	toks := datasets.PrefixTokens(prefix, kind, prep)
	if len(toks) == 0 {
		return usageError{fmt.Errorf("the prefix is empty: give at least one %s with -prefix", map[datasets.TokenKind]string{datasets.Char: "character", datasets.Word: "word"}[kind])}
	}
	m, err := ck.NewModel()
	if err != nil {
		return err
	}
	vocab, err := ck.NewVocab()
	if err != nil {
		return err
	}
	var unknown []string
	for _, t := range toks {
		if vocab.ID(t) == 0 && t != datasets.Unknown && !slices.Contains(unknown, t) {
			unknown = append(unknown, t)
		}
	}
	if len(unknown) > 0 {
		fmt.Fprintf(stderr, "note: %q are not in the vocabulary and read as <unk>\n", unknown)
	}
	gen, err := train.NewGenerator(m)
	if err != nil {
		return err
	}
	opts := train.SampleOptions{Temperature: o.temperature, TopK: o.topK}
	how := fmt.Sprintf("temperature %g, top-k %d, seed %d", o.temperature, o.topK, o.seed)
	if opts.Greedy() {
		how = "greedy"
	}
	fmt.Fprintf(stderr, "%s: %s, %d hiddens, epoch %d%s; %s\n", ck.Path, ck.Model.Kind, ck.Model.NumHiddens, ck.Epoch, lastPerplexity(ck), how)
	rng := rand.New(rand.NewPCG(o.seed, 0x73616d706c65)) // "sample"
	for i := 0; i < o.count; i++ {
		ids, err := gen.Sample(vocab.IDs(toks), o.length, opts, rng)
		if err != nil {
			return err
		}
		out := make([]string, len(ids))
		for i, id := range ids {
			out[i] = vocab.Token(id)
		}
		if _, err := fmt.Fprintln(stdout, datasets.JoinTokens(out, kind)); err != nil {
			return err
		}
	}
	return nil
}

// readPrefix reads a -prefix-file, which must be a non-empty regular
// text file of at most maxPrefixBytes: the bytes actually read are
// counted, and a device or a FIFO is refused before any read.
func readPrefix(path string) ([]byte, error) {
	b, err := safeio.ReadFile(path, maxPrefixBytes)
	var nr *safeio.NotRegularError
	var tl *safeio.TooLargeError
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("-prefix-file %s: no such file: check the path", path)
	case errors.As(err, &nr) && nr.Kind == "a directory":
		return nil, fmt.Errorf("-prefix-file %s is a directory: pass a text file", path)
	case errors.As(err, &nr):
		return nil, fmt.Errorf("-prefix-file %s is %s, not a regular file: pass a text file", path, nr.Kind)
	case errors.As(err, &tl):
		return nil, fmt.Errorf("-prefix-file %s holds more than %d bytes: a prefix of up to %d is plenty; pass the end of the text", path, maxPrefixBytes, maxPrefixBytes)
	case err != nil:
		return nil, fmt.Errorf("-prefix-file: %w: check the path and its permissions", err)
	}
	if len(b) == 0 {
		return nil, fmt.Errorf("-prefix-file %s is empty: give at least one character", path)
	}
	if err := datasets.CheckText(b, path); err != nil {
		return nil, errors.New(strings.TrimPrefix(err.Error(), "datasets: "))
	}
	return b, nil
}

// maxPrefixBytes bounds a prefix file: the model reads the prefix one
// character at a time, and only the state after it matters.
const maxPrefixBytes = 1 << 20

// lastPerplexity describes the checkpoint's last perplexities.
func lastPerplexity(ck *train.Checkpoint) string {
	if len(ck.History) == 0 {
		return ""
	}
	s := ck.History[len(ck.History)-1]
	out := fmt.Sprintf(", perplexity %.2f", s.Perplexity)
	for i := len(ck.History) - 1; i >= 0; i-- {
		if v := ck.History[i].ValPerplexity; v > 0 {
			return out + fmt.Sprintf(", validation %.2f", v)
		}
	}
	return out
}

// textOf returns how the checkpoint's run tokenized and preprocessed its
// text; a checkpoint that does not say (written before the choice
// existed) used characters and the book's preprocessing.
func textOf(ck *train.Checkpoint) (datasets.TokenKind, datasets.Preprocess, error) {
	kind := datasets.Char
	if ck.TokenKind != "" {
		k, err := datasets.ParseTokenKind(ck.TokenKind)
		if err != nil {
			return 0, 0, fmt.Errorf("checkpoint %s: token kind %q: write it with this version of cmd/train", ck.Path, ck.TokenKind)
		}
		kind = k
	}
	prep, err := datasets.ParsePreprocess(ck.Data.Preprocess)
	if err != nil {
		return 0, 0, fmt.Errorf("checkpoint %s: preprocessing %q: write it with this version of cmd/train", ck.Path, ck.Data.Preprocess)
	}
	return kind, prep, nil
}
