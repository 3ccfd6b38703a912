package loader

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spindle-sim/spindle/loader/internal/hdf5"
	"github.com/spindle-sim/spindle/snn"
)

// nirSupported lists the NIR node types ParseNIR converts, for errors.
const nirSupported = "Input, Output, LIF, CubaLIF, IF, LI, CubaLI, I, Threshold, Affine, Linear, Scale, Conv1d, Conv2d, SumPool2d, AvgPool2d, Flatten, Delay, NIRGraph"

// Limits on what a NIR file may ask for, so that a malformed file cannot
// make the loader allocate without bound.
const (
	maxNIRSize = 1 << 22 // neurons in one node
	// maxNIRGroups bounds the populations one neuron node splits into.
	// Each is valid even of one neuron, but a weight node between two
	// split nodes makes a projection per pair of populations, and
	// snn.Network finds populations by name in linear time, so checking
	// and building the network grows with the product of the two.
	maxNIRGroups = 4096
	minNIRDt     = 1e-6 // ms; the smallest tick the automatic choice goes down to
)

// NIROptions controls the conversion of a NIR graph into a network.
type NIROptions struct {
	// Dt is the tick in ms. Zero chooses 1 ms, or if a time constant of the
	// graph is shorter, the largest of 0.1, 0.01, ... ms not above it:
	// NIR graphs carry no time step, and a tick longer than a time constant
	// would skip the dynamics it describes.
	Dt float64
}

// LoadNIR reads a NIR graph file (HDF5) as a network; see ParseNIR.
func LoadNIR(path string) (*snn.Network, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("loader: %w", err)
	}
	return ParseNIR(path, data)
}

// ParseNIR converts a NIR graph with default options; filename is used in
// error messages and, without its extension, as the network name.
func ParseNIR(filename string, data []byte) (*snn.Network, error) {
	return NIROptions{}.Parse(filename, data)
}

// Parse converts a NIR graph: Input nodes become spike sources without
// spikes (to be driven with a stimulus), LIF, CubaLIF and IF nodes become
// LIF populations, and Affine and Linear nodes between them become
// projections with explicit weights; an Affine bias becomes a source firing
// on every tick. The mapping is described in docs/nir.md.
func (o NIROptions) Parse(filename string, data []byte) (*snn.Network, error) {
	n, err := o.parse(filename, data)
	if err != nil && strings.ContainsAny(err.Error(), "\r\n") {
		// Names in the file may hold line breaks; errors stay on one line.
		return nil, errors.New(oneLine(err.Error()))
	}
	return n, err
}

func (o NIROptions) parse(filename string, data []byte) (*snn.Network, error) {
	if o.Dt < 0 || math.IsNaN(o.Dt) || math.IsInf(o.Dt, 0) {
		return nil, fmt.Errorf("loader: %s: dt %v ms: expected a positive time step", filename, o.Dt)
	}
	p := &nirParser{file: filename, byName: map[string]*nirNode{}}
	f, err := hdf5.Open(data)
	if err != nil {
		return nil, fmt.Errorf("loader: %s: %w", filename, err)
	}
	if err := p.readGraph(f); err != nil {
		return nil, err
	}
	dt := o.Dt
	if dt == 0 {
		dt = p.chooseDt()
	}
	base := filepath.Base(filename)
	n := &snn.Network{Name: strings.TrimSuffix(base, filepath.Ext(base)), Dt: dt, Seed: 1, Mode: snn.Float}
	if err := p.build(n); err != nil {
		return nil, err
	}
	if err := n.Validate(); err != nil {
		return nil, fmt.Errorf("loader: %s: %w", filename, err)
	}
	return n, nil
}

// nirParams is the parameter set of a neuron in NIR units (seconds,
// dimensionless voltages).
type nirParams struct {
	tau, tauSyn, r, vLeak, vTh, vReset, wIn float64
}

// nirGroup is a run of neurons of one node sharing a parameter set: one
// snn population.
type nirGroup struct {
	nirParams
	size int
}

