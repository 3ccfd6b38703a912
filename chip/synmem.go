package chip

import (
	"github.com/spindle-sim/spindle/snn"
)

// synMem is the synapse-memory model of an architecture for one network:
// what each neuron costs the core that holds it. Expanded (the default),
// every synapse onto the neuron is stored. With Arch.ConvWeightSharing, a
// convolution's synapses are not stored one by one: a core holds the
// kernel of every output channel it has a neuron of, once, whatever the
// positions, and the other synapses as they are.
type synMem struct {
	shared bool
	// Per neuron, when shared: the synapses that come from convolutions
	// (stored as kernels instead) and the kernel key of its output
	// channel, -1 for none.
	conv []int32
	key  []int32
	// Per key: the weights its kernels take, summed over the
	// convolutions into that channel.
	keyCost []int
}

// newSynMem returns the model of arch a for the network of g (whose
// PopStart must be set; its synapses need not be built).
func newSynMem(net *snn.Network, popStart []int, a *Arch) *synMem {
	m := &synMem{}
	if !a.ConvWeightSharing {
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
			m.shared = true
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

// cost returns what neuron i of fan-in fanIn adds to a core whose kernels
// are marked in onCore (the core's number+1 for each key it holds), and
// marks its own kernel there.
func (m *synMem) cost(i, fanIn int, core int32, onCore []int32) int {
	if !m.shared {
		return fanIn
	}
	c := fanIn - int(m.conv[i])
	if k := m.key[i]; k >= 0 && onCore[k] != core {
		onCore[k] = core
		c += m.keyCost[k]
	}
	return c
}

// marks returns a fresh mark array for cost.
func (m *synMem) marks() []int32 { return make([]int32, len(m.keyCost)) }

// coreMemory returns the synapse memory of every core of a mapping, given
// every neuron's fan-in.
func (m *synMem) coreMemory(cores [][]uint32, fanIn func(i int) int) []int {
	mem := make([]int, len(cores))
	marks := m.marks()
	for c, ns := range cores {
		for _, id := range ns {
			mem[c] += m.cost(int(id), fanIn(int(id)), int32(c)+1, marks)
		}
	}
	return mem
}

// featureOrder returns the order in which the greedy fill takes the
// neurons: network order, except that the feature map a convolution
// writes (a population whose inputs include a conv projection) is taken
// in spatial tiles, every channel of a tile together, so that a core
// holds whole tiles: a tile's neurons share most of their inputs, which
// keeps a core's input axons (and, with shared kernels, its weights) few.
// A tile is T x T positions with T the largest for which all C channels
// of it fit on a core, C*T*T <= neurons_per_core. Nil when no
// convolution feeds a population: neuron order.
func featureOrder(g *snn.Graph, a *Arch) []uint32 {
	net := g.Net
	shape := make([][3]int, len(net.Populations))
	any := false
	for k := range net.Projections {
		pr := &net.Projections[k]
		if pr.Connector.Kind == snn.Convolution && pr.Connector.Conv != nil {
			shape[net.PopulationIndex(pr.Post)] = pr.Connector.Conv.OutShape()
			any = true
		}
	}
	if !any {
		return nil
	}
	order := make([]uint32, 0, g.N)
	for pi := range net.Populations {
		lo, hi := g.PopStart[pi], g.PopStart[pi+1]
		s := shape[pi]
		if s[0] == 0 || s[0]*s[1]*s[2] != hi-lo {
			for i := lo; i < hi; i++ {
				order = append(order, uint32(i))
			}
			continue
		}
		C, H, W := s[0], s[1], s[2]
		t := 1
		for C*(t+1)*(t+1) <= a.NeuronsPerCore && t < max(H, W) {
			t++
		}
		for ty := 0; ty < H; ty += t {
			for tx := 0; tx < W; tx += t {
				for c := range C {
					for y := ty; y < min(H, ty+t); y++ {
						for x := tx; x < min(W, tx+t); x++ {
							order = append(order, uint32(lo+(c*H+y)*W+x))
						}
					}
				}
			}
		}
	}
	return order
}
