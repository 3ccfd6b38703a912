package chip

import (
	"math"
	"testing"

	"github.com/spindle-sim/spindle/router"
)

// tinyArch lays one core per tile in a row, so that core c is c hops east
// of core 0, and prices nothing; the tests set the costs they check.
func tinyArch() *Arch {
	return &Arch{
		Name: "tiny", NeuronsPerCore: 2, InputAxonsPerCore: 64, OutputAxonsPerCore: 64,
		SynapsesPerCore: 64, MaxFanIn: 64, MaxDelayTicks: 4, WeightBits: 8,
		CoresPerTile: 1, TilesX: 4, TilesY: 1, Sync: Barrier, LinkBuffer: 16,
	}
}

const ns = 1e-9

// TestCongestion follows detailed timing's congestion model by hand: core
// 0 sends six messages to core 1 and then one to core 2, all on one tile
// (no links: each message's buffers are core 0's output and its
// destination's input, so a held message counts half in each), one every
// ns; receiving a message takes 10 ns; link_buffer 1 gives a route a
// capacity of 2 messages.
func TestCongestion(t *testing.T) {
	a := tinyArch()
	a.CoresPerTile, a.LinkBuffer, a.MessageInLatency, a.SynOpLatencyDense = 4, 1, 10*ns, 1*ns
	m := &Mapping{Cores: [][]uint32{{0}, {1}, {2}}}
	r, err := router.New(a.routerConfig(&Mapping{ChipsX: 1, ChipsY: 1}))
	if err != nil {
		t.Fatal(err)
	}
	k := newCost(a, m, []int64{1, 1, 1}, Detailed)
	routeSyn := routeSyns{code: []uint32{0, uint32(Dense)<<formatShift | 100}}
	var ts timedSends
	for j := 0; j < 6; j++ {
		ts.add(router.Packet{Src: 0, Dst: 1}, 0, float64(j+1)*ns)
	}
	ts.add(router.Packet{Src: 0, Dst: 2}, 1, 7*ns)
	ts.flush(r, &k, routeSyn.at, a.LinkBuffer, nil)
	// m0 at 1 and m1 at 2 find nothing held: core 1 takes m0 at 1 (done
	// 11) and m1 at 11 (done 21). m2 at 3 finds m1 ahead (1 message, mean
	// work 10): it arrives at 3 + 1*10/2 = 8, core 1 takes it at 21 (done
	// 31). m3 at 4: 2 ahead, at capacity: arrives at 14, taken at 31 (done
	// 41). m4 at 5: 3 ahead, 1 over: core 0 stalls 10 ns and sends it at
	// 15; it arrives at 15 + 3*10/2 = 30, taken at 41 (done 51). m5, due at
	// 6 + 10 = 16: m1 has been taken, m2..m4 are ahead, 1 over: sent at 26
	// (stalled 20 ns in all), taken at 51 (done 61). m6 to core 2, due at
	// 7 + 20 = 27: m2 has been taken; m3..m5 hold half a message each in
	// core 0's output, 1.5 ahead: it arrives at 27 + 1.5*10/2 = 34.5 and
	// core 2, idle, is done with it (10 ns + 100 synapses of 1 ns) at 144.5.
	if got := k.work[0].stalled; math.Abs(got-20*ns) > 1e-15 {
		t.Errorf("core 0 stalled %g s, want 20 ns", got)
	}
	if got := k.lastDone; math.Abs(got-144.5*ns) > 1e-15 {
		t.Errorf("last message done at %g s, want 144.5 ns", got)
	}
	if k.work[0].sent != 7 || k.in[1].received != 6 || k.in[2].received != 1 || k.in[2].syn[Dense] != 100 {
		t.Errorf("counts %+v, %+v", k.work, k.in)
	}
}

// TestSyncInUse: the tables are looked up on the tiles and chips that hold
// a neuron, not on the board's size.
func TestSyncInUse(t *testing.T) {
	a := tinyArch()
	a.CoresPerTile, a.TilesX, a.TilesY = 1, 2, 1 // two cores per chip
	a.BarrierLatency = 1000
	a.SyncTiles = []SyncStep{{From: 1, Seconds: 1}, {From: 3, Seconds: 3}, {From: 4, Seconds: 4}}
	a.SyncChips = []SyncStep{{From: 2, Seconds: 100}, {From: 3, Seconds: 300}}
	// Cores 0, 2 and 3 hold neurons: 3 tiles on 2 chips; core 1 is empty.
	m := &Mapping{Cores: [][]uint32{{0}, {}, {1}, {2}, {}, {}}}
	k := newCost(a, m, []int64{1, 0, 1, 1, 0, 0}, Simple)
	if k.sync != 1103 {
		t.Errorf("sync %g s, want 1000 + 3 + 100", k.sync)
	}
}
