package mapping

import (
	"fmt"
	"math"

	"github.com/spindle-sim/spindle/aer"
	"github.com/spindle-sim/spindle/chip"
	"github.com/spindle-sim/spindle/chip/internal/synmem"
	"github.com/spindle-sim/spindle/router"
	"github.com/spindle-sim/spindle/snn"
)

// DefaultLIFRateHz is the firing rate ExpectedRates assumes for a LIF
// neuron: without a profile its rate is not known before simulating.
const DefaultLIFRateHz = 10.0

// ExpectedRates returns the expected spikes per tick of every neuron: the
// rate of a Poisson source, the mean rate of a spike source over its own
// span, and DefaultLIFRateHz for LIF neurons.
func ExpectedRates(g *snn.Graph) []float64 {
	r := make([]float64, g.N)
	for pi, p := range g.Net.Populations {
		lo, hi := g.PopStart[pi], g.PopStart[pi+1]
		switch p.Kind {
		case snn.Poisson:
			for i := lo; i < hi; i++ {
				r[i] = min(1, g.PoissonP(pi))
			}
		case snn.SpikeSource:
			span := int64(1)
			counts := make([]int, p.Size)
			for i := 0; i < p.Size; i++ {
				ts := g.SourceTicks(pi, i)
				counts[i] = len(ts)
				if len(ts) > 0 {
					span = max(span, ts[len(ts)-1]+1)
				}
			}
			for i := 0; i < p.Size; i++ {
				r[lo+i] = float64(counts[i]) / float64(span)
			}
		default:
			for i := lo; i < hi; i++ {
				r[i] = DefaultLIFRateHz * g.Net.Dt / 1000
			}
		}
	}
	return r
}

// ProfileRates reads every spike of a recorded trace of network g and
// returns each neuron's spikes per tick over the recorded run (its ticks
// from the trace's run metadata, or, when the trace does not record them,
// tick 0 to its last spike). It refuses a trace that does not belong to g.
func ProfileRates(g *snn.Graph, r *aer.Reader) ([]float64, error) {
	if err := chip.CheckTrace(g, r.Meta()); err != nil {
		return nil, err
	}
	counts := make([]float64, g.N)
	last := int64(-1)
	for s, err := range r.Spikes() {
		if err != nil {
			return nil, err
		}
		if int64(s.Addr) >= int64(g.N) {
			return nil, fmt.Errorf("trace spike at tick %d has address %d, beyond the %d neurons of network %q", s.Time, s.Addr, g.N, g.Net.Name)
		}
		if s.Time < 0 {
			return nil, fmt.Errorf("trace spike at negative tick %d", s.Time)
		}
		counts[s.Addr]++
		last = max(last, s.Time)
	}
	if last < 0 {
		return nil, fmt.Errorf("trace holds no spikes")
	}
	span := last + 1
	if run := r.Meta().Run; run != nil {
		span = max(span, run.Ticks)
	}
	for i := range counts {
		counts[i] /= float64(span)
	}
	return counts, nil
}

// CoreUsage is what one core holds and the traffic it sends and receives.
type CoreUsage struct {
	Neurons  int `json:"neurons"`
	Synapses int `json:"synapses"`
	// SynapseMemory is what the synapses take of synapses_per_core: as
	// many, or fewer where the arch shares convolution kernels.
	SynapseMemory int     `json:"synapse_memory"`
	InputAxons    int     `json:"input_axons"`
	OutputAxons   int     `json:"output_axons"`
	MaxFanIn      int     `json:"max_fan_in"`
	PacketsOut    float64 `json:"packets_out_per_tick"` // expected, to every destination core including itself
	PacketsIn     float64 `json:"packets_in_per_tick"`
}

// LinkLoad is the expected traffic on one directed link.
type LinkLoad struct {
	From, To       router.Tile
	ChipToChip     bool
	PacketsPerTick float64
}

// Estimate is the expected traffic of a mapping under given rates, routed
// over the board with the router's dimension-order routes, and the use of
// every core against its limits.
type Estimate struct {
	CoresUsed int
	ChipsUsed int // chips holding at least one used core
	Routes    int // (neuron, destination core) pairs: packets per spike, summed over neurons
	// InterCoreRoutes counts the routes whose destination is not the
	// neuron's own core.
	InterCoreRoutes int

	// PacketsPerTick counts one packet per (spiking neuron, destination
	// core), the neuron's own core included, as the engine sends them: it
	// compares with a run's packets / ticks.
	PacketsPerTick          float64
	InterCorePacketsPerTick float64
	HopPacketsPerTick       float64 // packets x hops
	ChipHopPacketsPerTick   float64 // of which over chip-to-chip links
	MaxLinkLoad             float64 // packets per tick on the busiest link
	NetworkJoulesPerTick    float64 // link traversal energy

	Cores []CoreUsage // by core id
	Links []LinkLoad  // every directed link, in router.Links order
	// GridX, GridY are the board's tile grid.
	GridX, GridY int
	TileOf       []router.Tile // of every core id
}

