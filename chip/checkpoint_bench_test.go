package chip_test

import (
	"bytes"
	"io"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/spindle-sim/spindle/chip"
	"github.com/spindle-sim/spindle/loader"
	"github.com/spindle-sim/spindle/snn"
)

// countingWriter counts the bytes written through it.
type countingWriter struct{ n int64 }

func (w *countingWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }

// benchCheckpoint builds the network of path on arch in fixed mode, runs
// ticks ticks and times Engine.Checkpoint, reporting the checkpoint's
// size per synapse; then times a Restore of it once.
func benchCheckpoint(b *testing.B, path, arch string, ticks int) {
	net, err := loader.LoadNetwork(path)
	if err != nil {
		b.Fatal(err)
	}
	net.Mode = snn.Fixed
	a, err := loader.LoadArch(arch)
	if err != nil {
		b.Fatal(err)
	}
	fit, err := chip.CheckFit(net, a, "sequential", 0)
	if err != nil {
		b.Fatal(err)
	}
	g, err := net.Build()
	if err != nil {
		b.Fatal(err)
	}
	m, err := chip.MapWith(g, a, "sequential", 0, chip.MapOptions{Fit: fit})
	if err != nil {
		b.Fatal(err)
	}
	e, err := chip.NewEngine(g, a, m, chip.Options{Mode: snn.Fixed})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	e.Run(ticks)
	runtime.GC()
	var w countingWriter
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w.n = 0
		if err := e.Checkpoint(&w); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(w.n)/float64(g.Synapses()), "bytes/synapse")
	b.ReportMetric(float64(w.n), "bytes")
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

var _ io.Writer = (*countingWriter)(nil)
