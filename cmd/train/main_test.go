package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// tiny is a run small enough for a unit test: 2 epochs of a 16-unit RNN.
var tiny = []string{"-epochs", "2", "-batch", "2", "-steps", "5", "-hiddens", "16", "-predict-every", "1"}

func writeText(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "text.txt")
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func runCmd(args ...string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	code = run(context.Background(), args, &o, &e)
	return code, o.String(), e.String()
}

func TestTrainsOnLocalFileBothFlagStyles(t *testing.T) {
	data := writeText(t, strings.Repeat("The Time Traveller (for so it will be convenient to speak of him)\n", 20))
	for _, style := range []string{"-", "--"} {
		var args []string
		for _, a := range append([]string{"-data", data}, tiny...) {
			if strings.HasPrefix(a, "-") {
				a = style + strings.TrimLeft(a, "-")
			}
			args = append(args, a)
		}
		code, out, errOut := runCmd(args...)
		if code != 0 {
			t.Fatalf("%v: exit %d, stderr %q", args, code, errOut)
		}
		// Without -prefix the predictions start from the text's first
		// words (the book's "time traveller" is for The Time Machine).
		for _, want := range []string{"epoch    2  perplexity", "tokens/sec on cpu", "\n    the time traveller", "\nthe time traveller"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s flags: output lacks %q:\n%s", style, want, out)
			}
		}
	}
	code, out, errOut := runCmd(append([]string{"-data", data, "-prefix", "Speak!"}, tiny...)...)
	if code != 0 || !strings.Contains(out, "\n    speak ") || !strings.Contains(out, "\nspeak ") || strings.Contains(out, "\ntraveller") {
		t.Errorf("-prefix Speak!: exit %d, stderr %q, output:\n%s", code, errOut, out)
	}
}

func TestDotFlag(t *testing.T) {
	data := writeText(t, strings.Repeat("abc def ghi ", 40))
	out := filepath.Join(t.TempDir(), "rnn.dot")
	code, _, errOut := runCmd(append([]string{"-data", data, "-dot", out}, tiny...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"digraph", "W_hh", "H_1"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("-dot output lacks %q", want)
		}
	}
}

// A minibatch that runs as two blocks of sequences (graph.Parallel) says
// so on the graph: line, and is drawn with the whole batch's shapes: 16 sequences of 12 hiddens give
// H_t of (16, 12), not a block's (8, 12).
func TestDotFlagWholeBatch(t *testing.T) {
	data := writeText(t, strings.Repeat("abc def ghi ", 80))
	out := filepath.Join(t.TempDir(), "rnn.dot")
	code, stdout, errOut := runCmd("-data", data, "-dot", out, "-epochs", "1", "-batch", "16", "-steps", "3", "-hiddens", "12", "-predict-every", "0")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if want := "graph: 16 sequences in 2 blocks (2 graphs, "; !strings.Contains(stdout, want) {
		t.Errorf("output lacks %q:\n%s", want, stdout)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "(16, 12)") || strings.Contains(string(b), "(8, 12)") {
		t.Errorf("-dot of a batch of 16 does not show (16, 12) shapes alone")
	}
}

func TestOpticksCorpus(t *testing.T) {
	code, out, errOut := runCmd(append([]string{"-corpus", "opticks", "-max-tokens", "2000"}, tiny...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "Opticks") || !strings.Contains(out, "2000 used") {
		t.Errorf("output does not name the Opticks corpus and its cut:\n%s", out)
	}
}

func TestHelp(t *testing.T) {
	code, _, errOut := runCmd("-h")
	if code != 0 {
		t.Fatalf("-h: exit %d", code)
	}
	for _, want := range []string{"Data:", "Model:", "Optimisation:", "Bookkeeping:", "--steps int", "(default 35)"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("help lacks %q:\n%s", want, errOut)
		}
	}
}

// A very long -steps trains in chunks (graph.Chunked), whose compile time
// does not grow with the steps: the whole sequence as one graph would take
// Gorgonia about a minute to compile at 3000 steps (its compile time grows
// with the square of the nodes).
func TestLongStepsTrainInChunks(t *testing.T) {
	// 6001 tokens are enough for one minibatch of 1 x 3000 (batch*steps+steps+1).
	data := writeText(t, strings.Repeat("The Time Traveller (for so it will be convenient to speak of him)\n", 100))
	code, out, errOut := runCmd("-data", data, "-steps", "3000", "-batch", "1", "-epochs", "1", "-hiddens", "8")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	// DefaultChunkSteps is 35: 3000 steps are 86 chunks, 85 of 35 and one
	// of 25, so three graphs (a forward-only chunk, a full chunk and the
	// last one).
	if want := "graph: 3000 steps in chunks of 35 (3 graphs, "; !strings.Contains(out, want) {
		t.Errorf("output lacks %q:\n%s", want, out)
	}
}
