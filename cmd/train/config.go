package main

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/spf13/pflag"
	"github.com/unroll/unroll/report"
)

// preset is a named run of the book: flag values set unless given
// explicitly on the command line.
type preset struct {
	name, about string
	values      [][2]string // flag name, value
}

// bookRun is the setting of the book's train_ch8 runs in section 8.5.
var bookRun = [][2]string{
	{"model", "rnn"}, {"activation", "tanh"}, {"max-tokens", "10000"}, {"hiddens", "512"},
	{"steps", "35"}, {"batch", "32"}, {"epochs", "500"}, {"lr", "1"}, {"clip", "1"},
	{"iter", "sequential"}, {"optimizer", "sgd"}, {"lr-schedule", "constant"},
}

var presets = []preset{
	{"book-scratch", "section 8.5 from scratch: 512 hiddens, lr 1, 500 epochs, sequential sampling", bookRun},
	{"book-concise", "section 8.6 concise: as book-scratch with 256 hiddens", with(bookRun, "hiddens", "256")},
	{"book-random", "section 8.5's second run: as book-scratch with random sampling", with(bookRun, "iter", "random")},
}

// with returns values with one flag's value replaced.
func with(values [][2]string, name, value string) [][2]string {
	out := slices.Clone(values)
	for i := range out {
		if out[i][0] == name {
			out[i][1] = value
		}
	}
	return out
}

func presetHelp() string {
	var names []string
	for _, p := range presets {
		names = append(names, p.name+" ("+p.about+")")
	}
	return strings.Join(names, "; ")
}

// applyPreset sets the preset's flags that were not given on the command
// line, and Adam's default learning rate, and records where every value
// came from for printConfig.
func applyPreset(fs *pflag.FlagSet, o *options) error {
	o.sources = map[string]string{}
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Changed {
			o.sources[f.Name] = "*"
		}
	})
	if o.preset != "" {
		i := slices.IndexFunc(presets, func(p preset) bool { return p.name == o.preset })
		if i < 0 {
			var names []string
			for _, p := range presets {
				names = append(names, p.name)
			}
			return usageError{fmt.Errorf("unknown -preset %q: use %s", o.preset, strings.Join(names, ", "))}
		}
		for _, kv := range presets[i].values {
			if fs.Changed(kv[0]) || (kv[0] == "lr" && o.train.Optimizer == "adam") {
				continue // the command line wins; the book's lr 1 is for SGD
			}
			if err := fs.Lookup(kv[0]).Value.Set(kv[1]); err != nil {
				return fmt.Errorf("preset %s: -%s %s: %w", o.preset, kv[0], kv[1], err)
			}
			o.sources[kv[0]] = "+"
		}
	}
	if o.train.Optimizer == "adam" && o.sources["lr"] == "" {
		fs.Lookup("lr").Value.Set("0.002") // char-rnn's Adam rate; 0.01 diverges for a while at 512 hiddens
		o.sources["lr"] = " (adam default)"
	}
	if o.sources["init-seed"] == "" {
		// One -seed seeds both, as before -init-seed; the library keeps
		// them apart (models.Config.Seed, train.Config.Seed).
		o.initSeed = o.train.Seed
		o.sources["init-seed"] = " (-seed)"
	}
	return nil
}

// checkNew validates the flags added for validation, checkpoints and
// outputs.
func (o *options) checkNew() error {
	switch {
	case !(o.valFrac >= 0 && o.valFrac < 1) || math.IsInf(o.valFrac, 0):
		return fmt.Errorf("-val-frac must be in [0, 1), got %v", o.valFrac)
	case o.train.ValEvery < 1:
		return fmt.Errorf("-val-every must be >= 1, got %d", o.train.ValEvery)
	case o.earlyStop < 0:
		return fmt.Errorf("-early-stop must be >= 0, got %d", o.earlyStop)
	case o.earlyStop > 0 && o.valFrac == 0:
		return fmt.Errorf("-early-stop needs a validation split: set -val-frac, e.g. 0.1")
	case o.train.Schedule.Kind == "cosine" && o.train.Schedule.MinLR > o.train.LR:
		return fmt.Errorf("-lr-min %g is above -lr %g: the cosine schedule decays from -lr down to -lr-min; lower -lr-min", o.train.Schedule.MinLR, o.train.LR)
	case o.resume && o.overwrite:
		return fmt.Errorf("-resume and -overwrite both given: -resume continues the run in -checkpoint DIR, -overwrite replaces it; use one")
	case o.resume && o.initFrom != "":
		return fmt.Errorf("-init-from and -resume both given: -resume continues the weights of the run in -checkpoint DIR, -init-from starts a new run from FILE; use one")
	case o.initFrom != "" && o.sources["init"] == "*":
		return fmt.Errorf("-init-from and -init both given: -init-from's weights replace what -init draws; drop -init")
	case o.initFrom != "" && o.sources["init-seed"] == "*":
		return fmt.Errorf("-init-from and -init-seed both given: -init-from's weights replace what -init-seed draws; drop -init-seed")
	case o.overwrite && o.checkpoint == "":
		return fmt.Errorf("-overwrite needs -checkpoint DIR, the directory whose run to replace")
	case o.resume && o.checkpoint == "":
		return fmt.Errorf("-resume needs -checkpoint DIR, the directory of the run to continue")
	case o.checkpointEvery < 1:
		return fmt.Errorf("-checkpoint-every must be >= 1, got %d", o.checkpointEvery)
	case o.keep < 0:
		return fmt.Errorf("-keep must be >= 0, got %d", o.keep)
	case o.plotEvery < 0:
		return fmt.Errorf("-plot-every must be >= 0, got %d", o.plotEvery)
	case o.plotEvery > 0 && o.plot == "":
		return fmt.Errorf("-plot-every needs -plot FILE.png")
	case o.progress != "auto" && o.progress != "bar" && o.progress != "lines":
		return fmt.Errorf("unknown -progress %q: use auto, bar or lines", o.progress)
	}
	if o.plot != "" {
		if err := report.CheckPlotPath(o.plot); err != nil {
			return fmt.Errorf("-plot: %s", strings.TrimPrefix(err.Error(), "report: "))
		}
	}
	return nil
}

// settings returns every flag's effective value, by name.
func (o *options) settings() map[string]string {
	m := map[string]string{}
	for _, g := range o.groups {
		g.Flags.VisitAll(func(f *pflag.Flag) { m[f.Name] = f.Value.String() })
	}
	return m
}

// printConfig prints the effective configuration as one block: every flag
// by group, marked when the command line (*) or the preset (+) set it.
func printConfig(w io.Writer, o *options) {
	title := "configuration (* set on the command line"
	if o.preset != "" {
		title += ", + by -preset " + o.preset
	}
	fmt.Fprintln(w, title+"):")
	for _, g := range o.groups[1:] { // the preset is in the title
		var items []string
		g.Flags.SortFlags = false
		g.Flags.VisitAll(func(f *pflag.Flag) {
			v := f.Value.String()
			if v == "" || strings.ContainsAny(v, " \t") {
				v = fmt.Sprintf("%q", v)
			}
			items = append(items, f.Name+"="+v+o.sources[f.Name])
		})
		line := fmt.Sprintf("  %-13s", strings.ToLower(g.Title))
		start := len(line)
		for i, it := range items {
			if i > 0 && len(line)+1+len(it) > 100 {
				fmt.Fprintln(w, line)
				line = strings.Repeat(" ", start)
			} else if i > 0 {
				line += " "
			}
			line += it
		}
		fmt.Fprintln(w, line)
	}
}
