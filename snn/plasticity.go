package snn

import (
	"fmt"
	"math"
	"math/bits"
)

// Rule names a synaptic learning rule.
type Rule uint8

const (
	// STDP is trace-based pair spike-timing-dependent plasticity.
	STDP Rule = iota
	// RSTDP is reward-modulated STDP: the STDP updates go into a
	// per-synapse eligibility trace, which a reward turns into weight.
	RSTDP
	// Tied is no learning of its own: the weights follow those of the
	// RSTDP projection named by Plasticity.TiedTo, which must join the
	// same populations. Whenever that projection's weights change, every
	// weight from presynaptic neuron i is set to minus the mean of its
	// weights from i: w_ij = -(1/n) sum_j' W_ij'. This is the balanced
	// feed-forward inhibition of Golden et al. (2022), which carries no
	// memory of its own and centres each presynaptic neuron's drive.
	Tied
	// SRC is the sleep rule of Tadros et al. (2022), Sleep Replay
	// Consolidation: when the post-synaptic neuron spikes, every incoming
	// synapse gains APlus*g(w) if a pre-synaptic spike arrived in the same
	// tick and loses AMinus*g(w) otherwise, with g(w) = 2/(1+exp(w/Knee));
	// a pre-synaptic arrival alone changes nothing. It has no traces. Go
	// API only (network files do not offer it).
	SRC
)

func (r Rule) String() string {
	switch r {
	case RSTDP:
		return "rstdp"
	case Tied:
		return "tied"
	case SRC:
		return "src"
	}
	return "stdp"
}

// ParseRule reads "stdp", "rstdp" or "tied".
func ParseRule(s string) (Rule, error) {
	switch s {
	case "stdp":
		return STDP, nil
	case "rstdp":
		return RSTDP, nil
	case "tied":
		return Tied, nil
	}
	return STDP, fmt.Errorf("rule %q: expected stdp, rstdp or tied", s)
}

// Plasticity is the learning rule of one projection (docs/learning.md).
// Times are in ms, weights and additive amplitudes in mV.
type Plasticity struct {
	Rule Rule
	// WeightDependent selects multiplicative STDP: potentiation scales
	// with (WMax - w) and depression with (w - WMin), and APlus, AMinus
	// are dimensionless fractions in [0, 1]. Otherwise the rule is
	// additive and APlus, AMinus are in mV.
	WeightDependent bool
	TauPlus         float64 // ms, presynaptic trace
	TauMinus        float64 // ms, postsynaptic trace
	APlus, AMinus   float64
	WMin, WMax      float64 // mV, signed

	TauEligibility float64 // ms, RSTDP only
	LearningRate   float64 // RSTDP: w += LearningRate * reward * e each tick

	// Proportional (RSTDP only) makes the reward update proportional to
	// the weight: w += LearningRate * reward * e * w, so that strong
	// synapses change most and a synapse at zero stays there. APlus and
	// AMinus are then dimensionless: e counts weighted pairings.
	Proportional bool
	// PreBalance (with Proportional) multiplies the reward update of a synapse
	// from presynaptic neuron i by W_i0 / W_i: its summed weight in this
	// projection at the start as against now, so that a neuron whose
	// output weights have shrunk regains them more easily.
	PreBalance bool
	// TiedTo names the projection whose weights a Tied rule follows.
	TiedTo string
	// Knee (mV, SRC only) is the scale of the rule's weight dependence
	// g(w) = 2/(1+exp(w/Knee)).
	Knee float64

	Homeostasis *Homeostasis // nil: none
}

// Homeostasis holds the summed incoming plastic weight of each
// postsynaptic neuron at a target that follows its firing rate.
type Homeostasis struct {
	RateTarget float64 // Hz
	Eta        float64 // mV of target change per Hz of rate error per second
	Period     float64 // ms between normalisations; 0 means DefaultHomeostasisPeriod
	// OnReward (RSTDP only) normalises at the end of every tick whose
	// reward changed the weights, so that the summed input stays at its
	// target after every update; the target still moves (and the inputs
	// are scaled to it) once a period when Eta > 0.
	OnReward bool
}

// DefaultHomeostasisPeriod is the interval between homeostatic
// normalisations when a rule gives none, in ms.
const DefaultHomeostasisPeriod = 10.0

// DefaultRateTau is the time constant of the per-neuron rate counters, ms.
const DefaultRateTau = 1000.0

// Fixed-point constants of the learning engine.
const (
	// TraceBits is the number of fractional bits of a fixed-mode trace:
	// one spike adds 1<<TraceBits.
	TraceBits = 12
	traceOne  = 1 << TraceBits
	// traceMax saturates the fixed-mode traces (64 stacked spikes).
	traceMax = 1 << (TraceBits + 6)
	// EligBits is the number of fractional bits of a fixed-mode
	// eligibility trace, in weight state units.
	EligBits = 8
	// PropEligBits is the number of fractional bits of the dimensionless
	// eligibility of a Proportional rule.
	PropEligBits = 16
	// propEligMax bounds a Proportional rule's fixed-mode eligibility
	// (2^14 weighted pairings), and propGainMax the factor lr*r*e*f that
	// multiplies the weight (2^15), so that the products stay in 64 bits.
	propEligMax = 1 << 30
	propGainMax = 1 << 31
	// balanceMax bounds the presynaptic factor W_i0/W_i.
	balanceMax = 1 << 16
	// kBits is the width of the decay tables and of fixed-mode factors.
	kBits = 16
	kOne  = 1 << kBits
	// rewardMax bounds the fixed-mode reward factor.
	rewardMax = 1 << 24
)

