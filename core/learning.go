package core

import (
	"math"
	"slices"

	"github.com/spindle-sim/spindle/snn"
)

// The on-core learning engine. Plastic synapses live apart from the static
// ones, in their own CSR by input axon, so that a core without plasticity
// runs the static loops unchanged. A plastic synaptic event is deferred to
// the tick it takes effect (emit + delay): then it transmits the weight
// as it stands at the start of that tick and, after the compartments are
// updated, applies the learning rule. The order of one tick is
//
//  1. transmit: plastic arrivals of tick t add their weight to the input
//  2. the compartments update; spikes of tick t; rate counters count them
//  3. pre arrivals of t: depression by the post trace (spikes of t not yet
//     counted), then the synapse's pre trace takes the arrival
//  4. post spikes of t: potentiation of every incoming plastic synapse by
//     its pre trace (arrivals of t included), then the post trace
//  5. reward: while r != 0, w += lr*r*e(t) for every RSTDP synapse (for a
//     PreBalance rule times its input axon's factor W_i0/W_i, taken from
//     the weights before any update of the tick)
//  6. homeostasis on the ticks t with (t+1) % period == 0, and with
//     OnReward on the ticks of step 5
//  7. ties: the weights of Tied projections follow their source's mean
//     from each input axon, on the ticks whose steps 5 or 6 changed it
//
// Steps 5 to 7 are per-core passes after the synaptic ones (Loihi's
// learning engine applies one sum-of-products rule per synapse; the
// factors, normalisation and ties need sums over an axon or a
// compartment first), and count as learning updates in the cost model.
//
// Each step touches each synapse at most once, so the result does not
// depend on the order of synapses or cores: the dense reference applies
// the same snn.Learner arithmetic and agrees bit for bit in fixed mode.
type learnState struct {
	// The synapses, by projection and compartment, that the learning
	// step walks (snn.Plastic.Learn, shared with the dense reference).
	snn.Plastic[uint16]

	pStart []uint32   // per axon, into the plastic synapses
	dr     []uint16   // delay and receptor, as delayRec
	pend   [][]uint32 // plastic arrivals by ring slot
}

// learnBuild collects plastic synapses in the Builder.
type learnBuild struct {
	learnState
}

// Learn declares the learning rules of the graph's projections, indexed by
// projection (nil for a static one). Call it before BeginAxon.
func (b *Builder) Learn(rules []*snn.Learner) {
	for _, r := range rules {
		if r != nil {
			b.learn = &learnBuild{learnState{Plastic: snn.Plastic[uint16]{Rules: rules}}}
			return
		}
	}
}

func (b *Builder) addPlastic(s int, target uint16, dr uint16) {
	l, g := b.learn, b.g
	w := g.Weight(s)
	if b.c.mode == snn.Fixed {
		w = float64(b.fixedW.Weight(s))
	}
	l.Syn = append(l.Syn, snn.SynState{W: w})
	l.Gid = append(l.Gid, uint32(s))
	l.Target = append(l.Target, target)
	l.dr = append(l.dr, dr)
	l.Proj = append(l.Proj, g.Proj[s])
}

func (b *Builder) finishLearning(ring int64) {
	c, lb := b.c, b.learn
	if lb == nil || len(lb.Syn) == 0 {
		return
	}
	l := &lb.learnState
	l.pStart = append(l.pStart, uint32(len(l.Syn)))
	l.InStart = make([]uint32, c.n+1)
	for _, t := range l.Target {
		l.InStart[t+1]++
	}
	for i := 0; i < c.n; i++ {
		l.InStart[i+1] += l.InStart[i]
	}
	l.InSyn = make([]uint32, len(l.Syn))
	next := append([]uint32(nil), l.InStart[:c.n]...)
	l.PostTrace = make([]snn.Trace, c.n)
	l.PostRule = make([]*snn.Learner, c.n)
	seen := map[*snn.Learner]bool{}
	for k, t := range l.Target {
		l.InSyn[next[t]] = uint32(k)
		next[t]++
		r := l.Rules[l.Proj[k]]
		l.PostRule[t] = r
		if !seen[r] {
			seen[r] = true
			l.Active = append(l.Active, r)
		}
		if r.Rule == snn.RSTDP {
			l.RSTDP = append(l.RSTDP, uint32(k))
		}
	}
	l.Homeo = snn.Homeostats(c.n, func(i int) []uint32 { return l.InSyn[l.InStart[i]:l.InStart[i+1]] }, l.Rules, l.Proj, l.Syn)
	l.Groups = snn.PreGroups(len(l.pStart)-1, func(a int) (int, int) { return int(l.pStart[a]), int(l.pStart[a+1]) }, l.Rules, l.Proj, l.Syn)
	if len(l.Groups) > 0 {
		l.GrpOf = snn.GroupIndex(l.Groups, len(l.Syn))
		l.Tie()
	}
	l.pend = make([][]uint32, ring)
	c.learn = l
}

