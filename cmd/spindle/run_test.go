package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRunTraceRefusesInputs: --trace must not name the network or the
// stimulus file, whatever the path used to reach it.
func TestRunTraceRefusesInputs(t *testing.T) {
	dir := t.TempDir()
	net := writeFile(t, dir, "net.yaml", `name: tiny
populations:
  - {name: in, size: 4, kind: poisson, rate: 100}
  - {name: out, size: 2, neuron: {tau_m: 20, v_th: 10}}
projections:
  - {pre: in, post: out, connector: all_to_all, weight: 5}
`)
	stim := stimulusTrace(t, dir, "st.aer", 1, 4, [][2]int64{{0, 1}, {2, 3}})
	if err := os.Symlink(net, filepath.Join(dir, "link.yaml")); err != nil {
		t.Fatal(err)
	}
	before := map[string][]byte{}
	for _, p := range []string{net, stim} {
		before[p], _ = os.ReadFile(p)
	}
	for _, c := range []struct {
		trace, want string
	}{
		{net, "the network file"},
		{filepath.Join(dir, ".", "net.yaml"), "the network file"},
		{filepath.Join(dir, "link.yaml"), "the network file"},
		{stim, "the --stimulus file"},
	} {
		code, _, errs := spindle(t, "run", net, "--ticks", "10", "--stimulus", stim, "--trace", c.trace)
		if code != 2 || !strings.Contains(errs, c.want) || !strings.Contains(errs, "--trace "+c.trace) {
			t.Errorf("--trace %s: exit %d, %q; want exit 2 naming %s", c.trace, code, errs, c.want)
		}
	}
	for p, b := range before {
		if after, _ := os.ReadFile(p); string(after) != string(b) {
			t.Errorf("%s was overwritten", p)
		}
	}
	code, _, errs := spindle(t, "run", net, "--ticks", "10", "--stimulus", stim, "--trace", filepath.Join(dir, "out.aer"))
	if code != 0 {
		t.Errorf("a new trace file: exit %d, %s", code, errs)
	}
}

func writeFile(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const tinyNet = `name: tiny
populations:
  - {name: in, size: 16, kind: poisson, rate: 100}
  - {name: out, size: 2, neuron: {tau_m: 20, v_th: 10}}
projections:
  - {pre: in, post: out, connector: all_to_all, weight: 5}
`

// TestRunFlagErrors: values out of range, and flags that need another flag
// which is missing, are usage errors that say what was expected.
func TestRunFlagErrors(t *testing.T) {
	dir := t.TempDir()
	net := writeFile(t, dir, "net.yaml", tinyNet)
	stim := stimulusTrace(t, dir, "st.aer", 1, 16, [][2]int64{{0, 1}})
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--seed", "-5"}, `"--seed" flag: expected an integer seed >= 0`},
		{[]string{"--seed", "-1"}, `"--seed" flag: expected an integer seed >= 0`},
		{[]string{"--workers", "-3"}, "--workers -3: expected 0 (adaptive) or a positive count"},
		{[]string{"--chips", "1000000"}, `--chips 1000000: arch "loihi" has at most 32 chips (max_chips)`},
		{[]string{"--downsample", "0"}, "--downsample: expected --stimulus FILE"},
		{[]string{"--downsample", "-2"}, "--downsample: expected --stimulus FILE"},
		{[]string{"--merge-polarity"}, "--merge-polarity: expected --stimulus FILE"},
		{[]string{"--stimulus-pop", "nope"}, "--stimulus-pop: expected --stimulus FILE"},
		{[]string{"--sensor", "6x4"}, "--sensor: expected --stimulus FILE"},
		{[]string{"--record", "all"}, "--record all: expected --trace OUT.aer"},
		{[]string{"--stimulus", stim, "--stimulus-pop", "nope"}, `--stimulus-pop "nope": unknown population of network "tiny" (have: in, out)`},
		{[]string{"--stimulus", stim, "--downsample", "0"}, "--downsample 0: expected a block size from 1 to 65536"},
		{[]string{"--stimulus", stim, "--sensor", "6x"}, `--sensor "6x": expected WIDTHxHEIGHT`},
	} {
		code, _, errs := spindle(t, append([]string{"run", net, "--ticks", "5"}, c.args...)...)
		if code != 2 || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, %q; want exit 2 saying %q", c.args, code, errs, c.want)
		}
	}
	code, _, errs := spindle(t, "run", net, "--ticks", "5", "--seed", "0", "--workers", "1", "--chips", "32")
	if code != 0 {
		t.Errorf("in-range values: exit %d, %s", code, errs)
	}
}

