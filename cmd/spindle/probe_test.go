package main

import (
	"archive/zip"
	"encoding/binary"
	"encoding/csv"
	"encoding/json"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/spindle-sim/spindle/chip"
)

func TestParseProbe(t *testing.T) {
	for _, tc := range []struct {
		s        string
		pop      string
		from, to int
		v        chip.Var
		err      string
	}{
		{s: "exc[0:10].v", pop: "exc", from: 0, to: 10, v: chip.V},
		{s: "exc[3].i", pop: "exc", from: 3, to: 4, v: chip.I},
		{s: "exc.v", pop: "exc", from: 0, to: -1, v: chip.V},
		{s: "layer.1[:5].v", pop: "layer.1", from: 0, to: 5, v: chip.V},
		{s: "exc[7:].i", pop: "exc", from: 7, to: -1, v: chip.I},
		{s: "exc", err: "expected POP.VAR"},
		{s: "exc.w", err: `variable "w"`},
		{s: "exc[1:1].v", err: "is empty"},
		{s: "exc[5:2].v", err: "is empty"},
		{s: "exc[-1].v", err: `index "-1"`},
		{s: "exc[x].v", err: `index "x"`},
		{s: "exc[].v", err: "inside []"},
		{s: "exc[3.v", err: "expected ]"},
		{s: "[3].v", err: "expected a population name"},
		{s: ".v", err: "expected a population name"},
	} {
		p, err := parseProbe(tc.s)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("parseProbe(%q): %v, want an error with %q", tc.s, err, tc.err)
			}
			continue
		}
		if err != nil || p.pop != tc.pop || p.from != tc.from || p.to != tc.to || p.v != tc.v {
			t.Errorf("parseProbe(%q) = %+v, %v", tc.s, p, err)
		}
	}
}

func FuzzParseProbe(f *testing.F) {
	for _, s := range []string{"exc[0:10].v", "exc[3].i", "exc.v", "a.b[:].i", "[", "x[1:2:3].v"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := parseProbe(s)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("%q: error of several lines: %v", s, err)
			}
			return
		}
		if p.pop == "" || p.from < 0 || (p.to >= 0 && p.to <= p.from) {
			t.Errorf("%q: accepted %+v", s, p)
		}
	})
}

func TestRunProbeErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--probe", "exc[0:10].x"}, 2, `variable "x"`},
		{[]string{"--probe", "nope.v"}, 2, `no population "nope" (have: exc, inh)`},
		{[]string{"--probe", "exc[3200].v"}, 2, "has 3200 neurons (0 to 3199)"},
		{[]string{"--probe", "exc[0:3201].v"}, 2, "out of range"},
		{[]string{"--probe-out", filepath.Join(dir, "p.npz")}, 2, "expected --probe"},
		{[]string{"--probe", "exc.v", "--probe-out", filepath.Join(dir, "p.csv")}, 2, "expected a .npz"},
		{[]string{"--series", filepath.Join(dir, "s.txt")}, 2, "expected a .csv or .npz"},
		{[]string{"--probe", "exc.v", "--probe-out", filepath.Join(dir, "x.npz"), "--series", filepath.Join(dir, "x.npz")}, 2, "the same file as --probe-out"},
	} {
		code, _, errs := spindle(t, append([]string{"run", "../../examples/cuba.yaml", "--ticks", "5"}, tc.args...)...)
		if code != tc.code || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: exit %d, %q; want exit %d and %q", tc.args, code, errs, tc.code, tc.want)
		}
	}
}

