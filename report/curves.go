package report

import (
	"fmt"
	"io"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Curve is one line of a figure: Y[i] at X[i], or at epoch i+1 when X is
// nil.
type Curve struct {
	Label string
	Y     []float64
	X     []float64 // nil: epochs 1, 2, ...
}

// DrawCurves writes curves in format ("png", "svg" or "pdf"), 7 x 4 inches
// (PNG at 150 dpi), in the style of the book's training plots: a log-scale y
// axis when the values span a factor of 5 or more (perplexity falling from
// |V| towards 1), ticks at 1, 2 and 5 times each power of ten (labelled)
// with unlabelled ones between, and the legend to the right of the axes,
// off the data. Non-finite and, on a log axis, non-positive values are left
// out.
func DrawCurves(w io.Writer, format, title, xlabel, ylabel string, curves []Curve) error {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = xlabel
	p.Y.Label.Text = ylabel
	p.Add(plotter.NewGrid())
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, c := range curves {
		for _, y := range c.Y {
			if finite(y) {
				lo, hi = math.Min(lo, y), math.Max(hi, y)
			}
		}
	}
	if lo > hi {
		return fmt.Errorf("report: curves: no finite value to draw")
	}
	logY := lo > 0 && hi >= 5*lo
	legend := plot.NewLegend()
	entries := 0
	xmin, xmax := math.Inf(1), math.Inf(-1)
	for i, c := range curves {
		var xy plotter.XYs
		for k, y := range c.Y {
			x := float64(k + 1)
			if c.X != nil {
				x = c.X[k]
			}
			if finite(y) && (!logY || y > 0) {
				xy = append(xy, plotter.XY{X: x, Y: y})
				xmin, xmax = math.Min(xmin, x), math.Max(xmax, x)
			}
		}
		if len(xy) == 0 {
			continue
		}
		l, err := plotter.NewLine(xy)
		if err != nil {
			return fmt.Errorf("report: curves: %w", err)
		}
		l.Color = palette[i%len(palette)]
		l.Width = vg.Points(1.5)
		if i > 0 {
			l.Dashes = dashes[i%len(dashes)]
		}
		p.Add(l)
		if c.Label != "" {
			legend.Add(c.Label, l)
			entries++
		}
	}
	p.X.Min, p.X.Max = xmin, xmax
	if p.X.Max <= p.X.Min {
		p.X.Max = p.X.Min + 1
	}
	p.X.Tick.Marker = labelledTicks{}
	if logY {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = logTicks{}
		p.Y.Min, p.Y.Max = below125(lo), above125(hi)
		p.Y.Label.Text += " (log scale)"
	} else {
		p.Y.Tick.Marker = labelledTicks{}
	}
	return drawBeside(w, format, p, legend, entries, 7*vg.Inch, 4*vg.Inch)
}

// dashes tell curves apart without colour: solid, then three patterns.
var dashes = [][]vg.Length{nil, {vg.Points(6), vg.Points(3)}, {vg.Points(2), vg.Points(2)}, {vg.Points(8), vg.Points(3), vg.Points(2), vg.Points(3)}}

// newCanvas is a width x height canvas for format: a 150 dpi PNG, or
// gonum's SVG, PDF and EPS.
func newCanvas(format string, width, height vg.Length) (vg.CanvasWriterTo, error) {
	if format == "png" {
		return vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(width, height), vgimg.UseDPI(150))}, nil
	}
	return draw.NewFormattedCanvas(width, height, format)
}

// drawBeside draws p with its legend to the right of the axes (none if the
// legend is empty) on a width x height canvas of format and writes it.
func drawBeside(w io.Writer, format string, p *plot.Plot, legend plot.Legend, entries int, width, height vg.Length) error {
	cw, err := newCanvas(format, width, height)
	if err != nil {
		return fmt.Errorf("report: plot: %w", err)
	}
	dc := draw.New(cw)
	legendWidth := vg.Length(0)
	if entries > 0 {
		legend.Top, legend.Left = true, true
		legend.Padding = vg.Points(2)
		const gap = 8 // points between the axes and the legend, and at the right edge
		// A fifth more than gonum measures: a browser may set the labels
		// of an SVG in a wider font than the one gonum measures with.
		legendWidth = legend.Rectangle(dc).Size().X*1.2 + 2*vg.Points(gap)
		// Its top level with the top of the axes, below the title.
		top := p.Title.TextStyle.Height(p.Title.Text) + p.Title.Padding + vg.Points(gap)
		legend.Draw(draw.Crop(dc, width-legendWidth+vg.Points(gap), -vg.Points(gap), 0, -top))
	}
	if entries == 0 {
		// Room for the last tick label, which a browser's font may set
		// wider than gonum measures.
		legendWidth = vg.Points(12)
	}
	p.Draw(draw.Crop(dc, 0, -legendWidth, 0, 0))
	if _, err := cw.WriteTo(w); err != nil {
		return fmt.Errorf("report: plot: %w", err)
	}
	return nil
}

// logTicks labels 1, 2 and 5 times each power of ten on a log axis, with
// unlabelled ticks at the other multiples (gonum's LogTicks labels powers
// of ten only: two labels for perplexities between 1 and 30).
type logTicks struct{}

func (logTicks) Ticks(min, max float64) []plot.Tick {
	var ticks []plot.Tick
	if !(min > 0) || !(max > min) {
		return []plot.Tick{{Value: max, Label: strconv.FormatFloat(max, 'g', 4, 64)}}
	}
	for p := math.Pow(10, math.Floor(math.Log10(min))); p <= max; p *= 10 {
		for m := 1; m < 10; m++ {
			v := float64(m) * p
			if v < min*(1-1e-9) || v > max*(1+1e-9) {
				continue
			}
			t := plot.Tick{Value: v}
			if m == 1 || m == 2 || m == 5 {
				t.Label = strconv.FormatFloat(v, 'g', 4, 64)
			}
			ticks = append(ticks, t)
		}
	}
	return ticks
}

// below125 is the largest 1, 2 or 5 times a power of ten at or below v > 0;
// above125 the smallest at or above it: a log axis between them starts and
// ends at labelled ticks.
func below125(v float64) float64 {
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{5, 2, 1} {
		if m*p <= v*(1+1e-12) {
			return m * p
		}
	}
	return p
}

func above125(v float64) float64 {
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= v*(1-1e-12) {
			return m * p
		}
	}
	return 10 * p
}
