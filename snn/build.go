package snn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"

	"github.com/spindle-sim/spindle/internal/hugepage"
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
	Proj     []uint16 // index of the projection that made the synapse

	// The weight and delay of every synapse, nil when every projection
	// gives all its synapses one (projWeight, projDelay): a large network
	// then keeps 6 bytes a synapse instead of 16. Receptors are always
	// the projection's.
	weight     []float64 // mV, signed
	delay      []uint16  // ticks, >= 1
	projWeight []float64
	projDelay  []uint16
	projRec    []uint8

	VInit    []float64 // initial membrane potential relative to v_rest, mV
	MaxDelay int       // the longest delay, in ticks
	synapses int
}

// Synapses returns the number of synapses.
func (g *Graph) Synapses() int { return g.synapses }

// ReleaseSynapses frees the synapses of the graph (PreStart, Post, Proj,
// weights and delays) for a caller that holds them elsewhere, such as the
// cores of an engine that will not learn, and reads none of them again:
// they are most of a large graph. Synapses still returns their number.
func (g *Graph) ReleaseSynapses() {
	g.PreStart, g.Post, g.Proj, g.weight, g.delay = nil, nil, nil, nil, nil
}

// KeepSynapses keeps, of the graph's synapses, only those whose target
// keep accepts, in their order, and frees the others, for a caller that
// reads no other synapse again (a rank of a distributed run, which
// builds only its own cores' synapses). The kept synapses are numbered
// anew from 0; each array is copied to its new length in turn, so that
// the memory taken meanwhile is at most the kept part of one of them.
// Synapses still returns the number the graph was built with.
func (g *Graph) KeepSynapses(keep func(post uint32) bool) {
	if g.Post == nil {
		return
	}
	n, from := 0, 0
	for i := 0; i < g.N; i++ {
		to := g.PreStart[i+1]
		g.PreStart[i] = n
		for s := from; s < to; s++ {
			if !keep(g.Post[s]) {
				continue
			}
			g.Post[n], g.Proj[n] = g.Post[s], g.Proj[s]
			if g.weight != nil {
				g.weight[n] = g.weight[s]
			}
			if g.delay != nil {
				g.delay[n] = g.delay[s]
			}
			n++
		}
		from = to
	}
	g.PreStart[g.N] = n
	g.Post = shrink(g.Post, n)
	g.Proj = shrink(g.Proj, n)
	g.weight = shrink(g.weight, n)
	g.delay = shrink(g.delay, n)
}

// shrink returns the first n elements of x in an array of their size;
// x's own becomes garbage. A nil x stays nil.
func shrink[T any](x []T, n int) []T {
	if x == nil {
		return nil
	}
	y := make([]T, n)
	copy(y, x)
	return y
}

// Weight returns the weight of synapse s in mV, signed.
func (g *Graph) Weight(s int) float64 {
	if g.weight != nil {
		return g.weight[s]
	}
	return g.projWeight[g.Proj[s]]
}

// SetWeights gives synapse s the weight w[s] (mV), for every synapse.
func (g *Graph) SetWeights(w []float64) {
	if len(w) != g.Synapses() {
		panic(fmt.Sprintf("snn: %d weights for %d synapses", len(w), g.Synapses()))
	}
	g.weight = w
}

// Delay returns the delay of synapse s in ticks, at least one.
func (g *Graph) Delay(s int) uint16 {
	if g.delay != nil {
		return g.delay[s]
	}
	return g.projDelay[g.Proj[s]]
}

// Receptor returns the receptor of the target of synapse s.
func (g *Graph) Receptor(s int) uint8 { return g.projRec[g.Proj[s]] }

// ProjSynapse returns the weight (mV, signed), delay (ticks) and receptor
// that every synapse of projection k has, and ok false when the graph
// stores a weight or a delay per synapse: then Weight(s) and Delay(s) are
// a synapse's own. A builder that knows each synapse's projection then
// needs nothing else of it.
func (g *Graph) ProjSynapse(k int) (w float64, d uint16, rec uint8, ok bool) {
	if g.weight != nil || g.delay != nil {
		return 0, 0, 0, false
	}
	return g.projWeight[k], g.projDelay[k], g.projRec[k], true
}

// PopOf returns the population of global neuron i.
func (g *Graph) PopOf(i int) int {
	return sort.SearchInts(g.PopStart, i+1) - 1
}

// Build instantiates the network. It validates first, so a Network that
// Validate rejects never reaches the connectors.
func (n *Network) Build() (*Graph, error) { return n.build(nil) }

