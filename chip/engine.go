package chip

import (
	"fmt"
	"runtime"

	"github.com/spindle-sim/spindle/core"
	"github.com/spindle-sim/spindle/router"
	"github.com/spindle-sim/spindle/snn"
)

// Options configure an Engine.
type Options struct {
	Mode    snn.Mode
	Workers int // goroutines stepping cores; 0 means GOMAXPROCS

	// OnSpike, if set, sees every spike in a deterministic order: by tick,
	// then by core, then by compartment.
	OnSpike func(tick int64, neuron uint32)
	// OnPacket, if set, sees every packet when it is sent, after routing;
	// queued is false for a packet dropped at a full link buffer.
	OnPacket func(p router.Packet, queued bool)

	// RateTau is the time constant of the per-neuron rate counters that
	// MeanRates and Sleep read, in ms; 0 means snn.DefaultRateTau.
	RateTau float64
}

// Engine steps the cores of a mapped network and the router tick by tick.
type Engine struct {
	graph *snn.Graph
	arch  *Arch
	mapng *Mapping
	opt   Options

	cores  []*core.Core
	router *router.Router
	local  []uint16 // compartment of each global neuron on its core

	// Output routes of every global neuron, in compressed sparse rows.
	routeStart []int
	routeDst   []uint32
	routeAxon  []uint32

	tick    int64
	inbox   [][]router.Packet
	due     []router.Packet
	spikes  [][]uint16
	groups  [][]int // cores stepped by each worker
	workers *phaser // runs groups 1.. while the caller of Step runs group 0
	last    []core.Counters
	stats   Stats
	stopped bool

	learn learnEngine // chip/learning.go
}

// Stats are the totals of a run.
type Stats struct {
	Ticks          int64
	Spikes         int64
	SynapticEvents int64
	NeuronUpdates  int64
	Router         router.Totals

	// Modelled hardware cost.
	EnergyJoules      float64
	EnergyByComponent map[string]float64
	ModelledSeconds   float64 // the sum of modelled tick times
	ModelledTickMax   float64
}

// NewEngine builds the cores of mapping m and the router of arch a.
func NewEngine(g *snn.Graph, a *Arch, m *Mapping, opt Options) (*Engine, error) {
	if err := a.Validate(); err != nil {
		return nil, err
	}
	e := &Engine{graph: g, arch: a, mapng: m, opt: opt}
	r, err := router.New(a.routerConfig(m))
	if err != nil {
		return nil, fmt.Errorf("arch %q: %w", a.Name, err)
	}
	e.router = r
	if err := e.buildCores(); err != nil {
		return nil, err
	}
	e.inbox = make([][]router.Packet, len(e.cores))
	e.spikes = make([][]uint16, len(e.cores))
	e.last = make([]core.Counters, len(e.cores))
	e.stats.EnergyByComponent = map[string]float64{}
	e.startWorkers()
	return e, nil
}

func (a *Arch) routerConfig(m *Mapping) router.Config {
	sync := router.Barrier
	if a.Sync == Realtime {
		sync = router.Realtime
	}
	return router.Config{
		CoresPerTile: a.CoresPerTile, TilesX: a.TilesX, TilesY: a.TilesY,
		ChipsX: m.ChipsX, ChipsY: m.ChipsY,
		Sync: sync, TickBudget: a.TickBudget,
		HopLatencyEW: a.HopLatencyEW, HopLatencyNS: a.HopLatencyNS,
		HopEnergyEW: a.HopEnergyEW, HopEnergyNS: a.HopEnergyNS,
		ChipHopLatency: a.ChipHopLatency, ChipHopEnergy: a.ChipHopEnergy,
		LinkServiceTime: a.LinkServiceTime, ChipLinkServiceTime: a.ChipLinkServiceTime,
		LinkBuffer: a.LinkBuffer,
	}
}

func (e *Engine) limits() core.Limits {
	a := e.arch
	return core.Limits{
		Neurons: a.NeuronsPerCore, InputAxons: a.InputAxonsPerCore, OutputAxons: a.OutputAxonsPerCore,
		Synapses: a.SynapsesPerCore, FanIn: a.MaxFanIn, MaxDelay: a.MaxDelayTicks,
	}
}

