package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/unroll/unroll/internal/clitest"
)

// badCase is a clitest.Case, declared here so that its literals may be
// unkeyed (go vet asks for keys in literals of other packages' structs).
type badCase struct {
	Row  string
	Args []string
	Code int
	Want []string
}

// fixtures are the files the bad-input cases use.
type fixtures struct {
	good, empty, noLetters, short, binary, latin1, utf16, dir string
	file                                                      string // a plain file, where a directory is expected
}

func makeFixtures(t *testing.T) fixtures {
	t.Helper()
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	f := fixtures{
		good:      write("good.txt", []byte(strings.Repeat("The Time Traveller (for so it will be convenient to speak of him)\n", 20))),
		empty:     write("empty.txt", nil),
		noLetters: write("digits.txt", []byte(strings.Repeat("1234 5678 -- !!! ??\n", 50))),
		// 8 letters: far fewer than -batch 32 -steps 35 needs.
		short: write("short.txt", []byte("abc def\n")),
		// A PNG signature and header: binary, with NUL bytes.
		binary: write("image.png", append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), make([]byte, 64)...)),
		// "café naïve" in Latin-1: 0xE9 and 0xEF are not UTF-8.
		latin1: write("latin1.txt", []byte(strings.Repeat("caf\xe9 na\xefve time traveller\n", 40))),
		// "hi" in UTF-16LE with its byte order mark.
		utf16: write("utf16.txt", []byte("\xff\xfeh\x00i\x00")),
		file:  write("plain-file", []byte("not a directory\n")),
	}
	f.dir = filepath.Join(dir, "a-directory")
	os.Mkdir(f.dir, 0o755)
	return f
}