// Stream identifiers of the counter-based draws of learning.
const (
	streamLearn = 4 << 32
	streamDrive = 5 << 32
	// Learning events, the stream offsets of their rounding draws.
	evPre    = 0
	evPost   = 1
	evReward = 2
	evHomeo  = 3
)

func (pl *Plasticity) validate(n *Network, pr *Projection) error {
	if pl.Rule == Tied {
		return pl.validateTied(n, pr)
	}
	if pl.TiedTo != "" {
		return fmt.Errorf("tied_to %q: only a tied rule follows another projection", pl.TiedTo)
	}
	if pl.Rule == SRC {
		if pl.WeightDependent || pl.Homeostasis != nil {
			return fmt.Errorf("rule src has its own weight dependence: expected no weight_dependent or homeostasis")
		}
		if !(pl.Knee > 0) || math.IsInf(pl.Knee, 0) {
			return fmt.Errorf("knee %v mV: expected a positive finite scale", pl.Knee)
		}
	} else if pl.Knee != 0 {
		return fmt.Errorf("knee %v: only rule src has a knee", pl.Knee)
	}
	if pl.Rule != RSTDP && (pl.Proportional || pl.PreBalance) {
		return fmt.Errorf("proportional and pre_balance act on the reward update: expected rule rstdp")
	}
	if pl.Proportional && pl.WeightDependent {
		return fmt.Errorf("proportional and weight_dependent: expected at most one weight dependence")
	}
	if h := pl.Homeostasis; h != nil && h.OnReward && pl.Rule != RSTDP {
		return fmt.Errorf("homeostasis: on_reward normalises after reward updates: expected rule rstdp")
	}
	for _, c := range []struct {
		name string
		v    float64
		need bool
	}{
		{"tau_plus", pl.TauPlus, pl.Rule != SRC}, {"tau_minus", pl.TauMinus, pl.Rule != SRC},
		{"tau_eligibility", pl.TauEligibility, pl.Rule == RSTDP},
	} {
		if math.IsNaN(c.v) || math.IsInf(c.v, 0) || c.v < 0 || (c.need && c.v == 0) {
			return fmt.Errorf("%s %v ms: expected a positive time constant", c.name, c.v)
		}
	}
	for _, c := range []struct {
		name string
		v    float64
	}{{"a_plus", pl.APlus}, {"a_minus", pl.AMinus}, {"w_min", pl.WMin}, {"w_max", pl.WMax}, {"learning_rate", pl.LearningRate}} {
		if math.IsNaN(c.v) || math.IsInf(c.v, 0) {
			return fmt.Errorf("%s %v: expected a finite value", c.name, c.v)
		}
	}
	if pl.APlus < 0 || pl.AMinus < 0 {
		return fmt.Errorf("a_plus %v, a_minus %v: expected amplitudes >= 0", pl.APlus, pl.AMinus)
	}
	if pl.WeightDependent && (pl.APlus > 1 || pl.AMinus > 1) {
		return fmt.Errorf("a_plus %v, a_minus %v: weight-dependent amplitudes are fractions in [0, 1]", pl.APlus, pl.AMinus)
	}
	if pl.WMin > pl.WMax {
		return fmt.Errorf("w_min %v > w_max %v: expected w_min <= w_max", pl.WMin, pl.WMax)
	}
	if pl.LearningRate < 0 {
		return fmt.Errorf("learning_rate %v: expected a rate >= 0", pl.LearningRate)
	}
	// Initial weights must lie in the bounds, after the sign is applied.
	in := func(w float64) bool { return w >= pl.WMin-1e-12 && w <= pl.WMax+1e-12 }
	sign := func(w float64) float64 {
		if pr.Inhibitory {
			return -math.Abs(w)
		}
		return w
	}
	if pr.Connector.Kind != FromList || !pr.Connector.AllWeighted() {
		lo, hi := pr.Weight.bounds()
		if pr.Weight.Kind == Normal && (math.IsInf(lo, 0) || math.IsInf(hi, 0)) {
			return fmt.Errorf("weight: a plastic projection's normal weights need finite low and high bounds inside [w_min, w_max] = [%v, %v]", pl.WMin, pl.WMax)
		}
		a, b := sign(lo), sign(hi)
		if !in(a) || !in(b) {
			return fmt.Errorf("weight: initial weights [%v, %v] mV outside the bounds [w_min, w_max] = [%v, %v]", math.Min(a, b), math.Max(a, b), pl.WMin, pl.WMax)
		}
	}
	for i := range pr.Connector.Len() {
		c := pr.Connector.At(i)
		if c.HasWeight && !in(sign(c.Weight)) {
			return fmt.Errorf("list[%d]: weight %v mV outside the bounds [w_min, w_max] = [%v, %v]", i, sign(c.Weight), pl.WMin, pl.WMax)
		}
	}
	if h := pl.Homeostasis; h != nil {
		if pr.Inhibitory || pl.WMin < 0 {
			return fmt.Errorf("homeostasis: scales excitatory weights only; expected an excitatory projection with w_min >= 0")
		}
		if !(h.RateTarget >= 0) || math.IsInf(h.RateTarget, 0) {
			return fmt.Errorf("homeostasis: rate_target %v Hz: expected a finite rate >= 0", h.RateTarget)
		}
		if math.IsNaN(h.Eta) || math.IsInf(h.Eta, 0) || h.Eta < 0 {
			return fmt.Errorf("homeostasis: eta %v: expected a finite value >= 0", h.Eta)
		}
		if !(h.Period >= 0) || math.IsInf(h.Period, 0) {
			return fmt.Errorf("homeostasis: period %v ms: expected a period >= 0", h.Period)
		}
	}
	// Projections onto one population share its postsynaptic trace and
	// its homeostatic target.
	for j := range n.Projections {
		o := &n.Projections[j]
		if o == pr {
			break
		}
		if o.Post != pr.Post || o.Plasticity == nil || o.Plasticity.Rule == Tied {
			continue
		}
		if o.Plasticity.TauMinus != pl.TauMinus {
			return fmt.Errorf("tau_minus %v ms differs from %v ms of projection %q onto the same population %q: plastic projections onto one population share its postsynaptic trace", pl.TauMinus, o.Plasticity.TauMinus, o.Name, pr.Post)
		}
		if a, b := o.Plasticity.Homeostasis, pl.Homeostasis; a != nil && b != nil && *a != *b {
			return fmt.Errorf("homeostasis differs from that of projection %q onto the same population %q", o.Name, pr.Post)
		}
	}
	return nil
}

