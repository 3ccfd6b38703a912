package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPlacementOutRoundTrip maps with every mapper, writes the mapping
// with --placement-out and runs with --placement: the run must count the
// same events as with the mapper itself.
func TestPlacementOutRoundTrip(t *testing.T) {
	dir := t.TempDir()
	net := "../../examples/loihi_small.yaml"
	// Small cores spread the network over many cores and tiles, so that
	// where each neuron sits shows in the packets and hops.
	arch := filepath.Join(dir, "arch.yaml")
	if err := os.WriteFile(arch, []byte("base: loihi\nname: small\nneurons_per_core: 48\ncores_per_tile: 2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"sequential", "random", "locality"} {
		out := filepath.Join(dir, m+".yaml")
		if code, _, errs := spindle(t, "map", net, "--arch", arch, "--map", m, "--placement-out", out); code != 0 {
			t.Fatalf("map --map %s: exit %d: %s", m, code, errs)
		}
		var runs [2]map[string]any
		for i, args := range [][]string{{"--map", m}, {"--placement", out}} {
			code, stdout, errs := spindle(t, append([]string{"run", net, "--arch", arch, "--ticks", "100", "--json"}, args...)...)
			if code != 0 {
				t.Fatalf("run %v: exit %d: %s", args, code, errs)
			}
			if err := json.Unmarshal([]byte(stdout), &runs[i]); err != nil {
				t.Fatal(err)
			}
			for k := range runs[i] {
				if strings.Contains(k, "seconds") || k == "map" {
					delete(runs[i], k)
				}
			}
		}
		if runs[0]["hop_packets"].(float64) == 0 {
			t.Errorf("--map %s: no hop-packets: the test shows nothing", m)
		}
		a, _ := json.Marshal(runs[0])
		b, _ := json.Marshal(runs[1])
		if string(a) != string(b) {
			t.Errorf("--map %s and its placement run differently:\n%s\n%s", m, a, b)
		}
	}
	code, _, errs := spindle(t, "run", net, "--placement", filepath.Join(dir, "nosuch.yaml"))
	if code != 1 || !strings.Contains(errs, "nosuch.yaml") {
		t.Errorf("missing placement file: exit %d, %q", code, errs)
	}
}
