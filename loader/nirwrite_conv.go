package loader

import (
	"slices"
	"strings"

	"github.com/spindle-sim/spindle/loader/internal/hdf5"
	"github.com/spindle-sim/spindle/snn"
)

// This file writes the weight nodes other than Affine and Linear: a conv
// connector as a Conv2d (after a SumPool2d or AvgPool2d for its pooling
// stage), and a projection the reader composed from a chain of the source's
// weight nodes as that chain, if the network still holds exactly the
// chain's matrix.

// The kinds of weight node.
const (
	wAffine = iota // Linear or Affine, or a direct edge
	wConv          // a conv connector
	wChain         // a chain of the source's weight nodes
)

// nirRow is one synapse of a chain projection: NIR neurons, the delay in
// ticks beyond the edge's one, and the weight in mV.
type nirRow struct {
	i, j, d int
	mv      float64
}

// copyNIRGroup reads a node's group as the tree that writes it again:
// every dataset in its stored type and shape. Fields it cannot read (the
// reader has read every field it uses) are left out and returned.
func copyNIRGroup(g *hdf5.Group) (*hdf5.Tree, []string) {
	t := &hdf5.Tree{Datasets: map[string]*hdf5.Data{}, Groups: map[string]*hdf5.Tree{}}
	var skipped []string
	for _, m := range g.Members() {
		isGroup, err := g.IsGroup(m)
		if err != nil {
			skipped = append(skipped, m)
			continue
		}
		if isGroup {
			sub, err := g.Group(m)
			if err != nil {
				skipped = append(skipped, m)
				continue
			}
			sg, s := copyNIRGroup(sub)
			for _, f := range s {
				skipped = append(skipped, m+"/"+f)
			}
			if hdf5.Check(&hdf5.Tree{Groups: map[string]*hdf5.Tree{m: sg}}) != nil {
				skipped = append(skipped, m)
				continue
			}
			t.Groups[m] = sg
			continue
		}
		d, err := g.Dataset(m)
		if err != nil {
			skipped = append(skipped, m)
			continue
		}
		out := &hdf5.Data{}
		if shape := d.Shape(); len(shape) > 0 {
			out.Shape = shape
		}
		if str, _, err := d.Strings(); err == nil {
			out.Strings = str
			t.Datasets[m] = out
			continue
		}
		v, _, err := d.Float64s()
		if err != nil {
			skipped = append(skipped, m)
			continue
		}
		switch {
		case d.IsInteger():
			out.Int64 = make([]int64, len(v))
			for i, x := range v {
				out.Int64[i] = int64(x)
			}
		case d.IsFloat32():
			out.Float32 = make([]float32, len(v))
			for i, x := range v {
				out.Float32[i] = float32(x)
			}
		default:
			out.Float64 = v
		}
		t.Datasets[m] = out
	}
	// What the HDF5 writer refuses (a name it cannot store, a string that
	// is not UTF-8) is left out too.
	for m, d := range t.Datasets {
		if hdf5.Check(&hdf5.Tree{Datasets: map[string]*hdf5.Data{m: d}}) != nil {
			delete(t.Datasets, m)
			skipped = append(skipped, m)
		}
	}
	slices.Sort(skipped)
	return t, skipped
}

// cloneTree copies a tree's maps (the data are not changed).
func cloneTree(t *hdf5.Tree) *hdf5.Tree {
	out := &hdf5.Tree{Datasets: map[string]*hdf5.Data{}, Groups: map[string]*hdf5.Tree{}}
	for k, v := range t.Datasets {
		out.Datasets[k] = v
	}
	for k, v := range t.Groups {
		out.Groups[k] = cloneTree(v)
	}
	return out
}

// sourcePath returns the source's nodes named by the parts of a chain
// projection's name ("a+b+c"), if they exist, are weight nodes written
// back as they are stored, and lead from node from to node to in this
// order; else nil.
func (w *nirWriter) sourcePath(key string, from, to *outNode) []*nirNode {
	if w.src == nil {
		return nil
	}
	parts := strings.Split(key, "+")
	nodes := make([]*nirNode, len(parts))
	prev := from.name
	for k, name := range parts {
		sn := w.src.node(name)
		if sn == nil || !sn.isWeight() || sn.inner || w.src.raw[name] == nil && sn.typ != "Affine" && sn.typ != "Linear" ||
			!slices.ContainsFunc(sn.ins, func(n *nirNode) bool { return n.name == prev }) {
			return nil
		}
		nodes[k], prev = sn, name
	}
	if !slices.ContainsFunc(nodes[len(nodes)-1].outs, func(n *nirNode) bool { return n.name == to.name }) {
		return nil
	}
	return nodes
}

