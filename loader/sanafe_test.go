package loader

import (
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/spindle-sim/spindle/snn"
)

// sanafeFixtures is SANA-FE's own files, laid beside the checkout.
const sanafeFixtures = "../../shared/fixtures/sanafe"

func sanafeFixture(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(sanafeFixtures, name))
	if os.IsNotExist(err) {
		t.Skipf("%s absent: SANA-FE fixtures are not laid beside the checkout", name)
	}
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestSANAFEFixtures(t *testing.T) {
	for _, c := range []struct {
		file                                  string
		neurons, synapses, populations, cores int
		pops                                  map[string]snn.Kind // some populations and their kinds
		vth, leak                             float64             // of the last population
	}{
		// dvs: layer 0 splits by its 34 distinct input biases; 3.56 M
		// synapses are SANA-FE's conv2d and dense expansions.
		{"snn/dvs.yaml", 18678, 3564441, 39, 49, map[string]snn.Kind{"0_0": snn.LIF, "1": snn.LIF, "5": snn.LIF}, 341, 4095.0 / 4096},
		{"snn/conv.yaml", 26, 36 + 9 + 2, 3, 3, map[string]snn.Kind{"in": snn.LIF, "hidden": snn.LIF, "out": snn.LIF}, 0, 0},
		// in.0 and in.1 are mapped onto the demo_input soma.
		{"examples/example_snn.yaml", 4, 1 + 4, 3, 2, map[string]snn.Kind{"in_0": snn.SpikeSource, "in_1": snn.SpikeSource, "out": snn.LIF}, 2, 0},
	} {
		t.Run(c.file, func(t *testing.T) {
			data := sanafeFixture(t, c.file)
			if !IsSANAFENetwork(data) {
				t.Fatal("not detected as a SANA-FE network")
			}
			net, err := ParseSANAFENetwork(c.file, data, SANAFELoihi)
			if err != nil {
				t.Fatal(err)
			}
			if err := net.Validate(); err != nil {
				t.Fatal(err)
			}
			neurons, synapses := 0, 0
			for _, p := range net.Populations {
				neurons += p.Size
			}
			for _, pr := range net.Projections {
				synapses += pr.Connector.Len()
			}
			cores := map[int]bool{}
			for _, pl := range net.Placement {
				for _, k := range pl.Cores {
					cores[k] = true
				}
			}
			if neurons != c.neurons || synapses != c.synapses || len(net.Populations) != c.populations || len(cores) != c.cores {
				t.Errorf("%d neurons, %d synapses, %d populations, %d cores; want %d, %d, %d, %d",
					neurons, synapses, len(net.Populations), len(cores), c.neurons, c.synapses, c.populations, c.cores)
			}
			for name, kind := range c.pops {
				i := net.PopulationIndex(name)
				if i < 0 || net.Populations[i].Kind != kind {
					t.Errorf("population %s: want kind %v", name, kind)
				}
			}
			// SANA-FE prices a synapse by its target's synapse unit.
			for _, pr := range net.Projections {
				want := map[string]string{"5": "dense", "1": "conv", "2": "conv", "3": "conv", "4": "conv"}[pr.Post]
				if c.file == "snn/dvs.yaml" && pr.Format != want {
					t.Errorf("projection %s: format %q; want %q", pr.Name, pr.Format, want)
				}
			}
			last := net.Populations[len(net.Populations)-1].Neuron
			if last.VTh != c.vth || last.LeakDecay != c.leak || last.FixedScale != 64 {
				t.Errorf("last population: v_th %v, leak_decay %v, fixed_scale %v; want %v, %v, 64", last.VTh, last.LeakDecay, last.FixedScale, c.vth, c.leak)
			}
		})
	}
}

