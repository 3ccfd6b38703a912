package core

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/spindle-sim/spindle/snn"
)

// A core whose rows each have one delay and receptor delivers through one
// ring slot per row; it must add exactly what the per-synapse loop adds,
// late packets included, in both modes.
func TestDeliverUniformRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, mode := range []snn.Mode{snn.Float, snn.Fixed} {
		const n, receptors, axons = 10, 2, 30
		c := &Core{mode: mode, n: n, receptors: receptors, ringMask: 7}
		for range axons {
			c.openAxon()
			d := uint16(1+rng.IntN(5)) | uint16(rng.IntN(receptors))<<delayBits
			for range rng.IntN(6) {
				addStatic(c, uint16(rng.IntN(n)), d, rng)
			}
		}
		c.closeAxon()
		if !c.rowsUniform() {
			t.Fatal("rows of one delay and receptor not seen as uniform")
		}
		c.uniformRows = true
		c.ringF, c.ringX = make([]float64, 8*receptors*n), make([]int64, 8*receptors*n)
		general := *c
		general.uniformRows = false
		general.ringF, general.ringX = slices.Clone(c.ringF), slices.Clone(c.ringX)
		deliverBoth(rng, c, &general, axons, 200)
		if !slices.Equal(floatBits(c.ringF), floatBits(general.ringF)) || !slices.Equal(c.ringX, general.ringX) {
			t.Errorf("%v: the one-slot row delivery differs from the per-synapse loop", mode)
		}
		if c.counters != general.counters {
			t.Errorf("%v: counters %+v, want %+v", mode, c.counters, general.counters)
		}
		if slices.ContainsFunc(c.ringX, func(v int64) bool { return v != 0 }) == false && mode == snn.Fixed {
			t.Error("nothing delivered: the test tests nothing")
		}
		// One synapse of another delay makes the core general.
		for a := range uint32(axons) {
			if c.AxonSynapses(a) < 2 {
				continue
			}
			if mode == snn.Fixed {
				c.fixedRow(a)[1].dr++
			} else {
				lo, _ := c.axons[a].run()
				c.delayRec[lo+1]++
			}
			if c.rowsUniform() {
				t.Error("a row of two delays seen as uniform")
			}
			break
		}
	}
}