// validateTied checks a Tied rule: it follows an RSTDP projection that
// joins the same populations, and has bounds but no learning constants.
func (pl *Plasticity) validateTied(n *Network, pr *Projection) error {
	if pl.Proportional || pl.PreBalance || pl.WeightDependent || pl.Homeostasis != nil {
		return fmt.Errorf("a tied rule learns nothing of its own: expected no proportional, pre_balance, weight_dependent or homeostasis")
	}
	if math.IsNaN(pl.WMin) || math.IsNaN(pl.WMax) || math.IsInf(pl.WMin, 0) || math.IsInf(pl.WMax, 0) || pl.WMin > pl.WMax {
		return fmt.Errorf("w_min %v, w_max %v: expected finite bounds with w_min <= w_max", pl.WMin, pl.WMax)
	}
	i := n.ProjectionIndex(pl.TiedTo)
	if i < 0 {
		return fmt.Errorf("tied_to %q: expected the name of a projection", pl.TiedTo)
	}
	src := &n.Projections[i]
	if src == pr || src.Plasticity == nil || src.Plasticity.Rule != RSTDP {
		return fmt.Errorf("tied_to %q: expected another projection with rule rstdp", pl.TiedTo)
	}
	if src.Pre != pr.Pre || src.Post != pr.Post {
		return fmt.Errorf("tied_to %q: joins %s -> %s, expected the same populations %s -> %s", pl.TiedTo, src.Pre, src.Post, pr.Pre, pr.Post)
	}
	if src.Plasticity.WMin < 0 {
		return fmt.Errorf("tied_to %q: expected an excitatory projection (w_min >= 0)", pl.TiedTo)
	}
	return nil
}

// SleepSpec is a sleep protocol step declared in a network file; see
// chip.SleepPhase for the meaning of the fields.
type SleepSpec struct {
	Ticks      int
	Silence    []string
	Drive      []string
	Mute       []string // projections
	RateScale  float64
	Modulation float64
	Period     int // ticks per modulation pulse; 0 or 1: every tick
	Threshold  float64
	Depression float64 // scales every plastic projection's A- while asleep; 0 means 1
	Unbalanced bool    // switches the presynaptic factor of PreBalance rules off while asleep
	Uniform    bool    // drives every neuron at its population's mean rate
}

// Validate checks a sleep protocol against network n.
func (s *SleepSpec) Validate(n *Network) error {
	if s.Ticks < 0 {
		return fmt.Errorf("ticks %d: expected a non-negative count", s.Ticks)
	}
	if s.Period < 0 {
		return fmt.Errorf("modulation_period %d: expected a period of at least 1 tick", s.Period)
	}
	for _, name := range s.Silence {
		i := n.PopulationIndex(name)
		if i < 0 {
			return fmt.Errorf("silence: unknown population %q", name)
		}
		if n.Populations[i].Kind == LIF {
			return fmt.Errorf("silence: population %q is not an input (poisson or spike_source)", name)
		}
	}
	for _, name := range s.Drive {
		i := n.PopulationIndex(name)
		if i < 0 {
			return fmt.Errorf("drive: unknown population %q", name)
		}
		if n.Populations[i].Kind != LIF {
			return fmt.Errorf("drive: population %q is an input; only LIF populations take on-core noise", name)
		}
	}
	for _, name := range s.Mute {
		if n.ProjectionIndex(name) < 0 {
			return fmt.Errorf("mute: unknown projection %q", name)
		}
	}
	for _, c := range []struct {
		name string
		v    float64
	}{{"rate_scale", s.RateScale}, {"modulation", s.Modulation}, {"threshold", s.Threshold}, {"depression", s.Depression}} {
		if math.IsNaN(c.v) || math.IsInf(c.v, 0) || c.v < 0 {
			return fmt.Errorf("%s %v: expected a finite value >= 0", c.name, c.v)
		}
	}
	return nil
}

