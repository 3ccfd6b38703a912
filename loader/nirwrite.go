package loader

import (
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"

	"github.com/spindle-sim/spindle/loader/internal/hdf5"
	"github.com/spindle-sim/spindle/snn"
)

// nirVersion is the NIR format version written: the layout of NIR 0.2
// to 1.0 files (edges as an [n, 2] string dataset), which the reader
// reads and which the NIR fixtures use.
const nirVersion = "0.2.0"

// nirWritten lists the NIR node types the writer writes. A source graph
// with others is refused: its network could be written, but not as the
// source's nodes.
var nirWritten = []string{"Input", "Output", "LIF", "CubaLIF", "IF", "LI", "CubaLI", "I", "Threshold",
	"Affine", "Linear", "Conv1d", "Conv2d", "SumPool2d", "AvgPool2d", "Flatten", "Scale", "Delay"}

// NIRWriteOptions controls the export of a network as a NIR graph.
type NIRWriteOptions struct {
	// Source, if not nil, is the NIR file (HDF5 bytes) the network was
	// read from, and SourceName its name for errors. A network does not
	// hold everything a NIR graph does: the writer takes from the source
	// the factorisation of the weights into r, w_in and w (a network holds
	// only their product), whether a weight node was an Affine or a
	// Linear, the shapes of Input and Output nodes, the Output nodes, the
	// format version and whether a field was stored as float32. Every
	// parameter value comes from the network. Without a source the writer
	// uses r = 1 and, for CubaLIF, w_in = tau_syn/dt, so that a NIR weight
	// is the network's weight in mV (see docs/nir.md).
	Source     []byte
	SourceName string
	// DropRefractory writes neurons with a refractory period (t_ref) as
	// NIR neurons without one, which changes their dynamics; without it
	// such a population is an error.
	DropRefractory bool
}

// EncodeNIR returns net as a NIR graph with default options.
func EncodeNIR(net *snn.Network) ([]byte, error) { return NIRWriteOptions{}.Encode(net) }

// Encode returns net as a NIR graph (an HDF5 file), the inverse of the
// reader's mapping (docs/nir.md): spike_source populations become Input
// nodes, LIF populations LIF, CubaLIF or IF nodes with per-neuron
// parameters, projections Linear (or Affine) nodes with the dense [post,
// pre] weight matrix of the synapses the network builds, and a poisson
// population firing on every tick the bias of the Affine nodes it
// projects into. What NIR's node types cannot express (a refractory
// period, plasticity, a delay longer than one tick, a random source, ...)
// is an error naming the population or projection and the field. What
// is a stimulus or an initial state rather than the network (spike times,
// the rate of a poisson population, which becomes an Input, and v_init)
// is left out; ConvertToNIR reports it.
func (o NIRWriteOptions) Encode(net *snn.Network) ([]byte, error) {
	return o.encode(&nirWriter{net: net, nodes: map[string]*hdf5.Tree{}, dropTRef: o.DropRefractory})
}

func (o NIRWriteOptions) encode(w *nirWriter) ([]byte, error) {
	net := w.net
	if o.Source != nil {
		src, err := readNIRSource(o.SourceName, o.Source)
		if err != nil {
			return nil, err
		}
		w.src = src
		w.notes = append(w.notes, src.notes...)
	}
	if err := w.build(); err != nil {
		return nil, err
	}
	version := nirVersion
	if w.src != nil && w.src.version != "" {
		version = w.src.version
	}
	edges := make([]string, 0, 2*len(w.edges))
	for _, e := range w.edges {
		edges = append(edges, e[0], e[1])
	}
	tree := &hdf5.Tree{
		Datasets: map[string]*hdf5.Data{"version": nirString(version)},
		Groups: map[string]*hdf5.Tree{"node": {
			Datasets: map[string]*hdf5.Data{
				"type":  nirString("NIRGraph"),
				"edges": {Shape: []int{len(w.edges), 2}, Strings: edges},
			},
			Groups: map[string]*hdf5.Tree{"nodes": {Groups: w.nodes}},
		}},
	}
	data, err := hdf5.Encode(tree)
	if err != nil {
		return nil, fmt.Errorf("loader: NIR export of %s: %w", net.Name, err)
	}
	return data, nil
}

func nirString(s string) *hdf5.Data { return &hdf5.Data{Strings: []string{s}} }

// nirSource is what the writer takes from the NIR file a network was read
// from.
type nirSource struct {
	version string
	nodes   map[string]*nirNode
	order   []*nirNode
	f32     map[string]bool     // "node/field" stored as float32
	shapes  map[string][]int    // "node/field" dimensions
	edges   map[string][]string // Output node -> its sources
	dims    map[string][]int64  // the shape of an Input or Output node
	// raw holds the weight nodes other than Affine and Linear as the file
	// stores them, written back as they are where a network's projection
	// is exactly their chain's; p is the parser that read them, whose
	// composition of chains the writer checks against.
	raw   map[string]*hdf5.Tree
	p     *nirParser
	notes []string // what could not be taken from it
}

