package core

import (
	"math/bits"

	"github.com/spindle-sim/spindle/snn"
)

// Synapses pack their delay and receptor into 16 bits: the low delayBits
// hold the delay in ticks, the rest the receptor.
const (
	delayBits = 12
	delayMask = 1<<delayBits - 1
	// MaxDelay is the longest synaptic delay a core stores, in ticks.
	MaxDelay = delayMask
)

// Core is one simulated neuromorphic core. Its LIF compartments are
// numbered 0..LIF()-1 and its sources after them, in the order they were
// added to the Builder.
type Core struct {
	// What every tick's deliveries and update read comes first, in as few
	// cache lines as it fits: a large board's tick reads the fields of
	// tens of thousands of cores, each a cache miss (see Warm).
	mode        snn.Mode
	uniformRows bool // see Builder.Finish
	// track is set when dirty is kept: it has bit slot*receptors+r set
	// when the ring's slot may hold input for receptor r; after the
	// update reads a slot, only those are cleared. Clearing was a third
	// of the stores of the neuron update, and in a sparse network most
	// slots receive nothing (in CUBA the inhibitory receptor's, two ticks
	// in three). A ring of more than 64 slots and receptors is not
	// tracked: dirty stays all ones.
	track     bool
	dirty     uint64
	n         int // LIF compartments
	receptors int
	ringMask  int64
	learn     *learnState // nil when no synapse of the core is plastic
	sleep     *sleepState // nil outside a sleep phase
	// Synapse memory by input axon: in fixed mode one array of 8-byte
	// synapses, so that a row lies in one run of memory (a packet's
	// synapses in one cache line, mostly); in float mode three arrays.
	// axons has an entry per input axon (see axonRun); in fixed mode the
	// entry of an axon of one synapse is that synapse. On a large board
	// nearly every axon has one synapse: delivery then reads the entry
	// alone, a cache miss a packet less, and the synapse takes no memory
	// beyond its entry.
	axons []fixedSynapse
	// rows is the table of rows when every axon's static synapses share
	// one delay, receptor and weight (uniformWeights), else nil. A pointer,
	// so that these fields stay in as few lines on a board without one.
	rows     *rowTable
	ringF    []float64 // ring[(slot*receptors+r)*n+i]
	ringX    []int64   // fixed mode sums exactly, then saturates
	counters Counters

	// LIF compartments.
	segments []segment
	params   []snn.LIFParams
	ref      []int32
	vF, curF []float64 // curF[r*n+i]
	vX, curX []int32
	spikes   []uint16
	srcNext  []int64 // per input source, the tick of its next spike apart from the rest; a large value when none

	synX     []fixedSynapse
	nStatic  int      // static synapses
	firstK   []uint32 // built on first use: the first static synapse of each axon
	target   []uint16
	delayRec []uint16
	weightF  []float64
	profile  []uint16
	sumF     []float64 // per-compartment scratch: the summed currents
	sumX     []int64

	id   int
	seed uint64 // of the network, for the counter-based Poisson draws

	// Input sources: every tick scans srcNext, and on a board of 100,000
	// sources the scan read them whole.
	sources []source

	outputs int // output axons: routes from this core's compartments

	global []uint32 // global neuron id per compartment, LIF first

	// Rate counters, per compartment (sources included): updated only
	// when a compartment spikes (core/learning.go).
	rc    *snn.RateCounter
	rates []snn.Trace
}

// source is a Poisson generator or a spike array.
type source struct {
	count uint64  // spikes so far, the counter of the Poisson draw
	prob  float64 // Poisson probability per tick; 0 for spike arrays
	pop   int
	index int
	ticks []int64
	mute  bool // silenced: the source advances but emits nothing
}

// Counters accumulate the work a core has done.
type Counters struct {
	SynapticEvents int64 // synapses walked by Deliver
	NeuronUpdates  int64 // compartments advanced by Update
	Spikes         int64
	// LearningUpdates counts the synapses visited by the learning
	// engine's per-core passes: reward updates, presynaptic factors,
	// homeostatic normalisation and ties (core/learning.go).
	LearningUpdates int64
}

// ID returns the core's number on the board.
func (c *Core) ID() int { return c.id }

// LIF returns the number of LIF compartments, numbered 0..LIF()-1.
func (c *Core) LIF() int { return c.n }

// Compartments returns the number of neurons the core holds, sources included.
func (c *Core) Compartments() int { return len(c.global) }

