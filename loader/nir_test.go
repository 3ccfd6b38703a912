package loader

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spindle-sim/spindle/chip"
	"github.com/spindle-sim/spindle/chip/mapping"
	"github.com/spindle-sim/spindle/snn"
)

// nirDir holds NIR files written by h5py; it lives outside the repository.
const nirDir = "../../shared/fixtures/nir"

func nirFixture(t testing.TB, name string) (string, []byte) {
	t.Helper()
	if _, err := os.Stat(nirDir); err != nil {
		t.Skipf("NIR fixture folder %s absent: %v", nirDir, err)
	}
	path := filepath.Join(nirDir, name)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return path, data
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-6*math.Max(1, math.Abs(b)) }

// runNIR builds net and runs it on the event engine, returning the spike
// count of each population.
func runNIR(t *testing.T, net *snn.Network, ticks int) []int {
	t.Helper()
	counts := make([]int, len(net.Populations))
	spikeNIR(t, net, ticks, func(_ int64, pop, _ int) { counts[pop]++ })
	return counts
}

// spikeNIR builds net and runs it on the event engine, calling onSpike
// with the tick, population and index in it of every spike.
func spikeNIR(t *testing.T, net *snn.Network, ticks int, onSpike func(tick int64, pop, i int)) {
	t.Helper()
	g, err := net.Build()
	if err != nil {
		t.Fatal(err)
	}
	arch, err := LoadArch("loihi")
	if err != nil {
		t.Fatal(err)
	}
	m, err := mapping.Map(g, arch, mapping.Sequential, 0)
	if err != nil {
		t.Fatal(err)
	}
	e, err := chip.NewEngine(g, arch, m, chip.Options{Mode: net.Mode, Workers: 1, OnSpike: func(tick int64, id uint32) {
		pop := g.PopOf(int(id))
		onSpike(tick, pop, int(id)-g.PopStart[pop])
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	e.Run(ticks)
}

func TestNIRNorse(t *testing.T) {
	path, _ := nirFixture(t, "lif_norse.nir")
	net, err := LoadNetwork(path) // dispatches on the extension
	if err != nil {
		t.Fatal(err)
	}
	if net.Name != "lif_norse" || net.Dt != 1 || len(net.Populations) != 2 || len(net.Projections) != 1 {
		t.Fatalf("name %q dt %v, %d populations, %d projections", net.Name, net.Dt, len(net.Populations), len(net.Projections))
	}
	in, lif := net.Populations[0], net.Populations[1]
	if in.Name != "input" || in.Kind != snn.SpikeSource || in.Size != 1 {
		t.Errorf("input population %+v", in)
	}
	nu := lif.Neuron
	// tau is 0.0025 s stored as float32.
	if lif.Name != "1" || lif.Kind != snn.LIF || lif.Size != 1 || !near(nu.TauM, 2.5) || !near(nu.VTh, 0.1) ||
		nu.VRest != 0 || nu.VReset != 0 || nu.NoLeak || len(nu.Receptors) != 1 || nu.Receptors[0].TauSyn != 0 {
		t.Errorf("LIF population %+v", lif)
	}
	pr := net.Projections[0]
	if pr.Name != "0" || pr.Pre != "input" || pr.Post != "1" || pr.Connector.Kind != snn.FromList ||
		len(pr.Connector.List) != 1 || pr.Connector.List[0].Weight != 1 {
		t.Errorf("projection %+v", pr)
	}
	// Each input spike adds 1*(1-exp(-1/2.5)) = 0.33 > v_th = 0.1 one tick
	// later: the LIF neuron answers every input spike.
	net.Populations[0].SpikeTimes = [][]float64{{10, 50, 90}}
	if c := runNIR(t, net, 300); c[0] != 3 || c[1] != 3 {
		t.Errorf("spike counts %v, want [3 3]", c)
	}
}

func TestNIRTwoLIF(t *testing.T) {
	path, data := nirFixture(t, "two_lif_neurons.nir")
	net, err := ParseNIR(path, data)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range net.Populations {
		names = append(names, p.Name)
	}
	if got := strings.Join(names, " "); got != "in lif1 lif2" || net.Dt != 1 {
		t.Fatalf("populations %q, dt %v", got, net.Dt)
	}
	lif1, lif2 := net.Populations[1].Neuron, net.Populations[2].Neuron
	if lif1.TauM != 10 || lif1.VRest != 1.2 || lif1.VTh != 1 || lif1.VReset != 0 || lif2.VTh != 20 || lif2.VRest != 0 {
		t.Errorf("lif1 %+v lif2 %+v", lif1, lif2)
	}
	want := map[string][2]string{"linear1": {"in", "lif1"}, "linear2": {"lif1", "lif2"}}
	if len(net.Projections) != 2 {
		t.Fatalf("%d projections", len(net.Projections))
	}
	for _, pr := range net.Projections {
		if w := want[pr.Name]; w != [2]string{pr.Pre, pr.Post} || len(pr.Connector.List) != 1 || pr.Connector.List[0].Weight != 1 {
			t.Errorf("projection %+v", pr)
		}
	}
	// lif1 rests at 1.2, above its threshold: it fires every
	// 10*ln(1.2/0.2) = 17.9 ms; lif2 never reaches 20.
	c := runNIR(t, net, 300)
	if c[1] < 15 || c[1] > 18 || c[2] != 0 {
		t.Errorf("spike counts %v, want lif1 about 16, lif2 0", c)
	}
}

func TestNIRBraille(t *testing.T) {
	path, data := nirFixture(t, "braille_noDelay_bias_zero.nir")
	// CubaLIF, a recurrent Affine, per-neuron biases (despite the file's
	// name) and a time step chosen below the 0.2 ms time constants.
	net, err := ParseNIR(path, data)
	if err != nil {
		t.Fatal(err)
	}
	if net.Dt != 0.1 {
		t.Errorf("dt %v ms, want 0.1", net.Dt)
	}
	pops := []struct {
		name string
		size int
		kind snn.Kind
	}{
		{"input", 12, snn.SpikeSource}, {"lif1.lif", 38, snn.LIF}, {"lif2", 7, snn.LIF},
		{"fc1.bias", 1, snn.Poisson}, {"fc2.bias", 1, snn.Poisson}, {"lif1.w_rec.bias", 1, snn.Poisson},
	}
	if len(net.Populations) != len(pops) {
		t.Fatalf("%d populations, want %d", len(net.Populations), len(pops))
	}
	for i, want := range pops {
		pop := net.Populations[i]
		if pop.Name != want.name || pop.Size != want.size || pop.Kind != want.kind {
			t.Errorf("population %d: %q size %d kind %v; want %q size %d kind %v", i, pop.Name, pop.Size, pop.Kind, want.name, want.size, want.kind)
		}
		if pop.Kind == snn.Poisson && pop.RateHz*net.Dt/1000 < 1 {
			t.Errorf("population %q: %v Hz fires with probability below one per tick", pop.Name, pop.RateHz)
		}
	}
	lif1 := net.Populations[net.PopulationIndex("lif1.lif")].Neuron
	if !near(lif1.TauM, 0.9999997615814777) || !near(lif1.Receptors[0].TauSyn, 0.2222222281091009) || lif1.VTh != 1 || lif1.Bias != 0 {
		t.Errorf("lif1.lif %+v", lif1)
	}
	links := map[string][3]any{ // pre, post, synapses (every weight and bias is non-zero)
		"fc1": {"input", "lif1.lif", 38 * 12}, "lif1.w_rec": {"lif1.lif", "lif1.lif", 38 * 38}, "fc2": {"lif1.lif", "lif2", 7 * 38},
		"fc1.bias": {"fc1.bias", "lif1.lif", 38}, "lif1.w_rec.bias": {"lif1.w_rec.bias", "lif1.lif", 38}, "fc2.bias": {"fc2.bias", "lif2", 7},
	}
	checkLinks(t, net, links)
	// Weights are NIR values (raw little-endian float32 at the file
	// offsets, found with Python's struct) scaled by r * w_in * dt/tau_syn
	// of the target.
	scale1 := 9.999997615814776 * 2.2222222810910086 * 0.1 / (0.0002222222281091009 * 1000)
	scale2 := 2.2222222810910086 * 2 * 0.1 / (0.0002 * 1000)
	raw := func(off int) float64 { return float64(math.Float32frombits(binary.LittleEndian.Uint32(data[off:]))) }
	weights := []struct {
		proj      string
		synapse   int
		pre, post int
		off       int // of the NIR value in the file
		nir       float64
		scale     float64
	}{
		{"fc1", 12, 0, 1, 0x2048 + 48, -0.12503375113010406, scale1}, // fc1.weight[1][0]
		{"fc1.bias", 0, 0, 0, 0x2768, -0.06660466641187668, scale1},  // fc1.bias[0]
		{"fc1.bias", 2, 0, 2, 0x2768 + 8, 0.11628828197717667, scale1},
		{"lif1.w_rec.bias", 0, 0, 0, 0x4178, 0.13165010511875153, scale1},
		{"fc2.bias", 0, 0, 0, 0x4220, 0.35732531547546387, scale2},
		{"fc2.bias", 6, 0, 6, 0x4220 + 24, 0.31571465730667114, scale2},
	}
	for _, w := range weights {
		if got := raw(w.off); got != w.nir {
			t.Fatalf("%s: file value %v at %#x, want %v", w.proj, got, w.off, w.nir)
		}
		c := net.Projections[net.ProjectionIndex(w.proj)].Connector.List[w.synapse]
		if c.Pre != w.pre || c.Post != w.post || !near(c.Weight, w.nir*w.scale) {
			t.Errorf("%s synapse %d: %+v, want pre %d post %d weight %v", w.proj, w.synapse, c, w.pre, w.post, w.nir*w.scale)
		}
	}
	times := make([][]float64, 12)
	for i := range times {
		times[i] = []float64{1, 2, 3, 4, 5, 10, 15}
	}
	net.Populations[0].SpikeTimes = times
	c := runNIR(t, net, 300)
	if c[0] != 12*7 || c[3] != 300 || c[4] != 300 || c[5] != 300 {
		t.Errorf("spike counts %v: input should fire %d times, each bias source on all 300 ticks", c, 12*7)
	}
}

// TestNIRBrailleSplit gives lif2 of the braille fixture a per-neuron
// threshold (lif2's v_threshold, seven float64 ones, is stored at 0x7168)
// and checks that the node splits through the whole path from the file.
func TestNIRBrailleSplit(t *testing.T) {
	path, data := nirFixture(t, "braille_noDelay_bias_zero.nir")
	const vTh = 0x7168
	data = append([]byte(nil), data...)
	for i := range 7 {
		if math.Float64frombits(binary.LittleEndian.Uint64(data[vTh+8*i:])) != 1 {
			t.Fatalf("lif2 v_threshold[%d] is not 1 at %#x", i, vTh+8*i)
		}
	}
	binary.LittleEndian.PutUint64(data[vTh+8*3:], math.Float64bits(2))
	net, err := ParseNIR(path, data)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range net.Populations {
		names = append(names, fmt.Sprintf("%s:%d", p.Name, p.Size))
	}
	if got, want := strings.Join(names, " "), "input:12 lif1.lif:38 lif2#0:6 lif2#1:1 fc1.bias:1 fc2.bias:1 lif1.w_rec.bias:1"; got != want {
		t.Fatalf("populations %q, want %q", got, want)
	}
	if a, b := net.Populations[2].Neuron, net.Populations[3].Neuron; a.VTh != 1 || b.VTh != 2 || a.TauM != b.TauM || a.Receptors[0] != b.Receptors[0] {
		t.Errorf("lif2#0 %+v, lif2#1 %+v: want thresholds 1 and 2, the rest equal", a, b)
	}
	links := map[string][3]any{ // pre, post, synapses
		"fc2:lif1.lif->lif2#0": {"lif1.lif", "lif2#0", 6 * 38}, "fc2:lif1.lif->lif2#1": {"lif1.lif", "lif2#1", 38},
		"fc2.bias->lif2#0": {"fc2.bias", "lif2#0", 6}, "fc2.bias->lif2#1": {"fc2.bias", "lif2#1", 1},
		"fc1": {"input", "lif1.lif", 38 * 12}, "lif1.w_rec": {"lif1.lif", "lif1.lif", 38 * 38},
		"fc1.bias": {"fc1.bias", "lif1.lif", 38}, "lif1.w_rec.bias": {"lif1.w_rec.bias", "lif1.lif", 38},
	}
	checkLinks(t, net, links)
	// fc2.bias[6] (see TestNIRBraille) now reaches neuron 5 of lif2#0, and
	// fc2.bias[3] neuron 0 of lif2#1, both scaled as before.
	scale2 := 2.2222222810910086 * 2 * 0.1 / (0.0002 * 1000)
	if c := net.Projections[net.ProjectionIndex("fc2.bias->lif2#0")].Connector.List[5]; c.Pre != 0 || c.Post != 5 || !near(c.Weight, 0.31571465730667114*scale2) {
		t.Errorf("fc2.bias->lif2#0 synapse 5: %+v", c)
	}
	bias3 := float64(math.Float32frombits(binary.LittleEndian.Uint32(data[0x4220+12:])))
	if c := net.Projections[net.ProjectionIndex("fc2.bias->lif2#1")].Connector.List[0]; c.Pre != 0 || c.Post != 0 || !near(c.Weight, bias3*scale2) {
		t.Errorf("fc2.bias->lif2#1 synapse 0: %+v", c)
	}
	runNIR(t, net, 100)
}

func TestNIRDt(t *testing.T) {
	path, data := nirFixture(t, "lif_norse.nir")
	net, err := NIROptions{Dt: 0.25}.Parse(path, data)
	if err != nil || net.Dt != 0.25 {
		t.Fatalf("dt %v, %v", net.Dt, err)
	}
	if _, err := (NIROptions{Dt: -1}).Parse(path, data); err == nil || !strings.Contains(err.Error(), "dt -1 ms") {
		t.Errorf("negative dt: %v", err)
	}
}

// TestNIRErrors edits fixtures in memory (same-length replacements of
// strings in the file) to reach the conversion errors.
func TestNIRErrors(t *testing.T) {
	tests := []struct {
		file, old, new string
		want           string
	}{
		{"lif_norse.nir", "Affine", "Conv1d", `lif_norse.nir: node "0" (Conv1d): field "weight": shape [1 1]: expected [out_channels, in_channels/groups, kernel] with 1 kernel dimensions`},
		{"lif_norse.nir", "Input", "Delay", `node "input" (Delay): field "delay": hdf5: /node/nodes/input: no member "delay"`},
		{"lif_norse.nir", "Input", "Inpux", `node "input" (Inpux): unsupported node type (supported: Input, Output, LIF, CubaLIF, IF, LI, CubaLI, I, Threshold, Affine, Linear, Scale, Conv1d, Conv2d, SumPool2d, AvgPool2d, Flatten, Delay, NIRGraph)`},
		{"lif_norse.nir", "output", "outpux", `edge "1" -> "outpux": unknown node "outpux"`},
		{"lif_norse.nir", "NIRGraph", "NIRGraff", `type "NIRGraff": expected the top-level node to be a NIRGraph`},
		{"two_lif_neurons.nir", "Linear", "Output", `node "linear1" (Output): has an outgoing edge`},
	}
	for _, tc := range tests {
		t.Run(tc.old+"->"+tc.new, func(t *testing.T) {
			path, data := nirFixture(t, tc.file)
			i := bytes.Index(data, []byte(tc.old))
			if i < 0 {
				t.Fatalf("%q not in %s", tc.old, tc.file)
			}
			data = append([]byte(nil), data...)
			copy(data[i:], tc.new)
			_, err := ParseNIR(path, data)
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("got %v\nwant a one-line error containing %s", err, tc.want)
			}
		})
	}
	if _, err := ParseNIR("x.nir", []byte("not hdf5")); err == nil || !strings.HasPrefix(err.Error(), "loader: x.nir: hdf5: not an HDF5 file") {
		t.Errorf("not HDF5: %v", err)
	}
	if _, err := LoadNetwork("missing.nir"); err == nil || !strings.Contains(err.Error(), "missing.nir") {
		t.Errorf("missing file: %v", err)
	}
}

// nirGraph links nodes by edges (pairs of names) as readGraph does.
func nirGraph(nodes []*nirNode, edges [][2]string) *nirParser {
	p := &nirParser{file: "g.nir", nodes: nodes, byName: map[string]*nirNode{}}
	for _, n := range nodes {
		p.byName[n.name] = n
	}
	for _, e := range edges {
		src, dst := p.byName[e[0]], p.byName[e[1]]
		src.outs, dst.ins = append(src.outs, dst), append(dst.ins, src)
	}
	return p
}

// perNeuron gives the neurons of n per-neuron parameter values, each array
// keyed by the field of n it sets, and groups them as reading a file does.
func perNeuron(t testing.TB, n *nirNode, arrays map[*float64][]float64) {
	t.Helper()
	var ps []param
	var vs [][]float64
	for dst, v := range arrays {
		ps, vs = append(ps, param{dst: dst}), append(vs, v)
	}
	p := &nirParser{file: "g.nir"}
	if err := p.split(n, ps, vs); err != nil {
		t.Fatal(err)
	}
}

// neuronsOf maps each population node n became to the node's neurons:
// neuronsOf(n)[pop][k] is the node's index of neuron k of population pop.
func neuronsOf(n *nirNode) map[string][]int {
	m := map[string][]int{}
	for i := range n.size {
		g, _ := n.locate(i)
		m[n.popName(g)] = append(m[n.popName(g)], i)
	}
	return m
}

// TestNIRBuild converts graphs made in code, for the node types and edge
// shapes the fixtures lack.
func TestNIRBuild(t *testing.T) {
	input := func(name string, size int) *nirNode { return &nirNode{name: name, typ: "Input", size: size} }
	lif := func(name string, size int, tau, r float64) *nirNode {
		return &nirNode{name: name, typ: "LIF", size: size, nirParams: nirParams{tau: tau, r: r, vTh: 1}}
	}
	affine := func(name string, rows, cols int, w, bias []float64) *nirNode {
		return &nirNode{name: name, typ: "Affine", rows: rows, cols: cols, weight: w, bias: bias}
	}
	tests := []struct {
		name    string
		nodes   []*nirNode
		edges   [][2]string
		wantErr string
		check   func(t *testing.T, net *snn.Network)
	}{
		{
			name: "IF with uniform bias",
			nodes: []*nirNode{input("in", 2), affine("fc", 2, 2, []float64{0.5, 0, 0, -1}, []float64{0.3, 0.3}),
				{name: "if", typ: "IF", size: 2, nirParams: nirParams{r: 2, vTh: 1}}, {name: "out", typ: "Output"}},
			edges: [][2]string{{"in", "fc"}, {"fc", "if"}, {"if", "out"}},
			check: func(t *testing.T, net *snn.Network) {
				nu := net.Populations[1].Neuron
				if !nu.NoLeak || nu.TauM != 0 || nu.Bias != 0 || nu.VTh != 1 {
					t.Errorf("IF neuron %+v", nu)
				}
				l := net.Projections[0].Connector.List
				if len(l) != 2 || l[0] != (snn.Conn{Pre: 0, Post: 0, Weight: 1, HasWeight: true}) || l[1] != (snn.Conn{Pre: 1, Post: 1, Weight: -2, HasWeight: true}) {
					t.Errorf("synapses %+v", l)
				}
				// A uniform bias takes the bias source too.
				if src := net.Populations[2]; src.Name != "fc.bias" || src.Kind != snn.Poisson || src.Size != 1 {
					t.Errorf("bias population %+v", src)
				}
				pr := net.Projections[1]
				if l := pr.Connector.List; pr.Name != "fc.bias" || pr.Pre != "fc.bias" || pr.Post != "if" || len(l) != 2 || !near(l[0].Weight, 0.6) || !near(l[1].Weight, 0.6) {
					t.Errorf("bias projection %+v", pr)
				}
			},
		},
		{
			name: "bias names and zero biases",
			nodes: []*nirNode{input("in", 2), affine("fc", 2, 2, []float64{1, 0, 0, 1}, []float64{0, -0.5}),
				lif("fc.bias", 2, 0.01, 1), lif("b", 2, 0.01, 3), affine("zero", 2, 2, []float64{1, 1, 1, 1}, []float64{0, 0})},
			edges: [][2]string{{"in", "fc"}, {"fc", "fc.bias"}, {"fc", "b"}, {"b", "zero"}, {"zero", "fc.bias"}},
			check: func(t *testing.T, net *snn.Network) {
				// "fc.bias" is a node, so the source takes the next name; the
				// all-zero bias of "zero" adds nothing.
				var names []string
				for _, p := range net.Populations {
					names = append(names, p.Name)
				}
				if got := strings.Join(names, " "); got != "in fc.bias b fc.bias2" {
					t.Errorf("populations %q", got)
				}
				want := map[string][3]any{"fc.bias2->fc.bias": {"fc.bias", 1, -0.5}, "fc.bias2->b": {"b", 1, -1.5}}
				n := 0
				for _, pr := range net.Projections {
					if pr.Pre != "fc.bias2" {
						continue
					}
					n++
					l := pr.Connector.List
					if w, ok := want[pr.Name]; !ok || len(l) != 1 || w != [3]any{pr.Post, l[0].Post, l[0].Weight} {
						t.Errorf("bias projection %q -> %q: %+v", pr.Name, pr.Post, l)
					}
				}
				if n != 2 || len(net.Projections) != 5 {
					t.Errorf("%d bias projections of %d, want 2 of 5", n, len(net.Projections))
				}
			},
		},
		{
			name:  "direct edge and short tau",
			nodes: []*nirNode{input("in", 1), lif("a", 1, 0.01, 1), lif("b", 1, 0.00005, 3)},
			edges: [][2]string{{"in", "a"}, {"a", "b"}},
			check: func(t *testing.T, net *snn.Network) {
				if !near(net.Dt, 0.01) {
					t.Errorf("dt %v ms, want 0.01 (below tau 0.05 ms)", net.Dt)
				}
				if len(net.Projections) != 2 || net.Projections[1].Name != "a->b" || net.Projections[1].Connector.List[0].Weight != 3 {
					t.Errorf("projections %+v", net.Projections)
				}
			},
		},
		{
			name: "chained weights compose",
			nodes: []*nirNode{input("in", 2), affine("w1", 2, 2, []float64{1, 2, 0, 3}, []float64{1, 0}),
				affine("w2", 1, 2, []float64{2, -1}, []float64{0.5}), lif("a", 1, 0.01, 3)},
			edges: [][2]string{{"in", "w1"}, {"w1", "w2"}, {"w2", "a"}},
			check: func(t *testing.T, net *snn.Network) {
				// w2*w1 = [2, 4-3] = [2, 1], times r = 3.
				pr := net.Projections[net.ProjectionIndex("w1+w2")]
				if l := pr.Connector.List; len(l) != 2 || l[0].Weight != 6 || l[1].Weight != 3 || l[1].Pre != 1 {
					t.Errorf("composed synapses %+v", l)
				}
				// w1's bias [1, 0] through w2 is 2; w2's own is 0.5.
				for name, want := range map[string]float64{"w1.bias->a": 6, "w2.bias": 1.5} {
					k := net.ProjectionIndex(name)
					if k < 0 || net.Projections[k].Connector.List[0].Weight != want {
						t.Errorf("bias projection %q: want weight %v in %+v", name, want, net.Projections)
					}
				}
			},
		},
		{
			name:    "weights into Output",
			nodes:   []*nirNode{input("in", 1), affine("w", 1, 1, []float64{1}, nil), {name: "out", typ: "Output"}},
			edges:   [][2]string{{"in", "w"}, {"w", "out"}},
			wantErr: `node "w" (Affine): output to "out" (Output)`,
		},
		{
			name:    "shape mismatch",
			nodes:   []*nirNode{input("in", 3), affine("w", 1, 2, []float64{1, 1}, nil), lif("a", 1, 0.01, 1)},
			edges:   [][2]string{{"in", "w"}, {"w", "a"}},
			wantErr: `node "w" (Affine): field "weight": 2 columns, but "in" has 3 neurons`,
		},
		{
			name:    "dangling weights",
			nodes:   []*nirNode{input("in", 1), affine("w", 1, 1, []float64{1}, nil)},
			edges:   [][2]string{{"in", "w"}},
			wantErr: `node "w" (Affine): not connected on both sides`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := nirGraph(tc.nodes, tc.edges)
			net := &snn.Network{Name: "g", Dt: p.chooseDt(), Seed: 1}
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

// TestNIRSplit converts graphs made in code whose neuron nodes have
// per-neuron parameters, which split them into one population per
// parameter set.
func TestNIRSplit(t *testing.T) {
	lif := func(name string, size int, r float64, vTh []float64) *nirNode {
		n := &nirNode{name: name, typ: "LIF", size: size, nirParams: nirParams{tau: 0.01, r: r, vTh: 1}}
		if vTh != nil {
			perNeuron(t, n, map[*float64][]float64{&n.vTh: vTh})
		}
		return n
	}
	cuba := &nirNode{name: "cuba", typ: "CubaLIF", size: 3, nirParams: nirParams{tau: 0.005, vTh: 1}}
	perNeuron(t, cuba, map[*float64][]float64{
		&cuba.tauSyn: {0.001, 0.0005, 0.001}, &cuba.r: {1, 3, 4}, &cuba.wIn: {1, 2, 1},
	})
	b := lif("b", 2, 0, nil)
	perNeuron(t, b, map[*float64][]float64{&b.r: {1, 2}})
	input := func(name string, size int) *nirNode { return &nirNode{name: name, typ: "Input", size: size} }
	tests := []struct {
		name    string
		nodes   []*nirNode
		edges   [][2]string
		wantErr string
		// pops lists the populations as name:size; projs maps each
		// projection, in order, to pre, post and its synapses as
		// {pre, post, weight}.
		pops  string
		projs []wantProj
		check func(t *testing.T, net *snn.Network)
	}{
		{
			// Neuron 2 has its own threshold: it becomes neuron 0 of lif#1,
			// and the others neurons 0, 1, 2 of lif#0.
			name: "LIF thresholds",
			nodes: []*nirNode{input("in", 2),
				{name: "fc", typ: "Affine", rows: 4, cols: 2, weight: []float64{1, 2, 3, 4, 5, 6, 7, 0}, bias: []float64{0.5, 0, 1, 0.25}},
				lif("lif", 4, 2, []float64{1, 1, 2, 1}), {name: "out", typ: "Output"}},
			edges: [][2]string{{"in", "fc"}, {"fc", "lif"}, {"lif", "out"}},
			pops:  "in:2 lif#0:3 lif#1:1 fc.bias:1",
			projs: []wantProj{
				{"fc:in->lif#0", "in", "lif#0", [][3]float64{{0, 0, 2}, {1, 0, 4}, {0, 1, 6}, {1, 1, 8}, {0, 2, 14}}},
				{"fc:in->lif#1", "in", "lif#1", [][3]float64{{0, 0, 10}, {1, 0, 12}}},
				{"fc.bias->lif#0", "fc.bias", "lif#0", [][3]float64{{0, 0, 1}, {0, 2, 0.5}}},
				{"fc.bias->lif#1", "fc.bias", "lif#1", [][3]float64{{0, 0, 2}}},
			},
			check: func(t *testing.T, net *snn.Network) {
				for pop, vTh := range map[string]float64{"lif#0": 1, "lif#1": 2} {
					nu := net.Populations[net.PopulationIndex(pop)].Neuron
					if nu.VTh != vTh || nu.TauM != 10 || nu.VRest != 0 || len(nu.Receptors) != 1 {
						t.Errorf("%s: neuron %+v, want v_th %v", pop, nu, vTh)
					}
				}
			},
		},
		{
			// Each group's weights carry its own r * w_in * dt/tau_syn, and
			// the shortest tau_syn of any group sets the tick.
			name:  "CubaLIF scale per group",
			nodes: []*nirNode{input("in", 1), {name: "fc", typ: "Linear", rows: 3, cols: 1, weight: []float64{1, -1, 2}}, cuba},
			edges: [][2]string{{"in", "fc"}, {"fc", "cuba"}},
			pops:  "in:1 cuba#0:1 cuba#1:1 cuba#2:1",
			projs: []wantProj{
				{"fc:in->cuba#0", "in", "cuba#0", [][3]float64{{0, 0, 1 * 1 * 0.1 / 1}}},
				{"fc:in->cuba#1", "in", "cuba#1", [][3]float64{{0, 0, -3 * 2 * 0.1 / 0.5}}},
				{"fc:in->cuba#2", "in", "cuba#2", [][3]float64{{0, 0, 2 * 4 * 1 * 0.1 / 1}}},
			},
			check: func(t *testing.T, net *snn.Network) {
				if !near(net.Dt, 0.1) {
					t.Errorf("dt %v ms, want 0.1 (below cuba#1's tau_syn)", net.Dt)
				}
				for pop, tauSyn := range map[string]float64{"cuba#0": 1, "cuba#1": 0.5, "cuba#2": 1} {
					nu := net.Populations[net.PopulationIndex(pop)].Neuron
					if !near(nu.Receptors[0].TauSyn, tauSyn) || !near(nu.TauM, 5) {
						t.Errorf("%s: neuron %+v, want tau_syn %v ms", pop, nu, tauSyn)
					}
				}
			},
		},
		{
			// Split nodes on both sides of a weight node (b's r differs
			// per neuron), and a direct edge into a split node.
			name: "split source and target",
			nodes: []*nirNode{input("in", 3), lif("a", 3, 1, []float64{1, 2, 1}),
				{name: "w", typ: "Linear", rows: 2, cols: 3, weight: []float64{1, 2, 3, 4, 5, 6}}, b},
			edges: [][2]string{{"in", "a"}, {"a", "w"}, {"w", "b"}},
			pops:  "in:3 a#0:2 a#1:1 b#0:1 b#1:1",
			projs: []wantProj{
				{"in->a#0", "in", "a#0", [][3]float64{{0, 0, 1}, {2, 1, 1}}},
				{"in->a#1", "in", "a#1", [][3]float64{{1, 0, 1}}},
				{"w:a#0->b#0", "a#0", "b#0", [][3]float64{{0, 0, 1}, {1, 0, 3}}},
				{"w:a#1->b#0", "a#1", "b#0", [][3]float64{{0, 0, 2}}},
				{"w:a#0->b#1", "a#0", "b#1", [][3]float64{{0, 0, 8}, {1, 0, 12}}},
				{"w:a#1->b#1", "a#1", "b#1", [][3]float64{{0, 0, 10}}},
			},
		},
		{
			name:    "population name taken",
			nodes:   []*nirNode{input("in", 2), lif("a", 2, 1, []float64{1, 2}), lif("a#1", 2, 1, nil)},
			edges:   [][2]string{{"in", "a"}, {"a", "a#1"}},
			wantErr: `node "a" (LIF): population name "a#1" of its parameter set 1 is taken by a node`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := nirGraph(tc.nodes, tc.edges)
			net := &snn.Network{Name: "g", Dt: p.chooseDt(), Seed: 1, Mode: snn.Float}
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
			var pops []string
			for _, pop := range net.Populations {
				pops = append(pops, fmt.Sprintf("%s:%d", pop.Name, pop.Size))
			}
			if got := strings.Join(pops, " "); got != tc.pops {
				t.Errorf("populations %q, want %q", got, tc.pops)
			}
			if len(net.Projections) != len(tc.projs) {
				t.Errorf("%d projections, want %d", len(net.Projections), len(tc.projs))
			}
			for k, pr := range net.Projections[:min(len(net.Projections), len(tc.projs))] {
				tc.projs[k].check(t, pr)
			}
			if tc.check != nil {
				tc.check(t, net)
			}
			if err := net.Validate(); err != nil {
				t.Fatal(err)
			}
			runNIR(t, net, 50) // builds, maps and runs on the event engine
		})
	}
}

// wantProj is an expected projection.
type wantProj struct {
	name, pre, post string
	synapses        [][3]float64 // pre, post, weight
}

func (w wantProj) check(t *testing.T, pr snn.Projection) {
	t.Helper()
	l := pr.Connector.List
	ok := pr.Name == w.name && pr.Pre == w.pre && pr.Post == w.post && pr.Connector.Kind == snn.FromList && len(l) == len(w.synapses)
	for k := 0; ok && k < len(l); k++ {
		s := w.synapses[k]
		ok = l[k].HasWeight && float64(l[k].Pre) == s[0] && float64(l[k].Post) == s[1] && near(l[k].Weight, s[2])
	}
	if !ok {
		t.Errorf("projection %q: %s -> %s, synapses %+v; want %q: %s -> %s, %v", pr.Name, pr.Pre, pr.Post, l, w.name, w.pre, w.post, w.synapses)
	}
}

// TestNIRSplitGroups checks the grouping of neurons by parameter set and
// its limit.
func TestNIRSplitGroups(t *testing.T) {
	n := &nirNode{name: "n", typ: "LIF", size: 6, nirParams: nirParams{tau: 0.01, r: 1}}
	// Equal values of both arrays make a group, wherever the neurons are;
	// -0 and 0 are one value.
	perNeuron(t, n, map[*float64][]float64{&n.vTh: {1, 2, 1, 2, 1, 3}, &n.vReset: {0, 0, math.Copysign(0, -1), 0, 0.5, 0}})
	type at struct{ g, k int }
	want := []at{{0, 0}, {1, 0}, {0, 1}, {1, 1}, {2, 0}, {3, 0}}
	for i, w := range want {
		if g, k := n.locate(i); (at{g, k}) != w {
			t.Errorf("neuron %d: group %d index %d, want %v", i, g, k, w)
		}
	}
	wantSets := []nirGroup{
		{nirParams{tau: 0.01, r: 1, vTh: 1}, 2}, {nirParams{tau: 0.01, r: 1, vTh: 2}, 2},
		{nirParams{tau: 0.01, r: 1, vTh: 1, vReset: 0.5}, 1}, {nirParams{tau: 0.01, r: 1, vTh: 3}, 1},
	}
	if !slices.Equal(n.pops(), wantSets) || n.nirParams != wantSets[0].nirParams {
		t.Errorf("groups %+v (first %+v), want %+v", n.pops(), n.nirParams, wantSets)
	}

	// One population per neuron is accepted up to the limit.
	for _, size := range []int{maxNIRGroups, maxNIRGroups + 1} {
		n := &nirNode{name: "wide", typ: "IF", size: size}
		vTh := make([]float64, size)
		for i := range vTh {
			vTh[i] = float64(i)
		}
		err := (&nirParser{file: "g.nir"}).split(n, []param{{name: "v_threshold", dst: &n.vTh}}, [][]float64{vTh})
		switch {
		case size <= maxNIRGroups && (err != nil || len(n.groups) != size):
			t.Errorf("%d neurons: %d groups, %v", size, len(n.groups), err)
		case size > maxNIRGroups && (err == nil || !strings.Contains(err.Error(), `g.nir: node "wide" (IF): more than 4096 distinct per-neuron parameter sets`)):
			t.Errorf("%d neurons: %v", size, err)
		}
	}
}

// TestNIRBiasRates drives neurons with per-neuron biases alone and checks
// their firing against the neuron equations: below threshold a neuron stays
// silent, above it fires periodically.
func TestNIRBiasRates(t *testing.T) {
	tests := []struct {
		name   string
		neuron *nirNode
		bias   []float64
		// vTh, if set, gives each neuron its own threshold, which splits
		// the node.
		vTh []float64
		// period returns the expected interspike interval in ticks of
		// neuron i, or 0 for a silent neuron.
		period func(dt float64, i int) float64
	}{
		{
			// tau dv/dt = -v + r b: v reaches 1 after tau ln(rb/(rb-1)).
			name:   "LIF",
			neuron: &nirNode{name: "n", typ: "LIF", size: 4, nirParams: nirParams{tau: 0.01, r: 1, vTh: 1}},
			bias:   []float64{0.5, 2, 1.25, -1},
			period: func(dt float64, i int) float64 {
				rb := []float64{0.5, 2, 1.25, -1}[i]
				if rb <= 1 {
					return 0
				}
				return 10 * math.Log(rb/(rb-1)) / dt
			},
		},
		{
			// Two neurons differing only in threshold, under the same
			// bias: the LIF period tau ln(rb/(rb-v_th)) for each.
			name:   "LIF thresholds per neuron",
			neuron: &nirNode{name: "n", typ: "LIF", size: 2, nirParams: nirParams{tau: 0.01, r: 1}},
			bias:   []float64{2, 2},
			vTh:    []float64{1, 1.5},
			period: func(dt float64, i int) float64 {
				return 10 * math.Log(2/(2-[]float64{1, 1.5}[i])) / dt
			},
		},
		{
			// dv = r b per tick.
			name:   "IF",
			neuron: &nirNode{name: "n", typ: "IF", size: 3, nirParams: nirParams{r: 2, vTh: 1}},
			bias:   []float64{0.3, 0.07, -1},
			period: func(_ float64, i int) float64 {
				rb := 2 * []float64{0.3, 0.07, -1}[i]
				if rb <= 0 {
					return 0
				}
				return 1 / rb
			},
		},
		{
			// tau_syn = dt: a bias b adds b*dt/tau_syn to the current each
			// tick, which settles at b/(1-exp(-1)) = 1.58 b; the membrane
			// follows with tau_mem = 5 ms. Below threshold in the steady
			// state, silent; above, about the LIF period of that input.
			name:   "CubaLIF",
			neuron: &nirNode{name: "n", typ: "CubaLIF", size: 2, nirParams: nirParams{tau: 0.005, tauSyn: 0.001, r: 1, wIn: 1, vTh: 1}},
			bias:   []float64{0.6, 1.5},
			period: func(dt float64, i int) float64 {
				v := []float64{0.6, 1.5}[i] / (1 - math.Exp(-1))
				if v <= 1 {
					return 0
				}
				return 5 * math.Log(v/(v-1)) / dt
			},
		},
	}
	const ticks = 400
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			size := tc.neuron.size
			if tc.vTh != nil {
				perNeuron(t, tc.neuron, map[*float64][]float64{&tc.neuron.vTh: tc.vTh})
			}
			in := &nirNode{name: "in", typ: "Input", size: 1}
			fc := &nirNode{name: "fc", typ: "Affine", rows: size, cols: 1, weight: make([]float64, size), bias: tc.bias}
			for i := range fc.weight {
				fc.weight[i] = 1 // the input stays silent
			}
			in.outs, fc.ins, fc.outs, tc.neuron.ins = []*nirNode{fc}, []*nirNode{in}, []*nirNode{tc.neuron}, []*nirNode{fc}
			p := &nirParser{file: "g.nir", nodes: []*nirNode{in, fc, tc.neuron}, byName: map[string]*nirNode{"in": in, "fc": fc, "n": tc.neuron}}
			net := &snn.Network{Name: "g", Dt: p.chooseDt(), Seed: 1}
			if err := p.build(net); err != nil {
				t.Fatal(err)
			}
			spikes := make([][]int64, size)
			neurons := neuronsOf(tc.neuron)
			spikeNIR(t, net, ticks, func(tick int64, pop, i int) {
				if ns, ok := neurons[net.Populations[pop].Name]; ok {
					spikes[ns[i]] = append(spikes[ns[i]], tick)
				}
			})
			for i, ts := range spikes {
				want := tc.period(net.Dt, i)
				if want == 0 {
					if len(ts) != 0 {
						t.Errorf("neuron %d (bias %v): %d spikes, want none", i, tc.bias[i], len(ts))
					}
					continue
				}
				if len(ts) < 5 {
					t.Fatalf("neuron %d (bias %v): spikes at %v, want one every %.1f ticks", i, tc.bias[i], ts, want)
				}
				// The bias arrives from tick 1: the source fires from tick
				// 0 and every edge takes a tick.
				for k, tick := range ts {
					prev := int64(0)
					if k > 0 {
						prev = ts[k-1]
					}
					// Ticks reach threshold no earlier than the continuous
					// solution (for CubaLIF the current's rise only delays
					// it).
					if d := float64(tick - prev); d < want || d > want+2 {
						t.Errorf("neuron %d (bias %v): interval %d of %v ticks, want %.1f up to 2 more", i, tc.bias[i], k, d, want)
						break
					}
				}
			}
		})
	}
}

func TestEveryTickHz(t *testing.T) {
	for _, dt := range []float64{1, 0.1, 0.3, 0.7, 0.01, 1e-6, 3, 0.025} {
		r := everyTickHz(dt)
		if r*dt/1000 < 1 || r < 1000/dt || r > 1000/dt*(1+1e-15) {
			t.Errorf("dt %v ms: %v Hz, probability %v per tick", dt, r, r*dt/1000)
		}
	}
}

// checkLinks checks that net has exactly the projections of links, by
// name: pre, post and number of synapses.
func checkLinks(t *testing.T, net *snn.Network, links map[string][3]any) {
	t.Helper()
	if len(net.Projections) != len(links) {
		t.Fatalf("%d projections, want %d", len(net.Projections), len(links))
	}
	for _, pr := range net.Projections {
		if w := links[pr.Name]; w != [3]any{pr.Pre, pr.Post, len(pr.Connector.List)} {
			t.Errorf("projection %q: %s -> %s, %d synapses; want %v", pr.Name, pr.Pre, pr.Post, len(pr.Connector.List), w)
		}
	}
}

// TestLoadNetworkSniffsHDF5 loads a NIR graph saved under another name by
// its HDF5 signature, and still reads YAML as YAML.
func TestLoadNetworkSniffsHDF5(t *testing.T) {
	_, data := nirFixture(t, "two_lif_neurons.nir")
	dir := t.TempDir()
	h5 := filepath.Join(dir, "graph.h5")
	yml := filepath.Join(dir, "net.yaml")
	if err := os.WriteFile(h5, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(yml, []byte("populations:\n  - {name: a, size: 2, kind: poisson, rate: 5}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	net, err := LoadNetwork(h5)
	if err != nil || len(net.Populations) != 3 {
		t.Fatalf("NIR under .h5: %v, %+v", err, net)
	}
	if net, err = LoadNetwork(yml); err != nil || len(net.Populations) != 1 {
		t.Fatalf("YAML: %v, %+v", err, net)
	}
}
