package core

import (
	"fmt"
	"math"
	"unsafe"

	"github.com/spindle-sim/spindle/snn"
)

// Limits are the capacities of one core. Zero means no limit.
type Limits struct {
	Neurons     int
	InputAxons  int
	OutputAxons int
	Synapses    int
	FanIn       int
	MaxDelay    int
}

// LimitError reports a core that would exceed one of its capacities.
type LimitError struct {
	Core  int
	Limit string // "neurons", "input axons", ...
	Value int
	Max   int
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("core %d: %s %d exceed the limit of %d", e.Core, e.Limit, e.Value, e.Max)
}

// Builder assembles a core: first its neurons, then its input axons with
// their synapses, one presynaptic neuron at a time.
type Builder struct {
	c      *Core
	g      *snn.Graph
	fixedW *snn.FixedQuantiser
	fanIn  []int32
	limits Limits
	outs   int
	maxDel int
	prof   map[int]uint16
	learn  *learnBuild      // nil: no plasticity
	rc     *snn.RateCounter // nil: a counter of its own, of snn.DefaultRateTau
	arena  *Arena           // nil: memory of the core's own
}

// NewBuilder starts core id of graph g. In fixed mode fixedW quantises
// the weights of g's synapses (snn.Graph.FixedQuantiser).
func NewBuilder(id int, g *snn.Graph, mode snn.Mode, fixedW *snn.FixedQuantiser, limits Limits) *Builder {
	return &Builder{
		c:      &Core{id: id, mode: mode.Resolve(g.Net.Mode), seed: g.Net.Seed},
		g:      g,
		fixedW: fixedW,
		limits: limits,
		prof:   map[int]uint16{},
	}
}

// UseArena makes the core take its memory from a, which the other cores
// of the board share. It must be called before AddNeurons.
func (b *Builder) UseArena(a *Arena) {
	c := &a.cores.take(1)[0]
	*c = *b.c
	b.c, b.arena = c, a
}

// AddNeurons places global neurons on the core. LIF neurons take the
// compartments in the order given; sources follow them.
func (b *Builder) AddNeurons(neurons []uint32) error {
	c, g := b.c, b.g
	if lim := b.limits.Neurons; lim > 0 && len(neurons) > lim {
		return &LimitError{c.id, "neurons", len(neurons), lim}
	}
	if len(neurons) > math.MaxUint16+1 {
		return &LimitError{c.id, "neurons", len(neurons), math.MaxUint16 + 1}
	}
	var lif, src []uint32
	for _, id := range neurons {
		if g.Net.Populations[g.PopOf(int(id))].Kind == snn.LIF {
			lif = append(lif, id)
		} else {
			src = append(src, id)
		}
	}
	a := b.arena
	c.n = len(lif)
	c.receptors = 1
	c.profile = grow(a, u16s, c.profile, len(lif))
	for _, id := range lif {
		pop := g.PopOf(int(id))
		p, ok := b.prof[pop]
		if !ok {
			p = uint16(len(c.params))
			b.prof[pop] = p
			c.params = append(c.params, g.Params[pop])
			c.receptors = max(c.receptors, g.Params[pop].Receptors)
		}
		c.profile = append(c.profile, p)
		if k := len(c.segments) - 1; k >= 0 && c.segments[k].prof == p {
			c.segments[k].hi++
		} else {
			c.segments = append(c.segments, segment{lo: len(c.profile) - 1, hi: len(c.profile), prof: p})
		}
	}
	c.global = append(append(grow(a, u32s, c.global, len(lif)+len(src)), lif...), src...)
	c.rates = take(a, traces, len(c.global))
	c.ref = take(a, i32s, c.n)
	b.fanIn = make([]int32, c.n)
	if c.mode == snn.Fixed {
		c.sumX = take(a, i64s, c.n)
		c.vX = take(a, i32s, c.n)
		c.curX = take(a, i32s, c.n*c.receptors)
		for i, id := range lif {
			c.vX[i] = g.FixedVInit(int(id))
		}
	} else {
		c.sumF = take(a, f64s, c.n)
		c.vF = take(a, f64s, c.n)
		c.curF = take(a, f64s, c.n*c.receptors)
		for i, id := range lif {
			c.vF[i] = g.VInit[id]
		}
	}
	c.srcNext = grow(a, i64s, c.srcNext, len(src))
	for _, id := range src {
		pop := g.PopOf(int(id))
		s := source{pop: pop, index: int(id) - g.PopStart[pop]}
		next := never
		if g.Net.Populations[pop].Kind == snn.Poisson {
			s.prob = g.PoissonP(pop)
			if s.prob > 0 {
				next = snn.PoissonInterval(c.seed, pop, s.index, 0, s.prob) - 1
			}
		} else {
			s.ticks = g.SourceTicks(pop, s.index)
			if len(s.ticks) > 0 {
				next = s.ticks[0]
			}
		}
		c.sources = append(c.sources, s)
		c.srcNext = append(c.srcNext, next)
	}
	return nil
}

