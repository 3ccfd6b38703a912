package chip

import (
	"cmp"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"unsafe"

	"github.com/spindle-sim/spindle/chip/internal/synmem"
	"github.com/spindle-sim/spindle/core"
	"github.com/spindle-sim/spindle/router"
	"github.com/spindle-sim/spindle/snn"
)

// Options configure an Engine.
type Options struct {
	// Mode is the numeric mode; the zero value, snn.NetworkMode, runs in
	// the network's mode (g.Net.Mode).
	Mode snn.Mode
	// Workers is the number of goroutines stepping cores. 0 means up to
	// GOMAXPROCS, used only while they are faster than one (the engine
	// times both ways now and then); the spikes are the same either way.
	Workers int

	// OnSpike, if set, sees every spike in a deterministic order: by tick,
	// then by core, then by compartment.
	OnSpike func(tick int64, neuron uint32)
	// OnPacket, if set, sees every packet when it is sent, after routing;
	// queued is false for a packet dropped at a full link buffer.
	OnPacket func(p router.Packet, queued bool)

	// RateTau is the time constant of the per-neuron rate counters that
	// MeanRates and Sleep read, in ms; 0 means snn.DefaultRateTau.
	RateTau float64

	// Timing is the rule of the modelled tick time (docs/energy.md);
	// the zero value is Detailed.
	Timing Timing

	// Comm, if set, makes the engine one rank of a distributed run
	// (docs/distributed.md): it builds the synapses of, and steps, only
	// the cores Partition gives its rank, and exchanges their spikes
	// with the other ranks through Comm every tick. Every rank must be
	// built from the same graph, arch, mapping and options.
	Comm Comm
	// KeepOwnSynapses lets a rank of a distributed run keep, of the
	// graph's synapses, only those onto its own cores once it has laid
	// its routes (snn.Graph.KeepSynapses), so that its peak memory while
	// it builds holds only its share of them. The graph must then be
	// this engine's alone, and nothing may read its other synapses
	// afterwards. It does nothing in one process.
	KeepOwnSynapses bool
}

// Engine steps the cores of a mapped network and the router tick by tick.
type Engine struct {
	graph *snn.Graph
	arch  *Arch
	mapng *Mapping
	opt   Options

	cores  []*core.Core
	router *router.Router
	local  []uint16      // compartment of each global neuron on its core
	mem    *synmem.Model // the arch's synapse-memory model

	// Output routes of every global neuron, in compressed sparse rows,
	// with the synapses each route reaches by synapse format. A rank of
	// a distributed run keeps those of its own cores' neurons only; the
	// others' are empty.
	routeStart []int
	routeDst   []uint32
	routeAxon  axonNumbers
	routeSyn   routeSyns
	// oneFormat says that every synapse is static and of format format:
	// a route then reaches the synapses of its input axon, which the
	// destination core counts, and routeSyn is empty. routeCount then
	// keeps each route's count where the sender reads it, in a byte: a
	// look-up in the destination core cost a cache miss or two per message
	// on a large board (a quarter of scale_1m's tick), and in a
	// distributed run the destination may be another rank's core, built
	// without its synapses.
	oneFormat  bool
	format     SynapseFormat
	routeCount routeCounts

	tick  int64
	inbox []int32 // e.due[inbox[c]:inbox[c+1]] is addressed to core c
	due   []router.Packet
	// The tick's packets as stepGroup delivers them: the packets of core c
	// are its packets of each batch in turn, the batches of the router's
	// lanes (Router.PopBatches) or one of due and inbox.
	batches []router.Batch
	spikes  [][]uint16
	// Worker k steps pieces[k]: the split plan while every split core can
	// be split, the whole-core plan otherwise (a core learns or sleeps).
	pieces    [][]piece
	splitPlan [][]piece
	wholePlan [][]piece
	split     []splitCore // the cores splitPlan splits
	warm      bool        // the board warms packets before delivery (warmer)
	warmth    []int64     // per worker, what core.Warm read
	splitting bool        // pieces is splitPlan
	gather    []uint16
	workers   *phaser         // runs plans 1.. while the caller of Step runs plan 0
	adapt     *adapt          // nil when Options.Workers fixes the number of workers
	last      []core.Counters // each core's counters at the end of the previous tick
	cost      cost
	// timeSends says that packets leave at their modelled times within
	// the tick (detailed timing, barrier sync); otherwise at injectAt.
	timeSends bool
	// forward says that nothing depends on when packets cross links
	// (simple timing, barrier sync): Router.Forward counts them in O(1).
	forward bool
	sends   timedSends
	// roomy says that the queues were given room for every route at once
	// (a tick sends at most one packet a route), so Step need not count
	// a tick's messages to make room for them.
	roomy   bool
	stopped bool
	// The phase the workers are in: stepping the cores, sending in
	// lanes, or summing the cost model's counts (sendInLanes).
	phase phase
	// The lanes of a tick sent by every worker (sendInLanes): lane k
	// sends the spikes of cost.active[laneCut[k]:laneCut[k+1]],
	// laneCount[k] messages.
	lanes     []*router.Lane
	laneCut   []int
	laneCount []int
	sums      []coreSums // per worker, of a tick summed in parallel
	summed    bool       // the open tick's counts are in sums

	learn learnEngine // chip/learning.go

	asleep *sleeping    // a sleep phase under way (chip/sleep.go)
	check  checkpointer // chip/checkpoint.go
	probes []*Probe     // chip/probe.go; nil: none, and no cost
	dist   *distributed // chip/distributed.go; nil: one process
}

