package main

import (
	"fmt"

	"github.com/spf13/pflag"
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
}

func (f *stimulusFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.path, "stimulus", "", `drive an input population from a trace: .aer, AEDAT 2/3.1/4, EVT 2/3, DAT or N-MNIST
(address a fires neuron a of the population; camera pixel (x, y, p) is address
((y/k)*ceil(width/k) + x/k)*2 + p, or without the *2 + p with --merge-polarity;
microsecond times map to tick floor((t - t_first) / dt); see docs/formats/camera.md)`)
	fs.StringVar(&f.pop, "stimulus-pop", "", "the population the stimulus drives (default: the first poisson or spike_source population)")
	fs.StringVar(&f.pop, "stimulus-map", "", "the same as --stimulus-pop")
	fs.MarkHidden("stimulus-map")
	fs.IntVar(&f.downsample, "downsample", 1, "camera stimulus: pool k x k pixel blocks onto one address")
	fs.BoolVar(&f.mergePolarity, "merge-polarity", false, "camera stimulus: ON and OFF events of a pixel drive the same neuron")
	fs.BoolVar(&f.absolute, "absolute-time", false, "camera stimulus: count time from 0 instead of from the first event")
}

// apply turns the chosen population of net into a spike source replaying
// the stimulus. Every address must name a neuron of the population.
func (f *stimulusFlags) apply(net *snn.Network) error {
	if f.path == "" {
		return nil
	}
	if f.downsample < 1 {
		return usagef("--downsample %d: expected a positive block size", f.downsample)
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
			return usagef("--stimulus-pop %q: network %q has no such population", f.pop, net.Name)
		}
		return fmt.Errorf("--stimulus %s: network %q has no input population (kind poisson or spike_source) to drive; name one with --stimulus-pop", f.path, net.Name)
	}
	p := &net.Populations[pi]
	if p.Kind == snn.LIF {
		return usagef("--stimulus-pop %q: a LIF population cannot be driven by a trace; use an input population", p.Name)
	}
	st, err := anyformat.LoadStimulus(f.path, anyformat.StimulusOptions{
		DtMs: net.Dt, Downsample: f.downsample, MergePolarity: f.mergePolarity, KeepAbsoluteTime: f.absolute,
	})
	if err != nil {
		return fmt.Errorf("--stimulus: %w", err)
	}
	if st.NumAddrs > p.Size {
		hint := ""
		if st.Info.Width > 0 {
			hint = fmt.Sprintf(" (a %dx%d sensor); pool pixels with --downsample or --merge-polarity, or enlarge the population", st.Info.Width, st.Info.Height)
		}
		return fmt.Errorf("--stimulus %s: %d addresses but population %q has %d neurons%s", f.path, st.NumAddrs, p.Name, p.Size, hint)
	}
	times := make([][]float64, p.Size)
	for k, a := range st.Addrs {
		if int(a) >= p.Size {
			return fmt.Errorf("--stimulus %s: event %d: address %d beyond the %d neurons of population %q", f.path, k, a, p.Size, p.Name)
		}
		t := float64(st.Ticks[k]) * net.Dt
		if n := len(times[a]); n == 0 || times[a][n-1] != t {
			times[a] = append(times[a], t)
		}
	}
	p.Kind, p.RateHz, p.SpikeTimes = snn.SpikeSource, 0, times
	return nil
}
