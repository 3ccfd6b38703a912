package main

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/pflag"
	"github.com/spindle-sim/spindle/aer"
	"github.com/spindle-sim/spindle/aer/anyformat"
	"github.com/spindle-sim/spindle/snn"
)

// stimulusFlags drive an input population from a recorded trace.
type stimulusFlags struct {
	path          string
	pop           string
	downsample    int
	mergePolarity bool
	absolute      bool
	align         string
	sensor        string
	width, height int            // from sensor
	fs            *pflag.FlagSet // to tell the flags given from their defaults
}

func (f *stimulusFlags) register(fs *pflag.FlagSet) {
	f.fs = fs
	fs.StringVar(&f.path, "stimulus", "", `drive an input population from a trace: .aer, AEDAT 2/3.1/4, EVT 2/3, DAT or N-MNIST
(address a fires neuron a of the population; camera pixel (x, y, p) is address
((y/k)*ceil(width/k) + x/k)*2 + p, or without the *2 + p with --merge-polarity;
microsecond times map to tick floor((t - t_first) / dt); a neuron fires at most
once per tick, so events of one address in one tick merge; see docs/formats/camera.md)`)
	fs.StringVar(&f.pop, "stimulus-pop", "", "with --stimulus: the population it drives (default: the first poisson or spike_source population)")
	fs.StringVar(&f.pop, "stimulus-map", "", "the same as --stimulus-pop")
	fs.MarkHidden("stimulus-map")
	fs.IntVar(&f.downsample, "downsample", 1, "with a camera --stimulus (or an .aer trace made from one): pool k x k pixel blocks onto one address")
	fs.BoolVar(&f.mergePolarity, "merge-polarity", false, "with a camera --stimulus (or an .aer trace made from one): ON and OFF events of a pixel drive the same neuron")
	fs.BoolVar(&f.absolute, "absolute-time", false, "with a camera --stimulus: count time from 0 instead of from the first event (--align zero)")
	fs.StringVar(&f.align, "align", "first-event", "with a camera --stimulus: where tick 0 falls, first-event (the first event's time) or zero (time 0 of the recording)")
	fs.StringVar(&f.sensor, "sensor", "", "with a camera --stimulus: the sensor size `WxH`, for a file whose header gives a wrong one")
}

// check refuses stimulus options that would have nothing to apply to, and
// out-of-range values, before any file is read.
func (f *stimulusFlags) check() error {
	if f.path == "" {
		for _, name := range []string{"stimulus-pop", "stimulus-map", "downsample", "merge-polarity", "absolute-time", "align", "sensor"} {
			if f.fs.Changed(name) {
				return usagef("--%s: expected --stimulus FILE, which it applies to", name)
			}
		}
		return nil
	}
	switch f.align {
	case "zero":
		f.absolute = true
	case "first-event":
		if f.absolute && f.fs.Changed("align") {
			return usagef("--align first-event contradicts --absolute-time; give one of them")
		}
	default:
		return usagef("--align %q: expected first-event or zero", f.align)
	}
	if f.downsample < 1 || f.downsample > aer.MaxSensorSide {
		return usagef("--downsample %d: expected a block size from 1 to %d", f.downsample, aer.MaxSensorSide)
	}
	if f.sensor != "" {
		w, h, _ := strings.Cut(f.sensor, "x")
		var err1, err2 error
		f.width, err1 = strconv.Atoi(w)
		f.height, err2 = strconv.Atoi(h)
		if err1 != nil || err2 != nil || (aer.AddressRule{Width: f.width, Height: f.height}).Validate() != nil {
			return usagef("--sensor %q: expected WIDTHxHEIGHT, each from 1 to %d", f.sensor, aer.MaxSensorSide)
		}
	}
	return nil
}

// stimulusReport says what a --stimulus file became. A neuron fires at
// most once per tick, so events of one address in one tick become one
// input spike, and Merged counts the events lost that way; but a graded
// population (a NIR Input) takes them as a count, a graded spike (Graded).
type stimulusReport struct {
	File       string `json:"file"`
	Population string `json:"population"`
	Events     int64  `json:"events"`
	Spikes     int64  `json:"spikes"`
	Merged     int64  `json:"merged_events"`
	Graded     bool   `json:"graded"`
	// Messages counts the (neuron, tick) pairs with events: the graded
	// spikes, one message per route each (Spikes without Graded).
	Messages int64 `json:"messages"`
	// Layout is how camera pixels became neurons: "interleaved" (the
	// address rule, docs/formats/camera.md) or "channels" (polarity,
	// row, column of a [2, height, width] input, as NIR graphs take it).
	Layout string `json:"layout,omitempty"`
	First  int64  `json:"first_tick"` // of the first event
	Ticks  int64  `json:"ticks"`      // up to the last event's tick
}

