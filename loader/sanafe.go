package loader

import (
	"bytes"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/spindle-sim/spindle/chip"
	"github.com/spindle-sim/spindle/snn"
	"gopkg.in/yaml.v3"
)

// SANA-FE's mapped-SNN files (docs/sanafe.md) describe a network as
// neuron groups, edges and a mapping of every neuron onto a core. They
// are read here into an snn.Network whose placement is SANA-FE's mapping
// and whose neurons compute SANA-FE's spikes exactly; anything that would
// not is refused with the line of the construct.

// sanafeStep is the resolution of a SANA-FE Loihi compartment: its LIF
// truncates the potential to 1/64 every tick (Loihi shifts weights and
// thresholds by 6 bits). Spindle's fixed mode holds the same integers with
// fixed_scale 64.
const sanafeStep = 64

// sanafeTauSyn makes the 12-bit current decay constant 0, so that a
// synaptic input lasts exactly one tick, as SANA-FE's accumulator
// dendrite delivers it (input_decay 0).
const sanafeTauSyn = 0.05

// SANAFEGeometry is the tile mesh SANA-FE's "tile.core" addresses refer
// to. SANA-FE numbers tile T at column T/Height, row T%Height; Spindle
// numbers tiles row by row (router.tileOf). Both put cores of a tile in
// order, so a core keeps its mesh position and hop counts.
type SANAFEGeometry struct {
	Width, Height, CoresPerTile int
}

// SANAFELoihi is the mesh of SANA-FE's arch/loihi.yaml, which is also
// Spindle's loihi preset: 8x4 tiles of 4 cores.
var SANAFELoihi = SANAFEGeometry{Width: 8, Height: 4, CoresPerTile: 4}

// SANAFEMesh returns the mesh of arch a as SANA-FE addresses it: a
// SANA-FE architecture file read by ParseSANAFEArch keeps its width,
// height and cores per tile.
func SANAFEMesh(a *chip.Arch) SANAFEGeometry {
	return SANAFEGeometry{Width: a.TilesX, Height: a.TilesY, CoresPerTile: a.CoresPerTile}
}

// core returns the Spindle core of SANA-FE's core k of tile t.
func (g SANAFEGeometry) core(t, k int) (int, bool) {
	if t < 0 || k < 0 || t >= g.Width*g.Height || k >= g.CoresPerTile {
		return 0, false
	}
	x, y := t/g.Height, t%g.Height
	return (y*g.Width+x)*g.CoresPerTile + k, true
}

// IsSANAFENetwork reports whether data looks like a SANA-FE mapped-SNN
// file: its first top-level key is network or mappings, which Spindle's
// own network format does not have.
func IsSANAFENetwork(data []byte) bool {
	return firstTopKey(data, []string{"network", "mappings"})
}

// firstTopKey reports whether the first key at column 0 of a YAML
// document is one of keys.
func firstTopKey(data []byte, keys []string) bool {
	for len(data) > 0 {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		line = bytes.TrimRight(line, " \t\r")
		if len(line) == 0 || line[0] == '#' || line[0] == ' ' || line[0] == '\t' || string(line) == "---" {
			continue
		}
		for _, k := range keys {
			if bytes.HasPrefix(line, []byte(k+":")) {
				return true
			}
		}
		return false
	}
	return false
}

// sanafeSomaModels are the soma units of SANA-FE's shipped architectures
// (arch/*.yaml and sanafe/examples/*.yaml at 8951ab0) and their models.
// A neuron that names no soma unit gets its core's first, which is a
// leaky_integrate_fire unit in every shipped Loihi and demo architecture.
var sanafeSomaModels = map[string]string{
	"":                  "leaky_integrate_fire",
	"loihi_lif":         "leaky_integrate_fire",
	"demo_soma_default": "leaky_integrate_fire",
	"demo_soma_alt":     "leaky_integrate_fire",
	"soma":              "leaky_integrate_fire",
	"loihi_inputs":      "input",
	"demo_input":        "input",
	"dummy_input":       "input",
	"core_soma":         "truenorth",
	"loihi_neurofem":    "neurofem",
}

// sanafeDendrites are the dendrite units of the shipped architectures.
var sanafeDendrites = map[string]string{
	"":                      "accumulator",
	"loihi_dendrites":       "accumulator",
	"loihi_dendrites_delay": "accumulator_with_delay",
	"demo_dendrite":         "accumulator",
	"core_dendrites":        "accumulator",
	"dendrite":              "taps",
}

// sanafeSynapses are the synapse units of the shipped architectures, all
// current_based: the format (dense, sparse, conv) only sets their cost.
var sanafeSynapses = map[string]bool{
	"": true, "loihi_dense_synapse": true, "loihi_sparse_synapse": true, "loihi_conv_synapse": true,
	"demo_synapse": true, "core_synapses": true, "synapse": true,
}

// sanafeLIFAttrs are the attributes SANA-FE's leaky_integrate_fire soma
// reads (src/models.cpp LoihiLifModel) that Spindle models; the trace
// and update flags only choose what SANA-FE logs and charges.
var sanafeLIFAttrs = []string{"threshold", "reset", "reset_mode", "reverse_threshold", "reverse_reset", "reverse_reset_mode",
	"leak_decay", "input_decay", "bias", "potential", "refractory_delay", "force_update", "force_update_every_timestep", "log_u"}

var sanafeTrueNorthAttrs = []string{"threshold", "reset", "reset_mode", "reverse_threshold", "reverse_reset", "reverse_reset_mode",
	"leak", "leak_towards_zero", "bias", "random_mask", "force_update", "force_update_every_timestep"}

var sanafeInputAttrs = []string{"spikes", "poisson", "rate"}

// sanafeAttr is one model attribute as written: its value node and the
// key, for lines.
type sanafeAttr struct {
	key, val *yaml.Node
	path     string
}

// sanafeConf is the attribute set of one or more neurons: a group's
// defaults with a neuron's own on top.
type sanafeConf struct {
	attrs    map[string]sanafeAttr
	soma     string // soma_hw_name
	somaKey  *yaml.Node
	dendrite string
	dendKey  *yaml.Node
	synapse  string
	synKey   *yaml.Node
}

// key identifies the attribute values, so that neurons with the same
// values share a Spindle population.
func (c *sanafeConf) key() string {
	var b strings.Builder
	names := sortedKeys(c.attrs)
	for _, k := range names {
		b.WriteString(k)
		b.WriteByte('=')
		nodeText(&b, c.attrs[k].val)
		b.WriteByte(';')
	}
	b.WriteString("soma=" + c.soma + ";dendrite=" + c.dendrite + ";synapse=" + c.synapse)
	return b.String()
}

