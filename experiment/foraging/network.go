package foraging

import (
	"fmt"
	"math/rand/v2"

	"github.com/spindle-sim/spindle/snn"
)

// Population and projection names of the foraging network.
const (
	PopInput  = "input"
	PopHidden = "hidden"
	PopOutput = "output"
	PopMotor  = "motor"

	ProjInHid   = "input_hidden"
	ProjExc     = "hidden_output_exc"
	ProjInh     = "hidden_output_inh"
	ProjLateral = "output_lateral"
	ProjMotor   = "motor_output"
	ProjInPair  = "input_pair"
	// ProjHidWTA is the static inhibition among the 16 hidden neurons
	// over one view pixel (Params.WTA).
	ProjHidWTA = "hidden_wta"
)

// HiddenSize is the paper's 28x28 hidden layer.
const HiddenSize = 784

// Params are the network, timing and learning constants of the
// experiment. LearnedParams and PaperParams document each choice.
type Params struct {
	// Timing of one movement cycle, in ticks of 1 ms.
	PresentTicks int // the view drives the input and output spikes are counted
	RestTicks    int // silent input; the reward, if any, is broadcast here
	RewardTicks  int // ticks of the rest half the reward stays on
	// MotorTicks follow the decision while learning: the view stays on
	// and the chosen move's motor source drives its output neuron at
	// MotorHz (an efference copy), so that the eligibility pairs the
	// view with the move actually taken; 0 disables it.
	MotorTicks int
	MotorHz    float64
	MotorW     float64 // motor -> output weight, mV

	InputHz float64 // Poisson rate of a covered pixel
	// PulseTicks, when positive, shows the view for only that many
	// ticks at the start of the cycle (with InputHz 1000, one spike per
	// covered pixel per tick: the paper's synchronous pulse); the output
	// spikes are still counted over PresentTicks.
	PulseTicks int
	RewardGain float64 // the modulation broadcast for +1 (and minus it for -1)
	// Punished and Empty are the values broadcast (times RewardGain) for
	// eating a punished particle and for a move that eats nothing; the
	// paper's are -0.001 and -0.0001 against +1 for a rewarded particle.
	// Punished 0 means -1.
	Punished, Empty float64
	// BaselineMeals, when positive, subtracts from each meal's value the
	// running mean of the values of the meals before it (an exponential
	// average over about BaselineMeals meals) before it is broadcast.
	BaselineMeals float64

	// Neurons (mV, ms).
	Hidden, Output snn.Neuron

	// Synapses (mV).
	InHidInit   snn.Dist // input -> hidden, 9 per hidden neuron
	InHidMax    float64
	InDegree    int      // random inputs per hidden neuron when LocalFields is off
	LocalFields bool     // hidden neurons see a 3x3 patch of the view (see localFields)
	ExcInit     snn.Dist // hidden -> output, excitatory, all to all
	ExcMax      float64
	InhInit     snn.Dist // hidden -> output, inhibitory (magnitudes)
	InhMax      float64
	// FixedExcMin and FixedExcMax, when FixedExcMax is positive, replace
	// the hidden -> output bounds [0, ExcMax] (and InhMax) in fixed
	// mode. There the largest bound sets the step of the 8-bit weight
	// mantissa, and under updates proportional to the weight a weight
	// that rounds to zero can never grow again: the bounds must be
	// tight, and the floor one step above zero (docs/experiments.md,
	// item 14).
	FixedExcMin, FixedExcMax float64
	Lateral                  float64 // output -> output inhibition (static, all to all but self), mV
	Rules                    Rules
	Sleep                    SleepParams
	Exploration              Exploration
	Readout                  Readout // how output activity becomes a move
	// GateChosen lets a reward change only the synapses onto the output
	// of the move taken: the other outputs' hidden->output weights are
	// set back after the reward window (host-side gating).
	GateChosen bool

	// PairFeatures, when positive (and LocalFields is set), turns that
	// many of each pixel's 16 hidden neurons per particle orientation
	// into static two-pixel conjunction detectors (see pairFields), fed
	// at PairW mV.
	PairFeatures int
	PairW        float64
	// DetectorsOnly leaves the hidden neurons that are not pair
	// detectors without input: silent.
	DetectorsOnly bool

	// Conjunctions, when positive (and LocalFields is set), replaces the
	// local fields (the pair detectors, if any, keep their neurons): each
	// such hidden neuron is fed by its own pixel and Conjunctions of that
	// pixel's neighbours drawn at random (see conjunctionFields), at PairW
	// mV each, so that it fires when any two of its pixels are covered
	// together. They form the learned input -> hidden projection.
	Conjunctions int

	// CentreW, when positive, is the initial input -> hidden weight of a
	// local-field neuron from its own pixel (the others are drawn from
	// InHidInit), so that learning starts from the pixel under it.
	CentreW float64
	// WTA, when positive, makes the 16 hidden neurons over each view pixel
	// inhibit each other at WTA mV (ProjHidWTA, static): a soft
	// winner-take-all, so that the local fields learn different features
	// in pre-training instead of all the most frequent one (LearnedParams).
	WTA float64

	RateTau float64 // ms, of the on-core rate counters that set the sleep drive
}

