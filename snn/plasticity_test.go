package snn

import (
	"math"
	"strings"
	"testing"
)

func learnGraph(t *testing.T, pl Plasticity, mode Mode) (*Graph, *Learner) {
	t.Helper()
	n := &Network{Name: "l", Dt: 1, Seed: 3, Mode: mode,
		Populations: []Population{
			{Name: "in", Size: 1, Kind: Poisson, RateHz: 1},
			{Name: "o", Size: 1, Neuron: Neuron{TauM: 10, VTh: 10, Receptors: []Receptor{{Name: "e", TauSyn: 2}}}},
		},
		Projections: []Projection{{Name: "p", Pre: "in", Post: "o", Connector: Connector{Kind: AllToAll}, Weight: Const(2), Plasticity: &pl}},
	}
	g, err := n.Build()
	if err != nil {
		t.Fatal(err)
	}
	return g, NewLearner(g, 0, mode, 16)
}

func TestSTDPRules(t *testing.T) {
	add := Plasticity{TauPlus: 10, TauMinus: 20, APlus: 0.5, AMinus: 0.25, WMin: 0, WMax: 4}
	mult := add
	mult.WeightDependent, mult.APlus, mult.AMinus = true, 0.1, 0.2
	for _, c := range []struct {
		name string
		pl   Plasticity
		w0   float64
		pre  []int64 // arrival ticks
		post []int64 // spike ticks
		want float64
	}{
		{"pre before post potentiates", add, 2, []int64{0}, []int64{5}, 2 + 0.5*math.Exp(-5.0/10)},
		{"post before pre depresses", add, 2, []int64{5}, []int64{0}, 2 - 0.25*math.Exp(-5.0/20)},
		{"same tick counts as causal", add, 2, []int64{3}, []int64{3}, 2 + 0.5},
		{"upper bound", add, 3.9, []int64{0}, []int64{1}, 4},
		{"lower bound", add, 0.1, []int64{1}, []int64{0}, 0},
		{"depression inside bounds", add, 1, []int64{1}, []int64{0}, 1 - 0.25*math.Exp(-1.0/20)},
		{"lower bound holds", Plasticity{TauPlus: 10, TauMinus: 20, APlus: 0.5, AMinus: 3, WMin: 0, WMax: 4}, 1, []int64{1}, []int64{0}, 0},
		{"weight-dependent potentiation", mult, 3, []int64{0}, []int64{4}, 3 + 0.1*(4-3)*math.Exp(-4.0/10)},
		{"weight-dependent depression", mult, 3, []int64{4}, []int64{0}, 3 - 0.2*(3-0)*math.Exp(-4.0/20)},
		{"two pre spikes sum", add, 2, []int64{0, 2}, []int64{5}, 2 + 0.5*(math.Exp(-5.0/10)+math.Exp(-3.0/10))},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, l := learnGraph(t, c.pl, Float)
			s := SynState{W: c.w0}
			var y Trace
			end := int64(10)
			for tk := int64(0); tk <= end; tk++ {
				for _, p := range c.pre {
					if p == tk {
						l.Pre(&s, 0, tk, l.PostTrace(y, tk))
					}
				}
				for _, p := range c.post {
					if p == tk {
						l.Post(&s, 0, tk)
						l.BumpPost(&y, tk)
					}
				}
			}
			if math.Abs(s.W-c.want) > 1e-12 {
				t.Errorf("w = %.12f, want %.12f", s.W, c.want)
			}
		})
	}
}

func TestRSTDPEligibilityAndReward(t *testing.T) {
	pl := Plasticity{Rule: RSTDP, TauPlus: 10, TauMinus: 20, APlus: 0.5, AMinus: 0.25, WMin: 0, WMax: 10, TauEligibility: 50, LearningRate: 0.2}
	_, l := learnGraph(t, pl, Float)
	s := SynState{W: 2}
	var y Trace
	l.Pre(&s, 0, 0, l.PostTrace(y, 0))
	l.Post(&s, 0, 5)
	l.BumpPost(&y, 5)
	if s.W != 2 {
		t.Fatalf("RSTDP changed the weight without reward: %v", s.W)
	}
	e5 := 0.5 * math.Exp(-0.5)
	if got := l.Eligibility(&s, 5); math.Abs(got-e5) > 1e-12 {
		t.Fatalf("eligibility %v, want %v", got, e5)
	}
	if l.Rewarding() {
		t.Fatal("rewarding with r = 0")
	}
	l.SetReward(1.5)
	want := 2.0
	for tk := int64(10); tk < 13; tk++ {
		l.Reward(&s, 0, tk, 1)
		want += 0.2 * 1.5 * e5 * math.Exp(-float64(tk-5)/50)
	}
	if math.Abs(s.W-want) > 1e-12 {
		t.Errorf("w after 3 reward ticks %v, want %v", s.W, want)
	}
	l.SetReward(-100)
	l.Reward(&s, 0, 13, 1)
	if s.W != 0 {
		t.Errorf("punishment below w_min: %v", s.W)
	}
}