func readNIRSource(name string, data []byte) (*nirSource, error) {
	if name == "" {
		name = "NIR source"
	}
	p := &nirParser{file: name, byName: map[string]*nirNode{}}
	f, err := hdf5.Open(data)
	if err != nil {
		return nil, fmt.Errorf("loader: %s: %w", name, err)
	}
	if err := p.readGraph(f); err != nil {
		return nil, err
	}
	s := &nirSource{nodes: p.byName, order: p.nodes, f32: map[string]bool{}, shapes: map[string][]int{},
		edges: map[string][]string{}, dims: map[string][]int64{}, raw: map[string]*hdf5.Tree{}, p: p}
	root, err := f.Root()
	if err != nil {
		return nil, fmt.Errorf("loader: %s: %w", name, err)
	}
	if root.Has("version") {
		// The reader does not read the version: one it cannot read is
		// written as the writer's.
		if s.version, err = readString(root, "version"); err != nil {
			s.notes = append(s.notes, fmt.Sprintf("the version of %s is unreadable (%v): written as %s", name, err, nirVersion))
			s.version = ""
		}
	}
	g, err := root.Group("node")
	if err != nil {
		return nil, fmt.Errorf("loader: %s: %w", name, err)
	}
	nodes, err := g.Group("nodes")
	if err != nil {
		return nil, fmt.Errorf("loader: %s: %w", name, err)
	}
	top := map[string]bool{}
	for _, m := range nodes.Members() {
		top[m] = true
	}
	for _, n := range p.nodes {
		if !slices.Contains(nirWritten, n.typ) {
			return nil, fmt.Errorf("loader: %s: node %q (%s): the NIR writer does not write this node type yet (it writes %s)", name, n.name, n.typ, strings.Join(nirWritten, ", "))
		}
		if !top[n.name] {
			// A node of a nested graph: its neurons are written as top-level
			// nodes, and a chain through it as one weight node.
			continue
		}
		ng, err := nodes.Group(n.name)
		if err != nil {
			return nil, fmt.Errorf("loader: %s: %w", name, err)
		}
		if n.isWeight() && n.typ != "Affine" && n.typ != "Linear" {
			var skipped []string
			s.raw[n.name], skipped = copyNIRGroup(ng)
			for _, f := range skipped {
				s.notes = append(s.notes, fmt.Sprintf("field %q of node %q of %s is unreadable and not one the reader uses: left out", f, n.name, name))
			}
		}
		for _, field := range ng.Members() {
			if ok, err := ng.IsGroup(field); err != nil || ok {
				continue
			}
			d, err := ng.Dataset(field)
			if err != nil {
				// The reader has read every field it uses.
				s.notes = append(s.notes, fmt.Sprintf("field %q of node %q of %s is unreadable and not one the reader uses: left out", field, n.name, name))
				continue
			}
			key := n.name + "/" + field
			s.f32[key], s.shapes[key] = d.IsFloat32(), d.Shape()
			if field == "shape" && (n.typ == "Input" || n.typ == "Output") {
				v, _, err := d.Float64s()
				if err != nil {
					return nil, fmt.Errorf("loader: %s: node %q: %w", name, n.name, err)
				}
				for _, x := range v {
					s.dims[n.name] = append(s.dims[n.name], int64(x))
				}
			}
		}
		for _, in := range n.ins {
			if n.typ == "Output" {
				s.edges[n.name] = append(s.edges[n.name], in.name)
			}
		}
	}
	return s, nil
}

// nirWriter builds the nodes and edges of one graph.
type nirWriter struct {
	net   *snn.Network
	src   *nirSource
	g     *snn.Graph
	nodes map[string]*hdf5.Tree
	edges [][2]string

	notes    []string // what was left out
	dropTRef bool

	// Per population: its NIR node type ("" for a bias source), its node,
	// the NIR neuron of each of its neurons (nil: the same index), the
	// factor from a NIR weight to mV onto each of its neurons, and whether
	// it is a bias source or projects nowhere.
	kind  []string
	node  []*outNode
	index [][]int
	scale [][]float64
	bias  []bool
	sink  []bool

	outs  []*outNode      // the neuron and Input nodes, in order
	used  map[string]bool // node names taken
	wts   []*weightNode   // the weight nodes, in order
	projW []*weightNode   // the weight node of each projection
	total int64           // elements of the dense weight matrices
	// shapes holds the shape of each node of one population that has one
	// (snn.Population.Shape, or the input shape of a convolution leaving
	// it), written where the source gives none.
	shapes map[string][]int
	claims map[string]int // the weight nodes that write each source weight node
}

// outNode is a NIR Input or neuron node: one population, or the
// populations the reader split a source node into.
type outNode struct {
	name, typ string
	size      int
	pops      []int
}

func (w *nirWriter) notef(format string, args ...any) {
	w.notes = append(w.notes, fmt.Sprintf(format, args...))
}

func (w *nirWriter) errf(format string, args ...any) error {
	return fmt.Errorf("loader: NIR export of %s: "+format, append([]any{w.net.Name}, args...)...)
}

func (w *nirWriter) popErr(p *snn.Population, field, format string, args ...any) error {
	return w.errf("population %q (%s): field %q: "+format, append([]any{p.Name, p.Kind, field}, args...)...)
}

