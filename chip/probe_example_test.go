package chip_test

import (
	"fmt"
	"log"

	"github.com/spindle-sim/spindle/chip"
	"github.com/spindle-sim/spindle/chip/mapping"
	"github.com/spindle-sim/spindle/snn"
)

// Record the membrane potential of three neurons every tick, as Brian2's
// StateMonitor or PyNN's record('v') would.
func ExampleEngine_Probe() {
	lif := snn.Neuron{TauM: 20, VRest: -65, VReset: -65, VTh: -55, Receptors: []snn.Receptor{{Name: "exc", TauSyn: 5}}}
	net := &snn.Network{
		Name: "example", Dt: 1, Seed: 1, Mode: snn.Fixed,
		Populations: []snn.Population{
			{Name: "in", Size: 1, Kind: snn.SpikeSource, SpikeTimes: [][]float64{{2}}},
			{Name: "out", Size: 3, Neuron: lif},
		},
		Projections: []snn.Projection{{Name: "in-out", Pre: "in", Post: "out",
			Connector: snn.Connector{Kind: snn.AllToAll}, Weight: snn.Const(4), Delay: snn.Const(1)}},
	}
	g, err := net.Build()
	if err != nil {
		log.Fatal(err)
	}
	arch := &chip.Arch{Name: "small", NeuronsPerCore: 16, InputAxonsPerCore: 64, OutputAxonsPerCore: 64, SynapsesPerCore: 256,
		MaxFanIn: 64, MaxDelayTicks: 16, WeightBits: 8, CoresPerTile: 1, TilesX: 1, TilesY: 1, LinkBuffer: 16, Sync: chip.Barrier}
	m, err := mapping.Map(g, arch, mapping.Sequential, 0)
	if err != nil {
		log.Fatal(err)
	}
	e, err := chip.NewEngine(g, arch, m, chip.Options{Mode: snn.Fixed})
	if err != nil {
		log.Fatal(err)
	}
	defer e.Close()
	// Global ids: "in" is neuron 0, "out" neurons 1 to 3.
	v, err := e.Probe([]uint32{1, 2, 3}, chip.V)
	if err != nil {
		log.Fatal(err)
	}
	e.Run(8)
	for k := 0; k < v.Len(); k++ {
		fmt.Printf("tick %d: v = %.3f mV above rest\n", v.First()+int64(k), v.Row(k)[0])
	}
	// Output:
	// tick 0: v = 0.000 mV above rest
	// tick 1: v = 0.000 mV above rest
	// tick 2: v = 0.000 mV above rest
	// tick 3: v = 0.195 mV above rest
	// tick 4: v = 0.344 mV above rest
	// tick 5: v = 0.457 mV above rest
	// tick 6: v = 0.542 mV above rest
	// tick 7: v = 0.603 mV above rest
}
