package mapping

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync"

	"github.com/spindle-sim/spindle/chip"
	"github.com/spindle-sim/spindle/chip/internal/synmem"
	"github.com/spindle-sim/spindle/snn"
)

// fillLimits is a set of the per-core limits the greedy fill checks.
type fillLimits uint8

const (
	limitNeurons fillLimits = 1 << iota
	limitSynapses
	limitInputAxons
	limitOutputAxons
)

// names lists the limits of the set by their arch fields, in a fixed order.
func (l fillLimits) names() []string {
	names := []string{}
	for k, name := range []string{"neurons_per_core", "synapses_per_core", "input_axons_per_core", "output_axons_per_core"} {
		if l&(1<<k) != 0 {
			names = append(names, name)
		}
	}
	return names
}

// Mapper is a mapping strategy: how Map assigns neurons to cores. The
// zero value is Sequential.
type Mapper uint8

// The mapping strategies (see Map and docs/mapping.md).
const (
	Sequential Mapper = iota // cores filled in neuron order
	Balanced                 // the same number of cores, evenly filled
	Random                   // cores filled in a seeded random order of the neurons
	Locality                 // graph partition for local traffic, then placement on the mesh
	numMappers
)

var mapperNames = [numMappers]string{"sequential", "balanced", "random", "locality"}

// Mappers returns every mapping strategy, in the order of their values.
func Mappers() []Mapper {
	all := make([]Mapper, numMappers)
	for i := range all {
		all[i] = Mapper(i)
	}
	return all
}

// String returns the strategy's name, as the command line's --map takes it.
func (m Mapper) String() string {
	if m < numMappers {
		return mapperNames[m]
	}
	return fmt.Sprintf("mapper(%d)", uint8(m))
}

// ParseMapper reads a strategy by its name, as String writes it.
func ParseMapper(name string) (Mapper, error) {
	for i, n := range mapperNames {
		if n == name {
			return Mapper(i), nil
		}
	}
	return 0, fmt.Errorf("map: strategy %q: expected one of %s", name, strings.Join(mapperNames[:], ", "))
}

// valid checks m, for Map and CheckFit.
func (m Mapper) valid() error {
	if m >= numMappers {
		return fmt.Errorf("map: strategy %v: expected one of %s", m, strings.Join(mapperNames[:], ", "))
	}
	return nil
}

// Options tune Map.
type Options struct {
	// Rates are the expected spikes per tick of every neuron, used by the
	// locality mapper to weigh traffic; nil means ExpectedRates(g).
	Rates []float64
	// Fit is the fill CheckFit made of g's network for the same arch and
	// strategy, which Map then takes instead of filling again; nil, or
	// one made for another network, arch or strategy: Map fills.
	Fit *Fit
}

// Map places the neurons of g on the cores of arch a with strategy;
// chips is the number of chips on the board, or 0 for as many as
// the network needs.
//
// Every strategy fills cores with the same greedy limit logic: a new core
// is opened as soon as one more neuron would break a limit of the core
// (neurons, synapse memory, input axons); a neuron whose fan-in exceeds a
// limit is an error. Sequential fills cores in neuron order to their
// limits; Balanced spreads the neurons evenly over the same number of
// cores, so that the slowest core of a tick has as little work as
// possible; Random fills cores in a random order of the neurons, drawn
// from the network's seed; Locality partitions the graph to keep
// expected spike traffic on its core and then places the cores on the
// mesh to shorten the routes of the traffic that leaves (see
// docs/mapping.md). Every strategy is deterministic for a network seed.
//
// A network with a placement (snn.Network.Placement) is mapped as it
// says, whatever the strategy: see placeAsGiven.
func Map(g *snn.Graph, a *chip.Arch, strategy Mapper, chips int) (*chip.Mapping, error) {
	return MapWith(g, a, strategy, chips, Options{})
}

