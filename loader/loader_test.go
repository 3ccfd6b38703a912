package loader

import (
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/spindle-sim/spindle/chip"
	"github.com/spindle-sim/spindle/chip/mapping"
	"github.com/spindle-sim/spindle/snn"
)

func TestExamplesBuild(t *testing.T) {
	files, err := filepath.Glob("../examples/*.yaml")
	if err != nil || len(files) < 5 {
		t.Fatalf("examples: %v %v", files, err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			n, err := LoadNetwork(f)
			if err != nil {
				t.Fatal(err)
			}
			// The scale examples take minutes and gigabytes to build.
			counts, _, err := n.FanIn()
			if err != nil {
				t.Fatal(err)
			}
			if synapses := sum(counts); synapses > 10_000_000 && os.Getenv("SPINDLE_LONG") == "" {
				t.Skipf("%d synapses: set SPINDLE_LONG=1 to build them", synapses)
			}
			g, err := n.Build()
			if err != nil {
				t.Fatal(err)
			}
			if g.N == 0 || g.Synapses() == 0 {
				t.Fatalf("empty network: %d neurons, %d synapses", g.N, g.Synapses())
			}
		})
	}
}

func sum(xs []int) int {
	s := 0
	for _, x := range xs {
		s += x
	}
	return s
}

// TestScaleExample keeps examples/scale_1m.yaml what docs/benchmarks.md
// measures: 1.1 M neurons, 100 M synapses, not ruled out for pohoiki.
func TestScaleExample(t *testing.T) {
	n, err := LoadNetwork("../examples/scale_1m.yaml")
	if err != nil {
		t.Fatal(err)
	}
	counts, exact, err := n.FanIn()
	if err != nil || !exact || len(counts) != 1_100_000 || sum(counts) != 100_000_000 {
		t.Fatalf("%d neurons, %d synapses, exact %v, %v", len(counts), sum(counts), exact, err)
	}
	a, err := LoadArch("pohoiki")
	if err != nil {
		t.Fatal(err)
	}
	if err := mapping.CheckCapacity(n, a, 0); err != nil {
		t.Fatal(err)
	}
}

func TestCUBA(t *testing.T) {
	for _, f := range []string{"../examples/cuba.yaml", "../examples/cuba_fixed.yaml"} {
		n, err := LoadNetwork(f)
		if err != nil {
			t.Fatal(err)
		}
		wantMode := snn.Float
		if strings.Contains(f, "fixed") {
			wantMode = snn.Fixed
		}
		if n.Dt != 0.1 || n.Mode != wantMode || len(n.Populations) != 2 || len(n.Projections) != 4 {
			t.Fatalf("%s: dt %v mode %v pops %d projs %d", f, n.Dt, n.Mode, len(n.Populations), len(n.Projections))
		}
		exc, inh := n.Populations[0], n.Populations[1]
		if exc.Size != 3200 || inh.Size != 800 {
			t.Fatalf("sizes %d %d", exc.Size, inh.Size)
		}
		nu := exc.Neuron
		want := snn.Neuron{TauM: 20, VRest: -49, VReset: -60, VTh: -50, TRef: 5,
			Receptors: []snn.Receptor{{Name: "exc", TauSyn: 5}, {Name: "inh", TauSyn: 10}},
			VInit:     snn.UniformDist(-60, -50)}
		if !reflect.DeepEqual(nu, want) {
			t.Fatalf("neuron %+v, want %+v", nu, want)
		}
		for _, pr := range n.Projections {
			if pr.Connector.Kind != snn.FixedProbability || pr.Connector.P != 0.02 || pr.Connector.NoSelf {
				t.Fatalf("%s: connector %+v", pr.Name, pr.Connector)
			}
			if pr.Delay != snn.Const(0.1) {
				t.Fatalf("%s: delay %+v", pr.Name, pr.Delay)
			}
			exc := pr.Pre == "exc"
			if exc && (pr.Weight != snn.Const(1.62) || pr.Inhibitory || pr.Receptor != "exc") {
				t.Fatalf("%s: %+v", pr.Name, pr)
			}
			if !exc && (pr.Weight != snn.Const(-9) || !pr.Inhibitory || pr.Receptor != "inh") {
				t.Fatalf("%s: %+v", pr.Name, pr)
			}
		}
		g, err := n.Build()
		if err != nil {
			t.Fatal(err)
		}
		// 4000 x 4000 x 0.02 = 320,000 expected synapses.
		if s := g.Synapses(); s < 310000 || s > 330000 {
			t.Fatalf("%d synapses", s)
		}
		if g.MaxDelay != 1 {
			t.Fatalf("max delay %d ticks", g.MaxDelay)
		}
	}
}

