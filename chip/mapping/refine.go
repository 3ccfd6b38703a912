package mapping

import (
	"cmp"
	"math"
	"slices"

	"github.com/spindle-sim/spindle/chip"
	"github.com/spindle-sim/spindle/snn"
)

// refineMaxSynapses bounds the networks the refinement runs on: its
// bookkeeping takes a few bytes per route and its passes a few visits per
// synapse, which a network of 100 M synapses would rather not pay.
const refineMaxSynapses = 20_000_000

// refinePasses is how many times the refinement visits every neuron.
const refinePasses = 4

// refine improves a partition by boundary moves in the manner of
// Fiduccia and Mattheyses. A pass visits every neuron once and moves it to
// the neighbouring core (one that holds its synaptic partners) where the
// expected packets crossing cores fall most, or stay the same, provided
// every limit of every core it touches still holds; moves along a plateau
// let a pass reach a better partition a single move cannot. At the end of
// the pass the moves after its best point are undone. Passes repeat while
// they improve. Cores emptied by the moves are dropped.
func refine(g *snn.Graph, a *chip.Arch, in inAdjacency, parts [][]uint32, rates []float64) [][]uint32 {
	if g.Synapses() > refineMaxSynapses || len(parts) < 2 {
		return parts
	}
	r := newRefiner(g, a, in, parts, rates)
	type moved struct {
		neuron uint32
		from   int32
	}
	var log []moved
	for pass := 0; pass < refinePasses; pass++ {
		log = log[:0]
		gain, best, keep := 0.0, 1e-9, 0
		for i := 0; i < g.N; i++ {
			from := r.partOf[i]
			if d, ok := r.bestMove(uint32(i)); ok {
				log = append(log, moved{uint32(i), from})
				if gain -= d; gain > best {
					best, keep = gain, len(log)
				}
			}
		}
		for k := len(log) - 1; k >= keep; k-- {
			r.move(log[k].neuron, log[k].from)
		}
		if keep == 0 {
			break
		}
	}
	return r.parts()
}

// partCount is how many synapses of a neuron land in one core.
type partCount struct{ part, n int32 }

type refiner struct {
	g     *snn.Graph
	a     *chip.Arch
	in    inAdjacency
	rates []float64

	partOf []int32
	dest   [][]partCount // per neuron: its synapses by destination core
	fanIn  []int32

	neurons, synapses, axons, outs []int
	cands                          []int32
	score                          []int32  // per core: synapses with the neuron being visited
	mark                           []uint32 // epoch at which a neuron was listed
	epoch                          uint32
	uniq                           []uint32
}

func newRefiner(g *snn.Graph, a *chip.Arch, in inAdjacency, parts [][]uint32, rates []float64) *refiner {
	r := &refiner{g: g, a: a, in: in, rates: rates, partOf: make([]int32, g.N), dest: make([][]partCount, g.N),
		fanIn: make([]int32, g.N), mark: make([]uint32, g.N)}
	n := len(parts)
	r.neurons, r.synapses, r.axons, r.outs = make([]int, n), make([]int, n), make([]int, n), make([]int, n)
	r.score = make([]int32, n)
	for p, ns := range parts {
		for _, id := range ns {
			r.partOf[id] = int32(p)
		}
	}
	for i := 0; i < g.N; i++ {
		p := r.partOf[i]
		r.fanIn[i] = int32(in.start[i+1] - in.start[i])
		r.neurons[p]++
		r.synapses[p] += int(r.fanIn[i])
		for s := g.PreStart[i]; s < g.PreStart[i+1]; s++ {
			r.add(uint32(i), r.partOf[g.Post[s]], 1)
		}
	}
	for i := 0; i < g.N; i++ {
		r.outs[r.partOf[i]] += len(r.dest[i])
		for _, d := range r.dest[i] {
			r.axons[d.part]++
		}
	}
	return r
}

// add changes the synapses of neuron j into core p by n and reports
// whether j's set of destination cores grew or shrank (+1, -1, 0).
func (r *refiner) add(j uint32, p int32, n int32) int {
	d := r.dest[j]
	for k := range d {
		if d[k].part != p {
			continue
		}
		d[k].n += n
		if d[k].n == 0 {
			d[k] = d[len(d)-1]
			r.dest[j] = d[:len(d)-1]
			return -1
		}
		return 0
	}
	r.dest[j] = append(d, partCount{p, n})
	return 1
}

