package report

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/unroll/unroll/train"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// PlotFormats are the file extensions Plot can write.
var PlotFormats = []string{".png", ".svg", ".pdf"}

// CheckPlotPath reports an unsupported plot file extension.
func CheckPlotPath(path string) error {
	ext := strings.ToLower(filepath.Ext(path))
	for _, f := range PlotFormats {
		if ext == f {
			return nil
		}
	}
	return fmt.Errorf("report: cannot plot to %q: the file name must end in .png, .svg or .pdf", path)
}

// Plot is a Hook that keeps every epoch's stats and draws perplexity per
// epoch to Path, like the book's figure: training perplexity as a line and,
// when the run evaluates it, validation perplexity as a dashed line with
// points. It redraws every Every epochs (0: only when Save is called).
type Plot struct {
	Path  string
	Title string
	Every int

	history []train.EpochStats
}

// NewPlot returns a Plot of path that starts from history (the epochs a
// resumed run restored; nil for a new run).
func NewPlot(path, title string, every int, history []train.EpochStats) *Plot {
	return &Plot{Path: path, Title: title, Every: every, history: append([]train.EpochStats(nil), history...)}
}

// AfterEpoch implements train.Hook.
func (p *Plot) AfterEpoch(s train.EpochStats) error {
	p.history = append(p.history, s)
	if p.Every > 0 && s.Epoch%p.Every == 0 {
		return p.Save()
	}
	return nil
}

// Save draws the epochs so far to Path, replacing it atomically.
func (p *Plot) Save() error {
	if len(p.history) == 0 {
		return nil
	}
	var b bytes.Buffer
	if err := Draw(&b, strings.TrimPrefix(strings.ToLower(filepath.Ext(p.Path)), "."), p.Title, p.history); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(p.Path), ".tmp-plot-*")
	if err != nil {
		return fmt.Errorf("report: plot: %w", err)
	}
	err = tmp.Chmod(0o644)
	if err == nil {
		_, err = tmp.Write(b.Bytes())
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), p.Path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("report: plot: %w", err)
	}
	return nil
}

// Draw writes the perplexity-per-epoch figure of history in format ("png",
// "svg" or "pdf"), 6 x 4 inches (900 x 600 pixels for PNG).
func Draw(w io.Writer, format, title string, history []train.EpochStats) error {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "epoch"
	p.Y.Label.Text = "perplexity"
	p.Add(plotter.NewGrid())
	legend := plot.NewLegend()
	entries := 0

	var trainXY, valXY plotter.XYs
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, s := range history {
		if finite(s.Perplexity) {
			trainXY = append(trainXY, plotter.XY{X: float64(s.Epoch), Y: s.Perplexity})
			lo, hi = math.Min(lo, s.Perplexity), math.Max(hi, s.Perplexity)
		}
		if s.ValPerplexity > 0 && finite(s.ValPerplexity) {
			valXY = append(valXY, plotter.XY{X: float64(s.Epoch), Y: s.ValPerplexity})
			lo, hi = math.Min(lo, s.ValPerplexity), math.Max(hi, s.ValPerplexity)
		}
	}
	if len(trainXY) > 0 {
		l, err := plotter.NewLine(trainXY)
		if err != nil {
			return fmt.Errorf("report: plot: %w", err)
		}
		l.Color = palette[0] // matplotlib's first colour, as in the book
		l.Width = vg.Points(1.5)
		p.Add(l)
		legend.Add("train", l)
		entries++
	}
	if len(valXY) > 0 {
		l, pts, err := plotter.NewLinePoints(valXY)
		if err != nil {
			return fmt.Errorf("report: plot: %w", err)
		}
		orange := palette[1]
		l.Color, l.Dashes, l.Width = orange, []vg.Length{vg.Points(4), vg.Points(2)}, vg.Points(1.5)
		pts.Color, pts.Shape, pts.Radius = orange, draw.CircleGlyph{}, vg.Points(2)
		p.Add(l, pts)
		legend.Add("validation", l, pts)
		entries++
	}
	// Start the axes at epoch 1 and perplexity 1 (a perfect model), as the
	// book's figure starts near its data. Perplexity falling by a factor of
	// 5 or more (from |V| towards 1) is drawn on a log scale, where the
	// late epochs do not flatten into the axis.
	p.X.Min = 1
	p.Y.Min = 1
	if p.X.Max < 2 {
		p.X.Max = 2
	}
	p.X.Tick.Marker = labelledTicks{}
	p.Y.Tick.Marker = labelledTicks{}
	if lo > 0 && hi >= 5*lo {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = logTicks{}
		p.Y.Min, p.Y.Max = math.Min(1, below125(lo)), above125(hi)
		p.Y.Label.Text += " (log scale)"
	}
	return drawBeside(w, format, p, legend, entries, 6*vg.Inch, 4*vg.Inch)
}

// labelledTicks puts 4 to 10 ticks at round values (1, 2 or 5 times a power
// of ten) and labels every one, where gonum/plot's default labels only
// every other.
type labelledTicks struct{}

func (labelledTicks) Ticks(min, max float64) []plot.Tick {
	if !(max > min) {
		return []plot.Tick{{Value: min, Label: strconv.FormatFloat(min, 'g', 4, 64)}}
	}
	step := math.Pow(10, math.Floor(math.Log10((max-min)/4)))
	for _, f := range []float64{1, 2, 5, 10} {
		if (max-min)/(step*f) <= 8 {
			step *= f
			break
		}
	}
	var ticks []plot.Tick
	for v := math.Ceil(min/step) * step; v <= max+step*1e-9; v += step {
		ticks = append(ticks, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'g', 6, 64)})
	}
	return ticks
}

func finite(v float64) bool { return v-v == 0 }
