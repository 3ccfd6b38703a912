package router

import (
	"fmt"
	"math"
)

// Sync is how the cores of a board agree on time, which decides what the
// network's timing does to packets.
type Sync uint8

const (
	// Barrier sync (Loihi, TrueNorth): tick t+1 starts only after every
	// packet of tick t has arrived, so every packet is delivered at
	// Emit+1 and network latency only stretches the modelled tick.
	Barrier Sync = iota
	// Realtime sync (SpiNNaker): ticks run on a wall-clock budget. A packet
	// that reaches its destination after the budget is delivered in a
	// later tick, and one that meets a full link buffer is dropped.
	Realtime
)

// String returns "barrier" or "realtime".
func (s Sync) String() string {
	switch s {
	case Barrier:
		return "barrier"
	case Realtime:
		return "realtime"
	}
	return fmt.Sprintf("Sync(%d)", uint8(s))
}

// ParseSync reads "barrier" or "realtime".
func ParseSync(name string) (Sync, error) {
	switch name {
	case "barrier":
		return Barrier, nil
	case "realtime":
		return Realtime, nil
	}
	return Barrier, fmt.Errorf("sync %q: expected barrier or realtime", name)
}

// MarshalText writes the name, so that JSON and YAML carry "barrier" or
// "realtime".
func (s Sync) MarshalText() ([]byte, error) {
	if s != Barrier && s != Realtime {
		return nil, fmt.Errorf("router: Sync(%d): not a sync", uint8(s))
	}
	return []byte(s.String()), nil
}

// UnmarshalText reads a name written by MarshalText.
func (s *Sync) UnmarshalText(b []byte) error {
	v, err := ParseSync(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// Config describes the board's layout and what the network costs. Times
// are in seconds and energies in joules; times are rounded to whole
// picoseconds, the resolution of the model.
type Config struct {
	// Layout. Core c is on chip c/(CoresPerTile*TilesX*TilesY); chips are
	// numbered row-major in a ChipsX x ChipsY grid, tiles row-major in
	// each chip's TilesX x TilesY mesh.
	CoresPerTile, TilesX, TilesY int
	ChipsX, ChipsY               int

	Sync Sync
	// TickBudget is the wall time of one tick in Realtime sync; a packet
	// arriving later than this after the tick's packets were injected is
	// late. Unused in Barrier sync.
	TickBudget float64

	// Per on-chip hop, by the direction of the link: real meshes price
	// east-west and north-south links differ (Loihi's), and SANA-FE
	// prices all four directions apart.
	HopLatencyEast, HopLatencyWest, HopLatencyNorth, HopLatencySouth float64
	HopEnergyEast, HopEnergyWest, HopEnergyNorth, HopEnergySouth     float64
	// Per chip-to-chip hop, whatever its direction.
	ChipHopLatency, ChipHopEnergy float64

	// Seconds a link is busy forwarding one packet: the inverse of its
	// bandwidth in packets. Zero means unlimited bandwidth (no queueing).
	LinkServiceTime, ChipLinkServiceTime float64
	// LinkBuffer is how many packets a link's queue holds, counting the
	// one being forwarded. Realtime sync drops a packet that finds the
	// queue full; it must then be at least 1. Barrier sync never drops,
	// and reports how far queues would have overflowed in LinkStats.
	LinkBuffer int
}

// MaxTiles is the largest mesh the router models, all chips together, so
// that core ids, hop counts and link tables stay within their types.
const MaxTiles = 1 << 20

// maxSeconds bounds any one time field, so that picosecond times fit.
const maxSeconds = 1000.0

func (c *Config) validate() error {
	layout := []struct {
		name string
		v    int
	}{
		{"CoresPerTile", c.CoresPerTile},
		{"TilesX", c.TilesX}, {"TilesY", c.TilesY},
		{"ChipsX", c.ChipsX}, {"ChipsY", c.ChipsY},
	}
	for _, f := range layout {
		if f.v < 1 {
			return fmt.Errorf("router: Config.%s = %d: must be at least 1", f.name, f.v)
		}
	}
	// Products are formed in float64 so that absurd values cannot overflow
	// int before they are rejected.
	gx := float64(c.TilesX) * float64(c.ChipsX)
	gy := float64(c.TilesY) * float64(c.ChipsY)
	if gx*gy > MaxTiles {
		return fmt.Errorf("router: Config.TilesX*ChipsX*TilesY*ChipsY = %.0f tiles: at most %d supported", gx*gy, MaxTiles)
	}
	if gx+gy-2 > math.MaxUint16 {
		return fmt.Errorf("router: Config.TilesX*ChipsX+TilesY*ChipsY = %.0f: routes longer than %d hops are not supported", gx+gy, math.MaxUint16)
	}
	if cores := gx * gy * float64(c.CoresPerTile); cores > 1<<32 {
		return fmt.Errorf("router: Config.CoresPerTile = %d: %.0f cores do not fit 32-bit core ids", c.CoresPerTile, cores)
	}

	switch c.Sync {
	case Barrier:
		if c.LinkBuffer < 0 {
			return fmt.Errorf("router: Config.LinkBuffer = %d: must not be negative", c.LinkBuffer)
		}
	case Realtime:
		if !(c.TickBudget > 0) {
			return fmt.Errorf("router: Config.TickBudget = %v s: realtime sync needs a positive budget", c.TickBudget)
		}
		if c.LinkBuffer < 1 {
			return fmt.Errorf("router: Config.LinkBuffer = %d: realtime sync needs at least 1", c.LinkBuffer)
		}
	default:
		return fmt.Errorf("router: Config.Sync = %d: must be Barrier or Realtime", uint8(c.Sync))
	}

	times := []struct {
		name string
		v    float64
	}{
		{"TickBudget", c.TickBudget},
		{"HopLatencyEast", c.HopLatencyEast}, {"HopLatencyWest", c.HopLatencyWest},
		{"HopLatencyNorth", c.HopLatencyNorth}, {"HopLatencySouth", c.HopLatencySouth},
		{"ChipHopLatency", c.ChipHopLatency},
		{"LinkServiceTime", c.LinkServiceTime}, {"ChipLinkServiceTime", c.ChipLinkServiceTime},
	}
	for _, f := range times {
		if !(f.v >= 0 && f.v <= maxSeconds) {
			return fmt.Errorf("router: Config.%s = %v s: must be between 0 and %v", f.name, f.v, maxSeconds)
		}
		// A positive time that rounds to 0 ps would silently vanish.
		if f.v > 0 && picos(f.v) == 0 {
			return fmt.Errorf("router: Config.%s = %v s: below the model's 1 ps resolution", f.name, f.v)
		}
	}
	energies := []struct {
		name string
		v    float64
	}{
		{"HopEnergyEast", c.HopEnergyEast}, {"HopEnergyWest", c.HopEnergyWest},
		{"HopEnergyNorth", c.HopEnergyNorth}, {"HopEnergySouth", c.HopEnergySouth},
		{"ChipHopEnergy", c.ChipHopEnergy},
	}
	for _, f := range energies {
		if !(f.v >= 0) || math.IsInf(f.v, 0) {
			return fmt.Errorf("router: Config.%s = %v J: must be finite and at least 0", f.name, f.v)
		}
	}
	return nil
}

// picos converts seconds to whole picoseconds. Integer time makes queue
// lengths and the late/on-time boundary exact and reproducible.
func picos(s float64) int64 { return int64(math.Round(s * 1e12)) }

// secondsOf converts picoseconds back to seconds.
func secondsOf(ps int64) float64 { return float64(ps) * 1e-12 }
