package loader

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// FuzzNIRWriteRoundTrip writes every graph the reader accepts back as
// NIR, with the file as its source: reading the result must give the same
// network, and the writer must never panic or fail on a network the
// reader built.
func FuzzNIRWriteRoundTrip(f *testing.F) {
	// Graphs of every weight node type (conv connectors, pool, flatten,
	// delay and scale chains) and of LI, CubaLI, I and Threshold nodes.
	graphs := nirConvGraphs(f)
	for _, name := range []string{"conv2d", "conv1d", "conv1d-split"} {
		f.Add(graphs[name])
	}
	names, _ := filepath.Glob(filepath.Join(nirDir, "*.nir"))
	for _, name := range names {
		if data, err := os.ReadFile(name); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		net, err := ParseNIR("fuzz.nir", data)
		if err != nil {
			return
		}
		neurons := 0
		for _, p := range net.Populations {
			neurons += p.Size
		}
		if len(net.Populations) > 64 || neurons > 4096 {
			return // bounds the time of one input
		}
		out, err := NIRWriteOptions{Source: data, SourceName: "fuzz.nir"}.Encode(net)
		if err != nil {
			// The reader splits nodes with differing per-neuron
			// parameters and adds bias sources; both come back.
			t.Fatalf("Encode of a network the reader built: %v", err)
		}
		back, err := NIROptions{Dt: net.Dt}.Parse("fuzz.nir", out)
		if err != nil {
			t.Fatalf("reading the written graph: %v", err)
		}
		if !reflect.DeepEqual(back, net) {
			t.Fatalf("the network read back differs:\n%+v\nwant\n%+v", back, net)
		}
	})
}