// TestSANAFEExampleValues checks values read from example_snn.yaml: the
// dense weights in SANA-FE's order, the per-neuron threshold and spikes.
func TestSANAFEExampleValues(t *testing.T) {
	net, err := ParseSANAFENetwork("example_snn.yaml", sanafeFixture(t, "examples/example_snn.yaml"), SANAFELoihi)
	if err != nil {
		t.Fatal(err)
	}
	in1 := net.Populations[net.PopulationIndex("in_1")]
	if !reflect.DeepEqual(in1.SpikeTimes, [][]float64{{0, 2}}) {
		t.Errorf("in.1 spike times %v; want [[0 2]] (spikes: [1, 0, 1], the first on the first tick)", in1.SpikeTimes)
	}
	// in -> out dense, weight [-1, 2, 1, 3] indexed source*2 + target.
	got := map[[3]int]float64{}
	for _, pr := range net.Projections {
		for k := 0; k < pr.Connector.Len(); k++ {
			c := pr.Connector.At(k)
			got[[3]int{net.PopulationIndex(pr.Pre), c.Pre, c.Post}] = c.Weight
		}
	}
	in0, in1i, out := net.PopulationIndex("in_0"), net.PopulationIndex("in_1"), net.PopulationIndex("out")
	want := map[[3]int]float64{{in0, 0, 0}: -1, {in0, 0, 1}: 2, {in1i, 0, 0}: 1, {in1i, 0, 1}: 3, {out, 1, 1}: -4}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("synapses %v; want %v", got, want)
	}
	// core 0.1 is tile 0's second core; tile 0 is Spindle's tile 0.
	pl := map[string][]int{}
	for _, p := range net.Placement {
		pl[p.Population] = p.Cores
	}
	if !reflect.DeepEqual(pl, map[string][]int{"in_0": {0}, "in_1": {1}, "out": {0, 0}}) {
		t.Errorf("placement %v", pl)
	}
}

// TestSANAFECoreAddresses: SANA-FE tile T sits at column T/4, row T%4 of
// the Loihi mesh; Spindle numbers tiles row by row.
func TestSANAFECoreAddresses(t *testing.T) {
	for _, c := range []struct{ tile, core, want int }{{0, 0, 0}, {0, 3, 3}, {1, 0, 32}, {4, 1, 5}, {5, 2, 38}, {31, 3, 127}} {
		if got, ok := SANAFELoihi.core(c.tile, c.core); !ok || got != c.want {
			t.Errorf("%d.%d: core %d; want %d", c.tile, c.core, got, c.want)
		}
	}
	if _, ok := SANAFELoihi.core(32, 0); ok {
		t.Error("tile 32 accepted on a 32-tile mesh")
	}
}

const sanafeSmall = `network:
  name: small
  groups:
    - name: a
      attributes: {soma_hw_name: loihi_lif, threshold: 10, reset: 0, leak_decay: 0.99975585937, log_spikes: true}
      neurons:
        - 0..2: {bias: 3}
        - 3: [bias: 11, log_potential: true]
    - name: b
      attributes: [threshold: 5]
      neurons:
        - 0..1
  edges:
    - a.0 -> b.1: {weight: 4}
    - a.3 -> b.0: {weight: -2.5}
    - a -> b: {type: sparse, source_target_pairs: [[1, 1], [2, 0]], weight: [1, 2]}
mappings:
  - a: {core: 0.0}
  - b.0..1: [core: 1.2]
`

// TestSANAFELiftedEdges: single-synapse edge lines read from the text
// give the network the decoder gives.
func TestSANAFELiftedEdges(t *testing.T) {
	lifted, err := ParseSANAFENetwork("s.yaml", []byte(sanafeSmall), SANAFELoihi)
	if err != nil {
		t.Fatal(err)
	}
	// The list form of the same edges is not lifted.
	plain := strings.NewReplacer("{weight: 4}", "[weight: 4]", "{weight: -2.5}", "[weight: -2.5]").Replace(sanafeSmall)
	if _, l := liftSANAFEEdges([]byte(plain)); len(l.edges) != 0 {
		t.Fatalf("list-form edges lifted: %v", l.edges)
	}
	if _, l := liftSANAFEEdges([]byte(sanafeSmall)); len(l.edges) != 2 || l.edges[1].line != 15 || l.edges[1].w != -2.5 || l.names[l.edges[1].pre] != "a" {
		t.Fatalf("lifted %+v; want 2 edges, the second from a on line 15", l)
	}
	decoded, err := ParseSANAFENetwork("s.yaml", []byte(plain), SANAFELoihi)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(lifted, decoded) {
		t.Errorf("lifted and decoded networks differ:\n%+v\n%+v", lifted, decoded)
	}
	if n := len(lifted.Populations); n != 3 {
		t.Errorf("%d populations; want 3 (a by bias 3 and 11, b)", n)
	}
	if got := lifted.Placement[2].Cores; !reflect.DeepEqual(got, []int{34, 34}) {
		t.Errorf("b on cores %v; want [34 34] (tile 1 is column 0, row 1: Spindle tile 8)", got)
	}
}

