package spikestats

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestStream(t *testing.T) {
	var s Stream
	// Address 1: ISIs 2, 4 -> mean 3, sd 1 (n-normalised), CV 1/3.
	for _, sp := range []Spike{{Time: 0, Addr: 1}, {Time: 1, Addr: 5_000_000}, {Time: 2, Addr: 1}, {Time: 6, Addr: 1}, {Time: 7, Addr: 3200}} {
		s.Add(sp)
	}
	by := s.ByAddress()
	if len(by) != 3 || s.Distinct() != 3 || s.N != 5 || s.First != 0 || s.Last != 7 {
		t.Fatalf("stats %+v", by)
	}
	if a := by[0]; a.Addr != 1 || a.Count != 3 || a.ISIMean != 3 || math.Abs(a.ISICV-1.0/3) > 1e-15 {
		t.Errorf("address 1: %+v", a)
	}
	if !math.IsNaN(by[1].ISIMean) || !math.IsNaN(by[1].ISICV) || by[2].Addr != 5_000_000 {
		t.Errorf("single spikes: %+v", by[1:])
	}
	pops := s.ByPopulation([]Population{pop("a", 0, 10), pop("b", 10, 4000)})
	if p := pops[0]; p.Count != 3 || p.Active != 1 || p.ISIMean != 3 || math.Abs(p.ISICV-1.0/3) > 1e-15 {
		t.Errorf("population a: %+v", p)
	}
	if p := pops[1]; p.Count != 1 || p.Active != 1 || !math.IsNaN(p.ISIMean) || !math.IsNaN(p.ISICV) {
		t.Errorf("population b: %+v", p)
	}
}

// TestCVOneDefinition: the streaming statistics of `trace stats` and the
// distributions of `compare` give bit-identical ISI CVs on the same
// spikes, per neuron and per population, and the population CV is the
// mean of the neurons' CVs, not the CV of the pooled intervals.
func TestCVOneDefinition(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 5))
	pops := []Population{pop("E", 0, 40), pop("I", 40, 10)}
	var spikes []Spike
	var s Stream
	for tick := int64(0); tick < 3000; tick++ {
		for n := uint32(0); n < 50; n++ {
			rate := 0.01 + 0.04*float64(n%7) // neurons of different rates
			if r.Float64() < rate {
				sp := Spike{Time: tick, Addr: n}
				spikes = append(spikes, sp)
				s.Add(sp)
			}
		}
	}
	st, err := Stats(spikes, pops, Options{Dt: 0.1, End: 3000})
	if err != nil {
		t.Fatal(err)
	}
	by := s.ByPopulation(pops)
	for i := range pops {
		if by[i].ISICV != st[i].MeanCV() {
			t.Errorf("%s: stream CV %v, Stats CV %v", pops[i].Name, by[i].ISICV, st[i].MeanCV())
		}
	}
	// Per neuron too; and pooling would give a different number, since
	// the rates differ.
	k := 0
	for _, a := range s.ByAddress() {
		if a.Addr >= 40 {
			break
		}
		if a.ISICV != st[0].CVs[k] {
			t.Errorf("neuron %d: %v against %v", a.Addr, a.ISICV, st[0].CVs[k])
		}
		k++
	}
	if math.Abs(by[0].ISICV-1) > 0.1 {
		t.Errorf("Bernoulli trains: CV %v, want about 1", by[0].ISICV)
	}
}

func FuzzStream(f *testing.F) {
	f.Add([]byte{0, 1, 2, 1, 6, 1, 7, 9})
	f.Fuzz(func(t *testing.T, b []byte) {
		var s Stream
		var spikes []Spike
		tick := int64(0)
		for i := 0; i+1 < len(b); i += 2 {
			tick += int64(b[i] % 4)
			sp := Spike{Time: tick, Addr: uint32(b[i+1] % 16)}
			spikes = append(spikes, sp)
			s.Add(sp)
		}
		if len(spikes) == 0 {
			return
		}
		pops := []Population{pop("x", 0, 16)}
		st, err := Stats(spikes, pops, Options{Dt: 1})
		if err != nil {
			t.Fatal(err)
		}
		got, want := s.ByPopulation(pops)[0].ISICV, st[0].MeanCV()
		if got != want && !(math.IsNaN(got) && math.IsNaN(want)) {
			t.Fatalf("stream CV %v, Stats CV %v", got, want)
		}
	})
}
