package loader

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// checkError checks the shape of an error message: one line, prefixed.
func checkError(t *testing.T, err error) {
	t.Helper()
	msg := err.Error()
	if !strings.HasPrefix(msg, "loader: ") || strings.ContainsAny(msg, "\n\r") {
		t.Fatalf("malformed error %q", msg)
	}
}

func FuzzParseNetwork(f *testing.F) {
	files, _ := filepath.Glob("../examples/*.yaml")
	for _, p := range files {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(base))
	f.Add([]byte(placementNet + "placement: {a: {cores: [3, 1], counts: [2, 8]}, b: {cores: \"0,4-5\"}, in: {file: in.csv}}\n"))
	f.Add([]byte(base + "projections:\n  - {pre: exc, post: inh, connector: all_to_all, weight: 1, synapse_format: conv}\n"))
	f.Add([]byte(tiedBase + "      {rule: tied, tied_to: exc, w_min: -8, w_max: 0}\nsleep: {ticks: 10, drive: [h], uniform: true, unbalanced: true}\n"))
	for _, conv := range []string{
		"in_shape: [2, 2, 2], out_channels: 2, kernel: 2, padding: [0, 0, 1, 0], weights: [1, 2, 3, 4, 5, 6, 7, 8, 1, 1, 1, 1, 1, 1, 1, 1]",
		"in_shape: [2, 2, 2], out_channels: 2, kernel: 1, pool: {kernel: 2, average: true}, weights: [1, 2, 3, 4]",
		"in_shape: [2, 2, 2], out_channels: 2, kernel: 2, padding: same, groups: 2, weights: [1, 2, 3, 4, 5, 6, 7, 8]",
	} {
		f.Add([]byte(strings.NewReplacer("OUT", "4", "CONV", conv).Replace(convNet)))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		n, err := ParseNetwork("fuzz.yaml", data)
		if err != nil {
			checkError(t, err)
			return
		}
		if err := n.Validate(); err != nil {
			t.Fatalf("parsed network fails Validate: %v", err)
		}
		// Build small networks too: the loader promises Build accepts them.
		total, pairs := 0, 0
		for _, p := range n.Populations {
			total += p.Size
		}
		for _, pr := range n.Projections {
			a := n.Populations[n.PopulationIndex(pr.Pre)].Size
			b := n.Populations[n.PopulationIndex(pr.Post)].Size
			pairs += a*b + pr.Connector.Len()
			if c := pr.Connector.Conv; c != nil {
				// A pooled convolution has a synapse per tap and pixel
				// of its window.
				area := 1
				if c.Pool != nil {
					area = c.Pool.Kernel[0] * c.Pool.Kernel[1]
				}
				pairs += b * c.KernelSize() * area
			}
		}
		if total <= 10000 && pairs <= 100000 {
			if _, err := n.Build(); err != nil {
				t.Fatalf("parsed network fails Build: %v", err)
			}
		}
	})
}

func FuzzParseArch(f *testing.F) {
	for _, name := range Presets() {
		if data, err := PresetYAML(name); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte("base: loihi\nmax_chips: 2\n"))
	f.Add([]byte("base: pohoiki\nsync_latency_tiles: {1: 0.6e-6, 4: 1.4e-6}\nsync_latency_chips: {2: 2e-6}\n"))
	f.Add([]byte("base: loihi-presilicon\nsync_latency_tiles: {4: 1e-6, 2: 1e-6}\nmessage_in_latency: -1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := ParseArch("fuzz.yaml", data)
		if err != nil {
			checkError(t, err)
			return
		}
		if err := a.Validate(); err != nil {
			t.Fatalf("parsed arch fails Validate: %v", err)
		}
	})
}

func FuzzParseNIR(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(nirDir, "*.nir"))
	for _, p := range files {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		n, err := ParseNIR("fuzz.nir", data)
		if err != nil {
			checkError(t, err)
			return
		}
		total := 0
		for _, p := range n.Populations {
			total += p.Size
		}
		if total > 5000 {
			// cnn_sinabs's million synapses take a second to build: the
			// fuzzer keeps to parsing such graphs.
			return
		}
		if _, err := n.Build(); err != nil {
			t.Fatalf("ParseNIR accepted a network Build rejects: %v", err)
		}
	})
}
