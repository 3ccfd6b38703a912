package chip_test

import (
	"errors"
	"fmt"
	"hash/fnv"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/spindle-sim/spindle/chip"
	"github.com/spindle-sim/spindle/chip/internal/chiptest"
	"github.com/spindle-sim/spindle/chip/mapping"
	"github.com/spindle-sim/spindle/core"
	"github.com/spindle-sim/spindle/router"
	"github.com/spindle-sim/spindle/snn"
)

// CUBA fires at its published rate, and its spikes and counters are those
// recorded before the vector kernels of the LIF update (issue 13) in both
// modes: the kernels change no result.
func TestCUBARate(t *testing.T) {
	if testing.Short() {
		t.Skip("1 s of CUBA")
	}
	want := map[snn.Mode]string{
		snn.Float: "spikes 21956 a8944ffc2ed904de, events 1760124, updates 40000000, packets 87824, hops 0",
		snn.Fixed: "spikes 21604 6ea61ed3c6b5aa4e, events 1730944, updates 40000000, packets 86416, hops 0",
	}
	for _, mode := range []snn.Mode{snn.Float, snn.Fixed} {
		t.Run(mode.String(), func(t *testing.T) {
			sp, s := runSpikes(t, chiptest.CUBA(mode), chiptest.Arch(), mapping.Sequential, 0, 10000)
			rate := float64(s.Spikes) / 4000 / 1.0
			t.Logf("%s: %d spikes, %.2f Hz, %d synaptic events", mode, s.Spikes, rate, s.SynapticEvents)
			if rate < 4 || rate > 8 {
				t.Errorf("CUBA rate %.2f Hz: expected 4-8 Hz", rate)
			}
			h := fnv.New64a()
			for _, x := range sp {
				fmt.Fprintf(h, "%d %d\n", x.t, x.id)
			}
			got := fmt.Sprintf("spikes %d %016x, events %d, updates %d, packets %d, hops %d",
				s.Spikes, h.Sum64(), s.SynapticEvents, s.NeuronUpdates, s.Router.Sent, s.Router.HopPackets)
			if got != want[mode] {
				t.Errorf("%s: got %s\nwant   %s", mode, got, want[mode])
			}
		})
	}
}

// Spikes must not depend on the number of workers, the mapping or the
// architecture: cores share nothing but packets, delivered in a fixed order.
func TestDeterministicAcrossWorkersAndMappings(t *testing.T) {
	ticks := 600
	if testing.Short() {
		ticks = 150 // the race detector makes every tick slow
	}
	for _, mode := range []snn.Mode{snn.Float, snn.Fixed} {
		net := chiptest.CUBA(mode)
		small := chiptest.Arch()
		small.NeuronsPerCore = 300
		small.OutputAxonsPerCore = 1 << 16
		ref, _ := runSpikes(t, net, chiptest.Arch(), mapping.Sequential, 1, ticks)
		if len(ref) == 0 {
			t.Fatal("no spikes")
		}
		for _, c := range []struct {
			arch    *chip.Arch
			mapper  mapping.Mapper
			workers int
		}{
			{chiptest.Arch(), mapping.Sequential, 2},
			{chiptest.Arch(), mapping.Balanced, 4},
			{small, mapping.Sequential, 3},
			{small, mapping.Balanced, 2},
		} {
			got, _ := runSpikes(t, net, c.arch, c.mapper, c.workers, ticks)
			if mode == snn.Fixed && !slices.Equal(got, ref) {
				t.Errorf("%s %s/%d cores of %d, %d workers: spikes differ from 1 worker", mode, c.mapper, c.workers, c.arch.NeuronsPerCore, c.workers)
			}
			if mode == snn.Float && c.arch == small {
				continue // float sums in another order may round differently
			}
			if mode == snn.Float && !slices.Equal(got, ref) {
				t.Errorf("float %s, %d workers: spikes differ", c.mapper, c.workers)
			}
		}
	}
}

