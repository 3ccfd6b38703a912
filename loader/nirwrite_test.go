package loader

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/spindle-sim/spindle/loader/internal/hdf5"
	"github.com/spindle-sim/spindle/snn"
)

// nirFlat is a NIR graph read field by field: node -> field -> values
// (strings as "type"), and the edges, sorted. A one-element neuron
// parameter is expanded to the node's size, which the reader treats the
// same.
type nirFlat struct {
	types  map[string]string
	fields map[string]map[string][]float64
	strs   map[string]map[string]string // string fields ("padding": "same")
	edges  []string
}

func flattenNIR(t *testing.T, data []byte) *nirFlat {
	t.Helper()
	f, err := hdf5.Open(data)
	if err != nil {
		t.Fatal(err)
	}
	root, err := f.Root()
	if err != nil {
		t.Fatal(err)
	}
	g, err := root.Group("node")
	if err != nil {
		t.Fatal(err)
	}
	edges, err := readEdges(g)
	if err != nil {
		t.Fatal(err)
	}
	out := &nirFlat{types: map[string]string{}, fields: map[string]map[string][]float64{}, strs: map[string]map[string]string{}}
	for _, e := range edges {
		out.edges = append(out.edges, e[0]+" -> "+e[1])
	}
	slices.Sort(out.edges)
	nodes, err := g.Group("nodes")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range nodes.Members() {
		ng, err := nodes.Group(name)
		if err != nil {
			t.Fatal(err)
		}
		fields := map[string][]float64{}
		out.strs[name] = map[string]string{}
		size := 0
		for _, field := range ng.Members() {
			if field == "type" {
				if out.types[name], err = readString(ng, field); err != nil {
					t.Fatal(err)
				}
				continue
			}
			if isGroup, err := ng.IsGroup(field); err != nil {
				t.Fatal(err)
			} else if isGroup {
				// A field of fields (Flatten's input_type in some NIR
				// versions): its members as "field/member".
				sub, err := ng.Group(field)
				if err != nil {
					t.Fatal(err)
				}
				for _, m := range sub.Members() {
					d, err := sub.Dataset(m)
					if err != nil {
						t.Fatal(err)
					}
					if fields[field+"/"+m], _, err = d.Float64s(); err != nil {
						t.Fatal(err)
					}
				}
				continue
			}
			d, err := ng.Dataset(field)
			if err != nil {
				t.Fatal(err)
			}
			if s, _, err := d.Strings(); err == nil {
				out.strs[name][field] = strings.Join(s, "\x00")
				continue
			}
			if fields[field], _, err = d.Float64s(); err != nil {
				t.Fatal(err)
			}
			if field != "weight" && field != "bias" && field != "shape" {
				size = max(size, len(fields[field]))
			}
		}
		for field, v := range fields {
			if len(v) == 1 && size > 1 && field != "weight" && field != "bias" && field != "shape" {
				fields[field] = fill(size, v[0])
			}
		}
		out.fields[name] = fields
	}
	return out
}

// diff returns the differences between two flattened graphs, at most a
// few.
func (a *nirFlat) diff(b *nirFlat) []string {
	var d []string
	if !slices.Equal(a.edges, b.edges) {
		d = append(d, fmt.Sprintf("edges %q, want %q", a.edges, b.edges))
	}
	if !reflect.DeepEqual(a.types, b.types) {
		d = append(d, fmt.Sprintf("node types %v, want %v", a.types, b.types))
	}
	if !reflect.DeepEqual(a.strs, b.strs) {
		d = append(d, fmt.Sprintf("string fields %q, want %q", a.strs, b.strs))
	}
	for name, fb := range b.fields {
		fa := a.fields[name]
		for field, vb := range fb {
			va, ok := fa[field]
			if !ok {
				d = append(d, fmt.Sprintf("node %q: no field %q", name, field))
				continue
			}
			if len(va) != len(vb) {
				d = append(d, fmt.Sprintf("node %q field %q: %d values, want %d", name, field, len(va), len(vb)))
				continue
			}
			for i := range va {
				if va[i] != vb[i] {
					d = append(d, fmt.Sprintf("node %q field %q[%d]: %v, want %v", name, field, i, va[i], vb[i]))
					break
				}
			}
		}
		for field := range fa {
			if _, ok := fb[field]; !ok {
				d = append(d, fmt.Sprintf("node %q: extra field %q", name, field))
			}
		}
	}
	return d
}

