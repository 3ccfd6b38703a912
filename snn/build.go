package snn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
)

// Graph is a built network: every neuron numbered globally in population
// order, every synapse concrete, stored in compressed sparse rows by
// presynaptic neuron (the synapses of neuron i are PreStart[i] to
// PreStart[i+1]).
type Graph struct {
	Net      *Network
	N        int   // neurons, inputs included
	PopStart []int // first global index of each population; len = populations+1
	Params   []LIFParams

	PreStart []int
	Post     []uint32
	Weight   []float64 // mV, signed
	Delay    []uint16  // ticks, >= 1
	Receptor []uint8
	Proj     []uint16 // index of the projection that made the synapse

	VInit    []float64 // initial membrane potential relative to v_rest, mV
	MaxDelay int       // the longest delay, in ticks
}

// Synapses returns the number of synapses.
func (g *Graph) Synapses() int { return len(g.Post) }

// PopOf returns the population of global neuron i.
func (g *Graph) PopOf(i int) int {
	return sort.SearchInts(g.PopStart, i+1) - 1
}

// Build instantiates the network. It validates first, so a Network that
// Validate rejects never reaches the connectors.
func (n *Network) Build() (*Graph, error) {
	if err := n.Validate(); err != nil {
		return nil, err
	}
	g := &Graph{Net: n, PopStart: make([]int, len(n.Populations)+1), Params: make([]LIFParams, len(n.Populations))}
	for i := range n.Populations {
		p := &n.Populations[i]
		g.PopStart[i+1] = g.PopStart[i] + p.Size
		if p.Kind == LIF {
			g.Params[i] = lifParams(&p.Neuron, n.Dt)
		}
	}
	g.N = g.PopStart[len(n.Populations)]
	if g.N > math.MaxUint32 {
		return nil, fmt.Errorf("network has %d neurons: at most %d supported", g.N, uint32(math.MaxUint32))
	}
	g.initVoltages()

	// The connectors run twice with the same random streams: once to count
	// the synapses of every presynaptic neuron, once to place them straight
	// into their rows. Holding the synapses once, in their final order,
	// halves the peak memory of a large network.
	pl := &placer{g: g, counting: true}
	g.PreStart = make([]int, g.N+1)
	for pass := 0; pass < 2; pass++ {
		for i := range n.Projections {
			if err := n.connect(i, pl, g); err != nil {
				return nil, fmt.Errorf("projection %q: %w", n.Projections[i].Name, err)
			}
		}
		if pass == 0 {
			pl.allocate()
		}
	}
	return g, nil
}

func (g *Graph) initVoltages() {
	n := g.Net
	g.VInit = make([]float64, g.N)
	for pi := range n.Populations {
		p := &n.Populations[pi]
		if p.Kind != LIF || !p.Neuron.VInit.IsSet() {
			continue
		}
		r := newRand(n.Seed, streamVInit+uint64(pi))
		for i := 0; i < p.Size; i++ {
			g.VInit[g.PopStart[pi]+i] = p.Neuron.VInit.draw(r) - p.Neuron.VRest
		}
	}
}

// placer receives the synapses the connectors make, first counting them
// per presynaptic neuron, then writing each into its row in creation order.
// Given inputs, it instead lists the presynaptic neuron of each synapse by
// postsynaptic neuron (Network.Inputs).
type placer struct {
	g        *Graph
	counting bool
	next     []int // where the next synapse of each presynaptic neuron goes
	inputs   *Inputs
}

func (p *placer) allocate() {
	g := p.g
	for i := 0; i < g.N; i++ {
		g.PreStart[i+1] += g.PreStart[i]
	}
	m := g.PreStart[g.N]
	g.Post = make([]uint32, m)
	g.Weight = make([]float64, m)
	g.Delay = make([]uint16, m)
	g.Receptor = make([]uint8, m)
	g.Proj = make([]uint16, m)
	p.next = append([]int(nil), g.PreStart[:g.N]...)
	p.counting = false
}

