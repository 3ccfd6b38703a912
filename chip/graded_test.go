package chip_test

import (
	"slices"
	"testing"

	"github.com/spindle-sim/spindle/chip/internal/chiptest"
	"github.com/spindle-sim/spindle/chip/mapping"
	"github.com/spindle-sim/spindle/dense"
	"github.com/spindle-sim/spindle/snn"
)

// TestGradedSpikes: a graded source neuron listing a tick k times sends
// one message per route carrying k, whose synapses add k times their
// weight; the engine agrees with the dense reference spike for spike, and
// the message count is that of one spike per neuron and tick.
func TestGradedSpikes(t *testing.T) {
	for _, mode := range []snn.Mode{snn.Fixed, snn.Float} {
		for _, workers := range []int{1, 2} {
			net := &snn.Network{Name: "graded", Dt: 1, Seed: 1, Mode: mode,
				Populations: []snn.Population{
					{Name: "in", Size: 2, Kind: snn.SpikeSource, Graded: true,
						SpikeTimes: [][]float64{{0, 0, 0, 4, 9, 9}, {2, 2, 5}}},
					// Three spikes of in[0] in one tick cross the threshold
					// of IF neuron 0; one does not.
					{Name: "if", Size: 2, Neuron: snn.Neuron{NoLeak: true, VTh: 2.5, Receptors: []snn.Receptor{{Name: "r"}}}},
				},
				Projections: []snn.Projection{{Name: "w", Pre: "in", Post: "if", Connector: snn.Connector{Kind: snn.OneToOne}, Weight: snn.Const(1)}},
			}
			got, st := runSpikes(t, net, chiptest.Arch(), mapping.Sequential, workers, 12)
			sortSpikes(got)
			g, err := net.Build()
			if err != nil {
				t.Fatal(err)
			}
			d, err := dense.New(g, dense.Options{Mode: mode, WeightBits: chiptest.Arch().WeightBits})
			if err != nil {
				t.Fatal(err)
			}
			var want []spike
			d.Run(12, func(tk int64, id uint32) { want = append(want, spike{tk, id}) })
			if !slices.Equal(got, want) {
				t.Errorf("%s, %d workers: engine %v, dense %v", mode, workers, got, want)
			}
			// in[0] fires 3, 1 and 2 spikes in ticks 0, 4 and 9, in[1] 2 and
			// 1 in ticks 2 and 5: 9 input spikes in 5 messages (the IF
			// neurons project nowhere). if[0] reaches 3 at tick 1, then 1
			// at tick 5 and 3 at tick 10; if[1] 2 at tick 3, 3 at tick 6.
			var in, out []spike
			for _, s := range got {
				if s.id < 2 {
					in = append(in, s)
				} else {
					out = append(out, s)
				}
			}
			if len(in) != 9 || st.Router.Sent != 5 {
				t.Errorf("%s: %d input spikes in %d packets, want 9 in 5", mode, len(in), st.Router.Sent)
			}
			if w := []spike{{1, 2}, {6, 3}, {10, 2}}; !slices.Equal(out, w) {
				t.Errorf("%s: IF spikes %v, want %v", mode, out, w)
			}
		}
	}
}