// nirRoundTrips lists the fixture graphs that NIR -> Spindle -> NIR must
// give back with identical parameters. pending names what a graph still
// waits for: it is skipped, with that message, while the reader rejects
// it or the writer refuses the network; once both take it, it must round
// trip like the others.
var nirRoundTrips = []struct{ file, pending string }{
	{"two_lif_neurons.nir", ""},
	{"lif_norse.nir", ""},
	{"braille_noDelay_bias_zero.nir", ""},
	{"cnn_sinabs.nir", ""},
}

func TestNIRRoundTrip(t *testing.T) {
	for _, tc := range nirRoundTrips {
		t.Run(tc.file, func(t *testing.T) {
			path, data := nirFixture(t, tc.file)
			net, err := ParseNIR(path, data)
			if err != nil && tc.pending != "" {
				t.Skipf("the reader rejects %s, which waits for %s: %v", tc.file, tc.pending, err)
			}
			if err != nil {
				t.Fatal(err)
			}
			out, err := NIRWriteOptions{Source: data, SourceName: path}.Encode(net)
			if err != nil && tc.pending != "" {
				t.Skipf("the writer cannot write %s yet, which waits for %s: %v", tc.file, tc.pending, err)
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := flattenNIR(t, out).diff(flattenNIR(t, data)); len(d) > 0 {
				t.Errorf("NIR -> Spindle -> NIR differs:\n%s", strings.Join(d[:min(len(d), 10)], "\n"))
			}
			// And the network read back is the same network.
			back, err := ParseNIR(path, out)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(back, net) {
				t.Errorf("the network read back differs:\n%+v\nwant\n%+v", back, net)
			}
		})
	}
}

// TestNIRExportSpindle writes networks made in Spindle (YAML) without a
// source and checks that reading the graph back gives the same neurons
// and the same synaptic weights in mV.
func TestNIRExportSpindle(t *testing.T) {
	tests := []struct{ name, yaml string }{
		{"cuba", `
dt: 0.5
neurons:
  n: {tau_m: 20, v_rest: -65, v_reset: -70, v_th: -50, bias: 3, receptors: [{name: e, tau_syn: 5}, {name: i, tau_syn: 5}]}
populations:
  - {name: in, kind: spike_source, spike_times: [[1], [], [2, 3]]}
  - {name: exc, size: 4, neuron: n}
  - {name: out, size: 2, neuron: n}
projections:
  - {pre: in, post: exc, connector: all_to_all, weight: {uniform: [0, 2]}}
  - {pre: exc, post: exc, connector: {fixed_probability: 0.5}, weight: 1.5, receptor: i, sign: inhibitory}
  - {name: ro, pre: exc, post: out, connector: {list: [[0, 1, 0.25], [3, 0, -2], [3, 0, 1]]}}
`},
		{"if", `
dt: 1
populations:
  - {name: in, kind: spike_source, spike_times: [[], []]}
  - {name: a, size: 2, neuron: {leak: false, tau_m: 4, v_th: 1, v_rest: 0.5, receptors: [{name: p, tau_syn: 0}]}}
  - {name: b, size: 3, neuron: {tau_m: 10, v_th: 1, receptors: [{name: p, tau_syn: 0}]}}
  - {name: fc.bias, size: 1, kind: poisson, rate: 1000}
projections:
  - {pre: in, post: a, connector: one_to_one, weight: 0.7}
  - {name: fc, pre: a, post: b, connector: all_to_all, weight: 0.3}
  - {pre: fc.bias, post: b, connector: all_to_all, weight: 0.01}
`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			net, err := ParseNetwork(tc.name+".yaml", []byte(tc.yaml))
			if err != nil {
				t.Fatal(err)
			}
			data, err := EncodeNIR(net)
			if err != nil {
				t.Fatal(err)
			}
			back, err := NIROptions{Dt: net.Dt}.Parse(tc.name+".nir", data)
			if err != nil {
				t.Fatal(err)
			}
			sameDynamics(t, back, net)
		})
	}
}

