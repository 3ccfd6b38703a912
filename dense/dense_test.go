package dense

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/spindle-sim/spindle/snn"
)

var modes = []snn.Mode{snn.Float, snn.Fixed}

// neuron is a LIF neuron with v_rest 0, v_th 15, v_reset 0, tau_m 10 ms and
// an excitatory and an inhibitory receptor.
func neuron(bias, tref float64) snn.Neuron {
	return snn.Neuron{
		TauM: 10, VRest: 0, VReset: 0, VTh: 15, TRef: tref, Bias: bias,
		Receptors: []snn.Receptor{{Name: "exc", TauSyn: 0.1}, {Name: "inh", TauSyn: 20}},
	}
}

func build(t testing.TB, n *snn.Network) *snn.Graph {
	t.Helper()
	if n.Dt == 0 {
		n.Dt = 1
	}
	g, err := n.Build()
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// testWeightBits is the weight mantissa of the tests' fixed-mode runs.
const testWeightBits = 16

func newSim(t testing.TB, g *snn.Graph, mode snn.Mode) *Sim {
	t.Helper()
	s, err := New(g, Options{Mode: mode, WeightBits: testWeightBits})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

type spike struct {
	t int64
	n uint32
}

func run(s *Sim, ticks int) []spike {
	var out []spike
	s.Run(ticks, func(t int64, n uint32) { out = append(out, spike{t, n}) })
	return out
}

// spikeTicks returns the ticks at which neuron n spiked.
func spikeTicks(sp []spike, n uint32) []int64 {
	var out []int64
	for _, s := range sp {
		if s.n == n {
			out = append(out, s.t)
		}
	}
	return out
}

// TestBiasCrossing: v after n integrating ticks is b(1-K^n) with
// K = exp(-1/10); b = 20 crosses 15 when K^n < 1/4, n > 10 ln 4 = 13.9, so
// at the 14th integrating tick, tick 13. After a spike the neuron is held
// for TRef ticks and then needs 14 more: the period is 14 + TRef.
func TestBiasCrossing(t *testing.T) {
	for _, mode := range modes {
		for _, tref := range []float64{0, 2, 5} {
			t.Run(fmt.Sprintf("%v/tref=%v", mode, tref), func(t *testing.T) {
				g := build(t, &snn.Network{Populations: []snn.Population{{Name: "n", Size: 1, Neuron: neuron(20, tref)}}})
				s := newSim(t, g, mode)
				got := spikeTicks(run(s, 60), 0)
				period := int64(14 + tref)
				var want []int64
				for k := int64(13); k < 60; k += period {
					want = append(want, k)
				}
				if !slices.Equal(got, want) {
					t.Fatalf("spikes at %v, want %v", got, want)
				}
			})
		}
	}
}

// TestFixedBiasByHand follows the fixed-mode arithmetic by hand: scale is
// 65536/15 units per mV, FKeepV = round(4096 e^-0.1) = 3706, FGainV = 390,
// FBias = round(20*65536/15) = 87381, FVTh = 65536.
func TestFixedBiasByHand(t *testing.T) {
	g := build(t, &snn.Network{Populations: []snn.Population{{Name: "n", Size: 1, Neuron: neuron(20, 0)}}})
	p := g.Params[0]
	if p.FKeepV != 3706 || p.FGainV != 390 || p.FBias != 87381 || p.FVTh != 65536 {
		t.Fatalf("constants %d %d %d %d", p.FKeepV, p.FGainV, p.FBias, p.FVTh)
	}
	s := newSim(t, g, snn.Fixed)
	drive := int64(87381) * 390 >> 12 // 8320
	v := int64(0)
	for tick := 0; tick < 13; tick++ {
		v = v*3706>>12 + drive
		if sp := s.Step(); len(sp) != 0 {
			t.Fatalf("spike at tick %d", tick)
		}
		if fv, _ := s.FixedState(0); fv != v {
			t.Fatalf("tick %d: v = %d, want %d", tick, fv, v)
		}
	}
	if v*3706>>12+drive <= 65536 {
		t.Fatal("hand computation does not cross at tick 13")
	}
	if sp := s.Step(); !slices.Equal(sp, []uint32{0}) {
		t.Fatalf("tick 13: spikes %v, want [0]", sp)
	}
	if fv, _ := s.FixedState(0); fv != 0 {
		t.Fatalf("after the spike v = %d, want the reset 0", fv)
	}
}

// TestDelayLine: a source fires at tick 5; n1 (delay d1) and n2 (delay d2
// from n1) fire exactly d1 and d1+d2 ticks later, once each.
func TestDelayLine(t *testing.T) {
	for _, mode := range modes {
		for _, d := range [][2]int{{1, 1}, {2, 3}, {7, 1}, {30, 12}} {
			t.Run(fmt.Sprintf("%v/%d+%d", mode, d[0], d[1]), func(t *testing.T) {
				g := build(t, &snn.Network{
					Populations: []snn.Population{
						{Name: "src", Size: 1, Kind: snn.SpikeSource, SpikeTimes: [][]float64{{5}}},
						{Name: "n1", Size: 1, Neuron: neuron(0, 2)},
						{Name: "n2", Size: 1, Neuron: neuron(0, 2)},
					},
					Projections: []snn.Projection{
						{Name: "a", Pre: "src", Post: "n1", Connector: snn.Connector{Kind: snn.OneToOne}, Weight: snn.Const(1000), Delay: snn.Const(float64(d[0]))},
						{Name: "b", Pre: "n1", Post: "n2", Connector: snn.Connector{Kind: snn.OneToOne}, Weight: snn.Const(1000), Delay: snn.Const(float64(d[1]))},
					},
				})
				got := run(newSim(t, g, mode), 60)
				want := []spike{{5, 0}, {int64(5 + d[0]), 1}, {int64(5 + d[0] + d[1]), 2}}
				if !slices.Equal(got, want) {
					t.Fatalf("spikes %v, want %v", got, want)
				}
			})
		}
	}
}

// TestInhibitory: an excitatory input that alone makes the neuron fire is
// cancelled by an inhibitory one of the same size arriving at the same
// tick, or by an earlier one whose slow current is still there.
func TestInhibitory(t *testing.T) {
	cases := []struct {
		name     string
		exc, inh []float64 // source spike times
		want     []int64
		negative bool // v < 0 at the end
	}{
		{"exc only", []float64{3}, nil, []int64{4}, false},
		{"same tick", []float64{3}, []float64{3}, nil, true},
		{"inh first", []float64{6}, []float64{3}, nil, true},
		{"inh only", nil, []float64{3}, nil, true},
	}
	for _, mode := range modes {
		for _, c := range cases {
			t.Run(fmt.Sprintf("%v/%s", mode, c.name), func(t *testing.T) {
				g := build(t, &snn.Network{
					Populations: []snn.Population{
						{Name: "e", Size: 1, Kind: snn.SpikeSource, SpikeTimes: [][]float64{c.exc}},
						{Name: "i", Size: 1, Kind: snn.SpikeSource, SpikeTimes: [][]float64{c.inh}},
						{Name: "n", Size: 1, Neuron: neuron(0, 0)},
					},
					Projections: []snn.Projection{
						{Name: "e", Pre: "e", Post: "n", Receptor: "exc", Connector: snn.Connector{Kind: snn.OneToOne}, Weight: snn.Const(200)},
						{Name: "i", Pre: "i", Post: "n", Receptor: "inh", Connector: snn.Connector{Kind: snn.OneToOne}, Weight: snn.Const(200), Inhibitory: true},
					},
				})
				if len(c.inh) > 0 && g.Weight(g.PreStart[1]) != -200 {
					t.Fatalf("inhibitory weight %v, want -200", g.Weight(g.PreStart[1]))
				}
				s := newSim(t, g, mode)
				got := spikeTicks(run(s, 10), 2)
				if !slices.Equal(got, c.want) {
					t.Fatalf("spikes at %v, want %v", got, c.want)
				}
				if v, _ := s.State(2); (v < 0) != c.negative {
					t.Fatalf("v = %v mV, want negative %v", v, c.negative)
				}
			})
		}
	}
}

// TestPoisson: spike counts match the rate, and the spike ticks are the
// running sums of snn.PoissonInterval.
func TestPoisson(t *testing.T) {
	const n, ticks, rate = 500, 2000, 20.0
	g := build(t, &snn.Network{Seed: 7, Populations: []snn.Population{
		{Name: "pad", Size: 3, Neuron: neuron(0, 0)},
		{Name: "p", Size: n, Kind: snn.Poisson, RateHz: rate},
	}})
	sp := run(newSim(t, g, snn.Float), ticks)
	p := g.PoissonP(1)
	mean := float64(n*ticks) * p
	sd := math.Sqrt(mean * (1 - p))
	if got := float64(len(sp)); math.Abs(got-mean) > 4*sd {
		t.Fatalf("%v spikes, want %v ± %v", got, mean, 4*sd)
	}
	for j := 0; j < 5; j++ {
		var want []int64
		next := snn.PoissonInterval(7, 1, j, 0, p) - 1
		for k := uint64(1); next < ticks; k++ {
			want = append(want, next)
			next += snn.PoissonInterval(7, 1, j, k, p)
		}
		if got := spikeTicks(sp, uint32(3+j)); !slices.Equal(got, want) {
			t.Fatalf("neuron %d: %v, want %v", j, got, want)
		}
	}
}

// TestSpikeSource: times round to the nearest tick, duplicates merge.
func TestSpikeSource(t *testing.T) {
	g := build(t, &snn.Network{Dt: 0.5, Populations: []snn.Population{
		{Name: "s", Size: 3, Kind: snn.SpikeSource, SpikeTimes: [][]float64{{0, 1.2, 1.3, 4}, {}, {0.74, 9.9}}},
	}})
	got := run(newSim(t, g, snn.Fixed), 30)
	want := []spike{{0, 0}, {1, 2}, {2, 0}, {3, 0}, {8, 0}, {20, 2}}
	if !slices.Equal(got, want) {
		t.Fatalf("spikes %v, want %v", got, want)
	}
}

func TestMemoryLimit(t *testing.T) {
	g := build(t, &snn.Network{
		Populations: []snn.Population{{Name: "a", Size: 300, Neuron: neuron(0, 0)}, {Name: "src", Size: 10, Kind: snn.Poisson, RateHz: 1}},
		Projections: []snn.Projection{
			{Name: "rec", Pre: "a", Post: "a", Connector: snn.Connector{Kind: snn.AllToAll}, Weight: snn.Const(0.1), Delay: snn.UniformDist(1, 2.9)},
			{Name: "in", Pre: "src", Post: "a", Receptor: "inh", Connector: snn.Connector{Kind: snn.AllToAll}, Weight: snn.Const(0.1)},
		},
	})
	need, mats := Footprint(g)
	// Blocks: a->a at delays 1, 2, 3 (300x300) and src->a (10x300).
	// Ring D=3, R=2 receptors, scratch 300, Poisson 16 B per neuron.
	n := int64(310)
	want := 8*(3*300*300+10*300) + 8*3*n + 8*2*n + 8*300 + (8*3+4)*n + 16*10
	if need != want || mats != 4 {
		t.Fatalf("footprint %d bytes in %d matrices, want %d in 4", need, mats, want)
	}
	for _, c := range []struct {
		limit int64
		ok    bool
	}{{want - 1, false}, {1 << 20, false}, {want, true}, {0, true}, {-1, true}} {
		s, err := New(g, Options{MaxBytes: c.limit})
		if c.ok {
			if err != nil || s.Bytes() != want || s.Matrices() != 4 {
				t.Fatalf("limit %d: %v", c.limit, err)
			}
			continue
		}
		var me *MemoryError
		if !errors.As(err, &me) || me.Need != want || me.Limit != c.limit {
			t.Fatalf("limit %d: got %v, want a MemoryError", c.limit, err)
		}
		if msg := err.Error(); !strings.Contains(msg, strconv.FormatInt(want, 10)) || !strings.Contains(msg, "MaxBytes") {
			t.Fatalf("message %q does not name the bytes and the option", msg)
		}
	}
}

// randomNet is a recurrent E/I network with Poisson and spike-source input,
// several delays and both receptors. With dyadic weights every float sum
// is exact too, so float mode can be checked bit for bit.
func randomNet(n int, p float64, seed uint64, dyadic bool) *snn.Network {
	ne := n * 4 / 5
	nu := snn.Neuron{
		TauM: 20, VRest: -65, VReset: -65, VTh: -50, TRef: 2, Bias: 14,
		VInit:     snn.UniformDist(-65, -50),
		Receptors: []snn.Receptor{{Name: "exc", TauSyn: 5}, {Name: "inh", TauSyn: 10}},
	}
	we, wi := snn.UniformDist(0.5, 1.5), snn.UniformDist(2, 6)
	if dyadic {
		we, wi = snn.Const(1.5), snn.Const(4.5)
	}
	src := make([][]float64, 20)
	for i := range src {
		src[i] = []float64{float64(i), float64(3 * i)}
	}
	return &snn.Network{
		Dt: 1, Seed: seed,
		Populations: []snn.Population{
			{Name: "E", Size: ne, Neuron: nu},
			{Name: "I", Size: n - ne, Neuron: nu},
			{Name: "ext", Size: 100, Kind: snn.Poisson, RateHz: 10},
			{Name: "src", Size: 20, Kind: snn.SpikeSource, SpikeTimes: src},
		},
		Projections: []snn.Projection{
			{Name: "EE", Pre: "E", Post: "E", Receptor: "exc", Connector: snn.Connector{Kind: snn.FixedProbability, P: p, NoSelf: true}, Weight: we, Delay: snn.UniformDist(1, 4)},
			{Name: "EI", Pre: "E", Post: "I", Receptor: "exc", Connector: snn.Connector{Kind: snn.FixedProbability, P: p}, Weight: we, Delay: snn.UniformDist(1, 4)},
			{Name: "IE", Pre: "I", Post: "E", Receptor: "inh", Connector: snn.Connector{Kind: snn.FixedProbability, P: p}, Weight: wi, Delay: snn.Const(1), Inhibitory: true},
			{Name: "II", Pre: "I", Post: "I", Receptor: "inh", Connector: snn.Connector{Kind: snn.FixedProbability, P: p, NoSelf: true}, Weight: wi, Delay: snn.Const(1), Inhibitory: true},
			{Name: "xE", Pre: "ext", Post: "E", Receptor: "exc", Connector: snn.Connector{Kind: snn.FixedInDegree, InDegree: 5}, Weight: we, Delay: snn.Const(2)},
			{Name: "sI", Pre: "src", Post: "I", Receptor: "exc", Connector: snn.Connector{Kind: snn.AllToAll}, Weight: we, Delay: snn.Const(1)},
		},
	}
}

// naive simulates the semantics synapse by synapse, as an event engine
// would: a ring of per-tick input accumulators.
type naive struct {
	g        *snn.Graph
	mode     snn.Mode
	fw       []int32
	buf      [][][]float64 // [tick mod D][receptor][neuron]
	fbuf     [][][]int64
	v        []float64
	fv       []int64
	cur      [][]float64
	fcur     [][]int64
	ref      []int32
	next     []int64
	k        []uint64
	src      [][]int64
	srcK     []int
	D        int
	tick     int64
	lastSpks []uint32
}

func newNaive(g *snn.Graph, mode snn.Mode) *naive {
	n := &naive{g: g, mode: mode, D: g.MaxDelay + 1, ref: make([]int32, g.N), next: make([]int64, g.N), k: make([]uint64, g.N), src: make([][]int64, g.N), srcK: make([]int, g.N)}
	n.fw = g.FixedWeights(testWeightBits)
	n.buf = make([][][]float64, n.D)
	n.fbuf = make([][][]int64, n.D)
	for d := range n.buf {
		n.buf[d] = make([][]float64, snn.MaxReceptors)
		n.fbuf[d] = make([][]int64, snn.MaxReceptors)
		for r := range n.buf[d] {
			n.buf[d][r] = make([]float64, g.N)
			n.fbuf[d][r] = make([]int64, g.N)
		}
	}
	n.v, n.fv = make([]float64, g.N), make([]int64, g.N)
	n.cur, n.fcur = make([][]float64, snn.MaxReceptors), make([][]int64, snn.MaxReceptors)
	for r := range n.cur {
		n.cur[r], n.fcur[r] = make([]float64, g.N), make([]int64, g.N)
	}
	for i := 0; i < g.N; i++ {
		pop := g.PopOf(i)
		j := i - g.PopStart[pop]
		switch g.Net.Populations[pop].Kind {
		case snn.LIF:
			n.v[i], n.fv[i] = g.VInit[i], int64(g.FixedVInit(i))
		case snn.Poisson:
			n.next[i] = snn.PoissonInterval(g.Net.Seed, pop, j, 0, g.PoissonP(pop)) - 1
		case snn.SpikeSource:
			n.src[i] = g.SourceTicks(pop, j)
		}
	}
	return n
}

func (n *naive) step() []uint32 {
	g, t := n.g, n.tick
	slot := int(t % int64(n.D))
	var out []uint32
	for i := 0; i < g.N; i++ {
		pop := g.PopOf(i)
		switch g.Net.Populations[pop].Kind {
		case snn.LIF:
			p := &g.Params[pop]
			if n.mode == snn.Fixed {
				var sum int64
				for r := 0; r < p.Receptors; r++ {
					n.fcur[r][i] = snn.Saturate(snn.MulShift(n.fcur[r][i], p.FKeepI[r]) + n.fbuf[slot][r][i])
					sum += n.fcur[r][i]
				}
				if n.ref[i] > 0 {
					n.ref[i]--
					continue
				}
				n.fv[i] = snn.Saturate(snn.MulShift(n.fv[i], p.FKeepV) + snn.MulShift(sum+int64(p.FBias), p.FGainV))
				if n.fv[i] > int64(p.FVTh) {
					out = append(out, uint32(i))
					n.fv[i], n.ref[i] = int64(p.FVReset), p.RefTicks
				}
			} else {
				sum := 0.0
				for r := 0; r < p.Receptors; r++ {
					n.cur[r][i] = n.cur[r][i]*p.KeepI[r] + n.buf[slot][r][i]
					sum += n.cur[r][i]
				}
				if n.ref[i] > 0 {
					n.ref[i]--
					continue
				}
				n.v[i] = n.v[i]*p.KeepV + (sum+p.Bias)*p.GainV
				if n.v[i] > p.VTh {
					out = append(out, uint32(i))
					n.v[i], n.ref[i] = p.VReset, p.RefTicks
				}
			}
		case snn.Poisson:
			if n.next[i] == t {
				out = append(out, uint32(i))
				n.k[i]++
				n.next[i] = t + snn.PoissonInterval(g.Net.Seed, pop, i-g.PopStart[pop], n.k[i], g.PoissonP(pop))
			}
		case snn.SpikeSource:
			if n.srcK[i] < len(n.src[i]) && n.src[i][n.srcK[i]] == t {
				out = append(out, uint32(i))
				n.srcK[i]++
			}
		}
	}
	for r := range n.buf[slot] {
		clear(n.buf[slot][r])
		clear(n.fbuf[slot][r])
	}
	for _, i := range out {
		for s := g.PreStart[i]; s < g.PreStart[i+1]; s++ {
			d := (slot + int(g.Delay(s))) % n.D
			n.buf[d][g.Receptor(s)][g.Post[s]] += g.Weight(s)
			n.fbuf[d][g.Receptor(s)][g.Post[s]] += int64(n.fw[s])
		}
	}
	n.tick++
	return out
}

// TestAgainstNaive checks the matrices against a synapse-by-synapse
// simulation: bit for bit in fixed mode, and in float mode with dyadic
// weights (every sum exact). The three product paths (rows of spiking
// neurons, MulVec, the default mix) must agree too.
func TestAgainstNaive(t *testing.T) {
	cases := []struct {
		mode   snn.Mode
		dyadic bool
	}{{snn.Fixed, false}, {snn.Fixed, true}, {snn.Float, true}}
	for _, c := range cases {
		for _, sparse := range []int{0, 2, 1 << 30} {
			t.Run(fmt.Sprintf("%v/dyadic=%v/sparseBelow=%d", c.mode, c.dyadic, sparse), func(t *testing.T) {
				g := build(t, randomNet(400, 0.1, 3, c.dyadic))
				s := newSim(t, g, c.mode)
				s.sparseBelow = sparse
				ref := newNaive(g, c.mode)
				total := 0
				for tick := 0; tick < 300; tick++ {
					got, want := s.Step(), ref.step()
					if !slices.Equal(got, want) {
						t.Fatalf("tick %d: spikes %v, want %v", tick, got, want)
					}
					for _, i := range got {
						if i < 400 {
							total++
						}
					}
				}
				if total < 200 {
					t.Fatalf("only %d LIF spikes: the test network is too quiet to test anything", total)
				}
				for i := 0; i < 400; i++ {
					if c.mode == snn.Fixed {
						v, cur := s.FixedState(i)
						if v != ref.fv[i] || cur[0] != ref.fcur[0][i] || cur[1] != ref.fcur[1][i] {
							t.Fatalf("neuron %d: state %d %v, want %d %d %d", i, v, cur, ref.fv[i], ref.fcur[0][i], ref.fcur[1][i])
						}
					} else {
						v, cur := s.State(i)
						if v != ref.v[i] || cur[0] != ref.cur[0][i] || cur[1] != ref.cur[1][i] {
							t.Fatalf("neuron %d: state %v %v, want %v %v %v", i, v, cur, ref.v[i], ref.cur[0][i], ref.cur[1][i])
						}
					}
					if s.Refractory(i) != ref.ref[i] {
						t.Fatalf("neuron %d: refractory %d, want %d", i, s.Refractory(i), ref.ref[i])
					}
				}
			})
		}
	}
}

func TestDeterminism(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode.String(), func(t *testing.T) {
			var runs [2][]spike
			var states [2][]float64
			for k := range runs {
				g := build(t, randomNet(300, 0.1, 11, false))
				s := newSim(t, g, mode)
				runs[k] = run(s, 200)
				for i := 0; i < g.N; i++ {
					v, cur := s.State(i)
					states[k] = append(states[k], v)
					states[k] = append(states[k], cur...)
				}
			}
			if len(runs[0]) == 0 || !slices.Equal(runs[0], runs[1]) || !slices.Equal(states[0], states[1]) {
				t.Fatalf("two runs differ (%d and %d spikes)", len(runs[0]), len(runs[1]))
			}
		})
	}
}

