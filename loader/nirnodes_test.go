package loader

import (
	"math"
	"strings"
	"testing"

	"github.com/spindle-sim/spindle/chip/mapping"
	"github.com/spindle-sim/spindle/snn"
)

// TestNIRNodeTypes converts graphs made in code with the node types beyond
// LIF, IF and Affine, and checks what each becomes.
func TestNIRNodeTypes(t *testing.T) {
	input := func(name string, size int) *nirNode { return &nirNode{name: name, typ: "Input", size: size} }
	neuron := func(name, typ string, size int, ps nirParams) *nirNode {
		return &nirNode{name: name, typ: typ, size: size, nirParams: ps}
	}
	lin := func(name string, rows, cols int, w []float64) *nirNode {
		return &nirNode{name: name, typ: "Linear", rows: rows, cols: cols, weight: w}
	}
	out := &nirNode{name: "out", typ: "Output"}
	tests := []struct {
		name    string
		nodes   []*nirNode
		edges   [][2]string
		wantErr string
		check   func(t *testing.T, net *snn.Network)
	}{
		{
			name:  "Threshold has no memory",
			nodes: []*nirNode{input("in", 2), neuron("th", "Threshold", 2, nirParams{vTh: 0.5})},
			edges: [][2]string{{"in", "th"}},
			check: func(t *testing.T, net *snn.Network) {
				nu := net.Populations[1].Neuron
				g, err := net.Build()
				if err != nil {
					t.Fatal(err)
				}
				p := g.Params[1]
				if p.KeepV != 0 || p.GainV != 1 || p.KeepI[0] != 0 || nu.VTh != 0.5 {
					t.Errorf("Threshold neuron %+v: keep_v %v gain_v %v keep_i %v", nu, p.KeepV, p.GainV, p.KeepI[0])
				}
			},
		},
		{
			name: "LI, CubaLI and I never fire and feed only an Output",
			nodes: []*nirNode{input("in", 1), neuron("li", "LI", 1, nirParams{tau: 0.01, r: 2}),
				neuron("cli", "CubaLI", 1, nirParams{tau: 0.01, tauSyn: 0.005, r: 1, wIn: 1}), neuron("i", "I", 1, nirParams{r: 1}), out},
			edges: [][2]string{{"in", "li"}, {"in", "cli"}, {"in", "i"}, {"li", "out"}},
			check: func(t *testing.T, net *snn.Network) {
				for _, k := range []int{1, 2, 3} {
					if nu := net.Populations[k].Neuron; nu.VTh != math.MaxFloat64 || nu.FixedScale != 1<<16 {
						t.Errorf("%s: %+v", net.Populations[k].Name, nu)
					}
				}
				if !net.Populations[3].Neuron.NoLeak || net.Populations[2].Neuron.Receptors[0].TauSyn != 5 {
					t.Errorf("I %+v, CubaLI %+v", net.Populations[3].Neuron, net.Populations[2].Neuron)
				}
			},
		},
		{
			name:    "a voltage cannot drive synapses",
			nodes:   []*nirNode{input("in", 1), neuron("li", "LI", 1, nirParams{tau: 0.01, r: 2}), lin("w", 1, 1, []float64{1}), neuron("a", "IF", 1, nirParams{r: 1, vTh: 1})},
			edges:   [][2]string{{"in", "li"}, {"li", "w"}, {"w", "a"}},
			wantErr: `node "li" (LI): output to "w" (Linear): LI outputs a voltage, not spikes; only an Output may follow it`,
		},
		{
			name: "Scale, Flatten and Delay compose",
			nodes: []*nirNode{input("in", 2), {name: "s", typ: "Scale", values: []float64{2, -3}},
				{name: "f", typ: "Flatten", flatten: &nirFlatten{start: 0, end: -1}},
				{name: "d", typ: "Delay", values: []float64{0, 0.003}}, neuron("a", "IF", 2, nirParams{r: 1, vTh: 1})},
			edges: [][2]string{{"in", "s"}, {"s", "f"}, {"f", "d"}, {"d", "a"}},
			check: func(t *testing.T, net *snn.Network) {
				pr := net.Projections[net.ProjectionIndex("s+f+d")]
				l := pr.Connector.List
				// Neuron 1: weight -3, 3 ms of Delay after the edge's tick.
				if len(l) != 2 || l[0].Weight != 2 || l[0].HasDelay || l[1].Weight != -3 || !l[1].HasDelay || l[1].Delay != 4 {
					t.Errorf("synapses %+v", l)
				}
			},
		},
		{
			name: "nested graph",
			nodes: []*nirNode{input("in", 2), {name: "sub.input", typ: "Input", inner: true},
				lin("sub.w", 2, 2, []float64{1, 0, 0, 1}), {name: "sub.output", typ: "Output", inner: true},
				neuron("a", "IF", 2, nirParams{r: 1, vTh: 1})},
			edges: [][2]string{{"in", "sub.input"}, {"sub.input", "sub.w"}, {"sub.w", "sub.output"}, {"sub.output", "a"}},
			check: func(t *testing.T, net *snn.Network) {
				if k := net.ProjectionIndex("sub.input+sub.w+sub.output"); k < 0 || len(net.Projections[k].Connector.List) != 2 {
					t.Errorf("projections %+v", net.Projections)
				}
			},
		},
		{
			name:    "a delay beyond what any core stores",
			nodes:   []*nirNode{input("in", 1), {name: "d", typ: "Delay", values: []float64{10}}, neuron("a", "IF", 1, nirParams{r: 1, vTh: 1})},
			edges:   [][2]string{{"in", "d"}, {"d", "a"}},
			wantErr: `node "d" (Delay): field "delay": 10 s is 10000 ticks of 1 ms; with the edge's tick, delays up to 4095 ticks fit`,
		},
		{
			name:    "Scale of the wrong size",
			nodes:   []*nirNode{input("in", 3), {name: "s", typ: "Scale", values: []float64{2, 1}}, neuron("a", "IF", 3, nirParams{r: 1, vTh: 1})},
			edges:   [][2]string{{"in", "s"}, {"s", "a"}},
			wantErr: `node "s" (Scale): field "scale": 2 elements, but "in" has 3`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := nirGraph(tc.nodes, tc.edges)
			net := &snn.Network{Name: "g", Dt: 1, Seed: 1}
			err := p.build(net)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("got %v, want an error containing %s", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if _, err := net.Build(); err != nil {
				t.Fatal(err)
			}
			tc.check(t, net)
		})
	}
}

// TestNIRDelayOnArch: a Delay node within what a network holds but beyond
// the architecture's max_delay_ticks stops mapping, naming the node (in
// the projection's name), the field and the limit.
func TestNIRDelayOnArch(t *testing.T) {
	p := nirGraph([]*nirNode{{name: "in", typ: "Input", size: 1}, {name: "d", typ: "Delay", values: []float64{0.1}},
		{name: "a", typ: "IF", size: 1, nirParams: nirParams{r: 1, vTh: 1}}}, [][2]string{{"in", "d"}, {"d", "a"}})
	net := &snn.Network{Name: "g", Dt: 1, Seed: 1}
	if err := p.build(net); err != nil {
		t.Fatal(err)
	}
	g, err := net.Build()
	if err != nil {
		t.Fatal(err)
	}
	arch, _ := LoadArch("loihi")
	_, err = mapping.Map(g, arch, mapping.Sequential, 0)
	want := `projections[0] "d" (in -> a): delay 101 ticks exceeds max_delay_ticks of arch "loihi" by 39; at most 62 ticks`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("got %v, want %s", err, want)
	}
}
