package chip_test

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/spindle-sim/spindle/chip"
	"github.com/spindle-sim/spindle/chip/internal/chiptest"
	"github.com/spindle-sim/spindle/chip/mapping"
	"github.com/spindle-sim/spindle/snn"
)

// sleepNet: inputs drive population "h" while awake; "h" projects
// plastically (RSTDP) onto "o".
func sleepNet(mode snn.Mode) *snn.Network {
	lif := snn.Neuron{TauM: 10, VRest: 0, VReset: 0, VTh: 10, TRef: 2,
		Receptors: []snn.Receptor{{Name: "exc", TauSyn: 1}}}
	return &snn.Network{
		Name: "sleep", Dt: 1, Seed: 9, Mode: mode,
		Populations: []snn.Population{
			{Name: "in", Size: 40, Kind: snn.Poisson, RateHz: 30},
			{Name: "h", Size: 40, Neuron: lif},
			{Name: "o", Size: 10, Neuron: lif},
		},
		Projections: []snn.Projection{
			{Name: "in-h", Pre: "in", Post: "h", Connector: snn.Connector{Kind: snn.OneToOne}, Weight: snn.UniformDist(40, 400)},
			{Name: "h-o", Pre: "h", Post: "o", Connector: snn.Connector{Kind: snn.AllToAll}, Weight: snn.UniformDist(5, 15),
				Plasticity: &snn.Plasticity{Rule: snn.RSTDP, TauPlus: 20, TauMinus: 20, APlus: 0.2, AMinus: 0.1, WMin: 0, WMax: 30, TauEligibility: 40, LearningRate: 0.1}},
		},
	}
}

