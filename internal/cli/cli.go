// Package cli holds what unroll's commands share: Go-style single-dash long
// flags on top of pflag, grouped help, and exit codes.
package cli

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/pflag"
)

// Exit codes shared by every command.
const (
	ExitOK      = 0
	ExitRuntime = 1 // the run failed
	ExitUsage   = 2 // bad flags or arguments
)

// GoStyle rewrites Go-style long flags ("-steps 35", "-steps=35") into
// pflag's GNU spelling ("--steps 35") so both work. Only names of long flags
// that fs defines are rewritten; single-letter shorthands such as -h, values
// such as "-1", and everything after "--" are left alone.
func GoStyle(fs *pflag.FlagSet, args []string) []string {
	out := make([]string, 0, len(args))
	for i, a := range args {
		if a == "--" {
			return append(out, args[i:]...)
		}
		if len(a) > 2 && a[0] == '-' && a[1] != '-' {
			name, _, _ := strings.Cut(a[1:], "=")
			if len(name) > 1 && fs.Lookup(name) != nil {
				a = "-" + a
			}
		}
		out = append(out, a)
	}
	return out
}

// Group is a titled set of flags for grouped help.
type Group struct {
	Title string
	Flags *pflag.FlagSet
}

// NewFlagSet returns a flag set for command name whose flags are the
// union of groups, with help printed group by group.
func NewFlagSet(name, synopsis string, groups ...Group) *pflag.FlagSet {
	fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
	for _, g := range groups {
		fs.AddFlagSet(g.Flags)
	}
	fs.SortFlags = false
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "%s\n\nUsage: %s [flags]   (flags may be written -name or --name)\n", synopsis, name)
		for _, g := range groups {
			g.Flags.SortFlags = false
			fmt.Fprintf(w, "\n%s:\n%s", g.Title, g.Flags.FlagUsages())
		}
		fmt.Fprintf(w, "\n  -h, --help   show this help\n")
	}
	return fs
}

// Parse parses args (Go or GNU style). It returns (true, ExitOK) after
// printing help for -h, and (true, ExitUsage) after printing a one-line
// error for bad flags or stray arguments.
func Parse(fs *pflag.FlagSet, args []string, stderr io.Writer) (done bool, code int) {
	fs.SetOutput(stderr)
	usage := fs.Usage
	fs.Usage = func() {} // pflag must not print help on errors
	err := fs.Parse(GoStyle(fs, args))
	fs.Usage = usage
	switch {
	case errors.Is(err, pflag.ErrHelp):
		fs.Usage()
		return true, ExitOK
	case err != nil:
		fmt.Fprintf(stderr, "%s: %v (see %s -h)\n", fs.Name(), err, fs.Name())
		return true, ExitUsage
	case fs.NArg() > 0:
		fmt.Fprintf(stderr, "%s: unexpected argument %q: flags take the form -name value (see %s -h)\n", fs.Name(), fs.Arg(0), fs.Name())
		return true, ExitUsage
	}
	return false, ExitOK
}
