package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spindle-sim/spindle/aer"
)

// stimulusTrace writes a spike trace in ticks of dt ms for a population of
// n inputs: each event is (tick, address).
func stimulusTrace(t *testing.T, dir, name string, dt float64, n int, events [][2]int64) string {
	t.Helper()
	p := filepath.Join(dir, name)
	w, err := aer.Create(p, aer.Meta{DtMs: dt, TimeUnit: aer.UnitTick, Kinds: []string{aer.KindSpike},
		Populations: []aer.Population{{Name: "in", Size: uint32(n)}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range events {
		if err := w.WriteSpike(e[0], uint32(e[1])); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestStimulusMergedEvents: a neuron fires at most once per tick, so
// events of one address in one tick merge, and the run says how many.
func TestStimulusMergedEvents(t *testing.T) {
	dir := t.TempDir()
	net := writeFile(t, dir, "net.yaml", `name: tiny
populations:
  - {name: in, size: 4, kind: poisson, rate: 0}
  - {name: out, size: 2, neuron: {tau_m: 20, v_th: 10}}
projections:
  - {pre: in, post: out, connector: all_to_all, weight: 5}
`)
	stim := stimulusTrace(t, dir, "st.aer", 1, 4, [][2]int64{{0, 1}, {0, 1}, {0, 1}, {0, 2}, {3, 1}, {3, 2}, {3, 2}})
	code, out, errs := spindle(t, "run", net, "--ticks", "10", "--stimulus", stim, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var got runResult
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	want := stimulusReport{File: stim, Population: "in", Events: 7, Spikes: 4, Merged: 3, Messages: 4, First: 0, Ticks: 4}
	if got.Stimulus == nil || *got.Stimulus != want {
		t.Errorf("stimulus %+v, want %+v", got.Stimulus, want)
	}
	if got.Populations[0].Spikes != 4 {
		t.Errorf("input fired %d spikes, want 4", got.Populations[0].Spikes)
	}
}

// TestStimulusCameraTrace: an .aer trace converted from a camera is pooled
// by --downsample and --merge-polarity like the camera file itself.
func TestStimulusCameraTrace(t *testing.T) {
	dir := t.TempDir()
	net := writeFile(t, dir, "net.yaml", tinyNet)
	p := filepath.Join(dir, "cam.aer")
	rule := aer.AddressRule{Width: 16, Height: 16}
	w, err := aer.Create(p, aer.Meta{TimeUnit: aer.UnitUS, Kinds: []string{aer.KindSpike}, Sensor: &rule})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 256; i++ {
		w.WriteSpike(int64(i)*100, rule.Addr(uint16(i%16), uint16(i/16), uint8(i&1)))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	code, _, errs := spindle(t, "run", net, "--ticks", "30", "--stimulus", p)
	if code != 1 || !strings.Contains(errs, "512 addresses") || !strings.Contains(errs, "--downsample") {
		t.Errorf("unpooled: exit %d, %q", code, errs)
	}
	// 4x4 blocks of 16 pixels with polarities merged: 16 addresses, and the
	// 256 events, 100 us apart, fall 10 to a 1 ms tick, 16 to a block.
	code, out, errs := spindle(t, "run", net, "--ticks", "30", "--stimulus", p, "--downsample", "4", "--merge-polarity", "--json")
	if code != 0 {
		t.Fatalf("pooled: exit %d, %s", code, errs)
	}
	var got runResult
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if s := got.Stimulus; s == nil || s.Events != 256 || s.Spikes+s.Merged != 256 || s.Ticks != 26 {
		t.Errorf("stimulus %+v, want 256 events over 26 ticks", s)
	}
}

func TestStimulusSensorSize(t *testing.T) {
	dir := t.TempDir()
	net := writeFile(t, dir, "net.yaml", tinyNet)
	// A DAT file whose header says 2x2, with an event at (5, 3).
	dat := writeFile(t, dir, "cd.dat", "% Version 2\n% Width 2\n% Height 2\n\x0c\x08\x04\x03\x02\x01\x05\xc0\x00\x10")
	code, _, errs := spindle(t, "run", net, "--ticks", "5", "--stimulus", dat)
	if code != 1 || !strings.Contains(errs, "outside the 2x2 sensor") || !strings.Contains(errs, "--sensor WxH") {
		t.Errorf("wrong header: exit %d, %q; want the --sensor flag named", code, errs)
	}
	code, _, errs = spindle(t, "run", net, "--ticks", "5", "--stimulus", dat, "--sensor", "6x4", "--downsample", "2", "--merge-polarity")
	if code != 0 {
		t.Errorf("--sensor 6x4: exit %d, %s", code, errs)
	}
}

// TestStimulusAfterRun: a stimulus whose first event falls after the run
// (a trace's own clock, or a camera's absolute one) would deliver nothing;
// say so.
func TestStimulusAfterRun(t *testing.T) {
	dir := t.TempDir()
	net := writeFile(t, dir, "net.yaml", `name: tiny
populations:
  - {name: in, size: 4, kind: poisson, rate: 0}
`)
	stim := stimulusTrace(t, dir, "late.aer", 1, 4, [][2]int64{{5000, 1}, {5001, 2}})
	code, _, errs := spindle(t, "run", net, "--ticks", "100", "--stimulus", stim, "--absolute-time")
	if code != 1 || !strings.Contains(errs, "first event at tick 5000, after the run's 100 ticks") {
		t.Errorf("exit %d, stderr %q", code, errs)
	}
	if code, _, errs = spindle(t, "run", net, "--ticks", "5002", "--stimulus", stim); code != 0 {
		t.Errorf("long enough: exit %d, %s", code, errs)
	}
}