// Global returns the global neuron id of compartment i.
func (c *Core) Global(i int) uint32 { return c.global[i] }

// Axons returns the number of input axons.
func (c *Core) Axons() int { return len(c.axons) }

// OutputAxons returns the number of routes from this core's compartments
// to destination cores.
func (c *Core) OutputAxons() int { return c.outputs }

// fixedSynapse is a static synapse in fixed mode: its target
// compartment, its delay and receptor packed as delayBits and the rest,
// and its weight in state units.
type fixedSynapse struct {
	target, dr uint16
	w          int32
}

// rowTable has an entry per input axon of a core whose rows each have one
// delay, receptor and weight, with those and the axon's run of targets:
// delivery then reads the entry and the targets, not the delays and
// weights (CUBA: two cache lines a packet instead of five in float mode,
// three in fixed).
type rowTable struct {
	rows    []uniformRow
	targets []uint16 // Core.target in float mode, a copy in fixed mode
}

// uniformRow is what every static synapse of an input axon shares, and
// the axon's run of targets, rowTable.targets[lo:lo+n]. A fixed-mode
// weight, an int32, is held exactly as a float64.
type uniformRow struct {
	w  float64
	lo uint32
	n  uint16
	dr uint16
}

// An entry of Core.axons with runBit set in dr names a run of the core's
// synapse arrays, its first synapse in w and its length in target and
// the rest of dr; no synapse's dr has the bit (12 bits of delay, 3 of
// receptor: snn.MaxReceptors is 8).
const runBit = 1 << 15

func axonRun(lo, n int) fixedSynapse {
	return fixedSynapse{target: uint16(n), dr: runBit | uint16(n>>16), w: int32(uint32(lo))}
}

// run returns the run an entry of Core.axons names.
func (e fixedSynapse) run() (lo, hi uint32) {
	lo = uint32(e.w)
	return lo, lo + (uint32(e.dr&^runBit)<<16 | uint32(e.target))
}

// fixedRow returns the static synapses of input axon a in fixed mode.
func (c *Core) fixedRow(a uint32) []fixedSynapse {
	if c.axons[a].dr&runBit == 0 {
		return c.axons[a : a+1 : a+1] // the synapse itself
	}
	lo, hi := c.axons[a].run()
	return c.synX[lo:hi]
}

// static returns the number of static synapses stored.
func (c *Core) static() int { return c.nStatic }

// Synapses returns the number of synapses stored.
func (c *Core) Synapses() int {
	if c.learn != nil {
		return c.static() + len(c.learn.Syn)
	}
	return c.static()
}

// AxonSynapses returns the number of static synapses of input axon a.
func (c *Core) AxonSynapses(a uint32) int {
	if c.mode == snn.Fixed {
		return len(c.fixedRow(a))
	}
	lo, hi := c.axons[a].run()
	return int(hi - lo)
}

// Counters returns the work done so far.
func (c *Core) Counters() Counters { return c.counters }

// Deliver adds the synapses of input axon to the ring buffer. The packet
// was emitted at tick emit and arrives at tick now; a synapse with delay d
// takes effect at tick emit+d, or now if that has passed (a late packet).
func (c *Core) Deliver(axon uint32, emit, now int64) {
	if c.learn != nil {
		c.deliverPlastic(axon, emit, now)
	}
	n := c.n
	if tab := c.rows; tab != nil {
		r := tab.rows[axon]
		c.counters.SynapticEvents += int64(r.n)
		if r.n == 0 {
			return
		}
		at := max(emit+int64(r.dr&delayMask), now)
		slot := c.written(at, r.dr) * int64(n)
		targets := tab.targets[r.lo : r.lo+uint32(r.n)]
		if c.mode == snn.Fixed {
			row, w := c.ringX[slot:slot+int64(n)], int64(r.w)
			for _, t := range targets {
				row[t] += w
			}
			return
		}
		row := c.ringF[slot : slot+int64(n)]
		for _, t := range targets {
			row[t] += r.w
		}
		return
	}
	if c.mode == snn.Fixed {
		syn := c.fixedRow(axon)
		c.counters.SynapticEvents += int64(len(syn))
		if c.uniformRows && len(syn) > 0 {
			// One delay and receptor for the row: one slot of the ring.
			at := max(emit+int64(syn[0].dr&delayMask), now)
			sr := c.written(at, syn[0].dr)
			slot := sr * int64(n)
			row := c.ringX[slot : slot+int64(n)]
			for _, s := range syn {
				row[s.target] += int64(s.w)
			}
			return
		}
		ring := c.ringX
		for _, s := range syn {
			at := max(emit+int64(s.dr&delayMask), now)
			sr := c.written(at, s.dr)
			ring[sr*int64(n)+int64(s.target)] += int64(s.w)
		}
		return
	}
	lo, hi := c.axons[axon].run()
	c.counters.SynapticEvents += int64(hi - lo)
	target, dr, w := c.target[lo:hi], c.delayRec[lo:hi], c.weightF[lo:hi]
	if c.uniformRows && lo < hi {
		at := max(emit+int64(dr[0]&delayMask), now)
		sr := c.written(at, dr[0])
		slot := sr * int64(n)
		row := c.ringF[slot : slot+int64(n)]
		for k, t := range target {
			row[t] += w[k]
		}
		return
	}
	ring := c.ringF
	for k, t := range target {
		at := max(emit+int64(dr[k]&delayMask), now)
		sr := c.written(at, dr[k])
		ring[sr*int64(n)+int64(t)] += w[k]
	}
}