// sameDynamics checks that two networks have neurons of the same
// dynamics and the same summed weight between every pair of neurons.
func sameDynamics(t *testing.T, got, want *snn.Network) {
	t.Helper()
	gg, err := got.Build()
	if err != nil {
		t.Fatal(err)
	}
	gw, err := want.Build()
	if err != nil {
		t.Fatal(err)
	}
	// Populations by name: bias sources and LIF populations match.
	for i := range want.Populations {
		pw := &want.Populations[i]
		j := got.PopulationIndex(pw.Name)
		if j < 0 {
			t.Fatalf("population %q missing", pw.Name)
		}
		pg := &got.Populations[j]
		if pg.Size != pw.Size || pg.Kind != pw.Kind {
			t.Errorf("population %q: %d %s, want %d %s", pw.Name, pg.Size, pg.Kind, pw.Size, pw.Kind)
		}
		if pw.Kind != snn.LIF {
			continue
		}
		// Thresholds and the resting point: absolute for a leaky neuron,
		// whose bias the export moves into v_rest; relative to v_rest for
		// IF, which rests at 0 in NIR. The decays of v and I.
		ng, nw := &pg.Neuron, &pw.Neuron
		rest := func(n *snn.Neuron) float64 { return n.VRest + n.Bias }
		if nw.NoLeak {
			rest = func(n *snn.Neuron) float64 { return n.VRest }
		}
		a, b := gg.Params[j], gw.Params[i]
		for _, c := range []struct {
			name string
			x, y float64
		}{{"v_th", ng.VTh - rest(ng), nw.VTh - rest(nw)}, {"v_reset", ng.VReset - rest(ng), nw.VReset - rest(nw)},
			{"resting point", (rest(ng) - rest(nw)) * leaky(nw), 0},
			{"keep_v", a.KeepV, b.KeepV}, {"keep_i", a.KeepI[0], b.KeepI[0]}} {
			if !near(c.x, c.y) {
				t.Errorf("population %q: %s %v, want %v", pw.Name, c.name, c.x, c.y)
			}
		}
	}
	sums := func(g *snn.Graph, n *snn.Network) map[[2]string]float64 {
		m := map[[2]string]float64{}
		for i := range g.N {
			for s := g.PreStart[i]; s < g.PreStart[i+1]; s++ {
				post := int(g.Post[s])
				pi, pj := g.PopOf(i), g.PopOf(post)
				// The effective input to v: weight times the target's gain.
				w := g.Weight(s) * g.Params[pj].GainV
				k := [2]string{fmt.Sprint(n.Populations[pi].Name, i-g.PopStart[pi]), fmt.Sprint(n.Populations[pj].Name, post-g.PopStart[pj])}
				m[k] += w
			}
		}
		for k, v := range m {
			if v == 0 {
				delete(m, k)
			}
		}
		return m
	}
	sg, sw := sums(gg, got), sums(gw, want)
	if len(sg) != len(sw) {
		t.Errorf("%d connected pairs, want %d", len(sg), len(sw))
	}
	for k, w := range sw {
		if !near(sg[k], w) {
			t.Errorf("weight %s -> %s: %v, want %v", k[0], k[1], sg[k], w)
		}
	}
}

