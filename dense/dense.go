package dense

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
	"sort"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"

	"github.com/spindle-sim/spindle/snn"
)

// DefaultMaxBytes is the memory limit used when Options.MaxBytes is zero.
const DefaultMaxBytes int64 = 4 << 30

// Options configure a dense simulation.
type Options struct {
	// Mode is the numeric mode; the zero value, snn.NetworkMode, runs in
	// the network's mode (g.Net.Mode).
	Mode snn.Mode
	// WeightBits is the signed weight mantissa width passed to
	// g.FixedWeights in fixed mode: that of the architecture the
	// reference stands beside (chip.Arch.WeightBits, 8 for loihi), so that
	// both quantise alike. Fixed mode requires it; float mode ignores it.
	WeightBits int
	// MaxBytes bounds the memory New may allocate (see Footprint); zero
	// means DefaultMaxBytes, a negative value disables the check.
	MaxBytes int64
	// RateTau is the time constant of the rate counters, ms; zero means
	// snn.DefaultRateTau. Homeostasis reads them, so pass the engine's.
	RateTau float64
	// SpikeRows adds, for a block in which fewer than half the presynaptic
	// neurons fired, the weight rows of those that fired instead of
	// multiplying the whole spike vector. The results are the same (bit
	// for bit in fixed mode); the cost then scales with spikes rather than
	// with the matrix size, which makes the reference event-driven on its
	// input side. The default is the clock-driven matrix-vector product.
	SpikeRows bool
}

// MemoryError is returned by New for a graph whose footprint exceeds the
// limit.
type MemoryError struct {
	Need, Limit int64
	Matrices    int   // weight blocks
	WeightBytes int64 // of Need, the weight matrices
}

func (e *MemoryError) Error() string {
	return fmt.Sprintf("dense: the reference needs %d bytes (%s; %d bytes in %d weight matrices), above the limit of %d bytes (%s): raise Options.MaxBytes or simulate a smaller network",
		e.Need, human(e.Need), e.WeightBytes, e.Matrices, e.Limit, human(e.Limit))
}

func human(b int64) string {
	const unit = 1024
	if b < unit {
		return fmt.Sprintf("%d B", b)
	}
	f, u := float64(b), "B"
	for _, s := range []string{"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"} {
		if f < unit {
			break
		}
		f, u = f/unit, s
	}
	return fmt.Sprintf("%.1f %s", f, u)
}

// block is one dense weight matrix: the synapses of one delay and one
// receptor from one population to another.
type block struct {
	delay, rec     int
	prePop         int
	preLo, preHi   int // global ids of the presynaptic population
	postLo, postHi int // global ids of the postsynaptic population
	wt             *mat.Dense
}

type blockKey struct {
	delay, rec, pre, post int
}

// plan is the layout of a graph's matrices, computed before allocating.
type plan struct {
	keys        []blockKey
	index       map[blockKey]int
	weightBytes int64
	total       int64
	recs        int // receptor vectors
	ring        int // spike vectors
}

func satMul(a, b int64) int64 {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	if hi != 0 || lo > math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(lo)
}

func satAdd(a, b int64) int64 {
	if s := a + b; s >= a {
		return s
	}
	return math.MaxInt64
}

