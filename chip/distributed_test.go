package chip_test

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/klauspost/compress/zstd"
	"github.com/spindle-sim/spindle/chip"
	"github.com/spindle-sim/spindle/chip/internal/chiptest"
	"github.com/spindle-sim/spindle/chip/mapping"
	"github.com/spindle-sim/spindle/router"
	"github.com/spindle-sim/spindle/snn"
)

// memComm is an in-memory Comm: ranks are goroutines of one process.
type memComm struct {
	rank int
	w    *memWorld
}

type memWorld struct {
	n    int
	mu   sync.Mutex
	cond *sync.Cond
	box  [][][]byte // box[from][to]
	// A two-phase barrier: arrived counts the ranks in the phase, gen
	// moves on when all have.
	arrived, gen int
}

func memComms(n int) []chip.Comm {
	w := &memWorld{n: n, box: make([][][]byte, n)}
	w.cond = sync.NewCond(&w.mu)
	out := make([]chip.Comm, n)
	for r := range out {
		out[r] = &memComm{rank: r, w: w}
	}
	return out
}

func (c *memComm) Rank() int { return c.rank }
func (c *memComm) Size() int { return c.w.n }

func (w *memWorld) barrier() {
	w.mu.Lock()
	g := w.gen
	if w.arrived++; w.arrived == w.n {
		w.arrived, w.gen = 0, w.gen+1
		w.cond.Broadcast()
	} else {
		for g == w.gen {
			w.cond.Wait()
		}
	}
	w.mu.Unlock()
}

func (c *memComm) Alltoallv(send, recv [][]byte) ([][]byte, error) {
	w := c.w
	if len(send) != w.n {
		return nil, fmt.Errorf("%d buffers for %d ranks", len(send), w.n)
	}
	w.mu.Lock()
	w.box[c.rank] = send
	w.mu.Unlock()
	w.barrier()
	if len(recv) != w.n {
		recv = make([][]byte, w.n)
	}
	w.mu.Lock()
	for k := range recv {
		recv[k] = append(recv[k][:0], w.box[k][c.rank]...)
	}
	w.mu.Unlock()
	w.barrier()
	return recv, nil
}

// distArch is testArch cut into chips of 8 cores, with short link
// buffers so that packets queue and drop.
func distArch() *chip.Arch {
	a := chiptest.Arch()
	a.NeuronsPerCore, a.TilesX, a.TilesY, a.LinkBuffer = 128, 2, 1, 1
	a.LinkServiceTime, a.ChipLinkServiceTime = 20e-9, 200e-9
	a.ChipHopLatency, a.ChipHopEnergy, a.HopEnergyEast, a.SpikeEnergy = 50e-9, 1e-11, 1e-12, 2e-12
	return a
}

// distRun is what one run reports: spikes in the order a single process
// sees them, every packet, the totals.
type distRun struct {
	spikes  []spike
	packets []router.Packet
	stats   chip.Stats
}

// runRanks runs net on r ranks for ticks and returns the spikes each
// rank owns, joined by tick then rank (the single-process order), rank
// 0's packets and every rank's totals.
func runRanks(t *testing.T, g *snn.Graph, a *chip.Arch, m *chip.Mapping, opt chip.Options, r, ticks int) (distRun, []chip.Stats) {
	t.Helper()
	comms := memComms(r)
	per := make([][][]spike, r) // per[rank][tick]
	packets := make([][]router.Packet, r)
	stats := make([]chip.Stats, r)
	errs := make([]error, r)
	var wg sync.WaitGroup
	for k := range r {
		wg.Add(1)
		go func() {
			defer wg.Done()
			o := opt
			o.Comm = comms[k]
			per[k] = make([][]spike, ticks)
			var e *chip.Engine
			o.OnSpike = func(tk int64, id uint32) {
				if e.Owns(id) {
					per[k][tk] = append(per[k][tk], spike{tk, id})
				}
			}
			o.OnPacket = func(p router.Packet, queued bool) { packets[k] = append(packets[k], p) }
			var err error
			gk := g
			if o.KeepOwnSynapses {
				// A rank that trims its graph needs one of its own.
				if gk, err = g.Net.Build(); err != nil {
					errs[k] = err
					return
				}
			}
			if e, err = chip.NewEngine(gk, a, m, o); err != nil {
				errs[k] = err
				return
			}
			defer e.Close()
			if o.KeepOwnSynapses && r > 1 && len(gk.Post) >= gk.Synapses() {
				errs[k] = fmt.Errorf("kept %d of %d synapses of the graph", len(gk.Post), gk.Synapses())
				return
			}
			e.Run(ticks)
			errs[k] = e.Err()
			stats[k] = e.Stats()
		}()
	}
	wg.Wait()
	for k, err := range errs {
		if err != nil {
			t.Fatalf("rank %d: %v", k, err)
		}
	}
	var out distRun
	for tk := range ticks {
		for k := range r {
			out.spikes = append(out.spikes, per[k][tk]...)
		}
	}
	for k := 1; k < r; k++ {
		if !reflect.DeepEqual(packets[k], packets[0]) {
			t.Errorf("%d ranks: rank %d routed other packets than rank 0", r, k)
		}
	}
	out.packets, out.stats = packets[0], stats[0]
	return out, stats
}

