package mapping

import (
	"fmt"
	"slices"

	"github.com/spindle-sim/spindle/chip"
	"github.com/spindle-sim/spindle/chip/internal/synmem"
	"github.com/spindle-sim/spindle/router"
	"github.com/spindle-sim/spindle/snn"
)

// placeAsGiven maps g as its network's placement says (snn.Placement):
// every placed neuron on its core, in neuron order or by its slot; the
// neurons of populations without a placement fill the cores after the
// last placed one in neuron order, as the sequential mapper fills. Every
// core is then checked against the per-core limits of a, an error naming
// the core, the population and the limit.
func placeAsGiven(g *snn.Graph, a *chip.Arch, in inAdjacency, chips int) (*chip.Mapping, error) {
	net := g.Net
	limit, board := boardCores(a, chips)
	coreOf := make([]int32, g.N)
	for i := range coreOf {
		coreOf[i] = -1
	}
	var slot []int32 // -1: none given
	last := -1
	for _, pl := range net.Placement {
		pi := net.PopulationIndex(pl.Population)
		first := g.PopStart[pi]
		if pl.Slots != nil && slot == nil {
			slot = make([]int32, g.N)
			for i := range slot {
				slot[i] = -1
			}
		}
		for k, c := range pl.Cores {
			if c >= limit {
				return nil, fmt.Errorf("map: placement: population %q: neuron %d (%s) on core %d, beyond the %d cores of %s",
					pl.Population, k, popName(g, first+k), c, limit, board)
			}
			coreOf[first+k] = int32(c)
			last = max(last, c)
			if pl.Slots != nil {
				slot[first+k] = int32(pl.Slots[k])
			}
		}
	}
	var rest []uint32
	for i, c := range coreOf {
		if c < 0 {
			rest = append(rest, uint32(i))
		}
	}
	if len(rest) > 0 {
		filled, _, err := greedy(g, a, in, rest, a.NeuronsPerCore, limitNeurons, synmem.New(g.Net, g.PopStart, a.ConvWeightSharing))
		if err != nil {
			return nil, err
		}
		for k, ns := range filled {
			for _, id := range ns {
				coreOf[id] = int32(last + 1 + k)
			}
		}
		last += len(filled)
		if last >= limit {
			return nil, fmt.Errorf("map: placement: the neurons without a placement need cores %d to %d, beyond the %d cores of %s",
				last+1-len(filled), last, limit, board)
		}
	}
	cores := make([][]uint32, last+1)
	for i, c := range coreOf {
		cores[c] = append(cores[c], uint32(i))
	}
	if slot != nil {
		if err := orderBySlot(g, cores, slot); err != nil {
			return nil, err
		}
	}
	if err := checkPlacedCores(g, a, in, cores, coreOf); err != nil {
		return nil, err
	}
	chips, err := boardChips(a, len(cores), chips, "", func(int) string { return "" })
	if err != nil {
		return nil, err
	}
	m := &chip.Mapping{Strategy: "placement", Cores: cores, CoreOf: make([]uint32, g.N), Chips: chips}
	m.ChipsX, m.ChipsY = chipGrid(chips)
	for i, c := range coreOf {
		m.CoreOf[i] = uint32(c)
	}
	return m, nil
}

// boardCores returns the cores a board of chips chips (0: as many as
// needed, up to max_chips) can have, and a description.
func boardCores(a *chip.Arch, chips int) (int, string) {
	switch {
	case chips > 0:
		return chips * a.CoresPerChip(), fmt.Sprintf("a board of %d chips of %d cores", chips, a.CoresPerChip())
	case a.MaxChips > 0:
		return a.MaxChips * a.CoresPerChip(), fmt.Sprintf("arch %q (max_chips %d of %d cores)", a.Name, a.MaxChips, a.CoresPerChip())
	}
	// No limit but the router's: a typo's core must not allocate a board.
	return router.MaxTiles * a.CoresPerTile, fmt.Sprintf("the largest board the router models (%d tiles of %d cores)", router.MaxTiles, a.CoresPerTile)
}

// orderBySlot orders the neurons of every core that has slots by them;
// such a core needs a slot for each of its neurons, and distinct ones.
func orderBySlot(g *snn.Graph, cores [][]uint32, slot []int32) error {
	for c, ns := range cores {
		slotted := 0
		for _, id := range ns {
			if slot[id] >= 0 {
				slotted++
			}
		}
		if slotted == 0 {
			continue
		}
		for _, id := range ns {
			if slot[id] < 0 {
				p := g.PopOf(int(id))
				return fmt.Errorf("map: placement: core %d: population %q (neuron %s) has no slot, but other neurons on the core have: give every neuron on a core a slot, or none",
					c, g.Net.Populations[p].Name, popName(g, int(id)))
			}
		}
		slices.SortStableFunc(ns, func(x, y uint32) int { return int(slot[x] - slot[y]) })
		for k := 1; k < len(ns); k++ {
			if slot[ns[k]] == slot[ns[k-1]] {
				p := g.PopOf(int(ns[k]))
				return fmt.Errorf("map: placement: core %d: population %q: neurons %s and %s share slot %d",
					c, g.Net.Populations[p].Name, popName(g, int(ns[k-1])), popName(g, int(ns[k])), slot[ns[k]])
			}
		}
	}
	return nil
}

// checkPlacedCores checks every core against the per-core limits of a, in
// the order of its neurons: the error names the core, the population of
// the neuron that breaks a limit and the limit.
func checkPlacedCores(g *snn.Graph, a *chip.Arch, in inAdjacency, cores [][]uint32, coreOf []int32) error {
	input := make([]int32, g.N)         // core+1 that already receives this neuron's axon
	output := make([]int32, len(cores)) // neuron+1 that already routes to this core
	over := func(c int, id uint32, what string, n int, field string, lim int) error {
		p := g.PopOf(int(id))
		return fmt.Errorf("map: placement: core %d: population %q (neuron %s) takes the core to %d %s, over %s %d of arch %q",
			c, g.Net.Populations[p].Name, popName(g, int(id)), n, what, field, lim, a.Name)
	}
	for c, ns := range cores {
		synapses, axons, routes := 0, 0, 0
		for k, id := range ns {
			if k+1 > a.NeuronsPerCore {
				return over(c, id, "neurons", k+1, "neurons_per_core", a.NeuronsPerCore)
			}
			pre := in.pre[in.start[id]:in.start[id+1]]
			if synapses += len(pre); synapses > a.SynapsesPerCore {
				return over(c, id, "synapses", synapses, "synapses_per_core", a.SynapsesPerCore)
			}
			for _, p := range pre {
				if input[p] != int32(c+1) {
					input[p] = int32(c + 1)
					axons++
				}
			}
			if axons > a.InputAxonsPerCore {
				return over(c, id, "distinct inputs", axons, "input_axons_per_core", a.InputAxonsPerCore)
			}
			for s := g.PreStart[id]; s < g.PreStart[id+1]; s++ {
				if d := coreOf[g.Post[s]]; output[d] != int32(id)+1 {
					output[d] = int32(id) + 1
					routes++
				}
			}
			if routes > a.OutputAxonsPerCore {
				return over(c, id, "routes (neuron, destination core)", routes, "output_axons_per_core", a.OutputAxonsPerCore)
			}
		}
	}
	return nil
}