// MapWith is Map with options.
func MapWith(g *snn.Graph, a *chip.Arch, strategy Mapper, chips int, opt Options) (*chip.Mapping, error) {
	if chips < 0 {
		return nil, fmt.Errorf("map: chips %d: expected 0 (as many as needed) or a positive count", chips)
	}
	if err := strategy.valid(); err != nil {
		return nil, err
	}
	if opt.Rates != nil && len(opt.Rates) != g.N {
		return nil, fmt.Errorf("map: %d rates for %d neurons", len(opt.Rates), g.N)
	}
	if err := checkDelays(g, a); err != nil {
		return nil, err
	}
	if f := opt.Fit; f != nil && f.net == g.Net && f.arch == a && f.strategy == strategy && len(g.Net.Placement) == 0 {
		m, err := board(g, a, strategy, f.cores, chips)
		if err != nil {
			return nil, err
		}
		m.Binding = f.bound.names()
		return m, nil
	}
	in := incoming(g)
	if err := checkFanIn(g, a, in); err != nil {
		return nil, err
	}
	if len(g.Net.Placement) > 0 {
		return placeAsGiven(g, a, in, chips)
	}
	rates := opt.Rates
	if strategy == Locality && rates == nil {
		rates = ExpectedRates(g)
	}
	cores, bound, err := fill(g, a, in, strategy, rates)
	if err != nil {
		return nil, err
	}
	var m *chip.Mapping
	if strategy == Locality {
		m, err = placed(g, a, refine(g, a, in, cores, rates), chips, rates)
	} else {
		m, err = board(g, a, strategy, cores, chips)
	}
	if err != nil {
		return nil, err
	}
	m.Binding = bound.names()
	return m, nil
}

// fill cuts the neurons of g into cores as strategy does, with the greedy
// limit logic, and shrinks the cores until their output axons fit. Only
// the locality strategy reads g's synapses; the others need g's neurons
// and their inputs in.
func fill(g *snn.Graph, a *chip.Arch, in inAdjacency, strategy Mapper, rates []float64) ([][]uint32, fillLimits, error) {
	var order []uint32
	switch strategy {
	case Random:
		order = randomOrder(g.N, g.Net.Seed)
	case Locality:
		order = growOrder(g, in)
	default:
		order = featureOrder(g, a)
	}
	mem := synmem.New(g.Net, g.PopStart, a.ConvWeightSharing)
	perCore := a.NeuronsPerCore
	// Once output axons have shrunk the cores, a core closed at perCore
	// neurons was closed for them.
	atPerCore := limitNeurons
	for {
		cores, bound, err := greedy(g, a, in, order, perCore, atPerCore, mem)
		if err != nil {
			return nil, 0, err
		}
		if strategy == Locality {
			// Growing cores in breadth-first order wins on sparse local
			// graphs but can mix too many inputs on a core where fan-out
			// is wide; neuron order may then be the better start.
			plain, plainBound, err := greedy(g, a, in, nil, perCore, atPerCore, mem)
			if err != nil {
				return nil, 0, err
			}
			if better(plain, cores, interCorePackets(g, plain, rates), interCorePackets(g, cores, rates)) {
				cores, bound = plain, plainBound
			}
		}
		if strategy == Balanced && len(cores) > 0 {
			// The limits of the first fill set the number of cores; this
			// one only evens them out.
			var even fillLimits
			if cores, even, err = greedy(g, a, in, order, (g.N+len(cores)-1)/len(cores), 0, mem); err != nil {
				return nil, 0, err
			}
			bound |= even
		}
		// Output axons depend on where every target landed, so they are
		// checked after placement: a core over its limit shrinks the
		// cores and the placement runs again.
		worst, used := outputAxons(in, cores)
		if used <= a.OutputAxonsPerCore {
			return cores, bound, nil
		}
		if len(cores[worst]) <= 1 {
			return nil, 0, fmt.Errorf("map: neuron %d (%s) projects to %d cores, %d above the %d output axons of a core of arch %q; at most %d destination cores per neuron fit",
				cores[worst][0], popName(g, int(cores[worst][0])), used, used-a.OutputAxonsPerCore, a.OutputAxonsPerCore, a.Name, a.OutputAxonsPerCore)
		}
		next := len(cores[worst]) * a.OutputAxonsPerCore / used
		perCore = min(perCore-1, max(1, next))
		atPerCore = limitOutputAxons
	}
}