// Stats are the totals of a run.
type Stats struct {
	Ticks          int64
	Spikes         int64
	SynapticEvents int64
	NeuronUpdates  int64
	// LearningUpdates counts the synapses the learning engine's per-core
	// passes visited (core.Counters.LearningUpdates).
	LearningUpdates int64
	Router          router.Totals

	// Modelled hardware cost.
	Messages          MessageCounts
	EnergyJoules      float64
	EnergyByComponent map[string]float64
	Timing            Timing
	ModelledSeconds   float64 // the sum of modelled tick times
	ModelledTickMax   float64
}

// MessageCounts are the messages the cost model priced. A message is a
// packet: one per spike and destination core. It is received, and its
// synapses priced, in the tick it is sent, when the destination core
// walks them before the tick's barrier; SynapticEvents counts the same
// synapses when they take effect, a tick later (docs/energy.md).
type MessageCounts struct {
	Sent     int64 // by their source cores, dropped ones included
	Received int64 // by their destination cores: the sent ones not dropped
	// Synapses of the messages received, by synapse format.
	SynapsesSparse, SynapsesDense, SynapsesConv int64
}

// NewEngine builds the cores of mapping m and the router of arch a.
func NewEngine(g *snn.Graph, a *Arch, m *Mapping, opt Options) (*Engine, error) {
	if err := a.Validate(); err != nil {
		return nil, err
	}
	opt.Mode = opt.Mode.Resolve(g.Net.Mode)
	e := &Engine{graph: g, arch: a, mapng: m, opt: opt}
	if opt.Comm != nil {
		if learnsAny(g.Net) {
			return nil, errors.New("chip: a distributed run of a plastic network is not supported: run it in one process")
		}
		d, err := newDistributed(opt.Comm, m, a)
		if err != nil {
			return nil, err
		}
		e.dist = d
	}
	r, err := router.New(a.routerConfig(m))
	if err != nil {
		return nil, fmt.Errorf("arch %q: %w", a.Name, err)
	}
	e.router = r
	e.mem = synmem.New(g.Net, g.PopStart, a.ConvWeightSharing)
	if err := e.checkMemory(); err != nil {
		return nil, err
	}
	if err := e.buildCores(); err != nil {
		return nil, err
	}
	e.inbox = make([]int32, len(e.cores)+1)
	e.spikes = make([][]uint16, len(e.cores))
	e.last = make([]core.Counters, len(e.cores))
	lif := make([]int64, len(e.cores))
	for c, cr := range e.cores {
		lif[c] = int64(cr.LIF())
	}
	e.cost = newCost(a, m, lif, opt.Timing)
	e.timeSends, e.forward = a.sendRule(opt.Timing)
	// A tick sends at most one packet a route. Where that bound is
	// small, the queues get their room once: grown tick by tick through a
	// burst of traffic, each new array is written for the first time,
	// which on these machines costs more than the writing (W1).
	perRoute := 3 * unsafe.Sizeof(router.Packet{}) // the router's queue, its spare (PopSent) and the inbox
	if e.timeSends {
		perRoute += unsafe.Sizeof(timedSend{})
	}
	if routes := len(e.routeDst); routes > 0 && routes*int(perRoute) <= maxQueueBytes {
		e.roomy = e.dist == nil // a distributed tick's messages are the exchange's
		e.router.Reserve(routes)
		e.due = make([]router.Packet, 0, routes)
		if e.timeSends {
			e.sends.grow(routes)
		}
	}
	e.startWorkers()
	return e, nil
}

func (a *Arch) routerConfig(m *Mapping) router.Config {
	return router.Config{
		CoresPerTile: a.CoresPerTile, TilesX: a.TilesX, TilesY: a.TilesY,
		ChipsX: m.ChipsX, ChipsY: m.ChipsY,
		Sync: a.Sync, TickBudget: a.TickBudget,
		HopLatencyEast: a.HopLatencyEast, HopLatencyWest: a.HopLatencyWest,
		HopLatencyNorth: a.HopLatencyNorth, HopLatencySouth: a.HopLatencySouth,
		HopEnergyEast: a.HopEnergyEast, HopEnergyWest: a.HopEnergyWest,
		HopEnergyNorth: a.HopEnergyNorth, HopEnergySouth: a.HopEnergySouth,
		ChipHopLatency: a.ChipHopLatency, ChipHopEnergy: a.ChipHopEnergy,
		LinkServiceTime: a.LinkServiceTime, ChipLinkServiceTime: a.ChipLinkServiceTime,
		LinkBuffer: a.LinkBuffer,
	}
}

