package main

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"github.com/spindle-sim/spindle/aer"
	"github.com/spindle-sim/spindle/chip"
	"github.com/spindle-sim/spindle/chip/mapping"
	"github.com/spindle-sim/spindle/loader"
	"github.com/spindle-sim/spindle/router"
	"github.com/spindle-sim/spindle/snn"
)

// simFlags are the flags shared by the commands that build and map a
// network: run, map, compare, replay.
type simFlags struct {
	arch      string
	mapper    string
	placement string
	chips     int
	mode      string
	seed      seedFlag
	workers   int
	ticks     int
	dt        float64        // ms, for a NIR graph; 0: its own choice
	timing    string         // commands that report modelled time register it
	stim      *stimulusFlags // commands that take --stimulus set it
}

// register adds the flags; simulates adds those of the commands that run
// neurons (run, compare): map and replay traffic would ignore them.
func (f *simFlags) register(fs *pflag.FlagSet, simulates bool) {
	fs.StringVar(&f.arch, "arch", "loihi", "architecture: a preset name (see 'spindle arch list') or an arch YAML file")
	fs.StringVar(&f.mapper, "map", "sequential", "mapping strategy: one of "+mapperList())
	fs.StringVar(&f.placement, "placement", "", "a placement YAML file (placement: per population, see docs/yaml.md): neurons go where it says, replacing the network file's placement and the --map strategy")
	fs.IntVar(&f.chips, "chips", 0, "chips on the board, at most the arch's max_chips (0: as many as the network needs)")
	fs.Var(&f.seed, "seed", "random seed for construction and sources, >= 0 (default: the network file's seed)")
	if !simulates {
		return
	}
	fs.StringVar(&f.mode, "mode", "", "numeric mode: fixed or float (default: the network file's mode)")
	fs.IntVar(&f.workers, "workers", 0, "worker goroutines stepping cores (0: adaptive, up to GOMAXPROCS while faster than one)")
	fs.IntVar(&f.ticks, "ticks", 1000, "ticks to simulate (with --stimulus and no --ticks: the stimulus's ticks and as many more as spikes take to cross the network)")
	fs.Float64Var(&f.dt, "dt", 0, "with a NIR graph: the tick in ms (default: 1 ms, or less if a time constant of the graph is shorter)")
}

// registerTiming adds --timing, for the commands that report modelled
// time (run, replay traffic).
func (f *simFlags) registerTiming(fs *pflag.FlagSet) {
	fs.StringVar(&f.timing, "timing", "detailed", "rule for the modelled tick time: detailed (each message through the network's link queues, SANA-FE's default) or simple (SANA-FE's simple rule: per core the larger of neuron-side and message-side time, plus sync); see docs/energy.md")
}

// timingRule returns the rule --timing names (detailed when the command
// has no --timing).
func (f *simFlags) timingRule() chip.Timing {
	t, _ := chip.ParseTiming(f.timing)
	return t
}

// seedFlag is --seed: a seed the user gave, or none, in which case the
// network file's seed stands. No value is set aside to mean "none", so
// every seed the file format accepts can be given.
type seedFlag struct {
	v   uint64
	set bool
}

func (s *seedFlag) Set(v string) error {
	n, err := strconv.ParseUint(v, 0, 64)
	if err != nil {
		return errors.New("expected an integer seed >= 0")
	}
	s.v, s.set = n, true
	return nil
}

// String is empty while unset, so that help prints no default.
func (s *seedFlag) String() string {
	if !s.set {
		return ""
	}
	return strconv.FormatUint(s.v, 10)
}

func (s *seedFlag) Type() string { return "uint" }

// built is a network loaded, built and mapped, ready for an engine.
type built struct {
	net          *snn.Network
	graph        *snn.Graph
	arch         *chip.Arch
	mapping      *chip.Mapping
	mode         snn.Mode
	stimulus     *stimulusReport // the --stimulus file, if any
	profile      []float64       // measured rates of every neuron, from --profile
	buildSeconds float64         // loading, construction, mapping and, once run, the engine
	mapSeconds   float64         // the mapper alone, its fill before the build included
}

func (f *simFlags) build(path string) (*built, error) { return f.buildProfiled(path, "") }

// check validates the flags before anything is loaded.
func (f *simFlags) check() error {
	if f.ticks < 0 {
		return usagef("--ticks %d: expected a non-negative count", f.ticks)
	}
	if f.chips < 0 {
		return usagef("--chips %d: expected 0 or a positive count", f.chips)
	}
	if f.workers < 0 {
		return usagef("--workers %d: expected 0 (adaptive) or a positive count", f.workers)
	}
	if f.dt < 0 || math.IsNaN(f.dt) || math.IsInf(f.dt, 0) {
		return usagef("--dt %v: expected a positive tick in ms", f.dt)
	}
	if _, err := f.strategy(); err != nil {
		return err
	}
	if f.timing != "" && !slices.Contains(chip.Timings, f.timing) {
		return usagef("--timing %q: expected one of %v", f.timing, chip.Timings)
	}
	if f.stim != nil {
		if err := f.stim.check(); err != nil {
			return err
		}
	}
	return nil
}

