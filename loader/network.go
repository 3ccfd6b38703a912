package loader

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spindle-sim/spindle/snn"
	"gopkg.in/yaml.v3"
)

var (
	networkKeys    = []string{"name", "dt", "seed", "mode", "neurons", "populations", "projections", "sleep", "placement"}
	neuronKeys     = []string{"tau_m", "v_rest", "v_reset", "v_th", "t_ref", "bias", "leak", "leak_decay", "fixed_scale", "receptors", "v_init"}
	receptorKeys   = []string{"name", "tau_syn"}
	projectionKeys = []string{"name", "pre", "post", "receptor", "connector", "allow_self", "weight", "delay", "sign", "plasticity", "synapse_format"}
	normalKeys     = []string{"mean", "sd", "low", "high"}
	distKeys       = []string{"uniform", "normal"}
	kindNames      = []string{"lif", "poisson", "spike_source"}
	connectorNames = []string{"all_to_all", "one_to_one", "fixed_probability", "fixed_in_degree", "list", "file", "conv"}
	modeNames      = []string{"float", "fixed"}
	signNames      = []string{"excitatory", "inhibitory"}

	// populationKeys are the keys a population of each kind accepts.
	populationKeys = map[snn.Kind][]string{
		snn.LIF:         {"name", "size", "kind", "neuron", "shape"},
		snn.Poisson:     {"name", "size", "kind", "rate", "shape", "graded"},
		snn.SpikeSource: {"name", "size", "kind", "spike_times", "shape", "graded"},
	}
	allPopulationKeys = []string{"name", "size", "kind", "neuron", "rate", "spike_times", "shape", "graded"}
)

// Default neuron values that the network format documents.
const (
	defaultReceptor = "syn"
	defaultTauSyn   = 5.0 // ms
)

// hdf5Signature starts every HDF5 file, and so every NIR graph.
const hdf5Signature = "\x89HDF\r\n\x1a\n"

// LoadNetwork reads a network YAML file, or a NIR graph (see LoadNIR) if
// the name ends in .nir or, whatever its name (.h5, .hdf5), the file
// starts with the HDF5 signature, or a SANA-FE mapped-SNN file (see
// ParseSANAFENetwork) if its first top-level key is network or mappings.
func LoadNetwork(path string) (*snn.Network, error) {
	return LoadNetworkOn(path, SANAFELoihi)
}

// LoadNetworkOn is LoadNetwork with the mesh a SANA-FE file's core
// addresses refer to (see SANAFEMesh).
func LoadNetworkOn(path string, mesh SANAFEGeometry) (*snn.Network, error) {
	return LoadNetworkWith(path, mesh, NIROptions{})
}

// LoadNetworkWith is LoadNetworkOn with the options of a NIR graph. A
// time step in nir applies only to a NIR graph: for another file it is an
// error, since a network file gives its own dt.
func LoadNetworkWith(path string, mesh SANAFEGeometry, nir NIROptions) (*snn.Network, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("loader: %w", err)
	}
	if strings.EqualFold(filepath.Ext(path), ".nir") || bytes.HasPrefix(data, []byte(hdf5Signature)) {
		return nir.Parse(path, data)
	}
	if nir.Dt != 0 {
		return nil, fmt.Errorf("loader: %s: a time step of %g ms applies to NIR graphs only: a network file gives its own dt", path, nir.Dt)
	}
	if IsSANAFENetwork(data) {
		return ParseSANAFENetwork(path, data, mesh)
	}
	return ParseNetwork(path, data)
}

// ParseNetwork decodes a network YAML document; filename is used in error
// messages and, without its extension, as the default network name. The
// network is validated: a nil error means snn.(*Network).Build will not
// reject it for any value in the file.
func ParseNetwork(filename string, data []byte) (*snn.Network, error) {
	return parseNetwork(filename, data, true)
}

// parseNetwork is ParseNetwork; lift says whether to take explicit synapse
// lists out of the document first (see liftLists), which only tests turn
// off, to check that lifting changes nothing.
func parseNetwork(filename string, data []byte, lift bool) (*snn.Network, error) {
	if lift {
		if reduced, lists := liftLists(data); lists != nil {
			p := &netParser{dec: dec{file: filename}, lists: lists}
			n, err := p.parse(reduced)
			// An error stops the decoder before the lists after it, and
			// is the error of the original document: no placeholder can
			// cause one (see connector).
			if err != nil || lists.allUsed() {
				return n, err
			}
		}
	}
	p := &netParser{dec: dec{file: filename}}
	return p.parse(data)
}

type netParser struct {
	dec
	lists    *liftedLists // explicit synapse lists taken out of the document
	net      *snn.Network
	neurons  map[string]*namedNeuron
	popNode  []*yaml.Node // the mapping of each population, for lines
	projNode []*yaml.Node
	popLine  map[string]int // name -> line of its name
	sizes    []int
}

type namedNeuron struct {
	nu snn.Neuron
}

