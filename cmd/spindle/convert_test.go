package main

import (
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
