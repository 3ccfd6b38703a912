package chip_test

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/spindle-sim/spindle/chip"
	"github.com/spindle-sim/spindle/chip/internal/chiptest"
	"github.com/spindle-sim/spindle/chip/mapping"
	"github.com/spindle-sim/spindle/dense"
	"github.com/spindle-sim/spindle/snn"
)

// balancedNet is the learning of Golden et al. (2022) in small: a hidden
// layer driven by Poisson inputs projects onto 8 outputs through an
// excitatory projection whose reward updates are proportional to the
// weight and weighed by the presynaptic factor W_i0/W_i, normalised onto
// each output after every update, and an inhibitory projection tied to
// it (minus the mean of each hidden neuron's excitatory weights).
func balancedNet(mode snn.Mode, seed uint64) *snn.Network {
	lif := snn.Neuron{
		TauM: 10, VRest: 0, VReset: 0, VTh: 10, TRef: 1,
		Receptors: []snn.Receptor{{Name: "exc", TauSyn: 3}, {Name: "inh", TauSyn: 3}},
	}
	exc := &snn.Plasticity{Rule: snn.RSTDP, Proportional: true, PreBalance: true,
		TauPlus: 10, TauMinus: 10, APlus: 0.04, AMinus: 0.04, WMin: 0, WMax: 60,
		TauEligibility: 60, LearningRate: 2,
		Homeostasis: &snn.Homeostasis{RateTarget: 20, Eta: 0.2, Period: 30, OnReward: true}}
	inh := &snn.Plasticity{Rule: snn.Tied, TiedTo: "exc", WMin: -60, WMax: 0}
	return &snn.Network{
		Name: "balanced", Dt: 1, Seed: seed, Mode: mode,
		Populations: []snn.Population{
			{Name: "in", Size: 20, Kind: snn.Poisson, RateHz: 60},
			{Name: "h", Size: 40, Neuron: lif},
			{Name: "o", Size: 8, Neuron: lif},
		},
		Projections: []snn.Projection{
			{Name: "in-h", Pre: "in", Post: "h", Receptor: "exc", Connector: snn.Connector{Kind: snn.FixedInDegree, InDegree: 4},
				Weight: snn.UniformDist(3, 9)},
			{Name: "exc", Pre: "h", Post: "o", Receptor: "exc", Connector: snn.Connector{Kind: snn.AllToAll},
				Weight: snn.UniformDist(0, 30), Plasticity: exc},
			{Name: "inh", Pre: "h", Post: "o", Receptor: "inh", Connector: snn.Connector{Kind: snn.AllToAll},
				Weight: snn.Const(1), Inhibitory: true, Plasticity: inh},
		},
	}
}

// runBalanced steps a simulator through the reward schedule of the
// agreement tests and returns its spikes.
func runBalanced(ticks int, setReward func(float64), step func(k int)) {
	for k := 0; k < ticks; k++ {
		if r, ok := rewardAt(k); ok {
			setReward(r)
		}
		step(k)
	}
}

func TestBalancedRulesMatchDenseFixed(t *testing.T) {
	ticks := 1000
	if testing.Short() {
		ticks = 400
	}
	for _, seed := range []uint64{1, 9} {
		net := balancedNet(snn.Fixed, seed)
		g, err := net.Build()
		if err != nil {
			t.Fatal(err)
		}
		a := chiptest.Arch()
		d, want := rewardedDense(t, g, a, ticks)
		small := chiptest.Arch()
		small.NeuronsPerCore = 34 // "o" (ids 60..67) stays on one core
		for _, c := range []struct {
			arch    *chip.Arch
			workers int
		}{{a, 1}, {small, 2}} {
			name := fmt.Sprintf("seed %d cores of %d, %d workers", seed, c.arch.NeuronsPerCore, c.workers)
			m, err := mapping.Map(g, c.arch, mapping.Sequential, 0)
			if err != nil {
				t.Fatal(err)
			}
			e, got := rewardedEngine(t, g, c.arch, m, c.workers, ticks)
			if !slices.Equal(got, want) {
				t.Errorf("%s: %d spikes, dense %d: differ", name, len(got), len(want))
			}
			for p := 1; p <= 2; p++ {
				if !slices.Equal(e.RawWeights(p), d.RawWeights(p)) {
					t.Errorf("%s: projection %d: final weights differ", name, p)
				}
			}
			if st := e.Stats(); st.LearningUpdates == 0 || c.arch.SynOpEnergy > 0 && st.EnergyByComponent["learning"] <= 0 {
				t.Errorf("%s: learning passes not costed: %d updates, %v J", name, st.LearningUpdates, st.EnergyByComponent["learning"])
			}
		}
		// One weight step of the tied rule (bounds of 60 mV in a WeightBits mantissa).
		step := math.Exp2(math.Ceil(math.Log2(60 * g.Params[2].Scale / math.Exp2(float64(a.WeightBits-1)))))
		checkBalanced(t, fmt.Sprintf("seed %d", seed), g, d.RawWeights(1), d.RawWeights(2), g.FixedWeights(a.WeightBits), step)
	}
}