// WarmBatch is the most packets Warm takes at once.
const WarmBatch = 32

// Warm reads, for each packet j of a batch of at most WarmBatch, what
// cores[j].Deliver(axons[j], emits[j], now) will read first: the axon's
// entry, or its row in the core's table of rows, then its first synapse
// or target, then that synapse's ring slot. Delivery chases pointers
// from the core to the row to the ring, and on a board whose memory is far
// larger than the caches each step misses; one packet at a time, the
// misses follow one another. Warm takes the batch a step at a time, so
// that the misses of one step, independent of each other, overlap. The
// result means nothing; it is returned so that the reads are kept.
func Warm(cores []*Core, axons []uint32, emits []int64, now int64) int64 {
	var entry [WarmBatch]fixedSynapse
	var row [WarmBatch]uniformRow
	var slot [WarmBatch]int64
	n := min(len(cores), len(axons), len(emits), WarmBatch)
	var tab [WarmBatch][]fixedSynapse
	var rows [WarmBatch]*rowTable
	for j := range n {
		tab[j], rows[j] = cores[j].axons, cores[j].rows
	}
	for j := range n {
		if rows[j] != nil {
			row[j] = rows[j].rows[axons[j]]
		} else {
			entry[j] = tab[j][axons[j]]
		}
	}
	for j := range n {
		c, e := cores[j], entry[j]
		slot[j] = -1
		var t, dr uint16
		switch lo, hi := e.run(); {
		case rows[j] != nil:
			if row[j].n == 0 {
				continue
			}
			t, dr = rows[j].targets[row[j].lo], row[j].dr
		case e.dr&runBit == 0: // the synapse itself
			t, dr = e.target, e.dr
		case lo == hi:
			continue
		case c.mode == snn.Fixed:
			t, dr = c.synX[lo].target, c.synX[lo].dr
		default:
			t, dr = c.target[lo], c.delayRec[lo]
		}
		at := max(emits[j]+int64(dr&delayMask), now)
		slot[j] = ((at&c.ringMask)*int64(c.receptors)+int64(dr>>delayBits))*int64(c.n) + int64(t)
	}
	var sum int64
	for j := range n {
		c, s := cores[j], slot[j]
		switch {
		case s < 0:
		case c.mode == snn.Fixed:
			sum += c.ringX[s] // the weight lies beside the target (or in the row), read above
		case rows[j] != nil:
			sum += int64(c.ringF[s]) // the weight is the row's, read above
		default:
			lo, _ := entry[j].run()
			sum += int64(c.ringF[s] + c.weightF[lo])
		}
	}
	return sum
}

// DeliverCount is Deliver for a graded spike of count spikes: every
// synapse of the axon adds count times its weight, exactly (an integer
// product in fixed mode), and is walked once.
func (c *Core) DeliverCount(axon uint32, emit, now, count int64) {
	if count <= 1 {
		c.Deliver(axon, emit, now)
		return
	}
	if c.learn != nil {
		// Plastic synapses take their arrivals one spike at a time.
		for range count {
			c.Deliver(axon, emit, now)
		}
		return
	}
	n := c.n
	if c.mode == snn.Fixed {
		syn := c.fixedRow(axon)
		c.counters.SynapticEvents += int64(len(syn))
		for _, s := range syn {
			at := max(emit+int64(s.dr&delayMask), now)
			sr := c.written(at, s.dr)
			c.ringX[sr*int64(n)+int64(s.target)] += int64(s.w) * count
		}
		return
	}
	lo, hi := c.axons[axon].run()
	c.counters.SynapticEvents += int64(hi - lo)
	target, dr := c.target[lo:hi], c.delayRec[lo:hi]
	w, f := c.weightF[lo:hi], float64(count)
	for k, t := range target {
		at := max(emit+int64(dr[k]&delayMask), now)
		sr := c.written(at, dr[k])
		c.ringF[sr*int64(n)+int64(t)] += float64(w[k] * f) // rounded before the sum: no fused multiply-add
	}
}

