package aer

import (
	"math"
	"sort"
)

// SpikeStats accumulates per-address spike counts and inter-spike intervals
// in one pass, in memory proportional to the number of distinct addresses.
// Times must arrive in non-decreasing order.
type SpikeStats struct {
	dense       []int32 // address -> accumulator index + 1, for small addresses
	sparse      map[uint32]int32
	acc         []isiAcc
	N           int64 // spikes seen
	First, Last int64 // time range seen
}

// Addresses below denseLimit are looked up in a slice, others in a map.
const denseLimit = 1 << 20

type isiAcc struct {
	addr      uint32
	count     int64
	last      int64
	sum, sum2 float64 // of the intervals
}

// AddrStat summarises one address. ISIs are in the trace's time unit.
type AddrStat struct {
	Addr    uint32
	Count   int64
	ISIMean float64 // NaN with fewer than 2 spikes
	ISICV   float64 // standard deviation / mean of the ISIs; NaN with fewer than 3 spikes
}

// Add records a spike.
func (s *SpikeStats) Add(t int64, addr uint32) {
	if s.N == 0 {
		s.First = t
	}
	s.N++
	s.Last = t
	var i int32
	if addr < denseLimit {
		if int(addr) >= len(s.dense) {
			s.dense = append(s.dense, make([]int32, int(addr)+1-len(s.dense))...)
		}
		i = s.dense[addr] - 1
		if i < 0 {
			i = int32(len(s.acc))
			s.dense[addr] = i + 1
			s.acc = append(s.acc, isiAcc{addr: addr, last: t})
		}
	} else {
		if s.sparse == nil {
			s.sparse = make(map[uint32]int32)
		}
		j, ok := s.sparse[addr]
		if !ok {
			j = int32(len(s.acc))
			s.sparse[addr] = j
			s.acc = append(s.acc, isiAcc{addr: addr, last: t})
		}
		i = j
	}
	a := &s.acc[i]
	if a.count > 0 {
		d := float64(t - a.last)
		a.sum += d
		a.sum2 += d * d
	}
	a.count++
	a.last = t
}

// Distinct is the number of distinct addresses seen.
func (s *SpikeStats) Distinct() int { return len(s.acc) }

// ByAddress returns the statistics of every address seen, in address order.
func (s *SpikeStats) ByAddress() []AddrStat {
	out := make([]AddrStat, len(s.acc))
	for i, a := range s.acc {
		m, cv := isiMoments(a.count-1, a.sum, a.sum2)
		out[i] = AddrStat{Addr: a.addr, Count: a.count, ISIMean: m, ISICV: cv}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Addr < out[j].Addr })
	return out
}

// PopStat summarises a population: its spikes and the ISIs of all its
// neurons pooled.
type PopStat struct {
	Name    string
	Size    uint32
	Count   int64
	Active  int // neurons that spiked
	ISIMean float64
	ISICV   float64
}

// ByPopulation pools the addresses of each population of m.
func (s *SpikeStats) ByPopulation(m *Meta) []PopStat {
	out := make([]PopStat, len(m.Populations))
	type pool struct {
		n         int64
		sum, sum2 float64
	}
	pools := make([]pool, len(m.Populations))
	for i, p := range m.Populations {
		out[i] = PopStat{Name: p.Name, Size: p.Size}
	}
	for _, a := range s.acc {
		i := m.Population(a.addr)
		if i < 0 {
			continue
		}
		out[i].Count += a.count
		out[i].Active++
		pools[i].n += a.count - 1
		pools[i].sum += a.sum
		pools[i].sum2 += a.sum2
	}
	for i, p := range pools {
		out[i].ISIMean, out[i].ISICV = isiMoments(p.n, p.sum, p.sum2)
	}
	return out
}

func isiMoments(n int64, sum, sum2 float64) (mean, cv float64) {
	mean, cv = math.NaN(), math.NaN()
	if n >= 1 {
		mean = sum / float64(n)
	}
	if n >= 2 && mean > 0 {
		v := (sum2 - sum*sum/float64(n)) / float64(n-1)
		cv = math.Sqrt(max(v, 0)) / mean
	}
	return mean, cv
}

// Traffic accumulates router packets per core and per link (source core to
// destination core).
type Traffic struct {
	Cores map[uint32]*CoreTraffic
	Links map[Link]*LinkTraffic
	N     int64
}

// CoreTraffic counts the packets a core sent and received.
type CoreTraffic struct {
	Sent, Received int64
}

// Link is a source-destination core pair.
type Link struct{ Src, Dst uint32 }

// LinkTraffic summarises the packets of one link.
type LinkTraffic struct {
	Packets, Late, Dropped int64
	Hops                   int64 // summed
	Latency                int64 // summed deliver - emit
}

// Add records a packet.
func (tr *Traffic) Add(p Packet) {
	if tr.Cores == nil {
		tr.Cores = make(map[uint32]*CoreTraffic)
		tr.Links = make(map[Link]*LinkTraffic)
	}
	tr.N++
	core := func(c uint32) *CoreTraffic {
		x := tr.Cores[c]
		if x == nil {
			x = &CoreTraffic{}
			tr.Cores[c] = x
		}
		return x
	}
	core(p.Src).Sent++
	core(p.Dst).Received++
	l := tr.Links[Link{p.Src, p.Dst}]
	if l == nil {
		l = &LinkTraffic{}
		tr.Links[Link{p.Src, p.Dst}] = l
	}
	l.Packets++
	l.Hops += int64(p.Hops)
	l.Latency += p.Deliver - p.Emit
	if p.Flags&FlagLate != 0 {
		l.Late++
	}
	if p.Flags&FlagDropped != 0 {
		l.Dropped++
	}
}
