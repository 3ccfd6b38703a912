// Package snn describes a spiking neural network free of any hardware:
// populations of neurons, projections between them, the connectors that
// instantiate synapses, and stimuli.
//
// A Network is a declarative description. Build instantiates it into a
// Graph: concrete synapses in compressed sparse rows by presynaptic neuron,
// initial states and the per-population update constants of both numeric
// modes. Construction is deterministic for a seed: each projection and each
// population draws from its own PCG stream, so adding a projection does not
// change the synapses of another.
//
// The package also holds the arithmetic that every simulator of a Graph
// must share to agree bit for bit in fixed mode: the 12-bit decay, the
// 24-bit saturation, weight quantisation and the counter-based Poisson
// source.
package snn
