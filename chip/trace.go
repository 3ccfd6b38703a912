package chip

import (
	"fmt"

	"github.com/spindle-sim/spindle/aer"
	"github.com/spindle-sim/spindle/router"
	"github.com/spindle-sim/spindle/snn"
)

// TracePopulations returns the address schema of a trace of g's neurons
// mapped by m: one aer.Population per network population, with the core
// of each neuron.
func (m *Mapping) TracePopulations(g *snn.Graph) []aer.Population {
	pops := make([]aer.Population, len(g.Net.Populations))
	for i, p := range g.Net.Populations {
		first := g.PopStart[i]
		pop := aer.Population{Name: p.Name, First: uint32(first), Size: uint32(p.Size), Cores: make([]uint16, p.Size)}
		for k := range pop.Cores {
			pop.Cores[k] = uint16(m.CoreOf[first+k])
		}
		pops[i] = pop
	}
	return pops
}

// TracePacket returns the trace record of a packet as Options.OnPacket
// sees it: queued is false for a packet dropped at a full link buffer.
func TracePacket(p router.Packet, queued bool) aer.Packet {
	var flags uint8
	if p.Late {
		flags |= aer.FlagLate
	}
	if !queued {
		flags |= aer.FlagDropped
	}
	return aer.Packet{Emit: p.Emit, Deliver: p.Deliver, Src: p.Src, Dst: p.Dst, Hops: p.Hops, Flags: flags}
}

// CheckTrace reports why a trace's metadata does not describe the spikes
// of network g, or nil if it may. A trace must count time in ticks of the
// network's dt and, when it names populations, name the network's, with
// the same sizes and first addresses.
func CheckTrace(g *snn.Graph, m aer.Meta) error {
	if m.TimeUnit != aer.UnitTick {
		return fmt.Errorf("trace time unit is %q, not ticks: convert it to a network trace first", m.TimeUnit)
	}
	if m.DtMs != g.Net.Dt {
		return fmt.Errorf("trace dt is %g ms but network %q has dt %g ms", m.DtMs, g.Net.Name, g.Net.Dt)
	}
	if m.Sensor != nil {
		return fmt.Errorf("trace holds camera events (%dx%d sensor), not spikes of network %q", m.Sensor.Width, m.Sensor.Height, g.Net.Name)
	}
	if len(m.Populations) == 0 {
		return nil
	}
	if len(m.Populations) != len(g.Net.Populations) {
		return fmt.Errorf("trace has %d populations but network %q has %d", len(m.Populations), g.Net.Name, len(g.Net.Populations))
	}
	for i, p := range m.Populations {
		np := g.Net.Populations[i]
		switch {
		case p.Name != np.Name:
			return fmt.Errorf("trace population %d is %q but network %q has %q there", i, p.Name, g.Net.Name, np.Name)
		case int(p.Size) != np.Size:
			return fmt.Errorf("trace population %q has %d neurons but the network's has %d", p.Name, p.Size, np.Size)
		case int(p.First) != g.PopStart[i]:
			return fmt.Errorf("trace population %q starts at address %d but the network's at %d", p.Name, p.First, g.PopStart[i])
		}
	}
	return nil
}
