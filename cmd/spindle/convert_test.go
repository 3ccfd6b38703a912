package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// explicitNet writes a network of two populations joined by an inline
// list of n synapses.
func explicitNet(t *testing.T, dir string, n int) string {
	t.Helper()
	var b strings.Builder
	b.WriteString(`name: explicit
dt: 1
mode: fixed
populations:
  - {name: in, size: 50, kind: poisson, rate: 200}
  - {name: out, size: 40, neuron: {leak: false, v_th: 20, fixed_scale: 1, receptors: [{name: syn, tau_syn: 0.05}]}}
projections:
  - name: in->out
    pre: in
    post: out
    connector: {list: [`)
	for k := 0; k < n; k++ {
		if k > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, "[%d,%d,%d]", (k*7)%50, (k*13)%40, k%9-2)
	}
	b.WriteString("]}\n")
	path := filepath.Join(dir, "explicit.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

var seconds = regexp.MustCompile(`"[a-z_]*seconds[a-z_]*": [0-9.e-]+,?`)

func TestConvertSynapses(t *testing.T) {
	dir := t.TempDir()
	in := explicitNet(t, dir, 1500)
	out := filepath.Join(dir, "npz", "explicit.yaml")
	os.Mkdir(filepath.Dir(out), 0o755)
	code, stdout, errs := spindle(t, "convert", "synapses", in, out)
	if code != 0 || !strings.Contains(stdout, "1 .npz files holding 1500 synapses") {
		t.Fatalf("exit %d: %s%s", code, stdout, errs)
	}
	var runs [2]string
	for i, net := range []string{in, out} {
		code, stdout, errs := spindle(t, "run", net, "--ticks", "60", "--json")
		if code != 0 {
			t.Fatalf("run %s: exit %d: %s", net, code, errs)
		}
		runs[i] = seconds.ReplaceAllString(stdout, "")
	}
	if runs[0] != runs[1] {
		t.Errorf("the converted network runs differently:\n%s\n%s", runs[0], runs[1])
	}
	if !strings.Contains(runs[0], `"spikes"`) {
		t.Errorf("no spikes reported: %s", runs[0])
	}
}

func TestConnectorFileErrorExits(t *testing.T) {
	dir := t.TempDir()
	in := explicitNet(t, dir, 10)
	text, _ := os.ReadFile(in)
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte(regexp.MustCompile(`\{list: .*\]\}`).ReplaceAllString(string(text), "{file: nosuch.npz}")), 0o644)
	for _, args := range [][]string{
		{"run", bad, "--ticks", "5"},
		{"map", bad},
		{"convert", "synapses", filepath.Join(dir, "nosuch.yaml"), filepath.Join(dir, "o.yaml")},
		{"convert", "synapses", in, in},
	} {
		code, _, errs := spindle(t, args...)
		if code != 1 || strings.Count(strings.TrimSpace(errs), "\n") != 0 || !strings.Contains(errs, "loader: ") {
			t.Errorf("%v: exit %d, %q; want exit 1 and a one-line loader error", args, code, errs)
		}
	}
}

func TestConvertNIR(t *testing.T) {
	dir := t.TempDir()
	net := filepath.Join(dir, "ff.yaml")
	os.WriteFile(net, []byte(`name: ff
dt: 1
populations:
  - {name: in, kind: spike_source, spike_times: [[1, 3], [2], []]}
  - {name: hidden, size: 4, neuron: {tau_m: 10, v_th: 1, t_ref: 2, receptors: [{name: syn, tau_syn: 5}]}}
projections:
  - {name: fc, pre: in, post: hidden, connector: all_to_all, weight: 2}
`), 0o644)
	out := filepath.Join(dir, "ff.nir")
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"convert", net, "-o", out}, 1, `population "hidden" (lif): field "t_ref": 2 ms: NIR neurons have no refractory period`},
		{[]string{"convert", net}, 2, "expected -o OUT.nir"},
		{[]string{"convert", net, "-o", filepath.Join(dir, "ff.yaml2")}, 2, "expected a .nir file"},
		{[]string{"convert"}, 2, "expected NET -o OUT.nir, or the subcommand synapses"},
		{[]string{"convert", net, "-o", net + ".nir", "--drop-refractory", "extra"}, 2, "got 2 arguments"},
		{[]string{"convert", net, "-o", out, "--drop-refractory"}, 0, "wrote " + out + ": 4 nodes, 3 edges"},
	}
	for _, tc := range tests {
		code, stdout, errs := spindle(t, tc.args...)
		if code != tc.code || !strings.Contains(stdout+errs, tc.want) {
			t.Errorf("spindle %s: exit %d: %s%s\nwant exit %d and %q", strings.Join(tc.args, " "), code, stdout, errs, tc.code, tc.want)
		}
	}
	_, stdout, _ := spindle(t, "convert", net, "-o", out, "--drop-refractory")
	for _, note := range []string{`note: the spike times of "in" are left out`, `note: the refractory period (t_ref 2 ms) of "hidden" is left out`} {
		if !strings.Contains(stdout, note) {
			t.Errorf("output %q lacks %q", stdout, note)
		}
	}
	// The graph runs, and converts again to the same file.
	if code, _, errs := spindle(t, "run", out, "--ticks", "20", "--json"); code != 0 {
		t.Fatalf("run %s: exit %d: %s", out, code, errs)
	}
	again := filepath.Join(dir, "again.nir")
	if code, _, errs := spindle(t, "convert", out, "-o", again); code != 0 {
		t.Fatalf("convert %s: exit %d: %s", out, code, errs)
	}
	a, _ := os.ReadFile(out)
	b, _ := os.ReadFile(again)
	if !bytes.Equal(a, b) {
		t.Errorf("NIR -> Spindle -> NIR changed the file (%d bytes, then %d)", len(a), len(b))
	}
}

// TestConvertNIRConv converts the NIR paper's CNN: its Conv2d, SumPool2d,
// Flatten and Affine nodes come back, and converting the result again
// gives the same file.
func TestConvertNIRConv(t *testing.T) {
	const cnn = "../../../shared/fixtures/nir/cnn_sinabs.nir"
	if _, err := os.Stat(cnn); err != nil {
		t.Skipf("fixture %s absent: %v", cnn, err)
	}
	dir := t.TempDir()
	out, again := filepath.Join(dir, "cnn.nir"), filepath.Join(dir, "again.nir")
	code, stdout, errs := spindle(t, "convert", cnn, "-o", out)
	if code != 0 || !strings.Contains(stdout, "wrote "+out+": 15 nodes, 14 edges") || strings.Contains(stdout, "note:") {
		t.Fatalf("convert %s: exit %d: %s%s; want 15 nodes, 14 edges and no note", cnn, code, stdout, errs)
	}
	if code, _, errs := spindle(t, "convert", out, "-o", again); code != 0 {
		t.Fatalf("convert %s: exit %d: %s", out, code, errs)
	}
	a, _ := os.ReadFile(out)
	b, _ := os.ReadFile(again)
	if !bytes.Equal(a, b) {
		t.Errorf("converting the written graph changed it (%d bytes, then %d)", len(a), len(b))
	}
}
