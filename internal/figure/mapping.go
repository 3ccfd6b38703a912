package figure

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/spindle-sim/spindle/chip"
	"github.com/spindle-sim/spindle/chip/mapping"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// imageFormats are the image formats Mapping writes, by gonum/plot's
// canvases, as file name extensions.
var imageFormats = []string{"png", "svg", "pdf", "eps", "jpg", "jpeg", "tif", "tiff"}

// ImageFormats returns the formats Mapping can write, as file name
// extensions without the dot.
func ImageFormats() []string { return slices.Clone(imageFormats) }

// Mapping draws the board of a mapping to w as an image in format (one of
// ImageFormats): every tile of the mesh as a square split into its cores,
// each core coloured by its expected synaptic load (packets in per tick),
// and every directed link as a bar whose colour and width grow with its
// expected packets per tick. Chip boundaries are drawn thick. name names
// the network in the title.
func Mapping(w io.Writer, format, name string, a *chip.Arch, m *chip.Mapping, e *mapping.Estimate) error {
	format = strings.ToLower(format)
	if !slices.Contains(imageFormats, format) {
		return fmt.Errorf("figure: image format %q: expected one of %s", format, strings.Join(imageFormats, ", "))
	}
	p := plot.New()
	p.Title.Text = fmt.Sprintf("%s on %s, %s map: %d cores on %d chip(s)\ncores: expected packets in per tick (max %.3g); links: packets per tick (max %.3g)",
		name, a.Name, m.Strategy, e.CoresUsed, e.ChipsUsed, maxCoreIn(e), e.MaxLinkLoad)
	p.HideAxes()
	p.Add(&boardPlotter{e: e, a: a})
	wd := vg.Length(math.Min(40, math.Max(6, float64(e.GridX)*0.9))) * vg.Inch
	ht := vg.Length(math.Min(40, math.Max(4, float64(e.GridY)*0.9+1))) * vg.Inch
	img, err := p.WriterTo(wd, ht, format)
	if err != nil {
		return err
	}
	_, err = img.WriteTo(w)
	return err
}

func maxCoreIn(e *mapping.Estimate) float64 {
	m := 0.0
	for _, c := range e.Cores {
		m = math.Max(m, c.PacketsIn)
	}
	return m
}

type boardPlotter struct {
	e *mapping.Estimate
	a *chip.Arch
}

func (bp *boardPlotter) DataRange() (xmin, xmax, ymin, ymax float64) {
	return -0.1, float64(bp.e.GridX) + 0.1, -0.1, float64(bp.e.GridY) + 0.1
}

// ramp maps v in [0, 1] to a colour from pale grey-blue through yellow to
// dark red, readable in print and for the common colour deficiencies.
func ramp(v float64) color.Color {
	stops := []color.RGBA{{230, 236, 245, 255}, {120, 180, 220, 255}, {250, 210, 80, 255}, {230, 90, 40, 255}, {120, 0, 20, 255}}
	v = math.Max(0, math.Min(1, v)) * float64(len(stops)-1)
	i := min(int(v), len(stops)-2)
	f := v - float64(i)
	a, b := stops[i], stops[i+1]
	mix := func(x, y uint8) uint8 { return uint8(float64(x) + f*(float64(y)-float64(x))) }
	return color.RGBA{mix(a.R, b.R), mix(a.G, b.G), mix(a.B, b.B), 255}
}

func (bp *boardPlotter) Plot(c draw.Canvas, plt *plot.Plot) {
	e, a := bp.e, bp.a
	tx, ty := plt.Transforms(&c)
	rect := func(x0, y0, x1, y1 float64, col color.Color) {
		c.FillPolygon(col, []vg.Point{{X: tx(x0), Y: ty(y0)}, {X: tx(x1), Y: ty(y0)}, {X: tx(x1), Y: ty(y1)}, {X: tx(x0), Y: ty(y1)}})
	}
	// Tile (X, Y) occupies [X+m, X+1-m] x [Y+m, Y+1-m]; its cores split it
	// into a near-square grid.
	const m = 0.18
	per := a.CoresPerTile
	cols := int(math.Ceil(math.Sqrt(float64(per))))
	rows := (per + cols - 1) / cols
	for y := 0; y < e.GridY; y++ {
		for x := 0; x < e.GridX; x++ {
			rect(float64(x)+m, float64(y)+m, float64(x+1)-m, float64(y+1)-m, color.RGBA{200, 200, 200, 255})
		}
	}
	top := maxCoreIn(e)
	perChip := a.CoresPerChip()
	for id, cu := range e.Cores {
		t := e.TileOf[id]
		k := (id % perChip) % per
		cw, ch := (1-2*m)/float64(cols), (1-2*m)/float64(rows)
		x0 := float64(t.X) + m + float64(k%cols)*cw
		y0 := float64(t.Y) + m + float64(k/cols)*ch
		col := color.Color(color.RGBA{245, 245, 245, 255})
		if cu.Neurons > 0 {
			v := 0.0
			if top > 0 {
				v = cu.PacketsIn / top
			}
			col = ramp(0.08 + 0.92*v)
		}
		inset := math.Min(cw, ch) * 0.06
		rect(x0+inset, y0+inset, x0+cw-inset, y0+ch-inset, col)
	}
	// Links: the two directions of a pair side by side.
	for _, l := range e.Links {
		if l.PacketsPerTick <= 0 {
			continue
		}
		v := l.PacketsPerTick / e.MaxLinkLoad
		width := vg.Length(0.5+4.5*math.Sqrt(v)) * vg.Millimeter
		fx, fy := float64(l.From.X)+0.5, float64(l.From.Y)+0.5
		gx, gy := float64(l.To.X)+0.5, float64(l.To.Y)+0.5
		off := 0.12
		if l.To.X > l.From.X || l.To.Y > l.From.Y {
			off = -off
		}
		var p0, p1 vg.Point
		// A link spans the gap between its two tiles' squares.
		if l.From.Y == l.To.Y { // east-west: the pair is offset in Y
			p0 = vg.Point{X: tx(fx + (gx-fx)*(0.5-m)), Y: ty(fy + off)}
			p1 = vg.Point{X: tx(fx + (gx-fx)*(0.5+m)), Y: ty(fy + off)}
		} else {
			p0 = vg.Point{X: tx(fx + off), Y: ty(fy + (gy-fy)*(0.5-m))}
			p1 = vg.Point{X: tx(fx + off), Y: ty(fy + (gy-fy)*(0.5+m))}
		}
		c.StrokeLines(draw.LineStyle{Color: ramp(0.25 + 0.75*v), Width: width}, []vg.Point{p0, p1})
	}
	// Chip boundaries.
	thick := draw.LineStyle{Color: color.RGBA{40, 40, 40, 255}, Width: vg.Points(1.5)}
	for x := 0; x <= e.GridX; x += a.TilesX {
		c.StrokeLines(thick, []vg.Point{{X: tx(float64(x)), Y: ty(0)}, {X: tx(float64(x)), Y: ty(float64(e.GridY))}})
	}
	for y := 0; y <= e.GridY; y += a.TilesY {
		c.StrokeLines(thick, []vg.Point{{X: tx(0), Y: ty(float64(y))}, {X: tx(float64(e.GridX)), Y: ty(float64(y))}})
	}
}
