package mapping

import (
	"fmt"
	"slices"

	"github.com/spindle-sim/spindle/chip"
	"github.com/spindle-sim/spindle/chip/internal/synmem"
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
func CheckCapacity(net *snn.Network, a *chip.Arch, chips int) error {
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
	// With shared kernels, a convolution's synapses take no memory of
	// their own, but every kernel is stored at least once.
	synapses = synmem.New(net, popStarts(net), a.ConvWeightSharing).Least(synapses)
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

// A Fit is the cores that Map fills for a network, filled before the
// network is built (CheckFit).
type Fit struct {
	net      *snn.Network
	arch     *chip.Arch
	strategy Mapper
	cores    [][]uint32
	bound    fillLimits
	inputs   *snn.Inputs // drawn by CheckFit, until Build
}

// Build builds the network of the fit, as snn.Network.Build does, from
// the inputs CheckFit drew (snn.Network.BuildFrom) instead of drawing its
// synapses again, and lets the inputs go: a second Build draws them.
func (f *Fit) Build() (*snn.Graph, error) {
	in := f.inputs
	f.inputs = nil
	return f.net.BuildFrom(in)
}

// CheckFit refuses, before the network is built, a network that Map
// cannot place with strategy on a board of chips chips of arch a (0: as
// many as needed), with Map's message. Input and output axons, which
// decide whether a large random network fits, depend on which neurons
// the connectors draw, so no count bounds them; CheckFit draws the inputs
// of every neuron (snn.Network.Inputs), in a quarter of the memory of the
// built network and without placing its synapses, and fills the cores as
// Map does. The fill it returns saves Map from filling again
// (Options.Fit). The locality strategy reads the built synapses and a
// placement pins neurons where it says: for those CheckFit returns nil
// and leaves the checks to Map.
func CheckFit(net *snn.Network, a *chip.Arch, strategy Mapper, chips int) (*Fit, error) {
	if err := strategy.valid(); err != nil {
		return nil, err
	}
	if strategy == Locality || len(net.Placement) > 0 {
		return nil, nil
	}
	if err := a.Validate(); err != nil {
		return nil, err
	}
	inputs, err := net.Inputs()
	if err != nil {
		return nil, err
	}
	in := inAdjacency{start: inputs.Start, pre: inputs.Pre}
	// Map needs of the graph only its neurons for these strategies.
	g := &snn.Graph{Net: net, N: len(in.start) - 1, PopStart: make([]int, len(net.Populations)+1)}
	for i := range net.Populations {
		g.PopStart[i+1] = g.PopStart[i] + net.Populations[i].Size
	}
	if err := checkFanIn(g, a, in); err != nil {
		return nil, err
	}
	cores, bound, err := fill(g, a, in, strategy, nil)
	if err != nil {
		return nil, err
	}
	if _, err := chipsFor(g, a, cores, chips); err != nil {
		return nil, err
	}
	return &Fit{net: net, arch: a, strategy: strategy, cores: cores, bound: bound, inputs: inputs}, nil
}

// popStarts returns the first global index of every population of net,
// and the number of neurons last.
func popStarts(net *snn.Network) []int {
	start := make([]int, len(net.Populations)+1)
	for i := range net.Populations {
		start[i+1] = start[i] + net.Populations[i].Size
	}
	return start
}
