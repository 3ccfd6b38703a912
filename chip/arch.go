package chip

import (
	"fmt"
	"math"

	"github.com/spindle-sim/spindle/router"
	"github.com/spindle-sim/spindle/snn"
)

// Sync is how the cores of a board agree on time: the router's type,
// named here too so that an Arch reads on its own. It encodes as
// "barrier" or "realtime".
type Sync = router.Sync

const (
	// Barrier sync (Loihi, TrueNorth): every core finishes tick t and every
	// packet of tick t arrives before tick t+1 starts. Logical timing is
	// exact; network latency only stretches the modelled tick. The zero
	// value.
	Barrier = router.Barrier
	// Realtime sync (SpiNNaker): ticks run on a wall-clock budget; a packet
	// that misses its tick arrives in a later tick, and one that finds a
	// full buffer is dropped.
	Realtime = router.Realtime
)

// Arch describes a neuromorphic platform: what one core can hold, how the
// cores are laid out on chips and boards, and what events cost.
type Arch struct {
	Name        string `json:"name"`
	Description string `json:"description"`

	// Per-core capacity.
	NeuronsPerCore     int `json:"neurons_per_core"`      // compartments
	InputAxonsPerCore  int `json:"input_axons_per_core"`  // distinct (source neuron) inputs a core can receive
	OutputAxonsPerCore int `json:"output_axons_per_core"` // (neuron, destination core) routes a core can send
	SynapsesPerCore    int `json:"synapses_per_core"`     // synapse memory, in synapses
	MaxFanIn           int `json:"max_fan_in"`            // synapses onto one neuron
	MaxDelayTicks      int `json:"max_delay_ticks"`
	WeightBits         int `json:"weight_bits"` // signed weight mantissa width in fixed mode
	// ConvWeightSharing says that a core stores a convolution's kernel
	// once per output channel it holds, shared by every position, rather
	// than every synapse: synapses_per_core then counts the kernels'
	// weights (docs/mapping.md). False: every synapse is stored.
	ConvWeightSharing bool `json:"conv_weight_sharing"`

	// Layout: cores sit in tiles, tiles form a TilesX x TilesY mesh on a
	// chip, chips form a grid on the board.
	CoresPerTile int `json:"cores_per_tile"`
	TilesX       int `json:"tiles_x"`
	TilesY       int `json:"tiles_y"`
	MaxChips     int `json:"max_chips"` // 0: as many as the network needs

	Sync       Sync    `json:"sync"`
	TickBudget float64 `json:"tick_budget"` // realtime: seconds of wall time per tick

	// Network-on-chip costs per packet.
	// Per on-chip hop, by the direction of the link it takes: seconds
	// and joules.
	HopLatencyEast      float64 `json:"hop_latency_east"`
	HopLatencyWest      float64 `json:"hop_latency_west"`
	HopLatencyNorth     float64 `json:"hop_latency_north"`
	HopLatencySouth     float64 `json:"hop_latency_south"`
	HopEnergyEast       float64 `json:"hop_energy_east"`
	HopEnergyWest       float64 `json:"hop_energy_west"`
	HopEnergyNorth      float64 `json:"hop_energy_north"`
	HopEnergySouth      float64 `json:"hop_energy_south"`
	ChipHopLatency      float64 `json:"chip_hop_latency"`       // seconds per chip-to-chip hop
	ChipHopEnergy       float64 `json:"chip_hop_energy"`        // joules per chip-to-chip hop
	LinkServiceTime     float64 `json:"link_service_time"`      // seconds an on-chip link is busy per packet
	ChipLinkServiceTime float64 `json:"chip_link_service_time"` // seconds a chip-to-chip link is busy per packet
	LinkBuffer          int     `json:"link_buffer"`            // packets one link queue holds

	// Per-event costs on a core (docs/energy.md). A synaptic event is
	// priced by the format its projection is stored in (SynapseFormat):
	// SynOp* is the sparse format, the format of explicit and random
	// connectivity; dense and conv formats have their own figures.
	SynOpEnergy         float64 `json:"synop_energy"`          // joules per synaptic event, sparse format
	SynOpLatency        float64 `json:"synop_latency"`         // seconds per synaptic event, sparse format
	SynOpEnergyDense    float64 `json:"synop_energy_dense"`    // joules per synaptic event, dense format
	SynOpLatencyDense   float64 `json:"synop_latency_dense"`   // seconds per synaptic event, dense format
	SynOpEnergyConv     float64 `json:"synop_energy_conv"`     // joules per synaptic event, conv format
	SynOpLatencyConv    float64 `json:"synop_latency_conv"`    // seconds per synaptic event, conv format
	NeuronAccessEnergy  float64 `json:"neuron_access_energy"`  // joules per mapped compartment per tick, updated or not
	NeuronAccessLatency float64 `json:"neuron_access_latency"` // seconds per mapped compartment per tick
	NeuronUpdateEnergy  float64 `json:"neuron_update_energy"`  // joules per updated neuron
	NeuronUpdateLatency float64 `json:"neuron_update_latency"` // seconds per updated neuron
	SpikeEnergy         float64 `json:"spike_energy"`          // joules per spike generated
	SpikeLatency        float64 `json:"spike_latency"`         // seconds per spike generated
	MessageOutEnergy    float64 `json:"message_out_energy"`    // joules per message (packet) a core sends
	MessageOutLatency   float64 `json:"message_out_latency"`   // seconds per message a core sends
	MessageInEnergy     float64 `json:"message_in_energy"`     // joules per message a core receives
	MessageInLatency    float64 `json:"message_in_latency"`    // seconds per message a core receives
	BarrierLatency      float64 `json:"barrier_latency"`       // per tick, barrier sync, whatever the tiles in use
	BarrierEnergy       float64 `json:"barrier_energy"`

	// Time-step synchronisation that grows with the board in use: each
	// tick adds SyncTiles' entry for the tiles in use and SyncChips' for
	// the chips in use, on top of BarrierLatency (docs/energy.md).
	SyncTiles []SyncStep `json:"sync_latency_tiles,omitempty"`
	SyncChips []SyncStep `json:"sync_latency_chips,omitempty"`
}

