package loader

import (
	"strings"

	"github.com/spindle-sim/spindle/snn"
	"gopkg.in/yaml.v3"
)

var (
	plasticityKeys  = []string{"rule", "weight_dependent", "tau_plus", "tau_minus", "a_plus", "a_minus", "w_min", "w_max", "tau_eligibility", "learning_rate", "proportional", "pre_balance", "tied_to", "homeostasis"}
	homeostasisKeys = []string{"rate_target", "eta", "period", "on_reward"}
	sleepKeys       = []string{"ticks", "silence", "drive", "mute", "rate_scale", "modulation", "modulation_period", "threshold", "depression", "unbalanced", "uniform"}
	ruleNames       = []string{"stdp", "rstdp", "tied"}
)

// parsePlasticity decodes the plasticity block of projection pr (whose
// other fields are decoded) and checks it against the projection.
func (p *netParser) parsePlasticity(v *yaml.Node, path string, pr *snn.Projection, projFields *fields) (*snn.Plasticity, error) {
	r := resolve(v)
	if r == nil || r.Kind != yaml.MappingNode {
		return nil, p.errAt(v, path, "expected a mapping {rule, tau_plus, tau_minus, a_plus, a_minus, w_min, w_max, ...}, got %s", describe(v))
	}
	f, err := p.mapping(r, path, plasticityKeys)
	if err != nil {
		return nil, err
	}
	pl := &snn.Plasticity{}
	if g, ok := f.get("rule"); ok {
		s, err := p.word(g.val, join(path, "rule"), "rule", ruleNames)
		if err != nil {
			return nil, err
		}
		pl.Rule, _ = snn.ParseRule(s)
	}
	if pl.Rule == snn.Tied {
		return p.parseTied(r, path, f, pl)
	}
	if g, ok := f.get("tied_to"); ok {
		return nil, p.errAt(g.val, join(path, "tied_to"), "only rule tied follows another projection")
	}
	for _, c := range []struct {
		key string
		dst *bool
	}{{"weight_dependent", &pl.WeightDependent}, {"proportional", &pl.Proportional}, {"pre_balance", &pl.PreBalance}} {
		if g, ok := f.get(c.key); ok {
			if *c.dst, err = p.boolean(g.val, join(path, c.key)); err != nil {
				return nil, err
			}
		}
	}
	if pl.Rule != snn.RSTDP && (pl.Proportional || pl.PreBalance) {
		return nil, p.errAt(r, path, "proportional and pre_balance act on reward updates: expected rule rstdp")
	}
	if pl.PreBalance && !pl.Proportional {
		g, _ := f.get("pre_balance")
		return nil, p.errAt(g.val, join(path, "pre_balance"), "pre_balance scales a proportional update: expected proportional: true")
	}
	if pl.Proportional && pl.WeightDependent {
		g, _ := f.get("proportional")
		return nil, p.errAt(g.val, join(path, "proportional"), "expected at most one of weight_dependent and proportional")
	}
	num := func(key string, dst *float64, required bool, what string, ok func(float64) bool) error {
		g, has := f.get(key)
		if !has {
			if required {
				return p.errAt(r, path, "missing required field %s (%s)", key, what)
			}
			return nil
		}
		x, err := p.floatCheck(g.val, join(path, key), what, ok)
		*dst = x
		return err
	}
	positive := func(x float64) bool { return x > 0 }
	nonNeg := func(x float64) bool { return x >= 0 }
	anyW := func(float64) bool { return true }
	ampWhat, ampOK := "an amplitude >= 0 in mV", nonNeg
	if pl.Proportional {
		ampWhat = "a dimensionless amplitude >= 0"
	}
	if pl.WeightDependent {
		ampWhat, ampOK = "a fraction in [0, 1]", func(x float64) bool { return x >= 0 && x <= 1 }
	}
	for _, c := range []struct {
		key      string
		dst      *float64
		required bool
		what     string
		ok       func(float64) bool
	}{
		{"tau_plus", &pl.TauPlus, true, "a positive time constant in ms", positive},
		{"tau_minus", &pl.TauMinus, true, "a positive time constant in ms", positive},
		{"a_plus", &pl.APlus, true, ampWhat, ampOK},
		{"a_minus", &pl.AMinus, true, ampWhat, ampOK},
		{"w_min", &pl.WMin, true, "a weight in mV", anyW},
		{"w_max", &pl.WMax, true, "a weight in mV", anyW},
		{"tau_eligibility", &pl.TauEligibility, pl.Rule == snn.RSTDP, "a positive time constant in ms", positive},
		{"learning_rate", &pl.LearningRate, pl.Rule == snn.RSTDP, "a rate >= 0", nonNeg},
	} {
		if err := num(c.key, c.dst, c.required, c.what, c.ok); err != nil {
			return nil, err
		}
	}
	if pl.WMin > pl.WMax {
		g, _ := f.get("w_min")
		return nil, p.errAt(g.val, join(path, "w_min"), "expected w_min <= w_max (%v), got %v", pl.WMax, pl.WMin)
	}
	if g, ok := f.get("homeostasis"); ok {
		hp := join(path, "homeostasis")
		hr := resolve(g.val)
		if hr == nil || hr.Kind != yaml.MappingNode {
			return nil, p.errAt(g.val, hp, "expected a mapping {rate_target, eta, period}, got %s", describe(g.val))
		}
		hf, err := p.mapping(hr, hp, homeostasisKeys)
		if err != nil {
			return nil, err
		}
		h := &snn.Homeostasis{}
		for _, c := range []struct {
			key      string
			dst      *float64
			required bool
			what     string
		}{{"rate_target", &h.RateTarget, true, "a rate >= 0 in Hz"}, {"eta", &h.Eta, true, "a value >= 0 (mV per Hz per s)"}, {"period", &h.Period, false, "a period >= 0 in ms"}} {
			hg, has := hf.get(c.key)
			if !has {
				if c.required {
					return nil, p.errAt(hr, hp, "missing required field %s (%s)", c.key, c.what)
				}
				continue
			}
			if *c.dst, err = p.floatCheck(hg.val, join(hp, c.key), c.what, nonNeg); err != nil {
				return nil, err
			}
		}
		if og, ok := hf.get("on_reward"); ok {
			if h.OnReward, err = p.boolean(og.val, join(hp, "on_reward")); err != nil {
				return nil, err
			}
			if h.OnReward && pl.Rule != snn.RSTDP {
				return nil, p.errAt(og.val, join(hp, "on_reward"), "on_reward normalises after reward updates: expected rule rstdp")
			}
		}
		if pr.Inhibitory || pl.WMin < 0 {
			return nil, p.errAt(g.val, hp, "homeostasis scales excitatory weights only: expected sign excitatory and w_min >= 0")
		}
		pl.Homeostasis = h
	}
	// Initial weights must lie in [w_min, w_max].
	pr.Plasticity = pl
	sub := &snn.Network{Dt: p.net.Dt, Populations: p.net.Populations, Projections: []snn.Projection{*pr}}
	if err := sub.Validate(); err != nil {
		msg := err.Error()
		at, field := r, path
		if strings.Contains(msg, "weight") {
			if g, ok := projFields.get("weight"); ok {
				at, field = resolve(g.val), strings.TrimSuffix(path, ".plasticity")+".weight"
			} else if g, ok := projFields.get("connector"); ok {
				at, field = resolve(g.val), strings.TrimSuffix(path, ".plasticity")+".connector"
			}
		}
		if i := strings.Index(msg, "plasticity: "); i >= 0 {
			msg = msg[i+len("plasticity: "):]
		}
		msg = strings.TrimPrefix(msg, "weight: ")
		return nil, p.errAt(at, field, "%s", msg)
	}
	// Plastic projections onto one population share its post trace.
	for j := range p.net.Projections {
		o := &p.net.Projections[j]
		if o.Post == pr.Post && o.Plasticity != nil && o.Plasticity.Rule != snn.Tied && o.Plasticity.TauMinus != pl.TauMinus {
			g, _ := f.get("tau_minus")
			return nil, p.errAt(g.val, join(path, "tau_minus"), "expected %v ms, the tau_minus of projection %q onto the same population %q (they share its postsynaptic trace), got %v", o.Plasticity.TauMinus, o.Name, pr.Post, pl.TauMinus)
		}
		if o.Post == pr.Post && o.Plasticity != nil && pl.Homeostasis != nil && o.Plasticity.Homeostasis != nil && *o.Plasticity.Homeostasis != *pl.Homeostasis {
			g, _ := f.get("homeostasis")
			return nil, p.errAt(g.val, join(path, "homeostasis"), "expected the same homeostasis as projection %q onto the same population %q", o.Name, pr.Post)
		}
	}
	return pl, nil
}

