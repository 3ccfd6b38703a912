package mapping

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/spindle-sim/spindle/chip"
	"github.com/spindle-sim/spindle/chip/internal/chiptest"
	"github.com/spindle-sim/spindle/snn"
)

// randomNet is a random network with Poisson drive.
func randomNet(n, inputs int, p float64, seed uint64) *snn.Network {
	lif := snn.Neuron{TauM: 20, VRest: 0, VReset: 0, VTh: 10, TRef: 2,
		Receptors: []snn.Receptor{{Name: "exc", TauSyn: 5}}}
	return &snn.Network{Name: "random", Dt: 1, Seed: seed, Mode: snn.Fixed,
		Populations: []snn.Population{
			{Name: "in", Size: inputs, Kind: snn.Poisson, RateHz: 20},
			{Name: "a", Size: n / 2, Neuron: lif},
			{Name: "b", Size: n - n/2, Neuron: lif},
		},
		Projections: []snn.Projection{
			{Pre: "in", Post: "a", Connector: snn.Connector{Kind: snn.FixedInDegree, InDegree: 5}, Weight: snn.Const(2)},
			{Pre: "a", Post: "b", Connector: snn.Connector{Kind: snn.FixedProbability, P: p}, Weight: snn.Const(1)},
			{Pre: "b", Post: "a", Connector: snn.Connector{Kind: snn.FixedProbability, P: p}, Weight: snn.Const(1)},
			{Pre: "b", Post: "b", Connector: snn.Connector{Kind: snn.FixedProbability, P: p / 2, NoSelf: true}, Weight: snn.Const(1)},
		},
	}
}

// checkLimits verifies every core of m against every limit of a and that
// every neuron sits on exactly one core.
func checkLimits(t *testing.T, g *snn.Graph, a *chip.Arch, m *chip.Mapping) {
	t.Helper()
	placed := make([]int, g.N)
	for c, ns := range m.Cores {
		for _, id := range ns {
			placed[id]++
			if m.CoreOf[id] != uint32(c) {
				t.Fatalf("neuron %d on core %d, CoreOf says %d", id, c, m.CoreOf[id])
			}
		}
	}
	for i, k := range placed {
		if k != 1 {
			t.Fatalf("neuron %d placed %d times", i, k)
		}
	}
	e, err := Estimated(g, a, m, ExpectedRates(g))
	if err != nil {
		t.Fatal(err)
	}
	for c, u := range e.Cores {
		for _, l := range []struct {
			name     string
			val, max int
		}{
			{"neurons", u.Neurons, a.NeuronsPerCore},
			{"synapses", u.Synapses, a.SynapsesPerCore},
			{"input axons", u.InputAxons, a.InputAxonsPerCore},
			{"output axons", u.OutputAxons, a.OutputAxonsPerCore},
			{"fan-in", u.MaxFanIn, a.MaxFanIn},
		} {
			if l.val > l.max {
				t.Errorf("%s: core %d: %s %d above the limit %d", m.Strategy, c, l.name, l.val, l.max)
			}
		}
	}
	// The engine's own checks agree.
	eng, err := chip.NewEngine(g, a, m, chip.Options{Mode: g.Net.Mode, Workers: 1})
	if err != nil {
		t.Fatalf("%s: engine refuses the mapping: %v", m.Strategy, err)
	}
	eng.Close()
}

func TestMappersRespectLimits(t *testing.T) {
	tight := chiptest.Arch()
	tight.NeuronsPerCore = 96
	tight.SynapsesPerCore = 3000
	tight.InputAxonsPerCore = 700
	tight.OutputAxonsPerCore = 900
	tight.MaxFanIn = 200
	axons := chiptest.Arch()
	axons.InputAxonsPerCore = 300
	axons.OutputAxonsPerCore = 400
	seeds := uint64(3)
	if testing.Short() {
		seeds = 1 // the race detector's run (.ci/run)
	}
	for seed := uint64(1); seed <= seeds; seed++ {
		for _, a := range []*chip.Arch{chiptest.Arch(), tight, axons} {
			net := randomNet(1500+int(seed)*200, 100, 0.03, seed)
			g, err := net.Build()
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range Mappers() {
				t.Run(fmt.Sprintf("seed%d/%d-%d/%s", seed, a.InputAxonsPerCore, a.NeuronsPerCore, s), func(t *testing.T) {
					m, err := Map(g, a, s, 0)
					if err != nil {
						t.Fatal(err)
					}
					checkLimits(t, g, a, m)
				})
			}
		}
	}
}

