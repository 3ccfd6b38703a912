package loader

import (
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/spindle-sim/spindle/loader/internal/hdf5"
	"github.com/spindle-sim/spindle/snn"
)

// nirConvGraphs returns small NIR graphs with every weight node type and
// the neuron types that never fire, written as h5py writes NIR (int64
// parameters, scalars, float32 weights, "same" padding): the round-trip
// test's table and FuzzNIRWriteRoundTrip's seeds.
func nirConvGraphs(t testing.TB) map[string][]byte {
	t.Helper()
	str := func(s string) *hdf5.Data { return &hdf5.Data{Strings: []string{s}} }
	i64 := func(v ...int64) *hdf5.Data { return &hdf5.Data{Shape: []int{len(v)}, Int64: v} }
	scalar := func(v int64) *hdf5.Data { return &hdf5.Data{Int64: []int64{v}} }
	// ramp gives n deterministic values of varied sign and size, some
	// zero, as float32 in the given shape.
	ramp := func(n, seed int, shape ...int) *hdf5.Data {
		d := &hdf5.Data{Shape: shape, Float32: make([]float32, n)}
		for i := range d.Float32 {
			d.Float32[i] = float32((i*7+seed)%13-6) / 8
		}
		return d
	}
	fill := func(n int, v float64, shape ...int) *hdf5.Data {
		d := &hdf5.Data{Shape: shape, Float64: make([]float64, n)}
		for i := range d.Float64 {
			d.Float64[i] = v
		}
		return d
	}
	node := func(typ string, fields map[string]*hdf5.Data) *hdf5.Tree {
		fields["type"] = str(typ)
		return &hdf5.Tree{Datasets: fields}
	}
	graph := func(nodes map[string]*hdf5.Tree, edges ...string) []byte { return nirGraphFile(t, nodes, edges...) }
	out := map[string][]byte{}
	// Input [2,6,6] -> Conv2d (groups 2, bias) -> LIF [4,6,6] ->
	// AvgPool2d -> Conv2d (same) -> IF [2,3,3] -> Flatten -> Delay ->
	// Linear -> LI -> Output.
	out["conv2d"] = graph(map[string]*hdf5.Tree{
		"in": node("Input", map[string]*hdf5.Data{"shape": i64(2, 6, 6)}),
		"c1": node("Conv2d", map[string]*hdf5.Data{"weight": ramp(4*1*3*3, 1, 4, 1, 3, 3), "bias": ramp(4, 3, 4),
			"stride": i64(1, 1), "padding": i64(1, 1), "dilation": i64(1, 1), "groups": scalar(2), "input_shape": i64(6, 6)}),
		"lif": node("LIF", map[string]*hdf5.Data{"tau": fill(144, 0.02, 4, 6, 6), "r": fill(144, 2, 4, 6, 6),
			"v_leak": fill(144, 0, 4, 6, 6), "v_threshold": fill(144, 1, 4, 6, 6)}),
		"p": node("AvgPool2d", map[string]*hdf5.Data{"kernel_size": i64(2, 2), "stride": i64(2, 2), "padding": i64(0, 0)}),
		"c2": node("Conv2d", map[string]*hdf5.Data{"weight": ramp(2*4*3*3, 5, 2, 4, 3, 3), "stride": i64(1, 1),
			"padding": str("same"), "dilation": i64(1, 1), "groups": scalar(1), "input_shape": i64(3, 3)}),
		"if":  node("IF", map[string]*hdf5.Data{"r": fill(18, 1, 2, 3, 3), "v_threshold": fill(18, 0.5, 2, 3, 3)}),
		"f":   node("Flatten", map[string]*hdf5.Data{"start_dim": scalar(0), "end_dim": scalar(-1), "input_type": i64(2, 3, 3)}),
		"d":   node("Delay", map[string]*hdf5.Data{"delay": fill(18, 0.002, 18)}),
		"fc":  node("Linear", map[string]*hdf5.Data{"weight": ramp(5*18, 2, 5, 18)}),
		"li":  node("LI", map[string]*hdf5.Data{"tau": fill(5, 0.01, 5), "r": fill(5, 1, 5), "v_leak": fill(5, 0, 5)}),
		"out": node("Output", map[string]*hdf5.Data{"shape": i64(5)}),
	}, "in", "c1", "c1", "lif", "lif", "p", "p", "c2", "c2", "if", "if", "f", "f", "d", "d", "fc", "fc", "li", "li", "out")
	// Input [3,10] -> Conv1d (same, even kernel: padded 1 and 2) into a
	// CubaLIF and a Threshold; CubaLIF -> Scale -> I; Threshold ->
	// SumPool2d -> Flatten -> Affine -> CubaLI. In conv1d-split one
	// CubaLIF neuron has its own threshold: the reader splits the node,
	// and the convolution into it is a list, the one into the Threshold a
	// conv connector, both through the one Conv1d node.
	thresholds := fill(20, 1, 2, 10)
	split := fill(20, 1, 2, 10)
	split.Float64[13] = 2
	for _, g := range []struct {
		name string
		vth  *hdf5.Data
	}{{"conv1d", thresholds}, {"conv1d-split", split}} {
		out[g.name] = nirConv1dGraph(t, g.vth)
	}
	return out
}