// TestBadInput is the train rows of docs/errors.md: every bad flag, data
// file and output path gives one line on stderr naming the problem and the
// fix, exit status 2 for usage errors and 1 for runtime failures, before
// any training.
func TestBadInput(t *testing.T) {
	f := makeFixtures(t)
	// tiny keeps the few cases that get as far as building a model quick.
	tiny := func(args ...string) []string {
		return append([]string{"-data", f.good, "-hiddens", "8", "-batch", "2", "-steps", "5", "-epochs", "1", "-predict-every", "0"}, args...)
	}
	cases := []badCase{
		{"unknown flag", []string{"-nonsense"}, 2, []string{"unknown flag: --nonsense", "see train -h"}},
		{"flag value not a number", []string{"-steps", "abc"}, 2, []string{"invalid argument \"abc\"", "see train -h"}},
		{"stray argument", []string{"data.txt"}, 2, []string{"unexpected argument \"data.txt\"", "-name value"}},
		{"zero or negative -steps", []string{"-steps", "0"}, 2, []string{"-steps must be >= 1", "got 0"}},
		{"zero or negative -steps", []string{"-steps", "-5"}, 2, []string{"-steps must be >= 1", "got -5"}},
		{"zero or negative -batch", []string{"-batch", "0"}, 2, []string{"-batch must be >= 1", "got 0"}},
		{"zero or negative -batch", []string{"-batch", "-3"}, 2, []string{"-batch must be >= 1", "got -3"}},
		{"zero or negative -hiddens", []string{"-hiddens", "0"}, 2, []string{"-hiddens must be >= 1", "got 0"}},
		{"zero or negative -hiddens", []string{"-hiddens", "-512"}, 2, []string{"-hiddens must be >= 1", "got -512"}},
		{"zero or negative -epochs", []string{"-epochs", "0"}, 2, []string{"-epochs must be >= 1", "got 0"}},
		{"zero or negative -epochs", []string{"-epochs", "-1"}, 2, []string{"-epochs must be >= 1", "got -1"}},
		{"zero, negative or NaN -lr", []string{"-lr", "0"}, 2, []string{"-lr must be a positive number", "got 0"}},
		{"zero, negative or NaN -lr", []string{"-lr", "-1"}, 2, []string{"-lr must be a positive number", "got -1"}},
		{"zero, negative or NaN -lr", []string{"-lr", "NaN"}, 2, []string{"-lr must be a positive number", "got NaN"}},
		{"negative -clip", []string{"-clip", "-1"}, 2, []string{"-clip must be >= 0, got -1"}},
		{"infinite or NaN -clip", []string{"-clip", "Inf"}, 2, []string{"-clip must be a finite number, got +Inf"}},
		{"unknown -model", []string{"-model", "transformer"}, 2, []string{`unknown -model "transformer": use one of the registered cells: gru, lstm, mlp, rnn`}},
		{"unknown -iter", []string{"-iter", "shuffled"}, 2, []string{`unknown sampling "shuffled": use sequential or random`}},
		{"unknown -corpus", []string{"-corpus", "war-and-peace"}, 2, []string{`unknown data source "war-and-peace": use auto, timemachine or opticks`}},
		{"unknown -activation", []string{"-activation", "sigmoid"}, 2, []string{"sigmoid"}},
		{"unknown -optimizer", []string{"-optimizer", "rmsprop"}, 2, []string{`-optimizer must be sgd or adam, got "rmsprop"`}},
		{"unknown -lr-schedule", []string{"-lr-schedule", "linear"}, 2, []string{`-lr-schedule must be constant, step or cosine, got "linear"`}},
		{"unknown -preset", []string{"-preset", "book-fancy"}, 2, []string{`unknown -preset "book-fancy": use book-scratch, book-concise, book-random`}},
		{"unknown -progress", []string{"-progress", "fancy"}, 2, []string{`unknown -progress "fancy": use auto, bar or lines`}},
		{"-resume without -checkpoint", []string{"-resume"}, 2, []string{"-resume needs -checkpoint DIR"}},
		{"-early-stop without a validation split", []string{"-early-stop", "3"}, 2, []string{"-early-stop needs a validation split: set -val-frac"}},
		{"-val-frac outside [0, 1)", []string{"-val-frac", "1"}, 2, []string{"-val-frac must be in [0, 1), got 1"}},
		{"-plot not .png, .svg or .pdf", []string{"-plot", "x.jpg"}, 2, []string{"must end in .png, .svg or .pdf"}},
		{"-plot-every without -plot", []string{"-plot-every", "5"}, 2, []string{"-plot-every needs -plot FILE.png"}},
		{"-lr-step below 1", []string{"-lr-schedule", "step", "-lr-step", "0"}, 2, []string{"-lr-step must be >= 1 (epochs between decays)"}},
		{"negative -keep", []string{"-keep", "-1"}, 2, []string{"-keep must be >= 0, got -1"}},
		{"validation split shorter than -steps", tiny("-val-frac", "0.001"), 2, []string{"raise -val-frac or lower -steps"}},
		// 1e8 hiddens: W_hh alone is 4e16 bytes.
		{"-hiddens too large for memory", tiny("-hiddens", "100000000"), 2, []string{"needs about", "more than this machine's", "lower -hiddens"}},
		{"-data file missing", []string{"-data", filepath.Join(f.dir, "missing.txt")}, 1, []string{"no such file: check the -data path", "missing.txt"}},
		{"-data is a directory", []string{"-data", f.dir}, 1, []string{"it is a directory: pass a text file, not a directory, with -data"}},
		{"-data file empty", []string{"-data", f.empty}, 1, []string{"is empty: pass a non-empty text file with -data"}},
		{"-data file with no letters", []string{"-data", f.noLetters}, 1, []string{"has no letters A-Z or a-z", "pass an English text file"}},
		{"corpus shorter than one minibatch", []string{"-data", f.short}, 1, []string{"needs at least 1156 (batch*steps+steps+1)", "use a longer text, a smaller -batch or -steps"}},
		// 2^62: batch*steps overflows int64 (the estimate is a float64).
		{"-batch so large batch*steps overflows", tiny("-batch", "4611686018427387904", "-steps", "4"), 2, []string{"needs about", "lower -hiddens (the book uses 512), -layers, -batch or -steps"}},
		{"binary -data file", []string{"-data", f.binary}, 1, []string{"looks like a binary file (a NUL byte at offset 8), not text: pass a plain text file"}},
		{"-data not UTF-8 (Latin-1)", []string{"-data", f.latin1}, 1, []string{"is not UTF-8 text (byte 0xE9 on line 1): convert it, e.g. iconv -f LATIN1 -t UTF-8"}},
		{"-data in UTF-16", []string{"-data", f.utf16}, 1, []string{"is UTF-16 text: convert it to UTF-8"}},
		{"-checkpoint is a file", tiny("-checkpoint", f.file), 1, []string{"is a file, not a directory: choose another path", "-checkpoint: " + f.file}},
		{"-checkpoint under a file", tiny("-checkpoint", filepath.Join(f.file, "ck")), 1, []string{"-checkpoint: cannot create directory", "choose a writable path"}},
		// /proc/self is a directory no one, root included, can create files in.
		{"-checkpoint not writable", tiny("-checkpoint", "/proc/self"), 1, []string{"-checkpoint: cannot write in /proc/self", "fix its permissions or choose a writable path"}},
		{"-metrics not writable", tiny("-metrics", filepath.Join(f.file, "m.jsonl")), 1, []string{"is a file, not a directory: choose another path", "-metrics: "}},
		{"-plot not writable", tiny("-plot", filepath.Join(f.file, "p.png")), 1, []string{"is a file, not a directory: choose another path", "-plot: "}},
		{"-dot not writable", tiny("-dot", "/proc/self/g.dot"), 1, []string{"-dot: cannot write in /proc/self"}},
		{"-cpuprofile not writable", tiny("-cpuprofile", filepath.Join(f.file, "cpu.prof")), 1, []string{"is a file, not a directory: choose another path", "-cpuprofile: "}},
		{"-metrics is a directory", tiny("-metrics", f.dir), 1, []string{"is a directory: give a file name", "-metrics: " + f.dir}},
	}
	for _, c := range cases {
		code, _, errOut := runCmd(c.Args...)
		clitest.Check(t, "train", clitest.Case(c), code, errOut)
	}
}

// TestLongSingleLine: a text that is one very long line (2 MB, no line
// break) trains like any other: lines have no length limit.
func TestLongSingleLine(t *testing.T) {
	p := writeText(t, strings.Repeat("the time traveller was expounding a recondite matter to us ", 35000))
	code, out, errOut := runCmd("-data", p, "-hiddens", "8", "-batch", "2", "-steps", "5", "-epochs", "1", "-predict-every", "0")
	// 35000 repeats of 59 characters, less the final space that the
	// preprocessing strips.
	if code != 0 || errOut != "" || !strings.Contains(out, "1 line, 2064999 characters, 10000 used") {
		t.Errorf("exit %d, stderr %q\n%s", code, errOut, out)
	}
	clitest.Documented(t, "train", "very long single line", 0, "1 line, 2064999 characters")
}
