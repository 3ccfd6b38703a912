package foraging

import (
	"fmt"
	"testing"

	"github.com/spindle-sim/spindle/loader"
	"github.com/spindle-sim/spindle/snn"
)

// BenchmarkSleep times one sleep phase of the paper's model (400
// cycle-equivalents, uniform noise) with the modulation broadcast every
// tick against once per cycle-equivalent (SleepParams.Period), the same
// dose: the learning engine's passes are what the period saves. The
// network is fresh, so the time is the learning passes' and the neuron
// updates', not that of any learned activity.
func BenchmarkSleep(b *testing.B) {
	arch, err := loader.LoadArch("loihi")
	if err != nil {
		b.Fatal(err)
	}
	for _, period := range []int{1, 24} {
		b.Run(fmt.Sprintf("period=%d", period), func(b *testing.B) {
			p := PaperParams()
			p.Sleep.Modulation *= float64(period) / float64(p.Sleep.Period)
			p.Sleep.Period = period
			s := &session{p: &p}
			br, _, err := newChipBrain(&p, 1000, snn.Float, arch, s.onSpike)
			if err != nil {
				b.Fatal(err)
			}
			defer br.Close()
			ticks := PaperProtocol(&p).SleepTicks
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := br.Sleep(ticks); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
