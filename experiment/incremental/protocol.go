package incremental

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"time"
)

// Tasks is the number of tasks of two digits: task k (0-based) holds
// digits 2k and 2k+1.
const Tasks = 5

// Sizes are the layer sizes of the recipe's network.
var Sizes = []int{Pixels, 1200, 1200, Classes}

// InitRange is the half-width of the uniform initial weights.
const InitRange = 0.01

// TaskOf returns the task (0-based) of a digit.
func TaskOf(digit uint8) int { return int(digit) / 2 }

// Split holds the image indices of each task in file order.
type Split struct {
	All   [Tasks][]int // every training image of the task
	Train [Tasks][]int // the first PerTask of them, which the training sees
}

// NewSplit splits s into the five tasks, keeping the first perTask
// images of each for training and, if seenLimit > 0, only the first
// seenLimit of each task for the normalisation and the mean image.
func NewSplit(s *Set, perTask, seenLimit int) Split {
	var sp Split
	for i, y := range s.Labels {
		k := TaskOf(y)
		sp.All[k] = append(sp.All[k], i)
	}
	for k := range sp.All {
		sp.Train[k] = sp.All[k][:min(perTask, len(sp.All[k]))]
		if seenLimit > 0 {
			sp.All[k] = sp.All[k][:min(seenLimit, len(sp.All[k]))]
		}
	}
	return sp
}

// seen returns every training image of tasks 0..k.
func (sp *Split) seen(k int) []int {
	var idx []int
	for j := 0; j <= k; j++ {
		idx = append(idx, sp.All[j]...)
	}
	return idx
}

// Sleeper runs the sleep phase on the weights of a network.
type Sleeper interface {
	// Sleep changes the weights of n in place by the recipe's sleep with
	// input scales alpha and the given input, and returns its cost.
	Sleep(n *Net, alpha []float64, in *InputTrain) (SleepCost, error)
}

// SleepCost is what one sleep phase cost.
type SleepCost struct {
	Ticks           int64
	EnergyJoules    float64 // from the hardware model; 0 for the host reference
	ModelledSeconds float64 // from the hardware model; 0 for the host reference
	Spikes          []int64 // per layer, input first
	Cores           int     // cores the network was mapped onto; 0 for the host
	Binding         string  // the per-core limit that bound the mapping
}

// Reference is the float64 host sleep of the recipe (zero delay,
// pairing within one step).
type Reference struct{ P SleepParams }

// Sleep implements Sleeper.
func (r Reference) Sleep(n *Net, alpha []float64, in *InputTrain) (SleepCost, error) {
	st, err := ReferenceSleep(n, alpha, in, &r.P)
	return SleepCost{Ticks: int64(in.Steps()), Spikes: st.Spikes}, err
}

// Options configure Run.
type Options struct {
	Data   *Data
	Trials int
	Seed   uint64
	// Sizes are the layer sizes of the network; nil means Sizes (the
	// recipe's 784-1200-1200-10). The first must be Pixels, the last
	// Classes, and there must be three weight layers.
	Sizes   []int
	PerTask int // training images per task; 0 means 5,000
	// SeenLimit, if > 0, keeps only the first SeenLimit images of each
	// task for the normalisation and the mean image (a preview; the
	// recipe uses all of them).
	SeenLimit int
	// BeforeSleep also scores the SRC network before each sleep.
	BeforeSleep bool
	// TestLimit, if > 0, evaluates on the first TestLimit test images
	// only (a preview; the targets are on all 10,000).
	TestLimit  int
	StepsScale float64 // multiplies the sleep lengths; 0 means 1
	Joint      bool    // also train the joint upper bound on all 60,000 images
	Train      Train
	Sleep      SleepParams
	Sleeper    Sleeper
	Progress   func(msg string) // may be nil
}

// Stat is a mean and sample standard deviation over trials, percent.
type Stat struct {
	Mean float64 `json:"mean"`
	SD   float64 `json:"sd"`
}

// TaskScore is the accuracy after task k (1-based) of one trial.
type TaskScore struct {
	Trial      int
	Task       int
	Sequential Score
	BeforeSrc  Score // the SRC network before its sleep
	Src        Score // after its sleep
	Alpha      []float64
	Sleep      SleepCost
}

// Result is the outcome of Run. Accuracies are fractions.
type Result struct {
	Trials     int
	Sequential []float64 // per trial, after task 5
	Src        []float64
	Joint      []float64 // empty without Options.Joint
	PerTask    []TaskScore
	Wall       time.Duration
}

// Summary returns mean and sd in percent.
func Summary(x []float64) Stat {
	if len(x) == 0 {
		return Stat{}
	}
	var m float64
	for _, v := range x {
		m += v
	}
	m /= float64(len(x))
	var ss float64
	for _, v := range x {
		ss += (v - m) * (v - m)
	}
	sd := 0.0
	if len(x) > 1 {
		sd = math.Sqrt(ss / float64(len(x)-1))
	}
	return Stat{Mean: 100 * m, SD: 100 * sd}
}

