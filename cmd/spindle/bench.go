package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spindle-sim/spindle/compare"
	"github.com/spindle-sim/spindle/examples"
	"github.com/spindle-sim/spindle/loader"
	"github.com/spindle-sim/spindle/snn"
)

// standardBenchmark is a network of the examples package that the
// literature uses to compare simulators.
type standardBenchmark struct {
	name, file, about string
}

var standardBenchmarks = []standardBenchmark{
	{"cuba", "cuba.yaml", "Brette et al. (2007) benchmark 2: 4000 current-based LIF neurons, 2% random connectivity, 0.1 ms ticks, float mode"},
	{"cuba-fixed", "cuba_fixed.yaml", "the same network in fixed-point mode (8-bit weights, Loihi-style arithmetic)"},
}

func newBenchCmd() *cobra.Command {
	var f simFlags
	var repeat int
	var withDense, asJSON, list bool
	cmd := &cobra.Command{
		Use:   "bench [NAME...]",
		Short: "Time the standard benchmarks on the event engine (and the dense reference)",
		Long: `Bench runs the standard benchmark networks, embedded in the binary, on the
event engine --repeat times each and reports the wall time per simulated
second (construction excluded; min and median over the runs) and how many
times faster than real time that is. With --dense it also runs the dense
reference once on the same network and reports its time and whether the
two agree. Without NAME it runs them all; --list names them.

The networks are the files in examples/ (cuba.yaml, cuba_fixed.yaml). The
COBA benchmark (conductance-based synapses) is not among them: Spindle's
neurons are current-based. For per-function benchmarks see
docs/benchmarks.md (go test -bench).`,
		Example: `  spindle bench
  spindle bench cuba --repeat 10 --workers 1
  spindle bench cuba-fixed --dense --json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if list {
				for _, s := range standardBenchmarks {
					fmt.Fprintf(cmd.OutOrStdout(), "%-11s %s\n", s.name, s.about)
				}
				return nil
			}
			if repeat < 1 {
				return usagef("--repeat %d: expected at least 1", repeat)
			}
			if f.ticks < 1 {
				return usagef("--ticks %d: expected a positive count", f.ticks)
			}
			if err := f.check(); err != nil {
				return err
			}
			chosen, err := chooseBenchmarks(args)
			if err != nil {
				return err
			}
			var results []*benchResult
			for _, s := range chosen {
				r, err := runBenchmark(&f, s, repeat, withDense, cmd.ErrOrStderr())
				if err != nil {
					return err
				}
				if !asJSON {
					r.print(cmd.OutOrStdout())
				}
				results = append(results, r)
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), results)
			}
			return nil
		},
	}
	f.register(cmd.Flags(), true)
	cmd.Flags().Lookup("ticks").DefValue = "10000"
	f.ticks = 10000
	cmd.Flags().Lookup("ticks").Usage = "ticks to simulate per run (10000 = 1 s of CUBA)"
	cmd.Flags().IntVar(&repeat, "repeat", 5, "runs of the event engine per benchmark")
	cmd.Flags().BoolVar(&withDense, "dense", false, "also run the dense reference once and compare")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON array, an object per benchmark")
	cmd.Flags().BoolVar(&list, "list", false, "list the benchmarks and exit")
	return cmd
}

func chooseBenchmarks(names []string) ([]standardBenchmark, error) {
	if len(names) == 0 {
		return standardBenchmarks, nil
	}
	var chosen []standardBenchmark
	for _, n := range names {
		i := slices.IndexFunc(standardBenchmarks, func(s standardBenchmark) bool { return s.name == n })
		if i < 0 {
			var known []string
			for _, s := range standardBenchmarks {
				known = append(known, s.name)
			}
			return nil, usagef("bench: unknown benchmark %q: expected one of %s", n, strings.Join(known, ", "))
		}
		chosen = append(chosen, standardBenchmarks[i])
	}
	return chosen, nil
}

// benchResult is one benchmark's timing; its JSON keys are part of the
// command-line contract of `spindle bench --json`.
type benchResult struct {
	Name         string   `json:"name"`
	Arch         string   `json:"arch"`
	Map          string   `json:"map"`
	Mode         snn.Mode `json:"mode"`
	Workers      int      `json:"workers"` // as asked; 0 lets the engine choose
	Neurons      int      `json:"neurons"`
	Synapses     int      `json:"synapses"`
	CoresUsed    int      `json:"cores_used"`
	Ticks        int64    `json:"ticks"`
	SimSeconds   float64  `json:"simulated_seconds"`
	Spikes       int64    `json:"spikes"`
	RateHz       float64  `json:"rate_hz"`
	BuildSeconds float64  `json:"build_seconds"`
	Runs         int      `json:"runs"`
	// Wall time of the runs, construction excluded.
	WallMin       float64 `json:"wall_seconds_min"`
	WallMedian    float64 `json:"wall_seconds_median"`
	RealtimeRatio float64 `json:"realtime_factor"` // simulated / median wall
	// Deterministic is true when every run gave the same spike count.
	Deterministic bool        `json:"deterministic"`
	Dense         *benchDense `json:"dense,omitempty"`
	runs          []float64   // wall seconds of each run
}

type benchDense struct {
	WallSeconds  float64 `json:"wall_seconds"`
	EventSeconds float64 `json:"event_seconds"` // the event run beside it
	Speedup      float64 `json:"speedup"`       // dense / event
	Spikes       int     `json:"spikes"`
	Identical    bool    `json:"identical"`
}

func runBenchmark(f *simFlags, s standardBenchmark, repeat int, withDense bool, progress io.Writer) (*benchResult, error) {
	start := time.Now()
	data, err := examples.Files.ReadFile(s.file)
	if err != nil {
		return nil, fmt.Errorf("bench %s: %w", s.name, err)
	}
	net, err := loader.ParseNetwork(s.file, data)
	if err != nil {
		return nil, err
	}
	b, err := f.buildNetwork(net, s.file, "", start)
	if err != nil {
		return nil, err
	}
	r := &benchResult{
		Name: s.name, Arch: b.arch.Name, Map: b.mapping.Strategy, Mode: b.mode, Workers: f.workers,
		Neurons: b.graph.N, Synapses: b.graph.Synapses(), CoresUsed: b.mapping.CoresUsed(),
		BuildSeconds: b.buildSeconds, Runs: repeat, Deterministic: true,
	}
	for i := 0; i < repeat; i++ {
		res, err := simulate(b, simOptions{ticks: f.ticks, workers: f.workers, record: recordFlags{what: "spikes"}, progress: progress})
		if err != nil {
			return nil, err
		}
		if i == 0 {
			r.Ticks, r.Spikes, r.RateHz = res.Ticks, res.Spikes, res.RateHz
			r.SimSeconds = float64(res.Ticks) * net.Dt / 1000
		} else if res.Spikes != r.Spikes {
			r.Deterministic = false
		}
		r.runs = append(r.runs, res.WallSeconds)
	}
	sorted := slices.Sorted(slices.Values(r.runs))
	r.WallMin, r.WallMedian = sorted[0], median(sorted)
	if r.WallMedian > 0 {
		r.RealtimeRatio = r.SimSeconds / r.WallMedian
	}
	if withDense {
		rep, err := compare.Run(b.graph, b.arch, b.mapping, compare.Options{Mode: b.mode, Ticks: f.ticks, Workers: f.workers, WarmupMs: -1})
		if err != nil {
			return nil, fmt.Errorf("bench %s: dense reference: %w", s.name, err)
		}
		r.Dense = &benchDense{WallSeconds: rep.DenseSeconds, EventSeconds: rep.EventSeconds, Speedup: rep.Speedup,
			Spikes: rep.DenseSpikes, Identical: rep.Identical}
	}
	return r, nil
}

// median of sorted values.
func median(sorted []float64) float64 {
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

func (r *benchResult) print(w io.Writer) {
	perSim := func(wall float64) float64 { return 1000 * wall / r.SimSeconds }
	fmt.Fprintf(w, "%s (%s mode, %s, %s map, workers %s): %d neurons, %d synapses, %d cores; %d ticks = %.3g s simulated\n",
		r.Name, r.Mode, r.Arch, r.Map, workersText(r.Workers), r.Neurons, r.Synapses, r.CoresUsed, r.Ticks, r.SimSeconds)
	fmt.Fprintf(w, "  event engine: %d spikes (%.2f Hz); %.1f ms per simulated second (median of %d runs, min %.1f), %.1fx real time; build %.2f s\n",
		r.Spikes, r.RateHz, perSim(r.WallMedian), r.Runs, perSim(r.WallMin), r.RealtimeRatio, r.BuildSeconds)
	if !r.Deterministic {
		fmt.Fprintf(w, "  warning: the runs gave different spike counts\n")
	}
	if d := r.Dense; d != nil {
		agree := "identical spikes"
		if !d.Identical {
			agree = fmt.Sprintf("%d spikes against the engine's %d (float mode agrees statistically; see spindle compare)", d.Spikes, r.Spikes)
		}
		fmt.Fprintf(w, "  dense reference: %.1f ms per simulated second, %.1fx the event engine's %.1f ms in the same run; %s\n",
			perSim(d.WallSeconds), d.Speedup, perSim(d.EventSeconds), agree)
	}
}

func workersText(n int) string {
	if n == 0 {
		return "auto"
	}
	return fmt.Sprint(n)
}