func (w *nirWriter) build() error {
	net := w.net
	if net == nil {
		return errors.New("loader: NIR export: nil network")
	}
	if err := net.Validate(); err != nil {
		return w.errf("%w", err)
	}
	np := len(net.Populations)
	w.kind, w.node, w.index = make([]string, np), make([]*outNode, np), make([][]int, np)
	w.scale, w.bias, w.sink = make([][]float64, np), make([]bool, np), make([]bool, np)
	w.used, w.shapes, w.claims = map[string]bool{}, map[string][]int{}, map[string]int{}
	for i := range net.Populations {
		w.sink[i] = true
		if err := w.classify(i); err != nil {
			return err
		}
	}
	for k := range net.Projections {
		pr := &net.Projections[k]
		if pr.Plasticity != nil {
			return w.errf("projection %q: field \"plasticity\": NIR graphs hold static weights", pr.Name)
		}
		w.sink[net.PopulationIndex(pr.Pre)] = false
	}
	w.group()
	for _, n := range w.outs {
		if err := w.writeNode(n); err != nil {
			return err
		}
	}
	// Everything that can fail without the synapses is checked before
	// they are built: a large network takes long to build.
	if err := w.weightNodes(); err != nil {
		return err
	}
	g, err := net.Build()
	if err != nil {
		return w.errf("%w", err)
	}
	w.g = g
	if err := w.synapses(); err != nil {
		return err
	}
	for _, n := range w.wts {
		if n.kind == wChain {
			if err := w.checkChain(n); err != nil {
				return err
			}
		}
	}
	for _, n := range w.wts {
		switch n.kind {
		case wConv:
			if err := w.convNodes(n); err != nil {
				return err
			}
		case wChain:
			w.chainNodes(n)
		default:
			w.weightNode(n)
		}
	}
	return w.outputs()
}

// classify finds the NIR node type of population i and checks that NIR
// can express it.
func (w *nirWriter) classify(i int) error {
	p := &w.net.Populations[i]
	switch p.Kind {
	case snn.SpikeSource:
		if slices.ContainsFunc(p.SpikeTimes, func(ts []float64) bool { return len(ts) > 0 }) {
			w.notef("the spike times of %q are left out: a NIR Input holds no stimulus", p.Name)
		}
		w.kind[i] = "Input"
		return nil
	case snn.Poisson:
		// The probability the engine gives a spike per tick.
		if p.Size == 1 && (&snn.Graph{Net: w.net}).PoissonP(i) >= 1 {
			w.bias[i] = true // a constant input, as the reader writes a bias
			return nil
		}
		w.notef("the rate of poisson population %q (%g Hz) is left out: it is an Input of the graph, to be driven with a stimulus", p.Name, p.RateHz)
		w.kind[i] = "Input"
		return nil
	}
	nu := &p.Neuron
	if nu.TRef != 0 && !w.dropTRef {
		return w.popErr(p, "t_ref", "%v ms: NIR neurons have no refractory period (leave it out with --drop-refractory)", nu.TRef)
	}
	if nu.TRef != 0 {
		w.notef("the refractory period (t_ref %g ms) of %q is left out: NIR neurons have none", nu.TRef, p.Name)
	}
	if nu.LeakDecay > 0 {
		return w.popErr(p, "leak_decay", "%v: NIR has no per-tick (Loihi) leak", nu.LeakDecay)
	}
	if nu.VInit.IsSet() {
		w.notef("the initial potential (v_init) of %q is left out: NIR nodes have no initial state, and start at v_leak", p.Name)
	}
	if len(nu.Receptors) == 0 {
		return w.popErr(p, "receptors", "none: expected one")
	}
	for _, rc := range nu.Receptors[1:] {
		if rc.TauSyn != nu.Receptors[0].TauSyn {
			return w.popErr(p, "receptors", "tau_syn %v and %v ms: a NIR neuron has one synaptic current", nu.Receptors[0].TauSyn, rc.TauSyn)
		}
	}
	// The reader gives NIR pulse synapses (LIF, IF) no current: tau_syn 0.
	pulse := nu.Receptors[0].TauSyn == 0
	// The kinds without, with a pulse and with a current receptor: LI,
	// CubaLI and I never fire (the reader gives them a threshold no
	// voltage reaches); IF, LIF and CubaLIF do.
	kinds, what := [3]string{"IF", "LIF", "CubaLIF"}, "an integrate-and-fire neuron"
	if nu.VTh == math.MaxFloat64 {
		kinds, what = [3]string{"I", "LI", "CubaLI"}, "an integrator"
	} else if pulse && !nu.NoLeak && nu.TauM == w.net.Dt/1000 && nu.VRest == 0 && nu.VReset == 0 && nu.Bias == 0 {
		// Threshold, as the reader writes it: no memory (tau_m is a
		// thousandth of the tick), rest and reset at 0.
		w.kind[i] = "Threshold"
		return nil
	}
	switch {
	case nu.NoLeak && !pulse:
		return w.popErr(p, "receptors", "tau_syn %v ms on %s: NIR has no current-based %s", nu.Receptors[0].TauSyn, what, kinds[0])
	case nu.NoLeak && nu.Bias != 0:
		return w.popErr(p, "bias", "%v mV on %s: NIR's %s has no constant input (use an Affine bias)", nu.Bias, what, kinds[0])
	case nu.NoLeak:
		w.kind[i] = kinds[0]
	case pulse:
		w.kind[i] = kinds[1]
	default:
		w.kind[i] = kinds[2]
	}
	return nil
}

