package compare

import (
	"encoding/json"
	"math"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/spindle-sim/spindle/chip"
	"github.com/spindle-sim/spindle/chip/mapping"
	"github.com/spindle-sim/spindle/loader"
	"github.com/spindle-sim/spindle/snn"
	"github.com/spindle-sim/spindle/spikestats"
)

func mustArch(t testing.TB, name string) *chip.Arch {
	t.Helper()
	a, err := loader.LoadArch(name)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func mustMap(t testing.TB, g *snn.Graph, a *chip.Arch, strategy mapping.Mapper) *chip.Mapping {
	t.Helper()
	m, err := mapping.Map(g, a, strategy, 0)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func mustLoad(t testing.TB, path string) *snn.Graph {
	t.Helper()
	net, err := loader.LoadNetwork(path)
	if err != nil {
		t.Fatal(err)
	}
	g, err := net.Build()
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// perturbed returns a copy of g whose synapse s has weight w.
func perturbed(g *snn.Graph, s int, w float64) *snn.Graph {
	c := *g
	weights := make([]float64, g.Synapses())
	for k := range weights {
		weights[k] = g.Weight(k)
	}
	weights[s] = w
	c.SetWeights(weights)
	return &c
}

// kickNetwork: a spike source whose neuron 1 fires at 30 and 70 ms kicks
// neuron 4 of an integrate-and-fire population over threshold in one tick
// through a single synapse of delay 7 ticks, beside a Poisson-driven
// recurrent population that keeps the simulators busy.
func kickNetwork() *snn.Network {
	iaf := snn.Neuron{TauM: 0, NoLeak: true, VRest: 0, VReset: 0, VTh: 10, Receptors: []snn.Receptor{{Name: "e", TauSyn: 2}}}
	lif := snn.Neuron{TauM: 10, VRest: -65, VReset: -65, VTh: -50, TRef: 2, Receptors: []snn.Receptor{{Name: "e", TauSyn: 5}, {Name: "i", TauSyn: 10}}}
	return &snn.Network{
		Name: "kick", Dt: 1, Seed: 3, Mode: snn.Fixed,
		Populations: []snn.Population{
			{Name: "src", Size: 3, Kind: snn.SpikeSource, SpikeTimes: [][]float64{{5}, {30, 70}, {}}},
			{Name: "noise", Size: 50, Kind: snn.Poisson, RateHz: 40},
			{Name: "bg", Size: 60, Kind: snn.LIF, Neuron: lif},
			{Name: "target", Size: 10, Kind: snn.LIF, Neuron: iaf},
		},
		Projections: []snn.Projection{
			{Name: "drive", Pre: "noise", Post: "bg", Connector: snn.Connector{Kind: snn.FixedProbability, P: 0.3}, Weight: snn.Const(6), Delay: snn.UniformDist(1, 4)},
			{Name: "rec", Pre: "bg", Post: "bg", Receptor: "i", Connector: snn.Connector{Kind: snn.FixedProbability, P: 0.1, NoSelf: true}, Weight: snn.Const(3), Inhibitory: true, Delay: snn.Const(2)},
			{Name: "kick", Pre: "src", Post: "target", Connector: snn.Connector{Kind: snn.FromList, List: []snn.Conn{{Pre: 1, Post: 4}}}, Weight: snn.Const(15), Delay: snn.Const(7)},
		},
	}
}

// activeNetwork is a small recurrent E/I network with Poisson drive and a
// bias close to threshold, firing at some tens of Hz from the start.
func activeNetwork() *snn.Network {
	lif := snn.Neuron{TauM: 20, VRest: -65, VReset: -65, VTh: -50, TRef: 2, Bias: 12,
		Receptors: []snn.Receptor{{Name: "exc", TauSyn: 5}, {Name: "inh", TauSyn: 10}}, VInit: snn.UniformDist(-65, -50)}
	fp := func(p float64) snn.Connector { return snn.Connector{Kind: snn.FixedProbability, P: p, NoSelf: true} }
	return &snn.Network{
		Name: "active", Dt: 1, Seed: 11, Mode: snn.Fixed,
		Populations: []snn.Population{
			{Name: "noise", Size: 100, Kind: snn.Poisson, RateHz: 30},
			{Name: "exc", Size: 400, Kind: snn.LIF, Neuron: lif},
			{Name: "inh", Size: 100, Kind: snn.LIF, Neuron: lif},
		},
		Projections: []snn.Projection{
			{Name: "ne", Pre: "noise", Post: "exc", Receptor: "exc", Connector: fp(0.1), Weight: snn.Const(2), Delay: snn.Const(1)},
			{Name: "ni", Pre: "noise", Post: "inh", Receptor: "exc", Connector: fp(0.1), Weight: snn.Const(2), Delay: snn.Const(1)},
			{Name: "ee", Pre: "exc", Post: "exc", Receptor: "exc", Connector: fp(0.05), Weight: snn.UniformDist(0.5, 1.5), Delay: snn.UniformDist(1, 5)},
			{Name: "ei", Pre: "exc", Post: "inh", Receptor: "exc", Connector: fp(0.05), Weight: snn.Const(1), Delay: snn.Const(2)},
			{Name: "ie", Pre: "inh", Post: "exc", Receptor: "inh", Connector: fp(0.1), Weight: snn.Const(3), Delay: snn.Const(1), Inhibitory: true},
			{Name: "ii", Pre: "inh", Post: "inh", Receptor: "inh", Connector: fp(0.1), Weight: snn.Const(3), Delay: snn.Const(1), Inhibitory: true},
		},
	}
}

func mustBuild(t testing.TB, net *snn.Network) *snn.Graph {
	t.Helper()
	g, err := net.Build()
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestPerturbedDivergesAtTheRightTick(t *testing.T) {
	g, err := kickNetwork().Build()
	if err != nil {
		t.Fatal(err)
	}
	a := mustArch(t, "loihi")
	a.NeuronsPerCore = 16
	m := mustMap(t, g, a, mapping.Balanced)
	opt := Options{Mode: snn.Fixed, Ticks: 200, Workers: 2, WarmupMs: -1}

	rep, err := Run(g, a, m, opt)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Identical || rep.FirstDivergence != nil {
		t.Fatalf("unperturbed: identical %v, divergence %+v", rep.Identical, rep.FirstDivergence)
	}

	// The one synapse of projection "kick".
	src, target := 0, 3
	pre := g.PopStart[src] + 1
	s := g.PreStart[pre]
	if g.PreStart[pre+1]-s != 1 || g.Post[s] != uint32(g.PopStart[target]+4) {
		t.Fatalf("synapse layout: %d synapses from src[1]", g.PreStart[pre+1]-s)
	}
	// Its input first matters when it first arrives: at the first spike
	// of its presynaptic neuron plus its delay; there the dense side's
	// neuron crosses threshold in one tick and the event side's does not.
	want := g.SourceTicks(src, 1)[0] + int64(g.Delay(s))
	if want != 37 {
		t.Fatalf("expected tick %d, built for 37", want)
	}
	rep, err = run(perturbed(g, s, 0), g, a, m, opt)
	if err != nil {
		t.Fatal(err)
	}
	d := rep.FirstDivergence
	if rep.Identical || d == nil {
		t.Fatal("perturbed network reported identical")
	}
	if d.Tick != want || d.Neuron != g.Post[s] || d.Population != "target" || d.Index != 4 || d.SpikedIn != "dense" {
		t.Errorf("divergence %+v, want tick %d neuron %d = target[4] spiking in dense", *d, want, g.Post[s])
	}
	par := &g.Params[target]
	wantI := float64(par.ToFixed(15)) // 15 mV, to within the 8-bit quantisation
	if d.EventState == nil || d.DenseState == nil {
		t.Fatal("no states at the divergence")
	}
	if d.EventState.V != 0 || d.EventState.Currents[0] != 0 {
		t.Errorf("event state %+v, want v = 0 and no current (the synapse was removed)", *d.EventState)
	}
	if d.DenseState.V != float64(par.FVReset) || math.Abs(d.DenseState.Currents[0]-wantI)/wantI > 0.01 || *d.DenseState.Refractory != par.RefTicks {
		t.Errorf("dense state %+v, want v at reset %d and a current of about %v units", *d.DenseState, par.FVReset, wantI)
	}
	if !strings.Contains(rep.Attribution, "simulator bug") || rep.PacketsLate+rep.PacketsDropped != 0 {
		t.Errorf("attribution %q with %d late / %d dropped", rep.Attribution, rep.PacketsLate, rep.PacketsDropped)
	}
	if rep.Populations == nil {
		t.Error("no statistics for a divergent fixed run")
	}
}

// TestPerturbedRecurrent: in a recurrent network a changed synapse cannot
// change any spike before its input first arrives, and the report finds
// the divergence the lock-step re-run confirms.
func TestPerturbedRecurrent(t *testing.T) {
	g := mustBuild(t, activeNetwork())
	a := mustArch(t, "loihi")
	a.NeuronsPerCore = 70
	m := mustMap(t, g, a, mapping.Sequential)
	opt := Options{Mode: snn.Fixed, Ticks: 300, Workers: 1, WarmupMs: -1}
	// Synapses from the excitatory neurons that fire first, in turn, until
	// changing one changes a spike. The new weight keeps the projection's
	// largest magnitude, so the quantisation of its other weights stays.
	dn, err := runDense(g, a, opt)
	if err != nil {
		t.Fatal(err)
	}
	exc := g.Net.PopulationIndex("exc")
	maxW := 0.0
	for s := range g.Synapses() {
		if g.Net.Projections[g.Proj[s]].Name == "ee" {
			maxW = max(maxW, math.Abs(g.Weight(s)))
		}
	}
	tries := 0
	for _, sp := range dn.spikes {
		if g.PopOf(int(sp.Addr)) != exc {
			continue
		}
		for s := g.PreStart[sp.Addr]; s < g.PreStart[sp.Addr+1] && tries < 20; s++ {
			if g.Net.Projections[g.Proj[s]].Name != "ee" {
				continue
			}
			tries++
			rep, err := run(perturbed(g, s, -maxW), g, a, m, opt)
			if err != nil {
				t.Fatal(err)
			}
			d := rep.FirstDivergence
			if d == nil {
				break // try the next presynaptic neuron
			}
			// The presynaptic neuron's spikes up to the divergence are
			// the same on both sides; its first one is sp.
			lb := sp.Time + int64(g.Delay(s))
			if d.Tick < lb {
				t.Errorf("divergence at tick %d, before the perturbed synapse's first input at tick %d", d.Tick, lb)
			}
			if d.EventState == nil || d.DenseState == nil || d.SpikedIn == "" {
				t.Errorf("divergence without states: %+v", *d)
			}
			t.Logf("synapse %d -> %d (delay %d) first used at tick %d; divergence at tick %d in %s[%d] (%s): event %+v, dense %+v",
				sp.Addr, g.Post[s], g.Delay(s), lb, d.Tick, d.Population, d.Index, d.SpikedIn, *d.EventState, *d.DenseState)
			return
		}
		if tries >= 20 {
			break
		}
	}
	t.Fatalf("none of %d perturbed synapses changed a spike", tries)
}

// TestRealtimeAttribution: on the SpiNNaker preset (realtime sync) packets
// are dropped at full link buffers; the report counts them and attributes
// the divergence to them.
func TestRealtimeAttribution(t *testing.T) {
	g := mustBuild(t, activeNetwork())
	a := mustArch(t, "spinnaker")
	a.NeuronsPerCore = 8 // 75 cores on 5 chips: traffic crosses chip links
	m := mustMap(t, g, a, mapping.Sequential)
	rep, err := Run(g, a, m, Options{Mode: snn.Fixed, Ticks: 300, WarmupMs: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s", rep.Attribution)
	if rep.PacketsLate+rep.PacketsDropped == 0 {
		t.Fatalf("no late or dropped packets on %s: %d packets", a.Name, rep.Packets)
	}
	if rep.Identical {
		t.Fatal("identical despite lost packets")
	}
	first := int64(math.MaxInt64)
	for _, p := range []*int64{rep.FirstLateTick, rep.FirstDroppedTick} {
		if p != nil {
			first = min(first, *p)
		}
	}
	d := rep.FirstDivergence
	if d.Tick <= first {
		t.Errorf("divergence at tick %d, not after the first lost packet at tick %d", d.Tick, first)
	}
	if d.LateBefore+d.DroppedBefore == 0 || !strings.Contains(rep.Attribution, "after") {
		t.Errorf("divergence %+v, attribution %q", *d, rep.Attribution)
	}
	// The same network in barrier sync is identical.
	a.Sync = chip.Barrier
	rep, err = Run(g, a, m, Options{Mode: snn.Fixed, Ticks: 300})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Identical {
		t.Errorf("barrier sync: divergence %+v", *rep.FirstDivergence)
	}
}

// TestCUBAFloat: CUBA in float mode for 1 s (10 000 ticks of 0.1 ms) is
// statistically faithful. Threshold: the KS distance of the rate
// distributions below 0.1. Two independent samples of 3200 (800) rates
// from one distribution have a KS distance above 0.034 (0.068) with
// probability 5% (the asymptotic critical value 1.36·sqrt(2/n)); 0.1
// allows for the discreteness of rates counted over 0.9 s.
func TestCUBAFloat(t *testing.T) {
	if testing.Short() {
		t.Skip("1 s of CUBA on both simulators")
	}
	g := mustLoad(t, "../examples/cuba.yaml")
	a := mustArch(t, "loihi")
	// A random placement changes the order in which the engine sums a
	// neuron's inputs, so float rounding differs from the reference's.
	m := mustMap(t, g, a, mapping.Random)
	rep, err := Run(g, a, m, Options{Mode: snn.Float, Ticks: 10000, WarmupMs: -1})
	if err != nil {
		t.Fatal(err)
	}
	if rep.WarmupMs != DefaultWarmupMs || len(rep.Populations) != 2 {
		t.Fatalf("warm-up %v ms, %d populations", rep.WarmupMs, len(rep.Populations))
	}
	for _, p := range rep.Populations {
		t.Logf("%s: rate %.2f/%.2f Hz, CV %.3f/%.3f, corr %.4f/%.4f, KS rate %.3f CV %.3f corr %.3f",
			p.Name, spikestats.Value(p.RateEvent), spikestats.Value(p.RateDense), spikestats.Value(p.CVEvent), spikestats.Value(p.CVDense), spikestats.Value(p.CorrEvent), spikestats.Value(p.CorrDense),
			spikestats.Value(p.KSRate), spikestats.Value(p.KSCV), spikestats.Value(p.KSCorr))
		if ks := spikestats.Value(p.KSRate); !(ks < 0.1) {
			t.Errorf("%s: KS of rates %v", p.Name, ks)
		}
		if ks := spikestats.Value(p.KSCV); !(ks < 0.15) {
			t.Errorf("%s: KS of CVs %v", p.Name, ks)
		}
		if r := spikestats.Value(p.RateEvent); r < 2 || r > 12 {
			t.Errorf("%s: event rate %v Hz, far from CUBA's ~5.5 Hz", p.Name, r)
		}
	}
	t.Logf("identical fraction %.3f, van Rossum %.3f, first divergence %+v; speedup %.2f", rep.IdenticalFraction, rep.VanRossum, rep.FirstDivergence, rep.Speedup)

	// At CUBA's rates a neuron rarely gets three inputs on one receptor in
	// one tick, so the two float runs above usually agree spike for spike.
	// Removing one synapse of 640 000 on the event side lets the chaotic
	// network drift apart; the statistics must still agree.
	s := g.PreStart[g.PopStart[0]]
	rep, err = run(perturbed(g, s, 0), g, a, m, Options{Mode: snn.Float, Ticks: 10000, WarmupMs: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("perturbed: identical fraction %.3f, van Rossum %.3f, first divergence %+v", rep.IdenticalFraction, rep.VanRossum, rep.FirstDivergence)
	if rep.Identical || rep.IdenticalFraction > 0.9 {
		t.Errorf("a perturbed chaotic network stays identical (fraction %v)", rep.IdenticalFraction)
	}
	for _, p := range rep.Populations {
		t.Logf("%s: rate %.2f/%.2f Hz, KS rate %.3f CV %.3f corr %.3f", p.Name, spikestats.Value(p.RateEvent), spikestats.Value(p.RateDense), spikestats.Value(p.KSRate), spikestats.Value(p.KSCV), spikestats.Value(p.KSCorr))
		if ks := spikestats.Value(p.KSRate); !(ks < 0.1) {
			t.Errorf("perturbed %s: KS of rates %v", p.Name, ks)
		}
	}
}

func TestReportJSON(t *testing.T) {
	g, err := kickNetwork().Build()
	if err != nil {
		t.Fatal(err)
	}
	a := mustArch(t, "loihi")
	m := mustMap(t, g, a, mapping.Sequential)
	rep, err := run(perturbed(g, g.PreStart[g.PopStart[0]+1], 0), g, a, m, Options{Mode: snn.Fixed, Ticks: 100, WarmupMs: 10})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var obj map[string]any
	if err := json.Unmarshal(b, &obj); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"identical", "event_spikes", "dense_spikes", "first_divergence", "event_seconds", "dense_seconds", "speedup", "packets_late", "packets_dropped", "populations"} {
		if _, ok := obj[k]; !ok {
			t.Errorf("key %q missing", k)
		}
	}
	d, _ := obj["first_divergence"].(map[string]any)
	for _, k := range []string{"tick", "neuron", "population", "event_state", "dense_state"} {
		if _, ok := d[k]; !ok {
			t.Errorf("first_divergence: key %q missing", k)
		}
	}
	var sb strings.Builder
	rep.Print(&sb)
	if !strings.Contains(sb.String(), "first divergence: tick 37") || !strings.Contains(sb.String(), "fixed mode, 8-bit weights)") {
		t.Errorf("printed report:\n%s", sb.String())
	}
}

// TestReportStatsKeys: bin_ms goes with populations, both null when the
// statistics are not computed (as docs/compare.md shows); the weight width
// is printed only in fixed mode, where it applies.
func TestReportStatsKeys(t *testing.T) {
	g := mustBuild(t, kickNetwork())
	a := mustArch(t, "loihi")
	m := mustMap(t, g, a, mapping.Sequential)
	for _, c := range []struct {
		opt     Options
		stats   bool
		weights bool
	}{
		{Options{Mode: snn.Fixed, Ticks: 100, WarmupMs: -1}, false, true}, // identical: no statistics
		{Options{Mode: snn.Fixed, Ticks: 100, WarmupMs: -1, Stats: true}, true, true},
		{Options{Mode: snn.Float, Ticks: 100, WarmupMs: -1}, true, false},
	} {
		rep, err := Run(g, a, m, c.opt)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(rep)
		var obj map[string]any
		if err := json.Unmarshal(b, &obj); err != nil {
			t.Fatal(err)
		}
		bin, ok := obj["bin_ms"]
		if !ok || (bin != nil) != c.stats || (obj["populations"] != nil) != c.stats {
			t.Errorf("%+v: bin_ms %v (present %v), populations %v", c.opt, bin, ok, obj["populations"])
		}
		var sb strings.Builder
		rep.Print(&sb)
		if strings.Contains(sb.String(), "-bit weights") != c.weights {
			t.Errorf("%s mode header: %s", rep.Mode, strings.SplitN(sb.String(), "\n", 2)[0])
		}
	}
}

func TestSpikes(t *testing.T) {
	g, err := kickNetwork().Build()
	if err != nil {
		t.Fatal(err)
	}
	a := mustArch(t, "loihi")
	opt := Options{Mode: snn.Fixed, Ticks: 100}
	x, err := runDense(g, a, opt)
	if err != nil {
		t.Fatal(err)
	}
	y, err := runDense(perturbed(g, g.PreStart[g.PopStart[0]+1], 0), a, opt)
	if err != nil {
		t.Fatal(err)
	}
	sopt := SpikesOptions{Dt: 1, Ticks: 100, WarmupMs: -1, Populations: spikestats.Populations(g)}
	rep, err := Spikes(&Recording{Name: "a", Spikes: x.spikes, FirstBadTick: -1}, &Recording{Name: "b", Spikes: x.spikes, FirstBadTick: -1}, sopt)
	if err != nil || !rep.Identical || rep.IdenticalFraction != 1 {
		t.Fatalf("same spikes: %+v, %v", rep, err)
	}
	rep, err = Spikes(&Recording{Name: "a", Spikes: x.spikes, FirstBadTick: -1}, &Recording{Name: "b", Spikes: y.spikes, FirstBadTick: 3, PacketsDropped: 1}, sopt)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Identical || rep.FirstDivergence.Tick != 37 || rep.FirstDivergence.SpikedIn != "a" || rep.FirstDivergence.Population != "target" || rep.FirstDivergence.Index != 4 || len(rep.Populations) != 4 || !strings.Contains(rep.Attribution, "after") {
		t.Errorf("report %+v, divergence %+v", rep, rep.FirstDivergence)
	}
	// A recording length short of the spikes would leave them out of the
	// distributions but not of the spike-level figures: refused.
	sopt.Ticks = 50
	if _, err := Spikes(&Recording{Name: "a", Spikes: x.spikes}, &Recording{Name: "b", Spikes: x.spikes}, sopt); err == nil || !strings.Contains(err.Error(), "beyond the recording's 50 ticks") {
		t.Errorf("spikes past Ticks: err %v", err)
	}
}

// A plastic network in fixed mode must end with the same weights on both
// simulators, not only the same spikes.
func TestPlasticWeightsIdentical(t *testing.T) {
	net, err := loader.ParseNetwork("plastic.yaml", []byte(`name: plastic
dt: 1
seed: 3
mode: fixed
neurons:
  lif: {tau_m: 20, v_rest: -65, v_reset: -65, v_th: -50, t_ref: 2, receptors: [{name: exc, tau_syn: 5}, {name: inh, tau_syn: 10}]}
populations:
  - {name: input, size: 100, kind: poisson, rate: 20}
  - {name: exc, size: 200, neuron: lif}
projections:
  - name: in_exc
    pre: input
    post: exc
    receptor: exc
    connector: {fixed_probability: 0.2}
    weight: {uniform: [2, 6]}
    plasticity: {rule: stdp, a_plus: 0.05, a_minus: 0.06, tau_plus: 20, tau_minus: 20, w_min: 0, w_max: 8}
  - {pre: exc, post: exc, receptor: inh, connector: {fixed_probability: 0.05}, weight: 2, sign: inhibitory}
`))
	if err != nil {
		t.Fatal(err)
	}
	g, err := net.Build()
	if err != nil {
		t.Fatal(err)
	}
	a := mustArch(t, "loihi")
	a.NeuronsPerCore = 64
	rep, err := Run(g, a, mustMap(t, g, a, mapping.Balanced), Options{Mode: snn.Fixed, Ticks: 800, Workers: 2, WarmupMs: -1})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Plastic) != 1 || !rep.Plastic[0].Identical || !rep.Identical {
		t.Fatalf("plastic network: identical %v, weights %+v", rep.Identical, rep.Plastic)
	}
	if rep.EventSpikes == 0 {
		t.Fatal("no spikes")
	}
}

// TestEventRunMemory: what the event run keeps per tick grows with the
// late and dropped packets, not with the ticks asked for, so that a long
// --ticks cannot claim memory up front (it used to allocate two int64 per
// tick before the first step: 800 GB for 10^11 ticks).
func TestEventRunMemory(t *testing.T) {
	lif := snn.Neuron{TauM: 10, VRest: -65, VReset: -65, VTh: -50, Receptors: []snn.Receptor{{Name: "e", TauSyn: 5}}}
	g := mustBuild(t, &snn.Network{Name: "quiet", Dt: 1, Seed: 1, Mode: snn.Fixed,
		Populations: []snn.Population{{Name: "q", Size: 4, Kind: snn.LIF, Neuron: lif}}})
	a := mustArch(t, "loihi")
	m := mustMap(t, g, a, mapping.Sequential)
	alloc := func(ticks int) uint64 {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		if _, err := runEvent(g, a, m, Options{Mode: snn.Fixed, Ticks: ticks, Workers: 1}); err != nil {
			t.Fatal(err)
		}
		runtime.ReadMemStats(&after)
		return after.TotalAlloc - before.TotalAlloc
	}
	const more = 100_000
	short, long := alloc(1000), alloc(1000+more)
	if long > short+more { // one byte per tick: a per-tick array needs 16
		t.Errorf("%d more ticks allocated %d more bytes (%d against %d)", more, long-short, long, short)
	}
}

// TestSpikesReportKeys: the keys of a trace comparison, in order, as
// spindle compare --trace-in A --trace-in B --json writes them
// (docs/compare.md); spikestats.Agreement supplies six of them.
func TestSpikesReportKeys(t *testing.T) {
	x := []spikestats.Spike{{Time: 0, Addr: 0}, {Time: 2, Addr: 1}}
	y := []spikestats.Spike{{Time: 0, Addr: 0}}
	rep, err := Spikes(&Recording{Name: "a", Spikes: x, FirstBadTick: -1}, &Recording{Name: "b", Spikes: y, FirstBadTick: -1}, SpikesOptions{Dt: 1, WarmupMs: -1})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	var keys []string
	if _, err := dec.Token(); err != nil { // {
		t.Fatal(err)
	}
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k.(string))
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{"trace_a", "trace_b", "ticks", "dt_ms", "identical", "spikes_a", "spikes_b",
		"identical_fraction", "van_rossum", "van_rossum_tau_ms", "first_divergence",
		"packets_late_a", "packets_late_b", "packets_dropped_a", "packets_dropped_b", "attribution",
		"warmup_ms", "bin_ms", "populations"}
	if !slices.Equal(keys, want) {
		t.Errorf("keys\n %v\nwant\n %v", keys, want)
	}
	if rep.Identical || rep.SpikesA != 2 || rep.SpikesB != 1 || rep.IdenticalFraction != 0.5 {
		t.Errorf("agreement %+v", rep.Agreement)
	}
}
