package compare

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/spindle-sim/spindle/chip"
	"github.com/spindle-sim/spindle/dense"
	"github.com/spindle-sim/spindle/router"
	"github.com/spindle-sim/spindle/snn"
	"github.com/spindle-sim/spindle/spikestats"
)

// DefaultWarmupMs is the longest warm-up left out of the distribution
// statistics when Options.WarmupMs is negative; a shorter run leaves out
// its first fifth instead (see Warmup).
const DefaultWarmupMs = 100.0

// Options configure Run.
type Options struct {
	Mode    snn.Mode // numeric mode of both simulators; zero: the network's
	Ticks   int      // ticks to simulate
	Workers int      // event-engine worker goroutines; 0 means GOMAXPROCS

	// WarmupMs is the start of the run left out of the rate, CV and
	// correlation distributions; negative chooses Warmup(DefaultWarmupMs).
	WarmupMs float64
	// Stats forces the distribution statistics in fixed mode; they are
	// always computed in float mode, and in fixed mode when the runs differ.
	Stats bool
	// MaxDenseBytes is dense.Options.MaxBytes (0: dense.DefaultMaxBytes).
	MaxDenseBytes int64
	// Progress, if set, is called now and then with the ticks simulated so
	// far by both simulators together, out of 2*Ticks.
	Progress func(done, total int64)
	// MatVec runs the dense reference with a full matrix-vector product
	// per tick, the clock-driven cost; otherwise it adds the weight rows of
	// the neurons that fired (dense.Options.SpikeRows), which gives the
	// same spikes far sooner.
	MatVec bool
}

// Warmup returns the warm-up in ms for a run of the given length when the
// user chose none: DefaultWarmupMs, but at most a fifth of the run.
func Warmup(runMs float64) float64 {
	return math.Min(DefaultWarmupMs, runMs/5)
}

// Report is the agreement of the event engine and the dense reference on
// one network. It encodes to JSON with undefined values as null; its keys
// are part of the command-line contract of `spindle compare --json`.
type Report struct {
	Network    string    `json:"network"`
	Arch       string    `json:"arch"`
	Sync       chip.Sync `json:"sync"`
	Map        string    `json:"map"`
	Mode       snn.Mode  `json:"mode"`
	WeightBits int       `json:"weight_bits"`
	Ticks      int64     `json:"ticks"`
	DtMs       float64   `json:"dt_ms"`
	Neurons    int       `json:"neurons"`
	Synapses   int       `json:"synapses"`
	CoresUsed  int       `json:"cores_used"`
	Workers    int       `json:"workers"`

	// Identical is true when both runs hold exactly the same spikes and,
	// for a plastic network, the same final weights.
	Identical bool `json:"identical"`
	// Plastic lists the final weights of every plastic projection on both
	// simulators; absent for a network without plasticity.
	Plastic []PlasticWeights `json:"plastic_projections,omitempty"`
	// The figures of spikestats.Agreement, by their own keys here: the
	// spikes of each run are event_spikes and dense_spikes, and Identical
	// covers the weights too, so the type is not embedded.
	EventSpikes       int     `json:"event_spikes"`
	DenseSpikes       int     `json:"dense_spikes"`
	IdenticalFraction float64 `json:"identical_fraction"`
	VanRossum         float64 `json:"van_rossum"`
	VanRossumTauMs    float64 `json:"van_rossum_tau_ms"`
	// FirstDivergence is nil (null) when the runs are identical.
	FirstDivergence *Divergence `json:"first_divergence"`

	// Wall time of each simulator alone, construction excluded, and
	// speedup = DenseSeconds / EventSeconds.
	EventSeconds      float64 `json:"event_seconds"`
	DenseSeconds      float64 `json:"dense_seconds"`
	Speedup           float64 `json:"speedup"`
	EventBuildSeconds float64 `json:"event_build_seconds"`
	DenseBuildSeconds float64 `json:"dense_build_seconds"`
	DenseBytes        int64   `json:"dense_bytes"`

	// Router packets of the event run: sent, late (realtime sync: missed
	// their tick and arrived later) and dropped (found a full link buffer).
	Packets        int64 `json:"packets"`
	PacketsLate    int64 `json:"packets_late"`
	PacketsDropped int64 `json:"packets_dropped"`
	// FirstLateTick and FirstDroppedTick are the emit ticks of the first
	// late and the first dropped packet; nil when there was none.
	FirstLateTick    *int64 `json:"first_late_tick"`
	FirstDroppedTick *int64 `json:"first_dropped_tick"`
	// Attribution says in one sentence what the agreement means.
	Attribution string `json:"attribution"`

	// The distribution statistics (per population, KS distances) after
	// WarmupMs, with correlations in bins of BinMs; both nil when not
	// computed (fixed mode and identical runs, unless Options.Stats).
	WarmupMs    float64    `json:"warmup_ms"`
	BinMs       *float64   `json:"bin_ms"`
	Populations []PopStats `json:"populations"`
}