func TestStepAndTick(t *testing.T) {
	g := build(t, &snn.Network{Populations: []snn.Population{{Name: "s", Size: 2, Kind: snn.SpikeSource, SpikeTimes: [][]float64{{1}, {1}}}}})
	s := newSim(t, g, snn.Float)
	if s.Tick() != 0 || len(s.Step()) != 0 || s.Tick() != 1 {
		t.Fatal("tick 0")
	}
	if sp := s.Step(); !slices.Equal(sp, []uint32{0, 1}) || s.Tick() != 2 {
		t.Fatalf("tick 1: %v", sp)
	}
	if v, cur := s.State(0); v != 0 || cur != nil {
		t.Fatal("an input neuron has no state")
	}
	if _, err := New(nil, Options{}); err == nil {
		t.Fatal("nil graph accepted")
	}
	if _, err := New(g, Options{Mode: 9}); err == nil {
		t.Fatal("unknown mode accepted")
	}
}

// TestOptionsFromNetwork: the zero Mode follows the network, and fixed
// mode needs the architecture's weight bits rather than a default.
func TestOptionsFromNetwork(t *testing.T) {
	for _, c := range []struct {
		net, opt snn.Mode
		bits     int
		want     snn.Mode
		err      string
	}{
		{snn.NetworkMode, snn.NetworkMode, 0, snn.Float, ""},
		{snn.Float, snn.NetworkMode, 0, snn.Float, ""},
		{snn.Fixed, snn.NetworkMode, 8, snn.Fixed, ""},
		{snn.Fixed, snn.Float, 0, snn.Float, ""},
		{snn.Float, snn.Fixed, 8, snn.Fixed, ""},
		{snn.Fixed, snn.NetworkMode, 0, 0, "weight bits 0"},
		{snn.Float, snn.Fixed, 33, 0, "weight bits 33"},
	} {
		n := &snn.Network{Dt: 1, Seed: 1, Mode: c.net, Populations: []snn.Population{{Name: "a", Size: 2, Kind: snn.LIF,
			Neuron: snn.Neuron{TauM: 10, VTh: 1, Receptors: []snn.Receptor{{Name: "exc", TauSyn: 5}}}}}}
		s, err := New(build(t, n), Options{Mode: c.opt, WeightBits: c.bits})
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("network %v, options %v, %d bits: error %v, want %q", c.net, c.opt, c.bits, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("network %v, options %v: %v", c.net, c.opt, err)
		}
		if s.Mode() != c.want {
			t.Errorf("network %v, options %v: runs in %v, want %v", c.net, c.opt, s.Mode(), c.want)
		}
	}
}