// Learner is the per-tick arithmetic of one plastic projection, shared by
// every simulator so that fixed mode agrees bit for bit. Build it with
// NewLearner. Fields are read-only after construction except Enabled and
// the reward factors, which SetReward sets.
type Learner struct {
	Proj    int
	Rule    Rule
	Mult    bool
	Prop    bool // Plasticity.Proportional
	Balance bool // Plasticity.PreBalance; a sleep phase may switch it off
	TiedTo  int  // the projection a Tied rule follows; -1 otherwise
	tiedBy  bool // a Tied rule follows this one
	Fixed   bool
	Homeo   bool
	Enabled bool
	seed    uint64
	eBits   uint // fractional bits of a fixed-mode eligibility

	// Decay tables: k[d] = exp(-d*dt/tau), zero beyond the table.
	kPlus, kMinus, kElig    []float64
	kPlusX, kMinusX, kEligX []int64

	aPlus, aMinus, wMin, wMax, lr float64
	// Fixed mode: additive amplitudes in weight state units, weight-
	// dependent ones as 16-bit fractions; bounds in state units; weights
	// move in steps of 1<<step state units.
	aPlusX, aMinusX, wMinX, wMaxX int64
	step                          uint
	Scale                         float64 // state units per mV of the post population

	reward  float64 // lr * r
	rewardX int64   // round(lr * r * 2^16)

	// SRC: the knee of g (mV); in fixed mode g as a table of 2^gBits
	// fractions indexed by (w - gLo) >> gShift.
	knee   float64
	gTable []int64
	gLo    int64
	gShift uint

	// Homeostasis.
	RateTarget  float64
	eta         float64 // mV per Hz per s (float), state units (fixed)
	PeriodTicks int64
	OnReward    bool // Homeostasis.OnReward
	dtSec       float64
}

// NewLearner returns the learning arithmetic of projection proj of g, or
// nil for a projection without plasticity. In fixed mode weightBits is the
// weight mantissa width (the projection's plastic weights move in steps of
// the power of two that lets max(|w_min|, |w_max|) fit in it).
func NewLearner(g *Graph, proj int, mode Mode, weightBits int) *Learner {
	pr := &g.Net.Projections[proj]
	pl := pr.Plasticity
	if pl == nil {
		return nil
	}
	post := g.Net.PopulationIndex(pr.Post)
	dt := g.Net.Dt
	l := &Learner{
		Proj: proj, Rule: pl.Rule, Mult: pl.WeightDependent, Prop: pl.Proportional, Balance: pl.PreBalance,
		TiedTo: -1, Fixed: mode == Fixed, Enabled: true, seed: g.Net.Seed, eBits: EligBits,
		aPlus: pl.APlus, aMinus: pl.AMinus, wMin: pl.WMin, wMax: pl.WMax, lr: pl.LearningRate,
		Scale: g.Params[post].Scale, dtSec: dt / 1000,
	}
	if l.Prop {
		l.eBits = PropEligBits
	}
	for _, o := range g.Net.Projections {
		if o.Plasticity != nil && o.Plasticity.Rule == Tied && o.Plasticity.TiedTo == pr.Name {
			l.tiedBy = true
		}
	}
	if pl.Rule == Tied {
		// No traces and no amplitudes: only the bounds and the weight
		// step, for the weights the tie writes.
		l.TiedTo = g.Net.ProjectionIndex(pl.TiedTo)
		l.Enabled = true
		l.wMinX = int64(saturateFloat(math.Round(pl.WMin * l.Scale)))
		l.wMaxX = int64(saturateFloat(math.Round(pl.WMax * l.Scale)))
		l.step = weightStep(l.wMinX, l.wMaxX, weightBits)
		return l
	}
	if pl.Rule == SRC {
		l.knee = pl.Knee
		l.wMinX = int64(saturateFloat(math.Round(pl.WMin * l.Scale)))
		l.wMaxX = int64(saturateFloat(math.Round(pl.WMax * l.Scale)))
		l.step = weightStep(l.wMinX, l.wMaxX, weightBits)
		l.aPlusX = int64(saturateFloat(math.Round(pl.APlus * l.Scale)))
		l.SetDepression(pl.AMinus)
		l.gTable, l.gLo, l.gShift = srcTable(pl.Knee * l.Scale)
		return l
	}
	l.kPlus, l.kPlusX = decayTable(pl.TauPlus, dt)
	l.kMinus, l.kMinusX = decayTable(pl.TauMinus, dt)
	if pl.Rule == RSTDP {
		l.kElig, l.kEligX = decayTable(pl.TauEligibility, dt)
	}
	l.wMinX = int64(saturateFloat(math.Round(pl.WMin * l.Scale)))
	l.wMaxX = int64(saturateFloat(math.Round(pl.WMax * l.Scale)))
	l.step = weightStep(l.wMinX, l.wMaxX, weightBits)
	if l.Mult || l.Prop {
		l.aPlusX = int64(math.Round(pl.APlus * kOne))
	} else {
		l.aPlusX = int64(saturateFloat(math.Round(pl.APlus * l.Scale)))
	}
	l.SetDepression(pl.AMinus)
	if h := pl.Homeostasis; h != nil {
		l.Homeo = true
		l.RateTarget = h.RateTarget
		l.eta = h.Eta
		if l.Fixed {
			l.eta = h.Eta * l.Scale
		}
		p := h.Period
		if p == 0 {
			p = DefaultHomeostasisPeriod
		}
		l.PeriodTicks = max(1, int64(math.Round(p/dt)))
		l.OnReward = h.OnReward
	}
	return l
}

