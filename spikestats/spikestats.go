// Package spikestats computes statistics of spike trains and the agreement
// of two runs of the same network, as used by `spindle compare` (event
// engine against the dense reference) and `spindle trace stats`.
//
// The distribution statistics follow the comparisons customary for the
// Potjans–Diesmann cortical microcircuit: per population, the distribution
// over neurons of the firing rate, of the coefficient of variation of the
// inter-spike intervals, and of the pairwise spike-count correlation
// coefficient, compared between two runs by the two-sample
// Kolmogorov–Smirnov statistic. The agreement of individual spikes is
// measured by the fraction of identical spikes, the van Rossum distance and
// the first divergence.
//
// Conventions:
//
//   - A spike list is a set of (tick, neuron) pairs: it need not be
//     sorted, and a repeated pair counts once.
//   - Time runs over the recording [0, End) ticks of Dt ms each. The
//     distribution statistics (rates, CV, correlations and their KS) use only
//     the ticks [Warmup, End); the spike-level agreement measures (identical
//     fraction, van Rossum distance, first divergence) use every spike,
//     because a divergence in the transient is exactly what they look for.
//   - A neuron belongs to the population whose [First, First+Size) range
//     holds it; spikes of neurons in no population are ignored by the
//     per-population statistics.
//   - An undefined value (the mean of an empty set, the KS statistic with
//     an empty sample) is NaN in Go and null in JSON.
package spikestats

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/spindle-sim/spindle/aer"
	"github.com/spindle-sim/spindle/snn"
)

// Spike and Population are the module's one spike and one population
// type, aer's: a spike is (Time, Addr), Time in ticks here, Addr the
// global neuron id; a population names the addresses [First, First+Size).
type (
	Spike      = aer.Spike
	Population = aer.Population
)

// Populations returns the populations of a built graph.
func Populations(g *snn.Graph) []Population {
	out := make([]Population, len(g.Net.Populations))
	for i := range out {
		out[i] = Population{Name: g.Net.Populations[i].Name, First: uint32(g.PopStart[i]), Size: uint32(g.PopStart[i+1] - g.PopStart[i])}
	}
	return out
}

// Defaults of Options.
const (
	DefaultBinMs = 5.0
	DefaultPairs = 200
	DefaultTauMs = 10.0
	// MinSpikesCV is the fewest spikes (after warm-up) a neuron needs for
	// its ISI CV to count: two intervals, the fewest whose spread is
	// informative.
	MinSpikesCV = 3
)

// Options set the time base and the sampling of the statistics.
type Options struct {
	Dt     float64 // ms per tick; required
	Warmup int64   // ticks [0, Warmup) are left out of the distribution statistics
	End    int64   // first tick after the recording; 0: one past the last spike
	BinMs  float64 // spike-count bin of the correlations; 0: DefaultBinMs
	Pairs  int     // neuron pairs sampled per population; 0: DefaultPairs
	Seed   uint64  // seeds the pair sampling
	TauMs  float64 // van Rossum time constant; 0: DefaultTauMs
}

func (o Options) withDefaults(end int64) (Options, error) {
	if !(o.Dt > 0) || math.IsInf(o.Dt, 0) {
		return o, fmt.Errorf("spikestats: dt %v ms: expected a positive time step", o.Dt)
	}
	if o.Warmup < 0 {
		return o, fmt.Errorf("spikestats: warm-up %d ticks: expected >= 0", o.Warmup)
	}
	if o.End == 0 {
		o.End = end
	}
	if o.End <= o.Warmup {
		return o, fmt.Errorf("spikestats: recording ends at tick %d, not after the warm-up of %d ticks", o.End, o.Warmup)
	}
	if o.BinMs == 0 {
		o.BinMs = DefaultBinMs
	}
	if !(o.BinMs > 0) {
		return o, fmt.Errorf("spikestats: bin %v ms: expected a positive width", o.BinMs)
	}
	if o.Pairs == 0 {
		o.Pairs = DefaultPairs
	}
	if o.Pairs < 0 {
		return o, fmt.Errorf("spikestats: %d pairs: expected >= 0", o.Pairs)
	}
	if o.TauMs == 0 {
		o.TauMs = DefaultTauMs
	}
	if !(o.TauMs > 0) || math.IsInf(o.TauMs, 0) {
		return o, fmt.Errorf("spikestats: tau %v ms: expected a positive time constant", o.TauMs)
	}
	return o, nil
}

func spikeCmp(a, b Spike) int {
	if c := cmp.Compare(a.Time, b.Time); c != 0 {
		return c
	}
	return cmp.Compare(a.Addr, b.Addr)
}

// normalise returns the spikes sorted by (tick, neuron) without repeats,
// leaving the argument alone.
func normalise(s []Spike) []Spike {
	ok := true
	for k := 1; k < len(s) && ok; k++ {
		ok = spikeCmp(s[k-1], s[k]) < 0
	}
	if ok {
		return s
	}
	out := slices.Clone(s)
	slices.SortFunc(out, spikeCmp)
	return slices.Compact(out)
}

