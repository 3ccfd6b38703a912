package chip

// Mapping places every neuron of a graph on a core of a board. Package
// chip/mapping makes one (mapping.Map); the engine reads it.
type Mapping struct {
	// Strategy is the name of the mapping.Mapper that placed the neurons, or
	// "placement" for a network mapped as its placement says.
	Strategy string
	Cores    [][]uint32 // global neuron ids per core
	CoreOf   []uint32   // core of each global neuron
	Chips    int        // chips on the board
	ChipsX   int        // the board's grid of chips
	ChipsY   int
	// Binding names the per-core limits, by their arch fields, that made
	// the mapper open another core: the limit the next neuron would have
	// broken (output_axons_per_core when the cores had to shrink for it).
	// Empty when every neuron fits on one core.
	Binding []string
}

// CoresUsed returns the number of cores that hold neurons.
func (m *Mapping) CoresUsed() int {
	n := 0
	for _, c := range m.Cores {
		if len(c) > 0 {
			n++
		}
	}
	return n
}
