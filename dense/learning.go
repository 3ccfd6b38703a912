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
	// The synapses, by neuron, that the learning step walks
	// (snn.Plastic.Learn, shared with the cores), in graph synapse order.
	snn.Plastic[uint32]

	delay []uint16
	rec   []uint8

	preStart []int // per neuron, into Syn (synapses are sorted by pre)
	delays   []int // the distinct delays of plastic synapses

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
	l := &denseLearn{Plastic: snn.Plastic[uint32]{Rules: rules}, preStart: make([]int, g.N+1), index: map[uint32]uint32{}}
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
			k := uint32(len(l.Syn))
			l.index[uint32(syn)] = k
			l.Syn = append(l.Syn, snn.SynState{W: w})
			l.Gid = append(l.Gid, uint32(syn))
			l.Target = append(l.Target, g.Post[syn])
			l.delay = append(l.delay, g.Delay(syn))
			l.rec = append(l.rec, g.Receptor(syn))
			l.Proj = append(l.Proj, g.Proj[syn])
			if !slices.Contains(l.delays, int(g.Delay(syn))) {
				l.delays = append(l.delays, int(g.Delay(syn)))
			}
			if r.Rule == snn.RSTDP {
				l.RSTDP = append(l.RSTDP, k)
			}
		}
		l.preStart[i+1] = len(l.Syn)
	}
	l.InStart = make([]uint32, g.N+1)
	for _, p := range l.Target {
		l.InStart[p+1]++
	}
	for i := 0; i < g.N; i++ {
		l.InStart[i+1] += l.InStart[i]
	}
	l.InSyn = make([]uint32, len(l.Syn))
	next := slices.Clone(l.InStart[:g.N])
	l.PostTrace = make([]snn.Trace, g.N)
	l.PostRule = make([]*snn.Learner, g.N)
	seen := map[*snn.Learner]bool{}
	for k, p := range l.Target {
		l.InSyn[next[p]] = uint32(k)
		next[p]++
		r := rules[l.Proj[k]]
		l.PostRule[p] = r
		if !seen[r] {
			seen[r] = true
			l.Active = append(l.Active, r)
		}
	}
	l.Homeo = snn.Homeostats(g.N, func(i int) []uint32 { return l.InSyn[l.InStart[i]:l.InStart[i+1]] }, rules, l.Proj, l.Syn)
	l.Groups = snn.PreGroups(g.N, func(i int) (int, int) { return l.preStart[i], l.preStart[i+1] }, rules, l.Proj, l.Syn)
	if len(l.Groups) > 0 {
		l.GrpOf = snn.GroupIndex(l.Groups, len(l.Syn))
		l.Tie()
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
				s.inRaw[l.rec[k]][l.Target[k]] += l.Syn[k].W
				s.inDirty = true
			}
		}
	}
}

func (s *Sim) learnAfter(t int64) {
	s.learn.Learn(t, s.learn.arrivals, s.spikes, s.rc, s.rates)
}

// SetReward sets the modulation applied from the next Step on (see
// chip.Engine.SetReward).
func (s *Sim) SetReward(r float64) {
	if s.learn == nil {
		return
	}
	for _, l := range s.learn.Rules {
		if l != nil {
			l.SetReward(r)
		}
	}
}

// SetLearning freezes or unfreezes the plasticity of projection proj.
func (s *Sim) SetLearning(proj int, on bool) {
	if s.learn != nil && proj >= 0 && proj < len(s.learn.Rules) && s.learn.Rules[proj] != nil {
		s.learn.Rules[proj].Enabled = on
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
		case s.learn != nil && s.learn.Rules[proj] != nil:
			out = append(out, s.learn.Syn[s.learn.index[uint32(syn)]].W)
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