// nirNode is one node of the graph.
type nirNode struct {
	name, typ string
	size      int   // neurons, for inputs and neurons
	shape     []int // of an Input's or neuron node's output; nil: [size]

	// inner marks the Input and Output nodes of a nested graph, which
	// pass their input on unchanged.
	inner bool

	// Neurons: the parameters of every neuron, or when they differ, of
	// the first group. A population shares one snn.Neuron, so a neuron
	// node whose per-neuron parameters differ is split into groups of
	// equal parameters, in order of first appearance; neuron i becomes
	// neuron index[i] of group group[i]. groups is nil for a node that
	// is not split.
	nirParams
	groups       []nirGroup
	group, index []int

	// Affine and Linear: weight[i*cols+j] from input j to output i.
	// Conv1d and Conv2d: the kernel, bias per output channel.
	weight     []float64
	rows, cols int
	bias       []float64
	conv       *nirConv
	pool       *nirPool
	flatten    *nirFlatten
	// Scale: the factors; Delay: the delays in s. One value applies to
	// every element.
	values []float64

	ins, outs []*nirNode
}

// isNeuron reports whether n has state: it becomes a population.
func (n *nirNode) isNeuron() bool {
	switch n.typ {
	case "LIF", "CubaLIF", "IF", "LI", "CubaLI", "I", "Threshold":
		return true
	}
	return false
}

// spikes reports whether a node's output is spikes; LI, CubaLI and I
// output their voltage.
func (n *nirNode) spikes() bool { return n.typ != "LI" && n.typ != "CubaLI" && n.typ != "I" }

// isWeight reports whether n is a stateless linear map of its input:
// synapses, composed along chains of such nodes.
func (n *nirNode) isWeight() bool {
	switch n.typ {
	case "Affine", "Linear", "Conv1d", "Conv2d", "SumPool2d", "AvgPool2d", "Flatten", "Scale", "Delay":
		return true
	}
	return n.inner
}

// isSource reports whether n emits spikes into the graph.
func (n *nirNode) isSource() bool { return (n.isNeuron() || n.typ == "Input") && !n.inner }

// outShape returns the shape of a source node's output.
func (n *nirNode) outShape() []int {
	if n.shape != nil {
		return n.shape
	}
	return []int{n.size}
}

// pops returns the groups of node n, one per population it becomes.
func (n *nirNode) pops() []nirGroup {
	if n.groups == nil {
		return []nirGroup{{nirParams: n.nirParams, size: n.size}}
	}
	return n.groups
}

// popName returns the name of the population of group g of node n: the
// node's own name unless the node is split.
func (n *nirNode) popName(g int) string {
	if n.groups == nil {
		return n.name
	}
	return fmt.Sprintf("%s#%d", n.name, g)
}

// locate returns the group of neuron i of node n and its index there.
func (n *nirNode) locate(i int) (g, k int) {
	if n.groups == nil {
		return 0, i
	}
	return n.group[i], n.index[i]
}

type nirParser struct {
	file   string
	nodes  []*nirNode // in file order
	byName map[string]*nirNode
	graphs []string // the names of nested graphs
	dt     float64  // ms, once chosen

	biasPop map[*nirNode]string // the bias source population of a weight node
}

func (p *nirParser) errf(format string, args ...any) error {
	return fmt.Errorf("loader: %s: "+format, append([]any{p.file}, args...)...)
}

// nodeErr reports a problem with node n, and with one of its fields unless
// field is empty.
func (p *nirParser) nodeErr(n *nirNode, field, format string, args ...any) error {
	if field == "" {
		return fmt.Errorf("loader: %s: node %q (%s): "+format, append([]any{p.file, n.name, n.typ}, args...)...)
	}
	return fmt.Errorf("loader: %s: node %q (%s): field %q: "+format, append([]any{p.file, n.name, n.typ, field}, args...)...)
}

func (p *nirParser) readGraph(f *hdf5.File) error {
	root, err := f.Root()
	if err != nil {
		return p.errf("%w", err)
	}
	g, err := root.Group("node")
	if err != nil {
		return p.errf("not a NIR file: %w", err)
	}
	if typ, err := readString(g, "type"); err != nil {
		return p.errf("%w", err)
	} else if typ != "NIRGraph" {
		return p.errf("node: type %q: expected the top-level node to be a NIRGraph", typ)
	}
	return p.readSubgraph(g, "", 0)
}

