package core

import (
	"math"
	"testing"

	"github.com/spindle-sim/spindle/snn"
)

// One plastic synapse from a spike source onto a LIF neuron that a second
// (static) source drives to fire: the core's learning matches the rule's
// arithmetic applied by hand.
func TestCoreSTDPMatchesRule(t *testing.T) {
	pl := &snn.Plasticity{TauPlus: 10, TauMinus: 20, APlus: 0.5, AMinus: 0.25, WMin: 0, WMax: 4}
	net := &snn.Network{Name: "c", Dt: 1, Seed: 1, Populations: []snn.Population{
		{Name: "pre", Size: 1, Kind: snn.SpikeSource, SpikeTimes: [][]float64{{0, 20}}},
		{Name: "kick", Size: 1, Kind: snn.SpikeSource, SpikeTimes: [][]float64{{4}}},
		{Name: "o", Size: 1, Neuron: snn.Neuron{TauM: 1, VTh: 1, NoLeak: true, Receptors: []snn.Receptor{{Name: "e", TauSyn: 0.1}}}},
	}, Projections: []snn.Projection{
		{Pre: "pre", Post: "o", Connector: snn.Connector{Kind: snn.AllToAll}, Weight: snn.Const(0.1), Delay: snn.Const(1), Plasticity: pl},
		{Pre: "kick", Post: "o", Connector: snn.Connector{Kind: snn.AllToAll}, Weight: snn.Const(100), Delay: snn.Const(1)},
	}}
	g, err := net.Build()
	if err != nil {
		t.Fatal(err)
	}
	rules := []*snn.Learner{snn.NewLearner(g, 0, snn.Float, 16), nil}
	b := NewBuilder(0, g, snn.Float, nil, Limits{})
	b.Learn(rules)
	if err := b.AddNeurons([]uint32{0, 1, 2}); err != nil {
		t.Fatal(err)
	}
	axons := map[int]uint32{}
	for i := 0; i < 2; i++ {
		axons[i] = b.BeginAxon()
		for s := g.PreStart[i]; s < g.PreStart[i+1]; s++ {
			b.AddSynapse(s, 0)
		}
	}
	c, err := b.Finish()
	if err != nil {
		t.Fatal(err)
	}
	if !c.Plastic() || c.Synapses() != 2 {
		t.Fatalf("plastic %v, synapses %d", c.Plastic(), c.Synapses())
	}
	var post []int64
	var pending []struct {
		axon uint32
		emit int64
	}
	for tk := int64(0); tk < 30; tk++ {
		for _, p := range pending {
			c.Deliver(p.axon, p.emit, tk)
		}
		pending = pending[:0]
		for _, sp := range c.Update(tk) {
			switch c.Global(int(sp)) {
			case 0:
				pending = append(pending, struct {
					axon uint32
					emit int64
				}{axons[0], tk})
			case 1:
				pending = append(pending, struct {
					axon uint32
					emit int64
				}{axons[1], tk})
			case 2:
				post = append(post, tk)
			}
		}
	}
	if len(post) != 1 || post[0] != 5 {
		t.Fatalf("post spikes %v, want [5]", post)
	}
	// Pre arrives at 1, post at 5: +0.5 e^{-4/10}; pre arrives at 21:
	// -0.25 e^{-16/20}.
	want := 0.1 + 0.5*math.Exp(-0.4) - 0.25*math.Exp(-0.8)
	if w := c.PlasticWeight(0); math.Abs(w-want) > 1e-12 {
		t.Errorf("weight %v, want %v", w, want)
	}
	if r := c.Rate(2, 29); r <= 0 {
		t.Errorf("rate counter %v after a spike", r)
	}
}