func (e *Engine) limits() core.Limits {
	a := e.arch
	l := core.Limits{
		Neurons: a.NeuronsPerCore, InputAxons: a.InputAxonsPerCore, OutputAxons: a.OutputAxonsPerCore,
		Synapses: a.SynapsesPerCore, FanIn: a.MaxFanIn, MaxDelay: a.MaxDelayTicks,
	}
	if e.mem.Shared {
		// Shared kernels: buildCores checks the memory by the model.
		l.Synapses = 0
	}
	return l
}

// checkMemory refuses a core whose synapse memory, by the arch's model,
// exceeds synapses_per_core.
func (e *Engine) checkMemory() error {
	if !e.mem.Shared {
		return nil
	}
	g := e.graph
	fanIn := make([]int, g.N)
	for _, p := range g.Post {
		fanIn[p]++
	}
	for c, used := range e.mem.CoreMemory(e.mapng.Cores, func(i int) int { return fanIn[i] }) {
		if used > e.arch.SynapsesPerCore {
			return fmt.Errorf("chip: core %d: synapse memory of %d weights (convolution kernels shared) exceeds synapses_per_core %d of arch %q", c, used, e.arch.SynapsesPerCore, e.arch.Name)
		}
	}
	return nil
}

// buildCores fills the synapse memory of every core and the output routes
// of every neuron: one input axon per (presynaptic neuron, destination
// core) pair, the core-level multicast of Loihi and SpiNNaker.
func (e *Engine) buildCores() error {
	g, m := e.graph, e.mapng
	var fixedW *snn.FixedQuantiser
	if e.opt.Mode == snn.Fixed {
		fixedW = g.FixedQuantiser(e.arch.WeightBits)
	}
	builders := make([]*core.Builder, len(m.Cores))
	local := make([]uint16, g.N)
	e.local = local
	e.initLearning()
	if err := e.checkGroups(); err != nil {
		return err
	}
	rc := snn.NewRateCounter(g.Net.Dt, e.opt.RateTau)
	// A board larger than the caches lays its cores out in an arena and
	// warms its packets before delivery (warmer).
	var arena *core.Arena
	if e.warm = g.Synapses() > warmSynapses; e.warm {
		arena = new(core.Arena)
	}
	for c, ns := range m.Cores {
		builders[c] = core.NewBuilder(c, g, e.opt.Mode, fixedW, e.limits())
		if arena != nil {
			builders[c].UseArena(arena)
		}
		builders[c].ShareRates(rc)
		if e.learn.rules != nil {
			builders[c].Learn(e.learn.rules)
		}
		if err := builders[c].AddNeurons(ns); err != nil {
			return e.limitError(err)
		}
		for k, id := range builders[c].Compartments() {
			local[id] = uint16(k)
		}
	}
	// Static synapses and input axons are counted per core first, so that
	// each core's memory is allocated once, at its size. A rank of a
	// distributed run keeps the routes of its own cores' neurons only:
	// it makes their packets, and the other ranks send it theirs.
	lo, hi := 0, len(m.Cores)
	if e.dist != nil {
		lo, hi = e.dist.lo, e.dist.hi
	}
	rt := countRoutes(g, m, lo, hi)
	static := rt.syn
	if e.learn.rules != nil {
		for s, post := range g.Post {
			if e.learn.rules[g.Proj[s]] != nil {
				static[m.CoreOf[post]]--
			}
		}
	}
	for c := range builders {
		if !e.owns(c) {
			// Another rank's core: its neurons (for the routes and the
			// cost model) but none of its synapses.
			static[c], rt.syn[c] = 0, 0
		}
	}
	// Without plasticity, a synapse whose projection gives its weight and
	// delay is added from its projection and target alone.
	var projSyn *core.ProjSynapses
	if e.learn.rules == nil {
		projSyn = core.NewProjSynapses(g, e.opt.Mode, fixedW)
	}
	reserve := func() *layer {
		for c, b := range builders {
			if e.owns(c) {
				b.Reserve(static[c], int(rt.axons[c]))
			}
		}
		return newLayer(builders, rt.syn, projSyn)
	}
	// A rank that may keep only its own cores' synapses of the graph
	// lays its routes first, from every synapse, then drops the others'
	// synapses before its cores take their memory: its peak holds its
	// share of the graph beside its cores, not the whole graph.
	trim := e.dist != nil && e.opt.KeepOwnSynapses
	var lay *layer
	if !trim {
		lay = reserve()
	}
	// A core numbers its input axons in the order they begin, as the
	// routes do, so BeginAxon returns the route's axon.
	formats := projectionFormats(g.Net)
	e.oneFormat = e.learn.rules == nil && len(formats) > 0 && !slices.ContainsFunc(formats, func(f SynapseFormat) bool { return f != formats[0] })
	if e.oneFormat {
		e.format = formats[0]
		e.routeCount = newRouteCounts(cap(rt.dst))
	} else {
		e.routeSyn = newRouteSyns(cap(rt.dst))
	}
	rt.lay(g, m, local, func(s, r int, dst uint32, target uint16, opened bool) {
		if !trim && e.owns(int(dst)) {
			lay.add(s, dst, target, g.Proj[s], opened)
		}
		if r < 0 {
			return // another rank's neuron
		}
		if !e.oneFormat {
			e.routeSyn.add(r, formats[g.Proj[s]])
		} else {
			e.routeCount.add(r)
		}
	})
	if trim {
		g.KeepSynapses(func(post uint32) bool { return e.owns(int(m.CoreOf[post])) })
		// The dropped synapses' memory is taken by the cores.
		runtime.GC()
		lay = reserve()
		eachOpening(g, m, local, func(s int, dst uint32, target uint16, opened bool) {
			lay.add(s, dst, target, g.Proj[s], opened)
		})
	}
	lay.finish()
	e.routeStart, e.routeDst, e.routeAxon = rt.start, rt.dst, rt.axon
	for i := 0; i < g.N; i++ {
		builders[m.CoreOf[i]].AddOutputs(rt.start[i+1] - rt.start[i])
	}
	e.cores = make([]*core.Core, len(builders))
	for c, b := range builders {
		cr, err := b.Finish()
		if err != nil {
			return e.limitError(err)
		}
		e.cores[c] = cr
	}
	return nil
}