// SyncStep is one row of a synchronisation table: from From units in use
// (tiles or chips) up to the next row's From, a tick's synchronisation
// takes Seconds.
type SyncStep struct {
	From    int     `json:"from"`
	Seconds float64 `json:"seconds"`
}

// syncLookup returns the table's entry for n units in use: the row with
// the largest From <= n, or 0 below the first row.
func syncLookup(table []SyncStep, n int) float64 {
	s := 0.0
	for _, r := range table {
		if r.From > n {
			break
		}
		s = r.Seconds
	}
	return s
}

// SyncLatency returns the synchronisation time of one tick with tiles
// tiles and chips chips in use: BarrierLatency plus the two tables'
// entries. Real-time sync has no barrier and returns 0.
func (a *Arch) SyncLatency(tiles, chips int) float64 {
	if a.Sync != Barrier {
		return 0
	}
	return a.BarrierLatency + syncLookup(a.SyncTiles, tiles) + syncLookup(a.SyncChips, chips)
}

// SynapseFormat is how a core's synapse memory stores a projection, which
// sets the price of its synaptic events: dense rows, sparse (index,
// weight) lists, or convolution kernels shared across positions.
type SynapseFormat uint8

// The synapse formats, named as snn.SynapseFormats names them.
const (
	Sparse SynapseFormat = iota
	Dense
	Conv
	numFormats
)

func (f SynapseFormat) String() string {
	if f < numFormats {
		return snn.SynapseFormats[f]
	}
	return fmt.Sprintf("SynapseFormat(%d)", uint8(f))
}

// FormatOf returns the synapse format of projection p: the one its file
// names, or else the one its connector implies. All-to-all connectivity
// fills whole rows, which the dense format stores without indices; every
// other connector leaves gaps, which the sparse format stores.
func FormatOf(p *snn.Projection) SynapseFormat {
	for f := Sparse; f < numFormats; f++ {
		if p.Format == f.String() {
			return f
		}
	}
	switch p.Connector.Kind {
	case snn.AllToAll:
		return Dense
	case snn.Convolution:
		return Conv
	}
	return Sparse
}

// synOp returns the energy and latency of one synaptic event in format f.
func (a *Arch) synOp(f SynapseFormat) (energy, latency float64) {
	switch f {
	case Dense:
		return a.SynOpEnergyDense, a.SynOpLatencyDense
	case Conv:
		return a.SynOpEnergyConv, a.SynOpLatencyConv
	}
	return a.SynOpEnergy, a.SynOpLatency
}

// CoresPerChip returns the cores on one chip.
func (a *Arch) CoresPerChip() int { return a.CoresPerTile * a.TilesX * a.TilesY }