// Rules hold the plasticity constants, read by the chip-specific
// attachment of rules (see attachRules in chipbrain.go).
type Rules struct {
	// Unsupervised pair STDP of input -> hidden during pre-training.
	PreAPlus, PreAMinus, PreTau float64
	// Reward-modulated STDP of hidden -> output.
	APlus, AMinus, Tau, TauElig, LearningRate float64
	// Proportional makes the hidden -> output reward update
	// proportional to the weight, and PreBalance weighs it by W_i0/W_i
	// of the hidden neuron (snn.Plasticity): the paper's rule. APlus and
	// AMinus are then dimensionless.
	Proportional, PreBalance bool
	// Tied makes the inhibitory hidden -> output weights minus the mean
	// of each hidden neuron's excitatory ones (snn.Tied) instead of
	// learning on their own.
	Tied bool
	// OnReward normalises each output's summed excitatory weight after
	// every reward update, not only every 10 ms.
	OnReward bool
	// RateTarget (Hz) and Eta (mV per Hz per s) move each output's
	// summed excitatory target towards the weight that makes it fire at
	// RateTarget (snn.Homeostasis), so that no output wins every move by
	// concentrating its weight on the busiest hidden neurons; Eta 0
	// keeps the target at the initial sum.
	RateTarget, Eta float64
	// PreNormalize holds each hidden neuron's summed input -> hidden
	// weight at its initial value during pre-training, so that the
	// inputs it learns take weight from those it does not.
	PreNormalize bool
	// InhRate scales the learning rate of the inhibitory projection.
	InhRate float64
	// Normalize holds each output's summed excitatory hidden -> output
	// weight at its initial value (snn.Homeostasis with a fixed target),
	// so that potentiating some synapses depresses the others.
	Normalize bool
}

// SleepParams describe a sleep phase (see chip.SleepPhase); its length
// is Protocol.SleepTicks.
type SleepParams struct {
	RateScale  float64
	Modulation float64
	// Period, when above 1, broadcasts Modulation once every Period ticks
	// instead of every tick (chip.SleepPhase.Period).
	Period     int
	Threshold  float64
	Depression float64 // multiplies A- while asleep (chip.SleepPhase.Depression)
	// Unbalanced switches the presynaptic factor off while asleep
	// (chip.SleepPhase.Unbalanced); Uniform drives every hidden neuron at
	// the layer's mean rate (chip.SleepPhase.Uniform).
	Unbalanced, Uniform bool
	// MuteInhibition mutes the hidden -> output inhibitory projection
	// while asleep (chip.SleepPhase.Mute); otherwise it is only frozen.
	MuteInhibition bool
}

