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
