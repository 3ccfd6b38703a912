package foraging

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/spindle-sim/spindle/snn"
)

// aggregate turns the seeds' outcomes into a Result.
func aggregate(outs []*seedOutcome, mode snn.Mode, proto Protocol) *Result {
	res := &Result{
		Mode: mode.String(), Protocol: proto,
		Conditions: map[string]ConditionScore{},
		Curves:     map[string][]CurvePoint{},
		Distances:  map[string][]DistancePoint{},
	}
	for _, o := range outs {
		res.Seeds = append(res.Seeds, o.seed)
		res.PerSeed = append(res.PerSeed, SeedResult{Seed: o.seed, Perf: o.perf, Eaten: o.eaten})
	}
	for _, c := range append(append([]string(nil), Conditions...), Task2Only) {
		var t1, t2 []float64
		for _, o := range outs {
			p := o.perf[c]
			t1 = append(t1, p[0])
			t2 = append(t2, p[1])
		}
		if c == Task2Only {
			continue // reported through PerSeed only
		}
		res.Conditions[c] = ConditionScore{Task1: Summarise(t1), Task2: Summarise(t2)}
	}
	var d1, d2 []float64
	for _, o := range outs {
		sl, sq := o.perf[SleepCond], o.perf[Sequential]
		d1 = append(d1, sl[0]-sq[0])
		d2 = append(d2, sl[1]-sq[1])
	}
	res.SleepEffect = ConditionScore{Task1: Summarise(d1), Task2: Summarise(d2)}
	res.Surviving = map[string]MeanSD{}
	for _, c := range []string{Sequential, SleepCond, Interleaved} {
		var v []float64
		for _, o := range outs {
			if x, ok := o.surviving[c]; ok {
				v = append(v, x)
			}
		}
		if len(v) > 0 {
			res.Surviving[c] = Summarise(v)
		}
	}

	// Curves and distances: Task 1 training first, then each condition's
	// Task 2 phase, on one cycle axis from the start of Task 1.
	task1Len := proto.Task1
	for _, name := range []string{"task1", Sequential, SleepCond, Interleaved, Task2Only} {
		offset := task1Len
		if name == "task1" || name == Task2Only {
			offset = 0
		}
		label := map[string]string{"task1": "task1", Sequential: "task2", SleepCond: "task2", Interleaved: "task2+task1", Task2Only: "task2"}[name]
		if n := minLen(outs, func(o *seedOutcome) int { return len(o.curves[name]) }); n > 0 {
			pts := make([]CurvePoint, n)
			for i := range pts {
				sum := 0.0
				for _, o := range outs {
					sum += o.curves[name][i]
				}
				pts[i] = CurvePoint{Cycle: offset + (i+1)*proto.CurveEvery, Perf: sum / float64(len(outs)), Task: label}
			}
			res.Curves[name] = pts
		}
		if n := minLen(outs, func(o *seedOutcome) int { return len(o.dists[name]) }); n > 0 {
			pts := make([]DistancePoint, n)
			for i := range pts {
				var sum [3]float64
				for _, o := range outs {
					for k := range sum {
						sum[k] += o.dists[name][i][k]
					}
				}
				k := float64(len(outs))
				pts[i] = DistancePoint{Cycle: offset + i*proto.SnapshotEvery, ToTask1: sum[0] / k, ToTask2: sum[1] / k, ToBoth: sum[2] / k}
			}
			res.Distances[name] = pts
		}
	}
	if len(outs) > 0 {
		res.Trajectory = trajectory(outs)
		res.Histograms = outs[0].hist
	}
	return res
}

func minLen(outs []*seedOutcome, f func(*seedOutcome) int) int {
	n := math.MaxInt
	for _, o := range outs {
		n = min(n, f(o))
	}
	if n == math.MaxInt {
		return 0
	}
	return n
}

// TrajectoryOrder is the order in which trajectories are drawn.
var TrajectoryOrder = []string{"task1", Task2Only, Sequential, SleepCond, Interleaved}

// trajectory projects the excitatory weights of every snapshot of every
// seed on the first two principal components of all of them together.
func trajectory(outs []*seedOutcome) *Trajectory {
	const exc = HiddenSize * Moves
	var points [][]float64
	type at struct {
		seed int
		name string
	}
	var owner []at
	for k, o := range outs {
		for _, name := range TrajectoryOrder {
			for _, v := range o.traj[name] {
				p := make([]float64, min(exc, len(v)))
				for i := range p {
					p[i] = float64(v[i])
				}
				points = append(points, p)
				owner = append(owner, at{k, name})
			}
		}
	}
	proj, expl, err := PCA(points, 2)
	if err != nil || len(expl) < 2 {
		return nil
	}
	paths := make([]map[string][][2]float64, len(outs))
	for k := range paths {
		paths[k] = map[string][][2]float64{}
	}
	for i, p := range proj {
		w := owner[i]
		paths[w.seed][w.name] = append(paths[w.seed][w.name], [2]float64{p[0], p[1]})
	}
	return &Trajectory{Explained: [2]float64{expl[0], expl[1]}, Paths: paths[0], Others: paths[1:]}
}

// task1Relevant returns the Task 1-relevant synapses: the tenth of the
// excitatory hidden->output synapses with the largest weights after Task 1
// (the paper's "top 10%", Golden et al. 2022, Fig 4C).
func task1Relevant(t1 []float64) []int {
	idx := make([]int, len(t1))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return t1[idx[a]] > t1[idx[b]] })
	return idx[:max(1, len(t1)/10)]
}

// surviving returns the fraction of the synapses idx whose weight in w is
// still above half their weight after Task 1.
func surviving(idx []int, t1 []float64, w []float32) float64 {
	n := 0
	for _, i := range idx {
		if float64(w[i]) > 0.5*t1[i] {
			n++
		}
	}
	return float64(n) / float64(len(idx))
}

// relevantHistograms returns the weights of the Task 1-relevant synapses
// (task1Relevant) before Task 1, after it and at the end of each
// condition.
func relevantHistograms(pre, t1 [2][]float64, final map[string][]float32) *Histograms {
	idx := task1Relevant(t1[0])
	h := &Histograms{Stages: []string{"pretrained", AfterTask1, Sequential, SleepCond, Interleaved}, Values: map[string][]float64{}}
	pick := func(w func(i int) float64) []float64 {
		v := make([]float64, len(idx))
		for k, i := range idx {
			v[k] = w(i)
		}
		return v
	}
	h.Values["pretrained"] = pick(func(i int) float64 { return pre[0][i] })
	h.Values[AfterTask1] = pick(func(i int) float64 { return t1[0][i] })
	for _, c := range []string{Sequential, SleepCond, Interleaved} {
		last, ok := final[c]
		if !ok {
			continue
		}
		h.Values[c] = pick(func(i int) float64 { return float64(last[i]) })
	}
	return h
}

// Summary is a one-paragraph account of a result, for 'spindle demo' and
// logs: the test performance of every condition.
func (r *Result) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "foraging (%d seed(s), %s mode, %.1f s):", len(r.Seeds), r.Mode, r.WallSeconds)
	for _, c := range Conditions {
		s := r.Conditions[c]
		fmt.Fprintf(&b, " %s %.2f/%.2f", c, s.Task1.Mean, s.Task2.Mean)
	}
	b.WriteString(" (Task 1/Task 2 performance; chance 0.5)")
	return b.String()
}