// checkSameRun reports where the ranks' run (got, and every rank's
// totals all) differs from one process's.
func checkSameRun(t *testing.T, name string, got distRun, all []chip.Stats, one distRun) {
	t.Helper()
	if !reflect.DeepEqual(got.spikes, one.spikes) {
		t.Errorf("%s: %d spikes, one process %d; they differ", name, len(got.spikes), len(one.spikes))
	}
	if !reflect.DeepEqual(got.packets, one.packets) {
		t.Errorf("%s: %d packets, one process %d; they differ", name, len(got.packets), len(one.packets))
	}
	for k, s := range all {
		if !reflect.DeepEqual(s, one.stats) {
			t.Errorf("%s: rank %d's totals\n%+v\none process's\n%+v", name, k, s, one.stats)
		}
	}
}

func TestDistributedMatchesOneProcess(t *testing.T) {
	ticks, rankCounts := 120, []int{1, 2, 3, 4}
	if testing.Short() { // the race detector's run
		ticks, rankCounts = 50, []int{2, 3}
	}
	testDistributedMatches(t, ticks, rankCounts)
}

// The same on boards treated as larger than the caches: each rank's
// cores in an arena, packets warmed, synapses laid on a second goroutine.
func TestDistributedMatchesOneProcessLargeBoard(t *testing.T) {
	defer chip.SetLargeBoard(true)()
	testDistributedMatches(t, 50, []int{2, 3})
}

func testDistributedMatches(t *testing.T, ticks int, rankCounts []int) {
	for _, mode := range []snn.Mode{snn.Fixed, snn.Float} {
		for _, tc := range []struct {
			timing chip.Timing
			sync   chip.Sync
		}{{chip.Detailed, chip.Barrier}, {chip.Simple, chip.Barrier}, {chip.Detailed, chip.Realtime}} {
			timing := tc.timing
			net := chiptest.CUBA(mode)
			net.Populations[0].Size, net.Populations[1].Size = 1600, 400
			g, err := net.Build()
			if err != nil {
				t.Fatal(err)
			}
			a := distArch()
			if a.Sync = tc.sync; a.Sync == chip.Realtime {
				a.TickBudget = 2e-7
			}
			m, err := mapping.Map(g, a, mapping.Sequential, 0)
			if err != nil {
				t.Fatal(err)
			}
			if m.Chips < 2 {
				t.Fatalf("the test network should span chips, it has %d", m.Chips)
			}
			var one distRun
			e, err := chip.NewEngine(g, a, m, chip.Options{Mode: mode, Timing: timing, Workers: 1,
				OnSpike:  func(tk int64, id uint32) { one.spikes = append(one.spikes, spike{tk, id}) },
				OnPacket: func(p router.Packet, _ bool) { one.packets = append(one.packets, p) }})
			if err != nil {
				t.Fatal(err)
			}
			e.Run(ticks)
			one.stats = e.Stats()
			e.Close()
			if one.stats.Spikes == 0 || a.Sync == chip.Realtime && (one.stats.Router.Dropped == 0 || one.stats.Router.Late == 0) {
				t.Fatalf("the test should drop packets and spike: %+v", one.stats.Router)
			}
			for _, r := range rankCounts {
				name := fmt.Sprintf("%v/%v/%v/%d ranks", mode, timing, a.Sync, r)
				got, all := runRanks(t, g, a, m, chip.Options{Mode: mode, Timing: timing, Workers: 2}, r, ticks)
				checkSameRun(t, name, got, all, one)
			}
		}
	}
}

