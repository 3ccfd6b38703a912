package mapping

import (
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/spindle-sim/spindle/chip"
	"github.com/spindle-sim/spindle/chip/internal/chiptest"
	"github.com/spindle-sim/spindle/snn"
)

// TestCheckCapacity: counts refuse a network that cannot fit before it is
// built, with Map's message; whatever they refuse, Map refuses too, and
// what they cannot decide they leave to Map.
func TestCheckCapacity(t *testing.T) {
	// Two chips of two cores, unless edited.
	small := func(edit func(a *chip.Arch)) *chip.Arch {
		a := chiptest.Arch()
		a.CoresPerTile, a.TilesX, a.TilesY, a.MaxChips = 1, 2, 1, 2
		edit(a)
		return a
	}
	random := func(p float64, inDegree int) *snn.Network {
		n := fanNet(100, 40, inDegree, 1)
		n.Projections = append(n.Projections, snn.Projection{Pre: "in", Post: "out",
			Connector: snn.Connector{Kind: snn.FixedProbability, P: p}, Weight: snn.Const(1)})
		return n
	}
	for _, tc := range []struct {
		name  string
		net   *snn.Network
		arch  *chip.Arch
		chips int
		want  string // the error of CheckCapacity; "" for none
	}{
		{"fits", fanNet(20, 10, 5, 1), small(func(a *chip.Arch) {}), 0, ""},
		// 30 neurons on cores of 4.
		{"neurons", fanNet(20, 10, 5, 1), small(func(a *chip.Arch) { a.NeuronsPerCore = 4 }), 0,
			`map: the network needs at least 8 cores = 4 chips of 2 cores but arch "test" allows at most 2 chips (4 cores), 4 cores short: 4 cores hold at most 16 of the 30 neurons (largest population "in" has 20 neurons)`},
		// 8 neurons of fan-in 61 on cores of 100 synapses.
		{"synapses", fanNet(400, 8, 60, 1), small(func(a *chip.Arch) { a.SynapsesPerCore = 100 }), 0,
			`map: the network needs at least 5 cores = 3 chips of 2 cores but arch "test" allows at most 2 chips (4 cores), 1 cores short: 4 cores hold at most 406 of the 408 neurons (largest population "in" has 400 neurons)`},
		{"chips given", fanNet(20, 10, 5, 1), small(func(a *chip.Arch) { a.NeuronsPerCore = 4; a.MaxChips = 0 }), 1,
			`map: the network needs at least 8 cores = 4 chips of 2 cores; the board has 1 chips (2 cores), 6 cores short: 2 cores hold at most 8 of the 30 neurons (largest population "in" has 20 neurons) (raise --chips to 4)`},
		{"no chip limit", fanNet(20, 10, 5, 1), small(func(a *chip.Arch) { a.NeuronsPerCore = 4; a.MaxChips = 0 }), 0, ""},
		{"fan-in", fanNet(100, 2, 70, 1), small(func(a *chip.Arch) { a.MaxFanIn = 50 }), 0,
			`map: neuron 100 (out[0]): fan-in 71 exceeds max_fan_in (synapses per neuron) of arch "test" by 21; at most 50 synapses onto one neuron fit`},
		// fixed_probability may draw any number of synapses: its neurons
		// count for the fixed_in_degree inputs alone.
		{"fan-in, a bound", random(0.5, 60), small(func(a *chip.Arch) { a.MaxFanIn = 50 }), 0,
			`map: neuron 100 (out[0]): fan-in at least 61 exceeds max_fan_in (synapses per neuron) of arch "test" by at least 11; at most 50 synapses onto one neuron fit`},
		{"undecided", random(0.9, 5), small(func(a *chip.Arch) { a.SynapsesPerCore = 100 }), 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckCapacity(tc.net, tc.arch, tc.chips)
			if got := errText(err); got != tc.want {
				t.Fatalf("CheckCapacity:\n got  %s\n want %s", got, tc.want)
			}
			g, err := tc.net.Build()
			if err != nil {
				t.Fatal(err)
			}
			_, mapErr := Map(g, tc.arch, Sequential, tc.chips)
			if tc.want != "" && mapErr == nil {
				t.Fatal("CheckCapacity refused a network that Map places")
			}
			if tc.name == "fan-in" && errText(mapErr) != tc.want {
				t.Fatalf("exact counts, different messages:\n Map           %v\n CheckCapacity %s", mapErr, tc.want)
			}
			if tc.name == "undecided" && mapErr == nil {
				t.Fatal("Map placed 40 neurons of about 95 synapses each in 4 cores of 100")
			}
			if mapErr != nil && tc.want != "" && !strings.HasPrefix(mapErr.Error(), strings.Split(tc.want, " at least ")[0]) {
				t.Fatalf("Map refuses with another message: %v", mapErr)
			}
		})
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// TestCheckFit: the fill of a network's drawn inputs refuses what Map
// refuses, with Map's message, and otherwise gives Map its mapping, for
// random networks on boards whose input and output axons bind.
func TestCheckFit(t *testing.T) {
	lif := snn.Neuron{TauM: 20, VTh: 10, Receptors: []snn.Receptor{{Name: "exc", TauSyn: 5}}}
	for seed := uint64(1); seed <= 40; seed++ {
		r := rand.New(rand.NewPCG(seed, 3))
		net := &snn.Network{Name: "fit", Dt: 1, Seed: seed, Mode: snn.Fixed,
			Populations: []snn.Population{
				{Name: "in", Size: 20 + r.IntN(200), Kind: snn.Poisson, RateHz: 10},
				{Name: "a", Size: 10 + r.IntN(150), Neuron: lif},
				{Name: "b", Size: 10 + r.IntN(100), Neuron: lif},
			},
			Projections: []snn.Projection{
				// Uniform weights draw from the streams of the
				// connectors between their picks.
				{Pre: "in", Post: "a", Connector: snn.Connector{Kind: snn.FixedInDegree, InDegree: 1 + r.IntN(10)}, Weight: snn.UniformDist(0, 1)},
				{Pre: "a", Post: "b", Connector: snn.Connector{Kind: snn.FixedProbability, P: r.Float64() / 4}, Weight: snn.Const(1)},
				{Pre: "b", Post: "a", Connector: snn.Connector{Kind: snn.FixedInDegree, InDegree: 1 + r.IntN(5), NoSelf: true}, Weight: snn.UniformDist(-1, 0)},
				{Pre: "b", Post: "b", Connector: snn.Connector{Kind: snn.FixedProbability, P: r.Float64() / 8, NoSelf: true}, Weight: snn.Const(1)},
			},
		}
		a := chiptest.Arch()
		a.NeuronsPerCore = 8 + r.IntN(32)
		a.InputAxonsPerCore = 12 + r.IntN(100)
		a.OutputAxonsPerCore = 20 + r.IntN(100)
		a.CoresPerTile, a.TilesX, a.TilesY, a.MaxChips = 1, 2, 2, 1+r.IntN(40)
		g, err := net.Build()
		if err != nil {
			t.Fatal(err)
		}
		for _, strategy := range []Mapper{Sequential, Balanced, Random} {
			chips := r.IntN(3)
			fit, fitErr := CheckFit(net, a, strategy, chips)
			want, mapErr := Map(g, a, strategy, chips)
			if errText(fitErr) != errText(mapErr) {
				t.Fatalf("seed %d, %s: CheckFit and Map disagree:\n CheckFit %v\n Map      %v", seed, strategy, fitErr, mapErr)
			}
			if fitErr != nil {
				continue
			}
			got, err := MapWith(g, a, strategy, chips, Options{Fit: fit})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("seed %d, %s: the fit maps otherwise than Map:\n got  %+v\n want %+v", seed, strategy, got, want)
			}
		}
	}
}