// A core whose rows each have one delay, receptor and weight delivers
// from its table of rows; it must add exactly what the per-synapse loop
// adds, late packets included, in both modes. A row of two weights (in
// float mode +0 and -0 are two), or a change of a weight, ends the table,
// and so do rows too short for it to pay.
func TestDeliverUniformWeights(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	for _, mode := range []snn.Mode{snn.Float, snn.Fixed} {
		const n, receptors, axons = 10, 2, 30
		c := &Core{mode: mode, n: n, receptors: receptors, ringMask: 7}
		for a := range axons {
			c.openAxon()
			d := uint16(1+rng.IntN(5)) | uint16(rng.IntN(receptors))<<delayBits
			wX, wF := rng.Int32N(1<<16)-1<<15, rng.NormFloat64()
			if a == 3 {
				wF = math.Copysign(0, -1)
			}
			m := 6 + rng.IntN(12)
			switch a % 7 {
			case 0:
				m = 0
			case 1:
				m = 1 // in fixed mode, the axon's entry is the synapse
			}
			for range m {
				c.store(uint16(rng.IntN(n)), d, wX, wF)
			}
		}
		c.closeAxon()
		c.uniformRows = c.rowsUniform()
		if c.rows = c.uniformWeights(); !c.uniformRows || c.rows == nil {
			t.Fatalf("%v: rows of one delay, receptor and weight not seen as uniform", mode)
		}
		c.ringF, c.ringX = make([]float64, 8*receptors*n), make([]int64, 8*receptors*n)
		general := *c
		general.rows, general.ringF, general.ringX = nil, slices.Clone(c.ringF), slices.Clone(c.ringX)
		deliverBoth(rng, c, &general, axons, 300)
		if !slices.Equal(floatBits(c.ringF), floatBits(general.ringF)) || !slices.Equal(c.ringX, general.ringX) {
			t.Errorf("%v: delivery from the rows differs from the per-synapse loop", mode)
		}
		if c.counters != general.counters || c.counters.SynapticEvents == 0 {
			t.Errorf("%v: counters %+v, want %+v, not zero", mode, c.counters, general.counters)
		}
		// Warm reads the rows as delivery does, and only reads.
		ringF, ringX := slices.Clone(c.ringF), slices.Clone(c.ringX)
		var batch [WarmBatch]*Core
		var ax [WarmBatch]uint32
		var em [WarmBatch]int64
		for j := range batch {
			batch[j], ax[j], em[j] = c, uint32(j%axons), int64(j%3)
		}
		Warm(batch[:], ax[:], em[:], 2)
		if !slices.Equal(floatBits(c.ringF), floatBits(ringF)) || !slices.Equal(c.ringX, ringX) {
			t.Errorf("%v: Warm changed the ring of a core with a table of rows", mode)
		}
		for a := range uint32(axons) {
			if c.AxonSynapses(a) < 2 {
				continue
			}
			if mode == snn.Fixed {
				syn := c.fixedRow(a)
				syn[1].w++
				if c.uniformWeights() != nil {
					t.Error("fixed: a row of two weights seen as uniform")
				}
				syn[1].w--
			} else {
				// Axon 3's weights are -0: a +0 among them is another.
				for _, x := range [][2]uint32{{a, 0}, {3, 1}} {
					lo, _ := c.axons[x[0]].run()
					second := c.weightF[lo] + 1
					if x[1] == 1 {
						second = 0
					}
					old := c.weightF[lo+1]
					c.weightF[lo+1] = second
					if c.uniformWeights() != nil {
						t.Errorf("float: a row of weights %v and %v seen as uniform", c.weightF[lo], second)
					}
					c.weightF[lo+1] = old
				}
			}
			c.SetStaticWeight(0, c.StaticWeight(0))
			if c.rows != nil {
				t.Errorf("%v: the rows outlived a change of a weight", mode)
			}
			break
		}
		// Rows of one synapse: a table would take more than it saves.
		short := &Core{mode: mode, n: n, receptors: 1, ringMask: 7}
		for range axons {
			short.openAxon()
			short.store(uint16(rng.IntN(n)), 1, 1, 1)
		}
		short.closeAxon()
		if short.rowsUniform() && short.uniformWeights() != nil {
			t.Errorf("%v: a table of rows for rows of one synapse", mode)
		}
	}
}

// deliverBoth delivers the same m packets, to random axons of axons and
// some late (emit + delay < now), to cores c and d.
func deliverBoth(rng *rand.Rand, c, d *Core, axons, m int) {
	for k := range m {
		a, now := uint32(rng.IntN(axons)), int64(k/10)
		emit := now - int64(rng.IntN(3))
		c.Deliver(a, emit, now)
		d.Deliver(a, emit, now)
	}
}

// Warm only reads: warming any batch, empty rows and empty batches
// included, leaves the core's state exactly as it was, in both modes.
func TestWarmReadsOnly(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	for _, mode := range []snn.Mode{snn.Float, snn.Fixed} {
		const n, receptors, axons = 8, 2, 20
		c := &Core{mode: mode, n: n, receptors: receptors, ringMask: 7}
		for range axons {
			c.openAxon()
			for range rng.IntN(4) { // some rows empty
				addStatic(c, uint16(rng.IntN(n)), uint16(1+rng.IntN(5))|uint16(rng.IntN(receptors))<<delayBits, rng)
			}
		}
		c.closeAxon()
		c.ringF, c.ringX = make([]float64, 8*receptors*n), make([]int64, 8*receptors*n)
		for k := range 50 {
			c.Deliver(uint32(rng.IntN(axons)), int64(k/5), int64(k/5))
		}
		ringF, ringX, counters := slices.Clone(c.ringF), slices.Clone(c.ringX), c.counters
		for size := range WarmBatch + 2 {
			cores, as, emits := make([]*Core, size), make([]uint32, size), make([]int64, size)
			for j := range size {
				cores[j], as[j], emits[j] = c, uint32(rng.IntN(axons)), int64(rng.IntN(20))
			}
			Warm(cores, as, emits, 10)
		}
		if !slices.Equal(floatBits(c.ringF), floatBits(ringF)) || !slices.Equal(c.ringX, ringX) || c.counters != counters {
			t.Errorf("%v: Warm changed the core", mode)
		}
	}
}