// maxNIRDepth bounds the nesting of NIRGraph nodes, and maxNIRNodes the
// nodes of all graphs together: a file may link one group from many
// places, which nesting would otherwise multiply.
const (
	maxNIRDepth = 16
	maxNIRNodes = 1 << 16
)

// readSubgraph reads the nodes and edges of graph g, whose node names
// take prefix. A nested NIRGraph's nodes are named "<graph>.<node>"; its
// Input and Output nodes pass their input on, and an edge to or from the
// graph's own name reaches its single Input or leaves its single Output.
func (p *nirParser) readSubgraph(g *hdf5.Group, prefix string, depth int) error {
	nodes, err := g.Group("nodes")
	if err != nil {
		return p.errf("%w", err)
	}
	for _, member := range nodes.Members() {
		if len(p.nodes)+len(p.graphs) >= maxNIRNodes {
			return p.errf("more than %d nodes in the graph and its nested graphs", maxNIRNodes)
		}
		name := prefix + member
		ng, err := nodes.Group(member)
		if err != nil {
			return p.errf("node %q: %w", name, err)
		}
		typ, err := readString(ng, "type")
		if err != nil {
			return p.errf("node %q: %w", name, err)
		}
		if typ == "NIRGraph" {
			if depth+1 >= maxNIRDepth {
				return p.errf("node %q (NIRGraph): graphs nested more than %d deep", name, maxNIRDepth)
			}
			if p.byName[name] != nil {
				return p.errf("node %q: defined twice", name)
			}
			p.graphs = append(p.graphs, name)
			if err := p.readSubgraph(ng, name+".", depth+1); err != nil {
				return err
			}
			continue
		}
		n := &nirNode{name: name, typ: typ, inner: prefix != "" && (typ == "Input" || typ == "Output")}
		if err := p.readNode(n, ng); err != nil {
			return err
		}
		if p.byName[name] != nil {
			return p.errf("node %q: defined twice", name)
		}
		p.nodes = append(p.nodes, n)
		p.byName[name] = n
	}
	edges, err := readEdges(g)
	if err != nil {
		return p.errf("%w", err)
	}
	for _, e := range edges {
		src, err := p.endpoint(prefix+e[0], "Output", e)
		if err != nil {
			return err
		}
		dst, err := p.endpoint(prefix+e[1], "Input", e)
		if err != nil {
			return err
		}
		src.outs = append(src.outs, dst)
		dst.ins = append(dst.ins, src)
	}
	return nil
}

// endpoint resolves a node name of edge e: a node, or a nested graph's
// single node of type typ (its Input as a destination, its Output as a
// source).
func (p *nirParser) endpoint(name, typ string, e [2]string) (*nirNode, error) {
	if n := p.byName[name]; n != nil {
		return n, nil
	}
	if !slices.Contains(p.graphs, name) {
		return nil, p.errf("edge %q -> %q: unknown node %q", e[0], e[1], name)
	}
	var found *nirNode
	for _, n := range p.nodes {
		if n.typ == typ && n.inner && strings.HasPrefix(n.name, name+".") && !strings.Contains(n.name[len(name)+1:], ".") {
			if found != nil {
				return nil, p.errf("edge %q -> %q: graph %q has several %s nodes: name one as %q", e[0], e[1], name, typ, found.name)
			}
			found = n
		}
	}
	if found == nil {
		return nil, p.errf("edge %q -> %q: graph %q has no %s node", e[0], e[1], name, typ)
	}
	return found, nil
}

// readString reads a scalar string dataset.
func readString(g *hdf5.Group, name string) (string, error) {
	d, err := g.Dataset(name)
	if err != nil {
		return "", err
	}
	s, _, err := d.Strings()
	if err != nil {
		return "", err
	}
	if len(s) != 1 {
		return "", fmt.Errorf("%s: %d strings, expected one", d.Path(), len(s))
	}
	return s[0], nil
}