func TestMappersDeterministic(t *testing.T) {
	g, err := randomNet(2000, 100, 0.02, 5).Build()
	if err != nil {
		t.Fatal(err)
	}
	a := chiptest.Arch()
	a.NeuronsPerCore = 128
	for _, s := range Mappers() {
		m1, err := Map(g, a, s, 0)
		if err != nil {
			t.Fatal(err)
		}
		m2, _ := Map(g, a, s, 0)
		if !slices.Equal(m1.CoreOf, m2.CoreOf) || len(m1.Cores) != len(m2.Cores) {
			t.Errorf("%s: two runs differ", s)
		}
	}
	// Another seed changes the random mapper.
	g2, _ := randomNet(2000, 100, 0.02, 6).Build()
	r1, _ := Map(g, a, Random, 0)
	r2, _ := Map(g2, a, Random, 0)
	if slices.Equal(r1.CoreOf, r2.CoreOf) {
		t.Error("random: seeds 5 and 6 give the same mapping")
	}
}

func TestLocalityBeatsSequentialOnTopographic(t *testing.T) {
	g, err := chiptest.ChainNet(5, 4096, 4).Build()
	if err != nil {
		t.Fatal(err)
	}
	a := chiptest.Arch()
	a.NeuronsPerCore = 256
	rates := ExpectedRates(g)
	cost := map[Mapper]*Estimate{}
	for _, s := range []Mapper{Sequential, Locality} {
		m, err := Map(g, a, s, 0)
		if err != nil {
			t.Fatal(err)
		}
		checkLimits(t, g, a, m)
		if cost[s], err = Estimated(g, a, m, rates); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d cores, %.1f packets, %.1f inter-core, %.1f hop-packets per tick, max link %.2f",
			s, cost[s].CoresUsed, cost[s].PacketsPerTick, cost[s].InterCorePacketsPerTick, cost[s].HopPacketsPerTick, cost[s].MaxLinkLoad)
	}
	if l, s := cost[Locality].HopPacketsPerTick, cost[Sequential].HopPacketsPerTick; !(l <= 0.6*s) {
		t.Errorf("locality hop-packets %.1f, sequential %.1f: expected at most 0.6x", l, s)
	}
}

// Placement alone: the parts are fixed by the chain's bands, so the
// annealer must put partners on nearby tiles.
func TestPlacementOnMesh(t *testing.T) {
	g, err := chiptest.ChainNet(8, 2048, 8).Build()
	if err != nil {
		t.Fatal(err)
	}
	a := chiptest.Arch()
	a.NeuronsPerCore = 256
	a.CoresPerTile = 1
	seq, _ := Map(g, a, Sequential, 0)
	loc, err := Map(g, a, Locality, 0)
	if err != nil {
		t.Fatal(err)
	}
	r := ExpectedRates(g)
	es, _ := Estimated(g, a, seq, r)
	el, _ := Estimated(g, a, loc, r)
	t.Logf("hop-packets per tick: sequential %.1f, locality %.1f", es.HopPacketsPerTick, el.HopPacketsPerTick)
	if el.HopPacketsPerTick > es.HopPacketsPerTick {
		t.Errorf("locality placement worse than sequential")
	}
}

func TestMapErrorsSayWhatFits(t *testing.T) {
	g, err := randomNet(3000, 100, 0.02, 1).Build()
	if err != nil {
		t.Fatal(err)
	}
	small := chiptest.Arch()
	small.NeuronsPerCore = 16
	small.MaxChips = 1
	fan := chiptest.Arch()
	fan.MaxFanIn = 10
	for _, c := range []struct {
		name  string
		arch  *chip.Arch
		chips int
		want  []string
	}{
		{"max chips", small, 0, []string{"allows at most 1 chips", "cores short", "hold the first"}},
		{"board", func() *chip.Arch { a := chiptest.Arch(); a.NeuronsPerCore = 16; return a }(), 1, []string{"raise --chips to", "cores short"}},
		{"fan-in", fan, 0, []string{"fan-in", "by", "at most 10"}},
	} {
		for _, s := range Mappers() {
			_, err := Map(g, c.arch, s, c.chips)
			if err == nil {
				t.Errorf("%s/%s: no error", c.name, s)
				continue
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%s/%s: %q lacks %q", c.name, s, err, w)
				}
			}
		}
	}
}
