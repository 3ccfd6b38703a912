package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/spindle-sim/spindle/snn"
)

func TestBenchJSON(t *testing.T) {
	code, out, errs := spindle(t, "bench", "cuba-fixed", "--ticks", "200", "--repeat", "2", "--dense", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var got []benchResult
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("output is not a JSON array of benchmarks: %v\n%s", err, out)
	}
	if len(got) != 1 {
		t.Fatalf("%d benchmarks, want 1", len(got))
	}
	r := got[0]
	if r.Name != "cuba-fixed" || r.Mode != snn.Fixed || r.Neurons != 4000 || r.Ticks != 200 || r.Runs != 2 || r.Spikes <= 0 {
		t.Errorf("result %+v", r)
	}
	if !r.Deterministic || r.WallMin <= 0 || r.WallMedian < r.WallMin {
		t.Errorf("timing %+v", r)
	}
	// Fixed point: the dense reference must agree spike for spike.
	if r.Dense == nil || !r.Dense.Identical || int64(r.Dense.Spikes) != r.Spikes {
		t.Errorf("dense %+v against %d event spikes", r.Dense, r.Spikes)
	}
}

func TestBenchEveryExampleParses(t *testing.T) {
	code, out, errs := spindle(t, "bench", "--list")
	if code != 0 || strings.Count(out, "\n") != len(standardBenchmarks) {
		t.Fatalf("exit %d, list %q: %s", code, out, errs)
	}
	for _, s := range standardBenchmarks {
		code, _, errs := spindle(t, "bench", s.name, "--ticks", "20", "--repeat", "1")
		if code != 0 {
			t.Errorf("bench %s: exit %d: %s", s.name, code, errs)
		}
	}
}

func TestBenchErrors(t *testing.T) {
	for _, args := range [][]string{
		{"bench", "coba"},
		{"bench", "--repeat", "0"},
		{"bench", "--ticks", "0"},
		{"bench", "--workers", "-1"},
	} {
		code, _, errs := spindle(t, args...)
		if code != 2 || strings.Count(strings.TrimSpace(errs), "\n") != 0 {
			t.Errorf("%v: exit %d, stderr %q: want exit 2 and one line", args, code, errs)
		}
	}
}
