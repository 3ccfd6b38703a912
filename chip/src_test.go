package chip_test

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/spindle-sim/spindle/chip"
	"github.com/spindle-sim/spindle/chip/internal/chiptest"
	"github.com/spindle-sim/spindle/chip/mapping"
	"github.com/spindle-sim/spindle/dense"
	"github.com/spindle-sim/spindle/snn"
)

// srcPair is two spike sources a, b onto one integrate-and-fire neuron
// with the SRC rule (inc 0.5, dec 0.25, knee 1 mV). Both sources spike
// at tick 0 (they arrive together at tick 1 and fire the neuron), a alone
// at 5 (fires it at 6), b alone at 10 (too weak: no spike).
func srcPair(mode snn.Mode) *snn.Network {
	return &snn.Network{
		Name: "src-pair", Dt: 1, Seed: 3, Mode: mode,
		Populations: []snn.Population{
			{Name: "a", Size: 1, Kind: snn.SpikeSource, SpikeTimes: [][]float64{{0, 5}}},
			{Name: "b", Size: 1, Kind: snn.SpikeSource, SpikeTimes: [][]float64{{0, 10}}},
			{Name: "c", Size: 1, Neuron: snn.Neuron{VTh: 1, LeakDecay: 0.5,
				Receptors: []snn.Receptor{{Name: "syn", TauSyn: 1e-3}}, FixedScale: 1 << 12}},
		},
		Projections: []snn.Projection{
			{Name: "ac", Pre: "a", Post: "c", Weight: snn.Const(1.5), Delay: snn.Const(1),
				Plasticity: &snn.Plasticity{Rule: snn.SRC, APlus: 0.5, AMinus: 0.25, Knee: 1, WMin: -4, WMax: 4}},
			{Name: "bc", Pre: "b", Post: "c", Weight: snn.Const(0), Delay: snn.Const(1),
				Plasticity: &snn.Plasticity{Rule: snn.SRC, APlus: 0.5, AMinus: 0.25, Knee: 1, WMin: -4, WMax: 4}},
		},
	}
}

// TestSRCRuleByHand checks the SRC rule against the weight changes
// worked out by hand: g(w) = 2/(1+e^w);
// tick 1, both paired: w_a = 1.5 + 0.5 g(1.5) = 1.682426, w_b = 0 + 0.5 g(0) = 0.5;
// tick 6, a paired, b not: w_a = 1.682426 + 0.5 g(1.682426) = 1.839200,
// w_b = 0.5 - 0.25 g(0.5) = 0.311230; tick 11: b alone, no post spike, no change.
// Fixed mode reads g from a table with bins of 1/32 knee (here 128 state
// units): each step is off by up to a few thousandths of a mV.
func TestSRCRuleByHand(t *testing.T) {
	want := []float64{1.839200, 0.311230}
	for _, c := range []struct {
		mode snn.Mode
		tol  float64
	}{{snn.Float, 1e-6}, {snn.Fixed, 8e-3}} {
		g, err := srcPair(c.mode).Build()
		if err != nil {
			t.Fatal(err)
		}
		a := chiptest.Arch()
		a.WeightBits = 16
		m, err := mapping.Map(g, a, mapping.Sequential, 0)
		if err != nil {
			t.Fatal(err)
		}
		var spikes []int64
		e, err := chip.NewEngine(g, a, m, chip.Options{Mode: c.mode, Workers: 1, OnSpike: func(tk int64, id uint32) {
			if id == 2 {
				spikes = append(spikes, tk)
			}
		}})
		if err != nil {
			t.Fatal(err)
		}
		e.Run(15)
		e.Close()
		if !slices.Equal(spikes, []int64{1, 6}) {
			t.Errorf("%v: post spikes at ticks %v, want [1 6]", c.mode, spikes)
		}
		for p, w := range want {
			if got := e.Weights(p)[0]; math.Abs(got-w) > c.tol {
				t.Errorf("%v: projection %d: weight %.6f, want %.6f", c.mode, p, got, w)
			}
		}
	}
}

