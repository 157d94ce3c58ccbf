// Command graph draws the book's character-level model (D2L, chapter 8)
// unrolled over a few time steps as a graphviz DOT graph: by default the
// forward computation over 3 steps, like the book's figure of an RNN over
// adjacent time steps, with shapes on the edges.
//
//	go run ./cmd/graph > rnn.dot
//	go run ./cmd/graph -format svg -o rnn.svg
//	go run ./cmd/graph -steps 35 -grad -format png -o rnn35.png
//	go run ./cmd/graph -model mlp -raw > mlp-gorgonia.dot
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/spf13/pflag"
	"github.com/unroll/unroll/graph"
	"github.com/unroll/unroll/internal/cli"
	"github.com/unroll/unroll/models"
	"gorgonia.org/tensor"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

// options are the command's flags.
type options struct {
	model, activation string
	steps, batch      int
	hiddens, vocab    int
	layers            int
	bidirectional     bool
	grad, raw         bool
	summarize         int
	format, out       string
}

func flags(o *options) *pflag.FlagSet {
	model := pflag.NewFlagSet("model", pflag.ContinueOnError)
	model.StringVar(&o.model, "model", "rnn", "the cell: "+strings.Join(models.Kinds(), ", "))
	model.IntVar(&o.layers, "layers", 1, "stacked layers (num_layers)")
	model.BoolVar(&o.bidirectional, "bidirectional", false, "a backward layer beside each forward one")
	model.IntVar(&o.steps, "steps", 3, "time steps to unroll (the book trains with 35)")
	model.IntVar(&o.hiddens, "hiddens", 512, "hidden units (num_hiddens)")
	model.IntVar(&o.vocab, "vocab", 28, "vocabulary size (28 for The Time Machine)")
	model.IntVar(&o.batch, "batch", 32, "sequences per minibatch (batch_size)")
	model.StringVar(&o.activation, "activation", "tanh", "hidden activation phi: tanh or relu")

	view := pflag.NewFlagSet("view", pflag.ContinueOnError)
	view.BoolVar(&o.grad, "grad", false, "also draw the gradient subgraph (the backward pass)")
	view.BoolVar(&o.raw, "raw", false, "write Gorgonia's own ToDot output: every node, no grouping (large)")
	view.IntVar(&o.summarize, "summarize", 2, "draw the first and last N steps in full and collapse the rest into one node (0: draw every step)")

	out := pflag.NewFlagSet("output", pflag.ContinueOnError)
	out.StringVar(&o.format, "format", "dot", "dot, or svg or png rendered by graphviz's dot")
	out.StringVarP(&o.out, "out", "o", "", "write to this file (default: stdout for dot, graph.svg or graph.png for pictures)")

	return cli.NewFlagSet("graph", "graph: the unrolled RNN or MLP language model as a graphviz DOT graph",
		cli.Group{Title: "Model", Flags: model},
		cli.Group{Title: "View", Flags: view},
		cli.Group{Title: "Output", Flags: out})
}

// usageError is a bad flag value: exit status 2.
type usageError struct{ error }

func run(args []string, stdout, stderr io.Writer) (code int) {
	defer cli.Recover("graph", stderr, &code)
	var o options
	fs := flags(&o)
	if done, code := cli.Parse(fs, args, stderr); done {
		return code
	}
	err := draw(&o, stdout, stderr)
	var ue usageError
	switch {
	case err == nil:
		return cli.ExitOK
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "graph: %v (see graph -h)\n", ue.error)
		return cli.ExitUsage
	case errors.Is(err, graph.ErrNoGraphviz):
		fmt.Fprintf(stderr, "graph: cannot write %s: graphviz's dot is not on PATH: install graphviz (apt-get install graphviz) or use -format dot\n", o.format)
		return cli.ExitRuntime
	default:
		fmt.Fprintf(stderr, "graph: %v\n", err)
		return cli.ExitRuntime
	}
}