// TestTrueNorthFanOut checks that the TrueNorth example respects the
// chip's fan-out: every neuron's targets lie in one 256-neuron population.
func TestTrueNorthFanOut(t *testing.T) {
	n, err := LoadNetwork("../examples/truenorth_small.yaml")
	if err != nil {
		t.Fatal(err)
	}
	a, err := LoadArch("truenorth")
	if err != nil {
		t.Fatal(err)
	}
	g, err := n.Build()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range n.Populations {
		if p.Size != a.NeuronsPerCore {
			t.Fatalf("population %s has %d neurons, want one core of %d", p.Name, p.Size, a.NeuronsPerCore)
		}
	}
	for i := 0; i < g.N; i++ {
		pops := map[int]bool{}
		for s := g.PreStart[i]; s < g.PreStart[i+1]; s++ {
			pops[g.PopOf(int(g.Post[s]))] = true
			if int(g.Delay(s)) > a.MaxDelayTicks {
				t.Fatalf("delay %d ticks exceeds %d", g.Delay(s), a.MaxDelayTicks)
			}
		}
		if len(pops) > 1 {
			t.Fatalf("neuron %d projects to %d populations", i, len(pops))
		}
	}
}

func TestExampleDelaysFitPresets(t *testing.T) {
	for ex, arch := range map[string]string{"loihi_small": "loihi", "spinnaker_small": "spinnaker", "truenorth_small": "truenorth"} {
		n, err := LoadNetwork("../examples/" + ex + ".yaml")
		if err != nil {
			t.Fatal(err)
		}
		a, err := LoadArch(arch)
		if err != nil {
			t.Fatal(err)
		}
		g, err := n.Build()
		if err != nil {
			t.Fatal(err)
		}
		if g.MaxDelay > a.MaxDelayTicks {
			t.Errorf("%s: delay %d ticks exceeds %s's %d", ex, g.MaxDelay, arch, a.MaxDelayTicks)
		}
		if g.N > a.NeuronsPerCore*a.CoresPerChip()*max(a.MaxChips, 1) {
			t.Errorf("%s: %d neurons do not fit %s", ex, g.N, arch)
		}
	}
}