func TestNIRExportErrors(t *testing.T) {
	const head = `
populations:
  - {name: in, kind: spike_source, spike_times: [[]]}
`
	tests := []struct{ name, yaml, want string }{
		{"t_ref", head + `  - {name: a, size: 1, neuron: {tau_m: 10, v_th: 1, t_ref: 2}}
`, `population "a" (lif): field "t_ref": 2 ms: NIR neurons have no refractory period`},
		{"receptors", head + `  - {name: a, size: 1, neuron: {tau_m: 10, v_th: 1, receptors: [{name: e, tau_syn: 5}, {name: i, tau_syn: 10}]}}
`, `field "receptors": tau_syn 5 and 10 ms`},
		{"leak_decay", head + `  - {name: a, size: 1, neuron: {leak_decay: 0.9, v_th: 1}}
`, `field "leak_decay"`},
		{"delay", head + `  - {name: a, size: 1, neuron: {tau_m: 10, v_th: 1}}
projections:
  - {pre: in, post: a, connector: all_to_all, weight: 1, delay: 3}
`, `projection "in->a": field "delay": a synapse of 3 ticks`},
		{"if bias", head + `  - {name: a, size: 1, neuron: {leak: false, v_th: 1, bias: 1, receptors: [{name: p, tau_syn: 0}]}}
`, `field "bias"`},
		{"cuba if", head + `  - {name: a, size: 1, neuron: {leak: false, v_th: 1}}
`, `no current-based IF`},
		{"bias alone", head + `  - {name: a, size: 1, neuron: {tau_m: 10, v_th: 1}}
  - {name: s, size: 1, kind: poisson, rate: 1000}
projections:
  - {pre: s, post: a, connector: all_to_all, weight: 1}
`, `a bias into "a", which no weight node feeds`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			net, err := ParseNetwork("net.yaml", []byte(tc.yaml))
			if err != nil {
				t.Fatal(err)
			}
			_, err = EncodeNIR(net)
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("EncodeNIR: %v, want a one-line error containing %q", err, tc.want)
			}
		})
	}
}

func TestNIRExportNoDataLoss(t *testing.T) {
	// A weight that a float32 source field cannot hold stays float64
	// without a source.
	net := &snn.Network{Name: "n", Dt: 1, Seed: 1, Populations: []snn.Population{
		{Name: "in", Size: 1, Kind: snn.SpikeSource, SpikeTimes: make([][]float64, 1)},
		{Name: "a", Size: 1, Kind: snn.LIF, Neuron: snn.Neuron{TauM: 10, VTh: 1, Receptors: []snn.Receptor{{Name: "syn", TauSyn: 0}}}},
	}, Projections: []snn.Projection{{Name: "w", Pre: "in", Post: "a", Connector: snn.Connector{Kind: snn.AllToAll}, Weight: snn.Const(math.Pi), Delay: snn.Const(1)}}}
	data, err := EncodeNIR(net)
	if err != nil {
		t.Fatal(err)
	}
	f := flattenNIR(t, data)
	if w := f.fields["w"]["weight"]; len(w) != 1 || w[0] != math.Pi {
		t.Errorf("weight %v, want [π]", w)
	}
	if f.types["w"] != "Linear" || f.types["a"] != "LIF" || f.types["output"] != "Output" {
		t.Errorf("types %v", f.types)
	}
}

// leaky is 1 for a leaky neuron, whose resting point matters, else 0.
func leaky(n *snn.Neuron) float64 {
	if n.NoLeak {
		return 0
	}
	return 1
}

// h5pyLayout prints the layout of a NIR file as h5py sees it: for every
// node its type and the shape and element kind of each field, the graph's
// type and version, and the edges, sorted. Values are not printed but
// the strings, which name the structure.
const h5pyLayout = `
import h5py, json, sys
files = []
for path in sys.argv[1:]:
  with h5py.File(path, 'r') as f:
    g = f['node']
    out = {'version': f['version'][()].decode(), 'type': g['type'][()].decode(),
           'edges': sorted(' -> '.join(x.decode() for x in e) for e in g['edges'][()]), 'nodes': {}}
    for name, n in g['nodes'].items():
        assert isinstance(n, h5py.Group), name
        node = {'type': n['type'][()].decode()}
        for field, d in n.items():
            if field != 'type':
                node[field] = [d.dtype.kind, list(d.shape)]
        out['nodes'][name] = node
    files.append(out)
json.dump(files, sys.stdout, sort_keys=True)
`