// awakeSleepNet returns an engine of sleepNet on the sequential map, one
// worker, after 500 awake ticks; the test closes it.
func awakeSleepNet(t *testing.T, mode snn.Mode) *chip.Engine {
	t.Helper()
	g, err := sleepNet(mode).Build()
	if err != nil {
		t.Fatal(err)
	}
	a := chiptest.Arch()
	m, _ := mapping.Map(g, a, mapping.Sequential, 0)
	e, err := chip.NewEngine(g, a, m, chip.Options{Mode: mode, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	e.Run(500)
	return e
}

func TestSleepSilencesAndDrives(t *testing.T) {
	for _, mode := range []snn.Mode{snn.Fixed, snn.Float} {
		g, err := sleepNet(mode).Build()
		if err != nil {
			t.Fatal(err)
		}
		a := chiptest.Arch()
		a.NeuronsPerCore = 16
		counts := map[int]int{}
		sleeping := false
		var sleepSpikes []spike
		run := func(workers int) *chip.Engine {
			m, _ := mapping.Map(g, a, mapping.Sequential, 0)
			e, err := chip.NewEngine(g, a, m, chip.Options{Mode: mode, Workers: workers, OnSpike: func(tk int64, id uint32) {
				counts[g.PopOf(int(id))]++
				if sleeping {
					sleepSpikes = append(sleepSpikes, spike{tk, id})
				}
			}})
			if err != nil {
				t.Fatal(err)
			}
			return e
		}
		e := run(1)
		e.Run(2000)
		awake := e.MeanRates(1)
		wake := e.RawWeights(1)
		hRate := float64(counts[1]) / 40 / 2
		clear(counts)
		e.SetReward(0.25)
		sleeping = true
		const ticks = 2000
		if err := e.Sleep(chip.SleepPhase{Ticks: ticks, Silence: []string{"in"}, Drive: []string{"h"}, Modulation: 1, Threshold: 1}); err != nil {
			t.Fatal(err)
		}
		sleeping = false
		if counts[0] != 0 {
			t.Errorf("%s: %d input spikes during sleep", mode, counts[0])
		}
		want, got := 0.0, float64(counts[1])/40/(ticks/1000.0)
		for _, r := range awake {
			want += r / 40
		}
		t.Logf("%s: awake h rate %.1f Hz (counter %.1f), sleep-driven %.1f Hz", mode, hRate, want, got)
		if math.Abs(got-want) > 0.25*want {
			t.Errorf("%s: driven rate %.1f Hz, want about %.1f", mode, got, want)
		}
		if slices.Equal(wake, e.RawWeights(1)) {
			t.Errorf("%s: no learning during sleep", mode)
		}
		if e.Reward() != 0.25 {
			t.Errorf("%s: reward after sleep %v, want 0.25", mode, e.Reward())
		}
		after := e.MeanRates(1)
		for i := range after {
			if math.Abs(after[i]-awake[i]) > 1e-9*math.Max(1, awake[i]) {
				t.Fatalf("%s: rate counter %d changed across sleep: %v -> %v", mode, i, awake[i], after[i])
			}
		}
		clear(counts)
		e.Run(500)
		if counts[0] == 0 {
			t.Errorf("%s: inputs still silent after sleep", mode)
		}
		e.Close()

		// Sleep noise runs on the cores: the same with two workers and
		// another mapping.
		if mode == snn.Fixed {
			first := sleepSpikes
			sleepSpikes = nil
			a.NeuronsPerCore = 7
			e2 := run(2)
			e2.Run(2000)
			e2.SetReward(0.25)
			sleeping = true
			if err := e2.Sleep(chip.SleepPhase{Ticks: ticks, Silence: []string{"in"}, Drive: []string{"h"}, Modulation: 1}); err != nil {
				t.Fatal(err)
			}
			sleeping = false
			sortSpikes(first)
			sortSpikes(sleepSpikes)
			if !slices.Equal(first, sleepSpikes) {
				t.Errorf("sleep spikes depend on mapping or workers: %d vs %d", len(first), len(sleepSpikes))
			}
			e2.Close()
		}
	}
}

func TestSleepThresholdAndErrors(t *testing.T) {
	g, err := sleepNet(snn.Fixed).Build()
	if err != nil {
		t.Fatal(err)
	}
	a := chiptest.Arch()
	m, _ := mapping.Map(g, a, mapping.Sequential, 0)
	n := 0
	e, err := chip.NewEngine(g, a, m, chip.Options{Mode: snn.Fixed, Workers: 1, OnSpike: func(int64, uint32) { n++ }})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	for _, c := range []struct {
		p    chip.SleepPhase
		want string
	}{
		{chip.SleepPhase{Ticks: 1, Silence: []string{"nope"}}, `unknown population "nope"`},
		{chip.SleepPhase{Ticks: 1, Drive: []string{"in"}}, "input"},
		{chip.SleepPhase{Ticks: 1, Silence: []string{"h"}}, "not an input"},
		{chip.SleepPhase{Ticks: -1}, "ticks"},
		{chip.SleepPhase{Ticks: 1, Mute: []string{"nope"}}, `unknown projection "nope"`},
		{chip.SleepPhase{Ticks: 1, Depression: -1}, "depression"},
	} {
		if err := e.Sleep(c.p); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want %q", c.p, err, c.want)
		}
	}
	e.Run(1000)
	// A huge threshold silences everything the inputs drive.
	n = 0
	if err := e.Sleep(chip.SleepPhase{Ticks: 500, Threshold: 1000}); err != nil {
		t.Fatal(err)
	}
	inputs := n
	n = 0
	e.Run(500)
	if inputs == 0 || n <= inputs {
		t.Errorf("spikes: %d in sleep with threshold x1000 (inputs only), %d after", inputs, n)
	}
}

// TestSleepMutes checks that a muted projection carries nothing and
// learns nothing while asleep, and that its weights and learning switch
// come back exactly.
func TestSleepMutes(t *testing.T) {
	for _, mode := range []snn.Mode{snn.Fixed, snn.Float} {
		g, err := sleepNet(mode).Build()
		if err != nil {
			t.Fatal(err)
		}
		a := chiptest.Arch()
		m, _ := mapping.Map(g, a, mapping.Sequential, 0)
		counts := map[int]int{}
		e, err := chip.NewEngine(g, a, m, chip.Options{Mode: mode, Workers: 1, OnSpike: func(_ int64, id uint32) { counts[g.PopOf(int(id))]++ }})
		if err != nil {
			t.Fatal(err)
		}
		e.Run(500)
		inH, hO := e.RawWeights(0), e.RawWeights(1)
		clear(counts)
		// The inputs keep firing, but neither projection passes them on;
		// in-h is static, h-o plastic.
		if err := e.Sleep(chip.SleepPhase{Ticks: 500, Mute: []string{"in-h", "h-o"}, Modulation: 1}); err != nil {
			t.Fatal(err)
		}
		if counts[0] == 0 || counts[1] != 0 || counts[2] != 0 {
			t.Errorf("%v: spikes asleep by population %v: want inputs only", mode, counts)
		}
		if !slices.Equal(e.RawWeights(0), inH) || !slices.Equal(e.RawWeights(1), hO) {
			t.Errorf("%v: muted weights changed across sleep", mode)
		}
		if !e.LearnRule(1).Enabled {
			t.Errorf("%v: learning of h-o still off after sleep", mode)
		}
		clear(counts)
		e.Run(500)
		if counts[1] == 0 || counts[2] == 0 {
			t.Errorf("%v: spikes awake by population %v: the projections should carry again", mode, counts)
		}
		e.Close()
	}
	// A network without any plastic projection can be muted too.
	net := sleepNet(snn.Float)
	net.Projections[1].Plasticity = nil
	g, err := net.Build()
	if err != nil {
		t.Fatal(err)
	}
	m, _ := mapping.Map(g, chiptest.Arch(), mapping.Sequential, 0)
	e, err := chip.NewEngine(g, chiptest.Arch(), m, chip.Options{Mode: snn.Float, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if err := e.Sleep(chip.SleepPhase{Ticks: 10, Mute: []string{"in-h"}}); err != nil {
		t.Fatal(err)
	}
}

// TestSleepDepression checks that Depression scales A- while asleep only:
// more depression leaves less summed weight after the same sleep, and a
// sleep of no ticks leaves the rule as it was.
func TestSleepDepression(t *testing.T) {
	for _, mode := range []snn.Mode{snn.Fixed, snn.Float} {
		engine := func() *chip.Engine { return awakeSleepNet(t, mode) }
		sum := func(e *chip.Engine) float64 {
			s := 0.0
			for _, w := range e.Weights(1) {
				s += w
			}
			return s
		}
		sleep := func(e *chip.Engine, ticks int, depression float64) {
			p := chip.SleepPhase{Ticks: ticks, Silence: []string{"in"}, Drive: []string{"h"}, Modulation: 1, Depression: depression}
			if err := e.Sleep(p); err != nil {
				t.Fatal(err)
			}
		}
		plain, depressed := engine(), engine()
		sleep(plain, 500, 0)
		sleep(depressed, 500, 4)
		if sum(depressed) >= sum(plain) {
			t.Errorf("%v: summed weight after sleep: %.1f with depression x4, %.1f without: want less", mode, sum(depressed), sum(plain))
		}

		awake, slept := engine(), engine()
		sleep(slept, 0, 4)
		for _, e := range []*chip.Engine{awake, slept} {
			e.SetReward(1)
			e.Run(500)
		}
		if !slices.Equal(awake.RawWeights(1), slept.RawWeights(1)) {
			t.Errorf("%v: learning after a sleep with depression x4 differs from learning without it", mode)
		}
	}
}

// TestSleepUniform: uniform noise drives every neuron of a population at
// the population's mean rate, so a neuron silent while awake fires asleep
// and the rates even out.
func TestSleepUniform(t *testing.T) {
	net := sleepNet(snn.Float)
	// Only the first half of the hidden layer gets input while awake.
	net.Projections[0].Connector = snn.Connector{Kind: snn.FromList}
	for i := 0; i < 20; i++ {
		net.Projections[0].Connector.List = append(net.Projections[0].Connector.List, snn.Conn{Pre: i, Post: i})
	}
	g, err := net.Build()
	if err != nil {
		t.Fatal(err)
	}
	a := chiptest.Arch()
	for _, uniform := range []bool{false, true} {
		m, _ := mapping.Map(g, a, mapping.Sequential, 0)
		counts := make([]int, g.N)
		asleep := false
		e, err := chip.NewEngine(g, a, m, chip.Options{Mode: snn.Float, Workers: 1, OnSpike: func(_ int64, id uint32) {
			if asleep {
				counts[id]++
			}
		}})
		if err != nil {
			t.Fatal(err)
		}
		e.Run(2000)
		asleep = true
		if err := e.Sleep(chip.SleepPhase{Ticks: 2000, Silence: []string{"in"}, Drive: []string{"h"}, Uniform: uniform}); err != nil {
			t.Fatal(err)
		}
		e.Close()
		fed, silent := 0, 0
		for i := 0; i < 20; i++ {
			fed += counts[40+i]
			silent += counts[60+i]
		}
		switch {
		case !uniform && silent != 0:
			t.Errorf("own rates: the neurons silent while awake fired %d times asleep", silent)
		case uniform && (silent == 0 || math.Abs(float64(fed-silent)) > 0.3*float64(fed+silent)):
			t.Errorf("uniform: %d spikes from the fed half, %d from the silent half: want about equal", fed, silent)
		}
	}
}

// TestSleepPeriod: with a modulation period the reward passes run in one
// tick of every period, and the sleep still learns.
func TestSleepPeriod(t *testing.T) {
	for _, mode := range []snn.Mode{snn.Fixed, snn.Float} {
		updates := map[int]int64{}
		for _, period := range []int{0, 1, 25} {
			e := awakeSleepNet(t, mode)
			before, awake := e.RawWeights(1), e.Stats().LearningUpdates
			p := chip.SleepPhase{Ticks: 500, Silence: []string{"in"}, Drive: []string{"h"}, Modulation: 1, Period: period}
			if err := e.Sleep(p); err != nil {
				t.Fatal(err)
			}
			updates[period] = e.Stats().LearningUpdates - awake
			if slices.Equal(before, e.RawWeights(1)) {
				t.Errorf("%v, period %d: sleep changed no weight", mode, period)
			}
		}
		if updates[0] != updates[1] || updates[1] != 25*updates[25] || updates[25] == 0 {
			t.Errorf("%v: learning updates %v by period: want every tick's for 0 and 1, a 25th of them for 25", mode, updates)
		}
	}
}