func TestPresets(t *testing.T) {
	if got := Presets(); !reflect.DeepEqual(got, []string{"loihi", "loihi-presilicon", "pohoiki", "spinnaker", "truenorth"}) {
		t.Fatalf("Presets() = %v", got)
	}
	for _, name := range Presets() {
		a, err := LoadArch(name)
		if err != nil {
			t.Fatal(err)
		}
		if err := a.Validate(); err != nil {
			t.Fatal(err)
		}
		if a.Name != name || a.Description == "" {
			t.Fatalf("%s: name %q description %q", name, a.Name, a.Description)
		}
		text, err := PresetYAML(name)
		if err != nil || !strings.Contains(string(text), "# ") {
			t.Fatalf("%s: PresetYAML: %v", name, err)
		}
		// Every field is written out in every preset that builds on no
		// other; pohoiki builds on loihi.
		if strings.Contains(string(text), "\nbase:") {
			continue
		}
		// A hop cost may be written for its axis (hop_latency_ew prices
		// east and west alike).
		axis := strings.NewReplacer("_east", "_ew", "_west", "_ew", "_north", "_ns", "_south", "_ns")
		for _, f := range archFields {
			if f.fp2 != nil {
				continue
			}
			if !strings.Contains(string(text), "\n"+f.key+":") && !strings.Contains(string(text), "\n"+axis.Replace(f.key)+":") {
				t.Errorf("%s: preset does not set %s", name, f.key)
			}
		}
	}
	l, _ := LoadArch("loihi")
	if l.NeuronsPerCore != 1024 || l.CoresPerChip() != 128 || l.MaxChips != 32 || l.Sync != chip.Barrier ||
		l.SynOpEnergy != 33.6e-12 || l.SynOpEnergyDense != 35.5e-12 || l.SynOpEnergyConv != 24.0e-12 ||
		l.NeuronAccessEnergy != 51.2e-12 || l.MessageOutEnergy != 111e-12 || l.MessageInLatency != 16e-9 ||
		l.HopLatencyNorth != 6.5e-9 || l.HopLatencySouth != 6.5e-9 || l.HopEnergyWest != 3.0e-12 || l.HopEnergySouth != 4.2e-12 || l.MaxDelayTicks != 62 || l.BarrierLatency != 0 ||
		!reflect.DeepEqual(l.SyncTiles, []chip.SyncStep{{From: 1, Seconds: 0.6e-6}, {From: 2, Seconds: 1.0e-6}, {From: 4, Seconds: 1.4e-6}, {From: 29, Seconds: 1.8e-6}}) || l.SyncChips != nil {
		t.Fatalf("loihi: %+v", l)
	}
	pre, _ := LoadArch("loihi-presilicon")
	if pre.SynOpEnergy != 23.6e-12 || pre.SynOpEnergyDense != 23.6e-12 || pre.NeuronUpdateEnergy != 81e-12 ||
		pre.BarrierLatency != 465e-9 || pre.SyncTiles != nil || pre.MessageOutEnergy != 0 || pre.HopEnergySouth != 4.0e-12 {
		t.Fatalf("loihi-presilicon: %+v", pre)
	}
	// pohoiki is loihi on 768 chips: every other field is the same.
	p, _ := LoadArch("pohoiki")
	if p.MaxChips != 768 || p.Name != "pohoiki" {
		t.Fatalf("pohoiki: %+v", p)
	}
	p.Name, p.Description, p.MaxChips = l.Name, l.Description, l.MaxChips
	if !reflect.DeepEqual(p, l) {
		t.Fatalf("pohoiki differs from loihi beyond name, description and max_chips:\n%+v\n%+v", p, l)
	}
	tn, _ := LoadArch("truenorth")
	if tn.NeuronsPerCore != 256 || tn.InputAxonsPerCore != 256 || tn.CoresPerChip() != 4096 || tn.MaxDelayTicks != 15 || tn.WeightBits != 9 || tn.MaxChips != 16 {
		t.Fatalf("truenorth: %+v", tn)
	}
	sp, _ := LoadArch("spinnaker")
	if sp.Sync != chip.Realtime || sp.TickBudget != 0.001 || sp.CoresPerChip() != 16 || sp.MaxChips != 48 || sp.WeightBits != 16 {
		t.Fatalf("spinnaker: %+v", sp)
	}
	if _, err := PresetYAML("nope"); err == nil || !strings.Contains(err.Error(), "have: loihi, loihi-presilicon, pohoiki, spinnaker, truenorth") {
		t.Fatalf("PresetYAML(nope): %v", err)
	}
}