// readEdges reads the edge list, stored either as an [n, 2] string dataset
// (NIR up to 1.0) or as a group of "src" and "dst" datasets.
func readEdges(g *hdf5.Group) ([][2]string, error) {
	isGroup, err := g.IsGroup("edges")
	if err != nil {
		return nil, err
	}
	var src, dst []string
	if isGroup {
		eg, err := g.Group("edges")
		if err != nil {
			return nil, err
		}
		for _, f := range []struct {
			name string
			out  *[]string
		}{{"src", &src}, {"dst", &dst}} {
			d, err := eg.Dataset(f.name)
			if err != nil {
				return nil, err
			}
			if *f.out, _, err = d.Strings(); err != nil {
				return nil, err
			}
		}
		if len(src) != len(dst) {
			return nil, fmt.Errorf("%s: %d sources but %d destinations", eg.Path(), len(src), len(dst))
		}
	} else {
		d, err := g.Dataset("edges")
		if err != nil {
			return nil, err
		}
		s, shape, err := d.Strings()
		if err != nil {
			return nil, err
		}
		if len(s) > 0 && (len(shape) != 2 || shape[1] != 2) {
			return nil, fmt.Errorf("%s: shape %v: expected [edges, 2]", d.Path(), shape)
		}
		for i := 0; i+1 < len(s); i += 2 {
			src, dst = append(src, s[i]), append(dst, s[i+1])
		}
	}
	edges := make([][2]string, len(src))
	for i := range edges {
		edges[i] = [2]string{src[i], dst[i]}
	}
	return edges, nil
}

// readNode reads the parameters of one node.
func (p *nirParser) readNode(n *nirNode, g *hdf5.Group) error {
	var err error
	switch n.typ {
	case "Input", "Output":
		if n.typ == "Output" && (g == nil || !g.Has("shape")) {
			return nil
		}
		n.size, err = p.shapeSize(n, g)
	case "LIF":
		err = p.params(n, g, []param{
			{"tau", &n.tau, true, 0, true}, {"r", &n.r, true, 0, false}, {"v_leak", &n.vLeak, true, 0, false},
			{"v_threshold", &n.vTh, true, 0, false}, {"v_reset", &n.vReset, false, 0, false},
		})
	case "CubaLIF":
		err = p.params(n, g, []param{
			{"tau_mem", &n.tau, true, 0, true}, {"tau_syn", &n.tauSyn, true, 0, true}, {"r", &n.r, true, 0, false},
			{"v_leak", &n.vLeak, true, 0, false}, {"v_threshold", &n.vTh, true, 0, false},
			{"v_reset", &n.vReset, false, 0, false}, {"w_in", &n.wIn, false, 1, false},
		})
	case "IF":
		err = p.params(n, g, []param{
			{"r", &n.r, true, 0, false}, {"v_threshold", &n.vTh, true, 0, false}, {"v_reset", &n.vReset, false, 0, false},
		})
	case "LI":
		err = p.params(n, g, []param{
			{"tau", &n.tau, true, 0, true}, {"r", &n.r, true, 0, false}, {"v_leak", &n.vLeak, true, 0, false},
		})
	case "CubaLI":
		err = p.params(n, g, []param{
			{"tau_mem", &n.tau, true, 0, true}, {"tau_syn", &n.tauSyn, true, 0, true}, {"r", &n.r, true, 0, false},
			{"v_leak", &n.vLeak, true, 0, false}, {"w_in", &n.wIn, false, 1, false},
		})
	case "I":
		err = p.params(n, g, []param{{"r", &n.r, true, 0, false}})
	case "Threshold":
		err = p.params(n, g, []param{{"threshold", &n.vTh, true, 0, false}})
	case "Affine", "Linear":
		err = p.weights(n, g)
	case "Conv1d", "Conv2d":
		err = p.readConv(n, g)
	case "SumPool2d", "AvgPool2d":
		err = p.readPool(n, g)
	case "Flatten":
		err = p.readFlatten(n, g)
	case "Scale":
		n.values, err = p.finiteArray(n, g, "scale", false)
	case "Delay":
		n.values, err = p.finiteArray(n, g, "delay", true)
	default:
		return p.nodeErr(n, "", "unsupported node type (supported: %s)", nirSupported)
	}
	return err
}