// srcLayers is a small layered network like the sleeping MNIST network:
// Poisson inputs, two integrate-and-fire layers with leak, all-to-all
// SRC synapses with weights of both signs.
func srcLayers(mode snn.Mode, seed uint64) *snn.Network {
	rule := func() *snn.Plasticity {
		return &snn.Plasticity{Rule: snn.SRC, APlus: 0.03, AMinus: 0.004, Knee: 0.01, WMin: -1, WMax: 1}
	}
	lif := func(th float64) snn.Neuron {
		return snn.Neuron{VTh: th, LeakDecay: 0.99, Receptors: []snn.Receptor{{Name: "syn", TauSyn: 1e-3}}, FixedScale: (1 << 16) / th}
	}
	return &snn.Network{
		Name: "src-layers", Dt: 1, Seed: seed, Mode: mode,
		Populations: []snn.Population{
			{Name: "in", Size: 30, Kind: snn.Poisson, RateHz: 80},
			{Name: "h", Size: 20, Neuron: lif(0.4)},
			{Name: "o", Size: 5, Neuron: lif(0.3)},
		},
		Projections: []snn.Projection{
			{Name: "in-h", Pre: "in", Post: "h", Connector: snn.Connector{Kind: snn.AllToAll},
				Weight: snn.UniformDist(-0.1, 0.15), Delay: snn.Const(1), Plasticity: rule()},
			{Name: "h-o", Pre: "h", Post: "o", Connector: snn.Connector{Kind: snn.AllToAll},
				Weight: snn.UniformDist(-0.1, 0.2), Delay: snn.Const(1), Plasticity: rule()},
		},
	}
}

// TestSRCEngineMatchesDense: in fixed mode the engine and the dense
// reference give the same spikes and the same final weights on any
// mapping and number of workers; in float mode the weights agree to
// rounding.
func TestSRCEngineMatchesDense(t *testing.T) {
	ticks := 1500
	if testing.Short() {
		ticks = 500
	}
	for _, mode := range []snn.Mode{snn.Fixed, snn.Float} {
		for _, seed := range []uint64{1, 2} {
			g, err := srcLayers(mode, seed).Build()
			if err != nil {
				t.Fatal(err)
			}
			a := chiptest.Arch()
			a.WeightBits = 16
			d, err := dense.New(g, dense.Options{Mode: mode, WeightBits: a.WeightBits})
			if err != nil {
				t.Fatal(err)
			}
			var want []spike
			for k := range ticks {
				for _, id := range d.Step() {
					want = append(want, spike{int64(k), id})
				}
			}
			if n := len(want); n < 200 {
				t.Fatalf("%v seed %d: only %d spikes", mode, seed, n)
			}
			small := chiptest.Arch()
			small.WeightBits = 16
			small.NeuronsPerCore = 7
			for _, c := range []struct {
				arch    *chip.Arch
				mapper  mapping.Mapper
				workers int
			}{{a, mapping.Sequential, 1}, {small, mapping.Random, 2}} {
				name := fmt.Sprintf("%v seed %d %s/%d", mode, seed, c.mapper, c.workers)
				m, err := mapping.Map(g, c.arch, c.mapper, 0)
				if err != nil {
					t.Fatal(err)
				}
				var got []spike
				e, err := chip.NewEngine(g, c.arch, m, chip.Options{Mode: mode, Workers: c.workers, OnSpike: func(tk int64, id uint32) {
					got = append(got, spike{tk, id})
				}})
				if err != nil {
					t.Fatal(err)
				}
				e.Run(ticks)
				e.Close()
				sortSpikes(got)
				for p := range g.Net.Projections {
					we, wd := e.Weights(p), d.Weights(p)
					moved := 0
					for i := range we {
						if mode == snn.Float && math.Abs(we[i]-wd[i]) > 1e-9 {
							t.Fatalf("%s: projection %d synapse %d: weight %v, dense %v", name, p, i, we[i], wd[i])
						}
						if math.Abs(wd[i]-g.Weight(synOf(g, p, i))) > 1e-3 {
							moved++
						}
					}
					if mode == snn.Fixed && !slices.Equal(e.RawWeights(p), d.RawWeights(p)) {
						t.Errorf("%s: projection %d: final weights differ", name, p)
					}
					if moved == 0 {
						t.Errorf("%s: projection %d: no weight moved", name, p)
					}
				}
				if mode == snn.Fixed && !slices.Equal(got, want) {
					t.Errorf("%s: %d spikes, dense %d: differ", name, len(got), len(want))
				}
			}
		}
	}
}

// synOf returns the graph synapse of the i-th synapse of projection p.
func synOf(g *snn.Graph, p, i int) int {
	for s := range g.Post {
		if int(g.Proj[s]) == p {
			if i == 0 {
				return s
			}
			i--
		}
	}
	return -1
}