func nodeText(b *strings.Builder, n *yaml.Node) {
	n = resolve(n)
	if n == nil {
		return
	}
	switch n.Kind {
	case yaml.ScalarNode:
		b.WriteString(n.Value)
	default:
		b.WriteByte('[')
		for _, c := range n.Content {
			nodeText(b, c)
			b.WriteByte(',')
		}
		b.WriteByte(']')
	}
}

func (c *sanafeConf) clone() *sanafeConf {
	d := *c
	d.attrs = make(map[string]sanafeAttr, len(c.attrs))
	for k, v := range c.attrs {
		d.attrs[k] = v
	}
	return &d
}

// sanafeGroup is a neuron group: per neuron, its attribute set and core.
type sanafeGroup struct {
	name  string
	node  *yaml.Node
	conf  []int32  // index into sanafeParser.confs
	core  []int32  // Spindle core; -1 while unmapped
	soma  []string // soma unit a mapping gives each neuron; nil: none does
	pop   []int32  // Spindle population of each neuron
	local []int32  // index within that population
}

// sanafeEdges are the synapses between two groups, in group indices.
type sanafeEdges struct {
	pre, post *sanafeGroup
	i, j      []int32
	w         []float64
	firstLine int // for errors about the pair
}

type sanafeParser struct {
	dec
	geom    SANAFEGeometry
	groups  []*sanafeGroup
	byName  map[string]*sanafeGroup
	confs   []*sanafeConf
	confIdx map[string]int32
	edges   []*sanafeEdges
	edgeIdx map[[2]*sanafeGroup]*sanafeEdges
	lifted  liftedEdges
}

// ParseSANAFENetwork reads a SANA-FE mapped-SNN file whose core addresses
// refer to the mesh geom. filename is used in errors.
func ParseSANAFENetwork(filename string, data []byte, geom SANAFEGeometry) (*snn.Network, error) {
	p := &sanafeParser{dec: dec{file: filename}, geom: geom, byName: map[string]*sanafeGroup{},
		confIdx: map[string]int32{}, edgeIdx: map[[2]*sanafeGroup]*sanafeEdges{}}
	data, p.lifted = liftSANAFEEdges(data)
	root, err := p.dec.parse(data)
	if err != nil {
		return nil, err
	}
	top, err := p.mapping(root, "", []string{"network", "mappings"})
	if err != nil {
		return nil, err
	}
	nf, ok := top.get("network")
	if !ok {
		return nil, p.errAt(root, "", "missing required section network (SANA-FE mapped-SNN file)")
	}
	net, err := p.parseNetwork(nf.val)
	if err != nil {
		return nil, err
	}
	mf, ok := top.get("mappings")
	if !ok {
		return nil, p.errAt(root, "", "missing required section mappings: SANA-FE places every neuron explicitly")
	}
	if err := p.parseMappings(mf.val); err != nil {
		return nil, err
	}
	if err := p.build(net); err != nil {
		return nil, err
	}
	return net, nil
}

func (p *sanafeParser) parseNetwork(v *yaml.Node) (*snn.Network, error) {
	f, err := p.mapping(v, "network", []string{"name", "groups", "edges"})
	if err != nil {
		return nil, err
	}
	net := &snn.Network{Dt: 1, Mode: snn.Fixed, Name: strings.TrimSuffix(p.file, ".yaml")}
	if g, ok := f.get("name"); ok {
		if n := resolve(g.val); n != nil && n.Kind == yaml.ScalarNode && n.Value != "" {
			net.Name = n.Value
		}
	}
	g, ok := f.get("groups")
	if !ok {
		return nil, p.errAt(f.node, "network", "missing required field groups")
	}
	items, err := p.seq(g.val, "network.groups")
	if err != nil {
		return nil, err
	}
	for k, it := range items {
		if err := p.parseGroup(it, index("network.groups", k)); err != nil {
			return nil, err
		}
	}
	if e, ok := f.get("edges"); ok {
		items, err := p.seq(e.val, "network.edges")
		if err != nil {
			return nil, err
		}
		for k, it := range items {
			// Edges keep their file order, lifted or not.
			if err := p.addLifted(it.Line); err != nil {
				return nil, err
			}
			if err := p.parseEdge(it, index("network.edges", k)); err != nil {
				return nil, err
			}
		}
	}
	return net, p.addLifted(math.MaxInt)
}

func (p *sanafeParser) parseGroup(v *yaml.Node, path string) error {
	f, err := p.mapping(v, path, []string{"name", "attributes", "neurons"})
	if err != nil {
		return err
	}
	nf, ok := f.get("name")
	if !ok {
		return p.errAt(f.node, path, "missing required field name")
	}
	name, err := p.groupName(nf.val, join(path, "name"))
	if err != nil {
		return err
	}
	if prev, dup := p.byName[name]; dup {
		return p.errAt(nf.val, join(path, "name"), "group %q defined twice (first at line %d)", name, prev.node.Line)
	}
	def := &sanafeConf{attrs: map[string]sanafeAttr{}}
	if a, ok := f.get("attributes"); ok {
		if err := p.attributes(a.val, join(path, "attributes"), def); err != nil {
			return err
		}
	}
	neurons, ok := f.get("neurons")
	if !ok {
		return p.errAt(f.node, path, "missing required field neurons")
	}
	items, err := p.seq(neurons.val, join(path, "neurons"))
	if err != nil {
		return err
	}
	// SANA-FE sizes a group by counting its entries, then sets each
	// entry's neurons by id; ids must therefore lie below the count.
	type entry struct {
		lo, hi int
		attrs  *yaml.Node
		key    *yaml.Node
		path   string
	}
	var entries []entry
	size := 0
	for k, it := range items {
		ip := index(join(path, "neurons"), k)
		it = resolve(it)
		if it != nil && it.Kind == yaml.ScalarNode {
			lo, hi, err := p.idRange(it, ip)
			if err != nil {
				return err
			}
			entries = append(entries, entry{lo, hi, nil, it, ip})
			size += hi - lo + 1
			continue
		}
		if it == nil || it.Kind != yaml.MappingNode {
			return p.errAt(it, ip, "expected a neuron id or range (3, 0..15) or {id: attributes}, got %s", describe(it))
		}
		for c := 0; c+1 < len(it.Content); c += 2 {
			lo, hi, err := p.idRange(it.Content[c], ip)
			if err != nil {
				return err
			}
			entries = append(entries, entry{lo, hi, it.Content[c+1], it.Content[c], join(ip, it.Content[c].Value)})
			size += hi - lo + 1
			if size > maxSANAFEGroup {
				return p.errAt(it.Content[c], ip, "group %q: more than %d neurons", name, maxSANAFEGroup)
			}
		}
	}
	g := &sanafeGroup{name: name, node: nf.val, conf: make([]int32, size), core: make([]int32, size)}
	for i := range g.core {
		g.core[i] = -1
	}
	defIdx := p.intern(def)
	for i := range g.conf {
		g.conf[i] = defIdx
	}
	for _, e := range entries {
		if e.hi >= size {
			return p.errAt(e.key, e.path, "neuron id %d: group %q has %d neurons (SANA-FE counts the entries); expected ids 0..%d", e.hi, name, size, size-1)
		}
		idx := defIdx
		if !isNull(resolve(e.attrs)) {
			c := def.clone()
			if err := p.attributes(e.attrs, e.path, c); err != nil {
				return err
			}
			idx = p.intern(c)
		}
		for i := e.lo; i <= e.hi; i++ {
			g.conf[i] = idx
		}
	}
	p.groups = append(p.groups, g)
	p.byName[name] = g
	return nil
}

