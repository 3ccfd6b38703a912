package chip_test

import (
	"iter"
	"slices"
	"testing"

	"github.com/spindle-sim/spindle/chip"
	"github.com/spindle-sim/spindle/chip/internal/chiptest"
	"github.com/spindle-sim/spindle/chip/mapping"
	"github.com/spindle-sim/spindle/router"
	"github.com/spindle-sim/spindle/snn"
)

func spikeSeq(sp []spike) iter.Seq2[int64, uint32] {
	return func(yield func(int64, uint32) bool) {
		for _, s := range sp {
			if !yield(s.t, s.id) {
				return
			}
		}
	}
}

// Replaying a run's spikes through the same mapping must reproduce the
// run's router counters and link loads exactly, its synaptic events and
// every energy component but neuron updates. Under detailed timing in
// barrier sync the replay sends its packets at times that leave out the
// neuron updates it does not know, so the links' peak queues may differ;
// under simple timing every packet leaves at the start of the
// communication phase in both, and the link statistics are the same.
func TestReplayMatchesRun(t *testing.T) {
	for _, timing := range []chip.Timing{chip.Simple, chip.Detailed} {
		t.Run(timing.String(), func(t *testing.T) { testReplayMatchesRun(t, timing) })
	}
}

func testReplayMatchesRun(t *testing.T, timing chip.Timing) {
	small := chiptest.Arch()
	small.NeuronsPerCore = 200
	// Every direction of hop costs differently; in whole joules, so that
	// the sums are exact whatever order detailed timing sends in.
	small.HopLatencyWest, small.HopLatencySouth = 5e-9, 7e-9
	small.HopEnergyEast, small.HopEnergyWest, small.HopEnergyNorth, small.HopEnergySouth = 1, 2, 3, 4
	rt := chiptest.Arch()
	rt.NeuronsPerCore = 300
	rt.Sync = chip.Realtime
	rt.TickBudget = 20e-9 // tight: late packets
	rt.LinkBuffer = 2     // and drops
	rt.ChipHopLatency = 50e-9
	for _, c := range []struct {
		name   string
		arch   *chip.Arch
		mapper mapping.Mapper
		order  string
	}{
		{"barrier-sequential", small, mapping.Sequential, "engine"},
		{"barrier-locality", small, mapping.Locality, "engine"},
		{"barrier-random-shuffled", small, mapping.Random, "byaddress"},
		{"realtime-balanced", rt, mapping.Balanced, "engine"},
	} {
		t.Run(c.name, func(t *testing.T) {
			net := chiptest.CUBA(snn.Fixed)
			g, err := net.Build()
			if err != nil {
				t.Fatal(err)
			}
			m, err := mapping.Map(g, c.arch, c.mapper, 0)
			if err != nil {
				t.Fatal(err)
			}
			var sp []spike
			e, err := chip.NewEngine(g, c.arch, m, chip.Options{Mode: net.Mode, Workers: 1, Timing: timing, OnSpike: func(tk int64, id uint32) { sp = append(sp, spike{tk, id}) }})
			if err != nil {
				t.Fatal(err)
			}
			defer e.Close()
			const ticks = 300
			e.Run(ticks)
			want := e.Stats()
			if c.order == "byaddress" {
				sortSpikes(sp)
			}
			p, err := chip.ReplayTraffic(g, c.arch, m, timing, spikeSeq(sp), ticks)
			if err != nil {
				t.Fatal(err)
			}
			got := p.Stats()
			if got.Router != want.Router {
				t.Errorf("router totals: replay %+v, run %+v", got.Router, want.Router)
			}
			gl, wl := p.Router().Links(), e.Router().Links()
			if timing == chip.Detailed && c.arch.Sync == chip.Barrier {
				for i := range gl {
					gl[i].PeakQueue, wl[i].PeakQueue = 0, 0
				}
			}
			if !slices.Equal(gl, wl) {
				t.Errorf("link statistics differ")
			}
			if got.Spikes != want.Spikes || got.SynapticEvents != want.SynapticEvents || got.Ticks != want.Ticks {
				t.Errorf("spikes/synaptic events/ticks: replay %d/%d/%d, run %d/%d/%d", got.Spikes, got.SynapticEvents, got.Ticks, want.Spikes, want.SynapticEvents, want.Ticks)
			}
			if got.Messages != want.Messages {
				t.Errorf("messages: replay %+v, run %+v", got.Messages, want.Messages)
			}
			for _, k := range []string{"synaptic", "access", "spike", "message", "network", "barrier"} {
				if got.EnergyByComponent[k] != want.EnergyByComponent[k] {
					t.Errorf("energy %s: replay %g, run %g", k, got.EnergyByComponent[k], want.EnergyByComponent[k])
				}
			}
			if want.Router.Sent == 0 {
				t.Error("no packets")
			}
			if c.arch == rt && (want.Router.Late == 0 || want.Router.Dropped == 0) {
				t.Logf("realtime case: %d late, %d dropped", want.Router.Late, want.Router.Dropped)
			}
		})
	}
}