// Compartments returns the global neuron ids of the compartments placed so
// far, in compartment order: LIF neurons first, then sources.
func (b *Builder) Compartments() []uint32 { return b.c.global }

// BeginAxon opens a new input axon and returns its number; the synapses
// added next belong to it.
func (b *Builder) BeginAxon() uint32 {
	if b.learn != nil {
		b.learn.pStart = append(b.learn.pStart, uint32(len(b.learn.Syn)))
	}
	return b.c.openAxon()
}

// openAxon closes the axon opened last and opens the next: a run of the
// static synapses stored from now on, which closeAxon counts.
func (c *Core) openAxon() uint32 {
	c.closeAxon()
	c.axons = append(c.axons, axonRun(c.stored(), 0))
	return uint32(len(c.axons) - 1)
}

// stored returns the length of the core's static synapse arrays.
func (c *Core) stored() int {
	if c.mode == snn.Fixed {
		return len(c.synX)
	}
	return len(c.target)
}

// closeAxon ends the run of the axon opened last, which holds the static
// synapses stored since; in fixed mode an axon of one synapse takes it
// into its entry.
func (c *Core) closeAxon() {
	a := len(c.axons) - 1
	if a < 0 {
		return
	}
	lo, _ := c.axons[a].run()
	n := c.stored() - int(lo)
	if n == 1 && c.mode == snn.Fixed {
		c.axons[a], c.synX = c.synX[lo], c.synX[:lo]
		return
	}
	c.axons[a] = axonRun(int(lo), n)
}

// ShareRates makes the core count its neurons' rates with rc, which other
// cores may share: each counter holds a table of 32 KB, which on a board of
// 50,000 cores would take 1.6 GB.
func (b *Builder) ShareRates(rc *snn.RateCounter) { b.rc = rc }

// Reserve makes room for synapses more static synapses on axons more input
// axons, so that the memory of a large core is allocated once, at its
// size, rather than grown by copying as BeginAxon and AddSynapse append.
func (b *Builder) Reserve(synapses, axons int) {
	c, a := b.c, b.arena
	c.axons = grow(a, fixedSynapses, c.axons, axons)
	if c.mode == snn.Fixed {
		// An axon of one synapse holds it in its entry (closeAxon). Unless
		// some synapses are plastic, every axon has a static synapse, so
		// at most 2(synapses-axons) lie in runs: room for all would be
		// memory touched for nothing (the arena's huge pages are resident
		// once any of their bytes is written).
		runs := synapses
		if b.learn == nil {
			runs = min(synapses, 2*max(0, synapses-axons))
		}
		c.synX = grow(a, fixedSynapses, c.synX, runs)
	} else {
		c.target = grow(a, u16s, c.target, synapses)
		c.delayRec = grow(a, u16s, c.delayRec, synapses)
		c.weightF = grow(a, f64s, c.weightF, synapses)
	}
}

