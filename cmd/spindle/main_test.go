package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// spindle runs the command line in-process and returns its exit status
// and output.
func spindle(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestRunJSON(t *testing.T) {
	code, out, errs := spindle(t, "run", "../../examples/cuba.yaml", "--ticks", "200", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("output is not one JSON object: %v\n%s", err, out)
	}
	for _, k := range []string{"ticks", "dt_ms", "neurons", "synapses", "cores_used", "spikes", "rate_hz",
		"synaptic_events", "packets", "packets_dropped", "packets_late", "build_seconds", "wall_seconds",
		"hop_packets", "energy_joules", "modelled_seconds_per_tick"} {
		if _, ok := got[k]; !ok {
			t.Errorf("run --json lacks %q", k)
		}
	}
	if got["ticks"].(float64) != 200 || got["neurons"].(float64) != 4000 {
		t.Errorf("ticks %v neurons %v", got["ticks"], got["neurons"])
	}
}

func TestMapJSON(t *testing.T) {
	code, out, errs := spindle(t, "map", "../../examples/cuba.yaml", "--arch", "loihi", "--map", "balanced", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"cores_used", "neurons_per_core_max", "synapses_per_core_max", "binding_limits", "limits"} {
		if _, ok := got[k]; !ok {
			t.Errorf("map --json lacks %q", k)
		}
	}
}

func TestArch(t *testing.T) {
	code, out, _ := spindle(t, "arch", "list")
	if code != 0 || !strings.Contains(out, "loihi") || !strings.Contains(out, "truenorth") || !strings.Contains(out, "spinnaker") {
		t.Errorf("arch list: exit %d\n%s", code, out)
	}
	code, out, _ = spindle(t, "arch", "show", "loihi")
	if code != 0 || !strings.Contains(out, "neurons_per_core: 1024") {
		t.Errorf("arch show loihi: exit %d\n%s", code, out)
	}
	code, out, _ = spindle(t, "arch", "show", "spinnaker", "--json")
	if code != 0 || !strings.Contains(out, `"sync": "realtime"`) {
		t.Errorf("arch show --json: exit %d\n%s", code, out)
	}
}

func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("populations:\n  - {name: a, size: -3}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	unbounded := filepath.Join(dir, "unbounded.yaml") // no max_chips
	if err := os.WriteFile(unbounded, []byte("base: loihi\nmax_chips: 0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tiny := filepath.Join(dir, "tiny.yaml") // one core
	if err := os.WriteFile(tiny, []byte("base: loihi\nmax_chips: 1\ncores_per_tile: 1\ntiles_x: 1\ntiles_y: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"run"}, 2, "expected 1 argument"},
		// Refused from counts, before the synapses are built.
		{[]string{"run", "../../examples/cuba.yaml", "--arch", tiny}, 1, `map: the network needs at least 4 cores = 4 chips of 1 cores but arch "tiny" allows at most 1 chips (1 cores), 3 cores short`},
		{[]string{"run", "../../examples/cuba.yaml", "--bogus"}, 2, "unknown flag"},
		{[]string{"run", "../../examples/cuba.yaml", "--map", "zigzag"}, 2, "--map"},
		{[]string{"run", "../../examples/cuba.yaml", "--mode", "double"}, 2, "--mode"},
		{[]string{"run", "../../examples/cuba.yaml", "--ticks", "-1"}, 2, "--ticks"},
		{[]string{"run", filepath.Join(dir, "missing.yaml")}, 1, "missing.yaml"},
		{[]string{"run", bad}, 1, "bad.yaml:2"},
		{[]string{"run", "../../examples/cuba.yaml", "--arch", "pdp11"}, 1, "pdp11"},
		{[]string{"map", "../../examples/cuba.yaml", "--arch", "truenorth", "--chips", "0"}, 0, ""},
		{[]string{"arch", "show", "nosuch"}, 1, "nosuch"},
		{[]string{"benchmark"}, 2, `unknown command "benchmark" for "spindle": expected one of arch, bench, compare`},
		{[]string{"sleep"}, 2, `spindle sleep: expected a subcommand, one of foraging, incremental`},
		{[]string{"sleep", "nosuch"}, 2, `unknown command "nosuch" for "spindle sleep": expected one of foraging, incremental`},
		{[]string{"arch", "foo"}, 2, `unknown command "foo" for "spindle arch": expected one of list, show`},
		{[]string{"run", "../../examples/cuba.yaml", "--chips", "1000000"}, 2, "max_chips"},
		{[]string{"run", "../../examples/cuba.yaml", "--arch", unbounded, "--chips", "100000000"}, 2, "the router models"},
	} {
		code, _, errs := spindle(t, c.args...)
		if code != c.code || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d mentioning %q", c.args, code, errs, c.code, c.want)
		}
		if code != 0 && strings.Count(strings.TrimSpace(errs), "\n") != 0 {
			t.Errorf("%v: error is not one line: %q", c.args, errs)
		}
	}
}

func TestVersion(t *testing.T) {
	code, out, _ := spindle(t, "--version")
	if code != 0 || !strings.HasPrefix(out, "spindle version ") {
		t.Errorf("--version: exit %d, %q", code, out)
	}
}

func TestHelpEverywhere(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"run", "--help"}, {"map", "--help"}, {"arch", "--help"}, {"arch", "list", "--help"}, {"demo", "--help"}} {
		code, out, _ := spindle(t, args...)
		if code != 0 || !strings.Contains(out, "Usage:") {
			t.Errorf("%v: exit %d\n%s", args, code, out)
		}
	}
}

func TestRunStimulusFromCameraFiles(t *testing.T) {
	nmnist := "../../../shared/fixtures/events/sample_nmnist.bin"
	aedat4 := "../../../shared/fixtures/events/sample.aedat4"
	if _, err := os.Stat(nmnist); err != nil {
		t.Skip("shared fixtures absent:", err)
	}
	net := filepath.Join(t.TempDir(), "retina.yaml")
	if err := os.WriteFile(net, []byte(`name: retina
populations:
  - {name: retina, size: 2312, kind: poisson, rate: 0}
  - {name: hidden, size: 10, neuron: {tau_m: 20, v_th: 10}}
projections:
  - {pre: retina, post: hidden, connector: {fixed_probability: 0.1}, weight: 2}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	// N-MNIST: 4,325 events on a 34x34 sensor, 654..311,175 us; two
	// polarities give 2,312 addresses. Spikes of one neuron in one tick merge.
	code, out, errs := spindle(t, "run", net, "--stimulus", nmnist, "--ticks", "320", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var got runResult
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if s := got.Populations[0].Spikes; s < 4200 || s > 4325 {
		t.Errorf("retina fired %d spikes, want about the 4,325 events", s)
	}
	// The DVXplorer's 320x240 pixels do not fit 2,312 neurons unless pooled.
	code, _, errs = spindle(t, "run", net, "--stimulus", aedat4, "--ticks", "10")
	if code != 1 || !strings.Contains(errs, "--downsample") {
		t.Errorf("oversized camera: exit %d, %q", code, errs)
	}
	code, _, errs = spindle(t, "run", net, "--stimulus", aedat4, "--downsample", "8", "--merge-polarity", "--ticks", "100")
	if code != 0 {
		t.Errorf("pooled camera: exit %d, %q", code, errs)
	}
}

// TestRunSleepStep runs a network file's sleep step after the awake ticks:
// the input is silenced and the hidden layer driven by noise, so the
// input fires only while awake and the hidden layer on in sleep.
func TestRunSleepStep(t *testing.T) {
	net := filepath.Join(t.TempDir(), "sleepy.yaml")
	if err := os.WriteFile(net, []byte(`name: sleepy
populations:
  - {name: in, size: 20, kind: poisson, rate: 50}
  - {name: hidden, size: 20, neuron: {tau_m: 20, v_th: 10}}
projections:
  - name: ih
    pre: in
    post: hidden
    connector: one_to_one
    weight: 30
    plasticity: {tau_plus: 20, tau_minus: 20, a_plus: 0.1, a_minus: 0.1, w_min: 0, w_max: 40}
sleep: {ticks: 300, silence: [in], drive: [hidden], mute: [ih]}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) runResult {
		t.Helper()
		code, out, errs := spindle(t, append([]string{"run", net, "--ticks", "200", "--json"}, args...)...)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errs)
		}
		var got runResult
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatal(err)
		}
		return got
	}
	awake, slept := run("--no-sleep"), run()
	if awake.Ticks != 200 || awake.SleepTicks != 0 || slept.Ticks != 500 || slept.SleepTicks != 300 {
		t.Fatalf("ticks %d (%d asleep) and %d (%d asleep): want 200 (0) and 500 (300)", awake.Ticks, awake.SleepTicks, slept.Ticks, slept.SleepTicks)
	}
	if slept.Populations[0].Spikes != awake.Populations[0].Spikes {
		t.Errorf("input spikes %d with sleep, %d without: a silenced input emits nothing", slept.Populations[0].Spikes, awake.Populations[0].Spikes)
	}
	if slept.Populations[1].Spikes <= awake.Populations[1].Spikes {
		t.Errorf("hidden spikes %d with sleep, %d without: the noise should drive it", slept.Populations[1].Spikes, awake.Populations[1].Spikes)
	}
}