// nirConv1dGraph builds nirConvGraphs' conv1d graph with the given
// CubaLIF thresholds.
func nirConv1dGraph(t testing.TB, vth *hdf5.Data) []byte {
	t.Helper()
	str := func(s string) *hdf5.Data { return &hdf5.Data{Strings: []string{s}} }
	i64 := func(v ...int64) *hdf5.Data { return &hdf5.Data{Shape: []int{len(v)}, Int64: v} }
	scalar := func(v int64) *hdf5.Data { return &hdf5.Data{Int64: []int64{v}} }
	ramp := func(n, seed int, shape ...int) *hdf5.Data {
		d := &hdf5.Data{Shape: shape, Float32: make([]float32, n)}
		for i := range d.Float32 {
			d.Float32[i] = float32((i*7+seed)%13-6) / 8
		}
		return d
	}
	fill := func(n int, v float64, shape ...int) *hdf5.Data {
		d := &hdf5.Data{Shape: shape, Float64: make([]float64, n)}
		for i := range d.Float64 {
			d.Float64[i] = v
		}
		return d
	}
	node := func(typ string, fields map[string]*hdf5.Data) *hdf5.Tree {
		fields["type"] = str(typ)
		return &hdf5.Tree{Datasets: fields}
	}
	return nirGraphFile(t, map[string]*hdf5.Tree{
		"in": node("Input", map[string]*hdf5.Data{"shape": i64(3, 10)}),
		"c": node("Conv1d", map[string]*hdf5.Data{"weight": ramp(2*3*4, 4, 2, 3, 4), "bias": ramp(2, 1, 2),
			"stride": i64(1), "padding": str("same"), "dilation": i64(1), "groups": scalar(1), "input_shape": i64(10)}),
		"cuba": node("CubaLIF", map[string]*hdf5.Data{"tau_mem": fill(20, 0.01, 2, 10), "tau_syn": fill(20, 0.005, 2, 10),
			"r": fill(20, 3, 2, 10), "w_in": fill(20, 5, 2, 10), "v_leak": fill(20, 0, 2, 10), "v_threshold": vth}),
		"th": node("Threshold", map[string]*hdf5.Data{"threshold": fill(20, 0.25, 2, 1, 10)}),
		"s":  node("Scale", map[string]*hdf5.Data{"scale": ramp(20, 6, 20)}),
		"i":  node("I", map[string]*hdf5.Data{"r": fill(20, 1.5, 20)}),
		"sp": node("SumPool2d", map[string]*hdf5.Data{"kernel_size": i64(1, 2), "stride": i64(1, 2), "padding": i64(0, 0)}),
		"f":  node("Flatten", map[string]*hdf5.Data{"start_dim": scalar(0), "end_dim": scalar(-1)}),
		"fc": node("Affine", map[string]*hdf5.Data{"weight": ramp(3*10, 3, 3, 10), "bias": ramp(3, 2, 3)}),
		"cli": node("CubaLI", map[string]*hdf5.Data{"tau_mem": fill(3, 0.01, 3), "tau_syn": fill(3, 0.002, 3),
			"r": fill(3, 1, 3), "w_in": fill(3, 2, 3), "v_leak": fill(3, 0, 3)}),
		"o1": node("Output", map[string]*hdf5.Data{"shape": i64(20)}),
		"o2": node("Output", map[string]*hdf5.Data{"shape": i64(3)}),
	}, "in", "c", "c", "cuba", "c", "th", "cuba", "s", "s", "i", "i", "o1", "th", "sp", "sp", "f", "f", "fc", "fc", "cli", "cli", "o2")
}