// AddSynapse stores synapse s of the graph, whose target is compartment
// target of this core, on the axon opened last.
func (b *Builder) AddSynapse(s int, target uint16) {
	c, g := b.c, b.g
	d := int(g.Delay(s))
	b.maxDel = max(b.maxDel, d)
	b.fanIn[target]++
	if b.learn != nil && b.learn.Rules[g.Proj[s]] != nil {
		b.addPlastic(s, target, uint16(min(d, MaxDelay))|uint16(g.Receptor(s))<<delayBits)
		return
	}
	dr := uint16(min(d, MaxDelay)) | uint16(g.Receptor(s))<<delayBits
	if c.mode == snn.Fixed {
		c.store(target, dr, b.fixedW.Weight(s), 0)
	} else {
		c.store(target, dr, 0, g.Weight(s))
	}
}

// store appends a static synapse to the axon opened last: weight wX in
// fixed mode, wF in float mode.
func (c *Core) store(target, dr uint16, wX int32, wF float64) {
	c.nStatic++
	if c.mode == snn.Fixed {
		c.synX = append(c.synX, fixedSynapse{target, dr, wX})
		return
	}
	c.target = append(c.target, target)
	c.delayRec = append(c.delayRec, dr)
	c.weightF = append(c.weightF, wF)
}

// ProjSynapses holds, for a graph whose synapses take their projection's
// weight and delay (snn.Graph.ProjSynapse), what a core stores of a
// synapse of each projection but its target, computed once for every
// core of a board: the builders then add a synapse from its projection
// and target alone (AddProjSynapse), without reading the graph.
type ProjSynapses struct {
	delay []uint16 // ticks, before the ring's limit
	dr    []uint16 // delay and receptor, as stored
	wX    []int32  // fixed mode
	wF    []float64
}

// NewProjSynapses returns the synapses of g's projections as cores of
// the given mode store them, fixedW quantising fixed-mode weights, or nil
// when g stores a weight or a delay per synapse.
func NewProjSynapses(g *snn.Graph, mode snn.Mode, fixedW *snn.FixedQuantiser) *ProjSynapses {
	n := len(g.Net.Projections)
	p := &ProjSynapses{delay: make([]uint16, n), dr: make([]uint16, n)}
	fixed := mode.Resolve(g.Net.Mode) == snn.Fixed
	if fixed {
		p.wX = make([]int32, n)
	} else {
		p.wF = make([]float64, n)
	}
	for k := range n {
		w, d, rec, ok := g.ProjSynapse(k)
		if !ok {
			return nil
		}
		p.delay[k] = d
		p.dr[k] = uint16(min(int(d), MaxDelay)) | uint16(rec)<<delayBits
		if fixed {
			p.wX[k] = fixedW.Quantise(w, k)
		} else {
			p.wF[k] = w
		}
	}
	return p
}

// AddProjSynapse stores a static synapse of projection proj, whose target
// is compartment target of this core, on the axon opened last: the same
// as AddSynapse of that synapse, for a core without plasticity and p of
// its graph.
func (b *Builder) AddProjSynapse(p *ProjSynapses, proj, target uint16) {
	c := b.c
	b.maxDel = max(b.maxDel, int(p.delay[proj]))
	b.fanIn[target]++
	if c.mode == snn.Fixed {
		c.store(target, p.dr[proj], p.wX[proj], 0)
	} else {
		c.store(target, p.dr[proj], 0, p.wF[proj])
	}
}

// AddOutputs counts output axons: routes from a compartment of this core
// to other cores.
func (b *Builder) AddOutputs(n int) { b.outs += n }