func TestDemo(t *testing.T) {
	// The quick foraging run takes a minute; 'spindle sleep foraging
	// --quick' is the same code and has its own tests.
	out := t.TempDir()
	code, stdout, errs := spindle(t, "demo", "--ticks", "300", "--out-dir", out, "--json", "--no-foraging")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var got struct {
		Run     map[string]any `json:"run"`
		Compare map[string]any `json:"compare"`
		Sleep   map[string]any `json:"sleep"`
		Files   []string       `json:"files"`
	}
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatal(err)
	}
	if got.Compare["identical"] != true {
		t.Errorf("demo: event engine and dense reference differ: %v", got.Compare["first_divergence"])
	}
	if got.Run["spikes"].(float64) == 0 || got.Sleep != nil {
		t.Errorf("demo summary: run spikes %v, sleep %v (want none with --no-foraging)", got.Run["spikes"], got.Sleep)
	}
	for _, f := range got.Files {
		if st, err := os.Stat(f); err != nil || st.Size() == 0 {
			t.Errorf("demo file %s: %v", f, err)
		}
	}
	if st, err := os.Stat(filepath.Join(out, "summary.json")); err != nil || st.Mode().Perm() != 0o644 {
		t.Errorf("summary.json: %v, want mode 0644 like the trace", err)
	}
}

