package spindle

import (
	"errors"
	"fmt"

	"github.com/spindle-sim/spindle/aer"
	"github.com/spindle-sim/spindle/chip"
	"github.com/spindle-sim/spindle/chip/mapping"
	"github.com/spindle-sim/spindle/compare"
	"github.com/spindle-sim/spindle/loader"
	"github.com/spindle-sim/spindle/snn"
)

// Load reads a network file: Spindle's YAML (docs/yaml.md), a NIR graph
// (.nir, docs/nir.md) or a SANA-FE network (docs/sanafe.md), whose core
// addresses refer to the loihi preset's mesh (loader.LoadNetworkOn takes
// another). Errors name the file, the line or node, and the field.
func Load(path string) (*snn.Network, error) {
	return loader.LoadNetwork(path)
}

// Arch returns the architecture preset of that name (see Presets) or
// reads an architecture file: Spindle's YAML or SANA-FE's.
func Arch(nameOrPath string) (*chip.Arch, error) {
	return loader.LoadArch(nameOrPath)
}

// Presets returns the names of the architecture presets, sorted.
func Presets() []string { return loader.Presets() }

// Options configure New. The zero value maps with mapping.Sequential onto as
// many chips as the network needs and runs in the network's mode, keeping
// every spike.
type Options struct {
	// Mapper places the neurons on cores; the zero value is mapping.Sequential.
	Mapper mapping.Mapper
	// Chips is the number of chips on the board; 0: as many as needed.
	Chips int
	// Mode is the numeric mode; the zero value, snn.NetworkMode, is the
	// network's own (snn.Network.Mode).
	Mode snn.Mode
	// Workers is chip.Options.Workers: 0 lets the engine choose.
	Workers int
	// Timing is the rule of the modelled tick time; the zero value is
	// chip.Detailed.
	Timing chip.Timing

	// OnSpike, if set, sees every spike as it happens (by tick, then core,
	// then compartment), and Sim.Spikes then keeps none.
	OnSpike func(tick int64, neuron uint32)

	// Trace, if not empty, is a file that records the run as an AER trace
	// (docs/formats/aer.md): its spikes, and with TracePackets its router
	// packets too. Sim.Close finishes it; aer.Open or ReadTrace reads it.
	Trace        string
	TracePackets bool
}

// Sim is a network built and mapped onto an architecture, with the event
// engine that runs it. Its fields are for reading; the engine's methods
// (chip.Engine) reach everything New does not wrap.
type Sim struct {
	Network *snn.Network
	Graph   *snn.Graph
	Arch    *chip.Arch
	Mapping *chip.Mapping
	Engine  *chip.Engine
	// Mode is the numeric mode the engine runs in.
	Mode snn.Mode

	spikes []aer.Spike
	trace  *aer.Writer
	path   string
	err    error // the first trace write error
}

// New validates net, checks that it fits arch, builds its synapses, maps
// it with opt.Mapper and makes the engine. Close releases the engine and
// finishes the trace.
func New(net *snn.Network, arch *chip.Arch, opt Options) (*Sim, error) {
	if net == nil || arch == nil {
		return nil, errors.New("spindle: expected a network and an architecture, got nil")
	}
	s := &Sim{Network: net, Arch: arch, Mode: opt.Mode.Resolve(net.Mode), path: opt.Trace}
	var err error
	if s.Graph, s.Mapping, err = build(net, arch, opt.Mapper, opt.Chips); err != nil {
		return nil, err
	}
	copt := chip.Options{Mode: s.Mode, Workers: opt.Workers, Timing: opt.Timing, OnSpike: opt.OnSpike}
	if opt.Trace != "" {
		if err := s.startTrace(opt.TracePackets, &copt); err != nil {
			return nil, err
		}
	} else if copt.OnSpike == nil {
		copt.OnSpike = s.keep
	}
	if s.Engine, err = chip.NewEngine(s.Graph, arch, s.Mapping, copt); err != nil {
		if s.trace != nil {
			s.trace.Discard()
		}
		return nil, fmt.Errorf("network %q on arch %q: %w", net.Name, arch.Name, err)
	}
	return s, nil
}

// build is the part of New that Compare shares: validate, check the
// capacity, build and map.
func build(net *snn.Network, arch *chip.Arch, mapper mapping.Mapper, chips int) (*snn.Graph, *chip.Mapping, error) {
	if err := net.Validate(); err != nil {
		return nil, nil, fmt.Errorf("network %q: %w", net.Name, err)
	}
	if err := arch.Validate(); err != nil {
		return nil, nil, err
	}
	if err := mapping.CheckCapacity(net, arch, chips); err != nil {
		return nil, nil, err
	}
	fit, err := mapping.CheckFit(net, arch, mapper, chips)
	if err != nil {
		return nil, nil, err
	}
	var g *snn.Graph
	if fit != nil {
		g, err = fit.Build() // from the inputs the check drew
	} else {
		g, err = net.Build()
	}
	if err != nil {
		return nil, nil, fmt.Errorf("network %q: %w", net.Name, err)
	}
	m, err := mapping.MapWith(g, arch, mapper, chips, mapping.Options{Fit: fit})
	if err != nil {
		return nil, nil, err
	}
	return g, m, nil
}

