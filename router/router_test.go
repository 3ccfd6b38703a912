package router

import (
	"cmp"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// testConfig is a small board whose numbers are easy to follow by hand:
// 2 cores per tile, 3x2 tiles per chip, 2x2 chips, so 48 cores on a 6x4
// grid of tiles. Time units are nanoseconds, energy units picojoules.
func testConfig() Config {
	return Config{
		CoresPerTile: 2, TilesX: 3, TilesY: 2, ChipsX: 2, ChipsY: 2,
		Sync:           Barrier,
		HopLatencyEast: 2e-9, HopLatencyWest: 2e-9, HopLatencyNorth: 3e-9, HopLatencySouth: 3e-9, ChipHopLatency: 50e-9,
		HopEnergyEast: 1e-12, HopEnergyWest: 1e-12, HopEnergyNorth: 2e-12, HopEnergySouth: 2e-12, ChipHopEnergy: 10e-12,
		LinkServiceTime: 1e-9, ChipLinkServiceTime: 100e-9,
		LinkBuffer: 4,
	}
}

func newRouter(t testing.TB, cfg Config) *Router {
	t.Helper()
	r, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(math.Abs(a), math.Abs(b)) }

func TestTileOf(t *testing.T) {
	r := newRouter(t, testConfig())
	if got := r.Cores(); got != 48 {
		t.Fatalf("Cores() = %d, want 48", got)
	}
	tests := []struct {
		core uint32
		want Tile
	}{
		{0, Tile{0, 0}}, {1, Tile{0, 0}},
		{2, Tile{1, 0}}, {5, Tile{2, 0}},
		{6, Tile{0, 1}}, {11, Tile{2, 1}}, // second row of chip 0
		{12, Tile{3, 0}}, {23, Tile{5, 1}}, // chip 1 is east of chip 0
		{24, Tile{0, 2}}, {31, Tile{0, 3}}, // chip 2 is north of chip 0
		{36, Tile{3, 2}}, {47, Tile{5, 3}}, // chip 3
	}
	for _, tc := range tests {
		if got := r.TileOf(tc.core); got != tc.want {
			t.Errorf("TileOf(%d) = %v, want %v", tc.core, got, tc.want)
		}
	}
}

func TestOutOfRangeCorePanics(t *testing.T) {
	r := newRouter(t, testConfig())
	defer func() {
		if recover() == nil {
			t.Error("Send to core 48 of 48 did not panic")
		}
	}()
	r.Send(Packet{Src: 0, Dst: 48})
}

func TestHops(t *testing.T) {
	tests := []struct {
		name           string
		src, dst       uint32
		hops, chipHops int64
	}{
		{"same core", 3, 3, 0, 0},
		{"same tile", 0, 1, 0, 0},
		{"east neighbour", 0, 2, 1, 0},
		{"north neighbour", 0, 6, 1, 0},
		{"across one chip boundary", 11, 12, 2, 1},
		{"board corner to corner", 0, 47, 8, 2},
		{"corner to corner, back", 47, 0, 8, 2},
		{"chip 1 to chip 2", 12, 24, 5, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newRouter(t, testConfig())
			if got := r.Hops(tc.src, tc.dst); int64(got) != tc.hops {
				t.Errorf("Hops = %d, want %d", got, tc.hops)
			}
			p, ok := r.Send(Packet{Src: tc.src, Dst: tc.dst})
			if !ok || int64(p.Hops) != tc.hops {
				t.Errorf("Send: Hops = %d, queued %v; want %d, true", p.Hops, ok, tc.hops)
			}
			st := r.Stats()
			if st.HopPackets != tc.hops || st.ChipHopPackets != tc.chipHops {
				t.Errorf("HopPackets, ChipHopPackets = %d, %d; want %d, %d",
					st.HopPackets, st.ChipHopPackets, tc.hops, tc.chipHops)
			}
		})
	}
}

func TestHopsMatchesSend(t *testing.T) {
	r := newRouter(t, testConfig())
	rng := rand.New(rand.NewPCG(1, 2))
	for range 1000 {
		src, dst := uint32(rng.IntN(r.Cores())), uint32(rng.IntN(r.Cores()))
		before := r.Stats().HopPackets
		p, _ := r.Send(Packet{Src: src, Dst: dst})
		if h := r.Hops(src, dst); h != int(p.Hops) || int64(h) != r.Stats().HopPackets-before {
			t.Fatalf("%d->%d: Hops %d, Send Hops %d, links crossed %d", src, dst, h, p.Hops, r.Stats().HopPackets-before)
		}
	}
}

// usedLinks lists the links that forwarded at least one packet.
func usedLinks(r *Router) [][2]Tile {
	var out [][2]Tile
	for _, l := range r.Links() {
		if l.Packets > 0 {
			out = append(out, [2]Tile{l.From, l.To})
		}
	}
	return out
}

