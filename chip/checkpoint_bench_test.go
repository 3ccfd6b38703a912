package chip_test

import (
	"bytes"
	"io"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/spindle-sim/spindle/chip"
	"github.com/spindle-sim/spindle/chip/mapping"
	"github.com/spindle-sim/spindle/loader"
	"github.com/spindle-sim/spindle/snn"
)

// countingWriter counts the bytes written through it.
type countingWriter struct{ n int64 }

func (w *countingWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }

// benched is an engine built for a benchmark, kept for the benchmark's
// next round (testing runs it with b.N = 1 first).
type benched struct {
	path     string
	g        *snn.Graph
	a        *chip.Arch
	m        *chip.Mapping
	e        *chip.Engine
	first    float64 // seconds of the first checkpoint
	firstCPU float64 // and its CPU seconds
}

var lastBenched *benched

// benchCheckpoint builds the network of path on arch in fixed mode, runs
// ticks ticks and times Engine.Checkpoint, reporting the checkpoint's
// size per synapse and its CPU time (the machine may be shared), the
// first checkpoint's time (which fingerprints the cores too), and the
// time of a Restore, which builds the engine again.
func benchCheckpoint(b *testing.B, path, arch string, ticks int) {
	if lastBenched == nil || lastBenched.path != path {
		if lastBenched != nil {
			lastBenched.e.Close()
		}
		lastBenched = buildBenched(b, path, arch, ticks)
	}
	x := lastBenched
	g, a, m, e := x.g, x.a, x.m, x.e
	var w countingWriter
	b.ResetTimer()
	cpu0 := chip.CPUTime()
	for i := 0; i < b.N; i++ {
		w.n = 0
		if err := e.Checkpoint(&w); err != nil {
			b.Fatal(err)
		}
	}
	cpu := chip.CPUTime() - cpu0
	b.StopTimer()
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
	b.ReportMetric(x.first, "first-s")
	b.ReportMetric(x.firstCPU, "first-cpu-s")
	b.ReportMetric(float64(w.n)/float64(g.Synapses()), "bytes/synapse")
	b.ReportMetric(float64(w.n), "bytes")
	if b.N == 1 {
		return
	}
	var buf bytes.Buffer
	if err := e.Checkpoint(&buf); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	r, err := chip.Restore(&buf, g, a, m, chip.Options{Mode: snn.Fixed})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(time.Since(start).Seconds(), "restore-s")
	r.Close()
}

func buildBenched(b *testing.B, path, arch string, ticks int) *benched {
	net, err := loader.LoadNetwork(path)
	if err != nil {
		b.Fatal(err)
	}
	net.Mode = snn.Fixed
	a, err := loader.LoadArch(arch)
	if err != nil {
		b.Fatal(err)
	}
	fit, err := mapping.CheckFit(net, a, mapping.Sequential, 0)
	if err != nil {
		b.Fatal(err)
	}
	g, err := net.Build()
	if err != nil {
		b.Fatal(err)
	}
	m, err := mapping.MapWith(g, a, mapping.Sequential, 0, mapping.Options{Fit: fit})
	if err != nil {
		b.Fatal(err)
	}
	e, err := chip.NewEngine(g, a, m, chip.Options{Mode: snn.Fixed})
	if err != nil {
		b.Fatal(err)
	}
	e.Run(ticks)
	runtime.GC()
	// The first checkpoint of an engine also fingerprints its cores.
	start, cpu0 := time.Now(), chip.CPUTime()
	if err := e.Checkpoint(io.Discard); err != nil {
		b.Fatal(err)
	}
	return &benched{path: path, g: g, a: a, m: m, e: e, first: time.Since(start).Seconds(), firstCPU: (chip.CPUTime() - cpu0).Seconds()}
}

// BenchmarkCheckpoint: the checkpoint of examples/loihi_small.yaml after
// 200 ticks.
func BenchmarkCheckpoint(b *testing.B) {
	benchCheckpoint(b, "../examples/loihi_small.yaml", "loihi", 200)
}

// BenchmarkCheckpointScale1M: the checkpoint of examples/scale_1m.yaml
// (1.1 M neurons, 100 M synapses, 57,895 cores of the pohoiki preset)
// after 5 ticks, the target (docs/benchmarks.md). Building it
// takes about 3 GB and a minute: set SPINDLE_LONG=1 to run it.
func BenchmarkCheckpointScale1M(b *testing.B) {
	if os.Getenv("SPINDLE_LONG") == "" {
		b.Skip("set SPINDLE_LONG=1 to build scale_1m")
	}
	benchCheckpoint(b, "../examples/scale_1m.yaml", "pohoiki", 5)
}
