package chip

import (
	"math"
	"slices"

	"github.com/spindle-sim/spindle/internal/hugepage"
	"github.com/spindle-sim/spindle/snn"
)

// routes give every neuron one route per destination core, in the order of
// its synapses, each to the next free input axon of that core: the
// core-level multicast of Loihi and SpiNNaker. The routes of neuron i are
// start[i] to start[i+1].
type routes struct {
	start []int
	dst   []uint32    // destination core
	axon  axonNumbers // input axon on the destination core
	axons []uint32    // input axons of each core
	syn   []int       // synapses onto each core
	// The routes kept are those of the neurons of cores lo to hi-1;
	// the others' are counted (they number the input axons) but not laid.
	lo, hi int
}

// owns reports whether rt keeps the routes of neuron i.
func (rt *routes) owns(m *Mapping, i int) bool {
	c := int(m.CoreOf[i])
	return c >= rt.lo && c < rt.hi
}

// countRoutes counts the routes of mapping m from the neurons of cores
// lo to hi-1 (all of them in one process; a rank's own in a distributed
// run), before lay makes them: a large network has about as many routes
// as synapses, and arrays grown by appending would copy them several
// times and leave room unused. It counts every core's input axons, from
// every neuron, and the synapses onto each core too.
func countRoutes(g *snn.Graph, m *Mapping, lo, hi int) *routes {
	rt := &routes{axons: make([]uint32, len(m.Cores)), syn: make([]int, len(m.Cores)), lo: lo, hi: hi}
	stamp := make([]int, len(m.Cores))
	n := 0
	for i := 0; i < g.N; i++ {
		own := rt.owns(m, i)
		for s := g.PreStart[i]; s < g.PreStart[i+1]; s++ {
			dc := m.CoreOf[g.Post[s]]
			rt.syn[dc]++
			if stamp[dc] != i+1 {
				stamp[dc] = i + 1
				rt.axons[dc]++
				if own {
					n++
				}
			}
		}
	}
	// About one route a synapse, written the first time as they are laid.
	rt.dst = hugepage.Slice(make([]uint32, 0, n))
	rt.axon.lo = hugepage.Slice(make([]uint16, 0, n))
	most := uint32(0)
	for _, k := range rt.axons {
		most = max(most, k)
	}
	if most > 1<<16 {
		rt.axon.hi = hugepage.Slice(make([]uint16, 0, n))
	}
	return rt
}

// axonNumbers holds the input axon of every route in 2 bytes, and 2 more
// only when some core has more than 65,536 input axons: hardware cores
// have a few thousand, and a large network about one route per synapse.
type axonNumbers struct {
	lo, hi []uint16 // hi is nil when every axon number fits in lo
}

func (a *axonNumbers) add(v uint32) {
	a.lo = append(a.lo, uint16(v))
	if a.hi != nil {
		a.hi = append(a.hi, uint16(v>>16))
	}
}

// at returns the axon of route r.
func (a *axonNumbers) at(r int) uint32 {
	if a.hi == nil {
		return uint32(a.lo[r])
	}
	return uint32(a.lo[r]) | uint32(a.hi[r])<<16
}

// lay lays the counted routes of mapping m and calls each for every
// synapse s of g, in graph order, with the route r that carries it to
// core dst and the compartment there of its target, local[Post[s]] (0
// when local is nil); opened says that the route is new (s is its first
// synapse). r is -1 for a neuron whose routes rt does not keep: its
// routes number the input axons of their cores all the same.
func (rt *routes) lay(g *snn.Graph, m *Mapping, local []uint16, each func(s, r int, dst uint32, target uint16, opened bool)) {
	rt.start = make([]int, g.N+1)
	// What the laying reads and writes of a core, at random, in one
	// place: the axons of each core, counted again as the routes are
	// laid, the last neuron with a route to it (plus one), and that
	// route.
	cores := make([]coreLaying, len(m.Cores))
	at := places(m, local)
	rt.dst = rt.dst[:cap(rt.dst)]
	n := 0
	var row []uint64
	for i := 0; i < g.N; i++ {
		own := rt.owns(m, i)
		lo, hi := g.PreStart[i], g.PreStart[i+1]
		row = placesOf(row, at, g.Post[lo:hi])
		for s := lo; s < hi; s++ {
			p := row[s-lo]
			dc := uint32(p)
			c := &cores[dc]
			opened := c.stamp != i+1
			if opened {
				c.stamp = i + 1
				c.last = -1
				if own {
					c.last = n
					rt.dst[n] = dc
					n++
					rt.axon.add(c.axons)
				}
				c.axons++
			}
			each(s, c.last, dc, uint16(p>>32), opened)
		}
		rt.start[i+1] = n
	}
	rt.dst = rt.dst[:n]
	for k := range cores {
		rt.axons[k] = cores[k].axons
	}
}

// coreLaying is what routes.lay keeps of a core.
type coreLaying struct {
	stamp, last int
	axons       uint32
}

// places returns the core of every neuron of m in the low 32 bits and
// its compartment there, local[i], above: one read where a synapse's
// target needs both.
func places(m *Mapping, local []uint16) []uint64 {
	at := make([]uint64, len(m.CoreOf))
	for i, c := range m.CoreOf {
		at[i] = uint64(c)
		if local != nil {
			at[i] |= uint64(local[i]) << 32
		}
	}
	return at
}

