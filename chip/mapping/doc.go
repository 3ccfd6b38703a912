// Package mapping places the neurons of a network on the cores of an
// architecture: it makes the chip.Mapping that chip.NewEngine runs.
//
// Map fills cores with a Mapper (Sequential, Balanced, Random or
// Locality; ParseMapper reads the names the command line's --map takes)
// within every per-core limit of a chip.Arch, and lays the cores out on a
// board of chips; a network with a placement (snn.Network.Placement) is
// mapped as it says. Before a network is built, CheckCapacity refuses one
// that no mapping can hold and CheckFit one that the chosen mapper cannot
// place, with Map's message. ExpectedRates and ProfileRates give every neuron's
// expected spikes per tick, with which the Locality mapper weighs traffic
// and Estimated predicts a mapping's packets, link loads and the use of
// every core against its limits.
//
// A Go program usually maps through the front door (package spindle,
// spindle.Options.Mapper); docs/mapping.md describes the strategies.
package mapping
