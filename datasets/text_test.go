package datasets

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
)

func TestCleanLine(t *testing.T) {
	// Expected values are what Python's
	// re.sub('[^A-Za-z]+', ' ', s).strip().lower() returns for each input.
	tests := []struct{ in, want string }{
		{"", ""},
		{"The Time Machine, by H. G. Wells [1898]", "the time machine by h g wells"},
		{"  --Hello,   World!!  ", "hello world"},
		{"it's 10 o'clock\n", "it s o clock"},
		{"12345", ""},
		{"tab\tand\r\nnewline", "tab and newline"},
		{"café naïve", "caf na ve"}, // each non-ASCII letter is a non-letter
		{"ALLCAPS", "allcaps"},
		{"a", "a"},
	}
	for _, tc := range tests {
		if got := CleanLine(tc.in); got != tc.want {
			t.Errorf("CleanLine(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestReadLines(t *testing.T) {
	// Expected values follow Python: open(path).readlines() (universal
	// newlines) and then CleanLine on every line.
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"a\n", []string{"a"}},
		{"a\nb", []string{"a", "b"}},         // last line without newline counts
		{"a\n\nb\n", []string{"a", "", "b"}}, // empty lines are kept
		{"One!\r\nTwo?\rThree", []string{"one", "two", "three"}},
		{"\n", []string{""}},
		{"x\r\n\r\n", []string{"x", ""}},
	}
	for _, tc := range tests {
		got, err := ReadLines(strings.NewReader(tc.in))
		if err != nil {
			t.Fatalf("ReadLines(%q): %v", tc.in, err)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("ReadLines(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	boom := errors.New("boom")
	if _, err := ReadLines(iotest.ErrReader(boom)); !errors.Is(err, boom) {
		t.Errorf("ReadLines(failing reader) error = %v, want it to wrap %v", err, boom)
	}
}

func TestTokenize(t *testing.T) {
	lines := []string{"the time", "", "machine"}
	chars := Tokenize(lines, Char)
	wantChars := [][]string{{"t", "h", "e", " ", "t", "i", "m", "e"}, {}, {"m", "a", "c", "h", "i", "n", "e"}}
	if fmt.Sprint(chars) != fmt.Sprint(wantChars) {
		t.Errorf("Tokenize(Char) = %q, want %q", chars, wantChars)
	}
	// Python: [line.split() for line in lines] -> [['the', 'time'], [], ['machine']]
	words := Tokenize(append(lines, "  two   spaces "), Word)
	wantWords := [][]string{{"the", "time"}, {}, {"machine"}, {"two", "spaces"}}
	if fmt.Sprint(words) != fmt.Sprint(wantWords) {
		t.Errorf("Tokenize(Word) = %q, want %q", words, wantWords)
	}
	if len(words[1]) != 0 {
		t.Errorf("an empty line must have no word tokens, got %q", words[1])
	}
}

func TestParseTokenKind(t *testing.T) {
	for _, k := range []TokenKind{Char, Word} {
		got, err := ParseTokenKind(k.String())
		if err != nil || got != k {
			t.Errorf("ParseTokenKind(%q) = %v, %v", k.String(), got, err)
		}
	}
	if _, err := ParseTokenKind("byte"); err == nil || !strings.Contains(err.Error(), "char or word") {
		t.Errorf("ParseTokenKind(byte) error = %v, want one naming the choices", err)
	}
}

func ExampleCleanLine() {
	fmt.Printf("%q\n", CleanLine("The Time Traveller (for so it will be convenient to speak of him)"))
	fmt.Printf("%q\n", CleanLine("  I.  "))
	// Output:
	// "the time traveller for so it will be convenient to speak of him"
	// "i"
}

func FuzzCleanLine(f *testing.F) {
	f.Add("The Time Machine, by H. G. Wells [1898]")
	f.Add("")
	f.Add("  ---  ")
	f.Add("naïve café\r\n")
	f.Fuzz(func(t *testing.T, s string) {
		got := CleanLine(s)
		for i := 0; i < len(got); i++ {
			if c := got[i]; c != ' ' && (c < 'a' || c > 'z') {
				t.Fatalf("CleanLine(%q) = %q holds %q", s, got, c)
			}
		}
		if strings.HasPrefix(got, " ") || strings.HasSuffix(got, " ") || strings.Contains(got, "  ") {
			t.Fatalf("CleanLine(%q) = %q has a leading, trailing or double space", s, got)
		}
		if CleanLine(got) != got {
			t.Fatalf("CleanLine is not idempotent on %q", got)
		}
		// The letters are exactly the input's ASCII letters, lower-cased.
		var letters strings.Builder
		for i := 0; i < len(s); i++ {
			if c := s[i]; ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') {
				letters.WriteByte(c | 0x20)
			}
		}
		if strings.ReplaceAll(got, " ", "") != letters.String() {
			t.Fatalf("CleanLine(%q) = %q lost or changed letters", s, got)
		}
	})
}

// FuzzTokenize: any bytes, split into lines and cleaned as the book does,
// tokenize into single characters (letters and the space) that join back
// to the line, or into words without spaces that join back with one.
func FuzzTokenize(f *testing.F) {
	f.Add([]byte("The Time Machine, by H. G. Wells [1898]\n\nI\r\nThe Time Traveller"), false)
	f.Add([]byte("The Time Machine, by H. G. Wells [1898]\n\nI\r\nThe Time Traveller"), true)
	f.Add([]byte("\r\r\n\n  \xff\xfe naïve café"), true)
	f.Add([]byte(""), false)
	f.Fuzz(func(t *testing.T, data []byte, word bool) {
		lines, err := ReadLines(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		kind := Char
		if word {
			kind = Word
		}
		toks := Tokenize(lines, kind)
		if len(toks) != len(lines) {
			t.Fatalf("%d lines, %d token lists", len(lines), len(toks))
		}
		for i, line := range lines {
			if CleanLine(line) != line {
				t.Fatalf("line %q is not clean", line)
			}
			sep := ""
			if word {
				sep = " "
			}
			for _, tok := range toks[i] {
				if tok == "" || (word && strings.Contains(tok, " ")) || (!word && len(tok) != 1) {
					t.Fatalf("line %q: token %q", line, tok)
				}
			}
			if strings.Join(toks[i], sep) != line {
				t.Fatalf("tokens %q do not join back to %q", toks[i], line)
			}
		}
	})
}

// FuzzLoadCorpus: any bytes go through CheckText and LoadCorpus without a
// panic; a corpus that loads has ids of its own vocabulary (never <unk>,
// since the vocabulary is built on the whole text), single-character
// tokens, and the cut the book makes.
func FuzzLoadCorpus(f *testing.F) {
	f.Add([]byte("The Time Machine, by H. G. Wells [1898]\n\nI\n"), 0)
	f.Add([]byte("abc def ghi\n"), 5)
	f.Add([]byte("1234 !!!\n"), 0)
	f.Add([]byte("caf\xe9\x00"), -1)
	f.Fuzz(func(t *testing.T, data []byte, maxTokens int) {
		if err := CheckText(data, "x.txt"); err != nil && strings.Contains(err.Error(), "\n") {
			t.Fatalf("CheckText: a message of several lines: %q", err)
		}
		c, err := LoadCorpus(data, "x.txt", Char, maxTokens)
		if err != nil {
			return
		}
		n := 0
		for _, l := range c.Lines {
			n += len(l)
		}
		want := n
		if maxTokens > 0 && maxTokens < n {
			want = maxTokens
		}
		if c.FullLen != n || len(c.IDs) != want {
			t.Fatalf("FullLen %d, %d ids; want %d and %d", c.FullLen, len(c.IDs), n, want)
		}
		for _, id := range c.IDs {
			if id < 1 || id >= c.Vocab.Len() {
				t.Fatalf("id %d outside the vocabulary's 1..%d", id, c.Vocab.Len()-1)
			}
		}
		for _, tok := range c.Vocab.Tokens()[1:] {
			if len(tok) != 1 || (tok != " " && (tok[0] < 'a' || tok[0] > 'z')) {
				t.Fatalf("vocabulary token %q", tok)
			}
		}
	})
}

func TestCheckText(t *testing.T) {
	for _, tc := range []struct {
		text, want string // want "": accepted
	}{
		{"The Time Machine\n", ""},
		{"naïve café, “quoted”\n", ""}, // UTF-8 beyond ASCII is text
		{"", ""},
		{"ab\x00cd", "binary file (a NUL byte at offset 2)"},
		{"line one\ncaf\xe9\n", "not UTF-8 text (byte 0xE9 on line 2)"},
		{"\xff\xfeh\x00i\x00", "is UTF-16 text"},
		{"\xfe\xff\x00h\x00i", "is UTF-16 text"},
	} {
		err := CheckText([]byte(tc.text), "f.txt")
		if (tc.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("CheckText(%q) = %v, want %q", tc.text, err, tc.want)
		}
	}
}