// h5pyPython is Debian's /usr/bin/python3 (python3-h5py) or else the
// python3 on the PATH if it imports h5py; "" if neither does.
var (
	h5pyPython string
	h5pyOnce   sync.Once
)

// h5pyRead returns h5pyLayout's output for each file, read by one Python
// process, skipping the test when no Python with h5py is installed.
func h5pyRead(t *testing.T, files ...[]byte) []map[string]any {
	t.Helper()
	h5pyOnce.Do(func() {
		for _, p := range []string{"/usr/bin/python3", "python3"} {
			if exec.Command(p, "-c", "import h5py").Run() == nil {
				h5pyPython = p
				break
			}
		}
	})
	if h5pyPython == "" {
		t.Skip("no python3 with h5py: apt-get install python3-h5py (.ci/run installs it)")
	}
	args := []string{"-c", h5pyLayout}
	for i, data := range files {
		path := filepath.Join(t.TempDir(), fmt.Sprint(i, ".nir"))
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, path)
	}
	cmd := exec.Command(h5pyPython, args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("h5py cannot read the written file: %v: %s", err, stderr.String())
	}
	var v []map[string]any
	if err := json.Unmarshal(out, &v); err != nil || len(v) != len(files) {
		t.Fatalf("h5py output %s: %v", out, err)
	}
	return v
}

// TestNIRExportH5pyFixtures reads every fixture graph written back with
// h5py (the HDF5 library): each has the layout of the h5py-written
// original, cnn_sinabs's Conv2d, SumPool2d and Flatten nodes included
// (integer fields, scalars and shapes as h5py wrote them).
func TestNIRExportH5pyFixtures(t *testing.T) {
	var files [][]byte // written, original, written, original, ...
	var names []string
	for _, tc := range nirRoundTrips {
		path, fixture := nirFixture(t, tc.file)
		net, err := ParseNIR(path, fixture)
		if err != nil {
			t.Fatal(err)
		}
		out, err := NIRWriteOptions{Source: fixture, SourceName: path}.Encode(net)
		if err != nil {
			t.Fatal(err)
		}
		files, names = append(files, out, fixture), append(names, tc.file)
	}
	got := h5pyRead(t, files...) // one Python process for all
	for k, name := range names {
		if !reflect.DeepEqual(got[2*k], got[2*k+1]) {
			t.Errorf("%s: h5py sees\n%v\nwant the original's\n%v", name, got[2*k], got[2*k+1])
		}
		if len(got[2*k+1]["nodes"].(map[string]any)) == 0 {
			t.Errorf("%s: h5py sees no nodes", name)
		}
	}
}

// TestNIRExportH5py reads written graphs with h5py (the HDF5 library):
// a fixture written back has the layout of the h5py-written original,
// and a network from YAML the layout NIR prescribes.
func TestNIRExportH5py(t *testing.T) {
	path, fixture := nirFixture(t, "braille_noDelay_bias_zero.nir")
	net, err := ParseNIR(path, fixture)
	if err != nil {
		t.Fatal(err)
	}
	braille, err := NIRWriteOptions{Source: fixture, SourceName: path}.Encode(net)
	if err != nil {
		t.Fatal(err)
	}
	if net, err = ParseNetwork("ff.yaml", []byte(`
dt: 1
populations:
  - {name: in, size: 4, kind: poisson, rate: 50}
  - {name: hidden, size: 3, neuron: {tau_m: 10, v_th: 1, receptors: [{name: syn, tau_syn: 5}]}}
  - {name: out, size: 2, neuron: {leak: false, v_th: 1, receptors: [{name: syn, tau_syn: 0}]}}
projections:
  - {name: fc1, pre: in, post: hidden, connector: all_to_all, weight: 0.5}
  - {name: fc2, pre: hidden, post: out, connector: {fixed_probability: 0.5}, weight: 1}
`)); err != nil {
		t.Fatal(err)
	}
	ff, err := EncodeNIR(net)
	if err != nil {
		t.Fatal(err)
	}
	got := h5pyRead(t, braille, fixture, ff)
	if !reflect.DeepEqual(got[0], got[1]) {
		t.Errorf("braille: h5py sees\n%v\nwant the original's\n%v", got[0], got[1])
	}
	vec := func(n float64) []any { return []any{"f", []any{n}} }
	want := map[string]any{
		"version": nirVersion, "type": "NIRGraph",
		"edges": []any{"fc1 -> hidden", "fc2 -> out", "hidden -> fc2", "in -> fc1", "out -> output"},
		"nodes": map[string]any{
			"in":     map[string]any{"type": "Input", "shape": []any{"i", []any{1.0}}},
			"fc1":    map[string]any{"type": "Linear", "weight": []any{"f", []any{3.0, 4.0}}},
			"fc2":    map[string]any{"type": "Linear", "weight": []any{"f", []any{2.0, 3.0}}},
			"output": map[string]any{"type": "Output", "shape": []any{"i", []any{1.0}}},
			"hidden": map[string]any{"type": "CubaLIF", "tau_mem": vec(3), "tau_syn": vec(3),
				"r": vec(3), "w_in": vec(3), "v_leak": vec(3), "v_threshold": vec(3)},
			"out": map[string]any{"type": "IF", "r": vec(2), "v_threshold": vec(2)},
		},
	}
	if !reflect.DeepEqual(got[2], want) {
		t.Errorf("ff.yaml: h5py sees\n%v\nwant\n%v", got[2], want)
	}
}

