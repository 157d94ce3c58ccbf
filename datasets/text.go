package datasets

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// CleanLine preprocesses one line the way the book's read_time_machine does:
// every run of characters other than ASCII letters becomes a single space,
// leading and trailing spaces are removed and the result is lower-cased.
// It is Python's re.sub('[^A-Za-z]+', ' ', s).strip().lower().
//
// The result contains only 'a'-'z' and single spaces between letters. Every
// non-ASCII byte (so every byte of a multi-byte UTF-8 character) counts as a
// non-letter, which gives the same result as Python on valid UTF-8 text.
func CleanLine(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	pendingSpace := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z':
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		default:
			pendingSpace = true
			continue
		}
		// A run of non-letters between two letters becomes one space; runs at
		// the start or end disappear (the strip()).
		if pendingSpace && b.Len() > 0 {
			b.WriteByte(' ')
		}
		pendingSpace = false
		b.WriteByte(c)
	}
	return b.String()
}

// ReadLines reads all of r and returns its lines, each passed through
// CleanLine, like the book's read_time_machine (Python's f.readlines()).
//
// Lines end at "\n", "\r\n" or a lone "\r", as with Python's universal
// newlines when a file is opened in text mode; a last line without a line
// break still counts, and a trailing line break does not start a new line.
// Empty lines are kept (as empty strings). The lines are never joined with a
// separator later on: the book's character corpus simply concatenates them.
func ReadLines(r io.Reader) ([]string, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("datasets: read text: %w", err)
	}
	return splitLines(data), nil
}

// splitLines splits data like Python's readlines with universal newlines and
// cleans every line.
func splitLines(data []byte) []string {
	var lines []string
	for len(data) > 0 {
		i := bytes.IndexAny(data, "\r\n")
		if i < 0 {
			lines = append(lines, CleanLine(string(data)))
			break
		}
		lines = append(lines, CleanLine(string(data[:i])))
		if data[i] == '\r' && i+1 < len(data) && data[i+1] == '\n' {
			i++
		}
		data = data[i+1:]
	}
	return lines
}

// TokenKind selects how lines are split into tokens (the book's token
// argument of tokenize).
type TokenKind int

const (
	// Char makes every character a token (the book's token='char'); this is
	// what the chapter 8 language model uses.
	Char TokenKind = iota
	// Word makes every whitespace-separated word a token (token='word').
	Word
)

// String returns "char" or "word".
func (k TokenKind) String() string {
	switch k {
	case Char:
		return "char"
	case Word:
		return "word"
	}
	return fmt.Sprintf("TokenKind(%d)", int(k))
}

// ParseTokenKind parses "char" or "word".
func ParseTokenKind(s string) (TokenKind, error) {
	switch s {
	case "char":
		return Char, nil
	case "word":
		return Word, nil
	}
	return 0, fmt.Errorf("datasets: unknown token kind %q: use char or word", s)
}

// Tokenize splits every line into tokens, like the book's tokenize: for Char
// a line becomes its characters (Python's list(line)); for Word it becomes
// the words of Python's line.split(), which splits on runs of white space and
// drops empty strings, so an empty line has no tokens. It panics on an
// unknown kind (a programmer error).
func Tokenize(lines []string, kind TokenKind) [][]string {
	out := make([][]string, len(lines))
	for i, line := range lines {
		switch kind {
		case Char:
			toks := make([]string, 0, len(line))
			for _, r := range line {
				toks = append(toks, string(r))
			}
			out[i] = toks
		case Word:
			out[i] = strings.Fields(line)
		default:
			panic(fmt.Sprintf("datasets: Tokenize: unknown token kind %d", int(kind)))
		}
	}
	return out
}

// CheckText returns an error, naming the problem and the fix, if text is
// not a text file the book's preprocessing should read: a binary file (a
// NUL byte), UTF-16 text, or text that is not valid UTF-8 (Latin-1, say,
// whose accented letters would silently become word breaks). name is the
// file's name in the message.
func CheckText(text []byte, name string) error {
	if bytes.HasPrefix(text, []byte{0xFF, 0xFE}) || bytes.HasPrefix(text, []byte{0xFE, 0xFF}) {
		return fmt.Errorf("datasets: %s is UTF-16 text: convert it to UTF-8 (iconv -f UTF-16 -t UTF-8 %s > %s.utf8) and pass that file", name, name, name)
	}
	if i := bytes.IndexByte(text, 0); i >= 0 {
		return fmt.Errorf("datasets: %s looks like a binary file (a NUL byte at offset %d), not text: pass a plain text file", name, i)
	}
	if !utf8.Valid(text) {
		off := 0
		for off < len(text) {
			r, n := utf8.DecodeRune(text[off:])
			if r == utf8.RuneError && n <= 1 {
				break
			}
			off += n
		}
		line := 1 + bytes.Count(text[:off], []byte{'\n'})
		return fmt.Errorf("datasets: %s is not UTF-8 text (byte 0x%02X on line %d): convert it, e.g. iconv -f LATIN1 -t UTF-8 %s > %s.utf8, and pass that file", name, text[off], line, name, name)
	}
	return nil
}