func (p *placer) add(pre, post uint32, w float64, d uint16, rec uint8, proj uint16) {
	g := p.g
	if in := p.inputs; in != nil {
		if p.counting {
			in.Start[post+1]++
			return
		}
		in.Pre[p.next[post]] = pre
		p.next[post]++
		return
	}
	if p.counting {
		g.PreStart[pre+1]++
		return
	}
	s := p.next[pre]
	p.next[pre]++
	g.Post[s], g.Weight[s], g.Delay[s], g.Receptor[s], g.Proj[s] = post, w, d, rec, proj
	g.MaxDelay = max(g.MaxDelay, int(d))
}

func (n *Network) connect(pi int, pl *placer, g *Graph) error {
	pr := &n.Projections[pi]
	if pi > math.MaxUint16 {
		return fmt.Errorf("more than %d projections", math.MaxUint16)
	}
	pre, post := n.PopulationIndex(pr.Pre), n.PopulationIndex(pr.Post)
	npre, npost := n.Populations[pre].Size, n.Populations[post].Size
	base0, base1 := uint32(g.PopStart[pre]), uint32(g.PopStart[post])
	rec := uint8(n.Populations[post].Neuron.ReceptorIndex(pr.Receptor))
	r := newRand(n.Seed, streamProjection+uint64(pi))
	noSelf := pr.Connector.NoSelf && pre == post

	add := func(i, j int, c *Conn) {
		w := 0.0
		if c != nil && c.HasWeight {
			w = c.Weight
		} else {
			w = pr.Weight.draw(r)
		}
		if pr.Inhibitory {
			w = -math.Abs(w)
		}
		d := n.Dt
		if c != nil && c.HasDelay {
			d = c.Delay
		} else if pr.Delay.IsSet() {
			d = pr.Delay.draw(r)
		}
		ticks := math.Round(d / n.Dt)
		ticks = math.Max(1, math.Min(MaxDelayTicks, ticks))
		pl.add(base0+uint32(i), base1+uint32(j), w, uint16(ticks), rec, uint16(pi))
	}

	c := &pr.Connector
	switch c.Kind {
	case AllToAll:
		for i := 0; i < npre; i++ {
			for j := 0; j < npost; j++ {
				if !(noSelf && i == j) {
					add(i, j, nil)
				}
			}
		}
	case OneToOne:
		for i := 0; i < npre; i++ {
			add(i, i, nil)
		}
	case FixedProbability:
		if c.P <= 0 {
			break
		}
		logq := math.Log1p(-c.P)
		for i := 0; i < npre; i++ {
			for j := -1; ; {
				if c.P >= 1 {
					j++
				} else {
					j += int(math.Floor(math.Log(1-r.Float64())/logq)) + 1
				}
				if j >= npost || j < 0 {
					break
				}
				if !(noSelf && i == j) {
					add(i, j, nil)
				}
			}
		}
	case FixedInDegree:
		chosen := make([]bool, npre)
		picks := make([]int, 0, c.InDegree)
		for j := 0; j < npost; j++ {
			picks = picks[:0]
			pool := npre
			if noSelf {
				pool--
			}
			// Floyd's algorithm: k distinct draws in k steps.
			for t := pool - c.InDegree; t < pool; t++ {
				v := r.IntN(t + 1)
				if chosen[remapSelf(v, j, noSelf)] {
					v = t
				}
				v = remapSelf(v, j, noSelf)
				chosen[v] = true
				picks = append(picks, v)
			}
			sort.Ints(picks)
			for _, i := range picks {
				chosen[i] = false
				add(i, j, nil)
			}
		}
	case FromList:
		for k := range c.Len() {
			cn := c.At(k)
			add(cn.Pre, cn.Post, &cn)
		}
	}
	return nil
}

// remapSelf skips index self when drawing from a pool that excludes it.
func remapSelf(v, self int, noSelf bool) int {
	if noSelf && v >= self {
		return v + 1
	}
	return v
}

func (d Dist) draw(r *rand.Rand) float64 {
	switch d.Kind {
	case Uniform:
		return d.Low + (d.High-d.Low)*r.Float64()
	case Normal:
		lo, hi := d.Low, d.High
		for try := 0; try < 1000; try++ {
			v := d.Mean + d.SD*r.NormFloat64()
			if v >= lo && v <= hi {
				return v
			}
		}
		return math.Max(lo, math.Min(hi, d.Mean))
	}
	return d.Value
}