// layer adds synapses to their cores' builders, each core's in the order
// given. Taken in graph order, consecutive synapses go to cores far apart,
// and each addition misses the cache for every array it appends to; the
// layer instead holds a slice of the graph's synapses, sorts them by group
// of cores, and adds them a group at a time, while the group's builders
// stay in the cache. With a second processor the adding runs on a
// goroutine of its own, one held slice after another, while the caller
// goes on laying routes and holding the next slice.
type layer struct {
	builders []*core.Builder
	proj     *core.ProjSynapses // nil: synapses are added from the graph
	groups   [][]laid
	held     int
	// With a goroutine adding: full takes held slices to it, spare
	// brings back emptied ones, done closes when it has added the last.
	full, spare chan [][]laid
	done        chan struct{}
	order       []int32 // addAll's scratch
}

// laid is a synapse to add: s, its core with the top bit set if the
// synapse opens an axon, its target's compartment there and its
// projection, so that the adding reads nothing of the graph where the
// projection gives the synapse (16 bytes, as s and dst alone).
type laid struct {
	s      int
	dst    uint32
	target uint16
	proj   uint16
}

const (
	layGroupCores = 1024 // cores per group
	layOpens      = 1 << 31
)

// layHeld synapses are held before they are added; tests set fewer. The
// more, the more synapses a core takes at each visit: on scale_1m, 2 M
// against 1 M took the adding from 7.4 to 5.9 s of CPU, for 32 MB more.
var layHeld = 1 << 21

// newLayer returns a layer for builders whose cores receive syn[c]
// synapses, with room for what each group will hold between flushes, so
// that the groups are not grown by doubling (a fifth of cnn_sinabs's
// engine build was copies). With proj, synapses are added from their
// projection (core.Builder.AddProjSynapse).
func newLayer(builders []*core.Builder, syn []int, proj *core.ProjSynapses) *layer {
	l := &layer{builders: builders, proj: proj}
	groups := func() [][]laid {
		g := make([][]laid, (len(builders)+layGroupCores-1)/layGroupCores)
		for k := range g {
			n := 0
			for _, c := range syn[k*layGroupCores : min(len(syn), (k+1)*layGroupCores)] {
				n += c
			}
			g[k] = make([]laid, 0, min(n, layHeld))
		}
		return g
	}
	l.groups = groups()
	total := 0
	for _, n := range syn {
		total += n
	}
	if total > layHeld && runtime.GOMAXPROCS(0) > 1 {
		l.full, l.spare, l.done = make(chan [][]laid), make(chan [][]laid, 1), make(chan struct{})
		l.spare <- groups()
		go func() {
			for gs := range l.full {
				l.addAll(gs)
				l.spare <- gs
			}
			close(l.done)
		}()
	}
	return l
}

func (l *layer) add(s int, dst uint32, target, proj uint16, opened bool) {
	d := dst
	if opened {
		d |= layOpens
	}
	k := dst / layGroupCores
	l.groups[k] = append(l.groups[k], laid{s, d, target, proj})
	if l.held++; l.held == layHeld {
		l.flush()
	}
}

// flush adds the synapses held, group by group, or hands them to the
// goroutine that adds them.
func (l *layer) flush() {
	l.held = 0
	if l.full == nil {
		l.addAll(l.groups)
		return
	}
	l.full <- l.groups
	l.groups = <-l.spare
}

// finish adds the synapses still held and returns once every synapse is
// in its core.
func (l *layer) finish() {
	l.flush()
	if l.full != nil {
		close(l.full)
		<-l.done
	}
}

// addAll adds the synapses of groups and empties them. A group's
// synapses are taken core by core, each core's in the order held, so
// that a core's arrays are in the cache for all of its synapses at once.
func (l *layer) addAll(groups [][]laid) {
	for k, group := range groups {
		base := k * layGroupCores
		var count [layGroupCores + 1]int32
		for _, x := range group {
			count[int(x.dst&^layOpens)-base+1]++
		}
		for c := 1; c <= layGroupCores; c++ {
			count[c] += count[c-1]
		}
		l.order = slices.Grow(l.order[:0], len(group))[:len(group)]
		for i, x := range group {
			c := int(x.dst&^layOpens) - base
			l.order[count[c]] = int32(i)
			count[c]++
		}
		for _, i := range l.order {
			x := group[i]
			b := l.builders[x.dst&^layOpens]
			if x.dst&layOpens != 0 {
				b.BeginAxon()
			}
			if l.proj != nil {
				b.AddProjSynapse(l.proj, x.proj, x.target)
			} else {
				b.AddSynapse(x.s, x.target)
			}
		}
		groups[k] = group[:0]
	}
}

