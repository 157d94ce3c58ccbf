package datasets

import (
	"fmt"
)

// DefaultMaxTokens is the book's max_tokens for the chapter 8 experiments:
// only the first 10000 characters of The Time Machine are used for training.
const DefaultMaxTokens = 10000

// Corpus is a tokenized text: the book's load_corpus_time_machine result
// plus the cleaned lines it came from.
type Corpus struct {
	// Lines are the cleaned lines of the text (see ReadLines).
	Lines []string
	// Vocab is built on the whole text, before any cut to MaxTokens.
	Vocab *Vocab
	// IDs is the token stream, lines concatenated without separator, cut to
	// maxTokens tokens if maxTokens > 0.
	IDs []int
	// FullLen is the number of tokens in the whole text, before the cut.
	FullLen int
	// NumLines is the number of lines of the whole text (ReadCorpus keeps
	// fewer in Lines).
	NumLines int
	// Name names the text in messages (usually its path).
	Name string
}

// LoadCorpus cleans, tokenizes and indexes text the way the book's
// load_corpus_time_machine does: the vocabulary is built on the whole text
// (no minimum frequency, no reserved tokens), every token of every line is
// mapped to its id, and only then is the id list cut to its first maxTokens
// entries. maxTokens <= 0 means no cut (the book also cuts only when
// max_tokens > 0); the book's chapter 8 value is DefaultMaxTokens.
//
// name identifies the text in errors. LoadCorpus fails if text is empty or
// holds no ASCII letter at all.
func LoadCorpus(text []byte, name string, kind TokenKind, maxTokens int) (*Corpus, error) {
	if len(text) == 0 {
		return nil, fmt.Errorf("datasets: %s is empty: pass a non-empty text file with -data", name)
	}
	if kind != Char && kind != Word {
		return nil, fmt.Errorf("datasets: unknown token kind %d: use char or word", int(kind))
	}
	lines := splitLines(text)
	tokens := Tokenize(lines, kind)
	vocab := NewVocab(tokens, 0, nil)
	n := 0
	for _, line := range tokens {
		n += len(line)
	}
	if n == 0 {
		return nil, fmt.Errorf("datasets: %s has no letters A-Z or a-z (only letters are kept): pass an English text file with -data", name)
	}
	ids := make([]int, 0, n)
	for _, line := range tokens {
		for _, t := range line {
			ids = append(ids, vocab.ID(t))
		}
	}
	c := &Corpus{Lines: lines, Vocab: vocab, IDs: ids, FullLen: n, NumLines: len(lines), Name: name}
	if maxTokens > 0 && maxTokens < n {
		c.IDs = ids[:maxTokens:maxTokens]
	}
	return c, nil
}
