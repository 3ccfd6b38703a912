package spikestats

import (
	"math"
	"slices"
)

// ISI accumulates the inter-spike intervals of one spike train whose
// times arrive in non-decreasing order, in constant memory.
//
// It holds the module's one definition of the ISI coefficient of
// variation: the standard deviation of a neuron's intervals, normalised by
// the number of intervals (as Elephant's cv and scipy.stats.variation do),
// over their mean, defined for a train of at least MinSpikesCV spikes. A
// population's CV is the mean of its neurons' CVs over the neurons that
// have one (PopStats.MeanCV, Stream.ByPopulation), which is what Brian2 and
// Elephant users compute; intervals are not pooled across neurons.
type ISI struct {
	N           int64 // spikes
	First, Last int64 // times of the first and last spike
	mean, m2    float64
}

// Add records a spike at time t, not before the last one. A spike at the
// time of the last one is the same spike and counts once, as in Stats.
func (a *ISI) Add(t int64) {
	if a.N > 0 && t == a.Last {
		return
	}
	if a.N == 0 {
		a.First = t
	} else {
		// Welford's update over the intervals.
		d := float64(t - a.Last)
		k := float64(a.N) // intervals, this one included
		delta := d - a.mean
		a.mean += delta / k
		a.m2 += delta * (d - a.mean)
	}
	a.N++
	a.Last = t
}

// Mean returns the mean interval; ok is false with fewer than two spikes.
func (a *ISI) Mean() (mean float64, ok bool) {
	if a.N < 2 {
		return 0, false
	}
	return float64(a.Last-a.First) / float64(a.N-1), true
}

// CV returns the coefficient of variation of the intervals; ok is false
// with fewer than MinSpikesCV spikes or a zero mean interval.
func (a *ISI) CV() (cv float64, ok bool) {
	m, ok := a.Mean()
	if !ok || a.N < MinSpikesCV || m <= 0 {
		return 0, false
	}
	return math.Sqrt(max(a.m2, 0)/float64(a.N-1)) / m, true
}

// Stream accumulates per-address spike counts and inter-spike intervals in
// one pass over spikes in non-decreasing time order, in memory
// proportional to the number of distinct addresses: the statistics of
// `spindle trace stats`, by the same definitions as Stats.
type Stream struct {
	dense       []int32 // address -> accumulator index + 1, for small addresses
	sparse      map[uint32]int32
	acc         []addrAcc
	N           int64 // spikes seen
	First, Last int64 // time range seen
}

// Addresses below denseLimit are looked up in a slice, others in a map.
const denseLimit = 1 << 20

type addrAcc struct {
	addr  uint32
	count int64 // events, repeats included
	isi   ISI
}

// AddrStat summarises one address. Times are in the stream's unit; Count
// counts every event, the intervals only distinct times.
type AddrStat struct {
	Addr    uint32
	Count   int64
	ISIMean float64 // NaN with fewer than 2 spikes
	ISICV   float64 // ISI.CV; NaN with fewer than MinSpikesCV spikes
}

// Add records a spike.
func (s *Stream) Add(sp Spike) {
	if s.N == 0 {
		s.First = sp.Time
	}
	s.N++
	s.Last = sp.Time
	a := &s.acc[s.index(sp.Addr)]
	a.count++
	a.isi.Add(sp.Time)
}

func (s *Stream) index(addr uint32) int32 {
	if addr < denseLimit {
		if int(addr) >= len(s.dense) {
			s.dense = append(s.dense, make([]int32, int(addr)+1-len(s.dense))...)
		}
		if i := s.dense[addr] - 1; i >= 0 {
			return i
		}
		i := int32(len(s.acc))
		s.dense[addr] = i + 1
		s.acc = append(s.acc, addrAcc{addr: addr})
		return i
	}
	if s.sparse == nil {
		s.sparse = make(map[uint32]int32)
	}
	if i, ok := s.sparse[addr]; ok {
		return i
	}
	i := int32(len(s.acc))
	s.sparse[addr] = i
	s.acc = append(s.acc, addrAcc{addr: addr})
	return i
}

// Distinct is the number of distinct addresses seen.
func (s *Stream) Distinct() int { return len(s.acc) }

func (s *Stream) sorted() []addrAcc {
	acc := slices.Clone(s.acc)
	slices.SortFunc(acc, func(a, b addrAcc) int { return int(int64(a.addr) - int64(b.addr)) })
	return acc
}

// ByAddress returns the statistics of every address seen, in address order.
func (s *Stream) ByAddress() []AddrStat {
	acc := s.sorted()
	out := make([]AddrStat, len(acc))
	for i, a := range acc {
		out[i] = AddrStat{Addr: a.addr, Count: a.count, ISIMean: nanUnless(a.isi.Mean()), ISICV: nanUnless(a.isi.CV())}
	}
	return out
}

// PopStat summarises a population.
type PopStat struct {
	Name    string
	Size    uint32
	Count   int64
	Active  int     // neurons that spiked
	ISIMean float64 // every interval of its neurons pooled; NaN without one
	// ISICV is the mean over its neurons with at least MinSpikesCV spikes
	// of their ISI CV (the definition of ISI); NaN when none has.
	ISICV float64
}

// ByPopulation summarises the addresses of each population.
func (s *Stream) ByPopulation(pops []Population) []PopStat {
	out := make([]PopStat, len(pops))
	type pool struct {
		intervals, span int64
		cvs             []float64
	}
	pools := make([]pool, len(pops))
	for i, p := range pops {
		out[i] = PopStat{Name: p.Name, Size: p.Size}
	}
	for _, a := range s.sorted() { // address order, as Stats takes the neurons
		i := popOf(pops, a.addr)
		if i < 0 {
			continue
		}
		out[i].Count += a.count
		out[i].Active++
		pools[i].intervals += a.isi.N - 1
		pools[i].span += a.isi.Last - a.isi.First
		if cv, ok := a.isi.CV(); ok {
			pools[i].cvs = append(pools[i].cvs, cv)
		}
	}
	for i, p := range pools {
		out[i].ISIMean = math.NaN()
		if p.intervals > 0 {
			out[i].ISIMean = float64(p.span) / float64(p.intervals)
		}
		out[i].ISICV = mean(p.cvs)
	}
	return out
}

// popOf returns the index of the first population holding addr, or -1.
func popOf(pops []Population, addr uint32) int {
	for i, p := range pops {
		if addr >= p.First && uint64(addr) < uint64(p.First)+uint64(p.Size) {
			return i
		}
	}
	return -1
}

func nanUnless(x float64, ok bool) float64 {
	if !ok {
		return math.NaN()
	}
	return x
}
