package main

import (
	"fmt"
	"slices"
	"time"

	"github.com/spf13/pflag"
	"github.com/spindle-sim/spindle/aer"
	"github.com/spindle-sim/spindle/chip"
	"github.com/spindle-sim/spindle/loader"
	"github.com/spindle-sim/spindle/snn"
)

// simFlags are the flags shared by the commands that build and map a
// network: run, map, compare, replay.
type simFlags struct {
	arch    string
	mapper  string
	chips   int
	mode    string
	seed    int64
	workers int
	ticks   int
	stim    *stimulusFlags // commands that take --stimulus set it
}

func (f *simFlags) register(fs *pflag.FlagSet, ticks bool) {
	fs.StringVar(&f.arch, "arch", "loihi", "architecture: a preset name (see 'spindle arch list') or an arch YAML file")
	fs.StringVar(&f.mapper, "map", "sequential", fmt.Sprintf("mapping strategy: one of %v", chip.Mappers))
	fs.IntVar(&f.chips, "chips", 0, "chips on the board (0: as many as the network needs)")
	fs.StringVar(&f.mode, "mode", "", "numeric mode: fixed or float (default: the network file's mode)")
	fs.Int64Var(&f.seed, "seed", -1, "random seed for construction and sources (default: the network file's seed)")
	fs.IntVar(&f.workers, "workers", 0, "worker goroutines stepping cores (0: GOMAXPROCS)")
	if ticks {
		fs.IntVar(&f.ticks, "ticks", 1000, "ticks to simulate")
	}
}

// built is a network loaded, built and mapped, ready for an engine.
type built struct {
	net          *snn.Network
	graph        *snn.Graph
	arch         *chip.Arch
	mapping      *chip.Mapping
	mode         snn.Mode
	profile      []float64 // measured rates of every neuron, from --profile
	buildSeconds float64   // construction and mapping
	mapSeconds   float64   // the mapper alone
}

func (f *simFlags) build(path string) (*built, error) { return f.buildProfiled(path, "") }

// buildProfiled is build with the neuron rates of a recorded trace to
// guide the mapper; profile may be empty.
func (f *simFlags) buildProfiled(path, profile string) (*built, error) {
	if f.ticks < 0 {
		return nil, usagef("--ticks %d: expected a non-negative count", f.ticks)
	}
	if f.chips < 0 {
		return nil, usagef("--chips %d: expected 0 or a positive count", f.chips)
	}
	if !slices.Contains(chip.Mappers, f.mapper) {
		return nil, usagef("--map %q: expected one of %v", f.mapper, chip.Mappers)
	}
	start := time.Now()
	net, err := loader.LoadNetwork(path)
	if err != nil {
		return nil, err
	}
	b := &built{net: net, mode: net.Mode}
	if f.mode != "" {
		if b.mode, err = snn.ParseMode(f.mode); err != nil {
			return nil, usagef("--mode: %v", err)
		}
		net.Mode = b.mode
	}
	if f.seed >= 0 {
		net.Seed = uint64(f.seed)
	}
	if f.stim != nil {
		if err := f.stim.apply(net); err != nil {
			return nil, err
		}
	}
	if b.arch, err = loader.LoadArch(f.arch); err != nil {
		return nil, err
	}
	if b.graph, err = net.Build(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if profile != "" {
		if b.profile, err = profileRates(b.graph, profile, path); err != nil {
			return nil, err
		}
	}
	mapStart := time.Now()
	if b.mapping, err = chip.MapWith(b.graph, b.arch, f.mapper, f.chips, chip.MapOptions{Rates: b.profile}); err != nil {
		return nil, err
	}
	b.mapSeconds = time.Since(mapStart).Seconds()
	b.buildSeconds = time.Since(start).Seconds()
	return b, nil
}

func profileRates(g *snn.Graph, profile, netPath string) ([]float64, error) {
	r, err := aer.Open(profile)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	rates, err := chip.ProfileRates(g, r)
	if err != nil {
		return nil, fmt.Errorf("--profile %s: does not belong to %s: %w", profile, netPath, err)
	}
	return rates, nil
}