func TestRunHelpDefaults(t *testing.T) {
	for _, cmd := range []string{"run", "map"} {
		_, out, _ := spindle(t, cmd, "--help")
		if strings.Contains(out, "(default -1)") || !strings.Contains(out, "(default: the network file's seed)") {
			t.Errorf("%s --help shows the seed's default badly:\n%s", cmd, out)
		}
	}
}

func TestRunNetworkFiles(t *testing.T) {
	dir := t.TempDir()
	empty := writeFile(t, dir, "empty.yaml", "name: empty\npopulations: []\n")
	long := writeFile(t, dir, "longdelay.yaml", `name: longdelay
populations:
  - {name: in, size: 10, kind: poisson, rate: 20}
  - {name: out, size: 10, neuron: {tau_m: 20, v_th: 10}}
projections:
  - {pre: in, post: out, connector: one_to_one, weight: 5, delay: 2}
  - {name: slow, pre: in, post: out, connector: one_to_one, weight: 5, delay: 40}
`)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"run", empty}, "empty.yaml: network has no populations"},
		{[]string{"map", empty}, "empty.yaml: network has no populations"},
		{[]string{"map", long, "--arch", "spinnaker"}, `projections[1] "slow" (in -> out): delay 40 ticks exceeds max_delay_ticks of arch "spinnaker"`},
		{[]string{"run", long, "--arch", "spinnaker"}, `projections[1] "slow" (in -> out): delay 40 ticks exceeds max_delay_ticks of arch "spinnaker"`},
	} {
		code, _, errs := spindle(t, c.args...)
		if code != 1 || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, %q; want exit 1 saying %q", c.args, code, errs, c.want)
		}
	}
	nir := "../../../shared/fixtures/nir/lif_norse.nir"
	b, err := os.ReadFile(nir)
	if err != nil {
		t.Skip("shared fixtures absent:", err)
	}
	h5 := filepath.Join(dir, "graph.h5")
	os.WriteFile(h5, b, 0o644)
	if code, _, errs := spindle(t, "run", h5, "--ticks", "10"); code != 0 {
		t.Errorf("a NIR graph named .h5: exit %d, %s", code, errs)
	}
}

// --cpuprofile writes a profile of the ticks that pprof can read, and
// names itself when it cannot create the file.
func TestRunCPUProfile(t *testing.T) {
	dir := t.TempDir()
	net := writeFile(t, dir, "net.yaml", `name: tiny
populations:
  - {name: in, size: 4, kind: poisson, rate: 100}
  - {name: out, size: 2, neuron: {tau_m: 20, v_th: 10}}
projections:
  - {pre: in, post: out, connector: all_to_all, weight: 5}
`)
	prof := filepath.Join(dir, "run.prof")
	if code, _, errs := spindle(t, "run", net, "--ticks", "100", "--cpuprofile", prof); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if st, err := os.Stat(prof); err != nil || st.Size() == 0 {
		t.Fatalf("profile %v, %v; want a non-empty file", st, err)
	}
	code, _, errs := spindle(t, "run", net, "--ticks", "10", "--cpuprofile", filepath.Join(dir, "none", "run.prof"))
	if code == 0 || !strings.Contains(errs, "--cpuprofile") {
		t.Errorf("exit %d, %q; want an error naming --cpuprofile", code, errs)
	}
}
