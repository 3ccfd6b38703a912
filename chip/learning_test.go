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

// plasticNet is a small random network with every kind of rule: additive
// STDP with homeostasis, weight-dependent STDP with delays, reward-
// modulated STDP, and a static inhibitory projection.
func plasticNet(mode snn.Mode, seed uint64) *snn.Network {
	lif := snn.Neuron{
		TauM: 10, VRest: -65, VReset: -70, VTh: -57, TRef: 2,
		Receptors: []snn.Receptor{{Name: "exc", TauSyn: 3}, {Name: "inh", TauSyn: 6}},
		VInit:     snn.UniformDist(-70, -56),
	}
	stdp := func(mult bool, lo, hi float64) *snn.Plasticity {
		p := &snn.Plasticity{Rule: snn.STDP, WeightDependent: mult, TauPlus: 15, TauMinus: 20, WMin: lo, WMax: hi}
		if mult {
			p.APlus, p.AMinus = 0.05, 0.06
		} else {
			p.APlus, p.AMinus = 0.1, 0.12
		}
		return p
	}
	hom := stdp(false, 0, 8)
	hom.Homeostasis = &snn.Homeostasis{RateTarget: 10, Eta: 0.5, Period: 20}
	rs := stdp(false, 0, 8)
	rs.Rule, rs.TauEligibility, rs.LearningRate = snn.RSTDP, 50, 0.5
	return &snn.Network{
		Name: "plastic", Dt: 1, Seed: seed, Mode: mode,
		Populations: []snn.Population{
			{Name: "in", Size: 40, Kind: snn.Poisson, RateHz: 50},
			{Name: "a", Size: 30, Neuron: lif},
			{Name: "b", Size: 20, Neuron: lif},
		},
		Projections: []snn.Projection{
			{Name: "in-a", Pre: "in", Post: "a", Receptor: "exc", Connector: snn.Connector{Kind: snn.FixedProbability, P: 0.4},
				Weight: snn.UniformDist(2, 6), Delay: snn.UniformDist(1, 3), Plasticity: hom},
			{Name: "a-b", Pre: "a", Post: "b", Receptor: "exc", Connector: snn.Connector{Kind: snn.FixedProbability, P: 0.3},
				Weight: snn.UniformDist(2, 6), Delay: snn.UniformDist(1, 5), Plasticity: stdp(true, 0, 8)},
			{Name: "in-b", Pre: "in", Post: "b", Receptor: "exc", Connector: snn.Connector{Kind: snn.FixedProbability, P: 0.2},
				Weight: snn.UniformDist(2, 5), Delay: snn.Const(2), Plasticity: rs},
			{Name: "a-a", Pre: "a", Post: "a", Receptor: "inh", Connector: snn.Connector{Kind: snn.FixedProbability, P: 0.1, NoSelf: true},
				Weight: snn.Const(2), Delay: snn.Const(1), Inhibitory: true},
		},
	}
}

// rewardAt is the reward schedule of the agreement tests.
func rewardAt(t int) (float64, bool) {
	switch t {
	case 200:
		return 1, true
	case 350:
		return 0, true
	case 500:
		return -0.7, true
	case 600:
		return 0, true
	case 800:
		return 2, true
	}
	return 0, false
}