// group assigns the populations to NIR nodes: each its own, except the
// populations <node>#<g> the reader split a source node into, which join
// again, every neuron at its place in the source node.
func (w *nirWriter) group() {
	net := w.net
	joined := map[int]*outNode{}
	if w.src != nil {
		for _, sn := range w.src.order {
			if sn.groups == nil || net.PopulationIndex(sn.name) >= 0 {
				continue
			}
			pops := make([]int, len(sn.groups))
			ok := true
			for g := range sn.groups {
				i := net.PopulationIndex(sn.popName(g))
				if i < 0 || w.kind[i] != sn.typ || net.Populations[i].Size != sn.groups[g].size || joined[i] != nil {
					ok = false
					break
				}
				pops[g] = i
			}
			if !ok {
				continue
			}
			n := &outNode{name: sn.name, typ: sn.typ, size: sn.size, pops: pops}
			for g, i := range pops {
				joined[i] = n
				w.index[i] = make([]int, 0, sn.groups[g].size)
			}
			for k := range sn.size {
				i := pops[sn.group[k]]
				w.index[i] = append(w.index[i], k)
			}
		}
	}
	for i := range net.Populations {
		if w.kind[i] == "" {
			continue
		}
		if n := joined[i]; n != nil {
			w.node[i] = n
			if n.pops[0] == i {
				w.outs = append(w.outs, n)
				w.used[n.name] = true
			}
			continue
		}
		p := &net.Populations[i]
		w.node[i] = &outNode{name: p.Name, typ: w.kind[i], size: p.Size, pops: []int{i}}
		if len(p.Shape) > 1 && shapeProduct(p.Shape) == p.Size {
			w.shapes[p.Name] = p.Shape
		} else if s := w.convShape(i); s != nil {
			w.shapes[p.Name] = s
		}
		w.outs = append(w.outs, w.node[i])
		w.used[p.Name] = true
	}
}

// at returns the NIR neuron of neuron k of population i.
func (w *nirWriter) at(i, k int) int {
	if w.index[i] == nil {
		return k
	}
	return w.index[i][k]
}

// perNeuron returns f of each neuron's population, in NIR order.
func (w *nirWriter) perNeuron(n *outNode, f func(p *snn.Population) float64) []float64 {
	out := make([]float64, n.size)
	for _, i := range n.pops {
		v := f(&w.net.Populations[i])
		for k := range w.net.Populations[i].Size {
			out[w.at(i, k)] = v
		}
	}
	return out
}

// setScale sets the factor from a NIR weight to mV of every neuron of
// node n, given in NIR order.
func (w *nirWriter) setScale(n *outNode, scale []float64) {
	for _, i := range n.pops {
		w.scale[i] = make([]float64, w.net.Populations[i].Size)
		for k := range w.scale[i] {
			w.scale[i][k] = scale[w.at(i, k)]
		}
	}
}

// writeNode writes an Input or neuron node, one function per node type.
func (w *nirWriter) writeNode(n *outNode) error {
	switch n.typ {
	case "Input":
		w.input(n)
	case "LIF":
		w.lifNode(n)
	case "CubaLIF":
		w.cubaLIFNode(n)
	case "IF":
		w.ifNode(n)
	case "LI":
		w.liNode(n)
	case "CubaLI":
		w.cubaLINode(n)
	case "I":
		w.iNode(n)
	case "Threshold":
		w.setScale(n, fill(n.size, 1))
		w.add(n.name, "Threshold", map[string]*hdf5.Data{"threshold": w.floats(n.name, "threshold",
			w.perNeuron(n, func(p *snn.Population) float64 { return p.Neuron.VTh }))})
	default:
		return w.errf("node %q: type %s: not written", n.name, n.typ)
	}
	return nil
}

// srcParam returns a parameter of every neuron of the source's node of
// n's name, or nil without such a node.
func (w *nirWriter) srcParam(n *outNode, get func(*nirParams) float64) []float64 {
	sn := w.src.node(n.name)
	if sn == nil || sn.typ != n.typ || sn.size != n.size {
		return nil
	}
	out := make([]float64, n.size)
	for k := range out {
		ps := &sn.nirParams
		if sn.groups != nil {
			ps = &sn.groups[sn.group[k]].nirParams
		}
		out[k] = get(ps)
	}
	return out
}

// factor returns the source's r or w_in (field) of every neuron of node
// n, or nil without a source node of that name.
func (w *nirWriter) factor(n *outNode, field string) []float64 {
	if field == "w_in" {
		return w.srcParam(n, func(p *nirParams) float64 { return p.wIn })
	}
	return w.srcParam(n, func(p *nirParams) float64 { return p.r })
}

// seconds converts time constants in ms to NIR's seconds. Many values in
// seconds give one in ms (the reader multiplies by 1000), so where the
// source's value gives the network's, it is the one written: the round
// trip is then exact.
func seconds(ms, src []float64) []float64 {
	out := make([]float64, len(ms))
	for k, t := range ms {
		out[k] = t / 1000
		if src != nil && src[k]*1000 == t {
			out[k] = src[k]
		}
	}
	return out
}

// nirValue is the NIR weight of a synapse of weight mv (mV) onto a neuron
// whose factor is scale: mv/scale, or the source's value src if it gives
// mv as the reader scales it (w * scale), of the many that may.
func nirValue(mv, scale float64, src []float64, i int) float64 {
	if src != nil && src[i]*scale == mv {
		return src[i]
	}
	return mv / scale
}

func fill(n int, v float64) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = v
	}
	return out
}

