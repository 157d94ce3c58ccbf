package report_test

import (
	"bytes"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/unroll/unroll/report"
)

// falling is a made-up perplexity curve from 28 (|V| of The Time Machine)
// towards floor.
func falling(n int, floor float64) []float64 {
	y := make([]float64, n)
	for e := range y {
		y[e] = floor + (28-floor)*math.Exp(-float64(e)/20)
	}
	return y
}

// svgTexts returns the text elements of a gonum SVG with their x
// coordinates.
func svgTexts(t *testing.T, svg string) map[string]float64 {
	t.Helper()
	re := regexp.MustCompile(`<text x="([-0-9.]+)"[^>]*>([^<]*)</text>`)
	m := map[string]float64{}
	for _, s := range re.FindAllStringSubmatch(svg, -1) {
		x, err := strconv.ParseFloat(s[1], 64)
		if err != nil {
			t.Fatal(err)
		}
		m[s[2]] = x
	}
	return m
}

func TestDrawCurvesLogScale(t *testing.T) {
	var b bytes.Buffer
	curves := []report.Curve{{Label: "RNN, num_hiddens 256", Y: falling(200, 2.5)}, {Label: "MLP", Y: falling(200, 9)}}
	if err := report.DrawCurves(&b, "svg", "two runs", "epoch", "perplexity", curves); err != nil {
		t.Fatal(err)
	}
	texts := svgTexts(t, b.String())
	// 2.5 to 28 spans more than a factor of 5: log scale, with the 1-2-5
	// labels of the decades it covers (the axis runs from 2 to 50).
	for _, want := range []string{"perplexity (log scale)", "2", "5", "10", "20", "50"} {
		if _, ok := texts[want]; !ok {
			t.Errorf("no text %q in the SVG; texts: %v", want, texts)
		}
	}
	// The legend sits right of the axes: its labels start beyond the
	// x axis' last tick label (epoch 200).
	last, ok := texts["200"]
	if !ok {
		t.Fatalf("no tick label 200 on the epoch axis; texts: %v", texts)
	}
	for _, c := range curves {
		if x, ok := texts[c.Label]; !ok || x <= last {
			t.Errorf("legend label %q at x=%v (found %v), want right of the last tick label at %v", c.Label, x, ok, last)
		}
	}
}

func TestDrawCurvesLinear(t *testing.T) {
	var b bytes.Buffer
	// 4.8 to 9: less than a factor of 5, a linear axis.
	if err := report.DrawCurves(&b, "svg", "", "seconds", "perplexity", []report.Curve{{Y: []float64{9, 7, 4.8}, X: []float64{0.5, 1, 1.5}}}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "log scale") {
		t.Error("a linear range drawn on a log scale")
	}
	if err := report.DrawCurves(&b, "svg", "", "", "", []report.Curve{{Y: []float64{math.NaN()}}}); err == nil {
		t.Error("nothing finite to draw: want an error")
	}
}

func TestDrawLogScale(t *testing.T) {
	// history falls from 25 to 1.5: more than a factor of 5.
	var b bytes.Buffer
	if err := report.Draw(&b, "svg", "rnn", history(60)); err != nil {
		t.Fatal(err)
	}
	texts := svgTexts(t, b.String())
	for _, want := range []string{"perplexity (log scale)", "1", "2", "5", "10", "20"} {
		if _, ok := texts[want]; !ok {
			t.Errorf("no text %q in the SVG", want)
		}
	}
}
