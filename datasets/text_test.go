package datasets

import (
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