// placesOf returns the places at[t] of the targets t of one neuron's
// synapses, in row, reused. The places of a large network miss the
// cache, each at a random address: read in a loop of their own, many of
// those misses are under way at once, where in the loop that lays the
// routes each would wait for the one before.
func placesOf(row, at []uint64, targets []uint32) []uint64 {
	row = slices.Grow(row[:0], len(targets))[:len(targets)]
	for k, t := range targets {
		row[k] = at[t]
	}
	return row
}

// eachOpening calls each for every synapse s of g, in graph order, with
// the core dst of its target and the target's compartment there,
// local[Post[s]]; opened says that s is its neuron's first onto dst, the
// one that opens the route, and an input axon, there.
func eachOpening(g *snn.Graph, m *Mapping, local []uint16, each func(s int, dst uint32, target uint16, opened bool)) {
	stamp := make([]int, len(m.Cores))
	at := places(m, local)
	var row []uint64
	for i := 0; i < g.N; i++ {
		lo, hi := g.PreStart[i], g.PreStart[i+1]
		row = placesOf(row, at, g.Post[lo:hi])
		for s := lo; s < hi; s++ {
			p := row[s-lo]
			dc := uint32(p)
			opened := stamp[dc] != i+1
			stamp[dc] = i + 1
			each(s, dc, uint16(p>>32), opened)
		}
	}
}

// routeSyns holds the synapses each route reaches, by synapse format, in
// 4 bytes a route rather than a [numFormats]int32 of 12: a large network
// has about one route per synapse, and nearly every route reaches
// synapses of one format only. A code holds the format in its top two
// bits and the count below; the top bits multiFormat instead index the
// counts of a route that mixes formats.
type routeSyns struct {
	code  []uint32
	multi [][numFormats]int32
}

const (
	formatShift = 30
	countMask   = 1<<formatShift - 1
	multiFormat = 3 // above the formats, in the top two bits
)

func newRouteSyns(routes int) routeSyns {
	return routeSyns{code: hugepage.Slice(make([]uint32, 0, routes))}
}

// add counts one more synapse of format f on route r, which is either
// the last route or a new one, r = len(code).
func (rs *routeSyns) add(r int, f SynapseFormat) {
	if r == len(rs.code) {
		rs.code = append(rs.code, uint32(f)<<formatShift|1)
		return
	}
	c := rs.code[r]
	switch top := c >> formatShift; {
	case top == multiFormat:
		rs.multi[c&countMask][f]++
	case top == uint32(f) && c&countMask < countMask:
		rs.code[r]++
	default:
		var n [numFormats]int32
		n[top] = int32(c & countMask)
		n[f]++
		rs.code[r] = multiFormat<<formatShift | uint32(len(rs.multi))
		rs.multi = append(rs.multi, n)
	}
}

// synCounts is the synapses of a route, or of the messages a core
// received, by format. It is a struct rather than a [numFormats]int32 so
// that it travels in registers: an array is built and copied through
// memory, and on the per-message path each copy waited for the store of
// the element just set (2% of CUBA's tick).
type synCounts struct{ sparse, dense, conv int32 }

// synOf returns n synapses of format f.
func synOf(f SynapseFormat, n int32) synCounts {
	switch f {
	case Sparse:
		return synCounts{sparse: n}
	case Dense:
		return synCounts{dense: n}
	}
	return synCounts{conv: n}
}

// countsOf returns a by format.
func countsOf(a [numFormats]int32) synCounts {
	return synCounts{sparse: a[Sparse], dense: a[Dense], conv: a[Conv]}
}

// of returns the synapses of format f.
func (s synCounts) of(f SynapseFormat) int32 {
	switch f {
	case Sparse:
		return s.sparse
	case Dense:
		return s.dense
	}
	return s.conv
}

// routeCounts holds the synapses each route reaches, of the one format
// of all of them, in a byte a route: most routes reach a few. A count of
// 255 or more is 255 in its byte and, from 256 on, the count is also in
// big, by route in increasing order.
type routeCounts struct {
	n    []uint8
	bigR []int
	bigN []int32
}

func newRouteCounts(routes int) routeCounts {
	return routeCounts{n: hugepage.Slice(make([]uint8, 0, routes))}
}

// add counts one more synapse on route r: a new one, r = len(n), or one
// already counted.
func (rc *routeCounts) add(r int) {
	switch {
	case r == len(rc.n):
		rc.n = append(rc.n, 1)
	case rc.n[r] < math.MaxUint8:
		rc.n[r]++
	default:
		// Rare: found, or inserted near the end (r is a route of the
		// neuron being laid, after every earlier neuron's).
		i, ok := slices.BinarySearch(rc.bigR, r)
		if ok {
			rc.bigN[i]++
			return
		}
		rc.bigR = slices.Insert(rc.bigR, i, r)
		rc.bigN = slices.Insert(rc.bigN, i, math.MaxUint8+1)
	}
}

// at returns the synapses of route r.
func (rc *routeCounts) at(r int) int32 {
	if c := rc.n[r]; c < math.MaxUint8 {
		return int32(c)
	}
	if i, ok := slices.BinarySearch(rc.bigR, r); ok {
		return rc.bigN[i]
	}
	return math.MaxUint8
}

// at returns the synapses of route r by format.
func (rs *routeSyns) at(r int) synCounts {
	c := rs.code[r]
	top := c >> formatShift
	if top == multiFormat {
		return countsOf(rs.multi[c&countMask])
	}
	return synOf(SynapseFormat(top), int32(c&countMask))
}