// gBits is the number of fractional bits of the SRC rule's g in fixed
// mode (g <= 2 fits in gBits+2 bits), gSpan the half-width of its table
// in knees (g(16 knees) = 2.3e-7) and gEntries its largest size.
const (
	gBits    = 15
	gSpan    = 16
	gEntries = 2048
)

// srcTable tabulates g(w) = 2/(1+exp(w/knee)) for a knee of kneeX weight
// state units: entry k covers the weights [lo + k<<shift, lo + (k+1)<<shift)
// and holds g at their centre in 2^-gBits units; weights below lo take
// g = 2, above the table 0.
func srcTable(kneeX float64) (table []int64, lo int64, shift uint) {
	half := int64(math.Ceil(gSpan * kneeX))
	lo = -half
	for (2*half)>>shift >= gEntries {
		shift++
	}
	n := (2*half)>>shift + 1
	table = make([]int64, n)
	for k := range table {
		w := float64(lo) + (float64(k)+0.5)*float64(int64(1)<<shift)
		table[k] = int64(math.Round(2 / (1 + math.Exp(w/kneeX)) * (1 << gBits)))
	}
	return table, lo, shift
}

// srcG returns g(w) of the SRC rule: the table entry of weight w in fixed
// mode (2^-gBits units), 2/(1+exp(w/knee)) in float mode.
func (l *Learner) srcG(w float64) float64 {
	if !l.Fixed {
		return 2 / (1 + math.Exp(w/l.knee))
	}
	k := int64(w) - l.gLo
	if k < 0 {
		return 2 << gBits
	}
	k >>= l.gShift
	if k >= int64(len(l.gTable)) {
		return 0
	}
	return float64(l.gTable[k])
}

// weightStep returns the smallest shift that lets the larger bound's
// magnitude fit a signed mantissa of weightBits bits.
func weightStep(lo, hi int64, weightBits int) uint {
	if weightBits < 2 {
		weightBits = 2
	}
	m := max(abs64(lo), abs64(hi))
	limit := int64(1)<<(min(weightBits, 32)-1) - 1
	var step uint
	for (m >> step) > limit {
		step++
	}
	return step
}

// SetDepression sets the depression amplitude A- (as Plasticity.AMinus:
// mV, or a fraction for a weight-dependent rule). A sleep phase scales it
// for its duration.
func (l *Learner) SetDepression(aMinus float64) {
	l.aMinus = aMinus
	if l.Mult || l.Prop {
		l.aMinusX = int64(math.Round(aMinus * kOne))
	} else {
		l.aMinusX = int64(saturateFloat(math.Round(aMinus * l.Scale)))
	}
}

