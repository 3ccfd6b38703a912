package core

import (
	"slices"
	"testing"

	"github.com/spindle-sim/spindle/snn"
)

// projNet has projections of different receptors, signs, delays (one
// beyond the ring's MaxDelay) and weights, onto two targets.
func projNet() *snn.Network {
	cell := snn.Neuron{TauM: 20, VTh: 20, Receptors: []snn.Receptor{{Name: "e", TauSyn: 5}, {Name: "i", TauSyn: 10}}}
	return &snn.Network{Name: "p", Dt: 1, Seed: 3, Populations: []snn.Population{
		{Name: "in", Size: 30, Kind: snn.Poisson, RateHz: 10},
		{Name: "a", Size: 20, Neuron: cell},
	}, Projections: []snn.Projection{
		{Pre: "in", Post: "a", Connector: snn.Connector{Kind: snn.FixedInDegree, InDegree: 5}, Weight: snn.Const(1.5), Receptor: "e"},
		{Pre: "a", Post: "a", Connector: snn.Connector{Kind: snn.FixedInDegree, InDegree: 4}, Weight: snn.Const(-0.7), Delay: snn.Const(4095), Receptor: "i"},
		{Pre: "in", Post: "a", Connector: snn.Connector{Kind: snn.AllToAll}, Weight: snn.Const(1e9), Delay: snn.Const(3), Receptor: "e"},
	}}
}

// buildBoth builds one core of every neuron of g twice, its synapses
// added with AddSynapse and with AddProjSynapse.
func buildBoth(t *testing.T, g *snn.Graph, mode snn.Mode) (bySyn, byProj *Core) {
	t.Helper()
	var fixedW *snn.FixedQuantiser
	if mode == snn.Fixed {
		fixedW = g.FixedQuantiser(8)
	}
	p := NewProjSynapses(g, mode, fixedW)
	if p == nil {
		t.Fatal("NewProjSynapses: nil for a graph of constant weights and delays")
	}
	all := make([]uint32, g.N)
	for i := range all {
		all[i] = uint32(i)
	}
	var cores [2]*Core
	for k := range cores {
		b := NewBuilder(0, g, mode, fixedW, Limits{})
		if err := b.AddNeurons(all); err != nil {
			t.Fatal(err)
		}
		local := make([]uint16, g.N)
		for c, id := range b.Compartments() {
			local[id] = uint16(c)
		}
		for i := 0; i < g.N; i++ {
			b.BeginAxon()
			for s := g.PreStart[i]; s < g.PreStart[i+1]; s++ {
				if k == 0 {
					b.AddSynapse(s, local[g.Post[s]])
				} else {
					b.AddProjSynapse(p, g.Proj[s], local[g.Post[s]])
				}
			}
		}
		c, err := b.Finish()
		if err != nil {
			t.Fatal(err)
		}
		cores[k] = c
	}
	return cores[0], cores[1]
}

func TestAddProjSynapseMatchesAddSynapse(t *testing.T) {
	for _, mode := range []snn.Mode{snn.Fixed, snn.Float} {
		t.Run(mode.String(), func(t *testing.T) {
			g, err := projNet().Build()
			if err != nil {
				t.Fatal(err)
			}
			a, b := buildBoth(t, g, mode)
			if a.Synapses() != g.Synapses() || b.Synapses() != g.Synapses() {
				t.Fatalf("synapses %d and %d, graph %d", a.Synapses(), b.Synapses(), g.Synapses())
			}
			same := slices.Equal(a.synX, b.synX) && slices.Equal(a.target, b.target) &&
				slices.Equal(a.delayRec, b.delayRec) && slices.Equal(a.weightF, b.weightF) &&
				slices.Equal(a.axons, b.axons) && a.nStatic == b.nStatic && a.ringMask == b.ringMask && a.uniformRows == b.uniformRows
			if !same {
				t.Fatal("the cores differ")
			}
			var all []fixedSynapse
			for k := range a.nStatic {
				if mode == snn.Fixed {
					all = append(all, *a.fixedStatic(k))
				}
			}
			if mode == snn.Fixed && !slices.ContainsFunc(all, func(x fixedSynapse) bool { return x.dr>>delayBits == 1 && x.w < 0 }) {
				t.Fatal("no inhibitory synapse on receptor 1: the network does not test what it should")
			}
		})
	}
}

// A graph that stores a weight per synapse has no projection synapses.
func TestNewProjSynapsesDrawnWeights(t *testing.T) {
	net := projNet()
	net.Projections[0].Weight = snn.UniformDist(1, 2)
	g, err := net.Build()
	if err != nil {
		t.Fatal(err)
	}
	if p := NewProjSynapses(g, snn.Fixed, g.FixedQuantiser(8)); p != nil {
		t.Fatal("NewProjSynapses of drawn weights: not nil")
	}
}