func TestSANAFEErrors(t *testing.T) {
	// Each case replaces one line of sanafeSmall (or adds text) and names
	// the file line the error must point at.
	for _, c := range []struct {
		name, old, new string
		line           int
		want           string
	}{
		{"soma plugin", "soma_hw_name: loihi_lif,", "soma_hw_name: loihi_neurofem,", 5, `runs the neurofem plugin`},
		{"unknown soma", "soma_hw_name: loihi_lif,", "soma_hw_name: my_soma,", 5, `soma unit "my_soma"`},
		{"dendrite unit", "soma_hw_name: loihi_lif,", "dendrite_hw_name: dendrite,", 5, `dendrite unit "dendrite"`},
		{"synapse unit", "soma_hw_name: loihi_lif,", "synapse_hw_name: fancy,", 5, `synapse unit "fancy"`},
		{"lacking attribute", "reset: 0,", "noise: 3,", 5, `attribute "noise" of SANA-FE's leaky_integrate_fire soma`},
		{"soft reset", "reset: 0,", "reset_mode: soft,", 5, `reset_mode "soft"`},
		{"reverse reset", "reset: 0,", "reverse_reset_mode: saturate,", 5, `reverse_reset_mode "saturate"`},
		{"leak not k/4096", "leak_decay: 0.99975585937", "leak_decay: 0.9", 5, "leak_decay 0.9"},
		{"input decay", "reset: 0,", "input_decay: 0.5,", 5, "input_decay 0.5"},
		{"refractory", "reset: 0,", "refractory_delay: 3,", 5, "refractory_delay 3"},
		{"potential with leak", "reset: 0,", "potential: 4,", 5, "potential 4 with leak_decay"},
		{"bias off the grid", "- 0..2: {bias: 3}", "- 0..2: {bias: 0.01}", 7, "0.01: expected a multiple of 1/64"},
		{"neuron dendrite section", "- 0..2: {bias: 3}", "- 0..2: {dendrite: {taps: 2}}", 7, "dendrite attributes of a neuron"},
		{"id beyond count", "- 0..1\n", "- 5\n", 12, "neuron id 5: group \"b\" has 1 neurons"},
		{"bad range", "- 0..1\n", "- 3..1\n", 12, `expected a neuron id or range like 0..15`},
		{"weight off the grid", "{weight: 4}", "{weight: 0.3}", 14, "0.3: expected a multiple of 1/64"},
		{"lifted edge out of range", "a.0 -> b.1:", "a.9 -> b.1:", 14, "expected neuron ids within the groups"},
		{"lifted edge unknown group", "a.0 -> b.1:", "c.0 -> b.1:", 14, `source group "c" not defined`},
		{"edge delay", "{weight: 4}", "{weight: 4, dendrite: {delay: 2}}", 14, "dendrite delay 2"},
		{"edge attribute", "{weight: 4}", "{weight: 4, mode: 1}", 14, `synapse attribute "mode"`},
		{"edge arrow", "a.0 -> b.1:", "a.0 b.1:", 14, "expected \"group -> group\""},
		{"one-sided ids", "a.0 -> b.1:", "a.0 -> b:", 14, "expected neuron ids on both sides"},
		{"hyper-edge type", "type: sparse", "type: conv3d", 16, `hyper-edge type "conv3d"`},
		{"hyper-edge attribute", "type: sparse,", "type: sparse, gain: [1, 1],", 16, `hyper-edge attribute "gain"`},
		{"sparse pair", "[[1, 1], [2, 0]]", "[[1, 1], [2]]", 16, "expected a pair [source, target]"},
		{"sparse weights", "weight: [1, 2]", "weight: [1]", 16, "1 weights: expected at least 2"},
		{"sparse id", "[[1, 1], [2, 0]]", "[[1, 1], [7, 0]]", 16, "expected a source neuron id"},
		{"unmapped", "  - b.0..1: [core: 1.2]\n", "  - b.0: [core: 1.2]\n", 9, "neuron b.1 is not mapped"},
		{"core address", "core: 1.2]", "core: 32.0]", 19, `expected tile.core within the arch's 32 tiles of 4 cores`},
		{"mapping group", "  - a: {core: 0.0}", "  - z: {core: 0.0}", 18, `group "z" not defined`},
		{"mapping field", "  - a: {core: 0.0}", "  - a: {core: 0.0, tile: 3}", 18, "unknown mapping field"},
		{"mapping without core", "  - a: {core: 0.0}", "  - a: {soma: loihi_lif}", 18, "missing required field core"},
		{"mapping dendrite", "  - a: {core: 0.0}", "  - a: {core: 0.0, dendrite: loihi_dendrites_delay}", 18, `dendrite unit "loihi_dendrites_delay"`},
		{"input attributes", "  - a: {core: 0.0}", "  - a: {core: 0.0, soma: loihi_inputs}", 7, `attribute "bias" of SANA-FE's input soma`},
		{"duplicate group", "    - name: b\n", "    - name: a\n", 9, `group "a" defined twice`},
		{"group name", "    - name: b\n", "    - name: b.c\n", 9, "expected a group name without dots"},
		{"malformed yaml", "  edges:\n", "  edges: [\n", 13, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			if !strings.Contains(sanafeSmall, c.old) {
				t.Fatalf("%q not in the document", c.old)
			}
			doc := strings.Replace(sanafeSmall, c.old, c.new, 1)
			_, err := ParseSANAFENetwork("s.yaml", []byte(doc), SANAFELoihi)
			if err == nil {
				t.Fatal("accepted")
			}
			checkError(t, err)
			msg := err.Error()
			prefix := "loader: s.yaml:" + strconv.Itoa(c.line) + ":"
			if !strings.HasPrefix(msg, prefix) || !strings.Contains(msg, c.want) {
				t.Errorf("error %q; want prefix %q and %q", msg, prefix, c.want)
			}
		})
	}
}