// add adds a node of type typ named name with the given fields.
func (w *nirWriter) add(name, typ string, fields map[string]*hdf5.Data) {
	fields["type"] = nirString(typ)
	w.nodes[name] = &hdf5.Tree{Datasets: fields}
}

// floats returns a field of node name holding v: as float32 if the source
// stored it so, in the source's shape if it has as many elements, and as
// one element if the source held one and every value is equal.
func (w *nirWriter) floats(name, field string, v []float64) *hdf5.Data {
	d := &hdf5.Data{Shape: []int{len(v)}}
	if s := w.shapes[name]; s != nil && shapeProduct(s) == len(v) && len(v) > 1 {
		d.Shape = s
	}
	if w.src != nil {
		key := name + "/" + field
		if shape, ok := w.src.shapes[key]; ok {
			n := 1
			for _, s := range shape {
				n *= s
			}
			switch {
			case n == len(v):
				d.Shape = shape
			case n == 1 && len(v) > 0 && !slices.ContainsFunc(v, func(x float64) bool { return x != v[0] }):
				d.Shape, v = shape, v[:1]
			}
		}
		if w.src.f32[key] {
			d.Float32 = make([]float32, len(v))
			for i, x := range v {
				d.Float32[i] = float32(x)
			}
			return d
		}
	}
	d.Float64 = v
	return d
}

func (w *nirWriter) input(n *outNode) {
	shape := w.dims(n.name, n.size)
	w.add(n.name, "Input", map[string]*hdf5.Data{"shape": {Shape: []int{len(shape)}, Int64: shape}})
}

// dims returns the shape of the source's Input or Output node name if it
// holds size elements, or [size].
func (w *nirWriter) dims(name string, size int) []int64 {
	if w.src != nil {
		if d, ok := w.src.dims[name]; ok {
			n := int64(1)
			for _, x := range d {
				n *= x
			}
			if n == int64(size) {
				return d
			}
		}
	}
	if s := w.shapes[name]; s != nil && shapeProduct(s) == size {
		out := make([]int64, len(s))
		for i, x := range s {
			out[i] = int64(x)
		}
		return out
	}
	return []int64{int64(size)}
}

// lifNode writes LIF populations with a pulse receptor as a NIR LIF:
// tau = tau_m (s), v_leak = v_rest (+ bias, the same constant input),
// and r from the source or 1.
func (w *nirWriter) lifNode(n *outNode) {
	r := w.factor(n, "r")
	if r == nil {
		r = fill(n.size, 1)
	}
	w.setScale(n, r)
	nu := func(f func(*snn.Neuron) float64) []float64 {
		return w.perNeuron(n, func(p *snn.Population) float64 { return f(&p.Neuron) })
	}
	fields := map[string]*hdf5.Data{
		"tau": w.floats(n.name, "tau", seconds(nu(func(u *snn.Neuron) float64 { return u.TauM }),
			w.srcParam(n, func(p *nirParams) float64 { return p.tau }))),
		"r":           w.floats(n.name, "r", r),
		"v_leak":      w.floats(n.name, "v_leak", nu(func(u *snn.Neuron) float64 { return u.VRest + u.Bias })),
		"v_threshold": w.floats(n.name, "v_threshold", nu(func(u *snn.Neuron) float64 { return u.VTh })),
	}
	if n.typ == "LI" {
		delete(fields, "v_threshold")
	} else {
		w.vReset(n, fields, nu(func(u *snn.Neuron) float64 { return u.VReset }))
	}
	w.add(n.name, n.typ, fields)
}

// liNode writes a leaky integrator (LIF that never fires) as a NIR LI,
// cubaLINode one with a synaptic current as a CubaLI, and iNode a
// non-leaky one as a NIR I: the fields of LIF, CubaLIF and IF but the
// threshold and reset.
func (w *nirWriter) liNode(n *outNode)     { w.lifNode(n) }
func (w *nirWriter) cubaLINode(n *outNode) { w.cubaLIFNode(n) }
func (w *nirWriter) iNode(n *outNode)      { w.ifNode(n) }

// vReset adds v_reset when it is not NIR's default 0 or the source had it.
func (w *nirWriter) vReset(n *outNode, fields map[string]*hdf5.Data, v []float64) {
	_, had := w.src.shape(n.name + "/v_reset")
	if had || slices.ContainsFunc(v, func(x float64) bool { return x != 0 }) {
		fields["v_reset"] = w.floats(n.name, "v_reset", v)
	}
}

func (s *nirSource) shape(key string) ([]int, bool) {
	if s == nil {
		return nil, false
	}
	v, ok := s.shapes[key]
	return v, ok
}

