package incremental

import (
	"math"
	"testing"

	"github.com/spindle-sim/spindle/dense"
	"github.com/spindle-sim/spindle/loader"
	"github.com/spindle-sim/spindle/snn"
)

// TestChipSleepMatchesDense sleeps a small network (784-30-20-10) on the
// loihi preset and on the dense reference of the same sleeping network:
// identical weights in fixed mode, equal to rounding in float mode.
func TestChipSleepMatchesDense(t *testing.T) {
	arch, err := loader.LoadArch("loihi")
	if err != nil {
		t.Fatal(err)
	}
	rng := newRand(11)
	n := NewNet([]int{Pixels, 30, 20, Classes}, 0.05, rng)
	mean := make([]float64, Pixels)
	for i := range mean {
		mean[i] = 0.5
	}
	p := RecipeSleep
	steps := 1500
	if testing.Short() {
		steps = 500
	}
	in := p.NewInputTrain(mean, steps, rng)
	alpha := []float64{300, 300, 300}
	for _, mode := range []snn.Mode{snn.Fixed, snn.Float} {
		chipNet := n.Clone()
		c := &Chip{P: p, Arch: arch, Mode: mode, WeightBits: 16, Seed: 4}
		cost, err := c.Sleep(chipNet, alpha, in)
		if err != nil {
			t.Fatal(err)
		}
		if cost.Spikes[3] == 0 || cost.Spikes[2] < 10 {
			t.Fatalf("%v: spikes per layer %v: the test needs activity in every layer", mode, cost.Spikes)
		}
		if cost.EnergyJoules <= 0 || cost.ModelledSeconds <= 0 || cost.Ticks != int64(steps+3) {
			t.Errorf("%v: cost %+v: expected energy, modelled time and %d ticks", mode, cost, steps+3)
		}
		g, err := (&Chip{P: p, Arch: arch, Mode: mode, WeightBits: 16, Seed: 4}).Network(n, alpha, in)
		if err != nil {
			t.Fatal(err)
		}
		d, err := dense.New(g, dense.Options{Mode: mode, WeightBits: 16})
		if err != nil {
			t.Fatal(err)
		}
		d.Run(steps+3, nil)
		denseNet := n.Clone()
		if err := readBack(g, denseNet, d.Weights); err != nil {
			t.Fatal(err)
		}
		for l := range n.W {
			a, b, w0 := chipNet.W[l].RawMatrix().Data, denseNet.W[l].RawMatrix().Data, n.W[l].RawMatrix().Data
			moved := 0
			for i := range a {
				if mode == snn.Fixed && a[i] != b[i] || math.Abs(a[i]-b[i]) > 1e-9 {
					t.Fatalf("%v: layer %d weight %d: chip %v, dense %v", mode, l+1, i, a[i], b[i])
				}
				if math.Abs(a[i]-w0[i]) > 1e-4 {
					moved++
				}
			}
			if moved == 0 {
				t.Errorf("%v: layer %d: no weight moved in sleep", mode, l+1)
			}
		}
	}
}