// checkFanIn refuses a neuron that no core can hold.
func checkFanIn(g *snn.Graph, a *chip.Arch, in inAdjacency) error {
	for i := 0; i < g.N; i++ {
		fanIn := in.start[i+1] - in.start[i]
		if err := fanInError(a, i, fanIn, "", func() string { return popName(g, i) }); err != nil {
			return err
		}
		if fanIn > a.InputAxonsPerCore {
			// Distinct inputs, not synapses, use axons.
			seen := map[uint32]bool{}
			for _, p := range in.pre[in.start[i]:in.start[i+1]] {
				seen[p] = true
			}
			if len(seen) > a.InputAxonsPerCore {
				return fmt.Errorf("map: neuron %d (%s): %d distinct inputs exceed the %d input axons (input_axons_per_core) of a core of arch %q by %d; at most %d presynaptic neurons per neuron fit",
					i, popName(g, i), len(seen), a.InputAxonsPerCore, a.Name, len(seen)-a.InputAxonsPerCore, a.InputAxonsPerCore)
			}
		}
	}
	return nil
}

// fanInError refuses neuron i if its fan-in is more than a core can hold;
// qualifier ("", "at least ") says whether fanIn is the count or a bound,
// and name names the neuron.
func fanInError(a *chip.Arch, i, fanIn int, qualifier string, name func() string) error {
	if fanIn <= a.MaxFanIn && fanIn <= a.SynapsesPerCore {
		return nil
	}
	lim, what := a.MaxFanIn, "max_fan_in (synapses per neuron)"
	if a.SynapsesPerCore < lim {
		lim, what = a.SynapsesPerCore, "synapses_per_core (a core's synapse memory)"
	}
	return fmt.Errorf("map: neuron %d (%s): fan-in %s%d exceeds %s of arch %q by %s%d; at most %d synapses onto one neuron fit",
		i, name(), qualifier, fanIn, what, a.Name, qualifier, fanIn-lim, lim)
}

// checkDelays refuses a synaptic delay longer than the cores can hold. The
// engine would refuse it too, but only a core at a time and without naming
// the projection.
func checkDelays(g *snn.Graph, a *chip.Arch) error {
	if g.MaxDelay <= a.MaxDelayTicks {
		return nil
	}
	longest := make([]int, len(g.Net.Projections))
	for s := range g.Synapses() {
		d := g.Delay(s)
		longest[g.Proj[s]] = max(longest[g.Proj[s]], int(d))
	}
	for k, d := range longest {
		if d > a.MaxDelayTicks {
			pr := &g.Net.Projections[k]
			name := ""
			if pr.Name != "" {
				name = fmt.Sprintf(" %q", pr.Name)
			}
			return fmt.Errorf("map: projections[%d]%s (%s -> %s): delay %d ticks exceeds max_delay_ticks of arch %q by %d; at most %d ticks (%g ms) fit",
				k, name, pr.Pre, pr.Post, d, a.Name, d-a.MaxDelayTicks, a.MaxDelayTicks, float64(a.MaxDelayTicks)*g.Net.Dt)
		}
	}
	return nil
}

// randomOrder is a permutation of the n neurons drawn from the seed.
func randomOrder(n int, seed uint64) []uint32 {
	order := make([]uint32, n)
	for i := range order {
		order[i] = uint32(i)
	}
	r := rand.New(rand.NewPCG(seed, streamRandomMap))
	r.Shuffle(n, func(i, j int) { order[i], order[j] = order[j], order[i] })
	return order
}

// Random streams of the mappers, apart from those of snn.
const (
	streamRandomMap = 0x6d6170<<32 + 1
	streamPlace     = 0x6d6170<<32 + 2
)

