package main

import (
	"math"
	"slices"
	"strings"

	"github.com/spindle-sim/spindle/chip"
	"github.com/spindle-sim/spindle/snn"
)

// readout counts the spikes of every neuron of one population.
type readout struct {
	pop    string
	lo, hi int // its global neuron range, once the graph is built
	counts []int64
	// voltages, for a population that never fires (a NIR LI, CubaLI or I
	// output): the membrane potential of each neuron at the end, mV.
	voltages []float64
}

// readoutReport is the readout of a run; its JSON keys are part of the
// command-line contract.
type readoutReport struct {
	Population string  `json:"population"`
	Counts     []int64 `json:"counts"`
	// Argmax is the neuron with the most spikes, the first of them on a
	// tie (as numpy.argmax); Tied counts the neurons sharing that count.
	Argmax int `json:"argmax"`
	Tied   int `json:"tied"`
	// Voltages, for a population without a reachable threshold (a NIR LI,
	// CubaLI or I node, whose output is its voltage): every neuron's
	// membrane potential relative to rest at the end of the run, mV;
	// Argmax and Tied then refer to them.
	Voltages []float64 `json:"voltages,omitempty"`
}

// newReadout checks that pop names a population of net; an empty pop
// reads out nothing (nil).
func newReadout(net *snn.Network, pop string) (*readout, error) {
	if pop == "" {
		return nil, nil
	}
	i := net.PopulationIndex(pop)
	if i < 0 {
		names := make([]string, len(net.Populations))
		for k, p := range net.Populations {
			names[k] = p.Name
		}
		return nil, usagef("--readout %q: unknown population of network %q (have: %s)", pop, net.Name, strings.Join(names, ", "))
	}
	return &readout{pop: pop, lo: -1, counts: make([]int64, net.Populations[i].Size)}, nil
}

// spike counts a spike of global neuron id of g.
func (r *readout) spike(g *snn.Graph, id uint32) {
	if r == nil {
		return
	}
	if r.lo < 0 {
		k := g.Net.PopulationIndex(r.pop)
		r.lo, r.hi = g.PopStart[k], g.PopStart[k+1]
	}
	if i := int(id); i >= r.lo && i < r.hi {
		r.counts[i-r.lo]++
	}
}

// final reads the membrane potentials of a population that never fires
// from the engine at the end of the run.
func (r *readout) final(eng *chip.Engine, g *snn.Graph, mode snn.Mode) {
	if r == nil {
		return
	}
	k := g.Net.PopulationIndex(r.pop)
	p := &g.Net.Populations[k]
	if p.Kind != snn.LIF || p.Neuron.VTh != math.MaxFloat64 {
		return
	}
	r.voltages = make([]float64, p.Size)
	for i := range r.voltages {
		v, _ := eng.State(uint32(g.PopStart[k] + i))
		if mode == snn.Fixed {
			v /= g.Params[k].Scale
		}
		r.voltages[i] = v
	}
}

// report returns the counts, or the voltages of a population that never
// fires, and their argmax; nil without a readout.
func (r *readout) report() *readoutReport {
	if r == nil {
		return nil
	}
	rep := &readoutReport{Population: r.pop, Counts: r.counts, Voltages: r.voltages, Argmax: -1}
	n := len(r.counts)
	at := func(i int) float64 { return float64(r.counts[i]) }
	if r.voltages != nil {
		at = func(i int) float64 { return r.voltages[i] }
	}
	for i := range n {
		switch {
		case rep.Argmax < 0 || at(i) > at(rep.Argmax):
			rep.Argmax, rep.Tied = i, 1
		case at(i) == at(rep.Argmax):
			rep.Tied++
		}
	}
	return rep
}

// drainTicks returns the ticks a spike of population from takes to reach
// the population farthest from it along the projections, by their longest
// delays, over paths of at most as many projections as there are
// populations (so a recurrent network's cycles count once or so, not
// forever): the longest such walk, found by relaxing every projection
// once per population.
func drainTicks(net *snn.Network, from string) int {
	delay := make([]int, len(net.Projections)) // ticks
	pre := make([]int, len(net.Projections))
	post := make([]int, len(net.Projections))
	for k := range net.Projections {
		pr := &net.Projections[k]
		delay[k] = projDelayTicks(net, pr)
		pre[k], post[k] = net.PopulationIndex(pr.Pre), net.PopulationIndex(pr.Post)
	}
	at := make([]int, len(net.Populations)) // -1: not reached
	for i := range at {
		at[i] = -1
	}
	start := net.PopulationIndex(from)
	if start < 0 {
		return 0
	}
	at[start] = 0
	best := 0
	for range len(net.Populations) - 1 {
		next := slices.Clone(at)
		for k := range delay {
			if at[pre[k]] >= 0 {
				next[post[k]] = max(next[post[k]], at[pre[k]]+delay[k])
			}
		}
		at = next
	}
	for _, d := range at {
		best = max(best, d)
	}
	return best
}

// projDelayTicks returns the longest delay of a projection in ticks, at
// least one.
func projDelayTicks(net *snn.Network, pr *snn.Projection) int {
	d := net.Dt
	if pr.Delay.IsSet() {
		switch pr.Delay.Kind {
		case snn.Constant:
			d = pr.Delay.Value
		default:
			d = pr.Delay.High
		}
	}
	c := &pr.Connector
	for k := range c.List {
		if c.List[k].HasDelay {
			d = max(d, c.List[k].Delay)
		}
	}
	for _, x := range c.Table.Delay {
		if x == x { // not NaN: given
			d = max(d, x)
		}
	}
	return max(1, int(d/net.Dt+0.5))
}
