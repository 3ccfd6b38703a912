package foraging

import (
	"math/rand/v2"
	"testing"

	"github.com/spindle-sim/spindle/loader"
	"github.com/spindle-sim/spindle/snn"
)

// TestLearnedLayer checks the learned hidden layer's wiring and that its
// pre-training makes each of the 16 neurons over a pixel learn a two-pixel
// feature, several different ones among them.
func TestLearnedLayer(t *testing.T) {
	p := DefaultParams()
	net, _ := buildNetwork(&p, 1, snn.Float)
	var wta *snn.Projection
	for i := range net.Projections {
		switch pr := &net.Projections[i]; pr.Name {
		case ProjHidWTA:
			wta = pr
		case ProjInPair:
			t.Error("learned layer has engineered pair detectors")
		}
	}
	if wta == nil || !wta.Inhibitory || len(wta.Connector.List) != HiddenSize*15 {
		t.Fatalf("winner-take-all projection %+v", wta)
	}
	for _, c := range wta.Connector.List {
		if c.Pre == c.Post || pixelOf(c.Pre) != pixelOf(c.Post) {
			t.Fatalf("inhibition %d -> %d crosses pixels", c.Pre, c.Post)
		}
	}
	if testing.Short() {
		t.Skip("pre-training takes a few seconds")
	}
	arch, err := loader.LoadArch("loihi")
	if err != nil {
		t.Fatal(err)
	}
	const seed = 7
	s := &session{p: &p, rng: rand.New(rand.NewPCG(seed, 1))}
	b, lay, err := newBrain(&p, seed, snn.Float, arch, s.onSpike)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	s.b, s.lay = b, lay
	w, err := NewWorld(DefaultWorld, Pretrain, rand.New(rand.NewPCG(seed, 2)))
	if err != nil {
		t.Fatal(err)
	}
	b.SetLearning(lay.projInHid, true)
	var sc Score
	s.run(w, DefaultProtocol.Pretrain, false, &sc, 0, nil)

	// The neurons over the centre pixel: which neighbour drives each most.
	centre := (ViewSide/2)*ViewSide + ViewSide/2
	favourite := map[int]int{}
	weights := b.Weights(lay.projInHid)
	best := map[int]float64{}
	for k, c := range net.Projections[lay.projInHid].Connector.List {
		if pixelOf(c.Post) != centre || c.Pre == centre {
			continue
		}
		if weights[k] > best[c.Post] {
			best[c.Post], favourite[c.Post] = weights[k], c.Pre
		}
	}
	distinct := map[int]bool{}
	for _, pre := range favourite {
		distinct[pre] = true
	}
	if len(favourite) != 16 || len(distinct) < 4 {
		t.Errorf("the 16 centre neurons favour %d different neighbours (%v), want at least 4", len(distinct), favourite)
	}
	// Each has learned its feature: the favourite's weight has grown from
	// at most 7 mV towards the 14 mV bound. Without the inhibition among
	// them, some neurons lose the race and stay near where they started.
	for j, w := range best {
		if w < 10 {
			t.Errorf("centre neuron %d: strongest neighbour at %.1f mV, want >= 10", j, w)
		}
	}
}