// maxSANAFEGroup bounds a group so that a short range like 0..9999999999
// cannot ask for gigabytes.
const maxSANAFEGroup = 1 << 24

func (p *sanafeParser) groupName(v *yaml.Node, path string) (string, error) {
	n := resolve(v)
	if n == nil || n.Kind != yaml.ScalarNode || n.Value == "" || strings.ContainsAny(n.Value, ". \t") {
		return "", p.errAt(v, path, "expected a group name without dots or spaces, got %s", describe(v))
	}
	return n.Value, nil
}

// idRange reads "7" or "0..15".
func (p *sanafeParser) idRange(v *yaml.Node, path string) (lo, hi int, err error) {
	n := resolve(v)
	if n == nil || n.Kind != yaml.ScalarNode {
		return 0, 0, p.errAt(v, path, "expected a neuron id or range like 0..15, got %s", describe(v))
	}
	lo, hi, ok := parseIDRange(n.Value)
	if !ok {
		return 0, 0, p.errAt(v, path, "expected a neuron id or range like 0..15 (first <= last), got %q", clip(n.Value))
	}
	return lo, hi, nil
}

func parseIDRange(s string) (lo, hi int, ok bool) {
	s = strings.TrimSpace(s)
	if a, b, found := strings.Cut(s, ".."); found {
		l, err1 := strconv.Atoi(strings.TrimSpace(a))
		h, err2 := strconv.Atoi(strings.TrimSpace(b))
		if err1 != nil || err2 != nil || l < 0 || h < l || h >= maxSANAFEGroup {
			return 0, 0, false
		}
		return l, h, true
	}
	l, err := strconv.Atoi(s)
	if err != nil || l < 0 || l >= maxSANAFEGroup {
		return 0, 0, false
	}
	return l, l, true
}

func (p *sanafeParser) intern(c *sanafeConf) int32 {
	k := c.key()
	if i, ok := p.confIdx[k]; ok {
		return i
	}
	i := int32(len(p.confs))
	p.confs = append(p.confs, c)
	p.confIdx[k] = i
	return i
}

// attributes applies an attribute mapping, or a list of them in order, to
// c: SANA-FE's hardware names, its trace flags and model attributes,
// with soma: and dendrite: sections for one unit only.
func (p *sanafeParser) attributes(v *yaml.Node, path string, c *sanafeConf) error {
	v = resolve(v)
	if isNull(v) {
		return nil
	}
	if v.Kind == yaml.SequenceNode {
		for k, it := range v.Content {
			if err := p.attributes(it, index(path, k), c); err != nil {
				return err
			}
		}
		return nil
	}
	if v.Kind != yaml.MappingNode {
		return p.errAt(v, path, "expected a mapping of attributes or a list of them, got %s", describe(v))
	}
	for k := 0; k+1 < len(v.Content); k += 2 {
		key, val := resolve(v.Content[k]), v.Content[k+1]
		if key == nil || key.Kind != yaml.ScalarNode {
			return p.errAt(v.Content[k], path, "expected an attribute name, got %s", describe(key))
		}
		kp := join(path, key.Value)
		switch key.Value {
		case "soma_hw_name", "dendrite_hw_name", "synapse_hw_name":
			n := resolve(val)
			if n == nil || n.Kind != yaml.ScalarNode {
				return p.errAt(val, kp, "expected a hardware unit name, got %s", describe(val))
			}
			switch key.Value {
			case "soma_hw_name":
				c.soma, c.somaKey = n.Value, key
			case "dendrite_hw_name":
				c.dendrite, c.dendKey = n.Value, key
			default:
				c.synapse, c.synKey = n.Value, key
			}
		case "log_spikes", "log_potential":
			// SANA-FE's trace selection; Spindle's traces are chosen on the
			// command line (--trace, --record).
			if _, err := p.boolean(val, kp); err != nil {
				return err
			}
		case "soma":
			if err := p.attributes(val, kp, c); err != nil {
				return err
			}
		case "dendrite":
			return p.errAt(key, kp, "dendrite attributes of a neuron: Spindle models only SANA-FE's accumulator dendrite, which takes none")
		default:
			c.attrs[key.Value] = sanafeAttr{key: key, val: val, path: kp}
		}
	}
	return nil
}

// parseEdge reads one "pre -> post: attributes" entry: a synapse between
// two neurons, or a hyper-edge (dense, sparse, conv2d) between groups.
func (p *sanafeParser) parseEdge(v *yaml.Node, path string) error {
	v = resolve(v)
	if v == nil || v.Kind != yaml.MappingNode || len(v.Content) != 2 {
		return p.errAt(v, path, "expected one \"pre -> post: attributes\" entry, got %s", describe(v))
	}
	key, attrs := resolve(v.Content[0]), v.Content[1]
	if key == nil || key.Kind != yaml.ScalarNode {
		return p.errAt(v, path, "expected \"pre -> post\", got %s", describe(key))
	}
	pre, post, ok := strings.Cut(key.Value, "->")
	if !ok {
		return p.errAt(key, path, "edge %q: expected \"group -> group\" or \"group.id -> group.id\"", clip(key.Value))
	}
	pre, post = strings.TrimSpace(pre), strings.TrimSpace(post)
	pg, pi, pHas := strings.Cut(pre, ".")
	qg, qi, qHas := strings.Cut(post, ".")
	ep := join(path, key.Value)
	src, dst := p.byName[pg], p.byName[qg]
	if src == nil {
		return p.errAt(key, ep, "source group %q not defined (groups: %s)", pg, p.groupNames())
	}
	if dst == nil {
		return p.errAt(key, ep, "target group %q not defined (groups: %s)", qg, p.groupNames())
	}
	if pHas != qHas {
		return p.errAt(key, ep, "expected neuron ids on both sides (a.1 -> b.2) or on neither (a -> b)")
	}
	if !pHas {
		return p.hyperEdge(src, dst, attrs, ep)
	}
	i, err1 := strconv.Atoi(pi)
	j, err2 := strconv.Atoi(qi)
	if err1 != nil || err2 != nil || i < 0 || j < 0 || i >= len(src.conf) || j >= len(dst.conf) {
		return p.errAt(key, ep, "expected neuron ids within the groups (%s: 0..%d, %s: 0..%d)", pg, len(src.conf)-1, qg, len(dst.conf)-1)
	}
	w, err := p.synapseAttrs(attrs, ep)
	if err != nil {
		return err
	}
	p.addSynapse(src, dst, i, j, w, key.Line)
	return nil
}

