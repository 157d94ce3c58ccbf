package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A planted stale figure makes the command fail with status 1 and name the
// figure; the same notebook with the printed figure passes.
func TestPlantedStaleFigure(t *testing.T) {
	const tmpl = `{"cells": [
	 {"cell_type": "code", "source": "%%\n", "outputs": [{"output_type": "stream", "name": "stdout", "text": ["perplexity 9.61 after 30 epochs\n"]}]},
	 {"cell_type": "markdown", "source": "The run ends at perplexity %s."}]}`
	dir := t.TempDir()
	for _, c := range []struct {
		figure string
		code   int
	}{{"9.61", 0}, {"8.5", 1}} {
		path := filepath.Join(dir, "nb.ipynb")
		if err := os.WriteFile(path, []byte(strings.Replace(tmpl, "%s", c.figure, 1)), 0o644); err != nil {
			t.Fatal(err)
		}
		var out, errb bytes.Buffer
		if code := run([]string{path}, &out, &errb); code != c.code {
			t.Fatalf("figure %s: exit %d, want %d; stderr: %s", c.figure, code, c.code, errb.String())
		}
		if c.code == 1 && !strings.Contains(errb.String(), "cell 2: 8.5 is in no output") {
			t.Errorf("stderr does not name the stale figure: %s", errb.String())
		}
	}
}

func TestUsage(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run(nil, &out, &errb); code != 2 || !strings.Contains(errb.String(), "no notebook") {
		t.Fatalf("no arguments: exit %d, stderr %q; want 2 and a line naming the problem", code, errb.String())
	}
	if code := run([]string{filepath.Join(t.TempDir(), "missing.ipynb")}, &out, &errb); code != 2 {
		t.Fatalf("missing file: exit %d, want 2", code)
	}
}
