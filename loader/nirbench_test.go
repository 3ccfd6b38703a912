package loader

import (
	"testing"

	"github.com/spindle-sim/spindle/chip"
	"github.com/spindle-sim/spindle/chip/mapping"
)

// BenchmarkCNNSinabsMap loads cnn_sinabs.nir and maps it onto the loihi
// preset as 'spindle map' does: parse, the capacity checks and fill, the
// build of the synapses and the map.
func BenchmarkCNNSinabsMap(b *testing.B) {
	path, data := nirFixture(b, "cnn_sinabs.nir")
	arch, err := LoadArch("loihi")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		net, err := NIROptions{Dt: 1}.Parse(path, data)
		if err != nil {
			b.Fatal(err)
		}
		if err := mapping.CheckCapacity(net, arch, 0); err != nil {
			b.Fatal(err)
		}
		fit, err := mapping.CheckFit(net, arch, mapping.Sequential, 0)
		if err != nil {
			b.Fatal(err)
		}
		g, err := net.Build()
		if err != nil {
			b.Fatal(err)
		}
		if _, err := mapping.MapWith(g, arch, mapping.Sequential, 0, mapping.Options{Fit: fit}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCNNSinabsRun runs the mapped cnn_sinabs on the 310 ms N-MNIST
// sample (316 ticks of 1 ms, the run command's default with the stimulus)
// on the event engine, float mode, building the engine included.
func BenchmarkCNNSinabsRun(b *testing.B) {
	_, net := nirRefFixture(b, "cnn_sinabs.nir")
	counts, times := nmnistCounts(b, 34, 34)
	net.Populations[0].SpikeTimes = times
	g, err := net.Build()
	if err != nil {
		b.Fatal(err)
	}
	arch, err := LoadArch("loihi")
	if err != nil {
		b.Fatal(err)
	}
	m, err := mapping.Map(g, arch, mapping.Sequential, 0)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		e, err := chip.NewEngine(g, arch, m, chip.Options{Mode: net.Mode})
		if err != nil {
			b.Fatal(err)
		}
		e.Run(len(counts) + 5)
		e.Close()
	}
}