// A chain of neurons driven by one spike source: each link fires exactly
// its delay after the previous.
func TestDelaysAreExact(t *testing.T) {
	for _, mode := range []snn.Mode{snn.Float, snn.Fixed} {
		net := &snn.Network{
			Name: "chain", Dt: 1, Mode: mode,
			Populations: []snn.Population{
				{Name: "in", Size: 1, Kind: snn.SpikeSource, SpikeTimes: [][]float64{{3}}},
				{Name: "a", Size: 1, Neuron: snn.Neuron{TauM: 10, VTh: 1, VReset: 0, TRef: 0, NoLeak: true,
					Receptors: []snn.Receptor{{Name: "x", TauSyn: 0.1}}}},
			},
			Projections: []snn.Projection{
				{Pre: "in", Post: "a", Connector: snn.Connector{Kind: snn.AllToAll}, Weight: snn.Const(100), Delay: snn.Const(7)},
			},
		}
		// NoLeak with tau_m 10 at dt 1: v gains I/10 per tick; I = 100 on
		// arrival so v = 10 > 1 in the arrival tick.
		got, _ := runSpikes(t, net, chiptest.Arch(), mapping.Sequential, 1, 20)
		want := []spike{{3, 0}, {10, 1}}
		if !slices.Equal(got, want) {
			t.Errorf("%s: spikes %v, want %v", mode, got, want)
		}
	}
}

func TestRefractoryPeriod(t *testing.T) {
	for _, mode := range []snn.Mode{snn.Float, snn.Fixed} {
		net := &snn.Network{
			Name: "bias", Dt: 1, Mode: mode,
			Populations: []snn.Population{{Name: "a", Size: 1, Neuron: snn.Neuron{
				TauM: 1, VTh: 1, VReset: 0, TRef: 3, Bias: 5, NoLeak: true,
				Receptors: []snn.Receptor{{Name: "x", TauSyn: 1}}}}},
		}
		// v += 5 each integrating tick: spike at 0, refractory 1-3, spike at 4.
		got, _ := runSpikes(t, net, chiptest.Arch(), mapping.Sequential, 1, 10)
		want := []spike{{0, 0}, {4, 0}, {8, 0}}
		if !slices.Equal(got, want) {
			t.Errorf("%s: spikes %v, want %v", mode, got, want)
		}
	}
}

func TestCapacityErrors(t *testing.T) {
	net := chiptest.CUBA(snn.Fixed)
	g, err := net.Build()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		change func(a *chip.Arch)
		want   string
	}{
		{"fan-in", func(a *chip.Arch) { a.MaxFanIn = 50 }, "fan-in"},
		{"synapse memory", func(a *chip.Arch) { a.SynapsesPerCore = 60 }, "synapse memory"},
		{"input axons", func(a *chip.Arch) { a.InputAxonsPerCore = 40 }, "input axons"},
		{"chips", func(a *chip.Arch) { a.NeuronsPerCore = 10; a.MaxChips = 1 }, "at most 1 chips"},
	} {
		a := chiptest.Arch()
		c.change(a)
		_, err := mapping.Map(g, a, mapping.Sequential, 0)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one mentioning %q", c.name, err, c.want)
		}
	}
	// Output axons are only known once every neuron is placed: the mapper
	// shrinks cores until they fit, or says which neuron cannot.
	a := chiptest.Arch()
	a.OutputAxonsPerCore = 100
	if _, err := mapping.Map(g, a, mapping.Sequential, 0); err == nil || !strings.Contains(err.Error(), "output axons") {
		t.Errorf("output axon limit: got %v", err)
	}
	a.OutputAxonsPerCore = 2000
	m, err := mapping.Map(g, a, mapping.Sequential, 0)
	if err != nil {
		t.Fatal(err)
	}
	e, err := chip.NewEngine(g, a, m, chip.Options{Mode: snn.Fixed})
	if err != nil {
		t.Fatalf("a mapping that respects output axons fails to build: %v", err)
	}
	e.Close()
	// The cores themselves refuse what the mapper would never produce.
	one := &chip.Mapping{Strategy: "manual", Cores: [][]uint32{make([]uint32, g.N)}, CoreOf: make([]uint32, g.N), Chips: 1, ChipsX: 1, ChipsY: 1}
	for i := range one.Cores[0] {
		one.Cores[0][i] = uint32(i)
	}
	big := chiptest.Arch()
	big.NeuronsPerCore = 1 << 16
	big.SynapsesPerCore = 1000
	_, err = chip.NewEngine(g, big, one, chip.Options{Mode: snn.Fixed})
	var le *core.LimitError
	if !errors.As(err, &le) || le.Limit != "input axons" && le.Limit != "synapses" {
		t.Errorf("core limit: got %v", err)
	}
	if _, err := mapping.Map(g, chiptest.Arch(), mapping.Sequential, 0); err != nil {
		t.Errorf("CUBA should fit the test arch: %v", err)
	}
	if _, err := mapping.Map(g, chiptest.Arch(), mapping.Mapper(99), 0); err == nil {
		t.Error("unknown strategy accepted")
	}
}