// DeliverRange is Deliver for the synapses of input axon that end on
// compartments from..to-1 of a Splittable core; it returns their number
// instead of counting them, and leaves the ring's slots unmarked (see
// FinishRanges), so that disjoint ranges may run concurrently.
func (c *Core) DeliverRange(axon uint32, emit, now int64, from, to int) int64 {
	return c.DeliverRangeCount(axon, emit, now, from, to, 1)
}

// DeliverRangeCount is DeliverRange for a graded spike of count spikes
// (see DeliverCount).
func (c *Core) DeliverRangeCount(axon uint32, emit, now int64, from, to int, count int64) int64 {
	n, mask, nr := c.n, c.ringMask, c.receptors
	f, e := uint16(from), uint16(to-1)
	var events int64
	if c.mode == snn.Fixed {
		for _, s := range c.fixedRow(axon) {
			if s.target < f || s.target > e {
				continue
			}
			events++
			at := max(emit+int64(s.dr&delayMask), now)
			c.ringX[((at&mask)*int64(nr)+int64(s.dr>>delayBits))*int64(n)+int64(s.target)] += int64(s.w) * count
		}
		return events
	}
	lo, hi := c.axons[axon].run()
	target, dr := c.target[lo:hi], c.delayRec[lo:hi]
	w := c.weightF[lo:hi]
	if count == 1 {
		for k, t := range target {
			if t < f || t > e {
				continue
			}
			events++
			at := max(emit+int64(dr[k]&delayMask), now)
			c.ringF[((at&mask)*int64(nr)+int64(dr[k]>>delayBits))*int64(n)+int64(t)] += w[k]
		}
		return events
	}
	fc := float64(count)
	for k, t := range target {
		if t < f || t > e {
			continue
		}
		events++
		at := max(emit+int64(dr[k]&delayMask), now)
		c.ringF[((at&mask)*int64(nr)+int64(dr[k]>>delayBits))*int64(n)+int64(t)] += float64(w[k] * fc)
	}
	return events
}

// Update advances every compartment to the end of tick t and returns the
// compartments that spiked, ascending. The slice is reused by the next call.
func (c *Core) Update(t int64) []uint16 {
	if c.learn != nil || c.sleep != nil {
		c.beforeUpdate(t)
	}
	var updated int64
	c.spikes, updated = c.updateRange(t, 0, c.n, c.spikes[:0], false)
	if c.track {
		c.dirty &^= c.slotBits(t)
	}
	c.counters.NeuronUpdates += updated
	c.finish(t)
	if c.learn != nil {
		c.learnAfter(t)
	}
	return c.spikes
}

// Splittable reports whether UpdateRange may share the core's update
// among goroutines: not while it learns or is driven by sleep noise,
// whose bookkeeping spans the whole core.
func (c *Core) Splittable() bool { return c.learn == nil && c.sleep == nil }

// UpdateRange advances LIF compartments from..to-1 of a Splittable core
// to the end of tick t, appends those that spiked to spikes, and returns
// it with the number of compartments updated. Disjoint ranges may run
// concurrently, each after its DeliverRange calls of the tick; then
// FinishRanges completes the tick.
func (c *Core) UpdateRange(t int64, from, to int, spikes []uint16) ([]uint16, int64) {
	return c.updateRange(t, from, to, spikes, true)
}

// FinishRanges completes a tick updated by ranges: spikes holds the spikes
// of every range in compartment order, events and updated the ranges'
// synaptic events and updated compartments. It returns the core's spikes,
// the sources' included, as Update does.
func (c *Core) FinishRanges(t int64, spikes []uint16, events, updated int64) []uint16 {
	// DeliverRange marked none of the slots it wrote.
	c.dirty = ^uint64(0)
	c.counters.NeuronUpdates += updated
	c.counters.SynapticEvents += events
	c.spikes = append(c.spikes[:0], spikes...)
	c.finish(t)
	return c.spikes
}