func abs64(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

// decayTable tabulates exp(-d*dt/tau) for d = 0, 1, ... until the fixed
// table reaches zero.
func decayTable(tau, dt float64) ([]float64, []int64) {
	var f []float64
	var x []int64
	for d := 0; d < 1<<16; d++ {
		k := math.Exp(-float64(d) * dt / tau)
		kx := int64(math.Round(k * kOne))
		if kx == 0 {
			break
		}
		f = append(f, k)
		x = append(x, kx)
	}
	return f, x
}

// SynState is the learning state of one plastic synapse. W is the weight
// (mV in float mode, state units in fixed mode, integral); X the
// presynaptic trace at tick TX; E the eligibility at tick TE. Fixed-mode
// values are integers held in float64.
type SynState struct {
	W, X, E float64
	TX, TE  int64
}

// Trace is a decaying trace: value V at tick T.
type Trace struct {
	V float64
	T int64
}

func decayF(k []float64, v float64, d int64) float64 {
	if d >= int64(len(k)) {
		return 0
	}
	return float64(v * k[d])
}

func decayX(k []int64, v float64, d int64) int64 {
	if d >= int64(len(k)) {
		return 0
	}
	x := int64(v)
	s := x >> 63
	a := (x ^ s) - s
	return ((a*k[d])>>kBits ^ s) - s
}

// PostTrace returns the postsynaptic trace y at tick t (fixed mode: in
// units of 1/4096 spike).
func (l *Learner) PostTrace(y Trace, t int64) float64 {
	if l.Fixed {
		return float64(decayX(l.kMinusX, y.V, t-y.T))
	}
	return decayF(l.kMinus, y.V, t-y.T)
}

// BumpPost adds a postsynaptic spike at tick t to trace y.
func (l *Learner) BumpPost(y *Trace, t int64) {
	if l.Fixed {
		y.V = float64(min(decayX(l.kMinusX, y.V, t-y.T)+traceOne, traceMax))
	} else {
		y.V = decayF(l.kMinus, y.V, t-y.T) + 1
	}
	y.T = t
}

// PreTrace returns the presynaptic trace of s at tick t.
func (l *Learner) PreTrace(s *SynState, t int64) float64 {
	if l.Fixed {
		return float64(decayX(l.kPlusX, s.X, t-s.TX))
	}
	return decayF(l.kPlus, s.X, t-s.TX)
}

// Eligibility returns the eligibility of s at tick t.
func (l *Learner) Eligibility(s *SynState, t int64) float64 {
	if l.Rule != RSTDP {
		return 0
	}
	if l.Fixed {
		return float64(decayX(l.kEligX, s.E, t-s.TE))
	}
	return decayF(l.kElig, s.E, t-s.TE)
}

// round draws the stochastic rounding of num / 2^shift: floor(num/2^shift
// + u) with u uniform in [0, 1) from a counter-based hash of (seed, event,
// synapse, tick), so that it depends on nothing else.
func (l *Learner) round(num int64, shift uint, ev, syn uint64, t int64) int64 {
	if shift == 0 {
		return num
	}
	u := Hash01(l.seed, streamLearn+ev, syn, uint64(t))
	r := int64(u * float64(int64(1)<<shift))
	return (num + r) >> shift
}

// Pre applies a presynaptic arrival at tick t to synapse s (graph synapse
// id syn) whose postsynaptic trace is y (PostTrace at t, before any
// postsynaptic spike of tick t): depression by y, then the presynaptic
// trace takes the arrival.
func (l *Learner) Pre(s *SynState, syn uint64, t int64, y float64) {
	if l.Rule == Tied {
		return
	}
	if l.Rule == SRC {
		// No depression by the post trace; the arrival marks the tick.
		s.X, s.TX = 1, t
		return
	}
	if l.Enabled && y != 0 {
		if l.Fixed {
			var num int64
			shift := uint(TraceBits)
			switch {
			case l.Prop:
				num = l.aMinusX * int64(y)
				shift += kBits
			case l.Mult:
				num = l.aMinusX * (int64(s.W) - l.wMinX) * int64(y)
				shift += kBits
			default:
				num = l.aMinusX * int64(y)
			}
			l.applyX(s, -num, shift, evPre, syn, t)
		} else {
			a := l.aMinus
			if l.Mult {
				a = float64(a * (s.W - l.wMin))
			}
			l.applyF(s, -float64(a*y), t)
		}
	}
	if l.Fixed {
		s.X = float64(min(decayX(l.kPlusX, s.X, t-s.TX)+traceOne, traceMax))
	} else {
		s.X = decayF(l.kPlus, s.X, t-s.TX) + 1
	}
	s.TX = t
}

// Post applies a postsynaptic spike at tick t to incoming synapse s:
// potentiation by its presynaptic trace (which includes arrivals of tick t).
func (l *Learner) Post(s *SynState, syn uint64, t int64) {
	if !l.Enabled || l.Rule == Tied {
		return
	}
	if l.Rule == SRC {
		l.postSRC(s, syn, t)
		return
	}
	x := l.PreTrace(s, t)
	if x == 0 {
		return
	}
	if l.Fixed {
		var num int64
		shift := uint(TraceBits)
		switch {
		case l.Prop:
			num = l.aPlusX * int64(x)
			shift += kBits
		case l.Mult:
			num = l.aPlusX * (l.wMaxX - int64(s.W)) * int64(x)
			shift += kBits
		default:
			num = l.aPlusX * int64(x)
		}
		l.applyX(s, num, shift, evPost, syn, t)
		return
	}
	a := l.aPlus
	if l.Mult {
		a = float64(a * (l.wMax - s.W))
	}
	l.applyF(s, float64(a*x), t)
}

// postSRC is the SRC rule at a postsynaptic spike of tick t: +APlus*g(w)
// if a presynaptic spike arrived at t, else -AMinus*g(w). Fixed mode:
// (±A in state units) * (g in 2^-gBits units), stochastically rounded to
// the weight step.
func (l *Learner) postSRC(s *SynState, syn uint64, t int64) {
	paired := s.TX == t && s.X != 0
	g := l.srcG(s.W)
	if g == 0 {
		return
	}
	if l.Fixed {
		a := -l.aMinusX
		if paired {
			a = l.aPlusX
		}
		l.applyX(s, a*int64(g), gBits, evPost, syn, t)
		return
	}
	a := -l.aMinus
	if paired {
		a = l.aPlus
	}
	l.applyF(s, float64(a*g), t)
}

func (l *Learner) applyF(s *SynState, dw float64, t int64) {
	if l.Rule == RSTDP {
		s.E = decayF(l.kElig, s.E, t-s.TE) + dw
		s.TE = t
		return
	}
	s.W = min(max(s.W+dw, l.wMin), l.wMax)
}

// applyX adds num/2^shift (weight state units) to the weight or, for
// RSTDP, to the eligibility, stochastically rounded.
func (l *Learner) applyX(s *SynState, num int64, shift uint, ev, syn uint64, t int64) {
	if l.Rule == RSTDP {
		lim := int64(1 << 40)
		if l.Prop {
			lim = propEligMax
		}
		e := decayX(l.kEligX, s.E, t-s.TE) + l.round(num, shift-l.eBits, ev, syn, t)
		s.E = float64(min(max(e, -lim), lim))
		s.TE = t
		return
	}
	dw := l.round(num, shift+l.step, ev, syn, t) << l.step
	s.W = float64(min(max(int64(s.W)+dw, l.wMinX), l.wMaxX))
}

// SetReward sets the modulation r applied by Reward from now on.
func (l *Learner) SetReward(r float64) {
	l.reward = l.lr * r
	l.rewardX = int64(min(max(math.Round(l.lr*r*kOne), -rewardMax), rewardMax))
}

// Rewarding reports whether Reward changes anything.
func (l *Learner) Rewarding() bool {
	return l.Enabled && l.Rule == RSTDP && (l.Fixed && l.rewardX != 0 || !l.Fixed && l.reward != 0)
}

// Reward applies one tick of modulation to s: w += lr*r*e(t), bounded;
// for a Proportional rule w += lr*r*e(t)*w. f is the presynaptic factor
// of a PreBalance rule (PreGroup.Factor), 1 (kOne in fixed mode: use
// NoFactor) otherwise.
func (l *Learner) Reward(s *SynState, syn uint64, t int64, f float64) {
	if l.Fixed {
		e := decayX(l.kEligX, s.E, t-s.TE)
		if e == 0 {
			return
		}
		var dw int64
		if l.Prop {
			// g = lr*r*e*f in 2^-16 units, then dw = g*w / 2^16.
			g := roundShift(l.rewardX*e, PropEligBits)
			g = min(max(mulShift(g, int64(f), kBits), -propGainMax), propGainMax)
			dw = l.round(g*int64(s.W), kBits+l.step, evReward, syn, t) << l.step
		} else {
			dw = l.round(l.rewardX*e, kBits+l.eBits+l.step, evReward, syn, t) << l.step
		}
		s.W = float64(min(max(int64(s.W)+dw, l.wMinX), l.wMaxX))
		return
	}
	e := decayF(l.kElig, s.E, t-s.TE)
	dw := float64(l.reward * e)
	if l.Balance {
		dw = float64(dw * f)
	}
	if l.Prop {
		dw = float64(dw * s.W)
	}
	s.W = min(max(s.W+dw, l.wMin), l.wMax)
}

// balanceFactor returns W_i0/W_i (initial over current sum) in the
// learner's units, at most balanceMax: it is what keeps a presynaptic
// neuron whose weights have all shrunk learning at full speed (its
// update is then W_i0 times the synapse's share of W_i). A neuron with
// no weight left has nothing to scale (factor 0).
func (l *Learner) balanceFactor(init, sum float64) float64 {
	if sum <= 0 {
		return 0
	}
	if l.Fixed {
		return float64(min(int64(init)*kOne/int64(sum), balanceMax*kOne))
	}
	return min(init/sum, balanceMax)
}

// tie returns minus the mean of n source weights summing to sum, as a
// weight of this (Tied) rule: in fixed mode rounded to the nearest state
// unit and then to the rule's weight step; within the bounds.
func (l *Learner) tie(sum float64, n int) float64 {
	if l.Fixed {
		m := (int64(sum) + int64(n)/2) / int64(n)
		m = (m + (int64(1)<<l.step)>>1) >> l.step << l.step
		return float64(min(max(-m, l.wMinX), l.wMaxX))
	}
	return min(max(-sum/float64(n), l.wMin), l.wMax)
}

// NoFactor returns the presynaptic factor that leaves a reward update
// unchanged, in the learner's units.
func (l *Learner) NoFactor() float64 {
	if l.Fixed {
		return kOne
	}
	return 1
}

// mulShift returns a*b / 2^s rounded to nearest (ties away from zero),
// saturated to the int64 range, for b >= 0; the product is formed in 128
// bits.
func mulShift(a, b int64, s uint) int64 {
	neg := a < 0
	if neg {
		a = -a
	}
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	lo, c := bits.Add64(lo, 1<<(s-1), 0)
	hi += c
	q := lo>>s | hi<<(64-s)
	if hi>>s != 0 || q > math.MaxInt64 {
		q = math.MaxInt64
	}
	if neg {
		return -int64(q)
	}
	return int64(q)
}

// roundShift returns x / 2^s rounded to nearest, ties away from zero.
func roundShift(x int64, s uint) int64 {
	if x < 0 {
		return -((-x + 1<<(s-1)) >> s)
	}
	return (x + 1<<(s-1)) >> s
}

// periodEnd reports whether tick t ends a homeostasis period at which
// something changes: always, except for an OnReward rule with a fixed
// target (eta 0), whose weights were normalised after every update and
// would only be rounded again.
func (l *Learner) periodEnd(t int64) bool {
	return (t+1)%l.PeriodTicks == 0 && !(l.OnReward && l.eta == 0)
}

// homeoDue reports whether the homeostasis of the rule runs at tick t:
// at the end of a period (periodEnd), or with OnReward on every tick
// whose reward moved the weights.
func (l *Learner) homeoDue(t int64) bool {
	return l.periodEnd(t) || l.OnReward && l.Rewarding()
}

// HomeoTarget moves a homeostatic target T one period towards the rate
// target: T += eta*(rate_target - rate)*period, T >= 0.
func (l *Learner) HomeoTarget(target, rate float64) float64 {
	d := float64(l.eta * (l.RateTarget - rate))
	d = float64(d * (float64(l.PeriodTicks) * l.dtSec))
	if l.Fixed {
		return math.Max(0, target+math.Round(d))
	}
	return math.Max(0, target+d)
}

// Normalize multiplies the weight of s by target/sum (the homeostatic
// normalisation), bounded; sum > 0.
func (l *Learner) Normalize(s *SynState, syn uint64, t int64, target, sum float64) {
	if !l.Enabled {
		return
	}
	if !l.Fixed {
		s.W = min(max(float64(s.W*target)/sum, l.wMin), l.wMax)
		return
	}
	// w' = floor((w*T + r) / (S*q)) * q with r uniform in [0, S*q).
	w, tg, den := uint64(s.W), uint64(target), uint64(sum)<<l.step
	u := Hash01(l.seed, streamLearn+evHomeo, syn, uint64(t))
	r := uint64(u * float64(den))
	hi, lo := bits.Mul64(w, tg)
	lo, c := bits.Add64(lo, r, 0)
	hi += c
	var q uint64
	if hi < den {
		q, _ = bits.Div64(hi, lo, den)
	} else {
		q = math.MaxUint32
	}
	nw := int64(min(q, math.MaxUint32)) << l.step
	s.W = float64(min(max(nw, l.wMinX), l.wMaxX))
}

// RateCounter is the exponential moving average of a neuron's firing rate
// in Hz with time constant tau: a spike adds (1 - exp(-dt/tau)) * 1000/dt
// Hz, and the value decays by exp(-dt/tau) per tick, so that its mean is
// the firing rate. A counter is only read once made, so the cores of an
// engine share one.
type RateCounter struct {
	keep []float64 // exp(-d*dt/tau)
	kInf float64   // per-tick keep, for d beyond the table
	add  float64
}

// NewRateCounter returns the counter arithmetic for time step dt and time
// constant tau (ms; 0 means DefaultRateTau).
func NewRateCounter(dt, tau float64) *RateCounter {
	if tau <= 0 {
		tau = DefaultRateTau
	}
	rc := &RateCounter{kInf: math.Exp(-dt / tau), keep: make([]float64, 4096)}
	rc.add = (1 - rc.kInf) * 1000 / dt
	for d := range rc.keep {
		rc.keep[d] = math.Exp(-float64(d) * dt / tau)
	}
	return rc
}

// At returns the rate of a counter last changed to v at tick t0, at tick t.
func (rc *RateCounter) At(v Trace, t int64) float64 {
	d := t - v.T
	if d < int64(len(rc.keep)) {
		return float64(v.V * rc.keep[d])
	}
	return v.V * math.Pow(rc.kInf, float64(d))
}

// Spike counts a spike at tick t.
func (rc *RateCounter) Spike(v *Trace, t int64) {
	v.V = rc.At(*v, t) + rc.add
	v.T = t
}

// DriveP returns the per-tick probability of an on-core noise event at
// rate hz.
func DriveP(hz, dt float64) float64 { return min(1, max(0, hz*dt/1000)) }

// DriveDraw reports whether the on-core noise generator of neuron fires
// at tick t with probability p; counter-based, so independent of mapping.
func DriveDraw(seed uint64, neuron uint32, t int64, p float64) bool {
	return p > 0 && Hash01(seed, streamDrive, uint64(neuron), uint64(t)) < p
}

// DriveWeight returns the default weight of an on-core noise event onto a
// population: the current that lifts a neuron at rest over threshold in
// the tick it arrives (mV).
func (p *LIFParams) DriveWeight() float64 {
	g := p.GainV
	if g <= 0 {
		g = 1
	}
	return math.Max(p.VTh, 0)/g*1.05 + 1e-3
}

// PoissonNext returns the tick of the next spike of Poisson neuron i of
// population pop after a rate change at tick now, its k-th interval draw
// at per-tick probability p: now - 1 + interval.
func PoissonNext(seed uint64, pop, i int, k uint64, p float64, now int64) int64 {
	return now - 1 + PoissonInterval(seed, pop, i, k, p)
}