// TestNIRRoundTripSplit writes back a graph whose neuron node the reader
// splits by per-neuron parameters, with an Affine bias and a direct edge:
// the node, its weights and the edge come back as they were.
func TestNIRRoundTripSplit(t *testing.T) {
	str := func(s string) *hdf5.Data { return &hdf5.Data{Strings: []string{s}} }
	f64 := func(v ...float64) *hdf5.Data { return &hdf5.Data{Shape: []int{len(v)}, Float64: v} }
	edges := []string{"in", "fc", "fc", "lif", "lif", "lif2", "lif2", "out", "lif", "rec", "rec", "lif"}
	tree := &hdf5.Tree{
		Datasets: map[string]*hdf5.Data{"version": str("0.2.0")},
		Groups: map[string]*hdf5.Tree{"node": {
			Datasets: map[string]*hdf5.Data{"type": str("NIRGraph"), "edges": {Shape: []int{len(edges) / 2, 2}, Strings: edges}},
			Groups: map[string]*hdf5.Tree{"nodes": {Groups: map[string]*hdf5.Tree{
				"in": {Datasets: map[string]*hdf5.Data{"type": str("Input"), "shape": {Shape: []int{2}, Int64: []int64{1, 3}}}},
				"fc": {Datasets: map[string]*hdf5.Data{"type": str("Affine"),
					"weight": {Shape: []int{4, 3}, Float32: []float32{0.5, -1, 0, 2, 0.25, 1, 0, 0, 3, -0.75, 1, 1}},
					"bias":   {Shape: []int{4}, Float32: []float32{0.1, 0, -0.2, 0.3}}}},
				"lif": {Datasets: map[string]*hdf5.Data{"type": str("LIF"),
					"tau": f64(0.01, 0.01, 0.02, 0.01), "r": f64(1, 1, 1, 2), "v_leak": f64(0, 0, 0, 0),
					"v_threshold": f64(1, 1, 2, 1), "v_reset": f64(0, 0, -0.5, 0)}},
				"rec": {Datasets: map[string]*hdf5.Data{"type": str("Linear"),
					"weight": {Shape: []int{4, 4}, Float64: []float64{0, 1, 0, 0, 0, 0, 2, 0, 0, 0, 0, -1, 0.5, 0, 0, 0}}}},
				"lif2": {Datasets: map[string]*hdf5.Data{"type": str("IF"), "r": f64(1, 1, 1, 1), "v_threshold": f64(1, 1, 1, 1.5)}},
				"out":  {Datasets: map[string]*hdf5.Data{"type": str("Output"), "shape": {Shape: []int{1}, Int64: []int64{4}}}},
			}}},
		}},
	}
	data, err := hdf5.Encode(tree)
	if err != nil {
		t.Fatal(err)
	}
	net, err := ParseNIR("split.nir", data)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range net.Populations {
		names = append(names, p.Name)
	}
	if want := []string{"in", "lif#0", "lif#1", "lif#2", "lif2#0", "lif2#1", "fc.bias"}; !slices.Equal(names, want) {
		t.Fatalf("the reader made populations %q, want %q: the test no longer splits", names, want)
	}
	out, err := NIRWriteOptions{Source: data, SourceName: "split.nir"}.Encode(net)
	if err != nil {
		t.Fatal(err)
	}
	if d := flattenNIR(t, out).diff(flattenNIR(t, data)); len(d) > 0 {
		t.Errorf("NIR -> Spindle -> NIR differs:\n%s", strings.Join(d[:min(len(d), 10)], "\n"))
	}
	back, err := ParseNIR("split.nir", out)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, net) {
		t.Errorf("the network read back differs:\n%+v\nwant\n%+v", back, net)
	}
}