// crossing is neuron j's expected packets per tick to cores other than
// its own.
func (r *refiner) crossing(j uint32) float64 {
	n := len(r.dest[j])
	for _, d := range r.dest[j] {
		if d.part == r.partOf[j] {
			n--
			break
		}
	}
	return r.rates[j] * float64(n)
}

// move moves neuron i to core to, keeping every count, and returns the
// change of the crossing traffic.
func (r *refiner) move(i uint32, to int32) float64 {
	from := r.partOf[i]
	pres := r.in.pre[r.in.start[i]:r.in.start[i+1]]
	// A presynaptic neuron with several synapses onto i is listed once
	// per synapse; its traffic counts once.
	r.epoch++
	r.uniq = r.uniq[:0]
	for _, j := range pres {
		if j != i && r.mark[j] != r.epoch {
			r.mark[j] = r.epoch
			r.uniq = append(r.uniq, j)
		}
	}
	before := r.crossing(i)
	for _, j := range r.uniq {
		before += r.crossing(j)
	}
	r.outs[from] -= len(r.dest[i])
	for _, j := range pres {
		if r.add(j, from, -1) < 0 {
			r.axons[from]--
			if j != i {
				r.outs[r.partOf[j]]--
			}
		}
		if r.add(j, to, 1) > 0 {
			r.axons[to]++
			if j != i {
				r.outs[r.partOf[j]]++
			}
		}
	}
	r.partOf[i] = to
	r.outs[to] += len(r.dest[i])
	r.neurons[from]--
	r.neurons[to]++
	r.synapses[from] -= int(r.fanIn[i])
	r.synapses[to] += int(r.fanIn[i])
	after := r.crossing(i)
	for _, j := range r.uniq {
		after += r.crossing(j)
	}
	return after - before
}

// fits reports whether the cores touched by a move of i keep their limits.
func (r *refiner) fits(i uint32, from, to int32) bool {
	a := r.a
	if r.neurons[to] > a.NeuronsPerCore || r.synapses[to] > a.SynapsesPerCore || r.axons[to] > a.InputAxonsPerCore {
		return false
	}
	if r.outs[to] > a.OutputAxonsPerCore || r.outs[from] > a.OutputAxonsPerCore {
		return false
	}
	for _, j := range r.in.pre[r.in.start[i]:r.in.start[i+1]] {
		if r.outs[r.partOf[j]] > a.OutputAxonsPerCore {
			return false
		}
	}
	return true
}

// maxCandidates bounds the cores a neuron may move to in one visit: the
// ones holding most of its synaptic partners. Trying every core a
// neuron touches would cost, in a densely connected network, a visit per
// synapse for each of hundreds of cores.
const maxCandidates = 4

// bestMove moves neuron i to the candidate core with the smallest change
// of crossing traffic that keeps every limit, and returns that change;
// false when no candidate fits.
func (r *refiner) bestMove(i uint32) (float64, bool) {
	from := r.partOf[i]
	r.cands = r.cands[:0]
	vote := func(p int32, n int32) {
		if p == from {
			return
		}
		if r.score[p] == 0 {
			r.cands = append(r.cands, p)
		}
		r.score[p] += n
	}
	for _, d := range r.dest[i] {
		vote(d.part, d.n)
	}
	for _, j := range r.in.pre[r.in.start[i]:r.in.start[i+1]] {
		vote(r.partOf[j], 1)
	}
	// The strongest partners first; ties by core number, for determinism.
	slices.SortFunc(r.cands, func(x, y int32) int {
		if c := cmp.Compare(r.score[y], r.score[x]); c != 0 {
			return c
		}
		return cmp.Compare(x, y)
	})
	for _, p := range r.cands {
		r.score[p] = 0
	}
	best, bestDelta := int32(-1), math.Inf(1)
	for _, to := range r.cands[:min(len(r.cands), maxCandidates)] {
		delta := r.move(i, to)
		if delta < bestDelta && r.fits(i, from, to) {
			best, bestDelta = to, delta
		}
		r.move(i, from)
	}
	// Moves that make things worse churn a pass more than they help it
	// out of minima; moves along a plateau are kept.
	if best < 0 || bestDelta > 1e-12 {
		return 0, false
	}
	r.move(i, best)
	return bestDelta, true
}

// parts returns the refined partition, empty cores dropped, neurons in
// increasing order within each core.
func (r *refiner) parts() [][]uint32 {
	out := make([][]uint32, len(r.neurons))
	for i, p := range r.partOf {
		out[p] = append(out[p], uint32(i))
	}
	kept := out[:0]
	for _, ns := range out {
		if len(ns) > 0 {
			kept = append(kept, ns)
		}
	}
	return kept
}