func TestSANAFEInputs(t *testing.T) {
	for _, c := range []struct {
		name, attrs, want string
	}{
		{"rate", "[soma_hw_name: loihi_inputs, rate: 0.5]", "input rate"},
		{"both", "[soma_hw_name: loihi_inputs, spikes: [1], poisson: 0.5]", "both spikes and poisson"},
		{"probability", "[soma_hw_name: loihi_inputs, poisson: 2]", "a probability per tick"},
		{"spike bit", "[soma_hw_name: loihi_inputs, spikes: [1, x]]", "spikes[1]"},
		{"into input", "[soma_hw_name: loihi_inputs]", "refuses current sent to an input neuron"},
	} {
		t.Run(c.name, func(t *testing.T) {
			doc := "network:\n  groups:\n    - {name: a, neurons: [0]}\n    - {name: i, attributes: " + c.attrs + ", neurons: [0]}\n" +
				"  edges:\n    - a.0 -> i.0: {weight: 1}\nmappings:\n  - a: {core: 0.0}\n  - i: {core: 0.1}\n"
			_, err := ParseSANAFENetwork("i.yaml", []byte(doc), SANAFELoihi)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v; want %q", err, c.want)
			}
			checkError(t, err)
		})
	}
	doc := "network:\n  groups:\n    - {name: i, attributes: [soma_hw_name: loihi_inputs, poisson: 0.25], neurons: [0..3]}\n  edges: []\nmappings:\n  - i: {core: 0.0}\n"
	net, err := ParseSANAFENetwork("p.yaml", []byte(doc), SANAFELoihi)
	if err != nil {
		t.Fatal(err)
	}
	if p := net.Populations[0]; p.Kind != snn.Poisson || p.RateHz != 250 {
		t.Errorf("poisson input: %v at %v Hz; want poisson at 250 Hz (0.25 a tick of 1 ms)", p.Kind, p.RateHz)
	}
}