// bench4000 is a 4000-neuron E/I network, p = 0.02, driven by bias and
// Poisson input to a few Hz.
func bench4000(b testing.TB) *snn.Graph {
	nu := snn.Neuron{
		TauM: 20, VRest: -65, VReset: -65, VTh: -50, TRef: 2, Bias: 13.5,
		VInit:     snn.UniformDist(-65, -50),
		Receptors: []snn.Receptor{{Name: "exc", TauSyn: 5}, {Name: "inh", TauSyn: 10}},
	}
	pc := snn.Connector{Kind: snn.FixedProbability, P: 0.02, NoSelf: true}
	n := &snn.Network{
		Dt: 1, Seed: 1,
		Populations: []snn.Population{
			{Name: "E", Size: 3200, Neuron: nu},
			{Name: "I", Size: 800, Neuron: nu},
			{Name: "ext", Size: 400, Kind: snn.Poisson, RateHz: 10},
		},
		Projections: []snn.Projection{
			{Name: "EE", Pre: "E", Post: "E", Receptor: "exc", Connector: pc, Weight: snn.UniformDist(0.5, 1.5), Delay: snn.UniformDist(1, 3)},
			{Name: "EI", Pre: "E", Post: "I", Receptor: "exc", Connector: pc, Weight: snn.UniformDist(0.5, 1.5), Delay: snn.UniformDist(1, 3)},
			{Name: "IE", Pre: "I", Post: "E", Receptor: "inh", Connector: pc, Weight: snn.UniformDist(3, 6), Delay: snn.Const(1), Inhibitory: true},
			{Name: "II", Pre: "I", Post: "I", Receptor: "inh", Connector: pc, Weight: snn.UniformDist(3, 6), Delay: snn.Const(1), Inhibitory: true},
			{Name: "xE", Pre: "ext", Post: "E", Receptor: "exc", Connector: snn.Connector{Kind: snn.FixedInDegree, InDegree: 10}, Weight: snn.Const(1.5), Delay: snn.Const(1)},
			{Name: "xI", Pre: "ext", Post: "I", Receptor: "exc", Connector: snn.Connector{Kind: snn.FixedInDegree, InDegree: 10}, Weight: snn.Const(1.5), Delay: snn.Const(1)},
		},
	}
	return build(b, n)
}

// BenchmarkDense4000 reports the cost of one simulated tick (1 ms) and the
// mean firing rate of the LIF neurons.
func BenchmarkDense4000(b *testing.B) {
	g := bench4000(b)
	for _, mode := range modes {
		b.Run(mode.String(), func(b *testing.B) {
			s, err := New(g, Options{Mode: mode, WeightBits: testWeightBits})
			if err != nil {
				b.Fatal(err)
			}
			s.Run(200, nil) // past the initial transient
			spikes, ticks := 0, 0
			b.ResetTimer()
			for n := 0; n < b.N; n++ {
				for _, i := range s.Step() {
					if i < 4000 {
						spikes++
					}
				}
				ticks++
			}
			b.ReportMetric(float64(spikes)/float64(ticks)/4000*1000, "Hz")
			b.ReportMetric(float64(s.Bytes())/(1<<20), "MiB")
		})
	}
}
