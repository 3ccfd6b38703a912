package chip

import (
	"fmt"
	"math"
)

// Sync is how the cores of a board agree on time.
type Sync string

const (
	// Barrier sync (Loihi, TrueNorth): every core finishes tick t and every
	// packet of tick t arrives before tick t+1 starts. Logical timing is
	// exact; network latency only stretches the modelled tick.
	Barrier Sync = "barrier"
	// Realtime sync (SpiNNaker): ticks run on a wall-clock budget; a packet
	// that misses its tick arrives in a later tick, and one that finds a
	// full buffer is dropped.
	Realtime Sync = "realtime"
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

	// Layout: cores sit in tiles, tiles form a TilesX x TilesY mesh on a
	// chip, chips form a grid on the board.
	CoresPerTile int `json:"cores_per_tile"`
	TilesX       int `json:"tiles_x"`
	TilesY       int `json:"tiles_y"`
	MaxChips     int `json:"max_chips"` // 0: as many as the network needs

	Sync       Sync    `json:"sync"`
	TickBudget float64 `json:"tick_budget"` // realtime: seconds of wall time per tick

	// Network-on-chip costs per packet.
	HopLatencyEW        float64 `json:"hop_latency_ew"`         // seconds per on-chip hop, east-west
	HopLatencyNS        float64 `json:"hop_latency_ns"`         // seconds per on-chip hop, north-south
	HopEnergyEW         float64 `json:"hop_energy_ew"`          // joules per on-chip hop, east-west
	HopEnergyNS         float64 `json:"hop_energy_ns"`          // joules per on-chip hop, north-south
	ChipHopLatency      float64 `json:"chip_hop_latency"`       // seconds per chip-to-chip hop
	ChipHopEnergy       float64 `json:"chip_hop_energy"`        // joules per chip-to-chip hop
	LinkServiceTime     float64 `json:"link_service_time"`      // seconds an on-chip link is busy per packet
	ChipLinkServiceTime float64 `json:"chip_link_service_time"` // seconds a chip-to-chip link is busy per packet
	LinkBuffer          int     `json:"link_buffer"`            // packets one link queue holds

	// Per-event costs on a core.
	SynOpEnergy         float64 `json:"synop_energy"`          // joules per synaptic event
	SynOpLatency        float64 `json:"synop_latency"`         // seconds per synaptic event
	NeuronUpdateEnergy  float64 `json:"neuron_update_energy"`  // joules per updated neuron
	NeuronUpdateLatency float64 `json:"neuron_update_latency"` // seconds per updated neuron
	SpikeEnergy         float64 `json:"spike_energy"`          // joules per spike generated
	SpikeLatency        float64 `json:"spike_latency"`         // seconds per spike generated
	BarrierLatency      float64 `json:"barrier_latency"`       // per tick, barrier sync
	BarrierEnergy       float64 `json:"barrier_energy"`
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
		return fmt.Errorf("arch %q: sync %q: expected barrier or realtime", a.Name, a.Sync)
	}
	costs := []struct {
		name string
		v    float64
	}{
		{"hop_latency_ew", a.HopLatencyEW}, {"hop_latency_ns", a.HopLatencyNS},
		{"hop_energy_ew", a.HopEnergyEW}, {"hop_energy_ns", a.HopEnergyNS},
		{"chip_hop_latency", a.ChipHopLatency}, {"chip_hop_energy", a.ChipHopEnergy},
		{"link_service_time", a.LinkServiceTime}, {"chip_link_service_time", a.ChipLinkServiceTime},
		{"synop_energy", a.SynOpEnergy}, {"synop_latency", a.SynOpLatency},
		{"neuron_update_energy", a.NeuronUpdateEnergy}, {"neuron_update_latency", a.NeuronUpdateLatency},
		{"spike_energy", a.SpikeEnergy}, {"spike_latency", a.SpikeLatency},
		{"barrier_latency", a.BarrierLatency}, {"barrier_energy", a.BarrierEnergy},
	}
	for _, c := range costs {
		if !(c.v >= 0) || math.IsInf(c.v, 0) {
			return fmt.Errorf("arch %q: %s %v: expected a finite value >= 0", a.Name, c.name, c.v)
		}
	}
	return nil
}

// injectAt is when, into a tick's communication phase, compartment l of a
// core sends its spike. In real-time sync a core sends each spike as it
// updates that neuron (SpiNNaker), so its packets leave spread over the
// update, NeuronUpdateLatency per compartment; in barrier sync the
// network drains after the cores, and every packet leaves at its start.
func (a *Arch) injectAt(l int) float64 {
	if a.Sync != Realtime {
		return 0
	}
	return float64(l+1) * a.NeuronUpdateLatency
}
