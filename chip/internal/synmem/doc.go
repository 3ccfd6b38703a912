// Package synmem models the synapse memory of a core: what each neuron
// of a network costs the core that holds it, expanded or with shared
// convolution kernels. The engine (chip) checks its cores with it and the
// mappers (chip/mapping) fill cores by it, so that both count alike.
package synmem
