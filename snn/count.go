package snn

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/spindle-sim/spindle/internal/hugepage"
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
	for k := range n.Projections {
		post := n.PopulationIndex(n.Projections[k].Post)
		if !n.projFanIn(k, counts[start[post]:start[post+1]]) {
			exact = false
		}
	}
	return counts, exact, nil
}

// projFanIn adds the synapses of projection k onto every neuron of its
// target population to into, as FanIn counts them, and reports whether
// the counts are exact.
func (n *Network) projFanIn(k int, into []int) (exact bool) {
	pr := &n.Projections[k]
	pre, post := n.PopulationIndex(pr.Pre), n.PopulationIndex(pr.Post)
	c := &pr.Connector
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
			return false
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
	case Convolution:
		c.Conv.Synapses(func(_, j int, _ float64) { into[j]++ })
	}
	return true
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
	if !exact {
		// fixed_probability draws how many synapses it makes: the
		// connectors run twice, as in Build, to count and then to list.
		pl := &placer{g: g, inputs: in, counting: true}
		if err := n.connectEach(g, []*placer{pl}, n.connect); err != nil {
			return nil, err
		}
		for i := 0; i < g.N; i++ {
			in.Start[i+1] += in.Start[i]
		}
		in.Pre = make([]uint32, in.Start[g.N])
		pl.counting, pl.next = false, slices.Clone(in.Start[:g.N])
		return in, n.connectEach(g, []*placer{pl}, n.connect)
	}
	for i, c := range counts {
		in.Start[i+1] = in.Start[i] + c
	}
	in.Pre = hugepage.Slice(make([]uint32, in.Start[g.N]))
	// Every projection fills its own slots of each neuron's inputs, after
	// those of the projections before it, so that the projections, each
	// drawn from its own stream, can be drawn in parallel.
	placers := make([]*placer, len(n.Projections))
	next := slices.Clone(in.Start[:g.N])
	for k := range n.Projections {
		post := n.PopulationIndex(n.Projections[k].Post)
		lo, hi := g.PopStart[post], g.PopStart[post+1]
		placers[k] = &placer{g: g, inputs: in, next: slices.Clone(next[lo:hi]), base: uint32(lo)}
		n.projFanIn(k, next[lo:hi])
	}
	return in, n.connectEach(g, placers, n.connect)
}

// connectEach runs connect, the connectors, of every projection k into
// placers[k], or all into placers[0] in order if there is one placer;
// projections with placers of their own run in parallel.
func (n *Network) connectEach(g *Graph, placers []*placer, connect func(k int, pl *placer, g *Graph) error) error {
	errs := make([]error, len(n.Projections))
	run := func(k int) {
		pl := placers[0]
		if len(placers) > 1 {
			pl = placers[k]
		}
		if err := connect(k, pl, g); err != nil {
			errs[k] = fmt.Errorf("projection %q: %w", n.Projections[k].Name, err)
		}
		// Projection k is drawn: what its placer holds is written.
		pl.flush()
		pl.held, pl.sorted, pl.at, pl.pairs, pl.sortedPairs = nil, nil, nil, nil, nil
	}
	if len(placers) == 1 {
		for k := range n.Projections {
			run(k)
		}
		return errors.Join(errs...)
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(n.Projections)) {
		wg.Go(func() {
			for k := int(next.Add(1) - 1); k < len(n.Projections); k = int(next.Add(1) - 1) {
				run(k)
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}