// LearnedParams are the constants of the learned model of earlier rounds
// (docs/experiments.md, items 1-12): additive reward-modulated STDP on
// learned local fields, with the reward gated to the move taken, a
// running reward baseline and a shortened sleep. PaperParams, the default
// of Run, builds on them.
func LearnedParams() Params {
	lif := func(vth float64) snn.Neuron {
		return snn.Neuron{
			TauM: 10, VRest: 0, VReset: 0, VTh: vth, TRef: 1,
			Receptors: []snn.Receptor{{Name: "exc", TauSyn: 3}, {Name: "inh", TauSyn: 3}},
		}
	}
	return Params{
		PresentTicks: 12,
		RestTicks:    12,
		RewardTicks:  4,
		MotorTicks:   6,
		MotorHz:      500,
		MotorW:       15,
		InputHz:      250,
		RewardGain:   1,
		// The reward minus the running mean of ~50 meals: with the
		// readout and gating below it helped (docs/experiments.md).
		BaselineMeals: 50,
		Hidden:        lif(10),
		Output:        lif(10),
		// The learned hidden layer, closer to the paper's than engineered
		// detectors (docs/experiments.md, item 12): every hidden neuron is
		// a 3x3 local field that starts driven by its own pixel (CentreW
		// 12 mV, which alone rarely fires it) and weakly by its 8
		// neighbours; in pre-training, pair STDP with each neuron's summed
		// input held fixed (Rules.PreNormalize) moves the neighbours'
		// weight onto those whose particles fire the neuron, and the
		// inhibition among a pixel's 16 neurons (WTA) makes them pick
		// different ones: mostly two-pixel detectors of one or two
		// orientations, about half of them answering shapes of both tasks.
		// WTA 3 mV learned both tasks as well as 8 mV with more features
		// shared; without it (0) most neurons learned the same features.
		InHidInit:   snn.UniformDist(3, 7),
		InHidMax:    14,
		CentreW:     12,
		WTA:         3,
		InDegree:    9,
		LocalFields: true,
		ExcInit:     snn.UniformDist(0.5, 1.5),
		ExcMax:      8,
		InhInit:     snn.UniformDist(0.5, 1.5),
		InhMax:      8,
		Lateral:     6,
		Rules: Rules{
			PreAPlus: 0.2, PreAMinus: 0.22, PreTau: 10, PreNormalize: true,
			APlus: 1, AMinus: 1, Tau: 10, TauElig: 40, LearningRate: 0.1,
			InhRate: 1,
			// Heterosynaptic competition onto each output: what Task 2
			// potentiates, the Task 1 synapses of the same output lose
			// (docs/experiments.md, item 9).
			Normalize: true,
		},
		// A modulation of 1 moved a weight by lr * 1 * e every tick of
		// sleep, several mV per pairing: sleep then scrambled the weights.
		// The inhibitory projection is silenced, or the noise-driven
		// outputs, whose excitation and inhibition cancel, stay silent.
		Sleep: SleepParams{
			RateScale: 1, Modulation: 0.05, Threshold: 0.5, MuteInhibition: true,
		},
		Exploration: DefaultExploration,
		Readout:     ReadoutPotential,
		GateChosen:  true,
		PairW:       12, // of DesignedParams' detectors and of Conjunctions

		// The sleep drive follows the waking rates of the last ~100 s
		// (about 3,300 movement cycles), so it still carries Task 1
		// activity into the sleep phases of Task 2 training.
		RateTau: 100000,
	}
}

// DesignedPretrain is the pre-training of DesignedParams (cycles): its
// local fields learn little, and its detectors nothing.
const DesignedPretrain = 2000

