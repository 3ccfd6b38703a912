// Package dense is the clock-driven reference simulator of an snn.Graph.
//
// It shares no state and no code path with the event engine (core, router,
// chip) beyond the parameter conversion and arithmetic of package snn, and
// computes the same thing a different way: the synapses become dense
// weight matrices (gonum mat.Dense), the spikes of each tick become a 0/1
// vector, and the synaptic input of a tick is a sum of matrix-vector
// products of those matrices with the spike vectors of past ticks.
//
// # Semantics
//
// Tick t = 0, 1, 2, ... proceeds in three steps.
//
// Input: every synapse (pre j, post i, receptor r, delay d) whose
// presynaptic neuron spiked at tick t-d adds its weight to input_r[i]. In
// float mode the weight is g.Weight(s) (mV); in fixed mode it is
// g.FixedWeights(WeightBits) (state units), summed exactly.
//
// Update: each LIF neuron of population p, with c := &g.Params[p], starting
// from v = g.VInit[i] (float) or g.FixedVInit(i) (fixed), I = 0, ref = 0:
//
//	float: I_r = I_r*c.KeepI[r] + input_r
//	       if ref > 0 { ref-- } else {
//	           v = v*c.KeepV + (ΣI + c.Bias)*c.GainV
//	           if v > c.VTh { spike; v = c.VReset; ref = c.RefTicks } }
//	fixed: I_r = Saturate(MulShift(I_r, c.FKeepI[r]) + input_r)
//	       if ref > 0 { ref-- } else {
//	           v = Saturate(MulShift(v, c.FKeepV) + MulShift(ΣI + c.FBias, c.FGainV))
//	           if v > c.FVTh { spike; v = c.FVReset; ref = c.RefTicks } }
//
// Inputs: spike k = 0, 1, ... of Poisson neuron j of population p falls on
// tick t_0 = snn.PoissonInterval(seed, p, j, 0, P) - 1 and t_k = t_(k-1) +
// snn.PoissonInterval(seed, p, j, k, P), with P = g.PoissonP(p) and seed =
// g.Net.Seed. A spike-source neuron fires at g.SourceTicks(p, j); a tick
// listed k times there (a graded population) is k spikes, and the neuron's
// entry of the spike vector is k.
//
// The spikes of tick t, of every kind, are the presynaptic events of ticks
// t+1 and later.
//
// # Matrices
//
// The synapses are grouped into blocks keyed by (delay, receptor,
// presynaptic population, postsynaptic population). Each block is one
// dense matrix W with W[i][j] the summed weight of the synapses from
// neuron j of the presynaptic population to neuron i of the postsynaptic
// one. It is stored transposed (a pre × post mat.Dense), so that the
// contribution of one spiking presynaptic neuron is a contiguous row. By
// default the product W·s is one mat.VecDense.MulVec over the whole spike
// vector. With Options.SpikeRows, a block whose presynaptic population
// fired k of its n neurons at tick t-d with 2k < n is instead the sum of
// the k rows of the stored Wᵀ of the neurons that fired (the same product,
// skipping zero entries of s).
// Blocks whose presynaptic population was silent at t-d are skipped.
//
// In fixed mode every matrix entry and every partial sum is an integer of
// magnitude below 2^53, so float64 arithmetic is exact and the result does
// not depend on summation order: the dense reference and the event engine
// agree bit for bit. In float mode the order of summation differs from the
// event engine's and agreement is statistical.
//
// # Memory
//
// New refuses a graph whose footprint exceeds Options.MaxBytes; Footprint
// reports it in advance. The footprint, in bytes, is
//
//	8 · Σ_blocks pre·post          weight matrices
//	+ 8 · D·N                      ring of D = max(1, g.MaxDelay) spike vectors
//	+ 8 · R·N + 8 · max post       input vectors (R = most receptors) and a scratch vector
//	+ 8 · (1+R)·N + 4·N            membrane, currents, refractory counters
//	+ 16 · (Poisson neurons) + 32 · (spike-source neurons) + 8 · (their spike times)
//
// where pre and post are the sizes of a block's populations and N the
// number of neurons.
package dense
