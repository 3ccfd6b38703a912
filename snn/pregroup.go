package snn

// PreGroup is the synapses of one presynaptic neuron in an RSTDP
// projection whose rule needs their sum: a PreBalance rule weighs its
// reward updates by W_i0/W_i, and Tied projections set their weights from
// it to minus its mean. A simulator keeps one per presynaptic neuron and
// source projection (the event engine one per input axon of a core, which
// is why it needs the post population of such a projection on one core)
// and steps them with the same arithmetic, so fixed mode agrees bit for
// bit.
type PreGroup struct {
	Syns   []uint32 // the source projection's synapses from the neuron
	Tied   []uint32 // synapses from the neuron of projections tied to it
	Init   float64  // W_i0: the summed weight of Syns at the start
	Factor float64  // W_i0/W_i as Balance last set it, in Learner units
	l      *Learner
}

// PreGroups finds the groups in a simulator's table of plastic synapses.
// Synapse k belongs to projection proj[k] (rules is by projection) and has
// state syn[k]; span(a) returns the range [lo, hi) of the synapses of
// presynaptic neuron (or input axon) a, for a < n.
func PreGroups(n int, span func(a int) (lo, hi int), rules []*Learner, proj []uint16, syn []SynState) []PreGroup {
	var gs []PreGroup
	for a := 0; a < n; a++ {
		lo, hi := span(a)
		first := len(gs)
		group := func(src int) *PreGroup {
			for i := first; i < len(gs); i++ {
				if gs[i].l.Proj == src {
					return &gs[i]
				}
			}
			gs = append(gs, PreGroup{l: rules[src]})
			return &gs[len(gs)-1]
		}
		for k := lo; k < hi; k++ {
			r := rules[proj[k]]
			switch {
			case r == nil:
			case r.Rule == Tied:
				g := group(r.TiedTo)
				g.Tied = append(g.Tied, uint32(k))
			case r.Balance || r.tiedBy:
				g := group(r.Proj)
				g.Syns = append(g.Syns, uint32(k))
				g.Init += syn[k].W
			}
		}
		for i := first; i < len(gs); i++ {
			gs[i].Factor = gs[i].l.NoFactor()
		}
	}
	return gs
}

// GroupIndex returns, for each of n plastic synapses, the index of the
// group whose Syns hold it, or -1.
func GroupIndex(gs []PreGroup, n int) []int32 {
	idx := make([]int32, n)
	for i := range idx {
		idx[i] = -1
	}
	for gi := range gs {
		for _, k := range gs[gi].Syns {
			idx[k] = int32(gi)
		}
	}
	return idx
}

// Rewarding reports whether the group's rule changes weights by reward
// this tick: then Balance must run before the reward updates and Tie
// after the homeostasis of the tick.
func (g *PreGroup) Rewarding() bool { return g.l.Rewarding() }

// Normalized reports whether the homeostasis of the group's rule ran at
// tick t (see Homeostat.Due), so that the tied weights must follow.
func (g *PreGroup) Normalized(t int64) bool { return g.l.Homeo && g.l.homeoDue(t) }

// Balance sets Factor to W_i0/W_i from the weights as they stand (before
// the reward updates of the tick): a 16-bit fraction in fixed mode,
// bounded by 2^16 in both modes; 1 while the rule's Balance is off
// (chip.SleepPhase.Unbalanced).
func (g *PreGroup) Balance(syn []SynState) {
	if !g.l.Balance {
		g.Factor = g.l.NoFactor()
		return
	}
	sum := 0.0
	for _, k := range g.Syns {
		sum += syn[k].W
	}
	g.Factor = g.l.balanceFactor(g.Init, sum)
}

// Tie sets every tied weight of the group to minus the mean of its
// source weights, within the tied rule's bounds; a tied projection whose
// learning is switched off (frozen, or muted in sleep) keeps its weights.
func (g *PreGroup) Tie(rules []*Learner, proj []uint16, syn []SynState) {
	if len(g.Tied) == 0 || len(g.Syns) == 0 {
		return
	}
	sum := 0.0
	for _, k := range g.Syns {
		sum += syn[k].W
	}
	for _, k := range g.Tied {
		if r := rules[proj[k]]; r.Enabled {
			syn[k].W = r.tie(sum, len(g.Syns))
		}
	}
}
