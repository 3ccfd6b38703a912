package loader

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/spindle-sim/spindle/aer/anyformat"
	"github.com/spindle-sim/spindle/chip"
	"github.com/spindle-sim/spindle/chip/mapping"
	"github.com/spindle-sim/spindle/dense"
	"github.com/spindle-sim/spindle/loader/internal/hdf5"
	"github.com/spindle-sim/spindle/snn"
)

// frameRef evaluates a NIR graph frame by frame, the way a discrete-time
// simulator following the NIR spec does: in each frame every node, in
// topological order, computes its output from its inputs' outputs of the
// same frame. It reads the parsed nodes, not the network Spindle builds
// from them: convolutions and pooling are gathered per output element,
// independently of the synapses the loader expands. Neurons: IF
// (v += r*x; spike when v > v_threshold; then v = v_reset); other stateful
// nodes are refused.
type frameRef struct {
	order []*nirNode
	out   map[*nirNode][]float64
	v     map[*nirNode][]float64
	shape map[*nirNode][]int // output shapes
}

func newFrameRef(t testing.TB, p *nirParser) *frameRef {
	t.Helper()
	r := &frameRef{out: map[*nirNode][]float64{}, v: map[*nirNode][]float64{}, shape: map[*nirNode][]int{}}
	// Kahn's order over the edges.
	indeg := map[*nirNode]int{}
	for _, n := range p.nodes {
		indeg[n] = len(n.ins)
	}
	var ready []*nirNode
	for _, n := range p.nodes {
		if indeg[n] == 0 {
			ready = append(ready, n)
		}
	}
	for len(ready) > 0 {
		n := ready[0]
		ready = ready[1:]
		r.order = append(r.order, n)
		for _, o := range n.outs {
			if indeg[o]--; indeg[o] == 0 {
				ready = append(ready, o)
			}
		}
	}
	if len(r.order) != len(p.nodes) {
		t.Fatal("frame reference: the graph has a cycle")
	}
	for _, n := range r.order {
		var in []int
		if len(n.ins) > 0 {
			in = r.shape[n.ins[0]]
		}
		switch {
		case n.typ == "Input" || n.isNeuron():
			if n.typ != "Input" && n.typ != "IF" {
				t.Fatalf("frame reference: node %q (%s) not supported", n.name, n.typ)
			}
			r.shape[n] = n.outShape()
			r.v[n] = make([]float64, n.size)
		case n.typ == "Output":
			r.shape[n] = in
		default:
			out, err := p.opShape(n, in, n.ins[0].name)
			if err != nil {
				t.Fatal(err)
			}
			r.shape[n] = out
		}
	}
	return r
}

// step runs one frame with input x (per element of the first Input node,
// an event count) and returns the spikes of every neuron node.
func (r *frameRef) step(x []float64) map[*nirNode][]bool {
	spikes := map[*nirNode][]bool{}
	for _, n := range r.order {
		var in []float64
		for k, src := range n.ins {
			if k == 0 {
				in = slices.Clone(r.out[src])
				continue
			}
			for i, v := range r.out[src] {
				in[i] += v
			}
		}
		var out []float64
		switch {
		case n.typ == "Input":
			out = x
		case n.typ == "Output":
			out = in
		case n.typ == "IF":
			out = make([]float64, n.size)
			z := make([]bool, n.size)
			v := r.v[n]
			for i := range v {
				v[i] += n.r * in[i]
				if v[i] > n.vTh {
					z[i], out[i], v[i] = true, 1, n.vReset
				}
			}
			spikes[n] = z
		default:
			out = r.apply(n, r.shape[n.ins[0]], in)
		}
		r.out[n] = out
	}
	return spikes
}