// DesignedParams are LearnedParams with the engineered hidden layer of
// earlier rounds (docs/experiments.md, items 8-11): every pixel's hidden
// neurons are static two-pixel conjunction detectors of the four
// orientations (4 each, fed at PairW 12 mV), each task's shapes firing
// their own neurons, the rest local fields learning by plain pair STDP.
// Run it with DesignedPretrain cycles of pre-training.
func DesignedParams() Params {
	p := LearnedParams()
	p.PairFeatures = 4
	p.CentreW, p.WTA = 0, 0
	p.InHidInit, p.InHidMax = snn.UniformDist(4, 8), 12
	p.Rules.PreAPlus, p.Rules.PreAMinus, p.Rules.PreNormalize = 0.05, 0.055, false
	return p
}

// buildNetwork describes the foraging network: 49 Poisson inputs (one per
// pixel of the view, silent until the protocol sets their rates), 784
// hidden LIF neurons each fed by a 3x3 patch of the view (LocalFields) or
// by InDegree inputs drawn at random, 8 output LIF neurons, one per move,
// fed all to all by the hidden layer through an excitatory and an
// inhibitory projection, and inhibiting each other (a soft
// winner-take-all), and 8 Poisson motor sources driving one output each
// (the efference copy of the move taken, see Params.MotorTicks).
func buildNetwork(p *Params, seed uint64, mode snn.Mode) (*snn.Network, layout) {
	net := &snn.Network{
		Name: "foraging", Dt: 1, Seed: seed, Mode: mode,
		Populations: []snn.Population{
			{Name: PopInput, Size: ViewPixels, Kind: snn.Poisson, RateHz: 0},
			{Name: PopHidden, Size: HiddenSize, Kind: snn.LIF, Neuron: p.Hidden},
			{Name: PopOutput, Size: Moves, Kind: snn.LIF, Neuron: p.Output},
			{Name: PopMotor, Size: Moves, Kind: snn.Poisson, RateHz: 0},
		},
		Projections: []snn.Projection{
			{Name: ProjInHid, Pre: PopInput, Post: PopHidden, Receptor: "exc",
				Connector: snn.Connector{Kind: snn.FixedInDegree, InDegree: p.InDegree}, Weight: p.InHidInit},
			{Name: ProjExc, Pre: PopHidden, Post: PopOutput, Receptor: "exc",
				Connector: snn.Connector{Kind: snn.AllToAll}, Weight: p.ExcInit},
			{Name: ProjInh, Pre: PopHidden, Post: PopOutput, Receptor: "inh",
				Connector: snn.Connector{Kind: snn.AllToAll}, Weight: p.InhInit, Inhibitory: true},
			{Name: ProjLateral, Pre: PopOutput, Post: PopOutput, Receptor: "inh",
				Connector: snn.Connector{Kind: snn.AllToAll, NoSelf: true}, Weight: snn.Const(p.Lateral), Inhibitory: true},
			{Name: ProjMotor, Pre: PopMotor, Post: PopOutput, Receptor: "exc",
				Connector: snn.Connector{Kind: snn.OneToOne}, Weight: snn.Const(p.MotorW)},
		},
	}
	if p.LocalFields {
		pairs := pairFields(p.PairFeatures, p.PairW)
		skip := map[int]bool{}
		for _, c := range pairs {
			skip[c.Post] = true
		}
		fields := localFields()
		if p.Conjunctions > 0 {
			fields = conjunctionFields(p.Conjunctions, p.PairW, seed)
		} else if p.CentreW > 0 {
			for k, c := range fields {
				if c.Pre == pixelOf(c.Post) {
					fields[k].Weight, fields[k].HasWeight = p.CentreW, true
				}
			}
		}
		var loc []snn.Conn
		for _, c := range fields {
			if !skip[c.Post] && !p.DetectorsOnly {
				loc = append(loc, c)
			}
		}
		net.Projections[0].Connector = snn.Connector{Kind: snn.FromList, List: loc}
		if len(pairs) > 0 {
			net.Projections = append(net.Projections, snn.Projection{Name: ProjInPair, Pre: PopInput, Post: PopHidden, Receptor: "exc",
				Connector: snn.Connector{Kind: snn.FromList, List: pairs}, Weight: snn.Const(p.PairW)})
		}
	}
	if p.WTA > 0 {
		net.Projections = append(net.Projections, snn.Projection{Name: ProjHidWTA, Pre: PopHidden, Post: PopHidden, Receptor: "inh",
			Connector: snn.Connector{Kind: snn.FromList, List: pixelGroups()}, Weight: snn.Const(p.WTA), Inhibitory: true})
	}
	lay := layout{
		inputStart: 0, hiddenStart: ViewPixels, outputStart: ViewPixels + HiddenSize,
		motorStart: uint32(ViewPixels + HiddenSize + Moves),
		projInHid:  0, projExc: 1, projInh: 2,
	}
	return net, lay
}

