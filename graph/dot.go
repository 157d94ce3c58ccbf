package graph

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// DOTOptions selects what DOT draws.
type DOTOptions struct {
	// Grad adds the gradient subgraph that G.Grad built (the backward
	// pass), one cluster per time step. It needs a graph built with
	// Config.Loss.
	Grad bool
	// Raw returns Gorgonia's own ExprGraph.ToDot output: every node,
	// statement and gradient, no grouping, including the gradient terms
	// the machine leaves out (see Unrolled.Nodes). The other options are
	// ignored.
	// It is large (about 1 MB for 35 steps with gradients) and graphviz
	// does not render it in reasonable time beyond a few steps. Its only
	// change is that non-ASCII characters (→, Σ, ⊙ in its HTML labels) are
	// written as character references (&#8594;), which graphviz shows
	// alike and which Go DOT parsers such as gographviz, whose lexer
	// rejects them in HTML strings, can read.
	Raw bool
	// Summarize k > 0 draws only the first k and the last k time steps in
	// full and collapses the steps in between into one node per pass
	// (with one X and one O node), whose edges carry the hidden state in
	// and out. It applies when at least two steps would be collapsed
	// (NumSteps >= 2k+2); 0 draws every step.
	Summarize int
	// BatchSize is the minibatch size ModelDOT unrolls with (default 1).
	// DOT draws the graph it is given and ignores it.
	BatchSize int
}

// DOT returns the unrolled graph u as a graphviz DOT document.
//
// The default view is the forward computation laid out like the book's
// figure of an RNN over adjacent time steps: one cluster per time step
// holding X_t (bottom), the step's operations and H_t (top), the hidden
// state passed from step to step as bold edges entering the next step from
// the left, and the parameters (W_xh, W_hh, b_h, W_hq, b_q) drawn once,
// outside the clusters: the output layer's with edges into it, the steps'
// apart and named in the label of every operation that reads them (× W_hh,
// + bias b_h), since edges from them into every step would cross the steps
// between. Every edge carries the shape of the tensor it
// transports. The output layer is what Unroll builds, one product over the
// stacked hidden outputs of all steps; dashed O_t nodes above it name the
// rows of O that belong to step t (they are views for the reader, not
// operations of the graph).
//
// The view is computed from the Gorgonia graph itself, not drawn from a
// template: an operation belongs to step t when H_t is the first hidden
// output that depends on it, so any Model (RNN, MLP, a GRU or LSTM) is
// drawn as it is actually computed. With Grad, a gradient operation
// belongs to the earliest step whose forward values it reads.
func DOT(u *Unrolled, opts DOTOptions) ([]byte, error) {
	if u == nil || u.Graph == nil {
		return nil, errors.New("graph: DOT: no graph")
	}
	if opts.Raw {
		return []byte(asciiEntities(u.Graph.ToDot())), nil
	}
	if opts.Grad && u.Loss == nil {
		return nil, errors.New("graph: DOT: the graph has no gradients (built without Config.Loss)")
	}
	if opts.Summarize < 0 {
		return nil, fmt.Errorf("graph: DOT: Summarize must be >= 0, got %d", opts.Summarize)
	}
	return newViewer(u).render(opts, nil, nil, ""), nil
}

// asciiEntities writes every non-ASCII character of a DOT document as an
// HTML character reference.
func asciiEntities(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if r < 128 {
			b.WriteRune(r)
		} else {
			fmt.Fprintf(&b, "&#%d;", r)
		}
	}
	return b.String()
}

// ModelDOT unrolls m over steps time steps (with a loss, so that Grad
// works, and batch opts.BatchSize or 1) and returns the graph's DOT as DOT
// draws it. It suits notebooks:
//
//	dot, err := graph.ModelDOT(rnn, 3, graph.DOTOptions{})
//	svg, err := graph.Render(dot, "svg")
func ModelDOT(m Model, steps int, opts DOTOptions) ([]byte, error) {
	if m == nil {
		return nil, errors.New("graph: ModelDOT: nil model")
	}
	batch := opts.BatchSize
	if batch == 0 {
		batch = 1
	}
	u, err := Unroll(m, Config{BatchSize: batch, NumSteps: steps, Loss: true})
	if err != nil {
		return nil, fmt.Errorf("graph: ModelDOT: %w", err)
	}
	defer u.Close()
	return DOT(u, opts)
}

// ErrNoGraphviz reports that graphviz's dot program is not on PATH.
var ErrNoGraphviz = errors.New("graphviz's dot is not on PATH: install graphviz (apt-get install graphviz, brew install graphviz) or write DOT")

// Render runs graphviz's dot on a DOT document and returns the picture in
// format "svg" or "png". The error wraps ErrNoGraphviz when dot is not
// installed.
func Render(dot []byte, format string) ([]byte, error) {
	if format != "svg" && format != "png" {
		return nil, fmt.Errorf("graph: Render: unknown format %q: use svg or png", format)
	}
	bin, err := exec.LookPath("dot")
	if err != nil {
		return nil, fmt.Errorf("graph: Render: %w", ErrNoGraphviz)
	}
	cmd := exec.Command(bin, "-T"+format)
	cmd.Stdin = bytes.NewReader(dot)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return nil, fmt.Errorf("graph: Render: dot -T%s: %s", format, msg)
	}
	return out.Bytes(), nil
}

// WriteDOTFile writes the DOT of u (see DOT) to path. A path ending in
// .svg or .png is rendered through graphviz's dot instead (see Render).
func WriteDOTFile(u *Unrolled, path string, opts DOTOptions) error {
	dot, err := DOT(u, opts)
	if err != nil {
		return err
	}
	data := dot
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".svg", ".png":
		if data, err = Render(dot, ext[1:]); err != nil {
			return fmt.Errorf("graph: writing %s: %w", path, err)
		}
	}
	if err := writeFileAtomic(path, data); err != nil {
		return fmt.Errorf("graph: writing the graph: %w", err)
	}
	return nil
}

// writeFileAtomic writes data to a temporary file beside path and renames
// it into place: a write that fails (a full disk) leaves no truncated
// path, and an existing path is only replaced by a complete file.
func writeFileAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(0o644)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}
