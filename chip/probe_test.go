package chip_test

import (
	"fmt"
	"math"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/spindle-sim/spindle/chip"
	"github.com/spindle-sim/spindle/chip/internal/chiptest"
	"github.com/spindle-sim/spindle/chip/mapping"
	"github.com/spindle-sim/spindle/dense"
	"github.com/spindle-sim/spindle/snn"
)

// probeNet has an input, a LIF population of two receptors spread over
// two cores, and one of one receptor.
func probeNet(mode snn.Mode) *snn.Network {
	two := snn.Neuron{TauM: 20, VRest: -65, VReset: -70, VTh: -55, TRef: 2, VInit: snn.UniformDist(-70, -55),
		Receptors: []snn.Receptor{{Name: "exc", TauSyn: 5}, {Name: "inh", TauSyn: 10}}}
	one := snn.Neuron{TauM: 10, VTh: 8, Receptors: []snn.Receptor{{Name: "exc", TauSyn: 3}}}
	return &snn.Network{
		Name: "probe", Dt: 1, Seed: 3, Mode: mode,
		Populations: []snn.Population{
			{Name: "in", Size: 40, Kind: snn.Poisson, RateHz: 60},
			{Name: "exc", Size: 24, Neuron: two},
			{Name: "out", Size: 6, Neuron: one},
		},
		Projections: []snn.Projection{
			{Name: "in-exc", Pre: "in", Post: "exc", Receptor: "exc", Connector: snn.Connector{Kind: snn.FixedProbability, P: 0.3}, Weight: snn.Const(3), Delay: snn.Const(2)},
			{Name: "exc-exc", Pre: "exc", Post: "exc", Receptor: "inh", Connector: snn.Connector{Kind: snn.FixedProbability, P: 0.2}, Weight: snn.Const(-2), Delay: snn.Const(1)},
			{Name: "exc-out", Pre: "exc", Post: "out", Connector: snn.Connector{Kind: snn.AllToAll}, Weight: snn.Const(1.5), Delay: snn.Const(1)},
		},
	}
}

func probeArch() *chip.Arch {
	a := chiptest.Arch()
	a.NeuronsPerCore = 16
	return a
}

// probeEngine builds probeNet in mode on probeArch, mapped in sequence.
func probeEngine(t *testing.T, mode snn.Mode, workers int) (*chip.Engine, *snn.Graph, *chip.Arch) {
	t.Helper()
	g, err := probeNet(mode).Build()
	if err != nil {
		t.Fatal(err)
	}
	a := probeArch()
	m, err := mapping.Map(g, a, mapping.Sequential, 0)
	if err != nil {
		t.Fatal(err)
	}
	e, err := chip.NewEngine(g, a, m, chip.Options{Mode: mode, Workers: workers})
	if err != nil {
		t.Fatal(err)
	}
	return e, g, a
}

// TestProbeDense checks the probed potentials and currents against the
// dense reference's state tick by tick: bit for bit in fixed mode.
func TestProbeDense(t *testing.T) {
	for _, workers := range []int{1, 2} {
		e, g, a := probeEngine(t, snn.Fixed, workers)
		d, err := dense.New(g, dense.Options{Mode: snn.Fixed, WeightBits: a.WeightBits})
		if err != nil {
			t.Fatal(err)
		}
		// Every LIF neuron, across both populations and the cores.
		var ids []uint32
		for i := g.PopStart[1]; i < g.N; i++ {
			ids = append(ids, uint32(i))
		}
		pv, err := e.Probe(ids, chip.V)
		if err != nil {
			t.Fatal(err)
		}
		pi, err := e.Probe(ids, chip.I)
		if err != nil {
			t.Fatal(err)
		}
		if pi.Width() != 2 {
			t.Fatalf("I probe width %d, want 2 (the most receptors)", pi.Width())
		}
		const ticks = 200
		var moved bool
		for k := 0; k < ticks; k++ {
			e.Step()
			d.Step()
			rv, ri := pv.Row(k), pi.Row(k)
			for j, id := range ids {
				v, cur := d.State(int(id))
				if math.Float64bits(rv[j]) != math.Float64bits(v) {
					t.Fatalf("%d workers, tick %d, neuron %d: probe v %v, dense %v", workers, k, id, rv[j], v)
				}
				moved = moved || v != rv[0]
				for r := 0; r < 2; r++ {
					want := 0.0
					if r < len(cur) {
						want = cur[r]
					}
					if got := ri[2*j+r]; math.Float64bits(got) != math.Float64bits(want) {
						t.Fatalf("%d workers, tick %d, neuron %d, receptor %d: probe i %v, dense %v", workers, k, id, r, got, want)
					}
				}
			}
		}
		e.Close()
		if pv.Len() != ticks || pi.Len() != ticks || len(pv.Data()) != ticks*len(ids) || len(pi.Data()) != 2*ticks*len(ids) {
			t.Errorf("recorded %d and %d ticks (%d, %d values), want %d", pv.Len(), pi.Len(), len(pv.Data()), len(pi.Data()), ticks)
		}
		if !moved {
			t.Error("every probed potential equal: the test network is too quiet to test anything")
		}
	}
}