// convNode returns the weight node of a conv connector: the source's pool
// and convolution nodes it was read from, if their parameters are the
// connector's, or else a Conv2d (and a pooling node) named after the
// projection.
func (w *nirWriter) convNode(k int, from, to *outNode) (*weightNode, error) {
	pr := &w.net.Projections[k]
	c := pr.Connector.Conv
	if len(from.pops) != 1 || len(to.pops) != 1 || w.index[from.pops[0]] != nil || w.index[to.pops[0]] != nil {
		return nil, w.errf("projection %q: field \"connector\": a convolution between nodes joined from several populations: write it as a list", pr.Name)
	}
	n := &weightNode{kind: wConv, proj: pr.Name, pre: from, post: to, conv: c}
	key, _, _ := strings.Cut(pr.Name, ":")
	if path := w.sourcePath(key, from, to); path != nil && len(path) == 1+b2i(c.Pool != nil) {
		cv := path[len(path)-1]
		ok := cv.conv != nil && w.free(cv.name) && sameConv(cv.conv, c)
		if c.Pool != nil {
			pl := path[0]
			ok = ok && pl.pool != nil && w.free(pl.name) && samePool(pl.pool, c.Pool)
			if ok {
				n.pool, n.poolSrc = pl.name, pl
				w.claims[pl.name]++
			}
		}
		if ok {
			n.name, n.src, n.owners = cv.name, cv, []string{cv.name}
			w.claims[cv.name]++
		}
	}
	if n.src == nil {
		n.name = w.uniqueName(pr.Name)
		w.used[n.name] = true
		if c.Pool != nil {
			n.pool = w.uniqueName(n.name + ".pool")
		}
		n.owners = []string{n.name}
	}
	w.used[n.name] = true
	if n.pool != "" {
		w.used[n.pool] = true
	}
	n.owners = append(n.owners, pr.Name)
	return n, nil
}

// sameConv reports whether the source's convolution c has the parameters
// of the network's cv.
func sameConv(c *nirConv, cv *snn.Conv) bool {
	one := func(v [2]int) [2]int {
		for d := range v {
			if v[d] == 0 {
				v[d] = 1
			}
		}
		return v
	}
	g := cv.Groups
	if g == 0 {
		g = 1
	}
	return c.out == cv.OutChannels && c.kernel == cv.Kernel && c.stride == one(cv.Stride) && c.pad == cv.Padding &&
		c.dilation == one(cv.Dilation) && c.groups == g && c.in*c.groups == cv.InShape[0]
}

// samePool reports whether the source's pooling node pl is the network's.
func samePool(pl *nirPool, p *snn.Pool) bool {
	stride := p.Stride
	for d := range stride {
		if stride[d] == 0 {
			stride[d] = p.Kernel[d]
		}
	}
	return pl.kernel == p.Kernel && pl.stride == stride && pl.pad == p.Padding && pl.average == p.Average
}

// chainNode returns the weight node of a projection the reader composed
// from a chain of the source's weight nodes (named "a+b+..." after them,
// or a single node that is not an Affine or Linear), or nil for another
// projection. Whether the chain is written back is decided once the
// synapses are known (checkChain).
func (w *nirWriter) chainNode(pr *snn.Projection, from, to *outNode) *weightNode {
	key, _, _ := strings.Cut(pr.Name, ":")
	path := w.sourcePath(key, from, to)
	if path == nil || len(path) == 1 && (path[0].typ == "Affine" || path[0].typ == "Linear") {
		return nil
	}
	for _, sn := range path {
		if !w.free(sn.name) {
			return nil
		}
	}
	n := &weightNode{kind: wChain, name: key, proj: pr.Name, pre: from, post: to, chain: path, biasMV: map[string][]float64{}}
	for _, sn := range path {
		w.used[sn.name] = true
		w.claims[sn.name]++
		if sn.bias != nil {
			n.owners = append(n.owners, sn.name)
		}
	}
	return n
}