func TestPlasticEngineMatchesDenseFixed(t *testing.T) {
	ticks := 1000
	if testing.Short() {
		ticks = 400
	}
	for _, seed := range []uint64{1, 7} {
		net := plasticNet(snn.Fixed, seed)
		g, err := net.Build()
		if err != nil {
			t.Fatal(err)
		}
		a := chiptest.Arch()
		d, want := rewardedDense(t, g, a, ticks)
		if len(want) < 100 {
			t.Fatalf("seed %d: only %d spikes", seed, len(want))
		}
		small := chiptest.Arch()
		small.NeuronsPerCore = 17
		for _, c := range []struct {
			arch    *chip.Arch
			mapper  mapping.Mapper
			workers int
		}{
			{a, mapping.Sequential, 1}, {small, mapping.Sequential, 2}, {small, mapping.Random, 1}, {small, mapping.Balanced, 2},
		} {
			name := fmt.Sprintf("seed %d %s/%d workers=%d", seed, c.mapper, c.arch.NeuronsPerCore, c.workers)
			m, err := mapping.Map(g, c.arch, c.mapper, 0)
			if err != nil {
				t.Fatal(err)
			}
			e, got := rewardedEngine(t, g, c.arch, m, c.workers, ticks)
			if !slices.Equal(got, want) {
				t.Errorf("%s: %d spikes, dense %d: differ", name, len(got), len(want))
			}
			for p := range net.Projections {
				changed := 0
				we, wd := e.RawWeights(p), d.RawWeights(p)
				if !slices.Equal(we, wd) {
					t.Errorf("%s: projection %d: final weights differ", name, p)
				}
				w0 := g.FixedWeights(a.WeightBits)
				k := 0
				for s := range g.Post {
					if int(g.Proj[s]) == p {
						if float64(w0[s]) != we[k] {
							changed++
						}
						k++
					}
				}
				if (changed == 0) != (net.Projections[p].Plasticity == nil) {
					t.Errorf("%s: projection %d: %d weights changed", name, p, changed)
				}
			}
			if !slices.Equal(e.MeanRates(1), d.MeanRates(1)) {
				t.Errorf("%s: rate counters differ", name)
			}
		}
	}
}

// Float mode: same rules, same spikes up to summation order; check the
// weights move the same way statistically.
func TestPlasticFloatCloseToFixed(t *testing.T) {
	ticks := 600
	if testing.Short() {
		ticks = 200
	}
	mean := func(mode snn.Mode) []float64 {
		g, err := plasticNet(mode, 3).Build()
		if err != nil {
			t.Fatal(err)
		}
		a := chiptest.Arch()
		a.WeightBits = 16
		m, err := mapping.Map(g, a, mapping.Sequential, 0)
		if err != nil {
			t.Fatal(err)
		}
		e, err := chip.NewEngine(g, a, m, chip.Options{Mode: mode, Workers: 1})
		if err != nil {
			t.Fatal(err)
		}
		defer e.Close()
		e.SetReward(1)
		e.Run(ticks)
		var out []float64
		for p := 0; p < 3; p++ {
			w := e.Weights(p)
			s := 0.0
			for _, x := range w {
				s += x
			}
			out = append(out, s/float64(len(w)))
		}
		return out
	}
	f, x := mean(snn.Float), mean(snn.Fixed)
	for p := range f {
		if math.Abs(f[p]-x[p]) > 0.1*math.Max(1, math.Abs(f[p])) {
			t.Errorf("projection %d: mean weight float %.4f, fixed %.4f", p, f[p], x[p])
		}
	}
	t.Logf("mean weights float %v fixed %v", f, x)
}

