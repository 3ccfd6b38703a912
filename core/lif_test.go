package core

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/spindle-sim/spindle/snn"
)

// randomLIF returns a core of n compartments with one or two receptors in two
// segments of random parameters, in random states that reach the corners
// of the arithmetic: saturated state, ring sums beyond 32 bits, inputs that
// cancel a decayed current, compartments at rest, refractory ones.
func randomLIF(rng *rand.Rand, mode snn.Mode, n, receptors int) *Core {
	c := &Core{mode: mode, n: n, receptors: receptors, ringMask: 1}
	cut := rng.IntN(n + 1)
	c.segments = []segment{{0, cut, 0}, {cut, n, 1}}
	for range 2 {
		p := snn.LIFParams{Receptors: receptors, RefTicks: rng.Int32N(5)}
		k := func() int32 {
			switch rng.IntN(8) {
			case 0:
				return 0
			case 1:
				return 1 << snn.DecayBits
			default:
				return rng.Int32N(1<<snn.DecayBits + 1)
			}
		}
		p.FKeepI = [snn.MaxReceptors]int32{k(), k()}
		if receptors == 1 {
			p.FKeepI[1] = 0
		}
		p.FKeepV, p.FGainV = k(), k()
		if rng.IntN(10) == 0 {
			p.FGainV = 1<<snn.DecayBits + 1 + rng.Int32N(1000) // beyond the kernel: scalar
		}
		if rng.IntN(2) == 0 {
			p.FBias = rng.Int32N(2000) - 1000
		}
		p.FVTh = rng.Int32N(1<<17) - 1<<14
		p.FVReset = rng.Int32N(1<<17) - 1<<16
		f := func() float64 { return rng.Float64() }
		p.KeepI = [snn.MaxReceptors]float64{f(), f()}
		if receptors == 1 {
			p.KeepI[1] = 0
		}
		p.KeepV, p.GainV = f(), f()
		p.Bias = rng.NormFloat64()
		p.VTh, p.VReset = rng.NormFloat64()*5, rng.NormFloat64()*5
		if rng.IntN(3) == 0 { // v stands still: a v at threshold stays there
			p.FKeepV, p.FGainV = 1<<snn.DecayBits, 0
			p.KeepV, p.GainV = 1, 0
		}
		c.params = append(c.params, p)
	}
	c.ref = make([]int32, n)
	for i := range c.ref {
		if rng.IntN(4) == 0 {
			c.ref[i] = rng.Int32N(6)
		}
	}
	if mode == snn.Fixed {
		state := func() int32 {
			switch rng.IntN(6) {
			case 0:
				return 0
			case 1:
				return int32(snn.Saturate(math.MaxInt64))
			case 2:
				return int32(snn.Saturate(math.MinInt64))
			default:
				return rng.Int32N(1<<18) - 1<<17
			}
		}
		c.vX, c.curX, c.ringX = make([]int32, n), make([]int32, receptors*n), make([]int64, 2*receptors*n)
		for i := range c.vX {
			c.vX[i] = state()
			if rng.IntN(8) == 0 {
				c.vX[i] = c.params[c.profileOf(i)].FVTh
			}
		}
		for i := range c.curX {
			c.curX[i] = state()
		}
		for i := range c.ringX[:receptors*n] {
			switch rng.IntN(8) {
			case 0, 1, 2:
			case 3:
				c.ringX[i] = rng.Int64N(1<<42) - 1<<41
			case 4: // cancels the decayed current
				r, j := i/n, i%n
				k := c.params[c.profileOf(j)].FKeepI[r]
				c.ringX[i] = -snn.MulShift(int64(c.curX[i]), k)
			default:
				c.ringX[i] = rng.Int64N(1<<20) - 1<<19
			}
		}
		return c
	}
	c.vF, c.curF, c.ringF = make([]float64, n), make([]float64, receptors*n), make([]float64, 2*receptors*n)
	for i := range c.vF {
		c.vF[i] = rng.NormFloat64() * 3
		if rng.IntN(8) == 0 {
			c.vF[i] = c.params[c.profileOf(i)].VTh
		}
	}
	for i := range c.curF {
		c.curF[i] = rng.NormFloat64() * 10
	}
	for i := range c.ringF[:receptors*n] {
		if rng.IntN(2) == 0 {
			c.ringF[i] = rng.NormFloat64() * 10
		}
	}
	return c
}

func (c *Core) profileOf(i int) uint16 {
	for _, sg := range c.segments {
		if sg.lo <= i && i < sg.hi {
			return sg.prof
		}
	}
	panic("no segment")
}

func cloneLIF(c *Core) *Core {
	d := *c
	d.ref = slices.Clone(c.ref)
	d.vX, d.curX, d.ringX = slices.Clone(c.vX), slices.Clone(c.curX), slices.Clone(c.ringX)
	d.vF, d.curF, d.ringF = slices.Clone(c.vF), slices.Clone(c.curF), slices.Clone(c.ringF)
	return &d
}

func floatBits(x []float64) []uint64 {
	b := make([]uint64, len(x))
	for i, v := range x {
		b[i] = math.Float64bits(v)
	}
	return b
}

