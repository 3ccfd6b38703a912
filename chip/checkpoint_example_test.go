package chip_test

import (
	"bytes"
	"fmt"
	"log"

	"github.com/spindle-sim/spindle/chip"
	"github.com/spindle-sim/spindle/chip/mapping"
	"github.com/spindle-sim/spindle/snn"
)

// A run stopped after 300 ticks and restored from its checkpoint goes
// on exactly as the run that did not stop.
func ExampleEngine_Checkpoint() {
	lif := snn.Neuron{TauM: 20, VTh: 10, Receptors: []snn.Receptor{{Name: "exc", TauSyn: 5}}}
	net := &snn.Network{
		Name: "example", Dt: 1, Seed: 1, Mode: snn.Fixed,
		Populations: []snn.Population{
			{Name: "in", Size: 50, Kind: snn.Poisson, RateHz: 40},
			{Name: "out", Size: 20, Neuron: lif},
		},
		Projections: []snn.Projection{{Name: "in-out", Pre: "in", Post: "out",
			Connector: snn.Connector{Kind: snn.FixedProbability, P: 0.3}, Weight: snn.Const(4), Delay: snn.Const(3)}},
	}
	g, err := net.Build()
	if err != nil {
		log.Fatal(err)
	}
	arch := &chip.Arch{Name: "small", NeuronsPerCore: 16, InputAxonsPerCore: 1024, OutputAxonsPerCore: 1024, SynapsesPerCore: 4096,
		MaxFanIn: 1024, MaxDelayTicks: 16, WeightBits: 8, CoresPerTile: 4, TilesX: 2, TilesY: 2, LinkBuffer: 16, Sync: chip.Barrier}
	m, err := mapping.Map(g, arch, mapping.Sequential, 0)
	if err != nil {
		log.Fatal(err)
	}
	engine := func() *chip.Engine {
		e, err := chip.NewEngine(g, arch, m, chip.Options{Mode: snn.Fixed})
		if err != nil {
			log.Fatal(err)
		}
		return e
	}

	whole := engine()
	whole.Run(500)

	first := engine()
	first.Run(300)
	var ck bytes.Buffer // a file in practice: Engine.CheckpointFile writes one atomically
	if err := first.Checkpoint(&ck); err != nil {
		log.Fatal(err)
	}
	first.Close()
	second, err := chip.Restore(&ck, g, arch, m, chip.Options{Mode: snn.Fixed})
	if err != nil {
		log.Fatal(err)
	}
	second.Run(200)

	a, b := whole.Stats(), second.Stats()
	fmt.Println("ticks:", b.Ticks)
	fmt.Println("same spikes:", a.Spikes == b.Spikes, "same packets:", a.Router == b.Router, "same energy:", a.EnergyJoules == b.EnergyJoules)
	// Output:
	// ticks: 500
	// same spikes: true same packets: true same energy: true
}
