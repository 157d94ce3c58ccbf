package datasets

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTextErrorHint: the library's message names no flag; a caller words
// the fix with its own name for the path (cmd/train: -data).
func TestTextErrorHint(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.txt")
	os.WriteFile(empty, nil, 0o644)
	digits := filepath.Join(dir, "digits.txt")
	os.WriteFile(digits, []byte("12345\n"), 0o644)
	for _, tc := range []struct {
		path     string
		msg, cli string // Error(), and What() + ": " + Hint("-data")
		notExist bool
	}{
		{filepath.Join(dir, "nope.txt"), "read " + filepath.Join(dir, "nope.txt") + ": no such file: check the path",
			"check the -data path", true},
		{dir, "it is a directory: pass a text file, not a directory", "pass a text file, not a directory, with -data", false},
		{empty, empty + " is empty: pass a non-empty text file", "is empty: pass a non-empty text file with -data", false},
		{digits, digits + " has no letters A-Z or a-z (only letters are kept): pass an English text file", "pass an English text file with -data", false},
		{"", "the path is empty: pass a text file", "the path is empty: pass a text file with -data", false},
	} {
		_, _, err := (&Fetcher{}).Corpus(t.Context(), Auto, tc.path, CorpusOptions{})
		if tc.path == "" {
			_, err = openDataFile("")
		}
		var te *TextError
		if !errors.As(err, &te) {
			t.Errorf("%q: %v (%T), want a TextError", tc.path, err, err)
			continue
		}
		if msg := err.Error(); !strings.HasPrefix(msg, "datasets: ") || !strings.Contains(msg, tc.msg) || strings.Contains(msg, "-data") {
			t.Errorf("%q: message %q, want %q and no flag", tc.path, msg, tc.msg)
		}
		if cli := te.What() + ": " + te.Hint("-data"); !strings.Contains(cli, tc.cli) {
			t.Errorf("%q: worded for -data: %q, want %q", tc.path, cli, tc.cli)
		}
		if errors.Is(err, fs.ErrNotExist) != tc.notExist {
			t.Errorf("%q: errors.Is(err, fs.ErrNotExist) = %v", tc.path, !tc.notExist)
		}
	}
}