func TestHomeostaticScaling(t *testing.T) {
	pl := Plasticity{TauPlus: 10, TauMinus: 10, APlus: 0.1, AMinus: 0.1, WMin: 0, WMax: 10,
		Homeostasis: &Homeostasis{RateTarget: 10, Eta: 2, Period: 100}}
	for _, mode := range []Mode{Float, Fixed} {
		_, l := learnGraph(t, pl, mode)
		sc := 1.0
		if mode == Fixed {
			sc = l.Scale
		}
		ws := []float64{1, 2, 3, 4}
		syn := make([]SynState, len(ws))
		sum := 0.0
		for i, w := range ws {
			syn[i].W = math.Round(w * sc)
			if mode == Float {
				syn[i].W = w
			}
			sum += syn[i].W
		}
		// Firing at 5 Hz below the 10 Hz target for one 100 ms period:
		// the target grows by eta * 5 Hz * 0.1 s = 1 mV.
		target := l.HomeoTarget(sum, 5)
		if want := sum + 1*sc; math.Abs(target-want) > 1 {
			t.Fatalf("%s: target %v, want %v", mode, target, want)
		}
		for i := range syn {
			l.Normalize(&syn[i], uint64(i), 0, target, sum)
		}
		got := 0.0
		for i := range syn {
			got += syn[i].W
			if r := syn[i].W / (target / sum); math.Abs(r-ws[i]*func() float64 {
				if mode == Fixed {
					return sc
				}
				return 1
			}()) > float64(len(ws))*float64(int64(1)<<l.step) {
				t.Errorf("%s: synapse %d scaled to %v, not in proportion", mode, i, syn[i].W)
			}
		}
		tol := 1e-9
		if mode == Fixed {
			tol = float64(len(ws)) * float64(int64(1)<<l.step)
		}
		if math.Abs(got-target) > tol {
			t.Errorf("%s: sum after scaling %v, target %v", mode, got, target)
		}
	}
}

// Fixed mode follows float mode within the quantisation: weight steps of
// 2^step state units, rounded stochastically (unbiased on average).
func TestFixedMatchesFloatWithinQuantisation(t *testing.T) {
	pl := Plasticity{TauPlus: 10, TauMinus: 20, APlus: 0.002, AMinus: 0.002, WMin: 0, WMax: 4}
	for _, mult := range []bool{false, true} {
		pl.WeightDependent = mult
		_, lf := learnGraph(t, pl, Float)
		_, lx := learnGraph(t, pl, Fixed)
		sf := SynState{W: 2}
		sx := SynState{W: math.Round(2 * lx.Scale)}
		var yf, yx Trace
		for tk := int64(0); tk < 2000; tk++ {
			if tk%7 == 0 {
				lf.Pre(&sf, 1, tk, lf.PostTrace(yf, tk))
				lx.Pre(&sx, 1, tk, lx.PostTrace(yx, tk))
			}
			if tk%11 == 3 {
				lf.Post(&sf, 1, tk)
				lf.BumpPost(&yf, tk)
				lx.Post(&sx, 1, tk)
				lx.BumpPost(&yx, tk)
			}
		}
		got := sx.W / lx.Scale
		q := float64(int64(1)<<lx.step) / lx.Scale
		if math.Abs(got-sf.W) > math.Max(0.05*math.Abs(sf.W-2), 20*q) {
			t.Errorf("mult=%v: fixed %v mV, float %v mV (step %v mV)", mult, got, sf.W, q)
		}
		t.Logf("mult=%v: fixed %.5f float %.5f step %.5f mV", mult, got, sf.W, q)
	}
}

func TestPlasticityValidation(t *testing.T) {
	base := func() *Network {
		return &Network{Name: "v", Dt: 1, Populations: []Population{
			{Name: "in", Size: 2, Kind: Poisson, RateHz: 5},
			{Name: "o", Size: 2, Neuron: Neuron{TauM: 10, VTh: 10, Receptors: []Receptor{{Name: "e", TauSyn: 2}}}},
		}, Projections: []Projection{{Name: "p", Pre: "in", Post: "o", Connector: Connector{Kind: AllToAll}, Weight: Const(2),
			Plasticity: &Plasticity{TauPlus: 10, TauMinus: 10, APlus: 0.1, AMinus: 0.1, WMin: 0, WMax: 4}}}}
	}
	for _, c := range []struct {
		change func(n *Network)
		want   string
	}{
		{func(n *Network) { n.Projections[0].Plasticity.TauPlus = -1 }, "tau_plus"},
		{func(n *Network) { n.Projections[0].Plasticity.WMin = 5 }, "w_min 5 > w_max 4"},
		{func(n *Network) { n.Projections[0].Weight = Const(5) }, "outside the bounds"},
		{func(n *Network) { n.Projections[0].Inhibitory = true }, "outside the bounds"},
		{func(n *Network) { n.Projections[0].Plasticity.Rule = RSTDP }, "tau_eligibility"},
		{func(n *Network) {
			n.Projections[0].Plasticity.WMin = -4
			n.Projections[0].Plasticity.Homeostasis = &Homeostasis{RateTarget: 1}
		}, "excitatory"},
		{func(n *Network) {
			p := n.Projections[0]
			pl := *p.Plasticity
			pl.TauMinus = 30
			p.Plasticity, p.Name = &pl, "q"
			n.Projections = append(n.Projections, p)
		}, "share its postsynaptic trace"},
		{func(n *Network) { n.Sleep = &SleepSpec{Ticks: 1, Drive: []string{"x"}} }, `drive: unknown population "x"`},
	} {
		n := base()
		c.change(n)
		if err := n.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("error %v, want %q", err, c.want)
		}
	}
	if err := base().Validate(); err != nil {
		t.Fatal(err)
	}
}
