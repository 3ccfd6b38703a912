package dense

import (
	"fmt"
	"slices"

	"github.com/spindle-sim/spindle/snn"
)

// Plastic synapses are not folded into the weight matrices (their weights
// change one by one): the reference keeps them as a list in graph synapse
// order and applies the same snn.Learner arithmetic, in the same order
// within a tick, as the cores (docs/learning.md):
//
//  1. transmit: every plastic synapse whose presynaptic neuron fired at
//     t - delay adds its weight (as at the start of tick t) to the input
//  2. neurons update; rate counters count the spikes of t
//  3. those arrivals: depression by the post trace, then the pre trace
//  4. spiking neurons: potentiation of their incoming plastic synapses,
//     then the post trace
//  5. reward (for a PreBalance rule times the presynaptic factor, taken
//     before any update of the tick), 6. homeostasis on ticks with
//     (t+1) % period == 0 or, with OnReward, on the ticks of step 5,
//  7. ties, on the ticks whose steps 5 or 6 changed their source.
type denseLearn struct {
	rules []*snn.Learner // by projection

	syn   []snn.SynState // plastic synapses, graph order
	gid   []uint32
	post  []uint32
	delay []uint16
	rec   []uint8
	proj  []uint16

	preStart []int // per neuron, into syn (synapses are sorted by pre)
	delays   []int // the distinct delays of plastic synapses

	inStart []int // per neuron, into inSyn
	inSyn   []uint32
	trace   []snn.Trace // post trace per neuron
	traceL  []*snn.Learner

	rstdp    []uint32
	homeo    []snn.Homeostat
	groups   []snn.PreGroup // per presynaptic neuron and source projection
	grpOf    []int32
	arrivals []uint32
	index    map[uint32]uint32 // graph synapse -> plastic index
}

func plasticSyn(g *snn.Graph, s int) bool {
	return g.Net.Projections[g.Proj[s]].Plasticity != nil
}

func (s *Sim) initLearning(weightBits int) {
	g := s.g
	var rules []*snn.Learner
	for p := range g.Net.Projections {
		if g.Net.Projections[p].Plasticity != nil {
			if rules == nil {
				rules = make([]*snn.Learner, len(g.Net.Projections))
			}
			rules[p] = snn.NewLearner(g, p, s.mode, weightBits)
		}
	}
	if rules == nil {
		return
	}
	l := &denseLearn{rules: rules, preStart: make([]int, g.N+1), index: map[uint32]uint32{}}
	for i := 0; i < g.N; i++ {
		for syn := g.PreStart[i]; syn < g.PreStart[i+1]; syn++ {
			r := rules[g.Proj[syn]]
			if r == nil {
				continue
			}
			w := g.Weight(syn)
			if s.mode == snn.Fixed {
				w = float64(s.fw[syn])
			}
			k := uint32(len(l.syn))
			l.index[uint32(syn)] = k
			l.syn = append(l.syn, snn.SynState{W: w})
			l.gid = append(l.gid, uint32(syn))
			l.post = append(l.post, g.Post[syn])
			l.delay = append(l.delay, g.Delay(syn))
			l.rec = append(l.rec, g.Receptor(syn))
			l.proj = append(l.proj, g.Proj[syn])
			if !slices.Contains(l.delays, int(g.Delay(syn))) {
				l.delays = append(l.delays, int(g.Delay(syn)))
			}
			if r.Rule == snn.RSTDP {
				l.rstdp = append(l.rstdp, k)
			}
		}
		l.preStart[i+1] = len(l.syn)
	}
	l.inStart = make([]int, g.N+1)
	for _, p := range l.post {
		l.inStart[p+1]++
	}
	for i := 0; i < g.N; i++ {
		l.inStart[i+1] += l.inStart[i]
	}
	l.inSyn = make([]uint32, len(l.syn))
	next := slices.Clone(l.inStart[:g.N])
	l.trace = make([]snn.Trace, g.N)
	l.traceL = make([]*snn.Learner, g.N)
	for k, p := range l.post {
		l.inSyn[next[p]] = uint32(k)
		next[p]++
		l.traceL[p] = rules[l.proj[k]]
	}
	l.homeo = snn.Homeostats(g.N, func(i int) []uint32 { return l.inSyn[l.inStart[i]:l.inStart[i+1]] }, rules, l.proj, l.syn)
	l.groups = snn.PreGroups(g.N, func(i int) (int, int) { return l.preStart[i], l.preStart[i+1] }, rules, l.proj, l.syn)
	if len(l.groups) > 0 {
		l.grpOf = snn.GroupIndex(l.groups, len(l.syn))
		for gi := range l.groups {
			l.groups[gi].Tie(rules, l.proj, l.syn)
		}
	}
	s.learn = l
}

// learnInput finds the plastic arrivals of tick t and adds their weights.
func (s *Sim) learnInput(t int64) {
	l := s.learn
	l.arrivals = l.arrivals[:0]
	D := int64(len(s.ring))
	for _, d := range l.delays {
		src := t - int64(d)
		if src < 0 {
			continue
		}
		slot := src % D
		if s.ringTick[slot] != src {
			continue
		}
		for _, j := range s.ringSpikes[slot] {
			for k := l.preStart[j]; k < l.preStart[j+1]; k++ {
				if int(l.delay[k]) != d {
					continue
				}
				l.arrivals = append(l.arrivals, uint32(k))
				s.inRaw[l.rec[k]][l.post[k]] += l.syn[k].W
				s.inDirty = true
			}
		}
	}
}

