package figure

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"path/filepath"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/spindle-sim/spindle/aer"
	"github.com/spindle-sim/spindle/aer/anyformat"
)

// rateBins is the number of time bins of the rate panel.
const rateBins = 200

// Trace draws the trace or camera file at path as a PNG on w: the spikes
// as a raster (time against address; at most maxPoints dots, every k-th
// spike when there are more) above the rate of each population (camera
// files: ON and OFF events), and, for a trace holding packets, a heatmap
// of the packets from each source core (x) to each destination core (y),
// coloured by log10(1 + packets). It reads the file twice.
func Trace(w io.Writer, path string, opt anyformat.Options, maxPoints int) error {
	if maxPoints < 1 {
		return fmt.Errorf("figure: %d points: expected a positive count", maxPoints)
	}
	// First pass: count and time range, to choose the raster stride and the bins.
	var n int64
	var first, last int64
	src, err := anyformat.Open(path, opt)
	if err != nil {
		return err
	}
	for e, err := range src.Events() {
		if err != nil {
			src.Close()
			return err
		}
		if n == 0 {
			first = e.Time
		}
		n++
		last = e.Time
	}
	src.Close()
	src, err = anyformat.Open(path, opt)
	if err != nil {
		return err
	}
	defer src.Close()
	info := src.Info()
	ms := info.MsPerUnit()
	var rows []*plot.Plot
	if n > 0 {
		raster, rate, err := spikePlots(src, info, n, first, last, ms, maxPoints)
		if err != nil {
			return err
		}
		rows = append(rows, raster, rate)
	}
	if src.HasPackets() {
		hm, err := packetHeatmap(src.Trace())
		if err != nil {
			return err
		}
		rows = append(rows, hm)
	}
	if len(rows) == 0 {
		return fmt.Errorf("%s: no events to plot", path)
	}
	rows[0].Title.Text = fmt.Sprintf("%s (%s)", filepath.Base(path), info.Format)
	if len(rows) == 1 {
		rows[0].Title.Text += ": core-to-core packets"
	}
	const width = 10 * vg.Inch
	heights := map[int]vg.Length{1: 7 * vg.Inch, 2: 9 * vg.Inch, 3: 15 * vg.Inch}
	img := vgimg.New(width, heights[len(rows)])
	dc := draw.New(img)
	grid := make([][]*plot.Plot, len(rows))
	for i, p := range rows {
		grid[i] = []*plot.Plot{p}
	}
	tiles := draw.Tiles{Rows: len(rows), Cols: 1, PadTop: vg.Points(6), PadBottom: vg.Points(6), PadLeft: vg.Points(6), PadRight: vg.Points(12), PadY: vg.Points(12)}
	canvases := plot.Align(grid, tiles, dc)
	for i, p := range rows {
		p.Draw(canvases[i][0])
	}
	_, err = vgimg.PngCanvas{Canvas: img}.WriteTo(w)
	return err
}

// rasterGroup is one population's slice of the address space and its rate.
type rasterGroup struct {
	name   string
	size   float64 // neurons, for the per-neuron rate
	counts []float64
	pts    plotter.XYs
}

