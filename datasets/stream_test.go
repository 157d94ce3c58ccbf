package datasets

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
	"unicode"
)

// oldRead is what cmd/train did before ReadCorpus: the whole text in
// memory, CheckText, then NewCorpus.
func oldRead(text []byte, o CorpusOptions) (*Corpus, error) {
	if len(text) == 0 {
		return NewCorpus(text, "x.txt", o)
	}
	if err := CheckText(text, "x.txt"); err != nil {
		return nil, err
	}
	return NewCorpus(text, "x.txt", o)
}

// sameCorpus fails t unless the streamed corpus s matches the in-memory
// one m: vocabulary (tokens and counts), ids, FullLen, NumLines, Stats,
// Unknown, SHA1, and Lines up to the cut: those that start before the
// maxTokens-th token, the last one cut where that token ends.
func sameCorpus(t *testing.T, what string, s, m *Corpus, kind TokenKind, maxTokens int) {
	t.Helper()
	if !slices.Equal(s.Vocab.Tokens(), m.Vocab.Tokens()) || !slices.Equal(s.Vocab.TokenFreqs(), m.Vocab.TokenFreqs()) {
		t.Fatalf("%s: vocab %q, want %q", what, s.Vocab.Tokens(), m.Vocab.Tokens())
	}
	if !slices.Equal(s.IDs, m.IDs) || s.FullLen != m.FullLen || s.NumLines != m.NumLines {
		t.Fatalf("%s: %d ids, FullLen %d, NumLines %d; want %d, %d, %d", what, len(s.IDs), s.FullLen, s.NumLines, len(m.IDs), m.FullLen, m.NumLines)
	}
	if !reflect.DeepEqual(s.Stats, m.Stats) || s.Unknown != m.Unknown || s.UnknownTypes != m.UnknownTypes || s.Options != m.Options || s.SHA1 != m.SHA1 {
		t.Fatalf("%s: Stats %+v, Unknown %d/%d, Options %+v, SHA1 %s; want %+v, %d/%d, %+v, %s", what,
			s.Stats, s.Unknown, s.UnknownTypes, s.Options, s.SHA1, m.Stats, m.Unknown, m.UnknownTypes, m.Options, m.SHA1)
	}
	want := m.Lines
	if maxTokens > 0 {
		want = nil
		n := 0
		for _, l := range m.Lines {
			if n >= maxTokens {
				break
			}
			toks := Tokenize([]string{l}, kind)[0]
			if n+len(toks) >= maxTokens {
				l = l[:tokenEnd(l, kind, maxTokens-n)]
			}
			want = append(want, l)
			n += len(toks)
		}
	}
	if !slices.Equal(s.Lines, want) {
		t.Fatalf("%s: Lines %q, want %q", what, s.Lines, want)
	}
}

// tokenEnd is the byte offset in line where its k-th token ends.
func tokenEnd(line string, kind TokenKind, k int) int {
	inWord := false
	for i, r := range line {
		if kind == Char {
			if k == 0 {
				return i
			}
			k--
			continue
		}
		space := unicode.IsSpace(r)
		if inWord && space {
			if k--; k == 0 {
				return i
			}
		}
		inWord = !space
	}
	return len(line)
}

