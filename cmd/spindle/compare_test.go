package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spindle-sim/spindle/aer"
)

func TestCompareJSON(t *testing.T) {
	code, out, errs := spindle(t, "compare", "../../examples/cuba_fixed.yaml", "--ticks", "300", "--workers", "2", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("output is not one JSON object: %v\n%s", err, out)
	}
	for _, k := range []string{"identical", "event_spikes", "dense_spikes", "first_divergence", "event_seconds",
		"dense_seconds", "speedup", "packets_late", "packets_dropped", "attribution", "populations", "warmup_ms"} {
		if _, ok := got[k]; !ok {
			t.Errorf("compare --json lacks %q", k)
		}
	}
	if got["identical"] != true || got["first_divergence"] != nil || got["event_spikes"] != got["dense_spikes"] || got["event_spikes"].(float64) == 0 {
		t.Errorf("fixed CUBA: identical %v, divergence %v, spikes %v/%v", got["identical"], got["first_divergence"], got["event_spikes"], got["dense_spikes"])
	}
	if got["mode"] != "fixed" || got["arch"] != "loihi" || got["ticks"].(float64) != 300 {
		t.Errorf("mode %v arch %v ticks %v", got["mode"], got["arch"], got["ticks"])
	}
}

func TestCompareFloatText(t *testing.T) {
	code, out, errs := spindle(t, "compare", "../../examples/cuba.yaml", "--mode", "float", "--ticks", "500", "--warmup", "10", "--map", "random")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"float mode", "KS", "exc", "inh", "speedup", "10 ms warm-up"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestCompareRealtimeJSON(t *testing.T) {
	// Small cores spread CUBA over 200 cores on 13 chips, so that spikes
	// cross chip links and meet full buffers.
	arch := filepath.Join(t.TempDir(), "small.yaml")
	if err := os.WriteFile(arch, []byte("base: spinnaker\nname: small\nneurons_per_core: 20\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := spindle(t, "compare", "../../examples/cuba_fixed.yaml", "--arch", arch, "--ticks", "100", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var got struct {
		Sync            string
		Identical       bool
		PacketsDropped  int64 `json:"packets_dropped"`
		PacketsLate     int64 `json:"packets_late"`
		Attribution     string
		FirstDivergence *struct {
			Tick       int64
			Population string
			EventState *struct{ V float64 } `json:"event_state"`
		} `json:"first_divergence"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	t.Logf("spinnaker: %s", got.Attribution)
	if got.Sync != "realtime" {
		t.Errorf("sync %q", got.Sync)
	}
	if got.PacketsDropped+got.PacketsLate == 0 || got.Identical {
		t.Errorf("%d dropped / %d late packets, identical %v: expected lost packets to change spikes", got.PacketsDropped, got.PacketsLate, got.Identical)
	}
	if !got.Identical && got.FirstDivergence == nil {
		t.Error("different runs without a divergence")
	}
	if !got.Identical && got.PacketsDropped+got.PacketsLate > 0 && !strings.Contains(got.Attribution, "after") {
		t.Errorf("attribution %q", got.Attribution)
	}
}

func TestCompareUsage(t *testing.T) {
	for _, args := range [][]string{
		{"compare"},
		{"compare", "a.yaml", "b.yaml"},
		{"compare", "../../examples/cuba.yaml", "--ticks", "-1"},
		{"compare", "../../examples/cuba.yaml", "--mode", "double"},
		{"compare", "../../examples/cuba.yaml", "--map", "nowhere"},
		{"compare", "../../examples/cuba.yaml", "--ticks", "100", "--warmup", "10"}, // 10 ms = the whole run
		{"compare", "../../examples/cuba.yaml", "--warmup", "-5"},
		{"compare", "--trace-in", "a.aer"},
		{"compare", "--trace-in", "a.aer", "--trace-in", "b.aer", "net.yaml"},
		{"compare", "--no-such-flag"},
	} {
		code, _, errs := spindle(t, args...)
		if code != 2 {
			t.Errorf("%v: exit %d, want 2 (usage): %s", args, code, errs)
		}
		if !strings.HasPrefix(errs, "spindle: ") || strings.Count(errs, "\n") != 1 {
			t.Errorf("%v: stderr %q, want one line", args, errs)
		}
	}
	for _, args := range [][]string{
		{"compare", "no-such-file.yaml"},
		{"compare", "../../examples/cuba.yaml", "--arch", "no-such-arch"},
		{"compare", "--trace-in", "no-such.aer", "--trace-in", "also-missing.aer"},
	} {
		if code, _, errs := spindle(t, args...); code != 1 {
			t.Errorf("%v: exit %d, want 1: %s", args, code, errs)
		}
	}
}

func writeTrace(t *testing.T, path string, spikes []aer.Spike, packets []aer.Packet) {
	t.Helper()
	w, err := aer.Create(path, aer.Meta{
		DtMs: 1, TimeUnit: aer.UnitTick, Source: "test",
		Kinds:       []string{aer.KindSpike, aer.KindPacket},
		Populations: []aer.Population{{Name: "in", First: 0, Size: 4}, {Name: "out", First: 4, Size: 6}},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range spikes {
		if err := w.WriteSpike(s.Time, s.Addr); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range packets {
		if err := w.WritePacket(p); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestCompareTraces(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.aer"), filepath.Join(dir, "b.aer")
	var sa, sb []aer.Spike
	for tick := int64(0); tick < 200; tick++ {
		for n := uint32(0); n < 10; n++ {
			if (tick+int64(n))%7 == 0 {
				sa = append(sa, aer.Spike{Time: tick, Addr: n})
				if !(tick == 120 && n == 6) { // b misses one spike of out[2]
					sb = append(sb, aer.Spike{Time: tick, Addr: n})
				}
			}
		}
	}
	writeTrace(t, a, sa, nil)
	writeTrace(t, b, sb, []aer.Packet{{Emit: 50, Deliver: 51, Src: 0, Dst: 1, Flags: aer.FlagDropped}})

	code, out, errs := spindle(t, "compare", "--trace-in", a, "--trace-in", b, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	d, _ := got["first_divergence"].(map[string]any)
	if got["identical"] != false || d == nil || d["tick"] != 120.0 || d["population"] != "out" || d["index"] != 2.0 || d["spiked_in"] != "a" {
		t.Errorf("identical %v, divergence %v", got["identical"], d)
	}
	if got["packets_dropped_b"] != 1.0 || !strings.Contains(got["attribution"].(string), "after") {
		t.Errorf("dropped %v, attribution %v", got["packets_dropped_b"], got["attribution"])
	}
	if pops, _ := got["populations"].([]any); len(pops) != 2 {
		t.Errorf("populations %v", got["populations"])
	}

	code, out, errs = spindle(t, "compare", "--trace-in", a, "--trace-in", a)
	if code != 0 || !strings.Contains(out, "IDENTICAL") {
		t.Errorf("a vs a: exit %d\n%s%s", code, out, errs)
	}
}

// TestCompareTracesBounds: two traces are compared over the recorded run
// (or --ticks), the flags that cannot apply are refused, and a trace
// without spikes is an error rather than an identical silence.
func TestCompareTracesBounds(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.aer"), filepath.Join(dir, "b.aer")
	var sa, sb []aer.Spike
	for tick := int64(0); tick < 200; tick += 10 {
		sa = append(sa, aer.Spike{Time: tick, Addr: 1})
		sb = append(sb, aer.Spike{Time: tick, Addr: 1})
		if tick == 150 { // b's one extra spike
			sb = append(sb, aer.Spike{Time: tick, Addr: 5})
		}
	}
	writeTrace(t, a, sa, nil)
	writeTrace(t, b, sb, nil)

	for _, c := range []struct {
		args      []string
		ticks     float64
		identical bool
	}{
		{nil, 191, false},
		{[]string{"--ticks", "150"}, 150, true}, // the extra spike at 150 is left out
		{[]string{"--ticks", "151"}, 151, false},
		{[]string{"--ticks", "1000"}, 1000, false},
	} {
		code, out, errs := spindle(t, append([]string{"compare", "--trace-in", a, "--trace-in", b, "--json"}, c.args...)...)
		var got map[string]any
		if code != 0 || json.Unmarshal([]byte(out), &got) != nil {
			t.Fatalf("%v: exit %d: %s", c.args, code, errs)
		}
		if got["ticks"] != c.ticks || got["identical"] != c.identical {
			t.Errorf("%v: ticks %v, identical %v; want %v, %v", c.args, got["ticks"], got["identical"], c.ticks, c.identical)
		}
	}

	// A recorded run lasts as long as it ran, past its last spike.
	r := filepath.Join(dir, "run.aer")
	w, err := aer.Create(r, aer.Meta{DtMs: 1, TimeUnit: aer.UnitTick, Kinds: []string{aer.KindSpike},
		Populations: []aer.Population{{Name: "in", First: 0, Size: 4}, {Name: "out", First: 4, Size: 6}},
		Run:         &aer.Run{Name: "n", Ticks: 500}})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sa {
		w.WriteSpike(s.Time, s.Addr)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	code, out, errs := spindle(t, "compare", "--trace-in", r, "--trace-in", a, "--json")
	var got map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &got) != nil || got["ticks"] != 500.0 || got["identical"] != true {
		t.Errorf("recorded run of 500 ticks: exit %d, ticks %v, identical %v %s", code, got["ticks"], got["identical"], errs)
	}

	for _, args := range [][]string{
		{"--mode", "float"}, {"--arch", "spinnaker"}, {"--map", "random"}, {"--seed", "3"},
		{"--workers", "2"}, {"--stats"}, {"--chips", "2"}, {"--ticks", "0"}, {"--ticks", "-5"},
	} {
		code, _, errs := spindle(t, append([]string{"compare", "--trace-in", a, "--trace-in", b}, args...)...)
		if code != 2 || !strings.Contains(errs, args[0]) || strings.Count(errs, "\n") != 1 {
			t.Errorf("%v with two traces: exit %d, stderr %q; want a usage error naming it", args, code, errs)
		}
	}

	pk := filepath.Join(dir, "pk.aer")
	w, err = aer.Create(pk, aer.Meta{DtMs: 1, TimeUnit: aer.UnitTick, Kinds: []string{aer.KindPacket}})
	if err != nil {
		t.Fatal(err)
	}
	w.WritePacket(aer.Packet{Emit: 3, Deliver: 4, Src: 0, Dst: 1})
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	code, out, errs = spindle(t, "compare", "--trace-in", pk, "--trace-in", pk)
	if code != 1 || !strings.Contains(errs, "no spike records") || strings.Contains(out, "IDENTICAL") {
		t.Errorf("packet-only traces: exit %d, stdout %q, stderr %q", code, out, errs)
	}
}

func TestCompareMaxMemory(t *testing.T) {
	code, _, errs := spindle(t, "compare", "../../examples/cuba_fixed.yaml", "--ticks", "10", "--max-memory", "1")
	if code != 1 || !strings.Contains(errs, "above --max-memory 1") {
		t.Errorf("exit %d, stderr %q", code, errs)
	}
}

// TestCompareTracesForeignAddress: a spike past the declared populations
// (10 neurons here) is refused, not indexed.
func TestCompareTracesForeignAddress(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.aer"), filepath.Join(dir, "b.aer")
	writeTrace(t, a, []aer.Spike{{Time: 3, Addr: 1}}, nil)
	writeTrace(t, b, []aer.Spike{{Time: 3, Addr: 1}, {Time: 4, Addr: 1<<32 - 1}}, nil)
	code, _, errs := spindle(t, "compare", "--trace-in", a, "--trace-in", b)
	if code != 1 || !strings.Contains(errs, "address 4294967295 beyond the 10 neurons") {
		t.Errorf("exit %d, stderr %q", code, errs)
	}
}

// TestISICVOneNumber: `trace stats` and `compare` report the same ISI CV
// of a population on the same spikes: one definition (the mean over the
// neurons with at least three spikes of each neuron's CV).
func TestISICVOneNumber(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.aer")
	var sp []aer.Spike
	for tick := int64(0); tick < 400; tick++ {
		for n := uint32(0); n < 10; n++ {
			// Irregular trains of different rates, so that pooling the
			// intervals would give another number.
			if h := (uint64(tick)*2654435761 + uint64(n)*40503) % 97; h < uint64(5+4*n) {
				sp = append(sp, aer.Spike{Time: tick, Addr: n})
			}
		}
	}
	writeTrace(t, path, sp, nil)
	// cvs runs the command and reads the population names and the key.
	cvs := func(key string, args ...string) (names []string, cv []*float64) {
		code, out, errs := spindle(t, args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errs)
		}
		var r struct{ Populations []map[string]any }
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatal(err)
		}
		for _, p := range r.Populations {
			names = append(names, p["name"].(string))
			x, ok := p[key].(float64)
			cv = append(cv, map[bool]*float64{true: &x, false: nil}[ok])
		}
		return names, cv
	}
	names, st := cvs("isi_cv", "trace", "stats", path, "--json")
	cnames, cr := cvs("cv_a", "compare", "--trace-in", path, "--trace-in", path, "--warmup", "0", "--json")
	if !slices.Equal(names, []string{"in", "out"}) || !slices.Equal(cnames, names) {
		t.Fatalf("populations: stats %v, compare %v", names, cnames)
	}
	for i := range st {
		if st[i] == nil || cr[i] == nil || *st[i] != *cr[i] {
			t.Errorf("%s: trace stats isi_cv %s, compare cv_a %s", names[i], fmtOpt(st[i], "%v"), fmtOpt(cr[i], "%v"))
		}
	}
}
