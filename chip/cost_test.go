package chip_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/spindle-sim/spindle/chip"
	"github.com/spindle-sim/spindle/chip/mapping"
	"github.com/spindle-sim/spindle/snn"
)

// ifNeuron is an integrate-and-fire neuron with integer arithmetic in
// fixed mode: v += bias + input each tick, a spike when v > th, reset to
// 0, and a synaptic current that lasts one tick (tau_syn << dt).
func ifNeuron(th, bias float64) snn.Neuron {
	return snn.Neuron{
		NoLeak: true, VTh: th, Bias: bias, FixedScale: 1,
		Receptors: []snn.Receptor{{Name: "syn", TauSyn: 0.05}},
	}
}

// tinyNet is a network whose traffic is known by hand: neurons a0, a1
// fire every tick; b0..b2 never do. With two neurons per core, a sits on
// core 0, b0 and b1 on core 1, b2 on core 2. Every tick a0 and a1 each
// send one message to core 1 and one to core 2:
//
//	a0 -> core 1: dense a0->b0, a0->b1               (2 dense)
//	a0 -> core 2: dense a0->b2, conv a0->b2          (1 dense, 1 conv)
//	a1 -> core 1: dense a1->b0, a1->b1, sparse a1->b1 (2 dense, 1 sparse)
//	a1 -> core 2: dense a1->b2                       (1 dense)
func tinyNet() *snn.Network {
	return &snn.Network{
		Name: "tiny", Dt: 1, Seed: 1, Mode: snn.Fixed,
		Populations: []snn.Population{
			{Name: "a", Size: 2, Neuron: ifNeuron(1, 2)},
			{Name: "b", Size: 3, Neuron: ifNeuron(1e6, 0)},
		},
		Projections: []snn.Projection{
			{Name: "all", Pre: "a", Post: "b", Connector: snn.Connector{Kind: snn.AllToAll}, Weight: snn.Const(1), Delay: snn.Const(1)},
			{Name: "conv", Pre: "a", Post: "b", Format: "conv", Connector: snn.Connector{Kind: snn.FromList, List: []snn.Conn{{Pre: 0, Post: 2}}}, Weight: snn.Const(1), Delay: snn.Const(1)},
			{Name: "list", Pre: "a", Post: "b", Connector: snn.Connector{Kind: snn.FromList, List: []snn.Conn{{Pre: 1, Post: 1}}}, Weight: snn.Const(1), Delay: snn.Const(1)},
		},
	}
}

// ns is a nanosecond, in seconds.
const ns = 1e-9

// tinyRun runs tinyNet on a for ticks ticks and returns the engine's
// totals and each core's neuron updates in tick 0.
func tinyRun(t *testing.T, a *chip.Arch, timing chip.Timing, ticks int) (chip.Stats, []int64) {
	t.Helper()
	g, err := tinyNet().Build()
	if err != nil {
		t.Fatal(err)
	}
	m, err := mapping.Map(g, a, mapping.Sequential, 0)
	if err != nil {
		t.Fatal(err)
	}
	e, err := chip.NewEngine(g, a, m, chip.Options{Mode: snn.Fixed, Workers: 1, Timing: timing})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	e.Step()
	var upd0 []int64
	for _, c := range e.Cores() {
		upd0 = append(upd0, c.Counters().NeuronUpdates)
	}
	e.Run(ticks - 1)
	return e.Stats(), upd0
}

func TestTinyNetTraffic(t *testing.T) {
	s, _ := tinyRun(t, chip.TinyArch(), chip.Simple, 10)
	want := chip.MessageCounts{Sent: 40, Received: 40, SynapsesSparse: 10, SynapsesDense: 60, SynapsesConv: 10}
	if s.Spikes != 20 || s.Messages != want || s.Router.HopPackets != 60 {
		t.Fatalf("spikes %d, messages %+v, hop-packets %d; want 20, %+v, 60", s.Spikes, s.Messages, s.Router.HopPackets, want)
	}
	// The synapses of the last tick's messages take effect after the run.
	if s.SynapticEvents != 9*8 {
		t.Fatalf("synaptic events %d, want %d", s.SynapticEvents, 9*8)
	}
}

