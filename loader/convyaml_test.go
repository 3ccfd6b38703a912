package loader

import (
	"strings"
	"testing"

	"github.com/spindle-sim/spindle/snn"
)

const convNet = `name: handconv
dt: 1
populations:
  - {name: in, size: 8, kind: spike_source, spike_times: [[0], [0, 1], [], [], [], [], [], [2]]}
  - name: out
    size: OUT
    neuron: {tau_m: 10, v_th: 0.5, receptors: [{name: syn, tau_syn: 0}]}
projections:
  - pre: in
    post: out
    connector:
      conv: {CONV}
`

func TestConvConnectorYAML(t *testing.T) {
	weights := "weights: [1, 2, 3, 4, 5, 6, 7, 8, 1, 1, 1, 1, 1, 1, 1, 1]"
	tests := []struct {
		name, out, conv string
		synapses        int
		want            string
	}{
		// Two 2x2 channels, kernel 2x2, one column of padding on the left:
		// outputs 2 channels x 1 x 2; the left output sees one column.
		{"padded", "4", "in_shape: [2, 2, 2], out_channels: 2, kernel: 2, padding: [0, 0, 1, 0], " + weights, 2 * (2*2 + 2*4), ""},
		{"same", "8", "in_shape: [2, 2, 2], out_channels: 2, kernel: 2, padding: same, " + weights, 0, ""},
		{"pooled", "2", "in_shape: [2, 2, 2], out_channels: 2, kernel: 1, pool: {kernel: 2}, weights: [1, 2, 3, 4]", 2 * 8, ""},
		{"grouped", "8", "in_shape: [2, 2, 2], out_channels: 2, kernel: 1, groups: 2, weights: [1, 2]", 8, ""},
		{"weights", "2", "in_shape: [2, 2, 2], out_channels: 2, kernel: 2, weights: [1]", 0, "conv: 1 weights: expected 16"},
		{"size", "5", "in_shape: [2, 2, 2], out_channels: 2, kernel: 2, padding: [0, 0, 1, 0], " + weights, 0, "output shape [2 1 2] holds 4 neurons, but post has 5"},
		{"kernel", "4", "in_shape: [2, 2, 2], out_channels: 2, kernel: 0, " + weights, 0, "kernel: expected a whole number from 1"},
		{"missing", "4", "out_channels: 2, kernel: 2, " + weights, 0, "missing required field in_shape"},
		{"unknown", "4", "in_shape: [2, 2, 2], out_channels: 2, kernel: 2, shape: 1, " + weights, 0, "shape"},
		{"stride same", "4", "in_shape: [2, 2, 2], out_channels: 2, kernel: 2, stride: 2, padding: same, " + weights, 0, "same needs stride 1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc := strings.NewReplacer("OUT", tc.out, "CONV", tc.conv).Replace(convNet)
			net, err := ParseNetwork("conv.yaml", []byte(doc))
			if tc.want != "" {
				if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "conv.yaml:") {
					t.Fatalf("got %v, want an error with a line and %q", err, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			g, err := net.Build()
			if err != nil {
				t.Fatal(err)
			}
			if tc.synapses > 0 && g.Synapses() != tc.synapses {
				t.Errorf("%d synapses, want %d", g.Synapses(), tc.synapses)
			}
			if net.Projections[0].Connector.Kind != snn.Convolution {
				t.Errorf("connector %v", net.Projections[0].Connector.Kind)
			}
		})
	}
}

func TestPopulationShapeGraded(t *testing.T) {
	tests := []struct {
		pop, want string
	}{
		{"{name: in, size: 8, kind: spike_source, spike_times: [[0, 0], [], [], [], [], [], [], []], shape: [2, 2, 2], graded: true}", ""},
		{"{name: in, size: 8, kind: poisson, rate: 5, shape: [2, 4]}", ""},
		{"{name: in, size: 8, kind: poisson, rate: 5, shape: [3, 3]}", "shape: expected dimensions whose product is the size 8, got [3 3]"},
		{"{name: in, size: 8, kind: poisson, rate: 5, shape: [2, 0, 4]}", "shape[1]: expected a positive dimension"},
		{"{name: in, size: 8, kind: poisson, rate: 5, graded: 3}", "graded"},
		{"{name: in, size: 8, neuron: {tau_m: 10, v_th: 1}, graded: true}", "graded: not used by kind lif"},
	}
	for _, tc := range tests {
		doc := "name: s\ndt: 1\npopulations:\n  - " + tc.pop + "\n"
		net, err := ParseNetwork("s.yaml", []byte(doc))
		if tc.want != "" {
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "s.yaml:4") {
				t.Errorf("%s: got %v, want an error at line 4 with %q", tc.pop, err, tc.want)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.pop, err)
			continue
		}
		p := net.Populations[0]
		if p.Shape == nil || (p.Kind == snn.SpikeSource && !p.Graded) {
			t.Errorf("%s: shape %v, graded %v", tc.pop, p.Shape, p.Graded)
		}
		if p.Kind == snn.SpikeSource {
			g, err := net.Build()
			if err != nil {
				t.Fatal(err)
			}
			if ts := g.SourceTicks(0, 0); len(ts) != 2 {
				t.Errorf("graded source ticks %v, want [0 0]", ts)
			}
		}
	}
}
