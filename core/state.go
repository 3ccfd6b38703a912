package core

import (
	"fmt"
	"hash"

	"github.com/spindle-sim/spindle/internal/state"
	"github.com/spindle-sim/spindle/snn"
)

// AppendState appends to b everything of the core that decides its
// future and can change as it runs: its counters, the compartments'
// membranes, currents and refractory counts, the pending synaptic input
// (the delay ring), the rate counters, the sources' positions, the
// plastic synapses' weights and traces with their pending arrivals, the
// homeostatic targets and presynaptic factors, and the sleep noise and
// thresholds of a sleep phase. The synapse memory is not included: it
// is rebuilt from the graph (see Fingerprint).
func (c *Core) AppendState(b []byte) []byte {
	e := state.Enc{B: b}
	e.Len(c.id)
	e.U8(uint8(c.mode) - 1) // 0 float, 1 fixed: snn.Float - 1, snn.Fixed - 1
	e.Len(c.n)
	e.Len(len(c.global))
	k := c.counters
	e.I64(k.SynapticEvents)
	e.I64(k.NeuronUpdates)
	e.I64(k.Spikes)
	e.I64(k.LearningUpdates)
	e.I32s(c.ref)
	if c.mode == snn.Fixed {
		e.I32s(c.vX)
		e.I32s(c.curX)
		e.I64s(c.ringX)
	} else {
		e.F64s(c.vF)
		e.F64s(c.curF)
		e.F64s(c.ringF)
	}
	e.Len(len(c.rates))
	for _, r := range c.rates {
		e.F64(r.V)
		e.I64(r.T)
	}
	e.Len(len(c.sources))
	for i := range c.sources {
		s := &c.sources[i]
		e.I64(c.srcNext[i])
		e.U64(s.count)
		e.F64(s.prob)
		e.Bool(s.mute)
	}
	e.Bool(c.learn != nil)
	if l := c.learn; l != nil {
		e.Len(len(l.Syn))
		for _, s := range l.Syn {
			e.F64(s.W)
			e.F64(s.X)
			e.F64(s.E)
			e.I64(s.TX)
			e.I64(s.TE)
		}
		e.Len(len(l.PostTrace))
		for _, t := range l.PostTrace {
			e.F64(t.V)
			e.I64(t.T)
		}
		e.Len(len(l.pend))
		for _, p := range l.pend {
			e.U32s(p)
		}
		e.Len(len(l.Homeo))
		for _, h := range l.Homeo {
			e.F64(h.Target)
		}
		e.Len(len(l.Groups))
		for _, g := range l.Groups {
			e.F64(g.Init)
			e.F64(g.Factor)
		}
	}
	s := c.sleep
	e.Bool(s != nil && s.drive != nil)
	if s != nil && s.drive != nil {
		e.F64s(s.drive)
		e.F64s(s.driveW)
	}
	e.Bool(s != nil && s.params != nil)
	if s != nil && s.params != nil {
		e.Len(len(c.params))
		for _, p := range c.params {
			e.F64(p.VTh)
			e.I64(int64(p.FVTh))
		}
	}
	return e.B
}

// StateSize returns about how many bytes AppendState appends, to
// allocate a checkpoint at once.
func (c *Core) StateSize() int {
	n := 128 + 4*len(c.ref) + 4*(len(c.vX)+len(c.curX)) + 8*(len(c.vF)+len(c.curF)+len(c.ringX)+len(c.ringF)) +
		16*len(c.rates) + 25*len(c.sources)
	if l := c.learn; l != nil {
		n += 40*len(l.Syn) + 16*len(l.PostTrace) + 8*len(l.pend) + 8*len(l.Homeo) + 16*len(l.Groups)
		for _, p := range l.pend {
			n += 4 * len(p)
		}
	}
	if c.sleep != nil {
		n += 16*c.n + 16*len(c.params)
	}
	return n
}

