package chip

import (
	"fmt"
	"testing"

	"github.com/spindle-sim/spindle/snn"
)

// BenchmarkCUBA simulates 1 s of the CUBA benchmark (10,000 ticks of
// 0.1 ms) per iteration; construction and mapping are not timed.
func BenchmarkCUBA(b *testing.B) {
	for _, mode := range []snn.Mode{snn.Float, snn.Fixed} {
		for _, workers := range []int{1, 2, 0} {
			b.Run(fmt.Sprintf("%s/workers=%d", mode, workers), func(b *testing.B) {
				g, err := cuba(mode).Build()
				if err != nil {
					b.Fatal(err)
				}
				a := testArch()
				m, err := Map(g, a, "balanced", 0)
				if err != nil {
					b.Fatal(err)
				}
				var s Stats
				b.ReportAllocs()
				for i := 0; i < b.N; i++ {
					b.StopTimer()
					e, err := NewEngine(g, a, m, Options{Mode: mode, Workers: workers})
					if err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
					e.Run(10000)
					b.StopTimer()
					s = e.Stats()
					e.Close()
					b.StartTimer()
				}
				sec := b.Elapsed().Seconds() / float64(b.N)
				b.ReportMetric(float64(s.NeuronUpdates)/sec, "updates/s")
				b.ReportMetric(float64(s.SynapticEvents)/sec, "synevents/s")
			})
		}
	}
}