// buildCores fills the synapse memory of every core and the output routes
// of every neuron: one input axon per (presynaptic neuron, destination
// core) pair, the core-level multicast of Loihi and SpiNNaker.
func (e *Engine) buildCores() error {
	g, m := e.graph, e.mapng
	var fixedW []int32
	if e.opt.Mode == snn.Fixed {
		fixedW = g.FixedWeights(e.arch.WeightBits)
	}
	builders := make([]*core.Builder, len(m.Cores))
	local := make([]uint16, g.N)
	e.local = local
	e.initLearning()
	for c, ns := range m.Cores {
		builders[c] = core.NewBuilder(c, g, e.opt.Mode, fixedW, e.limits())
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
	stamp := make([]int, len(m.Cores))
	e.routeStart = make([]int, g.N+1)
	for i := 0; i < g.N; i++ {
		for s := g.PreStart[i]; s < g.PreStart[i+1]; s++ {
			post := g.Post[s]
			dc := m.CoreOf[post]
			if stamp[dc] != i+1 {
				stamp[dc] = i + 1
				e.routeDst = append(e.routeDst, dc)
				e.routeAxon = append(e.routeAxon, builders[dc].BeginAxon())
			}
			builders[dc].AddSynapse(s, local[post])
		}
		e.routeStart[i+1] = len(e.routeDst)
		builders[m.CoreOf[i]].AddOutputs(e.routeStart[i+1] - e.routeStart[i])
	}
	e.cores = make([]*core.Core, len(builders))
	for c, b := range builders {
		cr, err := b.Finish()
		if err != nil {
			return e.limitError(err)
		}
		if e.opt.RateTau != 0 {
			cr.SetRateTau(g.Net.Dt, e.opt.RateTau)
		}
		e.cores[c] = cr
	}
	return nil
}

func (e *Engine) limitError(err error) error {
	return fmt.Errorf("arch %q: %w", e.arch.Name, err)
}

// startWorkers splits the cores into contiguous groups of similar work,
// one per worker; worker 0 is the caller of Step.
func (e *Engine) startWorkers() {
	w := e.opt.Workers
	if w <= 0 {
		w = runtime.GOMAXPROCS(0)
	}
	w = max(1, min(w, len(e.cores)))
	work := make([]int, len(e.cores))
	total := 0
	for c, cr := range e.cores {
		work[c] = cr.Compartments() + cr.Synapses()/16 + 1
		total += work[c]
	}
	e.groups = make([][]int, w)
	acc, gi := 0, 0
	for c := range e.cores {
		if gi < w-1 && acc >= total*(gi+1)/w {
			gi++
		}
		e.groups[gi] = append(e.groups[gi], c)
		acc += work[c]
	}
	e.workers = newPhaser(w - 1)
	for k := 1; k < w; k++ {
		go e.workers.run(k-1, func() { e.stepGroup(k) })
	}
}

// stepGroup delivers the packets due and updates the cores of group k.
func (e *Engine) stepGroup(k int) {
	t := e.tick
	for _, c := range e.groups[k] {
		cr := e.cores[c]
		for i := range e.inbox[c] {
			p := &e.inbox[c][i]
			cr.Deliver(p.Axon, p.Emit, t)
		}
		e.spikes[c] = cr.Update(t)
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
// parallel, then route the new spikes in core order.
func (e *Engine) Step() {
	t := e.tick
	for c := range e.inbox {
		e.inbox[c] = e.inbox[c][:0]
	}
	e.due = e.router.PopDue(t, e.due[:0])
	for i := range e.due {
		p := &e.due[i]
		e.inbox[p.Dst] = append(e.inbox[p.Dst], *p)
	}
	e.workers.start()
	e.stepGroup(0)
	e.workers.wait()

	for c, sp := range e.spikes {
		cr := e.cores[c]
		for _, l := range sp {
			id := cr.Global(int(l))
			if e.opt.OnSpike != nil {
				e.opt.OnSpike(t, id)
			}
			for r := e.routeStart[id]; r < e.routeStart[id+1]; r++ {
				p, queued := e.router.Send(router.Packet{Src: uint32(c), Dst: e.routeDst[r], Axon: e.routeAxon[r], Emit: t})
				if e.opt.OnPacket != nil {
					e.opt.OnPacket(p, queued)
				}
			}
		}
	}
	e.account(e.router.EndTick(t))
	e.tick++
}

// account adds the tick's modelled energy and time: each core's work,
// the network's drain time, and the barrier.
func (e *Engine) account(ts router.TickStats) {
	a := e.arch
	slowest := 0.0
	var synE, neuE, spkE float64
	for c, cr := range e.cores {
		now := cr.Counters()
		d := core.Counters{
			SynapticEvents: now.SynapticEvents - e.last[c].SynapticEvents,
			NeuronUpdates:  now.NeuronUpdates - e.last[c].NeuronUpdates,
			Spikes:         now.Spikes - e.last[c].Spikes,
		}
		e.last[c] = now
		synE += float64(d.SynapticEvents) * a.SynOpEnergy
		neuE += float64(d.NeuronUpdates) * a.NeuronUpdateEnergy
		spkE += float64(d.Spikes) * a.SpikeEnergy
		t := float64(d.SynapticEvents)*a.SynOpLatency + float64(d.NeuronUpdates)*a.NeuronUpdateLatency + float64(d.Spikes)*a.SpikeLatency
		slowest = max(slowest, t)
	}
	tick := slowest + ts.DrainSeconds
	var barE float64
	if a.Sync == Barrier {
		tick += a.BarrierLatency
		barE = a.BarrierEnergy
	}
	s := &e.stats
	s.EnergyByComponent["synaptic"] += synE
	s.EnergyByComponent["neuron"] += neuE
	s.EnergyByComponent["spike"] += spkE
	s.EnergyByComponent["network"] += ts.EnergyJoules
	s.EnergyByComponent["barrier"] += barE
	s.EnergyJoules += synE + neuE + spkE + ts.EnergyJoules + barE
	s.ModelledSeconds += tick
	s.ModelledTickMax = max(s.ModelledTickMax, tick)
}

// Stats returns the totals so far.
func (e *Engine) Stats() Stats {
	s := e.stats
	s.Ticks = e.tick
	s.Spikes, s.SynapticEvents, s.NeuronUpdates = 0, 0, 0
	for _, cr := range e.cores {
		k := cr.Counters()
		s.Spikes += k.Spikes
		s.SynapticEvents += k.SynapticEvents
		s.NeuronUpdates += k.NeuronUpdates
	}
	s.Router = e.router.Stats()
	s.EnergyByComponent = make(map[string]float64, len(e.stats.EnergyByComponent))
	for k, v := range e.stats.EnergyByComponent {
		s.EnergyByComponent[k] = v
	}
	return s
}

// Cores returns the simulated cores, for reports.
func (e *Engine) Cores() []*core.Core { return e.cores }

// Router returns the event router, for reports.
func (e *Engine) Router() *router.Router { return e.router }

// InterCoreRoutes returns the number of (neuron, destination core) routes
// whose destination is not the neuron's own core.
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