func makePlan(g *snn.Graph) *plan {
	p := &plan{index: map[blockKey]int{}, recs: 1, ring: max(1, g.MaxDelay)}
	npop := len(g.PopStart) - 1
	maxPost := 0
	for pi := 0; pi < npop; pi++ {
		if g.Net.Populations[pi].Kind == snn.LIF {
			p.recs = max(p.recs, g.Params[pi].Receptors)
		}
	}
	last := blockKey{delay: -1}
	for pre := 0; pre < npop; pre++ {
		for i := g.PopStart[pre]; i < g.PopStart[pre+1]; i++ {
			for s := g.PreStart[i]; s < g.PreStart[i+1]; s++ {
				if plasticSyn(g, s) {
					continue
				}
				k := blockKey{int(g.Delay(s)), int(g.Receptor(s)), pre, g.PopOf(int(g.Post[s]))}
				if k == last {
					continue
				}
				if _, ok := p.index[k]; !ok {
					p.index[k] = len(p.keys)
					p.keys = append(p.keys, k)
					cells := satMul(int64(g.PopStart[pre+1]-g.PopStart[pre]), int64(g.PopStart[k.post+1]-g.PopStart[k.post]))
					p.weightBytes = satAdd(p.weightBytes, satMul(8, cells))
					maxPost = max(maxPost, g.PopStart[k.post+1]-g.PopStart[k.post])
				}
				last = k
			}
		}
	}
	n := int64(g.N)
	var inputs int64
	for pi := 0; pi < npop; pi++ {
		size := int64(g.PopStart[pi+1] - g.PopStart[pi])
		switch g.Net.Populations[pi].Kind {
		case snn.Poisson:
			inputs += 16 * size
		case snn.SpikeSource:
			inputs += 32 * size
			for _, ts := range g.Net.Populations[pi].SpikeTimes {
				inputs += 8 * int64(len(ts))
			}
		}
	}
	t := p.weightBytes
	t = satAdd(t, satMul(8*int64(p.ring), n))
	t = satAdd(t, satMul(8*int64(p.recs), n)+8*int64(maxPost))
	t = satAdd(t, satMul(8*int64(1+p.recs)+4, n))
	t = satAdd(t, inputs)
	p.total = t
	// A deterministic block order: by delay, receptor, pre, post.
	sort.Slice(p.keys, func(a, b int) bool {
		x, y := p.keys[a], p.keys[b]
		if x.delay != y.delay {
			return x.delay < y.delay
		}
		if x.rec != y.rec {
			return x.rec < y.rec
		}
		if x.pre != y.pre {
			return x.pre < y.pre
		}
		return x.post < y.post
	})
	for i, k := range p.keys {
		p.index[k] = i
	}
	return p
}

// Footprint returns the bytes New would allocate for g and the number of
// weight matrices, by the formula in the package documentation.
func Footprint(g *snn.Graph) (bytes int64, matrices int) {
	p := makePlan(g)
	return p.total, len(p.keys)
}

type popInfo struct {
	kind   snn.Kind
	lo, hi int
	base   int // first index of the population in the input-state arrays
	par    *snn.LIFParams
	prob   float64
}

// Sim is a dense clock-driven simulation of one graph.
type Sim struct {
	g     *snn.Graph
	mode  snn.Mode
	tick  int64
	bytes int64

	pops   []popInfo
	blocks []block
	recs   int

	// ring[t mod D] holds the spike vector of tick t, ringSpikes the same
	// spikes as ascending ids.
	ring       []*mat.VecDense
	ringSpikes [][]uint32
	ringTick   []int64

	in      []*mat.VecDense // per receptor, global index
	inRaw   [][]float64
	inDirty bool
	scratch *mat.VecDense

	// float state
	v   []float64
	cur [][]float64
	// fixed state
	fv   []int64
	fcur [][]int64
	ref  []int32

	poisNext []int64  // next spike tick, by popInfo.base + local index
	poisK    []uint64 // spikes so far
	src      [][]int64
	srcNext  []int

	spikes []uint32

	// sparseBelow: a block's product uses the rows of its spiking
	// neurons when sparseBelow*k < n (k spiking of n), MulVec otherwise.
	// Options.SpikeRows sets 2; without it, rows are never used.
	sparseBelow int

	fw    []int32 // fixed-mode weights of every synapse
	rc    *snn.RateCounter
	rates []snn.Trace // per neuron
	poisP []float64   // per Poisson neuron, by popInfo.base + index
	learn *denseLearn // dense/learning.go; nil without plasticity
}

