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
	// Options are the choices the corpus was made with.
	Options CorpusOptions
	// Stats says what the preprocessing dropped from the whole text.
	Stats PreprocessStats
	// Unknown is the number of tokens of the whole text that the
	// vocabulary does not hold (rarer than MinFreq), read as "<unk>";
	// UnknownTypes is the number of distinct such tokens.
	Unknown, UnknownTypes int
	// SHA1 is the hex SHA-1 of the text's bytes (DefaultSHA1 for the
	// book's The Time Machine).
	SHA1 string
}

// LoadCorpus cleans, tokenizes and indexes text the way the book's
// load_corpus_time_machine does: the vocabulary is built on the whole text
// (no minimum frequency, no reserved tokens), every token of every line is
// mapped to its id, and only then is the id list cut to its first maxTokens
// entries. maxTokens <= 0 means no cut (the book also cuts only when
// max_tokens > 0); the book's chapter 8 value is DefaultMaxTokens.
//
// name identifies the text in errors. LoadCorpus fails if text is empty or
// holds no ASCII letter at all. It is NewCorpus with the book's
// preprocessing and no minimum frequency.
func LoadCorpus(text []byte, name string, kind TokenKind, maxTokens int) (*Corpus, error) {
	return NewCorpus(text, name, CorpusOptions{Tokens: kind, MaxTokens: maxTokens})
}

// CorpusOptions choose how NewCorpus turns text into tokens. The zero
// value is the book's chapter 8 pipeline without the cut: characters, the
// book's preprocessing, every token in the vocabulary.
type CorpusOptions struct {
	// Tokens is the book's token argument of tokenize: Char or Word.
	Tokens TokenKind
	// Preprocess cleans every line first (Book, Unicode or Raw).
	Preprocess Preprocess
	// MinFreq is the book's Vocab min_freq: tokens occurring fewer times
	// are left out of the vocabulary and read as "<unk>". <= 1 keeps all.
	MinFreq int
	// MaxTokens cuts the id list to its first MaxTokens entries after the
	// vocabulary is built; <= 0: no cut.
	MaxTokens int
}

// NewCorpus is LoadCorpus with a choice of tokens, preprocessing and
// minimum frequency (see CorpusOptions). It also counts what the
// preprocessing dropped and how many tokens became "<unk>" (Corpus.Stats,
// Corpus.Unknown).
func NewCorpus(text []byte, name string, o CorpusOptions) (*Corpus, error) {
	if len(text) == 0 {
		return nil, &TextError{Path: name, Problem: "is empty", Fix: FixNonEmpty}
	}
	if o.Tokens != Char && o.Tokens != Word {
		return nil, fmt.Errorf("datasets: unknown token kind %d: use char or word", int(o.Tokens))
	}
	if o.Preprocess < Book || o.Preprocess > Raw {
		return nil, fmt.Errorf("datasets: unknown preprocessing %d: use book, unicode or raw", int(o.Preprocess))
	}
	lines := splitLinesWith(text, o.Preprocess)
	tokens := Tokenize(lines, o.Tokens)
	vocab := NewVocab(tokens, o.MinFreq, nil)
	n := 0
	for _, line := range tokens {
		n += len(line)
	}
	if n == 0 {
		switch o.Preprocess {
		case Book:
			return nil, &TextError{Path: name, Problem: "has no letters A-Z or a-z (only letters are kept)", Fix: FixEnglish}
		case Unicode:
			return nil, &TextError{Path: name, Problem: "has no letters (only letters are kept)", Fix: FixFile}
		default:
			return nil, &TextError{Path: name, Problem: fmt.Sprintf("has no %s tokens", o.Tokens), Fix: FixFile}
		}
	}
	ids := make([]int, 0, n)
	unknown := map[string]bool{}
	c := &Corpus{Lines: lines, Vocab: vocab, FullLen: n, NumLines: len(lines), Name: name, Options: o,
		Stats: o.Preprocess.Stats(text), SHA1: sha1Hex(text)}
	for _, line := range tokens {
		for _, t := range line {
			id := vocab.ID(t)
			if id == 0 {
				c.Unknown++
				unknown[t] = true
			}
			ids = append(ids, id)
		}
	}
	c.UnknownTypes = len(unknown)
	c.IDs = ids
	if o.MaxTokens > 0 && o.MaxTokens < n {
		c.IDs = ids[:o.MaxTokens:o.MaxTokens]
	}
	return c, nil
}
