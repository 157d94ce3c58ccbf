package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/unroll/unroll/internal/clitest"
	"github.com/unroll/unroll/train"
)

// TestWordTokens: -tokens word trains on words, predicts words joined by
// spaces, and its checkpoint records the token kind, preprocessing and
// min-freq, which -resume then checks.
func TestWordTokens(t *testing.T) {
	data := writeText(t, strings.Repeat("The Time Traveller (for so it will be convenient to speak of him) was expounding a recondite matter to us.\n", 8))
	ck := filepath.Join(t.TempDir(), "ck")
	args := append([]string{"-data", data, "-tokens", "word", "-min-freq", "2", "-checkpoint", ck}, tiny...)
	code, out, errOut := runCmd(args...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	// 20 words a line, 8 lines; 19 distinct words, each seen 8 times.
	for _, want := range []string{"8 lines, 160 words, 160 used, vocab 20", "no token read as <unk>", "\n    the time ", "\nthe time "} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	last := out[strings.LastIndex(strings.TrimSuffix(out, "\n"), "\n")+1:]
	if n := len(strings.Fields(last)); n != 2+50 {
		t.Errorf("last prediction %q has %d words, want the 2 of the prefix and 50 more", last, n)
	}
	c, err := train.OpenCheckpoint(ck)
	if err != nil {
		t.Fatal(err)
	}
	if c.TokenKind != "word" || c.Data.Preprocess != "book" || c.Data.MinFreq != 2 || c.Settings["prefix"] != "the time" {
		t.Errorf("checkpoint records tokens %q, preprocess %q, min-freq %d, prefix %q; want word, book, 2, \"the time\"",
			c.TokenKind, c.Data.Preprocess, c.Data.MinFreq, c.Settings["prefix"])
	}
	more := append(append([]string{"-data", data, "-checkpoint", ck, "-resume"}, tiny...), "-epochs", "3")
	code, _, errOut = runCmd(append(more, "-tokens", "char")...)
	if code != 2 || !strings.Contains(errOut, "-tokens is char here but word in the checkpoint") {
		t.Errorf("resume with -tokens char: exit %d, %q", code, errOut)
	}
	code, _, errOut = runCmd(append(more, "-tokens", "word", "-min-freq", "3")...)
	if code != 2 || !strings.Contains(errOut, "-min-freq is 3 here but 2 in the checkpoint") {
		t.Errorf("resume with -min-freq 3: exit %d, %q", code, errOut)
	}
	code, out, errOut = runCmd(append(more, "-tokens", "word", "-min-freq", "2")...)
	if code != 0 || !strings.Contains(out, "resumed from") {
		t.Errorf("resume with the same flags: exit %d, %q\n%s", code, errOut, out)
	}
}

// TestGermanUnicode: with -preprocess unicode a German text keeps its
// umlauts and ß (no token read as <unk>, none dropped as a letter); the
// book's default drops them and says so.
func TestGermanUnicode(t *testing.T) {
	data := writeText(t, strings.Repeat("Über die Brücke gehen Mädchen und Jungen. Der Fluß fließt, es ist kälter.\n", 10))
	code, out, errOut := runCmd(append([]string{"-data", data, "-preprocess", "unicode"}, tiny...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	// Per line: 73 characters; 3 punctuation marks dropped (". , ."),
	// and by the book's preprocessing also the 6 letters Ü ü ä ß ß ä.
	for _, want := range []string{"preprocess unicode: dropped 30 of 730 characters (most often . ,); no token read as <unk>", "\n    über die brücke", "\nüber die brücke"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "<unk>e") || strings.Contains(errOut, "<unk>") {
		t.Errorf("<unk> in the output:\n%s\n%s", out, errOut)
	}
	code, out, _ = runCmd(append([]string{"-data", data}, tiny...)...)
	if want := "preprocess book: dropped 90 of 730 characters (60 letters, most often ß ä Ü ü: -preprocess unicode keeps them; most often . ß ä , Ü)"; code != 0 || !strings.Contains(out, want) {
		t.Errorf("book preprocessing: exit %d, output lacks %q:\n%s", code, want, out)
	}
}

// TestTextBadInput: bad -tokens, -preprocess, -min-freq and -prefix, and
// a bad input found only after the text is read (a missing file), each
// print their one line and no configuration block.
func TestTextBadInput(t *testing.T) {
	data := writeText(t, strings.Repeat("abc def ghi ", 40))
	cases := []badCase{
		{"unknown -tokens", []string{"-data", data, "-tokens", "words"}, 2, []string{"unknown -tokens \"words\": use char or word"}},
		{"unknown -preprocess", []string{"-data", data, "-preprocess", "latin1"}, 2, []string{"unknown -preprocess \"latin1\": use book", "unicode (letters of every script) or raw"}},
		{"negative -min-freq", []string{"-data", data, "-min-freq", "-1"}, 2, []string{"-min-freq must be >= 0, got -1"}},
		{"-prefix with no token", []string{"-data", data, "-tokens", "word", "-prefix", "1898!"}, 2, []string{"-prefix \"1898!\" has no word tokens after -preprocess book"}},
	}
	for _, c := range cases {
		code, out, errOut := runCmd(append(c.Args, tiny...)...)
		clitest.Check(t, "train", clitest.Case(c), code, errOut)
		if out != "" {
			t.Errorf("%q: printed before its error:\n%s", c.Args, out)
		}
	}
	code, out, _ := runCmd(append([]string{"-data", filepath.Join(t.TempDir(), "missing.txt")}, tiny...)...)
	if code == 0 || out != "" {
		t.Errorf("missing -data: exit %d, and printed before its error:\n%s", code, out)
	}
}