// finish adds the sources' spikes to c.spikes and counts the tick.
func (c *Core) finish(t int64) {
	c.updateSources(t)
	c.counters.Spikes += int64(len(c.spikes))
	for _, k := range c.spikes {
		c.rc.Spike(&c.rates[k], t)
	}
}

// segment is a run of compartments sharing one parameter profile; the
// update loops hoist the profile's constants out of the run.
type segment struct {
	lo, hi int
	prof   uint16
}

// updateRange advances compartments from..to-1, consuming their part of
// the tick's ring slot, and clears that part for the receptors whose
// input it may hold: all of them when all is set.
func (c *Core) updateRange(t int64, from, to int, spikes []uint16, all bool) ([]uint16, int64) {
	n, nr := c.n, c.receptors
	var updated int64
	if c.mode == snn.Fixed {
		ring := c.ringX[(t&c.ringMask)*int64(nr*n):][:nr*n]
		switch nr {
		case 1:
			spikes, updated = c.updateFixed1(ring, from, to, spikes)
		case 2:
			spikes, updated = c.updateFixed2(ring, from, to, spikes)
		default:
			spikes, updated = c.updateFixedN(ring, from, to, spikes)
		}
		clearRead(c, ring, t, from, to, all)
		return spikes, updated
	}
	ring := c.ringF[(t&c.ringMask)*int64(nr*n):][:nr*n]
	switch nr {
	case 1:
		spikes, updated = c.updateFloat1(ring, from, to, spikes)
	case 2:
		spikes, updated = c.updateFloat2(ring, from, to, spikes)
	default:
		spikes, updated = c.updateFloatN(ring, from, to, spikes)
	}
	clearRead(c, ring, t, from, to, all)
	return spikes, updated
}

// clearRead clears compartments from..to-1 of ring, the slot of tick t
// the update has read, for each receptor whose input it may hold: all of
// them when all is set.
func clearRead[T int64 | float64](c *Core, ring []T, t int64, from, to int, all bool) {
	for r := range c.receptors {
		if all || c.mayHold(t, r) {
			clear(ring[r*c.n+from : r*c.n+to])
		}
	}
}

// written returns the row of the ring that holds the input of tick at
// for the receptor of dr, slot*receptors+receptor, and marks it written
// (dirty).
func (c *Core) written(at int64, dr uint16) int64 {
	sr := (at&c.ringMask)*int64(c.receptors) + int64(dr>>delayBits)
	c.dirty |= 1 << (sr & 63)
	return sr
}

// slotBits returns the dirty bits of the receptors of the ring's slot for
// tick t.
func (c *Core) slotBits(t int64) uint64 {
	return (1<<c.receptors - 1) << ((t & c.ringMask) * int64(c.receptors) & 63)
}

// mayHold reports whether the ring's slot for tick t may hold input for
// receptor r.
func (c *Core) mayHold(t int64, r int) bool {
	return c.dirty>>(((t&c.ringMask)*int64(c.receptors)+int64(r))&63)&1 != 0
}

// The float loops round every product before adding (the float64
// conversions): a fused multiply-add, which the compiler may otherwise
// emit for GOAMD64=v3 and other architectures, would round differently
// from the vector kernels and from the dense reference.

// updateFloat2 is updateFloatN fused into one pass for the common case of
// two receptors (excitatory and inhibitory), the hottest loop of a run. It
// reads the ring slot; updateRange clears it.
func (c *Core) updateFloat2(ring []float64, from, to int, spikes []uint16) ([]uint16, int64) {
	n := c.n
	for _, sg := range c.segments {
		s0, s1 := max(sg.lo, from), min(sg.hi, to)
		if s0 >= s1 {
			continue
		}
		p := &c.params[sg.prof]
		var done int
		done, spikes = floatVec(p, s0, c.vF[s0:s1], c.curF[s0:s1], c.curF[n+s0:n+s1],
			ring[s0:s1], ring[n+s0:n+s1], c.ref[s0:s1], spikes)
		if s0 += done; s0 == s1 {
			continue
		}
		keepV, gainV, bias, vth, vreset, refTicks := p.KeepV, p.GainV, p.Bias, p.VTh, p.VReset, p.RefTicks
		k0, k1 := p.KeepI[0], p.KeepI[1]
		v := c.vF[s0:s1]
		ref := c.ref[s0:s1][:len(v)]
		c0, c1 := c.curF[s0:s1][:len(v)], c.curF[n+s0 : n+s1][:len(v)]
		in0, in1 := ring[s0:s1][:len(v)], ring[n+s0 : n+s1][:len(v)]
		for i, x := range v {
			a := snn.CurrentFloat(c0[i], k0, in0[i])
			b := snn.CurrentFloat(c1[i], k1, in1[i])
			c0[i], c1[i] = a, b
			if ref[i] > 0 {
				ref[i]--
				continue
			}
			x, fired := snn.MembraneFloat(x, a+b, keepV, gainV, bias, vth, vreset)
			if fired {
				ref[i] = refTicks
				spikes = append(spikes, uint16(s0+i))
			}
			v[i] = x
		}
	}
	return spikes, int64(to - from)
}