// RestoreState sets the core to the state AppendState wrote at the start
// of b, after tick ticks, and returns the rest of b. The core must be a
// fresh one built from the same graph, mapping and mode (its Fingerprint
// the same): a state that does not fit it is refused with the first
// field that differs, and the core is then unusable.
func (c *Core) RestoreState(b []byte, ticks int64) ([]byte, error) {
	d := state.NewDec(b)
	c.dirty = ^uint64(0)    // which slots hold input is not saved
	last := max(ticks-1, 0) // the latest tick a trace can have changed at
	trace := func(what string) snn.Trace {
		t := snn.Trace{V: d.F64(), T: d.I64()}
		if (t.T < 0 || t.T > last) && d.Err() == nil {
			d.Fail("%s: changed at tick %d, outside the checkpoint's ticks 0..%d", what, t.T, last)
		}
		return t
	}
	if id := d.U64(); d.Err() == nil && id != uint64(c.id) {
		return nil, fmt.Errorf("core %d: state of core %d", c.id, id)
	}
	if m := snn.Mode(d.U8() + 1); d.Err() == nil && m != c.mode {
		return nil, fmt.Errorf("core %d: state in %v mode, the core runs in %v mode", c.id, m, c.mode)
	}
	d.Count(c.n, "LIF compartments")
	d.Count(len(c.global), "compartments")
	k := &c.counters
	k.SynapticEvents, k.NeuronUpdates, k.Spikes, k.LearningUpdates = d.I64(), d.I64(), d.I64(), d.I64()
	d.I32s(c.ref, "refractory counts")
	if c.mode == snn.Fixed {
		d.I32s(c.vX, "membranes")
		d.I32s(c.curX, "currents")
		d.I64s(c.ringX, "delay ring")
	} else {
		d.F64s(c.vF, "membranes")
		d.F64s(c.curF, "currents")
		d.F64s(c.ringF, "delay ring")
	}
	if d.Count(len(c.rates), "rate counters") {
		for i := range c.rates {
			c.rates[i] = trace("rate counter")
		}
	}
	if d.Count(len(c.sources), "sources") {
		for i := range c.sources {
			s := &c.sources[i]
			c.srcNext[i], s.count, s.prob, s.mute = d.I64(), d.U64(), d.F64(), d.Bool()
			if !(s.prob >= 0 && s.prob <= 1) || s.ticks != nil && s.prob != 0 {
				d.Fail("source %d: spike probability %v per tick", i, s.prob)
			}
		}
	}
	if plastic := d.Bool(); d.Err() == nil && plastic != (c.learn != nil) {
		d.Fail("plastic synapses: the state has them: %v, the core: %v", plastic, c.learn != nil)
	}
	if l := c.learn; l != nil && d.Err() == nil {
		c.restoreLearning(d, trace, last)
	}
	c.sleep = nil
	if drive := d.Bool(); drive {
		p, w := make([]float64, c.n), make([]float64, c.n)
		d.F64s(p, "sleep drive")
		d.F64s(w, "sleep drive weights")
		if d.Err() == nil {
			c.Drive(p, w)
		}
	}
	if scaled := d.Bool(); scaled && d.Count(len(c.params), "parameter profiles") {
		s := c.sleepOn()
		s.params = append([]snn.LIFParams(nil), c.params...)
		for i := range c.params {
			c.params[i].VTh = d.F64()
			c.params[i].FVTh = int32(d.I64())
		}
	}
	if err := d.Err(); err != nil {
		return nil, fmt.Errorf("core %d: %w", c.id, err)
	}
	return d.Rest(), nil
}

