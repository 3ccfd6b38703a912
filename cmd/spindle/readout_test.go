package main

import (
	"testing"

	"github.com/spindle-sim/spindle/snn"
)

func TestDrainTicks(t *testing.T) {
	proj := func(pre, post string, d float64) snn.Projection {
		return snn.Projection{Pre: pre, Post: post, Delay: snn.Const(d)}
	}
	pops := func(names ...string) []snn.Population {
		var ps []snn.Population
		for _, n := range names {
			ps = append(ps, snn.Population{Name: n})
		}
		return ps
	}
	tests := []struct {
		name  string
		net   snn.Network
		from  string
		ticks int
	}{
		{"chain", snn.Network{Dt: 1, Populations: pops("a", "b", "c"), Projections: []snn.Projection{proj("a", "b", 1), proj("b", "c", 3)}}, "a", 4},
		{"longest of two paths", snn.Network{Dt: 0.5, Populations: pops("a", "b", "c"), Projections: []snn.Projection{proj("a", "c", 1), proj("a", "b", 1), proj("b", "c", 1)}}, "a", 4},
		{"unreached", snn.Network{Dt: 1, Populations: pops("a", "b"), Projections: []snn.Projection{proj("b", "a", 2)}}, "a", 0},
		// A cycle is walked at most populations-1 projections deep.
		{"cycle", snn.Network{Dt: 1, Populations: pops("a", "b"), Projections: []snn.Projection{proj("a", "b", 1), proj("b", "a", 1)}}, "a", 1},
	}
	for _, tc := range tests {
		if got := drainTicks(&tc.net, tc.from); got != tc.ticks {
			t.Errorf("%s: %d ticks, want %d", tc.name, got, tc.ticks)
		}
	}
	// Dense recurrence stays cheap: 40 populations, every pair connected.
	var net snn.Network
	net.Dt = 1
	for i := range 40 {
		net.Populations = append(net.Populations, snn.Population{Name: string(rune('A' + i))})
	}
	for _, a := range net.Populations {
		for _, b := range net.Populations {
			net.Projections = append(net.Projections, proj(a.Name, b.Name, 1))
		}
	}
	if got := drainTicks(&net, "A"); got != 39 {
		t.Errorf("dense recurrence: %d ticks, want 39", got)
	}
}
