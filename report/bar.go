package report

import (
	"fmt"
	"io"
	"sync"

	"github.com/schollz/progressbar/v3"
	"github.com/unroll/unroll/train"
)

// Bar is a Hook that shows a progress bar over the run's epochs on a
// terminal, described by the last epoch's perplexity (and validation
// perplexity) and tokens per second:
//
//	ppl 9.81 val 10.23 | 31.0k tok/s  45% |████████          | (225/500, 2 it/s) [1m52s:2m17s]
//
// Text that should appear above the bar (predictions, notices) goes
// through Printer.
type Bar struct {
	mu  sync.Mutex
	w   io.Writer
	bar *progressbar.ProgressBar
}

// NewBar returns a bar on w (a terminal) for a run of total epochs of
// which done are already complete (a resumed run).
func NewBar(w io.Writer, done, total int) *Bar {
	b := &Bar{w: w}
	b.bar = progressbar.NewOptions(total,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription("epoch"),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("epoch"),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionSetElapsedTime(true),
		progressbar.OptionFullWidth(),
		progressbar.OptionSetRenderBlankState(true),
	)
	if done > 0 {
		b.bar.Set(done)
	}
	return b
}

// AfterEpoch implements train.Hook.
func (b *Bar) AfterEpoch(s train.EpochStats) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	d := fmt.Sprintf("ppl %.2f", s.Perplexity)
	if s.ValPerplexity > 0 {
		d += fmt.Sprintf(" val %.2f", s.ValPerplexity)
	}
	d += fmt.Sprintf(" | %s tok/s", short(s.TokensPerSec))
	b.bar.Describe(d)
	return b.bar.Set(s.Epoch)
}

// Finish ends the bar's line.
func (b *Bar) Finish() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.bar.Exit()
	fmt.Fprintln(b.w)
}

// Printer returns a writer whose text appears above the bar: each write
// clears the bar's line, writes, and draws the bar again.
func (b *Bar) Printer() io.Writer { return barPrinter{b} }

type barPrinter struct{ b *Bar }

func (p barPrinter) Write(text []byte) (int, error) {
	p.b.mu.Lock()
	defer p.b.mu.Unlock()
	p.b.bar.Clear()
	n, err := p.b.w.Write(text)
	if err == nil {
		err = p.b.bar.RenderBlank()
	}
	return n, err
}

// short writes a rate as 950, 31.0k or 1.20M.
func short(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%.2fM", v/1e6)
	case v >= 1e3:
		return fmt.Sprintf("%.1fk", v/1e3)
	}
	return fmt.Sprintf("%.0f", v)
}
