package foraging

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spindle-sim/spindle/chip"
	"github.com/spindle-sim/spindle/snn"
)

// The conditions of the experiment, as named in results and JSON.
const (
	AfterTask1  = "after_task1" // pre-training, then Task 1
	Sequential  = "sequential"  // ... then Task 2 alone
	SleepCond   = "sleep"       // ... then Task 2 in blocks, each followed by sleep
	Interleaved = "interleaved" // ... then Task 2 in blocks alternating with Task 1 blocks (control)
	Task2Only   = "task2_only"  // pre-training, then Task 2 alone: the Task 2 solution
)

// Conditions lists the reported conditions in order.
var Conditions = []string{AfterTask1, Sequential, SleepCond, Interleaved}

// Protocol holds the lengths of the phases, in movement cycles, at scale 1.
type Protocol struct {
	Pretrain int `json:"pretrain_cycles"`
	Task1    int `json:"task1_cycles"`
	Task2    int `json:"task2_cycles"`
	Blocks   int `json:"blocks"` // Task 2 blocks of the sleep and interleaved conditions
	// BlockCycles, when positive, is the length of those blocks, which
	// Scaled keeps (their number scales with Task 2, and each sleep
	// keeps its length): the paper's 100-cycle blocks.
	BlockCycles   int `json:"block_cycles,omitempty"`
	SleepTicks    int `json:"sleep_ticks"` // per sleep phase
	Test          int `json:"test_cycles"` // per task, learning frozen
	SnapshotEvery int `json:"snapshot_every_cycles"`
	CurveEvery    int `json:"curve_every_cycles"`
}

// LearnedProtocol is the protocol of LearnedParams (docs/experiments.md,
// items 1-12): a Task 2 as long as Task 1 and ten long blocks.
var LearnedProtocol = Protocol{
	Pretrain: 6000, Task1: 10000, Task2: 10000, Blocks: 10, SleepTicks: 1000,
	Test: 5000, SnapshotEvery: 500, CurveEvery: 1000,
}

// Scaled returns the protocol with every phase length multiplied by f
// (each at least one cycle, and the sampling intervals kept at least one).
func (p Protocol) Scaled(f float64) Protocol {
	sc := func(n int) int { return max(1, int(math.Round(float64(n)*f))) }
	q := p
	q.Pretrain, q.Task1, q.Task2, q.Test = sc(p.Pretrain), sc(p.Task1), sc(p.Task2), sc(p.Test)
	q.SleepTicks = sc(p.SleepTicks)
	q.SnapshotEvery, q.CurveEvery = sc(p.SnapshotEvery), sc(p.CurveEvery)
	q.Blocks = max(1, min(p.Blocks, q.Task2))
	if p.BlockCycles > 0 {
		q.BlockCycles = min(p.BlockCycles, q.Task2)
		q.Blocks = max(1, q.Task2/q.BlockCycles)
		q.SleepTicks = p.SleepTicks
	}
	return q
}

// Cycles returns the movement cycles one seed lives through, counting a
// sleep phase as the cycles of the same length.
func (p Protocol) Cycles(pa *Params) int64 {
	return int64(p.Pretrain + p.Task1 + 5*p.Task2 + 10*p.Test + p.Blocks*p.sleepCycles(pa))
}

func (p Protocol) sleepCycles(pa *Params) int {
	return p.SleepTicks / (pa.PresentTicks + pa.RestTicks)
}

// Options configure Run.
type Options struct {
	Seeds       int    // number of seeds; 0 means 10
	FirstSeed   uint64 // seeds are FirstSeed, FirstSeed+1, ...; 0 means 1
	Mode        snn.Mode
	CyclesScale float64 // multiplies every phase length; 0 means 1
	Arch        *chip.Arch
	Parallel    int       // seeds run at once; 0 means GOMAXPROCS
	Protocol    *Protocol // nil: PaperProtocol of Params
	Params      *Params   // nil: PaperParams
	// Progress, if set, is called (from any goroutine, serialised) with
	// the movement cycles done and the total.
	Progress func(done, total int64)
}

