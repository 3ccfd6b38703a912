package chip

import (
	"slices"
	"testing"

	"github.com/spindle-sim/spindle/dense"
	"github.com/spindle-sim/spindle/snn"
)

// cuba returns the Brette et al. (2007) CUBA benchmark network.
func cuba(mode snn.Mode) *snn.Network {
	lif := snn.Neuron{
		TauM: 20, VRest: -49, VReset: -60, VTh: -50, TRef: 5,
		Receptors: []snn.Receptor{{Name: "exc", TauSyn: 5}, {Name: "inh", TauSyn: 10}},
		VInit:     snn.UniformDist(-60, -50),
	}
	proj := func(pre, post, rec string, w float64) snn.Projection {
		return snn.Projection{
			Name: pre + "->" + post, Pre: pre, Post: post, Receptor: rec,
			Connector: snn.Connector{Kind: snn.FixedProbability, P: 0.02},
			Weight:    snn.Const(w), Delay: snn.Const(0.1),
		}
	}
	return &snn.Network{
		Name: "cuba", Dt: 0.1, Seed: 1, Mode: mode,
		Populations: []snn.Population{
			{Name: "exc", Size: 3200, Neuron: lif},
			{Name: "inh", Size: 800, Neuron: lif},
		},
		Projections: []snn.Projection{
			proj("exc", "exc", "exc", 1.62), proj("exc", "inh", "exc", 1.62),
			proj("inh", "exc", "inh", -9), proj("inh", "inh", "inh", -9),
		},
	}
}

// testArch is a small Loihi-like chip without costs.
func testArch() *Arch {
	return &Arch{
		Name: "test", NeuronsPerCore: 1024, InputAxonsPerCore: 4096, OutputAxonsPerCore: 4096,
		SynapsesPerCore: 1 << 20, MaxFanIn: 4096, MaxDelayTicks: 64, WeightBits: 8,
		CoresPerTile: 4, TilesX: 8, TilesY: 4, Sync: Barrier, LinkBuffer: 16,
		HopLatencyEast: 4e-9, HopLatencyWest: 4e-9, HopLatencyNorth: 6e-9, HopLatencySouth: 6e-9, LinkServiceTime: 2e-9, ChipLinkServiceTime: 20e-9,
		SynOpLatency: 1e-9, NeuronUpdateLatency: 2e-9,
	}
}

type spike struct {
	t  int64
	id uint32
}

// sortSpikes orders spikes by tick, then neuron: the order in which the
// dense reference reports them.
func sortSpikes(s []spike) { slices.SortFunc(s, cmpSpike) }

func cmpSpike(x, y spike) int {
	if x.t != y.t {
		return int(x.t - y.t)
	}
	return int(x.id) - int(y.id)
}

// runSpikes simulates net for ticks on arch a and returns every spike.
func runSpikes(t testing.TB, net *snn.Network, a *Arch, strategy Mapper, workers, ticks int) ([]spike, Stats) {
	t.Helper()
	g, err := net.Build()
	if err != nil {
		t.Fatal(err)
	}
	m, err := Map(g, a, strategy, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []spike
	e, err := NewEngine(g, a, m, Options{Mode: net.Mode, Workers: workers, OnSpike: func(tk int64, id uint32) {
		out = append(out, spike{tk, id})
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	e.Run(ticks)
	return out, e.Stats()
}

// rewardedDense runs the dense reference of g in fixed mode for ticks
// under the reward schedule rewardAt and returns it with its spikes.
func rewardedDense(t *testing.T, g *snn.Graph, a *Arch, ticks int) (*dense.Sim, []spike) {
	t.Helper()
	d, err := dense.New(g, dense.Options{Mode: snn.Fixed, WeightBits: a.WeightBits})
	if err != nil {
		t.Fatal(err)
	}
	var want []spike
	for k := 0; k < ticks; k++ {
		if r, ok := rewardAt(k); ok {
			d.SetReward(r)
		}
		for _, id := range d.Step() {
			want = append(want, spike{int64(k), id})
		}
	}
	return d, want
}

// rewardedEngine runs the event engine of g on mapping m in fixed mode as
// rewardedDense runs the reference, and returns it (closed) with its
// spikes in the reference's order.
func rewardedEngine(t *testing.T, g *snn.Graph, a *Arch, m *Mapping, workers, ticks int) (*Engine, []spike) {
	t.Helper()
	var got []spike
	e, err := NewEngine(g, a, m, Options{Mode: snn.Fixed, Workers: workers, OnSpike: func(tk int64, id uint32) {
		got = append(got, spike{tk, id})
	}})
	if err != nil {
		t.Fatal(err)
	}
	for k := 0; k < ticks; k++ {
		if r, ok := rewardAt(k); ok {
			e.SetReward(r)
		}
		e.Step()
	}
	e.Close()
	sortSpikes(got)
	return e, got
}
