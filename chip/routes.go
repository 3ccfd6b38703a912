package chip

import "github.com/spindle-sim/spindle/snn"

// routes give every neuron one route per destination core, in the order of
// its synapses, each to the next free input axon of that core: the
// core-level multicast of Loihi and SpiNNaker. The routes of neuron i are
// start[i] to start[i+1].
type routes struct {
	start []int
	dst   []uint32 // destination core
	axon  []uint32 // input axon on the destination core
	axons []uint32 // input axons of each core
}

// buildRoutes lays the routes of mapping m and calls each for every
// synapse s of g, in graph order, with the route r that carries it to
// core dst; opened says that r is new (s is its first synapse).
func buildRoutes(g *snn.Graph, m *Mapping, each func(s, r int, dst uint32, opened bool)) *routes {
	rt := &routes{start: make([]int, g.N+1), axons: make([]uint32, len(m.Cores))}
	last := make([]int, len(m.Cores)) // route of the current neuron to each core, +1 when set
	stamp := make([]int, len(m.Cores))
	for i := 0; i < g.N; i++ {
		for s := g.PreStart[i]; s < g.PreStart[i+1]; s++ {
			dc := m.CoreOf[g.Post[s]]
			opened := stamp[dc] != i+1
			if opened {
				stamp[dc] = i + 1
				last[dc] = len(rt.dst)
				rt.dst = append(rt.dst, dc)
				rt.axon = append(rt.axon, rt.axons[dc])
				rt.axons[dc]++
			}
			each(s, last[dc], dc, opened)
		}
		rt.start[i+1] = len(rt.dst)
	}
	return rt
}