func (p *sanafeParser) groupNames() string {
	names := make([]string, len(p.groups))
	for k, g := range p.groups {
		names[k] = g.name
	}
	return haveList(names)
}

// synapseAttrs reads the attributes of a single synapse: its weight, and
// a dendrite delay of 0.
func (p *sanafeParser) synapseAttrs(v *yaml.Node, path string) (float64, error) {
	w := 0.0 // SANA-FE's current_based synapse starts at weight 0
	var walk func(v *yaml.Node, path string, unit string) error
	walk = func(v *yaml.Node, path string, unit string) error {
		v = resolve(v)
		if isNull(v) {
			return nil
		}
		if v.Kind == yaml.SequenceNode {
			for k, it := range v.Content {
				if err := walk(it, index(path, k), unit); err != nil {
					return err
				}
			}
			return nil
		}
		if v.Kind != yaml.MappingNode {
			return p.errAt(v, path, "expected a mapping of synapse attributes, got %s", describe(v))
		}
		for k := 0; k+1 < len(v.Content); k += 2 {
			key, val := resolve(v.Content[k]), v.Content[k+1]
			if key == nil || key.Kind != yaml.ScalarNode {
				return p.errAt(v.Content[k], path, "expected an attribute name, got %s", describe(key))
			}
			kp := join(path, key.Value)
			switch {
			case (key.Value == "synapse" || key.Value == "dendrite") && unit == "":
				if err := walk(val, kp, key.Value); err != nil {
					return err
				}
			case (key.Value == "weight" || key.Value == "w") && unit != "dendrite":
				x, err := p.step(val, kp)
				if err != nil {
					return err
				}
				w = x
			case key.Value == "delay" && unit != "synapse":
				d, err := p.number(val, kp, "a delay in ticks")
				if err != nil {
					return err
				}
				if d != 0 {
					return p.errAt(val, kp, "dendrite delay %v: Spindle does not model SANA-FE's accumulator_with_delay; expected 0", d)
				}
			default:
				return p.errAt(key, kp, "synapse attribute %q: Spindle models SANA-FE's current_based synapse (weight) and accumulator dendrite", key.Value)
			}
		}
		return nil
	}
	return w, walk(v, path, "")
}

// step reads a number that Spindle's fixed mode holds exactly: a
// multiple of 1/64, the resolution of SANA-FE's Loihi compartment.
func (p *sanafeParser) step(v *yaml.Node, path string) (float64, error) {
	x, err := p.number(v, path, "a number")
	if err != nil {
		return 0, err
	}
	if s := x * sanafeStep; s != math.Trunc(s) || math.Abs(s) > 1<<30 {
		return 0, p.errAt(v, path, "%v: expected a multiple of 1/64 within ±2^24 (Spindle holds SANA-FE's Loihi values as integers of 1/64)", x)
	}
	return x, nil
}

// hyperEdge expands a dense, sparse or conv2d edge into synapses exactly
// as SANA-FE's connect_neurons_* do (src/network.cpp at 8951ab0).
func (p *sanafeParser) hyperEdge(src, dst *sanafeGroup, v *yaml.Node, path string) error {
	type attr struct{ key, val *yaml.Node }
	attrs := map[string]attr{}
	var order []string
	var collect func(v *yaml.Node, path string) error
	collect = func(v *yaml.Node, path string) error {
		v = resolve(v)
		if isNull(v) {
			return nil
		}
		if v.Kind == yaml.SequenceNode {
			for k, it := range v.Content {
				if err := collect(it, index(path, k)); err != nil {
					return err
				}
			}
			return nil
		}
		if v.Kind != yaml.MappingNode {
			return p.errAt(v, path, "expected a mapping of edge attributes, got %s", describe(v))
		}
		for k := 0; k+1 < len(v.Content); k += 2 {
			key := resolve(v.Content[k])
			if key == nil || key.Kind != yaml.ScalarNode {
				return p.errAt(v.Content[k], path, "expected an attribute name, got %s", describe(key))
			}
			if _, ok := attrs[key.Value]; !ok {
				order = append(order, key.Value)
			}
			attrs[key.Value] = attr{key, v.Content[k+1]}
		}
		return nil
	}
	if err := collect(v, path); err != nil {
		return err
	}
	t, ok := attrs["type"]
	if !ok {
		return p.errAt(v, path, "missing required field type (dense, sparse or conv2d) of a group-to-group edge")
	}
	typ := resolve(t.val)
	if typ == nil || typ.Kind != yaml.ScalarNode {
		return p.errAt(t.val, join(path, "type"), "expected dense, sparse or conv2d, got %s", describe(t.val))
	}
	var shape []string
	switch typ.Value {
	case "dense":
	case "sparse":
		shape = []string{"source_target_pairs"}
	case "conv2d":
		shape = []string{"input_height", "input_width", "input_channels", "kernel_width", "kernel_height", "kernel_count", "stride_width", "stride_height"}
	default:
		return p.errAt(t.val, join(path, "type"), "hyper-edge type %q: expected dense, sparse or conv2d", clip(typ.Value))
	}
	var weights []float64
	var weightNode *yaml.Node
	for _, k := range order {
		a := attrs[k]
		kp := join(path, k)
		switch {
		case k == "type" || contains(shape, k):
		case k == "weight" || k == "w":
			items, err := p.seq(a.val, kp)
			if err != nil {
				return p.errAt(a.val, kp, "expected a list with one weight per connection, got %s", describe(a.val))
			}
			weights = make([]float64, len(items))
			for n, it := range items {
				if weights[n], err = p.step(it, index(kp, n)); err != nil {
					return err
				}
			}
			weightNode = a.key
		case k == "dendrite" || k == "synapse":
			// SANA-FE at 8951ab0 skips these sections on hyper-edges; a
			// delay of 0 is all they could mean here.
			if err := p.zeroDelays(a.val, kp); err != nil {
				return err
			}
		default:
			return p.errAt(a.key, kp, "hyper-edge attribute %q: Spindle models SANA-FE's current_based synapse (weight) only", k)
		}
	}
	get := func(k string) (int, error) {
		a, ok := attrs[k]
		if !ok {
			return 0, p.errAt(v, path, "missing required field %s of a %s edge", k, typ.Value)
		}
		x, err := p.integer(a.val, join(path, k), "a positive integer", 1, 1<<20)
		return int(x), err
	}
	weight := func(n int, line int) (float64, error) {
		if n >= len(weights) {
			if weightNode == nil {
				return 0, p.errAt(v, path, "missing required field weight (one per connection)")
			}
			return 0, p.errAt(weightNode, join(path, "weight"), "%d weights: expected at least %d, one per connection", len(weights), n+1)
		}
		return weights[n], nil
	}
	line := v.Line
	if line == 0 {
		line = t.key.Line
	}
	switch typ.Value {
	case "dense":
		n := len(src.conf) * len(dst.conf)
		if _, err := weight(n-1, line); err != nil && n > 0 {
			return err
		}
		p.reserve(src, dst, n, line)
		for i := range src.conf {
			for j := range dst.conf {
				p.addSynapse(src, dst, i, j, weights[i*len(dst.conf)+j], line)
			}
		}
	case "sparse":
		a := attrs["source_target_pairs"]
		kp := join(path, "source_target_pairs")
		pairs, err := p.seq(a.val, kp)
		if err != nil {
			return err
		}
		for n, pr := range pairs {
			pp := index(kp, n)
			ij, err := p.seq(pr, pp)
			if err != nil || len(ij) != 2 {
				return p.errAt(pr, pp, "expected a pair [source, target], got %s", describe(pr))
			}
			i, err := p.integer(ij[0], index(pp, 0), "a source neuron id", 0, int64(len(src.conf)-1))
			if err != nil {
				return err
			}
			j, err := p.integer(ij[1], index(pp, 1), "a target neuron id", 0, int64(len(dst.conf)-1))
			if err != nil {
				return err
			}
			w, err := weight(n, line)
			if err != nil {
				return err
			}
			p.addSynapse(src, dst, int(i), int(j), w, pr.Line)
		}
	case "conv2d":
		var c [8]int
		for k, name := range shape {
			var err error
			if c[k], err = get(name); err != nil {
				return err
			}
		}
		ih, iw, ic, kw, kh, kc, sw, sh := c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]
		if kw > iw || kh > ih {
			return p.errAt(v, path, "kernel %dx%d larger than the input %dx%d", kw, kh, iw, ih)
		}
		ow, oh := (iw-kw)/sw+1, (ih-kh)/sh+1
		if ic*iw*ih != len(src.conf) {
			return p.errAt(v, path, "conv2d input %dx%dx%d: expected %d neurons in group %q, found %d", ic, ih, iw, ic*iw*ih, src.name, len(src.conf))
		}
		if kc*ow*oh != len(dst.conf) {
			return p.errAt(v, path, "conv2d output %dx%dx%d: expected %d neurons in group %q, found %d", kc, oh, ow, kc*ow*oh, dst.name, len(dst.conf))
		}
		if _, err := weight(kh*kw*ic*kc-1, line); err != nil {
			return err
		}
		p.reserve(src, dst, kc*oh*ow*ic*kh*kw, line)
		// Channels first for neurons, [y][x][in][out] for the filter.
		for co := 0; co < kc; co++ {
			for yo := 0; yo < oh; yo++ {
				for xo := 0; xo < ow; xo++ {
					d := (co*oh+yo)*ow + xo
					for ci := 0; ci < ic; ci++ {
						for yf := 0; yf < kh; yf++ {
							for xf := 0; xf < kw; xf++ {
								s := ci*iw*ih + (yo*sh+yf)*iw + xo*sw + xf
								f := ((yf*kw+xf)*ic+ci)*kc + co
								p.addSynapse(src, dst, s, d, weights[f], line)
							}
						}
					}
				}
			}
		}
	}
	return nil
}