// TestCostEnergyComponents prices one event kind at a time: each
// component is its count on tinyNet times its cost.
func TestCostEnergyComponents(t *testing.T) {
	const ticks = 10
	_, upd0 := tinyRun(t, chip.TinyArch(), chip.Simple, 1)
	if upd0[0] != 2 {
		t.Fatalf("tick 0: core 0 updated %d neurons, want 2", upd0[0])
	}
	cases := []struct {
		name      string
		set       func(a *chip.Arch)
		component string
		want      func(s chip.Stats) float64
	}{
		{"access", func(a *chip.Arch) { a.NeuronAccessEnergy = 3 }, "access", func(chip.Stats) float64 { return 5 * ticks * 3 }},
		{"update", func(a *chip.Arch) { a.NeuronUpdateEnergy = 3 }, "neuron", func(s chip.Stats) float64 { return float64(s.NeuronUpdates) * 3 }},
		{"spike", func(a *chip.Arch) { a.SpikeEnergy = 3 }, "spike", func(chip.Stats) float64 { return 2 * ticks * 3 }},
		{"message out", func(a *chip.Arch) { a.MessageOutEnergy = 3 }, "message", func(chip.Stats) float64 { return 4 * ticks * 3 }},
		{"message in", func(a *chip.Arch) { a.MessageInEnergy = 5 }, "message", func(chip.Stats) float64 { return 4 * ticks * 5 }},
		{"sparse", func(a *chip.Arch) { a.SynOpEnergy = 7 }, "synaptic", func(chip.Stats) float64 { return 1 * ticks * 7 }},
		{"dense", func(a *chip.Arch) { a.SynOpEnergyDense = 7 }, "synaptic", func(chip.Stats) float64 { return 6 * ticks * 7 }},
		{"conv", func(a *chip.Arch) { a.SynOpEnergyConv = 7 }, "synaptic", func(chip.Stats) float64 { return 1 * ticks * 7 }},
		// Four messages a tick, two of 1 hop and two of 2 hops, all east.
		{"hops", func(a *chip.Arch) {
			a.HopEnergyEast, a.HopEnergyWest, a.HopEnergyNorth, a.HopEnergySouth = 11, 1e3, 1e4, 1e5
		}, "network", func(chip.Stats) float64 { return 6 * ticks * 11 }},
		{"barrier", func(a *chip.Arch) { a.BarrierEnergy = 13 }, "barrier", func(chip.Stats) float64 { return ticks * 13 }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := chip.TinyArch()
			c.set(a)
			s, _ := tinyRun(t, a, chip.Simple, ticks)
			want := c.want(s)
			if got := s.EnergyByComponent[c.component]; got != want || s.EnergyJoules != want {
				t.Fatalf("%s energy %g (total %g), want %g", c.component, got, s.EnergyJoules, want)
			}
		})
	}
}

