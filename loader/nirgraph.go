package loader

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/spindle-sim/spindle/loader/internal/hdf5"
	"github.com/spindle-sim/spindle/snn"
)

// nirConv holds a Conv1d or Conv2d node in 2-D form: a 1-D convolution
// has height 1.
type nirConv struct {
	oneD     bool
	out, in  int    // channels; in is per group
	kernel   [2]int // height, width
	stride   [2]int
	pad      [4]int // top, bottom, left, right
	dilation [2]int
	groups   int
	inHW     [2]int // input_shape; zero when the file gives none
}

// nirPool holds a SumPool2d or AvgPool2d node.
type nirPool struct {
	kernel, stride, pad [2]int
	average             bool
}

// nirFlatten holds a Flatten node: dimensions start to end (inclusive,
// negative from the end) of the input's shape become one.
type nirFlatten struct {
	start, end int
	inShape    []int // input_type, if given
}

// readInts reads a dataset of whole numbers of one element (applied to
// every one of n) or n elements, each from lo to MaxConvSide.
func (p *nirParser) readInts(nd *nirNode, g *hdf5.Group, field string, n, lo int) ([]int, error) {
	v, err := p.floats(nd, g, field)
	if err != nil {
		return nil, err
	}
	if len(v) != 1 && len(v) != n {
		return nil, p.nodeErr(nd, field, "%d values: expected 1 or %d", len(v), n)
	}
	out := make([]int, n)
	for i := range out {
		x := v[min(i, len(v)-1)]
		if x != math.Trunc(x) || x < float64(lo) || x > snn.MaxConvSide {
			return nil, p.nodeErr(nd, field, "%v: expected whole numbers from %d to %d", v, lo, snn.MaxConvSide)
		}
		out[i] = int(x)
	}
	return out, nil
}

// readConv reads a Conv1d or Conv2d node: weight [out, in/groups, (kh,)
// kw], stride, padding (whole numbers, or "same" or "valid"), dilation,
// groups, bias [out] and input_shape.
func (p *nirParser) readConv(n *nirNode, g *hdf5.Group) error {
	c := &nirConv{oneD: n.typ == "Conv1d"}
	dims := 2
	if c.oneD {
		dims = 1
	}
	w, shape, err := p.floatsShape(n, g, "weight")
	if err != nil {
		return err
	}
	if len(shape) != dims+2 {
		return p.nodeErr(n, "weight", "shape %v: expected [out_channels, in_channels/groups, kernel] with %d kernel dimensions", shape, dims)
	}
	for i, x := range w {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return p.nodeErr(n, "weight", "element %d is %v: expected a finite number", i, x)
		}
	}
	for _, d := range shape {
		if d < 1 || d > snn.MaxConvSide {
			return p.nodeErr(n, "weight", "shape %v: expected dimensions from 1 to %d", shape, snn.MaxConvSide)
		}
	}
	c.out, c.in = shape[0], shape[1]
	c.kernel = [2]int{1, shape[2]}
	if !c.oneD {
		c.kernel = [2]int{shape[2], shape[3]}
	}
	// pair spreads a value read per spatial dimension over height and
	// width; a 1-D node's height keeps def.
	pair := func(field string, lo, def int) ([2]int, error) {
		out := [2]int{def, def}
		if !g.Has(field) {
			return out, nil
		}
		v, err := p.readInts(n, g, field, dims, lo)
		if err != nil {
			return out, err
		}
		if c.oneD {
			out[1] = v[0]
		} else {
			out = [2]int{v[0], v[1]}
		}
		return out, nil
	}
	if c.stride, err = pair("stride", 1, 1); err != nil {
		return err
	}
	if c.dilation, err = pair("dilation", 1, 1); err != nil {
		return err
	}
	c.groups = 1
	if g.Has("groups") {
		v, err := p.readInts(n, g, "groups", 1, 1)
		if err != nil {
			return err
		}
		c.groups = v[0]
	}
	if c.out%c.groups != 0 {
		return p.nodeErr(n, "groups", "%d: expected a divisor of the %d output channels", c.groups, c.out)
	}
	if g.Has("input_shape") {
		hw, err := pair("input_shape", 1, 1)
		if err != nil {
			return err
		}
		c.inHW = hw
	}
	if err := p.readPadding(n, g, c, dims, pair); err != nil {
		return err
	}
	n.weight, n.conv = w, c
	if g.Has("bias") {
		b, err := p.finiteArray(n, g, "bias", false)
		if err != nil {
			return err
		}
		if len(b) == 1 && c.out > 1 {
			b = slices.Repeat(b, c.out)
		}
		if len(b) != c.out {
			return p.nodeErr(n, "bias", "%d elements, expected %d (the output channels)", len(b), c.out)
		}
		n.bias = b
	}
	return nil
}

