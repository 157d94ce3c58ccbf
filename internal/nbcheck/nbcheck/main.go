// Command nbcheck fails when a markdown cell of an executed notebook quotes
// a figure that no output of the notebook contains (package
// internal/nbcheck says what counts). notebooks/run.sh runs it on every
// notebook it executes:
//
//	go run ./internal/nbcheck/nbcheck /tmp/unroll-notebooks/rnn.ipynb
//
// Exit status: 0 clean, 1 findings, 2 usage or unreadable input.
package main

import (
	"fmt"
	"io"
	"os"

	"github.com/unroll/unroll/internal/nbcheck"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "nbcheck: no notebook: give the executed .ipynb files to check")
		return 2
	}
	code := 0
	for _, path := range args {
		b, err := readBounded(path, 64<<20)
		if err != nil {
			fmt.Fprintf(stderr, "nbcheck: %v\n", err)
			return 2
		}
		found, err := nbcheck.Check(b)
		if err != nil {
			fmt.Fprintf(stderr, "nbcheck: %s: %v\n", path, err)
			return 2
		}
		for _, f := range found {
			fmt.Fprintf(stderr, "nbcheck: %s: %s\n", path, f)
			code = 1
		}
		if len(found) == 0 {
			fmt.Fprintf(stdout, "nbcheck: %s: every figure of the prose is in the run's output\n", path)
		}
	}
	return code
}

// readBounded reads a file of at most limit bytes.
func readBounded(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s: larger than %d MB: not a notebook this check reads", path, limit>>20)
	}
	return b, nil
}