// New builds the dense matrices of g and the initial state. It refuses,
// with a *MemoryError, a graph whose footprint exceeds the limit.
func New(g *snn.Graph, opt Options) (*Sim, error) {
	if g == nil || g.Net == nil {
		return nil, errors.New("dense: nil graph")
	}
	opt.Mode = opt.Mode.Resolve(g.Net.Mode)
	if opt.Mode != snn.Float && opt.Mode != snn.Fixed {
		return nil, fmt.Errorf("dense: unknown mode %d", opt.Mode)
	}
	bitsW := opt.WeightBits
	if opt.Mode == snn.Fixed && (bitsW < 1 || bitsW > 32) {
		return nil, fmt.Errorf("dense: weight bits %d: fixed mode expects the weight_bits of the architecture it stands beside (1 to 32, 8 for loihi)", bitsW)
	}
	limit := opt.MaxBytes
	if limit == 0 {
		limit = DefaultMaxBytes
	}
	pl := makePlan(g)
	if limit > 0 && pl.total > limit {
		return nil, &MemoryError{Need: pl.total, Limit: limit, Matrices: len(pl.keys), WeightBytes: pl.weightBytes}
	}

	s := &Sim{g: g, mode: opt.Mode, bytes: pl.total, recs: pl.recs, sparseBelow: math.MaxInt32}
	if opt.SpikeRows {
		s.sparseBelow = 2
	}
	npop := len(g.PopStart) - 1
	s.pops = make([]popInfo, npop)
	nPois, nSrc := 0, 0
	for pi := range s.pops {
		pop := &g.Net.Populations[pi]
		s.pops[pi] = popInfo{kind: pop.Kind, lo: g.PopStart[pi], hi: g.PopStart[pi+1], par: &g.Params[pi]}
		switch pop.Kind {
		case snn.Poisson:
			s.pops[pi].prob = g.PoissonP(pi)
			s.pops[pi].base = nPois
			nPois += pop.Size
		case snn.SpikeSource:
			s.pops[pi].base = nSrc
			nSrc += pop.Size
		}
	}

	// Weight matrices.
	var fw []int32
	if opt.Mode == snn.Fixed {
		fw = g.FixedWeights(bitsW)
	}
	s.blocks = make([]block, len(pl.keys))
	maxPost := 0
	for bi, k := range pl.keys {
		b := &s.blocks[bi]
		b.delay, b.rec, b.prePop = k.delay, k.rec, k.pre
		b.preLo, b.preHi = g.PopStart[k.pre], g.PopStart[k.pre+1]
		b.postLo, b.postHi = g.PopStart[k.post], g.PopStart[k.post+1]
		b.wt = mat.NewDense(b.preHi-b.preLo, b.postHi-b.postLo, nil)
		maxPost = max(maxPost, b.postHi-b.postLo)
	}
	for pre := 0; pre < npop; pre++ {
		last, b := blockKey{delay: -1}, (*block)(nil)
		for i := g.PopStart[pre]; i < g.PopStart[pre+1]; i++ {
			for syn := g.PreStart[i]; syn < g.PreStart[i+1]; syn++ {
				if plasticSyn(g, syn) {
					continue
				}
				post := int(g.Post[syn])
				if k := (blockKey{int(g.Delay(syn)), int(g.Receptor(syn)), pre, g.PopOf(post)}); k != last {
					last, b = k, &s.blocks[pl.index[k]]
				}
				w := g.Weight(syn)
				if fw != nil {
					w = float64(fw[syn])
				}
				r, c := i-b.preLo, post-b.postLo
				b.wt.Set(r, c, b.wt.At(r, c)+w)
			}
		}
	}
	if maxPost > 0 {
		s.scratch = mat.NewVecDense(maxPost, nil)
	}
	s.fw = fw
	s.rc = snn.NewRateCounter(g.Net.Dt, opt.RateTau)
	s.rates = make([]snn.Trace, g.N)
	s.initLearning(bitsW)

	// Spike ring.
	D := pl.ring
	s.ring = make([]*mat.VecDense, D)
	s.ringSpikes = make([][]uint32, D)
	s.ringTick = make([]int64, D)
	for i := range s.ring {
		if g.N > 0 {
			s.ring[i] = mat.NewVecDense(g.N, nil)
		}
		s.ringTick[i] = -1
	}

	// Inputs and state.
	s.in = make([]*mat.VecDense, s.recs)
	s.inRaw = make([][]float64, s.recs)
	for r := range s.in {
		if g.N > 0 {
			s.in[r] = mat.NewVecDense(g.N, nil)
			s.inRaw[r] = s.in[r].RawVector().Data
		}
	}
	s.ref = make([]int32, g.N)
	if opt.Mode == snn.Fixed {
		s.fv = make([]int64, g.N)
		s.fcur = make([][]int64, s.recs)
		for r := range s.fcur {
			s.fcur[r] = make([]int64, g.N)
		}
	} else {
		s.v = make([]float64, g.N)
		s.cur = make([][]float64, s.recs)
		for r := range s.cur {
			s.cur[r] = make([]float64, g.N)
		}
	}
	s.poisNext = make([]int64, nPois)
	s.poisK = make([]uint64, nPois)
	s.poisP = make([]float64, nPois)
	s.src = make([][]int64, nSrc)
	s.srcNext = make([]int, nSrc)
	for pi, p := range s.pops {
		for i := p.lo; i < p.hi; i++ {
			j := i - p.lo
			switch p.kind {
			case snn.LIF:
				if opt.Mode == snn.Fixed {
					s.fv[i] = int64(g.FixedVInit(i))
				} else {
					s.v[i] = g.VInit[i]
				}
			case snn.Poisson:
				s.poisP[p.base+j] = p.prob
				s.poisNext[p.base+j] = snn.PoissonInterval(g.Net.Seed, pi, j, 0, p.prob) - 1
			case snn.SpikeSource:
				s.src[p.base+j] = g.SourceTicks(pi, j)
			}
		}
	}
	return s, nil
}

