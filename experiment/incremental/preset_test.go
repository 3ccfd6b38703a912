package incremental

import (
	"context"
	"reflect"
	"testing"

	"github.com/spindle-sim/spindle/loader"
	"github.com/spindle-sim/spindle/snn"
)

// TestPresetApply checks that the recipe preset gives the options Run
// defaults to (so the full protocol is unchanged by the presets) and
// that Apply copies the quick preset's fields.
func TestPresetApply(t *testing.T) {
	data := &Data{}
	var def Options
	def.Data, def.Trials = data, 1
	if err := def.defaults(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		p    Preset
		want Options
	}{
		{Recipe, Options{Data: data, Trials: 1, Sizes: Sizes, PerTask: 5000, TestLimit: 10000, StepsScale: 1, Train: RecipeTrain}},
		{Quick, Options{Data: data, Trials: 1, Sizes: []int{Pixels, 400, 400, Classes}, PerTask: 800, SeenLimit: 500, TestLimit: 2000, StepsScale: 0.5,
			Train: Train{LR: 0.1, Momentum: 0.5, Dropout: 0.25, Batch: 40, Epochs: 3}}},
	} {
		c.p.Sizes = append([]int(nil), c.p.Sizes...) // a copy, changed below
		o := Options{Data: data, Trials: 1}
		c.p.Apply(&o)
		if !reflect.DeepEqual(o, c.want) {
			t.Errorf("%s: Apply gave %+v, want %+v", c.p.Name, o, c.want)
		}
		if err := o.defaults(); err != nil {
			t.Errorf("%s: %v", c.p.Name, err)
		}
		if c.p.Name == "recipe" {
			o.TestLimit = 0 // 10,000 is the whole test set, which 0 also means
			if o.Sizes[1] != def.Sizes[1] || o.PerTask != def.PerTask || o.SeenLimit != def.SeenLimit ||
				o.StepsScale != def.StepsScale || o.Train != def.Train || o.Sleep != def.Sleep {
				t.Errorf("recipe preset %+v differs from the defaults %+v", o, def)
			}
		}
		c.p.Sizes[1]++ // Apply copies the sizes
		if o.Sizes[1] == c.p.Sizes[1] {
			t.Errorf("%s: Apply shares the preset's sizes", c.p.Name)
		}
	}
}

func TestOptionsSizes(t *testing.T) {
	for _, sizes := range [][]int{{Pixels, 10, Classes}, {Pixels + 1, 10, 10, Classes}, {Pixels, 10, 10, 9}, {Pixels, 0, 10, Classes}} {
		o := Options{Data: &Data{}, Trials: 1, Sizes: sizes}
		if err := o.defaults(); err == nil {
			t.Errorf("sizes %v: no error", sizes)
		}
	}
}

// TestQuickPreset runs the quick preset as `spindle sleep incremental
// --quick` does (seed 1, sleep in float mode on the loihi preset) and
// checks that SRC keeps at least 10 points more than sequential after
// the fifth task. About 20 s of CPU time.
func TestQuickPreset(t *testing.T) {
	if testing.Short() {
		t.Skip("the quick preset takes about 20 s of CPU time")
	}
	d := testData(t)
	arch, err := loader.LoadArch("loihi")
	if err != nil {
		t.Fatal(err)
	}
	opt := Options{Data: d, Trials: 1, Seed: 1, Sleeper: &Chip{P: RecipeSleep, Arch: arch, Mode: snn.Float, Seed: 1}}
	Quick.Apply(&opt)
	res, err := Run(context.Background(), opt)
	if err != nil {
		t.Fatal(err)
	}
	seq, src := res.Sequential[0], res.Src[0]
	t.Logf("quick, seed 1: sequential %.2f %%, SRC %.2f %%", 100*seq, 100*src)
	if src-seq < 0.10 {
		t.Errorf("quick preset, seed 1: SRC %.2f %%, sequential %.2f %%: expected SRC at least 10 points above", 100*src, 100*seq)
	}
	if seq > 0.25 {
		t.Errorf("quick preset, seed 1: sequential %.2f %% after task 5: expected the network to forget all but the last pair (< 25 %%)", 100*seq)
	}
}

// BenchmarkQuick runs one trial of the quick preset with the float sleep
// on the loihi preset (what `spindle sleep incremental --quick` runs):
// go test -run '^$' -bench Quick -benchtime 1x ./experiment/incremental
func BenchmarkQuick(b *testing.B) {
	d := testData(b)
	arch, err := loader.LoadArch("loihi")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		opt := Options{Data: d, Trials: 1, Seed: 1, Sleeper: &Chip{P: RecipeSleep, Arch: arch, Mode: snn.Float, Seed: 1}}
		Quick.Apply(&opt)
		res, err := Run(context.Background(), opt)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(100*(res.Src[0]-res.Sequential[0]), "points-gain")
	}
}