// param names a neuron parameter, where it goes and its default.
type param struct {
	name     string
	dst      *float64 // a field of the node's nirParams
	required bool
	def      float64
	timeCon  bool // a time constant, which must be positive
}

// params reads neuron parameters. An array of one element applies to every
// neuron; longer arrays hold one value per neuron and agree in length.
// Neurons whose values differ are grouped by params' call to split.
func (p *nirParser) params(n *nirNode, g *hdf5.Group, ps []param) error {
	arrays := make([][]float64, len(ps)) // the arrays that differ per neuron
	for k, pr := range ps {
		*pr.dst = pr.def
		if !g.Has(pr.name) {
			if pr.required {
				return p.nodeErr(n, pr.name, "missing")
			}
			continue
		}
		v, shape, err := p.floatsShape(n, g, pr.name)
		if err != nil {
			return err
		}
		if len(v) > 1 && n.shape == nil && len(shape) > 1 {
			n.shape = shape
		}
		if len(v) == 0 {
			return p.nodeErr(n, pr.name, "empty array")
		}
		for i, x := range v {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return p.nodeErr(n, pr.name, "element %d is %v: expected a finite number", i, x)
			}
			if pr.timeCon && !(x > 0) {
				if len(v) == 1 {
					return p.nodeErr(n, pr.name, "%v s: expected a positive time constant", x)
				}
				return p.nodeErr(n, pr.name, "element %d is %v s: expected a positive time constant", i, x)
			}
			if x != v[0] {
				arrays[k] = v
			}
		}
		*pr.dst = v[0]
		switch {
		case len(v) == 1:
		case n.size == 0 || n.size == 1:
			n.size = len(v)
		case len(v) != n.size:
			return p.nodeErr(n, pr.name, "%d elements, expected %d like the other parameters", len(v), n.size)
		}
	}
	if n.size == 0 {
		n.size = 1
	}
	if n.shape != nil && shapeProduct(n.shape) != n.size {
		n.shape = nil
	}
	return p.split(n, ps, arrays)
}

// split groups the neurons of n by their parameter sets, given the arrays
// of ps that differ per neuron (nil for the others, whose value is already
// in place). It leaves n unsplit when no array differs.
func (p *nirParser) split(n *nirNode, ps []param, arrays [][]float64) error {
	varies := false
	for _, v := range arrays {
		varies = varies || v != nil
	}
	if !varies {
		return nil
	}
	seen := map[nirParams]int{} // group of each parameter set
	n.group, n.index = make([]int, n.size), make([]int, n.size)
	for i := range n.size {
		// The destinations of ps are the fields of n.nirParams: fill in
		// neuron i's values there, then read the whole set.
		for k, v := range arrays {
			if v != nil {
				*ps[k].dst = v[i]
			}
		}
		g, ok := seen[n.nirParams]
		if !ok {
			if len(n.groups) == maxNIRGroups {
				return p.nodeErr(n, "", "more than %d distinct per-neuron parameter sets, each of which would be a population", maxNIRGroups)
			}
			g = len(n.groups)
			seen[n.nirParams] = g
			n.groups = append(n.groups, nirGroup{nirParams: n.nirParams})
		}
		n.group[i], n.index[i] = g, n.groups[g].size
		n.groups[g].size++
	}
	n.nirParams = n.groups[0].nirParams
	return nil
}

func (p *nirParser) floats(n *nirNode, g *hdf5.Group, field string) ([]float64, error) {
	v, _, err := p.floatsShape(n, g, field)
	return v, err
}