// TestCostTimingTick0 times tinyNet's first tick by hand under both
// rules, every latency a distinct power of two (in ns) so that any term
// counted wrongly shows.
func TestCostTimingTick0(t *testing.T) {
	const A, U, S, O, H, I, D, C, P = 1 * ns, 2 * ns, 4 * ns, 8 * ns, 16 * ns, 32 * ns, 64 * ns, 128 * ns, 256 * ns
	a := chip.TinyArch()
	a.NeuronAccessLatency, a.NeuronUpdateLatency, a.SpikeLatency, a.MessageOutLatency = A, U, S, O
	a.HopLatencyEast, a.MessageInLatency = H, I
	// Every hop of tinyNet leads east.
	a.HopLatencyWest, a.HopLatencyNorth, a.HopLatencySouth = 512*ns, 1024*ns, 2048*ns
	a.SynOpLatencyDense, a.SynOpLatencyConv, a.SynOpLatency = D, C, P
	// Three tiles in use: the row for 2 applies.
	a.SyncTiles = []chip.SyncStep{{From: 1, Seconds: 1000 * ns}, {From: 2, Seconds: 2000 * ns}, {From: 4, Seconds: 4000 * ns}}
	a.BarrierLatency = 10000 * ns
	const sync = 12000 * ns

	s, upd := tinyRun(t, a, chip.Simple, 1)
	// Neuron side: core 0 accesses and updates a0, a1, both spike and send
	// 4 messages; cores 1 and 2 access 2 and 1 compartments.
	neuron := []float64{2*A + float64(upd[0])*U + 2*S + 4*O, 2*A + float64(upd[1])*U, 1*A + float64(upd[2])*U}
	// Message side: core 1 receives 2 messages, 4 dense and 1 sparse
	// synapses; core 2 receives 2 messages, 2 dense and 1 conv.
	message := []float64{0, 2*I + 4*D + P, 2*I + 2*D + C}
	want := 0.0
	for c := range neuron {
		want = max(want, neuron[c], message[c])
	}
	want += sync
	if got := s.ModelledSeconds; math.Abs(got-want) > 1e-15 {
		t.Errorf("simple: tick 0 takes %g s, want %g", got, want)
	}

	s, upd = tinyRun(t, a, chip.Detailed, 1)
	// Core 0 sends a0's messages (to cores 1, 2) after a0, a1's after a1;
	// updates are spread evenly over the two compartments.
	send := []float64{
		1*A + float64(upd[0])*U/2 + 1*S + 1*O,
		1*A + float64(upd[0])*U/2 + 1*S + 2*O,
		2*A + float64(upd[0])*U + 2*S + 3*O,
		2*A + float64(upd[0])*U + 2*S + 4*O,
	}
	// Core 1 is one hop away, core 2 two (no link service time). The
	// congestion estimate (TestCongestion) makes m2 and m3 arrive later
	// than this, but both still find their destination busy.
	arrive := []float64{send[0] + H, send[1] + 2*H, send[2] + H, send[3] + 2*H}
	work := []float64{I + 2*D, I + D + C, I + 2*D + P, I + D}
	core1 := max(arrive[0]+work[0], arrive[2]) + work[2]
	core2 := max(arrive[1]+work[1], arrive[3]) + work[3]
	want = max(neuron[0], neuron[1], neuron[2], core1, core2) + sync
	if got := s.ModelledSeconds; math.Abs(got-want) > 1e-15 {
		t.Errorf("detailed: tick 0 takes %g s, want %g", got, want)
	}
}

func TestSyncLatency(t *testing.T) {
	a := &chip.Arch{Sync: chip.Barrier, BarrierLatency: 1,
		SyncTiles: []chip.SyncStep{{From: 1, Seconds: 10}, {From: 2, Seconds: 20}, {From: 4, Seconds: 40}, {From: 29, Seconds: 80}},
		SyncChips: []chip.SyncStep{{From: 2, Seconds: 100}},
	}
	cases := []struct {
		tiles, chips int
		want         float64
	}{
		{0, 0, 1}, {1, 1, 11}, {2, 1, 21}, {3, 1, 21}, {4, 1, 41}, {28, 1, 41}, {29, 1, 81}, {64, 2, 181}, {1000, 30, 181},
	}
	for _, c := range cases {
		if got := a.SyncLatency(c.tiles, c.chips); got != c.want {
			t.Errorf("SyncLatency(%d tiles, %d chips) = %g, want %g", c.tiles, c.chips, got, c.want)
		}
	}
	a.Sync = chip.Realtime
	if got := a.SyncLatency(4, 1); got != 0 {
		t.Errorf("realtime: SyncLatency = %g, want 0", got)
	}
}