// TestRunSeries checks that the per-tick series adds up to the run's
// totals.
func TestRunSeries(t *testing.T) {
	dir := t.TempDir()
	series := filepath.Join(dir, "s.csv")
	code, out, errs := spindle(t, "run", "../../examples/cuba.yaml", "--ticks", "150", "--series", series, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var res runResult
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(series)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 151 {
		t.Fatalf("%d rows, want a header and 150", len(rows))
	}
	sum := map[string]float64{}
	for k, r := range rows[1:] {
		if r[0] != strconv.Itoa(k) {
			t.Fatalf("row %d: tick %s", k, r[0])
		}
		for j, c := range rows[0] {
			x, err := strconv.ParseFloat(r[j], 64)
			if err != nil {
				t.Fatalf("row %d, %s: %v", k, c, err)
			}
			sum[c] += x
		}
	}
	for _, c := range []struct {
		col  string
		want float64
	}{
		{"spikes", float64(res.Spikes)}, {"packets", float64(res.Packets)}, {"hop_packets", float64(res.HopPackets)},
		{"drops", float64(res.PacketsDropped)}, {"late", float64(res.PacketsLate)},
		{"energy_total", res.Energy.Total}, {"energy_synaptic", res.Energy.ByComponent["synaptic"]},
		{"tick_seconds", res.TickModel.Mean * 150},
	} {
		if math.Abs(sum[c.col]-c.want) > 1e-9*math.Abs(c.want) {
			t.Errorf("%s: series sums to %v, run reports %v", c.col, sum[c.col], c.want)
		}
	}
	if res.Spikes == 0 || res.HopPackets == 0 {
		t.Errorf("a quiet run (%d spikes, %d hop-packets) tests nothing", res.Spikes, res.HopPackets)
	}
}

// npzFloats reads member name of an .npz that holds little-endian
// float64s (or int64s, as float64).
func npzFloats(t *testing.T, path, name string, ints bool) []float64 {
	t.Helper()
	z, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	f, err := z.Open(name + ".npy")
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	b = b[10+int(binary.LittleEndian.Uint16(b[8:])):]
	out := make([]float64, len(b)/8)
	for k := range out {
		u := binary.LittleEndian.Uint64(b[8*k:])
		if ints {
			out[k] = float64(int64(u))
		} else {
			out[k] = math.Float64frombits(u)
		}
	}
	return out
}

// TestPythonProbes records probes and series with the command line and
// reads them with spindle_aer.read_probes and read_series.
func TestPythonProbes(t *testing.T) {
	py := pythonWithNumPy(t)
	dir := t.TempDir()
	trace := filepath.Join(dir, "run.aer")
	csvSeries, npzSeries := filepath.Join(dir, "s.csv"), filepath.Join(dir, "s.npz")
	for _, s := range []string{csvSeries, npzSeries} {
		code, _, errs := spindle(t, "run", "../../examples/cuba_fixed.yaml", "--ticks", "60", "--trace", trace,
			"--probe", "exc[0:10].v", "--probe", "inh[5].i", "--probe", "inh.v", "--series", s)
		if code != 0 {
			t.Fatalf("run: exit %d: %s", code, errs)
		}
	}
	probes := filepath.Join(dir, "run.probes.npz") // beside the trace
	want := map[string]any{
		"probe0": npzFloats(t, probes, "probe0", false)[:10*60],
		"probe1": npzFloats(t, probes, "probe1", false),
		"spikes": npzFloats(t, npzSeries, "spikes", true),
		"energy": npzFloats(t, npzSeries, "energy_total", false),
	}
	js, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	script := `
import json, sys
import numpy as np
import spindle_aer
want = json.load(open(sys.argv[1]))
p = spindle_aer.read_probes(sys.argv[2])
assert p.dt_ms == 0.1 and len(p) == 3 and list(p.tick) == list(range(60)), p
v, i, all_inh = p["exc[0:10].v"], p[1], p[2]
assert v.variable == "v" and v.population == "exc" and list(v.index) == list(range(10)) and v.units == "mV", v
assert v.data.shape == (60, 10) and v.data.dtype == np.float64
assert np.array_equal(v.data.ravel(), np.array(want["probe0"])), "probe0 differs"
assert i.variable == "i" and i.data.shape == (60, 1, 2) and i.receptors == ["exc", "inh"] and list(i.index) == [5], i
assert np.array_equal(i.data.ravel(), np.array(want["probe1"])), "probe1 differs"
assert all_inh.data.shape == (60, 800) and list(all_inh.index) == list(range(800))
assert abs(p.time_ms[-1] - 5.9) < 1e-12
# The potential stays between v_reset and v_th (-60 and -50 mV).
assert (v.data >= -60.0001).all() and (v.data <= -50).all(), (v.data.min(), v.data.max())
c, z = spindle_aer.read_series(sys.argv[3]), spindle_aer.read_series(sys.argv[4])
assert z.dt_ms == 0.1 and c.columns == z.columns and z.meta["units"]["energy_total"] == "J", z.meta
for k in c.columns:
    assert np.array_equal(c[k], z[k]), k
assert c["spikes"].dtype == np.int64 and list(c["spikes"]) == want["spikes"]
assert np.array_equal(z["energy_total"], np.array(want["energy"]))
try:
    spindle_aer.read_probes(sys.argv[4])
    raise SystemExit("a series read as probes")
except spindle_aer.TraceError as e:
    assert "expected format 'spindle-probes'" in str(e), e
print("ok", v.data.shape, c["spikes"].sum())
`
	wantPath := filepath.Join(dir, "want.json")
	if err := os.WriteFile(wantPath, js, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(py, "-c", script, wantPath, probes, csvSeries, npzSeries)
	cmd.Env = append(os.Environ(), "PYTHONPATH=../../python", "PYTHONDONTWRITEBYTECODE=1")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "ok") {
		t.Fatalf("%s: %v\n%s", py, err, out)
	}
	t.Logf("%s", out)
}
