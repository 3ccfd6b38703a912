package aer

import (
	"math"
	"testing"
)

func TestSpikeStats(t *testing.T) {
	var s SpikeStats
	// Address 1: ISIs 2, 4 -> mean 3, sd sqrt(2), CV 0.4714.
	for _, sp := range []Spike{{0, 1}, {1, 5_000_000}, {2, 1}, {6, 1}, {7, 3200}} {
		s.Add(sp.Time, sp.Addr)
	}
	by := s.ByAddress()
	if len(by) != 3 || s.Distinct() != 3 || s.N != 5 || s.First != 0 || s.Last != 7 {
		t.Fatalf("stats %+v", by)
	}
	a := by[0]
	if a.Addr != 1 || a.Count != 3 || a.ISIMean != 3 || math.Abs(a.ISICV-math.Sqrt2/3) > 1e-12 {
		t.Errorf("address 1: %+v", a)
	}
	if !math.IsNaN(by[1].ISIMean) {
		t.Errorf("single spike has ISI mean %v, want NaN", by[1].ISIMean)
	}
	m := testMeta()
	pops := s.ByPopulation(&m)
	if pops[0].Count != 3 || pops[0].Active != 1 || pops[1].Count != 1 || pops[1].Active != 1 {
		t.Errorf("populations %+v", pops)
	}
}

func TestTraffic(t *testing.T) {
	var tr Traffic
	tr.Add(Packet{Emit: 0, Deliver: 2, Src: 1, Dst: 2, Hops: 3, Flags: FlagLate})
	tr.Add(Packet{Emit: 1, Deliver: 2, Src: 1, Dst: 2, Hops: 3, Flags: FlagDropped})
	tr.Add(Packet{Emit: 1, Deliver: 2, Src: 2, Dst: 1, Hops: 1})
	l := tr.Links[Link{1, 2}]
	if l.Packets != 2 || l.Late != 1 || l.Dropped != 1 || l.Hops != 6 || l.Latency != 3 {
		t.Errorf("link 1->2: %+v", l)
	}
	if c := tr.Cores[1]; c.Sent != 2 || c.Received != 1 {
		t.Errorf("core 1: %+v", c)
	}
}
