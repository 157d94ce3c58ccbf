package datasets

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// ReadCorpus is LoadCorpus over a stream: it reads r once, in chunks, and
// keeps only what the corpus needs, so its memory does not grow with the
// text. The vocabulary is still the book's, built on the whole text (the
// count of every token, in order of first appearance), and FullLen counts
// every token; but only the first maxTokens tokens are kept (all if
// maxTokens <= 0), and Lines holds only the lines they come from, the last
// one cut where they end. NumLines counts every line.
//
// The text is checked as it streams, with CheckText's messages: a UTF-16
// byte order mark or a NUL byte fails at once; the first byte that is not
// UTF-8 fails at the end (a NUL byte later on is reported first, as
// CheckText does). ReadCorpus returns ctx's error, between two chunks,
// once ctx is done. For the same bytes it returns what CheckText and
// LoadCorpus do (see TestReadCorpusSameAsLoadCorpus).
func ReadCorpus(ctx context.Context, r io.Reader, name string, kind TokenKind, maxTokens int) (*Corpus, error) {
	if kind != Char && kind != Word {
		return nil, fmt.Errorf("datasets: unknown token kind %d: use char or word", int(kind))
	}
	s := &corpusStream{kind: kind, maxTokens: maxTokens, counts: map[string]int{}}
	buf := make([]byte, readChunk)
	var carry []byte // an incomplete UTF-8 sequence at the end of a chunk
	var total int64
	badAt, badLine := int64(-1), 0 // the first byte that is not UTF-8
	var newlines int               // '\n' before the current chunk
	for {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		default:
		}
		n, err := io.ReadFull(r, buf)
		eof := errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
		if err != nil && !eof {
			return nil, fmt.Errorf("datasets: read %s: %w", name, err)
		}
		chunk := buf[:n]
		if total == 0 && n >= 2 && (bytes.HasPrefix(chunk, []byte{0xFF, 0xFE}) || bytes.HasPrefix(chunk, []byte{0xFE, 0xFF})) {
			return nil, fmt.Errorf("datasets: %s is UTF-16 text: convert it to UTF-8 (iconv -f UTF-16 -t UTF-8 %s > %s.utf8) and pass that file", name, name, name)
		}
		if i := bytes.IndexByte(chunk, 0); i >= 0 {
			return nil, fmt.Errorf("datasets: %s looks like a binary file (a NUL byte at offset %d), not text: pass a plain text file", name, total+int64(i))
		}
		if badAt < 0 {
			data := chunk
			if len(carry) > 0 {
				data = append(carry, chunk...)
			}
			cut := len(data)
			if !eof {
				cut = incompleteTail(data)
			}
			if off := firstInvalid(data[:cut]); off >= 0 {
				start := total - int64(len(carry))
				badAt = start + int64(off)
				badLine = 1 + newlines + bytes.Count(data[:off], []byte{'\n'})
				carry = nil
				s.badByte = data[off]
			} else {
				carry = append(carry[:0:0], data[cut:]...)
			}
			s.feed(chunk)
		}
		newlines += bytes.Count(chunk, []byte{'\n'})
		total += int64(n)
		if eof {
			break
		}
	}
	switch {
	case total == 0:
		return nil, fmt.Errorf("datasets: %s is empty: pass a non-empty text file with -data", name)
	case badAt >= 0:
		return nil, fmt.Errorf("datasets: %s is not UTF-8 text (byte 0x%02X on line %d): convert it, e.g. iconv -f LATIN1 -t UTF-8 %s > %s.utf8, and pass that file", name, s.badByte, badLine, name, name)
	}
	s.endLine(true)
	if s.n == 0 {
		return nil, fmt.Errorf("datasets: %s has no letters A-Z or a-z (only letters are kept): pass an English text file with -data", name)
	}
	for _, c := range s.charOrder {
		t := s.char(c)
		s.order = append(s.order, t)
		s.counts[t] = s.charCount[c]
	}
	vocab := newVocabCounts(s.order, s.counts, 0, nil)
	c := &Corpus{Lines: s.lines, Vocab: vocab, FullLen: s.n, NumLines: s.numLines, Name: name}
	if kind == Char {
		var id [256]int
		for _, ch := range s.charOrder {
			id[ch] = vocab.ID(s.char(ch))
		}
		c.IDs = make([]int, len(s.keptChars))
		for i, ch := range s.keptChars {
			c.IDs[i] = id[ch]
		}
	} else {
		c.IDs = make([]int, len(s.kept))
		for i, t := range s.kept {
			c.IDs[i] = vocab.ID(t)
		}
	}
	return c, nil
}

