package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spindle-sim/spindle/chip"
)

// recordRun runs net for ticks ticks as 'spindle run --trace' does,
// recording its spikes (what, as --record) with the run's metadata, and
// returns the trace and the run's totals.
func recordRun(t *testing.T, net string, ticks int, what string) (string, chip.Stats) {
	t.Helper()
	b := buildFor(t, net)
	p := filepath.Join(t.TempDir(), "run.aer")
	rec, err := (&recordFlags{path: p, what: what}).startRun(b, simOptions{source: net, ticks: ticks})
	if err != nil {
		t.Fatal(err)
	}
	eng, err := chip.NewEngine(b.graph, b.arch, b.mapping, chip.Options{Mode: b.mode, Workers: 1, OnSpike: rec.spike, OnPacket: rec.packetHook()})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	eng.Run(ticks)
	if err := rec.close(); err != nil {
		t.Fatal(err)
	}
	return p, eng.Stats()
}

func replayJSON(t *testing.T, args ...string) (replayResult, string) {
	t.Helper()
	code, out, errs := spindle(t, append([]string{"replay", "traffic"}, append(args, "--json")...)...)
	if code != 0 {
		t.Fatalf("%v: exit %d: %s", args, code, errs)
	}
	res := replayResult{runResult: &runResult{}}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v: %v\n%s", args, err, out)
	}
	return res, errs
}

// TestReplayReproducesRun: the trace of a run, replayed through the run's
// mapping with the network it was built from, gives the run's counts; by
// default for as long as the run lasted, not to its last spike.
func TestReplayReproducesRun(t *testing.T) {
	cuba8 := withSeed(t, "8")
	const ticks = 400
	trace, want := recordRun(t, cuba8, ticks, "spikes")

	got, errs := replayJSON(t, trace, "--net", cuba8)
	if got.Ticks != ticks || got.SynapticEvents != want.SynapticEvents || got.Packets != want.Router.Sent ||
		got.HopPackets != want.Router.HopPackets || got.Spikes != want.Spikes || got.TraceSpikes != want.Spikes {
		t.Errorf("replay: ticks %d, synaptic events %d, packets %d, hop-packets %d, spikes %d of %d; run: %d, %d, %d, %d, %d",
			got.Ticks, got.SynapticEvents, got.Packets, got.HopPackets, got.Spikes, got.TraceSpikes,
			ticks, want.SynapticEvents, want.Router.Sent, want.Router.HopPackets, want.Spikes)
	}
	if len(got.Warnings) != 0 || errs != "" {
		t.Errorf("warnings %q, stderr %q", got.Warnings, errs)
	}

	// The example file builds seed 1: a different network, said so.
	other, errs := replayJSON(t, trace, "--net", "../../examples/cuba_fixed.yaml")
	if len(other.Warnings) != 1 || !strings.Contains(other.Warnings[0], "seed 8") || !strings.Contains(errs, "warning") || !strings.Contains(errs, "--seed 8") {
		t.Errorf("seed 1 against a seed-8 trace: warnings %q, stderr %q", other.Warnings, errs)
	}
	if other.SynapticEvents == want.SynapticEvents {
		t.Errorf("seed 1 gave the seed-8 run's %d synaptic events: the test shows nothing", want.SynapticEvents)
	}
	fixed, _ := replayJSON(t, trace, "--net", "../../examples/cuba_fixed.yaml", "--seed", "8")
	if fixed.SynapticEvents != want.SynapticEvents || len(fixed.Warnings) != 0 {
		t.Errorf("--seed 8: %d synaptic events (run %d), warnings %q", fixed.SynapticEvents, want.SynapticEvents, fixed.Warnings)
	}
}

// TestRunThenReplay is TestReplayReproducesRun through 'spindle run
// --seed': the trace records the seed and the ticks, and the replay, told
// the seed, gives the run's counts, up to the run's last tick.
func TestRunThenReplay(t *testing.T) {
	net := "../../examples/cuba_fixed.yaml"
	trace := filepath.Join(t.TempDir(), "s8.aer")
	code, out, errs := spindle(t, "run", net, "--ticks", "400", "--seed", "8", "--trace", trace, "--json")
	if code != 0 {
		t.Fatalf("run: exit %d: %s", code, errs)
	}
	var want runResult
	if err := json.Unmarshal([]byte(out), &want); err != nil {
		t.Fatal(err)
	}
	got, _ := replayJSON(t, trace, "--net", net, "--seed", "8")
	if got.Ticks != want.Ticks || got.SynapticEvents != want.SynapticEvents || got.Packets != want.Packets || len(got.Warnings) != 0 {
		t.Errorf("replay: %d ticks, %d synaptic events, %d packets, warnings %q; run: %d, %d, %d",
			got.Ticks, got.SynapticEvents, got.Packets, got.Warnings, want.Ticks, want.SynapticEvents, want.Packets)
	}
}

