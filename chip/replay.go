package chip

import (
	"fmt"
	"iter"
	"slices"

	"github.com/spindle-sim/spindle/router"
	"github.com/spindle-sim/spindle/snn"
)

// Replayer pushes recorded spikes through the network of a mapping without
// simulating neurons: every spike sends one packet per destination core of
// its neuron, exactly as the engine does (the same routes, input axons and
// send order), and a delivered packet counts the synaptic events of its
// axon on the destination core. Neuron updates cannot be known from spikes
// and are not counted; see docs/energy.md.
type Replayer struct {
	graph *snn.Graph
	arch  *Arch
	mapng *Mapping
	rt    *router.Router

	routeStart []int
	routeDst   []uint32
	routeAxon  axonNumbers
	routeSyn   routeSyns
	axonStart  []int   // per core: first entry of axonSyn
	axonSyn    []int32 // synapses of each (core, input axon)
	key        []uint64
	timeSends  bool // as Engine.timeSends
	forward    bool // as Engine.forward
	sends      timedSends

	tick    int64
	due     []router.Packet
	order   []uint32
	cost    cost
	spikes  int64
	synapse int64
}

// NewReplayer prepares the routes of mapping m on arch a, whose ticks it
// times by rule timing.
func NewReplayer(g *snn.Graph, a *Arch, m *Mapping, timing Timing) (*Replayer, error) {
	if err := a.Validate(); err != nil {
		return nil, err
	}
	rt, err := router.New(a.routerConfig(m))
	if err != nil {
		return nil, fmt.Errorf("arch %q: %w", a.Name, err)
	}
	if len(m.Cores) > rt.Cores() {
		return nil, fmt.Errorf("replay: mapping uses %d cores, the board has %d", len(m.Cores), rt.Cores())
	}
	p := &Replayer{graph: g, arch: a, mapng: m, rt: rt}
	nc := len(m.Cores)
	// Compartment order within a core: LIF neurons first, then sources, in
	// the mapping's order (core.Builder.AddNeurons).
	p.key = make([]uint64, g.N)
	lifs := make([]int64, nc)
	for c, ns := range m.Cores {
		k := 0
		for pass := 0; pass < 2; pass++ {
			for _, id := range ns {
				lif := g.Net.Populations[g.PopOf(int(id))].Kind == snn.LIF
				if lif == (pass == 0) {
					p.key[id] = uint64(c)<<32 | uint64(k)
					k++
				}
				if lif && pass == 0 {
					lifs[c]++
				}
			}
		}
	}
	routes := countRoutes(g, m, 0, nc)
	synOf := make([]int32, 0, cap(routes.dst)) // synapses per route
	formats := projectionFormats(g.Net)
	p.routeSyn = newRouteSyns(cap(routes.dst))
	routes.lay(g, m, nil, func(s, r int, _ uint32, _ uint16, opened bool) {
		if opened {
			synOf = append(synOf, 0)
		}
		synOf[r]++
		p.routeSyn.add(r, formats[g.Proj[s]])
	})
	p.routeStart, p.routeDst, p.routeAxon = routes.start, routes.dst, routes.axon
	p.axonStart = make([]int, nc+1)
	for c := 0; c < nc; c++ {
		p.axonStart[c+1] = p.axonStart[c] + int(routes.axons[c])
	}
	p.axonSyn = make([]int32, p.axonStart[nc])
	for r, dc := range p.routeDst {
		p.axonSyn[p.axonStart[dc]+int(p.routeAxon.at(r))] = synOf[r]
	}
	p.cost = newCost(a, m, lifs, timing)
	p.timeSends, p.forward = a.sendRule(timing)
	return p, nil
}

// Router returns the router the packets went through, for its link
// statistics.
func (p *Replayer) Router() *router.Router { return p.rt }

// Tick returns the number of ticks replayed so far.
func (p *Replayer) Tick() int64 { return p.tick }