// readPadding reads a convolution's padding: whole numbers per spatial
// dimension, or the strings "valid" (none) or "same" (the output as large
// as the input at stride 1, the odd row or column at the end, as PyTorch
// pads).
func (p *nirParser) readPadding(n *nirNode, g *hdf5.Group, c *nirConv, dims int, pair func(string, int, int) ([2]int, error)) error {
	if !g.Has("padding") {
		return nil
	}
	d, err := g.Dataset("padding")
	if err != nil {
		return p.nodeErr(n, "padding", "%w", err)
	}
	if s, _, err := d.Strings(); err == nil {
		if len(s) != 1 {
			return p.nodeErr(n, "padding", "%q: expected one string, same or valid", s)
		}
		switch s[0] {
		case "valid":
		case "same":
			if c.stride != [2]int{1, 1} {
				return p.nodeErr(n, "padding", "same with stride %v: expected stride 1, as PyTorch requires", c.stride)
			}
			for k := range 2 {
				total := c.dilation[k] * (c.kernel[k] - 1)
				c.pad[2*k], c.pad[2*k+1] = total/2, total-total/2
			}
		default:
			return p.nodeErr(n, "padding", "%q: expected whole numbers, same or valid", s[0])
		}
		return nil
	}
	v, err := pair("padding", 0, 0)
	if err != nil {
		return err
	}
	c.pad = [4]int{v[0], v[0], v[1], v[1]}
	return nil
}

// readPool reads a SumPool2d or AvgPool2d node.
func (p *nirParser) readPool(n *nirNode, g *hdf5.Group) error {
	pl := &nirPool{average: n.typ == "AvgPool2d"}
	k, err := p.readInts(n, g, "kernel_size", 2, 1)
	if err != nil {
		return err
	}
	pl.kernel = [2]int{k[0], k[1]}
	pl.stride = pl.kernel
	if g.Has("stride") {
		s, err := p.readInts(n, g, "stride", 2, 1)
		if err != nil {
			return err
		}
		pl.stride = [2]int{s[0], s[1]}
	}
	if g.Has("padding") {
		s, err := p.readInts(n, g, "padding", 2, 0)
		if err != nil {
			return err
		}
		pl.pad = [2]int{s[0], s[1]}
		for d := range 2 {
			if 2*pl.pad[d] > pl.kernel[d] {
				return p.nodeErr(n, "padding", "%v: expected at most half the kernel %v", pl.pad, pl.kernel)
			}
		}
	}
	n.pool = pl
	return nil
}

// readFlatten reads a Flatten node's start_dim, end_dim and, if given,
// input_type (a dataset, or a group holding "input").
func (p *nirParser) readFlatten(n *nirNode, g *hdf5.Group) error {
	f := &nirFlatten{start: 0, end: -1}
	for _, d := range []struct {
		field string
		dst   *int
	}{{"start_dim", &f.start}, {"end_dim", &f.end}} {
		if !g.Has(d.field) {
			continue
		}
		v, err := p.floats(n, g, d.field)
		if err != nil {
			return err
		}
		if len(v) != 1 || v[0] != math.Trunc(v[0]) || math.Abs(v[0]) > 64 {
			return p.nodeErr(n, d.field, "%v: expected one whole number", v)
		}
		*d.dst = int(v[0])
	}
	if g.Has("input_type") {
		src, field := g, "input_type"
		if isGroup, err := g.IsGroup("input_type"); err != nil {
			return p.nodeErr(n, "input_type", "%w", err)
		} else if isGroup {
			if src, err = g.Group("input_type"); err != nil {
				return p.nodeErr(n, "input_type", "%w", err)
			}
			field = "input"
		}
		if src.Has(field) {
			v, err := p.floats(n, src, field)
			if err != nil {
				return err
			}
			size := 1
			for _, d := range v {
				if d != math.Trunc(d) || d < 1 || float64(size)*d > maxNIRSize {
					return p.nodeErr(n, "input_type", "%v: expected positive whole dimensions of at most %d elements in all", v, maxNIRSize)
				}
				size *= int(d)
				f.inShape = append(f.inShape, int(d))
			}
		}
	}
	n.flatten = f
	return nil
}

