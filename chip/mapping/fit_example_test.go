package mapping_test

import (
	"fmt"
	"log"
	"slices"

	"github.com/spindle-sim/spindle/chip/mapping"
	"github.com/spindle-sim/spindle/loader"
	"github.com/spindle-sim/spindle/snn"
)

// Check that a network fits before building it, then build it from the
// inputs the check drew and map it with the check's fill: the graph is
// the one Build makes.
func ExampleFit_Build() {
	lif := snn.Neuron{TauM: 10, VTh: 1, Receptors: []snn.Receptor{{Name: "exc", TauSyn: 2}}}
	net := &snn.Network{Name: "fit", Dt: 1, Seed: 4,
		Populations: []snn.Population{
			{Name: "in", Size: 500, Kind: snn.Poisson, RateHz: 20},
			{Name: "out", Size: 300, Neuron: lif},
		},
		Projections: []snn.Projection{{Pre: "in", Post: "out", Receptor: "exc",
			Connector: snn.Connector{Kind: snn.FixedInDegree, InDegree: 40}, Weight: snn.Const(0.5)}},
	}
	arch, err := loader.LoadArch("loihi")
	if err != nil {
		log.Fatal(err)
	}
	fit, err := mapping.CheckFit(net, arch, mapping.Sequential, 0)
	if err != nil {
		log.Fatal(err)
	}
	g, err := fit.Build()
	if err != nil {
		log.Fatal(err)
	}
	m, err := mapping.MapWith(g, arch, mapping.Sequential, 0, mapping.Options{Fit: fit})
	if err != nil {
		log.Fatal(err)
	}
	want, err := net.Build()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(g.Synapses(), len(m.Cores) > 0, slices.Equal(g.Post, want.Post))
	// Output: 12000 true true
}
