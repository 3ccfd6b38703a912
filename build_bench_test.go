package spindle_test

import (
	"os"
	"runtime"
	"testing"

	"github.com/spindle-sim/spindle"
	"github.com/spindle-sim/spindle/chip"
)

// BenchmarkBuildScale1M builds examples/scale_1m.yaml (1.1 M neurons,
// 100 M synapses) on the pohoiki preset: everything before the first
// tick (the check, the graph, the mapping, the engine). It takes about
// 3 GB: set SPINDLE_LONG=1 to run it, with -benchtime 1x and, for the
// build's profile, -cpuprofile (docs/benchmarks.md, "scale_1m build,
// session 10").
func BenchmarkBuildScale1M(b *testing.B) {
	if os.Getenv("SPINDLE_LONG") == "" {
		b.Skip("set SPINDLE_LONG=1 to build scale_1m")
	}
	arch, err := spindle.Arch("pohoiki")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		b.StopTimer()
		runtime.GC()
		net, err := spindle.Load("examples/scale_1m.yaml")
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		sim, err := spindle.New(net, arch, spindle.Options{Timing: chip.Simple})
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if got := sim.Graph.Synapses(); got != 100_000_000 {
			b.Fatalf("%d synapses, want 100,000,000", got)
		}
		sim.Close()
		b.StartTimer()
	}
}
