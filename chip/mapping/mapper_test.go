package mapping

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spindle-sim/spindle/aer"
	"github.com/spindle-sim/spindle/chip"
	"github.com/spindle-sim/spindle/chip/internal/chiptest"
	"github.com/spindle-sim/spindle/snn"
)

// fanNet is nIn Poisson inputs driving nOut LIF neurons, each from inDegree
// inputs drawn at random; delay in ms.
func fanNet(nIn, nOut, inDegree int, delay float64) *snn.Network {
	lif := snn.Neuron{TauM: 20, VTh: 10, Receptors: []snn.Receptor{{Name: "exc", TauSyn: 5}}}
	return &snn.Network{Name: "fan", Dt: 1, Seed: 5, Mode: snn.Fixed,
		Populations: []snn.Population{
			{Name: "in", Size: nIn, Kind: snn.Poisson, RateHz: 10},
			{Name: "out", Size: nOut, Neuron: lif},
		},
		Projections: []snn.Projection{
			{Pre: "in", Post: "out", Connector: snn.Connector{Kind: snn.FixedInDegree, InDegree: inDegree}, Weight: snn.Const(1), Delay: snn.Const(1)},
			{Name: "slow", Pre: "in", Post: "out", Connector: snn.Connector{Kind: snn.FixedInDegree, InDegree: 1}, Weight: snn.Const(1), Delay: snn.Const(delay)},
		},
	}
}

// mapOn maps net with strategy onto the test architecture as edit changes
// it, on a board of chips chips (0: as many as needed).
func mapOn(t *testing.T, net *snn.Network, edit func(a *chip.Arch), strategy Mapper, chips int) (*chip.Mapping, error) {
	t.Helper()
	g, err := net.Build()
	if err != nil {
		t.Fatal(err)
	}
	a := chiptest.Arch()
	edit(a)
	return Map(g, a, strategy, chips)
}

// TestBindingLimits: the binding limits are those that made the mapper open
// another core, however full the cores end up.
func TestBindingLimits(t *testing.T) {
	for _, tc := range []struct {
		name     string
		net      *snn.Network
		arch     func(a *chip.Arch)
		strategy Mapper
		want     []string
	}{
		{"one core", fanNet(20, 10, 5, 1), func(a *chip.Arch) {}, Sequential, []string{}},
		{"neurons", fanNet(20, 10, 5, 1), func(a *chip.Arch) { a.NeuronsPerCore = 8 }, Sequential, []string{"neurons_per_core"}},
		{"neurons, balanced", fanNet(20, 10, 5, 1), func(a *chip.Arch) { a.NeuronsPerCore = 8 }, Balanced, []string{"neurons_per_core"}},
		// Each output neuron has 60 distinct inputs: two do not share a core
		// of 100 input axons, which stays at 60% use.
		{"input axons", fanNet(400, 8, 60, 1), func(a *chip.Arch) { a.InputAxonsPerCore = 100 }, Sequential, []string{"input_axons_per_core"}},
		{"input axons, locality", fanNet(400, 8, 60, 1), func(a *chip.Arch) { a.InputAxonsPerCore = 100 }, Locality, []string{"input_axons_per_core"}},
		{"synapses", fanNet(400, 8, 60, 1), func(a *chip.Arch) { a.SynapsesPerCore = 100 }, Sequential, []string{"synapses_per_core"}},
		// 40 inputs on one core need 40 output axons.
		{"output axons", fanNet(40, 40, 20, 1), func(a *chip.Arch) { a.OutputAxonsPerCore = 30 }, Sequential, []string{"output_axons_per_core"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := mapOn(t, tc.net, tc.arch, tc.strategy, 0)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(m.Binding, tc.want) {
				t.Errorf("binding %v on %d cores, want %v", m.Binding, m.CoresUsed(), tc.want)
			}
		})
	}
}

func TestMapErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		net   *snn.Network
		arch  func(a *chip.Arch)
		chips int
		want  []string
	}{
		{"delay", fanNet(20, 20, 5, 40), func(a *chip.Arch) { a.MaxDelayTicks = 16 }, 0,
			[]string{`projections[1] "slow" (in -> out)`, "delay 40 ticks", "max_delay_ticks", "by 24", "at most 16 ticks (16 ms)"}},
		{"board above max_chips", fanNet(20, 20, 5, 1), func(a *chip.Arch) { a.MaxChips = 32 }, 1000000,
			[]string{"a board of 1000000 chips", "at most 32 (max_chips)"}},
		{"network above max_chips", fanNet(20, 20, 5, 1), func(a *chip.Arch) { a.NeuronsPerCore, a.CoresPerTile, a.TilesX, a.TilesY, a.MaxChips = 1, 1, 2, 2, 2 }, 0,
			[]string{"needs 40 cores = 10 chips of 4 cores", "at most 2 chips (8 cores), 32 cores short"}},
		{"board too small", fanNet(20, 20, 5, 1), func(a *chip.Arch) { a.NeuronsPerCore, a.CoresPerTile, a.TilesX, a.TilesY = 1, 1, 2, 2 }, 2,
			[]string{"needs 40 cores = 10 chips of 4 cores", "the board has 2 chips (8 cores), 32 cores short", "raise --chips to 10"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := mapOn(t, tc.net, tc.arch, Sequential, tc.chips)
			if err == nil {
				t.Fatal("mapped")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%v: does not say %q", err, w)
				}
			}
		})
	}
}

// TestProfileRatesSpan: rates are spikes per tick of the recorded run, not
// of the span up to the last spike, when the trace records the run.
func TestProfileRatesSpan(t *testing.T) {
	g, err := fanNet(4, 2, 2, 1).Build()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		ticks int64 // recorded run length; 0: not recorded
		want  float64
	}{{0, 2.0 / 10}, {100, 2.0 / 100}} {
		path := filepath.Join(t.TempDir(), "p.aer")
		meta := aer.Meta{DtMs: g.Net.Dt, TimeUnit: aer.UnitTick, Kinds: []string{aer.KindSpike}}
		if c.ticks > 0 {
			meta.Run = &aer.Run{Ticks: c.ticks}
		}
		w, err := aer.Create(path, meta)
		if err != nil {
			t.Fatal(err)
		}
		for _, tick := range []int64{3, 9} {
			if err := w.WriteSpike(tick, 1); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		r, err := aer.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		rates, err := ProfileRates(g, r)
		r.Close()
		if err != nil {
			t.Fatal(err)
		}
		if rates[1] != c.want || rates[0] != 0 {
			t.Errorf("run of %d ticks: rates %v, want neuron 1 at %v", c.ticks, rates[:2], c.want)
		}
	}
}