func (o *options) check() (models.Activation, error) {
	act, err := models.ParseActivation(o.activation)
	if err != nil {
		return 0, usageError{err}
	}
	switch {
	case !slices.Contains(models.Kinds(), o.model):
		return 0, usageError{fmt.Errorf("unknown -model %q: use one of the registered cells: %s", o.model, strings.Join(models.Kinds(), ", "))}
	case o.layers < 1:
		return 0, usageError{fmt.Errorf("-layers must be >= 1, got %d", o.layers)}
	case o.steps < 1:
		return 0, usageError{fmt.Errorf("-steps must be >= 1, got %d", o.steps)}
	case o.steps > maxSteps:
		return 0, usageError{fmt.Errorf("-steps %d is more than %d: the picture is one graph of every step, and Gorgonia's compile time grows with the square of the steps (minutes beyond this); draw fewer steps (-summarize collapses the middle ones anyway)", o.steps, maxSteps)}
	case o.hiddens < 1:
		return 0, usageError{fmt.Errorf("-hiddens must be >= 1, got %d", o.hiddens)}
	case o.vocab < 1:
		return 0, usageError{fmt.Errorf("-vocab must be >= 1, got %d", o.vocab)}
	case o.batch < 1:
		return 0, usageError{fmt.Errorf("-batch must be >= 1, got %d", o.batch)}
	case o.summarize < 0:
		return 0, usageError{fmt.Errorf("-summarize must be >= 0, got %d", o.summarize)}
	case o.format != "dot" && o.format != "svg" && o.format != "png":
		return 0, usageError{fmt.Errorf("unknown -format %q: use dot, svg or png", o.format)}
	}
	size, err := models.SizeOf(o.modelConfig(act))
	if err != nil {
		return 0, usageError{err}
	}
	if err := cli.CheckMemory(graphBytes(size, o.vocab, o.hiddens, o.batch, o.steps),
		fmt.Sprintf("-hiddens %d -layers %d -vocab %d with -batch %d -steps %d", o.hiddens, o.layers, o.vocab, o.batch, o.steps),
		"lower -hiddens (the book uses 512), -layers, -vocab, -batch or -steps"); err != nil {
		return 0, usageError{err}
	}
	if path := o.outPath(); path != "" {
		if err := cli.CheckWritableFile("-o", path); err != nil {
			return 0, err
		}
	}
	return act, nil
}

// maxSteps bounds -steps: the view is drawn from one unrolled graph, which
// Gorgonia compiles in time that grows with the square of its nodes (about
// 2 s at 560 steps of a 16-unit RNN, so about 6 s at 1000; cmd/train runs
// longer sequences in chunks instead).
const maxSteps = 1000

// graphBytes is a rough upper estimate of the memory the graph needs:
// 4-byte parameters, twice (values and gradients), and about 30 values per
// token and unit of each (hiddens x hiddens) block, as in cmd/train.
func graphBytes(size models.Size, vocab, hiddens, batch, steps int) float64 {
	v, h, b, t := float64(vocab), float64(hiddens), float64(batch), float64(steps)
	return 4 * (2*size.Params + 30*b*t*(max(size.SquareMatrices, 1)*h+v))
}

// modelConfig is the model the flags describe.
func (o *options) modelConfig(act models.Activation) models.Config {
	return models.Config{Kind: o.model, VocabSize: o.vocab, NumHiddens: o.hiddens, NumLayers: o.layers,
		Bidirectional: o.bidirectional, Activation: act, Dtype: tensor.Float32}
}

// outPath is the file the picture goes to ("" for stdout).
func (o *options) outPath() string {
	path := o.out
	if path == "" && o.format != "dot" {
		path = "graph." + o.format // no pictures on a terminal
	}
	if path == "-" {
		return ""
	}
	return path
}

func draw(o *options, stdout, stderr io.Writer) error {
	act, err := o.check()
	if err != nil {
		return err
	}
	m, err := models.New(o.modelConfig(act))
	if err != nil {
		return err
	}
	u, err := graph.Unroll(m, graph.Config{BatchSize: o.batch, NumSteps: o.steps, Loss: true})
	if err != nil {
		return err
	}
	defer u.Close()
	data, err := graph.DOT(u, graph.DOTOptions{Grad: o.grad, Raw: o.raw, Summarize: o.summarize})
	if err != nil {
		return err
	}
	if o.format != "dot" {
		if data, err = graph.Render(data, o.format); err != nil {
			return err
		}
	}
	path := o.outPath()
	if path == "" {
		_, err = stdout.Write(data)
		return err
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return fmt.Errorf("cannot write -o %s (%v): choose a writable path", path, err)
	}
	fmt.Fprintf(stderr, "graph: wrote %s\n", path)
	return nil
}