// cubaLIFNode writes LIF populations with a synaptic current as a NIR
// CubaLIF: tau_mem = tau_m, tau_syn = the receptor's (s), and r and w_in
// from the source or r = 1, w_in = tau_syn/dt.
func (w *nirWriter) cubaLIFNode(n *outNode) {
	dt := w.net.Dt
	nu := func(f func(*snn.Neuron) float64) []float64 {
		return w.perNeuron(n, func(p *snn.Population) float64 { return f(&p.Neuron) })
	}
	tauSyn := nu(func(u *snn.Neuron) float64 { return u.Receptors[0].TauSyn })
	r, wIn := w.factor(n, "r"), w.factor(n, "w_in")
	if r == nil {
		r, wIn = fill(n.size, 1), make([]float64, n.size)
		for k := range wIn {
			wIn[k] = tauSyn[k] / dt
		}
	}
	scale := make([]float64, n.size)
	for k := range scale {
		scale[k] = r[k] * wIn[k] * dt / tauSyn[k] // as the reader scales
	}
	w.setScale(n, scale)
	fields := map[string]*hdf5.Data{
		"tau_mem": w.floats(n.name, "tau_mem", seconds(nu(func(u *snn.Neuron) float64 { return u.TauM }),
			w.srcParam(n, func(p *nirParams) float64 { return p.tau }))),
		"tau_syn": w.floats(n.name, "tau_syn", seconds(tauSyn,
			w.srcParam(n, func(p *nirParams) float64 { return p.tauSyn }))),
		"r":           w.floats(n.name, "r", r),
		"w_in":        w.floats(n.name, "w_in", wIn),
		"v_leak":      w.floats(n.name, "v_leak", nu(func(u *snn.Neuron) float64 { return u.VRest + u.Bias })),
		"v_threshold": w.floats(n.name, "v_threshold", nu(func(u *snn.Neuron) float64 { return u.VTh })),
	}
	if n.typ == "CubaLI" {
		delete(fields, "v_threshold")
	} else {
		w.vReset(n, fields, nu(func(u *snn.Neuron) float64 { return u.VReset }))
	}
	w.add(n.name, n.typ, fields)
}

// ifNode writes non-leaky populations with a pulse receptor as a NIR IF,
// thresholds relative to v_rest (NIR's IF rests at 0). A tau_m makes each
// tick add dt/tau_m of the input, which the weights carry.
func (w *nirWriter) ifNode(n *outNode) {
	nu := func(f func(*snn.Neuron) float64) []float64 {
		return w.perNeuron(n, func(p *snn.Population) float64 { return f(&p.Neuron) })
	}
	// A tick adds gain times the input in mV; the reader's IF adds r times
	// the NIR input.
	gain := nu(func(u *snn.Neuron) float64 {
		if u.TauM > 0 {
			return w.net.Dt / u.TauM
		}
		return 1
	})
	r := w.factor(n, "r")
	if r == nil {
		r = fill(n.size, 1)
	}
	scale := make([]float64, n.size)
	for k := range scale {
		scale[k] = r[k] / gain[k]
	}
	w.setScale(n, scale)
	fields := map[string]*hdf5.Data{
		"r":           w.floats(n.name, "r", r),
		"v_threshold": w.floats(n.name, "v_threshold", nu(func(u *snn.Neuron) float64 { return u.VTh - u.VRest })),
	}
	if n.typ == "I" {
		delete(fields, "v_threshold")
	} else {
		w.vReset(n, fields, nu(func(u *snn.Neuron) float64 { return u.VReset - u.VRest }))
	}
	w.add(n.name, n.typ, fields)
}

// maxNIRWeights bounds the elements of the dense weight matrices of one
// graph (256 MiB of float64): NIR's Linear and Affine nodes hold their
// weights dense, so a large sparse network makes a file of every pair.
const maxNIRWeights = 1 << 25

// weightNode is a Linear or Affine node, or a direct edge: the synapses
// of one projection, or of the projections the reader split a source
// weight node into, and the biases that bias sources add to its target.
type weightNode struct {
	kind      int // wAffine, wConv or wChain
	name      string
	proj      string // the projection, or the source node, it is named after
	pre, post *outNode
	src       *nirNode  // the source's node of this name, of these sizes
	direct    bool      // a direct edge of the source, if its weights are the identity
	weight    []float64 // [post][pre], NIR units
	bias      []float64 // nil: none; per post neuron, NIR units
	// owners are the names X whose bias source "X.bias" is this node's.
	owners []string

	// A conv connector: the convolution, the name of its pooling node
	// ("" without one), the source's pooling node, and the source's bias
	// of each output neuron.
	conv    *snn.Conv
	pool    string
	poolSrc *nirNode
	srcBias []float64

	// A chain of the source's weight nodes: the nodes, the network's
	// synapses, and its biases in mV by bias source.
	chain  []*nirNode
	rows   []nirRow
	biasMV map[string][]float64
}