func (p *netParser) parse(data []byte) (*snn.Network, error) {
	root, err := p.dec.parse(data)
	if err != nil {
		return nil, err
	}
	if resolve(root).Kind != yaml.MappingNode {
		return nil, p.errAt(root, "", "expected a mapping with keys %s, got %s", strings.Join(networkKeys, ", "), describe(root))
	}
	top, err := p.mapping(root, "", networkKeys)
	if err != nil {
		return nil, err
	}
	base := filepath.Base(p.file)
	p.net = &snn.Network{Name: strings.TrimSuffix(base, filepath.Ext(base)), Dt: 1, Seed: 1, Mode: snn.Float}
	n := p.net
	if f, ok := top.get("name"); ok {
		if n.Name, err = p.name(f.val, "name"); err != nil {
			return nil, err
		}
	}
	if f, ok := top.get("dt"); ok {
		if n.Dt, err = p.floatCheck(f.val, "dt", "a positive time step in ms", func(v float64) bool { return v > 0 }); err != nil {
			return nil, err
		}
	}
	if f, ok := top.get("seed"); ok {
		if n.Seed, err = p.uint64(f.val, "seed", "a non-negative integer"); err != nil {
			return nil, err
		}
	}
	if f, ok := top.get("mode"); ok {
		m, err := p.word(f.val, "mode", "mode", modeNames)
		if err != nil {
			return nil, err
		}
		n.Mode, _ = snn.ParseMode(m)
	}
	if f, ok := top.get("neurons"); ok {
		if err := p.parseNeurons(f.val); err != nil {
			return nil, err
		}
	}
	if f, ok := top.get("populations"); ok {
		if err := p.parsePopulations(f.val); err != nil {
			return nil, err
		}
	}
	if f, ok := top.get("projections"); ok {
		if err := p.parseProjections(f.val); err != nil {
			return nil, err
		}
	}
	if f, ok := top.get("sleep"); ok {
		if n.Sleep, err = p.parseSleep(f.val); err != nil {
			return nil, err
		}
	}
	if f, ok := top.get("placement"); ok {
		if n.Placement, err = p.parsePlacement(f.val); err != nil {
			return nil, err
		}
	}
	if err := n.Validate(); err != nil {
		return nil, p.locate(root, err)
	}
	return n, nil
}

// locate attributes a Validate error to the population or projection that
// causes it, by validating each alone.
func (p *netParser) locate(root *yaml.Node, err error) error {
	n := p.net
	for i := range n.Populations {
		sub := &snn.Network{Dt: n.Dt, Populations: n.Populations[i : i+1]}
		if e := sub.Validate(); e != nil {
			return p.errAt(p.popNode[i], index("populations", i), "%v", e)
		}
	}
	for j := range n.Projections {
		sub := &snn.Network{Dt: n.Dt, Populations: n.Populations, Projections: n.Projections[j : j+1]}
		if pl := n.Projections[j].Plasticity; pl != nil && pl.Rule == snn.Tied {
			// A tied projection is checked together with the one it follows.
			if i := n.ProjectionIndex(pl.TiedTo); i >= 0 && i != j {
				sub.Projections = []snn.Projection{n.Projections[i], n.Projections[j]}
			}
		}
		if e := sub.Validate(); e != nil {
			return p.errAt(p.projNode[j], index("projections", j), "%v", e)
		}
	}
	return p.errAt(root, "", "%v", err)
}