// routeSynapses returns the synapses route r reaches, by format.
func (e *Engine) routeSynapses(r int) synCounts {
	if e.oneFormat {
		return synOf(e.format, e.routeCount.at(r))
	}
	return e.routeSyn.at(r)
}

func (e *Engine) limitError(err error) error {
	return fmt.Errorf("arch %q: %w", e.arch.Name, err)
}

// startWorkers shares the cores among the workers (see plan); worker 0 is
// the caller of Step.
func (e *Engine) startWorkers() {
	w := e.opt.Workers
	if w <= 0 {
		w = runtime.GOMAXPROCS(0)
	}
	// More workers than processors only adds waiting at the barrier.
	lo, hi := e.ownedCores()
	w = max(1, min(w, hi-lo, runtime.GOMAXPROCS(0)))
	e.splitPlan, e.wholePlan = e.plan(w, true), e.plan(w, false)
	e.split = splitCores(e.splitPlan)
	e.warmth = make([]int64, w)
	e.pieces = e.splitPlan
	// A board larger than the caches (warm) has ticks of milliseconds,
	// the barrier microseconds: its workers always win, and a trial of
	// one goroutine would only cost (scale_1m: 64 against 21-30 ms a tick).
	if e.opt.Workers <= 0 && w > 1 && !e.warm {
		e.adapt = newAdapt()
	}
	e.workers = newPhaser(w - 1)
	for k := 1; k < w; k++ {
		go e.workers.run(k-1, func() { e.work(k) })
	}
}

type phase int

const (
	stepping phase = iota
	sending
	summing
)

// work is worker k's part of a phase of the tick: stepping the cores,
// or sending and summing (sendInLanes).
func (e *Engine) work(k int) {
	switch e.phase {
	case stepping:
		e.stepGroup(k)
	case sending:
		e.sendLane(k, e.tick)
	case summing:
		e.sumShare(k)
	}
}

// stepGroup delivers the packets due and updates the pieces of worker k.
func (e *Engine) stepGroup(k int) {
	t := e.tick
	pieces := e.pieces[k]
	var warm warmer
	for i := range pieces {
		if e.warm {
			warm.ahead(e, pieces, i, t)
		}
		pc := &pieces[i]
		c := pc.core
		cr := e.cores[c]
		if !pc.split {
			for _, b := range e.batches {
				for _, p := range b.Packets[b.Start[c]:b.Start[c+1]] {
					if p.Count > 1 {
						cr.DeliverCount(p.Axon, p.Emit, t, int64(p.Count))
					} else {
						cr.Deliver(p.Axon, p.Emit, t)
					}
				}
			}
			e.spikes[c] = cr.Update(t)
			if e.dist == nil {
				e.countCore(c) // here, on the worker, while the core is in its cache
			}
			continue
		}
		pc.events = 0
		for _, b := range e.batches {
			for _, p := range b.Packets[b.Start[c]:b.Start[c+1]] {
				pc.events += cr.DeliverRangeCount(p.Axon, p.Emit, t, pc.from, pc.to, max(1, int64(p.Count)))
			}
		}
		pc.spikes, pc.updated = cr.UpdateRange(t, pc.from, pc.to, pc.spikes[:0])
	}
	e.warmth[k] = warm.sum
}

// maxQueueBytes bounds the room a board's queues take at once, all of them.
const maxQueueBytes = 64 << 20

// warmer warms the packets of the cores a worker will deliver to next, a
// batch at a time (core.Warm), while it steps the cores before them.
type warmer struct {
	next  int // the first piece not warmed
	cores [core.WarmBatch]*core.Core
	axons [core.WarmBatch]uint32
	emits [core.WarmBatch]int64
	sum   int64
}

// Boards of more than warmSynapses synapses warm their packets ahead of
// delivery and take their cores' memory from a core.Arena: their synapse
// memory (8 bytes a synapse) is larger than a processor's last-level
// cache, so delivery misses. On smaller boards it is in the cache, and
// warming is only more work.
var warmSynapses = 1 << 22 // a variable for the tests

// warmAhead is how many cores ahead of the one it steps a worker has
// warmed the packets of.
const warmAhead = 8

// ahead warms the packets of whole pieces from w.next on, up to a batch,
// once fewer than warmAhead pieces past piece i are warm.
func (w *warmer) ahead(e *Engine, pieces []piece, i int, t int64) {
	if w.next > i+warmAhead/2 {
		return
	}
	w.next = max(w.next, i+1)
	n := 0
	for ; w.next < len(pieces) && w.next <= i+2*warmAhead; w.next++ {
		c := pieces[w.next].core
		m := 0
		for _, b := range e.batches {
			m += int(b.Start[c+1] - b.Start[c])
		}
		if pieces[w.next].split || n+m > core.WarmBatch {
			break
		}
		for _, b := range e.batches {
			for _, p := range b.Packets[b.Start[c]:b.Start[c+1]] {
				w.cores[n], w.axons[n], w.emits[n] = e.cores[c], p.Axon, p.Emit
				n++
			}
		}
	}
	w.sum += core.Warm(w.cores[:n], w.axons[:n], w.emits[:n], t)
}

