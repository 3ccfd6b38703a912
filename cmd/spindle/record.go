package main

import (
	"fmt"

	"github.com/spf13/pflag"
	"github.com/spindle-sim/spindle/aer"
	"github.com/spindle-sim/spindle/chip"
	"github.com/spindle-sim/spindle/router"
)

// recordFlags choose what a run writes to an AER trace.
type recordFlags struct {
	path string
	what string
}

func (f *recordFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.path, "trace", "", "record an AER trace (.aer) to this file")
	fs.StringVar(&f.what, "record", "spikes", "what --trace records: spikes, packets or all")
}

// recorder writes the spikes and packets of a run as they happen. The file
// is written in place: if the run is killed, `spindle trace recover`
// salvages every completed chunk.
type recorder struct {
	w       *aer.Writer
	path    string
	spikes  bool
	packets bool
	// all says that the run records every spike: it is not one rank of
	// a distributed run.
	all bool
	err error
}

// startRun opens the trace of a run of b as opt describes it, recording in
// its metadata what `spindle replay` needs to rebuild the run: the network
// file and seed, the stimulus, and the ticks it will last (opt.ticks, and
// the sleep step's if opt.sleep).
func (f *recordFlags) startRun(b *built, opt simOptions) (*recorder, error) {
	rank, ranks := opt.dist.rank()
	r := &recorder{path: partPath(f.path, rank, ranks), all: ranks < 2}
	switch f.what {
	case "spikes":
		r.spikes = true
	case "packets":
		r.packets = true
	case "all":
		r.spikes, r.packets = true, true
	default:
		return nil, usagef("--record %q: expected spikes, packets or all", f.what)
	}
	if f.path == "" {
		return r, nil
	}
	run := &aer.Run{Network: opt.source, Name: b.net.Name, Seed: b.net.Seed, Ticks: int64(opt.ticks),
		Arch: b.arch.Name, Map: b.mapping.Strategy, Chips: b.mapping.Chips, Mode: b.mode.String()}
	if sp := b.net.Sleep; opt.sleep && sp != nil {
		run.SleepTicks = int64(sp.Ticks)
		run.Ticks += run.SleepTicks
	}
	if b.stimulus != nil {
		run.Stimulus = b.stimulus.File
	}
	source := fmt.Sprintf("spindle run %s --arch %s --map %s --mode %s --seed %d --ticks %d",
		opt.source, run.Arch, run.Map, run.Mode, run.Seed, opt.ticks)
	if run.Stimulus != "" {
		source += " --stimulus " + run.Stimulus
	}
	meta := aer.Meta{DtMs: b.net.Dt, TimeUnit: aer.UnitTick, Source: source, Run: run}
	if r.spikes {
		meta.Kinds = append(meta.Kinds, aer.KindSpike)
	}
	if r.packets {
		meta.Kinds = append(meta.Kinds, aer.KindPacket)
	}
	meta.Populations = b.mapping.TracePopulations(b.graph)
	if ranks > 1 {
		// Every rank routes every packet: rank 0's part holds them.
		first := chip.Partition(b.mapping, b.arch, ranks)
		meta.Part = &aer.Part{Rank: rank, Ranks: ranks, FirstCore: first[rank], EndCore: first[rank+1], Packets: r.packets && rank == 0}
		r.packets = r.packets && rank == 0
	}
	w, err := opt.ck.createTrace(r.path, meta)
	if err != nil {
		return nil, err
	}
	r.w = w
	return r, nil
}

func (r *recorder) spike(t int64, id uint32) {
	if r.w != nil && r.spikes && r.err == nil {
		r.err = r.w.WriteSpike(t, id)
	}
}

// packetHook returns the engine's packet callback, or nil when packets are
// not recorded, so that the engine skips the call altogether.
func (r *recorder) packetHook() func(router.Packet, bool) {
	if r.w == nil || !r.packets {
		return nil
	}
	return func(p router.Packet, queued bool) {
		if r.err != nil {
			return
		}
		r.err = r.w.WritePacket(chip.TracePacket(p, queued))
	}
}

// close finishes the trace; a write error from during the run wins.
func (r *recorder) close() error {
	if r.w == nil {
		return nil
	}
	err := r.w.Close()
	if r.err != nil {
		err = r.err
	}
	if err != nil {
		return fmt.Errorf("trace %s: %w", r.path, err)
	}
	return nil
}

// abort removes a trace that never got a record.
func (r *recorder) abort() {
	if r.w != nil {
		r.w.Discard()
	}
}