// finiteArray reads a non-empty array of finite numbers, of non-negative
// ones if nonNeg.
func (p *nirParser) finiteArray(n *nirNode, g *hdf5.Group, field string, nonNeg bool) ([]float64, error) {
	v, err := p.floats(n, g, field)
	if err != nil {
		return nil, err
	}
	if len(v) == 0 || len(v) > maxNIRSize {
		return nil, p.nodeErr(n, field, "%d elements: expected 1 to %d", len(v), maxNIRSize)
	}
	for i, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) || (nonNeg && x < 0) {
			return nil, p.nodeErr(n, field, "element %d is %v: expected a finite number%s", i, x, map[bool]string{true: " >= 0"}[nonNeg])
		}
	}
	return v, nil
}

// nirOp is a weight node applied along one chain, with the shapes of its
// input and output there.
type nirOp struct {
	n       *nirNode
	in, out []int
}

// convIn returns the [channels, height, width] a convolution reads from an
// input of shape in (a flat input takes input_shape's).
func (p *nirParser) convIn(n *nirNode, in []int, from string) ([3]int, error) {
	c := n.conv
	size := shapeProduct(in)
	var s [3]int
	switch {
	case c.inHW != [2]int{}:
		s = [3]int{c.in * c.groups, c.inHW[0], c.inHW[1]}
	case c.oneD && len(in) == 2:
		s = [3]int{in[0], 1, in[1]}
	case !c.oneD && len(in) == 3:
		s = [3]int{in[0], in[1], in[2]}
	default:
		return s, p.nodeErr(n, "input_shape", "missing, and the input from %s has shape %v, not [channels, %s]", from, in, map[bool]string{true: "length", false: "height, width"}[c.oneD])
	}
	if s[0]*s[1]*s[2] != size {
		return s, p.nodeErr(n, "weight", "%d input channels of %dx%d (input_shape) make %d inputs, but %s has %d", s[0], s[1], s[2], s[0]*s[1]*s[2], from, size)
	}
	if s[0] != c.in*c.groups {
		return s, p.nodeErr(n, "weight", "%d input channels per group x %d groups, but the input from %s has %d channels", c.in, c.groups, from, s[0])
	}
	return s, nil
}

// convOut returns the output height and width of conv c on an input of
// height h and width w.
func convOut(c *nirConv, h, w int) (int, int) {
	oh := (h+c.pad[0]+c.pad[1]-c.dilation[0]*(c.kernel[0]-1)-1)/c.stride[0] + 1
	ow := (w+c.pad[2]+c.pad[3]-c.dilation[1]*(c.kernel[1]-1)-1)/c.stride[1] + 1
	return oh, ow
}

// poolOut returns the output height and width of pool pl on h x w.
func poolOut(pl *nirPool, h, w int) (int, int) {
	return (h+2*pl.pad[0]-pl.kernel[0])/pl.stride[0] + 1, (w+2*pl.pad[1]-pl.kernel[1])/pl.stride[1] + 1
}

