package chip

import (
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