// addStatic appends a static synapse of a random weight to the last axon
// of a core made by hand, in the arrays of the core's mode.
func addStatic(c *Core, target, dr uint16, rng *rand.Rand) {
	c.store(target, dr, rng.Int32N(1<<16)-1<<15, rng.NormFloat64())
}

// The update clears only the ring slots that deliveries marked. Over many
// ticks of deliveries at random delays and receptors, a core must end
// every tick exactly as a copy whose update clears every slot it reads.
func TestDirtySlots(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	for _, mode := range []snn.Mode{snn.Float, snn.Fixed} {
		for _, receptors := range []int{1, 2} {
			const n, axons, slots = 40, 25, 8
			c := randomLIF(rng, mode, n, receptors)
			c.ringMask, c.track, c.dirty = slots-1, true, ^uint64(0) // the slot randomLIF filled is not marked
			c.ringF, c.ringX = append(c.ringF, make([]float64, (slots-2)*receptors*n)...), append(c.ringX, make([]int64, (slots-2)*receptors*n)...)
			if mode == snn.Float {
				c.ringX = nil
			} else {
				c.ringF = nil
			}
			for range axons {
				c.openAxon()
				d := uint16(1+rng.IntN(slots-1)) | uint16(rng.IntN(receptors))<<delayBits
				for range rng.IntN(5) {
					if rng.IntN(3) == 0 { // some rows of several delays
						d = uint16(1+rng.IntN(slots-1)) | uint16(rng.IntN(receptors))<<delayBits
					}
					addStatic(c, uint16(rng.IntN(n)), d, rng)
				}
			}
			c.closeAxon()
			c.uniformRows = c.rowsUniform()
			c.rc, c.rates = snn.NewRateCounter(1, 0), make([]snn.Trace, n)
			always := cloneLIF(c)
			cleared := 0
			for tick := range int64(200) {
				for range rng.IntN(4) { // some ticks deliver nothing
					a := uint32(rng.IntN(axons))
					c.Deliver(a, tick-1, tick)
					always.Deliver(a, tick-1, tick)
				}
				c.Update(tick)
				always.updateRange(tick, 0, n, nil, true)
				if !slices.Equal(c.ref, always.ref) || !slices.Equal(c.vX, always.vX) || !slices.Equal(c.curX, always.curX) ||
					!slices.Equal(c.ringX, always.ringX) || !slices.Equal(floatBits(c.vF), floatBits(always.vF)) ||
					!slices.Equal(floatBits(c.curF), floatBits(always.curF)) || !slices.Equal(floatBits(c.ringF), floatBits(always.ringF)) {
					t.Fatalf("%v, %d receptors, tick %d: the core differs from one that clears every slot", mode, receptors, tick)
				}
				if c.dirty&c.slotBits(tick) != 0 {
					t.Fatalf("%v, %d receptors, tick %d: the slot just read is still marked", mode, receptors, tick)
				}
				for r := range receptors {
					if !c.mayHold(tick+1, r) {
						cleared++
					}
				}
			}
			if cleared == 0 {
				t.Errorf("%v, %d receptors: every slot was always marked: the test tests nothing", mode, receptors)
			}
		}
	}
}

// An axon's entry names any run of up to 2^31-1 synapses exactly, and
// never looks like a synapse held in the entry.
func TestAxonRun(t *testing.T) {
	for _, c := range []struct{ lo, n int }{
		{0, 0}, {0, 1}, {1, 1}, {5, 3}, {65535, 1}, {65536, 65535}, {1 << 20, 1 << 16},
		{1<<32 - 2, 1}, {3, 1<<31 - 1}, {1<<31 + 7, 1<<20 + 5},
	} {
		e := axonRun(c.lo, c.n)
		lo, hi := e.run()
		if int(lo) != c.lo || int(hi-lo) != c.n || e.dr&runBit == 0 {
			t.Errorf("axonRun(%d, %d).run() = %d, %d", c.lo, c.n, lo, hi)
		}
	}
}
