// Package datasets is the data pipeline of unroll: it reads a text, cleans
// and tokenizes it, builds the vocabulary and cuts the token stream into
// minibatches exactly as Dive into Deep Learning (classic edition, chapter 8)
// does for H. G. Wells' "The Time Machine".
//
// The pipeline mirrors the book's functions one to one:
//
//	read_time_machine            -> ReadLines, CleanLine
//	tokenize                     -> Tokenize
//	Vocab                        -> NewVocab
//	load_corpus_time_machine     -> LoadCorpus (ReadCorpus: the same, streamed)
//	seq_data_iter_sequential     -> NewIterator(..., Sequential, ...)
//	seq_data_iter_random         -> NewIterator(..., Random, ...)
//
// NewCorpus adds what the book leaves fixed: Word tokens with the Vocab's
// min_freq, and a choice of preprocessing (Book, the default; Unicode,
// which keeps the letters of every script; Raw, the text as it is), with
// counts of what it dropped (PreprocessStats) and of the tokens read as
// "<unk>"; ReadCorpus is NewCorpus streamed, with every option.
// PrefixTokens and JoinTokens turn a prompt into tokens and
// generated tokens back into text the same way.
//
// Random offsets and shuffles are drawn from PyRandom, a port of CPython's
// random.Random, so that a Go run with seed s sees the same minibatches, in
// the same order, as the Python reference seeded with random.seed(s).
//
// Fetcher finds the text: a user-supplied file, a cached or downloaded copy
// of the book (checked against its SHA-1), or, offline, Newton's Opticks
// from the Go distribution; Fetcher.Corpus streams it through ReadCorpus,
// which keeps only the first max_tokens tokens (and the vocabulary's
// counts), so memory does not grow with the text. The package uses only
// the standard library (and internal/safeio, which refuses devices and
// FIFOs).
package datasets
