package core_test

import (
	"fmt"

	"github.com/spindle-sim/spindle/core"
	"github.com/spindle-sim/spindle/snn"
)

// A core of one neuron with two inputs, its synapses added from their
// projection: the graph's weights and delays are the projections'.
func ExampleBuilder_AddProjSynapse() {
	cell := snn.Neuron{TauM: 20, VTh: 20, Receptors: []snn.Receptor{{Name: "e", TauSyn: 5}}}
	net := &snn.Network{Name: "ex", Dt: 1, Populations: []snn.Population{
		{Name: "in", Size: 2, Kind: snn.Poisson, RateHz: 10},
		{Name: "out", Size: 1, Neuron: cell},
	}, Projections: []snn.Projection{
		{Pre: "in", Post: "out", Connector: snn.Connector{Kind: snn.AllToAll}, Weight: snn.Const(2), Delay: snn.Const(3)},
	}}
	g, err := net.Build()
	if err != nil {
		fmt.Println(err)
		return
	}
	fixedW := g.FixedQuantiser(8)
	p := core.NewProjSynapses(g, snn.Fixed, fixedW)
	b := core.NewBuilder(0, g, snn.Fixed, fixedW, core.Limits{})
	if err := b.AddNeurons([]uint32{2, 0, 1}); err != nil {
		fmt.Println(err)
		return
	}
	for i := 0; i < 2; i++ {
		b.BeginAxon()
		for s := g.PreStart[i]; s < g.PreStart[i+1]; s++ {
			b.AddProjSynapse(p, g.Proj[s], 0) // the neuron is compartment 0
		}
	}
	c, err := b.Finish()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("axons", c.Axons(), "synapses", c.Synapses())
	// Output: axons 2 synapses 2
}
