package incremental

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

// TaskMean is the accuracy after one task, averaged over the trials.
type TaskMean struct {
	Task               int              `json:"task"`
	Sequential         Stat             `json:"sequential"`
	Src                Stat             `json:"src"`
	SrcBeforeSleep     Stat             `json:"src_before_sleep"`
	SequentialPerDigit [Classes]float64 `json:"sequential_per_digit"`
	SrcPerDigit        [Classes]float64 `json:"src_per_digit"`
	Alpha              []float64        `json:"alpha"`
	SleepSpikes        []float64        `json:"sleep_spikes"` // per layer, input first
}

// TaskMeans averages the per-task scores of r over its trials.
func TaskMeans(r *Result) []TaskMean {
	out := make([]TaskMean, Tasks)
	for k := range out {
		var seq, src, before []float64
		tm := &out[k]
		tm.Task = k + 1
		n := 0
		for _, s := range r.PerTask {
			if s.Task != k+1 {
				continue
			}
			n++
			seq = append(seq, s.Sequential.Total)
			src = append(src, s.Src.Total)
			before = append(before, s.BeforeSrc.Total)
			for d := range Classes {
				tm.SequentialPerDigit[d] += s.Sequential.PerDigit[d]
				tm.SrcPerDigit[d] += s.Src.PerDigit[d]
			}
			if tm.Alpha == nil {
				tm.Alpha = make([]float64, len(s.Alpha))
				tm.SleepSpikes = make([]float64, len(s.Sleep.Spikes))
			}
			for l := range min(len(s.Alpha), len(tm.Alpha)) {
				tm.Alpha[l] += s.Alpha[l]
			}
			for l := range min(len(s.Sleep.Spikes), len(tm.SleepSpikes)) {
				tm.SleepSpikes[l] += float64(s.Sleep.Spikes[l])
			}
		}
		if n == 0 {
			continue
		}
		tm.Sequential, tm.Src, tm.SrcBeforeSleep = Summary(seq), Summary(src), Summary(before)
		for d := range Classes {
			tm.SequentialPerDigit[d] /= float64(n)
			tm.SrcPerDigit[d] /= float64(n)
		}
		for l := range tm.Alpha {
			tm.Alpha[l] /= float64(n)
		}
		for l := range tm.SleepSpikes {
			tm.SleepSpikes[l] /= float64(n)
		}
	}
	return out
}

// digitColour is a palette of ten distinguishable colours.
var digitColour = []color.RGBA{
	{0, 114, 178, 255}, {230, 159, 0, 255}, {0, 158, 115, 255}, {213, 94, 0, 255}, {204, 121, 167, 255},
	{86, 180, 233, 255}, {153, 153, 153, 255}, {240, 228, 66, 255}, {117, 112, 179, 255}, {166, 86, 40, 255},
}

// WritePlot writes per_digit.png into dir: the test accuracy of every
// digit (and of all ten) after each task, sequential beside SRC,
// averaged over the trials. It returns the file's path.
func WritePlot(means []TaskMean, dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("incremental: plot: %w", err)
	}
	path := filepath.Join(dir, "per_digit.png")
	panels := []struct {
		title string
		digit func(m *TaskMean, d int) float64
		total func(m *TaskMean) float64
	}{
		{"sequential (no sleep)", func(m *TaskMean, d int) float64 { return m.SequentialPerDigit[d] }, func(m *TaskMean) float64 { return m.Sequential.Mean / 100 }},
		{"SRC (sleep after every task)", func(m *TaskMean, d int) float64 { return m.SrcPerDigit[d] }, func(m *TaskMean) float64 { return m.Src.Mean / 100 }},
	}
	img := vgimg.New(12*vg.Inch, 5*vg.Inch)
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: 1, Cols: 2, PadX: vg.Centimeter, PadY: vg.Centimeter, PadTop: vg.Millimeter * 3, PadBottom: vg.Millimeter * 3, PadLeft: vg.Millimeter * 3, PadRight: vg.Millimeter * 3}
	for i, pn := range panels {
		p := plot.New()
		p.Title.Text = pn.title
		p.X.Label.Text = "after task (digits 0-1, 2-3, 4-5, 6-7, 8-9)"
		p.Y.Label.Text = "test accuracy"
		p.Y.Min, p.Y.Max = 0, 1.05
		p.X.Min, p.X.Max = 0.8, Tasks+0.2
		p.Legend.Top = true
		p.Legend.Left = i == 0
		for d := range Classes {
			xy := make(plotter.XYs, len(means))
			for k := range means {
				xy[k] = plotter.XY{X: float64(means[k].Task), Y: pn.digit(&means[k], d)}
			}
			l, err := plotter.NewLine(xy)
			if err != nil {
				return "", fmt.Errorf("incremental: plot: %w", err)
			}
			l.Color = digitColour[d]
			l.Width = vg.Points(1.5)
			p.Add(l)
			p.Legend.Add(fmt.Sprintf("digit %d", d), l)
		}
		xy := make(plotter.XYs, len(means))
		for k := range means {
			xy[k] = plotter.XY{X: float64(means[k].Task), Y: pn.total(&means[k])}
		}
		l, err := plotter.NewLine(xy)
		if err != nil {
			return "", fmt.Errorf("incremental: plot: %w", err)
		}
		l.Color = color.Black
		l.Width = vg.Points(3.5)
		p.Add(l)
		p.Legend.Add("all digits", l)
		p.Draw(tiles.At(dc, i, 0))
	}
	f, err := os.Create(path)
	if err != nil {
		return "", fmt.Errorf("incremental: plot: %w", err)
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(f); err != nil {
		f.Close()
		return "", fmt.Errorf("incremental: plot %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("incremental: plot %s: %w", path, err)
	}
	return path, nil
}
