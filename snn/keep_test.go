package snn

import (
	"fmt"
	"testing"
)

// TestKeepSynapses: the synapses kept are those onto the neurons kept,
// in their order, with their weights, delays, projections and receptors,
// whether the graph stores weights and delays per synapse or per
// projection; the number of synapses is the built one.
func TestKeepSynapses(t *testing.T) {
	for _, tc := range []struct {
		name   string
		weight Dist
		delay  Dist
		keep   func(post uint32) bool
	}{
		{"per projection, odd targets", Const(1), Const(2), func(p uint32) bool { return p%2 == 1 }},
		{"per synapse, odd targets", UniformDist(0, 1), UniformDist(1, 5), func(p uint32) bool { return p%2 == 1 }},
		{"per synapse, every target", UniformDist(0, 1), UniformDist(1, 5), func(uint32) bool { return true }},
		{"per synapse, none", UniformDist(0, 1), UniformDist(1, 5), func(uint32) bool { return false }},
		{"per projection, the last population", Const(-1), Const(1), func(p uint32) bool { return p >= 80 }},
	} {
		n := &Network{Name: "keep", Dt: 1, Seed: 5,
			Populations: []Population{{Name: "a", Size: 50, Neuron: lif()}, {Name: "b", Size: 30, Neuron: lif()}, {Name: "c", Size: 20, Neuron: lif()}},
			Projections: []Projection{
				{Name: "ab", Pre: "a", Post: "b", Connector: Connector{Kind: FixedProbability, P: 0.3}, Weight: tc.weight, Delay: tc.delay, Receptor: "exc"},
				{Name: "ac", Pre: "a", Post: "c", Connector: Connector{Kind: FixedProbability, P: 0.3}, Weight: tc.weight, Delay: tc.delay, Receptor: "inh"},
				{Name: "ca", Pre: "c", Post: "a", Connector: Connector{Kind: AllToAll}, Weight: tc.weight, Delay: tc.delay, Receptor: "inh"},
			}}
		g, err := n.Build()
		if err != nil {
			t.Fatal(err)
		}
		type syn struct {
			pre, post uint32
			proj      uint16
			weight    float64
			delay     uint16
			receptor  uint8
		}
		var want []syn
		for i := 0; i < g.N; i++ {
			for s := g.PreStart[i]; s < g.PreStart[i+1]; s++ {
				if tc.keep(g.Post[s]) {
					want = append(want, syn{uint32(i), g.Post[s], g.Proj[s], g.Weight(s), g.Delay(s), g.Receptor(s)})
				}
			}
		}
		built := g.Synapses()
		g.KeepSynapses(tc.keep)
		var got []syn
		for i := 0; i < g.N; i++ {
			for s := g.PreStart[i]; s < g.PreStart[i+1]; s++ {
				got = append(got, syn{uint32(i), g.Post[s], g.Proj[s], g.Weight(s), g.Delay(s), g.Receptor(s)})
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: kept %d synapses, want %d; they differ", tc.name, len(got), len(want))
		}
		if len(g.Post) != len(want) || len(g.Proj) != len(want) || g.PreStart[g.N] != len(want) || g.Synapses() != built {
			t.Errorf("%s: %d targets, %d projections, %d in the rows, %d counted; want %d kept of %d", tc.name, len(g.Post), len(g.Proj), g.PreStart[g.N], g.Synapses(), len(want), built)
		}
	}
}

func ExampleGraph_KeepSynapses() {
	n := &Network{Name: "keep", Dt: 1, Seed: 1,
		Populations: []Population{{Name: "in", Size: 4, Kind: Poisson, RateHz: 10}, {Name: "out", Size: 4, Neuron: lif()}},
		Projections: []Projection{{Name: "p", Pre: "in", Post: "out", Connector: Connector{Kind: AllToAll}, Weight: Const(1)}}}
	g, _ := n.Build()
	// Keep the synapses onto out[0] and out[1] (neurons 4 and 5) only.
	g.KeepSynapses(func(post uint32) bool { return post < 6 })
	fmt.Println(g.Synapses(), len(g.Post), g.Post[g.PreStart[2]:g.PreStart[3]])
	// Output: 16 8 [4 5]
}
