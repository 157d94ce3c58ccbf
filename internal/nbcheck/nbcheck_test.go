package nbcheck

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// cell is a test notebook's cell: markdown when out is nil and code is
// false.
type cell struct {
	code bool
	src  string
	out  []string // stream outputs of a code cell
}

func md(src string) cell                 { return cell{src: src} }
func run(src string, out ...string) cell { return cell{code: true, src: src, out: out} }
func ipynb(t *testing.T, cells ...cell) []byte {
	t.Helper()
	var js []map[string]any
	for _, c := range cells {
		if !c.code {
			js = append(js, map[string]any{"cell_type": "markdown", "metadata": map[string]any{}, "source": c.src})
			continue
		}
		var outs []map[string]any
		for _, o := range c.out {
			// nbformat's list-of-lines form, as Jupyter writes it.
			outs = append(outs, map[string]any{"output_type": "stream", "name": "stdout", "text": strings.SplitAfter(o, "\n")})
		}
		js = append(js, map[string]any{"cell_type": "code", "metadata": map[string]any{}, "source": c.src, "outputs": outs})
	}
	b, err := json.Marshal(map[string]any{"nbformat": 4, "nbformat_minor": 5, "metadata": map[string]any{}, "cells": js})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func figuresOf(fs []Finding) []string {
	var s []string
	for _, f := range fs {
		s = append(s, fmt.Sprintf("%d:%s:%v", f.Cell, f.Figure, f.Escape))
	}
	return s
}

// The figures of experiments.ipynb's closing text when issue 16 was filed
// (4.85 and 5.45 in the prose; 4.83 and 5.46 printed): the check catches
// exactly the stale ones.
func TestStaleFigureFails(t *testing.T) {
	nb := ipynb(t,
		run("%%\nrunOne(c, setting{NumHiddens: 128, Epochs: 60})",
			"sequential (state carried)   perplexity   4.83 after 60 epochs (41.0 s)\n",
			"random (state reset)         perplexity   5.46 after 60 epochs (40.2 s)\n"),
		md("Carrying the state pulls ahead (4.85 against 5.46 at epoch 60)."),
	)
	found, err := Check(nb)
	if err != nil {
		t.Fatal(err)
	}
	if got := figuresOf(found); strings.Join(got, " ") != "2:4.85:false" {
		t.Fatalf("findings %v, want the stale 4.85 of cell 2 only", got)
	}
	if !strings.Contains(found[0].String(), "Carrying the state") {
		t.Errorf("the finding does not quote its line: %s", found[0])
	}
}

func TestCleanNotebookPasses(t *testing.T) {
	nb := ipynb(t,
		run("const numHiddens = 256 // 512\n%%\ntrain()", "perplexity 4.83, 71549.5 tokens/sec\n", "vocab 10000 tokens\n"),
		md("At num_hiddens 256 (the book: 512 in `go run ./cmd/train -hiddens 512`) the run ends at 4.83 "+
			"over 10,000 characters, 35 steps, 60 epochs; the rate is $\\sigma(0) = 0.5$ and\n\n"+
			"$$0.5^{200} = 6.2 \\cdot 10^{-61}$$\n\n```sh\ngo run ./cmd/train -epochs 500 -lr 0.1\n```\n"+
			"X_1 and H_35 are names, go1.26 and v0.10.11 versions, [a link](http://x/1.2.3)."),
	)
	found, err := Check(nb)
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != 0 {
		t.Fatalf("findings on a clean notebook: %v", found)
	}
}

// A figure must match a whole printed token: a rounded or truncated copy of
// a printed number is not the number the run printed.
func TestWholeTokensOnly(t *testing.T) {
	nb := ipynb(t,
		run("%%", "perplexity 4.83 at epoch 120\n"),
		md("about 4.8, or 4.830, at epoch 12.0 or 1200"),
	)
	found, err := Check(nb)
	if err != nil {
		t.Fatal(err)
	}
	want := "2:4.8:false 2:4.830:false 2:12.0:false 2:1200:false"
	if got := strings.Join(figuresOf(found), " "); got != want {
		t.Fatalf("findings %s, want %s", got, want)
	}
}

func TestEscape(t *testing.T) {
	nb := ipynb(t,
		run("%%", "done\n"),
		md("<!-- nbcheck: section 9.4, the year 2016 -->\nSection 9.4 (Zhou et al., 2016)."),
		md("<!-- nbcheck: 8.7 -->\nNo such section here."),
		md("Section 9.4 again, without the escape."),
	)
	found, err := Check(nb)
	if err != nil {
		t.Fatal(err)
	}
	want := "3:8.7:true 4:9.4:false"
	if got := strings.Join(figuresOf(found), " "); got != want {
		t.Fatalf("findings %s, want %s (an unused escape, and an escape applies to its own cell only)", got, want)
	}
}

func TestSmallIntegersAreWords(t *testing.T) {
	nb := ipynb(t, run("%%", "ok\n"), md("3 steps, 35 characters, 60 epochs, 2 layers"))
	found, err := Check(nb)
	if err != nil || len(found) != 0 {
		t.Fatalf("Check = %v, %v; want no findings: integers below 100 are not checked", found, err)
	}
}

func TestNotExecuted(t *testing.T) {
	nb := ipynb(t, run("%%\nfmt.Println(4.83)"), md("it prints 4.83"))
	if _, err := Check(nb); err == nil || !strings.Contains(err.Error(), "executed") {
		t.Fatalf("Check of a notebook without outputs: err %v, want one saying it was not executed", err)
	}
}

func TestDisplayOutputs(t *testing.T) {
	// text/plain and text/html count; an SVG's coordinates do not.
	b := []byte(`{"cells": [
	 {"cell_type": "code", "source": ["%%\n"], "outputs": [
	   {"output_type": "display_data", "data": {"text/html": ["<b>perplexity 9.61</b>"], "image/svg+xml": "<svg><path d=\"M 1.25 3.5\"/></svg>"}},
	   {"output_type": "execute_result", "data": {"text/plain": "123.5"}}]},
	 {"cell_type": "markdown", "source": "9.61 and 123.5, not 1.25"}]}`)
	found, err := Check(b)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(figuresOf(found), " "); got != "2:1.25:false" {
		t.Fatalf("findings %s, want only 1.25 (in an SVG only)", got)
	}
}
