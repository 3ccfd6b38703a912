package chip

import (
	"errors"
	"fmt"
	"slices"

	"github.com/spindle-sim/spindle/snn"
)

// Var is a state variable of a LIF neuron that a Probe records.
type Var uint8

const (
	// V is the membrane potential relative to v_rest, in mV.
	V Var = iota
	// I is the synaptic current of every receptor of the neuron's
	// population, each separately, in mV (the voltage it drives, as v).
	I
)

// String returns "v" or "i", the names ParseVar accepts.
func (v Var) String() string {
	switch v {
	case V:
		return "v"
	case I:
		return "i"
	}
	return fmt.Sprintf("Var(%d)", uint8(v))
}

// ParseVar returns the Var named s: "v" or "i".
func ParseVar(s string) (Var, error) {
	switch s {
	case "v":
		return V, nil
	case "i":
		return I, nil
	}
	return 0, fmt.Errorf("variable %q: expected v (membrane potential) or i (synaptic currents)", s)
}

// A Probe records one state variable of chosen LIF neurons at the end of
// every tick the engine steps after Engine.Probe returned it. Values are
// in mV relative to v_rest (V) or in mV (I): in fixed mode the core's
// state units divided by the population's scale, exactly as
// dense.Sim.State converts them.
type Probe struct {
	v       Var
	neurons []uint32
	width   int     // values per neuron and tick: 1, or the receptors
	core    []int32 // per column: the core and compartment read,
	local   []int32
	rec     []int32 // and the receptor (I)
	runs    []int   // p.core[runs[k]:runs[k+1]] are one core's
	first   int64
	data    []float64
}

// Var returns the variable recorded.
func (p *Probe) Var() Var { return p.v }

// Neurons returns the global ids of the neurons recorded, in the order of
// their values in a row.
func (p *Probe) Neurons() []uint32 { return p.neurons }

// Width returns the number of values per neuron and tick: 1 for V, the
// largest receptor count of the neurons' populations for I (a neuron with
// fewer receptors records zero for the others).
func (p *Probe) Width() int { return p.width }

// First returns the tick of the first row: the engine's tick when the
// probe was made.
func (p *Probe) First() int64 { return p.first }

// Len returns the number of ticks recorded.
func (p *Probe) Len() int {
	if len(p.core) == 0 {
		return 0
	}
	return len(p.data) / len(p.core)
}

// Row returns the values at the end of tick First()+k: Width() values per
// neuron, neuron by neuron. The slice is the probe's own; do not modify it.
func (p *Probe) Row(k int) []float64 {
	n := len(p.core)
	return p.data[k*n : (k+1)*n : (k+1)*n]
}

// Data returns every row, one after another (C order of the shape
// Len() × len(Neurons()) × Width()). The slice is the probe's own.
func (p *Probe) Data() []float64 { return p.data }

// Reserve makes room for ticks more rows, so that recording them does not
// grow the probe's storage by copies.
func (p *Probe) Reserve(ticks int) {
	p.data = slices.Grow(p.data, ticks*len(p.core))
}

// Probe starts recording variable v of the given neurons (global ids of
// LIF neurons) at the end of every following Step. A neuron may be given
// more than once. Input neurons have no state and are refused.
func (e *Engine) Probe(neurons []uint32, v Var) (*Probe, error) {
	if v != V && v != I {
		return nil, fmt.Errorf("probe: %v: expected V or I", v)
	}
	if e.dist != nil {
		return nil, errors.New("probe: a distributed run has no probes: probe the network in one process")
	}
	g := e.graph
	p := &Probe{v: v, neurons: append([]uint32(nil), neurons...), width: 1, first: e.tick}
	if v == I {
		for _, id := range neurons {
			if int(id) < g.N {
				p.width = max(p.width, g.Params[g.PopOf(int(id))].Receptors)
			}
		}
	}
	for _, id := range neurons {
		if int(id) >= g.N {
			return nil, fmt.Errorf("probe: neuron %d: expected an id below %d, the network's neurons", id, g.N)
		}
		pop := g.PopOf(int(id))
		if g.Net.Populations[pop].Kind != snn.LIF {
			return nil, fmt.Errorf("probe: neuron %d: population %q is an input (%s), which has no state; expected a LIF neuron", id, g.Net.Populations[pop].Name, g.Net.Populations[pop].Kind)
		}
		c, l := int32(e.mapng.CoreOf[id]), int32(e.local[id])
		for r := 0; r < p.width; r++ {
			rec := int32(r)
			if r >= g.Params[pop].Receptors {
				rec = -1 // none: records zero
			}
			p.core, p.local, p.rec = append(p.core, c), append(p.local, l), append(p.rec, rec)
		}
	}
	for k := range p.core {
		if k == 0 || p.core[k] != p.core[k-1] {
			p.runs = append(p.runs, k)
		}
	}
	p.runs = append(p.runs, len(p.core))
	e.probes = append(e.probes, p)
	return p, nil
}

// record appends a row to every probe.
func (e *Engine) record() {
	for _, p := range e.probes {
		if p.v == V {
			for k := 0; k+1 < len(p.runs); k++ {
				lo, hi := p.runs[k], p.runs[k+1]
				p.data = e.cores[p.core[lo]].AppendPotentials(p.data, p.local[lo:hi])
			}
			continue
		}
		for k, c := range p.core {
			x := 0.0
			if r := p.rec[k]; r >= 0 {
				x = e.cores[c].Current(int(p.local[k]), int(r))
			}
			p.data = append(p.data, x)
		}
	}
}