// floatsShape reads a numeric dataset and its shape.
func (p *nirParser) floatsShape(n *nirNode, g *hdf5.Group, field string) ([]float64, []int, error) {
	d, err := g.Dataset(field)
	if err != nil {
		return nil, nil, p.nodeErr(n, field, "%w", err)
	}
	v, shape, err := d.Float64s()
	if err != nil {
		return nil, nil, p.nodeErr(n, field, "%w", err)
	}
	return v, shape, nil
}

// shapeProduct returns the number of elements of an array of shape s.
func shapeProduct(s []int) int {
	n := 1
	for _, d := range s {
		n *= d
	}
	return n
}

// shapeSize reads an Input node's shape; a multi-dimensional input is
// flattened in row-major order.
func (p *nirParser) shapeSize(n *nirNode, g *hdf5.Group) (int, error) {
	shape, err := p.floats(n, g, "shape")
	if err != nil {
		return 0, err
	}
	size := 1
	n.shape = nil
	for _, d := range shape {
		if d != math.Trunc(d) || d < 1 || float64(size)*d > maxNIRSize {
			return 0, p.nodeErr(n, "shape", "%v: expected positive whole dimensions of at most %d elements in all", shape, maxNIRSize)
		}
		size *= int(d)
		n.shape = append(n.shape, int(d))
	}
	if len(n.shape) < 2 {
		n.shape = nil
	}
	return size, nil
}

// weights reads an Affine or Linear node's [out, in] weight matrix and
// bias.
func (p *nirParser) weights(n *nirNode, g *hdf5.Group) error {
	d, err := g.Dataset("weight")
	if err != nil {
		return p.nodeErr(n, "weight", "%w", err)
	}
	w, shape, err := d.Float64s()
	if err != nil {
		return p.nodeErr(n, "weight", "%w", err)
	}
	if len(shape) != 2 {
		return p.nodeErr(n, "weight", "shape %v: expected a matrix [out, in]", shape)
	}
	for i, x := range w {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return p.nodeErr(n, "weight", "element %d is %v: expected a finite number", i, x)
		}
	}
	n.weight, n.rows, n.cols = w, shape[0], shape[1]
	if n.typ == "Affine" && g.Has("bias") {
		if n.bias, err = p.floats(n, g, "bias"); err != nil {
			return err
		}
		if len(n.bias) != n.rows {
			return p.nodeErr(n, "bias", "%d elements, expected %d (the weight matrix's rows)", len(n.bias), n.rows)
		}
		for i, x := range n.bias {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return p.nodeErr(n, "bias", "element %d is %v: expected a finite number", i, x)
			}
		}
	}
	return nil
}

// chooseDt returns 1 ms, or a power-of-ten fraction of it no longer than
// the graph's shortest time constant.
func (p *nirParser) chooseDt() float64 {
	dt := 1.0
	for _, n := range p.nodes {
		for _, g := range n.pops() {
			for _, tau := range []float64{g.tau, g.tauSyn} {
				for tau > 0 && tau*1000 < dt && dt > minNIRDt {
					dt /= 10
				}
			}
		}
	}
	return dt
}

// synapses collects the synapses from node pre to node post as explicit
// lists, one per pair of their populations that has any, in order of each
// pair's first synapse. A synapse between neurons of split nodes is
// re-indexed to the neurons' positions in their groups, and its NIR weight
// is scaled by the factor of the target's group, which holds the target
// neuron's own parameters.
type synapses struct {
	pre, post *nirNode
	scale     []float64 // by group of post
	pair      map[[2]int]int
	pairs     [][2]int // groups of pre and post
	lists     [][]snn.Conn
	dt        float64 // ms, for delays
}

func newSynapses(pre, post *nirNode, scale []float64) *synapses {
	s := &synapses{pre: pre, post: post, scale: scale, pair: map[[2]int]int{}}
	if pre.groups == nil && post.groups == nil {
		// Between unsplit nodes there is one projection even without
		// synapses, as for every edge of the graph.
		s.pair[[2]int{0, 0}] = 0
		s.pairs, s.lists = [][2]int{{0, 0}}, make([][]snn.Conn, 1)
	}
	return s
}

// add adds a synapse of NIR weight w from neuron i of pre to neuron j of
// post.
func (s *synapses) add(i, j int, w float64) { s.addDelayed(i, j, w, 0) }