// Result is the outcome of Run.
type Result struct {
	Seeds      []uint64                  `json:"seeds"`
	Mode       string                    `json:"mode"`
	Protocol   Protocol                  `json:"protocol"`
	Conditions map[string]ConditionScore `json:"conditions"`
	// SleepEffect is the per-seed difference sleep - sequential on each
	// task: pairing by seed removes the seed's own luck, so its standard
	// error, SD/sqrt(seeds), says whether sleep changed anything.
	SleepEffect ConditionScore `json:"sleep_minus_sequential"`
	// Surviving is, per condition, the fraction of the Task 1-relevant
	// synapses (the top tenth of excitatory hidden->output weights after
	// Task 1) whose weight at the end is above half of it, over seeds.
	Surviving   map[string]MeanSD          `json:"task1_top10_surviving"`
	PerSeed     []SeedResult               `json:"per_seed"`
	Curves      map[string][]CurvePoint    `json:"curves"`
	Distances   map[string][]DistancePoint `json:"distances"`
	Trajectory  *Trajectory                `json:"-"`
	Histograms  *Histograms                `json:"-"`
	WallSeconds float64                    `json:"wall_seconds"`
}

// ConditionScore is the test performance on both tasks over seeds.
type ConditionScore struct {
	Task1 MeanSD `json:"task1"`
	Task2 MeanSD `json:"task2"`
}

// SeedResult is one seed's test performance per condition.
type SeedResult struct {
	Seed  uint64                `json:"seed"`
	Perf  map[string][2]float64 `json:"performance"` // condition -> (task1, task2)
	Eaten map[string][2]Score   `json:"-"`
}

// CurvePoint is the mean online performance over seeds of the cycles
// ending at Cycle (counted from the start of Task 1 training), on the
// task being trained then.
type CurvePoint struct {
	Cycle int     `json:"cycle"`
	Perf  float64 `json:"performance"`
	Task  string  `json:"task"`
}

// DistancePoint is the mean over seeds of the distance of the excitatory
// hidden->output weights from each solution set, as Golden et al. (2022)
// define it: the minimum Euclidean distance to the weight snapshots of the
// last fifth of every run that performs the task (Task 1: Task 1 training,
// the sleep and the interleaved conditions; Task 2: Task 2 alone, the
// sequential, sleep and interleaved conditions; both: the sleep and the
// interleaved conditions).
type DistancePoint struct {
	Cycle   int     `json:"cycle"`
	ToTask1 float64 `json:"to_task1"`
	ToTask2 float64 `json:"to_task2"`
	ToBoth  float64 `json:"to_both"`
}

// Trajectory is the excitatory hidden->output weights of every seed over
// training, projected on the first two principal components of all the
// snapshots of all seeds together (as the paper's PCA of 10 networks).
type Trajectory struct {
	Explained [2]float64
	Paths     map[string][][2]float64   // the first seed: condition -> points; Task 1 training is "task1"
	Others    []map[string][][2]float64 // the other seeds, in order
}

// Histograms are the weights of the Task 1-relevant synapses (the tenth
// of excitatory hidden->output synapses that Task 1 training changed
// most) in the first seed, per stage.
type Histograms struct {
	Stages []string             // "after_task1", "sequential", "sleep", "interleaved"
	Values map[string][]float64 // stage -> weights, mV
}