// outputAxons returns the core with the most (neuron, destination core)
// routes and how many it has. It counts from the inputs of each
// destination core, so that it needs no graph (CheckFit).
func outputAxons(in inAdjacency, cores [][]uint32) (worst, most int) {
	n := len(in.start) - 1
	coreOf := make([]int32, n)
	for c, ns := range cores {
		for _, id := range ns {
			coreOf[id] = int32(c)
		}
	}
	// Each worker counts the routes into a share of the destination
	// cores, with stamps of its own.
	workers := min(runtime.GOMAXPROCS(0), max(1, len(cores)/1024))
	routes := make([][]int32, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			mine := make([]int32, len(cores))
			stamp := make([]int32, n) // destination core+1 that counted this source
			for c := w * len(cores) / workers; c < (w+1)*len(cores)/workers; c++ {
				for _, id := range cores[c] {
					for _, p := range in.pre[in.start[id]:in.start[id+1]] {
						if stamp[p] != int32(c)+1 {
							stamp[p] = int32(c) + 1
							mine[coreOf[p]]++
						}
					}
				}
			}
			routes[w] = mine
		})
	}
	wg.Wait()
	for c := range cores {
		k := 0
		for w := range routes {
			k += int(routes[w][c])
		}
		if k > most {
			worst, most = c, k
		}
	}
	return worst, most
}

// board lays the cores on as many chips as needed (or as given) and
// checks the board's limits.
func board(g *snn.Graph, a *chip.Arch, strategy Mapper, cores [][]uint32, chips int) (*chip.Mapping, error) {
	chips, err := chipsFor(g, a, cores, chips)
	if err != nil {
		return nil, err
	}
	m := &chip.Mapping{Strategy: strategy.String(), Cores: cores, CoreOf: make([]uint32, g.N), Chips: chips}
	m.ChipsX, m.ChipsY = chipGrid(chips)
	for c, ns := range cores {
		for _, id := range ns {
			m.CoreOf[id] = uint32(c)
		}
	}
	return m, nil
}

// chipGrid is the near-square grid of chips of a board.
func chipGrid(chips int) (x, y int) {
	x = int(math.Ceil(math.Sqrt(float64(chips))))
	return x, (chips + x - 1) / x
}

// chipsFor returns the chips the board needs for cores, or an error that
// says which limit the network breaks, by how much, and what would fit.
func chipsFor(g *snn.Graph, a *chip.Arch, cores [][]uint32, chips int) (int, error) {
	fits := func(n int) string {
		k := 0
		for _, c := range cores[:min(len(cores), n)] {
			k += len(c)
		}
		return fmt.Sprintf("%d cores hold the first %d of the %d neurons (%s)", min(len(cores), n), k, g.N, largestPop(g.Net))
	}
	return boardChips(a, len(cores), chips, "", fits)
}

// boardChips returns the chips a board of chips chips (0: as many as
// needed) takes for cores cores, or the error that it cannot hold them;
// qualifier ("", "at least ") says whether cores is the count or a bound,
// and fits(n) says what n cores would hold.
func boardChips(a *chip.Arch, cores, chips int, qualifier string, fits func(n int) string) (int, error) {
	perChip := a.CoresPerChip()
	need := max(1, (cores+perChip-1)/perChip)
	if a.MaxChips > 0 && chips > a.MaxChips {
		return 0, fmt.Errorf("map: a board of %d chips: arch %q allows at most %d (max_chips)", chips, a.Name, a.MaxChips)
	}
	if a.MaxChips > 0 && need > a.MaxChips {
		return 0, fmt.Errorf("map: the network needs %s%d cores = %d chips of %d cores but arch %q allows at most %d chips (%d cores), %d cores short: %s",
			qualifier, cores, need, perChip, a.Name, a.MaxChips, a.MaxChips*perChip, cores-a.MaxChips*perChip, fits(a.MaxChips*perChip))
	}
	if chips == 0 {
		chips = need
	}
	if need > chips {
		return 0, fmt.Errorf("map: the network needs %s%d cores = %d chips of %d cores; the board has %d chips (%d cores), %d cores short: %s (raise --chips to %d)",
			qualifier, cores, need, perChip, chips, chips*perChip, cores-chips*perChip, fits(chips*perChip), need)
	}
	return chips, nil
}

