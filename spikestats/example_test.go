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