func TestFormatOf(t *testing.T) {
	cases := []struct {
		p    snn.Projection
		want chip.SynapseFormat
	}{
		{snn.Projection{Connector: snn.Connector{Kind: snn.AllToAll}}, chip.Dense},
		{snn.Projection{Connector: snn.Connector{Kind: snn.FromList}}, chip.Sparse},
		{snn.Projection{Connector: snn.Connector{Kind: snn.FixedProbability}}, chip.Sparse},
		{snn.Projection{Connector: snn.Connector{Kind: snn.FixedInDegree}}, chip.Sparse},
		{snn.Projection{Connector: snn.Connector{Kind: snn.OneToOne}}, chip.Sparse},
		{snn.Projection{Format: "dense", Connector: snn.Connector{Kind: snn.FromList}}, chip.Dense},
		{snn.Projection{Format: "conv", Connector: snn.Connector{Kind: snn.FromList}}, chip.Conv},
		{snn.Projection{Format: "sparse", Connector: snn.Connector{Kind: snn.AllToAll}}, chip.Sparse},
	}
	for _, c := range cases {
		if got := chip.FormatOf(&c.p); got != c.want {
			t.Errorf("FormatOf(%s, format %q) = %s, want %s", c.p.Connector.Kind, c.p.Format, got, c.want)
		}
	}
}

// sanafeLoihi is SANA-FE's arch/loihi.yaml (@ 8951ab0) in Spindle's
// fields, on a mesh of one core per tile so that messages cross links.
func sanafeLoihi() *chip.Arch {
	return &chip.Arch{
		Name: "sanafe-loihi", NeuronsPerCore: 16, InputAxonsPerCore: 4096, OutputAxonsPerCore: 4096,
		SynapsesPerCore: 1 << 16, MaxFanIn: 4096, MaxDelayTicks: 8, WeightBits: 16,
		CoresPerTile: 4, TilesX: 8, TilesY: 4, Sync: chip.Barrier, LinkBuffer: 16,
		HopLatencyEast: 4.1e-9, HopLatencyWest: 4.1e-9, HopLatencyNorth: 6.5e-9, HopLatencySouth: 6.5e-9,
		HopEnergyEast: 3.0e-12, HopEnergyWest: 3.0e-12, HopEnergyNorth: 4.2e-12, HopEnergySouth: 4.2e-12,
		SynOpEnergy: 33.6e-12, SynOpLatency: 4.7e-9, SynOpEnergyDense: 35.5e-12, SynOpLatencyDense: 3.8e-9,
		SynOpEnergyConv: 24.0e-12, SynOpLatencyConv: 3.1e-9,
		NeuronAccessEnergy: 51.2e-12, NeuronAccessLatency: 6.0e-9,
		NeuronUpdateEnergy: 21.6e-12, NeuronUpdateLatency: 3.7e-9,
		SpikeEnergy: 69.3e-12, SpikeLatency: 30e-9,
		MessageOutEnergy: 111e-12, MessageOutLatency: 5.1e-9, MessageInLatency: 16e-9,
		SyncTiles: []chip.SyncStep{{From: 1, Seconds: 0.6e-6}, {From: 2, Seconds: 1.0e-6}, {From: 4, Seconds: 1.4e-6}, {From: 29, Seconds: 1.8e-6}},
	}
}

