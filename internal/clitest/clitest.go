// Package clitest checks the commands' answers to bad input in tests: one
// line on stderr with the expected exit status and words, and a row in
// docs/errors.md, the table of every bad input tried, that shows the same.
package clitest

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Case is one bad input of a command.
type Case struct {
	Row  string   // the row of docs/errors.md: its "bad input" cell
	Args []string // the command line
	Code int      // the exit status
	Want []string // in the one stderr line; Want[0] is also in the row
}

// Check fails t unless stderr is exactly one line holding every want
// string and the exit status is c.Code, and unless docs/errors.md has
// c.Row for the command with that status and Want[0].
func Check(t *testing.T, command string, c Case, code int, stderr string) {
	t.Helper()
	line := strings.TrimSuffix(stderr, "\n")
	if code != c.Code || line == "" || strings.Contains(line, "\n") || !strings.HasSuffix(stderr, "\n") {
		t.Errorf("%s %q: exit %d, stderr %q; want exit %d and one line", command, c.Args, code, stderr, c.Code)
	}
	if strings.Contains(stderr, "goroutine ") || strings.Contains(stderr, "panic") {
		t.Errorf("%s %q: a panic: %s", command, c.Args, stderr)
	}
	for _, w := range c.Want {
		if !strings.Contains(line, w) {
			t.Errorf("%s %q: stderr %q lacks %q", command, c.Args, line, w)
		}
	}
	if os.Getenv("UNROLL_PRINT_ROWS") != "" { // to write docs/errors.md
		t.Logf("ROW| %s | %s | %d | `%s` |", command, c.Row, code, line)
	}
	Documented(t, command, c.Row, c.Code, c.Want[0])
}

var (
	docOnce sync.Once
	doc     []string
	docErr  error
)

// Documented fails t unless docs/errors.md has a table row
// "| command | row | code | ..." that contains want.
func Documented(t *testing.T, command, row string, code int, want string) {
	t.Helper()
	docOnce.Do(func() {
		// Tests run in their package's directory: the module's root is
		// the nearest directory above with a go.mod.
		dir, err := os.Getwd()
		for err == nil {
			if _, serr := os.Stat(filepath.Join(dir, "go.mod")); serr == nil {
				break
			}
			if parent := filepath.Dir(dir); parent != dir {
				dir = parent
			} else {
				err = os.ErrNotExist
			}
		}
		if err != nil {
			docErr = fmt.Errorf("no go.mod above the test's directory: %w", err)
			return
		}
		var b []byte
		b, docErr = os.ReadFile(filepath.Join(dir, "docs", "errors.md"))
		doc = strings.Split(string(b), "\n")
	})
	if docErr != nil {
		t.Fatalf("docs/errors.md: %v", docErr)
	}
	prefix := "| " + command + " | " + row + " | " + strconv.Itoa(code) + " |"
	for _, l := range doc {
		if strings.HasPrefix(l, prefix) {
			if !strings.Contains(l, want) {
				t.Errorf("docs/errors.md: the row %q does not show %q", prefix, want)
			}
			return
		}
	}
	t.Errorf("docs/errors.md has no row starting %q (showing %q)", prefix, want)
}
