package mapping

import (
	"testing"

	"github.com/spindle-sim/spindle/chip/internal/chiptest"
	"github.com/spindle-sim/spindle/snn"
)

// Two all-to-all cliques of 8 neurons placed half and half on two cores:
// every spike crosses. Refinement must gather each clique on one core.
func TestRefineGathersCliques(t *testing.T) {
	lif := snn.Neuron{TauM: 10, VTh: 1, Receptors: []snn.Receptor{{Name: "x", TauSyn: 2}}}
	net := &snn.Network{Name: "cliques", Dt: 1,
		Populations: []snn.Population{{Name: "a", Size: 8, Neuron: lif}, {Name: "b", Size: 8, Neuron: lif}},
		Projections: []snn.Projection{
			{Pre: "a", Post: "a", Connector: snn.Connector{Kind: snn.AllToAll, NoSelf: true}, Weight: snn.Const(1)},
			{Pre: "b", Post: "b", Connector: snn.Connector{Kind: snn.AllToAll, NoSelf: true}, Weight: snn.Const(1)},
		}}
	g, err := net.Build()
	if err != nil {
		t.Fatal(err)
	}
	a := chiptest.Arch()
	a.NeuronsPerCore = 12 // room to move, not for everything on one core
	bad := [][]uint32{{0, 1, 2, 3, 8, 9, 10, 11}, {4, 5, 6, 7, 12, 13, 14, 15}}
	rates := make([]float64, g.N)
	for i := range rates {
		rates[i] = 1
	}
	before := interCorePackets(g, bad, rates)
	parts := refine(g, a, incoming(g), bad, rates)
	after := interCorePackets(g, parts, rates)
	if after != 0 || len(parts) != 2 {
		t.Errorf("crossing packets %v -> %v over %d cores, want 0 over 2: %v", before, after, len(parts), parts)
	}
	for _, p := range parts {
		if len(p) > a.NeuronsPerCore {
			t.Errorf("core of %d neurons breaks the limit of %d", len(p), a.NeuronsPerCore)
		}
	}
}