func TestSANAFETrueNorth(t *testing.T) {
	doc := "network:\n  groups:\n    - {name: t, attributes: [soma_hw_name: core_soma, threshold: 3, leak: -1, bias: 2, reset: 0], neurons: [0..1]}\n  edges: []\nmappings:\n  - t: {core: 0.0}\n"
	net, err := ParseSANAFENetwork("tn.yaml", []byte(doc), SANAFELoihi)
	if err != nil {
		t.Fatal(err)
	}
	nu := net.Populations[0].Neuron
	if nu.VTh != 3-1.0/64 || nu.Bias != 1 || !nu.NoLeak || nu.LeakDecay != 0 {
		t.Errorf("truenorth neuron %+v; want v_th 3-1/64 (v >= 3), bias 1 (leak folded in), no leak", nu)
	}
	for _, bad := range []string{"leak_towards_zero: true", "random_mask: 3", "reset_mode: saturate"} {
		d := strings.Replace(doc, "reset: 0", bad, 1)
		if _, err := ParseSANAFENetwork("tn.yaml", []byte(d), SANAFELoihi); err == nil {
			t.Errorf("%s accepted", bad)
		} else {
			checkError(t, err)
		}
	}
}

func TestSANAFEDetection(t *testing.T) {
	for _, c := range []struct {
		doc  string
		want bool
	}{
		{"# comment\n\nnetwork:\n  name: x\n", true},
		{"---\nmappings: []\n", true},
		{"name: x\npopulations: []\n", false},
		{"networks: 1\n", false},
		{"", false},
	} {
		if got := IsSANAFENetwork([]byte(c.doc)); got != c.want {
			t.Errorf("%q: %v; want %v", c.doc, got, c.want)
		}
	}
}

func FuzzParseSANAFENetwork(f *testing.F) {
	for _, name := range []string{"snn/conv.yaml", "examples/example_snn.yaml"} {
		if data, err := os.ReadFile(filepath.Join(sanafeFixtures, name)); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(sanafeSmall))
	f.Add([]byte("network:\n  groups:\n    - {name: a, neurons: [0..3]}\n  edges:\n    - a -> a: {type: dense, weight: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]}\nmappings:\n  - a.0..3: {core: 0.1}\n"))
	f.Add([]byte("network:\n  groups:\n    - {name: a, neurons: [0..8]}\n    - {name: b, neurons: [0..3]}\n  edges:\n    - a -> b: {type: conv2d, input_width: 3, input_height: 3, input_channels: 1, kernel_width: 2, kernel_height: 2, kernel_count: 1, stride_width: 1, stride_height: 1, weight: [1, 2, 3, 4]}\nmappings:\n  - a: {core: 0.0}\n  - b: {core: 1.1}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		n, err := ParseSANAFENetwork("fuzz.yaml", data, SANAFELoihi)
		if err != nil {
			checkError(t, err)
			return
		}
		if err := n.Validate(); err != nil {
			t.Fatalf("parsed network fails Validate: %v", err)
		}
		total, synapses := 0, 0
		for _, p := range n.Populations {
			total += p.Size
		}
		for _, pr := range n.Projections {
			synapses += pr.Connector.Len()
		}
		if total <= 1000 && synapses <= 100000 {
			if _, err := n.Build(); err != nil {
				t.Fatalf("parsed network fails Build: %v", err)
			}
		}
	})
}