// choosePlan keeps the cores whole for a tick stepped on one goroutine,
// and for one in which a split core cannot be split: it learns, or sleep
// noise drives it.
func (e *Engine) choosePlan(parallel bool) {
	if !parallel {
		// One goroutine steps every piece: cutting cores would only add
		// the range checks and the joins.
		e.pieces, e.splitting = e.wholePlan, false
		return
	}
	e.pieces, e.splitting = e.splitPlan, len(e.split) > 0
	for _, sc := range e.split {
		if !e.cores[sc.core].Splittable() {
			e.pieces, e.splitting = e.wholePlan, false
			return
		}
	}
}

// joinSplit completes the tick of every split core from its pieces.
func (e *Engine) joinSplit(t int64) {
	if !e.splitting {
		return
	}
	for _, sc := range e.split {
		e.gather = e.gather[:0]
		var events, updated int64
		for _, pc := range sc.pieces {
			e.gather = append(e.gather, pc.spikes...)
			events += pc.events
			updated += pc.updated
		}
		e.spikes[sc.core] = e.cores[sc.core].FinishRanges(t, e.gather, events, updated)
		if e.dist == nil {
			e.countCore(sc.core)
		}
	}
}

// Close stops the worker goroutines. The engine cannot step afterwards.
func (e *Engine) Close() {
	if e.stopped {
		return
	}
	e.stopped = true
	e.workers.stop()
}

// Tick returns the number of ticks simulated so far.
func (e *Engine) Tick() int64 { return e.tick }

// Run simulates n more ticks.
func (e *Engine) Run(n int) {
	for i := 0; i < n; i++ {
		e.Step()
	}
}

// Step simulates one tick: deliver the packets due, update every core in
// parallel, then route the new spikes in core order. In a distributed
// run every rank calls Step together; it does nothing after an error of
// the exchange (Err).
func (e *Engine) Step() {
	if e.dist != nil && e.dist.err != nil {
		return
	}
	t := e.tick
	if e.asleep != nil {
		e.sleepTick()
	}
	parallel := e.adapt == nil || e.adapt.next()
	e.choosePlan(parallel)
	e.popDue(t, !parallel || len(e.pieces) == 1)
	if parallel {
		e.workers.start()
		e.stepGroup(0)
		e.workers.wait()
	} else {
		for k := range e.pieces {
			e.stepGroup(k)
		}
	}
	e.joinSplit(t)
	e.countWork()
	if e.dist != nil {
		if e.exchange(); e.dist.err != nil {
			return
		}
	}

	// The routes of the tick's spikes: the engine's own, by neuron, or,
	// in a distributed run, the packets of every core as the exchange
	// gave them, by spike in the same order.
	routeDst, routeAxon, routeSyn := e.routeDst, &e.routeAxon, e.routeSynapses
	exchanged := e.dist != nil && e.dist.ranks > 1
	if exchanged {
		routeDst, routeAxon, routeSyn = e.dist.dst, &e.dist.axon, e.dist.synapses
	}
	if !exchanged && e.sendInLanes(t, parallel) {
		e.endTick(t)
		return
	}
	if !e.roomy {
		n := e.messages()
		e.router.Reserve(n)
		if e.timeSends {
			e.sends.grow(n)
		}
	}
	group, next := 0, 0 // the exchange's next spike and packet
	for _, c := range e.cost.active {
		sp, cr := e.spikes[c], e.cores[c]
		var sent int64
		for k := 0; k < len(sp); k++ {
			l := sp[k]
			id := cr.Global(int(l))
			// A graded spike (an input listed n times in the tick) is one
			// message carrying its count, up to 255 a message.
			n := graded(sp, k)
			if e.opt.OnSpike != nil {
				for range n {
					e.opt.OnSpike(t, id)
				}
			}
			k += n - 1
			lo, hi := e.routeStart[id], e.routeStart[id+1]
			if exchanged {
				lo, hi = next, next+int(e.dist.groups[group])
				group, next = group+1, hi
			}
			for r := lo; r < hi; r++ {
				pkt := router.Packet{Src: uint32(c), Dst: routeDst[r], Axon: routeAxon.at(r), Emit: t}
				if n > 1 {
					pkt.Count = uint8(n)
				}
				if e.timeSends {
					e.sends.add(pkt, r, e.cost.injectAt(c, int(l), int64(k), sent))
					sent++
					continue
				}
				var p router.Packet
				var arrive float64
				queued := true
				if e.forward {
					p, _ = e.router.Forward(pkt)
				} else {
					p, arrive, queued = e.router.SendTimed(pkt, e.arch.injectAt(int(l)))
				}
				e.cost.message(uint32(c), p.Dst, routeSyn(r), queued, arrive)
				if e.opt.OnPacket != nil {
					e.opt.OnPacket(p, queued)
				}
			}
		}
	}
	if e.timeSends {
		e.sends.flush(e.router, &e.cost, routeSyn, e.arch.LinkBuffer, e.opt.OnPacket)
	}
	e.endTick(t)
}