// free reports whether the source's weight node name may be written: no
// other node has the name, or only the weight nodes that write it. A
// source node feeding several targets (or fed by several sources) is one
// node for every projection through it.
func (w *nirWriter) free(name string) bool { return !w.used[name] || w.claims[name] > 0 }

// ownsBias reports whether the bias source population src (the reader
// names the source of node X's bias "X.bias", or "X.bias2", ... when that
// is taken) belongs to weight node n.
func (n *weightNode) ownsBias(src string) bool {
	base := strings.TrimRight(src, "0123456789")
	return slices.ContainsFunc(n.owners, func(o string) bool { return base == o+".bias" })
}

// nodeScale returns the factor from a NIR weight to mV of every neuron of
// node n, in NIR order.
func (w *nirWriter) nodeScale(n *outNode) []float64 {
	out := make([]float64, n.size)
	for _, i := range n.pops {
		for k, s := range w.scale[i] {
			out[w.at(i, k)] = s
		}
	}
	return out
}

// checkChain decides whether a chain node is written as the source's
// nodes: only if composing the source's chain as the reader does gives
// exactly the network's synapses and biases. Otherwise the node becomes a
// Linear or Affine of the network's matrix, with a note.
func (w *nirWriter) checkChain(n *weightNode) error {
	if w.chainHolds(n) {
		return nil
	}
	names := make([]string, len(n.chain))
	for k, sn := range n.chain {
		names[k] = sn.name
	}
	for _, sn := range n.chain {
		w.claims[sn.name]--
	}
	n.kind, n.chain = wAffine, nil
	n.name = w.uniqueName(n.proj)
	w.used[n.name] = true
	w.notef("projection %q is no longer the composition of the source's chain %s: written as one Linear or Affine node %q of the network's weights", n.proj, strings.Join(names, " -> "), n.name)
	if w.total += int64(n.pre.size) * int64(n.post.size); w.total > maxNIRWeights {
		return w.errf("the dense weight matrices of the graph would hold more than %d elements (NIR's Linear and Affine nodes store every pair of neurons)", maxNIRWeights)
	}
	scale := w.nodeScale(n.post)
	n.weight = make([]float64, n.pre.size*n.post.size)
	for _, r := range n.rows {
		if r.d != 0 {
			return w.errf("projection %q: field \"delay\": a synapse of %d ticks: NIR export writes one tick, the delay of every NIR edge", n.proj, r.d+1)
		}
		n.weight[r.j*n.pre.size+r.i] += nirValue(r.mv, scale[r.j], nil, 0)
	}
	for _, b := range n.biasMV {
		if n.bias == nil {
			n.bias = make([]float64, n.post.size)
		}
		for j, mv := range b {
			n.bias[j] += nirValue(mv, scale[j], nil, 0)
		}
	}
	return nil
}

// chainHolds reports whether the network's synapses and biases of chain
// node n are the composition of its source chain.
func (w *nirWriter) chainHolds(n *weightNode) bool {
	p := w.src.p
	p.dt = w.net.Dt
	src := w.src.node(n.pre.name)
	if src == nil || src.size != n.pre.size {
		return false
	}
	ops, err := p.resolve(src, n.chain)
	if err != nil || shapeProduct(ops[len(ops)-1].out) != n.post.size {
		return false
	}
	scale := w.nodeScale(n.post)
	rows := n.rows
	slices.SortFunc(rows, func(a, b nirRow) int {
		if a.i != b.i {
			return a.i - b.i
		}
		if a.j != b.j {
			return a.j - b.j
		}
		return a.d - b.d
	})
	k, same := 0, true
	err = p.composeRows(src.size, ops, func(i int, es []nirEntry) {
		for _, e := range es {
			if e.w == 0 || !same {
				continue
			}
			if k >= len(rows) || rows[k] != (nirRow{i: i, j: e.idx, d: e.d, mv: e.w * scale[e.idx]}) {
				same = false
				continue
			}
			k++
		}
	})
	if err != nil || !same || k != len(rows) {
		return false
	}
	// Each bias of the chain, passed through the rest of it.
	found := 0
	for k, op := range ops {
		if op.n.bias == nil {
			continue
		}
		want := p.biasAt(ops, k)
		var got []float64
		for src, b := range n.biasMV {
			if strings.TrimRight(src, "0123456789") == op.n.name+".bias" {
				got = b
			}
		}
		if got == nil {
			if slices.ContainsFunc(want, func(x float64) bool { return x != 0 }) {
				return false
			}
			continue
		}
		found++
		for j, b := range want {
			if got[j] != b*scale[j] {
				return false
			}
		}
	}
	return found == len(n.biasMV)
}