// BuildFrom is Build given in, the network's inputs drawn already
// (Network.Inputs, of the network as it is now): where they determine
// the graph, Build's synapses are placed from them instead of drawn
// again, which on a large network takes most of the time. That is when
// every projection's synapses have its constant weight and delay and
// its connector makes them in order of target (all_to_all, one_to_one,
// fixed_in_degree, and fixed_probability of 0 or 1); otherwise the
// connectors run as in Build. The graph is Build's either way.
func (n *Network) BuildFrom(in *Inputs) (*Graph, error) {
	if in == nil || !n.placeable() {
		return n.build(nil)
	}
	return n.build(in)
}

// placeable reports whether the network's inputs determine its graph
// (BuildFrom).
func (n *Network) placeable() bool {
	if len(n.Projections) > math.MaxUint16+1 {
		return false // Build's error
	}
	for k := range n.Projections {
		pr := &n.Projections[k]
		c := &pr.Connector
		switch {
		case c.Kind == AllToAll, c.Kind == OneToOne, c.Kind == FixedInDegree:
		case c.Kind == FixedProbability && (c.P <= 0 || c.P >= 1):
		default:
			return false
		}
		if _, constW, _, constD := n.projConst(k); !constW || !constD {
			return false
		}
	}
	return true
}

// build is Build, placing the synapses from in when it is not nil.
func (n *Network) build(in *Inputs) (*Graph, error) {
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
	// halves the peak memory of a large network. A row holds the synapses
	// of each projection after those of the projections before it, so
	// every projection counts and places its own, in parallel with the
	// others: each draws from a stream of its own.
	g.projSynapses()
	placers := make([]*placer, len(n.Projections))
	for k := range placers {
		pre := n.PopulationIndex(n.Projections[k].Pre)
		placers[k] = &placer{g: g, counting: true, base: uint32(g.PopStart[pre]), next: make([]int, n.Populations[pre].Size)}
	}
	connect := n.connect
	if in != nil {
		var err error
		if connect, err = n.placeInputs(g, in); err != nil {
			return nil, err
		}
	}
	if err := n.connectEach(g, placers, connect); err != nil {
		return nil, err
	}
	g.PreStart = make([]int, g.N+1)
	for _, pl := range placers {
		for j, c := range pl.next {
			g.PreStart[int(pl.base)+j+1] += c
		}
	}
	for i := 0; i < g.N; i++ {
		g.PreStart[i+1] += g.PreStart[i]
	}
	at := slices.Clone(g.PreStart[:g.N])
	for _, pl := range placers {
		total := 0
		for j, c := range pl.next {
			pl.next[j] = at[int(pl.base)+j]
			at[int(pl.base)+j] += c
			total += c
		}
		pl.counting = false
		// Room for what the placer will hold, so that it is not grown
		// by doubling (a quarter of cnn_sinabs's build time was copies).
		// Where the graph keeps no weight or delay per synapse, a
		// placer, of one projection, holds pairs of neurons: a third of
		// the memory to write and sort.
		if pl.pairsOnly = g.projWeight != nil && g.projDelay != nil; pl.pairsOnly {
			pl.pairs = make([]pair, 0, min(total, placerHeld))
		} else {
			pl.held = make([]held, 0, min(total, placerHeld))
		}
	}
	m := g.PreStart[g.N]
	g.synapses = m
	// Written at random, a row at a time: huge pages save most of the
	// page faults and address-translation misses.
	g.Post = hugepage.Slice(make([]uint32, m))
	g.Proj = hugepage.Slice(make([]uint16, m))
	if g.projWeight == nil {
		g.weight = make([]float64, m)
	}
	if g.projDelay == nil {
		g.delay = make([]uint16, m)
	}
	if err := n.connectEach(g, placers, connect); err != nil {
		return nil, err
	}
	for _, pl := range placers {
		g.MaxDelay = max(g.MaxDelay, pl.maxDelay)
	}
	return g, nil
}

// projSynapses sets the receptor of every projection and, when every
// projection gives all its synapses one weight, or one delay, those: the
// values connect computes for them without drawing.
func (g *Graph) projSynapses() {
	n := g.Net
	g.projRec = make([]uint8, len(n.Projections))
	weights := make([]float64, len(n.Projections))
	delays := make([]uint16, len(n.Projections))
	constW, constD := true, true
	for k := range n.Projections {
		pr := &n.Projections[k]
		g.projRec[k] = uint8(n.Populations[n.PopulationIndex(pr.Post)].Neuron.ReceptorIndex(pr.Receptor))
		w, cw, d, cd := n.projConst(k)
		explicitW, explicitD := pr.Connector.explicit()
		weights[k], delays[k] = w, d
		constW = constW && cw && !explicitW
		constD = constD && cd && !explicitD
	}
	if constW {
		g.projWeight = weights
	}
	if constD {
		g.projDelay = delays
	}
}