// nirGraphFile encodes a NIR graph of the given nodes and edges (pairs).
func nirGraphFile(t testing.TB, nodes map[string]*hdf5.Tree, edges ...string) []byte {
	t.Helper()
	str := func(s string) *hdf5.Data { return &hdf5.Data{Strings: []string{s}} }
	tree := &hdf5.Tree{
		Datasets: map[string]*hdf5.Data{"version": str("0.2.0")},
		Groups: map[string]*hdf5.Tree{"node": {
			Datasets: map[string]*hdf5.Data{"type": str("NIRGraph"), "edges": {Shape: []int{len(edges) / 2, 2}, Strings: edges}},
			Groups:   map[string]*hdf5.Tree{"nodes": {Groups: nodes}},
		}},
	}
	data, err := hdf5.Encode(tree)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestNIRRoundTripConv writes back graphs of every weight node type with
// their source: the nodes, fields (types and shapes included) and edges
// come back as they were, and the network read back is the same.
func TestNIRRoundTripConv(t *testing.T) {
	graphs := nirConvGraphs(t)
	for _, name := range []string{"conv2d", "conv1d", "conv1d-split"} {
		t.Run(name, func(t *testing.T) {
			data := graphs[name]
			net, err := ParseNIR(name+".nir", data)
			if err != nil {
				t.Fatal(err)
			}
			kinds := map[snn.ConnectorKind]int{}
			for _, pr := range net.Projections {
				kinds[pr.Connector.Kind]++
			}
			if kinds[snn.Convolution] < 1 || kinds[snn.FromList] < 2 {
				t.Fatalf("the reader made connectors %v: the test no longer has conv connectors and chains", kinds)
			}
			out, err := NIRWriteOptions{Source: data, SourceName: name + ".nir"}.Encode(net)
			if err != nil {
				t.Fatal(err)
			}
			if d := flattenNIR(t, out).diff(flattenNIR(t, data)); len(d) > 0 {
				t.Errorf("NIR -> Spindle -> NIR differs:\n%s", strings.Join(d[:min(len(d), 10)], "\n"))
			}
			back, err := ParseNIR(name+".nir", out)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(back, net) {
				t.Errorf("the network read back differs:\n%+v\nwant\n%+v", back, net)
			}
			got := h5pyRead(t, out, data)
			if !reflect.DeepEqual(got[0], got[1]) {
				t.Errorf("h5py sees\n%v\nwant the original's\n%v", got[0], got[1])
			}
		})
	}
}

// TestNIRChainChanged changes one weight of cnn_sinabs's pool -> flatten
// -> affine chain (an explicit synapse list in the network): the writer
// must not write the source's nodes, whose composition no longer is the
// projection, but one Affine of the network's weights, and say so.
func TestNIRChainChanged(t *testing.T) {
	path, data := nirFixture(t, "cnn_sinabs.nir")
	net, err := ParseNIR(path, data)
	if err != nil {
		t.Fatal(err)
	}
	k := slices.IndexFunc(net.Projections, func(p snn.Projection) bool { return p.Name == "7+8+9" })
	if k < 0 || net.Projections[k].Connector.Kind != snn.FromList {
		t.Fatalf("no explicit projection 7+8+9 in %s", path)
	}
	list := slices.Clone(net.Projections[k].Connector.List)
	list[3].Weight *= 2
	net.Projections[k].Connector.List = list
	w := &nirWriter{net: net, nodes: map[string]*hdf5.Tree{}}
	out, err := NIRWriteOptions{Source: data, SourceName: path}.encode(w)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(w.notes, func(s string) bool { return strings.Contains(s, `projection "7+8+9" is no longer the composition`) }) {
		t.Errorf("notes %q: want one on 7+8+9", w.notes)
	}
	f := flattenNIR(t, out)
	for _, gone := range []string{"7", "8", "9"} {
		if _, ok := f.types[gone]; ok {
			t.Errorf("node %q written, though the chain changed", gone)
		}
	}
	// cnn_sinabs's biases are zero: no bias source, a Linear.
	if f.types["7+8+9"] != "Linear" || !slices.Contains(f.edges, "6 -> 7+8+9") || !slices.Contains(f.edges, "7+8+9 -> 10") {
		t.Errorf("types %v, edges %v: want a Linear 7+8+9 from 6 to 10", f.types, f.edges)
	}
	// Read back, it is the changed network.
	back, err := ParseNIR(path, out)
	if err != nil {
		t.Fatal(err)
	}
	pb := back.Projections[slices.IndexFunc(back.Projections, func(p snn.Projection) bool { return p.Name == "7+8+9" })]
	pn := net.Projections[k]
	if len(pb.Connector.List) != len(pn.Connector.List) {
		t.Fatalf("%d synapses read back, want %d", len(pb.Connector.List), len(pn.Connector.List))
	}
	sum := func(l []snn.Conn) map[[2]int]float64 {
		m := map[[2]int]float64{}
		for _, c := range l {
			m[[2]int{c.Pre, c.Post}] += c.Weight
		}
		return m
	}
	sb, sn := sum(pb.Connector.List), sum(pn.Connector.List)
	for key, v := range sn {
		if math.Abs(sb[key]-v) > 1e-6*math.Max(1, math.Abs(v)) {
			t.Errorf("synapse %v: %v read back, want %v", key, sb[key], v)
			break
		}
	}
}

// TestNIRExportConv writes conv connectors made in Spindle (YAML), with
// a pooling stage, "same" padding and a bias, without a source: they
// become SumPool2d and Conv2d nodes that read back as the same network.
func TestNIRExportConv(t *testing.T) {
	none32 := "[" + strings.Repeat("[], ", 31) + "[]]"
	net, err := ParseNetwork("cnn.yaml", []byte(`
dt: 1
neurons:
  if: {leak: false, v_th: 1, receptors: [{name: p, tau_syn: 0}]}
populations:
  - {name: in, size: 32, kind: spike_source, spike_times: `+none32+`}
  - {name: l1, size: 3, neuron: if}
  - {name: l2, size: 32, neuron: if}
  - {name: c1.bias, size: 1, kind: poisson, rate: 1000}
projections:
  - name: c1
    pre: in
    post: l1
    connector:
      conv: {in_shape: [2, 4, 4], out_channels: 3, kernel: 2, weights: [1, -2, 0.5, 0, 1, 1, 1, 1, -1, 2, 3, 0.25, 0, 0, 1, 1, 2, 2, 2, 2, 0.5, 0.5, -0.5, 1], pool: {kernel: 2}}
  - name: c2
    pre: in
    post: l2
    connector:
      conv: {in_shape: [2, 4, 4], out_channels: 2, kernel: 2, padding: same, groups: 2, weights: [1, 2, 3, 4, -1, -2, 0.5, 0.25]}
  - {pre: c1.bias, post: l1, connector: all_to_all, weight: 0.125}
`))
	if err != nil {
		t.Fatal(err)
	}
	data, err := EncodeNIR(net)
	if err != nil {
		t.Fatal(err)
	}
	f := flattenNIR(t, data)
	for name, typ := range map[string]string{"c1.pool": "SumPool2d", "c1": "Conv2d", "c2": "Conv2d", "in": "Input"} {
		if f.types[name] != typ {
			t.Errorf("node %q: type %q, want %s (types %v)", name, f.types[name], typ, f.types)
		}
	}
	if got := f.strs["c2"]["padding"]; got != "same" {
		t.Errorf("c2 padding %q, want same", got)
	}
	if got := f.fields["in"]["shape"]; !slices.Equal(got, []float64{2, 4, 4}) {
		t.Errorf("input shape %v, want [2 4 4]", got)
	}
	back, err := NIROptions{Dt: net.Dt}.Parse("cnn.nir", data)
	if err != nil {
		t.Fatal(err)
	}
	sameDynamics(t, back, net)
}

// TestNIRExportConvErrors: a convolution NIR cannot express is refused,
// naming the projection and the field.
func TestNIRExportConvErrors(t *testing.T) {
	net, err := ParseNetwork("cnn.yaml", []byte(`
dt: 1
populations:
  - {name: in, size: 16, kind: spike_source, spike_times: `+"["+strings.Repeat("[], ", 15)+"[]]"+`}
  - {name: l, size: 20, neuron: {leak: false, v_th: 1, receptors: [{name: p, tau_syn: 0}]}}
projections:
  - {name: c, pre: in, post: l, connector: {conv: {in_shape: [1, 4, 4], out_channels: 1, kernel: 1, padding: [0, 1, 0, 0], weights: [1]}}}
`))
	if err != nil {
		t.Fatal(err)
	}
	_, err = EncodeNIR(net)
	if err == nil || !strings.Contains(err.Error(), `projection "c": field "padding"`) {
		t.Errorf("EncodeNIR: %v, want an error on the padding of c", err)
	}
}