// eiNet is a small random E/I network of IF neurons like the W1 workload
// of docs/benchmarks.md: fixed in-degree from explicit lists (sparse).
func eiNet(n int) *snn.Network {
	r := rand.New(rand.NewPCG(1, 2))
	ne := n * 4 / 5
	var ee, ei, ie, ii []snn.Conn
	for post := 0; post < n; post++ {
		for k := 0; k < 8; k++ {
			pre := r.IntN(ne)
			if post < ne {
				ee = append(ee, snn.Conn{Pre: pre, Post: post})
			} else {
				ei = append(ei, snn.Conn{Pre: pre, Post: post - ne})
			}
		}
		for k := 0; k < 2; k++ {
			pre := r.IntN(n - ne)
			if post < ne {
				ie = append(ie, snn.Conn{Pre: pre, Post: post})
			} else {
				ii = append(ii, snn.Conn{Pre: pre, Post: post - ne})
			}
		}
	}
	list := func(name, pre, post string, w float64, l []snn.Conn) snn.Projection {
		return snn.Projection{Name: name, Pre: pre, Post: post, Connector: snn.Connector{Kind: snn.FromList, List: l}, Weight: snn.Const(w), Delay: snn.Const(1)}
	}
	return &snn.Network{
		Name: "ei", Dt: 1, Seed: 1, Mode: snn.Fixed,
		Populations: []snn.Population{
			{Name: "e", Size: ne, Neuron: ifNeuron(60, 3)},
			{Name: "i", Size: n - ne, Neuron: ifNeuron(60, 4)},
		},
		Projections: []snn.Projection{
			list("ee", "e", "e", 10, ee), list("ei", "e", "i", 10, ei),
			list("ie", "i", "e", -30, ie), list("ii", "i", "i", -30, ii),
		},
	}
}

// TestSANAFEFormula runs a W1-like network on SANA-FE's Loihi costs and
// checks the energy and the simple-rule latency against SANA-FE's
// formula, evaluated here from the spikes, the graph and the per-core
// counters: per tick, every mapped compartment is accessed; every updated
// one and every spike cost extra; every spike sends one message per
// destination core, priced at both ends with its synapses; every hop by
// its direction; the tick lasts max over cores of max(neuron side,
// message side) plus the synchronisation of 32 tiles.
func TestSANAFEFormula(t *testing.T) {
	const ticks = 50
	a := sanafeLoihi()
	g, err := eiNet(400).Build()
	if err != nil {
		t.Fatal(err)
	}
	m, err := mapping.Map(g, a, mapping.Sequential, 0)
	if err != nil {
		t.Fatal(err)
	}
	nc := len(m.Cores)
	var tickSpikes []uint32
	e, err := chip.NewEngine(g, a, m, chip.Options{Mode: snn.Fixed, Workers: 1, Timing: chip.Simple, OnSpike: func(_ int64, id uint32) { tickSpikes = append(tickSpikes, id) }})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()

	tiles := map[int]bool{}
	for c, ns := range m.Cores {
		if len(ns) > 0 {
			tiles[c/a.CoresPerTile] = true
		}
	}
	if len(tiles) != 7 {
		t.Fatalf("%d tiles in use, want 7 (400 neurons, 16 a core, 4 cores a tile)", len(tiles))
	}
	const sync = 1.4e-6 // 4 to 28 tiles

	var energy, seconds float64
	var spikes int64
	lastUpd := make([]int64, nc)
	for tick := 0; tick < ticks; tick++ {
		tickSpikes = tickSpikes[:0]
		e.Step()
		neuron := make([]float64, nc)
		message := make([]float64, nc)
		for c, cr := range e.Cores() {
			upd := cr.Counters().NeuronUpdates - lastUpd[c]
			lastUpd[c] = cr.Counters().NeuronUpdates
			n := float64(len(m.Cores[c]))
			energy += n*51.2e-12 + float64(upd)*21.6e-12
			neuron[c] += n*6.0e-9 + float64(upd)*3.7e-9
		}
		for _, id := range tickSpikes {
			src := m.CoreOf[id]
			energy += 69.3e-12
			neuron[src] += 30e-9
			// One message per destination core of the neuron's synapses.
			perCore := map[uint32]int{}
			for s := g.PreStart[id]; s < g.PreStart[id+1]; s++ {
				perCore[m.CoreOf[g.Post[s]]]++
			}
			for dst, syn := range perCore {
				energy += 111e-12 + float64(syn)*33.6e-12
				neuron[src] += 5.1e-9
				message[dst] += 16e-9 + float64(syn)*4.7e-9
				st, dt := e.Router().TileOf(src), e.Router().TileOf(dst)
				energy += math.Abs(float64(dt.X-st.X))*3.0e-12 + math.Abs(float64(dt.Y-st.Y))*4.2e-12
			}
		}
		spikes += int64(len(tickSpikes))
		slowest := 0.0
		for c := range neuron {
			slowest = max(slowest, neuron[c], message[c])
		}
		seconds += slowest + sync
	}
	s := e.Stats()
	if spikes < ticks*10 {
		t.Fatalf("only %d spikes in %d ticks: the test network is too quiet to test anything", spikes, ticks)
	}
	if rel := math.Abs(s.EnergyJoules-energy) / energy; rel > 1e-9 {
		t.Errorf("energy %.9g J, SANA-FE's formula gives %.9g J", s.EnergyJoules, energy)
	}
	if rel := math.Abs(s.ModelledSeconds-seconds) / seconds; rel > 1e-9 {
		t.Errorf("time %.9g s, SANA-FE's simple rule gives %.9g s", s.ModelledSeconds, seconds)
	}
}