// Divergence is the first spike on which the runs disagree, with both
// simulators' state of that neuron at the end of that tick.
type Divergence struct {
	Tick       int64   `json:"tick"`
	TimeMs     float64 `json:"time_ms"`
	Neuron     uint32  `json:"neuron"`
	Population string  `json:"population"`
	Index      int     `json:"index"`     // within the population
	SpikedIn   string  `json:"spiked_in"` // "event" or "dense"
	// States at the end of tick Tick; nil for an input neuron.
	EventState *State `json:"event_state"`
	DenseState *State `json:"dense_state"`
	// Late and dropped packets emitted before Tick: only those can have
	// changed the spikes up to it.
	LateBefore    int64 `json:"packets_late_before"`
	DroppedBefore int64 `json:"packets_dropped_before"`
}

// State is a LIF neuron's membrane potential and synaptic currents,
// relative to v_rest: raw fixed-point state units in fixed mode, mV in
// float mode.
type State struct {
	V        float64   `json:"v"`
	Currents []float64 `json:"currents"`
	Units    string    `json:"units"`
	// Refractory is the refractory ticks left (dense reference only).
	Refractory *int32 `json:"refractory,omitempty"`
}

// PopStats compares the distributions of one population between the event
// run and the dense run: their means and the two-sample KS distances.
type PopStats struct {
	Name      string   `json:"name"`
	Size      int      `json:"size"`
	RateEvent *float64 `json:"rate_event"` // mean rate, Hz
	RateDense *float64 `json:"rate_dense"`
	CVEvent   *float64 `json:"cv_event"` // mean ISI CV
	CVDense   *float64 `json:"cv_dense"`
	CorrEvent *float64 `json:"corr_event"` // mean spike-count correlation
	CorrDense *float64 `json:"corr_dense"`
	KSRate    *float64 `json:"ks_rate"`
	KSCV      *float64 `json:"ks_cv"`
	KSCorr    *float64 `json:"ks_corr"`
}

// Run simulates g, mapped by m onto a, for opt.Ticks ticks on the event
// engine and on the dense reference and reports their agreement.
func Run(g *snn.Graph, a *chip.Arch, m *chip.Mapping, opt Options) (*Report, error) {
	return run(g, g, a, m, opt)
}

