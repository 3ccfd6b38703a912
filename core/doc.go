// Package core simulates one neuromorphic core: the state of its
// compartments in structure-of-arrays form, its synapse memory in
// compressed sparse rows by input axon, a dendritic ring buffer that holds
// input for each future tick up to the longest delay, and its input
// sources (Poisson generators and spike arrays).
//
// A core knows nothing of the network-on-chip. The chip package builds it
// with Builder, hands it the packets addressed to it with Deliver, and
// calls Update once per tick to advance every compartment and collect the
// spikes it emits.
package core