// updateFloat1 is updateFloatN fused into one pass for one receptor.
func (c *Core) updateFloat1(ring []float64, from, to int, spikes []uint16) ([]uint16, int64) {
	for _, sg := range c.segments {
		s0, s1 := max(sg.lo, from), min(sg.hi, to)
		if s0 >= s1 {
			continue
		}
		p := &c.params[sg.prof]
		var done int
		done, spikes = floatVec(p, s0, c.vF[s0:s1], c.curF[s0:s1], nil, ring[s0:s1], nil, c.ref[s0:s1], spikes)
		if s0 += done; s0 == s1 {
			continue
		}
		keepV, gainV, bias, vth, vreset, refTicks := p.KeepV, p.GainV, p.Bias, p.VTh, p.VReset, p.RefTicks
		k0 := p.KeepI[0]
		v := c.vF[s0:s1]
		ref := c.ref[s0:s1][:len(v)]
		c0, in0 := c.curF[s0:s1][:len(v)], ring[s0:s1][:len(v)]
		for i, x := range v {
			a := snn.CurrentFloat(c0[i], k0, in0[i])
			c0[i] = a
			if ref[i] > 0 {
				ref[i]--
				continue
			}
			x, fired := snn.MembraneFloat(x, a, keepV, gainV, bias, vth, vreset)
			if fired {
				ref[i] = refTicks
				spikes = append(spikes, uint16(s0+i))
			}
			v[i] = x
		}
	}
	return spikes, int64(to - from)
}

// updateFloatN advances the currents receptor by receptor, summing them,
// then the membranes.
func (c *Core) updateFloatN(ring []float64, from, to int, spikes []uint16) ([]uint16, int64) {
	n, nr := c.n, c.receptors
	sum := c.sumF[:n]
	for r := 0; r < nr; r++ {
		cur, in := c.curF[r*n:(r+1)*n], ring[r*n:(r+1)*n]
		for _, sg := range c.segments {
			s0, s1 := max(sg.lo, from), min(sg.hi, to)
			if s0 >= s1 {
				continue
			}
			keep := c.params[sg.prof].KeepI[r]
			cs := cur[s0:s1]
			is, ss := in[s0:s1][:len(cs)], sum[s0:s1][:len(cs)]
			for i, x := range cs {
				x = snn.CurrentFloat(x, keep, is[i])
				cs[i] = x
				if r == 0 {
					ss[i] = x
				} else {
					ss[i] += x
				}
			}
		}
	}
	for _, sg := range c.segments {
		s0, s1 := max(sg.lo, from), min(sg.hi, to)
		if s0 >= s1 {
			continue
		}
		p := &c.params[sg.prof]
		keepV, gainV, bias, vth, vreset, refTicks := p.KeepV, p.GainV, p.Bias, p.VTh, p.VReset, p.RefTicks
		v := c.vF[s0:s1]
		ref, ss := c.ref[s0:s1][:len(v)], sum[s0:s1][:len(v)]
		for i, x := range v {
			if ref[i] > 0 {
				ref[i]--
				continue
			}
			x, fired := snn.MembraneFloat(x, ss[i], keepV, gainV, bias, vth, vreset)
			if fired {
				ref[i] = refTicks
				spikes = append(spikes, uint16(s0+i))
			}
			v[i] = x
		}
	}
	return spikes, int64(to - from)
}