func (p *netParser) parseNeurons(v *yaml.Node) error {
	v = resolve(v)
	p.neurons = map[string]*namedNeuron{}
	if isNull(v) {
		return nil
	}
	if v.Kind != yaml.MappingNode {
		return p.errAt(v, "neurons", "expected a mapping from names to neuron parameters, got %s", describe(v))
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(v.Content); i += 2 {
		k := resolve(v.Content[i])
		name, err := p.name(k, "neurons")
		if err != nil {
			return err
		}
		path := "neurons." + name
		if line, dup := seen[name]; dup {
			return p.errAt(k, path, "defined twice (first at line %d)", line)
		}
		seen[name] = k.Line
		nu, err := p.parseNeuron(v.Content[i+1], path)
		if err != nil {
			return err
		}
		p.neurons[name] = &namedNeuron{nu: nu}
	}
	return nil
}

// parseNeuron decodes LIF parameters.
func (p *netParser) parseNeuron(v *yaml.Node, path string) (snn.Neuron, error) {
	var nu snn.Neuron
	if r := resolve(v); r == nil || r.Kind != yaml.MappingNode {
		return nu, p.errAt(v, path, "expected a mapping of neuron parameters (%s), got %s", strings.Join(neuronKeys, ", "), describe(v))
	}
	f, err := p.mapping(v, path, neuronKeys)
	if err != nil {
		return nu, err
	}
	leak := true
	if g, ok := f.get("leak"); ok {
		if leak, err = p.boolean(g.val, join(path, "leak")); err != nil {
			return nu, err
		}
	}
	nu.NoLeak = !leak
	if g, ok := f.get("leak_decay"); ok {
		if f.has("tau_m") || f.has("leak") {
			return nu, p.errAt(g.key, join(path, "leak_decay"), "expected either leak_decay or tau_m/leak, not both")
		}
		if nu.LeakDecay, err = p.floatCheck(g.val, join(path, "leak_decay"), "a fraction in (0, 1] kept each tick", func(x float64) bool { return x > 0 && x <= 1 }); err != nil {
			return nu, err
		}
		leak = false
	}
	if g, ok := f.get("tau_m"); ok {
		if leak {
			nu.TauM, err = p.floatCheck(g.val, join(path, "tau_m"), "a positive time constant in ms", func(x float64) bool { return x > 0 })
		} else {
			nu.TauM, err = p.floatCheck(g.val, join(path, "tau_m"), "a time constant >= 0 in ms", func(x float64) bool { return x >= 0 })
		}
		if err != nil {
			return nu, err
		}
	} else if leak {
		return nu, p.errAt(f.node, path, "missing required field tau_m (ms; or set leak: false)")
	}
	g, ok := f.get("v_th")
	if !ok {
		return nu, p.errAt(f.node, path, "missing required field v_th (mV)")
	}
	if nu.VTh, err = p.float(g.val, join(path, "v_th")); err != nil {
		return nu, err
	}
	if g, ok := f.get("v_rest"); ok {
		if nu.VRest, err = p.float(g.val, join(path, "v_rest")); err != nil {
			return nu, err
		}
	}
	nu.VReset = nu.VRest
	if g, ok := f.get("v_reset"); ok {
		if nu.VReset, err = p.float(g.val, join(path, "v_reset")); err != nil {
			return nu, err
		}
	}
	if g, ok := f.get("t_ref"); ok {
		if nu.TRef, err = p.floatCheck(g.val, join(path, "t_ref"), "a refractory period >= 0 in ms", func(x float64) bool { return x >= 0 }); err != nil {
			return nu, err
		}
	}
	if g, ok := f.get("bias"); ok {
		if nu.Bias, err = p.float(g.val, join(path, "bias")); err != nil {
			return nu, err
		}
	}
	if g, ok := f.get("fixed_scale"); ok {
		if nu.FixedScale, err = p.floatCheck(g.val, join(path, "fixed_scale"), "a positive number of state units per mV", func(x float64) bool { return x > 0 }); err != nil {
			return nu, err
		}
	}
	if g, ok := f.get("receptors"); ok {
		if nu.Receptors, err = p.parseReceptors(g.val, join(path, "receptors")); err != nil {
			return nu, err
		}
	} else {
		nu.Receptors = []snn.Receptor{{Name: defaultReceptor, TauSyn: defaultTauSyn}}
	}
	if g, ok := f.get("v_init"); ok {
		if nu.VInit, err = p.dist(g.val, join(path, "v_init"), "mV"); err != nil {
			return nu, err
		}
	}
	return nu, nil
}

func (p *netParser) parseReceptors(v *yaml.Node, path string) ([]snn.Receptor, error) {
	items, err := p.seq(v, path)
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, p.errAt(v, path, "expected at least one receptor {name, tau_syn}")
	}
	if len(items) > snn.MaxReceptors {
		return nil, p.errAt(v, path, "%d receptors: at most %d supported", len(items), snn.MaxReceptors)
	}
	out := make([]snn.Receptor, 0, len(items))
	seen := map[string]int{}
	for i, it := range items {
		ip := index(path, i)
		f, err := p.mapping(it, ip, receptorKeys)
		if err != nil {
			return nil, err
		}
		if r := resolve(it); r == nil || r.Kind != yaml.MappingNode {
			return nil, p.errAt(it, ip, "expected a mapping {name, tau_syn}, got %s", describe(it))
		}
		var r snn.Receptor
		g, ok := f.get("name")
		if !ok {
			return nil, p.errAt(f.node, ip, "missing required field name")
		}
		if r.Name, err = p.name(g.val, join(ip, "name")); err != nil {
			return nil, err
		}
		if line, dup := seen[r.Name]; dup {
			return nil, p.errAt(g.val, join(ip, "name"), "duplicate receptor %q (first at line %d)", r.Name, line)
		}
		seen[r.Name] = resolve(g.val).Line
		g, ok = f.get("tau_syn")
		if !ok {
			return nil, p.errAt(f.node, ip, "missing required field tau_syn (ms)")
		}
		if r.TauSyn, err = p.floatCheck(g.val, join(ip, "tau_syn"), "a time constant >= 0 in ms (0: no current, the input reaches the membrane in its tick)", func(x float64) bool { return x >= 0 }); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// dist decodes a number or a {uniform: [lo, hi]} or {normal: {mean, sd,
// low, high}} distribution.
func (p *netParser) dist(v *yaml.Node, path, unit string) (snn.Dist, error) {
	r := resolve(v)
	if r != nil && r.Kind == yaml.ScalarNode {
		x, err := p.float(r, path)
		if err != nil {
			return snn.Dist{}, p.errAt(r, path, "expected a number (%s) or {uniform: [lo, hi]} or {normal: {mean, sd, low, high}}, got %s", unit, describe(r))
		}
		return snn.Const(x), nil
	}
	if r == nil || r.Kind != yaml.MappingNode {
		return snn.Dist{}, p.errAt(v, path, "expected a number (%s) or {uniform: [lo, hi]} or {normal: {mean, sd, low, high}}, got %s", unit, describe(v))
	}
	f, err := p.mapping(r, path, distKeys)
	if err != nil {
		return snn.Dist{}, err
	}
	if len(f.order) != 1 {
		return snn.Dist{}, p.errAt(r, path, "expected exactly one of uniform, normal; got %d keys", len(f.order))
	}
	if g, ok := f.get("uniform"); ok {
		up := join(path, "uniform")
		items, err := p.seq(g.val, up)
		if err != nil {
			return snn.Dist{}, err
		}
		if len(items) != 2 {
			return snn.Dist{}, p.errAt(g.val, up, "expected two bounds [low, high], got %d values", len(items))
		}
		lo, err := p.float(items[0], index(up, 0))
		if err != nil {
			return snn.Dist{}, err
		}
		hi, err := p.float(items[1], index(up, 1))
		if err != nil {
			return snn.Dist{}, err
		}
		if lo > hi {
			return snn.Dist{}, p.errAt(g.val, up, "expected low <= high, got [%v, %v]", lo, hi)
		}
		return snn.UniformDist(lo, hi), nil
	}
	g, _ := f.get("normal")
	np := join(path, "normal")
	nf, err := p.mapping(g.val, np, normalKeys)
	if err != nil {
		return snn.Dist{}, err
	}
	if r := resolve(g.val); r == nil || r.Kind != yaml.MappingNode {
		return snn.Dist{}, p.errAt(g.val, np, "expected a mapping {mean, sd, low, high}, got %s", describe(g.val))
	}
	var mean, sd float64
	lo, hi := math.Inf(-1), math.Inf(1)
	h, ok := nf.get("mean")
	if !ok {
		return snn.Dist{}, p.errAt(nf.node, np, "missing required field mean")
	}
	if mean, err = p.float(h.val, join(np, "mean")); err != nil {
		return snn.Dist{}, err
	}
	h, ok = nf.get("sd")
	if !ok {
		return snn.Dist{}, p.errAt(nf.node, np, "missing required field sd")
	}
	if sd, err = p.floatCheck(h.val, join(np, "sd"), "a standard deviation >= 0", func(x float64) bool { return x >= 0 }); err != nil {
		return snn.Dist{}, err
	}
	if h, ok := nf.get("low"); ok {
		if lo, err = p.number(h.val, join(np, "low"), "a number"); err != nil {
			return snn.Dist{}, err
		}
		if math.IsNaN(lo) || math.IsInf(lo, 1) {
			return snn.Dist{}, p.errAt(h.val, join(np, "low"), "expected a number or -.inf, got %s", describe(h.val))
		}
	}
	if h, ok := nf.get("high"); ok {
		if hi, err = p.number(h.val, join(np, "high"), "a number"); err != nil {
			return snn.Dist{}, err
		}
		if math.IsNaN(hi) || math.IsInf(hi, -1) {
			return snn.Dist{}, p.errAt(h.val, join(np, "high"), "expected a number or .inf, got %s", describe(h.val))
		}
	}
	if lo > hi {
		return snn.Dist{}, p.errAt(g.val, np, "expected low <= high, got low %v, high %v", lo, hi)
	}
	return snn.NormalDist(mean, sd, lo, hi), nil
}

func (p *netParser) parsePopulations(v *yaml.Node) error {
	items, err := p.seq(v, "populations")
	if err != nil {
		return err
	}
	p.popLine = map[string]int{}
	for i, it := range items {
		path := index("populations", i)
		pop, err := p.parsePopulation(it, path)
		if err != nil {
			return err
		}
		p.net.Populations = append(p.net.Populations, pop)
		p.popNode = append(p.popNode, resolve(it))
	}
	return nil
}

func (p *netParser) parsePopulation(v *yaml.Node, path string) (snn.Population, error) {
	var pop snn.Population
	r := resolve(v)
	if r == nil || r.Kind != yaml.MappingNode {
		return pop, p.errAt(v, path, "expected a mapping {name, size, kind, ...}, got %s", describe(v))
	}
	f, err := p.mapping(r, path, allPopulationKeys)
	if err != nil {
		return pop, err
	}
	g, ok := f.get("name")
	if !ok {
		return pop, p.errAt(r, path, "missing required field name")
	}
	if pop.Name, err = p.name(g.val, join(path, "name")); err != nil {
		return pop, err
	}
	if line, dup := p.popLine[pop.Name]; dup {
		return pop, p.errAt(g.val, join(path, "name"), "duplicate population %q (first defined at line %d)", pop.Name, line)
	}
	p.popLine[pop.Name] = resolve(g.val).Line

	pop.Kind = snn.LIF
	if g, ok := f.get("kind"); ok {
		k, err := p.word(g.val, join(path, "kind"), "kind", kindNames)
		if err != nil {
			return pop, err
		}
		switch k {
		case "poisson":
			pop.Kind = snn.Poisson
		case "spike_source":
			pop.Kind = snn.SpikeSource
		}
	}
	allowed := populationKeys[pop.Kind]
	for _, k := range f.order {
		if !contains(allowed, k) {
			return pop, p.errAt(f.m[k].key, join(path, k), "not used by kind %s (allowed: %s)", pop.Kind, strings.Join(allowed, ", "))
		}
	}

	size := int64(-1)
	if g, ok := f.get("size"); ok {
		if size, err = p.integer(g.val, join(path, "size"), "a non-negative integer", 0, math.MaxInt32); err != nil {
			return pop, err
		}
	}

	switch pop.Kind {
	case snn.LIF:
		g, ok := f.get("neuron")
		if !ok {
			return pop, p.errAt(r, path, "missing required field neuron (a name from neurons, or a mapping of parameters)")
		}
		np := join(path, "neuron")
		gv := resolve(g.val)
		if gv != nil && gv.Kind == yaml.ScalarNode && gv.Tag != "!!null" {
			nn, ok := p.neurons[gv.Value]
			if !ok {
				return pop, p.errAt(gv, np, "unknown neuron %q: define it under neurons: (defined: %s)", clip(gv.Value), haveList(sortedKeys(p.neurons)))
			}
			pop.Neuron = nn.nu
			pop.Neuron.Receptors = append([]snn.Receptor(nil), nn.nu.Receptors...)
		} else if pop.Neuron, err = p.parseNeuron(g.val, np); err != nil {
			return pop, err
		}
	case snn.Poisson:
		g, ok := f.get("rate")
		if !ok {
			return pop, p.errAt(r, path, "missing required field rate (Hz)")
		}
		if pop.RateHz, err = p.floatCheck(g.val, join(path, "rate"), "a rate >= 0 in Hz", func(x float64) bool { return x >= 0 }); err != nil {
			return pop, err
		}
	case snn.SpikeSource:
		g, ok := f.get("spike_times")
		if !ok {
			return pop, p.errAt(r, path, "missing required field spike_times (a list of spike-time lists in ms, one per neuron)")
		}
		if pop.SpikeTimes, err = p.spikeTimes(g.val, join(path, "spike_times")); err != nil {
			return pop, err
		}
		if size < 0 {
			size = int64(len(pop.SpikeTimes))
		} else if size != int64(len(pop.SpikeTimes)) {
			sg, _ := f.get("size")
			return pop, p.errAt(sg.val, join(path, "size"), "expected %d to match the %d spike_times lists, got %d", len(pop.SpikeTimes), len(pop.SpikeTimes), size)
		}
	}
	if size < 0 {
		return pop, p.errAt(r, path, "missing required field size")
	}
	pop.Size = int(size)
	if g, ok := f.get("graded"); ok {
		if pop.Graded, err = p.boolean(g.val, join(path, "graded")); err != nil {
			return pop, err
		}
	}
	if g, ok := f.get("shape"); ok {
		sp := join(path, "shape")
		items, err := p.seq(g.val, sp)
		if err != nil {
			return pop, err
		}
		n := int64(1)
		for i, it := range items {
			d, err := p.integer(it, index(sp, i), "a positive dimension", 1, math.MaxInt32)
			if err != nil {
				return pop, err
			}
			pop.Shape = append(pop.Shape, int(d))
			n = min(n*d, math.MaxInt32+1)
		}
		if len(items) == 0 || n != size {
			return pop, p.errAt(g.val, sp, "expected dimensions whose product is the size %d, got %v", size, pop.Shape)
		}
	}
	return pop, nil
}

func (p *netParser) spikeTimes(v *yaml.Node, path string) ([][]float64, error) {
	lists, err := p.seq(v, path)
	if err != nil {
		return nil, err
	}
	out := make([][]float64, len(lists))
	for i, l := range lists {
		lp := index(path, i)
		ts, err := p.seq(l, lp)
		if err != nil {
			return nil, err
		}
		out[i] = make([]float64, 0, len(ts))
		for j, t := range ts {
			x, err := p.floatCheck(t, index(lp, j), "a spike time >= 0 in ms", func(x float64) bool { return x >= 0 })
			if err != nil {
				return nil, err
			}
			if j > 0 && x < out[i][j-1] {
				return nil, p.errAt(t, index(lp, j), "expected times in increasing order, got %v after %v", x, out[i][j-1])
			}
			out[i] = append(out[i], x)
		}
	}
	return out, nil
}

func haveList(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	const max = 20
	if len(names) > max {
		return strings.Join(names[:max], ", ") + fmt.Sprintf(", ... %d more", len(names)-max)
	}
	return strings.Join(names, ", ")
}

func (p *netParser) projNames() string {
	names := make([]string, len(p.net.Projections))
	for i := range p.net.Projections {
		names[i] = p.net.Projections[i].Name
	}
	return haveList(names)
}

func (p *netParser) popNames() string {
	names := make([]string, len(p.net.Populations))
	for i := range p.net.Populations {
		names[i] = p.net.Populations[i].Name
	}
	return haveList(names)
}

func (p *netParser) parseProjections(v *yaml.Node) error {
	items, err := p.seq(v, "projections")
	if err != nil {
		return err
	}
	for i, it := range items {
		pr, err := p.parseProjection(it, index("projections", i))
		if err != nil {
			return err
		}
		p.net.Projections = append(p.net.Projections, pr)
		p.projNode = append(p.projNode, resolve(it))
	}
	return nil
}

func (p *netParser) population(f *fields, key, path string) (int, *yaml.Node, error) {
	g, ok := f.get(key)
	if !ok {
		return 0, nil, p.errAt(f.node, path, "missing required field %s (a population name)", key)
	}
	name, err := p.name(g.val, join(path, key))
	if err != nil {
		return 0, nil, err
	}
	i := p.net.PopulationIndex(name)
	if i < 0 {
		return 0, nil, p.errAt(g.val, join(path, key), "unknown population %q (have: %s)", clip(name), p.popNames())
	}
	return i, resolve(g.val), nil
}

func (p *netParser) parseProjection(v *yaml.Node, path string) (snn.Projection, error) {
	var pr snn.Projection
	r := resolve(v)
	if r == nil || r.Kind != yaml.MappingNode {
		return pr, p.errAt(v, path, "expected a mapping {pre, post, connector, weight, ...}, got %s", describe(v))
	}
	f, err := p.mapping(r, path, projectionKeys)
	if err != nil {
		return pr, err
	}
	n := p.net
	pre, _, err := p.population(f, "pre", path)
	if err != nil {
		return pr, err
	}
	post, postNode, err := p.population(f, "post", path)
	if err != nil {
		return pr, err
	}
	pr.Pre, pr.Post = n.Populations[pre].Name, n.Populations[post].Name
	pp := &n.Populations[post]
	if pp.Kind != snn.LIF {
		return pr, p.errAt(postNode, join(path, "post"), "population %q is an input (%s) and cannot receive synapses", pp.Name, pp.Kind)
	}
	pr.Name = pr.Pre + "->" + pr.Post
	if g, ok := f.get("name"); ok {
		if pr.Name, err = p.name(g.val, join(path, "name")); err != nil {
			return pr, err
		}
	}
	if g, ok := f.get("receptor"); ok {
		if pr.Receptor, err = p.name(g.val, join(path, "receptor")); err != nil {
			return pr, err
		}
		if pp.Neuron.ReceptorIndex(pr.Receptor) < 0 {
			names := make([]string, len(pp.Neuron.Receptors))
			for i, rc := range pp.Neuron.Receptors {
				names[i] = rc.Name
			}
			return pr, p.errAt(g.val, join(path, "receptor"), "unknown receptor %q of population %q (have: %s)", clip(pr.Receptor), pp.Name, haveList(names))
		}
	}
	if g, ok := f.get("sign"); ok {
		s, err := p.word(g.val, join(path, "sign"), "sign", signNames)
		if err != nil {
			return pr, err
		}
		pr.Inhibitory = s == "inhibitory"
	}
	allowSelf := true
	if g, ok := f.get("allow_self"); ok {
		if allowSelf, err = p.boolean(g.val, join(path, "allow_self")); err != nil {
			return pr, err
		}
	}
	g, ok := f.get("connector")
	if !ok {
		return pr, p.errAt(r, path, "missing required field connector (%s)", strings.Join(connectorNames, " | "))
	}
	if pr.Connector, err = p.connector(g.val, join(path, "connector"), n.Populations[pre].Size, pp.Size, pre == post); err != nil {
		return pr, err
	}
	pr.Connector.NoSelf = !allowSelf

	if g, ok := f.get("weight"); ok {
		if pr.Weight, err = p.dist(g.val, join(path, "weight"), "mV"); err != nil {
			return pr, err
		}
	} else if (pr.Connector.Kind != snn.FromList || !pr.Connector.AllWeighted()) && pr.Connector.Kind != snn.Convolution {
		return pr, p.errAt(r, path, "missing required field weight (mV)")
	}
	if g, ok := f.get("delay"); ok {
		dp := join(path, "delay")
		if pr.Delay, err = p.dist(g.val, dp, "ms"); err != nil {
			return pr, err
		}
		if err := p.checkDelay(g.val, dp, pr.Delay); err != nil {
			return pr, err
		}
	}
	if g, ok := f.get("plasticity"); ok {
		if pr.Plasticity, err = p.parsePlasticity(g.val, join(path, "plasticity"), &pr, f); err != nil {
			return pr, err
		}
	}
	if g, ok := f.get("synapse_format"); ok {
		if pr.Format, err = p.word(g.val, join(path, "synapse_format"), "synapse format", snn.SynapseFormats); err != nil {
			return pr, err
		}
	}
	return pr, nil
}

// tickTolerance absorbs rounding in delays written as multiples of dt.
const tickTolerance = 1e-9

func (p *netParser) belowTick(d float64) bool { return d < p.net.Dt*(1-tickTolerance) }

func (p *netParser) checkDelay(v *yaml.Node, path string, d snn.Dist) error {
	dt := p.net.Dt
	var lo, hi float64
	switch d.Kind {
	case snn.Constant:
		lo, hi = d.Value, d.Value
	case snn.Uniform:
		lo, hi = d.Low, d.High
	case snn.Normal:
		// Draws are clipped to [1, MaxDelayTicks] ticks; only explicit
		// bounds can be wrong.
		lo, hi = d.Low, d.High
		if math.IsInf(lo, -1) {
			lo = dt
		}
		if math.IsInf(hi, 1) {
			hi = dt
		}
		if p.belowTick(hi) {
			return p.errAt(v, path, "expected a normal high bound of at least one tick (dt = %v ms), got %v ms", dt, hi)
		}
	}
	if p.belowTick(lo) {
		return p.errAt(v, path, "expected at least one tick (dt = %v ms), got %v ms", dt, lo)
	}
	if math.Round(hi/dt) > snn.MaxDelayTicks {
		return p.errAt(v, path, "expected at most %d ticks (%v ms), got %v ms", snn.MaxDelayTicks, snn.MaxDelayTicks*dt, hi)
	}
	return nil
}

// connector decodes all_to_all | one_to_one | {fixed_probability: p} |
// {fixed_in_degree: k} | {list: [[pre, post, weight?, delay?], ...]} |
// {file: name.npz|.npy|.csv}.
func (p *netParser) connector(v *yaml.Node, path string, npre, npost int, self bool) (snn.Connector, error) {
	var c snn.Connector
	r := resolve(v)
	forms := "all_to_all | one_to_one | {fixed_probability: p} | {fixed_in_degree: k} | {list: [[pre, post], ...]} | {file: synapses.npz} | {conv: {...}}"
	if r == nil || (r.Kind != yaml.ScalarNode && r.Kind != yaml.MappingNode) || isNull(r) {
		return c, p.errAt(v, path, "expected %s, got %s", forms, describe(v))
	}
	if r.Kind == yaml.ScalarNode {
		switch r.Value {
		case "all_to_all":
			c.Kind = snn.AllToAll
		case "one_to_one":
			c.Kind = snn.OneToOne
		case "fixed_probability", "fixed_in_degree", "list", "file", "conv":
			return c, p.errAt(r, path, "connector %s needs a parameter: write {%s: ...}", r.Value, r.Value)
		default:
			return c, p.errAt(r, path, "unknown connector %q (have: %s)", clip(r.Value), strings.Join(connectorNames, ", "))
		}
		if c.Kind == snn.OneToOne && npre != npost {
			return c, p.errAt(r, path, "one_to_one needs equal sizes, got %d and %d", npre, npost)
		}
		return c, nil
	}
	if len(r.Content) != 2 {
		return c, p.errAt(r, path, "expected exactly one connector, got %d keys", len(r.Content)/2)
	}
	k := resolve(r.Content[0])
	val := r.Content[1]
	if k == nil || k.Kind != yaml.ScalarNode {
		return c, p.errAt(r, path, "expected %s, got %s", forms, describe(r))
	}
	kp := join(path, k.Value)
	switch k.Value {
	case "all_to_all", "one_to_one":
		if !isNull(val) {
			return c, p.errAt(val, kp, "takes no parameter; write connector: %s", k.Value)
		}
		return p.connector(k, path, npre, npost, self)
	case "fixed_probability":
		c.Kind = snn.FixedProbability
		pv, err := p.floatCheck(val, kp, "a probability in [0, 1]", func(x float64) bool { return x >= 0 && x <= 1 })
		if err != nil {
			return c, err
		}
		c.P = pv
	case "fixed_in_degree":
		c.Kind = snn.FixedInDegree
		kd, err := p.integer(val, kp, fmt.Sprintf("a count in [0, %d] (the presynaptic population size)", npre), 0, int64(npre))
		if err != nil {
			return c, err
		}
		c.InDegree = int(kd)
	case "list":
		c.Kind = snn.FromList
		if l, ok := p.lists.list(resolve(val)); ok {
			if err := p.checkLifted(l, kp, npre, npost); err != nil {
				return c, err
			}
			c.Table = l.table
			return c, nil
		}
		l, err := p.connList(val, kp, npre, npost)
		if err != nil {
			return c, err
		}
		c.List = l
	case "conv":
		return p.convConnector(val, kp, npre, npost)
	case "file":
		c.Kind = snn.FromList
		t, err := p.connFile(val, kp, npre, npost)
		if err != nil {
			return c, err
		}
		c.Table = t
	default:
		return c, p.errAt(k, path, "unknown connector %q (have: %s)", clip(k.Value), strings.Join(connectorNames, ", "))
	}
	return c, nil
}

// badConn checks synapse c of a list as connList does: it returns the
// column at fault and what was expected there, or -1.
func (p *netParser) badConn(c *snn.Conn, npre, npost int) (int, string) {
	switch dt := p.net.Dt; {
	case c.Pre < 0 || c.Pre >= npre:
		return 0, fmt.Sprintf("a presynaptic index in [0, %d)", npre)
	case c.Post < 0 || c.Post >= npost:
		return 1, fmt.Sprintf("a postsynaptic index in [0, %d)", npost)
	case c.HasDelay && p.belowTick(c.Delay):
		return 3, fmt.Sprintf("a delay of at least one tick (dt = %v ms)", dt)
	case c.HasDelay && math.Round(c.Delay/dt) > snn.MaxDelayTicks:
		return 3, fmt.Sprintf("at most %d ticks (%v ms)", snn.MaxDelayTicks, snn.MaxDelayTicks*dt)
	}
	return -1, ""
}

// checkLifted checks a lifted list as connList checks a decoded one, with
// the same messages.
func (p *netParser) checkLifted(l *liftedList, path string, npre, npost int) error {
	for k := range l.table.Len() {
		c := l.table.At(k)
		j, want := p.badConn(&c, npre, npost)
		if j < 0 {
			continue
		}
		line, text := p.lists.locate(l, k, j)
		got := clip(text)
		if j == 3 {
			got = fmt.Sprintf("%v ms", c.Delay)
		}
		return &Error{File: p.file, Line: line, Path: index(index(path, k), j), Msg: "expected " + want + ", got " + got}
	}
	return nil
}

// connFile reads the synapses of `file: name`, a path relative to the
// network file, and checks them as connList does.
func (p *netParser) connFile(v *yaml.Node, path string, npre, npost int) (snn.ConnTable, error) {
	name, err := p.name(v, path)
	if err != nil {
		return snn.ConnTable{}, p.errAt(v, path, "expected a file name ending in %s, got %s", strings.Join(connFileKinds, ", "), describe(v))
	}
	file := name
	if !filepath.IsAbs(file) {
		file = filepath.Join(filepath.Dir(p.file), file)
	}
	cf, err := readConnFile(name, file)
	if err != nil {
		return snn.ConnTable{}, p.errAt(v, path, "%v", err)
	}
	for k := range cf.table.Len() {
		c := cf.table.At(k)
		j, want := p.badConn(&c, npre, npost)
		if j < 0 {
			continue
		}
		got := strconv.Itoa(c.Pre)
		switch j {
		case 1:
			got = strconv.Itoa(c.Post)
		case 3:
			got = fmt.Sprintf("%v ms", c.Delay)
		}
		return snn.ConnTable{}, p.errAt(v, path, "%s: expected %s, got %s", cf.where(k, j), want, got)
	}
	return cf.table, nil
}

func (p *netParser) connList(v *yaml.Node, path string, npre, npost int) ([]snn.Conn, error) {
	items, err := p.seq(v, path)
	if err != nil {
		return nil, err
	}
	out := make([]snn.Conn, 0, len(items))
	for i, it := range items {
		ip := index(path, i)
		vals, err := p.seq(it, ip)
		if err != nil {
			return nil, err
		}
		if len(vals) < 2 || len(vals) > 4 {
			return nil, p.errAt(it, ip, "expected [pre, post], [pre, post, weight_mV] or [pre, post, weight_mV, delay_ms], got %d values", len(vals))
		}
		var c snn.Conn
		pre, err := p.integer(vals[0], index(ip, 0), fmt.Sprintf("a presynaptic index in [0, %d)", npre), 0, int64(npre)-1)
		if err != nil {
			return nil, err
		}
		post, err := p.integer(vals[1], index(ip, 1), fmt.Sprintf("a postsynaptic index in [0, %d)", npost), 0, int64(npost)-1)
		if err != nil {
			return nil, err
		}
		c.Pre, c.Post = int(pre), int(post)
		if len(vals) > 2 {
			if c.Weight, err = p.float(vals[2], index(ip, 2)); err != nil {
				return nil, err
			}
			c.HasWeight = true
		}
		if len(vals) > 3 {
			if c.Delay, err = p.float(vals[3], index(ip, 3)); err != nil {
				return nil, err
			}
			if p.belowTick(c.Delay) {
				return nil, p.errAt(vals[3], index(ip, 3), "expected a delay of at least one tick (dt = %v ms), got %v ms", p.net.Dt, c.Delay)
			}
			if math.Round(c.Delay/p.net.Dt) > snn.MaxDelayTicks {
				return nil, p.errAt(vals[3], index(ip, 3), "expected at most %d ticks (%v ms), got %v ms", snn.MaxDelayTicks, snn.MaxDelayTicks*p.net.Dt, c.Delay)
			}
			c.HasDelay = true
		}
		out = append(out, c)
	}
	return out, nil
}
