package foraging

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/spindle-sim/spindle/loader"
	"github.com/spindle-sim/spindle/snn"
)

// TestLearnedLayer checks the learned hidden layer's wiring, and that
// pre-training moves its input weights while holding each neuron's summed
// input (Rules.PreNormalize).
func TestLearnedLayer(t *testing.T) {
	p := LearnedParams()
	const seed = 7
	net, lay := buildNetwork(&p, seed, snn.Float)
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
	// The graph's input -> hidden synapses, in the order Weights gives
	// them (ascending synapse index, grouped by presynaptic neuron).
	g, err := net.Build()
	if err != nil {
		t.Fatal(err)
	}
	var post []int
	for pre := 0; pre < ViewPixels; pre++ {
		for s := g.PreStart[pre]; s < g.PreStart[pre+1]; s++ {
			if int(g.Proj[s]) == lay.projInHid {
				post = append(post, int(g.Post[s])-ViewPixels)
			}
		}
	}
	arch, err := loader.LoadArch("loihi")
	if err != nil {
		t.Fatal(err)
	}
	s := &session{p: &p, rng: rand.New(rand.NewPCG(seed, 1))}
	b, _, err := newBrain(&p, seed, snn.Float, arch, s.onSpike)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	s.b, s.lay = b, lay
	w, err := NewWorld(DefaultWorld, Pretrain, rand.New(rand.NewPCG(seed, 2)))
	if err != nil {
		t.Fatal(err)
	}
	w0 := b.Weights(lay.projInHid)
	if len(w0) != len(post) {
		t.Fatalf("%d weights for %d synapses", len(w0), len(post))
	}
	b.SetLearning(lay.projInHid, true)
	var sc Score
	s.run(w, LearnedProtocol.Pretrain, false, &sc, 0, nil)
	w1 := b.Weights(lay.projInHid)

	var sum0, sum1 [HiddenSize]float64
	moved := 0.0
	for k, j := range post {
		sum0[j] += w0[k]
		sum1[j] += w1[k]
		moved += math.Abs(w1[k] - w0[k])
	}
	if m := moved / float64(len(post)); m < 1 {
		t.Errorf("pre-training moved the input weights by %.2f mV on average, want >= 1", m)
	}
	for j := range sum0 {
		if d := math.Abs(sum1[j]/sum0[j] - 1); d > 0.05 {
			t.Errorf("hidden neuron %d: summed input %.2f -> %.2f mV, want it held", j, sum0[j], sum1[j])
		}
	}
}