func (c *Core) deliverPlastic(axon uint32, emit, now int64) {
	l := c.learn
	lo, hi := l.pStart[axon], l.pStart[axon+1]
	if lo == hi {
		return
	}
	c.counters.SynapticEvents += int64(hi - lo)
	for k := lo; k < hi; k++ {
		slot := max(emit+int64(l.dr[k]&delayMask), now) & c.ringMask
		l.pend[slot] = append(l.pend[slot], k)
	}
}

// beforeUpdate adds the plastic arrivals and the sleep noise of tick t to
// the input of the tick.
func (c *Core) beforeUpdate(t int64) {
	n, nr := int64(c.n), int64(c.receptors)
	base := (t & c.ringMask) * nr * n
	c.dirty |= c.slotBits(t) // for the plastic arrivals and the sleep drive
	if l := c.learn; l != nil {
		for _, k := range l.pend[t&c.ringMask] {
			at := base + int64(l.dr[k]>>delayBits)*n + int64(l.Target[k])
			if c.mode == snn.Fixed {
				c.ringX[at] += int64(l.Syn[k].W)
			} else {
				c.ringF[at] += l.Syn[k].W
			}
		}
	}
	if s := c.sleep; s != nil && s.drive != nil {
		for i, p := range s.drive {
			if !snn.DriveDraw(c.seed, c.global[i], t, p) {
				continue
			}
			if c.mode == snn.Fixed {
				c.ringX[base+int64(i)] += s.driveX[i]
			} else {
				c.ringF[base+int64(i)] += s.driveW[i]
			}
		}
	}
}

// learnAfter applies the learning rules of tick t (steps 3 to 7).
func (c *Core) learnAfter(t int64) {
	l := c.learn
	slot := t & c.ringMask
	c.counters.LearningUpdates += l.Learn(t, l.pend[slot], c.spikes, c.rc, c.rates)
	l.pend[slot] = l.pend[slot][:0]
}

// Retie sets the weights of tied projections from their sources, after
// the host changed weights (SetPlasticWeight).
func (c *Core) Retie() {
	if c.learn != nil {
		c.learn.Tie()
	}
}

// Plastic reports whether the core holds plastic synapses.
func (c *Core) Plastic() bool { return c.learn != nil }

// StaticWeight returns static synapse k (in the order the Builder stored
// the core's static synapses): state units in fixed mode, mV in float mode.
func (c *Core) StaticWeight(k int) float64 {
	if c.mode == snn.Fixed {
		return float64(c.fixedStatic(k).w)
	}
	return c.weightF[k]
}

// SetStaticWeight sets static synapse k, in the units of StaticWeight.
func (c *Core) SetStaticWeight(k int, w float64) {
	if c.mode == snn.Fixed {
		c.fixedStatic(k).w = int32(snn.Saturate(int64(math.Round(w))))
	} else {
		c.weightF[k] = w
	}
	c.rows = nil // the row of k may now hold two weights
}

// fixedStatic returns static synapse k in fixed mode, where an axon of
// one synapse holds it in its entry: the axon is found by a binary search
// of the first synapse of each, counted on first use.
func (c *Core) fixedStatic(k int) *fixedSynapse {
	if c.firstK == nil {
		c.firstK = make([]uint32, 0, len(c.axons)+1)
		n := uint32(0)
		for a := range uint32(len(c.axons)) {
			c.firstK = append(c.firstK, n)
			n += uint32(len(c.fixedRow(a)))
		}
		c.firstK = append(c.firstK, n)
	}
	a, _ := slices.BinarySearch(c.firstK, uint32(k)+1)
	a-- // the last axon whose first synapse is k or before
	return &c.fixedRow(uint32(a))[k-int(c.firstK[a])]
}

// PlasticWeight returns plastic synapse k (in the order the Builder stored
// the core's plastic synapses), in the units of StaticWeight.
func (c *Core) PlasticWeight(k int) float64 { return c.learn.Syn[k].W }

