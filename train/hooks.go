package train

import (
	"fmt"
	"io"
	"math"
)

// Progress returns a Hook that prints one line per epoch to w, with the
// validation perplexity when the epoch has one:
//
//	epoch   10  perplexity  9.8123   31012.5 tokens/sec
//	epoch   10  perplexity  9.8123   31012.5 tokens/sec  val perplexity 10.2311
//
// and with Config.GradFlow the gradient-flow summary (EpochStats.Flow):
//
//	epoch   10  perplexity  9.8123   31012.5 tokens/sec  dL/dH_1 / dL/dH_T 3.1e-02  clipped 7/8
func Progress(w io.Writer) Hook {
	return HookFunc(func(s EpochStats) error {
		val := ""
		if s.ValPerplexity > 0 {
			val = fmt.Sprintf("  val perplexity %8.4f", s.ValPerplexity)
		}
		if f := s.Flow; f != nil {
			val += fmt.Sprintf("  dL/dH_1 / dL/dH_T %.1e  clipped %d/%d", f.Ratio, f.Clipped, f.Batches)
		}
		_, err := fmt.Fprintf(w, "epoch %4d  perplexity %8.4f  %10.1f tokens/sec%s\n", s.Epoch, s.Perplexity, s.TokensPerSec, val)
		return err
	})
}

// EarlyStopping returns a Hook that stops t's run (with an *EarlyStop,
// which wraps ErrStop) once the validation perplexity has not improved on its best for
// patience evaluations in a row. It reads t's history, restored epochs
// included, so a resumed run stops where the uninterrupted one would.
// Add it after the hooks that should still see the last epoch.
// patience <= 0 never stops.
func EarlyStopping(t *Trainer, patience int) Hook {
	return HookFunc(func(s EpochStats) error {
		if patience <= 0 || s.ValPerplexity == 0 {
			return nil
		}
		best, bestEpoch, since := math.Inf(1), 0, 0
		for _, h := range t.History() {
			if h.ValPerplexity == 0 {
				continue
			}
			if h.ValPerplexity < best {
				best, bestEpoch, since = h.ValPerplexity, h.Epoch, 0
			} else {
				since++
			}
		}
		if since >= patience {
			return &EarlyStop{Evaluations: since, Best: best, BestEpoch: bestEpoch}
		}
		return nil
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
