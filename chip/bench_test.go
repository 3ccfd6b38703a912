package chip_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/spindle-sim/spindle/chip"
	"github.com/spindle-sim/spindle/chip/internal/chiptest"
	"github.com/spindle-sim/spindle/chip/mapping"
	"github.com/spindle-sim/spindle/snn"
)

// BenchmarkCUBA simulates 1 s of the CUBA benchmark (10,000 ticks of
// 0.1 ms) per iteration; construction and mapping are not timed.
func BenchmarkCUBA(b *testing.B) {
	for _, mode := range []snn.Mode{snn.Float, snn.Fixed} {
		for _, workers := range []int{1, 2, 0} {
			b.Run(fmt.Sprintf("%s/workers=%d", mode, workers), func(b *testing.B) {
				g, err := chiptest.CUBA(mode).Build()
				if err != nil {
					b.Fatal(err)
				}
				a := chiptest.Arch()
				m, err := mapping.Map(g, a, mapping.Balanced, 0)
				if err != nil {
					b.Fatal(err)
				}
				var s chip.Stats
				var cpu time.Duration
				b.ReportAllocs()
				for i := 0; i < b.N; i++ {
					b.StopTimer()
					e, err := chip.NewEngine(g, a, m, chip.Options{Mode: mode, Workers: workers})
					if err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
					cpu0 := chip.CPUTime()
					e.Run(10000)
					cpu += chip.CPUTime() - cpu0
					b.StopTimer()
					s = e.Stats()
					e.Close()
					b.StartTimer()
				}
				sec := b.Elapsed().Seconds() / float64(b.N)
				b.ReportMetric(float64(s.NeuronUpdates)/sec, "updates/s")
				b.ReportMetric(float64(s.SynapticEvents)/sec, "synevents/s")
				// CPU time, every worker's, is what to compare on a loaded machine.
				if cpu > 0 {
					b.ReportMetric(cpu.Seconds()*1e3/float64(b.N), "cpu-ms/op")
				}
			})
		}
	}
}
