package cli

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/spf13/pflag"
)

func TestGoStyle(t *testing.T) {
	fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
	fs.Int("steps", 35, "")
	fs.Float64("lr", 1, "")
	fs.String("data", "", "")
	fs.Bool("grad", false, "")
	for _, tc := range []struct{ in, want []string }{
		{[]string{"-steps", "35"}, []string{"--steps", "35"}},
		{[]string{"--steps", "35"}, []string{"--steps", "35"}},
		{[]string{"-steps=35", "-grad"}, []string{"--steps=35", "--grad"}},
		{[]string{"-lr", "-1"}, []string{"--lr", "-1"}},                           // a value, not a flag
		{[]string{"-data", "-odd-name.txt"}, []string{"--data", "-odd-name.txt"}}, // likewise
		{[]string{"-h"}, []string{"-h"}},                                          // shorthand
		{[]string{"-grad", "--", "-steps"}, []string{"--grad", "--", "-steps"}},
		{[]string{"-nonsense"}, []string{"--nonsense"}},
	} {
		if got := GoStyle(fs, tc.in); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("GoStyle(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestParseBothStyles(t *testing.T) {
	for _, args := range [][]string{{"-steps", "140"}, {"--steps", "140"}, {"-steps=140"}, {"--steps=140"}} {
		g := pflag.NewFlagSet("g", pflag.ContinueOnError)
		steps := g.Int("steps", 35, "time steps")
		fs := NewFlagSet("t", "test", Group{"Optimisation", g})
		var errs bytes.Buffer
		if done, code := Parse(fs, args, &errs); done || code != ExitOK || *steps != 140 {
			t.Errorf("%q: done %v code %d steps %d stderr %q", args, done, code, *steps, errs.String())
		}
	}
}