// trains holds spike ticks by neuron in compressed rows: the spikes of
// neuron i are ticks[start[i]:start[i+1]], ascending.
type trains struct {
	start []int
	ticks []int64
}

func newTrains(s []Spike, n int) *trains {
	for _, x := range s {
		n = max(n, int(x.Addr)+1)
	}
	t := &trains{start: make([]int, n+1), ticks: make([]int64, len(s))}
	for _, x := range s {
		t.start[x.Addr+1]++
	}
	for i := 0; i < n; i++ {
		t.start[i+1] += t.start[i]
	}
	next := slices.Clone(t.start[:n])
	for _, x := range s { // s is sorted by tick, so each row is too
		t.ticks[next[x.Addr]] = x.Time
		next[x.Addr]++
	}
	return t
}

func (t *trains) of(i int) []int64 {
	if i+1 >= len(t.start) {
		return nil
	}
	return t.ticks[t.start[i]:t.start[i+1]]
}

// window returns the ticks of neuron i in [lo, hi).
func (t *trains) window(i int, lo, hi int64) []int64 {
	ts := t.of(i)
	a, _ := slices.BinarySearch(ts, lo)
	b, _ := slices.BinarySearch(ts, hi)
	return ts[a:b]
}

func popsEnd(pops []Population) (int, error) {
	n := 0
	for _, p := range pops {
		if uint64(p.First)+uint64(p.Size) > MaxNeurons {
			return 0, fmt.Errorf("spikestats: population %q: range [%d, %d) goes past the %d neurons whose statistics are computed", p.Name, p.First, uint64(p.First)+uint64(p.Size), MaxNeurons)
		}
		n = max(n, int(p.First+p.Size))
	}
	return n, nil
}

// MaxNeurons bounds the neurons that Compare takes statistics of: it
// keeps about 16 bytes per neuron, so a damaged or crafted description of
// billions of neurons is refused instead of exhausting memory.
const MaxNeurons = 1 << 26

func lastTick(lists ...[]Spike) int64 {
	var end int64
	for _, l := range lists {
		for _, s := range l {
			end = max(end, s.Time+1)
		}
	}
	return end
}

// PopStats are the distributions over one population's neurons.
type PopStats struct {
	Name  string
	Rates []float64 // Hz, one per neuron, silent neurons included
	CVs   []float64 // ISI CV of each neuron with at least MinSpikesCV spikes
	Corrs []float64 // spike-count correlation of each sampled pair where defined
}

// MeanRate returns the mean rate in Hz (NaN for an empty population).
func (p *PopStats) MeanRate() float64 { return mean(p.Rates) }

// MeanCV returns the mean CV (NaN when no neuron qualifies).
func (p *PopStats) MeanCV() float64 { return mean(p.CVs) }

// MeanCorr returns the mean correlation coefficient (NaN when no pair has one).
func (p *PopStats) MeanCorr() float64 { return mean(p.Corrs) }

func mean(x []float64) float64 {
	if len(x) == 0 {
		return math.NaN()
	}
	return sum(x) / float64(len(x))
}

// Stats returns the rate, CV and correlation distributions of each
// population.
func Stats(spikes []Spike, pops []Population, opt Options) ([]PopStats, error) {
	n, err := popsEnd(pops)
	if err != nil {
		return nil, err
	}
	opt, err = opt.withDefaults(lastTick(spikes))
	if err != nil {
		return nil, err
	}
	tr := newTrains(normalise(spikes), n)
	out := make([]PopStats, len(pops))
	for pi, p := range pops {
		out[pi] = popStats(tr, pi, p, opt)
	}
	return out, nil
}

func popStats(tr *trains, pi int, p Population, opt Options) PopStats {
	st := PopStats{Name: p.Name, Rates: make([]float64, p.Size)}
	secs := float64(opt.End-opt.Warmup) * opt.Dt / 1000
	for j := 0; j < int(p.Size); j++ {
		ts := tr.window(int(p.First)+j, opt.Warmup, opt.End)
		st.Rates[j] = float64(len(ts)) / secs
		if cv, ok := CV(ts); ok {
			st.CVs = append(st.CVs, cv)
		}
	}
	st.Corrs = correlations(tr, p, samplePairs(int(p.Size), opt.Pairs, opt.Seed, uint64(pi)), opt)
	return st
}

// CV returns the coefficient of variation of the inter-spike intervals of
// one train of ascending ticks, by the definition of ISI: the standard
// deviation (normalised by the number of intervals, as elephant and
// scipy.stats.variation do) over the mean. It needs MinSpikesCV spikes; ok
// is false otherwise.
func CV(ticks []int64) (cv float64, ok bool) {
	var a ISI
	for _, t := range ticks {
		a.Add(t)
	}
	return a.CV()
}