// chainNodes writes the source's nodes of a chain as the file stored them,
// each once, and the chain's edges.
func (w *nirWriter) chainNodes(n *weightNode) {
	prev := n.pre.name
	for _, sn := range n.chain {
		if w.nodes[sn.name] == nil {
			if raw := w.src.raw[sn.name]; raw != nil {
				w.nodes[sn.name] = cloneTree(raw)
			} else {
				w.affineFromSource(sn)
			}
		}
		w.edge(prev, sn.name)
		prev = sn.name
	}
	w.edge(prev, n.post.name)
}

// affineFromSource writes an Affine or Linear node of a chain as the
// source holds it: the chain's composition is the network's, so its
// values are.
func (w *nirWriter) affineFromSource(sn *nirNode) {
	fields := map[string]*hdf5.Data{"weight": w.floats(sn.name, "weight", sn.weight)}
	fields["weight"].Shape = []int{sn.rows, sn.cols}
	if sn.typ == "Affine" {
		b := sn.bias
		if b == nil {
			b = make([]float64, sn.rows)
		}
		fields["bias"] = w.floats(sn.name, "bias", b)
	}
	w.add(sn.name, sn.typ, fields)
}

// edge adds an edge once.
func (w *nirWriter) edge(a, b string) {
	e := [2]string{a, b}
	if !slices.Contains(w.edges, e) {
		w.edges = append(w.edges, e)
	}
}

// convNodes writes a conv connector: the convolution's kernel in NIR
// units (the network's mV over the target's factor, r), its bias per
// output channel, and the pooling node before it. With the source's
// nodes, their stored fields are kept and the weights and bias replaced.
func (w *nirWriter) convNodes(n *weightNode) error {
	c := n.conv
	scale := w.nodeScale(n.post)
	var srcW, srcB []float64
	if n.src != nil {
		srcW, srcB = n.src.weight, n.src.bias
	}
	weight := make([]float64, len(c.Weight))
	for i, mv := range c.Weight {
		weight[i] = nirValue(mv, scale[0], srcW, i)
	}
	var bias []float64
	if n.bias != nil {
		per := n.post.size / c.OutChannels
		bias = make([]float64, c.OutChannels)
		for o := range bias {
			bias[o] = n.bias[o*per]
			for j := o * per; j < (o+1)*per; j++ {
				if n.bias[j] != bias[o] {
					return w.errf("projection %q: a bias that differs within output channel %d: a NIR convolution's bias is one value per channel", n.proj, o)
				}
			}
		}
	} else if srcB != nil {
		bias = make([]float64, c.OutChannels) // the source's zero bias
	}
	if n.src != nil && n.bias == nil && w.claims[n.name] > 1 {
		// The reader adds a bias once per target, through one of the
		// projections of a node with several sources.
		bias = srcB
	}
	if n.src != nil && (!slices.Equal(weight, srcW) || !sameBias(bias, srcB)) {
		if w.claims[n.name] > 1 {
			// Another projection writes the source's node as it was: this
			// one's weights need a node of their own.
			w.claims[n.name]--
			if n.pool != "" {
				w.claims[n.pool]--
			}
			old := n.name
			n.src, n.name = nil, w.uniqueName(n.proj)
			w.used[n.name] = true
			if c.Pool != nil {
				n.pool = w.uniqueName(n.name + ".pool")
				w.used[n.pool] = true
			}
			w.notef("projection %q: the source's node %q carries other weights into another target: written as its own node %q", n.proj, old, n.name)
			for i, mv := range c.Weight {
				weight[i] = nirValue(mv, scale[0], nil, i)
			}
		}
	}
	if n.src != nil {
		if w.nodes[n.name] == nil {
			t := cloneTree(w.src.raw[n.name])
			t.Datasets["weight"] = w.floats(n.name, "weight", weight)
			if bias != nil {
				t.Datasets["bias"] = w.floats(n.name, "bias", bias)
			}
			w.nodes[n.name] = t
		}
		if n.pool != "" && w.nodes[n.pool] == nil {
			w.nodes[n.pool] = cloneTree(w.src.raw[n.pool])
		}
	} else {
		if err := w.freshConv(n, weight, bias); err != nil {
			return err
		}
	}
	if n.pool != "" {
		w.edge(n.pre.name, n.pool)
		w.edge(n.pool, n.name)
	} else {
		w.edge(n.pre.name, n.name)
	}
	w.edge(n.name, n.post.name)
	return nil
}