// parseTied decodes a tied rule: the projection it follows and the
// bounds of its weights; the network's validation checks that the
// projection exists and joins the same populations.
func (p *netParser) parseTied(r *yaml.Node, path string, f *fields, pl *snn.Plasticity) (*snn.Plasticity, error) {
	for _, key := range plasticityKeys {
		switch key {
		case "rule", "tied_to", "w_min", "w_max":
			continue
		}
		if g, ok := f.get(key); ok {
			return nil, p.errAt(g.key, join(path, key), "a tied rule learns nothing of its own: expected only tied_to, w_min and w_max")
		}
	}
	g, ok := f.get("tied_to")
	if !ok {
		return nil, p.errAt(r, path, "missing required field tied_to (the name of the rstdp projection it follows)")
	}
	name, err := p.name(g.val, join(path, "tied_to"))
	if err != nil {
		return nil, err
	}
	pl.TiedTo = name
	for _, c := range []struct {
		key string
		dst *float64
	}{{"w_min", &pl.WMin}, {"w_max", &pl.WMax}} {
		g, ok := f.get(c.key)
		if !ok {
			return nil, p.errAt(r, path, "missing required field %s (a weight in mV)", c.key)
		}
		if *c.dst, err = p.floatCheck(g.val, join(path, c.key), "a weight in mV", func(float64) bool { return true }); err != nil {
			return nil, err
		}
	}
	if pl.WMin > pl.WMax {
		g, _ := f.get("w_min")
		return nil, p.errAt(g.val, join(path, "w_min"), "expected w_min <= w_max (%v), got %v", pl.WMax, pl.WMin)
	}
	return pl, nil
}

