package snn

import "math"

// FixedWeights returns every synapse weight in fixed-mode state units of
// its postsynaptic population, quantised as hardware stores it: one signed
// mantissa of the given number of bits per synapse and one exponent per
// projection, w = mantissa << exponent. The exponent is the smallest that
// lets the projection's largest weight fit.
func (g *Graph) FixedWeights(bits int) []int32 {
	if bits < 2 {
		bits = 2
	}
	// Two passes over the synapses, the exact weight computed in each,
	// rather than a float64 per synapse held between them: on a network of
	// 100 M synapses that array alone would be 800 MB.
	exact := func(s int) float64 {
		return g.Weight[s] * g.Params[g.PopOf(int(g.Post[s]))].Scale
	}
	maxAbs := make([]float64, len(g.Net.Projections))
	for s := range g.Weight {
		if a := math.Abs(exact(s)); a > maxAbs[g.Proj[s]] {
			maxAbs[g.Proj[s]] = a
		}
	}
	limit := math.Ldexp(1, min(bits, 32)-1) - 1
	exp := make([]int, len(maxAbs))
	for p, m := range maxAbs {
		for math.Round(m/math.Ldexp(1, exp[p])) > limit {
			exp[p]++
		}
	}
	w := make([]int32, len(g.Weight))
	for s := range w {
		e := exp[g.Proj[s]]
		m := math.Round(exact(s) / math.Ldexp(1, e))
		w[s] = int32(saturateFloat(math.Ldexp(m, e)))
	}
	return w
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
// population: each time rounded to the nearest tick, duplicates merged.
func (g *Graph) SourceTicks(pop, i int) []int64 {
	ts := g.Net.Populations[pop].SpikeTimes[i]
	out := make([]int64, 0, len(ts))
	for _, t := range ts {
		k := int64(math.Round(t / g.Net.Dt))
		if len(out) == 0 || out[len(out)-1] != k {
			out = append(out, k)
		}
	}
	return out
}
