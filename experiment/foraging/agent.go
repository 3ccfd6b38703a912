package foraging

import "math/rand/v2"

// Decide returns the move voted by the output spike counts of the first
// half of a movement cycle: the output neuron with most spikes wins, a tie
// is broken uniformly at random among the leaders, and when no output
// neuron fired the agent keeps its last move.
func Decide(counts []int, last int, rng *rand.Rand) int {
	best, ties := -1, 0
	for m, c := range counts {
		switch {
		case c <= 0:
		case best < 0 || c > counts[best]:
			best, ties = m, 1
		case c == counts[best]:
			// Reservoir sampling keeps each leader with equal probability.
			ties++
			if rng.IntN(ties) == 0 {
				best = m
			}
		}
	}
	if best < 0 {
		return last
	}
	return best
}

// Readout selects how the output layer's activity in the view half of a
// movement cycle becomes a move.
type Readout int

const (
	// ReadoutSpikes: most spikes wins, ties at random, silence keeps the
	// last move (Decide).
	ReadoutSpikes Readout = iota
	// ReadoutPotential: most spikes wins; ties (including all outputs
	// silent) go to the output whose membrane potential, summed over the
	// ticks of the view half, is highest (DecideByPotential).
	ReadoutPotential
	// ReadoutCurrent: the output whose total synaptic current (excitatory
	// plus inhibitory, lateral inhibition included), summed over the
	// ticks of the view half, is highest wins, spikes or not.
	ReadoutCurrent
)

// DecideByPotential returns the output with most spikes, breaking ties
// (and the all-silent case) by the highest summed membrane potential vsum;
// only exact ties of both go to a random leader.
func DecideByPotential(counts []int, vsum []float64, rng *rand.Rand) int {
	best, ties := -1, 0
	for m := range counts {
		switch {
		case best < 0 || counts[m] > counts[best] || counts[m] == counts[best] && vsum[m] > vsum[best]:
			best, ties = m, 1
		case counts[m] == counts[best] && vsum[m] == vsum[best]:
			ties++
			if rng.IntN(ties) == 0 {
				best = m
			}
		}
	}
	return best
}

// Exploration is the agent's random-move schedule: a random move with
// probability Base, plus Step for every movement cycle since it last ate,
// at most 1.
type Exploration struct {
	Base, Step float64
}

// DefaultExploration is the paper's schedule: 1%, rising by 1% per cycle
// without eating.
var DefaultExploration = Exploration{Base: 0.01, Step: 0.01}

// P returns the probability of a random move after hungry cycles without
// eating.
func (e Exploration) P(hungry int) float64 {
	return min(1, e.Base+e.Step*float64(hungry))
}

// Choose applies the schedule to the network's move: with probability
// P(hungry) it returns a uniformly random move instead, and reports that
// it did.
func (e Exploration) Choose(netMove, hungry int, rng *rand.Rand) (int, bool) {
	if rng.Float64() < e.P(hungry) {
		return rng.IntN(Moves), true
	}
	return netMove, false
}

// Score counts what an agent ate.
type Score struct {
	Rewarded, Punished, Neutral int
}

// Add records one eaten particle worth value (+1, -1 or 0).
func (s *Score) Add(value int) {
	switch {
	case value > 0:
		s.Rewarded++
	case value < 0:
		s.Punished++
	default:
		s.Neutral++
	}
}

// Performance is rewarded / (rewarded + punished): 0.5 is chance, 1 is a
// perfect forager. With nothing eaten it is 0.5 and ok is false.
func (s Score) Performance() (p float64, ok bool) {
	n := s.Rewarded + s.Punished
	if n == 0 {
		return 0.5, false
	}
	return float64(s.Rewarded) / float64(n), true
}

// Sub returns s minus an earlier score.
func (s Score) Sub(o Score) Score {
	return Score{s.Rewarded - o.Rewarded, s.Punished - o.Punished, s.Neutral - o.Neutral}
}
