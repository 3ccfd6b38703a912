package foraging

import (
	"github.com/spindle-sim/spindle/chip"
	"github.com/spindle-sim/spindle/chip/mapping"
	"github.com/spindle-sim/spindle/snn"
)

// chipBrain runs the foraging network on the event engine of a mapped
// chip, with on-core learning.
type chipBrain struct {
	*chip.Engine
	p   *Params
	lay layout
	dt  float64
}

// attachRules gives the projections their learning rules: pair STDP on
// input -> hidden (pre-training only) and reward-modulated STDP on both
// hidden -> output projections; weights stay within their bounds, the
// inhibitory ones in [-InhMax, 0].
func attachRules(net *snn.Network, p *Params) {
	r := &p.Rules
	excMin, excMax, inhMax := 0.0, p.ExcMax, p.InhMax
	if net.Mode == snn.Fixed && p.FixedExcMax > 0 {
		excMin, excMax, inhMax = p.FixedExcMin, p.FixedExcMax, p.FixedExcMax
	}
	net.Projections[0].Plasticity = &snn.Plasticity{
		Rule: snn.STDP, TauPlus: r.PreTau, TauMinus: r.PreTau,
		APlus: r.PreAPlus, AMinus: r.PreAMinus, WMin: 0, WMax: p.InHidMax,
	}
	if r.PreNormalize {
		net.Projections[0].Plasticity.Homeostasis = &snn.Homeostasis{}
	}
	net.Projections[1].Plasticity = &snn.Plasticity{
		Rule: snn.RSTDP, TauPlus: r.Tau, TauMinus: r.Tau, APlus: r.APlus, AMinus: r.AMinus,
		WMin: excMin, WMax: excMax, TauEligibility: r.TauElig, LearningRate: r.LearningRate,
		Proportional: r.Proportional, PreBalance: r.PreBalance,
	}
	if r.Normalize {
		net.Projections[1].Plasticity.Homeostasis = &snn.Homeostasis{OnReward: r.OnReward, RateTarget: r.RateTarget, Eta: r.Eta}
	}
	if r.Tied {
		net.Projections[2].Plasticity = &snn.Plasticity{Rule: snn.Tied, TiedTo: ProjExc, WMin: -inhMax, WMax: 0}
		return
	}
	net.Projections[2].Plasticity = &snn.Plasticity{
		Rule: snn.RSTDP, TauPlus: r.Tau, TauMinus: r.Tau, APlus: r.APlus, AMinus: r.AMinus,
		WMin: -inhMax, WMax: 0, TauEligibility: r.TauElig, LearningRate: r.LearningRate * r.InhRate,
	}
}

func newChipBrain(p *Params, seed uint64, mode snn.Mode, arch *chip.Arch, onSpike func(int64, uint32)) (brain, layout, error) {
	net, lay := buildNetwork(p, seed, mode)
	attachRules(net, p)
	g, err := net.Build()
	if err != nil {
		return nil, lay, err
	}
	m, err := mapping.Map(g, arch, mapping.Sequential, 0)
	if err != nil {
		return nil, lay, err
	}
	e, err := chip.NewEngine(g, arch, m, chip.Options{Mode: mode, Workers: 1, OnSpike: onSpike, RateTau: p.RateTau})
	if err != nil {
		return nil, lay, err
	}
	return &chipBrain{Engine: e, p: p, lay: lay, dt: net.Dt}, lay, nil
}

// Sleep silences the input and drives the hidden layer with on-core noise
// at its waking rates, under constant positive modulation, so that
// hidden -> output learns by unsupervised STDP; the inhibitory projection
// is muted (SleepParams.MuteInhibition) or else frozen while asleep.
func (b *chipBrain) Sleep(ticks int) error {
	s := &b.p.Sleep
	phase := chip.SleepPhase{
		Ticks: ticks, Silence: []string{PopInput}, Drive: []string{PopHidden},
		RateScale: s.RateScale, Modulation: s.Modulation, Period: s.Period, Threshold: s.Threshold, Depression: s.Depression,
		Unbalanced: s.Unbalanced, Uniform: s.Uniform,
	}
	if s.MuteInhibition {
		phase.Mute = []string{ProjInh}
		return b.Engine.Sleep(phase)
	}
	if b.p.Rules.Tied {
		// Tied inhibition goes on following the excitation in sleep.
		return b.Engine.Sleep(phase)
	}
	b.SetLearning(b.lay.projInh, false)
	err := b.Engine.Sleep(phase)
	b.SetLearning(b.lay.projInh, true)
	return err
}

// Potential returns the membrane potential and the summed synaptic
// current of neuron id as the engine holds them (mV in float mode, state
// units in fixed mode).
func (b *chipBrain) Potential(id uint32) (v, i float64) {
	v, cur := b.State(id)
	for _, c := range cur {
		i += c
	}
	return v, i
}