func (p *Params) validate() error {
	if p.PresentTicks < 1 || p.RestTicks < 1 {
		return fmt.Errorf("params: present %d and rest %d ticks: expected at least 1 each", p.PresentTicks, p.RestTicks)
	}
	if p.RewardTicks < 0 || p.RewardTicks > p.RestTicks {
		return fmt.Errorf("params: reward ticks %d: expected 0..%d", p.RewardTicks, p.RestTicks)
	}
	if !(p.WTA >= 0) || !(p.CentreW >= 0) {
		return fmt.Errorf("params: WTA %v mV, CentreW %v mV: expected non-negative weights", p.WTA, p.CentreW)
	}
	if p.FixedExcMax > 0 && !(p.FixedExcMin >= 0 && p.FixedExcMin < p.FixedExcMax) {
		return fmt.Errorf("params: fixed-mode bounds [%v, %v] mV: expected 0 <= min < max", p.FixedExcMin, p.FixedExcMax)
	}
	return nil
}

// pixelOf returns the view pixel that hidden neuron j of the 28x28 sheet
// sits over: 16 neurons per pixel, in 4x4 blocks.
func pixelOf(j int) int {
	const side = 28
	return ((j/side)/4)*ViewSide + (j%side)/4
}

// pixelGroups connects every hidden neuron to the other 15 over its pixel.
func pixelGroups() []snn.Conn {
	var groups [ViewPixels][]int
	for j := 0; j < HiddenSize; j++ {
		groups[pixelOf(j)] = append(groups[pixelOf(j)], j)
	}
	var list []snn.Conn
	for _, g := range groups {
		for _, a := range g {
			for _, b := range g {
				if a != b {
					list = append(list, snn.Conn{Pre: a, Post: b})
				}
			}
		}
	}
	return list
}

// localFields wires the hidden layer as the paper's 28x28 sheet over the
// 7x7 view: hidden neuron (r, c) of the sheet sits over view pixel
// (r/4, c/4), 16 neurons per pixel, and is fed by the 3x3 patch of pixels
// around it (clipped at the border of the view, so 4 to 9 inputs).
func localFields() []snn.Conn {
	const side = 28
	var list []snn.Conn
	for j := 0; j < HiddenSize; j++ {
		pr, pc := (j/side)/4, (j%side)/4
		for dr := -1; dr <= 1; dr++ {
			for dc := -1; dc <= 1; dc++ {
				r, c := pr+dr, pc+dc
				if r < 0 || r >= ViewSide || c < 0 || c >= ViewSide {
					continue
				}
				list = append(list, snn.Conn{Pre: r*ViewSide + c, Post: j})
			}
		}
	}
	return list
}