// endTick closes tick t once its packets are sent.
func (e *Engine) endTick(t int64) {
	if e.summed {
		e.cost.closeWith(e.router.EndTick(t), e.sums...)
		e.summed = false
	} else {
		e.cost.close(e.router.EndTick(t))
	}
	if e.probes != nil {
		e.record()
	}
	e.tick++
	if e.asleep != nil {
		e.sleptTick()
	}
}

// sendInLanes sends the spikes of tick t as the loop of Step does, for
// the common case of simple timing (every synapse of one format, nobody
// watching packets), and reports whether it did. A large board's parallel
// tick sends on every worker at once (scale_1m: 100,000 messages a tick,
// each to a core anywhere on the board, as long as the cores' updates);
// any other tick in one lane, on the caller. The active cores are cut
// into one run per lane of about as many messages each; lane k forwards
// the packets of its run in a router.Lane and counts what the cores
// receive in a table of its own (cost.laneIn). The router and the cost
// model then hold what the loop would have left: the same packets in the
// same order and the same integer counts.
func (e *Engine) sendInLanes(t int64, parallel bool) bool {
	if !e.forward || !e.oneFormat || e.opt.OnPacket != nil {
		return false
	}
	w := 1
	if parallel && e.warm {
		w = len(e.pieces)
	}
	e.cutLanes(w, e.messages())
	lanes := e.router.Lanes(e.laneCount)
	if lanes == nil {
		return false
	}
	if e.opt.OnSpike != nil {
		// In the order of Step's loop: by core, then spike.
		for _, c := range e.cost.active {
			sp, cr := e.spikes[c], e.cores[c]
			for _, l := range sp {
				e.opt.OnSpike(t, cr.Global(int(l)))
			}
		}
	}
	e.lanes = lanes
	e.cost.addLanes(w - 1)
	if w == 1 {
		e.sendLane(0, t)
	} else {
		// Then the workers sum the cost model's counts too, each over a
		// share of the cores (a pass over every core, a millisecond
		// on its own), for endTick.
		e.sums = slices.Grow(e.sums[:0], w)[:w]
		for _, ph := range []phase{sending, summing} {
			e.phase = ph
			e.workers.start()
			e.work(0)
			e.workers.wait()
		}
		e.phase, e.summed = stepping, true
	}
	e.router.JoinLanes(lanes) // the cost model adds up its lanes as it closes the tick
	return true
}

// sumShare sums the cost model's counts of worker k's share of the
// active cores into sums[k].
func (e *Engine) sumShare(k int) {
	active, w := e.cost.active, len(e.sums)
	e.sums[k] = e.cost.sumCores(active[k*len(active)/w : (k+1)*len(active)/w])
}

// cutLanes cuts the active cores into w runs of about as many of the
// tick's total messages each, where the count passes a share.
func (e *Engine) cutLanes(w, total int) {
	e.laneCut = append(e.laneCut[:0], 0)
	e.laneCount = e.laneCount[:0]
	sum, from := 0, 0
	if w == 1 {
		sum = total // one run: nothing to count
	} else {
		for i, c := range e.cost.active {
			cr := e.cores[c]
			for _, l := range e.spikes[c] {
				id := cr.Global(int(l))
				sum += e.routeStart[id+1] - e.routeStart[id]
			}
			if k := len(e.laneCount); k < w-1 && sum >= total*(k+1)/w {
				e.laneCut = append(e.laneCut, i+1)
				e.laneCount = append(e.laneCount, sum-from)
				from = sum
			}
		}
	}
	for len(e.laneCount) < w {
		e.laneCut = append(e.laneCut, len(e.cost.active))
		e.laneCount = append(e.laneCount, sum-from)
		from = sum
	}
}

// sendLane sends the spikes of the active cores of run k of sendInLanes.
// On a large board the lane then sorts its packets for their delivery,
// on its own worker (Lane.Sort).
func (e *Engine) sendLane(k int, t int64) {
	lane, in := e.lanes[k], e.cost.laneIn(k)
	for _, c := range e.cost.active[e.laneCut[k]:e.laneCut[k+1]] {
		sp, cr := e.spikes[c], e.cores[c]
		var sent int
		for j := 0; j < len(sp); j++ {
			id := cr.Global(int(sp[j]))
			n := graded(sp, j)
			j += n - 1
			var cnt uint8
			if n > 1 {
				cnt = uint8(n)
			}
			lo, hi := e.routeStart[id], e.routeStart[id+1]
			for r := lo; r < hi; r++ {
				dst := e.routeDst[r]
				lane.Forward(router.Packet{Src: uint32(c), Dst: dst, Axon: e.routeAxon.at(r), Emit: t, Count: cnt})
				in[dst].add(e.format, e.routeCount.at(r))
			}
			sent += hi - lo
		}
		e.cost.work[c].sent += int64(sent)
	}
	if e.warm {
		lane.Sort()
	}
}