// TestNIRRoundTripFloat64 round-trips float64 parameters through factors
// that are not 1, where w*s/s and t*1000/1000 are often not w and t: the
// writer must still give back the source's values.
func TestNIRRoundTripFloat64(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const in, out = 6, 5
	weight, bias := make([]float64, in*out), make([]float64, out)
	for i := range weight {
		weight[i] = r.NormFloat64()
	}
	for i := range bias {
		bias[i] = r.NormFloat64() / 10
	}
	per := func(f func() float64) *hdf5.Data {
		v := make([]float64, out)
		for i := range v {
			v[i] = f()
		}
		return &hdf5.Data{Shape: []int{out}, Float64: v}
	}
	str := func(s string) *hdf5.Data { return &hdf5.Data{Strings: []string{s}} }
	edges := []string{"in", "fc", "fc", "lif", "lif", "out"}
	tree := &hdf5.Tree{
		Datasets: map[string]*hdf5.Data{"version": str("0.2.0")},
		Groups: map[string]*hdf5.Tree{"node": {
			Datasets: map[string]*hdf5.Data{"type": str("NIRGraph"), "edges": {Shape: []int{3, 2}, Strings: edges}},
			Groups: map[string]*hdf5.Tree{"nodes": {Groups: map[string]*hdf5.Tree{
				"in":  {Datasets: map[string]*hdf5.Data{"type": str("Input"), "shape": {Shape: []int{1}, Int64: []int64{in}}}},
				"fc":  {Datasets: map[string]*hdf5.Data{"type": str("Affine"), "weight": {Shape: []int{out, in}, Float64: weight}, "bias": {Shape: []int{out}, Float64: bias}}},
				"out": {Datasets: map[string]*hdf5.Data{"type": str("Output"), "shape": {Shape: []int{1}, Int64: []int64{out}}}},
				"lif": {Datasets: map[string]*hdf5.Data{"type": str("CubaLIF"),
					"tau_mem": per(func() float64 { return 0.001 + r.Float64()/100 }), "tau_syn": per(func() float64 { return 0.0005 + r.Float64()/1000 }),
					"r": per(func() float64 { return 9.99999762 }), "w_in": per(func() float64 { return 2.22222228 }),
					"v_leak": per(func() float64 { return 0 }), "v_threshold": per(func() float64 { return 1 })}},
			}}},
		}},
	}
	data, err := hdf5.Encode(tree)
	if err != nil {
		t.Fatal(err)
	}
	net, err := NIROptions{Dt: 0.1}.Parse("f64.nir", data)
	if err != nil {
		t.Fatal(err)
	}
	got, err := NIRWriteOptions{Source: data, SourceName: "f64.nir"}.Encode(net)
	if err != nil {
		t.Fatal(err)
	}
	if d := flattenNIR(t, got).diff(flattenNIR(t, data)); len(d) > 0 {
		t.Errorf("NIR -> Spindle -> NIR differs:\n%s", strings.Join(d[:min(len(d), 10)], "\n"))
	}
}