// strategy returns the mapper --map names.
func (f *simFlags) strategy() (mapping.Mapper, error) {
	m, err := mapping.ParseMapper(f.mapper)
	if err != nil {
		return 0, usagef("--map %q: expected one of %s", f.mapper, mapperList())
	}
	return m, nil
}

// mapperList names the mappers for help and errors: "sequential, balanced, ...".
func mapperList() string {
	var names []string
	for _, m := range mapping.Mappers() {
		names = append(names, m.String())
	}
	return strings.Join(names, ", ")
}

// buildProfiled is build with the neuron rates of a recorded trace to
// guide the mapper; profile may be empty.
func (f *simFlags) buildProfiled(path, profile string) (*built, error) {
	if err := f.check(); err != nil {
		return nil, err
	}
	start := time.Now()
	// A SANA-FE network's "tile.core" addresses name places on the mesh
	// of the arch it runs on.
	arch, err := loader.LoadArch(f.arch)
	if err != nil {
		return nil, err
	}
	net, err := loader.LoadNetworkWith(path, loader.SANAFEMesh(arch), loader.NIROptions{Dt: f.dt})
	if err != nil {
		return nil, err
	}
	return f.buildNetwork(net, path, profile, start)
}

// buildNetwork is buildProfiled on a network already loaded from path
// (a name for messages); start is when loading began, for buildSeconds.
func (f *simFlags) buildNetwork(net *snn.Network, path, profile string, start time.Time) (*built, error) {
	var err error
	if len(net.Populations) == 0 {
		return nil, fmt.Errorf("%s: network has no populations: expected at least one under populations", path)
	}
	b := &built{net: net, mode: net.Mode}
	if f.mode != "" {
		if b.mode, err = snn.ParseMode(f.mode); err != nil {
			return nil, usagef("--mode: %v", err)
		}
		net.Mode = b.mode
	}
	if f.seed.set {
		net.Seed = f.seed.v
	}
	if f.placement != "" {
		if net.Placement, err = loader.LoadPlacement(f.placement, net); err != nil {
			return nil, err
		}
	}
	if f.stim != nil {
		if b.stimulus, err = f.stim.apply(net); err != nil {
			return nil, err
		}
	}
	if b.arch, err = loader.LoadArch(f.arch); err != nil {
		return nil, err
	}
	if a := b.arch; a.MaxChips > 0 && f.chips > a.MaxChips {
		return nil, usagef("--chips %d: arch %q has at most %d chips (max_chips)", f.chips, a.Name, a.MaxChips)
	} else if tiles := float64(f.chips) * float64(a.TilesX) * float64(a.TilesY); tiles > router.MaxTiles {
		return nil, usagef("--chips %d: %.0f tiles of arch %q, more than the %d the router models", f.chips, tiles, a.Name, router.MaxTiles)
	}
	// Counting synapses takes a pass over the neurons; building them, for a
	// network the board cannot hold, minutes and gigabytes.
	if err := net.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := mapping.CheckCapacity(net, b.arch, f.chips); err != nil {
		return nil, err
	}
	// Input and output axons need the drawn inputs: drawing them alone
	// takes a fraction of the build, and the fill is then Map's, so its
	// time counts as the mapper's.
	strategy, err := f.strategy()
	if err != nil {
		return nil, err
	}
	fitStart := time.Now()
	fit, err := mapping.CheckFit(net, b.arch, strategy, f.chips)
	if err != nil {
		return nil, err
	}
	fitSeconds := time.Since(fitStart).Seconds()
	// The fit's inputs, drawn already, save the build drawing them again.
	if fit != nil {
		b.graph, err = fit.Build()
	} else {
		b.graph, err = net.Build()
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if profile != "" {
		if b.profile, err = profileRates(b.graph, profile, path); err != nil {
			return nil, err
		}
	}
	mapStart := time.Now()
	if b.mapping, err = mapping.MapWith(b.graph, b.arch, strategy, f.chips, mapping.Options{Rates: b.profile, Fit: fit}); err != nil {
		return nil, err
	}
	b.mapSeconds = fitSeconds + time.Since(mapStart).Seconds()
	b.buildSeconds = time.Since(start).Seconds()
	return b, nil
}

func profileRates(g *snn.Graph, profile, netPath string) ([]float64, error) {
	r, err := aer.Open(profile)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	rates, err := mapping.ProfileRates(g, r)
	if err != nil {
		return nil, fmt.Errorf("--profile %s: does not belong to %s: %w", profile, netPath, err)
	}
	return rates, nil
}
