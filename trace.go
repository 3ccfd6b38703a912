package spindle

import (
	"errors"
	"fmt"
	"io"

	"github.com/spindle-sim/spindle/aer"
	"github.com/spindle-sim/spindle/chip"
	"github.com/spindle-sim/spindle/router"
)

// startTrace creates the trace file of Options.Trace and hooks it to the
// engine options: spikes always, packets when asked.
func (s *Sim) startTrace(packets bool, copt *chip.Options) error {
	net, m := s.Network, s.Mapping
	meta := aer.Meta{
		DtMs: net.Dt, TimeUnit: aer.UnitTick, Kinds: []string{aer.KindSpike},
		Source:      fmt.Sprintf("spindle (Go) network %q on arch %q, %s map, %s mode", net.Name, s.Arch.Name, m.Strategy, s.Mode),
		Populations: m.TracePopulations(s.Graph),
		Run:         &aer.Run{Name: net.Name, Seed: net.Seed, Arch: s.Arch.Name, Map: m.Strategy, Chips: m.Chips, Mode: s.Mode.String()},
	}
	if packets {
		meta.Kinds = append(meta.Kinds, aer.KindPacket)
	}
	w, err := aer.Create(s.path, meta)
	if err != nil {
		return fmt.Errorf("trace %s: %w", s.path, err)
	}
	s.trace = w
	user := copt.OnSpike
	copt.OnSpike = func(t int64, id uint32) {
		if s.err == nil {
			s.err = w.WriteSpike(t, id)
		}
		if user != nil {
			user(t, id)
		}
	}
	if packets {
		copt.OnPacket = func(p router.Packet, queued bool) {
			if s.err == nil {
				s.err = w.WritePacket(chip.TracePacket(p, queued))
			}
		}
	}
	return nil
}

func (s *Sim) traceErr() error {
	if s.err != nil {
		return fmt.Errorf("trace %s: %w", s.path, s.err)
	}
	return nil
}

// ReadTrace reads every spike of an AER trace (a .aer file), with its
// metadata: dt, the populations' address ranges and the run that wrote it.
func ReadTrace(path string) (aer.Meta, []aer.Spike, error) {
	r, err := aer.Open(path)
	if err != nil {
		return aer.Meta{}, nil, err
	}
	defer r.Close()
	var all []aer.Spike
	buf := make([]aer.Spike, 4096)
	for {
		n, err := r.ReadSpikes(buf)
		all = append(all, buf[:n]...)
		if errors.Is(err, io.EOF) {
			return r.Meta(), all, nil
		}
		if err != nil {
			return aer.Meta{}, nil, fmt.Errorf("trace %s: %w", path, err)
		}
	}
}
