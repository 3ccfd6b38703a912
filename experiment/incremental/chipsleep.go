package incremental

import (
	"fmt"
	"math"

	"github.com/spindle-sim/spindle/chip"
	"github.com/spindle-sim/spindle/chip/mapping"
	"github.com/spindle-sim/spindle/snn"
)

// Population and projection names of the sleeping network.
var (
	sleepPops  = []string{"input", "hidden1", "hidden2", "output"}
	sleepProjs = []string{"w1", "w2", "w3"}
)

// Chip runs the sleep on the cores of a simulated chip: the trained
// weights are loaded into plastic synapses with the SRC rule, the input
// train is replayed by spike sources, the network runs, and the learnt
// weights are read back.
//
// The chip keeps the raw ANN weights and folds α_l into the threshold:
// v >= β_l with input α_l W s is v >= β_l/α_l with input W s. Each hop
// takes one tick, so layer l's neurons see the spikes of layer l-1 one
// tick later; the rule pairs a post spike with the pre spikes that
// arrived in its tick, which is the recipe's same-step pairing shifted
// by the delay. A Chip serves one chain of sleeps at a time (it counts
// its sleeps to give each its own rounding seed).
type Chip struct {
	P    SleepParams
	Arch *chip.Arch
	Mode snn.Mode
	// WeightBits overrides the arch's weight mantissa in fixed mode
	// (0 keeps the arch's).
	WeightBits int
	// Bound is the magnitude of the weight bounds [-Bound, Bound]; the
	// recipe has none, so it is chosen far outside the weights reached.
	Bound float64
	// StateUnits is the number of fixed-mode state units a layer's
	// threshold maps to (0: 2^16).
	StateUnits float64
	Workers    int
	Seed       uint64
	calls      uint64
}

// SleepNetwork returns the sleeping network of n with input scales alpha
// and input train in: four populations (input spike sources and three
// layers of integrate-and-fire neurons with leak Decay, reset to 0, no
// refractory period and threshold β_l/α_l) joined all-to-all by plastic
// SRC synapses with one tick of delay, weights loaded from n. Synapse s
// of the built graph joins g.Post[s] to its presynaptic neuron.
func (c *Chip) SleepNetwork(n *Net, alpha []float64, in *InputTrain, seed uint64) (*snn.Graph, error) {
	L := len(n.W)
	if len(alpha) != L || len(c.P.Beta) != L || len(n.Sizes) != L+1 {
		return nil, fmt.Errorf("incremental: %d scales and %d thresholds for %d weight layers", len(alpha), len(c.P.Beta), L)
	}
	bound := c.Bound
	if bound == 0 {
		bound = 1
	}
	units := c.StateUnits
	if units == 0 {
		units = 1 << 16
	}
	times := make([][]float64, n.Sizes[0])
	for t := range in.Steps() {
		for _, i := range in.At(t) {
			if int(i) >= n.Sizes[0] {
				return nil, fmt.Errorf("incremental: input pixel %d of step %d: expected < %d", i, t, n.Sizes[0])
			}
			times[i] = append(times[i], float64(t))
		}
	}
	for i := range times {
		if times[i] == nil {
			times[i] = []float64{}
		}
	}
	net := &snn.Network{Name: "src-sleep", Dt: 1, Seed: seed, Mode: c.Mode}
	net.Populations = append(net.Populations, snn.Population{Name: sleepPops[0], Size: n.Sizes[0], Kind: snn.SpikeSource, SpikeTimes: times})
	for l := range L {
		if !(alpha[l] > 0) || math.IsInf(alpha[l], 0) {
			return nil, fmt.Errorf("incremental: input scale α_%d = %v: expected a positive finite value", l+1, alpha[l])
		}
		th := c.P.Beta[l] / alpha[l]
		net.Populations = append(net.Populations, snn.Population{
			Name: sleepPops[l+1], Size: n.Sizes[l+1], Kind: snn.LIF,
			Neuron: snn.Neuron{
				VTh: th, LeakDecay: c.P.Decay,
				// A current that lasts one tick: the input enters v in the tick it arrives.
				Receptors:  []snn.Receptor{{Name: "syn", TauSyn: 1e-3}},
				FixedScale: units / th,
			},
		})
		net.Projections = append(net.Projections, snn.Projection{
			Name: sleepProjs[l], Pre: sleepPops[l], Post: sleepPops[l+1],
			Connector: snn.Connector{Kind: snn.AllToAll}, Weight: snn.Const(0), Delay: snn.Const(1),
			Plasticity: &snn.Plasticity{Rule: snn.SRC, APlus: c.P.Inc, AMinus: c.P.Dec, Knee: c.P.Knee, WMin: -bound, WMax: bound},
		})
	}
	g, err := net.Build()
	if err != nil {
		return nil, fmt.Errorf("incremental: sleep network: %w", err)
	}
	w := make([]float64, g.Synapses())
	for l := range L {
		lo, hi := g.PopStart[l], g.PopStart[l+1]
		post0 := g.PopStart[l+1]
		raw := n.W[l].RawMatrix()
		for j := lo; j < hi; j++ {
			for s := g.PreStart[j]; s < g.PreStart[j+1]; s++ {
				x := raw.Data[(int(g.Post[s])-post0)*raw.Stride+(j-lo)]
				if math.Abs(x) > bound {
					return nil, fmt.Errorf("incremental: weight %v of layer %d outside the bounds ±%v", x, l+1, bound)
				}
				w[s] = x
			}
		}
	}
	g.SetWeights(w)
	return g, nil
}