// run is Run with separate graphs for the engine and the reference, so
// that tests can perturb one side.
func run(ge, gd *snn.Graph, a *chip.Arch, m *chip.Mapping, opt Options) (*Report, error) {
	if opt.Ticks < 0 {
		return nil, fmt.Errorf("compare: %d ticks: expected a non-negative count", opt.Ticks)
	}
	if ge.N != gd.N {
		return nil, fmt.Errorf("compare: graphs of %d and %d neurons", ge.N, gd.N)
	}
	opt.Mode = opt.Mode.Resolve(ge.Net.Mode)
	g := gd
	dt := g.Net.Dt
	r := &Report{
		Network: g.Net.Name, Arch: a.Name, Sync: a.Sync, Map: m.Strategy, Mode: opt.Mode,
		WeightBits: a.WeightBits, Ticks: int64(opt.Ticks), DtMs: dt,
		Neurons: g.N, Synapses: g.Synapses(), CoresUsed: m.CoresUsed(), Workers: opt.Workers,
	}

	ev, err := runEvent(ge, a, m, opt)
	if err != nil {
		return nil, err
	}
	r.EventSeconds, r.EventBuildSeconds = ev.seconds, ev.build
	r.Packets, r.PacketsLate, r.PacketsDropped = ev.stats.Router.Sent, ev.stats.Router.Late, ev.stats.Router.Dropped
	r.FirstLateTick, r.FirstDroppedTick = ev.firstLate, ev.firstDrop

	dn, err := runDense(gd, a, opt)
	if err != nil {
		return nil, err
	}
	r.DenseSeconds, r.DenseBuildSeconds, r.DenseBytes = dn.seconds, dn.build, dn.bytes
	if r.EventSeconds > 0 {
		r.Speedup = r.DenseSeconds / r.EventSeconds
	}

	r.EventSpikes, r.DenseSpikes = len(ev.spikes), len(dn.spikes)
	r.Identical = slices.Equal(ev.spikes, dn.spikes)
	r.Plastic = plasticWeights(g, ev.weights, dn.weights)
	spikesIdentical := r.Identical
	for _, p := range r.Plastic {
		r.Identical = r.Identical && p.Identical
	}
	r.IdenticalFraction = 1
	r.VanRossumTauMs = spikestats.DefaultTauMs
	if !spikesIdentical {
		r.IdenticalFraction = spikestats.Identical(ev.spikes, dn.spikes)
		r.VanRossum = spikestats.VanRossum(ev.spikes, dn.spikes, dt, r.VanRossumTauMs)
		d, _, ok := spikestats.FirstDivergence(ev.spikes, dn.spikes)
		if !ok {
			return nil, errors.New("compare: spike lists differ but have no divergence")
		}
		if r.FirstDivergence, err = lockStep(ge, gd, a, m, opt, d.Time); err != nil {
			return nil, err
		}
		fd := r.FirstDivergence
		fd.LateBefore, fd.DroppedBefore = ev.badBefore(fd.Tick)
	}
	r.Attribution = attribute(r)

	runMs := float64(opt.Ticks) * dt
	r.WarmupMs = opt.WarmupMs
	if r.WarmupMs < 0 {
		r.WarmupMs = Warmup(runMs)
	}
	if opt.Mode == snn.Float || opt.Stats || !r.Identical {
		warm := int64(math.Round(r.WarmupMs / dt))
		if opt.Ticks > 0 && warm < int64(opt.Ticks) {
			rep, err := spikestats.Compare(ev.spikes, dn.spikes, spikestats.Populations(g), spikestats.Options{
				Dt: dt, Warmup: warm, End: int64(opt.Ticks), Seed: g.Net.Seed,
			})
			if err != nil {
				return nil, fmt.Errorf("compare: %w", err)
			}
			r.BinMs = &rep.BinMs
			r.Populations = popStats(rep, g)
		}
	}
	return r, nil
}

// PlasticWeights is the agreement of one plastic projection's final
// weights: raw units (fixed-mode state units, or mV in float mode).
type PlasticWeights struct {
	Name       string  `json:"name"`
	Synapses   int     `json:"synapses"`
	Identical  bool    `json:"identical"`
	MaxAbsDiff float64 `json:"max_abs_diff"`
}

// plasticWeights compares the final weights of every plastic projection.
func plasticWeights(g *snn.Graph, ev, dn [][]float64) []PlasticWeights {
	var out []PlasticWeights
	for p, pr := range g.Net.Projections {
		if pr.Plasticity == nil {
			continue
		}
		pw := PlasticWeights{Name: pr.Name, Synapses: len(ev[p]), Identical: slices.Equal(ev[p], dn[p])}
		for k := range ev[p] {
			pw.MaxAbsDiff = max(pw.MaxAbsDiff, math.Abs(ev[p][k]-dn[p][k]))
		}
		out = append(out, pw)
	}
	return out
}

func popStats(rep *spikestats.Report, g *snn.Graph) []PopStats {
	out := make([]PopStats, len(rep.Populations))
	for i, p := range rep.Populations {
		out[i] = PopStats{
			Name: p.Name, Size: g.PopStart[i+1] - g.PopStart[i],
			RateEvent: spikestats.Finite(p.RateA), RateDense: spikestats.Finite(p.RateB),
			CVEvent: spikestats.Finite(p.CVA), CVDense: spikestats.Finite(p.CVB),
			CorrEvent: spikestats.Finite(p.CorrA), CorrDense: spikestats.Finite(p.CorrB),
			KSRate: spikestats.Finite(p.KSRate), KSCV: spikestats.Finite(p.KSCV), KSCorr: spikestats.Finite(p.KSCorr),
		}
	}
	return out
}

// eventRun is the outcome of the event engine alone.
type eventRun struct {
	spikes         []spikestats.Spike
	stats          chip.Stats
	seconds, build float64
	// Late and dropped packets by emit tick, for badBefore.
	late, drop           tickCounts
	firstLate, firstDrop *int64
	weights              [][]float64 // final raw weights of plastic projections
}

// tickCounts counts events by tick, holding only the ticks that have any,
// so that its size follows the late and dropped packets, not the length
// of the run (a per-tick array of a long run would not fit in memory).
type tickCounts struct {
	ticks, counts []int64 // ticks ascending
}

// add counts one event at tick t, which must not be before the last one
// added: the engine reports packets in emit order.
func (c *tickCounts) add(t int64) {
	if n := len(c.ticks); n > 0 && c.ticks[n-1] == t {
		c.counts[n-1]++
		return
	}
	c.ticks = append(c.ticks, t)
	c.counts = append(c.counts, 1)
}

