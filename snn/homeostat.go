package snn

// Homeostat is the homeostatic state of one neuron: the target sum of its
// plastic excitatory inputs, and those inputs as indices into a
// simulator's table of plastic synapses. The event engine keeps one per
// compartment of a core, the dense reference one per neuron; both step
// them with the same arithmetic.
type Homeostat struct {
	Neuron uint32 // the simulator's index of the neuron
	Target float64
	Syns   []uint32
	l      *Learner
}

// Homeostats finds the neurons with homeostatic inputs. A simulator's
// plastic synapse k belongs to projection proj[k] (rules is by
// projection) and has state syn[k]; inputs(n) lists the plastic inputs of
// neuron n. Each target starts at the sum of the initial weights.
func Homeostats(neurons int, inputs func(n int) []uint32, rules []*Learner, proj []uint16, syn []SynState) []Homeostat {
	var hs []Homeostat
	for n := 0; n < neurons; n++ {
		var h *Homeostat
		for _, k := range inputs(n) {
			r := rules[proj[k]]
			if !r.Homeo {
				continue
			}
			if h == nil {
				hs = append(hs, Homeostat{Neuron: uint32(n), l: r})
				h = &hs[len(hs)-1]
			}
			h.Syns = append(h.Syns, k)
			h.Target += syn[k].W
		}
	}
	return hs
}

// Due reports whether tick t ends a homeostasis period, or (with
// Homeostasis.OnReward) a tick whose reward changed the weights: only
// then is Step called, so that a simulator reads the neuron's rate (an
// exponential) rarely rather than every tick.
func (h *Homeostat) Due(t int64) bool { return h.l.homeoDue(t) }

// Step runs the homeostasis of tick t (see Due): at the end of a period
// the target follows the neuron's rate (Hz); then every input is scaled
// so that the inputs sum to the target (heterosynaptic scaling, bounded
// by each rule).
func (h *Homeostat) Step(t int64, rate float64, rules []*Learner, proj []uint16, syn []SynState, gid []uint32) {
	if h.l.periodEnd(t) {
		h.Target = h.l.HomeoTarget(h.Target, rate)
	}
	sum := 0.0
	for _, k := range h.Syns {
		sum += syn[k].W
	}
	if sum <= 0 {
		return
	}
	for _, k := range h.Syns {
		rules[proj[k]].Normalize(&syn[k], uint64(gid[k]), t, h.Target, sum)
	}
}