// weightNodes assigns every projection from an Input or neuron node its
// weight node, and every projection from a bias source the weight node
// whose bias it is.
func (w *nirWriter) weightNodes() error {
	net := w.net
	w.projW = make([]*weightNode, len(net.Projections))
	byName := map[string]*weightNode{}
	chains := map[string]*weightNode{}
	for k := range net.Projections {
		pr := &net.Projections[k]
		pre, post := net.PopulationIndex(pr.Pre), net.PopulationIndex(pr.Post)
		if w.kind[post] == "" || w.kind[post] == "Input" {
			return w.errf("projection %q: into %q (%s): NIR weights feed neuron nodes", pr.Name, pr.Post, net.Populations[post].Kind)
		}
		if w.bias[pre] {
			continue
		}
		from, to := w.node[pre], w.node[post]
		if pr.Connector.Kind == snn.Convolution {
			n, err := w.convNode(k, from, to)
			if err != nil {
				return err
			}
			w.wts = append(w.wts, n)
			w.projW[k] = n
			continue
		}
		if n := w.chainNode(pr, from, to); n != nil {
			// The projections the reader split the chain into between
			// split nodes are one chain again.
			id := n.name + "\x00" + from.name + "\x00" + to.name
			if c := chains[id]; c != nil {
				w.projW[k] = c
				continue
			}
			chains[id] = n
			w.wts = append(w.wts, n)
			w.projW[k] = n
			continue
		}
		name, direct := w.sourceWeight(pr, from, to)
		if n := byName[name]; n != nil && n.pre == from && n.post == to {
			w.projW[k] = n
			continue
		}
		if byName[name] != nil || name == "" {
			name, direct = w.uniqueName(pr.Name), false
		}
		n := &weightNode{name: name, proj: pr.Name, pre: from, post: to, direct: direct, owners: []string{pr.Name, name}}
		w.total += int64(from.size) * int64(to.size)
		if w.total > maxNIRWeights {
			return w.errf("the dense weight matrices of the graph would hold more than %d elements (NIR's Linear and Affine nodes store every pair of neurons)", maxNIRWeights)
		}
		byName[name] = n
		if !direct {
			w.used[name] = true
		}
		w.wts = append(w.wts, n)
		w.projW[k] = n
	}
	for _, n := range w.wts {
		switch n.kind {
		case wAffine:
			n.weight = make([]float64, n.pre.size*n.post.size)
			if sn := w.src.node(n.name); sn != nil && sn.isWeight() && sn.rows == n.post.size && sn.cols == n.pre.size {
				n.src = sn
			}
		case wConv:
			if n.src != nil && n.src.bias != nil {
				per := n.post.size / n.conv.OutChannels
				n.srcBias = make([]float64, n.post.size)
				for j := range n.srcBias {
					n.srcBias[j] = n.src.bias[j/per]
				}
			}
		}
	}
	for k := range net.Projections {
		if w.projW[k] == nil {
			n, err := w.biasTarget(k)
			if err != nil {
				return err
			}
			w.projW[k] = n
		}
	}
	return nil
}

// sourceWeight returns the name of the weight node of projection pr from
// node from to node to: the source's weight node between the two that
// the reader named it after ("W" or "W:pre->post"), or the source's
// direct edge ("pre->post"); else the projection's own name when free,
// or "".
func (w *nirWriter) sourceWeight(pr *snn.Projection, from, to *outNode) (string, bool) {
	if w.src != nil {
		name, _, _ := strings.Cut(pr.Name, ":")
		if sn := w.src.node(name); sn != nil && sn.isWeight() && slices.ContainsFunc(sn.ins, func(n *nirNode) bool { return n.name == from.name }) &&
			slices.ContainsFunc(sn.outs, func(n *nirNode) bool { return n.name == to.name }) {
			return name, false
		}
		if sn := w.src.node(from.name); sn != nil && pr.Name == pr.Pre+"->"+pr.Post &&
			slices.ContainsFunc(sn.outs, func(n *nirNode) bool { return n.name == to.name }) {
			return "direct:" + from.name + "->" + to.name, true
		}
	}
	if w.used[pr.Name] {
		return "", false
	}
	return pr.Name, false
}

// uniqueName returns name, or if a node has it, name with a suffix.
func (w *nirWriter) uniqueName(name string) string {
	if !w.used[name] {
		return name
	}
	out := name + ".w"
	for k := 2; w.used[out]; k++ {
		out = fmt.Sprintf("%s.w%d", name, k)
	}
	return out
}

// biasTarget returns the weight node that carries the bias of projection
// k from a bias source: the one named after the source (the reader names
// the source of node X's bias "X.bias"), or else the first into the same
// node.
func (w *nirWriter) biasTarget(k int) (*weightNode, error) {
	pr := &w.net.Projections[k]
	to := w.node[w.net.PopulationIndex(pr.Post)]
	var first *weightNode
	for _, n := range w.wts {
		if n.post != to || n.direct {
			continue
		}
		if n.ownsBias(pr.Pre) {
			first = n
			break
		}
		if first == nil {
			first = n
		}
	}
	if first == nil {
		return nil, w.errf("projection %q: a bias into %q, which no weight node feeds to carry it", pr.Name, pr.Post)
	}
	if first.kind == wChain {
		if first.biasMV[pr.Pre] == nil {
			first.biasMV[pr.Pre] = make([]float64, to.size)
		}
	} else if first.bias == nil {
		first.bias = make([]float64, to.size)
	}
	return first, nil
}

// synapses adds the weight of every synapse, in NIR units, to its weight
// node.
func (w *nirWriter) synapses() error {
	net, g := w.net, w.g
	for gi := range g.N {
		pre := g.PopOf(gi)
		for s := g.PreStart[gi]; s < g.PreStart[gi+1]; s++ {
			k := int(g.Proj[s])
			n := w.projW[k]
			post := g.PopOf(int(g.Post[s]))
			kp := int(g.Post[s]) - g.PopStart[post]
			j := w.at(post, kp)
			if n.kind == wChain {
				if w.bias[pre] {
					n.biasMV[net.Projections[k].Pre][j] += g.Weight(s)
				} else {
					n.rows = append(n.rows, nirRow{i: w.at(pre, gi-g.PopStart[pre]), j: j, d: int(g.Delay(s)) - 1, mv: g.Weight(s)})
				}
				continue
			}
			if d := g.Delay(s); d != 1 {
				return w.errf("projection %q: field \"delay\": a synapse of %d ticks: NIR export writes one tick, the delay of every NIR edge", net.Projections[k].Name, d)
			}
			if n.kind == wConv && !w.bias[pre] {
				continue // the kernel is written from the connector
			}
			var src []float64
			if w.bias[pre] {
				if n.kind == wConv {
					n.bias[j] += nirValue(g.Weight(s), w.scale[post][kp], n.srcBias, j)
					continue
				}
				if n.src != nil {
					src = n.src.bias
				}
				n.bias[j] += nirValue(g.Weight(s), w.scale[post][kp], src, j)
				continue
			}
			if n.src != nil {
				src = n.src.weight
			}
			ij := j*n.pre.size + w.at(pre, gi-g.PopStart[pre])
			n.weight[ij] += nirValue(g.Weight(s), w.scale[post][kp], src, ij)
		}
	}
	return nil
}