// TestDistributedFormatsGraded: packets whose routes mix synapse formats
// (so that a packet carries a count per format) and graded spikes (one
// packet carrying the spike's count) cross ranks as in one process, and
// so they do when each rank keeps only its own cores' synapses of its
// graph while it builds (Options.KeepOwnSynapses).
func TestDistributedFormatsGraded(t *testing.T) {
	type ranks struct {
		r    int
		keep bool
	}
	ticks, modes, cases := 120, []snn.Mode{snn.Fixed, snn.Float}, []ranks{{2, false}, {3, false}, {2, true}, {3, true}}
	if testing.Short() { // the race detector's run
		modes, cases = modes[:1], []ranks{{2, false}, {3, true}}
	}
	for _, mode := range modes {
		net := chiptest.CUBA(mode)
		net.Populations[0].Size, net.Populations[1].Size = 1600, 400
		net.Projections[1].Format = chip.Dense.String() // exc->inh
		times := make([][]float64, 40)
		for i := range times {
			for k := range 6 {
				at := float64((i*7+k*31)%110) / 10
				for range 1 + (i+k)%3 {
					times[i] = append(times[i], at) // listed 1 to 3 times: graded
				}
			}
			slices.Sort(times[i])
		}
		net.Populations = append([]snn.Population{{Name: "in", Size: len(times), Kind: snn.SpikeSource, Graded: true, SpikeTimes: times}}, net.Populations...)
		net.Projections = append(net.Projections,
			snn.Projection{Name: "in->exc", Pre: "in", Post: "exc", Receptor: "exc", Connector: snn.Connector{Kind: snn.FixedProbability, P: 0.1}, Weight: snn.Const(3), Delay: snn.Const(0.1)},
			snn.Projection{Name: "in->inh", Pre: "in", Post: "inh", Receptor: "exc", Connector: snn.Connector{Kind: snn.FixedProbability, P: 0.1}, Weight: snn.Const(3), Delay: snn.Const(0.1), Format: chip.Dense.String()})
		g, err := net.Build()
		if err != nil {
			t.Fatal(err)
		}
		a := distArch()
		a.SynOpEnergyDense, a.SynOpLatencyDense = 3e-12, 5e-9
		m, err := mapping.Map(g, a, mapping.Sequential, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, timing := range []chip.Timing{chip.Detailed, chip.Simple} {
			var one distRun
			graded := 0
			e, err := chip.NewEngine(g, a, m, chip.Options{Mode: mode, Timing: timing, Workers: 1,
				OnSpike:  func(tk int64, id uint32) { one.spikes = append(one.spikes, spike{tk, id}) },
				OnPacket: func(p router.Packet, _ bool) { one.packets = append(one.packets, p) }})
			if err != nil {
				t.Fatal(err)
			}
			if e.OneFormat() {
				t.Fatal("the test network should mix synapse formats")
			}
			e.Run(ticks)
			one.stats = e.Stats()
			e.Close()
			for _, p := range one.packets {
				if p.Count > 1 {
					graded++
				}
			}
			if graded == 0 || one.stats.Messages.SynapsesDense == 0 || one.stats.Messages.SynapsesSparse == 0 {
				t.Fatalf("the test should send graded packets (%d) and reach both formats: %+v", graded, one.stats.Messages)
			}
			for _, tc := range cases {
				r := tc.r
				name := fmt.Sprintf("%v/%v/%d ranks/keep own synapses %v", mode, timing, r, tc.keep)
				got, all := runRanks(t, g, a, m, chip.Options{Mode: mode, Timing: timing, Workers: 1, KeepOwnSynapses: tc.keep}, r, ticks)
				checkSameRun(t, name, got, all, one)
			}
		}
	}
}

func TestPartition(t *testing.T) {
	a := chiptest.Arch() // 128 cores a chip
	cores := func(n, per int) [][]uint32 {
		out := make([][]uint32, n)
		for c := range out {
			out[c] = make([]uint32, per)
		}
		return out
	}
	for _, tc := range []struct {
		name  string
		m     chip.Mapping
		ranks int
		want  []int
	}{
		{"one rank", chip.Mapping{Cores: cores(10, 4), Chips: 1}, 1, []int{0, 10}},
		{"cores of one chip", chip.Mapping{Cores: cores(10, 4), Chips: 1}, 2, []int{0, 5, 10}},
		{"more ranks than cores", chip.Mapping{Cores: cores(2, 4), Chips: 1}, 4, []int{0, 1, 1, 2, 2}},
		{"whole chips", chip.Mapping{Cores: cores(300, 4), Chips: 3}, 2, []int{0, 256, 300}},
		{"a chip each", chip.Mapping{Cores: cores(384, 4), Chips: 3}, 3, []int{0, 128, 256, 384}},
	} {
		got := chip.Partition(&tc.m, a, tc.ranks)
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: Partition = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestDistributedRefuses(t *testing.T) {
	net := chiptest.CUBA(snn.Fixed)
	net.Populations[0].Size, net.Populations[1].Size = 80, 20
	g, err := net.Build()
	if err != nil {
		t.Fatal(err)
	}
	a := distArch()
	m, err := mapping.Map(g, a, mapping.Sequential, 0)
	if err != nil {
		t.Fatal(err)
	}
	e, err := chip.NewEngine(g, a, m, chip.Options{Mode: snn.Fixed, Comm: memComms(1)[0]})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if _, err := e.Probe([]uint32{0}, chip.V); err == nil {
		t.Error("a distributed engine accepted a probe")
	}
	if err := e.BeginSleep(chip.SleepPhase{Ticks: 1}); err == nil {
		t.Error("a distributed engine began to sleep")
	}
	bad := &memComm{rank: 3, w: &memWorld{n: 2}}
	if _, err := chip.NewEngine(g, a, m, chip.Options{Mode: snn.Fixed, Comm: bad}); err == nil {
		t.Error("rank 3 of 2 was accepted")
	}

	// A failed exchange stops the engine, and Err says why.
	f, err := chip.NewEngine(g, a, m, chip.Options{Mode: snn.Fixed, Comm: failComm{}})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	f.Run(3)
	if err := f.Err(); err == nil || !strings.Contains(err.Error(), "the network is down") || f.Tick() != 0 {
		t.Errorf("after a failed exchange: tick %d, Err %v", f.Tick(), err)
	}
}

// failComm is rank 0 of 2 whose exchanges fail.
type failComm struct{}

func (failComm) Rank() int { return 0 }
func (failComm) Size() int { return 2 }
func (failComm) Alltoallv(send, recv [][]byte) ([][]byte, error) {
	return nil, errors.New("the network is down")
}

// onRanks runs f(rank, comm) on r goroutine ranks and fails on an error
// of any.
func onRanks(t *testing.T, r int, f func(k int, c chip.Comm) error) {
	t.Helper()
	comms := memComms(r)
	errs := make([]error, r)
	var wg sync.WaitGroup
	for k := range r {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[k] = f(k, comms[k])
		}()
	}
	wg.Wait()
	for k, err := range errs {
		if err != nil {
			t.Fatalf("rank %d of %d: %v", k, r, err)
		}
	}
}

// TestDistributedCheckpointContinues: 2 ranks run n ticks, each writes
// its part, 2 new ranks restore the parts and run m more: the spikes
// after the checkpoint and the totals are those of one process running
// n+m.
func TestDistributedCheckpointContinues(t *testing.T) {
	n, m := 60, 70
	if testing.Short() {
		n, m = 20, 30
	}
	for _, mode := range []snn.Mode{snn.Fixed, snn.Float} {
		net := chiptest.CUBA(mode)
		net.Populations[0].Size, net.Populations[1].Size = 1600, 400
		g, err := net.Build()
		if err != nil {
			t.Fatal(err)
		}
		a := distArch()
		mp, err := mapping.Map(g, a, mapping.Sequential, 0)
		if err != nil {
			t.Fatal(err)
		}
		var want []spike
		e, err := chip.NewEngine(g, a, mp, chip.Options{Mode: mode, Workers: 1, OnSpike: func(tk int64, id uint32) {
			if tk >= int64(n) {
				want = append(want, spike{tk, id})
			}
		}})
		if err != nil {
			t.Fatal(err)
		}
		e.Run(n + m)
		one := e.Stats()
		e.Close()

		parts := make([]bytes.Buffer, 2)
		onRanks(t, 2, func(k int, c chip.Comm) error {
			e, err := chip.NewEngine(g, a, mp, chip.Options{Mode: mode, Workers: 2, Comm: c})
			if err != nil {
				return err
			}
			defer e.Close()
			e.Run(n)
			return e.Checkpoint(&parts[k])
		})
		per := make([][][]spike, 2)
		stats := make([]chip.Stats, 2)
		onRanks(t, 2, func(k int, c chip.Comm) error {
			per[k] = make([][]spike, n+m)
			var e *chip.Engine
			e, err := chip.Restore(bytes.NewReader(parts[k].Bytes()), g, a, mp, chip.Options{Mode: mode, Workers: 1, Comm: c,
				OnSpike: func(tk int64, id uint32) {
					if e.Owns(id) {
						per[k][tk] = append(per[k][tk], spike{tk, id})
					}
				}})
			if err != nil {
				return err
			}
			defer e.Close()
			e.Run(m)
			stats[k] = e.Stats()
			return e.Err()
		})
		var got []spike
		for tk := range n + m {
			got = append(got, per[0][tk]...)
			got = append(got, per[1][tk]...)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%v: %d spikes after the checkpoint on 2 ranks, %d in one process; they differ", mode, len(got), len(want))
		}
		for k, s := range stats {
			if !reflect.DeepEqual(s, one) {
				t.Errorf("%v: rank %d's totals after resuming\n%+v\none process's\n%+v", mode, k, s, one)
			}
		}

		// A part is refused on another count of ranks, by another rank,
		// and in one process; a single-process checkpoint by a rank.
		for _, tc := range []struct {
			name  string
			part  int
			ranks int
		}{{"4 ranks", 0, 4}, {"the other rank", 1, 2}, {"one process", 0, 0}} {
			var comm chip.Comm
			if tc.ranks > 0 {
				comm = memComms(tc.ranks)[0]
			}
			_, err := chip.Restore(bytes.NewReader(parts[tc.part].Bytes()), g, a, mp, chip.Options{Mode: mode, Comm: comm})
			if err == nil || !strings.Contains(err.Error(), "2 ranks") {
				t.Errorf("%v: rank %d's part restored on %s: %v", mode, tc.part, tc.name, err)
			}
		}
		var single bytes.Buffer
		e, err = chip.NewEngine(g, a, mp, chip.Options{Mode: mode})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.Checkpoint(&single); err != nil {
			t.Fatal(err)
		}
		e.Close()
		if _, err := chip.Restore(&single, g, a, mp, chip.Options{Mode: mode, Comm: memComms(2)[0]}); err == nil || !strings.Contains(err.Error(), "one process") {
			t.Errorf("%v: a single-process checkpoint restored on rank 0 of 2: %v", mode, err)
		}
	}
}

// FuzzExchangeMessage feeds rank 0 arbitrary messages from rank 1: they
// are read or refused, never a panic or a spike out of its core.
func FuzzExchangeMessage(f *testing.F) {
	net := chiptest.CUBA(snn.Fixed)
	net.Populations[0].Size, net.Populations[1].Size = 400, 100
	g, err := net.Build()
	if err != nil {
		f.Fatal(err)
	}
	a := distArch()
	m, err := mapping.Map(g, a, mapping.Sequential, 0)
	if err != nil {
		f.Fatal(err)
	}
	e, err := chip.NewEngine(g, a, m, chip.Options{Mode: snn.Fixed, Workers: 1, Comm: memComms(2)[0]})
	if err != nil {
		f.Fatal(err)
	}
	defer e.Close()
	first := e.RankFirst()
	// A well-formed message: every core of rank 1 with one spike (the
	// counters' growth, the spikes, and per spike its packets: one to
	// core 0's axon 0 reaching 2 synapses, one to core c's axon 300).
	var good []byte
	for c := first[1]; c < first[2]; c++ {
		good = append(good, 3, 128, 1, 1, 0, 1, byte(c%7), 2, 0, 0, 2, byte(c), 172, 2, 1)
	}
	if err := e.TakeRank(1, good); err != nil || len(e.Taken().Dst) != 2*(first[2]-first[1]) {
		f.Fatalf("a well-formed message: %v, %d packets", err, len(e.Taken().Dst))
	}
	f.Add(good)
	f.Add(good[:len(good)-1])
	f.Add([]byte{})
	cores := e.Cores()
	f.Fuzz(func(t *testing.T, b []byte) {
		e.ClearPackets()
		if err := e.TakeRank(1, b); err != nil {
			return
		}
		for c := first[1]; c < first[2]; c++ {
			for _, l := range e.CoreSpikes(c) {
				if int(l) >= cores[c].Compartments() {
					t.Fatalf("core %d: spike of compartment %d of %d", c, l, cores[c].Compartments())
				}
			}
		}
		d := e.Taken()
		packets := 0
		for _, n := range d.Groups {
			packets += int(n)
		}
		if packets != len(d.Dst) || len(d.Dst) != d.Syns || len(d.Dst) != d.Axons {
			t.Fatalf("%d packets in the spikes' counts, %d destinations, %d synapse counts, %d axons", packets, len(d.Dst), d.Syns, d.Axons)
		}
		for r, dst := range d.Dst {
			if int(dst) >= len(cores) || e.OwnsCore(int(dst)) && int(d.Axon(r)) >= cores[dst].Axons() {
				t.Fatalf("packet %d to core %d's axon %d", r, dst, d.Axon(r))
			}
		}
	})
}

// BenchmarkDistributedCUBA simulates 2000 ticks of CUBA (fixed mode, 1
// worker a rank) in one process and on 2 ranks that are goroutines of
// one process exchanging through memory: the cost of the replicated
// router and of the exchange without MPI's. mpirun's figures are in
// docs/benchmarks.md.
func BenchmarkDistributedCUBA(b *testing.B) {
	g, err := chiptest.CUBA(snn.Fixed).Build()
	if err != nil {
		b.Fatal(err)
	}
	a := chiptest.Arch()
	a.NeuronsPerCore = 256
	m, err := mapping.Map(g, a, mapping.Sequential, 0)
	if err != nil {
		b.Fatal(err)
	}
	for _, r := range []int{1, 2} {
		b.Run(fmt.Sprintf("ranks=%d", r), func(b *testing.B) {
			for range b.N {
				b.StopTimer()
				comms := memComms(r)
				engines := make([]*chip.Engine, r)
				for k := range r {
					o := chip.Options{Mode: snn.Fixed, Workers: 1}
					if r > 1 {
						o.Comm = comms[k]
					}
					if engines[k], err = chip.NewEngine(g, a, m, o); err != nil {
						b.Fatal(err)
					}
				}
				b.StartTimer()
				var wg sync.WaitGroup
				for _, e := range engines {
					wg.Add(1)
					go func() {
						defer wg.Done()
						e.Run(2000)
					}()
				}
				wg.Wait()
				b.StopTimer()
				for _, e := range engines {
					e.Close()
				}
				b.StartTimer()
			}
		})
	}
}

// FuzzRestoreRankPart: no payload of a rank's part that passes the
// checksums (this starts past them) makes Restore panic.
func FuzzRestoreRankPart(f *testing.F) {
	net := chiptest.CUBA(snn.Fixed)
	net.Populations[0].Size, net.Populations[1].Size = 400, 100
	g, err := net.Build()
	if err != nil {
		f.Fatal(err)
	}
	a := distArch()
	m, err := mapping.Map(g, a, mapping.Sequential, 0)
	if err != nil {
		f.Fatal(err)
	}
	parts := make([]bytes.Buffer, 2)
	comms := memComms(2)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for k := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e, err := chip.NewEngine(g, a, m, chip.Options{Mode: snn.Fixed, Workers: 1, Comm: comms[k]})
			if err != nil {
				errs[k] = err
				return
			}
			defer e.Close()
			e.Run(20)
			errs[k] = e.Checkpoint(&parts[k])
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			f.Fatal(err)
		}
	}
	dec, err := zstd.NewReader(nil)
	if err != nil {
		f.Fatal(err)
	}
	for k := range parts {
		raw, err := dec.DecodeAll(parts[k].Bytes()[chip.CheckpointHeader:], nil)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(uint8(k), raw)
	}
	f.Fuzz(func(t *testing.T, k uint8, b []byte) {
		s, err := chip.ParseFlagged(b, chip.FlagRank)
		if err != nil {
			return
		}
		e, err := s.Restore(g, a, m, chip.Options{Mode: snn.Fixed, Workers: 1, Comm: memComms(2)[k%2]})
		if err == nil {
			e.Stats()
			e.Close()
		}
	})
}
