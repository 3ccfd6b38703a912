package chip_test

import (
	"slices"
	"testing"

	"github.com/spindle-sim/spindle/chip"
	"github.com/spindle-sim/spindle/chip/mapping"
	"github.com/spindle-sim/spindle/dense"
	"github.com/spindle-sim/spindle/snn"
)

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
func runSpikes(t testing.TB, net *snn.Network, a *chip.Arch, strategy mapping.Mapper, workers, ticks int) ([]spike, chip.Stats) {
	t.Helper()
	g, err := net.Build()
	if err != nil {
		t.Fatal(err)
	}
	m, err := mapping.Map(g, a, strategy, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []spike
	e, err := chip.NewEngine(g, a, m, chip.Options{Mode: net.Mode, Workers: workers, OnSpike: func(tk int64, id uint32) {
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
func rewardedDense(t *testing.T, g *snn.Graph, a *chip.Arch, ticks int) (*dense.Sim, []spike) {
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
func rewardedEngine(t *testing.T, g *snn.Graph, a *chip.Arch, m *chip.Mapping, workers, ticks int) (*chip.Engine, []spike) {
	t.Helper()
	var got []spike
	e, err := chip.NewEngine(g, a, m, chip.Options{Mode: snn.Fixed, Workers: workers, OnSpike: func(tk int64, id uint32) {
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
