package aer

import (
	"fmt"
	"math"
)

// Spike is one spike: the tick (or microsecond, see Meta.TimeUnit) at which
// the neuron with the given global address fired.
type Spike struct {
	Time int64
	Addr uint32
}

// Packet is one router packet as the network-on-chip saw it.
type Packet struct {
	Emit    int64  // tick the source core sent it
	Deliver int64  // tick it reached (or was due at) the destination core
	Src     uint32 // source core
	Dst     uint32 // destination core
	Hops    uint16
	Flags   uint8 // FlagLate, FlagDropped
}

// Packet flags.
const (
	FlagLate    uint8 = 1 << 0 // delivered after its tick's time budget
	FlagDropped uint8 = 1 << 1 // never delivered
)

// Record kinds, as named in Meta.Kinds.
const (
	KindSpike  = "spike"
	KindPacket = "packet"
)

// Time units, as named in Meta.TimeUnit.
const (
	UnitTick = "tick"
	UnitUS   = "us"
)

// Meta is the JSON metadata stored in a trace header.
type Meta struct {
	// DtMs is the tick length in milliseconds; required when TimeUnit is "tick".
	DtMs float64 `json:"dt_ms"`
	// TimeUnit is "tick" or "us".
	TimeUnit string `json:"time_unit"`
	// Populations is the address schema: which address range is which population.
	Populations []Population `json:"populations,omitempty"`
	// Source says where the records came from (a network file, a camera recording...).
	Source string `json:"source,omitempty"`
	// Kinds lists the record kinds the file may hold ("spike", "packet");
	// empty means spikes only.
	Kinds []string `json:"record_kinds"`
	// Sensor is set when addresses were made from camera pixels, so that
	// they can be turned back into pixels.
	Sensor *AddressRule `json:"sensor,omitempty"`
	// Run is set by a simulation that recorded the trace: what is needed
	// to rebuild its network and replay it for as long as it ran.
	Run *Run `json:"run,omitempty"`
	// Part is set in the trace part of one rank of a distributed run
	// ('spindle trace merge' joins the parts into the run's trace).
	Part *Part `json:"part,omitempty"`
}

// Part says which rank of a distributed run wrote a trace part: the
// spikes of the neurons on cores FirstCore to EndCore-1, and, in the
// part with Packets set (rank 0's), every packet of the run, since
// every rank routes them all.
type Part struct {
	Rank      int  `json:"rank"`
	Ranks     int  `json:"ranks"`
	FirstCore int  `json:"first_core"`
	EndCore   int  `json:"end_core"`
	Packets   bool `json:"packets"`
}

// Run describes the simulation that wrote a trace. Source says the same
// for people; Run is for programs.
type Run struct {
	Network string `json:"network"` // the network file, as given
	Name    string `json:"name"`    // the network's name
	Seed    uint64 `json:"seed"`    // the seed the network was built with
	// Ticks is how long the run lasted, its sleep step included; 0 when
	// the writer did not know. A trace's last spike may come much earlier.
	Ticks      int64  `json:"ticks,omitempty"`
	SleepTicks int64  `json:"sleep_ticks,omitempty"` // of Ticks, asleep
	Stimulus   string `json:"stimulus,omitempty"`    // the file that drove an input population
	Arch       string `json:"arch"`
	Map        string `json:"map"`
	Chips      int    `json:"chips"` // chips of the mapping
	Mode       string `json:"mode"`
}

// Population names a contiguous address range.
type Population struct {
	Name  string `json:"name"`
	First uint32 `json:"first_address"`
	Size  uint32 `json:"size"`
	// Cores, when present, gives the core of each of the Size addresses.
	Cores []uint16 `json:"cores,omitempty"`
}

// Has reports whether the metadata declares record kind k.
func (m *Meta) Has(k string) bool {
	if len(m.Kinds) == 0 {
		return k == KindSpike
	}
	for _, x := range m.Kinds {
		if x == k {
			return true
		}
	}
	return false
}

// Population returns the index of the population holding addr, or -1.
func (m *Meta) Population(addr uint32) int {
	for i, p := range m.Populations {
		if addr >= p.First && uint64(addr) < uint64(p.First)+uint64(p.Size) {
			return i
		}
	}
	return -1
}

// Validate reports the first inconsistency in m.
func (m *Meta) Validate() error {
	switch m.TimeUnit {
	case UnitTick:
		if !(m.DtMs > 0) || math.IsInf(m.DtMs, 0) {
			return fmt.Errorf("meta: dt_ms = %v, want a positive number for time_unit %q", m.DtMs, m.TimeUnit)
		}
	case UnitUS:
		if m.DtMs < 0 || math.IsNaN(m.DtMs) || math.IsInf(m.DtMs, 0) {
			return fmt.Errorf("meta: dt_ms = %v, want >= 0", m.DtMs)
		}
	default:
		return fmt.Errorf("meta: time_unit %q, want %q or %q", m.TimeUnit, UnitTick, UnitUS)
	}
	for _, k := range m.Kinds {
		if k != KindSpike && k != KindPacket {
			return fmt.Errorf("meta: record_kinds: unknown kind %q, want %q or %q", k, KindSpike, KindPacket)
		}
	}
	for i, p := range m.Populations {
		if uint64(p.First)+uint64(p.Size) > 1<<32 {
			return fmt.Errorf("meta: population %d (%q): first_address %d + size %d exceeds 2^32", i, p.Name, p.First, p.Size)
		}
		if len(p.Cores) != 0 && len(p.Cores) != int(p.Size) {
			return fmt.Errorf("meta: population %d (%q): %d cores for size %d", i, p.Name, len(p.Cores), p.Size)
		}
	}
	if m.Sensor != nil {
		if err := m.Sensor.Validate(); err != nil {
			return fmt.Errorf("meta: sensor: %w", err)
		}
	}
	if r := m.Run; r != nil && (r.Ticks < 0 || r.SleepTicks < 0 || r.SleepTicks > r.Ticks) {
		return fmt.Errorf("meta: run: ticks %d, sleep_ticks %d: want 0 <= sleep_ticks <= ticks", r.Ticks, r.SleepTicks)
	}
	return nil
}