func TestWeightsRoundTripAndFreeze(t *testing.T) {
	g, err := plasticNet(snn.Fixed, 2).Build()
	if err != nil {
		t.Fatal(err)
	}
	a := chiptest.Arch()
	m, _ := mapping.Map(g, a, mapping.Sequential, 0)
	e, err := chip.NewEngine(g, a, m, chip.Options{Mode: snn.Fixed, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	e.Run(100)
	snap := e.Weights(1)
	raw := e.RawWeights(1)
	e.SetLearning(1, false)
	e.Run(200)
	if !slices.Equal(e.RawWeights(1), raw) {
		t.Error("a frozen projection's weights changed")
	}
	e.SetLearning(1, true)
	e.Run(200)
	if slices.Equal(e.RawWeights(1), raw) {
		t.Error("an unfrozen projection did not learn")
	}
	if err := e.SetWeights(1, snap); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(e.RawWeights(1), raw) {
		t.Error("SetWeights(Weights()) does not restore the raw weights")
	}
	if err := e.SetWeights(1, snap[:1]); err == nil {
		t.Error("wrong length accepted")
	}
	bad := slices.Clone(snap)
	bad[0] = 100
	if err := e.SetWeights(1, bad); err == nil {
		t.Error("weight above w_max accepted")
	}
	st := e.Weights(3) // static, inhibitory
	st[0] = -1
	if err := e.SetWeights(3, st); err != nil {
		t.Fatal(err)
	}
	if w := e.Weights(3)[0]; math.Abs(w+1) > 1e-3 {
		t.Errorf("static weight set to -1, reads %v", w)
	}
}

func TestSetPoissonRate(t *testing.T) {
	net := &snn.Network{Name: "p", Dt: 1, Seed: 5, Populations: []snn.Population{
		{Name: "in", Size: 50, Kind: snn.Poisson, RateHz: 10},
	}}
	g, err := net.Build()
	if err != nil {
		t.Fatal(err)
	}
	a := chiptest.Arch()
	a.NeuronsPerCore = 20
	m, _ := mapping.Map(g, a, mapping.Sequential, 0)
	count := 0
	e, err := chip.NewEngine(g, a, m, chip.Options{Workers: 2, OnSpike: func(int64, uint32) { count++ }})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	d, _ := dense.New(g, dense.Options{})
	e.Run(1000)
	d.Run(1000, nil)
	low := count
	for i := 0; i < 50; i++ {
		e.SetPoissonRate(uint32(i), 80)
		d.SetPoissonRate(uint32(i), 80)
	}
	count = 0
	var dn int
	e.Run(1000)
	d.Run(1000, func(int64, uint32) { dn++ })
	rl, rh := float64(low)/50, float64(count)/50
	t.Logf("rate before %.1f Hz, after %.1f Hz", rl, rh)
	if math.Abs(rl-10) > 2.5 || math.Abs(rh-80) > 8 {
		t.Errorf("rates %.1f and %.1f Hz, want about 10 and 80", rl, rh)
	}
	if dn != count {
		t.Errorf("dense counts %d spikes after the change, engine %d", dn, count)
	}
	mr := e.MeanRates(0)
	avg := 0.0
	for _, r := range mr {
		avg += r / 50
	}
	if avg < 50 || avg > 100 {
		t.Errorf("mean rate counter %.1f Hz after 1 s at 80 Hz (tau 1 s): want 50-100", avg)
	}
}

// BenchmarkPlasticity runs the same network with and without STDP on
// every excitatory projection of CUBA's input-driven variant.
func BenchmarkPlasticity(b *testing.B) {
	for _, mode := range []snn.Mode{snn.Float, snn.Fixed} {
		for _, plastic := range []bool{false, true} {
			b.Run(fmt.Sprintf("%s/plastic=%v", mode, plastic), func(b *testing.B) {
				net := chiptest.CUBA(mode)
				if plastic {
					for i := range net.Projections {
						pr := &net.Projections[i]
						if pr.Pre == "exc" {
							pr.Plasticity = &snn.Plasticity{Rule: snn.STDP, TauPlus: 20, TauMinus: 20, APlus: 0.01, AMinus: 0.012, WMin: 0, WMax: 3.24}
						}
					}
				}
				g, err := net.Build()
				if err != nil {
					b.Fatal(err)
				}
				a := chiptest.Arch()
				m, err := mapping.Map(g, a, mapping.Balanced, 0)
				if err != nil {
					b.Fatal(err)
				}
				var s chip.Stats
				for i := 0; i < b.N; i++ {
					b.StopTimer()
					e, err := chip.NewEngine(g, a, m, chip.Options{Mode: mode, Workers: 1})
					if err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
					e.Run(5000)
					b.StopTimer()
					s = e.Stats()
					e.Close()
					b.StartTimer()
				}
				b.ReportMetric(float64(s.Spikes), "spikes")
			})
		}
	}
}
