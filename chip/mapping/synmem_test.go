package mapping

import (
	"testing"

	"github.com/spindle-sim/spindle/chip"
	"github.com/spindle-sim/spindle/chip/internal/chiptest"
	"github.com/spindle-sim/spindle/snn"
)

// convNet is a 2x8x8 map convolved by a 3x3 kernel (padding 1) into
// 4x8x8 neurons: 256 neurons of up to 18 synapses.
func convNet() *snn.Network {
	w := make([]float64, 4*2*3*3)
	for i := range w {
		w[i] = 0.1 * float64(i%7+1)
	}
	return &snn.Network{
		Name: "conv", Dt: 1, Seed: 1,
		Populations: []snn.Population{
			{Name: "in", Size: 128, Kind: snn.Poisson, RateHz: 100},
			{Name: "out", Size: 256, Neuron: snn.Neuron{TauM: 10, VTh: 1, Receptors: []snn.Receptor{{Name: "r"}}}},
		},
		Projections: []snn.Projection{{Name: "c", Pre: "in", Post: "out", Connector: snn.Connector{Kind: snn.Convolution, Conv: &snn.Conv{
			InShape: [3]int{2, 8, 8}, OutChannels: 4, Kernel: [2]int{3, 3}, Padding: [4]int{1, 1, 1, 1}, Weight: w,
		}}}},
	}
}

func TestSynapseMemory(t *testing.T) {
	tests := []struct {
		name    string
		shared  bool
		perCore int
		// synapse memory of the cores of "out" (cores after the input's)
		want []int
	}{
		// Expanded: every synapse; 8x8 positions, 64 of 18, 28 edge ones
		// of 12 and 4 corners of 8, per channel of 2 inputs.
		{"expanded", false, 1024, []int{4 * (2 * (36*9 + 24*6 + 4*4))}},
		// Shared: one kernel of 2x3x3 per output channel.
		{"shared", true, 1024, []int{4 * 18}},
		// Tiles of 4x4 positions with all 4 channels: 4 cores of 64
		// neurons, each holding all four kernels.
		{"shared tiles", true, 64, []int{72, 72, 72, 72}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			net := convNet()
			g, err := net.Build()
			if err != nil {
				t.Fatal(err)
			}
			a := chiptest.Arch()
			a.ConvWeightSharing, a.NeuronsPerCore = tc.shared, tc.perCore
			m, err := Map(g, a, Sequential, 0)
			if err != nil {
				t.Fatal(err)
			}
			e, err := Estimated(g, a, m, ExpectedRates(g))
			if err != nil {
				t.Fatal(err)
			}
			var got []int
			for c, ns := range m.Cores {
				if g.PopOf(int(ns[len(ns)-1])) == 1 {
					got = append(got, e.Cores[c].SynapseMemory)
				}
			}
			if len(got) != len(tc.want) {
				t.Fatalf("memory per core %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("memory per core %v, want %v", got, tc.want)
				}
			}
			// The engine builds what the mapper placed.
			eng, err := chip.NewEngine(g, a, m, chip.Options{Mode: snn.Fixed, Workers: 1})
			if err != nil {
				t.Fatal(err)
			}
			eng.Close()
		})
	}
}

// TestFeatureOrder: a convolution's output is filled tile by tile, every
// channel of a tile together; other populations in neuron order.
func TestFeatureOrder(t *testing.T) {
	g, err := convNet().Build()
	if err != nil {
		t.Fatal(err)
	}
	a := chiptest.Arch()
	a.NeuronsPerCore = 16 // 4 channels x 2x2 positions
	order := featureOrder(g, a)
	if len(order) != g.N {
		t.Fatalf("%d neurons in the order, want %d", len(order), g.N)
	}
	for i := range 128 {
		if order[i] != uint32(i) {
			t.Fatalf("input neuron %d at %d", order[i], i)
		}
	}
	// The first tile: positions (0,0), (0,1), (1,0), (1,1) of channel 0,
	// then of channel 1, ...
	want := []uint32{0, 1, 8, 9, 64, 65, 72, 73}
	for k, w := range want {
		if order[128+k] != 128+w {
			t.Fatalf("order %v, want the tile %v", order[128:136], want)
		}
	}
	seen := map[uint32]bool{}
	for _, id := range order {
		if seen[id] {
			t.Fatalf("neuron %d twice", id)
		}
		seen[id] = true
	}
}