// TestReplayTicks: --ticks bounds the replay; the spikes from that tick on
// are left out.
func TestReplayTicks(t *testing.T) {
	net := "../../examples/cuba_fixed.yaml"
	trace, want := recordRun(t, net, 300, "spikes")
	for _, c := range []struct {
		ticks string
		want  int64
	}{{"100", 100}, {"1000", 1000}} {
		got, _ := replayJSON(t, trace, "--net", net, "--ticks", c.ticks)
		if got.Ticks != c.want || got.TraceSpikes != want.Spikes {
			t.Errorf("--ticks %s: %d ticks, %d trace spikes", c.ticks, got.Ticks, got.TraceSpikes)
		}
		if c.want < 300 && !(got.Spikes > 0 && got.Spikes < want.Spikes) || c.want > 300 && got.Spikes != want.Spikes {
			t.Errorf("--ticks %s: %d of the run's %d spikes replayed", c.ticks, got.Spikes, want.Spikes)
		}
	}
	if code, _, errs := spindle(t, "replay", "traffic", trace, "--net", net, "--ticks", "-1"); code != 2 {
		t.Errorf("--ticks -1: exit %d %s", code, errs)
	}
}

// TestReplayNeedsSpikes: a trace of packets only is an error, not a
// replay of a silent run.
func TestReplayNeedsSpikes(t *testing.T) {
	net := "../../examples/cuba_fixed.yaml"
	trace, _ := recordRun(t, net, 50, "packets")
	code, _, errs := spindle(t, "replay", "traffic", trace, "--net", net)
	if code != 1 || !strings.Contains(errs, "no spike records") || !strings.Contains(errs, "--record") {
		t.Errorf("packet trace: exit %d, stderr %q", code, errs)
	}
}

// TestGroupCommandsNeedSubcommand: a command that only groups others
// refuses a missing or unknown subcommand with a usage error naming them;
// its --help still succeeds.
func TestGroupCommandsNeedSubcommand(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"replay"}, "traffic"},
		{[]string{"replay", "foo"}, `unknown command "foo"`},
		{[]string{"replay", "cuba.aer"}, "traffic"},
		{[]string{"trace"}, "cat, convert, info, merge, plot, recover, stats"},
		{[]string{"trace", "foo"}, `unknown command "foo"`},
	} {
		code, out, errs := spindle(t, c.args...)
		if code != 2 || !strings.Contains(errs, c.want) || strings.Count(errs, "\n") != 1 || out != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2, one line with %q", c.args, code, out, errs, c.want)
		}
	}
	for _, args := range [][]string{{"replay", "--help"}, {"trace", "--help"}} {
		if code, out, _ := spindle(t, args...); code != 0 || !strings.Contains(out, "Usage:") {
			t.Errorf("%v: exit %d", args, code)
		}
	}
}

// TestReplayRunWithSleep: a run whose network file declares a sleep step
// (inputs silenced, the hidden layer driven by noise, one projection
// muted) replays to the run's counts, sleep ticks included.
func TestReplayRunWithSleep(t *testing.T) {
	dir := t.TempDir()
	net := writeFile(t, dir, "sleepy.yaml", `name: sleepy
populations:
  - {name: in, size: 20, kind: poisson, rate: 50}
  - {name: hidden, size: 20, neuron: {tau_m: 20, v_th: 10}}
  - {name: out, size: 5, neuron: {tau_m: 20, v_th: 10}}
projections:
  - {name: ih, pre: in, post: hidden, connector: one_to_one, weight: 30}
  - name: ho
    pre: hidden
    post: out
    connector: all_to_all
    weight: 3
    plasticity: {tau_plus: 20, tau_minus: 20, a_plus: 0.1, a_minus: 0.1, w_min: 0, w_max: 40}
  - {name: ho2, pre: hidden, post: out, connector: all_to_all, weight: 1}
sleep: {ticks: 300, silence: [in], drive: [hidden], mute: [ho2]}
`)
	trace := filepath.Join(dir, "s.aer")
	code, out, errs := spindle(t, "run", net, "--ticks", "200", "--trace", trace, "--json")
	if code != 0 {
		t.Fatalf("run: exit %d: %s", code, errs)
	}
	var want runResult
	if err := json.Unmarshal([]byte(out), &want); err != nil {
		t.Fatal(err)
	}
	got, _ := replayJSON(t, trace, "--net", net)
	if want.SleepTicks != 300 || got.Ticks != want.Ticks || got.Spikes != want.Spikes ||
		got.SynapticEvents != want.SynapticEvents || got.Packets != want.Packets || len(got.Warnings) != 0 {
		t.Errorf("replay: ticks %d, spikes %d, synaptic events %d, packets %d, warnings %q; run: %d (%d asleep), %d, %d, %d",
			got.Ticks, got.Spikes, got.SynapticEvents, got.Packets, got.Warnings,
			want.Ticks, want.SleepTicks, want.Spikes, want.SynapticEvents, want.Packets)
	}
}
