package snn

import (
	"slices"
	"testing"
)

// BuildFrom of a network's inputs builds Build's graph, whether it places
// the inputs or falls back to the connectors.
func TestBuildFromMatchesBuild(t *testing.T) {
	cell := Neuron{TauM: 20, VTh: 20, Receptors: []Receptor{{Name: "e", TauSyn: 5}, {Name: "i", TauSyn: 10}}}
	in := Population{Name: "in", Size: 40, Kind: Poisson, RateHz: 5}
	a := Population{Name: "a", Size: 30, Neuron: cell}
	b := Population{Name: "b", Size: 25, Neuron: cell}
	proj := func(pre, post string, c Connector, w, d Dist) Projection {
		return Projection{Pre: pre, Post: post, Connector: c, Weight: w, Delay: d, Receptor: "e"}
	}
	deg := func(k int, noSelf bool) Connector { return Connector{Kind: FixedInDegree, InDegree: k, NoSelf: noSelf} }
	cases := []struct {
		name   string
		projs  []Projection
		places bool // the inputs are placed, not drawn again
	}{
		{"fixed in-degree, several onto one population", []Projection{
			proj("in", "a", deg(7, false), Const(1), Const(1)),
			proj("a", "a", deg(5, true), Const(-0.5), Const(3)),
			proj("b", "a", deg(4, false), Const(2), Const(2)),
			proj("in", "b", deg(9, false), Const(1), Const(1)),
			proj("a", "b", deg(3, false), Const(0.25), Const(7)),
		}, true},
		{"all to all, one to one, probability 0 and 1", []Projection{
			proj("in", "a", Connector{Kind: AllToAll}, Const(1), Const(1)),
			proj("a", "a", Connector{Kind: AllToAll, NoSelf: true}, Const(-1), Const(2)),
			proj("a", "a", Connector{Kind: OneToOne}, Const(3), Const(1)),
			proj("b", "a", Connector{Kind: FixedProbability, P: 1}, Const(1), Const(1)),
			proj("in", "b", Connector{Kind: FixedProbability, P: 0}, Const(1), Const(1)),
			proj("in", "b", deg(11, false), Const(1), Const(4)),
		}, true},
		{"drawn weights", []Projection{
			proj("in", "a", deg(7, false), UniformDist(0, 1), Const(1)),
			proj("a", "b", deg(5, false), Const(1), UniformDist(1, 5)),
		}, false},
		{"fixed probability between 0 and 1", []Projection{
			proj("in", "a", Connector{Kind: FixedProbability, P: 0.3}, Const(1), Const(1)),
			proj("a", "b", deg(5, false), Const(1), Const(2)),
		}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			net := &Network{Name: "n", Dt: 1, Seed: 11, Populations: []Population{in, a, b}, Projections: tc.projs}
			if got := net.placeable(); got != tc.places {
				t.Fatalf("placeable %v, want %v", got, tc.places)
			}
			want, err := net.Build()
			if err != nil {
				t.Fatal(err)
			}
			inputs, err := net.Inputs()
			if err != nil {
				t.Fatal(err)
			}
			got, err := net.BuildFrom(inputs)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got.PreStart, want.PreStart) || !slices.Equal(got.Post, want.Post) ||
				!slices.Equal(got.Proj, want.Proj) || got.MaxDelay != want.MaxDelay || got.Synapses() != want.Synapses() {
				t.Fatal("BuildFrom's graph differs from Build's")
			}
			for s := range want.Synapses() {
				if got.Weight(s) != want.Weight(s) || got.Delay(s) != want.Delay(s) || got.Receptor(s) != want.Receptor(s) {
					t.Fatalf("synapse %d: weight, delay or receptor differ", s)
				}
			}
		})
	}
}

// Inputs of another network are refused with an error, not placed.
func TestBuildFromForeignInputs(t *testing.T) {
	cell := Neuron{TauM: 20, VTh: 20, Receptors: []Receptor{{Name: "e", TauSyn: 5}}}
	mk := func(k int) *Network {
		return &Network{Name: "n", Dt: 1, Populations: []Population{
			{Name: "in", Size: 20, Kind: Poisson, RateHz: 5}, {Name: "a", Size: 10, Neuron: cell},
		}, Projections: []Projection{{Pre: "in", Post: "a", Connector: Connector{Kind: FixedInDegree, InDegree: k}, Weight: Const(1)}}}
	}
	other, err := mk(3).Inputs()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mk(4).BuildFrom(other); err == nil {
		t.Fatal("BuildFrom of another network's inputs: no error")
	}
}