// Run runs the protocol over the seeds, several at once, and aggregates
// the results. It stops early with ctx's error when ctx is cancelled.
func Run(ctx context.Context, opt Options) (*Result, error) {
	start := time.Now()
	if opt.Seeds == 0 {
		opt.Seeds = 10
	}
	if opt.Seeds < 0 {
		return nil, fmt.Errorf("seeds %d: expected a positive count", opt.Seeds)
	}
	if opt.FirstSeed == 0 {
		opt.FirstSeed = 1
	}
	if opt.CyclesScale == 0 {
		opt.CyclesScale = 1
	}
	if !(opt.CyclesScale > 0) || math.IsInf(opt.CyclesScale, 0) {
		return nil, fmt.Errorf("cycles scale %v: expected a positive number", opt.CyclesScale)
	}
	params := PaperParams()
	if opt.Params != nil {
		params = *opt.Params
	}
	proto := PaperProtocol(&params)
	if opt.Protocol != nil {
		proto = *opt.Protocol
	}
	proto = proto.Scaled(opt.CyclesScale)
	if err := params.validate(); err != nil {
		return nil, err
	}
	if opt.Arch == nil {
		return nil, errors.New("foraging: no architecture")
	}
	par := opt.Parallel
	if par <= 0 {
		par = runtime.GOMAXPROCS(0)
	}
	par = min(par, opt.Seeds)

	total := int64(opt.Seeds) * proto.Cycles(&params)
	var done atomic.Int64
	var progMu sync.Mutex
	report := func(n int64) {
		d := done.Add(n)
		if opt.Progress != nil {
			progMu.Lock()
			opt.Progress(d, total)
			progMu.Unlock()
		}
	}

	outs := make([]*seedOutcome, opt.Seeds)
	errs := make([]error, opt.Seeds)
	jobs := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < par; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				outs[i], errs[i] = runSeed(ctx, opt.FirstSeed+uint64(i), opt.Mode, opt.Arch, &params, &proto, i == 0, report)
			}
		}()
	}
	for i := 0; i < opt.Seeds; i++ {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("seed %d: %w", opt.FirstSeed+uint64(i), err)
		}
	}
	res := aggregate(outs, opt.Mode, proto)
	res.WallSeconds = time.Since(start).Seconds()
	return res, nil
}

// seedOutcome is everything one seed produced.
type seedOutcome struct {
	seed      uint64
	perf      map[string][2]float64
	eaten     map[string][2]Score
	curves    map[string][]float64    // condition -> online performance per CurveEvery cycles
	dists     map[string][][3]float64 // to the Task 1, Task 2 and joint solution sets
	final     map[string][]float32    // weights at the end of each phase
	surviving map[string]float64      // condition -> fraction of Task 1-relevant synapses surviving
	traj      map[string][][]float32  // weight snapshots of every phase
	hist      *Histograms             // first seed only
}

// newBrain builds the foraging network for a seed on the chip; a
// variable so that tests can substitute a scripted brain.
var newBrain = newChipBrain

type runner struct {
	s      *session
	proto  *Protocol
	report func(int64)
	ctx    context.Context
	out    *seedOutcome
	snaps  [][]float32 // the current trajectory
	curve  []float64
	sc     Score // eaten in the current phase
	mark   Score // at the last curve point
}

func (r *runner) weights() []float32 {
	e := r.s.b.Weights(r.s.lay.projExc)
	i := r.s.b.Weights(r.s.lay.projInh)
	v := make([]float32, 0, len(e)+len(i))
	for _, x := range e {
		v = append(v, float32(x))
	}
	for _, x := range i {
		v = append(v, float32(x))
	}
	return v
}

func (r *runner) setLearning(inHid, out bool) {
	r.s.b.SetLearning(r.s.lay.projInHid, inHid)
	r.s.b.SetLearning(r.s.lay.projExc, out)
	r.s.b.SetLearning(r.s.lay.projInh, out)
}

// train lives n learning cycles in w, sampling the weights every
// SnapshotEvery cycles and the online performance every CurveEvery
// cycles of the current phase.
func (r *runner) train(w *World, n int) error {
	s, pr := r.s, r.proto
	pending := int64(0)
	for i := 0; i < n; i++ {
		if v, ate := s.cycle(w, true); ate {
			r.sc.Add(v)
		}
		if c := s.cycles; c%pr.SnapshotEvery == 0 {
			r.snaps = append(r.snaps, r.weights())
		}
		if c := s.cycles; c%pr.CurveEvery == 0 {
			p, _ := r.sc.Sub(r.mark).Performance()
			r.curve = append(r.curve, p)
			r.mark = r.sc
		}
		if pending++; pending == 50 {
			r.report(pending)
			pending = 0
			if err := r.ctx.Err(); err != nil {
				return err
			}
		}
	}
	r.report(pending)
	return r.ctx.Err()
}