// opShape returns the shape weight node n outputs for an input of shape in
// coming from from (a description for messages).
func (p *nirParser) opShape(n *nirNode, in []int, from string) ([]int, error) {
	size := shapeProduct(in)
	switch n.typ {
	case "Affine", "Linear":
		if n.cols != size {
			return nil, p.nodeErr(n, "weight", "%d columns, but %s has %d neurons", n.cols, from, size)
		}
		return []int{n.rows}, nil
	case "Conv1d", "Conv2d":
		s, err := p.convIn(n, in, from)
		if err != nil {
			return nil, err
		}
		oh, ow := convOut(n.conv, s[1], s[2])
		if oh < 1 || ow < 1 {
			return nil, p.nodeErr(n, "weight", "kernel %v with dilation %v does not fit the padded %dx%d input", n.conv.kernel, n.conv.dilation, s[1], s[2])
		}
		if n.conv.oneD {
			return []int{n.conv.out, ow}, nil
		}
		return []int{n.conv.out, oh, ow}, nil
	case "SumPool2d", "AvgPool2d":
		if len(in) != 3 {
			return nil, p.nodeErr(n, "kernel_size", "the input from %s has shape %v, not [channels, height, width]", from, in)
		}
		pl := n.pool
		if in[1]+2*pl.pad[0] < pl.kernel[0] || in[2]+2*pl.pad[1] < pl.kernel[1] {
			return nil, p.nodeErr(n, "kernel_size", "%v: larger than the padded %dx%d input", pl.kernel, in[1], in[2])
		}
		oh, ow := poolOut(pl, in[1], in[2])
		return []int{in[0], oh, ow}, nil
	case "Flatten":
		f := n.flatten
		if f.inShape != nil {
			if shapeProduct(f.inShape) != size {
				return nil, p.nodeErr(n, "input_type", "%v holds %d elements, but %s has %d", f.inShape, shapeProduct(f.inShape), from, size)
			}
			in = f.inShape
		}
		s, e := f.start, f.end
		if s < 0 {
			s += len(in)
		}
		if e < 0 {
			e += len(in)
		}
		if s < 0 || e >= len(in) || s > e {
			return nil, p.nodeErr(n, "start_dim", "dimensions %d to %d of the shape %v from %s: out of range", f.start, f.end, in, from)
		}
		out := slices.Clone(in[:s])
		out = append(out, shapeProduct(in[s:e+1]))
		return append(out, in[e+1:]...), nil
	case "Scale", "Delay":
		if len(n.values) != 1 && len(n.values) != size {
			field := map[bool]string{true: "scale", false: "delay"}[n.typ == "Scale"]
			return nil, p.nodeErr(n, field, "%d elements, but %s has %d", len(n.values), from, size)
		}
		return in, nil
	}
	if n.inner {
		if n.size > 0 && n.size != size {
			return nil, p.nodeErr(n, "shape", "%d elements, but %s has %d", n.size, from, size)
		}
		return in, nil
	}
	return nil, p.nodeErr(n, "", "not a weight node")
}

// resolve returns the ops of a chain of weight nodes fed by source src.
func (p *nirParser) resolve(src *nirNode, chain []*nirNode) ([]nirOp, error) {
	ops := make([]nirOp, len(chain))
	shape, from := src.outShape(), fmt.Sprintf("%q", src.name)
	for k, n := range chain {
		out, err := p.opShape(n, shape, from)
		if err != nil {
			return nil, err
		}
		ops[k] = nirOp{n: n, in: shape, out: out}
		shape, from = out, fmt.Sprintf("the output of %q", n.name)
	}
	return ops, nil
}

// nirChain is a path from a source node through weight nodes.
type nirChain struct {
	src   *nirNode
	nodes []*nirNode
}

// chainsTo returns every path from a source node through weight nodes
// that ends at weight node n.
func (p *nirParser) chainsTo(n *nirNode, depth int) ([]nirChain, error) {
	if depth > len(p.nodes) {
		return nil, p.nodeErr(n, "", "in a cycle of weight nodes with no neuron node")
	}
	var out []nirChain
	for _, in := range n.ins {
		switch {
		case in.isSource():
			if !in.spikes() {
				return nil, p.nodeErr(in, "", "output to %q (%s): %s outputs a voltage, not spikes; only an Output may follow it", n.name, n.typ, in.typ)
			}
			out = append(out, nirChain{src: in, nodes: []*nirNode{n}})
		case in.isWeight():
			up, err := p.chainsTo(in, depth+1)
			if err != nil {
				return nil, err
			}
			for _, c := range up {
				out = append(out, nirChain{src: c.src, nodes: append(slices.Clip(c.nodes), n)})
			}
		default:
			return nil, p.nodeErr(n, "", "input from %q (%s): weights must follow an Input, neuron or weight node", in.name, in.typ)
		}
	}
	return out, nil
}

