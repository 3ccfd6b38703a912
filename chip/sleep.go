package chip

import (
	"errors"
	"fmt"

	"github.com/spindle-sim/spindle/snn"
)

// SleepPhase is an offline period of the network in the manner of Golden
// et al. (2022): the inputs are silenced, chosen populations are driven by
// on-core Poisson noise at the rates they showed while awake, and
// plasticity runs under a constant positive modulation.
type SleepPhase struct {
	Ticks      int
	Silence    []string // populations whose input (sources) is silenced
	Drive      []string // populations driven by on-core Poisson noise at the mean rate each neuron showed while awake
	Mute       []string // projections that carry nothing and learn nothing while asleep
	RateScale  float64  // multiplies those rates (default 1)
	Modulation float64  // constant positive modulation applied each tick during sleep (Golden et al.: rewarded STDP with constant positive reward)
	// Period, when above 1, applies Modulation only in the last tick of
	// every Period ticks (0 in the others), as Golden et al. apply their
	// +0.5 once per movement cycle. The learning engine's reward passes
	// then run once per period instead of every tick, which makes a long
	// sleep several times cheaper.
	Period    int
	Threshold float64 // optional multiplicative threshold scale during sleep (1 = unchanged); 0 means 1
	// Depression multiplies the depression amplitude A- of every plastic
	// projection during sleep; 0 means 1. Above 1, pairings that chance
	// alone produces depress on balance, and only inputs that drive the
	// neuron grow (as the sleep rules of Tadros et al. 2022 do).
	Depression float64
	// Unbalanced switches off the presynaptic factor W_i0/W_i of
	// PreBalance rules while asleep, so that sleep updates are
	// proportional to the weight alone: without it a neuron whose
	// weights have shrunk to nothing takes full-size steps on chance
	// pairings (docs/experiments.md, item 13).
	Unbalanced bool
	// Uniform drives every neuron of a Drive population at the
	// population's mean rate instead of its own (the uniform-noise sleep
	// of Golden et al. 2022, S4).
	Uniform bool

	// DriveWeight is the weight of one noise event onto the first
	// receptor of a driven neuron, in mV; 0 means the current that lifts
	// a neuron at rest over threshold in the tick it arrives
	// (snn.LIFParams.DriveWeight), so that each noise event outside the
	// refractory period makes about one spike.
	DriveWeight float64
}

// SleepPhaseOf converts a sleep protocol read from a network file.
func SleepPhaseOf(s *snn.SleepSpec) SleepPhase {
	return SleepPhase{Ticks: s.Ticks, Silence: s.Silence, Drive: s.Drive, Mute: s.Mute, RateScale: s.RateScale, Modulation: s.Modulation, Period: s.Period, Threshold: s.Threshold, Depression: s.Depression, Unbalanced: s.Unbalanced, Uniform: s.Uniform}
}

// Sleep runs p.Ticks ticks of sleep, then restores the waking state.
//
// During sleep: every source neuron of the Silence populations advances
// as usual but emits nothing; every LIF neuron i of the Drive populations
// receives a noise event at tick t with probability rate_i * RateScale *
// dt / 1000 (rate_i its rate counter when sleep began, MeanRates),
// decided on its core by snn.DriveDraw(seed, i, t, p), a counter-based
// draw that does not depend on mapping or workers; each event adds
// DriveWeight to its first receptor. The modulation of SetReward is
// Modulation, thresholds are scaled by Threshold and every depression
// amplitude A- by Depression. The synapses of the Mute projections weigh
// nothing and do not learn.
//
// Afterwards: sources emit again (spike-source times that fell in the
// sleep are lost; Poisson sources resume their own sequence), the noise
// stops, thresholds, amplitudes and the previous modulation are
// restored, and the rate counters are put back as they stood when sleep
// began, so sleep
// activity does not pollute them (the sleep ticks are not counted).
// The muted projections get their weights back, exactly, and their
// learning switch as it was. Weights, traces, packets in flight and
// membrane state carry over.
func (e *Engine) Sleep(p SleepPhase) error {
	if err := e.BeginSleep(p); err != nil {
		return err
	}
	for e.asleep != nil {
		e.Step()
	}
	return nil
}