// apply evaluates weight node n on input x of shape in.
func (r *frameRef) apply(n *nirNode, in []int, x []float64) []float64 {
	out := make([]float64, shapeProduct(r.shape[n]))
	switch {
	case n.typ == "Affine" || n.typ == "Linear":
		for i := range n.rows {
			s := 0.0
			if n.bias != nil {
				s = n.bias[i]
			}
			for j := range n.cols {
				s += n.weight[i*n.cols+j] * x[j]
			}
			out[i] = s
		}
	case n.conv != nil:
		c := n.conv
		H, W := in[len(in)-2], in[len(in)-1]
		if c.oneD {
			H, W = 1, in[1]
		}
		oh, ow := convOut(c, H, W)
		cout := c.out / c.groups
		for o := range c.out {
			for oy := range oh {
				for ox := range ow {
					s := 0.0
					if n.bias != nil {
						s = n.bias[o]
					}
					for ci := range c.in {
						ch := o/cout*c.in + ci
						for ky := range c.kernel[0] {
							y := oy*c.stride[0] - c.pad[0] + ky*c.dilation[0]
							for kx := range c.kernel[1] {
								xx := ox*c.stride[1] - c.pad[2] + kx*c.dilation[1]
								if y >= 0 && y < H && xx >= 0 && xx < W {
									s += n.weight[((o*c.in+ci)*c.kernel[0]+ky)*c.kernel[1]+kx] * x[(ch*H+y)*W+xx]
								}
							}
						}
					}
					out[(o*oh+oy)*ow+ox] = s
				}
			}
		}
	case n.pool != nil:
		pl := n.pool
		C, H, W := in[0], in[1], in[2]
		oh, ow := poolOut(pl, H, W)
		for ch := range C {
			for py := range oh {
				for px := range ow {
					s := 0.0
					for u := range pl.kernel[0] {
						for v := range pl.kernel[1] {
							y, xx := py*pl.stride[0]-pl.pad[0]+u, px*pl.stride[1]-pl.pad[1]+v
							if y >= 0 && y < H && xx >= 0 && xx < W {
								s += x[(ch*H+y)*W+xx]
							}
						}
					}
					if pl.average {
						s /= float64(pl.kernel[0] * pl.kernel[1])
					}
					out[(ch*oh+py)*ow+px] = s
				}
			}
		}
	case n.typ == "Scale":
		for i := range out {
			out[i] = x[i] * n.values[min(i, len(n.values)-1)]
		}
	default: // Flatten
		copy(out, x)
	}
	return out
}

// nirRefFixture parses a NIR fixture into its nodes and, separately, into
// a network.
func nirRefFixture(t testing.TB, name string) (*nirParser, *snn.Network) {
	t.Helper()
	path, data := nirFixture(t, name)
	f, err := hdf5.Open(data)
	if err != nil {
		t.Fatal(err)
	}
	p := &nirParser{file: path, byName: map[string]*nirNode{}}
	if err := p.readGraph(f); err != nil {
		t.Fatal(err)
	}
	net, err := NIROptions{Dt: 1}.Parse(path, data)
	if err != nil {
		t.Fatal(err)
	}
	return p, net
}

// nmnistCounts reads the N-MNIST sample as the run command does
// (--align first-event, polarity as channel) and returns the event count
// of every input element in every 1 ms tick, and the input spike times
// (a time per event) for a graded spike source.
func nmnistCounts(t testing.TB, h, w int) (counts [][]float64, times [][]float64) {
	t.Helper()
	path := filepath.Join(nirDir, "../events/sample_nmnist.bin")
	if _, err := os.Stat(path); err != nil {
		t.Skipf("event fixture %s absent: %v", path, err)
	}
	st, err := anyformat.LoadStimulus(path, anyformat.StimulusOptions{DtMs: 1})
	if err != nil {
		t.Fatal(err)
	}
	r := st.Info.Rule
	times = make([][]float64, 2*h*w)
	for k, a := range st.Addrs {
		x, y, pol := r.Pixel(a)
		i := (int(pol)*h+y)*w + x
		tick := int(st.Ticks[k])
		for len(counts) <= tick {
			counts = append(counts, make([]float64, 2*h*w))
		}
		counts[tick][i]++
		times[i] = append(times[i], float64(tick))
	}
	return counts, times
}

// layerSpikes lists the (tick, neuron) spikes of one population or node.
type layerSpikes map[string][][2]int