// build adds the populations and projections to net.
func (p *nirParser) build(net *snn.Network) error {
	dt := net.Dt
	p.dt = dt
	// Inputs first: a stimulus drives the first input population.
	for _, n := range p.nodes {
		if n.typ == "Input" && !n.inner {
			net.Populations = append(net.Populations, snn.Population{
				Name: n.name, Size: n.size, Kind: snn.SpikeSource, SpikeTimes: make([][]float64, n.size), Shape: n.shape,
				// NIR inputs are tensors per step: several events of an
				// element in one tick are a count, not one spike.
				Graded: true,
			})
		}
	}
	// scale converts a NIR weight into the mV a spike adds to the receptor
	// current of each population of a neuron node, by group.
	scale := map[*nirNode][]float64{}
	for _, n := range p.nodes {
		if !n.isNeuron() {
			continue
		}
		for g, ps := range n.pops() {
			name := n.popName(g)
			if n.groups != nil && p.byName[name] != nil {
				return p.nodeErr(n, "", "population name %q of its parameter set %d is taken by a node", name, g)
			}
			nu, s := nirNeuron(n.typ, ps.nirParams, dt)
			scale[n] = append(scale[n], s)
			pop := snn.Population{Name: name, Size: ps.size, Kind: snn.LIF, Neuron: nu}
			if n.groups == nil {
				pop.Shape = n.shape
			}
			net.Populations = append(net.Populations, pop)
		}
	}
	for _, n := range p.nodes {
		if err := p.checkEdges(n); err != nil {
			return err
		}
	}
	for _, n := range p.nodes {
		if n.isSource() {
			for _, out := range n.outs {
				if !out.isNeuron() {
					continue
				}
				// A direct edge: the identity matrix.
				if n.size != out.size {
					return p.errf("edge %q -> %q: sizes %d and %d differ", n.name, out.name, n.size, out.size)
				}
				s := newSynapses(n, out, scale[out])
				for i := range n.size {
					s.add(i, i, 1)
				}
				s.project(net, func(pre, post string) string { return pre + "->" + post })
			}
		}
		if n.isWeight() {
			if err := p.connectWeights(net, n, scale); err != nil {
				return err
			}
		}
	}
	return nil
}

// nirNeuron returns the Spindle neuron of a NIR neuron node of type typ
// with parameters ps, and the factor from NIR weight to mV.
func nirNeuron(typ string, ps nirParams, dt float64) (snn.Neuron, float64) {
	nu := snn.Neuron{VRest: ps.vLeak, VReset: ps.vReset, VTh: ps.vTh}
	// Without a synapse a NIR spike is a one-tick pulse of input: a
	// receptor without a current (tau_syn 0) carries it into the
	// membrane within its tick.
	rc := snn.Receptor{Name: defaultReceptor}
	s := ps.r
	if typ == "LI" || typ == "CubaLI" || typ == "I" {
		// No threshold: the voltage is the output. Fixed mode keeps 2^16
		// state units per NIR unit.
		nu.VTh, nu.FixedScale = math.MaxFloat64, 1<<16
	}
	switch typ {
	case "LIF", "LI":
		nu.TauM = ps.tau * 1000
	case "CubaLIF", "CubaLI":
		nu.TauM = ps.tau * 1000
		rc.TauSyn = ps.tauSyn * 1000
		// The pulse enters tau_syn dI/dt = -I + w_in S, raising I by
		// w_in*dt/tau_syn; the membrane sees r*I.
		s = ps.r * ps.wIn * dt / rc.TauSyn
	case "IF", "I":
		// dv/dt = r I integrated per tick, as the simulators that
		// export IF do: each tick adds r times the input.
		nu.NoLeak = true
	case "Threshold":
		// No memory: v is the tick's input (keep_v = exp(-1000) = 0,
		// gain 1), compared with the threshold.
		nu.TauM, nu.VRest, nu.VReset, s = dt/1000, 0, 0, 1
	}
	nu.Receptors = []snn.Receptor{rc}
	return nu, s
}

