package foraging

import (
	"fmt"
	"image/color"
	"os"
	"path/filepath"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Colours per condition, distinguishable in print and for the common
// colour deficiencies (Okabe-Ito).
var condColour = map[string]color.Color{
	"task1":      color.RGBA{0, 0, 0, 255},
	AfterTask1:   color.RGBA{0, 0, 0, 255},
	Task2Only:    color.RGBA{153, 153, 153, 255},
	Sequential:   color.RGBA{213, 94, 0, 255},
	SleepCond:    color.RGBA{0, 114, 178, 255},
	Interleaved:  color.RGBA{0, 158, 115, 255},
	"pretrained": color.RGBA{204, 121, 167, 255},
}

var condLabel = map[string]string{
	"task1":      "Task 1 training",
	AfterTask1:   "after Task 1",
	Task2Only:    "Task 2 alone (from pre-training)",
	Sequential:   "sequential: Task 2",
	SleepCond:    "Task 2 + sleep",
	Interleaved:  "Task 2 + Task 1 (control)",
	"pretrained": "pre-trained",
}

// WritePlots writes the experiment's figures as PNG into dir and returns
// their paths: performance over training, the test performance per
// condition, the distances from the two task solutions, the PCA
// trajectory of the weights and the histograms of the Task 1-relevant
// weights.
func WritePlots(res *Result, dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var paths []string
	for _, f := range []struct {
		name string
		draw func(*Result, string) error
	}{
		{"performance.png", plotCurves},
		{"results.png", plotResults},
		{"distance.png", plotDistances},
		{"pca.png", plotPCA},
		{"histograms.png", plotHistograms},
	} {
		p := filepath.Join(dir, f.name)
		if err := f.draw(res, p); err != nil {
			return paths, fmt.Errorf("%s: %w", p, err)
		}
		paths = append(paths, p)
	}
	return paths, nil
}

func styled(l *plotter.Line, name string, dashed bool) {
	l.Color = condColour[name]
	l.Width = vg.Points(1.6)
	if dashed {
		l.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
	}
}

func chanceLine(p *plot.Plot, x0, x1 float64) {
	l, _ := plotter.NewLine(plotter.XYs{{X: x0, Y: 0.5}, {X: x1, Y: 0.5}})
	l.Color = color.Gray{Y: 160}
	l.Dashes = []vg.Length{vg.Points(2), vg.Points(2)}
	p.Add(l)
	p.Legend.Add("chance", l)
}

func plotCurves(res *Result, path string) error {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("Online performance during training (mean of %d seeds, %s mode)", len(res.Seeds), res.Mode)
	p.X.Label.Text = "movement cycle (from the start of Task 1)"
	p.Y.Label.Text = "rewarded / (rewarded + punished) eaten"
	p.Y.Min, p.Y.Max = 0, 1
	p.Legend.Top = false
	p.Legend.Left = true
	xmax := 0.0
	for _, name := range []string{"task1", Sequential, SleepCond, Interleaved} {
		pts := res.Curves[name]
		if len(pts) == 0 {
			continue
		}
		xy := make(plotter.XYs, len(pts))
		for i, c := range pts {
			xy[i] = plotter.XY{X: float64(c.Cycle), Y: c.Perf}
			xmax = max(xmax, float64(c.Cycle))
		}
		l, err := plotter.NewLine(xy)
		if err != nil {
			return err
		}
		styled(l, name, false)
		p.Add(l)
		label := condLabel[name]
		if name != "task1" {
			label += " (on the trained task)"
		}
		p.Legend.Add(label, l)
	}
	chanceLine(p, 0, xmax)
	p.Add(plotter.NewGrid())
	return p.Save(9*vg.Inch, 5*vg.Inch, path)
}

func plotResults(res *Result, path string) error {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("Test performance, learning frozen (mean ± sd of %d seeds, %s mode)", len(res.Seeds), res.Mode)
	p.Y.Label.Text = "rewarded / (rewarded + punished) eaten"
	p.Y.Min, p.Y.Max = 0, 1
	w := vg.Points(28)
	var names []string
	for i, task := range []string{"Task 1", "Task 2"} {
		vals := make(plotter.Values, len(Conditions))
		errs := make(plotter.YErrors, len(Conditions))
		for k, c := range Conditions {
			s := res.Conditions[c].Task1
			if i == 1 {
				s = res.Conditions[c].Task2
			}
			vals[k] = s.Mean
			errs[k] = struct{ Low, High float64 }{s.SD, s.SD}
		}
		b, err := plotter.NewBarChart(vals, w)
		if err != nil {
			return err
		}
		b.Color = []color.Color{color.RGBA{86, 180, 233, 255}, color.RGBA{230, 159, 0, 255}}[i]
		b.Offset = vg.Length(2*i-1) * w / 2
		p.Add(b)
		p.Legend.Add(task, b)
		xy := make(plotter.XYs, len(Conditions))
		for k := range xy {
			xy[k] = plotter.XY{X: float64(k) + float64(2*i-1)*0.17, Y: vals[k]}
		}
		eb, err := plotter.NewYErrorBars(struct {
			plotter.XYs
			plotter.YErrors
		}{xy, errs})
		if err != nil {
			return err
		}
		p.Add(eb)
	}
	for _, c := range Conditions {
		names = append(names, condLabel[c])
	}
	p.NominalX(names...)
	chanceLine(p, -0.5, float64(len(Conditions))-0.5)
	p.Legend.Top = true
	return p.Save(9*vg.Inch, 5*vg.Inch, path)
}

func plotDistances(res *Result, path string) error {
	targets := []string{"Task 1", "Task 2", "joint (Task 1 and Task 2)"}
	rows := len(targets)
	img := vgimg.New(9*vg.Inch, 11*vg.Inch)
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: rows, Cols: 1, PadTop: vg.Points(4), PadBottom: vg.Points(4), PadLeft: vg.Points(4), PadRight: vg.Points(4), PadY: vg.Points(10)}
	canvases := plot.Align([][]*plot.Plot{{nil}, {nil}, {nil}}, tiles, dc)
	for r, target := range targets {
		p := plot.New()
		p.Title.Text = fmt.Sprintf("Distance of the excitatory hidden→output weights from the %s solution set (mean of %d seeds)", target, len(res.Seeds))
		p.X.Label.Text = "movement cycle (from the start of Task 1; Task 2 alone from 0)"
		p.Y.Label.Text = "Euclidean distance (mV)"
		for _, name := range TrajectoryOrder {
			pts := res.Distances[name]
			if len(pts) == 0 {
				continue
			}
			xy := make(plotter.XYs, len(pts))
			for i, d := range pts {
				y := [...]float64{d.ToTask1, d.ToTask2, d.ToBoth}[r]
				xy[i] = plotter.XY{X: float64(d.Cycle), Y: y}
			}
			l, err := plotter.NewLine(xy)
			if err != nil {
				return err
			}
			styled(l, name, name == Task2Only)
			p.Add(l)
			p.Legend.Add(condLabel[name], l)
		}
		// Bottom right: the distances start high and the Task 2 phases
		// climb at the right, so the top right holds the lines.
		p.Legend.Top = false
		p.Add(plotter.NewGrid())
		p.Draw(canvases[r][0])
	}
	return savePNG(img, path)
}