func spikePlots(src *anyformat.Source, info anyformat.Info, n, first, last int64, ms float64, maxPoints int) (*plot.Plot, *plot.Plot, error) {
	stride := (n-1)/int64(maxPoints) + 1 // n + maxPoints - 1 could overflow
	binWidth := float64(last-first+1) / rateBins
	var groups []*rasterGroup
	var groupOf func(e anyformat.Event) int
	switch {
	case info.Format.Camera() && !info.Rule.MergePolarity:
		half := float64(info.Rule.NumAddrs() / 2)
		groups = []*rasterGroup{{name: "OFF", size: half}, {name: "ON", size: half}}
		groupOf = func(e anyformat.Event) int { return int(e.P & 1) }
	case info.Meta != nil && len(info.Meta.Populations) > 0:
		m := info.Meta
		for _, p := range m.Populations {
			groups = append(groups, &rasterGroup{name: p.Name, size: float64(p.Size)})
		}
		groups = append(groups, &rasterGroup{name: "other", size: 1})
		other := len(groups) - 1
		groupOf = func(e anyformat.Event) int {
			if i := m.Population(e.Addr); i >= 0 {
				return i
			}
			return other
		}
	default:
		size := 1.0
		if info.Rule != nil {
			size = float64(info.Rule.NumAddrs())
		}
		groups = []*rasterGroup{{name: "all", size: size}}
		groupOf = func(anyformat.Event) int { return 0 }
	}
	for _, g := range groups {
		g.counts = make([]float64, rateBins)
	}
	// Microsecond clocks are absolute (camera epochs): plot from the first event.
	t0, xlabel := 0.0, "time (ms)"
	if info.TimeUnit == aer.UnitUS {
		t0, xlabel = float64(first), "time since the first event (ms)"
	}
	var i int64
	var maxAddr uint32
	for e, err := range src.Events() {
		if err != nil {
			return nil, nil, err
		}
		g := groups[groupOf(e)]
		g.counts[min(int(float64(e.Time-first)/binWidth), rateBins-1)]++
		if i%stride == 0 {
			g.pts = append(g.pts, plotter.XY{X: (float64(e.Time) - t0) * ms, Y: float64(e.Addr)})
		}
		maxAddr = max(maxAddr, e.Addr)
		i++
	}
	raster := plot.New()
	raster.X.Label.Text = xlabel
	raster.Y.Label.Text = "address"
	if stride > 1 {
		raster.Y.Label.Text = fmt.Sprintf("address (every %d-th of %d spikes)", stride, n)
	}
	rate := plot.New()
	rate.X.Label.Text = xlabel
	rate.Y.Label.Text = "rate per address (Hz)"
	rate.Legend.Top = true
	binSeconds := binWidth * ms / 1000
	for k, g := range groups {
		if len(g.pts) == 0 && sum(g.counts) == 0 {
			continue
		}
		c := plotColor(k)
		if len(g.pts) > 0 {
			sc, err := plotter.NewScatter(g.pts)
			if err != nil {
				return nil, nil, err
			}
			sc.GlyphStyle = draw.GlyphStyle{Color: c, Radius: vg.Points(0.7), Shape: draw.BoxGlyph{}}
			raster.Add(sc)
			raster.Legend.Add(g.name, sc)
		}
		xy := make(plotter.XYs, rateBins)
		for b := range xy {
			xy[b] = plotter.XY{X: (float64(first) - t0 + (float64(b)+0.5)*binWidth) * ms, Y: g.counts[b] / g.size / binSeconds}
		}
		l, err := plotter.NewLine(xy)
		if err != nil {
			return nil, nil, err
		}
		l.Color = c
		l.Width = vg.Points(1.2)
		rate.Add(l)
		rate.Legend.Add(g.name, l)
	}
	raster.Legend.Top = true
	raster.X.Min, raster.X.Max = (float64(first)-t0)*ms, (float64(last+1)-t0)*ms
	rate.X.Min, rate.X.Max = raster.X.Min, raster.X.Max
	raster.Y.Min, raster.Y.Max = 0, float64(maxAddr)+1
	rate.Y.Min = 0
	return raster, rate, nil
}

func sum(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s
}

// plotColor gives population k a distinct, print-safe colour.
func plotColor(k int) color.Color {
	cs := []color.RGBA{{0, 90, 181, 255}, {220, 50, 32, 255}, {0, 140, 70, 255}, {230, 140, 0, 255}, {120, 60, 160, 255}, {90, 90, 90, 255}}
	return cs[k%len(cs)]
}

// coreGrid is a src x dst matrix of packet counts for plotter.HeatMap.
type coreGrid struct {
	n int
	z []float64
}