// sleeping is a sleep phase under way: what BeginSleep changed, to be
// put back when it ends, and how far it has gone.
type sleeping struct {
	p          SleepPhase
	done       int   // ticks slept so far
	start      int64 // the tick whose rate counters drive the noise
	saved      [][]snn.Trace
	prevReward float64
	mutes      []muted
	unbalanced []int // projections whose PreBalance the phase switched off
}

// muted is a projection a sleep phase mutes: its weights as they were,
// in the cores' units, and whether it learned.
type muted struct {
	proj  int
	raw   []float64
	learn bool
}

// Asleep reports whether a sleep phase begun by BeginSleep is under way,
// and how many of its ticks are done.
func (e *Engine) Asleep() (asleep bool, done, ticks int) {
	if s := e.asleep; s != nil {
		return true, s.done, s.p.Ticks
	}
	return false, 0, 0
}

// BeginSleep starts a sleep phase as Sleep describes it; the next
// p.Ticks calls of Step sleep, and the last of them restores the waking
// state. A phase of no ticks ends at once. Sleep is BeginSleep and
// those Steps; stepping a phase tick by tick lets a caller checkpoint
// it midway (Checkpoint keeps the phase and its position).
func (e *Engine) BeginSleep(p SleepPhase) error {
	g := e.graph
	if e.asleep != nil {
		return fmt.Errorf("sleep: a sleep phase is under way (%d of %d ticks)", e.asleep.done, e.asleep.p.Ticks)
	}
	if e.dist != nil {
		return errors.New("sleep: a distributed run cannot sleep: run the sleep step in one process")
	}
	if p.Ticks < 0 {
		return fmt.Errorf("sleep: ticks %d: expected a non-negative count", p.Ticks)
	}
	spec := snn.SleepSpec{Ticks: p.Ticks, Silence: p.Silence, Drive: p.Drive, Mute: p.Mute, RateScale: p.RateScale, Modulation: p.Modulation, Period: p.Period, Threshold: p.Threshold, Depression: p.Depression}
	if err := spec.Validate(g.Net); err != nil {
		return fmt.Errorf("sleep: %w", err)
	}
	if p.DriveWeight < 0 {
		return fmt.Errorf("sleep: drive weight %v mV: expected >= 0", p.DriveWeight)
	}
	for _, name := range p.Mute {
		if !e.Plastic(g.Net.ProjectionIndex(name)) {
			// Muting zeroes static weights in place: the fingerprint of
			// a checkpoint is of the weights as built.
			e.fingerprint()
			break
		}
	}
	s := &sleeping{p: p, start: max(e.tick-1, 0), prevReward: e.learn.reward}
	s.saved = make([][]snn.Trace, len(e.cores))
	for c, cr := range e.cores {
		s.saved[c] = cr.Rates()
	}
	e.muteSilenced(p, true)
	e.driveSleep(p, s.start)
	if thr := p.Threshold; thr != 0 && thr != 1 {
		for _, cr := range e.cores {
			cr.ScaleThresholds(thr)
		}
	}
	for _, name := range p.Mute {
		pi := g.Net.ProjectionIndex(name)
		m := muted{proj: pi, raw: e.RawWeights(pi)}
		if e.Plastic(pi) {
			m.learn = e.learn.rules[pi].Enabled
		}
		e.setRawWeights(pi, func(int) float64 { return 0 })
		e.SetLearning(pi, false)
		s.mutes = append(s.mutes, m)
	}
	e.SetReward(p.Modulation)
	e.depress(p.Depression)
	if p.Unbalanced {
		for pi, l := range e.learn.rules {
			if l != nil && l.Balance {
				l.Balance = false
				s.unbalanced = append(s.unbalanced, pi)
			}
		}
	}
	e.asleep = s
	if p.Ticks == 0 {
		e.wake()
	}
	return nil
}