// projConst returns the weight and delay the distributions of projection
// k give every synapse, and whether they are constant: then they are drawn
// without the stream.
func (n *Network) projConst(k int) (w float64, constW bool, d uint16, constD bool) {
	pr := &n.Projections[k]
	if pr.Weight.Kind == Constant {
		w, constW = inhibit(pr, pr.Weight.Value), true
	}
	delay := n.Dt
	if pr.Delay.IsSet() {
		delay = pr.Delay.Value
	}
	constD = !pr.Delay.IsSet() || pr.Delay.Kind == Constant
	if constD {
		d = delayTicks(delay, n.Dt)
	}
	return w, constW, d, constD
}

// inhibit makes w negative for an inhibitory projection.
func inhibit(pr *Projection, w float64) float64 {
	if pr.Inhibitory {
		return -math.Abs(w)
	}
	return w
}

// explicit reports whether any explicit synapse of the connector gives
// its weight, or its delay.
func (c *Connector) explicit() (weight, delay bool) {
	if c.Kind == Convolution {
		return true, false
	}
	if c.Kind != FromList {
		return false, false
	}
	for k := range c.List {
		weight = weight || c.List[k].HasWeight
		delay = delay || c.List[k].HasDelay
	}
	return weight || c.Table.Weight != nil, delay || c.Table.Delay != nil
}

// delayTicks rounds a delay of d ms to whole ticks of dt, at least one.
func delayTicks(d, dt float64) uint16 {
	ticks := math.Round(d / dt)
	return uint16(math.Max(1, math.Min(MaxDelayTicks, ticks)))
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
	// The synapses counted, then where the next one goes, of each
	// presynaptic neuron from base on (of each postsynaptic one, with
	// inputs).
	next     []int
	base     uint32
	inputs   *Inputs
	maxDelay int // the longest delay placed, in ticks

	held, sorted []held // the synapses held, as they came and by group
	at           []int  // where each group's synapses go in sorted
	// Instead of held: the synapses of one projection (proj) whose
	// weight and delay (d) the graph keeps per projection.
	pairsOnly          bool
	pairs, sortedPairs []pair
	proj, d            uint16
}

// pair is a synapse held by a placer of pairs only.
type pair struct{ pre, post uint32 } // pre from the placer's base

func (p *placer) add(pre, post uint32, w float64, d uint16, proj uint16) {
	if in := p.inputs; in != nil {
		if p.counting {
			in.Start[post+1]++
			return
		}
		in.Pre[p.next[post-p.base]] = pre
		p.next[post-p.base]++
		return
	}
	if p.counting {
		p.next[pre-p.base]++
		return
	}
	if p.pairsOnly {
		p.proj, p.d = proj, d
		p.pairs = append(p.pairs, pair{pre - p.base, post})
		if len(p.pairs) == placerHeld {
			p.flushPairs()
		}
		return
	}
	p.held = append(p.held, held{pre - p.base, post, w, d, proj})
	if len(p.held) == placerHeld {
		p.flush()
	}
}

// held is a synapse the placer holds until it is written into its row.
type held struct {
	pre, post uint32 // pre from the placer's base
	w         float64
	d         uint16
	proj      uint16
}

// Written as they come, consecutive synapses land in rows far apart and
// each misses the cache for every array it is written to. A placer holds
// placerHeld synapses, sorts them stably by group of placerRows rows and
// writes them a group at a time, while the group's rows stay in the cache;
// every row still receives its synapses in the order they came.
const (
	placerHeld = 1 << 17
	placerRows = 1024
)

// groupStarts returns p.at cleared to hold the start of every group
// of rows and one more.
func (p *placer) groupStarts() []int {
	groups := (len(p.next) + placerRows - 1) / placerRows
	if len(p.at) < groups+1 {
		p.at = make([]int, groups+1)
	}
	at := p.at[:groups+1]
	clear(at)
	return at
}

// flushPairs is flush for a placer of pairs only.
func (p *placer) flushPairs() {
	if len(p.pairs) == 0 {
		return
	}
	at := p.groupStarts()
	for _, h := range p.pairs {
		at[h.pre/placerRows+1]++
	}
	for k := range len(at) - 1 {
		at[k+1] += at[k]
	}
	p.sortedPairs = slices.Grow(p.sortedPairs[:0], len(p.pairs))[:len(p.pairs)]
	for _, h := range p.pairs {
		k := h.pre / placerRows
		p.sortedPairs[at[k]] = h
		at[k]++
	}
	g, proj := p.g, p.proj
	for _, h := range p.sortedPairs {
		s := p.next[h.pre]
		p.next[h.pre]++
		g.Post[s], g.Proj[s] = h.post, proj
	}
	p.maxDelay = max(p.maxDelay, int(p.d))
	p.pairs = p.pairs[:0]
}

