package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spindle-sim/spindle/aer"
	"github.com/spindle-sim/spindle/chip/mapping"
	"github.com/spindle-sim/spindle/loader"
)

// buildFor loads, builds and maps a network file on the loihi preset as
// 'spindle run' does with default flags.
func buildFor(t *testing.T, path string) *built {
	t.Helper()
	net, err := loader.LoadNetwork(path)
	if err != nil {
		t.Fatal(err)
	}
	b := &built{net: net, mode: net.Mode}
	if b.graph, err = net.Build(); err != nil {
		t.Fatal(err)
	}
	if b.arch, err = loader.LoadArch("loihi"); err != nil {
		t.Fatal(err)
	}
	if b.mapping, err = mapping.Map(b.graph, b.arch, mapping.Sequential, 0); err != nil {
		t.Fatal(err)
	}
	return b
}

// withSeed writes a copy of examples/cuba_fixed.yaml (seed 1) built from
// another seed.
func withSeed(t *testing.T, seed string) string {
	t.Helper()
	src, err := os.ReadFile("../../examples/cuba_fixed.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(src), "\nseed: 1\n") {
		t.Fatal("examples/cuba_fixed.yaml no longer says seed: 1")
	}
	p := filepath.Join(t.TempDir(), "cuba_seed"+seed+".yaml")
	if err := os.WriteFile(p, []byte(strings.Replace(string(src), "\nseed: 1\n", "\nseed: "+seed+"\n", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const sleepyNet = `name: sleepy
seed: 5
populations:
  - {name: in, size: 20, kind: poisson, rate: 50}
  - {name: hidden, size: 20, neuron: {tau_m: 20, v_th: 10}}
projections:
  - {name: ih, pre: in, post: hidden, connector: one_to_one, weight: 30}
sleep: {ticks: 300, silence: [in], drive: [hidden], mute: [ih]}
`

// TestRecordRunMeta: a trace records what replay needs to rebuild its run.
func TestRecordRunMeta(t *testing.T) {
	dir := t.TempDir()
	sleepy := filepath.Join(dir, "sleepy.yaml")
	if err := os.WriteFile(sleepy, []byte(sleepyNet), 0o644); err != nil {
		t.Fatal(err)
	}
	cuba8 := withSeed(t, "8")
	for _, c := range []struct {
		net    string
		opt    simOptions
		want   aer.Run
		source string
	}{
		{cuba8, simOptions{source: cuba8, ticks: 300},
			aer.Run{Network: cuba8, Name: "cuba_fixed", Seed: 8, Ticks: 300, Arch: "loihi", Map: "sequential", Chips: 1, Mode: "fixed"},
			" --seed 8 --ticks 300"},
		{sleepy, simOptions{source: sleepy, ticks: 200, sleep: true},
			aer.Run{Network: sleepy, Name: "sleepy", Seed: 5, Ticks: 500, SleepTicks: 300, Arch: "loihi", Map: "sequential", Chips: 1, Mode: "float"},
			" --seed 5 --ticks 200"},
		{sleepy, simOptions{source: sleepy, ticks: 200},
			aer.Run{Network: sleepy, Name: "sleepy", Seed: 5, Ticks: 200, Arch: "loihi", Map: "sequential", Chips: 1, Mode: "float"},
			" --seed 5 --ticks 200"},
	} {
		b := buildFor(t, c.net)
		p := filepath.Join(dir, "t.aer")
		rec, err := (&recordFlags{path: p, what: "spikes"}).startRun(b, c.opt)
		if err != nil {
			t.Fatal(err)
		}
		if err := rec.close(); err != nil {
			t.Fatal(err)
		}
		r, err := aer.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		m := r.Meta()
		r.Close()
		if m.Run == nil || *m.Run != c.want {
			t.Errorf("%s %+v: run %+v, want %+v", c.net, c.opt, m.Run, c.want)
		}
		if !strings.HasSuffix(m.Source, c.source) {
			t.Errorf("source %q, want it to end in %q", m.Source, c.source)
		}
	}
}