// muteSilenced silences (or lets speak again) the sources of p.Silence.
func (e *Engine) muteSilenced(p SleepPhase, on bool) {
	g := e.graph
	for _, name := range p.Silence {
		pi := g.Net.PopulationIndex(name)
		for id := g.PopStart[pi]; id < g.PopStart[pi+1]; id++ {
			cr := e.cores[e.mapng.CoreOf[id]]
			cr.MuteSource(cr.Source(int(e.local[id])), on)
		}
	}
}

// driveSleep installs the noise of p.Drive at the rates of tick start.
func (e *Engine) driveSleep(p SleepPhase, start int64) {
	g := e.graph
	if len(p.Drive) == 0 {
		return
	}
	scale := p.RateScale
	if scale == 0 {
		scale = 1
	}
	probs := make([][]float64, len(e.cores))
	weights := make([][]float64, len(e.cores))
	for _, name := range p.Drive {
		pi := g.Net.PopulationIndex(name)
		w := p.DriveWeight
		if w == 0 {
			w = g.Params[pi].DriveWeight()
		}
		rate := func(id int) float64 {
			return e.cores[e.mapng.CoreOf[id]].Rate(int(e.local[id]), start)
		}
		if p.Uniform {
			mean := 0.0
			for id := g.PopStart[pi]; id < g.PopStart[pi+1]; id++ {
				mean += rate(id)
			}
			mean /= float64(g.PopStart[pi+1] - g.PopStart[pi])
			rate = func(int) float64 { return mean }
		}
		for id := g.PopStart[pi]; id < g.PopStart[pi+1]; id++ {
			c := e.mapng.CoreOf[id]
			cr := e.cores[c]
			if probs[c] == nil {
				probs[c] = make([]float64, cr.Compartments())
				weights[c] = make([]float64, cr.Compartments())
			}
			l := int(e.local[id])
			probs[c][l] = snn.DriveP(rate(id)*scale, g.Net.Dt)
			weights[c][l] = w
		}
	}
	for c, pr := range probs {
		if pr != nil {
			e.cores[c].Drive(pr, weights[c])
		}
	}
}

// depress scales the depression amplitude of every plastic projection
// by f (0 and 1 leave it as the network gives it).
func (e *Engine) depress(f float64) {
	if f == 0 || f == 1 {
		return
	}
	for pi, l := range e.learn.rules {
		if l != nil {
			l.SetDepression(e.graph.Net.Projections[pi].Plasticity.AMinus * f)
		}
	}
}

// sleepTick sets the modulation of the next sleep tick: with a Period,
// Modulation in the last tick of every period and of the phase, 0 in
// the others.
func (e *Engine) sleepTick() {
	s := e.asleep
	if p := s.p.Period; p > 1 {
		if s.done%p == p-1 || s.done == s.p.Ticks-1 {
			e.SetReward(s.p.Modulation)
		} else {
			e.SetReward(0)
		}
	}
}

// sleptTick counts a sleep tick and ends the phase after its last.
func (e *Engine) sleptTick() {
	if e.asleep.done++; e.asleep.done >= e.asleep.p.Ticks {
		e.wake()
	}
}

// wake ends the sleep phase: it puts back what BeginSleep changed.
func (e *Engine) wake() {
	s := e.asleep
	p := s.p
	for _, pi := range s.unbalanced {
		e.learn.rules[pi].Balance = true
	}
	if p.Depression != 0 && p.Depression != 1 {
		for pi, l := range e.learn.rules {
			if l != nil {
				l.SetDepression(e.graph.Net.Projections[pi].Plasticity.AMinus)
			}
		}
	}
	for _, m := range s.mutes {
		e.setRawWeights(m.proj, func(i int) float64 { return m.raw[i] })
		e.SetLearning(m.proj, m.learn)
	}
	e.SetReward(s.prevReward)
	for _, cr := range e.cores {
		cr.Drive(nil, nil)
		cr.ScaleThresholds(1)
	}
	e.muteSilenced(p, false)
	end := max(e.tick-1, 0)
	for c, cr := range e.cores {
		cr.RestoreRates(s.saved[c], s.start, end)
	}
	e.asleep = nil
}
