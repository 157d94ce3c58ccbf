package datasets

import (
	"fmt"
	"slices"
	"sort"
)

// Unknown is the token with id 0; every token the vocabulary does not know
// maps to it.
const Unknown = "<unk>"

// TokenFreq is a token and the number of times it occurs in the text the
// vocabulary was built from.
type TokenFreq struct {
	Token string
	Count int
}

// Vocab maps tokens to integer ids and back, like the book's Vocab class.
type Vocab struct {
	idToToken []string
	tokenToID map[string]int
	freqs     []TokenFreq
}

// NewVocab builds a vocabulary the way the book's Vocab does:
//
//   - id 0 is Unknown ("<unk>"),
//   - then the reserved tokens, in the given order,
//   - then the tokens of the text by descending frequency; tokens with equal
//     counts keep the order in which they first appear (Python's sorted() is
//     stable and Counter remembers insertion order),
//   - tokens occurring fewer than minFreq times are left out (minFreq <= 1
//     keeps everything).
//
// A token that is already in the list (for example a reserved token that
// also occurs in the text) is not added twice. Unlike the book, a reserved
// token repeated in reserved, or equal to "<unk>", is also added only once,
// so ids stay unique.
func NewVocab(tokens [][]string, minFreq int, reserved []string) *Vocab {
	counts := map[string]int{}
	var order []string
	for _, line := range tokens {
		for _, t := range line {
			if counts[t] == 0 {
				order = append(order, t)
			}
			counts[t]++
		}
	}
	return newVocabCounts(order, counts, minFreq, reserved)
}

// newVocabCounts is NewVocab from the count of every token, in order of
// first appearance.
func newVocabCounts(order []string, counts map[string]int, minFreq int, reserved []string) *Vocab {
	freqs := make([]TokenFreq, len(order))
	for i, t := range order {
		freqs[i] = TokenFreq{Token: t, Count: counts[t]}
	}
	sort.SliceStable(freqs, func(i, j int) bool { return freqs[i].Count > freqs[j].Count })

	v := &Vocab{tokenToID: map[string]int{}, freqs: freqs}
	v.add(Unknown)
	for _, t := range reserved {
		v.add(t)
	}
	for _, tf := range freqs {
		if tf.Count < minFreq {
			break // sorted by count: every later token is rarer still
		}
		v.add(tf.Token)
	}
	return v
}

// add appends tok unless it already has an id.
func (v *Vocab) add(tok string) {
	if _, ok := v.tokenToID[tok]; ok {
		return
	}
	v.tokenToID[tok] = len(v.idToToken)
	v.idToToken = append(v.idToToken, tok)
}

// VocabFromTokens rebuilds a vocabulary from its id-to-token list, as saved
// from Tokens (for example in a checkpoint). tokens[0] must be "<unk>" and no
// token may appear twice. The rebuilt vocabulary has no frequencies:
// TokenFreqs returns nil.
func VocabFromTokens(tokens []string) (*Vocab, error) {
	if len(tokens) == 0 || tokens[0] != Unknown {
		return nil, fmt.Errorf("datasets: vocabulary must start with %q at id 0: the saved token list is corrupt or not a vocabulary", Unknown)
	}
	v := &Vocab{tokenToID: make(map[string]int, len(tokens))}
	for i, t := range tokens {
		if j, ok := v.tokenToID[t]; ok {
			return nil, fmt.Errorf("datasets: vocabulary lists token %q twice (ids %d and %d): the saved token list is corrupt", t, j, i)
		}
		v.add(t)
	}
	return v, nil
}

// Len returns the number of tokens, "<unk>" and reserved tokens included.
func (v *Vocab) Len() int { return len(v.idToToken) }

// ID returns the id of tok, or 0 ("<unk>") if tok is not in the vocabulary.
func (v *Vocab) ID(tok string) int { return v.tokenToID[tok] }

// IDs returns the id of every token in toks.
func (v *Vocab) IDs(toks []string) []int {
	ids := make([]int, len(toks))
	for i, t := range toks {
		ids[i] = v.ID(t)
	}
	return ids
}

// Token returns the token with the given id, or "<unk>" if id is out of
// range.
func (v *Vocab) Token(id int) string {
	if id < 0 || id >= len(v.idToToken) {
		return Unknown
	}
	return v.idToToken[id]
}

// Tokens returns a copy of the id-to-token list: Tokens()[id] is the token
// with that id. VocabFromTokens turns it back into a Vocab.
func (v *Vocab) Tokens() []string {
	return slices.Clone(v.idToToken)
}

// TokenFreqs returns a copy of every distinct token of the text with its
// count, most frequent first, ties in first-seen order (the book's
// token_freqs). It includes tokens dropped by minFreq and excludes reserved
// tokens that do not occur in the text. It is nil for a vocabulary made by
// VocabFromTokens.
func (v *Vocab) TokenFreqs() []TokenFreq {
	if v.freqs == nil {
		return nil
	}
	return slices.Clone(v.freqs)
}