// largestPop names the largest population of net, for messages.
func largestPop(net *snn.Network) string {
	best := 0
	for i, p := range net.Populations {
		if p.Size > net.Populations[best].Size {
			best = i
		}
	}
	if len(net.Populations) == 0 {
		return "no populations"
	}
	return fmt.Sprintf("largest population %q has %d neurons", net.Populations[best].Name, net.Populations[best].Size)
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

// greedy fills cores in the given order of the neurons (nil: every
// neuron in neuron order; otherwise only those listed), at most perCore
// neurons each, opening a new core when the next
// neuron would break a core limit. It returns the cores and the limits
// that opened a new core, a core closed at perCore neurons counting as
// atPerCore. Fan-in has been checked by checkFanIn.
func greedy(g *snn.Graph, a *chip.Arch, in inAdjacency, order []uint32, perCore int, atPerCore fillLimits, mem *synmem.Model) ([][]uint32, fillLimits, error) {
	var bound fillLimits
	var cores [][]uint32
	var cur []uint32
	synapses, axons := 0, 0
	kernels := mem.Marks()
	// onCore is the core+1 that receives each neuron's axon. Counting a
	// candidate's new axons marks them on its core at once: if the
	// candidate opens another core instead, the marks left on the closed
	// one are never read again.
	onCore := make([]int32, g.N)
	close := func() {
		if len(cur) > 0 {
			cores = append(cores, cur)
			cur, synapses, axons = nil, 0, 0
		}
	}
	n := g.N
	if order != nil {
		n = len(order)
	}
	for k := 0; k < n; k++ {
		i := k
		if order != nil {
			i = int(order[k])
		}
		pre := in.pre[in.start[i]:in.start[i+1]]
		fanIn := len(pre)
		newAxons := func(core int32) int {
			n := 0
			for _, p := range pre {
				if onCore[p] != core {
					onCore[p] = core
					n++
				}
			}
			return n
		}
		core := int32(len(cores) + 1)
		na := newAxons(core)
		// The memory the neuron takes here; marking its kernel on a
		// core it then does not join leaves a mark never read again.
		need := mem.Cost(i, fanIn, core, kernels)
		var full fillLimits
		if len(cur)+1 > perCore {
			full |= atPerCore
		}
		if synapses+need > a.SynapsesPerCore {
			full |= limitSynapses
		}
		if axons+na > a.InputAxonsPerCore {
			full |= limitInputAxons
		}
		if len(cur)+1 > perCore || full != 0 {
			bound |= full
			close()
			// A neuron alone on a core keeps the count it has.
			if next := int32(len(cores) + 1); next != core {
				core = next
				na = newAxons(core)
				need = mem.Cost(i, fanIn, core, kernels)
			}
			if need > a.SynapsesPerCore {
				return nil, 0, fmt.Errorf("map: neuron %d (%s): %d synapses exceed a core's synapse memory of %d by %d", i, popName(g, i), need, a.SynapsesPerCore, need-a.SynapsesPerCore)
			}
			if na > a.InputAxonsPerCore {
				return nil, 0, fmt.Errorf("map: neuron %d (%s): %d distinct inputs exceed a core's %d input axons by %d", i, popName(g, i), na, a.InputAxonsPerCore, na-a.InputAxonsPerCore)
			}
		}
		cur = append(cur, uint32(i))
		synapses += need
		axons += na
	}
	close()
	return cores, bound, nil
}

func popName(g *snn.Graph, i int) string {
	p := g.PopOf(i)
	return fmt.Sprintf("%s[%d]", g.Net.Populations[p].Name, i-g.PopStart[p])
}
