package router_test

import (
	"fmt"

	"github.com/spindle-sim/spindle/router"
)

func Example() {
	r, err := router.New(router.Config{
		CoresPerTile: 4, TilesX: 8, TilesY: 4, ChipsX: 2, ChipsY: 1,
		Sync:           router.Barrier,
		HopLatencyEast: 4e-9, HopLatencyWest: 4e-9, HopLatencyNorth: 6e-9, HopLatencySouth: 6e-9, ChipHopLatency: 100e-9,
		HopEnergyEast: 3.5e-12, HopEnergyWest: 3.5e-12, HopEnergyNorth: 5.3e-12, HopEnergySouth: 5.3e-12, ChipHopEnergy: 100e-12,
		LinkServiceTime: 2e-9, ChipLinkServiceTime: 20e-9,
		LinkBuffer: 16,
	})
	if err != nil {
		panic(err)
	}
	fmt.Println("cores:", r.Cores(), "hops 0->255:", r.Hops(0, 255))

	var due []router.Packet
	for t := int64(0); t < 2; t++ {
		due = r.PopDue(t, due[:0])
		for _, p := range due {
			fmt.Printf("tick %d: core %d axon %d <- core %d (%d hops)\n", t, p.Dst, p.Axon, p.Src, p.Hops)
		}
		if t == 0 { // the cores of tick 0 emit two packets
			r.Send(router.Packet{Src: 0, Dst: 255, Axon: 7, Emit: t})
			r.Send(router.Packet{Src: 0, Dst: 1, Axon: 3, Emit: t})
		}
		st := r.EndTick(t)
		fmt.Printf("tick %d: %d packets, drain %.0f ns, %.1f pJ\n", t, st.Packets, st.DrainSeconds*1e9, st.EnergyJoules*1e12)
	}
	// 14 on-chip EW hops of 2+4 ns, one chip hop of 20+100 ns and 3 NS
	// hops of 2+6 ns: 228 ns; 14*3.5 + 100 + 3*5.3 = 164.9 pJ.

	// Output:
	// cores: 256 hops 0->255: 18
	// tick 0: 2 packets, drain 228 ns, 164.9 pJ
	// tick 1: core 1 axon 3 <- core 0 (0 hops)
	// tick 1: core 255 axon 7 <- core 0 (18 hops)
	// tick 1: 0 packets, drain 0 ns, 0.0 pJ
}
