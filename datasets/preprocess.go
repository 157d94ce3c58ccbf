package datasets

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"unicode"
)

// Preprocess selects how each line of the text is cleaned before it is
// tokenized.
type Preprocess int

const (
	// Book is the book's read_time_machine: every run of characters other
	// than ASCII letters becomes one space, the line is stripped and
	// lower-cased (CleanLine). Every letter outside a-z is lost, so it
	// suits English text only.
	Book Preprocess = iota
	// Unicode is Book for any script: a letter is whatever
	// unicode.IsLetter says (ä, ß, α, я, 漢 ...), lower-cased with
	// unicode.ToLower; every run of other characters (digits, punctuation,
	// white space) becomes one space, and the line is stripped.
	Unicode
	// Raw keeps the text as it is: case, digits, punctuation and line
	// breaks. Each line keeps its line break as "\n" (Python's
	// f.readlines() in text mode, without the book's re.sub), so the
	// character stream is the file itself with "\r\n" and "\r" read as
	// "\n".
	Raw
)

// String returns "book", "unicode" or "raw".
func (p Preprocess) String() string {
	switch p {
	case Book:
		return "book"
	case Unicode:
		return "unicode"
	case Raw:
		return "raw"
	}
	return fmt.Sprintf("Preprocess(%d)", int(p))
}

// ParsePreprocess parses "book", "unicode" or "raw". The empty string is
// Book, the default (and what a record written before the choice existed
// means).
func ParsePreprocess(s string) (Preprocess, error) {
	switch s {
	case "book", "":
		return Book, nil
	case "unicode":
		return Unicode, nil
	case "raw":
		return Raw, nil
	}
	return 0, fmt.Errorf("datasets: unknown preprocessing %q: use book, unicode or raw", s)
}

// keeps reports whether p keeps the rune r (possibly lower-cased) rather
// than turning it into a word break.
func (p Preprocess) keeps(r rune) bool {
	switch p {
	case Book:
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z'
	case Unicode:
		return unicode.IsLetter(r)
	}
	return true
}

// clean cleans one line (without its line break); strip drops the spaces
// at both ends as the book's strip() does.
func (p Preprocess) clean(s string, strip bool) string {
	switch p {
	case Book:
		if strip {
			return CleanLine(s)
		}
	case Raw:
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	pending := false
	for _, r := range s {
		if !p.keeps(r) {
			pending = true
			continue
		}
		if pending && (b.Len() > 0 || !strip) {
			b.WriteByte(' ')
		}
		pending = false
		b.WriteRune(unicode.ToLower(r))
	}
	if pending && !strip {
		b.WriteByte(' ')
	}
	return b.String()
}

// CleanPrefix cleans a prompt the way p cleaned the training text, but
// without the strip, so that a prompt may end in a space (the next
// character then starts a word): "Time Traveller!" becomes
// "time traveller " for Book and Unicode; Raw returns s unchanged.
func (p Preprocess) CleanPrefix(s string) string {
	return p.clean(s, false)
}

// PrefixTokens splits a prompt into tokens the way the corpus was split:
// cleaned by CleanPrefix, then characters for Char, or the words of
// strings.Fields for Word.
func PrefixTokens(s string, kind TokenKind, p Preprocess) []string {
	return Tokenize([]string{p.CleanPrefix(s)}, kind)[0]
}

// JoinTokens turns tokens back into text: characters are concatenated,
// words joined with single spaces (the inverse of Tokenize for one line).
func JoinTokens(toks []string, kind TokenKind) string {
	if kind == Word {
		return strings.Join(toks, " ")
	}
	return strings.Join(toks, "")
}

// splitLinesWith splits data into lines like Python's readlines with
// universal newlines and cleans each with p. Raw lines keep their line
// break, as "\n".
func splitLinesWith(data []byte, p Preprocess) []string {
	if p == Book {
		return splitLines(data)
	}
	var lines []string
	for len(data) > 0 {
		i := bytes.IndexAny(data, "\r\n")
		if i < 0 {
			lines = append(lines, p.clean(string(data), true))
			break
		}
		line := p.clean(string(data[:i]), true)
		if p == Raw {
			line += "\n"
		}
		lines = append(lines, line)
		if data[i] == '\r' && i+1 < len(data) && data[i+1] == '\n' {
			i++
		}
		data = data[i+1:]
	}
	return lines
}

// RuneCount is a character and how often it occurs.
type RuneCount struct {
	Rune  rune
	Count int
}

// PreprocessStats says what preprocessing did to a text.
type PreprocessStats struct {
	// Chars is the number of characters of the text, line breaks not
	// counted.
	Chars int
	// Kept is the number of characters that survive preprocessing as
	// themselves or lower-cased.
	Kept int
	// Dropped is the number of characters other than white space that
	// preprocessing removed (each run of them became one space, or
	// nothing at the ends of a line). White space is not counted: it only
	// separates words.
	Dropped int
	// DroppedLetters is how many of Dropped are letters (unicode.IsLetter):
	// for Book, every letter outside a-z, such as ä or é.
	DroppedLetters int
	// TopDropped are the most frequent dropped characters (at most 8),
	// most frequent first, ties by code point; TopLetters the same for the
	// dropped letters alone.
	TopDropped, TopLetters []RuneCount
}

// Stats returns what p does to text (see PreprocessStats).
func (p Preprocess) Stats(text []byte) PreprocessStats {
	sc := newStatsCounter(p)
	for _, r := range string(text) {
		sc.add(r)
	}
	return sc.stats()
}

// statsCounter counts PreprocessStats one character at a time (ReadCorpus
// streams the text through one).
type statsCounter struct {
	p       Preprocess
	s       PreprocessStats
	dropped map[rune]int
}

func newStatsCounter(p Preprocess) *statsCounter {
	return &statsCounter{p: p, dropped: map[rune]int{}}
}

// add counts the character r of the text.
func (c *statsCounter) add(r rune) {
	if r == '\n' || r == '\r' {
		return
	}
	c.s.Chars++
	switch {
	case c.p.keeps(r):
		c.s.Kept++
	case unicode.IsSpace(r):
	default:
		c.s.Dropped++
		c.dropped[r]++
		if unicode.IsLetter(r) {
			c.s.DroppedLetters++
		}
	}
}

// stats returns the counts so far.
func (c *statsCounter) stats() PreprocessStats {
	s := c.s
	var all, letters []RuneCount
	for r, n := range c.dropped {
		all = append(all, RuneCount{r, n})
		if unicode.IsLetter(r) {
			letters = append(letters, RuneCount{r, n})
		}
	}
	s.TopDropped, s.TopLetters = top(all, 8), top(letters, 8)
	return s
}

// top sorts counts, most frequent first and ties by code point, and
// returns the first n at most.
func top(counts []RuneCount, n int) []RuneCount {
	sort.Slice(counts, func(i, j int) bool {
		a, b := counts[i], counts[j]
		return a.Count > b.Count || a.Count == b.Count && a.Rune < b.Rune
	})
	if len(counts) > n {
		counts = counts[:n]
	}
	return counts
}
