package snn

import (
	"math"
	"math/rand/v2"
)

// Stream identifiers keep the random streams of construction apart.
const (
	streamProjection = 1 << 32
	streamVInit      = 2 << 32
	streamPoisson    = 3 << 32
)

func newRand(seed, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, stream))
}

// mix is the SplitMix64 finaliser: a bijection that scatters its input.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// Hash01 returns a uniform number in (0, 1) determined by its four keys
// alone. Counter-based draws make a source's spikes independent of which
// core simulates it and of the order in which cores run.
func Hash01(seed, stream, index, counter uint64) float64 {
	h := mix(seed ^ mix(stream+0x9e3779b97f4a7c15) ^ mix(index*0xd1b54a32d192ed03+counter))
	h = mix(h + counter)
	return (float64(h>>11) + 0.5) / (1 << 53)
}

// PoissonInterval returns the k-th inter-spike interval, in ticks (at least
// one), of neuron i of a Poisson population firing with probability p per
// tick. Spike k of the neuron falls on tick sum_{j<=k} interval_j - 1.
func PoissonInterval(seed uint64, pop, i int, k uint64, p float64) int64 {
	if p >= 1 {
		return 1
	}
	if p <= 0 {
		return math.MaxInt64 / 2
	}
	u := Hash01(seed, streamPoisson+uint64(pop), uint64(i), k)
	n := math.Floor(math.Log(u)/math.Log1p(-p)) + 1
	if n > math.MaxInt64/4 {
		return math.MaxInt64 / 4
	}
	return int64(n)
}
