package main

import (
	"fmt"
	"os"

	"github.com/spf13/pflag"
	"github.com/spindle-sim/spindle/aer"
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
	err     error
}

func (f *recordFlags) start(b *built, source string) (*recorder, error) {
	r := &recorder{path: f.path}
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
	meta := aer.Meta{DtMs: b.net.Dt, TimeUnit: aer.UnitTick,
		Source: fmt.Sprintf("spindle run %s --arch %s --map %s --mode %s", source, b.arch.Name, b.mapping.Strategy, b.mode)}
	if r.spikes {
		meta.Kinds = append(meta.Kinds, aer.KindSpike)
	}
	if r.packets {
		meta.Kinds = append(meta.Kinds, aer.KindPacket)
	}
	for i, p := range b.net.Populations {
		first := b.graph.PopStart[i]
		pop := aer.Population{Name: p.Name, First: uint32(first), Size: uint32(p.Size), Cores: make([]uint16, p.Size)}
		for k := range pop.Cores {
			pop.Cores[k] = uint16(b.mapping.CoreOf[first+k])
		}
		meta.Populations = append(meta.Populations, pop)
	}
	w, err := aer.Create(f.path, meta)
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
		var flags uint8
		if p.Late {
			flags |= aer.FlagLate
		}
		if !queued {
			flags |= aer.FlagDropped
		}
		r.err = r.w.WritePacket(aer.Packet{Emit: p.Emit, Deliver: p.Deliver, Src: p.Src, Dst: p.Dst, Hops: p.Hops, Flags: flags})
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
		r.w.Close()
		os.Remove(r.path)
	}
}
