package figure

import (
	"bytes"
	"errors"
	"image/png"
	"path/filepath"
	"slices"
	"testing"

	"gonum.org/v1/plot"

	"github.com/spindle-sim/spindle/aer"
	"github.com/spindle-sim/spindle/aer/anyformat"
)

// writeTestTrace writes a trace of two populations whose packets run
// between cores 0, 1 and 2, and returns its path.
func writeTestTrace(t *testing.T, dir string) string {
	t.Helper()
	p := filepath.Join(dir, "t.aer")
	meta := aer.Meta{DtMs: 1, TimeUnit: aer.UnitTick, Kinds: []string{aer.KindSpike, aer.KindPacket},
		Populations: []aer.Population{{Name: "a", Size: 10}, {Name: "b", First: 10, Size: 10}}}
	w, err := aer.Create(p, meta)
	if err != nil {
		t.Fatal(err)
	}
	var werr error
	for k := range int64(300) {
		if k%3 == 0 {
			werr = errors.Join(werr, w.WriteSpike(k/3, uint32(k/3%20)))
		}
		werr = errors.Join(werr, w.WritePacket(aer.Packet{Emit: k / 3, Deliver: k/3 + 1, Src: uint32(k % 3), Dst: uint32(2 - k%3), Hops: 1}))
	}
	if err := errors.Join(werr, w.Close()); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestTrace(t *testing.T) {
	dir := t.TempDir()
	var buf bytes.Buffer
	if err := Trace(&buf, writeTestTrace(t, dir), anyformat.Options{}, 10); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() < 500 || b.Dy() < 500 {
		t.Errorf("image %v", b)
	}
	if err := Trace(&buf, writeTestTrace(t, dir), anyformat.Options{}, 0); err == nil {
		t.Error("0 points accepted")
	}
}

// TestHeatmapCoreTicks: the packet heatmap marks whole core ids, not the
// cell edges between them.
func TestHeatmapCoreTicks(t *testing.T) {
	r, err := aer.Open(writeTestTrace(t, t.TempDir())) // cores 0..2
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	p, err := packetHeatmap(r)
	if err != nil {
		t.Fatal(err)
	}
	for _, ax := range []plot.Axis{p.X, p.Y} {
		var got []float64
		for _, tk := range ax.Tick.Marker.Ticks(ax.Min, ax.Max) {
			if tk.Label != "" {
				got = append(got, tk.Value)
			}
		}
		if !slices.Equal(got, []float64{0, 1, 2}) {
			t.Errorf("%s: labelled ticks at %v, want the cores 0, 1, 2", ax.Label.Text, got)
		}
	}
	for _, c := range []struct {
		lo, hi float64
		want   []float64
	}{
		{-0.5, 0.5, []float64{0}},
		{-0.5, 9.5, []float64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}},
		{-0.5, 10.5, []float64{0, 2, 4, 6, 8, 10}},
		{-0.5, 99.5, []float64{0, 10, 20, 30, 40, 50, 60, 70, 80, 90}},
		{-0.5, 4095.5, []float64{0, 500, 1000, 1500, 2000, 2500, 3000, 3500, 4000}},
	} {
		var got []float64
		for _, tk := range (coreTicks{}).Ticks(c.lo, c.hi) {
			got = append(got, tk.Value)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("ticks over [%v, %v]: %v, want %v", c.lo, c.hi, got, c.want)
		}
	}
}