// Validate checks that the description is usable. Errors name the field.
func (a *Arch) Validate() error {
	positive := []struct {
		name string
		v    int
	}{
		{"neurons_per_core", a.NeuronsPerCore},
		{"input_axons_per_core", a.InputAxonsPerCore},
		{"output_axons_per_core", a.OutputAxonsPerCore},
		{"synapses_per_core", a.SynapsesPerCore},
		{"max_fan_in", a.MaxFanIn},
		{"max_delay_ticks", a.MaxDelayTicks},
		{"weight_bits", a.WeightBits},
		{"cores_per_tile", a.CoresPerTile},
		{"tiles_x", a.TilesX},
		{"tiles_y", a.TilesY},
		{"link_buffer", a.LinkBuffer},
	}
	for _, p := range positive {
		if p.v <= 0 {
			return fmt.Errorf("arch %q: %s %d: expected a positive integer", a.Name, p.name, p.v)
		}
	}
	if a.NeuronsPerCore > math.MaxUint16+1 {
		return fmt.Errorf("arch %q: neurons_per_core %d: at most %d supported", a.Name, a.NeuronsPerCore, math.MaxUint16+1)
	}
	if a.WeightBits > 32 {
		return fmt.Errorf("arch %q: weight_bits %d: expected at most 32", a.Name, a.WeightBits)
	}
	if a.MaxChips < 0 {
		return fmt.Errorf("arch %q: max_chips %d: expected 0 (no limit) or a positive count", a.Name, a.MaxChips)
	}
	switch a.Sync {
	case Barrier:
	case Realtime:
		if !(a.TickBudget > 0) {
			return fmt.Errorf("arch %q: tick_budget %v s: realtime sync needs a positive tick budget", a.Name, a.TickBudget)
		}
	default:
		return fmt.Errorf("arch %q: sync %v: expected barrier or realtime", a.Name, a.Sync)
	}
	costs := []struct {
		name string
		v    float64
	}{
		{"hop_latency_east", a.HopLatencyEast}, {"hop_latency_west", a.HopLatencyWest},
		{"hop_latency_north", a.HopLatencyNorth}, {"hop_latency_south", a.HopLatencySouth},
		{"hop_energy_east", a.HopEnergyEast}, {"hop_energy_west", a.HopEnergyWest},
		{"hop_energy_north", a.HopEnergyNorth}, {"hop_energy_south", a.HopEnergySouth},
		{"chip_hop_latency", a.ChipHopLatency}, {"chip_hop_energy", a.ChipHopEnergy},
		{"link_service_time", a.LinkServiceTime}, {"chip_link_service_time", a.ChipLinkServiceTime},
		{"synop_energy", a.SynOpEnergy}, {"synop_latency", a.SynOpLatency},
		{"neuron_update_energy", a.NeuronUpdateEnergy}, {"neuron_update_latency", a.NeuronUpdateLatency},
		{"synop_energy_dense", a.SynOpEnergyDense}, {"synop_latency_dense", a.SynOpLatencyDense},
		{"synop_energy_conv", a.SynOpEnergyConv}, {"synop_latency_conv", a.SynOpLatencyConv},
		{"neuron_access_energy", a.NeuronAccessEnergy}, {"neuron_access_latency", a.NeuronAccessLatency},
		{"spike_energy", a.SpikeEnergy}, {"spike_latency", a.SpikeLatency},
		{"message_out_energy", a.MessageOutEnergy}, {"message_out_latency", a.MessageOutLatency},
		{"message_in_energy", a.MessageInEnergy}, {"message_in_latency", a.MessageInLatency},
		{"barrier_latency", a.BarrierLatency}, {"barrier_energy", a.BarrierEnergy},
	}
	for _, c := range costs {
		if !(c.v >= 0) || math.IsInf(c.v, 0) {
			return fmt.Errorf("arch %q: %s %v: expected a finite value >= 0", a.Name, c.name, c.v)
		}
	}
	for _, t := range []struct {
		name  string
		table []SyncStep
	}{{"sync_latency_tiles", a.SyncTiles}, {"sync_latency_chips", a.SyncChips}} {
		for i, r := range t.table {
			if r.From < 1 {
				return fmt.Errorf("arch %q: %s row %d: %d in use: expected a count >= 1", a.Name, t.name, i+1, r.From)
			}
			if i > 0 && r.From <= t.table[i-1].From {
				return fmt.Errorf("arch %q: %s row %d: %d after %d: expected counts in increasing order", a.Name, t.name, i+1, r.From, t.table[i-1].From)
			}
			if !(r.Seconds >= 0) || math.IsInf(r.Seconds, 0) {
				return fmt.Errorf("arch %q: %s row %d: %v s: expected a finite time >= 0", a.Name, t.name, i+1, r.Seconds)
			}
		}
	}
	return nil
}

// injectAt is when, into a tick's communication phase, compartment l of a
// core sends its spike. In real-time sync a core sends each spike as it
// updates that neuron (SpiNNaker), so its packets leave spread over the
// update, NeuronUpdateLatency per compartment; in barrier sync the
// network drains after the cores, and every packet leaves at its start.
// sendRule says how a tick's packets go through the router under timing
// rule t: timed, each leaving when the cost model says (detailed timing,
// barrier sync); forwarded, counted without times, since no modelled
// number depends on them (simple timing, barrier sync); or neither, each
// sent at injectAt (realtime sync, where times decide lateness and drops).
func (a *Arch) sendRule(t Timing) (timed, forward bool) {
	if a.Sync != Barrier {
		return false, false
	}
	return t == Detailed, t == Simple
}

func (a *Arch) injectAt(l int) float64 {
	if a.Sync != Realtime {
		return 0
	}
	return float64(l+1) * a.NeuronUpdateLatency
}

// projectionFormats returns the synapse format of every projection of net.
func projectionFormats(net *snn.Network) []SynapseFormat {
	f := make([]SynapseFormat, len(net.Projections))
	for i := range net.Projections {
		f[i] = FormatOf(&net.Projections[i])
	}
	return f
}

// RouterConfig returns the configuration of the router of a board of
// m's chips of arch a, as the Engine builds it, for code that routes a
// mapping's traffic without running it (mapping.Estimated, the locality
// placement).
func (a *Arch) RouterConfig(m *Mapping) router.Config { return a.routerConfig(m) }