// cnnReference runs the frame reference of cnn_sinabs on the sample for
// frames frames and returns its spikes by node, and the depth of each
// neuron node (edges from the input counting neuron nodes only).
func cnnReference(t testing.TB, p *nirParser, counts [][]float64, frames int) (layerSpikes, map[string]int) {
	ref := newFrameRef(t, p)
	got := layerSpikes{}
	depth := map[string]int{}
	for _, n := range ref.order {
		d := 0
		for _, in := range n.ins {
			dd := depth[in.name]
			if in.isSource() {
				dd++
			}
			d = max(d, dd)
		}
		depth[n.name] = d
	}
	in := p.byName["input"]
	for f := range frames {
		x := make([]float64, in.size)
		if f < len(counts) {
			x = counts[f]
		}
		for n, z := range ref.step(x) {
			for i, s := range z {
				if s {
					got[n.name] = append(got[n.name], [2]int{f, i})
				}
			}
		}
	}
	return got, depth
}

// engineSpikes runs net on the event engine of the loihi preset and lists
// the spikes of every population, the ticks shifted back by shift[pop].
func engineSpikes(t testing.TB, net *snn.Network, ticks int, shift map[string]int) layerSpikes {
	t.Helper()
	g, err := net.Build()
	if err != nil {
		t.Fatal(err)
	}
	return graphSpikes(t, g, ticks, shift)
}