// Tick returns the tick the next Step simulates: the number of ticks
// simulated so far.
func (s *Sim) Tick() int64 { return s.tick }

// Mode returns the numeric mode.
func (s *Sim) Mode() snn.Mode { return s.mode }

// Bytes returns the footprint the simulation was admitted with.
func (s *Sim) Bytes() int64 { return s.bytes }

// Matrices returns the number of dense weight matrices.
func (s *Sim) Matrices() int { return len(s.blocks) }

// Run simulates ticks ticks and calls onSpike (if not nil) for every
// spike, in (tick, neuron) order.
func (s *Sim) Run(ticks int, onSpike func(tick int64, neuron uint32)) {
	for n := 0; n < ticks; n++ {
		t := s.tick
		sp := s.Step()
		if onSpike != nil {
			for _, i := range sp {
				onSpike(t, i)
			}
		}
	}
}

// Step simulates one tick and returns the global ids of the neurons that
// spiked in it, ascending. The slice is reused by the next Step.
func (s *Sim) Step() []uint32 {
	t := s.tick
	s.input(t)
	if s.learn != nil {
		s.learnInput(t)
	}
	s.spikes = s.spikes[:0]
	for pi := range s.pops {
		p := &s.pops[pi]
		switch p.kind {
		case snn.LIF:
			if s.mode == snn.Fixed {
				s.updateFixed(p)
			} else {
				s.updateFloat(p)
			}
		case snn.Poisson:
			for j := 0; j < p.hi-p.lo; j++ {
				if x := p.base + j; s.poisNext[x] == t {
					s.spikes = append(s.spikes, uint32(p.lo+j))
					s.poisK[x]++
					s.poisNext[x] = t + snn.PoissonInterval(s.g.Net.Seed, pi, j, s.poisK[x], s.poisP[x])
				}
			}
		case snn.SpikeSource:
			for j := 0; j < p.hi-p.lo; j++ {
				x := p.base + j
				ts, k := s.src[x], s.srcNext[x]
				for k < len(ts) && ts[k] < t {
					k++
				}
				for k < len(ts) && ts[k] == t {
					// A graded spike of n: n spikes of the neuron.
					s.spikes = append(s.spikes, uint32(p.lo+j))
					k++
				}
				s.srcNext[x] = k
			}
		}
	}
	for _, i := range s.spikes {
		s.rc.Spike(&s.rates[i], t)
	}
	if s.learn != nil {
		s.learnAfter(t)
	}
	s.record(t)
	s.tick++
	return s.spikes
}

// input fills s.in with the synaptic input of tick t.
func (s *Sim) input(t int64) {
	if s.inDirty {
		for _, v := range s.inRaw {
			clear(v)
		}
		s.inDirty = false
	}
	D := int64(len(s.ring))
	for bi := range s.blocks {
		b := &s.blocks[bi]
		src := t - int64(b.delay)
		if src < 0 {
			continue
		}
		slot := src % D
		if s.ringTick[slot] != src {
			continue // nothing recorded for that tick
		}
		sp := s.ringSpikes[slot]
		lo := sort.Search(len(sp), func(k int) bool { return sp[k] >= uint32(b.preLo) })
		hi := lo + sort.Search(len(sp)-lo, func(k int) bool { return sp[lo+k] >= uint32(b.preHi) })
		if lo == hi {
			continue
		}
		s.inDirty = true
		out := s.inRaw[b.rec][b.postLo:b.postHi]
		if s.sparseBelow*(hi-lo) < b.preHi-b.preLo {
			for k := lo; k < hi; k++ {
				j := sp[k]
				row := b.wt.RawRowView(int(j) - b.preLo)
				n := 1
				for k+n < hi && sp[k+n] == j {
					n++
				}
				if n == 1 {
					floats.Add(out, row)
					continue
				}
				// A graded spike of n: n times the weights, each product
				// rounded before the sum, as the engine adds it.
				k += n - 1
				fn := float64(n)
				for i, w := range row {
					out[i] += float64(fn * w)
				}
			}
			continue
		}
		x := s.ring[slot].SliceVec(b.preLo, b.preHi)
		y := s.scratch.SliceVec(0, b.postHi-b.postLo).(*mat.VecDense)
		y.MulVec(b.wt.T(), x)
		floats.Add(out, y.RawVector().Data)
	}
}