func TestDimensionOrder(t *testing.T) {
	tests := []struct {
		name     string
		src, dst uint32
		want     [][2]Tile // in Links() order
	}{
		{"X then Y, north-east", 0, 11, [][2]Tile{
			{{0, 0}, {1, 0}}, {{1, 0}, {2, 0}}, {{2, 0}, {2, 1}},
		}},
		{"X then Y, south-west", 11, 0, [][2]Tile{
			{{0, 1}, {0, 0}}, {{1, 1}, {0, 1}}, {{2, 1}, {1, 1}},
		}},
		{"Y only", 0, 30, [][2]Tile{ // core 30 is tile (0,3)
			{{0, 0}, {0, 1}}, {{0, 1}, {0, 2}}, {{0, 2}, {0, 3}},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newRouter(t, testConfig())
			r.Send(Packet{Src: tc.src, Dst: tc.dst})
			if got := usedLinks(r); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("links used = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestTimingAndEnergy(t *testing.T) {
	tests := []struct {
		name    string
		sends   [][2]uint32
		drain   float64 // seconds
		energy  float64 // joules
		peakMax int64
	}{
		{"same tile is free", [][2]uint32{{0, 1}}, 0, 0, 0},
		{"one EW hop", [][2]uint32{{0, 2}}, 3e-9, 1e-12, 1},
		{"one NS hop", [][2]uint32{{0, 6}}, 4e-9, 2e-12, 1},
		// 4 EW hops of 1+2 ns, 2 chip hops of 100+50 ns, 2 NS hops of 1+3 ns.
		{"corner to corner", [][2]uint32{{0, 47}}, 4*3e-9 + 2*150e-9 + 2*4e-9, 4e-12 + 2*10e-12 + 2*2e-12, 1},
		// Three packets share one link: they leave it 1 ns apart.
		{"queueing on one link", [][2]uint32{{0, 2}, {1, 3}, {0, 2}}, 5e-9, 3e-12, 3},
		// Disjoint links do not interfere.
		{"parallel links", [][2]uint32{{0, 2}, {2, 4}, {4, 2}}, 3e-9, 3e-12, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newRouter(t, testConfig())
			for _, s := range tc.sends {
				r.Send(Packet{Src: s[0], Dst: s[1]})
			}
			st := r.EndTick(0)
			if !near(st.DrainSeconds, tc.drain) || !near(st.EnergyJoules, tc.energy) {
				t.Errorf("drain %g s, energy %g J; want %g s, %g J", st.DrainSeconds, st.EnergyJoules, tc.drain, tc.energy)
			}
			var peak int64
			for _, l := range r.Links() {
				peak = max(peak, l.PeakQueue)
			}
			if peak != tc.peakMax {
				t.Errorf("largest PeakQueue = %d, want %d", peak, tc.peakMax)
			}
			if tot := r.Stats().EnergyJoules; !near(tot, tc.energy) {
				t.Errorf("total energy %g J, want %g J", tot, tc.energy)
			}
		})
	}
}

func TestEndTickEmptiesLinks(t *testing.T) {
	r := newRouter(t, testConfig())
	for range 5 {
		r.Send(Packet{Src: 0, Dst: 2})
	}
	if st := r.EndTick(0); !near(st.DrainSeconds, 7e-9) || st.Packets != 5 || st.Tick != 0 {
		t.Fatalf("tick 0: %+v", st)
	}
	r.Send(Packet{Src: 0, Dst: 2, Emit: 1})
	if st := r.EndTick(1); !near(st.DrainSeconds, 3e-9) || st.Packets != 1 || st.HopPackets != 1 || st.Tick != 1 {
		t.Fatalf("tick 1 should see an idle link: %+v", st)
	}
}

func TestPopDueOrder(t *testing.T) {
	r := newRouter(t, testConfig())
	in := []Packet{
		{Emit: 2, Src: 1, Dst: 5},
		{Emit: 1, Src: 0, Dst: 7},
		{Emit: 1, Src: 9, Dst: 3},
		{Emit: 1, Src: 2, Dst: 3, Axon: 1},
		{Emit: 1, Src: 2, Dst: 3, Axon: 0}, // same key: after Axon 1, by send order
		{Emit: 0, Src: 4, Dst: 40},
	}
	for _, p := range in {
		r.Send(p)
	}
	type key struct {
		deliver  int64
		src, dst uint32
		axon     uint32
	}
	pop := func(tick int64) []key {
		var ks []key
		for _, p := range r.PopDue(tick, nil) {
			ks = append(ks, key{p.Deliver, p.Src, p.Dst, p.Axon})
		}
		return ks
	}
	if got := pop(0); got != nil {
		t.Errorf("PopDue(0) = %v, want nothing", got)
	}
	if got, want := pop(1), []key{{1, 4, 40, 0}}; !reflect.DeepEqual(got, want) {
		t.Errorf("PopDue(1) = %v, want %v", got, want)
	}
	want := []key{{2, 2, 3, 1}, {2, 2, 3, 0}, {2, 9, 3, 0}, {2, 0, 7, 0}}
	if got := pop(2); !reflect.DeepEqual(got, want) {
		t.Errorf("PopDue(2) = %v, want %v", got, want)
	}
	// A tick skipped by the caller is not lost: PopDue takes all Deliver <= t.
	if got, want := pop(10), []key{{3, 1, 5, 0}}; !reflect.DeepEqual(got, want) {
		t.Errorf("PopDue(10) = %v, want %v", got, want)
	}
	if st := r.Stats(); st.Pending != 0 || st.Delivered != 6 {
		t.Errorf("after popping all: %+v", st)
	}
}

func TestBarrierNeverLateOrDropped(t *testing.T) {
	cfg := testConfig()
	cfg.LinkBuffer = 1
	r := newRouter(t, cfg)
	const n = 200
	for i := range n {
		p, ok := r.Send(Packet{Src: uint32(i % r.Cores()), Dst: 20, Emit: 7})
		if !ok || p.Late || p.Deliver != 8 {
			t.Fatalf("packet %d: %+v queued %v; want Deliver 8, on time, queued", i, p, ok)
		}
	}
	st := r.EndTick(7)
	if st.Dropped != 0 || st.Late != 0 || st.Packets != n {
		t.Errorf("tick stats %+v", st)
	}
	// 48 cores send to 20, with 200 packets the chip link into chip 1's
	// tile must have queued far beyond the buffer of 1.
	var peak int64
	for _, l := range r.Links() {
		peak = max(peak, l.PeakQueue)
	}
	if peak <= 1 {
		t.Errorf("largest PeakQueue %d; barrier sync should report queues beyond LinkBuffer", peak)
	}
	if st.DrainSeconds < 1e-6 {
		t.Errorf("drain %g s: congestion on a 100 ns chip link should take microseconds", st.DrainSeconds)
	}
	if got := len(r.PopDue(7, nil)); got != 0 {
		t.Errorf("%d packets due at tick 7, want 0", got)
	}
	if got := len(r.PopDue(8, nil)); got != n {
		t.Errorf("%d packets due at tick 8, want %d", got, n)
	}
}

func realtimeConfig(budget float64, buffer int) Config {
	cfg := testConfig()
	cfg.Sync = Realtime
	cfg.TickBudget = budget
	cfg.LinkBuffer = buffer
	return cfg
}

func TestRealtimeLate(t *testing.T) {
	// One EW link, 1 ns service, 2 ns latency: the k-th packet (from 1)
	// arrives at k+2 ns. With a 4 ns budget, arrivals at 3 and 4 ns are on
	// time, 5..8 ns need a second budget, 9..12 ns a third.
	r := newRouter(t, realtimeConfig(4e-9, 100))
	wantDeliver := []int64{11, 11, 12, 12, 12, 12, 13, 13, 13, 13}
	for i, want := range wantDeliver {
		p, ok := r.Send(Packet{Src: 0, Dst: 2, Emit: 10})
		if !ok || p.Deliver != want || p.Late != (want > 11) {
			t.Errorf("packet %d: Deliver %d Late %v queued %v; want Deliver %d", i, p.Deliver, p.Late, ok, want)
		}
	}
	st := r.EndTick(10)
	if st.Late != 8 || st.Dropped != 0 || !near(st.DrainSeconds, 12e-9) {
		t.Errorf("tick stats %+v", st)
	}
	for _, l := range r.Links() {
		if l.Packets > 0 && (l.Late != 8 || l.PeakQueue != 10) {
			t.Errorf("link %v->%v: %+v, want Late 8, PeakQueue 10", l.From, l.To, l)
		}
	}
	if tot := r.Stats(); tot.Late != 8 {
		t.Errorf("total Late %d, want 8", tot.Late)
	}
}

func TestRealtimeLateLink(t *testing.T) {
	// Core 2 -> 12 crosses (1,0)->(2,0) (1+2 ns) then the chip link
	// (2,0)->(3,0) (100+50 ns); with a 100 ns budget it becomes late on
	// the chip link, and that link is blamed.
	r := newRouter(t, realtimeConfig(100e-9, 4))
	p, _ := r.Send(Packet{Src: 2, Dst: 12})
	if !p.Late || p.Deliver != 2 {
		t.Fatalf("%+v: want late, Deliver 2 (153 ns = 2 budgets)", p)
	}
	for _, l := range r.Links() {
		want := int64(0)
		if l.ChipToChip && l.Packets > 0 {
			want = 1
		}
		if l.Late != want {
			t.Errorf("link %v->%v Late %d, want %d", l.From, l.To, l.Late, want)
		}
	}
}

func TestRealtimeDrop(t *testing.T) {
	t.Run("first link", func(t *testing.T) {
		// Buffer 2: the first two packets fit, the rest find 2 queued.
		r := newRouter(t, realtimeConfig(1e-3, 2))
		var queued []bool
		for range 5 {
			_, ok := r.Send(Packet{Src: 0, Dst: 2})
			queued = append(queued, ok)
		}
		if want := []bool{true, true, false, false, false}; !slices.Equal(queued, want) {
			t.Errorf("queued %v, want %v", queued, want)
		}
		st := r.EndTick(0)
		if st.Dropped != 3 || st.HopPackets != 2 || st.Packets != 5 {
			t.Errorf("tick stats %+v", st)
		}
		for _, l := range r.Links() {
			if l.Packets > 0 && (l.Dropped != 3 || l.PeakQueue != 2 || l.Packets != 2) {
				t.Errorf("link %v->%v: %+v", l.From, l.To, l)
			}
		}
	})
	t.Run("later link", func(t *testing.T) {
		// Two packets 5 -> 12 fill the 100 ns chip link (2,0)->(3,0) until
		// 200 ns. A packet 2 -> 12 crosses (1,0)->(2,0) first, reaches the
		// chip link at 3 ns, finds 2 queued and is dropped there.
		r := newRouter(t, realtimeConfig(1e-3, 2))
		r.Send(Packet{Src: 5, Dst: 12})
		r.Send(Packet{Src: 5, Dst: 12})
		if _, ok := r.Send(Packet{Src: 2, Dst: 12}); ok {
			t.Fatal("packet 2 -> 12 was queued, want dropped")
		}
		st := r.EndTick(0)
		// Two chip hops and the dropped packet's one EW hop were made.
		if st.Dropped != 1 || st.HopPackets != 3 || st.ChipHopPackets != 2 || !near(st.EnergyJoules, 21e-12) {
			t.Errorf("tick stats %+v", st)
		}
		for _, l := range r.Links() {
			switch {
			case l.From == Tile{1, 0} && l.To == Tile{2, 0}:
				if l.Packets != 1 || l.Dropped != 0 {
					t.Errorf("EW link: %+v", l)
				}
			case l.ChipToChip && l.From == Tile{2, 0}:
				if l.Packets != 2 || l.Dropped != 1 || l.PeakQueue != 2 {
					t.Errorf("chip link: %+v", l)
				}
			default:
				if l.Packets != 0 || l.Dropped != 0 {
					t.Errorf("link %v->%v should be unused: %+v", l.From, l.To, l)
				}
			}
		}
	})
}

// congest runs ticks of heavy realtime traffic (most of it into one core)
// and returns every packet delivered, in delivery order, and per-tick
// stats. It checks the conservation invariant after every tick.
func congest(t *testing.T, ticks int) ([]Packet, []TickStats, *Router) {
	r := newRouter(t, realtimeConfig(30e-9, 2))
	rng := rand.New(rand.NewPCG(7, 11))
	var delivered []Packet
	var stats []TickStats
	buf := make([]Packet, 0, 256)
	for tick := range int64(ticks) {
		buf = r.PopDue(tick, buf[:0])
		for i, p := range buf {
			if p.Deliver > tick || (i > 0 && before(p, buf[i-1])) {
				t.Fatalf("tick %d: popped %+v out of order or early", tick, p)
			}
			if p.Late != (p.Deliver > p.Emit+1) {
				t.Fatalf("tick %d: Late %v but Deliver-Emit = %d", tick, p.Late, p.Deliver-p.Emit)
			}
		}
		delivered = append(delivered, buf...)
		for range 100 + rng.IntN(200) {
			dst := uint32(47)
			if rng.IntN(4) == 0 {
				dst = uint32(rng.IntN(r.Cores()))
			}
			r.Send(Packet{Src: uint32(rng.IntN(r.Cores())), Dst: dst, Axon: uint32(rng.IntN(16)), Emit: tick})
		}
		stats = append(stats, r.EndTick(tick))
		if s := r.Stats(); s.Sent != s.Delivered+s.Dropped+s.Pending {
			t.Fatalf("tick %d: Sent %d != Delivered %d + Dropped %d + Pending %d", tick, s.Sent, s.Delivered, s.Dropped, s.Pending)
		}
	}
	delivered = append(delivered, r.PopDue(math.MaxInt64, nil)...)
	return delivered, stats, r
}

func TestConservationUnderCongestion(t *testing.T) {
	delivered, stats, r := congest(t, 50)
	s := r.Stats()
	if s.Pending != 0 || s.Sent != s.Delivered+s.Dropped || s.Delivered != int64(len(delivered)) {
		t.Fatalf("after draining: %+v, %d delivered", s, len(delivered))
	}
	if s.Dropped == 0 || s.Late == 0 {
		t.Fatalf("the scenario should drop and delay packets: %+v", s)
	}
	var sum TickStats
	for _, st := range stats {
		sum.Packets += st.Packets
		sum.Dropped += st.Dropped
		sum.Late += st.Late
		sum.HopPackets += st.HopPackets
		sum.ChipHopPackets += st.ChipHopPackets
		sum.EnergyJoules += st.EnergyJoules
	}
	var links LinkStats
	for _, l := range r.Links() {
		links.Packets += l.Packets
		links.Dropped += l.Dropped
		links.Late += l.Late
		if l.PeakQueue > 2 {
			t.Errorf("link %v->%v PeakQueue %d exceeds LinkBuffer 2", l.From, l.To, l.PeakQueue)
		}
	}
	late := int64(0)
	for _, p := range delivered {
		if p.Late {
			late++
		}
	}
	checks := []struct {
		name      string
		got, want int64
	}{
		{"sum of tick Packets vs Sent", sum.Packets, s.Sent},
		{"sum of tick Dropped vs Dropped", sum.Dropped, s.Dropped},
		{"sum of link Dropped vs Dropped", links.Dropped, s.Dropped},
		{"sum of tick Late vs Late", sum.Late, s.Late},
		{"sum of link Late vs Late", links.Late, s.Late},
		{"late packets delivered vs Late", late, s.Late},
		{"sum of tick HopPackets vs HopPackets", sum.HopPackets, s.HopPackets},
		{"sum of link Packets vs HopPackets", links.Packets, s.HopPackets},
		{"sum of tick ChipHopPackets", sum.ChipHopPackets, s.ChipHopPackets},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: %d != %d", c.name, c.got, c.want)
		}
	}
	if !near(sum.EnergyJoules, s.EnergyJoules) {
		t.Errorf("sum of tick energy %g != total %g", sum.EnergyJoules, s.EnergyJoules)
	}
}

func TestDeterministic(t *testing.T) {
	d1, s1, r1 := congest(t, 20)
	d2, s2, r2 := congest(t, 20)
	if !reflect.DeepEqual(d1, d2) || !reflect.DeepEqual(s1, s2) ||
		!reflect.DeepEqual(r1.Links(), r2.Links()) || r1.Stats() != r2.Stats() {
		t.Error("two identical runs differ")
	}
}

func TestNewRejects(t *testing.T) {
	tests := []struct {
		field string
		edit  func(*Config)
	}{
		{"CoresPerTile", func(c *Config) { c.CoresPerTile = 0 }},
		{"TilesX", func(c *Config) { c.TilesX = -1 }},
		{"TilesY", func(c *Config) { c.TilesY = 0 }},
		{"ChipsX", func(c *Config) { c.ChipsX = 0 }},
		{"ChipsY", func(c *Config) { c.ChipsY = 0 }},
		{"TilesX*ChipsX*TilesY*ChipsY", func(c *Config) { c.TilesX, c.TilesY = 2048, 2048 }},
		{"TilesX*ChipsX+TilesY*ChipsY", func(c *Config) { c.TilesX, c.TilesY, c.ChipsX, c.ChipsY = 70000, 1, 1, 1 }},
		{"CoresPerTile", func(c *Config) { c.CoresPerTile = 1 << 30 }},
		{"Sync", func(c *Config) { c.Sync = 9 }},
		{"TickBudget", func(c *Config) { c.Sync, c.TickBudget = Realtime, 0 }},
		{"LinkBuffer", func(c *Config) { c.Sync, c.TickBudget, c.LinkBuffer = Realtime, 1e-3, 0 }},
		{"LinkBuffer", func(c *Config) { c.LinkBuffer = -1 }},
		{"HopLatencyEast", func(c *Config) { c.HopLatencyEast = -1e-9 }},
		{"HopLatencySouth", func(c *Config) { c.HopLatencySouth = math.NaN() }},
		{"ChipHopLatency", func(c *Config) { c.ChipHopLatency = math.Inf(1) }},
		{"LinkServiceTime", func(c *Config) { c.LinkServiceTime = 1e-14 }},
		{"ChipLinkServiceTime", func(c *Config) { c.ChipLinkServiceTime = -1 }},
		{"HopEnergyWest", func(c *Config) { c.HopEnergyWest = -1 }},
		{"HopEnergyNorth", func(c *Config) { c.HopEnergyNorth = math.NaN() }},
		{"ChipHopEnergy", func(c *Config) { c.ChipHopEnergy = math.Inf(1) }},
	}
	for _, tc := range tests {
		cfg := testConfig()
		tc.edit(&cfg)
		_, err := New(cfg)
		if err == nil || !strings.Contains(err.Error(), "Config."+tc.field+" ") {
			t.Errorf("%s: New error %v, want one naming Config.%s", tc.field, err, tc.field)
		}
	}
	if _, err := New(testConfig()); err != nil {
		t.Errorf("good config rejected: %v", err)
	}
}

func TestSyncString(t *testing.T) {
	if Barrier.String() != "barrier" || Realtime.String() != "realtime" || Sync(7).String() != "Sync(7)" {
		t.Error("Sync.String")
	}
}

func TestSendOverwritesRoutedFields(t *testing.T) {
	r := newRouter(t, realtimeConfig(1e-3, 1))
	// A packet that went through before (a replay) must be routed afresh.
	p, ok := r.Send(Packet{Src: 0, Dst: 2, Emit: 5, Deliver: 99, Hops: 9, Late: true})
	if !ok || p.Deliver != 6 || p.Hops != 1 || p.Late {
		t.Errorf("got %+v", p)
	}
	p, ok = r.Send(Packet{Src: 0, Dst: 2, Emit: 5, Deliver: 99, Late: true})
	if ok || p.Deliver != 6 || p.Late {
		t.Errorf("dropped packet: got %+v queued %v; want Deliver 6 (when it was due)", p, ok)
	}
}

// before is the documented queue order (Deliver, Dst, Src, send order).
func before(a, b Packet) bool {
	if a.Deliver != b.Deliver {
		return a.Deliver < b.Deliver
	}
	if a.Dst != b.Dst {
		return a.Dst < b.Dst
	}
	return sendOrder(a, b) < 0
}

// A packet injected later in the tick arrives later: one EW hop takes
// 1 ns service + 2 ns latency, so injected at 0 it arrives at 3 ns (on
// time for a 4 ns budget), injected at 2 ns it arrives at 5 ns (late).
func TestSendAtInjectionTime(t *testing.T) {
	r := newRouter(t, realtimeConfig(4e-9, 100))
	if p, ok := r.SendAt(Packet{Src: 0, Dst: 2, Emit: 3}, 0); !ok || p.Late || p.Deliver != 4 {
		t.Errorf("injected at 0: %+v queued %v, want on time at tick 4", p, ok)
	}
	r.EndTick(3)
	if p, ok := r.SendAt(Packet{Src: 0, Dst: 2, Emit: 4}, 2e-9); !ok || !p.Late || p.Deliver != 6 {
		t.Errorf("injected at 2 ns: %+v queued %v, want late at tick 6", p, ok)
	}
	if st := r.EndTick(4); !near(st.DrainSeconds, 5e-9) {
		t.Errorf("drain %v s, want 5 ns", st.DrainSeconds)
	}
}

// TestSendAtZeroHops: a packet between two cores of one tile crosses no
// link, but its injection time still counts against the budget
// (docs/router.md): injected after the budget, it is late, delivered by
// the budgets it needs, and blamed on no link.
func TestSendAtZeroHops(t *testing.T) {
	for _, c := range []struct {
		inject      float64
		late        bool
		wantDeliver int64
	}{
		{0, false, 8},
		{4e-9, false, 8}, // exactly the budget: on time
		{5e-9, true, 9},
		{12e-9, true, 10},
	} {
		r := newRouter(t, realtimeConfig(4e-9, 100))
		p, ok := r.SendAt(Packet{Src: 0, Dst: 1, Emit: 7}, c.inject)
		if !ok || p.Hops != 0 || p.Late != c.late || p.Deliver != c.wantDeliver {
			t.Errorf("injected at %g s: %+v queued %v; want late %v, Deliver %d", c.inject, p, ok, c.late, c.wantDeliver)
		}
		st := r.EndTick(7)
		want := int64(0)
		if c.late {
			want = 1
		}
		if st.Late != want || r.Stats().Late != want {
			t.Errorf("injected at %g s: %d late in the tick, %d in total; want %d", c.inject, st.Late, r.Stats().Late, want)
		}
		for _, l := range r.Links() {
			if l.Late != 0 {
				t.Errorf("link %v->%v blamed for a packet that crossed none", l.From, l.To)
			}
		}
		if got := r.PopDue(c.wantDeliver, nil); len(got) != 1 {
			t.Errorf("injected at %g s: %d packets due at tick %d", c.inject, len(got), c.wantDeliver)
		}
	}
	// Barrier sync has no budget: the same packet is never late.
	r := newRouter(t, testConfig())
	if p, _ := r.SendAt(Packet{Src: 0, Dst: 1, Emit: 7}, 1); p.Late || p.Deliver != 8 {
		t.Errorf("barrier: %+v", p)
	}
}

// TestSendTimedArrival: a packet reaches its destination after each
// link's queue and service time and latency; one sent behind it on the
// same link waits a service time more; one within a tile arrives when
// it is sent.
func TestSendTimedArrival(t *testing.T) {
	r := newRouter(t, testConfig())
	for _, c := range []struct {
		dst    uint32
		inject float64
		want   float64
	}{
		{2, 5e-9, 5e-9 + 1e-9 + 2e-9}, // one hop east: service 1 ns, latency 2 ns
		{2, 5e-9, 6e-9 + 1e-9 + 2e-9}, // queued behind the first
		{1, 5e-9, 5e-9},               // same tile
	} {
		p, at, ok := r.SendTimed(Packet{Src: 0, Dst: c.dst, Emit: 0}, c.inject)
		if !ok || !near(at, c.want) {
			t.Errorf("to core %d at %g s: %+v arrives at %g s (queued %v), want %g s", c.dst, c.inject, p, at, ok, c.want)
		}
	}
}

// Path gives the links Send crosses: as many as the hops, distinct, and
// the same links whose counters Send raises.
func TestPath(t *testing.T) {
	r := newRouter(t, testConfig())
	for _, c := range [][2]uint32{{0, 47}, {47, 0}, {5, 30}, {30, 5}, {13, 13}, {0, 1}} {
		p := r.Path(c[0], c[1])
		var path []int
		for _, run := range []Run{p.X, p.Y} {
			for k := int32(0); k < run.N; k++ {
				path = append(path, int(run.First+k*run.Step))
			}
		}
		if len(path) != r.Hops(c[0], c[1]) || p.Hops() != len(path) {
			t.Errorf("%d -> %d: %d links, want %d hops", c[0], c[1], len(path), r.Hops(c[0], c[1]))
		}
		seen := map[int]bool{}
		for _, l := range path {
			if l < 0 || l >= r.LinkSlots() || seen[l] || !r.links[l].exists {
				t.Errorf("%d -> %d: link %d out of range, repeated or off the board", c[0], c[1], l)
			}
			seen[l] = true
		}
		before := make([]int64, len(r.links))
		for i := range r.links {
			before[i] = r.links[i].packets
		}
		r.Send(Packet{Src: c[0], Dst: c[1]})
		for i := range r.links {
			if crossed := r.links[i].packets != before[i]; crossed != seen[i] {
				t.Errorf("%d -> %d: link %d crossed %v, on Path %v", c[0], c[1], i, crossed, seen[i])
			}
		}
	}
}

// Each hop is priced by its link's direction: there and back over the
// same tiles cost differently when east and west (north and south) do.
func TestDirectionalHops(t *testing.T) {
	cfg := testConfig()
	cfg.HopLatencyEast, cfg.HopLatencyWest, cfg.HopLatencyNorth, cfg.HopLatencySouth = 2e-9, 5e-9, 3e-9, 7e-9
	cfg.HopEnergyEast, cfg.HopEnergyWest, cfg.HopEnergyNorth, cfg.HopEnergySouth = 1e-12, 2e-12, 3e-12, 4e-12
	r := newRouter(t, cfg)
	// Core 0 is on tile (0, 0), core 10 on tile (2, 1) of chip 0. Each
	// link is busy 1 ns per packet before its latency.
	for tick, c := range []struct {
		src, dst       uint32
		arrive, energy float64
	}{
		{0, 10, (1 + 2) + (1 + 2) + (1 + 3), 1 + 1 + 3}, // east, east, north
		{10, 0, (1 + 5) + (1 + 5) + (1 + 7), 2 + 2 + 4}, // west, west, south
	} {
		_, at, ok := r.SendTimed(Packet{Src: c.src, Dst: c.dst, Emit: int64(tick)}, 0)
		st := r.EndTick(int64(tick))
		if !ok || !near(at, c.arrive*1e-9) || !near(st.EnergyJoules, c.energy*1e-12) || st.HopPackets != 3 {
			t.Errorf("%d -> %d: arrives at %g s, %g J over %d hops; want %g s, %g J over 3", c.src, c.dst, at, st.EnergyJoules, st.HopPackets, c.arrive*1e-9, c.energy*1e-12)
		}
	}
}

// Forward counts what Send counts, in O(1) per packet: the same hops,
// chip hops, energy, per-link packets and deliveries, on every pair of
// cores and on random traffic over several ticks; it only leaves link
// queues (PeakQueue) and DrainSeconds to the timed paths.
func TestForwardCountsAsSend(t *testing.T) {
	cfg := testConfig()
	cfg.HopEnergyEast, cfg.HopEnergyWest, cfg.HopEnergyNorth, cfg.HopEnergySouth = 1e-12, 2e-12, 3e-12, 4e-12
	rng := rand.New(rand.NewPCG(3, 4))
	for _, tc := range []struct {
		name  string
		ticks [][][2]uint32
	}{
		{"every pair", func() [][][2]uint32 {
			var tick [][2]uint32
			for s := uint32(0); s < 48; s++ {
				for d := uint32(0); d < 48; d++ {
					tick = append(tick, [2]uint32{s, d})
				}
			}
			return [][][2]uint32{tick}
		}()},
		{"random", func() [][][2]uint32 {
			ticks := make([][][2]uint32, 5)
			for k := range ticks {
				for range 200 {
					ticks[k] = append(ticks[k], [2]uint32{rng.Uint32N(48), rng.Uint32N(48)})
				}
			}
			return ticks
		}()},
	} {
		sent, fwd := newRouter(t, cfg), newRouter(t, cfg)
		for tick, pairs := range tc.ticks {
			for a, c := range pairs {
				p := Packet{Src: c[0], Dst: c[1], Axon: uint32(a), Emit: int64(tick)}
				ps, _ := sent.Send(p)
				pf, _ := fwd.Forward(p)
				if ps != pf {
					t.Fatalf("%s: %d -> %d: Forward routed %+v, Send %+v", tc.name, c[0], c[1], pf, ps)
				}
			}
			ss, sf := sent.EndTick(int64(tick)), fwd.EndTick(int64(tick))
			ss.DrainSeconds = 0
			if ss != sf {
				t.Errorf("%s: tick %d: Forward %+v, Send %+v", tc.name, tick, sf, ss)
			}
			ds, df := sent.PopDue(int64(tick+1), nil), fwd.PopDue(int64(tick+1), nil)
			if !slices.Equal(ds, df) {
				t.Errorf("%s: tick %d: deliveries differ", tc.name, tick)
			}
		}
		if ss, sf := sent.Stats(), fwd.Stats(); ss != sf {
			t.Errorf("%s: totals: Forward %+v, Send %+v", tc.name, sf, ss)
		}
		ls, lf := sent.Links(), fwd.Links()
		for i := range ls {
			ls[i].PeakQueue = 0
		}
		if !reflect.DeepEqual(ls, lf) {
			t.Errorf("%s: per-link counters differ:\nForward %v\nSend    %v", tc.name, lf, ls)
		}
	}
}

// In realtime sync, timing decides lateness and drops: Forward is Send.
func TestForwardRealtimeIsSend(t *testing.T) {
	cfg := realtimeConfig(5e-9, 1)
	sent, fwd := newRouter(t, cfg), newRouter(t, cfg)
	for k := range 20 {
		p := Packet{Src: 0, Dst: 47, Axon: uint32(k)}
		ps, oks := sent.Send(p)
		pf, okf := fwd.Forward(p)
		if ps != pf || oks != okf {
			t.Fatalf("packet %d: Forward %+v %v, Send %+v %v", k, pf, okf, ps, oks)
		}
	}
	if ss, sf := sent.EndTick(0), fwd.EndTick(0); ss != sf {
		t.Errorf("Forward %+v, Send %+v", sf, ss)
	}
}

func BenchmarkForward(b *testing.B) {
	r := newRouter(b, testConfig())
	for i := 0; b.Loop(); i++ {
		r.Forward(Packet{Src: uint32(i % 48), Dst: uint32(47 - i%48), Emit: int64(i / 4096)})
		if i%4096 == 4095 {
			r.EndTick(int64(i / 4096))
			r.PopDue(int64(i/4096)+1, nil)
		}
	}
}

// Forward's packets come out of PopDue in the queue's order whether they
// are popped every tick, left for several ticks, mixed with Send's, or
// sent from cores in any order.
func TestForwardQueueOrder(t *testing.T) {
	// 100 and 20 packets a tick are counted into order over the 48
	// cores; 4 are sorted, as keys when sent in source order.
	for _, perTick := range []int{100, 20, 4} {
		for _, bySrc := range []bool{false, true} {
			testForwardQueueOrder(t, perTick, bySrc)
		}
	}
}

func testForwardQueueOrder(t *testing.T, perTick int, bySrc bool) {
	rng := rand.New(rand.NewPCG(5, uint64(perTick)))
	type step struct {
		p    Packet
		send bool // Send rather than Forward
	}
	var ticks [][]step
	for k := range 6 {
		var tick []step
		for range perTick {
			tick = append(tick, step{Packet{Src: rng.Uint32N(48), Dst: rng.Uint32N(48), Axon: rng.Uint32N(9), Emit: int64(k)}, k >= 3 && rng.IntN(4) == 0})
		}
		if bySrc {
			slices.SortStableFunc(tick, func(a, b step) int { return cmp.Compare(a.p.Src, b.p.Src) })
		}
		ticks = append(ticks, tick)
	}
	for _, popEvery := range []int{1, 2, 6} {
		want, got := newRouter(t, testConfig()), newRouter(t, testConfig())
		var dw, dg, sent []Packet
		for k, tick := range ticks {
			for _, s := range tick {
				want.Send(s.p)
				var p Packet
				if s.send {
					p, _ = got.Send(s.p)
				} else {
					p, _ = got.Forward(s.p)
				}
				sent = append(sent, p)
			}
			want.EndTick(int64(k))
			got.EndTick(int64(k))
			if (k+1)%popEvery == 0 {
				n := len(dg)
				dw, dg = want.PopDue(int64(k+1), dw), got.PopDue(int64(k+1), dg)
				// The documented order, independently of the router:
				// (Deliver, Dst, Src), then send order.
				slices.SortStableFunc(sent, func(a, b Packet) int {
					return cmp.Or(cmp.Compare(a.Deliver, b.Deliver), cmp.Compare(a.Dst, b.Dst), cmp.Compare(a.Src, b.Src))
				})
				if !slices.Equal(dg[n:], sent) {
					t.Fatalf("%d a tick, pop every %d, tick %d: packets out of (Deliver, Dst, Src, send) order", perTick, popEvery, k)
				}
				sent = sent[:0]
			}
			if sw, sg := want.Stats(), got.Stats(); sw != sg {
				t.Fatalf("%d a tick, pop every %d, tick %d: totals %+v, want %+v", perTick, popEvery, k, sg, sw)
			}
		}
		if !slices.Equal(dw, dg) || len(dw) != 6*perTick {
			t.Errorf("%d a tick, pop every %d: %d packets delivered out of order or lost (want %d)", perTick, popEvery, len(dg), len(dw))
		}
	}
}

// PopSent gives the packets Forward queued in source order as they were
// sent: each destination's packets in the order PopDue gives them, the
// totals the same. Anything else it leaves to PopDue.
func TestPopSent(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	sorted, sent := newRouter(t, testConfig()), newRouter(t, testConfig())
	var due []Packet
	for k := range 5 {
		var tick []Packet
		for range 50 * k { // the first tick sends nothing
			tick = append(tick, Packet{Src: rng.Uint32N(48), Dst: rng.Uint32N(48), Axon: rng.Uint32N(9), Emit: int64(k)})
		}
		slices.SortStableFunc(tick, func(a, b Packet) int { return cmp.Compare(a.Src, b.Src) })
		for _, p := range tick {
			sorted.Forward(p)
			sent.Forward(p)
		}
		sorted.EndTick(int64(k))
		sent.EndTick(int64(k))
		if got, _ := sent.PopSent(int64(k)); len(got) > 0 {
			t.Fatalf("tick %d: PopSent returned packets due at tick %d", k, k+1)
		}
		due = sorted.PopDue(int64(k+1), due[:0])
		got, ok := sent.PopSent(int64(k + 1))
		if !ok {
			t.Fatalf("tick %d: PopSent refused packets sent in source order", k)
		}
		regrouped := slices.Clone(got)
		slices.SortStableFunc(regrouped, func(a, b Packet) int { return cmp.Compare(a.Dst, b.Dst) })
		if !slices.Equal(regrouped, due) || len(due) != 50*k {
			t.Fatalf("tick %d: PopSent's packets, grouped by destination, differ from PopDue's", k)
		}
		if sorted.Stats() != sent.Stats() {
			t.Fatalf("tick %d: totals %+v, want %+v", k, sent.Stats(), sorted.Stats())
		}
	}
	// Out of source order, PopSent leaves the packets to PopDue.
	sent.Forward(Packet{Src: 5, Dst: 1, Emit: 5})
	sent.Forward(Packet{Src: 2, Dst: 1, Emit: 5})
	sent.EndTick(5)
	if _, ok := sent.PopSent(6); ok {
		t.Error("PopSent took packets out of source order")
	}
	if got := sent.PopDue(6, nil); len(got) != 2 || got[0].Src != 2 {
		t.Errorf("PopDue after PopSent refused: %+v", got)
	}
}

// Reserve's room holds after PopSent's swap of buffers and does not grow
// tick by tick: reserving for traffic of up to most packets a tick, the two
// buffers stay near that room (they once grew each to the other's
// rounded-up capacity, without bound).
func TestReserveSwaps(t *testing.T) {
	r := newRouter(t, testConfig())
	rng := rand.New(rand.NewPCG(10, 11))
	const most = 600
	for k := range 300 {
		n := 1 + rng.IntN(most)
		r.Reserve(n)
		for i := range n {
			r.Forward(Packet{Src: uint32(i * 48 / n), Dst: uint32(k % 48), Emit: int64(k)})
		}
		r.EndTick(int64(k))
		if _, ok := r.PopSent(int64(k + 1)); !ok {
			t.Fatalf("tick %d: PopSent refused", k)
		}
		if c := cap(r.next) + cap(r.sent); c > 4*most {
			t.Fatalf("tick %d: the two buffers hold room for %d packets, reserving at most %d a tick", k, c, most)
		}
	}
	r.Reserve(most)
	if cap(r.next) < most || cap(r.sent) < most {
		t.Errorf("room for %d and %d packets after Reserve(%d)", cap(r.next), cap(r.sent), most)
	}
}

// A core's tile, from the table of every core's or from the chip and
// local tables (a far board's Forward), is the one its divisions give, on boards of one core a chip and of many, and the division by the
// cores per chip is exact for every 32-bit core number, the largest
// included.
func TestTileAt(t *testing.T) {
	for _, shape := range [][5]int{{1, 1, 1, 3, 2}, {2, 3, 2, 2, 2}, {4, 4, 8, 4, 3}, {3, 5, 7, 2, 5}, {4, 32, 1, 6, 4}} {
		cfg := testConfig()
		cfg.CoresPerTile, cfg.TilesX, cfg.TilesY, cfg.ChipsX, cfg.ChipsY = shape[0], shape[1], shape[2], shape[3], shape[4]
		r := newRouter(t, cfg)
		for c := range uint32(r.Cores()) {
			want := r.tileOf(c)
			if got := r.TileOf(c); got != want {
				t.Fatalf("%v: core %d on tile %v, want %v", shape, c, got, want)
			}
			if got := r.computeTile(c); got != want {
				t.Fatalf("%v: core %d on computed tile %v, want %v", shape, c, got, want)
			}
		}
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for _, d := range []int{1, 2, 3, 7, 128, 1000, 4096, 65535, 1 << 20, 1<<31 - 1, 1 << 31, 1<<32 - 1} {
		r := &Router{perChip: d}
		r.perChipInv, r.onePerChip = inverse(d)
		cs := []uint32{0, 1, uint32(d - 1), uint32(d), 1<<32 - 1, 1<<32 - 2}
		for range 10000 {
			cs = append(cs, rng.Uint32())
		}
		for _, c := range cs {
			if got, want := r.chipOf(c), c/uint32(d); got != want {
				t.Fatalf("chipOf(%d) with %d cores a chip = %d, want %d", c, d, got, want)
			}
		}
	}
}