func (c *Core) restoreLearning(d *state.Dec, trace func(string) snn.Trace, last int64) {
	l := c.learn
	if d.Count(len(l.Syn), "plastic synapses") {
		for i := range l.Syn {
			s := snn.SynState{W: d.F64(), X: d.F64(), E: d.F64(), TX: d.I64(), TE: d.I64()}
			if (s.TX < 0 || s.TE < 0 || s.TX > last || s.TE > last) && d.Err() == nil {
				d.Fail("plastic synapse %d: traces at ticks %d and %d, outside the checkpoint's ticks 0..%d", i, s.TX, s.TE, last)
			}
			l.Syn[i] = s
		}
	}
	if d.Count(len(l.PostTrace), "post traces") {
		for i := range l.PostTrace {
			l.PostTrace[i] = trace("post trace")
		}
	}
	if d.Count(len(l.pend), "pending plastic arrivals") {
		for i := range l.pend {
			p := d.U32s(len(l.Syn), "pending plastic arrivals")
			for _, k := range p {
				if int(k) >= len(l.Syn) {
					d.Fail("pending plastic arrival: synapse %d of %d", k, len(l.Syn))
				}
			}
			l.pend[i] = append(l.pend[i][:0], p...)
		}
	}
	if d.Count(len(l.Homeo), "homeostats") {
		for i := range l.Homeo {
			l.Homeo[i].Target = d.F64()
		}
	}
	if d.Count(len(l.Groups), "presynaptic groups") {
		for i := range l.Groups {
			l.Groups[i].Init, l.Groups[i].Factor = d.F64(), d.F64()
		}
	}
}

// Fingerprint writes to h what the core was built with: its compartments'
// global ids and parameters, and its synapse memory (axons, targets,
// delays, receptors, static weights; the plastic synapses' graph ids and
// places). Two cores with the same fingerprint run alike from the same
// state. Weights set since the build (SetStaticWeight) count as built.
func (c *Core) Fingerprint(h hash.Hash) {
	var e state.Enc
	e.Len(c.id)
	e.U8(uint8(c.mode) - 1) // 0 float, 1 fixed: snn.Float - 1, snn.Fixed - 1
	e.Len(c.n)
	e.Len(c.receptors)
	e.I64(c.ringMask)
	e.Len(len(c.sources))
	params := c.params
	if c.sleep != nil && c.sleep.params != nil {
		params = c.sleep.params // as built, not as a sleep phase scaled them
	}
	e.Len(len(params))
	for _, p := range params {
		e.F64(p.KeepV)
		e.F64(p.GainV)
		e.F64(p.Bias)
		e.F64(p.VTh)
		e.F64(p.VReset)
		e.I64(int64(p.RefTicks))
		e.F64(p.Scale)
		for _, k := range p.KeepI {
			e.F64(k)
		}
	}
	h.Write(e.B)
	state.Write(h, c.profile)
	state.Write(h, c.global)
	c.hashStatic(h)
	if l := c.learn; l != nil {
		state.Write(h, l.pStart)
		state.Write(h, l.Gid)
		state.Write(h, l.Target)
		state.Write(h, l.dr)
		state.Write(h, l.Proj)
	}
}

// hashStatic writes the static synapses as the arrays they were once kept
// in, so that the fingerprints of earlier checkpoints still match: the
// first synapse of each axon and the end of the last, then the targets,
// the delays and receptors, the fixed-mode weights and the float-mode
// weights of all.
func (c *Core) hashStatic(h hash.Hash) {
	if c.mode == snn.Float {
		start := make([]uint32, 0, len(c.axons)+1)
		for a := range c.axons {
			lo, _ := c.axons[a].run()
			start = append(start, lo)
		}
		state.Write(h, append(start, uint32(len(c.target))))
		state.Write(h, c.target)
		state.Write(h, c.delayRec)
		state.Write(h, c.weightF)
		return
	}
	start := make([]uint32, 0, len(c.axons)+1)
	syn := make([]fixedSynapse, 0, c.nStatic)
	for a := range uint32(len(c.axons)) {
		start = append(start, uint32(len(syn)))
		syn = append(syn, c.fixedRow(a)...)
	}
	state.Write(h, append(start, uint32(len(syn))))
	u, w := make([]uint16, len(syn)), make([]int32, len(syn))
	for i, s := range syn {
		u[i] = s.target
	}
	state.Write(h, u)
	for i, s := range syn {
		u[i], w[i] = s.dr, s.w
	}
	state.Write(h, u)
	state.Write(h, w)
}
