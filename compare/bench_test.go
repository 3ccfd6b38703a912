package compare

import (
	"testing"
	"time"

	"github.com/spindle-sim/spindle/chip"
	"github.com/spindle-sim/spindle/chip/mapping"
	"github.com/spindle-sim/spindle/dense"
	"github.com/spindle-sim/spindle/snn"
)

// sparse4000 is a 4000-neuron network firing at about 2 Hz: 3200
// excitatory and 800 inhibitory LIF neurons connected with probability
// 0.02, driven by 1000 Poisson inputs, dt = 1 ms, fixed-point mode.
func sparse4000() *snn.Network {
	lif := snn.Neuron{TauM: 20, VRest: -65, VReset: -65, VTh: -50, TRef: 2,
		Receptors: []snn.Receptor{{Name: "exc", TauSyn: 5}, {Name: "inh", TauSyn: 10}}, VInit: snn.UniformDist(-65, -55)}
	fp := func(p float64) snn.Connector { return snn.Connector{Kind: snn.FixedProbability, P: p, NoSelf: true} }
	return &snn.Network{
		Name: "sparse4000", Dt: 1, Seed: 5, Mode: snn.Fixed,
		Populations: []snn.Population{
			{Name: "input", Size: 1000, Kind: snn.Poisson, RateHz: 10},
			{Name: "exc", Size: 3200, Kind: snn.LIF, Neuron: lif},
			{Name: "inh", Size: 800, Kind: snn.LIF, Neuron: lif},
		},
		Projections: []snn.Projection{
			{Name: "in_e", Pre: "input", Post: "exc", Receptor: "exc", Connector: fp(0.05), Weight: snn.Const(benchInputW), Delay: snn.Const(1)},
			{Name: "in_i", Pre: "input", Post: "inh", Receptor: "exc", Connector: fp(0.05), Weight: snn.Const(benchInputW), Delay: snn.Const(1)},
			{Name: "ee", Pre: "exc", Post: "exc", Receptor: "exc", Connector: fp(0.02), Weight: snn.Const(1), Delay: snn.Const(2)},
			{Name: "ei", Pre: "exc", Post: "inh", Receptor: "exc", Connector: fp(0.02), Weight: snn.Const(1), Delay: snn.Const(2)},
			{Name: "ie", Pre: "inh", Post: "exc", Receptor: "inh", Connector: fp(0.02), Weight: snn.Const(4), Delay: snn.Const(1), Inhibitory: true},
			{Name: "ii", Pre: "inh", Post: "inh", Receptor: "inh", Connector: fp(0.02), Weight: snn.Const(4), Delay: snn.Const(1), Inhibitory: true},
		},
	}
}

// benchInputW is the input weight, mV, that puts sparse4000 near 2 Hz.
const benchInputW = 3.8

// BenchmarkEventVsDense times 1000 ticks on the event engine (loihi
// preset, balanced map, one worker) and 1000 ticks on the dense
// reference, alternately within each iteration so both see the same
// machine load. ns/op is their sum; event-ns/op and dense-ns/op are each
// simulator's share, speedup = dense/event, Hz the mean rate of the LIF
// neurons in the event run.
func BenchmarkEventVsDense(b *testing.B) {
	b.Run("net=sparse4000/mode=fixed", func(b *testing.B) {
		g, err := sparse4000().Build()
		if err != nil {
			b.Fatal(err)
		}
		benchPair(b, g, snn.Fixed)
	})
	b.Run("net=cuba/mode=float", func(b *testing.B) {
		benchPair(b, mustLoad(b, "../examples/cuba.yaml"), snn.Float)
	})
}

func benchPair(b *testing.B, g *snn.Graph, mode snn.Mode) {
	const ticks = 1000
	a := mustArch(b, "loihi")
	m := mustMap(b, g, a, mapping.Balanced)
	var spikes int64 // of LIF neurons
	isLIF := make([]bool, g.N)
	lif := 0
	for i := range isLIF {
		isLIF[i] = g.Net.Populations[g.PopOf(i)].Kind == snn.LIF
		if isLIF[i] {
			lif++
		}
	}
	eng, err := chip.NewEngine(g, a, m, chip.Options{Mode: mode, Workers: 1, OnSpike: func(_ int64, id uint32) {
		if isLIF[id] {
			spikes++
		}
	}})
	if err != nil {
		b.Fatal(err)
	}
	defer eng.Close()
	// The dense reference as specified multiplies whole spike vectors;
	// with SpikeRows it adds the rows of the neurons that fired, which
	// scales with spikes instead. Both are timed, against the same run.
	sim, err := dense.New(g, dense.Options{Mode: mode, WeightBits: a.WeightBits})
	if err != nil {
		b.Fatal(err)
	}
	rows, err := dense.New(g, dense.Options{Mode: mode, WeightBits: a.WeightBits, SpikeRows: true})
	if err != nil {
		b.Fatal(err)
	}
	var te, td, tr time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		eng.Run(ticks)
		te += time.Since(start)
		start = time.Now()
		sim.Run(ticks, nil)
		td += time.Since(start)
		start = time.Now()
		rows.Run(ticks, nil)
		tr += time.Since(start)
	}
	b.StopTimer()
	n := float64(b.N)
	b.ReportMetric(float64(te.Nanoseconds())/n, "event-ns/op")
	b.ReportMetric(float64(td.Nanoseconds())/n, "dense-ns/op")
	b.ReportMetric(float64(tr.Nanoseconds())/n, "denserows-ns/op")
	b.ReportMetric(td.Seconds()/te.Seconds(), "speedup")
	b.ReportMetric(tr.Seconds()/te.Seconds(), "speedup-rows")
	b.ReportMetric(float64(spikes)/float64(lif)/(n*ticks*g.Net.Dt/1000), "Hz")
}