// Step replays one tick: it delivers the packets due, then sends the
// packets of the given spikes (global neuron ids) of this tick. The spikes
// are put in the engine's order (by core, then compartment) first.
func (p *Replayer) Step(neurons []uint32) error {
	t := p.tick
	p.due = p.rt.PopDue(t, p.due[:0])
	for i := range p.due {
		d := &p.due[i]
		p.synapse += int64(p.axonSyn[p.axonStart[d.Dst]+int(d.Axon)])
	}
	for _, id := range neurons {
		if int64(id) >= int64(p.graph.N) {
			return fmt.Errorf("replay: spike at tick %d: address %d beyond the %d neurons of network %q", t, id, p.graph.N, p.graph.Net.Name)
		}
	}
	sorted := true
	for i := 1; i < len(neurons); i++ {
		if p.key[neurons[i]] < p.key[neurons[i-1]] {
			sorted = false
			break
		}
	}
	if !sorted {
		p.order = append(p.order[:0], neurons...)
		slices.SortStableFunc(p.order, func(a, b uint32) int {
			ka, kb := p.key[a], p.key[b]
			switch {
			case ka < kb:
				return -1
			case ka > kb:
				return 1
			}
			return 0
		})
		neurons = p.order
	}
	for _, id := range neurons {
		p.cost.work[p.mapng.CoreOf[id]].spikes++
	}
	// Spikes and messages are sent in the engine's order, so that the
	// modelled send times are the engine's too (without neuron updates).
	var k, sent int64
	for i, id := range neurons {
		src := p.mapng.CoreOf[id]
		if i == 0 || src != p.mapng.CoreOf[neurons[i-1]] {
			k, sent = 0, 0
		}
		l := int(uint32(p.key[id]))
		for r := p.routeStart[id]; r < p.routeStart[id+1]; r++ {
			pkt := router.Packet{Src: src, Dst: p.routeDst[r], Axon: p.routeAxon.at(r), Emit: t}
			if p.timeSends {
				p.sends.add(pkt, r, p.cost.injectAt(int(src), l, k, sent))
				sent++
				continue
			}
			if p.forward {
				p.rt.Forward(pkt)
				p.cost.message(src, p.routeDst[r], p.routeSyn.at(r), true, 0)
				continue
			}
			_, arrive, queued := p.rt.SendTimed(pkt, p.arch.injectAt(l))
			p.cost.message(src, p.routeDst[r], p.routeSyn.at(r), queued, arrive)
		}
		k++
	}
	if p.timeSends {
		p.sends.flush(p.rt, &p.cost, p.routeSyn.at, p.arch.LinkBuffer, nil)
	}
	p.spikes += int64(len(neurons))
	p.cost.close(p.rt.EndTick(t))
	p.tick++
	return nil
}

// Stats returns the totals so far, as Engine.Stats; NeuronUpdates is 0 and
// the energy has no "neuron" component.
func (p *Replayer) Stats() Stats {
	s := Stats{Ticks: p.tick, Spikes: p.spikes, SynapticEvents: p.synapse, Router: p.rt.Stats()}
	p.cost.fill(&s, false)
	return s
}

// ReplayTraffic replays spikes, given as (tick, global neuron id) in
// non-decreasing tick order, through mapping m on arch a for ticks ticks:
// the spikes of ticks 0 .. ticks-1, leaving the later ones unread. With
// ticks 0 it replays up to the last spike. Rule timing times the ticks.
func ReplayTraffic(g *snn.Graph, a *Arch, m *Mapping, timing Timing, spikes iter.Seq2[int64, uint32], ticks int64) (*Replayer, error) {
	if ticks < 0 {
		return nil, fmt.Errorf("replay: %d ticks: expected a non-negative count", ticks)
	}
	p, err := NewReplayer(g, a, m, timing)
	if err != nil {
		return nil, err
	}
	var cur []uint32
	var failed error
	for t, id := range spikes {
		if ticks > 0 && t >= ticks {
			break
		}
		switch {
		case t < 0:
			failed = fmt.Errorf("replay: spike of neuron %d at tick %d: expected a tick >= 0", id, t)
		case t < p.tick:
			failed = fmt.Errorf("replay: spike of neuron %d at tick %d after tick %d: ticks must not decrease", id, t, p.tick)
		}
		if failed != nil {
			break
		}
		for p.tick < t {
			if failed = p.Step(cur); failed != nil {
				break
			}
			cur = cur[:0]
		}
		if failed != nil {
			break
		}
		cur = append(cur, id)
	}
	if failed != nil {
		return nil, failed
	}
	if len(cur) > 0 {
		if err := p.Step(cur); err != nil {
			return nil, err
		}
	}
	for p.tick < ticks {
		if err := p.Step(nil); err != nil {
			return nil, err
		}
	}
	return p, nil
}