// TestReadCorpusSameAsLoadCorpus: for texts with every kind of line break,
// runs of non-letters, NUL bytes, bad and split UTF-8, and any cut, read
// one byte at a time or all at once, ReadCorpus returns what CheckText and
// LoadCorpus return for the same bytes: the same corpus, or the same
// error message.
func TestReadCorpusSameAsLoadCorpus(t *testing.T) {
	pieces := []string{"The ", "Time", " machine", "\n", "\r\n", "\r", "\n\n", "  ", "--", "é", "日本", "\xe9", "\x00", "\xe6\x97", "a", "Zz", "by H. G. Wells", "Über", "ß\t", "1898"}
	rng := rand.New(rand.NewPCG(1, 2))
	texts := []string{"", "\n", "a", "\r", "\r\n", "abc\r", "\xff\xfeh\x00", "1234 !!!\n", "caf\xe9 ok\x00", "ok \xe6\x97"}
	for i := 0; i < 400; i++ {
		var b strings.Builder
		for j := rng.IntN(30); j >= 0; j-- {
			p := pieces[rng.IntN(len(pieces))]
			if (p == "\x00" || p == "\xe9" || p == "\xe6\x97") && rng.IntN(4) != 0 {
				continue // mostly good texts
			}
			b.WriteString(p)
		}
		texts = append(texts, b.String())
	}
	for _, text := range texts {
		for _, kind := range []TokenKind{Char, Word} {
			for _, prep := range []Preprocess{Book, Unicode, Raw} {
				for _, maxTokens := range []int{0, -1, 1, 3, 7, 1000} {
					o := CorpusOptions{Tokens: kind, Preprocess: prep, MaxTokens: maxTokens, MinFreq: maxTokens % 3}
					m, merr := oldRead([]byte(text), o)
					for _, r := range []io.Reader{strings.NewReader(text), iotest.OneByteReader(strings.NewReader(text))} {
						s, serr := ReadCorpus(context.Background(), r, "x.txt", o)
						what := fmt.Sprintf("%+v text %s", o, strconvQuote(text))
						if (merr == nil) != (serr == nil) || (merr != nil && merr.Error() != serr.Error()) {
							t.Fatalf("%s: ReadCorpus error %v, NewCorpus %v", what, serr, merr)
						}
						if merr == nil {
							sameCorpus(t, what, s, m, kind, maxTokens)
						}
					}
				}
			}
		}
	}
}

func strconvQuote(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\n", `\n`), "\r", `\r`)
}

// TestReadCorpusBook: the real book through ReadCorpus is the corpus
// NewCorpus makes (3221 lines, 170580 characters, 10000 used), with every
// token kind and preprocessing, and the book's min_freq 5 for words.
func TestReadCorpusBook(t *testing.T) {
	book := timeMachine(t)
	for _, o := range []CorpusOptions{
		{Tokens: Char, MaxTokens: DefaultMaxTokens},
		{Tokens: Word, MaxTokens: DefaultMaxTokens, MinFreq: 5},
		{Tokens: Word, Preprocess: Unicode},
		{Tokens: Char, Preprocess: Raw, MaxTokens: DefaultMaxTokens},
		{Tokens: Word, Preprocess: Raw, MaxTokens: DefaultMaxTokens, MinFreq: 2},
	} {
		m, err := NewCorpus(book, "x.txt", o)
		if err != nil {
			t.Fatal(err)
		}
		s, err := ReadCorpus(context.Background(), bytes.NewReader(book), "x.txt", o)
		if err != nil {
			t.Fatal(err)
		}
		sameCorpus(t, fmt.Sprintf("the book, %+v", o), s, m, o.Tokens, o.MaxTokens)
		if s.NumLines != 3221 || o.MaxTokens > 0 && len(s.Lines) >= 3221 {
			t.Errorf("%+v: NumLines %d, %d lines kept; want 3221 and only those of the first %d tokens", o, s.NumLines, len(s.Lines), o.MaxTokens)
		}
	}
}

// TestReadCorpusBounded: a stream far longer than the cut (64 MiB of
// text, generated as it is read) is read to its end, but what the corpus
// keeps is the cut, not the text; and a cancelled context stops it.
func TestReadCorpusBounded(t *testing.T) {
	const line = "the time traveller was expounding a recondite matter to us\n"
	const size = 64 << 20
	r := io.LimitReader(repeatReader(line), size)
	c, err := ReadCorpus(context.Background(), r, "big.txt", CorpusOptions{MaxTokens: DefaultMaxTokens})
	if err != nil {
		t.Fatal(err)
	}
	// 58 characters and one line per 59 bytes; the last line is cut after
	// size%59 = 22 of them.
	n := len(line)
	if c.FullLen != size/n*(n-1)+size%n || len(c.IDs) != DefaultMaxTokens || c.NumLines != size/n+1 || len(c.Lines) != DefaultMaxTokens/(n-1)+1 {
		t.Errorf("FullLen %d, %d ids, %d lines of %d kept", c.FullLen, len(c.IDs), len(c.Lines), c.NumLines)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ReadCorpus(ctx, repeatReader("abc\n"), "endless", CorpusOptions{MaxTokens: 10}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

// repeatReader repeats s without end.
func repeatReader(s string) io.Reader { return &repeater{s: s} }

type repeater struct {
	s   string
	off int
}

func (r *repeater) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		k := copy(p[n:], r.s[r.off:])
		n += k
		r.off = (r.off + k) % len(r.s)
	}
	return n, nil
}