// Estimated computes the estimate of mapping m on arch a for the expected
// spikes per tick of every neuron (ExpectedRates, ProfileRates).
func Estimated(g *snn.Graph, a *chip.Arch, m *chip.Mapping, rates []float64) (*Estimate, error) {
	if len(rates) != g.N {
		return nil, fmt.Errorf("estimate: %d rates for %d neurons", len(rates), g.N)
	}
	cfg := a.RouterConfig(m)
	r, err := router.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("arch %q: %w", a.Name, err)
	}
	if len(m.Cores) > r.Cores() {
		return nil, fmt.Errorf("estimate: mapping uses %d cores, the board has %d", len(m.Cores), r.Cores())
	}
	e := &Estimate{CoresUsed: m.CoresUsed(), Cores: make([]CoreUsage, len(m.Cores))}
	e.GridX, e.GridY = cfg.TilesX*cfg.ChipsX, cfg.TilesY*cfg.ChipsY
	e.TileOf = make([]router.Tile, len(m.Cores))
	perChip := a.CoresPerChip()
	chipUsed := map[int]bool{}
	for c, ns := range m.Cores {
		e.TileOf[c] = r.TileOf(uint32(c))
		e.Cores[c].Neurons = len(ns)
		if len(ns) > 0 {
			chipUsed[c/perChip] = true
		}
	}
	e.ChipsUsed = len(chipUsed)

	type linkAcc struct {
		load     float64
		exists   bool
		chip     bool
		energy   float64
		from, to router.Tile
	}
	links := make([]linkAcc, e.GridX*e.GridY*4)
	for y := 0; y < e.GridY; y++ {
		for x := 0; x < e.GridX; x++ {
			for d, off := range [4][2]int{{1, 0}, {-1, 0}, {0, 1}, {0, -1}} {
				nx, ny := x+off[0], y+off[1]
				if nx < 0 || ny < 0 || nx >= e.GridX || ny >= e.GridY {
					continue
				}
				l := &links[(y*e.GridX+x)*4+d]
				l.exists, l.from, l.to = true, router.Tile{X: x, Y: y}, router.Tile{X: nx, Y: ny}
				l.chip = x/cfg.TilesX != nx/cfg.TilesX || y/cfg.TilesY != ny/cfg.TilesY
				l.energy = [4]float64{a.HopEnergyEast, a.HopEnergyWest, a.HopEnergyNorth, a.HopEnergySouth}[d]
				if l.chip {
					l.energy = a.ChipHopEnergy
				}
			}
		}
	}

	fanIn := make([]int32, g.N)
	for _, p := range g.Post {
		fanIn[p]++
	}
	stamp := make([]int32, len(m.Cores))
	for i := range stamp {
		stamp[i] = -1
	}
	for c, ns := range m.Cores {
		cu := &e.Cores[c]
		for _, id := range ns {
			cu.MaxFanIn = max(cu.MaxFanIn, int(fanIn[id]))
			cu.Synapses += int(fanIn[id])
		}
	}
	mem := synmem.New(g.Net, g.PopStart, a.ConvWeightSharing).CoreMemory(m.Cores, func(i int) int { return int(fanIn[i]) })
	for c := range m.Cores {
		e.Cores[c].SynapseMemory = mem[c]
	}
	for i := 0; i < g.N; i++ {
		src := m.CoreOf[i]
		rate := rates[i]
		st := e.TileOf[src]
		for _, post := range g.Post[g.PreStart[i]:g.PreStart[i+1]] {
			dc := m.CoreOf[post]
			if stamp[dc] == int32(i) {
				continue
			}
			stamp[dc] = int32(i)
			e.Routes++
			e.Cores[src].OutputAxons++
			e.Cores[dc].InputAxons++
			e.PacketsPerTick += rate
			e.Cores[src].PacketsOut += rate
			e.Cores[dc].PacketsIn += rate
			if dc == src {
				continue
			}
			e.InterCoreRoutes++
			e.InterCorePacketsPerTick += rate
			if rate == 0 {
				continue
			}
			// Dimension order: X, then Y, as router.Send.
			dt := e.TileOf[dc]
			x, y := st.X, st.Y
			for x != dt.X || y != dt.Y {
				d, nx, ny := 0, x, y
				switch {
				case x < dt.X:
					nx = x + 1
				case x > dt.X:
					d, nx = 1, x-1
				case y < dt.Y:
					d, ny = 2, y+1
				default:
					d, ny = 3, y-1
				}
				l := &links[(y*e.GridX+x)*4+d]
				l.load += rate
				e.HopPacketsPerTick += rate
				e.NetworkJoulesPerTick += rate * l.energy
				if l.chip {
					e.ChipHopPacketsPerTick += rate
				}
				x, y = nx, ny
			}
		}
	}
	for i := range links {
		l := &links[i]
		if !l.exists {
			continue
		}
		e.Links = append(e.Links, LinkLoad{From: l.from, To: l.to, ChipToChip: l.chip, PacketsPerTick: l.load})
		e.MaxLinkLoad = max(e.MaxLinkLoad, l.load)
	}
	if math.IsNaN(e.PacketsPerTick) {
		return nil, fmt.Errorf("estimate: rates are not numbers")
	}
	return e, nil
}
