package spikestats_test

import (
	"fmt"

	"github.com/spindle-sim/spindle/spikestats"
)

// The ISI CV of a population, streamed: the mean over its neurons of each
// neuron's CV, as spindle trace stats reports it.
func ExampleStream() {
	var s spikestats.Stream
	for _, sp := range []spikestats.Spike{
		// Neuron 0 is regular (CV 0), neuron 1 has intervals 1 and 3 (CV 0.5).
		{Time: 0, Addr: 0}, {Time: 0, Addr: 1}, {Time: 1, Addr: 1},
		{Time: 4, Addr: 1}, {Time: 10, Addr: 0}, {Time: 20, Addr: 0},
	} {
		s.Add(sp)
	}
	for _, p := range s.ByPopulation([]spikestats.Population{{Name: "exc", First: 0, Size: 2}}) {
		fmt.Printf("%s: %d spikes, ISI CV %.2f\n", p.Name, p.Count, p.ISICV)
	}
	// Output:
	// exc: 6 spikes, ISI CV 0.25
}

// The spike-level agreement of two runs: neuron 1 spikes a tick later in
// b, so one spike of two is shared.
func ExampleAgree() {
	a := []spikestats.Spike{{Time: 0, Addr: 0}, {Time: 5, Addr: 1}}
	b := []spikestats.Spike{{Time: 0, Addr: 0}, {Time: 6, Addr: 1}}
	ag := spikestats.Agree(a, b, 1, spikestats.DefaultTauMs)
	fmt.Printf("identical %v, %d and %d spikes, fraction %.2f, van Rossum %.3f (tau %g ms)\n",
		ag.Identical, ag.SpikesA, ag.SpikesB, ag.IdenticalFraction, ag.VanRossum, ag.VanRossumTauMs)
	// Output:
	// identical false, 2 and 2 spikes, fraction 0.50, van Rossum 0.154 (tau 10 ms)
}