// apply turns the chosen population of net into a spike source replaying
// the stimulus. Every address must name a neuron of the population.
func (f *stimulusFlags) apply(net *snn.Network) (*stimulusReport, error) {
	if f.path == "" {
		return nil, nil
	}
	pi := -1
	for i, p := range net.Populations {
		if (f.pop == "" && p.Kind != snn.LIF) || (f.pop != "" && p.Name == f.pop) {
			pi = i
			break
		}
	}
	if pi < 0 {
		if f.pop != "" {
			names := make([]string, len(net.Populations))
			for i, p := range net.Populations {
				names[i] = p.Name
			}
			return nil, usagef("--stimulus-pop %q: unknown population of network %q (have: %s)", f.pop, net.Name, strings.Join(names, ", "))
		}
		return nil, fmt.Errorf("--stimulus %s: network %q has no input population (kind poisson or spike_source) to drive; name one with --stimulus-pop", f.path, net.Name)
	}
	p := &net.Populations[pi]
	if p.Kind == snn.LIF {
		return nil, usagef("--stimulus-pop %q: a LIF population cannot be driven by a trace; use an input population", p.Name)
	}
	st, err := anyformat.LoadStimulus(f.path, anyformat.StimulusOptions{
		DtMs: net.Dt, Downsample: f.downsample, MergePolarity: f.mergePolarity, KeepAbsoluteTime: f.absolute,
		Width: f.width, Height: f.height,
	})
	if errors.Is(err, anyformat.ErrOutsideSensor) {
		return nil, fmt.Errorf("--stimulus: %w; give the true size with --sensor WxH", err)
	}
	if err != nil {
		return nil, fmt.Errorf("--stimulus: %w", err)
	}
	layout := ""
	if r := st.Info.Rule; r != nil {
		layout = "interleaved"
		if len(p.Shape) == 3 && p.Shape[0] == 2 && r.MergePolarity {
			return nil, usagef("--merge-polarity: population %q has shape %v, polarity as its channel: it needs both polarities", p.Name, p.Shape)
		}
		if len(p.Shape) == 3 && p.Shape[0] == 2 {
			// Polarity is the channel: neuron (p*H + y)*W + x.
			layout = "channels"
			if err := channelLayout(st, r, p.Shape[1], p.Shape[2], f.path, p.Name); err != nil {
				return nil, err
			}
		}
	}
	if st.NumAddrs > p.Size {
		hint := ""
		if st.Info.Width > 0 {
			hint = fmt.Sprintf(" (a %dx%d sensor, %s); pool pixels with --downsample or --merge-polarity, or enlarge the population", st.Info.Width, st.Info.Height, pooling(st.Info.Rule))
		}
		return nil, fmt.Errorf("--stimulus %s: %d addresses but population %q has %d neurons%s", f.path, st.NumAddrs, p.Name, p.Size, hint)
	}
	rep := &stimulusReport{File: f.path, Population: p.Name, Events: int64(len(st.Addrs)), Graded: p.Graded, Layout: layout}
	if len(st.Ticks) > 0 {
		rep.First = slices.Min(st.Ticks)
	}
	times := make([][]float64, p.Size)
	for k, a := range st.Addrs {
		if int(a) >= p.Size {
			return nil, fmt.Errorf("--stimulus %s: event %d: address %d beyond the %d neurons of population %q", f.path, k, a, p.Size, p.Name)
		}
		t := float64(st.Ticks[k]) * net.Dt
		if n := len(times[a]); n > 0 && times[a][n-1] == t {
			if !p.Graded {
				rep.Merged++
				continue
			}
		} else {
			rep.Messages++
		}
		times[a] = append(times[a], t)
		rep.Ticks = max(rep.Ticks, st.Ticks[k]+1)
	}
	rep.Spikes = rep.Events - rep.Merged
	p.Kind, p.RateHz, p.SpikeTimes = snn.SpikeSource, 0, times
	return rep, nil
}

// channelLayout readdresses the events of a camera stimulus to a
// [2, h, w] input: pixel (x, y) of polarity p (after the rule's
// downsampling) becomes neuron (p*h + y)*w + x.
func channelLayout(st *anyformat.Stimulus, r *aer.AddressRule, h, w int, file, pop string) error {
	k := max(1, r.Downsample)
	for i, a := range st.Addrs {
		x, y, pol := r.Pixel(a)
		x, y = x/k, y/k
		if x >= w || y >= h {
			return fmt.Errorf("--stimulus %s: event %d at pixel (%d, %d) lies outside the %dx%d input of population %q (shape [2, %d, %d]); pool pixels with --downsample", file, i, x*k, y*k, w, h, pop, h, w)
		}
		st.Addrs[i] = uint32((int(pol)*h+y)*w + x)
	}
	st.NumAddrs = 2 * h * w
	return nil
}

// pooling describes the pixel blocks of a rule, so that an error can say
// what pooling was already applied.
func pooling(r *aer.AddressRule) string {
	if r == nil || (r.Downsample <= 1 && !r.MergePolarity) {
		return "pixels unpooled"
	}
	s := fmt.Sprintf("%dx%d-pixel blocks", max(1, r.Downsample), max(1, r.Downsample))
	if r.MergePolarity {
		s += ", polarities merged"
	}
	return s
}
