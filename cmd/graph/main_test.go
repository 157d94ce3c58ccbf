package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/awalterschulze/gographviz"
	"github.com/unroll/unroll/internal/cli"
	"github.com/unroll/unroll/internal/clitest"
	"github.com/unroll/unroll/models"
)

func runArgs(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestDOTToStdout(t *testing.T) {
	for _, args := range [][]string{
		{"-steps", "3", "-hiddens", "8"},
		{"--model", "mlp", "--grad", "--hiddens=8"},
		{"-steps", "35", "-hiddens", "8", "-batch", "2"},
		{"-raw", "-steps", "2", "-hiddens", "4", "-batch", "2"},
	} {
		code, out, errs := runArgs(t, args...)
		if code != cli.ExitOK {
			t.Fatalf("%v: exit %d: %s", args, code, errs)
		}
		if _, err := gographviz.Read([]byte(out)); err != nil {
			t.Errorf("%v: output does not parse: %v", args, err)
		}
	}
}

// badCase is a clitest.Case, declared here so that its literals may be
// unkeyed (go vet asks for keys in literals of other packages' structs).
type badCase struct {
	Row  string
	Args []string
	Code int
	Want []string
}

// TestUsageErrors is the graph rows of docs/errors.md.
func TestUsageErrors(t *testing.T) {
	file := filepath.Join(t.TempDir(), "plain-file")
	os.WriteFile(file, []byte("x"), 0o644)
	for _, c := range []badCase{
		{"unknown flag", []string{"-nonsense"}, 2, []string{"unknown flag: --nonsense", "see graph -h"}},
		{"stray argument", []string{"stray"}, 2, []string{"unexpected argument \"stray\""}},
		{"unknown -format", []string{"-format", "gif"}, 2, []string{`unknown -format "gif": use dot, svg or png`}},
		// gru and lstm are registered now; the message lists every cell.
		{"unknown -model", []string{"-model", "transformer"}, 2, []string{`unknown -model "transformer": use one of the registered cells: ` + strings.Join(models.Kinds(), ", ")}},
		{"zero or negative -steps, -batch, -hiddens, -vocab", []string{"-steps", "0"}, 2, []string{"must be >= 1", "-steps must be >= 1, got 0"}},
		{"zero or negative -steps, -batch, -hiddens, -vocab", []string{"-batch", "0"}, 2, []string{"must be >= 1", "-batch must be >= 1, got 0"}},
		{"zero or negative -steps, -batch, -hiddens, -vocab", []string{"-hiddens", "-1"}, 2, []string{"must be >= 1", "-hiddens must be >= 1, got -1"}},
		{"zero or negative -steps, -batch, -hiddens, -vocab", []string{"-vocab", "0"}, 2, []string{"must be >= 1", "-vocab must be >= 1, got 0"}},
		// maxSteps is 1000.
		{"-steps beyond what compiles in seconds", []string{"-steps", "100000"}, 2, []string{"-steps 100000 is more than 1000", "grows with the square of the steps", "draw fewer steps"}},
		{"negative -summarize", []string{"-summarize", "-1"}, 2, []string{"-summarize must be >= 0, got -1"}},
		// 1e8 hiddens: W_hh alone is 4e16 bytes.
		{"-hiddens too large for memory", []string{"-hiddens", "100000000"}, 2, []string{"needs about", "more than this machine's", "lower -hiddens"}},
		{"-o not writable", []string{"-hiddens", "8", "-o", filepath.Join(file, "g.dot")}, 1, []string{"-o: ", "is a file, not a directory: choose another path"}},
	} {
		code, _, errs := runArgs(t, c.Args...)
		clitest.Check(t, "graph", clitest.Case(c), code, errs)
	}
}

func TestPictureWithoutGraphviz(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	c := badCase{"-format svg or png without graphviz", []string{"-format", "svg", "-hiddens", "8", "-o", filepath.Join(t.TempDir(), "g.svg")}, 1,
		[]string{"graphviz's dot is not on PATH: install graphviz (apt-get install graphviz) or use -format dot"}}
	code, out, errs := runArgs(t, c.Args...)
	if out != "" {
		t.Errorf("stdout %q", out)
	}
	clitest.Check(t, "graph", clitest.Case(c), code, errs)
}

func TestPicture(t *testing.T) {
	if _, err := exec.LookPath("dot"); err != nil {
		t.Skip("graphviz's dot is not installed")
	}
	for _, format := range []string{"svg", "png"} {
		path := filepath.Join(t.TempDir(), "g."+format)
		if code, _, errs := runArgs(t, "-format", format, "-hiddens", "8", "-o", path); code != cli.ExitOK {
			t.Fatalf("exit %d: %s", code, errs)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		magic := map[string]string{"svg": "<svg", "png": "\x89PNG"}[format]
		if !bytes.Contains(data[:min(len(data), 512)], []byte(magic)) {
			t.Errorf("%s: not a %s file", path, format)
		}
	}
}

// TestDeepViewsRender lays out with graphviz, when it is installed, the
// views that made dot fail with "trouble in init_rank" (issue 16): a state
// that crosses steps outside the row of hidden states (a lower layer's H_t,
// an LSTM's C_t) used to rank each step above the one before, against the
// rows. The -grad view of the 2-layer GRU takes dot tens of seconds on a
// busy 2-core machine: it is skipped under -short.
func TestDeepViewsRender(t *testing.T) {
	if _, err := exec.LookPath("dot"); err != nil {
		t.Skip("graphviz's dot is not installed")
	}
	for _, args := range [][]string{
		{"-model", "gru", "-layers", "2", "-steps", "35"},
		{"-model", "gru", "-layers", "2", "-steps", "35", "-grad"},
		{"-model", "lstm", "-steps", "6", "-summarize", "0"},
		{"-model", "rnn", "-layers", "2", "-steps", "6", "-summarize", "0"},
		{"-model", "lstm", "-layers", "2", "-steps", "35", "-summarize", "1"},
	} {
		if testing.Short() && slices.Contains(args, "-grad") {
			continue
		}
		path := filepath.Join(t.TempDir(), "g.svg")
		args := append(args, "-hiddens", "8", "-format", "svg", "-o", path)
		if code, _, errs := runArgs(t, args...); code != cli.ExitOK {
			t.Errorf("graph %s: exit %d: %s", strings.Join(args, " "), code, errs)
		}
	}
}