// before returns the events counted before tick t.
func (c *tickCounts) before(t int64) int64 {
	var n int64
	for i, tk := range c.ticks {
		if tk >= t {
			break
		}
		n += c.counts[i]
	}
	return n
}

// badBefore returns the late and dropped packets emitted before tick t.
func (e *eventRun) badBefore(t int64) (late, dropped int64) {
	return e.late.before(t), e.drop.before(t)
}

func runEvent(g *snn.Graph, a *chip.Arch, m *chip.Mapping, opt Options) (*eventRun, error) {
	ev := &eventRun{}
	tickStart := 0 // index in ev.spikes of the open tick's first spike
	start := time.Now()
	eng, err := chip.NewEngine(g, a, m, chip.Options{
		Mode:    opt.Mode,
		Workers: opt.Workers,
		OnSpike: func(t int64, id uint32) { ev.spikes = append(ev.spikes, spikestats.Spike{Time: t, Addr: id}) },
		OnPacket: func(p router.Packet, queued bool) {
			switch {
			case !queued:
				ev.drop.add(p.Emit)
				if ev.firstDrop == nil {
					ev.firstDrop = &p.Emit
				}
			case p.Late:
				ev.late.add(p.Emit)
				if ev.firstLate == nil {
					ev.firstLate = &p.Emit
				}
			}
		},
	})
	if err != nil {
		return nil, err
	}
	defer eng.Close()
	ev.build = time.Since(start).Seconds()
	start = time.Now()
	for t := 0; t < opt.Ticks; t++ {
		if opt.Progress != nil && t&255 == 0 {
			opt.Progress(int64(t), 2*int64(opt.Ticks))
		}
		eng.Step()
		// The engine reports a tick's spikes by core, then compartment;
		// order them by neuron, as the reference does.
		sortTick(ev.spikes[tickStart:])
		tickStart = len(ev.spikes)
	}
	ev.seconds = time.Since(start).Seconds()
	ev.stats = eng.Stats()
	ev.weights = finalWeights(g, eng.RawWeights)
	return ev, nil
}

func sortTick(s []spikestats.Spike) {
	if !slices.IsSortedFunc(s, spikeCmp) {
		slices.SortFunc(s, spikeCmp)
	}
}

func spikeCmp(a, b spikestats.Spike) int { return cmp.Compare(a.Addr, b.Addr) }

type denseRun struct {
	spikes         []spikestats.Spike
	seconds, build float64
	bytes          int64
	weights        [][]float64 // final raw weights of plastic projections
}

// finalWeights reads the raw weights of every plastic projection.
func finalWeights(g *snn.Graph, raw func(proj int) []float64) [][]float64 {
	w := make([][]float64, len(g.Net.Projections))
	for p, pr := range g.Net.Projections {
		if pr.Plasticity != nil {
			w[p] = raw(p)
		}
	}
	return w
}

func denseOptions(a *chip.Arch, opt Options) dense.Options {
	return dense.Options{Mode: opt.Mode, WeightBits: a.WeightBits, MaxBytes: opt.MaxDenseBytes, SpikeRows: !opt.MatVec}
}

func runDense(g *snn.Graph, a *chip.Arch, opt Options) (*denseRun, error) {
	dn := &denseRun{}
	start := time.Now()
	sim, err := dense.New(g, denseOptions(a, opt))
	if err != nil {
		return nil, err
	}
	dn.build = time.Since(start).Seconds()
	dn.bytes = sim.Bytes()
	start = time.Now()
	for t := 0; t < opt.Ticks; t++ {
		if opt.Progress != nil && t&255 == 0 {
			opt.Progress(int64(opt.Ticks+t), 2*int64(opt.Ticks))
		}
		for _, id := range sim.Step() {
			dn.spikes = append(dn.spikes, spikestats.Spike{Time: int64(t), Addr: id})
		}
	}
	dn.seconds = time.Since(start).Seconds()
	dn.weights = finalWeights(g, sim.RawWeights)
	return dn, nil
}

