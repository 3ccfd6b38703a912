package chip

import (
	"errors"
	"fmt"
	"math"

	"github.com/spindle-sim/spindle/snn"
)

// learnEngine is the host side of on-core learning: the rules shared by
// the cores and the maps from graph synapses to core memory.
type learnEngine struct {
	rules  []*snn.Learner // by projection; nil when no projection is plastic
	reward float64

	// Built on first use: where each graph synapse is stored.
	loc     []uint32   // index in its core's static or plastic memory
	projSyn [][]uint32 // graph synapses of each projection, ascending
}

func (e *Engine) initLearning() {
	g := e.graph
	var rules []*snn.Learner
	for p := range g.Net.Projections {
		if g.Net.Projections[p].Plasticity == nil {
			continue
		}
		if rules == nil {
			rules = make([]*snn.Learner, len(g.Net.Projections))
		}
		rules[p] = snn.NewLearner(g, p, e.opt.Mode, e.arch.WeightBits)
	}
	e.learn.rules = rules
}

// checkGroups refuses a mapping that splits the post population of a
// projection whose rule needs a presynaptic neuron's summed weight
// (PreBalance, or a Tied projection following it): each core sums only
// the synapses it holds, so that sum is the whole one only on one core.
func (e *Engine) checkGroups() error {
	g := e.graph
	for p, pr := range g.Net.Projections {
		pl := pr.Plasticity
		if pl == nil || !(pl.PreBalance || pl.Rule == snn.Tied) {
			continue
		}
		pi := g.Net.PopulationIndex(pr.Post)
		first := e.mapng.CoreOf[g.PopStart[pi]]
		for id := g.PopStart[pi]; id < g.PopStart[pi+1]; id++ {
			if c := e.mapng.CoreOf[id]; c != first {
				return fmt.Errorf("projection %q (%d): pre_balance and tied rules need the post population %q on one core; the mapping puts it on cores %d and %d", pr.Name, p, pr.Post, first, c)
			}
		}
	}
	return nil
}

// SetReward sets the modulation (reward > 0, punishment < 0) broadcast to
// every core. From the next Step on, and until changed, every tick ends
// with w += learning_rate * r * e for every synapse of an RSTDP projection
// (e its eligibility trace at that tick), bounded to [w_min, w_max].
func (e *Engine) SetReward(r float64) {
	e.learn.reward = r
	for _, l := range e.learn.rules {
		if l != nil {
			l.SetReward(r)
		}
	}
}

// Reward returns the modulation set by SetReward.
func (e *Engine) Reward() float64 { return e.learn.reward }

// SetLearning freezes (on = false) or unfreezes the plasticity of
// projection proj. A frozen projection keeps its weights; its traces keep
// running, so unfreezing resumes as if it had never been frozen.
func (e *Engine) SetLearning(proj int, on bool) {
	if proj < 0 || proj >= len(e.learn.rules) || e.learn.rules[proj] == nil {
		return
	}
	e.learn.rules[proj].Enabled = on
}

// Plastic reports whether projection proj has a learning rule.
func (e *Engine) Plastic(proj int) bool {
	return proj >= 0 && proj < len(e.learn.rules) && e.learn.rules[proj] != nil
}

// locate maps every graph synapse to its place in core memory, replaying
// the order in which buildCores stored them.
func (e *Engine) locate() {
	l := &e.learn
	if l.loc != nil {
		return
	}
	g := e.graph
	static := make([]uint32, len(e.cores))
	plastic := make([]uint32, len(e.cores))
	l.loc = make([]uint32, g.Synapses())
	l.projSyn = make([][]uint32, len(g.Net.Projections))
	for s := range g.Post {
		c := e.mapng.CoreOf[g.Post[s]]
		if e.Plastic(int(g.Proj[s])) {
			l.loc[s] = plastic[c]
			plastic[c]++
		} else {
			l.loc[s] = static[c]
			static[c]++
		}
		l.projSyn[g.Proj[s]] = append(l.projSyn[g.Proj[s]], uint32(s))
	}
}

func (e *Engine) rawWeight(s uint32) float64 {
	cr := e.cores[e.mapng.CoreOf[e.graph.Post[s]]]
	if e.Plastic(int(e.graph.Proj[s])) {
		return cr.PlasticWeight(int(e.learn.loc[s]))
	}
	return cr.StaticWeight(int(e.learn.loc[s]))
}

func (e *Engine) postScale(proj int) float64 {
	g := e.graph
	return g.Params[g.Net.PopulationIndex(g.Net.Projections[proj].Post)].Scale
}

func (e *Engine) checkProj(proj int) {
	if proj < 0 || proj >= len(e.graph.Net.Projections) {
		panic(fmt.Sprintf("chip: projection %d out of range [0, %d)", proj, len(e.graph.Net.Projections)))
	}
}

// Weights returns the weights of projection proj's synapses in graph
// synapse order (the order of snn.Graph, by presynaptic neuron), in mV;
// in fixed mode converted from state units by the postsynaptic
// population's Scale. A plastic weight is reported within its bounds:
// the state unit nearest a bound can lie a fraction of a unit beyond it
// in mV, and SetWeights must accept what Weights returns.
func (e *Engine) Weights(proj int) []float64 {
	e.checkProj(proj)
	e.locate()
	syn := e.learn.projSyn[proj]
	w := make([]float64, len(syn))
	sc := 1.0
	if e.opt.Mode == snn.Fixed {
		sc = e.postScale(proj)
	}
	pl := e.graph.Net.Projections[proj].Plasticity
	for i, s := range syn {
		w[i] = e.rawWeight(s) / sc
		if pl != nil {
			w[i] = min(max(w[i], pl.WMin), pl.WMax)
		}
	}
	return w
}

