package datasets

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ReadCorpus is NewCorpus over a stream: it reads r once, in chunks, and
// keeps only what the corpus needs, so its memory does not grow with the
// text. The vocabulary is still the book's, built on the whole text (the
// count of every token, in order of first appearance, then o.MinFreq), and
// FullLen, NumLines, Stats and Unknown count the whole text; but only the
// first o.MaxTokens tokens are kept (all if o.MaxTokens <= 0), and Lines
// holds only the lines they come from, the last one cut where they end.
// Every option of NewCorpus works the same: characters or words, and the
// book's, Unicode or raw preprocessing (which are per line, so each
// character is cleaned and tokenized as it comes).
//
// The text is checked as it streams, with CheckText's messages: a UTF-16
// byte order mark or a NUL byte fails at once; the first byte that is not
// UTF-8 fails at the end (a NUL byte later on is reported first, as
// CheckText does). ReadCorpus returns ctx's error, between two chunks,
// once ctx is done. For the same bytes it returns what CheckText and
// NewCorpus do (see TestReadCorpusSameAsLoadCorpus).
func ReadCorpus(ctx context.Context, r io.Reader, name string, o CorpusOptions) (*Corpus, error) {
	if o.Tokens != Char && o.Tokens != Word {
		return nil, fmt.Errorf("datasets: unknown token kind %d: use char or word", int(o.Tokens))
	}
	if o.Preprocess < Book || o.Preprocess > Raw {
		return nil, fmt.Errorf("datasets: unknown preprocessing %d: use book, unicode or raw", int(o.Preprocess))
	}
	s := &corpusStream{kind: o.Tokens, p: o.Preprocess, maxTokens: o.MaxTokens, counts: map[string]int{},
		runeCount: map[rune]int{}, stats: newStatsCounter(o.Preprocess)}
	hash := sha1.New()
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
		hash.Write(chunk)
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
				// Only whole UTF-8 sequences: the rest waits for the
				// next chunk.
				s.feed(data[:cut])
				carry = append(carry[:0:0], data[cut:]...)
			}
		}
		newlines += bytes.Count(chunk, []byte{'\n'})
		total += int64(n)
		if eof {
			break
		}
	}
	switch {
	case total == 0:
		return nil, &TextError{Path: name, Problem: "is empty", Fix: FixNonEmpty}
	case badAt >= 0:
		return nil, fmt.Errorf("datasets: %s is not UTF-8 text (byte 0x%02X on line %d): convert it, e.g. iconv -f LATIN1 -t UTF-8 %s > %s.utf8, and pass that file", name, s.badByte, badLine, name, name)
	}
	s.endLine(true)
	if s.n == 0 {
		switch o.Preprocess {
		case Book:
			return nil, &TextError{Path: name, Problem: "has no letters A-Z or a-z (only letters are kept)", Fix: FixEnglish}
		case Unicode:
			return nil, &TextError{Path: name, Problem: "has no letters (only letters are kept)", Fix: FixFile}
		default:
			return nil, &TextError{Path: name, Problem: fmt.Sprintf("has no %s tokens", o.Tokens), Fix: FixFile}
		}
	}
	if o.Tokens == Char {
		for _, c := range s.charOrder {
			t := string(c)
			s.order = append(s.order, t)
			s.counts[t] = s.charCount(c)
		}
	}
	vocab := newVocabCounts(s.order, s.counts, o.MinFreq, nil)
	c := &Corpus{Lines: s.lines, Vocab: vocab, FullLen: s.n, NumLines: s.numLines, Name: name, Options: o,
		Stats: s.stats.stats(), SHA1: hex.EncodeToString(hash.Sum(nil))}
	for _, t := range s.order {
		if vocab.ID(t) == 0 {
			c.Unknown += s.counts[t]
			c.UnknownTypes++
		}
	}
	if o.Tokens == Char {
		ids := map[rune]int{}
		for _, ch := range s.charOrder {
			ids[ch] = vocab.ID(string(ch))
		}
		c.IDs = make([]int, len(s.keptChars))
		for i, ch := range s.keptChars {
			c.IDs[i] = ids[ch]
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

// corpusStream splits, cleans (as Preprocess.clean) and tokenizes text
// as it comes, a character at a time, counting every token and keeping
// the first maxTokens.
type corpusStream struct {
	kind      TokenKind
	p         Preprocess
	maxTokens int
	stats     *statsCounter

	counts map[string]int
	order  []string // tokens in order of first appearance (Word)
	n      int      // tokens so far
	kept   []string // the first maxTokens tokens (Word)
	// keptChars are the first maxTokens tokens (Char): a rune each, not
	// a string, when the whole of a long text is kept.
	keptChars []rune
	// asciiCount and runeCount count the one-character tokens (Char) in
	// an array for ASCII, where most of a long text's time goes, and a
	// map for the rest.
	asciiCount [utf8.RuneSelf]int
	runeCount  map[rune]int
	charOrder  []rune

	lines     []string // the lines of the kept tokens
	line      strings.Builder
	numLines  int
	lineStart int  // tokens before the current line
	raw       bool // the current line has bytes (so it counts as a line)
	content   bool // the current cleaned line has a letter
	pending   bool // a run of dropped characters since the last letter
	word      []byte
	cr        bool // the last character was '\r'
	badByte   byte
}

func (s *corpusStream) full() bool { return s.maxTokens > 0 && s.n >= s.maxTokens }

func (s *corpusStream) charCount(c rune) int {
	if c < utf8.RuneSelf {
		return s.asciiCount[c]
	}
	return s.runeCount[c]
}

// charToken counts the one-character token c and keeps it while fewer
// than maxTokens are kept.
func (s *corpusStream) charToken(c rune) {
	if s.charCount(c) == 0 {
		s.charOrder = append(s.charOrder, c)
	}
	if c < utf8.RuneSelf {
		s.asciiCount[c]++
	} else {
		s.runeCount[c]++
	}
	if !s.full() {
		s.keptChars = append(s.keptChars, c)
		s.line.WriteRune(c)
	}
	s.n++
}

// endWord counts the word being read, if any, and keeps it while fewer
// than maxTokens are kept (its characters are in the line already).
func (s *corpusStream) endWord() {
	if len(s.word) == 0 {
		return
	}
	t := string(s.word)
	s.word = s.word[:0]
	if s.counts[t] == 0 {
		s.order = append(s.order, t)
	}
	s.counts[t]++
	if !s.full() {
		s.kept = append(s.kept, t)
	}
	s.n++
}

// emit takes the next character of the cleaned line: a token (Char), or
// part of a word or a space between words (Word, as strings.Fields).
func (s *corpusStream) emit(c rune) {
	if s.kind == Char {
		s.charToken(c)
		return
	}
	if unicode.IsSpace(c) {
		s.endWord()
		if !s.full() {
			s.line.WriteRune(c)
		}
		return
	}
	if !s.full() {
		// Written now: the word is kept if it starts before the cut.
		s.line.WriteRune(c)
	}
	s.word = utf8.AppendRune(s.word, c)
}

// endLine ends the current line (at a line break, or at the end of the
// text when eof: then only if it has characters, as splitLines).
func (s *corpusStream) endLine(eof bool) {
	if s.p == Raw && !eof {
		s.emit('\n') // a raw line keeps its line break
	}
	s.endWord()
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

// feed processes the next characters of the text (whole UTF-8
// sequences).
func (s *corpusStream) feed(b []byte) {
	for len(b) > 0 {
		c, size := rune(b[0]), 1
		if c >= utf8.RuneSelf {
			c, size = utf8.DecodeRune(b)
		}
		b = b[size:]
		s.stats.add(c)
		if s.cr {
			s.cr = false
			if c == '\n' {
				continue // "\r\n" is one line break
			}
		}
		if c == '\n' || c == '\r' {
			s.endLine(false)
			s.cr = c == '\r'
			continue
		}
		s.raw = true
		if s.p == Raw {
			s.emit(c)
			continue
		}
		switch {
		case 'a' <= c && c <= 'z':
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		case s.p == Unicode && c >= utf8.RuneSelf && unicode.IsLetter(c):
			c = unicode.ToLower(c)
		default:
			s.pending = true
			continue
		}
		if s.pending && s.content {
			s.emit(' ')
		}
		s.pending, s.content = false, true
		s.emit(c)
	}
}