func (s *Sim) keep(t int64, id uint32) {
	s.spikes = append(s.spikes, aer.Spike{Time: t, Addr: id})
}

// Run simulates ticks more ticks. It returns the first error of writing
// the trace, if any.
func (s *Sim) Run(ticks int) error {
	if ticks < 0 {
		return fmt.Errorf("spindle: run %d ticks: expected a non-negative count", ticks)
	}
	s.Engine.Run(ticks)
	return s.traceErr()
}

// Sleep runs the network's sleep protocol (snn.Network.Sleep, the sleep:
// section of a network file) on the cores, then restores the waking
// state (chip.Engine.Sleep). A network without one is an error.
func (s *Sim) Sleep() error {
	if s.Network.Sleep == nil {
		return fmt.Errorf("network %q: no sleep protocol: expected Network.Sleep (sleep: in a network file)", s.Network.Name)
	}
	if err := s.Engine.Sleep(chip.SleepPhaseOf(s.Network.Sleep)); err != nil {
		return err
	}
	return s.traceErr()
}

// Spikes returns every spike so far, by tick, then core, then
// compartment: Time is the tick, Addr the global neuron id (Neuron
// gives it for a population and an index). It is nil when Options.OnSpike
// took the spikes or Options.Trace recorded them (read them back with
// ReadTrace). The slice is the Sim's own.
func (s *Sim) Spikes() []aer.Spike { return s.spikes }

// Stats returns the totals so far: spikes, synaptic events, packets, the
// modelled energy by component and the modelled time.
func (s *Sim) Stats() chip.Stats { return s.Engine.Stats() }

// Neuron returns the global id of neuron index of population pop.
func (s *Sim) Neuron(pop string, index int) (uint32, error) {
	p := s.Network.PopulationIndex(pop)
	if p < 0 {
		return 0, fmt.Errorf("network %q: population %q: no such population", s.Network.Name, pop)
	}
	if size := s.Network.Populations[p].Size; index < 0 || index >= size {
		return 0, fmt.Errorf("network %q: population %q: neuron %d: expected an index in [0, %d)", s.Network.Name, pop, index, size)
	}
	return uint32(s.Graph.PopStart[p] + index), nil
}

// Probe starts recording v (chip.V, the membrane potential, or chip.I,
// the synaptic currents) of neurons lo to hi-1 of population pop at the
// end of every following tick, in mV relative to rest (docs/probes.md).
func (s *Sim) Probe(pop string, lo, hi int, v chip.Var) (*chip.Probe, error) {
	if lo >= hi {
		return nil, fmt.Errorf("probe %s[%d:%d]: expected lo < hi", pop, lo, hi)
	}
	first, err := s.Neuron(pop, lo)
	if err != nil {
		return nil, fmt.Errorf("probe: %w", err)
	}
	if _, err := s.Neuron(pop, hi-1); err != nil {
		return nil, fmt.Errorf("probe: %w", err)
	}
	ids := make([]uint32, hi-lo)
	for k := range ids {
		ids[k] = first + uint32(k)
	}
	return s.Engine.Probe(ids, v)
}

// Close stops the engine and finishes the trace; it returns the first
// error of writing the trace.
func (s *Sim) Close() error {
	s.Engine.Close()
	if s.trace == nil {
		return nil
	}
	err := s.trace.Close()
	s.trace = nil
	if s.err != nil {
		err = s.err
	}
	if err != nil {
		return fmt.Errorf("trace %s: %w", s.path, err)
	}
	return nil
}

// Compare runs net for ticks ticks on the event engine, mapped onto arch
// as opt says, and on the dense reference (package dense) with the same
// mode and arch's weight bits, and reports their agreement: identical
// spikes in fixed mode, statistical agreement in float mode
// (docs/compare.md). Options.OnSpike and Options.Trace are not used.
func Compare(net *snn.Network, arch *chip.Arch, ticks int, opt Options) (*compare.Report, error) {
	if net == nil || arch == nil {
		return nil, errors.New("spindle: expected a network and an architecture, got nil")
	}
	g, m, err := build(net, arch, opt.Mapper, opt.Chips)
	if err != nil {
		return nil, err
	}
	return compare.Run(g, arch, m, compare.Options{Mode: opt.Mode.Resolve(net.Mode), Ticks: ticks, Workers: opt.Workers, WarmupMs: -1})
}