// test measures the performance on one task with learning frozen.
func (r *runner) test(task Task, rng *rand.Rand) (Score, error) {
	w, err := NewWorld(DefaultWorld, task, rng)
	if err != nil {
		return Score{}, err
	}
	var sc Score
	r.s.run(w, r.proto.Test, false, &sc, 0, nil)
	r.report(int64(r.proto.Test))
	return sc, r.ctx.Err()
}

func runSeed(ctx context.Context, seed uint64, mode snn.Mode, arch *chip.Arch, p *Params, proto *Protocol, keep bool, report func(int64)) (*seedOutcome, error) {
	s := &session{p: p, rng: rand.New(rand.NewPCG(seed, 0x6f72616765))}
	b, lay, err := newBrain(p, seed, mode, arch, s.onSpike)
	if err != nil {
		return nil, err
	}
	defer b.Close()
	s.b, s.lay = b, lay
	out := &seedOutcome{seed: seed, perf: map[string][2]float64{}, eaten: map[string][2]Score{},
		curves: map[string][]float64{}, dists: map[string][][3]float64{}, final: map[string][]float32{},
		traj: map[string][][]float32{}}
	r := &runner{s: s, proto: proto, report: report, ctx: ctx, out: out}
	worldRng := rand.New(rand.NewPCG(seed, 0x776f726c64))
	newWorld := func(t Task) *World {
		w, err2 := NewWorld(DefaultWorld, t, worldRng)
		if err2 != nil {
			panic(err2) // DefaultWorld is valid
		}
		return w
	}

	// Unsupervised pre-training of input -> hidden on all four shapes.
	r.setLearning(true, false)
	var sc Score
	pre := newWorld(Pretrain)
	for done := 0; done < proto.Pretrain; {
		k := min(proto.CurveEvery, proto.Pretrain-done)
		s.run(pre, k, false, &sc, 0, nil)
		done += k
		report(int64(k))
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	r.setLearning(false, true)
	wPre := r.save()

	// phase runs one training history from the weights `from` and records
	// its trajectory and curve under name.
	phase := func(name string, from [2][]float64, body func() error) error {
		if err := r.restore(from); err != nil {
			return err
		}
		s.cycles, r.snaps, r.curve = 0, [][]float32{r.weights()}, nil
		s.rbar = 0 // the reward baseline starts afresh with each history
		r.sc, r.mark = Score{}, Score{}
		r.setLearning(false, true)
		if err := body(); err != nil {
			return err
		}
		r.setLearning(false, false)
		out.curves[name] = r.curve
		out.final[name] = r.weights()
		out.traj[name] = r.snaps
		return nil
	}
	snapsOf := map[string][][]float32{}
	w1, w2 := newWorld(Task1), newWorld(Task2)

	// The Task 2 solution: Task 2 alone from the pre-trained network.
	if err := phase(Task2Only, wPre, func() error { return r.train(w2, proto.Task2) }); err != nil {
		return nil, err
	}
	snapsOf[Task2Only] = r.snaps

	testBoth := func(cond string) error {
		rng := rand.New(rand.NewPCG(seed, 0x74657374))
		s1, err := r.test(Task1, rng)
		if err != nil {
			return err
		}
		s2, err := r.test(Task2, rng)
		if err != nil {
			return err
		}
		p1, _ := s1.Performance()
		p2, _ := s2.Performance()
		out.perf[cond] = [2]float64{p1, p2}
		out.eaten[cond] = [2]Score{s1, s2}
		return nil
	}
	if err := testBoth(Task2Only); err != nil {
		return nil, err
	}

	// Task 1 from the pre-trained network.
	w1 = newWorld(Task1)
	if err := phase("task1", wPre, func() error { return r.train(w1, proto.Task1) }); err != nil {
		return nil, err
	}
	snapsOf["task1"] = r.snaps
	wT1 := r.save()
	if err := testBoth(AfterTask1); err != nil {
		return nil, err
	}

	block := func(i int) int { return proto.Task2*(i+1)/proto.Blocks - proto.Task2*i/proto.Blocks }
	bodies := []struct {
		name string
		run  func() error
	}{
		{Sequential, func() error { return r.train(w2, proto.Task2) }},
		{SleepCond, func() error {
			for i := 0; i < proto.Blocks; i++ {
				if err := r.train(w2, block(i)); err != nil {
					return err
				}
				if err := r.sleep(); err != nil {
					return err
				}
			}
			return nil
		}},
		{Interleaved, func() error {
			for i := 0; i < proto.Blocks; i++ {
				if err := r.train(w2, block(i)); err != nil {
					return err
				}
				if err := r.train(w1, block(i)); err != nil {
					return err
				}
			}
			return nil
		}},
	}
	for _, bd := range bodies {
		w2 = newWorld(Task2)
		w1 = newWorld(Task1)
		if err := phase(bd.name, wT1, bd.run); err != nil {
			return nil, err
		}
		snapsOf[bd.name] = r.snaps
		if err := testBoth(bd.name); err != nil {
			return nil, err
		}
	}

	// Distances from the solution sets along every trajectory.
	nExc := len(wT1[0])
	sets := solutionSets(snapsOf)
	for name, snaps := range snapsOf {
		d := make([][3]float64, len(snaps))
		for i, v := range snaps {
			for k, set := range sets {
				d[i][k] = minDist(v[:nExc], set, nExc)
			}
		}
		out.dists[name] = d
	}
	out.surviving = map[string]float64{}
	rel := task1Relevant(wT1[0])
	for _, c := range []string{Sequential, SleepCond, Interleaved} {
		out.surviving[c] = surviving(rel, wT1[0], out.final[c])
	}
	if keep {
		out.hist = relevantHistograms(wPre, wT1, out.final)
	}
	return out, nil
}

func (r *runner) sleep() error {
	r.s.setInput(false)
	r.s.setReward(0)
	if err := r.s.b.Sleep(r.proto.SleepTicks); err != nil {
		return err
	}
	// A sleep phase counts as the cycles of the same length for progress.
	r.report(int64(r.proto.sleepCycles(r.s.p)))
	return r.ctx.Err()
}

func (r *runner) save() [2][]float64 {
	return [2][]float64{
		append([]float64(nil), r.s.b.Weights(r.s.lay.projExc)...),
		append([]float64(nil), r.s.b.Weights(r.s.lay.projInh)...),
	}
}

// restore sets saved weights back.
func (r *runner) restore(w [2][]float64) error {
	if err := r.s.b.SetWeights(r.s.lay.projExc, w[0]); err != nil {
		return err
	}
	return r.s.b.SetWeights(r.s.lay.projInh, w[1])
}

// solutionSets returns the Task 1, Task 2 and joint solution sets of one
// seed (see DistancePoint): the last fifth of the snapshots of the runs
// that perform each.
func solutionSets(snapsOf map[string][][]float32) [3][][]float32 {
	last := func(names ...string) [][]float32 {
		var set [][]float32
		for _, n := range names {
			s := snapsOf[n]
			set = append(set, s[len(s)*4/5:]...)
		}
		return set
	}
	return [3][][]float32{
		last("task1", SleepCond, Interleaved),
		last(Task2Only, Sequential, SleepCond, Interleaved),
		last(SleepCond, Interleaved),
	}
}

// minDist returns the smallest distance from v to the first n weights of
// the points of set (+Inf for an empty set).
func minDist(v []float32, set [][]float32, n int) float64 {
	d := math.Inf(1)
	for _, s := range set {
		d = min(d, dist32(v, s[:n]))
	}
	return d
}

func dist32(a, b []float32) float64 {
	s := 0.0
	for i := range a {
		d := float64(a[i]) - float64(b[i])
		s += d * d
	}
	return math.Sqrt(s)
}