// zeroDelays accepts a unit section of a hyper-edge whose only attribute
// is a list of zero delays.
func (p *sanafeParser) zeroDelays(v *yaml.Node, path string) error {
	f, err := p.mapping(v, path, []string{"delay"})
	if err != nil {
		return err
	}
	d, ok := f.get("delay")
	if !ok {
		return nil
	}
	items, err := p.seq(d.val, join(path, "delay"))
	if err != nil {
		return err
	}
	for k, it := range items {
		x, err := p.number(it, index(join(path, "delay"), k), "a delay in ticks")
		if err != nil {
			return err
		}
		if x != 0 {
			return p.errAt(it, index(join(path, "delay"), k), "dendrite delay %v: Spindle does not model SANA-FE's accumulator_with_delay; expected 0", x)
		}
	}
	return nil
}

func (p *sanafeParser) addSynapse(src, dst *sanafeGroup, i, j int, w float64, line int) {
	k := [2]*sanafeGroup{src, dst}
	e := p.edgeIdx[k]
	if e == nil {
		e = &sanafeEdges{pre: src, post: dst, firstLine: line}
		p.edgeIdx[k] = e
		p.edges = append(p.edges, e)
	}
	e.i = append(e.i, int32(i))
	e.j = append(e.j, int32(j))
	e.w = append(e.w, w)
}

// reserve makes room for n more synapses from src to dst, so that a
// hyper-edge of millions of synapses grows its columns once.
func (p *sanafeParser) reserve(src, dst *sanafeGroup, n int, line int) {
	p.addSynapse(src, dst, 0, 0, 0, line)
	e := p.edgeIdx[[2]*sanafeGroup{src, dst}]
	k := len(e.i) - 1
	e.i, e.j, e.w = slices.Grow(e.i[:k], n), slices.Grow(e.j[:k], n), slices.Grow(e.w[:k], n)
}

// addLifted adds the single-synapse edges taken out of the text before
// decoding that lie above line, checking them as parseEdge would.
func (p *sanafeParser) addLifted(line int) error {
	l := &p.lifted
	for len(l.edges) > 0 && int(l.edges[0].line) < line {
		e := l.edges[0]
		l.edges = l.edges[1:]
		pre, post := l.names[e.pre], l.names[e.post]
		src, dst := p.byName[pre], p.byName[post]
		path := fmt.Sprintf("network.edges: %s.%d -> %s.%d", pre, e.i, post, e.j)
		at := &yaml.Node{Line: int(e.line)}
		switch {
		case src == nil:
			return p.errAt(at, path, "source group %q not defined (groups: %s)", pre, p.groupNames())
		case dst == nil:
			return p.errAt(at, path, "target group %q not defined (groups: %s)", post, p.groupNames())
		case int(e.i) >= len(src.conf) || int(e.j) >= len(dst.conf):
			return p.errAt(at, path, "expected neuron ids within the groups (%s: 0..%d, %s: 0..%d)", pre, len(src.conf)-1, post, len(dst.conf)-1)
		}
		if s := e.w * sanafeStep; s != math.Trunc(s) || math.Abs(s) > 1<<30 {
			return p.errAt(at, path+".weight", "%v: expected a multiple of 1/64 within ±2^24 (Spindle holds SANA-FE's Loihi values as integers of 1/64)", e.w)
		}
		p.addSynapse(src, dst, int(e.i), int(e.j), e.w, int(e.line))
	}
	return nil
}

