package snn

import "math"

// FixedWeights returns every synapse weight in fixed-mode state units of
// its postsynaptic population, quantised as hardware stores it: one signed
// mantissa of the given number of bits per synapse and one exponent per
// projection, w = mantissa << exponent. The exponent is the smallest that
// lets the projection's largest weight fit.
func (g *Graph) FixedWeights(bits int) []int32 {
	q := g.FixedQuantiser(bits)
	w := make([]int32, g.Synapses())
	for s := range w {
		w[s] = q.Weight(s)
	}
	return w
}

// FixedQuantiser holds the exponent of every projection, so that the
// fixed-mode weights of FixedWeights can be computed one synapse at a
// time where they are stored, without an array of 4 bytes per synapse.
type FixedQuantiser struct {
	g     *Graph
	scale []float64 // state units per mV of each projection's targets
	exp   []int
}

// FixedQuantiser returns the quantiser of FixedWeights(bits).
func (g *Graph) FixedQuantiser(bits int) *FixedQuantiser {
	if bits < 2 {
		bits = 2
	}
	n := g.Net
	q := &FixedQuantiser{g: g, scale: make([]float64, len(n.Projections)), exp: make([]int, len(n.Projections))}
	for k := range n.Projections {
		q.scale[k] = g.Params[n.PopulationIndex(n.Projections[k].Post)].Scale
	}
	maxAbs := make([]float64, len(n.Projections))
	for s := range g.Synapses() {
		if a := math.Abs(q.exact(s)); a > maxAbs[g.Proj[s]] {
			maxAbs[g.Proj[s]] = a
		}
	}
	limit := math.Ldexp(1, min(bits, 32)-1) - 1
	for p, m := range maxAbs {
		for math.Round(m/math.Ldexp(1, q.exp[p])) > limit {
			q.exp[p]++
		}
	}
	return q
}

// exact is the weight of synapse s in state units, before quantisation.
func (q *FixedQuantiser) exact(s int) float64 {
	return q.g.Weight(s) * q.scale[q.g.Proj[s]]
}

// Weight returns the quantised weight of synapse s.
func (q *FixedQuantiser) Weight(s int) int32 {
	return q.Quantise(q.g.Weight(s), int(q.g.Proj[s]))
}

// Quantise returns the quantised weight of a synapse of projection k
// whose weight is w mV: Weight(s) is Quantise(Weight(s), Proj[s]) of the
// graph.
func (q *FixedQuantiser) Quantise(w float64, k int) int32 {
	e := q.exp[k]
	m := math.Round(w * q.scale[k] / math.Ldexp(1, e))
	return int32(saturateFloat(math.Ldexp(m, e)))
}

// FixedVInit returns the initial membrane potential of neuron i in
// fixed-mode state units.
func (g *Graph) FixedVInit(i int) int32 {
	p := &g.Params[g.PopOf(i)]
	return p.ToFixed(g.VInit[i])
}

// PoissonP returns the per-tick spike probability of a Poisson population.
func (g *Graph) PoissonP(pop int) float64 {
	return g.Net.Populations[pop].RateHz * g.Net.Dt / 1000
}

// SourceTicks returns the spike ticks of neuron i of a spike-source
// population: each time rounded to the nearest tick, in order. Times that
// fall in one tick merge into one spike, unless the population is Graded:
// then k of them are a graded spike of k, which every simulator delivers
// as k spikes of the neuron in that tick.
func (g *Graph) SourceTicks(pop, i int) []int64 {
	p := &g.Net.Populations[pop]
	ts := p.SpikeTimes[i]
	out := make([]int64, 0, len(ts))
	for _, t := range ts {
		k := int64(math.Round(t / g.Net.Dt))
		if p.Graded || len(out) == 0 || out[len(out)-1] != k {
			out = append(out, k)
		}
	}
	return out
}
