package chip

import (
	"github.com/spindle-sim/spindle/core"
	"github.com/spindle-sim/spindle/router"
)

// cost accumulates the modelled energy and time of a run, tick by tick.
// See docs/energy.md for the model and the sources of the figures.
type cost struct {
	synaptic, neuron, spike, network, barrier float64 // joules
	learning                                  float64 // joules
	seconds, tickMax                          float64
}

// charge adds one tick in which core c did work[c] and the network did ts.
// The tick lasts as long as its slowest core plus the network's drain,
// plus the barrier in barrier sync; a real-time tick lasts at least its
// budget.
func (k *cost) charge(a *Arch, work []core.Counters, ts router.TickStats) {
	slowest := 0.0
	for _, w := range work {
		k.synaptic += float64(w.SynapticEvents) * a.SynOpEnergy
		k.neuron += float64(w.NeuronUpdates) * a.NeuronUpdateEnergy
		k.spike += float64(w.Spikes) * a.SpikeEnergy
		// A learning engine's pass over a synapse reads and writes its
		// state as a synaptic event does; no calibrated figure of its
		// own is published, so it is charged as one (docs/energy.md).
		k.learning += float64(w.LearningUpdates) * a.SynOpEnergy
		t := float64(w.SynapticEvents+w.LearningUpdates)*a.SynOpLatency + float64(w.NeuronUpdates)*a.NeuronUpdateLatency + float64(w.Spikes)*a.SpikeLatency
		slowest = max(slowest, t)
	}
	k.network += ts.EnergyJoules
	tick := slowest + ts.DrainSeconds
	switch a.Sync {
	case Barrier:
		tick += a.BarrierLatency
		k.barrier += a.BarrierEnergy
	case Realtime:
		tick = max(tick, a.TickBudget)
	}
	k.seconds += tick
	k.tickMax = max(k.tickMax, tick)
}

// fill writes the totals into s. Without neuron updates (a traffic
// replay) the energy has no "neuron" component.
func (k *cost) fill(s *Stats, neurons bool) {
	s.EnergyByComponent = map[string]float64{
		"synaptic": k.synaptic, "spike": k.spike, "network": k.network, "barrier": k.barrier,
	}
	if neurons {
		s.EnergyByComponent["neuron"] = k.neuron
	}
	if k.learning > 0 {
		s.EnergyByComponent["learning"] = k.learning
	}
	s.EnergyJoules = k.synaptic + k.neuron + k.spike + k.network + k.barrier + k.learning
	s.ModelledSeconds = k.seconds
	s.ModelledTickMax = k.tickMax
}
