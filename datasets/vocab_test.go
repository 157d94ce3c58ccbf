package datasets

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestNewVocabBook(t *testing.T) {
	// Expected lists: the BookVocab section of testdata/gen_vectors.py (the
	// book's d2l.Vocab, v0.17.6), "== vocab_test.go: TestNewVocabBook".
	toks := [][]string{{"b", "a", "c"}, {}, {"a", "b", "d", "e", "e"}}
	tests := []struct {
		minFreq  int
		reserved []string
		want     []string
	}{
		// b, a, e all occur twice: ties keep first-seen order.
		{0, nil, []string{"<unk>", "b", "a", "e", "c", "d"}},
		{2, nil, []string{"<unk>", "b", "a", "e"}},
		{3, nil, []string{"<unk>"}},
		// A reserved token that also occurs in the text keeps its reserved id.
		{0, []string{"<pad>", "a"}, []string{"<unk>", "<pad>", "a", "b", "e", "c", "d"}},
		{2, []string{"<bos>"}, []string{"<unk>", "<bos>", "b", "a", "e"}},
	}
	wantFreqs := "[{b 2} {a 2} {e 2} {c 1} {d 1}]" // the book's token_freqs
	for _, tc := range tests {
		v := NewVocab(toks, tc.minFreq, tc.reserved)
		if got := v.Tokens(); !slices.Equal(got, tc.want) {
			t.Errorf("NewVocab(minFreq=%d, reserved=%q).Tokens() = %q, want %q", tc.minFreq, tc.reserved, got, tc.want)
		}
		if v.Len() != len(tc.want) {
			t.Errorf("Len() = %d, want %d", v.Len(), len(tc.want))
		}
		if got := fmt.Sprint(v.TokenFreqs()); got != wantFreqs {
			t.Errorf("TokenFreqs() = %s, want %s", got, wantFreqs)
		}
		for id, tok := range tc.want {
			if v.ID(tok) != id || v.Token(id) != tok {
				t.Errorf("ID(%q) = %d, Token(%d) = %q; want %d and %q", tok, v.ID(tok), id, v.Token(id), id, tok)
			}
		}
	}
}

func TestVocabUnknown(t *testing.T) {
	v := NewVocab([][]string{{"x", "y", "x"}}, 0, nil)
	if got := v.ID("never seen"); got != 0 {
		t.Errorf("ID(unknown) = %d, want 0", got)
	}
	if got := v.IDs([]string{"x", "zz", "y"}); !slices.Equal(got, []int{1, 0, 2}) {
		t.Errorf("IDs = %v, want [1 0 2]", got)
	}
	for _, id := range []int{-1, 3, 1 << 30} {
		if got := v.Token(id); got != "<unk>" {
			t.Errorf("Token(%d) = %q, want <unk>", id, got)
		}
	}
	// Tokens and TokenFreqs return copies.
	v.Tokens()[1] = "changed"
	v.TokenFreqs()[0].Token = "changed"
	if v.Token(1) != "x" || v.TokenFreqs()[0].Token != "x" {
		t.Error("modifying the result of Tokens or TokenFreqs changed the vocabulary")
	}
	// Repeated reserved tokens, or "<unk>" among them, get one id only.
	v = NewVocab(nil, 0, []string{"<pad>", "<unk>", "<pad>"})
	if got := v.Tokens(); !slices.Equal(got, []string{"<unk>", "<pad>"}) {
		t.Errorf("Tokens() with repeated reserved tokens = %q, want [<unk> <pad>]", got)
	}
}

func TestVocabFromTokens(t *testing.T) {
	v := NewVocab([][]string{strings.Split("hello world", "")}, 0, []string{"<pad>"})
	w, err := VocabFromTokens(v.Tokens())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(w.Tokens(), v.Tokens()) {
		t.Errorf("round trip: %q, want %q", w.Tokens(), v.Tokens())
	}
	if w.ID("o") != v.ID("o") || w.TokenFreqs() != nil {
		t.Errorf("rebuilt vocab: ID(o) = %d (want %d), TokenFreqs = %v (want nil)", w.ID("o"), v.ID("o"), w.TokenFreqs())
	}
	for _, bad := range [][]string{nil, {}, {"a", "<unk>"}, {"<unk>", "a", "b", "a"}, {"<unk>", "<unk>"}} {
		if _, err := VocabFromTokens(bad); err == nil {
			t.Errorf("VocabFromTokens(%q) succeeded, want an error", bad)
		}
	}
}

func ExampleNewVocab() {
	lines := []string{"the time machine", "by h g wells"}
	vocab := NewVocab(Tokenize(lines, Word), 0, nil)
	fmt.Println(vocab.Len(), vocab.Tokens())
	fmt.Println(vocab.IDs([]string{"the", "wells", "newton"}))
	// Output:
	// 8 [<unk> the time machine by h g wells]
	// [1 7 0]
}

func FuzzNewVocab(f *testing.F) {
	f.Add("the time machine by h g wells", 0, "")
	f.Add("a a b b c", 2, "<pad> a")
	f.Add("", 5, "<unk>")
	f.Fuzz(func(t *testing.T, text string, minFreq int, reserved string) {
		toks := [][]string{strings.Fields(text)}
		v := NewVocab(toks, minFreq, strings.Fields(reserved))
		list := v.Tokens()
		if list[0] != "<unk>" || v.Len() != len(list) {
			t.Fatalf("Tokens() = %q, Len() = %d", list, v.Len())
		}
		for id, tok := range list {
			if v.ID(tok) != id || v.Token(id) != tok {
				t.Fatalf("id %d / token %q do not round-trip", id, tok)
			}
		}
		for _, tok := range toks[0] {
			id := v.ID(tok)
			if id < 0 || id >= v.Len() || (id != 0 && v.Token(id) != tok) {
				t.Fatalf("ID(%q) = %d is wrong", tok, id)
			}
		}
		freqs := v.TokenFreqs()
		for i := 1; i < len(freqs); i++ {
			if freqs[i].Count > freqs[i-1].Count {
				t.Fatalf("TokenFreqs not sorted: %v", freqs)
			}
		}
		w, err := VocabFromTokens(list)
		if err != nil || !slices.Equal(w.Tokens(), list) {
			t.Fatalf("VocabFromTokens(%q) = %v, %v", list, w, err)
		}
	})
}
