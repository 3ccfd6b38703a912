package snn_test

import (
	"fmt"
	"slices"

	"github.com/spindle-sim/spindle/snn"
)

// The synapses of a projection of constant weight and delay share them:
// its weight, delay and receptor, and the quantised weight in fixed mode,
// are those of the projection.
func ExampleGraph_ProjSynapse() {
	cell := snn.Neuron{TauM: 20, VTh: 20, Receptors: []snn.Receptor{{Name: "e", TauSyn: 5}, {Name: "i", TauSyn: 10}}}
	net := &snn.Network{Name: "ex", Dt: 1, Populations: []snn.Population{
		{Name: "in", Size: 4, Kind: snn.Poisson, RateHz: 10},
		{Name: "out", Size: 2, Neuron: cell},
	}, Projections: []snn.Projection{
		{Pre: "in", Post: "out", Connector: snn.Connector{Kind: snn.AllToAll}, Weight: snn.Const(-1.5), Delay: snn.Const(2), Receptor: "i"},
	}}
	g, err := net.Build()
	if err != nil {
		fmt.Println(err)
		return
	}
	w, d, rec, ok := g.ProjSynapse(0)
	q := g.FixedQuantiser(8)
	fmt.Println(w, d, rec, ok, q.Quantise(w, 0) == q.Weight(0))
	// Output: -1.5 2 1 true true
}

// Draw a network's inputs (what a mapper needs), then build the network
// from them instead of drawing its synapses again: the same graph.
func ExampleNetwork_BuildFrom() {
	cell := snn.Neuron{TauM: 20, VTh: 20, Receptors: []snn.Receptor{{Name: "e", TauSyn: 5}}}
	net := &snn.Network{Name: "ex", Dt: 1, Seed: 2, Populations: []snn.Population{
		{Name: "in", Size: 50, Kind: snn.Poisson, RateHz: 10},
		{Name: "out", Size: 20, Neuron: cell},
	}, Projections: []snn.Projection{
		{Pre: "in", Post: "out", Connector: snn.Connector{Kind: snn.FixedInDegree, InDegree: 5}, Weight: snn.Const(1)},
	}}
	in, err := net.Inputs()
	if err != nil {
		fmt.Println(err)
		return
	}
	g, err := net.BuildFrom(in)
	if err != nil {
		fmt.Println(err)
		return
	}
	want, err := net.Build()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(g.Synapses(), slices.Equal(g.Post, want.Post), slices.Equal(g.PreStart, want.PreStart))
	// Output: 100 true true
}
