package main

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/unroll/unroll/train"
)

// small is a quick run with validation on text().
func small(data string, extra ...string) []string {
	return append([]string{"-data", data, "-batch", "2", "-steps", "5", "-hiddens", "16", "-predict-every", "0",
		"-val-frac", "0.2", "-progress", "lines"}, extra...)
}

func text(t *testing.T) string {
	return writeText(t, strings.Repeat("The Time Traveller (for so it will be convenient to speak of him) was expounding a recondite matter to us.\n", 6))
}

func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errOut := runCmd(args...)
	if code != 0 {
		t.Fatalf("%v: exit %d, stderr %q", args, code, errOut)
	}
	return out
}

// TestResumeSameAsStraight is acceptance test 1 through the command:
// -epochs 4 in one go, and -epochs 2 then -resume -epochs 4, give the same
// per-epoch perplexities (metrics file), the same final parameters
// (params.npz, byte for byte) and the same predictions. With Adam and a
// step schedule too.
func TestResumeSameAsStraight(t *testing.T) {
	data := text(t)
	for _, extra := range [][]string{nil, {"-optimizer", "adam", "-lr-schedule", "step", "-lr-step", "3", "-iter", "random"}} {
		dir := t.TempDir()
		a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
		outA := mustRun(t, small(data, append(extra, "-epochs", "4", "-checkpoint", a, "-metrics", a+".jsonl")...)...)
		mustRun(t, small(data, append(extra, "-epochs", "2", "-checkpoint", b)...)...)
		outB := mustRun(t, small(data, append(extra, "-epochs", "4", "-checkpoint", b, "-resume", "-metrics", b+".jsonl")...)...)
		if !strings.Contains(outB, "resumed from "+filepath.Join(b, "epoch-000002")+": 2 of 4 epochs done") {
			t.Errorf("resumed run does not say where it resumed:\n%s", outB)
		}
		ppl := func(path string) []float64 {
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			h, err := train.ReadMetrics(f)
			if err != nil {
				t.Fatal(err)
			}
			var out []float64
			for _, s := range h {
				out = append(out, s.Perplexity, s.ValPerplexity)
			}
			return out
		}
		pa, pb := ppl(a+".jsonl"), ppl(b+".jsonl")
		if len(pa) != 8 || len(pb) != 8 {
			t.Fatalf("metrics: %d and %d values, want 8", len(pa), len(pb))
		}
		for i := range pa {
			if pa[i] != pb[i] {
				t.Errorf("%v: epoch %d: %v straight, %v resumed (train, val)", extra, i/2+1, pa[i], pb[i])
			}
		}
		for _, f := range []string{"params.npz", "optimizer.npz"} {
			fa, errA := os.ReadFile(filepath.Join(a, "epoch-000004", f))
			fb, errB := os.ReadFile(filepath.Join(b, "epoch-000004", f))
			if (errA == nil) != (errB == nil) || !bytes.Equal(fa, fb) {
				t.Errorf("%v: epoch-000004/%s differs between the straight and the resumed run (%v, %v)", extra, f, errA, errB)
			}
		}
		// The predictions after the final line (whose tokens/sec differ).
		tail := func(s string) string { return s[strings.LastIndex(s, "on cpu\n"):] }
		if tail(outA) != tail(outB) {
			t.Errorf("%v: final lines differ:\n%s\nvs\n%s", extra, tail(outA), tail(outB))
		}
	}
}

func TestPresetAndConfigBlock(t *testing.T) {
	data := text(t)
	out := mustRun(t, "-preset", "book-random", "-data", data, "-hiddens", "16", "-batch", "2", "-steps", "5", "-epochs", "1", "-predict-every", "0")
	for _, want := range []string{
		"configuration (* set on the command line, + by -preset book-random):",
		"hiddens=16*", "iter=random+", "lr=1+", "epochs=1*", "max-tokens=10000+", "early-stop=0", "checkpoint=\"\"",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("configuration lacks %q:\n%s", want, out)
		}
	}
	out = mustRun(t, small(data, "-epochs", "1", "-optimizer", "adam")...)
	if !strings.Contains(out, "lr=0.002 (adam default)") {
		t.Errorf("adam without -lr:\n%s", out)
	}
	out = mustRun(t, small(data, "-epochs", "1", "-optimizer", "adam", "-preset", "book-scratch", "-hiddens", "16")...)
	if !strings.Contains(out, "lr=0.002 (adam default)") {
		t.Errorf("book preset with adam keeps the book's SGD lr:\n%s", out)
	}
}

func TestOutputs(t *testing.T) {
	dir := t.TempDir()
	plot := filepath.Join(dir, "ppl.png")
	out := mustRun(t, small(text(t), "-epochs", "3", "-plot", plot, "-progress", "bar", "-predict-every", "1", "-early-stop", "5")...)
	f, err := os.Open(plot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := png.Decode(f); err != nil {
		t.Errorf("-plot: %v", err)
	}
	for _, want := range []string{"ppl ", "val ", "tok/s", "3/3", "    the time traveller", "plot: " + plot} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%q", want, out)
		}
	}
	if strings.Contains(out, "epoch    1  perplexity") {
		t.Errorf("-progress bar also printed progress lines:\n%s", out)
	}
}

// TestEarlyStopSavesLastEpoch: a run stopped early between scheduled
// checkpoints still saves the epoch it stopped at.
func TestEarlyStopSavesLastEpoch(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ck")
	// lr 30 makes validation perplexity worse quickly: patience 1 stops
	// the run long before its 40 epochs.
	out := mustRun(t, small(text(t), "-epochs", "40", "-lr", "30", "-early-stop", "1", "-checkpoint", dir, "-checkpoint-every", "100")...)
	if !strings.Contains(out, "early stopping") {
		t.Fatalf("no early stop:\n%s", out)
	}
	ck, err := train.OpenCheckpoint(dir)
	if err != nil {
		t.Fatal(err)
	}
	if ck.Epoch >= 40 || !strings.Contains(out, "stopped after epoch "+strconv.Itoa(ck.Epoch)+":") {
		t.Errorf("latest checkpoint is epoch %d:\n%s", ck.Epoch, out)
	}
}