// record stores the spikes of tick t in the ring.
func (s *Sim) record(t int64) {
	if s.g.N == 0 {
		return
	}
	slot := t % int64(len(s.ring))
	v := s.ring[slot]
	for _, i := range s.ringSpikes[slot] {
		v.SetVec(int(i), 0)
	}
	for _, i := range s.spikes {
		// A neuron listed n times (a graded spike) counts n.
		v.SetVec(int(i), v.AtVec(int(i))+1)
	}
	s.ringSpikes[slot] = append(s.ringSpikes[slot][:0], s.spikes...)
	s.ringTick[slot] = t
}

// updateFloat rounds every product before adding (the float64
// conversions), as the event engine does: no fused multiply-add.
func (s *Sim) updateFloat(p *popInfo) {
	c := p.par
	R := c.Receptors
	for i := p.lo; i < p.hi; i++ {
		sum := 0.0
		for r := 0; r < R; r++ {
			x := snn.CurrentFloat(s.cur[r][i], c.KeepI[r], s.inRaw[r][i])
			s.cur[r][i] = x
			sum += x
		}
		if s.ref[i] > 0 {
			s.ref[i]--
			continue
		}
		v, fired := snn.MembraneFloat(s.v[i], sum, c.KeepV, c.GainV, c.Bias, c.VTh, c.VReset)
		if fired {
			s.spikes = append(s.spikes, uint32(i))
			s.ref[i] = c.RefTicks
		}
		s.v[i] = v
	}
}

func (s *Sim) updateFixed(p *popInfo) {
	c := p.par
	R := c.Receptors
	for i := p.lo; i < p.hi; i++ {
		var sum int64
		for r := 0; r < R; r++ {
			x := snn.CurrentFixed(s.fcur[r][i], c.FKeepI[r], int64(s.inRaw[r][i]))
			s.fcur[r][i] = x
			sum += x
		}
		if s.ref[i] > 0 {
			s.ref[i]--
			continue
		}
		v, fired := snn.MembraneFixed(s.fv[i], sum, c.FKeepV, c.FGainV, int64(c.FBias), int64(c.FVTh), int64(c.FVReset))
		if fired {
			s.spikes = append(s.spikes, uint32(i))
			s.ref[i] = c.RefTicks
		}
		s.fv[i] = v
	}
}

// State returns the membrane potential and the synaptic currents of LIF
// neuron i in mV relative to v_rest (in fixed mode converted from state
// units by the population's Scale), as they stand after the last Step.
// For an input neuron it returns 0 and nil.
func (s *Sim) State(i int) (v float64, currents []float64) {
	pi := s.g.PopOf(i)
	p := &s.pops[pi]
	if p.kind != snn.LIF {
		return 0, nil
	}
	currents = make([]float64, p.par.Receptors)
	if s.mode == snn.Fixed {
		for r := range currents {
			currents[r] = float64(s.fcur[r][i]) / p.par.Scale
		}
		return float64(s.fv[i]) / p.par.Scale, currents
	}
	for r := range currents {
		currents[r] = s.cur[r][i]
	}
	return s.v[i], currents
}

// FixedState returns the raw fixed-mode membrane potential and currents
// (state units) of LIF neuron i. In float mode, or for an input neuron, it
// returns 0 and nil.
func (s *Sim) FixedState(i int) (v int64, currents []int64) {
	p := &s.pops[s.g.PopOf(i)]
	if p.kind != snn.LIF || s.mode != snn.Fixed {
		return 0, nil
	}
	currents = make([]int64, p.par.Receptors)
	for r := range currents {
		currents[r] = s.fcur[r][i]
	}
	return s.fv[i], currents
}

// Refractory returns the refractory ticks neuron i has left.
func (s *Sim) Refractory(i int) int32 { return s.ref[i] }