// checkBalanced checks what the rules promise of the final weights: the
// excitatory weights moved, a zero weight stayed zero (the update is
// proportional to the weight), and every inhibitory weight is minus the
// mean of its presynaptic neuron's excitatory weights (to the weight
// step in fixed mode, within tol).
func checkBalanced(t *testing.T, name string, g *snn.Graph, exc, inh []float64, w0 []int32, tol float64) {
	t.Helper()
	var initial []float64
	for s := range g.Post {
		if g.Proj[s] == 1 {
			x := g.Weight(s)
			if w0 != nil {
				x = float64(w0[s])
			}
			initial = append(initial, x)
		}
	}
	moved := 0
	for i := range exc {
		if initial[i] == 0 && exc[i] != 0 {
			t.Errorf("%s: synapse %d grew from zero to %v", name, i, exc[i])
		}
		if exc[i] != initial[i] {
			moved++
		}
	}
	if moved < len(exc)/4 {
		t.Errorf("%s: only %d of %d excitatory weights moved", name, moved, len(exc))
	}
	const outputs = 8
	for pre := 0; pre < len(exc)/outputs; pre++ {
		sum := 0.0
		for j := 0; j < outputs; j++ {
			sum += exc[pre*outputs+j]
		}
		for j := 0; j < outputs; j++ {
			got := inh[pre*outputs+j]
			if math.Abs(got+sum/outputs) > tol {
				t.Fatalf("%s: hidden %d: inhibitory weight %v, want about %v", name, pre, got, -sum/outputs)
			}
		}
	}
}

func TestBalancedRulesFloat(t *testing.T) {
	g, err := balancedNet(snn.Float, 4).Build()
	if err != nil {
		t.Fatal(err)
	}
	a := chiptest.Arch()
	m, _ := mapping.Map(g, a, mapping.Sequential, 0)
	e, err := chip.NewEngine(g, a, m, chip.Options{Mode: snn.Float, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	d, _ := dense.New(g, dense.Options{Mode: snn.Float})
	runBalanced(600, func(r float64) { e.SetReward(r); d.SetReward(r) }, func(int) { e.Step(); d.Step() })
	checkBalanced(t, "float", g, e.RawWeights(1), e.RawWeights(2), nil, 1e-9)
	// Same rules up to summation order: the summed weights agree closely.
	for p := 1; p <= 2; p++ {
		we, wd := e.RawWeights(p), d.RawWeights(p)
		se, sd := 0.0, 0.0
		for i := range we {
			se += we[i]
			sd += wd[i]
		}
		if math.Abs(se-sd) > 1e-6*math.Max(1, math.Abs(sd)) {
			t.Errorf("projection %d: summed weight engine %v, dense %v", p, se, sd)
		}
	}
	// After a host change of the excitatory weights the tied ones follow.
	w := e.Weights(1)
	for i := range w {
		w[i] = float64(i%8) * 0.5
	}
	if err := e.SetWeights(1, w); err != nil {
		t.Fatal(err)
	}
	if got := e.Weights(2)[0]; math.Abs(got+1.75) > 1e-9 {
		t.Errorf("tied weight after SetWeights %v, want -1.75", got)
	}
}

func TestBalancedRulesNeedOneCore(t *testing.T) {
	g, err := balancedNet(snn.Fixed, 1).Build()
	if err != nil {
		t.Fatal(err)
	}
	a := chiptest.Arch()
	a.NeuronsPerCore = 5
	m, err := mapping.Map(g, a, mapping.Sequential, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = chip.NewEngine(g, a, m, chip.Options{Mode: snn.Fixed, Workers: 1})
	if err == nil || !strings.Contains(err.Error(), `post population "o" on one core`) {
		t.Errorf("split post population: err = %v", err)
	}
}

// TestSleepUnbalanced: a sleep phase with the presynaptic factor off
// learns differently from one with it, and puts the factor back.
func TestSleepUnbalanced(t *testing.T) {
	g, err := balancedNet(snn.Fixed, 5).Build()
	if err != nil {
		t.Fatal(err)
	}
	a := chiptest.Arch()
	m, _ := mapping.Map(g, a, mapping.Sequential, 0)
	var after [2][]float64
	for k, unbalanced := range []bool{false, true} {
		e, err := chip.NewEngine(g, a, m, chip.Options{Mode: snn.Fixed, Workers: 1})
		if err != nil {
			t.Fatal(err)
		}
		// Rewards first, so that the presynaptic sums move from their start.
		runBalanced(1000, e.SetReward, func(int) { e.Step() })
		if err := e.Sleep(chip.SleepPhase{Ticks: 400, Silence: []string{"in"}, Drive: []string{"h"}, Modulation: 1, Unbalanced: unbalanced}); err != nil {
			t.Fatal(err)
		}
		if !e.LearnRule(1).Balance {
			t.Errorf("unbalanced=%v: the presynaptic factor is still off after sleep", unbalanced)
		}
		after[k] = e.RawWeights(1)
		e.Close()
	}
	if slices.Equal(after[0], after[1]) {
		t.Error("sleep with and without the presynaptic factor left the same weights")
	}
}