// checkEdges refuses edges no conversion gives a meaning.
func (p *nirParser) checkEdges(n *nirNode) error {
	for _, in := range n.ins {
		if n.typ == "Input" && !n.inner {
			return p.nodeErr(n, "", "has an incoming edge from %q", in.name)
		}
		if n.typ == "Output" && !n.inner && n.size > 0 && in.isSource() && in.size != n.size {
			return p.nodeErr(n, "shape", "%d elements, but its input %q has %d", n.size, in.name, in.size)
		}
	}
	for _, out := range n.outs {
		switch {
		case n.typ == "Output" && !n.inner:
			return p.nodeErr(n, "", "has an outgoing edge to %q", out.name)
		case n.isWeight() && out.typ == "Output" && !out.inner:
			return p.nodeErr(n, "", "output to %q (Output): weights must feed a neuron node", out.name)
		case n.isSource() && !n.spikes() && !(out.typ == "Output" && !out.inner):
			return p.nodeErr(n, "", "output to %q (%s): %s outputs a voltage, not spikes; only an Output may follow it", out.name, out.typ, n.typ)
		case n.isWeight() && !out.isNeuron() && !out.isWeight():
			return p.nodeErr(n, "", "output to %q (%s): weights must feed a neuron or weight node", out.name, out.typ)
		}
	}
	if n.isWeight() && (len(n.ins) == 0 || len(n.outs) == 0) {
		return p.nodeErr(n, "", "not connected on both sides")
	}
	return nil
}

// connectWeights adds the projections of every chain of weight nodes that
// ends at n and feeds a neuron node, and the biases along them.
func (p *nirParser) connectWeights(net *snn.Network, n *nirNode, scale map[*nirNode][]float64) error {
	var targets []*nirNode
	for _, out := range n.outs {
		if out.isNeuron() {
			targets = append(targets, out)
		}
	}
	if len(targets) == 0 {
		return nil
	}
	chains, err := p.chainsTo(n, 0)
	if err != nil {
		return err
	}
	named := len(chains)*len(targets) > 1
	for _, post := range targets {
		biased := map[string]bool{}
		for _, c := range chains {
			ops, err := p.resolve(c.src, c.nodes)
			if err != nil {
				return err
			}
			if out := shapeProduct(ops[len(ops)-1].out); out != post.size {
				if n.isWeight() && (n.typ == "Affine" || n.typ == "Linear") {
					return p.nodeErr(n, "weight", "%d rows, but %q has %d neurons", n.rows, post.name, post.size)
				}
				return p.nodeErr(n, "", "output of %d elements, but %q has %d neurons", out, post.name, post.size)
			}
			names := make([]string, len(c.nodes))
			for k, nd := range c.nodes {
				names[k] = nd.name
			}
			key := strings.Join(names, "+")
			nameOf := func(pre, postName string) string {
				if named || c.src.groups != nil || post.groups != nil {
					return key + ":" + pre + "->" + postName
				}
				return key
			}
			if conv := p.convConnector(c.src, ops, post, scale[post]); conv != nil {
				net.Projections = append(net.Projections, snn.Projection{
					Name: nameOf(c.src.name, post.name), Pre: c.src.name, Post: post.name,
					Connector: snn.Connector{Kind: snn.Convolution, Conv: conv},
					Delay:     snn.Const(net.Dt),
				})
			} else if err := p.compose(net, c.src, ops, post, scale[post], nameOf); err != nil {
				return err
			}
			// Each bias enters once per (bias node, rest of the chain):
			// chains from several sources through one node share it.
			for k, op := range ops {
				if op.n.bias == nil {
					continue
				}
				rest := strings.Join(names[k:], "+")
				if biased[rest] {
					continue
				}
				biased[rest] = true
				p.addBias(net, op.n, post, p.biasAt(ops, k), scale[post], len(targets) > 1 || k < len(ops)-1)
			}
		}
	}
	return nil
}

