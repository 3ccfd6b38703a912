package anyformat

import (
	"fmt"
	"io"
	"math"

	"github.com/spindle-sim/spindle/aer"
)

// StimulusOptions say how LoadStimulus turns a file into input spikes.
type StimulusOptions struct {
	DtMs          float64 // the run's tick in milliseconds; required
	Downsample    int     // camera: pixel block size k (see aer.AddressRule)
	MergePolarity bool    // camera: one address per pixel instead of two
	// KeepAbsoluteTime measures microsecond times from 0 instead of from
	// the first event.
	KeepAbsoluteTime bool
	Width, Height    int // camera: override the sensor size
}

// Stimulus is a file's events as (tick, address) pairs in time order.
type Stimulus struct {
	Ticks    []int64
	Addrs    []uint32
	NumAddrs int // size of the address space: the input population needs this many neurons
	Info     Info
}

// LoadStimulus reads every event of path (any format Open reads) and maps it
// to the run's clock:
//
//   - Microsecond times (camera files, .aer traces with time_unit "us"):
//     tick = floor((t_us - t0) / (DtMs*1000)), with t0 the first event's
//     time, or 0 with KeepAbsoluteTime (aer.TickRule).
//   - Tick times (.aer traces with time_unit "tick"): kept when the trace's
//     dt equals DtMs, else rescaled to tick = floor(t * dt_trace / DtMs);
//     they are already on a simulation clock, so they are not shifted.
//
// Camera pixels map to addresses by aer.AddressRule with the given
// downsampling and polarity merge; trace addresses are kept.
func LoadStimulus(path string, opt StimulusOptions) (*Stimulus, error) {
	if !(opt.DtMs > 0) || math.IsInf(opt.DtMs, 0) {
		return nil, fmt.Errorf("stimulus: dt %v ms, want a positive number", opt.DtMs)
	}
	src, err := Open(path, Options{Downsample: opt.Downsample, MergePolarity: opt.MergePolarity, Width: opt.Width, Height: opt.Height})
	if err != nil {
		return nil, err
	}
	defer src.Close()
	info := src.Info()
	st := &Stimulus{Info: info}
	var toTick func(int64) int64
	switch {
	case info.TimeUnit == aer.UnitTick && info.Meta.DtMs == opt.DtMs:
		toTick = func(t int64) int64 { return t }
	case info.TimeUnit == aer.UnitTick:
		// Through nanoseconds, like TickRule, to keep the division exact.
		num, den := int64(math.Round(info.Meta.DtMs*1e6)), int64(math.Round(opt.DtMs*1e6))
		toTick = func(t int64) int64 { return floorDiv(t*num, den) }
	default:
		rule := aer.TickRule{DtMs: opt.DtMs}
		toTick = func(t int64) int64 { return rule.Tick(t) }
		if !opt.KeepAbsoluteTime {
			first := true
			toTick = func(t int64) int64 {
				if first {
					rule.T0, first = t, false
				}
				return rule.Tick(t)
			}
		}
	}
	var maxAddr uint32
	buf := make([]Event, 8192)
	for {
		n, err := src.Read(buf)
		for _, e := range buf[:n] {
			st.Ticks = append(st.Ticks, toTick(e.Time))
			st.Addrs = append(st.Addrs, e.Addr)
			maxAddr = max(maxAddr, e.Addr)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	switch {
	case info.Rule != nil:
		st.NumAddrs = info.Rule.NumAddrs()
	case info.Meta != nil:
		for _, p := range info.Meta.Populations {
			st.NumAddrs = max(st.NumAddrs, int(p.First)+int(p.Size))
		}
	}
	if len(st.Addrs) > 0 {
		st.NumAddrs = max(st.NumAddrs, int(maxAddr)+1)
	}
	return st, nil
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}
