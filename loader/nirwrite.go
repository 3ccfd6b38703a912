package loader

import (
	"errors"
	"fmt"
	"os"
	"slices"

	"github.com/spindle-sim/spindle/loader/internal/hdf5"
	"github.com/spindle-sim/spindle/snn"
)

// nirVersion is the NIR format version written: the layout of NIR 0.2
// to 1.0 files (edges as an [n, 2] string dataset), which the reader
// reads and which the NIR fixtures use.
const nirVersion = "0.2.0"

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
		edges: map[string][]string{}, dims: map[string][]int64{}}
	root, err := f.Root()
	if err != nil {
		return nil, fmt.Errorf("loader: %s: %w", name, err)
	}
	if root.Has("version") {
		if s.version, err = readString(root, "version"); err != nil {
			return nil, fmt.Errorf("loader: %s: %w", name, err)
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
	for _, n := range p.nodes {
		ng, err := nodes.Group(n.name)
		if err != nil {
			return nil, fmt.Errorf("loader: %s: %w", name, err)
		}
		for _, field := range ng.Members() {
			if ok, err := ng.IsGroup(field); err != nil || ok {
				continue
			}
			d, err := ng.Dataset(field)
			if err != nil {
				return nil, fmt.Errorf("loader: %s: %w", name, err)
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

	kind  []string    // NIR node type of each population; "" for none
	scale [][]float64 // per population and neuron: NIR weight -> mV
	bias  []bool      // population is a bias source
	sink  []bool      // population has no outgoing projection
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
	w.kind, w.scale, w.bias, w.sink = make([]string, np), make([][]float64, np), make([]bool, np), make([]bool, np)
	for i := range net.Populations {
		w.sink[i] = true
	}
	for k := range net.Projections {
		pr := &net.Projections[k]
		if pr.Plasticity != nil {
			return w.errf("projection %q: field \"plasticity\": NIR graphs hold static weights", pr.Name)
		}
		w.sink[net.PopulationIndex(pr.Pre)] = false
	}
	// Nodes of the populations, in population order: Inputs first, as
	// the reader orders them, since populations are.
	for i := range net.Populations {
		if err := w.population(i); err != nil {
			return err
		}
	}
	// Everything that can fail without the synapses is checked before
	// they are built: a large network takes long to build.
	if err := w.checkSize(); err != nil {
		return err
	}
	g, err := net.Build()
	if err != nil {
		return w.errf("%w", err)
	}
	w.g = g
	if err := w.projections(); err != nil {
		return err
	}
	return w.outputs()
}

// population writes the node of population i, one function per node
// type.
func (w *nirWriter) population(i int) error {
	p := &w.net.Populations[i]
	switch p.Kind {
	case snn.SpikeSource:
		return w.input(i)
	case snn.Poisson:
		// The probability the engine gives a spike per tick.
		if p.Size == 1 && (&snn.Graph{Net: w.net}).PoissonP(i) >= 1 {
			w.bias[i] = true // a constant input, as the reader writes a bias
			return nil
		}
		w.notef("the rate of poisson population %q (%g Hz) is left out: it is an Input of the graph, to be driven with a stimulus", p.Name, p.RateHz)
		return w.input(i)
	}
	nu := &p.Neuron
	switch {
	case nu.TRef != 0 && !w.dropTRef:
		return w.popErr(p, "t_ref", "%v ms: NIR neurons have no refractory period (leave it out with --drop-refractory)", nu.TRef)
	case nu.TRef != 0:
		w.notef("the refractory period (t_ref %g ms) of %q is left out: NIR neurons have none", nu.TRef, p.Name)
	case nu.LeakDecay > 0:
		return w.popErr(p, "leak_decay", "%v: NIR has no per-tick (Loihi) leak", nu.LeakDecay)
	case nu.VInit.IsSet():
		w.notef("the initial potential (v_init) of %q is left out: NIR nodes have no initial state, and start at v_leak", p.Name)
	}
	switch {
	case len(nu.Receptors) == 0:
		return w.popErr(p, "receptors", "none: expected one")
	}
	for _, rc := range nu.Receptors[1:] {
		if rc.TauSyn != nu.Receptors[0].TauSyn {
			return w.popErr(p, "receptors", "tau_syn %v and %v ms: a NIR neuron has one synaptic current", nu.Receptors[0].TauSyn, rc.TauSyn)
		}
	}
	pulse := nu.Receptors[0].TauSyn == w.net.Dt/pulseFactor
	switch {
	case nu.NoLeak && pulse:
		return w.ifNode(i)
	case nu.NoLeak:
		return w.popErr(p, "receptors", "tau_syn %v ms on an integrate-and-fire neuron: NIR has no current-based IF", nu.Receptors[0].TauSyn)
	case pulse:
		return w.lifNode(i)
	}
	return w.cubaLIFNode(i)
}

// factor returns per-neuron values of field of the source's node name
// (r or w_in), or nil.
func (w *nirWriter) factor(name, field string) []float64 {
	if w.src == nil {
		return nil
	}
	n := w.src.nodes[name]
	if n == nil || !n.isNeuron() || n.groups != nil {
		return nil
	}
	v := n.r
	if field == "w_in" {
		v = n.wIn
	}
	return fill(n.size, v)
}

func fill(n int, v float64) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = v
	}
	return out
}

// node adds a node of type typ named name with the given fields.
func (w *nirWriter) node(name, typ string, fields map[string]*hdf5.Data) {
	fields["type"] = nirString(typ)
	w.nodes[name] = &hdf5.Tree{Datasets: fields}
}

// floats returns a field of node name holding v: as float32 if the source
// stored it so, in the source's shape if it has as many elements, and as
// one element if the source held one and every value is equal.
func (w *nirWriter) floats(name, field string, v []float64) *hdf5.Data {
	d := &hdf5.Data{Shape: []int{len(v)}}
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
			case n == 1 && !slices.ContainsFunc(v, func(x float64) bool { return x != v[0] }):
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

func (w *nirWriter) input(i int) error {
	p := &w.net.Populations[i]
	if slices.ContainsFunc(p.SpikeTimes, func(ts []float64) bool { return len(ts) > 0 }) {
		w.notef("the spike times of %q are left out: a NIR Input holds no stimulus", p.Name)
	}
	shape := w.dims(p.Name, p.Size)
	w.kind[i] = "Input"
	w.node(p.Name, "Input", map[string]*hdf5.Data{"shape": {Shape: []int{len(shape)}, Int64: shape}})
	return nil
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
	return []int64{int64(size)}
}

// lifNode writes a LIF population with a pulse receptor as a NIR LIF:
// tau = tau_m (s), v_leak = v_rest (+ bias, the same constant input),
// and r from the source or 1.
func (w *nirWriter) lifNode(i int) error {
	p := &w.net.Populations[i]
	nu := &p.Neuron
	r := w.factor(p.Name, "r")
	if r == nil {
		r = fill(p.Size, 1)
	}
	w.kind[i], w.scale[i] = "LIF", r
	fields := map[string]*hdf5.Data{
		"tau":         w.floats(p.Name, "tau", fill(p.Size, nu.TauM/1000)),
		"r":           w.floats(p.Name, "r", r),
		"v_leak":      w.floats(p.Name, "v_leak", fill(p.Size, nu.VRest+nu.Bias)),
		"v_threshold": w.floats(p.Name, "v_threshold", fill(p.Size, nu.VTh)),
	}
	w.vReset(p, fields, nu.VReset)
	w.node(p.Name, "LIF", fields)
	return nil
}

// vReset adds v_reset when it is not NIR's default 0 or the source had it.
func (w *nirWriter) vReset(p *snn.Population, fields map[string]*hdf5.Data, v float64) {
	_, had := w.src.shape(p.Name + "/v_reset")
	if v != 0 || had {
		fields["v_reset"] = w.floats(p.Name, "v_reset", fill(p.Size, v))
	}
}

func (s *nirSource) shape(key string) ([]int, bool) {
	if s == nil {
		return nil, false
	}
	v, ok := s.shapes[key]
	return v, ok
}

// cubaLIFNode writes a LIF population with a synaptic current as a NIR
// CubaLIF: tau_mem = tau_m, tau_syn = the receptor's (s), and r and w_in
// from the source or r = 1, w_in = tau_syn/dt.
func (w *nirWriter) cubaLIFNode(i int) error {
	p := &w.net.Populations[i]
	nu := &p.Neuron
	dt, tauSyn := w.net.Dt, nu.Receptors[0].TauSyn
	r, wIn := w.factor(p.Name, "r"), w.factor(p.Name, "w_in")
	if r == nil {
		r, wIn = fill(p.Size, 1), fill(p.Size, tauSyn/dt)
	}
	scale := make([]float64, p.Size)
	for k := range scale {
		scale[k] = r[k] * wIn[k] * dt / tauSyn // as the reader scales
	}
	w.kind[i], w.scale[i] = "CubaLIF", scale
	fields := map[string]*hdf5.Data{
		"tau_mem":     w.floats(p.Name, "tau_mem", fill(p.Size, nu.TauM/1000)),
		"tau_syn":     w.floats(p.Name, "tau_syn", fill(p.Size, tauSyn/1000)),
		"r":           w.floats(p.Name, "r", r),
		"w_in":        w.floats(p.Name, "w_in", wIn),
		"v_leak":      w.floats(p.Name, "v_leak", fill(p.Size, nu.VRest+nu.Bias)),
		"v_threshold": w.floats(p.Name, "v_threshold", fill(p.Size, nu.VTh)),
	}
	w.vReset(p, fields, nu.VReset)
	w.node(p.Name, "CubaLIF", fields)
	return nil
}

// ifNode writes a non-leaky population with a pulse receptor as a NIR
// IF, thresholds relative to v_rest (NIR's IF rests at 0). A tau_m makes
// each tick add dt/tau_m of the input, which the weights carry.
func (w *nirWriter) ifNode(i int) error {
	p := &w.net.Populations[i]
	nu := &p.Neuron
	if nu.Bias != 0 {
		return w.popErr(p, "bias", "%v mV on an integrate-and-fire neuron: NIR's IF has no constant input (use an Affine bias)", nu.Bias)
	}
	// A tick adds gain times the input in mV; the reader's IF adds r times
	// the NIR input.
	gain := 1.0
	if nu.TauM > 0 {
		gain = w.net.Dt / nu.TauM
	}
	r := w.factor(p.Name, "r")
	if r == nil {
		r = fill(p.Size, 1)
	}
	scale := make([]float64, p.Size)
	for k := range scale {
		scale[k] = r[k] / gain
	}
	w.kind[i], w.scale[i] = "IF", scale
	fields := map[string]*hdf5.Data{
		"r":           w.floats(p.Name, "r", r),
		"v_threshold": w.floats(p.Name, "v_threshold", fill(p.Size, nu.VTh-nu.VRest)),
	}
	w.vReset(p, fields, nu.VReset-nu.VRest)
	w.node(p.Name, "IF", fields)
	return nil
}

// maxNIRWeights bounds the elements of the dense weight matrices of one
// graph (256 MiB of float64): NIR's Linear and Affine nodes hold their
// weights dense, so a large sparse network makes a file of every pair.
const maxNIRWeights = 1 << 25

// weightNode is a Linear or Affine node: the synapses of one projection,
// and the biases that bias sources add to its target.
type weightNode struct {
	name      string
	proj      int       // the projection
	pre, post int       // populations
	weight    []float64 // [post][pre], NIR units
	bias      []float64 // nil: none
}

// projections adds a weight node per projection from an Input or neuron
// population, and turns the projections of bias sources into the biases
// of those nodes.
func (w *nirWriter) projections() error {
	net := w.net
	nodes := make([]*weightNode, len(net.Projections)) // the node carrying each projection
	for k := range net.Projections {
		pr := &net.Projections[k]
		pre, post := net.PopulationIndex(pr.Pre), net.PopulationIndex(pr.Post)
		if w.bias[pre] {
			continue
		}
		n := net.Populations[pre].Size * net.Populations[post].Size
		nodes[k] = &weightNode{name: w.unique(pr.Name), proj: k, pre: pre, post: post, weight: make([]float64, n)}
	}
	for k := range net.Projections {
		if nodes[k] == nil {
			n, err := w.biasTarget(k, nodes)
			if err != nil {
				return err
			}
			nodes[k] = n
		}
	}
	g := w.g
	for i := range g.N {
		pop := g.PopOf(i)
		for s := g.PreStart[i]; s < g.PreStart[i+1]; s++ {
			k := int(g.Proj[s])
			pr, n := &net.Projections[k], nodes[k]
			if d := g.Delay(s); d != 1 {
				return w.errf("projection %q: field \"delay\": a synapse of %d ticks: NIR export writes one tick, the delay of every NIR edge", pr.Name, d)
			}
			j := int(g.Post[s]) - g.PopStart[n.post]
			v := g.Weight(s) / w.scale[n.post][j]
			if w.bias[pop] {
				n.bias[j] += v
				continue
			}
			n.weight[j*net.Populations[n.pre].Size+i-g.PopStart[n.pre]] += v
		}
	}
	seen := map[*weightNode]bool{}
	for _, n := range nodes {
		if seen[n] {
			continue
		}
		seen[n] = true
		w.weightNode(n)
	}
	return nil
}

// checkSize checks the targets of the projections and the size of the
// dense weight matrices they make.
func (w *nirWriter) checkSize() error {
	net := w.net
	var total int64
	for k := range net.Projections {
		pr := &net.Projections[k]
		pre, post := net.PopulationIndex(pr.Pre), net.PopulationIndex(pr.Post)
		if w.kind[post] == "" || w.kind[post] == "Input" {
			return w.errf("projection %q: into %q (%s): NIR weights feed neuron nodes", pr.Name, pr.Post, net.Populations[post].Kind)
		}
		if !w.bias[pre] {
			total += int64(net.Populations[pre].Size) * int64(net.Populations[post].Size)
		}
	}
	if total > maxNIRWeights {
		return w.errf("the dense weight matrices of the graph would hold %d elements: at most %d are written (NIR's Linear and Affine nodes store every pair of neurons)", total, maxNIRWeights)
	}
	return nil
}

// biasTarget returns the weight node that carries the bias of projection
// k from a bias source: the one named after the source (the reader names
// the source of node X's bias "X.bias"), or else the first into the same
// target.
func (w *nirWriter) biasTarget(k int, nodes []*weightNode) (*weightNode, error) {
	pr := &w.net.Projections[k]
	post := w.net.PopulationIndex(pr.Post)
	var first *weightNode
	for _, n := range nodes {
		if n == nil || n.post != post {
			continue
		}
		if pr.Pre == w.net.Projections[n.proj].Name+".bias" {
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
	if first.bias == nil {
		first.bias = make([]float64, w.net.Populations[post].Size)
	}
	return first, nil
}

// unique returns name, or if a node has it, name with a suffix.
func (w *nirWriter) unique(name string) string {
	taken := func(s string) bool {
		_, ok := w.nodes[s]
		return ok || w.net.PopulationIndex(s) >= 0 && s != name
	}
	_, ok := w.nodes[name]
	if !ok && w.net.PopulationIndex(name) < 0 {
		return name
	}
	out := name + ".w"
	for k := 2; taken(out); k++ {
		out = fmt.Sprintf("%s.w%d", name, k)
	}
	return out
}

// weightNode writes a weight node and its edges: an Affine if it has a
// bias or the source's node was one, a Linear otherwise.
func (w *nirWriter) weightNode(n *weightNode) {
	pre, post := &w.net.Populations[n.pre], &w.net.Populations[n.post]
	fields := map[string]*hdf5.Data{}
	fields["weight"] = w.floats(n.name, "weight", n.weight)
	fields["weight"].Shape = []int{post.Size, pre.Size}
	typ := "Linear"
	if src := w.src.node(n.name); n.bias != nil || src != nil && src.typ == "Affine" {
		typ = "Affine"
		if n.bias == nil {
			n.bias = make([]float64, post.Size)
		}
		fields["bias"] = w.floats(n.name, "bias", n.bias)
	}
	w.node(n.name, typ, fields)
	w.edges = append(w.edges, [2]string{pre.Name, n.name}, [2]string{n.name, post.Name})
}

func (s *nirSource) node(name string) *nirNode {
	if s == nil {
		return nil
	}
	return s.nodes[name]
}

// outputs adds the Output nodes: the source's, where their sources are
// populations of the network, or else one per neuron population that
// projects nowhere.
func (w *nirWriter) outputs() error {
	if w.src != nil {
		added := false
		for _, n := range w.src.order {
			ins := w.src.edges[n.name]
			if n.typ != "Output" || len(ins) == 0 || w.nodes[n.name] != nil || w.net.PopulationIndex(n.name) >= 0 {
				continue
			}
			size := -1
			for _, in := range ins {
				i := w.net.PopulationIndex(in)
				if i < 0 || size >= 0 && w.net.Populations[i].Size != size {
					size = -2
					break
				}
				size = w.net.Populations[i].Size
			}
			if size < 0 {
				continue
			}
			w.output(n.name, ins, size)
			added = true
		}
		if added {
			return nil
		}
	}
	var sinks []int
	for i := range w.net.Populations {
		if w.sink[i] && w.kind[i] != "" && w.kind[i] != "Input" {
			sinks = append(sinks, i)
		}
	}
	for _, i := range sinks {
		name := "output"
		if len(sinks) > 1 || w.net.PopulationIndex(name) >= 0 {
			name = w.unique(w.net.Populations[i].Name + ".output")
		}
		w.output(name, []string{w.net.Populations[i].Name}, w.net.Populations[i].Size)
	}
	return nil
}

func (w *nirWriter) output(name string, ins []string, size int) {
	shape := w.dims(name, size)
	w.node(name, "Output", map[string]*hdf5.Data{"shape": {Shape: []int{len(shape)}, Int64: shape}})
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
