package mapping_test

import (
	"fmt"
	"log"

	"github.com/spindle-sim/spindle/chip/mapping"
	"github.com/spindle-sim/spindle/loader"
	"github.com/spindle-sim/spindle/snn"
)

// Map a network onto the loihi preset with two strategies and compare
// the traffic each mapping is expected to send between cores: in
// neuron order every input sits on another core than its target; the
// locality mapper puts each pair on one core.
func ExampleMap() {
	lif := snn.Neuron{TauM: 10, VTh: 1, Receptors: []snn.Receptor{{Name: "exc", TauSyn: 2}}}
	net := &snn.Network{
		Name: "fan", Dt: 1, Seed: 1,
		Populations: []snn.Population{
			{Name: "in", Size: 2000, Kind: snn.Poisson, RateHz: 20},
			{Name: "out", Size: 2000, Neuron: lif},
		},
		Projections: []snn.Projection{{
			Name: "in->out", Pre: "in", Post: "out", Receptor: "exc",
			Connector: snn.Connector{Kind: snn.OneToOne}, Weight: snn.Const(0.5),
		}},
	}
	g, err := net.Build()
	if err != nil {
		log.Fatal(err)
	}
	arch, err := loader.LoadArch("loihi")
	if err != nil {
		log.Fatal(err)
	}
	for _, strategy := range []mapping.Mapper{mapping.Sequential, mapping.Locality} {
		m, err := mapping.Map(g, arch, strategy, 0)
		if err != nil {
			log.Fatal(err)
		}
		est, err := mapping.Estimated(g, arch, m, mapping.ExpectedRates(g))
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s: %d cores, %.1f packets per tick between cores\n", strategy, m.CoresUsed(), est.InterCorePacketsPerTick)
	}
	// Output:
	// sequential: 4 cores, 40.0 packets per tick between cores
	// locality: 4 cores, 0.0 packets per tick between cores
}
