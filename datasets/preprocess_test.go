package datasets

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// german is a short German text with umlauts, ß and a Greek line.
const german = "Über die Brücke gehen Mädchen und Jungen.\r\nDer Fluß fließt; 1898 war es kälter.\nΑλφα βήτα\n"

func TestPreprocessLines(t *testing.T) {
	// Expected values written out by hand from the rules in the doc
	// comments: Book is Python's re.sub('[^A-Za-z]+', ' ', s).strip().lower();
	// Unicode keeps unicode.IsLetter runes, lower-cased; Raw keeps each
	// line with "\n" for its line break.
	tests := []struct {
		p    Preprocess
		want []string
	}{
		{Book, []string{"ber die br cke gehen m dchen und jungen", "der flu flie t war es k lter", ""}},
		{Unicode, []string{"über die brücke gehen mädchen und jungen", "der fluß fließt war es kälter", "αλφα βήτα"}},
		{Raw, []string{"Über die Brücke gehen Mädchen und Jungen.\n", "Der Fluß fließt; 1898 war es kälter.\n", "Αλφα βήτα\n"}},
	}
	for _, tc := range tests {
		if got := splitLinesWith([]byte(german), tc.p); !slices.Equal(got, tc.want) {
			t.Errorf("%v: lines %q, want %q", tc.p, got, tc.want)
		}
	}
	// Book through the general path gives CleanLine's result too.
	for _, s := range []string{"The Time Machine, by H. G. Wells [1898]", "  --Hello,   World!!  ", "café naïve", ""} {
		if got, want := Book.clean(s, true), CleanLine(s); got != want {
			t.Errorf("Book.clean(%q) = %q, want CleanLine's %q", s, got, want)
		}
	}
}

func TestPreprocessParse(t *testing.T) {
	for _, p := range []Preprocess{Book, Unicode, Raw} {
		if q, err := ParsePreprocess(p.String()); err != nil || q != p {
			t.Errorf("ParsePreprocess(%q) = %v, %v", p.String(), q, err)
		}
	}
	if p, err := ParsePreprocess(""); err != nil || p != Book {
		t.Errorf(`ParsePreprocess("") = %v, %v; want book (old records)`, p, err)
	}
	if _, err := ParsePreprocess("latin"); err == nil || !strings.Contains(err.Error(), "book, unicode or raw") {
		t.Errorf("ParsePreprocess(latin) error %v", err)
	}
}

func TestPreprocessStats(t *testing.T) {
	// Counted by hand on german: 86 characters without the line breaks
	// and the \r; 13 spaces (6, 6, 1); the letters outside a-z are Ü ü ä ß
	// ß ä (6) and the 8 Greek letters; the other dropped characters are
	// ". ; 1 8 9 8 ." (7).
	s := Book.Stats([]byte(german))
	if s.DroppedLetters != 14 || s.Dropped != 21 || s.Chars != 86 {
		t.Errorf("book: dropped %d, letters %d, chars %d; want 21, 14, 86", s.Dropped, s.DroppedLetters, s.Chars)
	}
	if s.Kept+s.Dropped+13 != s.Chars {
		t.Errorf("book: kept %d + dropped %d + 13 spaces != %d characters", s.Kept, s.Dropped, s.Chars)
	}
	if got := fmt.Sprint(s.TopDropped[:3]); got != "[{46 2} {56 2} {223 2}]" { // '.', '8', 'ß'
		t.Errorf("book: top dropped %s", got)
	}
	if got := fmt.Sprint(s.TopLetters[:3]); got != "[{223 2} {228 2} {945 2}]" { // ß, ä, α (twice each)
		t.Errorf("book: top dropped letters %s", got)
	}
	u := Unicode.Stats([]byte(german))
	if u.DroppedLetters != 0 || u.Dropped != 7 || u.Kept != s.Kept+14 {
		t.Errorf("unicode: dropped %d (letters %d), kept %d; want 7 (0), %d", u.Dropped, u.DroppedLetters, u.Kept, s.Kept+14)
	}
	if r := Raw.Stats([]byte(german)); r.Dropped != 0 || r.Kept != r.Chars {
		t.Errorf("raw: %+v; want nothing dropped", r)
	}
}

func TestNewCorpusGermanUnicode(t *testing.T) {
	for _, kind := range []TokenKind{Char, Word} {
		c, err := NewCorpus([]byte(german), "de.txt", CorpusOptions{Tokens: kind, Preprocess: Unicode})
		if err != nil {
			t.Fatal(err)
		}
		if c.Unknown != 0 || slices.Contains(c.IDs, 0) {
			t.Errorf("%v: %d <unk> tokens, want none", kind, c.Unknown)
		}
		for _, r := range "üäßβ" {
			tok := string(r)
			if kind == Word {
				continue
			}
			if c.Vocab.ID(tok) == 0 {
				t.Errorf("char vocabulary lacks %q", tok)
			}
		}
		if kind == Word && c.Vocab.ID("fließt") == 0 {
			t.Errorf("word vocabulary lacks fließt: %q", c.Vocab.Tokens())
		}
	}
	// The book's preprocessing loses the umlauts: "br cke".
	c, _ := NewCorpus([]byte(german), "de.txt", CorpusOptions{Tokens: Word})
	if c.Vocab.ID("br") == 0 || c.Vocab.ID("brücke") != 0 {
		t.Errorf("book word vocabulary %q", c.Vocab.Tokens())
	}
}