// updateFixed2 is updateFixedN fused into one pass for two receptors.
func (c *Core) updateFixed2(ring []int64, from, to int, spikes []uint16) ([]uint16, int64) {
	n := c.n
	updated := 0
	for _, sg := range c.segments {
		s0, s1 := max(sg.lo, from), min(sg.hi, to)
		if s0 >= s1 {
			continue
		}
		p := &c.params[sg.prof]
		done, up, sp := fixedVec(p, s0, c.vX[s0:s1], c.curX[s0:s1], c.curX[n+s0:n+s1],
			c.ref[s0:s1], ring[s0:s1], ring[n+s0:n+s1], spikes)
		updated += up
		spikes = sp
		if s0 += done; s0 == s1 {
			continue
		}
		keepV, gainV, bias, vth, vreset, refTicks := p.FKeepV, p.FGainV, int64(p.FBias), int64(p.FVTh), int64(p.FVReset), p.RefTicks
		k0, k1 := p.FKeepI[0], p.FKeepI[1]
		restful := bias == 0 && vth >= 0
		v := c.vX[s0:s1]
		ref := c.ref[s0:s1][:len(v)]
		c0, c1 := c.curX[s0:s1][:len(v)], c.curX[n+s0 : n+s1][:len(v)]
		in0, in1 := ring[s0:s1][:len(v)], ring[n+s0 : n+s1][:len(v)]
		for i, x := range v {
			a := snn.CurrentFixed(int64(c0[i]), k0, in0[i])
			b := snn.CurrentFixed(int64(c1[i]), k1, in1[i])
			// A compartment at rest with no current cannot change: skip it.
			if restful && x == 0 && ref[i] == 0 && a == 0 && b == 0 {
				continue
			}
			c0[i], c1[i] = int32(a), int32(b)
			updated++
			if ref[i] > 0 {
				ref[i]--
				continue
			}
			y, fired := snn.MembraneFixed(int64(x), a+b, keepV, gainV, bias, vth, vreset)
			if fired {
				ref[i] = refTicks
				spikes = append(spikes, uint16(s0+i))
			}
			v[i] = int32(y)
		}
	}
	return spikes, int64(updated)
}

// updateFixed1 is updateFixedN fused into one pass for one receptor.
func (c *Core) updateFixed1(ring []int64, from, to int, spikes []uint16) ([]uint16, int64) {
	updated := 0
	for _, sg := range c.segments {
		s0, s1 := max(sg.lo, from), min(sg.hi, to)
		if s0 >= s1 {
			continue
		}
		p := &c.params[sg.prof]
		done, up, sp := fixedVec(p, s0, c.vX[s0:s1], c.curX[s0:s1], nil, c.ref[s0:s1], ring[s0:s1], nil, spikes)
		updated += up
		spikes = sp
		if s0 += done; s0 == s1 {
			continue
		}
		keepV, gainV, bias, vth, vreset, refTicks := p.FKeepV, p.FGainV, int64(p.FBias), int64(p.FVTh), int64(p.FVReset), p.RefTicks
		k0 := p.FKeepI[0]
		restful := bias == 0 && vth >= 0
		v := c.vX[s0:s1]
		ref := c.ref[s0:s1][:len(v)]
		c0, in0 := c.curX[s0:s1][:len(v)], ring[s0:s1][:len(v)]
		for i, x := range v {
			a := snn.CurrentFixed(int64(c0[i]), k0, in0[i])
			c0[i] = int32(a)
			// A compartment at rest with no current cannot change: skip it.
			if restful && x == 0 && ref[i] == 0 && a == 0 {
				continue
			}
			updated++
			if ref[i] > 0 {
				ref[i]--
				continue
			}
			y, fired := snn.MembraneFixed(int64(x), a, keepV, gainV, bias, vth, vreset)
			if fired {
				ref[i] = refTicks
				spikes = append(spikes, uint16(s0+i))
			}
			v[i] = int32(y)
		}
	}
	return spikes, int64(updated)
}