// readChunk is how much ReadCorpus reads at a time.
const readChunk = 256 << 10

// incompleteTail returns where an incomplete UTF-8 sequence at the end of
// b starts (len(b) if there is none).
func incompleteTail(b []byte) int {
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax+1; i-- {
		if utf8.RuneStart(b[i]) {
			if !utf8.FullRune(b[i:]) {
				return i
			}
			break
		}
	}
	return len(b)
}

// firstInvalid returns the offset of the first byte of b that is not
// UTF-8, or -1.
func firstInvalid(b []byte) int {
	if utf8.Valid(b) {
		return -1
	}
	for off := 0; off < len(b); {
		r, n := utf8.DecodeRune(b[off:])
		if r == utf8.RuneError && n <= 1 {
			return off
		}
		off += n
	}
	return -1
}

// corpusStream splits, cleans (as CleanLine) and tokenizes bytes as they
// come, counting every token and keeping the first maxTokens.
type corpusStream struct {
	kind      TokenKind
	maxTokens int

	counts map[string]int
	order  []string // tokens in order of first appearance
	n      int      // tokens so far
	kept   []string // the first maxTokens tokens (Word)
	// keptChars are the first maxTokens tokens (Char): a byte each, not
	// a string, when the whole of a long text is kept.
	keptChars []byte
	// charTok holds the 27 one-character tokens, so that a char token
	// costs no allocation.
	charTok   [256]string
	charCount [256]int
	charOrder []byte

	lines     []string // the lines of the kept tokens
	line      strings.Builder
	numLines  int
	lineStart int  // tokens before the current line
	raw       bool // the current line has bytes (so it counts as a line)
	content   bool // the current cleaned line has a letter
	pending   bool // a run of non-letters since the last letter
	word      []byte
	cr        bool // the last byte was '\r'
	badByte   byte
}

func (s *corpusStream) full() bool { return s.maxTokens > 0 && s.n >= s.maxTokens }

// token counts t and keeps it while fewer than maxTokens are kept.
func (s *corpusStream) token(t string) {
	if s.counts[t] == 0 {
		s.order = append(s.order, t)
	}
	s.counts[t]++
	s.keep(t)
}

// charToken is token for a one-character token, counted in an array
// rather than the map: most of a long text's time goes here.
func (s *corpusStream) charToken(c byte) {
	if s.charCount[c] == 0 {
		s.charOrder = append(s.charOrder, c)
	}
	s.charCount[c]++
	if !s.full() {
		s.keptChars = append(s.keptChars, c)
		s.line.WriteByte(c)
	}
	s.n++
}

// keep counts a token and keeps it while fewer than maxTokens are kept.
func (s *corpusStream) keep(t string) {
	if !s.full() {
		s.kept = append(s.kept, t)
		if s.kind == Word && s.line.Len() > 0 {
			s.line.WriteByte(' ')
		}
		s.line.WriteString(t)
	}
	s.n++
}

func (s *corpusStream) char(c byte) string {
	if s.charTok[c] == "" {
		s.charTok[c] = string(rune(c))
	}
	return s.charTok[c]
}

// endLine ends the current line (at a line break, or at the end of the
// text when eof: then only if it has bytes, as splitLines).
func (s *corpusStream) endLine(eof bool) {
	if s.kind == Word && len(s.word) > 0 {
		s.token(string(s.word))
		s.word = s.word[:0]
	}
	if !eof || s.raw {
		s.numLines++
		if s.maxTokens <= 0 || s.lineStart < s.maxTokens {
			s.lines = append(s.lines, s.line.String())
		}
	}
	s.line.Reset()
	s.raw, s.content, s.pending = false, false, false
	s.lineStart = s.n
}

// feed processes the next bytes of the text.
func (s *corpusStream) feed(b []byte) {
	for _, c := range b {
		if s.cr {
			s.cr = false
			if c == '\n' {
				continue // "\r\n" is one line break
			}
		}
		switch {
		case c == '\n' || c == '\r':
			s.endLine(false)
			s.cr = c == '\r'
			continue
		case 'a' <= c && c <= 'z':
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		default:
			s.raw = true
			s.pending = true
			continue
		}
		s.raw = true
		if s.pending && s.content {
			if s.kind == Char {
				s.charToken(' ')
			} else if len(s.word) > 0 {
				s.token(string(s.word))
				s.word = s.word[:0]
			}
		}
		s.pending, s.content = false, true
		if s.kind == Char {
			s.charToken(c)
		} else {
			s.word = append(s.word, c)
		}
	}
}
