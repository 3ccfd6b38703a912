package chip

import (
	"testing"

	"github.com/spindle-sim/spindle/snn"
)

// TestAxonNumbersBeyond16Bits: a core with more than 65,536 input axons
// numbers them all, in the order the routes begin.
func TestAxonNumbersBeyond16Bits(t *testing.T) {
	const sources = 70000
	lif := snn.Neuron{TauM: 20, VTh: 10, Receptors: []snn.Receptor{{Name: "exc", TauSyn: 5}}}
	net := &snn.Network{Name: "wide", Dt: 1, Seed: 1,
		Populations: []snn.Population{{Name: "in", Size: sources, Kind: snn.Poisson, RateHz: 1}, {Name: "out", Size: 2, Neuron: lif}},
		Projections: []snn.Projection{{Pre: "in", Post: "out", Connector: snn.Connector{Kind: snn.AllToAll}, Weight: snn.Const(1)}}}
	g, err := net.Build()
	if err != nil {
		t.Fatal(err)
	}
	all := make([]uint32, g.N)
	for i := range all {
		all[i] = uint32(i)
	}
	m := &Mapping{Cores: [][]uint32{all}, CoreOf: make([]uint32, g.N)}
	rt := countRoutes(g, m, 0, 1)
	if rt.axon.hi == nil {
		t.Fatal("70,000 axons on one core kept in 16 bits")
	}
	rt.lay(g, m, nil, func(int, int, uint32, uint16, bool) {})
	for r := range sources {
		if a := rt.axon.at(r); a != uint32(r) {
			t.Fatalf("route %d: axon %d", r, a)
		}
	}
}

// TestRouteCounts: counts past a byte, and routes counted out of order.
func TestRouteCounts(t *testing.T) {
	rc := newRouteCounts(0)
	want := []int32{}
	// Routes 0..3, synapses to them interleaved as a neuron's targets
	// on several cores are: route r gets counts[r].
	counts := []int32{1, 300, 255, 1000}
	for r := range counts {
		rc.add(r)
		want = append(want, 1)
	}
	for more := true; more; {
		more = false
		for r := len(counts) - 1; r >= 0; r-- {
			if want[r] < counts[r] {
				rc.add(r)
				want[r]++
				more = true
			}
		}
	}
	for r, c := range counts {
		if got := rc.at(r); got != c {
			t.Errorf("route %d: %d synapses, want %d", r, got, c)
		}
	}
}