// pairFields returns the input lists of the two-pixel conjunction
// detectors: for every view pixel (x, y), every particle orientation o
// and k < n, hidden neuron number o*n+k of the pixel's 16 is fed only by
// (x, y) and the pixel at o's offset from it (when that lies in the view),
// with weight w, so that (for w small enough) it fires when a particle of
// orientation o covers both pixels and rarely for one of them.
func pairFields(n int, w float64) []snn.Conn {
	if n <= 0 {
		return nil
	}
	const side = 28
	var list []snn.Conn
	for y := 0; y < ViewSide; y++ {
		for x := 0; x < ViewSide; x++ {
			for o := Shape(0); o < numShapes; o++ {
				dx, dy := o.offset()
				x2, y2 := x+dx, y+dy
				if x2 < 0 || x2 >= ViewSide || y2 < 0 || y2 >= ViewSide {
					continue
				}
				for k := 0; k < n; k++ {
					i := int(o)*n + k
					j := (4*y+i/4)*side + 4*x + i%4
					list = append(list,
						snn.Conn{Pre: y*ViewSide + x, Post: j, Weight: w, HasWeight: true},
						snn.Conn{Pre: y2*ViewSide + x2, Post: j, Weight: w, HasWeight: true})
				}
			}
		}
	}
	return list
}

// conjunctionFields returns the input lists of random local conjunction
// detectors: hidden neuron j over view pixel (x, y) (as in localFields) is
// fed by (x, y) and by k of its in-view neighbours drawn at random, each
// with weight w. Whether two covered pixels of a neuron belong to one
// particle depends on their offset, so most neurons answer to two or three
// of the four orientations: features shared between the tasks, as the
// paper's hidden layer learned them from random inputs.
func conjunctionFields(k int, w float64, seed uint64) []snn.Conn {
	const side = 28
	rng := rand.New(rand.NewPCG(seed, 0x636f6e6a))
	var list []snn.Conn
	var nb []int
	for j := 0; j < HiddenSize; j++ {
		y, x := (j/side)/4, (j%side)/4
		nb = nb[:0]
		for dy := -1; dy <= 1; dy++ {
			for dx := -1; dx <= 1; dx++ {
				x2, y2 := x+dx, y+dy
				if (dx != 0 || dy != 0) && x2 >= 0 && x2 < ViewSide && y2 >= 0 && y2 < ViewSide {
					nb = append(nb, y2*ViewSide+x2)
				}
			}
		}
		rng.Shuffle(len(nb), func(a, b int) { nb[a], nb[b] = nb[b], nb[a] })
		list = append(list, snn.Conn{Pre: y*ViewSide + x, Post: j, Weight: w, HasWeight: true})
		for _, pre := range nb[:min(k, len(nb))] {
			list = append(list, snn.Conn{Pre: pre, Post: j, Weight: w, HasWeight: true})
		}
	}
	return list
}