// flush writes the synapses held into their rows.
func (p *placer) flush() {
	if p.pairsOnly {
		p.flushPairs()
		return
	}
	if len(p.held) == 0 {
		return
	}
	at := p.groupStarts()
	groups := len(at) - 1
	for _, h := range p.held {
		at[h.pre/placerRows+1]++
	}
	for k := range groups {
		at[k+1] += at[k]
	}
	p.sorted = slices.Grow(p.sorted[:0], len(p.held))[:len(p.held)]
	for _, h := range p.held {
		k := h.pre / placerRows
		p.sorted[at[k]] = h
		at[k]++
	}
	g := p.g
	for _, h := range p.sorted {
		s := p.next[h.pre]
		p.next[h.pre]++
		g.Post[s], g.Proj[s] = h.post, h.proj
		if g.weight != nil {
			g.weight[s] = h.w
		}
		if g.delay != nil {
			g.delay[s] = h.d
		}
		p.maxDelay = max(p.maxDelay, int(h.d))
	}
	p.held = p.held[:0]
}

func (n *Network) connect(pi int, pl *placer, g *Graph) error {
	pr := &n.Projections[pi]
	if pi > math.MaxUint16 {
		return fmt.Errorf("more than %d projections", math.MaxUint16)
	}
	pre, post := n.PopulationIndex(pr.Pre), n.PopulationIndex(pr.Post)
	npre, npost := n.Populations[pre].Size, n.Populations[post].Size
	base0, base1 := uint32(g.PopStart[pre]), uint32(g.PopStart[post])
	r := newRand(n.Seed, streamProjection+uint64(pi))
	noSelf := pr.Connector.NoSelf && pre == post

	// A constant weight or delay is drawn without the stream: it is
	// computed once.
	w0, constW, d0, constD := n.projConst(pi)
	add := func(i, j int, c *Conn) {
		w, d := w0, d0
		if c != nil && c.HasWeight {
			w = inhibit(pr, c.Weight)
		} else if !constW {
			w = inhibit(pr, pr.Weight.draw(r))
		}
		if c != nil && c.HasDelay {
			d = delayTicks(c.Delay, n.Dt)
		} else if !constD {
			d = delayTicks(pr.Delay.draw(r), n.Dt)
		}
		pl.add(base0+uint32(i), base1+uint32(j), w, d, uint16(pi))
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
			// Each pick lands in a row of its own, after the synapses
			// of the targets before j, whatever the order of the
			// picks: they are sorted only for the draws of weights or
			// delays, which follow the order of the sources.
			if !constW || !constD {
				slices.Sort(picks)
			}
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
	case Convolution:
		c.Conv.Synapses(func(i, j int, w float64) {
			add(i, j, &Conn{Weight: w, HasWeight: true})
		})
	}
	return nil
}

// placeInputs returns a connector that gives placer pl the synapses of
// projection k from in, the network's inputs, in the order its own
// connector makes them: by target, then in the order drawn (for
// placeable networks, each synapse of a target lands in a row of its
// own, so only the order of targets matters).
func (n *Network) placeInputs(g *Graph, in *Inputs) (func(k int, pl *placer, g *Graph) error, error) {
	if len(in.Start) != g.N+1 || in.Start[g.N] != len(in.Pre) {
		return nil, fmt.Errorf("inputs of %d neurons and %d synapses for a network of %d neurons", len(in.Start)-1, len(in.Pre), g.N)
	}
	// Every projection's inputs of each neuron follow those of the
	// projections before it (Network.Inputs).
	counts := make([]int, g.N)
	for k := range n.Projections {
		post := n.PopulationIndex(n.Projections[k].Post)
		n.projFanIn(k, counts[g.PopStart[post]:g.PopStart[post+1]])
	}
	for i, c := range counts {
		if in.Start[i+1]-in.Start[i] != c {
			return nil, fmt.Errorf("inputs: neuron %d has %d inputs, the network %d", i, in.Start[i+1]-in.Start[i], c)
		}
	}
	// The connectors of a placeable network give every target of a
	// projection the same number of inputs: first, after the
	// projections before it onto the same population, and how many.
	first, count := make([]int, len(n.Projections)), make([]int, len(n.Projections))
	for k := range n.Projections {
		post := n.PopulationIndex(n.Projections[k].Post)
		var one [1]int
		n.projFanIn(k, one[:])
		count[k] = one[0]
		for k2 := range k {
			if n.PopulationIndex(n.Projections[k2].Post) == post {
				first[k] += count[k2]
			}
		}
	}
	return func(k int, pl *placer, g *Graph) error {
		post := n.PopulationIndex(n.Projections[k].Post)
		lo, hi := g.PopStart[post], g.PopStart[post+1]
		w, _, d, _ := n.projConst(k)
		for j := lo; j < hi; j++ {
			from := in.Start[j] + first[k]
			for _, i := range in.Pre[from : from+count[k]] {
				pl.add(i, uint32(j), w, d, uint16(k))
			}
		}
		return nil
	}, nil
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
