package chip

import (
	"fmt"
	"math"

	"github.com/spindle-sim/spindle/snn"
)

// Mapping places every neuron of a graph on a core of a board.
type Mapping struct {
	Strategy string
	Cores    [][]uint32 // global neuron ids per core
	CoreOf   []uint32   // core of each global neuron
	Chips    int        // chips on the board
	ChipsX   int        // the board's grid of chips
	ChipsY   int
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

// Mappers lists the mapping strategies Map accepts.
var Mappers = []string{"sequential", "balanced"}

// Map places the neurons of g on the cores of arch a. Strategy is one of
// Mappers; chips is the number of chips on the board, or 0 for as many as
// the network needs.
//
// Both strategies fill cores in neuron order and open a new core as soon
// as one more neuron would break a limit of the core: neurons, synapse
// memory or input axons. "sequential" fills each core to its limits;
// "balanced" spreads the neurons evenly over the same number of cores, so
// that the slowest core of a tick has as little work as possible.
func Map(g *snn.Graph, a *Arch, strategy string, chips int) (*Mapping, error) {
	if chips < 0 {
		return nil, fmt.Errorf("map: chips %d: expected 0 (as many as needed) or a positive count", chips)
	}
	in := incoming(g)
	perCore := a.NeuronsPerCore
	for {
		cores, err := greedy(g, a, in, perCore)
		if err != nil {
			return nil, err
		}
		switch strategy {
		case "sequential", "":
			strategy = "sequential"
		case "balanced":
			if len(cores) > 0 {
				if cores, err = greedy(g, a, in, (g.N+len(cores)-1)/len(cores)); err != nil {
					return nil, err
				}
			}
		default:
			return nil, fmt.Errorf("map: strategy %q: expected one of %v", strategy, Mappers)
		}
		// Output axons depend on where every target landed, so they are
		// checked after placement: a core over its limit shrinks the
		// cores and the placement runs again.
		worst, used := outputAxons(g, cores)
		if used <= a.OutputAxonsPerCore {
			return board(g, a, strategy, cores, chips)
		}
		if len(cores[worst]) <= 1 {
			return nil, fmt.Errorf("map: neuron %d (%s) projects to %d cores, above the %d output axons of a core of arch %q",
				cores[worst][0], popName(g, int(cores[worst][0])), used, a.OutputAxonsPerCore, a.Name)
		}
		next := len(cores[worst]) * a.OutputAxonsPerCore / used
		perCore = min(perCore-1, max(1, next))
	}
}

// outputAxons returns the core with the most (neuron, destination core)
// routes and how many it has.
func outputAxons(g *snn.Graph, cores [][]uint32) (worst, most int) {
	coreOf := make([]int32, g.N)
	for c, ns := range cores {
		for _, id := range ns {
			coreOf[id] = int32(c)
		}
	}
	stamp := make([]int32, len(cores))
	for c, ns := range cores {
		n := 0
		for _, id := range ns {
			for s := g.PreStart[id]; s < g.PreStart[id+1]; s++ {
				if d := coreOf[g.Post[s]]; stamp[d] != int32(id)+1 {
					stamp[d] = int32(id) + 1
					n++
				}
			}
		}
		if n > most {
			worst, most = c, n
		}
	}
	return worst, most
}

// board lays the cores on as many chips as needed (or as given) and
// checks the board's limits.
func board(g *snn.Graph, a *Arch, strategy string, cores [][]uint32, chips int) (*Mapping, error) {
	perChip := a.CoresPerChip()
	need := max(1, (len(cores)+perChip-1)/perChip)
	if chips == 0 {
		chips = need
	}
	if need > chips {
		return nil, fmt.Errorf("map: the network needs %d cores = %d chips of %d cores; the board has %d chips (raise --chips)", len(cores), need, perChip, chips)
	}
	if a.MaxChips > 0 && chips > a.MaxChips {
		return nil, fmt.Errorf("map: the network needs %d chips of %d cores but arch %q allows at most %d chips (%d cores)", chips, perChip, a.Name, a.MaxChips, a.MaxChips*perChip)
	}
	m := &Mapping{Strategy: strategy, Cores: cores, CoreOf: make([]uint32, g.N), Chips: chips}
	m.ChipsX = int(math.Ceil(math.Sqrt(float64(chips))))
	m.ChipsY = (chips + m.ChipsX - 1) / m.ChipsX
	for c, ns := range cores {
		for _, id := range ns {
			m.CoreOf[id] = uint32(c)
		}
	}
	return m, nil
}

// inAdjacency lists the presynaptic neurons of every neuron.
type inAdjacency struct {
	start []int
	pre   []uint32
}

func incoming(g *snn.Graph) inAdjacency {
	in := inAdjacency{start: make([]int, g.N+1), pre: make([]uint32, g.Synapses())}
	for _, p := range g.Post {
		in.start[p+1]++
	}
	for i := 0; i < g.N; i++ {
		in.start[i+1] += in.start[i]
	}
	next := append([]int(nil), in.start[:g.N]...)
	for i := 0; i < g.N; i++ {
		for s := g.PreStart[i]; s < g.PreStart[i+1]; s++ {
			p := g.Post[s]
			in.pre[next[p]] = uint32(i)
			next[p]++
		}
	}
	return in
}

// greedy fills cores in neuron order, at most perCore neurons each,
// opening a new core when the next neuron would break a core limit.
func greedy(g *snn.Graph, a *Arch, in inAdjacency, perCore int) ([][]uint32, error) {
	var cores [][]uint32
	var cur []uint32
	synapses, axons := 0, 0
	onCore := make([]int32, g.N) // core+1 that already receives this neuron's axon
	seen := make([]int32, g.N)   // neuron+1 counted for the candidate
	close := func() {
		if len(cur) > 0 {
			cores = append(cores, cur)
			cur, synapses, axons = nil, 0, 0
		}
	}
	for i := 0; i < g.N; i++ {
		fanIn := in.start[i+1] - in.start[i]
		if fanIn > a.MaxFanIn {
			return nil, fmt.Errorf("map: neuron %d (%s): fan-in %d exceeds the limit of %d synapses per neuron of arch %q", i, popName(g, i), fanIn, a.MaxFanIn, a.Name)
		}
		newAxons := func(core int32) int {
			n := 0
			for _, p := range in.pre[in.start[i]:in.start[i+1]] {
				if onCore[p] != core && seen[p] != int32(i+1) {
					seen[p] = int32(i + 1)
					n++
				}
			}
			return n
		}
		// Reset the per-candidate marks by using a fresh stamp for a recount.
		core := int32(len(cores) + 1)
		na := newAxons(core)
		if len(cur)+1 > perCore || synapses+fanIn > a.SynapsesPerCore || axons+na > a.InputAxonsPerCore {
			close()
			core = int32(len(cores) + 1)
			for _, p := range in.pre[in.start[i]:in.start[i+1]] {
				seen[p] = 0
			}
			na = newAxons(core)
			if fanIn > a.SynapsesPerCore {
				return nil, fmt.Errorf("map: neuron %d (%s): %d synapses exceed a core's synapse memory of %d", i, popName(g, i), fanIn, a.SynapsesPerCore)
			}
			if na > a.InputAxonsPerCore {
				return nil, fmt.Errorf("map: neuron %d (%s): %d distinct inputs exceed a core's %d input axons", i, popName(g, i), na, a.InputAxonsPerCore)
			}
		}
		for _, p := range in.pre[in.start[i]:in.start[i+1]] {
			onCore[p] = core
		}
		cur = append(cur, uint32(i))
		synapses += fanIn
		axons += na
	}
	close()
	return cores, nil
}

func popName(g *snn.Graph, i int) string {
	p := g.PopOf(i)
	return fmt.Sprintf("%s[%d]", g.Net.Populations[p].Name, i-g.PopStart[p])
}
