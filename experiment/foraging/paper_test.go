package foraging

import (
	"context"
	"math"
	"testing"

	"github.com/spindle-sim/spindle/loader"
	"github.com/spindle-sim/spindle/snn"
)

// TestPaperModelWiring builds the paper's model on the chip and checks
// what its rules promise: the inhibitory hidden->output weights are minus
// each hidden neuron's mean excitatory weight after training, the
// detectors alone carry input, and a short protocol runs every condition
// and reports the surviving Task 1 synapses.
func TestPaperModelWiring(t *testing.T) {
	arch, err := loader.LoadArch("loihi")
	if err != nil {
		t.Fatal(err)
	}
	p := PaperParams()
	if !testing.Short() {
		proto := PaperProtocol(&p)
		res, err := Run(context.Background(), Options{Seeds: 1, FirstSeed: 1000, Mode: snn.Fixed, CyclesScale: 0.005,
			Arch: arch, Params: &p, Protocol: &proto})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []string{Sequential, SleepCond, Interleaved} {
			m, ok := res.Surviving[c]
			if !ok || m.Mean < 0 || m.Mean > 1 {
				t.Errorf("%s: surviving fraction %+v", c, m)
			}
		}
	}

	s := &session{p: &p}
	b, lay, err := newChipBrain(&p, 1000, snn.Float, arch, s.onSpike)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	exc := b.Weights(lay.projExc)
	inh := b.Weights(lay.projInh)
	for i := 0; i < HiddenSize; i++ {
		sum := 0.0
		for j := 0; j < Moves; j++ {
			sum += exc[i*Moves+j]
		}
		for j := 0; j < Moves; j++ {
			if got := inh[i*Moves+j]; math.Abs(got+sum/float64(Moves)) > 1e-9 {
				t.Fatalf("hidden %d: inhibitory weight %v, want %v", i, got, -sum/float64(Moves))
			}
		}
	}
	// Only the detectors have inputs: the other hidden neurons are silent.
	net, _ := buildNetwork(&p, 1000, snn.Float)
	fed := map[int]bool{}
	for _, pr := range net.Projections {
		if pr.Pre == PopInput && pr.Post == PopHidden {
			for _, c := range pr.Connector.List {
				fed[c.Post] = true
			}
		}
	}
	if n := len(fed); n != len(pairFields(p.PairFeatures, p.PairW))/2 {
		t.Errorf("%d hidden neurons fed, want the %d detectors", n, len(pairFields(p.PairFeatures, p.PairW))/2)
	}
}