func (s *Sim) learnAfter(t int64) {
	l := s.learn
	for _, k := range l.arrivals {
		r := l.rules[l.proj[k]]
		r.Pre(&l.syn[k], uint64(l.gid[k]), t, r.PostTrace(l.trace[l.post[k]], t))
	}
	for _, i := range s.spikes {
		if l.inStart[i] == l.inStart[i+1] {
			continue
		}
		for _, k := range l.inSyn[l.inStart[i]:l.inStart[i+1]] {
			l.rules[l.proj[k]].Post(&l.syn[k], uint64(l.gid[k]), t)
		}
		l.traceL[i].BumpPost(&l.trace[i], t)
	}
	for gi := range l.groups {
		if g := &l.groups[gi]; g.Rewarding() {
			g.Balance(l.syn)
		}
	}
	for _, k := range l.rstdp {
		if r := l.rules[l.proj[k]]; r.Rewarding() {
			f := r.NoFactor()
			if l.grpOf != nil && l.grpOf[k] >= 0 {
				f = l.groups[l.grpOf[k]].Factor
			}
			r.Reward(&l.syn[k], uint64(l.gid[k]), t, f)
		}
	}
	for hi := range l.homeo {
		h := &l.homeo[hi]
		if !h.Due(t) {
			continue
		}
		h.Step(t, s.rc.At(s.rates[h.Neuron], t), l.rules, l.proj, l.syn, l.gid)
	}
	for gi := range l.groups {
		if g := &l.groups[gi]; len(g.Tied) > 0 && (g.Rewarding() || g.Normalized(t)) {
			g.Tie(l.rules, l.proj, l.syn)
		}
	}
}

// SetReward sets the modulation applied from the next Step on (see
// chip.Engine.SetReward).
func (s *Sim) SetReward(r float64) {
	if s.learn == nil {
		return
	}
	for _, l := range s.learn.rules {
		if l != nil {
			l.SetReward(r)
		}
	}
}

// SetLearning freezes or unfreezes the plasticity of projection proj.
func (s *Sim) SetLearning(proj int, on bool) {
	if s.learn != nil && proj >= 0 && proj < len(s.learn.rules) && s.learn.rules[proj] != nil {
		s.learn.rules[proj].Enabled = on
	}
}

// RawWeights returns the weights of projection proj in graph synapse
// order: state units in fixed mode (exact integers), mV in float mode.
func (s *Sim) RawWeights(proj int) []float64 {
	g := s.g
	if proj < 0 || proj >= len(g.Net.Projections) {
		panic(fmt.Sprintf("dense: projection %d out of range", proj))
	}
	var out []float64
	for syn := range g.Post {
		if int(g.Proj[syn]) != proj {
			continue
		}
		switch {
		case s.learn != nil && s.learn.rules[proj] != nil:
			out = append(out, s.learn.syn[s.learn.index[uint32(syn)]].W)
		case s.mode == snn.Fixed:
			out = append(out, float64(s.fw[syn]))
		default:
			out = append(out, g.Weight(syn))
		}
	}
	return out
}

// Weights returns the weights of projection proj in graph synapse order,
// in mV (fixed mode: state units divided by the post population's Scale).
func (s *Sim) Weights(proj int) []float64 {
	w := s.RawWeights(proj)
	if s.mode == snn.Fixed {
		g := s.g
		sc := g.Params[g.Net.PopulationIndex(g.Net.Projections[proj].Post)].Scale
		for i := range w {
			w[i] /= sc
		}
	}
	return w
}

// MeanRates returns the rate counters of population pop in Hz (see
// chip.Engine.MeanRates).
func (s *Sim) MeanRates(pop int) []float64 {
	p := &s.pops[pop]
	t := max(s.tick-1, 0)
	out := make([]float64, p.hi-p.lo)
	for i := range out {
		out[i] = s.rc.At(s.rates[p.lo+i], t)
	}
	return out
}

// SetPoissonRate changes the rate of Poisson neuron i from the next tick
// on, as chip.Engine.SetPoissonRate does.
func (s *Sim) SetPoissonRate(i uint32, hz float64) {
	pi := s.g.PopOf(int(i))
	p := &s.pops[pi]
	if p.kind != snn.Poisson {
		panic(fmt.Sprintf("dense: SetPoissonRate: neuron %d is not a Poisson source", i))
	}
	j := int(i) - p.lo
	x := p.base + j
	prob := 0.0
	if hz > 0 {
		prob = hz * s.g.Net.Dt / 1000
	}
	s.poisP[x] = prob
	if prob <= 0 {
		s.poisNext[x] = 1 << 62
		return
	}
	s.poisK[x]++ // a fresh draw, as core.(*Core).SetPoissonRate
	s.poisNext[x] = snn.PoissonNext(s.g.Net.Seed, pi, j, s.poisK[x], prob, s.tick)
}
