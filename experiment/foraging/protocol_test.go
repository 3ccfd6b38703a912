package foraging

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/spindle-sim/spindle/chip"
	"github.com/spindle-sim/spindle/snn"
)

// scriptedBrain stands in for the chip: output neuron m fires every tick
// its neighbouring pixel in direction m is lit, so the agent eats any
// particle next to it; rewards move weights so that trajectories differ.
type scriptedBrain struct {
	lay      layout
	onSpike  func(int64, uint32)
	rates    map[uint32]float64
	learning map[int]bool
	reward   float64
	w        [3][]float64
	tick     int64
	sleeps   int
	rewards  int // ticks with a non-zero reward while learning
	closed   bool
}

func newScripted(onSpike func(int64, uint32)) *scriptedBrain {
	b := &scriptedBrain{
		lay:     layout{inputStart: 0, hiddenStart: ViewPixels, outputStart: ViewPixels + HiddenSize, motorStart: uint32(ViewPixels + HiddenSize + Moves), projInHid: 0, projExc: 1, projInh: 2},
		onSpike: onSpike, rates: map[uint32]float64{}, learning: map[int]bool{},
	}
	b.w[1] = make([]float64, HiddenSize*Moves)
	b.w[2] = make([]float64, HiddenSize*Moves)
	return b
}

func (b *scriptedBrain) Step() {
	const c = ViewSide / 2
	for m := 0; m < Moves; m++ {
		dx, dy := MoveDelta(m)
		if b.rates[uint32((c+dy)*ViewSide+c+dx)] > 0 {
			b.onSpike(b.tick, b.lay.outputStart+uint32(m))
		}
	}
	if b.reward != 0 && b.learning[b.lay.projExc] {
		b.rewards++
		b.w[1][b.rewards%len(b.w[1])] += b.reward
		b.w[2][b.rewards%len(b.w[2])] -= b.reward
	}
	b.tick++
}
func (b *scriptedBrain) SetReward(r float64)                 { b.reward = r }
func (b *scriptedBrain) SetPoissonRate(n uint32, hz float64) { b.rates[n] = hz }
func (b *scriptedBrain) SetLearning(proj int, on bool)       { b.learning[proj] = on }
func (b *scriptedBrain) Weights(proj int) []float64          { return b.w[proj] }
func (b *scriptedBrain) Potential(uint32) (v, i float64)     { return 0, 0 }
func (b *scriptedBrain) Close()                              { b.closed = true }
func (b *scriptedBrain) Sleep(ticks int) error {
	b.sleeps++
	b.tick += int64(ticks)
	return nil
}
func (b *scriptedBrain) SetWeights(proj int, w []float64) error {
	if len(w) != len(b.w[proj]) {
		return errors.New("length")
	}
	copy(b.w[proj], w)
	return nil
}

func withScripted(t *testing.T) *[]*scriptedBrain {
	t.Helper()
	var made []*scriptedBrain
	var mu sync.Mutex // seeds build their brains from several goroutines
	old := newBrain
	newBrain = func(p *Params, seed uint64, mode snn.Mode, arch *chip.Arch, onSpike func(int64, uint32)) (brain, layout, error) {
		b := newScripted(onSpike)
		mu.Lock()
		made = append(made, b)
		mu.Unlock()
		return b, b.lay, nil
	}
	t.Cleanup(func() { newBrain = old })
	return &made
}

