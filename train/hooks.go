package train

import (
	"fmt"
	"io"
)

// Progress returns a Hook that prints one line per epoch to w:
//
//	epoch   10  perplexity  9.8123   31012.5 tokens/sec
func Progress(w io.Writer) Hook {
	return HookFunc(func(s EpochStats) error {
		_, err := fmt.Fprintf(w, "epoch %4d  perplexity %8.4f  %10.1f tokens/sec\n", s.Epoch, s.Perplexity, s.TokensPerSec)
		return err
	})
}

// PredictEvery returns a Hook that prints the book's predict_ch8 for each
// prefix every n epochs, as train_ch8 does every 10.
func PredictEvery(n int, w io.Writer, g *Generator, v Vocab, prefixes ...string) Hook {
	return HookFunc(func(s EpochStats) error {
		if n <= 0 || s.Epoch%n != 0 {
			return nil
		}
		for _, p := range prefixes {
			text, err := g.PredictChars(v, p, 50)
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