// Network returns the sleeping network of the next sleep (SleepNetwork
// with the seed of that sleep: every sleep of a Chip draws its fixed-mode
// rounding from its own seed).
func (c *Chip) Network(n *Net, alpha []float64, in *InputTrain) (*snn.Graph, error) {
	c.calls++
	return c.SleepNetwork(n, alpha, in, c.Seed*1000003+c.calls)
}

// Sleep implements Sleeper.
func (c *Chip) Sleep(n *Net, alpha []float64, in *InputTrain) (SleepCost, error) {
	g, err := c.Network(n, alpha, in)
	if err != nil {
		return SleepCost{}, err
	}
	arch := *c.Arch
	if c.Mode == snn.Fixed && c.WeightBits > 0 {
		arch.WeightBits = c.WeightBits
	}
	m, err := mapping.Map(g, &arch, mapping.Sequential, 0)
	if err != nil {
		return SleepCost{}, fmt.Errorf("incremental: mapping the sleep network on %s: %w", arch.Name, err)
	}
	L := len(n.W)
	cost := SleepCost{Spikes: make([]int64, L+1), Cores: m.CoresUsed()}
	if len(m.Binding) > 0 {
		cost.Binding = m.Binding[0]
	}
	onSpike := func(_ int64, id uint32) { cost.Spikes[g.PopOf(int(id))]++ }
	e, err := chip.NewEngine(g, &arch, m, chip.Options{Mode: c.Mode, Workers: c.Workers, OnSpike: onSpike})
	if err != nil {
		return SleepCost{}, fmt.Errorf("incremental: sleep engine: %w", err)
	}
	defer e.Close()
	// L extra ticks let the last input reach the output layer.
	e.Run(in.Steps() + L)
	st := e.Stats()
	cost.Ticks, cost.EnergyJoules, cost.ModelledSeconds = st.Ticks, st.EnergyJoules, st.ModelledSeconds
	return cost, readBack(g, n, func(p int) []float64 { return e.Weights(p) })
}

// readBack writes the weights of the sleep network's projections (in
// graph synapse order) into the layers of n.
func readBack(g *snn.Graph, n *Net, weights func(proj int) []float64) error {
	for l := range n.W {
		ws := weights(l)
		lo := g.PopStart[l]
		post0 := g.PopStart[l+1]
		raw := n.W[l].RawMatrix()
		k := 0
		for j := lo; j < g.PopStart[l+1]; j++ {
			for s := g.PreStart[j]; s < g.PreStart[j+1]; s++ {
				if int(g.Proj[s]) != l {
					continue
				}
				raw.Data[(int(g.Post[s])-post0)*raw.Stride+(j-lo)] = ws[k]
				k++
			}
		}
		if k != len(ws) {
			return fmt.Errorf("incremental: %d weights read back for layer %d, expected %d", len(ws), l+1, k)
		}
	}
	return nil
}