// TestProbeFloat checks the probe against Engine.State in float mode, and
// that a probe made later starts at the engine's tick.
func TestProbeFloat(t *testing.T) {
	e, _, _ := probeEngine(t, snn.Float, 1)
	defer e.Close()
	e.Run(10)
	ids := []uint32{40, 63, 64, 40}
	p, err := e.Probe(ids, chip.V)
	if err != nil {
		t.Fatal(err)
	}
	if p.First() != 10 {
		t.Errorf("First %d, want 10", p.First())
	}
	for k := 0; k < 50; k++ {
		e.Step()
		for j, id := range ids {
			if v, _ := e.State(id); p.Row(k)[j] != v {
				t.Fatalf("tick %d, neuron %d: probe %v, State %v", 10+k, id, p.Row(k)[j], v)
			}
		}
	}
}

func TestProbeErrors(t *testing.T) {
	e, _, _ := probeEngine(t, snn.Fixed, 1)
	defer e.Close()
	for _, tc := range []struct {
		ids  []uint32
		v    chip.Var
		want string
	}{
		{[]uint32{70}, chip.V, "neuron 70: expected an id below 70"},
		{[]uint32{45, 3}, chip.I, `neuron 3: population "in" is an input`},
		{[]uint32{45}, chip.Var(7), "expected V or I"},
	} {
		_, err := e.Probe(tc.ids, tc.v)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Probe(%v, %v): %v, want an error with %q", tc.ids, tc.v, err, tc.want)
		}
	}
	if kept := e.ProbesKept(); kept != nil {
		t.Errorf("refused probes kept: %d", len(kept))
	}
}

func TestParseVar(t *testing.T) {
	for _, tc := range []struct {
		s    string
		want chip.Var
		ok   bool
	}{{"v", chip.V, true}, {"i", chip.I, true}, {"V", 0, false}, {"", 0, false}, {"isum", 0, false}} {
		v, err := chip.ParseVar(tc.s)
		if (err == nil) != tc.ok || (tc.ok && v != tc.want) {
			t.Errorf("ParseVar(%q) = %v, %v", tc.s, v, err)
		}
		if tc.ok && v.String() != tc.s {
			t.Errorf("%v.String() = %q, want %q", v, v.String(), tc.s)
		}
	}
}

// BenchmarkCUBAProbe simulates 1 s of CUBA (10,000 ticks) on one worker,
// without probes and with the potentials of 100 neurons probed, to
// compare the two (docs/benchmarks.md).
func BenchmarkCUBAProbe(b *testing.B) {
	for _, probed := range []int{0, 100} {
		b.Run(fmt.Sprintf("probed=%d", probed), func(b *testing.B) {
			g, err := chiptest.CUBA(snn.Float).Build()
			if err != nil {
				b.Fatal(err)
			}
			a := chiptest.Arch()
			m, err := mapping.Map(g, a, mapping.Balanced, 0)
			if err != nil {
				b.Fatal(err)
			}
			ids := make([]uint32, probed)
			for k := range ids {
				ids[k] = uint32(k * 37) // spread over the cores
			}
			var cpu time.Duration
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				e, err := chip.NewEngine(g, a, m, chip.Options{Mode: snn.Float, Workers: 1})
				if err != nil {
					b.Fatal(err)
				}
				if probed > 0 {
					p, err := e.Probe(ids, chip.V)
					if err != nil {
						b.Fatal(err)
					}
					p.Reserve(10000) // as spindle run does
				}
				b.StartTimer()
				cpu0 := chip.CPUTime()
				e.Run(10000)
				cpu += chip.CPUTime() - cpu0
				b.StopTimer()
				e.Close()
				b.StartTimer()
			}
			// CPU time is what to compare on a loaded machine.
			if cpu > 0 {
				b.ReportMetric(cpu.Seconds()*1e3/float64(b.N), "cpu-ms/op")
			}
		})
	}
}

// BenchmarkCUBAProbeRatio alternates the two runs of BenchmarkCUBAProbe
// within each iteration, so that both see the same load, and reports the
// ratio of their CPU times: what docs/benchmarks.md quotes.
func BenchmarkCUBAProbeRatio(b *testing.B) {
	g, err := chiptest.CUBA(snn.Float).Build()
	if err != nil {
		b.Fatal(err)
	}
	a := chiptest.Arch()
	m, err := mapping.Map(g, a, mapping.Balanced, 0)
	if err != nil {
		b.Fatal(err)
	}
	ids := make([]uint32, 100)
	for k := range ids {
		ids[k] = uint32(k * 37)
	}
	var cpu [2]time.Duration
	for i := 0; i < b.N; i++ {
		for _, probed := range []int{i % 2, 1 - i%2} {
			b.StopTimer()
			e, err := chip.NewEngine(g, a, m, chip.Options{Mode: snn.Float, Workers: 1})
			if err != nil {
				b.Fatal(err)
			}
			if probed == 1 {
				p, err := e.Probe(ids, chip.V)
				if err != nil {
					b.Fatal(err)
				}
				p.Reserve(10000)
			}
			// The garbage of construction (and the probe's storage) is
			// collected now, in both runs alike, so that the collector's
			// work does not fall into the timed run: CPUTime counts
			// every thread of the process.
			runtime.GC()
			b.StartTimer()
			cpu0 := chip.CPUTime()
			e.Run(10000)
			cpu[probed] += chip.CPUTime() - cpu0
			b.StopTimer()
			e.Close()
			b.StartTimer()
		}
	}
	if cpu[0] > 0 {
		b.ReportMetric(cpu[0].Seconds()*1e3/float64(b.N), "none-cpu-ms/op")
		b.ReportMetric(cpu[1].Seconds()*1e3/float64(b.N), "probed-cpu-ms/op")
		b.ReportMetric(cpu[1].Seconds()/cpu[0].Seconds(), "ratio")
	}
}
