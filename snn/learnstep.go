package snn

// Plastic is one simulator's plastic synapses as the learning step of a
// tick walks them: the event engine's cores (P = uint16, compartment
// indices) and the dense reference (P = uint32, neuron ids) each keep one
// and call Learn, so that the order and the arithmetic of a tick's
// learning are written once and agree by construction.
type Plastic[P uint16 | uint32] struct {
	Rules []*Learner // by projection; nil for a static projection
	Syn   []SynState // the plastic synapses
	Gid   []uint32   // per synapse, its graph synapse id (the rounding stream)
	Proj  []uint16   // per synapse, its projection
	// Target is per synapse its postsynaptic neuron, an index into
	// PostTrace and InStart.
	Target []P

	InStart   []uint32   // per neuron, into InSyn
	InSyn     []uint32   // the synapses onto each neuron
	PostTrace []Trace    // per neuron
	PostRule  []*Learner // per neuron, the rule that keeps its post trace

	RSTDP  []uint32    // the synapses of reward-modulated rules
	Homeo  []Homeostat // per neuron with homeostasis
	Groups []PreGroup  // per presynaptic neuron (or input axon) and source projection
	GrpOf  []int32     // per synapse, its group in Groups or -1; nil without groups
	Active []*Learner  // the distinct rules of these synapses
}

// Learn applies the learning of tick t after the neurons have updated:
//
//  3. each synapse in arrivals (its presynaptic spike took effect at t):
//     depression by the post trace, then its pre trace takes the arrival;
//  4. each neuron in spikes (those that fired at t; ids past InStart are
//     sources and ignored): potentiation of every incoming plastic synapse
//     by its pre trace, then the post trace;
//  5. while the modulation is non-zero, the reward step of every RSTDP
//     synapse (for a PreBalance rule times its group's factor, taken from
//     the weights before any update of the tick);
//  6. the homeostats due at t, with the rates counted by rc in rates
//     (per neuron);
//  7. the ties of the groups whose sources steps 5 or 6 changed.
//
// It returns the learning updates for the cost model: the SRC rule's post
// updates and the synapses steps 5 to 7 walked.
func (p *Plastic[P]) Learn(t int64, arrivals []uint32, spikes []P, rc *RateCounter, rates []Trace) (updates int64) {
	for _, k := range arrivals {
		r := p.Rules[p.Proj[k]]
		r.Pre(&p.Syn[k], uint64(p.Gid[k]), t, r.PostTrace(p.PostTrace[p.Target[k]], t))
	}
	n := P(len(p.InStart) - 1)
	for _, sp := range spikes {
		if sp >= n || p.InStart[sp] == p.InStart[sp+1] {
			continue
		}
		for _, k := range p.InSyn[p.InStart[sp]:p.InStart[sp+1]] {
			r := p.Rules[p.Proj[k]]
			r.Post(&p.Syn[k], uint64(p.Gid[k]), t)
			if r.Rule == SRC {
				// The SRC rule writes every incoming synapse of a spike.
				updates++
			}
		}
		p.PostRule[sp].BumpPost(&p.PostTrace[sp], t)
	}
	rewarding := len(p.RSTDP) > 0 && p.rewarding()
	if rewarding {
		for gi := range p.Groups {
			if g := &p.Groups[gi]; g.Rewarding() {
				g.Balance(p.Syn)
				updates += int64(len(g.Syns))
			}
		}
		for _, k := range p.RSTDP {
			if r := p.Rules[p.Proj[k]]; r.Rewarding() {
				f := r.NoFactor()
				if p.GrpOf != nil && p.GrpOf[k] >= 0 {
					f = p.Groups[p.GrpOf[k]].Factor
				}
				r.Reward(&p.Syn[k], uint64(p.Gid[k]), t, f)
				updates++
			}
		}
	}
	normalized := false
	for hi := range p.Homeo {
		h := &p.Homeo[hi]
		if !h.Due(t) {
			continue
		}
		h.Step(t, rc.At(rates[h.Neuron], t), p.Rules, p.Proj, p.Syn, p.Gid)
		updates += int64(len(h.Syns))
		normalized = true
	}
	if !rewarding && !normalized {
		// No group can need its ties (a group's normalisation runs through
		// the homeostats of its post neurons, all in this set): skip the
		// per-group checks on the ticks that change no weight.
		return updates
	}
	for gi := range p.Groups {
		if g := &p.Groups[gi]; len(g.Tied) > 0 && (g.Rewarding() || g.Normalized(t)) {
			g.Tie(p.Rules, p.Proj, p.Syn)
			updates += int64(len(g.Syns) + len(g.Tied))
		}
	}
	return updates
}

// Tie sets every tied weight from its source's weights as they stand.
func (p *Plastic[P]) Tie() {
	for gi := range p.Groups {
		p.Groups[gi].Tie(p.Rules, p.Proj, p.Syn)
	}
}

func (p *Plastic[P]) rewarding() bool {
	for _, r := range p.Active {
		if r.Rewarding() {
			return true
		}
	}
	return false
}
