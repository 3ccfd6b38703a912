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
	rt.lay(g, m, func(int, int, uint32, bool) {})
	for r := range sources {
		if a := rt.axon.at(r); a != uint32(r) {
			t.Fatalf("route %d: axon %d", r, a)
		}
	}
}