// TestFlagMeanings: -o is a file (--output) wherever it exists and
// --out-dir a folder; a trace is written with --trace and read with
// --trace-in; the old spellings still work; help shows no Go syntax.
func TestFlagMeanings(t *testing.T) {
	for _, c := range []struct {
		args []string
		file bool // has -o/--output
		dir  bool // has --out-dir
	}{
		{[]string{"map"}, true, false},
		{[]string{"convert"}, true, false},
		{[]string{"trace", "plot"}, true, false},
		{[]string{"demo"}, false, true},
		{[]string{"sleep", "foraging"}, false, true},
		{[]string{"sleep", "incremental"}, false, true},
	} {
		code, out, errs := spindle(t, append(c.args, "--help")...)
		if code != 0 {
			t.Fatalf("%v --help: exit %d: %s", c.args, code, errs)
		}
		if strings.Contains(out, "-o, --output") != c.file || strings.Contains(out, "--out-dir") != c.dir || strings.Contains(out, "--out ") {
			t.Errorf("%v --help: -o/--output %v, --out-dir %v, want %v %v:\n%s", c.args, strings.Contains(out, "-o, --output"), strings.Contains(out, "--out-dir"), c.file, c.dir, out)
		}
	}
	if code, _, errs := spindle(t, "demo", "-o", t.TempDir()); code != 2 || !strings.Contains(errs, "-o") {
		t.Errorf("demo -o DIR: exit %d (%s), want a usage error: -o is a file", code, errs)
	}
	_, out, _ := spindle(t, "compare", "--help")
	if !strings.Contains(out, "--trace-in") || strings.Contains(out, "--trace ") {
		t.Errorf("compare --help reads traces with --trace-in only:\n%s", out)
	}
	for _, cmd := range []string{"run", "map", "compare", "bench"} {
		_, out, _ := spindle(t, cmd, "--help")
		if strings.Contains(out, "one of [") || !strings.Contains(out, "one of sequential, ") {
			t.Errorf("%s --help lists the mappers in Go syntax:\n%s", cmd, out)
		}
	}

	// The old spellings are kept for scripts.
	dir := t.TempDir()
	tr := writeTestTrace(t, dir)
	if code, _, errs := spindle(t, "trace", "plot", tr, "--out", filepath.Join(dir, "p.png")); code != 0 {
		t.Errorf("trace plot --out: exit %d: %s", code, errs)
	}
	if code, _, errs := spindle(t, "compare", "--trace", tr, "--trace", tr, "--json"); code != 0 {
		t.Errorf("compare --trace: exit %d: %s", code, errs)
	}
}