// PaperParams follow the learning of Golden et al. (2022)
// (../shared/science/golden2022-methods.md; docs/experiments.md, item
// 13): the hidden -> output excitatory weights learn by the paper's
// rewarded rule on the cores (updates proportional to the weight, the
// presynaptic factor W_i0/W_i, each output's summed weight normalised
// after every update), the inhibitory ones are tied to minus each hidden
// neuron's mean excitatory weight, the rewards are the paper's (+1,
// -0.001 for a punished particle, -0.0001 for an empty move, no
// baseline), each covered pixel sends one synchronous pulse, and the
// decision is the output spike count. Where the chip or these LIF
// neurons needed a departure, measured on tuning seeds (item 13): the
// hidden layer is the designed two-pixel detectors alone (the learned
// layers answer single pixels, and under a proportional rule their
// busiest neurons take every output), the efference copy stays (without
// the paper's release noise no output ever fires), the designed
// network's gating and output lateral inhibition are inherited (not yet
// measured against their absence), and the sleep drive
// is five times the waking rates with a modulation a tenth of the
// paper's (at the paper's dose each noise pairing moves a weight
// several-fold, and sleep scrambles both tasks), at the layer's mean rate
// (the paper's uniform-noise variant).
func PaperParams() Params {
	p := DesignedParams()
	p.DetectorsOnly, p.PulseTicks, p.InputHz, p.PairW = true, 1, 1000, 40
	p.Readout = ReadoutSpikes
	p.Punished, p.Empty, p.BaselineMeals = -0.001, -0.0001, 0
	// Bounds far above the learned weights: the normalisation, not a
	// bound, limits them, as in the paper.
	p.ExcMax, p.InhMax = 200, 200
	// In fixed mode, steps of 0.5 mV instead of 1.6 and a floor of one
	// step: Task 1 is learned, and Task 2 after it (docs/experiments.md,
	// item 14).
	p.FixedExcMin, p.FixedExcMax = 0.5, 64
	p.Rules.APlus, p.Rules.AMinus = 0.04, 0.04
	p.Rules.TauElig = 60
	p.Rules.LearningRate = 30
	p.Rules.Proportional, p.Rules.PreBalance, p.Rules.Tied, p.Rules.OnReward = true, true, true, true
	// The sleep drive averages the waking rates of both tasks: a rate
	// counter of 1,000 s spans the Task 1 and Task 2 phases.
	p.RateTau = 1e6
	p.Sleep = SleepParams{RateScale: 5, Threshold: 1,
		// One pulse per cycle-equivalent, as the paper's +0.5 per cycle,
		// worth 0.0125 of a meal (a meal is +1 for RewardTicks ticks).
		// The paper's 0.5 is for updates hundreds of times smaller than
		// ours (it learns in 10^6-10^7 cycles, we in 10^4): at our
		// learning rate a chance pairing asleep moves a weight by half
		// its value, and the sleep phases then scramble Task 1 instead of
		// replaying it. A smaller pulse over a longer sleep
		// (PaperProtocol) keeps the dose and cuts that noise
		// (docs/experiments.md, item 14).
		Modulation: 0.0125 * float64(p.RewardTicks) * p.RewardGain,
		Period:     p.PresentTicks + p.RestTicks,
		// The paper's uniform-noise sleep (S4): every hidden neuron at the
		// layer's mean rate. Driving each at its own rate counter weighs
		// Task 2 over Task 1 (the counters start at zero and Task 2 comes
		// last), and did worse (docs/experiments.md, item 13).
		Uniform: true}
	return p
}

// PaperProtocol is the protocol of PaperParams: Task 2 three times as
// long as Task 1, so that sequential training collapses the Task 1
// synapses (the stopping rule), and the sleep and interleaved
// conditions in the paper's 100-cycle blocks. Each sleep lasts four
// blocks' worth of cycles where the paper's lasts one: with the smaller
// sleep modulation of PaperParams, four times the chance pairings carry
// the same dose with half the noise (docs/experiments.md, item 14).
func PaperProtocol(p *Params) Protocol {
	const block = 100
	return Protocol{
		Pretrain: 100, Task1: 10000, Task2: 30000, Blocks: 30000 / block, BlockCycles: block,
		SleepTicks: 4 * block * (p.PresentTicks + p.RestTicks),
		Test:       2000, SnapshotEvery: 1000, CurveEvery: 1000,
	}
}

// QuickParams and QuickProtocol are the paper's model compressed for a
// look in about a minute ('spindle sleep foraging --quick', 'spindle
// demo'): the same conditions with every task phase at 30% of
// PaperProtocol's, the learning rate three times PaperParams' so that
// Task 1 is still learned, and tests of 500 cycles. Compression costs
// what the full protocol avoids (coarser steps, so a noisier sleep, and
// a shorter Task 2 that forgets less), and 500-cycle tests eat only
// about a hundred particles: read its numbers as a preview.
func QuickParams() Params {
	p := PaperParams()
	p.Rules.LearningRate *= 3
	return p
}

// QuickProtocol is the protocol of QuickParams (see there).
func QuickProtocol(p *Params) Protocol {
	q := PaperProtocol(p)
	q.Task1, q.Task2, q.Blocks = 3000, 9000, 9000/q.BlockCycles
	q.Test, q.SnapshotEvery, q.CurveEvery = 500, 300, 300
	return q
}