// mappedCUBA is the fixed-mode CUBA network mapped sequentially on the
// test architecture.
func mappedCUBA(t *testing.T) (*snn.Graph, *chip.Arch, *chip.Mapping) {
	t.Helper()
	g, err := chiptest.CUBA(snn.Fixed).Build()
	if err != nil {
		t.Fatal(err)
	}
	a := chiptest.Arch()
	m, err := mapping.Map(g, a, mapping.Sequential, 0)
	if err != nil {
		t.Fatal(err)
	}
	return g, a, m
}

func TestReplayRefusesBadSpikes(t *testing.T) {
	g, a, m := mappedCUBA(t)
	for name, sp := range map[string][]spike{
		"address":   {{0, 1}, {1, uint32(g.N)}},
		"backwards": {{5, 1}, {3, 2}},
		"negative":  {{-1, 1}},
	} {
		if _, err := chip.ReplayTraffic(g, a, m, chip.Detailed, spikeSeq(sp), 0); err == nil {
			t.Errorf("%s: no error", name)
		} else {
			t.Logf("%s: %v", name, err)
		}
	}
}

// TestReplayTicks: the tick count bounds the replay, in both directions;
// 0 replays up to the last spike.
func TestReplayTicks(t *testing.T) {
	g, a, m := mappedCUBA(t)
	var sp []spike
	for tk := int64(0); tk < 100; tk++ {
		sp = append(sp, spike{tk, uint32(tk * 7)}, spike{tk, uint32(tk*7 + 1)})
	}
	for _, c := range []struct {
		ticks, wantTicks, wantSpikes int64
		wantRead                     int // spikes taken from the sequence
	}{
		{0, 100, 200, 200},
		{50, 50, 100, 101}, // the first spike of tick 50 ends the reading
		{1, 1, 2, 3},
		{300, 300, 200, 200},
	} {
		read := 0
		seq := func(yield func(int64, uint32) bool) {
			for _, s := range sp {
				read++
				if !yield(s.t, s.id) {
					return
				}
			}
		}
		p, err := chip.ReplayTraffic(g, a, m, chip.Detailed, seq, c.ticks)
		if err != nil {
			t.Fatal(err)
		}
		if s := p.Stats(); s.Ticks != c.wantTicks || s.Spikes != c.wantSpikes || read != c.wantRead {
			t.Errorf("ticks %d: replayed %d ticks, %d spikes, read %d; want %d, %d, %d", c.ticks, s.Ticks, s.Spikes, read, c.wantTicks, c.wantSpikes, c.wantRead)
		}
	}
	if _, err := chip.ReplayTraffic(g, a, m, chip.Detailed, spikeSeq(sp), -1); err == nil {
		t.Error("-1 ticks accepted")
	}
}

// BenchmarkReplay replays a feed-forward chain in which every neuron
// projects to one or two cores.
func BenchmarkReplay(b *testing.B) {
	net := chiptest.ChainNet(8, 4096, 1)
	g, err := net.Build()
	if err != nil {
		b.Fatal(err)
	}
	a := chiptest.Arch()
	m, err := mapping.Map(g, a, mapping.Sequential, 0)
	if err != nil {
		b.Fatal(err)
	}
	// Every neuron fires every 4th tick, staggered.
	const ticks = 512
	var sp []spike
	for tk := int64(0); tk < ticks; tk++ {
		for i := int(tk % 4); i < g.N; i += 4 {
			sp = append(sp, spike{tk, uint32(i)})
		}
	}
	perTick := make([][]uint32, ticks)
	for _, x := range sp {
		perTick[x.t] = append(perTick[x.t], x.id)
	}
	// Construction (the routes of every neuron) is not replay throughput:
	// only the ticks are timed.
	var s chip.Stats
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		p, err := chip.NewReplayer(g, a, m, chip.Detailed)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		for _, ids := range perTick {
			if err := p.Step(ids); err != nil {
				b.Fatal(err)
			}
		}
		s = p.Stats()
	}
	b.ReportMetric(float64(len(sp))*float64(b.N)/b.Elapsed().Seconds(), "spikes/s")
	b.ReportMetric(float64(s.Router.Sent)/float64(len(sp)), "packets/spike")
	_ = router.Totals{}
}