func TestProtocolBookkeeping(t *testing.T) {
	made := withScripted(t)
	proto := Protocol{Pretrain: 20, Task1: 100, Task2: 100, Blocks: 4, SleepTicks: 48, Test: 200, SnapshotEvery: 25, CurveEvery: 50}
	var last, total int64
	res, err := Run(context.Background(), Options{
		Seeds: 3, Parallel: 2, Protocol: &proto, Arch: &chip.Arch{},
		Progress: func(d, tot int64) { last, total = d, tot },
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(*made) != 3 {
		t.Fatalf("%d brains built, want one per seed", len(*made))
	}
	for _, b := range *made {
		if !b.closed {
			t.Error("a brain was not closed")
		}
		if b.sleeps != proto.Blocks {
			t.Errorf("%d sleep phases, want %d", b.sleeps, proto.Blocks)
		}
		if b.rewards == 0 {
			t.Error("no reward was ever broadcast while learning")
		}
	}
	if last != total || total != 3*proto.Cycles(ptr(PaperParams())) {
		t.Errorf("progress ended at %d of %d, want %d", last, total, 3*proto.Cycles(ptr(PaperParams())))
	}
	if len(res.Seeds) != 3 || res.Seeds[0] != 1 || res.Seeds[2] != 3 {
		t.Errorf("seeds %v, want 1..3", res.Seeds)
	}
	for _, c := range Conditions {
		s, ok := res.Conditions[c]
		if !ok {
			t.Fatalf("no condition %q", c)
		}
		// The scripted brain eats whatever is next to it: both shapes
		// alike, so performance is near chance, and some is eaten.
		for _, m := range []MeanSD{s.Task1, s.Task2} {
			if m.Mean < 0.25 || m.Mean > 0.75 {
				t.Errorf("%s: performance %+v far from chance for an indiscriminate forager", c, m)
			}
		}
	}
	for _, ps := range res.PerSeed {
		for _, c := range Conditions {
			sc := ps.Eaten[c]
			if sc[0].Rewarded+sc[0].Punished == 0 || sc[1].Neutral != 0 {
				t.Errorf("seed %d %s: scores %+v", ps.Seed, c, sc)
			}
		}
	}
	// Curves: Task 1 has Task1/CurveEvery points; the interleaved
	// condition trains twice as many cycles.
	if n := len(res.Curves["task1"]); n != proto.Task1/proto.CurveEvery {
		t.Errorf("task1 curve has %d points", n)
	}
	if n := len(res.Curves[Interleaved]); n != 2*proto.Task2/proto.CurveEvery {
		t.Errorf("interleaved curve has %d points", n)
	}
	if c := res.Curves[Sequential][0].Cycle; c != proto.Task1+proto.CurveEvery {
		t.Errorf("sequential curve starts at cycle %d", c)
	}
	// Distances: Task 1 training ends at the Task 1 solution.
	d := res.Distances["task1"]
	if len(d) != 1+proto.Task1/proto.SnapshotEvery || d[len(d)-1].ToTask1 != 0 {
		t.Errorf("task1 distances %+v", d)
	}
	if d := res.Distances[Task2Only]; d[len(d)-1].ToTask2 != 0 {
		t.Errorf("task2-only distances end at %+v", d[len(d)-1])
	}
	if res.Trajectory == nil || len(res.Trajectory.Paths["task1"]) != len(res.Distances["task1"]) {
		t.Fatal("no PCA trajectory")
	}
	if h := res.Histograms; h == nil || len(h.Values[AfterTask1]) != HiddenSize*Moves/10 {
		t.Fatal("no histograms")
	}
	dir := t.TempDir()
	paths, err := WritePlots(res, dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range paths {
		if st, err := os.Stat(p); err != nil || st.Size() < 1000 {
			t.Errorf("%s: %v", p, err)
		}
	}
	if len(paths) != 5 || filepath.Dir(paths[0]) != dir {
		t.Errorf("plots %v", paths)
	}
}

func TestProtocolDeterministic(t *testing.T) {
	withScripted(t)
	proto := Protocol{Pretrain: 5, Task1: 40, Task2: 40, Blocks: 2, SleepTicks: 10, Test: 60, SnapshotEvery: 20, CurveEvery: 20}
	run := func(par int) *Result {
		res, err := Run(context.Background(), Options{Seeds: 2, Parallel: par, Protocol: &proto, Arch: &chip.Arch{}})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	a, b := run(1), run(2)
	for i := range a.PerSeed {
		for _, c := range Conditions {
			if a.PerSeed[i].Perf[c] != b.PerSeed[i].Perf[c] {
				t.Fatalf("seed %d %s differs with parallelism: %v vs %v", a.PerSeed[i].Seed, c, a.PerSeed[i].Perf[c], b.PerSeed[i].Perf[c])
			}
		}
	}
}

func TestRunRejectsBadOptions(t *testing.T) {
	withScripted(t)
	negWTA := LearnedParams()
	negWTA.WTA = -1
	for _, o := range []Options{{Seeds: -1, Arch: &chip.Arch{}}, {CyclesScale: -1, Arch: &chip.Arch{}}, {}, {Arch: &chip.Arch{}, Params: &negWTA}} {
		if _, err := Run(context.Background(), o); err == nil {
			t.Errorf("Run(%+v) accepted", o)
		}
	}
}

func ptr[T any](v T) *T { return &v }