func TestArchBase(t *testing.T) {
	a, err := ParseArch("small.yaml", []byte("base: loihi\nmax_chips: 2\ntiles_x: 2\ntiles_y: 2\n"))
	if err != nil {
		t.Fatal(err)
	}
	l, _ := LoadArch("loihi")
	if a.Name != "small" || a.MaxChips != 2 || a.CoresPerChip() != 16 || a.SynOpEnergy != l.SynOpEnergy || a.NeuronsPerCore != 1024 {
		t.Fatalf("%+v", a)
	}
	// The preset itself is unchanged.
	if l2, _ := LoadArch("loihi"); !reflect.DeepEqual(l, l2) {
		t.Fatal("preset modified")
	}
	// A file path works too.
	dir := t.TempDir()
	p := filepath.Join(dir, "mine.yaml")
	if err := os.WriteFile(p, []byte("base: truenorth\nname: tn4\nmax_chips: 4\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	a, err = LoadArch(p)
	if err != nil || a.Name != "tn4" || a.MaxChips != 4 {
		t.Fatalf("%+v %v", a, err)
	}
}

// TestArchHopDirections: an axis's key prices both its directions, and a
// direction's key overrides it, wherever it stands in the file.
func TestArchHopDirections(t *testing.T) {
	a, err := ParseArch("a.yaml", []byte("base: loihi\nhop_energy_west: 2e-12\nhop_energy_ew: 1e-12\nhop_latency_south: 9e-9\n"))
	if err != nil {
		t.Fatal(err)
	}
	if a.HopEnergyEast != 1e-12 || a.HopEnergyWest != 2e-12 || a.HopLatencyNorth != 6.5e-9 || a.HopLatencySouth != 9e-9 {
		t.Errorf("hops east %g J, west %g J, north %g s, south %g s; want 1e-12, 2e-12, 6.5e-9, 9e-9", a.HopEnergyEast, a.HopEnergyWest, a.HopLatencyNorth, a.HopLatencySouth)
	}
}

func TestArchErrors(t *testing.T) {
	cases := []struct{ in, want string }{
		{"base: loihi\nneurons_per_cor: 5\n",
			"loader: a.yaml:2: neurons_per_cor: unknown key (allowed: base, name, description, neurons_per_core, input_axons_per_core, output_axons_per_core, synapses_per_core, max_fan_in, max_delay_ticks, weight_bits, conv_weight_sharing, cores_per_tile, tiles_x, tiles_y, max_chips, sync, tick_budget, hop_latency_ew, hop_latency_ns, hop_energy_ew, hop_energy_ns, hop_latency_east, hop_latency_west, hop_latency_north, hop_latency_south, hop_energy_east, hop_energy_west, hop_energy_north, hop_energy_south, chip_hop_latency, chip_hop_energy, link_service_time, chip_link_service_time, link_buffer, synop_energy, synop_latency, synop_energy_dense, synop_latency_dense, synop_energy_conv, synop_latency_conv, neuron_access_energy, neuron_access_latency, neuron_update_energy, neuron_update_latency, spike_energy, spike_latency, message_out_energy, message_out_latency, message_in_energy, message_in_latency, barrier_latency, barrier_energy, sync_latency_tiles, sync_latency_chips)"},
		{"base: loihii\n", `loader: a.yaml:1: base: unknown preset "loihii" (have: loihi, loihi-presilicon, pohoiki, spinnaker, truenorth)`},
		{"base: loihi\ntiles_x: many\n", `loader: a.yaml:2: tiles_x: expected a positive integer, got "many"`},
		{"base: loihi\ntiles_x: 0\n", `loader: a.yaml:2: tiles_x: expected a positive integer, got 0`},
		{"base: loihi\nsynop_energy: -1e-12\n", `loader: a.yaml:2: synop_energy: expected a finite number >= 0 (SI units: seconds, joules), got -1e-12`},
		{"base: loihi\nsync: async\n", `loader: a.yaml:2: sync: unknown sync "async" (have: barrier, realtime)`},
		{"base: loihi\nsync: realtime\n", `loader: a.yaml:1: arch "a": tick_budget 0 s: realtime sync needs a positive tick budget`},
		{"base: loihi\nsync: realtime\ntick_budget: 0\n", `loader: a.yaml:3: tick_budget: arch "a": tick_budget 0 s: realtime sync needs a positive tick budget`},
		{"name: x\n", `loader: a.yaml:1: arch "x": neurons_per_core 0: expected a positive integer`},
		{"base: loihi\nhop_latency_west: -2e-9\n", `loader: a.yaml:2: hop_latency_west: expected a finite number >= 0 (SI units: seconds, joules), got -2e-9`},
		{"base: loihi\nmessage_out_energy: -111e-12\n", `loader: a.yaml:2: message_out_energy: expected a finite number >= 0 (SI units: seconds, joules), got -111e-12`},
		{"base: loihi\nneuron_access_latency: .inf\n", `loader: a.yaml:2: neuron_access_latency: expected a finite number >= 0 (SI units: seconds, joules), got .inf`},
		{"base: loihi\nsynop_energy_conv: cheap\n", `loader: a.yaml:2: synop_energy_conv: expected a finite number >= 0 (SI units: seconds, joules), got "cheap"`},
		{"base: loihi\nsync_latency_tiles: {4: 1.4e-6, 2: 1.0e-6}\n", `loader: a.yaml:2: sync_latency_tiles: count 2 after 4: expected counts in increasing order`},
		{"base: loihi\nsync_latency_tiles: {1: 0.6e-6, 1: 1.0e-6}\n", `loader: a.yaml:2: sync_latency_tiles: count 1 after 1: expected counts in increasing order`},
		{"base: loihi\nsync_latency_tiles: {0: 0.6e-6}\n", `loader: a.yaml:2: sync_latency_tiles: expected a count >= 1 in use, got 0`},
		{"base: loihi\nsync_latency_chips: {2: -1e-6}\n", `loader: a.yaml:2: sync_latency_chips.2: expected a finite time >= 0 in seconds, got -1e-6`},
		{"base: loihi\nsync_latency_tiles: [0.6e-6, 1.0e-6]\n", `loader: a.yaml:2: sync_latency_tiles: expected a mapping of count in use to seconds, e.g. {1: 0.6e-6, 4: 1.4e-6}, got a list`},
		{"- 1\n", `loader: a.yaml:1: expected a mapping of architecture fields, got a list`},
		{"", `loader: a.yaml: empty document: expected a mapping`},
		{"a: [", `loader: a.yaml:1: invalid YAML: did not find expected node content`},
	}
	for _, c := range cases {
		_, err := ParseArch("a.yaml", []byte(c.in))
		if err == nil || err.Error() != c.want {
			t.Errorf("ParseArch(%q):\n got  %v\n want %s", c.in, err, c.want)
		}
	}
	if _, err := LoadArch("nosuch"); err == nil || err.Error() != `loader: unknown preset "nosuch" (have: loihi, loihi-presilicon, pohoiki, spinnaker, truenorth)` {
		t.Errorf("LoadArch(nosuch): %v", err)
	}
	if _, err := LoadArch("nosuch.yaml"); err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("LoadArch(nosuch.yaml): %v", err)
	}
}

const base = `name: t
dt: 0.1
neurons:
  n: {tau_m: 20, v_rest: -49, v_reset: -60, v_th: -50, receptors: [{name: exc, tau_syn: 5}, {name: inh, tau_syn: 10}]}
populations:
  - {name: exc, size: 10, neuron: n}
  - {name: inh, size: 5, neuron: n}
`

func TestNetworkErrors(t *testing.T) {
	cases := []struct{ in, want string }{
		// unknown key, with the allowed keys
		{base + "projectons: []\n", `loader: net.yaml:8: projectons: unknown key (allowed: name, dt, seed, mode, neurons, populations, projections, sleep, placement)`},
		{base + "projections:\n  - {pre: exc, post: inh, connector: all_to_all, weight: 1, wieght: 2}\n",
			`loader: net.yaml:9: projections[0].wieght: unknown key (allowed: name, pre, post, receptor, connector, allow_self, weight, delay, sign, plasticity, synapse_format)`},
		{base + "projections:\n  - {pre: exc, post: inh, connector: all_to_all, weight: 1, synapse_format: diagonal}\n",
			`loader: net.yaml:9: projections[0].synapse_format: unknown synapse format "diagonal" (have: sparse, dense, conv)`},
		{"neurons:\n  n: {tau_m: 20, v_th: 1, vth: 2}\n", `loader: net.yaml:2: neurons.n.vth: unknown key (allowed: tau_m, v_rest, v_reset, v_th, t_ref, bias, leak, leak_decay, fixed_scale, receptors, v_init)`},
		{"populations:\n  - {name: p, size: 1, kind: poisson, rate: 1, neuron: n}\n", `loader: net.yaml:2: populations[0].neuron: not used by kind poisson (allowed: name, size, kind, rate, shape, graded)`},
		// wrong type
		{"dt: fast\n", `loader: net.yaml:1: dt: expected a positive time step in ms, got "fast"`},
		{"populations:\n  - {name: p, size: ten, kind: poisson, rate: 1}\n", `loader: net.yaml:2: populations[0].size: expected a non-negative integer, got "ten"`},
		{"populations:\n  - {name: p, size: 2.5, kind: poisson, rate: 1}\n", `loader: net.yaml:2: populations[0].size: expected a non-negative integer, got 2.5`},
		{"populations: {a: 1}\n", `loader: net.yaml:1: populations: expected a list, got a mapping`},
		{base + "projections:\n  - {pre: exc, post: inh, connector: all_to_all, weight: 1, allow_self: yes please}\n",
			`loader: net.yaml:9: projections[0].allow_self: expected true or false, got "yes please"`},
		// negative size
		{"populations:\n  - {name: p, size: -5, kind: poisson, rate: 1}\n", `loader: net.yaml:2: populations[0].size: expected a non-negative integer, got -5`},
		// unknown population
		{base + "projections:\n  - pre: exc2\n    post: exc\n    connector: all_to_all\n    weight: 1\n",
			`loader: net.yaml:9: projections[0].pre: unknown population "exc2" (have: exc, inh)`},
		{base + "projections:\n  - {pre: exc, post: inhh, connector: all_to_all, weight: 1}\n",
			`loader: net.yaml:9: projections[0].post: unknown population "inhh" (have: exc, inh)`},
		// delay below one tick
		{base + "projections:\n  - {pre: exc, post: inh, connector: all_to_all, weight: 1, delay: 0.05}\n",
			`loader: net.yaml:9: projections[0].delay: expected at least one tick (dt = 0.1 ms), got 0.05 ms`},
		{base + "projections:\n  - {pre: exc, post: inh, connector: all_to_all, weight: 1, delay: {uniform: [0, 1]}}\n",
			`loader: net.yaml:9: projections[0].delay: expected at least one tick (dt = 0.1 ms), got 0 ms`},
		{base + "projections:\n  - {pre: exc, post: inh, connector: {list: [[0, 0, 1, 0.01]]}}\n",
			`loader: net.yaml:9: projections[0].connector.list[0][3]: expected a delay of at least one tick (dt = 0.1 ms), got 0.01 ms`},
		{base + "projections:\n  - {pre: exc, post: inh, connector: all_to_all, weight: 1, delay: {normal: {mean: 1, sd: 1, high: 0.01}}}\n",
			`loader: net.yaml:9: projections[0].delay: expected a normal high bound of at least one tick (dt = 0.1 ms), got 0.01 ms`},
		// probability outside [0, 1]
		{base + "projections:\n  - {pre: exc, post: inh, connector: {fixed_probability: 1.5}, weight: 1}\n",
			`loader: net.yaml:9: projections[0].connector.fixed_probability: expected a probability in [0, 1], got 1.5`},
		// unknown receptor
		{base + "projections:\n  - {pre: exc, post: inh, receptor: gaba, connector: all_to_all, weight: 1}\n",
			`loader: net.yaml:9: projections[0].receptor: unknown receptor "gaba" of population "inh" (have: exc, inh)`},
		// unknown connector
		{base + "projections:\n  - {pre: exc, post: inh, connector: some_to_some, weight: 1}\n",
			`loader: net.yaml:9: projections[0].connector: unknown connector "some_to_some" (have: all_to_all, one_to_one, fixed_probability, fixed_in_degree, list, file, conv)`},
		{base + "projections:\n  - {pre: exc, post: inh, connector: {fixed_prob: 0.1}, weight: 1}\n",
			`loader: net.yaml:9: projections[0].connector: unknown connector "fixed_prob" (have: all_to_all, one_to_one, fixed_probability, fixed_in_degree, list, file, conv)`},
		// missing required field
		{base + "projections:\n  - {pre: exc, post: inh, connector: all_to_all}\n",
			`loader: net.yaml:9: projections[0]: missing required field weight (mV)`},
		{"populations:\n  - {name: p, kind: poisson, rate: 1}\n", `loader: net.yaml:2: populations[0]: missing required field size`},
		{"populations:\n  - {name: p, size: 3}\n", `loader: net.yaml:2: populations[0]: missing required field neuron (a name from neurons, or a mapping of parameters)`},
		{"populations:\n  - {name: p, size: 3, neuron: {v_th: 1}}\n", `loader: net.yaml:2: populations[0].neuron: missing required field tau_m (ms; or set leak: false)`},
		// duplicate population name
		{base + "  - {name: exc, size: 3, kind: poisson, rate: 5}\n",
			`loader: net.yaml:8: populations[2].name: duplicate population "exc" (first defined at line 6)`},
		// unknown neuron, kind, mode
		{"populations:\n  - {name: p, size: 3, neuron: nope}\n", `loader: net.yaml:2: populations[0].neuron: unknown neuron "nope": define it under neurons: (defined: none)`},
		{"neurons:\n  lif: {tau_m: 10, v_th: 1}\n  alif: {tau_m: 20, v_th: 1}\npopulations:\n  - {name: p, size: 3, neuron: lf}\n",
			`loader: net.yaml:5: populations[0].neuron: unknown neuron "lf": define it under neurons: (defined: alif, lif)`},
		{"populations:\n  - {name: p, size: 3, kind: izhikevich}\n", `loader: net.yaml:2: populations[0].kind: unknown kind "izhikevich" (have: lif, poisson, spike_source)`},
		{"mode: double\n", `loader: net.yaml:1: mode: unknown mode "double" (have: float, fixed)`},
		// others
		{"populations:\n  - {name: s, size: 3, kind: spike_source, spike_times: [[1], [2]]}\n",
			`loader: net.yaml:2: populations[0].size: expected 2 to match the 2 spike_times lists, got 3`},
		{"populations:\n  - {name: s, kind: spike_source, spike_times: [[1, 0.5]]}\n",
			`loader: net.yaml:2: populations[0].spike_times[0][1]: expected times in increasing order, got 0.5 after 1`},
		{base + "projections:\n  - {pre: exc, post: inh, connector: one_to_one, weight: 1}\n",
			`loader: net.yaml:9: projections[0].connector: one_to_one needs equal sizes, got 10 and 5`},
		{base + "projections:\n  - {pre: exc, post: inh, connector: {list: [[0, 5]]}, weight: 1}\n",
			`loader: net.yaml:9: projections[0].connector.list[0][1]: expected a postsynaptic index in [0, 5), got 5`},
		{base + "  - {name: in, size: 2, kind: poisson, rate: 1}\nprojections:\n  - {pre: exc, post: in, connector: all_to_all, weight: 1}\n",
			`loader: net.yaml:10: projections[0].post: population "in" is an input (poisson) and cannot receive synapses`},
		{base + "projections:\n  - {pre: exc, post: exc, connector: {fixed_in_degree: 10}, allow_self: false, weight: 1}\n",
			`loader: net.yaml:9: projections[0]: projection "exc->exc": in_degree 10: exceeds the 9 available presynaptic neurons`},
		{"neurons:\n  n: {tau_m: 20, v_th: 1, v_init: {uniform: [2, 1]}}\n",
			`loader: net.yaml:2: neurons.n.v_init.uniform: expected low <= high, got [2, 1]`},
		{"populations:\n  - {name: p, size: 1, kind: poisson, rate: 1}\n  - {name: p2, size: 1, kind: poisson, rate: 1, size: 2}\n",
			`loader: net.yaml:3: populations[1].size: defined twice (first at line 3)`},
		{"dt: 0\n", `loader: net.yaml:1: dt: expected a positive time step in ms, got 0`},
		{"dt: .nan\n", `loader: net.yaml:1: dt: expected a positive time step in ms, got .nan`},
		{"seed: -1\n", `loader: net.yaml:1: seed: expected a non-negative integer, got -1`},
		{"name: a\n\tb: c\n", `loader: net.yaml:2: invalid YAML: found a tab character that violates indentation`},
		{"[1, 2]\n", `loader: net.yaml:1: expected a mapping with keys name, dt, seed, mode, neurons, populations, projections, sleep, placement, got a list`},
	}
	for _, c := range cases {
		_, err := ParseNetwork("net.yaml", []byte(c.in))
		if err == nil || err.Error() != c.want {
			t.Errorf("ParseNetwork(%q):\n got  %v\n want %s", c.in, err, c.want)
		}
	}
}

func TestNetworkDefaults(t *testing.T) {
	src := `populations:
  - {name: a, size: 4, neuron: {tau_m: 10, v_th: 1}}
  - {name: cue, kind: spike_source, spike_times: [[1.0, 2.5], []]}
projections:
  - {pre: cue, post: a, connector: all_to_all, weight: {normal: {mean: 1, sd: 0.1}}}
  - pre: a
    post: a
    connector: {list: [[0, 1], [1, 2, 0.5], [2, 3, 0.5, 3]]}
    weight: 2
    delay: {normal: {mean: 2, sd: 1, low: 1}}
`
	n, err := ParseNetwork("dir/my_net.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if n.Name != "my_net" || n.Dt != 1 || n.Seed != 1 || n.Mode != snn.Float {
		t.Fatalf("defaults: %+v", n)
	}
	a := n.Populations[0]
	if a.Kind != snn.LIF || a.Neuron.VRest != 0 || a.Neuron.VReset != 0 || a.Neuron.TRef != 0 || a.Neuron.NoLeak ||
		!reflect.DeepEqual(a.Neuron.Receptors, []snn.Receptor{{Name: "syn", TauSyn: 5}}) || a.Neuron.VInit.IsSet() {
		t.Fatalf("neuron defaults: %+v", a.Neuron)
	}
	cue := n.Populations[1]
	if cue.Kind != snn.SpikeSource || cue.Size != 2 || !reflect.DeepEqual(cue.SpikeTimes, [][]float64{{1, 2.5}, {}}) {
		t.Fatalf("cue: %+v", cue)
	}
	p0 := n.Projections[0]
	if p0.Name != "cue->a" || p0.Receptor != "" || p0.Delay.IsSet() || p0.Connector.NoSelf ||
		p0.Weight != snn.NormalDist(1, 0.1, math.Inf(-1), math.Inf(1)) {
		t.Fatalf("projection defaults: %+v", p0)
	}
	l := n.Projections[1].Connector.List
	want := []snn.Conn{{Pre: 0, Post: 1}, {Pre: 1, Post: 2, Weight: 0.5, HasWeight: true}, {Pre: 2, Post: 3, Weight: 0.5, Delay: 3, HasWeight: true, HasDelay: true}}
	if !reflect.DeepEqual(l, want) {
		t.Fatalf("list %+v", l)
	}
	if _, err := n.Build(); err != nil {
		t.Fatal(err)
	}
}

func TestAnchorsAndMerge(t *testing.T) {
	src := `neurons:
  base: &b {tau_m: 20, v_th: -50, v_rest: -65}
  fast: {<<: *b, tau_m: 5}
populations:
  - {name: a, size: 2, neuron: fast}
  - {name: b, size: 2, neuron: *b}
`
	n, err := ParseNetwork("m.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if n.Populations[0].Neuron.TauM != 5 || n.Populations[0].Neuron.VRest != -65 || n.Populations[1].Neuron.TauM != 20 {
		t.Fatalf("%+v", n.Populations)
	}
}

func TestAliasBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("a0: &a0 [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n")
	for i := 1; i < 9; i++ {
		b.WriteString("a" + string(rune('0'+i)) + ": &a" + string(rune('0'+i)) + " [")
		for j := 0; j < 10; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("*a" + string(rune('0'+i-1)))
		}
		b.WriteString("]\n")
	}
	_, err := ParseNetwork("bomb.yaml", []byte(b.String()))
	if err == nil || !strings.Contains(err.Error(), "aliases expand") {
		t.Fatalf("got %v", err)
	}
}