func (o *Options) defaults() error {
	if o.Data == nil {
		return fmt.Errorf("incremental: no MNIST data")
	}
	if o.Trials < 1 {
		return fmt.Errorf("incremental: trials %d: expected at least 1", o.Trials)
	}
	if o.PerTask == 0 {
		o.PerTask = 5000
	}
	if o.Sizes == nil {
		o.Sizes = Sizes
	}
	if len(o.Sizes) != len(Sizes) || o.Sizes[0] != Pixels || o.Sizes[len(o.Sizes)-1] != Classes {
		return fmt.Errorf("incremental: layer sizes %v: expected %d-H1-H2-%d", o.Sizes, Pixels, Classes)
	}
	for _, n := range o.Sizes {
		if n < 1 {
			return fmt.Errorf("incremental: layer sizes %v: expected positive sizes", o.Sizes)
		}
	}
	if o.StepsScale == 0 {
		o.StepsScale = 1
	}
	if o.Train.Batch == 0 {
		o.Train = RecipeTrain
	}
	if o.Sleep.Steps == 0 {
		o.Sleep = RecipeSleep
	}
	if o.Sleeper == nil {
		o.Sleeper = Reference{P: o.Sleep}
	}
	if o.PerTask < o.Train.Batch || o.StepsScale < 0 {
		return fmt.Errorf("incremental: %d images per task, steps scale %v: expected at least one batch and a scale > 0", o.PerTask, o.StepsScale)
	}
	return nil
}

// Run runs the class-incremental protocol: per trial one initial
// network, trained task after task without sleep (sequential) and with a
// sleep after every task (SRC), and optionally on all tasks at once
// (joint). The sequential and SRC chains of a trial run concurrently.
func Run(ctx context.Context, opt Options) (*Result, error) {
	if err := opt.defaults(); err != nil {
		return nil, err
	}
	start := time.Now()
	d := opt.Data
	split := NewSplit(&d.Train, opt.PerTask, opt.SeenLimit)
	test := d.Test
	if opt.TestLimit > 0 && opt.TestLimit < test.Len() {
		test = Set{Pixels: test.Pixels[:opt.TestLimit*Pixels], Labels: test.Labels[:opt.TestLimit]}
	}
	res := &Result{Trials: opt.Trials}
	say := func(format string, a ...any) {
		if opt.Progress != nil {
			opt.Progress(fmt.Sprintf(format, a...))
		}
	}
	for trial := range opt.Trials {
		seed := opt.Seed + uint64(trial)
		init := NewNet(opt.Sizes, InitRange, rand.New(rand.NewPCG(seed, 1)))
		scores := make([]TaskScore, Tasks)
		var wg sync.WaitGroup
		var seqErr, srcErr, jointErr error
		var joint float64
		wg.Add(2)
		go func() {
			defer wg.Done()
			net := init.Clone()
			rng := rand.New(rand.NewPCG(seed, 2))
			for k := range Tasks {
				if err := ctx.Err(); err != nil {
					seqErr = err
					return
				}
				if err := net.Fit(&d.Train, split.Train[k], opt.Train, rng); err != nil {
					seqErr = err
					return
				}
				scores[k].Sequential = net.Evaluate(&test, opt.Train.Dropout)
				say("trial %d task %d: sequential %.2f %%", trial+1, k+1, 100*scores[k].Sequential.Total)
			}
			if opt.Joint {
				net := init.Clone()
				all := make([]int, d.Train.Len())
				for i := range all {
					all[i] = i
				}
				if err := net.Fit(&d.Train, all, opt.Train, rand.New(rand.NewPCG(seed, 4))); err != nil {
					jointErr = err
					return
				}
				joint = net.Evaluate(&test, opt.Train.Dropout).Total
				say("trial %d: joint %.2f %%", trial+1, 100*joint)
			}
		}()
		go func() {
			defer wg.Done()
			net := init.Clone()
			rng := rand.New(rand.NewPCG(seed, 3))
			for k := range Tasks {
				if err := ctx.Err(); err != nil {
					srcErr = err
					return
				}
				if err := net.Fit(&d.Train, split.Train[k], opt.Train, rng); err != nil {
					srcErr = err
					return
				}
				sc := &scores[k]
				sc.Trial, sc.Task = trial+1, k+1
				if opt.BeforeSleep {
					sc.BeforeSrc = net.Evaluate(&test, opt.Train.Dropout)
				}
				seen := split.seen(k)
				sc.Alpha = Scales(net, &d.Train, seen, opt.Train.Dropout, opt.Sleep.AlphaScale)
				mean := MeanImage(&d.Train, seen)
				steps := int(math.Round(float64(opt.Sleep.SleepSteps(k+1)) * opt.StepsScale))
				in := opt.Sleep.NewInputTrain(mean, steps, rng)
				cost, err := opt.Sleeper.Sleep(net, sc.Alpha, in)
				if err != nil {
					srcErr = fmt.Errorf("trial %d, sleep after task %d: %w", trial+1, k+1, err)
					return
				}
				sc.Sleep = cost
				sc.Src = net.Evaluate(&test, opt.Train.Dropout)
				before := ""
				if opt.BeforeSleep {
					before = fmt.Sprintf("%.2f %% before sleep, ", 100*sc.BeforeSrc.Total)
				}
				say("trial %d task %d: SRC %s%.2f %% after sleep (alpha %.3g; spikes per layer %v)", trial+1, k+1, before, 100*sc.Src.Total, sc.Alpha, cost.Spikes)
			}
		}()
		wg.Wait()
		for _, err := range []error{seqErr, srcErr, jointErr} {
			if err != nil {
				return nil, err
			}
		}
		res.PerTask = append(res.PerTask, scores...)
		res.Sequential = append(res.Sequential, scores[Tasks-1].Sequential.Total)
		res.Src = append(res.Src, scores[Tasks-1].Src.Total)
		if opt.Joint {
			res.Joint = append(res.Joint, joint)
		}
	}
	res.Wall = time.Since(start)
	return res, nil
}