// convConnector returns the snn.Conv of a chain that is one convolution,
// possibly after a pooling node, between two populations that are not
// split, with the weights in mV; nil for any other chain.
func (p *nirParser) convConnector(src *nirNode, ops []nirOp, post *nirNode, scale []float64) *snn.Conv {
	if len(ops) == 0 || len(ops) > 2 || src.groups != nil || post.groups != nil {
		return nil
	}
	last := ops[len(ops)-1]
	if last.n.conv == nil || (len(ops) == 2 && ops[0].n.pool == nil) {
		return nil
	}
	c := last.n.conv
	in, _ := p.convIn(last.n, last.in, "")
	conv := &snn.Conv{
		OutChannels: c.out, Kernel: c.kernel, Stride: c.stride, Padding: c.pad,
		Dilation: c.dilation, Groups: c.groups, Weight: make([]float64, len(last.n.weight)),
	}
	for i, w := range last.n.weight {
		conv.Weight[i] = w * scale[0]
	}
	if len(ops) == 2 {
		pl := ops[0].n.pool
		conv.Pool = &snn.Pool{Kernel: pl.kernel, Stride: pl.stride, Padding: pl.pad, Average: pl.average}
		s := ops[0].in
		conv.InShape = [3]int{s[0], s[1], s[2]}
	} else {
		conv.InShape = in
	}
	return conv
}

// nirEntry is one element of a sparse vector passed along a chain: the
// weight reaching element idx after d ticks of Delay nodes.
type nirEntry struct {
	idx int
	d   int
	w   float64
}

// compose adds the synapses of a chain from src to post, each presynaptic
// neuron's unit vector passed through the chain's ops.
func (p *nirParser) compose(net *snn.Network, src *nirNode, ops []nirOp, post *nirNode, scale []float64, name func(pre, post string) string) error {
	s := newSynapses(src, post, scale)
	s.dt = net.Dt
	if n := ops[0].n; len(ops) == 1 && (n.typ == "Affine" || n.typ == "Linear") {
		// One weight matrix: its synapses by output, then input.
		for i := range n.rows {
			for j := range n.cols {
				if w := n.weight[i*n.cols+j]; w != 0 {
					s.add(j, i, w)
				}
			}
		}
		s.project(net, name)
		return nil
	}
	err := p.composeRows(src.size, ops, func(i int, es []nirEntry) {
		for _, e := range es {
			if e.w != 0 {
				s.addDelayed(i, e.idx, e.w, e.d)
			}
		}
	})
	if err != nil {
		return err
	}
	s.project(net, name)
	return nil
}

// composeRows passes the unit vector of each of the n inputs of a chain
// through its ops and calls row with the input and the result: the
// entries, sorted by element and delay, each (element, delay) once. The
// slice is reused by the next call. The reader builds a chain's synapses
// from the rows and the NIR writer checks a network's projection against
// them: one definition of the composition.
func (p *nirParser) composeRows(n int, ops []nirOp, row func(i int, es []nirEntry)) error {
	var cur, next []nirEntry
	for i := range n {
		cur = append(cur[:0], nirEntry{idx: i, w: 1})
		for _, op := range ops {
			next = next[:0]
			for _, e := range cur {
				var err error
				if next, err = p.scatter(op, e, next); err != nil {
					return err
				}
			}
			cur, next = mergeEntries(next), cur
		}
		row(i, cur)
	}
	return nil
}

// mergeEntries sorts a sparse vector by element and delay and sums the
// entries of each.
func mergeEntries(es []nirEntry) []nirEntry {
	slices.SortFunc(es, func(a, b nirEntry) int {
		if a.idx != b.idx {
			return a.idx - b.idx
		}
		return a.d - b.d
	})
	out := es[:0]
	for _, e := range es {
		if k := len(out) - 1; k >= 0 && out[k].idx == e.idx && out[k].d == e.d {
			out[k].w += e.w
			continue
		}
		out = append(out, e)
	}
	return out
}