// Two workers share five equal cores evenly by splitting the middle one.
func TestPlanSplitsCores(t *testing.T) {
	g, err := chiptest.CUBA(snn.Float).Build()
	if err != nil {
		t.Fatal(err)
	}
	a := chiptest.Arch()
	a.SynapsesPerCore = 65536
	m, err := mapping.Map(g, a, mapping.Balanced, 0)
	if err != nil {
		t.Fatal(err)
	}
	e, err := chip.NewEngine(g, a, m, chip.Options{Mode: snn.Float, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	for _, w := range []int{1, 2, 3} {
		p := e.Plan(w, true)
		counts := make([]int, w)
		seen := make([]int, len(e.Cores()))
		for k := range p {
			for _, pc := range p[k] {
				n := e.Cores()[pc.Core].LIF()
				if pc.Split {
					counts[k] += pc.To - pc.From
					seen[pc.Core] += pc.To - pc.From
				} else {
					counts[k] += n
					seen[pc.Core] += n
				}
			}
		}
		for c, cr := range e.Cores() {
			if seen[c] != cr.LIF() {
				t.Errorf("%d workers: core %d covered %d of %d compartments", w, c, seen[c], cr.LIF())
			}
		}
		for k, n := range counts {
			if n != g.N/w && n != g.N/w+1 {
				t.Errorf("%d workers: worker %d has %d compartments, want %d", w, k, n, g.N/w)
			}
		}
	}
}

// A board larger than the caches takes its cores' memory from an arena,
// lays its synapses on a second goroutine and warms its packets ahead of
// delivery; none of it changes anything:
// spikes and every counter are those of the same run without them, on
// one worker and on two, in both modes.
func TestLargeBoardChangesNothing(t *testing.T) {
	ticks := 400
	if testing.Short() {
		ticks = 100
	}
	a := chiptest.Arch()
	a.NeuronsPerCore = 100 // 40 cores: warm batches span several
	a.OutputAxonsPerCore = 1 << 16
	for _, mode := range []snn.Mode{snn.Float, snn.Fixed} {
		g, err := chiptest.CUBA(mode).Build()
		if err != nil {
			t.Fatal(err)
		}
		m, err := mapping.Map(g, a, mapping.Sequential, 0)
		if err != nil {
			t.Fatal(err)
		}
		// Under simple timing, two workers send a large board's spikes in
		// lanes (sendInLanes).
		for _, timing := range []chip.Timing{chip.Detailed, chip.Simple} {
			run := func(large bool, workers int) ([]spike, chip.Stats, []router.LinkStats) {
				defer chip.SetLargeBoard(large)()
				var out []spike
				e, err := chip.NewEngine(g, a, m, chip.Options{Mode: mode, Workers: workers, Timing: timing, OnSpike: func(tk int64, id uint32) {
					out = append(out, spike{tk, id})
				}})
				if err != nil {
					t.Fatal(err)
				}
				defer e.Close()
				e.Run(ticks)
				return out, e.Stats(), e.Router().Links()
			}
			ref, refStats, refLinks := run(false, 1)
			if len(ref) == 0 {
				t.Fatal("no spikes")
			}
			for _, workers := range []int{1, 2} {
				got, st, links := run(true, workers)
				if !slices.Equal(got, ref) || !reflect.DeepEqual(st, refStats) || !slices.Equal(links, refLinks) {
					t.Errorf("%s, %v, %d workers: a large board's run differs: %d spikes, %+v; want %d, %+v", mode, timing, workers, len(got), st, len(ref), refStats)
				}
			}
		}
	}
}