// SetPlasticWeight sets plastic synapse k, in the units of StaticWeight.
func (c *Core) SetPlasticWeight(k int, w float64) {
	if c.mode == snn.Fixed {
		w = float64(snn.Saturate(int64(math.Round(w))))
	}
	c.learn.Syn[k].W = w
}

// PlasticSynapse returns the learning state of plastic synapse k and its
// graph synapse id.
func (c *Core) PlasticSynapse(k int) (snn.SynState, uint32) {
	return c.learn.Syn[k], c.learn.Gid[k]
}

// Rate returns the rate counter of compartment i at tick t, in Hz.
func (c *Core) Rate(i int, t int64) float64 { return c.rc.At(c.rates[i], t) }

// Rates returns a copy of the rate counters, for RestoreRates.
func (c *Core) Rates() []snn.Trace { return append([]snn.Trace(nil), c.rates...) }

// RestoreRates puts back counters saved by Rates at tick from as they
// stood then, now at tick to: the ticks between are not counted.
func (c *Core) RestoreRates(saved []snn.Trace, from, to int64) {
	for i, v := range saved {
		c.rates[i] = snn.Trace{V: c.rc.At(v, from), T: to}
	}
}

// sleepState is the on-core part of a sleep phase.
type sleepState struct {
	drive  []float64 // per LIF compartment: noise event probability per tick
	driveW []float64 // float mode: weight of a noise event onto receptor 0, mV
	driveX []int64   // fixed mode: the same in state units
	params []snn.LIFParams
}

// Drive installs on-core Poisson noise: each LIF compartment i fires a
// noise event at tick t with probability p[i] (snn.DriveDraw, keyed by its
// global id and t), which adds w[i] mV (converted to state units in fixed
// mode) to its first receptor. A nil p removes the noise.
func (c *Core) Drive(p, w []float64) {
	if p == nil {
		if c.sleep != nil {
			c.sleep.drive, c.sleep.driveW, c.sleep.driveX = nil, nil, nil
			c.dropSleep()
		}
		return
	}
	s := c.sleepOn()
	s.drive = p[:c.n]
	s.driveW = w[:c.n]
	if c.mode == snn.Fixed {
		s.driveX = make([]int64, c.n)
		for i := range s.driveX {
			s.driveX[i] = int64(c.params[c.profile[i]].ToFixed(w[i]))
		}
	}
}

// ScaleThresholds multiplies the threshold of every LIF compartment by f
// (relative to rest); f = 1 restores the thresholds.
func (c *Core) ScaleThresholds(f float64) {
	if f == 1 {
		if c.sleep != nil && c.sleep.params != nil {
			copy(c.params, c.sleep.params)
			c.sleep.params = nil
			c.dropSleep()
		}
		return
	}
	s := c.sleepOn()
	if s.params == nil {
		s.params = append([]snn.LIFParams(nil), c.params...)
	}
	for i := range c.params {
		p := &c.params[i]
		p.VTh = s.params[i].VTh * f
		p.FVTh = p.ToFixed(p.VTh)
	}
}

func (c *Core) sleepOn() *sleepState {
	if c.sleep == nil {
		c.sleep = &sleepState{}
	}
	return c.sleep
}

func (c *Core) dropSleep() {
	if s := c.sleep; s.drive == nil && s.params == nil {
		c.sleep = nil
	}
}

// Source returns the source index of compartment i, or -1 for a LIF
// compartment.
func (c *Core) Source(i int) int {
	if i < c.n {
		return -1
	}
	return i - c.n
}

// SourcePop returns the population of source k.
func (c *Core) SourcePop(k int) int { return c.sources[k].pop }

// Sources returns the number of input sources on the core.
func (c *Core) Sources() int { return len(c.sources) }

// MuteSource silences (or re-enables) source k: a silenced source
// advances as usual but emits nothing.
func (c *Core) MuteSource(k int, mute bool) { c.sources[k].mute = mute }

// SetPoissonRate changes the per-tick spike probability of Poisson source
// k at tick now (the next tick to simulate): its next spike falls on
// snn.PoissonNext(seed, pop, index, count, p, now) with a fresh draw
// counter, so that a source switched on and off faster than it fires
// still draws a new interval each time. It reports false for a source
// that is not Poisson.
func (c *Core) SetPoissonRate(k int, p float64, now int64) bool {
	s := &c.sources[k]
	if s.ticks != nil {
		return false
	}
	s.prob = p
	if p <= 0 {
		c.srcNext[k] = never
		return true
	}
	s.count++
	c.srcNext[k] = snn.PoissonNext(c.seed, s.pop, s.index, s.count, p, now)
	return true
}