// parseMappings reads "group[.id|.lo..hi]: {core: T.K, soma: name}"
// entries.
func (p *sanafeParser) parseMappings(v *yaml.Node) error {
	items, err := p.seq(v, "mappings")
	if err != nil {
		return err
	}
	for k, it := range items {
		path := index("mappings", k)
		it = resolve(it)
		if it == nil || it.Kind != yaml.MappingNode || len(it.Content) != 2 {
			return p.errAt(it, path, "expected one \"group.id: {core: tile.core}\" entry, got %s", describe(it))
		}
		key := resolve(it.Content[0])
		if key == nil || key.Kind != yaml.ScalarNode {
			return p.errAt(it, path, "expected a neuron address group.id, got %s", describe(key))
		}
		mp := join(path, key.Value)
		gname, ids, hasIDs := strings.Cut(key.Value, ".")
		g := p.byName[gname]
		if g == nil {
			return p.errAt(key, mp, "group %q not defined (groups: %s)", gname, p.groupNames())
		}
		lo, hi := 0, len(g.conf)-1
		if hasIDs {
			var ok bool
			if lo, hi, ok = parseIDRange(ids); !ok || hi >= len(g.conf) {
				return p.errAt(key, mp, "expected neuron ids within group %q (0..%d), got %q", gname, len(g.conf)-1, clip(ids))
			}
		}
		core, soma, err := p.mappingInfo(it.Content[1], mp)
		if err != nil {
			return err
		}
		for i := lo; i <= hi; i++ {
			g.core[i] = int32(core)
			if soma != "" {
				if g.soma == nil {
					g.soma = make([]string, len(g.conf))
				}
				g.soma[i] = soma
			}
		}
	}
	for _, g := range p.groups {
		for i, c := range g.core {
			if c < 0 {
				return p.errAt(g.node, "mappings", "neuron %s.%d is not mapped: SANA-FE places every neuron; expected an entry covering it", g.name, i)
			}
		}
	}
	return nil
}

// mappingInfo reads {core: T.K, soma: name} or a list of such.
func (p *sanafeParser) mappingInfo(v *yaml.Node, path string) (core int, soma string, err error) {
	core = -1
	var walk func(v *yaml.Node, path string) error
	walk = func(v *yaml.Node, path string) error {
		v = resolve(v)
		if v != nil && v.Kind == yaml.SequenceNode {
			for k, it := range v.Content {
				if err := walk(it, index(path, k)); err != nil {
					return err
				}
			}
			return nil
		}
		if v == nil || v.Kind != yaml.MappingNode {
			return p.errAt(v, path, "expected {core: tile.core}, got %s", describe(v))
		}
		for k := 0; k+1 < len(v.Content); k += 2 {
			key, val := resolve(v.Content[k]), resolve(v.Content[k+1])
			if key == nil || key.Kind != yaml.ScalarNode || val == nil || val.Kind != yaml.ScalarNode {
				return p.errAt(v.Content[k], path, "expected core, soma, dendrite or synapse with a scalar value")
			}
			kp := join(path, key.Value)
			switch key.Value {
			case "core":
				t, c, ok := strings.Cut(val.Value, ".")
				ti, err1 := strconv.Atoi(t)
				ci, err2 := strconv.Atoi(c)
				id, in := p.geom.core(ti, ci)
				if !ok || err1 != nil || err2 != nil || !in {
					return p.errAt(val, kp, "expected tile.core within the arch's %d tiles of %d cores, got %q", p.geom.Width*p.geom.Height, p.geom.CoresPerTile, clip(val.Value))
				}
				core = id
			case "soma":
				soma = val.Value
			case "dendrite":
				if m := sanafeDendrites[val.Value]; m != "accumulator" {
					return p.errAt(val, kp, "dendrite unit %q: Spindle models only SANA-FE's accumulator dendrite (%s)", val.Value, unitNames(sanafeDendrites, "accumulator"))
				}
			case "synapse":
				if !sanafeSynapses[val.Value] {
					return p.errAt(val, kp, "synapse unit %q: expected one of SANA-FE's current_based units (%s)", val.Value, unitList(sanafeSynapses))
				}
			default:
				return p.errAt(key, kp, "unknown mapping field (allowed: core, soma, dendrite, synapse)")
			}
		}
		return nil
	}
	if err := walk(v, path); err != nil {
		return 0, "", err
	}
	if core < 0 {
		return 0, "", p.errAt(v, path, "missing required field core (tile.core)")
	}
	return core, soma, nil
}