// weightNode writes a weight node and its edges: a direct edge for the
// source's, if its weights are the identity; else an Affine if it has a
// bias or the source's node was one, a Linear otherwise.
func (w *nirWriter) weightNode(n *weightNode) {
	if n.direct {
		identity := n.pre.size == n.post.size && n.bias == nil
		for j := 0; j < n.post.size && identity; j++ {
			for i := range n.pre.size {
				if want := float64(b2i(i == j)); n.weight[j*n.pre.size+i] != want {
					identity = false
					break
				}
			}
		}
		if identity {
			w.edges = append(w.edges, [2]string{n.pre.name, n.post.name})
			return
		}
		n.name = w.uniqueName(n.proj)
		w.used[n.name] = true
	}
	fields := map[string]*hdf5.Data{}
	fields["weight"] = w.floats(n.name, "weight", n.weight)
	fields["weight"].Shape = []int{n.post.size, n.pre.size}
	typ := "Linear"
	if src := w.src.node(n.name); n.bias != nil || src != nil && src.typ == "Affine" {
		typ = "Affine"
		if n.bias == nil {
			n.bias = make([]float64, n.post.size)
		}
		fields["bias"] = w.floats(n.name, "bias", n.bias)
	}
	w.add(n.name, typ, fields)
	w.edges = append(w.edges, [2]string{n.pre.name, n.name}, [2]string{n.name, n.post.name})
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (s *nirSource) node(name string) *nirNode {
	if s == nil {
		return nil
	}
	return s.nodes[name]
}

// outputs adds the Output nodes: the source's, where their sources are
// nodes written, or else one per neuron node that projects nowhere.
func (w *nirWriter) outputs() error {
	byName := map[string]*outNode{}
	for _, n := range w.outs {
		byName[n.name] = n
	}
	if w.src != nil {
		added := false
		for _, sn := range w.src.order {
			ins := w.src.edges[sn.name]
			if sn.typ != "Output" || len(ins) == 0 || w.used[sn.name] {
				continue
			}
			size := -1
			for _, in := range ins {
				n := byName[in]
				if n == nil || size >= 0 && n.size != size {
					size = -2
					break
				}
				size = n.size
			}
			if size < 0 {
				continue
			}
			w.output(sn.name, ins, size)
			added = true
		}
		if added {
			return nil
		}
	}
	var sinks []*outNode
	for _, n := range w.outs {
		if n.typ == "Input" || slices.ContainsFunc(n.pops, func(i int) bool { return !w.sink[i] }) {
			continue
		}
		sinks = append(sinks, n)
	}
	for _, n := range sinks {
		name := "output"
		if len(sinks) > 1 || w.used[name] {
			name = w.uniqueName(n.name + ".output")
		}
		w.output(name, []string{n.name}, n.size)
	}
	return nil
}

func (w *nirWriter) output(name string, ins []string, size int) {
	w.used[name] = true
	shape := w.dims(name, size)
	w.add(name, "Output", map[string]*hdf5.Data{"shape": {Shape: []int{len(shape)}, Int64: shape}})
	for _, in := range ins {
		w.edges = append(w.edges, [2]string{in, name})
	}
}

// NIRWritten reports what NIRWriteOptions.ConvertToNIR wrote.
type NIRWritten struct {
	Net   *snn.Network
	Nodes int
	Edges int
	// Notes say what the graph leaves out: the stimuli (spike times and
	// poisson rates of its inputs) and initial potentials, which a NIR
	// graph does not hold.
	Notes []string
}

// ConvertToNIR reads the network file in (YAML, NIR or SANA-FE, as
// LoadNetwork does) and writes it to out as a NIR graph. A NIR input is
// its own source (o.Source is ignored), so converting a NIR file gives
// back its parameters.
func (o NIRWriteOptions) ConvertToNIR(in, out string) (*NIRWritten, error) {
	if abs(in) == abs(out) {
		return nil, fmt.Errorf("loader: convert: %s: the output must be another file than the input", out)
	}
	net, err := LoadNetwork(in)
	if err != nil {
		return nil, err
	}
	if data, err := os.ReadFile(in); err == nil && len(data) >= len(hdf5Signature) && string(data[:len(hdf5Signature)]) == hdf5Signature {
		o.Source, o.SourceName = data, in
	}
	w := &nirWriter{net: net, nodes: map[string]*hdf5.Tree{}, dropTRef: o.DropRefractory}
	data, err := o.encode(w)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(out, data, 0o644); err != nil {
		return nil, fmt.Errorf("loader: %w", err)
	}
	return &NIRWritten{Net: net, Nodes: len(w.nodes), Edges: len(w.edges), Notes: w.notes}, nil
}