func TestNewCorpusRaw(t *testing.T) {
	c, err := NewCorpus([]byte("Hi, you.\r\nBye!"), "r.txt", CorpusOptions{Preprocess: Raw})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, id := range c.IDs {
		b.WriteString(c.Vocab.Token(id))
	}
	if b.String() != "Hi, you.\nBye!" {
		t.Errorf("raw char stream %q", b.String())
	}
	w, _ := NewCorpus([]byte("Hi, you.\r\nBye!"), "r.txt", CorpusOptions{Tokens: Word, Preprocess: Raw})
	if got := w.Vocab.Tokens()[1:]; !slices.Equal(got, []string{"Hi,", "you.", "Bye!"}) {
		t.Errorf("raw words %q", got)
	}
	if _, err := NewCorpus([]byte(" \n\t\n"), "blank.txt", CorpusOptions{Tokens: Word, Preprocess: Raw}); err == nil ||
		!strings.Contains(err.Error(), "blank.txt has no word tokens") {
		t.Errorf("blank raw text: %v", err)
	}
	if _, err := NewCorpus([]byte("1898 -- 2024"), "n.txt", CorpusOptions{Preprocess: Unicode}); err == nil ||
		!strings.Contains(err.Error(), "no letters") {
		t.Errorf("unicode, no letters: %v", err)
	}
}

func TestPrefixTokensAndJoin(t *testing.T) {
	tests := []struct {
		in   string
		kind TokenKind
		p    Preprocess
		want []string
	}{
		{"Time Traveller!", Char, Book, strings.Split("time traveller ", "")},
		{"Time Traveller!", Word, Book, []string{"time", "traveller"}},
		{"Über Brücken", Word, Unicode, []string{"über", "brücken"}},
		{"Über", Char, Book, []string{" ", "b", "e", "r"}},
		{"Hi, you", Word, Raw, []string{"Hi,", "you"}},
	}
	for _, tc := range tests {
		if got := PrefixTokens(tc.in, tc.kind, tc.p); !slices.Equal(got, tc.want) {
			t.Errorf("PrefixTokens(%q, %v, %v) = %q, want %q", tc.in, tc.kind, tc.p, got, tc.want)
		}
	}
	if got := JoinTokens([]string{"the", "time", "machine"}, Word); got != "the time machine" {
		t.Errorf("JoinTokens(word) = %q", got)
	}
	if got := JoinTokens([]string{"t", "h", "e", " "}, Char); got != "the " {
		t.Errorf("JoinTokens(char) = %q", got)
	}
}

func TestTimeMachineWordsAndPreprocessing(t *testing.T) {
	text := timeMachine(t)
	// The book, section 8.2 (classic edition), builds
	// Vocab(tokenize(read_time_machine())) with min_freq 0 and prints
	// token_to_idx[:10] = <unk> the i and of a to was in that; section
	// 8.3.3 prints the token_freqs[:10] below. len(vocab) 4580 and the
	// figures for other min_freq values are the book's Vocab run on the
	// book's text: section "== corpus_test.go: TestTimeMachineFacts" of
	// testdata/gen_vectors.py.
	const top10 = "[{the 2261} {i 1267} {and 1245} {of 1155} {a 816} {to 695} {was 552} {in 541} {that 443} {my 440}]"
	for _, tc := range []struct{ minFreq, vocab, unk, unkTypes int }{
		{0, 4580, 0, 0}, {2, 2183, 2397, 2397}, {3, 1420, 3923, 3160}, {5, 825, 5927, 3755}, {10, 400, 8659, 4180},
	} {
		c, err := NewCorpus(text, "timemachine.txt", CorpusOptions{Tokens: Word, MinFreq: tc.minFreq})
		if err != nil {
			t.Fatal(err)
		}
		if c.Vocab.Len() != tc.vocab || c.Unknown != tc.unk || c.UnknownTypes != tc.unkTypes || c.FullLen != 32775 {
			t.Errorf("min_freq %d: vocab %d, <unk> %d (%d distinct), tokens %d; want %d, %d (%d), 32775",
				tc.minFreq, c.Vocab.Len(), c.Unknown, c.UnknownTypes, c.FullLen, tc.vocab, tc.unk, tc.unkTypes)
		}
		if got := fmt.Sprint(c.Vocab.TokenFreqs()[:10]); got != top10 {
			t.Errorf("min_freq %d: top words %s, want %s", tc.minFreq, got, top10)
		}
		if got := c.Vocab.Tokens()[:10]; !slices.Equal(got, strings.Fields("<unk> the i and of a to was in that")) {
			t.Errorf("min_freq %d: token_to_idx[:10] %q", tc.minFreq, got)
		}
	}
	// What the book's preprocessing drops: section
	// "== preprocess_test.go: TestPreprocessStatsTimeMachine" of
	// testdata/gen_vectors.py (Python 3 on the same file).
	s := Book.Stats(text)
	if s.Chars != 175758 || s.Kept != 140653 || s.Dropped != 5647 || s.DroppedLetters != 0 {
		t.Errorf("book stats %+v; want chars 175758, kept 140653, dropped 5647, 0 letters", s)
	}
	if got := fmt.Sprint(s.TopDropped[:4]); got != "[{44 2225} {46 1800} {39 657} {45 546}]" { // , . ' -
		t.Errorf("book: top dropped %s", got)
	}
	// The book is plain ASCII: Unicode gives the same corpus.
	u, err := NewCorpus(text, "timemachine.txt", CorpusOptions{Preprocess: Unicode})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := LoadCorpus(text, "timemachine.txt", Char, 0)
	if u.FullLen != 170580 || u.Vocab.Len() != 28 || !slices.Equal(u.IDs, b.IDs) {
		t.Errorf("unicode: %d chars, vocab %d; want the book's 170580 and 28, same ids", u.FullLen, u.Vocab.Len())
	}
}
