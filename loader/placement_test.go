package loader

import (
	"bytes"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/spindle-sim/spindle/chip"
	"github.com/spindle-sim/spindle/chip/mapping"
	"github.com/spindle-sim/spindle/snn"
)

// mapFile loads a network and an arch, applies the placement file if any,
// builds and maps.
func mapFile(t *testing.T, net, arch string, strategy mapping.Mapper, placement string, chips int) (*snn.Graph, *chip.Mapping) {
	t.Helper()
	n, err := LoadNetwork(net)
	if err != nil {
		t.Fatal(err)
	}
	if placement != "" {
		if n.Placement, err = LoadPlacement(placement, n); err != nil {
			t.Fatal(err)
		}
	}
	a, err := LoadArch(arch)
	if err != nil {
		t.Fatal(err)
	}
	g, err := n.Build()
	if err != nil {
		t.Fatal(err)
	}
	m, err := mapping.Map(g, a, strategy, chips)
	if err != nil {
		t.Fatal(err)
	}
	return g, m
}

// TestPlacementRoundTrip writes the mapping of every mapper as a
// placement and feeds it back: the cores, their neurons in order and the
// board must come back exactly.
func TestPlacementRoundTrip(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		net, arch string
		chips     int
	}{
		{"../examples/cuba.yaml", "loihi", 0},
		{"../examples/topographic.yaml", "loihi", 2},
		{"../examples/spinnaker_small.yaml", "spinnaker", 0},
		{"../examples/loihi_small.yaml", "loihi", 0},
	}
	for _, c := range cases {
		for _, strategy := range mapping.Mappers() {
			name := filepath.Base(c.net) + "/" + strategy.String()
			t.Run(name, func(t *testing.T) {
				g, m := mapFile(t, c.net, c.arch, strategy, "", c.chips)
				out := filepath.Join(dir, strings.ReplaceAll(name, "/", "_")+".yaml")
				if err := WritePlacement(out, g, m); err != nil {
					t.Fatal(err)
				}
				_, back := mapFile(t, c.net, c.arch, mapping.Sequential, out, c.chips)
				if back.Strategy != "placement" {
					t.Errorf("strategy %q", back.Strategy)
				}
				if !reflect.DeepEqual(back.Cores, m.Cores) || !reflect.DeepEqual(back.CoreOf, m.CoreOf) ||
					back.Chips != m.Chips || back.ChipsX != m.ChipsX || back.ChipsY != m.ChipsY {
					t.Fatalf("mapping changed: %d cores on %d chips, want %d on %d", len(back.Cores), back.Chips, len(m.Cores), m.Chips)
				}
			})
		}
	}
}

// placementNet has three populations; the arch cores hold 8 neurons.
const placementNet = `dt: 1
neurons:
  n: {tau_m: 10, v_th: 1}
populations:
  - {name: a, size: 10, neuron: n}
  - {name: b, size: 6, neuron: n}
  - {name: in, size: 4, kind: poisson, rate: 10}
projections:
  - {pre: in, post: a, connector: all_to_all, weight: 1}
  - {pre: a, post: b, connector: all_to_all, weight: 1}
`

const placementArch = `base: loihi
name: tiny
neurons_per_core: 8
synapses_per_core: 40
input_axons_per_core: 12
output_axons_per_core: 16
cores_per_tile: 2
tiles_x: 2
tiles_y: 1
max_chips: 2
`

