package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestMapOutputName checks -o before anything is written: a name the
// plotter cannot write fails with a usage error and leaves the file as it
// was, even when it is the network file itself.
func TestMapOutputName(t *testing.T) {
	dir := t.TempDir()
	cuba, err := os.ReadFile("../../examples/cuba.yaml")
	if err != nil {
		t.Fatal(err)
	}
	net := filepath.Join(dir, "v2.yaml")
	if err := os.WriteFile(net, cuba, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{net, filepath.Join(dir, "out.txt"), filepath.Join(dir, "out.gif"), filepath.Join(dir, "noext")} {
		code, _, errs := spindle(t, "map", net, "-o", out)
		if code != 2 || !strings.Contains(errs, "-o "+out) || !strings.Contains(errs, ".png") {
			t.Errorf("-o %s: exit %d, %q; want exit 2 naming the file and the formats", out, code, errs)
		}
	}
	if b, err := os.ReadFile(net); err != nil || string(b) != string(cuba) {
		t.Errorf("the network file changed: %d bytes, %v", len(b), err)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Errorf("files left behind: %v", ents)
	}
}

func TestMapOutputWritten(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"map.png", "map.SVG"} {
		out := filepath.Join(dir, name)
		code, _, errs := spindle(t, "map", "../../examples/topographic.yaml", "-o", out)
		if code != 0 {
			t.Fatalf("-o %s: exit %d: %s", name, code, errs)
		}
		st, err := os.Stat(out)
		if err != nil || st.Size() == 0 {
			t.Fatalf("-o %s: %v", name, err)
		}
		if st.Mode().Perm() != 0o644 {
			t.Errorf("-o %s: mode %v, want 0644 like the traces", name, st.Mode().Perm())
		}
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 2 {
		t.Errorf("want the two plots and no temporary file, got %v", ents)
	}
}

// TestMapBindingLimits: the binding limit is the one that split the
// network, however little of it the fullest core uses: CUBA on TrueNorth
// cores is split by input axons, at 78 % of them.
func TestMapBindingLimits(t *testing.T) {
	for _, c := range []struct {
		arch string
		want string
	}{
		{"truenorth", "input_axons_per_core"},
		{"spinnaker", "neurons_per_core"},
	} {
		code, out, errs := spindle(t, "map", "../../examples/cuba.yaml", "--arch", c.arch, "--json")
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", c.arch, code, errs)
		}
		var got mapReport
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(got.Binding, c.want) {
			t.Errorf("%s: binding limits %v, want %s among them", c.arch, got.Binding, c.want)
		}
	}
}

// TestMapFlags: map simulates nothing, so it has no simulation flags.
func TestMapFlags(t *testing.T) {
	for _, flag := range []string{"--workers", "--mode", "--ticks"} {
		code, _, errs := spindle(t, "map", "../../examples/cuba.yaml", flag, "1")
		if code != 2 || !strings.Contains(errs, "unknown flag: "+flag) {
			t.Errorf("map %s: exit %d, %q", flag, code, errs)
		}
	}
}