func (g *coreGrid) Dims() (c, r int)   { return g.n, g.n }
func (g *coreGrid) Z(c, r int) float64 { return g.z[r*g.n+c] }
func (g *coreGrid) X(c int) float64    { return float64(c) }
func (g *coreGrid) Y(r int) float64    { return float64(r) }

// coreTicks marks whole core ids, at most about ten of them: the default
// ticker puts marks between cells, at fractional ids.
type coreTicks struct{}

func (coreTicks) Ticks(lo, hi float64) []plot.Tick {
	first, last := int(math.Ceil(lo)), int(math.Floor(hi))
	step := niceStep(last - first)
	var out []plot.Tick
	for c := (first + step - 1) / step * step; c <= last; c += step {
		out = append(out, plot.Tick{Value: float64(c), Label: strconv.Itoa(c)})
	}
	return out
}

// niceStep is the least of 1, 2, 5, 10, 20, 50, ... that cuts span into
// fewer than ten steps.
func niceStep(span int) int {
	for base := 1; ; base *= 10 {
		for _, m := range []int{1, 2, 5} {
			if span/(m*base) < 10 {
				return m * base
			}
		}
	}
}

// maxHeatCores bounds the heatmap matrix; core ids beyond it are an error
// rather than a huge allocation.
const maxHeatCores = 4096

func packetHeatmap(tr *aer.Reader) (*plot.Plot, error) {
	tr.SeekTime(math.MinInt64)
	var t aer.Traffic
	for p, err := range tr.Packets() {
		if err != nil {
			return nil, err
		}
		t.Add(p)
	}
	n := 0
	for l := range t.Links {
		n = max(n, int(l.Src)+1, int(l.Dst)+1)
	}
	if n > maxHeatCores {
		return nil, fmt.Errorf("heatmap: core id %d beyond the %d cores a heatmap can show", n-1, maxHeatCores)
	}
	g := &coreGrid{n: max(n, 1), z: make([]float64, max(n, 1)*max(n, 1))}
	peak := 1.0
	for l, lt := range t.Links {
		g.z[int(l.Dst)*g.n+int(l.Src)] = float64(lt.Packets)
		peak = max(peak, float64(lt.Packets))
	}
	cm := moreland.BlackBody()
	cm.SetMin(0)
	cm.SetMax(peak)
	hm := plotter.NewHeatMap(g, palette.Reverse(cm).Palette(255)) // white = no packets
	hm.Min, hm.Max = 0, peak
	p := plot.New()
	p.X.Label.Text = "source core"
	p.Y.Label.Text = fmt.Sprintf("destination core   (white 0 .. black %.0f packets)", peak)
	p.X.Tick.Marker, p.Y.Tick.Marker = coreTicks{}, coreTicks{}
	p.Add(hm)
	// Small boards get the count written in each cell, in a colour that
	// stays readable on both ends of the palette.
	if n <= 16 {
		var lab plotter.XYLabels
		var styles []text.Style
		for r := range g.n {
			for c := range g.n {
				v := g.Z(c, r)
				lab.XYs = append(lab.XYs, plotter.XY{X: float64(c), Y: float64(r)})
				lab.Labels = append(lab.Labels, strconv.FormatFloat(v, 'f', 0, 64))
				st := text.Style{Color: color.Black, XAlign: text.XCenter, YAlign: text.YCenter, Handler: p.Title.TextStyle.Handler}
				st.Font.Size = vg.Points(9)
				if v > peak/2 {
					st.Color = color.White
				}
				styles = append(styles, st)
			}
		}
		labels, err := plotter.NewLabels(lab)
		if err != nil {
			return nil, err
		}
		for i := range styles {
			styles[i].Font = labels.TextStyle[i].Font
			styles[i].Font.Size = vg.Points(9)
		}
		labels.TextStyle = styles
		p.Add(labels)
	}
	return p, nil
}