// TestCostDirectionalHops: each hop is priced by its direction, in energy
// under both rules and in latency under detailed timing. Neurons a0, a1
// on core 1 fire every tick; b on core 0 is one hop west of them, c on
// core 2 one hop east.
func TestCostDirectionalHops(t *testing.T) {
	net := &snn.Network{
		Name: "lr", Dt: 1, Seed: 1, Mode: snn.Fixed,
		Populations: []snn.Population{
			{Name: "b", Size: 2, Neuron: ifNeuron(1e6, 0)},
			{Name: "a", Size: 2, Neuron: ifNeuron(1, 2)},
			{Name: "c", Size: 2, Neuron: ifNeuron(1e6, 0)},
		},
		Projections: []snn.Projection{
			{Name: "west", Pre: "a", Post: "b", Connector: snn.Connector{Kind: snn.AllToAll}, Weight: snn.Const(1), Delay: snn.Const(1)},
			{Name: "east", Pre: "a", Post: "c", Connector: snn.Connector{Kind: snn.AllToAll}, Weight: snn.Const(1), Delay: snn.Const(1)},
		},
	}
	g, err := net.Build()
	if err != nil {
		t.Fatal(err)
	}
	a := chip.TinyArch()
	a.HopEnergyEast, a.HopEnergyWest, a.HopEnergyNorth, a.HopEnergySouth = 1, 10, 100, 1000
	a.HopLatencyEast, a.HopLatencyWest, a.HopLatencyNorth, a.HopLatencySouth = 20*ns, 300*ns, 4000*ns, 50000*ns
	m, err := mapping.Map(g, a, mapping.Sequential, 0)
	if err != nil {
		t.Fatal(err)
	}
	const ticks = 10
	for _, c := range []struct {
		timing chip.Timing
		tick   float64
	}{
		{chip.Simple, 0},          // no core costs, and the network adds nothing
		{chip.Detailed, 300 * ns}, // the last message in arrives from the east, over a west-bound link
	} {
		e, err := chip.NewEngine(g, a, m, chip.Options{Mode: snn.Fixed, Workers: 1, Timing: c.timing})
		if err != nil {
			t.Fatal(err)
		}
		e.Run(ticks)
		s := e.Stats()
		e.Close()
		// Two spikes a tick, each one message west and one east.
		if s.Spikes != 2*ticks || s.Router.HopPackets != 4*ticks {
			t.Fatalf("%s: %d spikes, %d hop-packets; want %d, %d", c.timing, s.Spikes, s.Router.HopPackets, 2*ticks, 4*ticks)
		}
		if got, want := s.EnergyByComponent["network"], float64(ticks*2*(10+1)); got != want {
			t.Errorf("%s: network energy %g; want %g", c.timing, got, want)
		}
		if got := s.ModelledSeconds / ticks; math.Abs(got-c.tick) > 1e-15 {
			t.Errorf("%s: %g s per tick; want %g", c.timing, got, c.tick)
		}
	}
}