// Every kernel set the CPU runs agrees bit for bit with the scalar loops,
// in both modes, on random states and on random ranges of compartments.
func TestVectorMatchesScalar(t *testing.T) {
	best := kernels
	if best == scalarLoops {
		t.Skip("no vector kernels in this build or on this CPU")
	}
	defer func() { kernels = best }()
	rng := rand.New(rand.NewPCG(13, 1))
	for trial := range 400 {
		mode := []snn.Mode{snn.Float, snn.Fixed}[trial%2]
		n := 1 + rng.IntN(2600) // up to two and a half of the kernels' chunks
		base := randomLIF(rng, mode, n, 1+trial/2%2)
		from := rng.IntN(n)
		to := from + 1 + rng.IntN(n-from)
		var cores []*Core
		var spikes [][]uint16
		var updated []int64
		for set := scalarLoops; set <= best; set++ {
			kernels = set
			c := cloneLIF(base)
			var sp []uint16
			var up int64
			for tick := range int64(3) { // the ring's slot 0, then the empty slot 1, then 0 again
				s, u := c.updateRange(tick, from, to, nil, true)
				sp = append(sp, s...)
				up += u
			}
			cores, spikes, updated = append(cores, c), append(spikes, sp), append(updated, up)
		}
		s := cores[0]
		for set, v := range cores[1:] {
			if !slices.Equal(spikes[0], spikes[set+1]) || updated[0] != updated[set+1] ||
				!slices.Equal(s.ref, v.ref) || !slices.Equal(s.vX, v.vX) || !slices.Equal(s.curX, v.curX) ||
				!slices.Equal(s.ringX, v.ringX) || !slices.Equal(floatBits(s.vF), floatBits(v.vF)) ||
				!slices.Equal(floatBits(s.curF), floatBits(v.curF)) || !slices.Equal(floatBits(s.ringF), floatBits(v.ringF)) {
				t.Fatalf("trial %d (%v, %d receptors, %d compartments, range %d..%d): kernel set %d differs from the scalar loops\nspikes %v\nand    %v\nupdated %d and %d",
					trial, mode, base.receptors, n, from, to, set+1, spikes[0], spikes[set+1], updated[0], updated[set+1])
			}
		}
	}
}

// BenchmarkUpdate advances 1000 compartments of CUBA's parameters (two
// receptors, input on a tenth of them per tick), from rest, with each
// kernel set the CPU runs.
func BenchmarkUpdate(b *testing.B) {
	net := &snn.Network{Dt: 0.1, Populations: []snn.Population{{Name: "p", Size: 1, Neuron: snn.Neuron{
		TauM: 20, VRest: -49, VReset: -60, VTh: -50, TRef: 5,
		Receptors: []snn.Receptor{{Name: "exc", TauSyn: 5}, {Name: "inh", TauSyn: 10}},
	}}}}
	g, err := net.Build()
	if err != nil {
		b.Fatal(err)
	}
	best := kernels
	defer func() { kernels = best }()
	for _, mode := range []snn.Mode{snn.Float, snn.Fixed} {
		for set := scalarLoops; set <= best; set++ {
			b.Run(fmt.Sprintf("%v/kernels=%d", mode, set), func(b *testing.B) {
				kernels = set
				const n = 1000
				rng := rand.New(rand.NewPCG(1, 2))
				c := randomLIF(rng, mode, n, 2)
				c.params[0], c.params[1] = g.Params[0], g.Params[0]
				clear(c.ref) // at rest, as CUBA starts
				clear(c.vX)
				clear(c.curX)
				clear(c.ringX)
				clear(c.vF)
				clear(c.curF)
				clear(c.ringF)
				in := make([]int, 64*n/10) // the inputs of 64 ticks, cycled
				for k := range in {
					in[k] = rng.IntN(2 * n)
				}
				var spikes []uint16
				b.ResetTimer()
				for t := range int64(b.N) {
					for k, i := range in[t%64*n/10:][:n/10] {
						if mode == snn.Fixed {
							c.ringX[int(t&1)*2*n+i] += int64(k%11-3) << 10
						} else {
							c.ringF[int(t&1)*2*n+i] += float64(k%11-3) / 4
						}
					}
					spikes, _ = c.updateRange(t, 0, n, spikes[:0], true)
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/compartment")
			})
		}
	}
}

// The update allocates nothing per tick with any kernel set (a kernel
// called through a func value would move its constants and mask to the
// heap).
func TestUpdateDoesNotAllocate(t *testing.T) {
	best := kernels
	defer func() { kernels = best }()
	for set := scalarLoops; set <= best; set++ {
		kernels = set
		for _, mode := range []snn.Mode{snn.Float, snn.Fixed} {
			for receptors := 1; receptors <= 3; receptors++ {
				c := randomLIF(rand.New(rand.NewPCG(5, 6)), mode, 300, receptors)
				c.sumX, c.sumF = make([]int64, 300), make([]float64, 300)
				spikes := make([]uint16, 0, 3*300)
				tick := int64(0)
				if a := testing.AllocsPerRun(20, func() {
					spikes, _ = c.updateRange(tick, 0, 300, spikes[:0], true)
					tick++
				}); a != 0 {
					t.Errorf("kernel set %d, %v, %d receptors: %v allocations per update", set, mode, receptors, a)
				}
			}
		}
	}
}