// updateFixedN advances the currents receptor by receptor, summing them,
// then the membranes.
func (c *Core) updateFixedN(ring []int64, from, to int, spikes []uint16) ([]uint16, int64) {
	n, nr := c.n, c.receptors
	sum := c.sumX[:n]
	for r := 0; r < nr; r++ {
		cur, in := c.curX[r*n:(r+1)*n], ring[r*n:(r+1)*n]
		for _, sg := range c.segments {
			s0, s1 := max(sg.lo, from), min(sg.hi, to)
			if s0 >= s1 {
				continue
			}
			keep := c.params[sg.prof].FKeepI[r]
			cs := cur[s0:s1]
			is, ss := in[s0:s1][:len(cs)], sum[s0:s1][:len(cs)]
			for i, x := range cs {
				y := snn.CurrentFixed(int64(x), keep, is[i])
				cs[i] = int32(y)
				if r == 0 {
					ss[i] = y
				} else {
					ss[i] += y
				}
			}
		}
	}
	updated := 0
	for _, sg := range c.segments {
		s0, s1 := max(sg.lo, from), min(sg.hi, to)
		if s0 >= s1 {
			continue
		}
		p := &c.params[sg.prof]
		keepV, gainV, bias, vth, vreset, refTicks := p.FKeepV, p.FGainV, int64(p.FBias), int64(p.FVTh), int64(p.FVReset), p.RefTicks
		restful := bias == 0 && vth >= 0
		v := c.vX[s0:s1]
		ref, ss := c.ref[s0:s1][:len(v)], sum[s0:s1][:len(v)]
		for i, x := range v {
			// A compartment at rest with no current cannot change: skip it.
			if restful && x == 0 && ref[i] == 0 && ss[i] == 0 && c.quietCurrents(s0+i) {
				continue
			}
			updated++
			if ref[i] > 0 {
				ref[i]--
				continue
			}
			y, fired := snn.MembraneFixed(int64(x), ss[i], keepV, gainV, bias, vth, vreset)
			if fired {
				ref[i] = refTicks
				spikes = append(spikes, uint16(s0+i))
			}
			v[i] = int32(y)
		}
	}
	return spikes, int64(updated)
}

// quietCurrents reports whether every current of compartment i is zero
// (their sum can be zero while they are not).
func (c *Core) quietCurrents(i int) bool {
	for r := 0; r < c.receptors; r++ {
		if c.curX[r*c.n+i] != 0 {
			return false
		}
	}
	return true
}

func (c *Core) updateSources(t int64) {
	for k, next := range c.srcNext {
		if next != t {
			continue
		}
		s := &c.sources[k]
		// A spike array may list a tick several times: a graded spike,
		// sent as that many spikes of the compartment.
		for next == t {
			if !s.mute {
				c.spikes = append(c.spikes, uint16(c.n+k))
			}
			s.count++
			if s.prob > 0 {
				next = t + snn.PoissonInterval(c.seed, s.pop, s.index, s.count, s.prob)
			} else if int(s.count) < len(s.ticks) {
				next = s.ticks[s.count]
			} else {
				next = never
			}
		}
		c.srcNext[k] = next
	}
}

const never = int64(1) << 62

func ringSize(maxDelay int) int64 {
	return int64(1) << bits.Len(uint(maxDelay))
}

// State returns the membrane potential (relative to rest) and currents of
// compartment i: in mV in float mode, in raw state units in fixed mode.
// Sources have none.
func (c *Core) State(i int) (v float64, currents []float64) {
	if i >= c.n {
		return 0, nil
	}
	currents = make([]float64, c.receptors)
	for r := range currents {
		if c.mode == snn.Fixed {
			currents[r] = float64(c.curX[r*c.n+i])
		} else {
			currents[r] = c.curF[r*c.n+i]
		}
	}
	if c.mode == snn.Fixed {
		return float64(c.vX[i]), currents
	}
	return c.vF[i], currents
}

// Potential returns the membrane potential of LIF compartment i relative
// to v_rest, in mV: in fixed mode its state units divided by the
// population's Scale, the conversion dense.Sim.State makes. It does not
// allocate, for probes read every tick.
func (c *Core) Potential(i int) float64 {
	if c.mode == snn.Fixed {
		return float64(c.vX[i]) / c.params[c.profile[i]].Scale
	}
	return c.vF[i]
}

// Current returns the synaptic current of receptor r of LIF compartment
// i, in mV (the voltage it drives, as v), converted as Potential.
func (c *Core) Current(i, r int) float64 {
	if c.mode == snn.Fixed {
		return float64(c.curX[r*c.n+i]) / c.params[c.profile[i]].Scale
	}
	return c.curF[r*c.n+i]
}

// AppendPotentials appends the Potential of LIF compartments idx to dst.
func (c *Core) AppendPotentials(dst []float64, idx []int32) []float64 {
	if c.mode == snn.Fixed {
		for _, i := range idx {
			dst = append(dst, float64(c.vX[i])/c.params[c.profile[i]].Scale)
		}
		return dst
	}
	for _, i := range idx {
		dst = append(dst, c.vF[i])
	}
	return dst
}