func savePNG(img *vgimg.Canvas, path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func plotPCA(res *Result, path string) error {
	p := plot.New()
	t := res.Trajectory
	if t == nil {
		p.Title.Text = "PCA trajectory: not enough weight snapshots"
		return p.Save(7*vg.Inch, 6*vg.Inch, path)
	}
	seed := uint64(0)
	if len(res.Seeds) > 0 {
		seed = res.Seeds[0]
	}
	p.Title.Text = fmt.Sprintf("Excitatory hidden→output weights over training: seed %d bold, %d other seeds thin (PCA of all)", seed, len(t.Others))
	p.X.Label.Text = fmt.Sprintf("PC1 (%.0f%% of variance)", 100*t.Explained[0])
	p.Y.Label.Text = fmt.Sprintf("PC2 (%.0f%% of variance)", 100*t.Explained[1])
	for _, other := range t.Others {
		for _, name := range TrajectoryOrder {
			path := other[name]
			if len(path) == 0 {
				continue
			}
			xy := make(plotter.XYs, len(path))
			for i, q := range path {
				xy[i] = plotter.XY{X: q[0], Y: q[1]}
			}
			l, err := plotter.NewLine(xy)
			if err != nil {
				return err
			}
			styled(l, name, name == Task2Only)
			l.Width = vg.Points(0.5)
			p.Add(l)
		}
	}
	for _, name := range TrajectoryOrder {
		path := t.Paths[name]
		if len(path) == 0 {
			continue
		}
		xy := make(plotter.XYs, len(path))
		for i, q := range path {
			xy[i] = plotter.XY{X: q[0], Y: q[1]}
		}
		l, s, err := plotter.NewLinePoints(xy)
		if err != nil {
			return err
		}
		styled(l, name, name == Task2Only)
		s.Color = condColour[name]
		s.Radius = vg.Points(2)
		p.Add(l, s)
		p.Legend.Add(condLabel[name], l)
		// Mark the end of each path.
		end, _ := plotter.NewScatter(xy[len(xy)-1:])
		end.Color = condColour[name]
		end.Shape = draw.BoxGlyph{}
		end.Radius = vg.Points(4)
		p.Add(end)
	}
	start, _ := plotter.NewScatter(plotter.XYs{{X: t.Paths["task1"][0][0], Y: t.Paths["task1"][0][1]}})
	start.Shape = draw.PyramidGlyph{}
	start.Radius = vg.Points(5)
	p.Add(start)
	p.Legend.Add("pre-trained (start)", start)
	p.Legend.Top = true
	p.Add(plotter.NewGrid())
	return p.Save(8*vg.Inch, 7*vg.Inch, path)
}

func plotHistograms(res *Result, path string) error {
	h := res.Histograms
	stages := []string{AfterTask1, Sequential, SleepCond, Interleaved}
	img := vgimg.New(8*vg.Inch, 10*vg.Inch)
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: len(stages), Cols: 1, PadTop: vg.Points(4), PadBottom: vg.Points(4), PadLeft: vg.Points(4), PadRight: vg.Points(4), PadY: vg.Points(8)}
	grid := make([][]*plot.Plot, len(stages))
	for i := range grid {
		grid[i] = []*plot.Plot{nil}
	}
	canvases := plot.Align(grid, tiles, dc)
	lo, hi := 0.0, 1.0
	if h != nil {
		for _, v := range h.Values {
			for _, x := range v {
				lo, hi = min(lo, x), max(hi, x)
			}
		}
	}
	for r, st := range stages {
		p := plot.New()
		p.Title.Text = fmt.Sprintf("Task 1-relevant hidden→output weights: %s", condLabel[st])
		p.X.Label.Text = "weight (mV)"
		p.Y.Label.Text = "synapses"
		p.X.Min, p.X.Max = lo, hi
		if h != nil && len(h.Values[st]) > 0 {
			hist, err := plotter.NewHist(plotter.Values(h.Values[st]), 30)
			if err != nil {
				return err
			}
			hist.FillColor = condColour[st]
			hist.LineStyle.Color = color.White
			p.Add(hist)
		}
		p.Draw(canvases[r][0])
	}
	return savePNG(img, path)
}
