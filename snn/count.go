package snn

import (
	"fmt"
	"math"
)

// FanIn counts the synapses onto every neuron, in global order, from the
// connectors alone, without drawing them: a network too large for its
// hardware can be refused before Build spends time and memory on it.
// The counts of all_to_all, one_to_one, fixed_in_degree, list and
// fixed_probability 0 or 1 are exact; fixed_probability between 0 and 1
// may draw any number of synapses, so it adds none and exact is false:
// then every count is a lower bound. FanIn validates first, as Build does.
func (n *Network) FanIn() (counts []int, exact bool, err error) {
	if err := n.Validate(); err != nil {
		return nil, false, err
	}
	start := make([]int, len(n.Populations)+1)
	for i := range n.Populations {
		start[i+1] = start[i] + n.Populations[i].Size
	}
	if start[len(n.Populations)] > math.MaxUint32 {
		return nil, false, fmt.Errorf("network has %d neurons: at most %d supported", start[len(n.Populations)], uint32(math.MaxUint32))
	}
	counts = make([]int, start[len(n.Populations)])
	exact = true
	for i := range n.Projections {
		pr := &n.Projections[i]
		pre, post := n.PopulationIndex(pr.Pre), n.PopulationIndex(pr.Post)
		c := &pr.Connector
		into := counts[start[post]:start[post+1]]
		all := n.Populations[pre].Size
		if c.NoSelf && pre == post {
			all--
		}
		switch c.Kind {
		case AllToAll:
			addEach(into, all)
		case OneToOne:
			addEach(into, 1)
		case FixedProbability:
			switch {
			case c.P >= 1:
				addEach(into, all)
			case c.P > 0:
				exact = false
			}
		case FixedInDegree:
			addEach(into, c.InDegree)
		case FromList:
			for _, cn := range c.List {
				into[cn.Post]++
			}
			for _, p := range c.Table.Post {
				into[p]++
			}
		}
	}
	return counts, exact, nil
}

func addEach(counts []int, k int) {
	for j := range counts {
		counts[j] += k
	}
}

// Inputs lists the presynaptic neuron of every synapse by postsynaptic
// neuron: the inputs of global neuron i are Pre[Start[i]:Start[i+1]], in
// no particular order. It is what a mapper needs to fill cores, in 4 bytes
// a synapse rather than the Graph's 17.
type Inputs struct {
	Start []int
	Pre   []uint32
}

// Inputs draws the synapses of the network as Build does, from the same
// random streams, but keeps only their presynaptic neurons, by
// postsynaptic neuron. It validates first, as Build does.
func (n *Network) Inputs() (*Inputs, error) {
	counts, exact, err := n.FanIn()
	if err != nil {
		return nil, err
	}
	g := &Graph{Net: n, N: len(counts), PopStart: make([]int, len(n.Populations)+1)}
	for i := range n.Populations {
		g.PopStart[i+1] = g.PopStart[i] + n.Populations[i].Size
	}
	in := &Inputs{Start: make([]int, g.N+1)}
	pl := &placer{g: g, inputs: in}
	connect := func() error {
		for i := range n.Projections {
			if err := n.connect(i, pl, g); err != nil {
				return fmt.Errorf("projection %q: %w", n.Projections[i].Name, err)
			}
		}
		return nil
	}
	if exact {
		copy(in.Start[1:], counts)
	} else {
		// fixed_probability draws how many synapses it makes: the
		// connectors run twice, as in Build, to count and then to list.
		pl.counting = true
		if err := connect(); err != nil {
			return nil, err
		}
		pl.counting = false
	}
	for i := 0; i < g.N; i++ {
		in.Start[i+1] += in.Start[i]
	}
	in.Pre = make([]uint32, in.Start[g.N])
	pl.next = append([]int(nil), in.Start[:g.N]...)
	if err := connect(); err != nil {
		return nil, err
	}
	return in, nil
}