func TestPlacement(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "arch.yaml", []byte(placementArch))
	writeFile(t, dir, "a.csv", []byte("core,slot\n0,1\n0,0\n0,2\n0,3\n0,4\n1,4\n1,3\n1,2\n1,1\n1,0\n"))
	cases := []struct {
		placement string
		cores     [][]uint32 // nil: an error containing err
		err       string
	}{
		// Even split, uneven counts, lists, slots; b and in fill the cores
		// after the placed ones, as far as the limits let them.
		{"{a: {cores: \"0-1\"}}", [][]uint32{{0, 1, 2, 3, 4}, {5, 6, 7, 8, 9}, {10, 11, 12, 13}, {14, 15, 16, 17, 18, 19}}, ""},
		{"{a: {cores: [3, 1], counts: [2, 8]}, b: {cores: \"0,4\"}, in: {cores: \"2,5\"}}",
			[][]uint32{{10, 11, 12}, {2, 3, 4, 5, 6, 7, 8, 9}, {16, 17}, {0, 1}, {13, 14, 15}, {18, 19}}, ""},
		{"{a: {file: a.csv}, b: {cores: \"2-3\"}, in: {cores: 4}}",
			[][]uint32{{1, 0, 2, 3, 4}, {9, 8, 7, 6, 5}, {10, 11, 12}, {13, 14, 15}, {16, 17, 18, 19}}, ""},
		{"{a: {cores: [3, 1], counts: [2, 8]}, b: {cores: 0}, in: {cores: \"1,5\"}}", nil,
			`map: placement: core 0: population "b" (neuron b[4]) takes the core to 50 synapses, over synapses_per_core 40 of arch "tiny"`},
		// Limits of the arch, by name, core and population.
		{"{a: {cores: 0}}", nil, `map: placement: core 0: population "a" (neuron a[8]) takes the core to 9 neurons, over neurons_per_core 8 of arch "tiny"`},
		{"{a: {cores: \"0-1\"}, b: {cores: 2}, in: {cores: 2}}", nil, `map: placement: core 2: population "b" (neuron b[4]) takes the core to 50 synapses, over synapses_per_core 40 of arch "tiny"`},
		{"{a: {cores: \"0-4\"}, b: {cores: \"5-7\"}, in: {cores: 5}}", nil, `map: placement: core 5: population "in" (neuron in[3]) takes the core to 20 routes (neuron, destination core), over output_axons_per_core 16 of arch "tiny"`},
		{"{a: {cores: \"0-1\"}, b: {cores: \"8\"}}", nil, `map: placement: population "b": neuron 0 (b[0]) on core 8, beyond the 8 cores of arch "tiny" (max_chips 2 of 4 cores)`},
		{"{a: {cores: \"0-5\"}, b: {cores: \"6-7\"}}", nil, `map: placement: the neurons without a placement need cores 8 to 8, beyond the 8 cores of arch "tiny" (max_chips 2 of 4 cores)`},
	}
	for _, c := range cases {
		net := filepath.Join(dir, "net.yaml")
		writeFile(t, dir, "net.yaml", []byte(placementNet+"placement: "+c.placement+"\n"))
		n, err := LoadNetwork(net)
		if err != nil {
			t.Fatalf("%s: %v", c.placement, err)
		}
		a, err := LoadArch(filepath.Join(dir, "arch.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		g, err := n.Build()
		if err != nil {
			t.Fatal(err)
		}
		m, err := mapping.Map(g, a, mapping.Random, 0)
		if c.cores == nil {
			if err == nil || !strings.Contains(err.Error(), c.err) || strings.Contains(err.Error(), "\n") {
				t.Errorf("%s: got %v, want %s", c.placement, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", c.placement, err)
		}
		got := make([][]uint32, len(m.Cores))
		for k, ns := range m.Cores {
			if len(ns) > 0 {
				got[k] = ns
			}
		}
		want := make([][]uint32, len(c.cores))
		for k, ns := range c.cores {
			if len(ns) > 0 {
				want[k] = ns
			}
		}
		if !reflect.DeepEqual(got, want) || m.Strategy != "placement" {
			t.Errorf("%s: cores %v, want %v", c.placement, got, want)
		}
	}
}

func TestPlacementErrors(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "short.csv", []byte("core\n0\n1\n"))
	writeFile(t, dir, "neg.csv", []byte("core\n0\n1\n-2\n"))
	writeFile(t, dir, "head.csv", []byte("cores\n0\n"))
	writeFile(t, dir, "slot.csv", []byte("core,slot\n0,1\n0,x\n"))
	writeFile(t, dir, "mixed.csv", []byte("core,slot\n0,0\n0,1\n0,2\n0,3\n0,4\n0,5\n"))
	writeFile(t, dir, "twice.csv", []byte("core,slot\n0,0\n0,0\n0,1\n0,2\n0,3\n0,4\n"))
	cases := []struct{ placement, want string }{
		{"{c: {cores: 0}}", `net.yaml:11: placement.c: unknown population "c" (have: a, b, in)`},
		{"{a: {cores: -1}}", `net.yaml:11: placement.a.cores: expected core indices in [0, 16777216) as a list or ranges such as "0-3,7", got "-1"`},
		{"{a: {cores: [0, -1]}}", `net.yaml:11: placement.a.cores[1]: expected a core index in [0, 16777216), got -1`},
		{"{a: {cores: \"3-1\"}}", `net.yaml:11: placement.a.cores: expected core indices in [0, 16777216) as a list or ranges such as "0-3,7", got "3-1"`},
		{"{a: {cores: \"0-99999999\"}}", `got "0-99999999"`},
		{"{a: {cores: []}}", `net.yaml:11: placement.a.cores: expected at least one core`},
		{"{a: {cores: [0, 1], counts: [3]}}", `net.yaml:11: placement.a.counts: expected 2 counts, one per core, got 1`},
		{"{a: {cores: [0, 1], counts: [3, 3]}}", `net.yaml:11: placement.a.counts: expected counts summing to the 10 neurons of population "a", got 6`},
		{"{a: {core: 1}}", `net.yaml:11: placement.a.core: unknown key (allowed: cores, counts, file)`},
		{"{a: {counts: [1]}}", `net.yaml:11: placement.a: missing required field cores (a list or ranges such as "0-3,7") or file`},
		{"{a: {file: x.csv, cores: 1}}", `net.yaml:11: placement.a: expected either file or cores, not both`},
		{"{a: [0, 1]}", `net.yaml:11: placement.a: expected {cores: "0-3"}, {cores: [0, 1], counts: [n0, n1]} or {file: cores.csv}, got a list`},
		{"[a]", `net.yaml:11: placement: expected a mapping from population names to {cores: "0-3"} or {file: cores.csv}, got a list`},
		{"{a: {cores: 0}, a: {cores: 1}}", `net.yaml:11: placement.a: defined twice (first at line 11)`},
		{"{a: {file: nosuch.csv}}", `net.yaml:11: placement.a.file: nosuch.csv: open ` + dir + `/nosuch.csv: no such file or directory`},
		{"{a: {file: short.csv}}", `net.yaml:11: placement.a.file: short.csv: 2 rows for the 10 neurons of the population: expected one per neuron`},
		{"{a: {file: neg.csv}}", `net.yaml:11: placement.a.file: neg.csv: line 4: core: expected a core index in [0, 16777216), got "-2"`},
		{"{a: {file: head.csv}}", `net.yaml:11: placement.a.file: head.csv: line 1: header "cores": expected core or core,slot`},
		{"{a: {file: slot.csv}}", `net.yaml:11: placement.a.file: slot.csv: line 3: slot: expected a position in [0, 65535], got "x"`},
		{"{b: {file: short.csv}, a: {file: short.csv}}", `placement.b.file: short.csv: 2 rows for the 6 neurons`},
		{"{b: {file: mixed.csv}, a: {cores: 0, counts: [10]}}", `map: placement: core 0: population "a" (neuron a[0]) has no slot, but other neurons on the core have: give every neuron on a core a slot, or none`},
		{"{a: {cores: \"4095-4096\"}}", `map: placement: population "a": neuron 5 (a[5]) on core 4096, beyond the 4096 cores of arch "loihi" (max_chips 32 of 128 cores)`},
		{"{b: {file: twice.csv}}", `map: placement: core 0: population "b": neurons b[0] and b[1] share slot 0`},
	}
	a, err := LoadArch("loihi")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		net := filepath.Join(dir, "net.yaml")
		writeFile(t, dir, "net.yaml", []byte(placementNet+"placement: "+c.placement+"\n"))
		n, err := LoadNetwork(net)
		if err == nil {
			var g *snn.Graph
			if g, err = n.Build(); err == nil {
				_, err = mapping.Map(g, a, mapping.Sequential, 0)
			}
		}
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s:\n got  %v\n want %s", c.placement, err, c.want)
		}
	}
	// A placement file has only the placement key.
	writeFile(t, dir, "p.yaml", []byte("placement: {a: {cores: 0}}\nseed: 1\n"))
	n, _ := ParseNetwork(filepath.Join(dir, "net.yaml"), []byte(placementNet))
	if _, err := LoadPlacement(filepath.Join(dir, "p.yaml"), n); err == nil || !strings.Contains(err.Error(), "p.yaml:2: seed: unknown key (allowed: placement)") {
		t.Errorf("placement file with another key: %v", err)
	}
}

func FuzzReadPlacementCSV(f *testing.F) {
	f.Add([]byte("core\n0\n1\n"), 2)
	f.Add([]byte("core,slot\n0,1\n0,0\n# c\n1,0\n"), 3)
	f.Fuzz(func(t *testing.T, data []byte, size int) {
		if size < 0 || size > 1<<16 {
			return
		}
		cores, slots, err := readPlacementCSV(bytes.NewReader(data), size)
		if err == nil && (len(cores) != size || (slots != nil && len(slots) != size)) {
			t.Fatalf("%d cores, %d slots for %d neurons", len(cores), len(slots), size)
		}
	})
}