// graphSpikes is engineSpikes on a built graph.
func graphSpikes(t testing.TB, g *snn.Graph, ticks int, shift map[string]int) layerSpikes {
	t.Helper()
	net := g.Net
	arch, err := LoadArch("loihi")
	if err != nil {
		t.Fatal(err)
	}
	m, err := mapping.Map(g, arch, mapping.Sequential, 0)
	if err != nil {
		t.Fatal(err)
	}
	got := layerSpikes{}
	e, err := chip.NewEngine(g, arch, m, chip.Options{Mode: net.Mode, OnSpike: func(tick int64, id uint32) {
		pop := g.PopOf(int(id))
		name := net.Populations[pop].Name
		got[name] = append(got[name], [2]int{int(tick) - shift[name], int(id) - g.PopStart[pop]})
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	e.Run(ticks)
	for _, s := range got {
		slices.SortFunc(s, func(a, b [2]int) int {
			if a[0] != b[0] {
				return a[0] - b[0]
			}
			return a[1] - b[1]
		})
	}
	return got
}

// argmax returns the neuron with most spikes of n neurons, the first on a
// tie, and the counts.
func argmax(spikes [][2]int, n int) (int, []int) {
	c := make([]int, n)
	for _, s := range spikes {
		c[s[1]]++
	}
	best := 0
	for i := range c {
		if c[i] > c[best] {
			best = i
		}
	}
	return best, c
}

// TestNIRFrameReference runs cnn_sinabs on the N-MNIST sample on the event
// engine in float mode and on the frame reference, and holds them to the
// same spikes, neuron for neuron and frame for frame: the engine's layer
// at depth d (edges that end at neuron nodes, from the input) fires d
// ticks after the frame that caused it, since every edge takes a tick.
func TestNIRFrameReference(t *testing.T) {
	p, net := nirRefFixture(t, "cnn_sinabs.nir")
	counts, times := nmnistCounts(t, 34, 34)
	net.Populations[0].SpikeTimes = times
	frames := len(counts)
	ref, depth := cnnReference(t, p, counts, frames)
	shift := map[string]int{}
	maxDepth := 0
	for _, pop := range net.Populations {
		shift[pop.Name] = depth[pop.Name]
		maxDepth = max(maxDepth, depth[pop.Name])
	}
	eng := engineSpikes(t, net, frames+maxDepth, shift)
	for _, n := range p.nodes {
		if !n.isNeuron() {
			continue
		}
		if !slices.Equal(eng[n.name], ref[n.name]) {
			t.Errorf("node %q (depth %d): engine %d spikes, reference %d; first difference at %v", n.name, depth[n.name], len(eng[n.name]), len(ref[n.name]), firstDiff(eng[n.name], ref[n.name]))
		}
	}
	out := p.byName["output"].ins[0].name
	ea, ec := argmax(eng[out], 10)
	ra, rc := argmax(ref[out], 10)
	t.Logf("classification of the sample: engine %d %v, frame reference %d %v", ea, ec, ra, rc)
	if ea != ra {
		t.Errorf("engine classifies %d, reference %d", ea, ra)
	}
}

// TestNIRFirstLayer is the NIR paper's first-layer comparison: the Conv2d
// + IF layer of cnn_sinabs on the N-MNIST sample, evaluated frame by frame
// from the graph's nodes, against the event engine's first layer, spike
// for spike. Only the input and the first layer are kept in the network.
func TestNIRFirstLayer(t *testing.T) {
	p, net := nirRefFixture(t, "cnn_sinabs.nir")
	counts, times := nmnistCounts(t, 34, 34)
	first := p.byName["input"].outs[0].outs[0].name // input -> Conv2d -> IF
	keep := []snn.Population{}
	for _, pop := range net.Populations {
		if pop.Name == "input" || pop.Name == first {
			keep = append(keep, pop)
		}
	}
	var projs []snn.Projection
	for _, pr := range net.Projections {
		if pr.Pre == "input" && pr.Post == first {
			projs = append(projs, pr)
		}
	}
	if len(projs) != 1 || projs[0].Connector.Kind != snn.Convolution {
		t.Fatalf("first layer: projections %d, want one conv", len(projs))
	}
	net.Populations, net.Projections = keep, projs
	net.Populations[0].SpikeTimes = times
	// The reference too evaluates only the input and the first layer.
	in := p.byName["input"]
	p = &nirParser{file: p.file, nodes: []*nirNode{in, in.outs[0], in.outs[0].outs[0]}, byName: p.byName}
	ref, _ := cnnReference(t, p, counts, len(counts))
	eng := engineSpikes(t, net, len(counts)+1, map[string]int{first: 1})
	if len(ref[first]) == 0 || !slices.Equal(eng[first], ref[first]) {
		t.Errorf("first layer %q: engine %d spikes, reference %d; first difference at %v", first, len(eng[first]), len(ref[first]), firstDiff(eng[first], ref[first]))
	}
}

// TestNIRDenseAgreement holds the event engine and the dense reference to
// the same spikes on cnn_sinabs with the N-MNIST sample, per layer, in
// fixed mode (bit-exact by construction) and in float mode.
func TestNIRDenseAgreement(t *testing.T) {
	for _, mode := range []snn.Mode{snn.Fixed, snn.Float} {
		t.Run(mode.String(), func(t *testing.T) {
			_, net := nirRefFixture(t, "cnn_sinabs.nir")
			counts, times := nmnistCounts(t, 34, 34)
			net.Populations[0].SpikeTimes = times
			net.Mode = mode
			if mode == snn.Float && testing.Short() {
				t.Skip("the float run is the frame reference's ground; -short keeps the bit-exact fixed one")
			}
			ticks := len(counts) + 6
			g, err := net.Build()
			if err != nil {
				t.Fatal(err)
			}
			eng := graphSpikes(t, g, ticks, nil)
			arch, _ := LoadArch("loihi")
			sim, err := dense.New(g, dense.Options{Mode: mode, WeightBits: arch.WeightBits, SpikeRows: true})
			if err != nil {
				t.Fatal(err)
			}
			dn := layerSpikes{}
			sim.Run(ticks, func(tick int64, id uint32) {
				pop := g.PopOf(int(id))
				name := net.Populations[pop].Name
				dn[name] = append(dn[name], [2]int{int(tick), int(id) - g.PopStart[pop]})
			})
			for _, pop := range net.Populations {
				if len(eng[pop.Name]) != len(dn[pop.Name]) || !slices.Equal(eng[pop.Name], dn[pop.Name]) {
					t.Errorf("population %q: engine %d spikes, dense %d; first difference at %v", pop.Name, len(eng[pop.Name]), len(dn[pop.Name]), firstDiff(eng[pop.Name], dn[pop.Name]))
				}
			}
			out := net.Populations[net.PopulationIndex("12")].Size
			a, c := argmax(eng["12"], out)
			t.Logf("%s mode: engine and dense classify %d %v", mode, a, c)
		})
	}
}

func firstDiff(a, b [][2]int) string {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return fmt.Sprintf("spike %d: %v against %v", i, a[i], b[i])
		}
	}
	return fmt.Sprintf("spike %d (one list ends)", min(len(a), len(b)))
}
