package chip

import (
	"fmt"
	"slices"

	"github.com/spindle-sim/spindle/snn"
)

// CheckCapacity refuses, before the network is built, a network that a
// board of chips chips of arch a (0: as many as needed, up to max_chips)
// cannot hold, with the messages of Map. Building a large network takes minutes and gigabytes;
// counting takes a pass over its neurons. It counts the synapses onto
// every neuron from the connectors (snn.Network.FanIn) and checks only what
// counts decide for every mapping strategy: the fan-in of each neuron, and
// the cores that the neurons and synapses need at the least, whichever
// neurons share a core. Input and output axons depend on which neurons the
// connectors draw, so they are left to Map: nil means only that the counts
// do not rule the network out.
func CheckCapacity(net *snn.Network, a *Arch, chips int) error {
	if err := a.Validate(); err != nil {
		return err
	}
	fanIn, exact, err := net.FanIn()
	if err != nil {
		return err
	}
	qualifier := ""
	if !exact {
		qualifier = "at least "
	}
	synapses := 0
	for i, f := range fanIn {
		if err := fanInError(a, i, f, qualifier, func() string { return neuronName(net, i) }); err != nil {
			return err
		}
		synapses += f
	}
	// Every core holds at most NeuronsPerCore neurons and SynapsesPerCore
	// synapses, so no mapping takes fewer cores than either total needs.
	cores := max(ceilDiv(len(fanIn), a.NeuronsPerCore), ceilDiv(synapses, a.SynapsesPerCore))
	// n cores hold at most the neurons with the smallest fan-ins that fit
	// their neurons and synapse memory. Only an error message calls fits,
	// once, so it may sort the counts in place.
	fits := func(n int) string {
		slices.Sort(fanIn)
		held, sum := 0, 0
		for _, f := range fanIn[:min(len(fanIn), n*a.NeuronsPerCore)] {
			if sum+f > n*a.SynapsesPerCore {
				break
			}
			sum += f
			held++
		}
		return fmt.Sprintf("%d cores hold at most %d of the %d neurons (%s)", n, held, len(fanIn), largestPop(net))
	}
	_, err = boardChips(a, cores, chips, "at least ", fits)
	return err
}

func ceilDiv(x, y int) int { return (x + y - 1) / y }

// neuronName names global neuron i of net as popName does.
func neuronName(net *snn.Network, i int) string {
	for _, p := range net.Populations {
		if i < p.Size {
			return fmt.Sprintf("%s[%d]", p.Name, i)
		}
		i -= p.Size
	}
	return fmt.Sprintf("neuron %d", i)
}