// popDue takes the packets due at tick t from the router. One goroutine
// stepping every core (serial) delivers them all first, as they were sent
// when the router can give them so (Router.PopSent): each core then
// receives its packets in the same order as when it takes its own range
// of the packets sorted by destination, so its ring sums the same values
// in the same order, and the sort is saved. The cores whose packets
// warm ahead (large boards), cores that learn, and distributed runs take
// the sorted packets in stepGroup: a large board's as its send lanes
// sorted them (Router.PopBatches), the others as the router sorts them.
func (e *Engine) popDue(t int64, serial bool) {
	e.batches = e.batches[:0]
	if serial && !e.warm && e.dist == nil && e.learn.rules == nil {
		if sent, ok := e.router.PopSent(t); ok {
			for i := range sent {
				if p := &sent[i]; p.Count > 1 {
					e.cores[p.Dst].DeliverCount(p.Axon, p.Emit, t, int64(p.Count))
				} else {
					e.cores[p.Dst].Deliver(p.Axon, p.Emit, t)
				}
			}
			return
		}
	}
	if b, ok := e.router.PopBatches(t); ok {
		e.batches = append(e.batches, b...)
		return
	}
	e.due = e.router.PopDue(t, e.due[:0])
	if len(e.due) > 0 {
		e.splitDue()
		e.batches = append(e.batches, router.Batch{Packets: e.due, Start: e.inbox})
	}
}

// messages returns the number of messages the tick's spikes send.
func (e *Engine) messages() int {
	if e.dist != nil && e.dist.ranks > 1 {
		return len(e.dist.dst)
	}
	n := 0
	for _, c := range e.cost.active {
		sp, cr := e.spikes[c], e.cores[c]
		for _, l := range sp {
			id := cr.Global(int(l))
			n += e.routeStart[id+1] - e.routeStart[id]
		}
	}
	return n
}

// splitDue sets inbox[c], inbox[c+1] to the range of e.due addressed to
// core c, for the cores that hold neurons. PopDue returns packets by
// delivery tick, then destination; all are due this tick unless a caller
// skipped PopDue, so the sort is rare.
func (e *Engine) splitDue() {
	due := e.due
	for i := 1; i < len(due); i++ {
		if due[i].Dst < due[i-1].Dst {
			slices.SortStableFunc(due, byDst)
			break
		}
	}
	// The cores that hold neurons are the only ones packets reach and
	// plans step: their ranges are found in one merge of the two orders.
	i := 0
	for _, c := range e.cost.active {
		for i < len(due) && int(due[i].Dst) < c {
			i++
		}
		e.inbox[c] = int32(i)
		for i < len(due) && int(due[i].Dst) == c {
			i++
		}
		e.inbox[c+1] = int32(i)
	}
}

func byDst(a, b router.Packet) int { return cmp.Compare(a.Dst, b.Dst) }

// countWork gives the cost model the work of the tick of each core of a
// distributed run (stepGroup and joinSplit count those of one process):
// its counters' growth since the previous tick. It counts the rank's own
// cores, and writes their work, spikes and packets into the message to
// the other ranks.
func (e *Engine) countWork() {
	if e.dist == nil {
		return
	}
	lo, hi := e.ownedCores()
	for c := lo; c < hi; c++ {
		e.countCore(c)
	}
}

func (e *Engine) countCore(c int) {
	now := e.cores[c].Counters()
	w := &e.cost.work[c]
	w.updates = now.NeuronUpdates - e.last[c].NeuronUpdates
	w.spikes = now.Spikes - e.last[c].Spikes
	w.learning = now.LearningUpdates - e.last[c].LearningUpdates
	if e.dist != nil {
		e.packOwn(c, now, e.last[c])
	}
	e.last[c] = now
}

// Stats returns the totals so far.
func (e *Engine) Stats() Stats {
	s := Stats{Ticks: e.tick}
	for c := range e.cores {
		k := e.counters(c)
		s.Spikes += k.Spikes
		s.SynapticEvents += k.SynapticEvents
		s.NeuronUpdates += k.NeuronUpdates
		s.LearningUpdates += k.LearningUpdates
	}
	s.Router = e.router.Stats()
	e.cost.fill(&s, true)
	return s
}

// Cores returns the simulated cores, for reports.
func (e *Engine) Cores() []*core.Core { return e.cores }

// Router returns the event router, for reports.
func (e *Engine) Router() *router.Router { return e.router }

// InterCoreRoutes returns the number of (neuron, destination core) routes
// whose destination is not the neuron's own core: in a distributed run,
// of the rank's own neurons, the routes it keeps.
func (e *Engine) InterCoreRoutes() int {
	n := 0
	for i := 0; i < e.graph.N; i++ {
		src := e.mapng.CoreOf[i]
		for r := e.routeStart[i]; r < e.routeStart[i+1]; r++ {
			if e.routeDst[r] != src {
				n++
			}
		}
	}
	return n
}

// State returns the membrane potential (relative to rest) and currents of
// global neuron id: in mV in float mode, in raw state units in fixed mode.
// Input neurons have none.
func (e *Engine) State(id uint32) (v float64, currents []float64) {
	return e.cores[e.mapng.CoreOf[id]].State(int(e.local[id]))
}
