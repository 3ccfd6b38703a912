// Package spindle is the front door to Spindle, a neuromorphic-hardware
// event simulator: load or build a spiking network, pick an architecture,
// map the network onto its cores, run it, and read its spikes, counters,
// modelled energy and probed state; record an AER trace, compare with the
// dense reference, sleep.
//
// The steps and the packages behind them:
//
//   - a network: Load reads a file (YAML, NIR or SANA-FE, through package
//     loader), or build an snn.Network in code (package snn);
//   - an architecture: Arch takes a preset name (Presets lists them:
//     loihi, truenorth, spinnaker, ...) or an architecture file;
//   - New validates, builds and maps the network (Options.Mapper, a
//     mapping.Mapper: mapping.Sequential, mapping.Balanced,
//     mapping.Random or mapping.Locality; package chip/mapping) and makes
//     the event engine (package chip) in the network's numeric mode
//     unless Options.Mode says otherwise;
//   - Sim.Run steps it; Sim.Spikes, Sim.Stats (spikes, packets, energy
//     by component, modelled time) and Sim.Probe (membrane potential or
//     synaptic currents per tick) read it; Sim.Sleep runs the network's
//     sleep protocol on the cores;
//   - Options.Trace records an AER trace (package aer), which ReadTrace
//     reads back;
//   - Compare runs the same network on the dense reference (package
//     dense) and reports the agreement (package compare): bit-exact in
//     fixed mode.
//
// A whole program, run from the repository root (it is this package's
// Example, which the tests run):
//
//	package main
//
//	import (
//		"fmt"
//		"log"
//
//		"github.com/spindle-sim/spindle"
//		"github.com/spindle-sim/spindle/chip"
//		"github.com/spindle-sim/spindle/chip/mapping"
//	)
//
//	func main() {
//		net, err := spindle.Load("examples/cuba_fixed.yaml")
//		if err != nil {
//			log.Fatal(err)
//		}
//		arch, err := spindle.Arch("loihi")
//		if err != nil {
//			log.Fatal(err)
//		}
//		sim, err := spindle.New(net, arch, spindle.Options{Mapper: mapping.Balanced})
//		if err != nil {
//			log.Fatal(err)
//		}
//		defer sim.Close()
//		v, err := sim.Probe("exc", 0, 1, chip.V) // neuron 0 of population exc
//		if err != nil {
//			log.Fatal(err)
//		}
//		if err := sim.Run(1000); err != nil {
//			log.Fatal(err)
//		}
//		st := sim.Stats()
//		fmt.Printf("%s mode, %d cores: %d spikes, %d packets, %.3g J\n",
//			sim.Mode, sim.Mapping.CoresUsed(), len(sim.Spikes()), st.Router.Sent, st.EnergyJoules)
//		fmt.Printf("v of exc[0] at tick %d: %.2f mV above rest\n", v.First()+999, v.Row(999)[0])
//	}
//
// The command line (cmd/spindle) does the same with flags; docs/library.md
// is the tour of this API, docs/probes.md of probes and series.
package spindle