// parseSleep decodes the top-level sleep protocol.
func (p *netParser) parseSleep(v *yaml.Node) (*snn.SleepSpec, error) {
	const path = "sleep"
	r := resolve(v)
	if r == nil || r.Kind != yaml.MappingNode {
		return nil, p.errAt(v, path, "expected a mapping {ticks, silence, drive, mute, rate_scale, modulation, threshold, depression}, got %s", describe(v))
	}
	f, err := p.mapping(r, path, sleepKeys)
	if err != nil {
		return nil, err
	}
	s := &snn.SleepSpec{}
	g, ok := f.get("ticks")
	if !ok {
		return nil, p.errAt(r, path, "missing required field ticks")
	}
	t, err := p.integer(g.val, join(path, "ticks"), "a non-negative number of ticks", 0, 1<<40)
	if err != nil {
		return nil, err
	}
	s.Ticks = int(t)
	if g, ok := f.get("modulation_period"); ok {
		per, err := p.integer(g.val, join(path, "modulation_period"), "a period of at least 1 tick", 1, 1<<40)
		if err != nil {
			return nil, err
		}
		s.Period = int(per)
	}
	for _, key := range []string{"silence", "drive"} {
		g, ok := f.get(key)
		if !ok {
			continue
		}
		items, err := p.seq(g.val, join(path, key))
		if err != nil {
			return nil, err
		}
		for i, it := range items {
			ip := index(join(path, key), i)
			name, err := p.name(it, ip)
			if err != nil {
				return nil, err
			}
			pi := p.net.PopulationIndex(name)
			if pi < 0 {
				return nil, p.errAt(it, ip, "unknown population %q (have: %s)", clip(name), p.popNames())
			}
			lif := p.net.Populations[pi].Kind == snn.LIF
			if key == "silence" && lif {
				return nil, p.errAt(it, ip, "population %q is not an input (poisson or spike_source): only inputs can be silenced", name)
			}
			if key == "drive" && !lif {
				return nil, p.errAt(it, ip, "population %q is an input: only LIF populations take on-core noise", name)
			}
			if key == "silence" {
				s.Silence = append(s.Silence, name)
			} else {
				s.Drive = append(s.Drive, name)
			}
		}
	}
	if g, ok := f.get("mute"); ok {
		items, err := p.seq(g.val, join(path, "mute"))
		if err != nil {
			return nil, err
		}
		for i, it := range items {
			ip := index(join(path, "mute"), i)
			name, err := p.name(it, ip)
			if err != nil {
				return nil, err
			}
			if p.net.ProjectionIndex(name) < 0 {
				return nil, p.errAt(it, ip, "unknown projection %q (have: %s)", clip(name), p.projNames())
			}
			s.Mute = append(s.Mute, name)
		}
	}
	for _, c := range []struct {
		key string
		dst *float64
	}{{"rate_scale", &s.RateScale}, {"modulation", &s.Modulation}, {"threshold", &s.Threshold}, {"depression", &s.Depression}} {
		if g, ok := f.get(c.key); ok {
			if *c.dst, err = p.floatCheck(g.val, join(path, c.key), "a value >= 0", func(x float64) bool { return x >= 0 }); err != nil {
				return nil, err
			}
		}
	}
	for _, c := range []struct {
		key string
		dst *bool
	}{{"unbalanced", &s.Unbalanced}, {"uniform", &s.Uniform}} {
		if g, ok := f.get(c.key); ok {
			if *c.dst, err = p.boolean(g.val, join(path, c.key)); err != nil {
				return nil, err
			}
		}
	}
	return s, nil
}