func TestLoadNetworkMissingFile(t *testing.T) {
	_, err := LoadNetwork("no/such/file.yaml")
	if err == nil || !strings.HasPrefix(err.Error(), "loader: open no/such/file.yaml") {
		t.Fatalf("got %v", err)
	}
}

// TestCUBAFixedComment keeps the numbers in examples/cuba_fixed.yaml's
// comment block true.
func TestCUBAFixedComment(t *testing.T) {
	n, err := LoadNetwork("../examples/cuba_fixed.yaml")
	if err != nil {
		t.Fatal(err)
	}
	g, err := n.Build()
	if err != nil {
		t.Fatal(err)
	}
	p := g.Params[0]
	if p.FVTh != -5958 || p.FVReset != -65536 || p.FKeepV != 4076 || p.FGainV != 20 ||
		p.FKeepI[0] != 4015 || p.FKeepI[1] != 4055 || p.RefTicks != 50 {
		t.Fatalf("params %+v", p)
	}
	a, err := LoadArch("loihi")
	if err != nil {
		t.Fatal(err)
	}
	w := g.FixedWeights(a.WeightBits)
	seen := map[int32]bool{}
	for _, x := range w {
		seen[x] = true
	}
	if len(seen) != 2 || !seen[9600] || !seen[-53760] {
		t.Fatalf("fixed weights %v", seen)
	}
}
