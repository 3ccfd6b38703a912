package foraging

import (
	"math/rand/v2"
	"os"
	"strconv"
	"testing"

	"github.com/spindle-sim/spindle/loader"
	"github.com/spindle-sim/spindle/snn"
)

// TestTopTenChurn measures what task1_top10_surviving measures in this
// model (docs/experiments.md, item 15): after Task 1 it trains either
// more Task 1 or Task 2 for 20,000 cycles and logs the fraction of the
// top-10% Task 1 synapses still above half their post-Task-1 weight. It
// fails if more Task 1 training keeps at least 0.6 of them, the sleep
// target: then the metric separates keeping a task from forgetting it,
// and the block on the target (item 15) is lifted. It takes minutes: set
// SPINDLE_CHURN=1 (SPINDLE_MODE=float for float mode, SPINDLE_SEED for
// another seed than 1000).
func TestTopTenChurn(t *testing.T) {
	if testing.Short() || os.Getenv("SPINDLE_CHURN") == "" {
		t.Skip("set SPINDLE_CHURN=1 to measure the turnover of the Task 1 synapses")
	}
	mode := snn.Fixed
	if os.Getenv("SPINDLE_MODE") == "float" {
		mode = snn.Float
	}
	seed := uint64(1000)
	if s, err := strconv.ParseUint(os.Getenv("SPINDLE_SEED"), 10, 64); err == nil {
		seed = s
	}
	const task1, more, every = 10000, 20000, 2000
	final := map[string]float64{}
	tasks := []Task{Task1, Task2}
	for next, then := range tasks {
		s, lay := churnSession(t, seed, mode)
		wrng := rand.New(rand.NewPCG(seed, 2))
		var worlds [2]*World
		for k, task := range tasks {
			w, err := NewWorld(DefaultWorld, task, wrng)
			if err != nil {
				t.Fatal(err)
			}
			worlds[k] = w
		}
		var sc Score
		s.run(worlds[0], task1, true, &sc, 0, nil)
		ref := s.b.Weights(lay.projExc)
		rel := task1Relevant(ref)
		var left float64
		for done := every; done <= more; done += every {
			var sc Score
			s.run(worlds[next], every, true, &sc, 0, nil)
			w := s.b.Weights(lay.projExc)
			w32 := make([]float32, len(w))
			for i := range w {
				w32[i] = float32(w[i])
			}
			left = surviving(rel, ref, w32)
			perf, _ := sc.Performance()
			t.Logf("%v then %v: +%d cycles: performance %.2f, surviving %.3f", mode, then.Name, done, perf, left)
		}
		final[then.Name] = left
	}
	if final[Task1.Name] >= 0.6 {
		t.Errorf("more Task 1 training keeps %.2f of the top-10%% Task 1 synapses (Task 2: %.2f): the surviving target is reachable, see item 15", final[Task1.Name], final[Task2.Name])
	}
}

// churnSession builds the paper model on the loihi preset and pretrains
// its input -> hidden synapses as Run does, leaving hidden -> output
// learning on.
func churnSession(t *testing.T, seed uint64, mode snn.Mode) (*session, layout) {
	t.Helper()
	p := PaperParams()
	arch, err := loader.LoadArch("loihi")
	if err != nil {
		t.Fatal(err)
	}
	s := &session{p: &p, rng: rand.New(rand.NewPCG(seed, 1))}
	b, lay, err := newChipBrain(&p, seed, mode, arch, s.onSpike)
	if err != nil {
		t.Fatal(err)
	}
	s.b, s.lay = b, lay
	b.SetLearning(lay.projInHid, true)
	b.SetLearning(lay.projExc, false)
	b.SetLearning(lay.projInh, false)
	pre, err := NewWorld(DefaultWorld, Pretrain, rand.New(rand.NewPCG(seed, 3)))
	if err != nil {
		t.Fatal(err)
	}
	var sc Score
	s.run(pre, PaperProtocol(&p).Pretrain, false, &sc, 0, nil)
	b.SetLearning(lay.projInHid, false)
	b.SetLearning(lay.projExc, true)
	b.SetLearning(lay.projInh, true)
	return s, lay
}
