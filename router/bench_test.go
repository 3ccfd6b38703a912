package router

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// loihiLike is a Loihi-like layout (4 cores per tile, 8x4 tiles per chip)
// with illustrative costs; the numbers only need to be plausible here.
func loihiLike(chipsX, chipsY int, sync Sync) Config {
	return Config{
		CoresPerTile: 4, TilesX: 8, TilesY: 4, ChipsX: chipsX, ChipsY: chipsY,
		Sync: sync, TickBudget: 1e-3,
		HopLatencyEast: 4e-9, HopLatencyWest: 4e-9, HopLatencyNorth: 6e-9, HopLatencySouth: 6e-9, ChipHopLatency: 100e-9,
		HopEnergyEast: 3.5e-12, HopEnergyWest: 3.5e-12, HopEnergyNorth: 5.3e-12, HopEnergySouth: 5.3e-12, ChipHopEnergy: 100e-12,
		LinkServiceTime: 2e-9, ChipLinkServiceTime: 20e-9,
		LinkBuffer: 64,
	}
}

// BenchmarkSendPop measures packets per second through Send and PopDue,
// one op being one packet, in ticks of 1024 uniformly random packets. After
// warm-up the queue's nodes and the pop buffer are reused, so steady state
// must not allocate.
func BenchmarkSendPop(b *testing.B) {
	cases := []struct {
		chipsX, chipsY int
		sync           Sync
	}{
		{1, 1, Barrier}, {2, 2, Barrier}, {2, 2, Realtime},
	}
	const perTick = 1024
	for _, c := range cases {
		b.Run(fmt.Sprintf("chips=%d/%v", c.chipsX*c.chipsY, c.sync), func(b *testing.B) {
			r := newRouter(b, loihiLike(c.chipsX, c.chipsY, c.sync))
			rng := rand.New(rand.NewPCG(1, 2))
			traffic := make([]Packet, perTick*16)
			for i := range traffic {
				traffic[i] = Packet{Src: uint32(rng.IntN(r.Cores())), Dst: uint32(rng.IntN(r.Cores())), Axon: uint32(i)}
			}
			buf := make([]Packet, 0, 2*perTick)
			tick := int64(0)
			i := 0
			step := func() {
				p := traffic[i%len(traffic)]
				p.Emit = tick
				r.Send(p)
				i++
				if i%perTick == 0 {
					r.EndTick(tick)
					tick++
					buf = r.PopDue(tick, buf[:0])
				}
			}
			for range 8 * perTick { // warm up the free list
				step()
			}
			b.ReportAllocs()
			for b.Loop() {
				step()
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "packets/s")
			if st := r.Stats(); st.Sent > 0 {
				b.ReportMetric(100*float64(st.Dropped)/float64(st.Sent), "%dropped")
			}
		})
	}
}
