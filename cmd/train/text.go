package main

import (
	"fmt"
	"io"
	"strings"
	"unicode"

	"github.com/unroll/unroll/datasets"
	"github.com/unroll/unroll/train"
)

// textOptions are the parsed -tokens, -preprocess and -min-freq.
func (o *options) textOptions() (datasets.CorpusOptions, error) {
	kind, err := datasets.ParseTokenKind(o.tokens)
	if err != nil {
		return datasets.CorpusOptions{}, fmt.Errorf("unknown -tokens %q: use char or word", o.tokens)
	}
	prep, err := datasets.ParsePreprocess(o.preprocess)
	if err != nil || o.preprocess == "" {
		return datasets.CorpusOptions{}, fmt.Errorf("unknown -preprocess %q: use book (the book's: a-z lower-cased), unicode (letters of every script) or raw (the text as it is)", o.preprocess)
	}
	if o.minFreq < 0 {
		return datasets.CorpusOptions{}, fmt.Errorf("-min-freq must be >= 0, got %d", o.minFreq)
	}
	return datasets.CorpusOptions{Tokens: kind, Preprocess: prep, MinFreq: o.minFreq, MaxTokens: o.maxTokens}, nil
}

// textSummary is the line that says what the preprocessing dropped and
// how many tokens the vocabulary reads as <unk>.
func textSummary(c *datasets.Corpus) string {
	s := c.Stats
	var b strings.Builder
	fmt.Fprintf(&b, "preprocess %s: ", c.Options.Preprocess)
	switch {
	case s.Dropped == 0:
		fmt.Fprintf(&b, "kept all %d characters", s.Chars)
	default:
		fmt.Fprintf(&b, "dropped %d of %d characters (", s.Dropped, s.Chars)
		if s.DroppedLetters > 0 {
			fmt.Fprintf(&b, "%d letters, most often %s: -preprocess unicode keeps them; ", s.DroppedLetters, runeList(s.TopLetters, 5))
		}
		fmt.Fprintf(&b, "most often %s)", runeList(s.TopDropped, 5))
	}
	b.WriteString("; ")
	switch {
	case c.Unknown == 0:
		fmt.Fprintf(&b, "no token read as <unk>")
	default:
		fmt.Fprintf(&b, "%d of %d tokens read as <unk> (%d distinct %ss seen fewer than -min-freq %d times)",
			c.Unknown, c.FullLen, c.UnknownTypes, c.Options.Tokens, c.Options.MinFreq)
	}
	return b.String()
}

// runeList shows up to n characters, quoted when they would not be
// visible.
func runeList(rs []datasets.RuneCount, n int) string {
	var parts []string
	for i, rc := range rs {
		if i == n {
			break
		}
		if unicode.IsGraphic(rc.Rune) && !unicode.IsSpace(rc.Rune) {
			parts = append(parts, string(rc.Rune))
		} else {
			parts = append(parts, fmt.Sprintf("%q", rc.Rune))
		}
	}
	return strings.Join(parts, " ")
}

// isTimeMachine reports whether c was read from the book's
// timemachine.txt (its SHA-1).
func isTimeMachine(c *datasets.Corpus) bool {
	return strings.EqualFold(c.SHA1, datasets.DefaultSHA1)
}

// defaultPrefixes are the prompts of the predictions when -prefix is not
// given: the book's "time traveller" and "traveller" for The Time
// Machine, else the start of the text itself (2 words, or up to 20
// characters ending at a word's end), so that every token of it is in the
// vocabulary.
func defaultPrefixes(c *datasets.Corpus) []string {
	if isTimeMachine(c) && c.Options.Preprocess != datasets.Raw {
		return []string{"time traveller", "traveller"}
	}
	want := 20
	if c.Options.Tokens == datasets.Word {
		want = 2
	}
	var toks []string
	for _, id := range c.IDs {
		if len(toks) == want {
			break
		}
		if id == 0 { // <unk>: would not read back as itself
			if len(toks) > 0 {
				break
			}
			continue
		}
		toks = append(toks, c.Vocab.Token(id))
	}
	p := datasets.JoinTokens(toks, c.Options.Tokens)
	if c.Options.Tokens == datasets.Char {
		if i := strings.LastIndex(strings.TrimRight(p, " "), " "); i >= 4 {
			p = p[:i]
		}
		p = strings.TrimRight(p, " ")
		if p == "" {
			p = datasets.JoinTokens(toks, c.Options.Tokens)
		}
	}
	return []string{p}
}

// predictor is the book's predict_ch8 for the corpus's tokens: the
// prompt is cleaned and split as the text was, the result joined back
// (characters together, words with spaces).
type predictor struct {
	gen  *train.Generator
	c    *datasets.Corpus
	n    int // tokens to predict (the book's num_preds, 50)
	note io.Writer
}

// tokens splits a prompt and returns its ids and the tokens the
// vocabulary does not know.
func (p predictor) tokens(prefix string) (ids []int, unknown []string) {
	toks := datasets.PrefixTokens(prefix, p.c.Options.Tokens, p.c.Options.Preprocess)
	for _, t := range toks {
		id := p.c.Vocab.ID(t)
		if id == 0 && t != datasets.Unknown {
			unknown = append(unknown, t)
		}
		ids = append(ids, id)
	}
	return ids, unknown
}

// predict returns the prompt and n predicted tokens as text.
func (p predictor) predict(prefix string) (string, error) {
	ids, _ := p.tokens(prefix)
	if len(ids) == 0 {
		return "", fmt.Errorf("the prediction prefix %q has no %s tokens after -preprocess %s: pass another -prefix", prefix, p.c.Options.Tokens, p.c.Options.Preprocess)
	}
	out, err := p.gen.Predict(ids, p.n)
	if err != nil {
		return "", err
	}
	toks := make([]string, len(out))
	for i, id := range out {
		toks[i] = p.c.Vocab.Token(id)
	}
	return datasets.JoinTokens(toks, p.c.Options.Tokens), nil
}

// hook prints the predictions every n epochs, as train_ch8 does every 10.
func (p predictor) hook(n int, w io.Writer, prefixes []string) train.Hook {
	return train.HookFunc(func(s train.EpochStats) error {
		if n <= 0 || s.Epoch%n != 0 {
			return nil
		}
		for _, pre := range prefixes {
			text, err := p.predict(pre)
			if err != nil {
				return err
			}
			if _, err := fmt.Fprintf(w, "    %s\n", text); err != nil {
				return err
			}
		}
		return nil
	})
}

// checkPrefixes refuses a prompt with no token and notes the tokens of a
// prompt that the vocabulary does not know (they read as <unk>).
func (p predictor) checkPrefixes(prefixes []string) error {
	for _, pre := range prefixes {
		ids, unknown := p.tokens(pre)
		if len(ids) == 0 {
			return usageError{fmt.Errorf("-prefix %q has no %s tokens after -preprocess %s: pass text with letters", pre, p.c.Options.Tokens, p.c.Options.Preprocess)}
		}
		if len(unknown) > 0 && p.note != nil {
			fmt.Fprintf(p.note, "train: note: -prefix %q: %q are not in the vocabulary and read as <unk>\n", pre, unknown)
		}
	}
	return nil
}
