package incremental

import (
	"context"
	"math"
	"os"
	"testing"

	"github.com/spindle-sim/spindle/loader"
	"github.com/spindle-sim/spindle/snn"
)

// TestChipAgreesWithReference trains the recipe's network on tasks 1 and
// 2 and sleeps it once on the host reference (zero delay) and on the
// loihi preset in float and fixed mode, with the same input train. The
// network is feed-forward and every hop takes one tick, so the chip runs
// the reference shifted by one tick per layer: in float mode the spikes
// agree, and the accuracy after the sleep must lie within 2 points
// (fixed mode: 5 points, the recipe's acceptance B). Minutes: set
// SPINDLE_LONG=1.
func TestChipAgreesWithReference(t *testing.T) {
	if testing.Short() || os.Getenv("SPINDLE_LONG") == "" {
		t.Skip("set SPINDLE_LONG=1 for the agreement run (minutes)")
	}
	d := testData(t)
	arch, err := loader.LoadArch("loihi")
	if err != nil {
		t.Fatal(err)
	}
	rng := newRand(1)
	n := NewNet(Sizes, InitRange, rng)
	sp := NewSplit(&d.Train, 5000, 0)
	for k := range 2 {
		if err := n.Fit(&d.Train, sp.Train[k], RecipeTrain, rng); err != nil {
			t.Fatal(err)
		}
	}
	seen := sp.seen(1)
	p := RecipeSleep
	alpha := Scales(n, &d.Train, seen, RecipeTrain.Dropout, p.AlphaScale)
	in := p.NewInputTrain(MeanImage(&d.Train, seen), p.SleepSteps(2), rng)
	ref := n.Clone()
	st, err := ReferenceSleep(ref, alpha, in, &p)
	if err != nil {
		t.Fatal(err)
	}
	want := ref.Evaluate(&d.Test, RecipeTrain.Dropout).Total
	t.Logf("reference: %.4f, spikes %v", want, st.Spikes)
	for _, c := range []struct {
		mode snn.Mode
		tol  float64
	}{{snn.Float, 0.02}, {snn.Fixed, 0.05}} {
		net := n.Clone()
		cost, err := (&Chip{P: p, Arch: arch, Mode: c.mode, WeightBits: 16, Seed: 1}).Sleep(net, alpha, in)
		if err != nil {
			t.Fatal(err)
		}
		got := net.Evaluate(&d.Test, RecipeTrain.Dropout).Total
		t.Logf("%v: %.4f, spikes %v, %d cores (%s), %.3g J, %.3g s modelled", c.mode, got, cost.Spikes, cost.Cores, cost.Binding, cost.EnergyJoules, cost.ModelledSeconds)
		if math.Abs(got-want) > c.tol {
			t.Errorf("%v: accuracy after sleep %.4f, reference %.4f: more than %.2f apart", c.mode, got, want, c.tol)
		}
		if c.mode == snn.Float && !equalInts(cost.Spikes, st.Spikes) {
			t.Errorf("float: spikes per layer %v, reference %v", cost.Spikes, st.Spikes)
		}
	}
}

// TestRunQuick runs the whole protocol on a sliver of the data with the
// host sleep (TestChipSleepMatchesDense covers the chip's).
func TestRunQuick(t *testing.T) {
	if testing.Short() {
		t.Skip("loads MNIST")
	}
	d := testData(t)
	res, err := Run(context.Background(), Options{Data: d, Trials: 1, Seed: 3, PerTask: 100, SeenLimit: 100, TestLimit: 200, StepsScale: 0.05})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.PerTask) != Tasks || len(res.Src) != 1 || len(res.Sequential) != 1 {
		t.Fatalf("result %+v", res)
	}
	for _, s := range res.PerTask {
		if s.Sleep.Ticks == 0 || len(s.Sleep.Spikes) != 4 || s.Sleep.Spikes[0] == 0 {
			t.Errorf("task %d: sleep cost %+v", s.Task, s.Sleep)
		}
	}
	means := TaskMeans(res)
	if p, err := WritePlot(means, t.TempDir()); err != nil {
		t.Error(err)
	} else if fi, err := os.Stat(p); err != nil || fi.Size() == 0 {
		t.Errorf("plot %s: %v", p, err)
	}
}
