package foraging

import (
	"math/rand/v2"
)

// brain is what the protocol needs from a simulator with on-core
// learning; *chip.Engine provides it through chipBrain, and the tests use
// a scripted stand-in.
type brain interface {
	Step()
	SetReward(r float64)
	SetPoissonRate(neuron uint32, hz float64)
	SetLearning(proj int, on bool)
	Weights(proj int) []float64
	SetWeights(proj int, w []float64) error
	// Potential returns the membrane potential of neuron id and its
	// total synaptic current (the sum over receptors, inhibition
	// negative), in the engine's units: mV in float mode, state units
	// in fixed mode.
	Potential(id uint32) (v, i float64)
	// Sleep runs one sleep phase of the given ticks (see Params).
	Sleep(ticks int) error
	Close()
}

// layout numbers the neurons and projections of the foraging network.
type layout struct {
	inputStart, hiddenStart, outputStart uint32
	motorStart                           uint32
	projInHid, projExc, projInh          int
}

// session is one agent with its brain living through the protocol.
type session struct {
	b      brain
	lay    layout
	p      *Params
	rng    *rand.Rand
	counts [Moves]int
	vsum   [Moves]float64 // output potentials summed over the view half
	gate   [2][]float64   // weights before the last reward (Params.GateChosen)
	count  bool           // output spikes are being counted
	last   int            // the last move taken
	hungry int            // cycles since the agent last ate
	view   [ViewPixels]bool
	rates  [ViewPixels]float64 // the input rates in force
	reward float64
	rbar   float64 // running mean of the value of meals while learning
	cycles int     // movement cycles lived
}

// onSpike is the engine's spike callback: it counts output spikes while
// the first half of a movement cycle runs.
func (s *session) onSpike(_ int64, id uint32) {
	if s.count && id >= s.lay.outputStart && id < s.lay.outputStart+uint32(Moves) {
		s.counts[id-s.lay.outputStart]++
	}
}

func (s *session) setInput(on bool) {
	for i := range s.view {
		hz := 0.0
		if on && s.view[i] {
			hz = s.p.InputHz
		}
		if hz != s.rates[i] {
			s.b.SetPoissonRate(s.lay.inputStart+uint32(i), hz)
			s.rates[i] = hz
		}
	}
}

func (s *session) setReward(r float64) {
	if r != s.reward {
		s.b.SetReward(r)
		s.reward = r
	}
}

// cycle runs one movement cycle in world w: the view drives the input
// for the first half, the output spike counts of that half choose the
// move, the agent moves (and maybe eats), and when learn is set and the
// task rewards, the reward or punishment is broadcast from the start of
// the second half for RewardTicks ticks while the input is silent. It
// returns the value of what was eaten (+1, -1, 0) and whether anything
// was.
func (s *session) cycle(w *World, learn bool) (value int, ate bool) {
	w.View(s.view[:])
	s.setInput(true)
	s.counts = [Moves]int{}
	s.vsum = [Moves]float64{}
	s.count = true
	for t := 0; t < s.p.PresentTicks; t++ {
		if t == s.p.PulseTicks && t > 0 {
			s.setInput(false)
		}
		s.b.Step()
		if s.p.Readout != ReadoutSpikes {
			for i := range s.vsum {
				v, cur := s.b.Potential(s.lay.outputStart + uint32(i))
				if s.p.Readout == ReadoutCurrent {
					v = cur
				}
				s.vsum[i] += v
			}
		}
	}
	s.count = false
	var m int
	switch s.p.Readout {
	case ReadoutPotential:
		m = DecideByPotential(s.counts[:], s.vsum[:], s.rng)
	case ReadoutCurrent:
		m = DecideByPotential(make([]int, Moves), s.vsum[:], s.rng)
	default:
		m = Decide(s.counts[:], s.last, s.rng)
	}
	m, _ = s.p.Exploration.Choose(m, s.hungry, s.rng)
	s.last = m
	if learn && s.p.MotorTicks > 0 {
		mo := s.lay.motorStart + uint32(m)
		s.b.SetPoissonRate(mo, s.p.MotorHz)
		for t := 0; t < s.p.MotorTicks; t++ {
			s.b.Step()
		}
		s.b.SetPoissonRate(mo, 0)
	}
	shape, ate := w.Move(m)
	if ate {
		s.hungry = 0
		task := w.Task()
		value = task.Value(shape)
	} else {
		s.hungry++
	}
	s.setInput(false)
	if learn && value == 0 && s.p.Empty != 0 {
		s.setReward(s.p.Empty * s.p.RewardGain)
	}
	if learn && value != 0 {
		r := float64(value)
		if value < 0 && s.p.Punished != 0 {
			r = s.p.Punished
		}
		if n := s.p.BaselineMeals; n > 0 {
			// Subtract the running mean of the meals' value, so that the
			// co-activity every output shares cancels on average.
			r -= s.rbar
			s.rbar += (float64(value) - s.rbar) / n
		}
		if s.p.GateChosen {
			s.gateSave()
		}
		s.setReward(r * s.p.RewardGain)
	}
	for t := 0; t < s.p.RestTicks; t++ {
		if t == s.p.RewardTicks {
			s.setReward(0)
		}
		s.b.Step()
	}
	s.setReward(0)
	if learn && value != 0 && s.p.GateChosen {
		s.gateRestore(m)
	}
	s.cycles++
	return value, ate
}

// run lives n movement cycles in w and adds what was eaten to sc; every
// `every` cycles (when every > 0) it calls tick with the cycles done.
func (s *session) run(w *World, n int, learn bool, sc *Score, every int, tick func(done int)) {
	for i := 0; i < n; i++ {
		v, ate := s.cycle(w, learn)
		if ate {
			sc.Add(v)
		}
		if every > 0 && (i+1)%every == 0 && tick != nil {
			tick(i + 1)
		}
	}
}

// gateSave keeps the hidden->output weights as they stand before a
// reward, for gateRestore.
func (s *session) gateSave() {
	s.gate[0] = append(s.gate[0][:0], s.b.Weights(s.lay.projExc)...)
	s.gate[1] = append(s.gate[1][:0], s.b.Weights(s.lay.projInh)...)
}

// gateRestore undoes what the reward did to every output but the chosen
// move's: the reward then reaches only the synapses onto the output of
// the move taken (Params.GateChosen).
func (s *session) gateRestore(chosen int) {
	for k, proj := range []int{s.lay.projExc, s.lay.projInh} {
		w := s.b.Weights(proj)
		for i := range w {
			if i%Moves != chosen {
				w[i] = s.gate[k][i]
			}
		}
		if err := s.b.SetWeights(proj, w); err != nil {
			panic(err) // weights read back from the engine
		}
	}
}
