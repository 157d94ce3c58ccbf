package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/awalterschulze/gographviz"
	"github.com/unroll/unroll/internal/cli"
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

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"-format", "gif"}, {"-steps", "0"}, {"-model", "gru"}, {"-summarize", "-1"}, {"-batch", "0"}, {"stray"},
	} {
		code, _, errs := runArgs(t, args...)
		if code != cli.ExitUsage || strings.Count(errs, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q; want %d and one line", args, code, errs, cli.ExitUsage)
		}
	}
}

func TestPictureWithoutGraphviz(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	code, out, errs := runArgs(t, "-format", "svg", "-hiddens", "8", "-o", filepath.Join(t.TempDir(), "g.svg"))
	if code != cli.ExitRuntime || out != "" || strings.Count(errs, "\n") != 1 ||
		!strings.Contains(errs, "install graphviz") || !strings.Contains(errs, "-format dot") {
		t.Errorf("exit %d, stderr %q: want %d and one line naming the fix", code, errs, cli.ExitRuntime)
	}
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
