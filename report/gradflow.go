package report

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// FlowCurve is one line of a gradient-flow figure: a norm per time step.
type FlowCurve struct {
	Label  string
	Norms  []float64 // Norms[t-1] for t = 1..len(Norms)
	Dashed bool      // e.g. the mean loss beside the last step's
	Colour int       // index into the palette: one per run
}

// palette is matplotlib's tab10, the book's figure colours.
var palette = []color.RGBA{
	{31, 119, 180, 255}, {255, 127, 14, 255}, {44, 160, 44, 255}, {214, 39, 40, 255},
	{148, 103, 189, 255}, {140, 86, 75, 255}, {227, 119, 194, 255}, {127, 127, 127, 255},
	{188, 189, 34, 255}, {23, 190, 207, 255},
}

// DrawFlow writes the gradient norm per time step of each curve on a
// logarithmic y axis, in format ("png", "svg" or "pdf"), 7 x 4.5 inches.
// Zero and non-finite norms are left out (a log axis has no place for
// them).
func DrawFlow(w io.Writer, format, title, ylabel string, curves []FlowCurve) error {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "time step t"
	p.Y.Label.Text = ylabel + " (log scale)"
	p.Y.Scale = plot.LogScale{}
	p.Add(plotter.NewGrid())
	// The legend goes below the axes, where it cannot hide a curve.
	leg := plot.NewLegend()
	leg.Top, leg.Left = true, true
	leg.TextStyle.Font.Size = vg.Points(9)
	lo, hi := math.Inf(1), math.Inf(-1)
	entries := 0
	for _, c := range curves {
		var xy plotter.XYs
		for i, v := range c.Norms {
			if v > 0 && !math.IsInf(v, 0) {
				xy = append(xy, plotter.XY{X: float64(i + 1), Y: v})
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
		if len(xy) == 0 {
			continue
		}
		l, err := plotter.NewLine(xy)
		if err != nil {
			return fmt.Errorf("report: flow plot: %w", err)
		}
		l.Color = palette[c.Colour%len(palette)]
		l.Width = vg.Points(1.5)
		if c.Dashed {
			l.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
		}
		p.Add(l)
		leg.Add(c.Label, l)
		entries++
	}
	if lo > hi {
		return fmt.Errorf("report: flow plot: no positive finite norm to draw")
	}
	p.X.Min = 1
	p.X.Tick.Marker = labelledTicks{}
	p.Y.Tick.Marker = decadeTicks{}
	legendH := vg.Length(entries)*leg.TextStyle.Font.Size*1.35 + vg.Points(8)
	width, height := 7*vg.Inch, 4.5*vg.Inch+legendH
	cw, err := newCanvas(format, width, height)
	if err != nil {
		return fmt.Errorf("report: flow plot: %w", err)
	}
	dc := draw.New(cw)
	p.Draw(draw.Crop(dc, 0, 0, legendH, 0))
	leg.Draw(draw.Crop(dc, vg.Points(40), 0, 0, -(height - legendH)))
	if _, err := cw.WriteTo(w); err != nil {
		return fmt.Errorf("report: flow plot: %w", err)
	}
	return nil
}

// decadeTicks labels powers of ten, every k-th decade so that at most
// about 10 are labelled, with unlabelled minor ticks at the decades between.
type decadeTicks struct{}

func (decadeTicks) Ticks(min, max float64) []plot.Tick {
	if !(min > 0) || !(max > min) {
		return []plot.Tick{{Value: max, Label: strconv.FormatFloat(max, 'g', 3, 64)}}
	}
	a, b := int(math.Floor(math.Log10(min))), int(math.Ceil(math.Log10(max)))
	step := 1
	for _, s := range []int{1, 2, 5, 10, 20, 25, 50, 100} {
		step = s
		if (b-a)/s <= 10 {
			break
		}
	}
	var ticks []plot.Tick
	for e := a; e <= b; e++ {
		v := math.Pow(10, float64(e))
		if v < min || v > max {
			continue
		}
		t := plot.Tick{Value: v}
		if e%step == 0 {
			t.Label = "1e" + strconv.Itoa(e)
			if e == 0 {
				t.Label = "1"
			}
		}
		if t.Label != "" || (b-a) <= 60 { // minor ticks only where they stay apart
			ticks = append(ticks, t)
		}
	}
	return ticks
}