// lockStep re-runs both simulators tick by tick and stops at the first
// tick whose spike sets differ (expected: tick want, found by comparing
// the full runs), returning the divergence with both states.
func lockStep(ge, gd *snn.Graph, a *chip.Arch, m *chip.Mapping, opt Options, want int64) (*Divergence, error) {
	var tickSpikes []spikestats.Spike
	eng, err := chip.NewEngine(ge, a, m, chip.Options{
		Mode:    opt.Mode,
		Workers: opt.Workers,
		OnSpike: func(t int64, id uint32) { tickSpikes = append(tickSpikes, spikestats.Spike{Time: t, Addr: id}) },
	})
	if err != nil {
		return nil, err
	}
	defer eng.Close()
	sim, err := dense.New(gd, denseOptions(a, opt))
	if err != nil {
		return nil, err
	}
	for t := int64(0); t < int64(opt.Ticks); t++ {
		tickSpikes = tickSpikes[:0]
		eng.Step()
		sortTick(tickSpikes)
		ds := sim.Step()
		i := 0
		for i < len(tickSpikes) && i < len(ds) && tickSpikes[i].Addr == ds[i] {
			i++
		}
		if i == len(tickSpikes) && i == len(ds) {
			continue
		}
		d := &Divergence{Tick: t, TimeMs: float64(t) * gd.Net.Dt}
		switch {
		case i < len(tickSpikes) && (i == len(ds) || tickSpikes[i].Addr < ds[i]):
			d.Neuron, d.SpikedIn = tickSpikes[i].Addr, "event"
		default:
			d.Neuron, d.SpikedIn = ds[i], "dense"
		}
		pop := gd.PopOf(int(d.Neuron))
		d.Population, d.Index = gd.Net.Populations[pop].Name, int(d.Neuron)-gd.PopStart[pop]
		if gd.Net.Populations[pop].Kind == snn.LIF {
			d.EventState, d.DenseState = engineState(eng, d.Neuron, opt.Mode), denseState(sim, int(d.Neuron), opt.Mode)
		}
		if t != want {
			return d, fmt.Errorf("compare: the lock-step re-run diverges at tick %d, the full runs at tick %d: a simulator is not deterministic", t, want)
		}
		return d, nil
	}
	return nil, fmt.Errorf("compare: the lock-step re-run agrees where the full runs diverge (tick %d): a simulator is not deterministic", want)
}

func units(mode snn.Mode) string {
	if mode == snn.Fixed {
		return "state units"
	}
	return "mV"
}

func engineState(eng *chip.Engine, id uint32, mode snn.Mode) *State {
	v, cur := eng.State(id)
	return &State{V: v, Currents: cur, Units: units(mode)}
}

func denseState(sim *dense.Sim, i int, mode snn.Mode) *State {
	s := &State{Units: units(mode)}
	if mode == snn.Fixed {
		v, cur := sim.FixedState(i)
		s.V = float64(v)
		for _, c := range cur {
			s.Currents = append(s.Currents, float64(c))
		}
	} else {
		s.V, s.Currents = sim.State(i)
	}
	ref := sim.Refractory(i)
	s.Refractory = &ref
	return s
}

// attribute explains the agreement in one sentence.
func attribute(r *Report) string {
	hw := r.PacketsLate+r.PacketsDropped > 0
	firstBad := int64(-1)
	for _, p := range []*int64{r.FirstLateTick, r.FirstDroppedTick} {
		if p != nil && (firstBad < 0 || *p < firstBad) {
			firstBad = *p
		}
	}
	if r.Identical {
		if hw {
			return fmt.Sprintf("identical spikes despite %d late / %d dropped packets", r.PacketsLate, r.PacketsDropped)
		}
		return "identical spikes"
	}
	d := r.FirstDivergence
	var firsts string
	if r.FirstLateTick != nil {
		firsts += fmt.Sprintf("; first late packet at tick %d", *r.FirstLateTick)
	}
	if r.FirstDroppedTick != nil {
		firsts += fmt.Sprintf("; first dropped packet at tick %d", *r.FirstDroppedTick)
	}
	switch {
	case hw && firstBad < d.Tick:
		return fmt.Sprintf("divergence at tick %d after %d late / %d dropped packets (%d / %d of them emitted before it)%s: the first divergence comes after the first late or dropped packet, so the network explains it",
			d.Tick, r.PacketsLate, r.PacketsDropped, d.LateBefore, d.DroppedBefore, firsts)
	case hw:
		return fmt.Sprintf("divergence at tick %d before any late or dropped packet (%d late / %d dropped later%s): not explained by the network",
			d.Tick, r.PacketsLate, r.PacketsDropped, firsts) + modeCause(r.Mode)
	}
	return fmt.Sprintf("divergence at tick %d with no late or dropped packet", d.Tick) + modeCause(r.Mode)
}

func modeCause(mode snn.Mode) string {
	if mode == snn.Fixed {
		return "; in fixed mode this is a simulator bug"
	}
	return "; float mode sums in a different order, so agreement is statistical"
}
