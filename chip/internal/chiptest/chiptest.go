package chiptest

import (
	"fmt"

	"github.com/spindle-sim/spindle/chip"
	"github.com/spindle-sim/spindle/snn"
)

// CUBA returns the Brette et al. (2007) CUBA benchmark network.
func CUBA(mode snn.Mode) *snn.Network {
	lif := snn.Neuron{
		TauM: 20, VRest: -49, VReset: -60, VTh: -50, TRef: 5,
		Receptors: []snn.Receptor{{Name: "exc", TauSyn: 5}, {Name: "inh", TauSyn: 10}},
		VInit:     snn.UniformDist(-60, -50),
	}
	proj := func(pre, post, rec string, w float64) snn.Projection {
		return snn.Projection{
			Name: pre + "->" + post, Pre: pre, Post: post, Receptor: rec,
			Connector: snn.Connector{Kind: snn.FixedProbability, P: 0.02},
			Weight:    snn.Const(w), Delay: snn.Const(0.1),
		}
	}
	return &snn.Network{
		Name: "cuba", Dt: 0.1, Seed: 1, Mode: mode,
		Populations: []snn.Population{
			{Name: "exc", Size: 3200, Neuron: lif},
			{Name: "inh", Size: 800, Neuron: lif},
		},
		Projections: []snn.Projection{
			proj("exc", "exc", "exc", 1.62), proj("exc", "inh", "exc", 1.62),
			proj("inh", "exc", "inh", -9), proj("inh", "inh", "inh", -9),
		},
	}
}

// Arch returns a small Loihi-like chip without costs.
func Arch() *chip.Arch {
	return &chip.Arch{
		Name: "test", NeuronsPerCore: 1024, InputAxonsPerCore: 4096, OutputAxonsPerCore: 4096,
		SynapsesPerCore: 1 << 20, MaxFanIn: 4096, MaxDelayTicks: 64, WeightBits: 8,
		CoresPerTile: 4, TilesX: 8, TilesY: 4, Sync: chip.Barrier, LinkBuffer: 16,
		HopLatencyEast: 4e-9, HopLatencyWest: 4e-9, HopLatencyNorth: 6e-9, HopLatencySouth: 6e-9, LinkServiceTime: 2e-9, ChipLinkServiceTime: 20e-9,
		SynOpLatency: 1e-9, NeuronUpdateLatency: 2e-9,
	}
}

// ChainNet returns a topographic stack: a Poisson layer and layers-1 LIF layers
// of width neurons, each split in bands populations; band b of a layer
// drives bands b-1, b, b+1 of the next one to one. Populations are listed
// layer by layer, so neuron order is not the order locality wants.
func ChainNet(layers, width, bands int) *snn.Network {
	lif := snn.Neuron{TauM: 10, VRest: 0, VReset: 0, VTh: 1, TRef: 1,
		Receptors: []snn.Receptor{{Name: "exc", TauSyn: 2}}}
	net := &snn.Network{Name: "chain", Dt: 1, Seed: 3, Mode: snn.Fixed}
	name := func(l, b int) string { return fmt.Sprintf("l%d_b%d", l, b) }
	for l := 0; l < layers; l++ {
		for b := 0; b < bands; b++ {
			p := snn.Population{Name: name(l, b), Size: width / bands, Neuron: lif}
			if l == 0 {
				p.Kind, p.RateHz = snn.Poisson, 50
			}
			net.Populations = append(net.Populations, p)
		}
	}
	for l := 0; l+1 < layers; l++ {
		for b := 0; b < bands; b++ {
			for d := -1; d <= 1; d++ {
				if b+d < 0 || b+d >= bands {
					continue
				}
				net.Projections = append(net.Projections, snn.Projection{
					Name: name(l, b) + ">" + name(l+1, b+d), Pre: name(l, b), Post: name(l+1, b+d),
					Connector: snn.Connector{Kind: snn.OneToOne}, Weight: snn.Const(3),
				})
			}
		}
	}
	return net
}
