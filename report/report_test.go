package report_test

import (
	"bytes"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/unroll/unroll/report"
	"github.com/unroll/unroll/train"
)

// history is a made-up run: perplexity falling from 25 towards 1.5, with
// validation every 5 epochs.
func history(n int) []train.EpochStats {
	var h []train.EpochStats
	for e := 1; e <= n; e++ {
		s := train.EpochStats{Epoch: e, Perplexity: 1.5 + 23.5*math.Exp(-float64(e)/8), TokensPerSec: 30000}
		if e%5 == 0 {
			s.ValPerplexity = s.Perplexity * 1.2
		}
		h = append(h, s)
	}
	return h
}

func TestDrawPNG(t *testing.T) {
	var b bytes.Buffer
	if err := report.Draw(&b, "png", "rnn, 512 hiddens", history(50)); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&b)
	if err != nil {
		t.Fatal(err)
	}
	// 6 x 4 inches at 150 dpi.
	if r := img.Bounds(); r.Dx() != 900 || r.Dy() != 600 {
		t.Errorf("image is %v, want 900x600", r)
	}
}

func TestDrawSVGLabels(t *testing.T) {
	var b bytes.Buffer
	if err := report.Draw(&b, "svg", "a title", history(12)); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"epoch", "perplexity", "train", "validation", "a title"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("svg lacks %q", want)
		}
	}
}

func TestPlotHook(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ppl.png")
	p := report.NewPlot(path, "t", 2, history(3)[:1])
	for _, s := range history(3)[1:] {
		if err := p.AfterEpoch(s); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("every 2 epochs: no plot after epoch 2: %v", err)
	}
	if err := p.Save(); err != nil {
		t.Fatal(err)
	}
	if err := report.CheckPlotPath("x.jpeg"); err == nil {
		t.Error("x.jpeg: want an error")
	}
}

func TestBar(t *testing.T) {
	var b bytes.Buffer
	bar := report.NewBar(&b, 2, 10)
	bar.AfterEpoch(train.EpochStats{Epoch: 3, Perplexity: 9.8123, ValPerplexity: 10.5, TokensPerSec: 31012})
	bar.Printer().Write([]byte("time traveller\n"))
	bar.Finish()
	out := b.String()
	for _, want := range []string{"ppl 9.81 val 10.50 | 31.0k tok/s", "3/10", "time traveller\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("bar output lacks %q:\n%q", want, out)
		}
	}
}