// Finish checks every limit and returns the core.
func (b *Builder) Finish() (*Core, error) {
	c := b.c
	c.closeAxon()
	c.outputs = b.outs
	c.rc = b.rc
	if c.rc == nil {
		c.rc = snn.NewRateCounter(b.g.Net.Dt, 0)
	}
	nsyn := c.Synapses()
	if b.learn != nil {
		nsyn += len(b.learn.Syn)
	}
	l := b.limits
	checks := []struct {
		name     string
		val, max int
	}{
		{"input axons", c.Axons(), l.InputAxons},
		{"output axons", b.outs, l.OutputAxons},
		{"synapses", nsyn, l.Synapses},
		{"delay ticks", b.maxDel, l.MaxDelay},
	}
	for _, k := range checks {
		if k.max > 0 && k.val > k.max {
			return nil, &LimitError{c.id, k.name, k.val, k.max}
		}
	}
	if b.maxDel > MaxDelay {
		return nil, &LimitError{c.id, "delay ticks", b.maxDel, MaxDelay}
	}
	if l.FanIn > 0 {
		for i, f := range b.fanIn {
			if int(f) > l.FanIn {
				return nil, fmt.Errorf("core %d: neuron %d: fan-in %d exceeds the limit of %d", c.id, c.global[i], f, l.FanIn)
			}
		}
	}
	c.uniformRows = c.rowsUniform()
	if c.uniformRows {
		c.rows = c.uniformWeights()
	}
	size := ringSize(b.maxDel)
	c.ringMask = size - 1
	c.track = size*int64(c.receptors) <= 64
	if !c.track {
		c.dirty = ^uint64(0)
	}
	if c.mode == snn.Fixed {
		c.ringX = take(b.arena, i64s, int(size)*c.receptors*c.n)
	} else {
		c.ringF = take(b.arena, f64s, int(size)*c.receptors*c.n)
	}
	b.finishLearning(size)
	return c, nil
}

// uniformWeights returns the table of rows of a core whose rows each have
// one delay and receptor (rowsUniform), if each row also has one weight,
// bit for bit, and fewer than 65,536 synapses; else nil.
// It also returns nil where the table would be large beside the synapses
// it stands for (a quarter of their bytes): on a board of short rows the
// entries would take more cache than they save.
func (c *Core) uniformWeights() *rowTable {
	axons, bytes := c.Axons(), c.static()*12 // a target, a delay and receptor, a weight
	if c.mode == snn.Fixed {
		bytes = c.static() * int(unsafe.Sizeof(fixedSynapse{}))
	}
	if axons*int(unsafe.Sizeof(uniformRow{}))*4 > bytes {
		return nil
	}
	rows := make([]uniformRow, axons)
	if c.mode != snn.Fixed {
		for a := range rows {
			lo, hi := c.axons[a].run()
			if hi-lo > math.MaxUint16 {
				return nil
			}
			rows[a] = uniformRow{lo: lo, n: uint16(hi - lo)}
			if lo == hi {
				continue
			}
			w := c.weightF[lo]
			for _, x := range c.weightF[lo+1 : hi] {
				if math.Float64bits(x) != math.Float64bits(w) {
					return nil
				}
			}
			rows[a].w, rows[a].dr = w, c.delayRec[lo]
		}
		return &rowTable{rows, c.target}
	}
	targets := make([]uint16, 0, c.static())
	for a := range rows {
		syn := c.fixedRow(uint32(a))
		if len(syn) > math.MaxUint16 {
			return nil
		}
		rows[a] = uniformRow{lo: uint32(len(targets)), n: uint16(len(syn))}
		for _, s := range syn {
			if s.w != syn[0].w {
				return nil
			}
			targets = append(targets, s.target)
		}
		if len(syn) > 0 {
			rows[a].w, rows[a].dr = float64(syn[0].w), syn[0].dr
		}
	}
	return &rowTable{rows, targets}
}

// rowsUniform reports whether the static synapses of every input axon
// have one delay and receptor.
func (c *Core) rowsUniform() bool {
	for a := range uint32(c.Axons()) {
		var dr []uint16
		if c.mode == snn.Fixed {
			syn := c.fixedRow(a)
			for k := 1; k < len(syn); k++ {
				if syn[k].dr != syn[0].dr {
					return false
				}
			}
			continue
		}
		lo, hi := c.axons[a].run()
		dr = c.delayRec[lo:hi]
		for _, d := range dr {
			if d != dr[0] {
				return false
			}
		}
	}
	return true
}