func unitNames(m map[string]string, model string) string {
	var names []string
	for k, v := range m {
		if v == model && k != "" {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

func unitList(m map[string]bool) string {
	var names []string
	for k := range m {
		if k != "" {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// build turns groups into populations (one per group and attribute set,
// since a Spindle population shares its parameters), edges into
// projections of explicit synapses, and the mapping into a placement.
func (p *sanafeParser) build(net *snn.Network) error {
	type popKey struct {
		conf int32
		soma string
	}
	names := map[string]bool{}
	for _, g := range p.groups {
		names[g.name] = true
	}
	var format []string // synapse format of each population's incoming synapses
	for _, g := range p.groups {
		g.pop = make([]int32, len(g.conf))
		g.local = make([]int32, len(g.conf))
		idx := map[popKey]int32{}
		var keys []popKey
		for i := range g.conf {
			k := popKey{conf: g.conf[i]}
			if g.soma != nil {
				k.soma = g.soma[i]
			}
			n, ok := idx[k]
			if !ok {
				n = int32(len(keys))
				idx[k] = n
				keys = append(keys, k)
			}
			g.pop[i] = n
		}
		base := len(net.Populations)
		counts := make([]int32, len(keys))
		for i := range g.pop {
			g.local[i] = counts[g.pop[i]]
			counts[g.pop[i]]++
			g.pop[i] += int32(base)
		}
		for n, k := range keys {
			conf := p.confs[k.conf]
			if k.soma != "" {
				conf = conf.clone()
				conf.soma = k.soma
			}
			name := g.name
			if len(keys) > 1 {
				name = fmt.Sprintf("%s_%d", g.name, n)
				for names[name] {
					name += "_"
				}
				names[name] = true
			}
			pop, err := p.population(conf, name, int(counts[n]), g)
			if err != nil {
				return err
			}
			net.Populations = append(net.Populations, pop)
			format = append(format, sanafeFormat(conf.synapse))
			net.Placement = append(net.Placement, snn.Placement{Population: name, Cores: make([]int, 0, counts[n])})
		}
		for i := range g.core {
			pl := &net.Placement[g.pop[i]]
			pl.Cores = append(pl.Cores, int(g.core[i]))
		}
	}
	// One projection per pair of populations, its synapses in file order.
	type pair struct{ a, b int32 }
	for _, e := range p.edges {
		// Count first, so that every table is allocated once.
		counts := map[pair]int{}
		var order []pair
		for k := range e.i {
			pr := pair{e.pre.pop[e.i[k]], e.post.pop[e.j[k]]}
			if counts[pr] == 0 {
				order = append(order, pr)
			}
			counts[pr]++
		}
		tables := make(map[pair]*snn.ConnTable, len(order))
		for _, pr := range order {
			n := counts[pr]
			tables[pr] = &snn.ConnTable{Pre: make([]int32, 0, n), Post: make([]int32, 0, n), Weight: make([]float64, 0, n)}
		}
		for k := range e.i {
			t := tables[pair{e.pre.pop[e.i[k]], e.post.pop[e.j[k]]}]
			t.Pre = append(t.Pre, e.pre.local[e.i[k]])
			t.Post = append(t.Post, e.post.local[e.j[k]])
			t.Weight = append(t.Weight, e.w[k])
		}
		for _, pr := range order {
			pre, post := &net.Populations[pr.a], &net.Populations[pr.b]
			if post.Kind != snn.LIF {
				return p.errAt(&yaml.Node{Line: e.firstLine}, "network.edges", "edge %s -> %s: SANA-FE refuses current sent to an input neuron; expected a target with a leaky_integrate_fire or truenorth soma", e.pre.name, e.post.name)
			}
			net.Projections = append(net.Projections, snn.Projection{
				Name: pre.Name + "->" + post.Name, Pre: pre.Name, Post: post.Name,
				Connector: snn.Connector{Kind: snn.FromList, Table: *tables[pr]},
				Weight:    snn.Const(0), Delay: snn.Const(1), Format: format[pr.b],
			})
		}
		e.i, e.j, e.w = nil, nil, nil
	}
	return nil
}

// sanafeFormat is the synapse format a SANA-FE synapse unit prices its
// events as: SANA-FE takes the unit of the postsynaptic neuron
// (synapse_hw_name), and Loihi's units are named after their formats.
// An unnamed unit is the core's first, whose format depends on the arch:
// Spindle's default format then applies.
func sanafeFormat(unit string) string {
	for _, f := range snn.SynapseFormats {
		if strings.Contains(unit, f) {
			return f
		}
	}
	return ""
}

// population converts one attribute set to the Spindle population whose
// neurons compute SANA-FE's exactly.
func (p *sanafeParser) population(c *sanafeConf, name string, size int, g *sanafeGroup) (snn.Population, error) {
	pop := snn.Population{Name: name, Size: size}
	at := g.node
	path := "network.groups." + g.name
	if c.somaKey != nil {
		at = c.somaKey
	}
	model, known := sanafeSomaModels[c.soma]
	if !known {
		return pop, p.errAt(at, path+".soma_hw_name", "soma unit %q is not one of SANA-FE's shipped architectures' (%s)", c.soma, unitNames(sanafeSomaModels, "leaky_integrate_fire")+", "+unitNames(sanafeSomaModels, "input")+", "+unitNames(sanafeSomaModels, "truenorth"))
	}
	if c.dendrite != "" {
		if m := sanafeDendrites[c.dendrite]; m != "accumulator" {
			return pop, p.errAt(c.dendKey, path+".dendrite_hw_name", "dendrite unit %q: Spindle models only SANA-FE's accumulator dendrite (%s)", c.dendrite, unitNames(sanafeDendrites, "accumulator"))
		}
	}
	if !sanafeSynapses[c.synapse] {
		return pop, p.errAt(c.synKey, path+".synapse_hw_name", "synapse unit %q: expected one of SANA-FE's current_based units (%s)", c.synapse, unitList(sanafeSynapses))
	}
	var allowed []string
	switch model {
	case "leaky_integrate_fire":
		allowed = sanafeLIFAttrs
	case "truenorth":
		allowed = sanafeTrueNorthAttrs
	case "input":
		allowed = sanafeInputAttrs
	default:
		return pop, p.errAt(at, path+".soma_hw_name", "soma unit %q runs the %s plugin: Spindle cannot run SANA-FE soma plugins", c.soma, model)
	}
	for _, k := range sortedKeys(c.attrs) {
		if !contains(allowed, k) {
			a := c.attrs[k]
			return pop, p.errAt(a.key, a.path, "attribute %q of SANA-FE's %s soma: Spindle cannot model it (supported: %s)", k, model, strings.Join(allowed, ", "))
		}
	}
	switch model {
	case "input":
		return p.inputPopulation(c, pop)
	case "truenorth":
		return p.trueNorthPopulation(c, pop)
	}
	return p.lifPopulation(c, pop)
}

func (p *sanafeParser) num(c *sanafeConf, k string, def float64) (float64, *sanafeAttr, error) {
	a, ok := c.attrs[k]
	if !ok {
		return def, nil, nil
	}
	x, err := p.number(a.val, a.path, "a number")
	return x, &a, err
}

// stepAttr is num for values that must be multiples of 1/64.
func (p *sanafeParser) stepAttr(c *sanafeConf, k string) (float64, error) {
	a, ok := c.attrs[k]
	if !ok {
		return 0, nil
	}
	return p.step(a.val, a.path)
}

func (p *sanafeParser) word(c *sanafeConf, k, def string) (string, *sanafeAttr, error) {
	a, ok := c.attrs[k]
	if !ok {
		return def, nil, nil
	}
	n := resolve(a.val)
	if n == nil || n.Kind != yaml.ScalarNode {
		return "", &a, p.errAt(a.val, a.path, "expected none, soft, hard or saturate, got %s", describe(a.val))
	}
	return n.Value, &a, nil
}

func (p *sanafeParser) flag(c *sanafeConf, k string) error {
	if a, ok := c.attrs[k]; ok {
		_, err := p.boolean(a.val, a.path)
		return err
	}
	return nil
}

// resets checks the reset modes: hard reset on spikes, none on the
// reverse side (SANA-FE's defaults), which is all Spindle's neuron does.
func (p *sanafeParser) resets(c *sanafeConf) error {
	mode, a, err := p.word(c, "reset_mode", "hard")
	if err != nil {
		return err
	}
	if mode != "hard" {
		return p.errAt(a.val, a.path, "reset_mode %q: Spindle's neuron resets hard to the reset value; expected hard", clip(mode))
	}
	rmode, a, err := p.word(c, "reverse_reset_mode", "none")
	if err != nil {
		return err
	}
	if rmode != "none" {
		return p.errAt(a.val, a.path, "reverse_reset_mode %q: Spindle has no reverse threshold; expected none", clip(rmode))
	}
	// Without a reverse reset mode SANA-FE compares but changes nothing.
	for _, k := range []string{"reverse_threshold", "reverse_reset"} {
		if _, _, err := p.num(c, k, 0); err != nil {
			return err
		}
	}
	for _, k := range []string{"force_update", "force_update_every_timestep", "log_u"} {
		if err := p.flag(c, k); err != nil {
			return err
		}
	}
	return nil
}

func sanafeNeuron() snn.Neuron {
	return snn.Neuron{NoLeak: true, FixedScale: sanafeStep, Receptors: []snn.Receptor{{Name: defaultReceptor, TauSyn: sanafeTauSyn}}}
}

// lifPopulation is SANA-FE's leaky_integrate_fire (LoihiLifModel): each
// tick v <- trunc64(v*leak_decay) + bias + input; fire if v > threshold,
// then v <- reset. Spindle's fixed mode with fixed_scale 64 computes the
// same integers when leak_decay is k/4096: MulShift truncates toward
// zero as the int cast does.
func (p *sanafeParser) lifPopulation(c *sanafeConf, pop snn.Population) (snn.Population, error) {
	nu := sanafeNeuron()
	if err := p.resets(c); err != nil {
		return pop, err
	}
	th, _, err := p.num(c, "threshold", 0)
	if err != nil {
		return pop, err
	}
	// v is a multiple of 1/64, so v > th exactly when v > floor64(th).
	nu.VTh = math.Floor(th*sanafeStep) / sanafeStep
	if nu.VReset, err = p.stepAttr(c, "reset"); err != nil {
		return pop, err
	}
	if nu.Bias, err = p.stepAttr(c, "bias"); err != nil {
		return pop, err
	}
	leak, la, err := p.num(c, "leak_decay", 1)
	if err != nil {
		return pop, err
	}
	if k := leak * (1 << snn.DecayBits); !(k >= 1 && k <= 1<<snn.DecayBits) || math.Abs(k-math.Round(k)) > 1e-6 {
		return pop, p.errAt(la.val, la.path, "leak_decay %v: Spindle's fixed mode keeps k/4096 of v per tick; expected a multiple of 1/4096 in (0, 1]", leak)
	}
	if k := math.Round(leak * (1 << snn.DecayBits)); k < 1<<snn.DecayBits {
		nu.LeakDecay = k / (1 << snn.DecayBits)
	}
	if in, a, err := p.num(c, "input_decay", 0); err != nil {
		return pop, err
	} else if in != 0 {
		return pop, p.errAt(a.val, a.path, "input_decay %v: SANA-FE keeps this current unquantised, which Spindle's fixed mode cannot; expected 0", in)
	}
	if r, a, err := p.num(c, "refractory_delay", 0); err != nil {
		return pop, err
	} else if r != 0 && r != 1 {
		// SANA-FE counts the firing tick itself, so a delay of 1 skips none.
		return pop, p.errAt(a.val, a.path, "refractory_delay %v: Spindle's refractory period holds v at the reset value, SANA-FE's still leaks it; expected 0 or 1", r)
	}
	if a, ok := c.attrs["potential"]; ok {
		v, err := p.step(a.val, a.path)
		if err != nil {
			return pop, err
		}
		// SANA-FE does not leak on its first tick; Spindle does, which
		// only matters for a start other than 0.
		if v != 0 && nu.LeakDecay != 0 {
			return pop, p.errAt(a.val, a.path, "potential %v with leak_decay %v: SANA-FE skips the first tick's leak, Spindle does not; expected 0 or leak_decay 1", v, leak)
		}
		nu.VInit = snn.Const(v)
	}
	pop.Kind = snn.LIF
	pop.Neuron = nu
	return pop, nil
}

// trueNorthPopulation is SANA-FE's truenorth soma: v += leak + bias +
// input; fire if v >= threshold, then v <- reset. With values in steps of
// 1/64, v >= th is v > th - 1/64, and the additive leak is a bias.
func (p *sanafeParser) trueNorthPopulation(c *sanafeConf, pop snn.Population) (snn.Population, error) {
	nu := sanafeNeuron()
	if err := p.resets(c); err != nil {
		return pop, err
	}
	th, err := p.stepAttr(c, "threshold")
	if err != nil {
		return pop, err
	}
	nu.VTh = th - 1.0/sanafeStep
	if nu.VReset, err = p.stepAttr(c, "reset"); err != nil {
		return pop, err
	}
	bias, err := p.stepAttr(c, "bias")
	if err != nil {
		return pop, err
	}
	leak, err := p.stepAttr(c, "leak")
	if err != nil {
		return pop, err
	}
	nu.Bias = bias + leak
	if a, ok := c.attrs["leak_towards_zero"]; ok {
		tz, err := p.boolean(a.val, a.path)
		if err != nil {
			return pop, err
		}
		if tz && leak != 0 {
			return pop, p.errAt(a.val, a.path, "leak_towards_zero with leak %v: Spindle's leak does not depend on the sign of v; expected false or leak 0", leak)
		}
	}
	if m, a, err := p.num(c, "random_mask", 0); err != nil {
		return pop, err
	} else if m != 0 {
		return pop, p.errAt(a.val, a.path, "random_mask %v: Spindle has no random threshold; expected 0", m)
	}
	pop.Kind = snn.LIF
	pop.Neuron = nu
	return pop, nil
}

// inputPopulation is SANA-FE's input soma: a spike train (its first entry
// on the first tick) or a Poisson source.
func (p *sanafeParser) inputPopulation(c *sanafeConf, pop snn.Population) (snn.Population, error) {
	if a, ok := c.attrs["rate"]; ok {
		return pop, p.errAt(a.key, a.path, "input rate: SANA-FE fires on ticks divisible by 1/rate, which Spindle's sources do not model; give spikes instead")
	}
	sp, hasSpikes := c.attrs["spikes"]
	po, hasPoisson := c.attrs["poisson"]
	if hasSpikes && hasPoisson {
		return pop, p.errAt(po.key, po.path, "an input with both spikes and poisson: Spindle's source is one or the other")
	}
	if hasPoisson {
		prob, err := p.floatCheck(po.val, po.path, "a probability per tick in [0, 1]", func(x float64) bool { return x >= 0 && x <= 1 })
		if err != nil {
			return pop, err
		}
		pop.Kind = snn.Poisson
		pop.RateHz = prob * 1000 // dt is 1 ms
		return pop, nil
	}
	var times []float64
	if hasSpikes {
		items, err := p.seq(sp.val, sp.path)
		if err != nil {
			return pop, err
		}
		for k, it := range items {
			on, err := p.spikeBit(it, index(sp.path, k))
			if err != nil {
				return pop, err
			}
			if on {
				times = append(times, float64(k))
			}
		}
	}
	pop.Kind = snn.SpikeSource
	pop.SpikeTimes = make([][]float64, pop.Size)
	for i := range pop.SpikeTimes {
		pop.SpikeTimes[i] = times
	}
	return pop, nil
}

// spikeBit reads one entry of a spike train: a boolean or 0/1.
func (p *sanafeParser) spikeBit(v *yaml.Node, path string) (bool, error) {
	n := resolve(v)
	if n != nil && n.Kind == yaml.ScalarNode {
		switch n.Value {
		case "0":
			return false, nil
		case "1":
			return true, nil
		}
	}
	return p.boolean(v, path)
}
