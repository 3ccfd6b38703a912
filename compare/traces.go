package compare

import (
	"fmt"
	"math"

	"github.com/spindle-sim/spindle/spikestats"
)

// Recording is one recorded run: its spikes and what its network did to
// packets, as a trace holds them.
type Recording struct {
	Name           string // the trace's file name, for the report
	Spikes         []spikestats.Spike
	PacketsLate    int64
	PacketsDropped int64
	// FirstBadTick is the emit tick of the first late or dropped packet,
	// or -1.
	FirstBadTick int64
}

// SpikesOptions configure Spikes.
type SpikesOptions struct {
	Dt          float64 // ms per tick
	Ticks       int64   // recording length, past every spike; 0: one past the last spike
	WarmupMs    float64 // negative: Warmup of the recording's length
	Populations []spikestats.Population
	Seed        uint64 // pair sampling of the correlations
}

// SpikesReport is the agreement of two recordings (a and b) of one
// network: spikestats.Agreement, with its keys, and what the recordings
// say of their packets.
type SpikesReport struct {
	TraceA string  `json:"trace_a"`
	TraceB string  `json:"trace_b"`
	Ticks  int64   `json:"ticks"`
	DtMs   float64 `json:"dt_ms"`
	spikestats.Agreement
	// FirstDivergence has no states (a trace records none): its SpikedIn
	// is "a" or "b".
	FirstDivergence *Divergence `json:"first_divergence"`
	PacketsLateA    int64       `json:"packets_late_a"`
	PacketsLateB    int64       `json:"packets_late_b"`
	PacketsDroppedA int64       `json:"packets_dropped_a"`
	PacketsDroppedB int64       `json:"packets_dropped_b"`
	Attribution     string      `json:"attribution"`

	WarmupMs    float64                `json:"warmup_ms"`
	BinMs       *float64               `json:"bin_ms"` // nil when Populations is
	Populations []spikestats.PopReport `json:"populations"`
}

// Spikes compares two recordings of one network: the same figures as Run
// without the states (which a recording does not hold) and timings.
func Spikes(a, b *Recording, opt SpikesOptions) (*SpikesReport, error) {
	if !(opt.Dt > 0) || math.IsInf(opt.Dt, 0) {
		return nil, fmt.Errorf("compare: dt %v ms: expected a positive time step", opt.Dt)
	}
	r := &SpikesReport{
		TraceA: a.Name, TraceB: b.Name, DtMs: opt.Dt,
		Agreement:    spikestats.Agree(a.Spikes, b.Spikes, opt.Dt, spikestats.DefaultTauMs),
		PacketsLateA: a.PacketsLate, PacketsLateB: b.PacketsLate,
		PacketsDroppedA: a.PacketsDropped, PacketsDroppedB: b.PacketsDropped,
	}
	r.Ticks = opt.Ticks
	for _, x := range []*Recording{a, b} {
		for _, s := range x.Spikes {
			if opt.Ticks > 0 && s.Time >= opt.Ticks {
				return nil, fmt.Errorf("compare: %s: spike of neuron %d at tick %d, beyond the recording's %d ticks", x.Name, s.Addr, s.Time, opt.Ticks)
			}
			r.Ticks = max(r.Ticks, s.Time+1)
		}
	}
	if d, inA, ok := spikestats.FirstDivergence(a.Spikes, b.Spikes); ok {
		in := "b"
		if inA {
			in = "a"
		}
		r.FirstDivergence = &Divergence{Tick: d.Time, TimeMs: float64(d.Time) * opt.Dt, Neuron: d.Addr, SpikedIn: in, Index: int(d.Addr)}
		for _, p := range opt.Populations {
			if d.Addr >= p.First && uint64(d.Addr) < uint64(p.First)+uint64(p.Size) {
				r.FirstDivergence.Population, r.FirstDivergence.Index = p.Name, int(d.Addr-p.First)
			}
		}
	}
	r.Attribution = attributeTraces(r, a, b)

	r.WarmupMs = opt.WarmupMs
	if r.WarmupMs < 0 {
		r.WarmupMs = Warmup(float64(r.Ticks) * opt.Dt)
	}
	if warm := int64(math.Round(r.WarmupMs / opt.Dt)); warm < r.Ticks && len(opt.Populations) > 0 {
		rep, err := spikestats.Compare(a.Spikes, b.Spikes, opt.Populations, spikestats.Options{
			Dt: opt.Dt, Warmup: warm, End: r.Ticks, Seed: opt.Seed,
		})
		if err != nil {
			return nil, fmt.Errorf("compare: %w", err)
		}
		r.BinMs, r.Populations = &rep.BinMs, rep.Populations
	}
	return r, nil
}

func attributeTraces(r *SpikesReport, a, b *Recording) string {
	if r.Identical {
		return "identical spikes"
	}
	d := r.FirstDivergence
	var after []string
	for _, x := range []*Recording{a, b} {
		if x.FirstBadTick >= 0 && x.FirstBadTick < d.Tick {
			after = append(after, fmt.Sprintf("%s (%d late / %d dropped packets, the first at tick %d)", x.Name, x.PacketsLate, x.PacketsDropped, x.FirstBadTick))
		}
	}
	if len(after) == 0 {
		return fmt.Sprintf("divergence at tick %d, before any late or dropped packet recorded in either trace", d.Tick)
	}
	s := fmt.Sprintf("divergence at tick %d after late or dropped packets in %s", d.Tick, after[0])
	if len(after) > 1 {
		s += " and " + after[1]
	}
	return s
}
