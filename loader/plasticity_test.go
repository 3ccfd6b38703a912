package loader

import (
	"strings"
	"testing"

	"github.com/spindle-sim/spindle/snn"
)

const plasticBase = `dt: 1
neurons:
  n: {tau_m: 10, v_rest: 0, v_reset: 0, v_th: 10, receptors: [{name: exc, tau_syn: 2}]}
populations:
  - {name: in, size: 4, kind: poisson, rate: 10}
  - {name: h, size: 3, neuron: n}
projections:
  - pre: in
    post: h
    connector: all_to_all
    weight: {uniform: [1, 2]}
    plasticity:
`

func TestParsePlasticity(t *testing.T) {
	src := plasticBase + `      rule: rstdp
      weight_dependent: true
      tau_plus: 20
      tau_minus: 25
      a_plus: 0.1
      a_minus: 0.05
      w_min: 0
      w_max: 4
      tau_eligibility: 500
      learning_rate: 0.2
      homeostasis: {rate_target: 5, eta: 0.1, period: 50}
sleep: {ticks: 100, silence: [in], drive: [h], mute: [in->h], modulation: 1, modulation_period: 24, depression: 2, unbalanced: true}
`
	n, err := ParseNetwork("p.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	pl := n.Projections[0].Plasticity
	want := snn.Plasticity{Rule: snn.RSTDP, WeightDependent: true, TauPlus: 20, TauMinus: 25, APlus: 0.1, AMinus: 0.05, WMin: 0, WMax: 4,
		TauEligibility: 500, LearningRate: 0.2, Homeostasis: pl.Homeostasis}
	if pl == nil || *pl != want || *pl.Homeostasis != (snn.Homeostasis{RateTarget: 5, Eta: 0.1, Period: 50}) {
		t.Fatalf("got %+v", pl)
	}
	if s := n.Sleep; s == nil || s.Ticks != 100 || s.Silence[0] != "in" || s.Drive[0] != "h" || len(s.Mute) != 1 || s.Mute[0] != "in->h" || s.Modulation != 1 || s.Period != 24 || s.Depression != 2 || !s.Unbalanced {
		t.Fatalf("sleep %+v", n.Sleep)
	}
}

func TestPlasticityErrors(t *testing.T) {
	ok := "      tau_plus: 20\n      tau_minus: 20\n      a_plus: 0.1\n      a_minus: 0.1\n      w_min: 0\n      w_max: 4\n"
	for _, c := range []struct {
		name, block, tail, want string
	}{
		{"negative tau", strings.Replace(ok, "tau_plus: 20", "tau_plus: -5", 1), "", "p.yaml:13: projections[0].plasticity.tau_plus: expected a positive time constant"},
		{"w_min > w_max", strings.Replace(ok, "w_min: 0", "w_min: 5", 1), "", "p.yaml:17: projections[0].plasticity.w_min: expected w_min <= w_max"},
		{"weights outside", strings.Replace(ok, "w_max: 4", "w_max: 1.5", 1), "", "p.yaml:11: projections[0].weight: initial weights [1, 2] mV outside the bounds"},
		{"rstdp without tau_e", "      rule: rstdp\n" + ok, "", "missing required field tau_eligibility"},
		{"unknown key", ok + "      tau_x: 1\n", "", "p.yaml:19: projections[0].plasticity.tau_x: unknown key"},
		{"homeostasis inhibitory", strings.Replace(ok, "w_min: 0", "w_min: -1", 1) + "      homeostasis: {rate_target: 5, eta: 1}\n", "", "homeostasis scales excitatory weights only"},
		{"multiplicative amplitude", "      weight_dependent: true\n" + strings.Replace(ok, "a_plus: 0.1", "a_plus: 2", 1), "", "plasticity.a_plus: expected a fraction in [0, 1]"},
		{"sleep unknown pop", ok, "sleep: {ticks: 10, drive: [nope]}\n", "p.yaml:19: sleep.drive[0]: unknown population \"nope\""},
		{"sleep unknown projection", ok, "sleep: {ticks: 10, mute: [nope]}\n", "p.yaml:19: sleep.mute[0]: unknown projection \"nope\" (have: in->h)"},
		{"sleep negative depression", ok, "sleep: {ticks: 10, depression: -1}\n", "p.yaml:19: sleep.depression: expected a value >= 0"},
		{"sleep zero period", ok, "sleep: {ticks: 10, modulation_period: 0}\n", "p.yaml:19: sleep.modulation_period: expected a period of at least 1 tick"},
		{"sleep silence lif", ok, "sleep: {ticks: 10, silence: [h]}\n", "sleep.silence[0]: population \"h\" is not an input"},
	} {
		_, err := ParseNetwork("p.yaml", []byte(plasticBase+c.block+c.tail))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
	}
}

// tiedBase has an rstdp projection in->h and a second projection in->h
// (named inh) whose plasticity block follows.
const tiedBase = `dt: 1
neurons:
  n: {tau_m: 10, v_rest: 0, v_reset: 0, v_th: 10, receptors: [{name: exc, tau_syn: 2}, {name: inh, tau_syn: 2}]}
populations:
  - {name: in, size: 4, kind: poisson, rate: 10}
  - {name: h, size: 3, neuron: n}
projections:
  - name: exc
    pre: in
    post: h
    connector: all_to_all
    weight: {uniform: [1, 2]}
    plasticity: {rule: rstdp, proportional: true, pre_balance: true, tau_plus: 20, tau_minus: 20, a_plus: 0.04, a_minus: 0.04, w_min: 0, w_max: 8, tau_eligibility: 40, learning_rate: 2, homeostasis: {rate_target: 5, eta: 0, on_reward: true}}
  - name: inh
    pre: in
    post: h
    connector: all_to_all
    weight: 1
    receptor: inh
    sign: inhibitory
    plasticity:
`

func TestParseTiedAndProportional(t *testing.T) {
	n, err := ParseNetwork("t.yaml", []byte(tiedBase+"      {rule: tied, tied_to: exc, w_min: -8, w_max: 0}\n"))
	if err != nil {
		t.Fatal(err)
	}
	ex, in := n.Projections[0].Plasticity, n.Projections[1].Plasticity
	if !ex.Proportional || !ex.PreBalance || !ex.Homeostasis.OnReward {
		t.Errorf("excitatory rule %+v, homeostasis %+v", ex, ex.Homeostasis)
	}
	if in.Rule != snn.Tied || in.TiedTo != "exc" || in.WMin != -8 || in.WMax != 0 {
		t.Errorf("tied rule %+v", in)
	}
	if _, err := n.Build(); err != nil {
		t.Fatal(err)
	}
}

func TestTiedErrors(t *testing.T) {
	for _, c := range []struct {
		name, block, want string
	}{
		{"no source", "      {rule: tied, w_min: -8, w_max: 0}\n", "projections[1].plasticity: missing required field tied_to"},
		{"unknown source", "      {rule: tied, tied_to: nope, w_min: -8, w_max: 0}\n", `projections[1]: projection "inh": plasticity: tied_to "nope": expected the name of a projection`},
		{"learning constants", "      {rule: tied, tied_to: exc, w_min: -8, w_max: 0, a_plus: 1}\n", "projections[1].plasticity.a_plus: a tied rule learns nothing of its own"},
		{"bounds", "      {rule: tied, tied_to: exc, w_min: 1, w_max: 0}\n", "projections[1].plasticity.w_min: expected w_min <= w_max"},
		{"tied_to on rstdp", "      {rule: rstdp, tied_to: exc, tau_plus: 20, tau_minus: 20, a_plus: 1, a_minus: 1, w_min: -8, w_max: 0, tau_eligibility: 40, learning_rate: 1}\n", "projections[1].plasticity.tied_to: only rule tied follows another projection"},
		{"pre_balance alone", "      {rule: rstdp, pre_balance: true, tau_plus: 20, tau_minus: 20, a_plus: 1, a_minus: 1, w_min: -8, w_max: 0, tau_eligibility: 40, learning_rate: 1}\n", "projections[1].plasticity.pre_balance: pre_balance scales a proportional update: expected proportional: true"},
		{"proportional stdp", "      {rule: stdp, proportional: true, tau_plus: 20, tau_minus: 20, a_plus: 1, a_minus: 1, w_min: -8, w_max: 0}\n", "proportional and pre_balance act on reward updates: expected rule rstdp"},
		{"on_reward stdp", "      {rule: stdp, tau_plus: 20, tau_minus: 20, a_plus: 1, a_minus: 1, w_min: 0, w_max: 8, homeostasis: {rate_target: 1, eta: 0, on_reward: true}}\n", "homeostasis.on_reward: on_reward normalises after reward updates: expected rule rstdp"},
	} {
		_, err := ParseNetwork("t.yaml", []byte(tiedBase+c.block))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
	}
}