// scatter appends to out what element e of op's input contributes to its
// output.
func (p *nirParser) scatter(op nirOp, e nirEntry, out []nirEntry) ([]nirEntry, error) {
	n := op.n
	switch {
	case n.typ == "Affine" || n.typ == "Linear":
		for i := range n.rows {
			if w := n.weight[i*n.cols+e.idx]; w != 0 {
				out = append(out, nirEntry{idx: i, d: e.d, w: e.w * w})
			}
		}
	case n.conv != nil:
		c := n.conv
		in, _ := p.convIn(n, op.in, "")
		H, W := in[1], in[2]
		ch, y, x := e.idx/(H*W), e.idx/W%H, e.idx%W
		oh, ow := convOut(c, H, W)
		cout := c.out / c.groups
		grp, ci := ch/c.in, ch%c.in
		kh, kw := c.kernel[0], c.kernel[1]
		for o := grp * cout; o < (grp+1)*cout; o++ {
			for ky := range kh {
				ny := y + c.pad[0] - ky*c.dilation[0]
				if ny < 0 || ny%c.stride[0] != 0 || ny/c.stride[0] >= oh {
					continue
				}
				for kx := range kw {
					nx := x + c.pad[2] - kx*c.dilation[1]
					if nx < 0 || nx%c.stride[1] != 0 || nx/c.stride[1] >= ow {
						continue
					}
					if w := n.weight[((o*c.in+ci)*kh+ky)*kw+kx]; w != 0 {
						out = append(out, nirEntry{idx: (o*oh+ny/c.stride[0])*ow + nx/c.stride[1], d: e.d, w: e.w * w})
					}
				}
			}
		}
	case n.pool != nil:
		pl := n.pool
		H, W := op.in[1], op.in[2]
		oh, ow := op.out[1], op.out[2]
		ch, y, x := e.idx/(H*W), e.idx/W%H, e.idx%W
		w := e.w
		if pl.average {
			w /= float64(pl.kernel[0] * pl.kernel[1])
		}
		for u := range pl.kernel[0] {
			ny := y + pl.pad[0] - u
			if ny < 0 || ny%pl.stride[0] != 0 || ny/pl.stride[0] >= oh {
				continue
			}
			for v := range pl.kernel[1] {
				nx := x + pl.pad[1] - v
				if nx < 0 || nx%pl.stride[1] != 0 || nx/pl.stride[1] >= ow {
					continue
				}
				out = append(out, nirEntry{idx: (ch*oh+ny/pl.stride[0])*ow + nx/pl.stride[1], d: e.d, w: w})
			}
		}
	case n.typ == "Scale":
		out = append(out, nirEntry{idx: e.idx, d: e.d, w: e.w * n.values[min(e.idx, len(n.values)-1)]})
	case n.typ == "Delay":
		sec := n.values[min(e.idx, len(n.values)-1)]
		ticks := math.Round(sec * 1000 / p.dt)
		if d := float64(e.d) + ticks; d+1 > snn.MaxDelayTicks {
			return nil, p.nodeErr(n, "delay", "%v s is %.0f ticks of %g ms; with the edge's tick, delays up to %d ticks fit (%g s)",
				sec, ticks, p.dt, snn.MaxDelayTicks-1, float64(snn.MaxDelayTicks-1)*p.dt/1000)
		}
		out = append(out, nirEntry{idx: e.idx, d: e.d + int(ticks), w: e.w})
	default: // Flatten and the Input and Output of a nested graph
		out = append(out, e)
	}
	return out, nil
}

// biasAt returns the bias of op k of a chain as it reaches the chain's
// end: the node's bias passed through the ops after it.
func (p *nirParser) biasAt(ops []nirOp, k int) []float64 {
	n := ops[k].n
	b := n.bias
	if n.conv != nil {
		// Per output channel, at every position.
		size := shapeProduct(ops[k].out)
		per := size / n.conv.out
		full := make([]float64, size)
		for i := range full {
			full[i] = b[i/per]
		}
		b = full
	}
	cur := make([]nirEntry, 0, len(b))
	for i, x := range b {
		if x != 0 {
			cur = append(cur, nirEntry{idx: i, w: x})
		}
	}
	var next []nirEntry
	for _, op := range ops[k+1:] {
		next = next[:0]
		for _, e := range cur {
			// A constant passes a Delay unchanged: only Delay errs.
			next, _ = p.scatter(op, nirEntry{idx: e.idx, w: e.w}, next)
		}
		cur, next = mergeEntries(next), cur
	}
	out := make([]float64, shapeProduct(ops[len(ops)-1].out))
	for _, e := range cur {
		out[e.idx] += e.w
	}
	return out
}
