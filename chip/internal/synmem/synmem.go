package synmem

import (
	"github.com/spindle-sim/spindle/snn"
)

// Model is the synapse-memory model of an architecture for one network:
// what each neuron costs the core that holds it. Expanded (the default),
// every synapse onto the neuron is stored. With Arch.ConvWeightSharing, a
// convolution's synapses are not stored one by one: a core holds the
// kernel of every output channel it has a neuron of, once, whatever the
// positions, and the other synapses as they are.
type Model struct {
	// Shared says that convolution kernels are stored once per core.
	Shared bool
	// Per neuron, when shared: the synapses that come from convolutions
	// (stored as kernels instead) and the kernel key of its output
	// channel, -1 for none.
	conv []int32
	key  []int32
	// Per key: the weights its kernels take, summed over the
	// convolutions into that channel.
	keyCost []int
}

// New returns the model for net, whose populations start at popStart
// (snn.Graph.PopStart; the synapses need not be built), of an arch that
// shares convolution kernels (Arch.ConvWeightSharing) or not.
func New(net *snn.Network, popStart []int, convWeightSharing bool) *Model {
	m := &Model{}
	if !convWeightSharing {
		return m
	}
	n := popStart[len(popStart)-1]
	keyOf := map[[2]int]int32{} // (post population, channel)
	for k := range net.Projections {
		pr := &net.Projections[k]
		c := pr.Connector.Conv
		if pr.Connector.Kind != snn.Convolution || c == nil || pr.Plasticity != nil {
			continue
		}
		if m.conv == nil {
			m.Shared = true
			m.conv, m.key = make([]int32, n), make([]int32, n)
			for i := range m.key {
				m.key[i] = -1
			}
		}
		post := net.PopulationIndex(pr.Post)
		base := popStart[post]
		out := c.OutShape()
		per := out[1] * out[2]
		for ch := range out[0] {
			kk := [2]int{post, ch}
			key, ok := keyOf[kk]
			if !ok {
				key = int32(len(m.keyCost))
				keyOf[kk] = key
				m.keyCost = append(m.keyCost, 0)
			}
			m.keyCost[key] += c.KernelSize()
			for j := ch * per; j < (ch+1)*per; j++ {
				m.key[base+j] = key
			}
		}
		c.Synapses(func(_, j int, _ float64) { m.conv[base+j]++ })
	}
	return m
}

// Cost returns what neuron i of fan-in fanIn adds to a core whose kernels
// are marked in onCore (the core's number+1 for each key it holds), and
// marks its own kernel there.
func (m *Model) Cost(i, fanIn int, core int32, onCore []int32) int {
	if !m.Shared {
		return fanIn
	}
	c := fanIn - int(m.conv[i])
	if k := m.key[i]; k >= 0 && onCore[k] != core {
		onCore[k] = core
		c += m.keyCost[k]
	}
	return c
}

// Marks returns a fresh mark array for Cost.
func (m *Model) Marks() []int32 { return make([]int32, len(m.keyCost)) }

// CoreMemory returns the synapse memory of every core of a mapping, given
// every neuron's fan-in.
func (m *Model) CoreMemory(cores [][]uint32, fanIn func(i int) int) []int {
	mem := make([]int, len(cores))
	marks := m.Marks()
	for c, ns := range cores {
		for _, id := range ns {
			mem[c] += m.Cost(int(id), fanIn(int(id)), int32(c)+1, marks)
		}
	}
	return mem
}

// Least returns the least memory that the network's synapses, synapses
// of them in all, take on any mapping: as many, or, with shared kernels,
// none for a convolution's synapses and every kernel once.
func (m *Model) Least(synapses int) int {
	if !m.Shared {
		return synapses
	}
	for _, c := range m.conv {
		synapses -= int(c)
	}
	for _, k := range m.keyCost {
		synapses += k
	}
	return synapses
}