// addDelayed adds a synapse with d ticks of delay beyond the one every
// edge takes.
func (s *synapses) addDelayed(i, j int, w float64, d int) {
	gi, ki := s.pre.locate(i)
	gj, kj := s.post.locate(j)
	k, ok := s.pair[[2]int{gi, gj}]
	if !ok {
		k = len(s.pairs)
		s.pair[[2]int{gi, gj}] = k
		s.pairs, s.lists = append(s.pairs, [2]int{gi, gj}), append(s.lists, nil)
	}
	c := snn.Conn{Pre: ki, Post: kj, Weight: w * s.scale[gj], HasWeight: true}
	if d > 0 {
		c.Delay, c.HasDelay = float64(1+d)*s.dt, true
	}
	s.lists[k] = append(s.lists[k], c)
}

// project adds the projections, named by name from the names of the two
// populations.
func (s *synapses) project(net *snn.Network, name func(pre, post string) string) {
	for k, g := range s.pairs {
		pre, post := s.pre.popName(g[0]), s.post.popName(g[1])
		addProjection(net, name(pre, post), pre, post, s.lists[k])
	}
}

// addBias gives the neurons of post the constant input of weight node n's
// bias; scale is by group of post. A population shares one snn.Neuron, so
// its Bias cannot hold a per-neuron value; instead a source neuron firing
// on every tick projects onto neuron i with the weight of a spike of NIR
// weight bias[i]. Under the loader's convention a spike is a one-tick
// pulse of unit height, so a spike on every tick is exactly a constant
// input: the bias reaches the neurons as the discrete-time simulators that
// export NIR add it, in step with the weights. Uniform biases take the
// same path, so that there is one convention for every neuron type.
func (p *nirParser) addBias(net *snn.Network, n, post *nirNode, bias, scale []float64, named bool) {
	if !slices.ContainsFunc(bias, func(b float64) bool { return b != 0 }) {
		return
	}
	if p.biasPop == nil {
		p.biasPop = map[*nirNode]string{}
	}
	src, ok := p.biasPop[n]
	if !ok {
		// Node names may hold dots (PyTorch module paths such as
		// "lif1.lif"), so "<node>.bias" may be taken.
		src = n.name + ".bias"
		for k := 2; p.byName[src] != nil || net.PopulationIndex(src) >= 0; k++ {
			src = fmt.Sprintf("%s.bias%d", n.name, k)
		}
		p.biasPop[n] = src
		// Appended after the Input populations, so that --stimulus still
		// drives the first Input.
		net.Populations = append(net.Populations, snn.Population{
			Name: src, Size: 1, Kind: snn.Poisson, RateHz: everyTickHz(net.Dt),
		})
	}
	// The source is a one-neuron node that is never split.
	s := &synapses{pre: &nirNode{name: src, size: 1}, post: post, scale: scale, pair: map[[2]int]int{}}
	for i, b := range bias {
		if b != 0 {
			s.add(0, i, b)
		}
	}
	named = named || post.groups != nil
	s.project(net, func(pre, post string) string {
		if named {
			return pre + "->" + post
		}
		return pre
	})
}

// everyTickHz returns the smallest rate whose per-tick probability, as
// snn.Graph.PoissonP computes it, is at least one: a Poisson source then
// fires on every tick from tick 0, with no randomness (see
// snn.PoissonInterval). 1000/dt alone may round to a probability just
// below one.
func everyTickHz(dt float64) float64 {
	r := 1000 / dt
	for r*dt/1000 < 1 {
		r = math.Nextafter(r, math.Inf(1))
	}
	return r
}

// addProjection adds a static projection of explicit synapses with one tick
// of delay, the shortest the engine has.
func addProjection(net *snn.Network, name, pre, post string, list []snn.Conn) {
	net.Projections = append(net.Projections, snn.Projection{
		Name: name, Pre: pre, Post: post,
		Connector: snn.Connector{Kind: snn.FromList, List: list},
		Delay:     snn.Const(net.Dt),
	})
}