// sameBias reports whether a bias per channel is the source's (nil and
// zeros are alike).
func sameBias(b, src []float64) bool {
	zero := func(v []float64) bool { return !slices.ContainsFunc(v, func(x float64) bool { return x != 0 }) }
	if b == nil || src == nil {
		return zero(b) && zero(src)
	}
	return slices.Equal(b, src)
}

func ints(v ...int) *hdf5.Data {
	d := &hdf5.Data{Shape: []int{len(v)}, Int64: make([]int64, len(v))}
	for i, x := range v {
		d.Int64[i] = int64(x)
	}
	return d
}

// freshConv writes a conv connector without source nodes: a Conv2d with
// every field, after a SumPool2d or AvgPool2d for a pooling stage.
func (w *nirWriter) freshConv(n *weightNode, weight, bias []float64) error {
	c := n.conv
	one := func(v int) int {
		if v == 0 {
			return 1
		}
		return v
	}
	inC := c.InShape[0]
	groups := one(c.Groups)
	h, wd := c.InShape[1], c.InShape[2]
	if c.Pool != nil {
		h, wd = c.PoolShape()
		stride := [2]int{c.Pool.Stride[0], c.Pool.Stride[1]}
		for d := range stride {
			if stride[d] == 0 {
				stride[d] = c.Pool.Kernel[d]
			}
		}
		typ := "SumPool2d"
		if c.Pool.Average {
			typ = "AvgPool2d"
		}
		w.add(n.pool, typ, map[string]*hdf5.Data{
			"kernel_size": ints(c.Pool.Kernel[0], c.Pool.Kernel[1]),
			"stride":      ints(stride[0], stride[1]),
			"padding":     ints(c.Pool.Padding[0], c.Pool.Padding[1]),
		})
	}
	fields := map[string]*hdf5.Data{
		"weight":      {Shape: []int{c.OutChannels, inC / groups, c.Kernel[0], c.Kernel[1]}, Float64: weight},
		"stride":      ints(one(c.Stride[0]), one(c.Stride[1])),
		"dilation":    ints(one(c.Dilation[0]), one(c.Dilation[1])),
		"groups":      {Int64: []int64{int64(groups)}},
		"input_shape": ints(h, wd),
	}
	pad := c.Padding
	switch {
	case pad[0] == pad[1] && pad[2] == pad[3]:
		fields["padding"] = ints(pad[0], pad[2])
	case one(c.Stride[0]) == 1 && one(c.Stride[1]) == 1 && pad == samePadding(c):
		fields["padding"] = nirString("same")
	default:
		return w.errf("projection %q: field \"padding\": %v (top, bottom, left, right): NIR pads each side of a dimension alike, or as \"same\"", n.proj, pad)
	}
	if bias != nil {
		fields["bias"] = &hdf5.Data{Shape: []int{len(bias)}, Float64: bias}
	}
	w.add(n.name, "Conv2d", fields)
	return nil
}

// samePadding returns the padding NIR's "same" gives c (as the reader
// resolves it).
func samePadding(c *snn.Conv) [4]int {
	var pad [4]int
	for k := range 2 {
		d := c.Dilation[k]
		if d == 0 {
			d = 1
		}
		total := d * (c.Kernel[k] - 1)
		pad[2*k], pad[2*k+1] = total/2, total-total/2
	}
	return pad
}

// convShape returns the [channels, height, width] of population i's
// neurons as a convolution leaving it reads them, or nil.
func (w *nirWriter) convShape(i int) []int {
	name, size := w.net.Populations[i].Name, w.net.Populations[i].Size
	for k := range w.net.Projections {
		pr := &w.net.Projections[k]
		if pr.Pre == name && pr.Connector.Kind == snn.Convolution && pr.Connector.Conv != nil {
			s := pr.Connector.Conv.InShape[:]
			if shapeProduct(s) == size {
				return slices.Clone(s)
			}
		}
	}
	return nil
}
