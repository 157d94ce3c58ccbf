package datasets

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
)

// timeMachine returns the bytes of the real book from the path in
// UNROLL_TIMEMACHINE, or skips the test (visibly) when it is unset. The book
// is never copied into the repository.
func timeMachine(t testing.TB) []byte {
	t.Helper()
	path := os.Getenv("UNROLL_TIMEMACHINE")
	if path == "" {
		t.Skip("UNROLL_TIMEMACHINE is unset: set it to the path of timemachine.txt to check against the real book")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("UNROLL_TIMEMACHINE: %v", err)
	}
	if got := sha1Hex(b); got != DefaultSHA1 {
		t.Fatalf("UNROLL_TIMEMACHINE=%s has SHA-1 %s, want the book's %s", path, got, DefaultSHA1)
	}
	return b
}

func TestLoadCorpusSmall(t *testing.T) {
	text := []byte("The Time Machine\n\nby H. G. Wells\n")
	c, err := LoadCorpus(text, "small.txt", Char, 0)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"the time machine", "", "by h g wells"}; !slices.Equal(c.Lines, want) {
		t.Errorf("Lines = %q, want %q", c.Lines, want)
	}
	// Lines are concatenated with no separator: "machine" runs into "by".
	const joined = "the time machineby h g wells"
	var b strings.Builder
	for _, id := range c.IDs {
		b.WriteString(c.Vocab.Token(id))
	}
	if b.String() != joined || c.FullLen != len(joined) || c.Name != "small.txt" {
		t.Errorf("decoded %q (FullLen %d, Name %q), want %q (%d, small.txt)", b.String(), c.FullLen, c.Name, joined, len(joined))
	}
	// ' ' and 'e' occur 5 and 4 times: ids 1 and 2.
	if c.Vocab.Token(1) != " " || c.Vocab.Token(2) != "e" {
		t.Errorf("vocab starts %q, want <unk>, ' ', 'e'", c.Vocab.Tokens()[:3])
	}
	for _, maxTokens := range []int{-1, 0, len(joined), 1000} {
		c, _ := LoadCorpus(text, "small.txt", Char, maxTokens)
		if len(c.IDs) != len(joined) {
			t.Errorf("maxTokens %d: %d ids, want all %d", maxTokens, len(c.IDs), len(joined))
		}
	}
	c5, _ := LoadCorpus(text, "small.txt", Char, 5)
	if len(c5.IDs) != 5 || c5.FullLen != len(joined) || c5.Vocab.Len() != c.Vocab.Len() {
		t.Errorf("maxTokens 5: %d ids, FullLen %d, vocab %d; want 5, %d, %d (vocab built before the cut)",
			len(c5.IDs), c5.FullLen, c5.Vocab.Len(), len(joined), c.Vocab.Len())
	}
	w, _ := LoadCorpus(text, "small.txt", Word, 0)
	if w.FullLen != 7 || w.Vocab.Token(w.IDs[3]) != "by" {
		t.Errorf("word corpus: FullLen %d, IDs[3] = %q; want 7 and \"by\"", w.FullLen, w.Vocab.Token(w.IDs[3]))
	}
}

func TestLoadCorpusErrors(t *testing.T) {
	tests := []struct {
		text string
		want []string
	}{
		{"", []string{"notes.txt", "empty"}},
		{"1898 -- 2024\n\n!!!\n", []string{"notes.txt", "no letters"}},
	}
	for _, tc := range tests {
		_, err := LoadCorpus([]byte(tc.text), "notes.txt", Char, 0)
		if err == nil {
			t.Errorf("LoadCorpus(%q) succeeded, want an error", tc.text)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) || strings.Contains(err.Error(), "\n") {
				t.Errorf("LoadCorpus(%q) error %q: want one line containing %q", tc.text, err, w)
			}
		}
	}
}

func TestTimeMachineFacts(t *testing.T) {
	text := timeMachine(t)
	// All numbers: section "== corpus_test.go: TestTimeMachineFacts" of
	// testdata/gen_vectors.py run on the book; the book itself prints 3221
	// lines, len(corpus) 170580 and len(vocab) 28.
	c, err := LoadCorpus(text, "timemachine.txt", Char, DefaultMaxTokens)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Lines) != 3221 || c.FullLen != 170580 || len(c.IDs) != 10000 {
		t.Errorf("lines %d, chars %d, used %d; want 3221, 170580, 10000", len(c.Lines), c.FullLen, len(c.IDs))
	}
	if c.Lines[0] != "the time machine by h g wells" ||
		c.Lines[10] != "twinkled and his usually pale face was flushed and animated the" {
		t.Errorf("lines[0] = %q, lines[10] = %q", c.Lines[0], c.Lines[10])
	}
	want := append([]string{"<unk>", " "}, strings.Split("etainoshrdlmucfwgypbvkxzjq", "")...)
	if got := c.Vocab.Tokens(); !slices.Equal(got, want) {
		t.Errorf("vocab = %q, want %q", got, want)
	}
	// Python: vocab.freqs[:5]
	if got := fmt.Sprint(c.Vocab.TokenFreqs()[:5]); got != "[{  29927} {e 17838} {t 13515} {a 11704} {i 10138}]" {
		t.Errorf("top character counts %s", got)
	}
	// count_batches(10000, 32, 35, kind) == [8] and (170580, ...) == [152]
	// for both kinds. maxTokens 0 (or any value <= 0) means the whole book.
	whole, _ := LoadCorpus(text, "timemachine.txt", Char, 0)
	for _, s := range []Sampling{Sequential, Random} {
		if got := CountBatches(len(c.IDs), 32, 35, s); !slices.Equal(got, []int{8}) {
			t.Errorf("CountBatches(10000, 32, 35, %v) = %v, want [8]", s, got)
		}
		if got := CountBatches(len(whole.IDs), 32, 35, s); !slices.Equal(got, []int{152}) {
			t.Errorf("CountBatches(170580, 32, 35, %v) = %v, want [152]", s, got)
		}
		it, err := NewIterator(c.IDs, 32, 35, s, NewPyRandom(0))
		if err != nil {
			t.Fatal(err)
		}
		for epoch := 0; epoch < 5; epoch++ {
			if n := it.StartEpoch(); n != 8 {
				t.Errorf("%v epoch %d: %d minibatches, want 8", s, epoch, n)
			}
		}
	}

	// Word level (the book's section 8.2): tokenize(lines, 'word') and
	// Vocab(tokens).token_freqs[:10]; 32775 word tokens, 4579 distinct.
	words, err := LoadCorpus(text, "timemachine.txt", Word, 0)
	if err != nil {
		t.Fatal(err)
	}
	const top10 = "[{the 2261} {i 1267} {and 1245} {of 1155} {a 816} {to 695} {was 552} {in 541} {that 443} {my 440}]"
	if got := fmt.Sprint(words.Vocab.TokenFreqs()[:10]); got != top10 {
		t.Errorf("top words %s, want %s", got, top10)
	}
	if words.FullLen != 32775 || words.Vocab.Len() != 4579+1 {
		t.Errorf("word tokens %d, vocab %d; want 32775, 4580", words.FullLen, words.Vocab.Len())
	}
}