// setRawWeights stores raw(i), in the cores' units (see RawWeights), as
// the weight of projection proj's synapse i in graph synapse order.
func (e *Engine) setRawWeights(proj int, raw func(i int) float64) {
	e.locate()
	plastic := e.graph.Net.Projections[proj].Plasticity != nil
	for i, s := range e.learn.projSyn[proj] {
		cr := e.cores[e.mapng.CoreOf[e.graph.Post[s]]]
		if plastic {
			cr.SetPlasticWeight(int(e.learn.loc[s]), raw(i))
		} else {
			cr.SetStaticWeight(int(e.learn.loc[s]), raw(i))
		}
	}
}

// RawWeights returns the weights of projection proj in graph synapse
// order as the cores store them: fixed-mode state units (exact integers),
// or mV in float mode.
func (e *Engine) RawWeights(proj int) []float64 {
	e.checkProj(proj)
	e.locate()
	syn := e.learn.projSyn[proj]
	w := make([]float64, len(syn))
	for i, s := range syn {
		w[i] = e.rawWeight(s)
	}
	return w
}

// SetWeights sets the weights of projection proj (mV, the order of
// Weights), for restoring snapshots. In fixed mode each weight is rounded
// to state units; a plastic projection's weights must lie in [w_min,
// w_max]. Homeostatic targets are not changed.
func (e *Engine) SetWeights(proj int, w []float64) error {
	if proj < 0 || proj >= len(e.graph.Net.Projections) {
		return fmt.Errorf("chip: projection %d out of range [0, %d)", proj, len(e.graph.Net.Projections))
	}
	if e.dist != nil {
		return errors.New("chip: a distributed run cannot set weights: set them in one process")
	}
	e.locate()
	syn := e.learn.projSyn[proj]
	if len(w) != len(syn) {
		return fmt.Errorf("chip: projection %d has %d synapses, got %d weights", proj, len(syn), len(w))
	}
	pl := e.graph.Net.Projections[proj].Plasticity
	for i, x := range w {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("chip: weight %d of projection %d is %v", i, proj, x)
		}
		if pl != nil && (x < pl.WMin-1e-9 || x > pl.WMax+1e-9) {
			return fmt.Errorf("chip: weight %d of projection %d is %v mV, outside [w_min, w_max] = [%v, %v]", i, proj, x, pl.WMin, pl.WMax)
		}
	}
	sc := 1.0
	if e.opt.Mode == snn.Fixed {
		sc = e.postScale(proj)
	}
	if pl == nil {
		// A checkpoint fingerprints the weights as built and stores
		// those set here (chip/checkpoint.go).
		e.fingerprint()
		e.markReweighted(proj)
	}
	e.setRawWeights(proj, func(i int) float64 { return w[i] * sc })
	for _, cr := range e.cores {
		cr.Retie()
	}
	return nil
}

// MeanRates returns the rate counter of every neuron of population pop,
// in Hz: an exponential moving average of its firing rate with time
// constant Options.RateTau (default 1 s) as it stands after the last
// simulated tick (see docs/learning.md).
func (e *Engine) MeanRates(pop int) []float64 {
	g := e.graph
	if pop < 0 || pop >= len(g.Net.Populations) {
		panic(fmt.Sprintf("chip: population %d out of range [0, %d)", pop, len(g.Net.Populations)))
	}
	t := max(e.tick-1, 0)
	out := make([]float64, g.PopStart[pop+1]-g.PopStart[pop])
	for i := range out {
		id := g.PopStart[pop] + i
		out[i] = e.cores[e.mapng.CoreOf[id]].Rate(int(e.local[id]), t)
	}
	return out
}

// SetPoissonRate changes the rate of one Poisson source neuron (global
// id) at run time. It takes effect from the next tick: the source's next
// spike is redrawn as tick + interval - 1, with the interval drawn by
// snn.PoissonInterval from the source's own counter (so the result does
// not depend on mapping or workers). It panics if neuron is not a Poisson
// source.
func (e *Engine) SetPoissonRate(neuron uint32, hz float64) {
	g := e.graph
	if int(neuron) >= g.N {
		panic(fmt.Sprintf("chip: SetPoissonRate: neuron %d out of range", neuron))
	}
	pop := g.PopOf(int(neuron))
	if g.Net.Populations[pop].Kind != snn.Poisson {
		panic(fmt.Sprintf("chip: SetPoissonRate: neuron %d of population %q is not a Poisson source", neuron, g.Net.Populations[pop].Name))
	}
	cr := e.cores[e.mapng.CoreOf[neuron]]
	k := cr.Source(int(e.local[neuron]))
	cr.SetPoissonRate(k, poissonP(hz, g.Net.Dt), e.tick)
}

func poissonP(hz, dt float64) float64 {
	if !(hz > 0) {
		return 0
	}
	return hz * dt / 1000
}

// PlasticState returns the learning state of graph synapse s (which must
// belong to a plastic projection), for tests and probes.
func (e *Engine) PlasticState(s int) snn.SynState {
	e.locate()
	st, _ := e.cores[e.mapng.CoreOf[e.graph.Post[s]]].PlasticSynapse(int(e.learn.loc[s]))
	return st
}
