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
// pflag's GNU spelling ("--steps 35") so both work. A single dash followed
// by a letter and more characters is a long flag (so an unknown "-nonsense"
// is reported as such, not as a cluster of shorthands); single-letter
// shorthands such as -h, the value of a flag that takes one (even "-1" or
// "-x.txt"), and everything after "--" are left alone.
func GoStyle(fs *pflag.FlagSet, args []string) []string {
	out := make([]string, 0, len(args))
	takesValue := false
	for i, a := range args {
		switch {
		case takesValue:
			takesValue = false
		case a == "--":
			return append(out, args[i:]...)
		case len(a) > 2 && a[0] == '-' && isLetter(a[1]):
			a = "-" + a
			fallthrough
		case strings.HasPrefix(a, "--"):
			name, _, hasValue := strings.Cut(a[2:], "=")
			if f := fs.Lookup(name); f != nil && !hasValue && f.NoOptDefVal == "" {
				takesValue = true
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

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
