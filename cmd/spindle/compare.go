package main

import (
	"errors"
	"fmt"
	"math"
	"path/filepath"

	"github.com/spf13/cobra"
	"github.com/spindle-sim/spindle/aer"
	"github.com/spindle-sim/spindle/compare"
	"github.com/spindle-sim/spindle/dense"
)

func newCompareCmd() *cobra.Command {
	var f simFlags
	var asJSON, stats, matvec bool
	var warmup float64
	var traces []string
	var maxMiB int64
	cmd := &cobra.Command{
		Use:   "compare NET.yaml|GRAPH.nir | compare --trace-in A.aer --trace-in B.aer",
		Short: "Compare the event engine with the dense reference, or two traces",
		Long: `Compare runs the network on the event engine (mapped onto the architecture)
and on the dense clock-driven reference, each on its own and timed, and
reports their agreement and the speed ratio.

In fixed mode the two must agree spike for spike (both quantise weights to
the architecture's weight_bits); when they do not, both are re-run in
lock-step to the first tick whose spikes differ, and the report names the
neuron and gives both simulators' state of it (raw state units). In float
mode agreement is statistical: per population, the distributions of firing
rate, ISI CV and pairwise spike-count correlation of both runs after a
warm-up, and their Kolmogorov-Smirnov distances; also the fraction of
identical spikes and the van Rossum distance.

In realtime sync (the spinnaker preset) late and dropped packets change the
spikes: the report counts them, gives the tick of the first, and says
whether the first divergence comes after it.

With two --trace-in files (and no network) it compares two recorded runs the
same way, over the longer run as the traces record it (or up to the last
spike), or over ticks 0 .. --ticks-1; the flags about the network, the
hardware and the engine do not apply.

The exit status is 0 whenever the comparison ran, whatever it found; read
"identical" from --json to act on it.`,
		Example: `  spindle compare examples/cuba_fixed.yaml --ticks 2000
  spindle compare examples/cuba.yaml --mode float --ticks 10000 --warmup 100 --json
  spindle compare examples/cuba_fixed.yaml --arch spinnaker --ticks 1000
  spindle compare --trace-in a.aer --trace-in b.aer`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(traces) > 0 {
				if len(traces) != 2 || len(args) != 0 {
					return usagef("%s: --trace-in: expected two traces and no network, got %d trace(s) and %d argument(s)", cmd.CommandPath(), len(traces), len(args))
				}
				return nil
			}
			return exactArgs(1)(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if !(warmup >= 0 || warmup == -1) || math.IsInf(warmup, 0) {
				return usagef("--warmup %v: expected a duration in ms >= 0", warmup)
			}
			if len(traces) == 2 {
				// The recordings fix the network, the hardware and the run:
				// a flag about them would be ignored.
				for _, name := range []string{"arch", "map", "chips", "mode", "seed", "workers", "stats", "matvec", "max-memory"} {
					if cmd.Flags().Changed(name) {
						return usagef("--%s: does not apply to two --trace recordings, which fixed it when they were made", name)
					}
				}
				end := int64(0)
				if cmd.Flags().Changed("ticks") {
					if f.ticks < 1 {
						return usagef("--ticks %d: expected a positive count", f.ticks)
					}
					end = int64(f.ticks)
				}
				rep, err := compareTraces(traces[0], traces[1], warmup, end)
				if err != nil {
					return err
				}
				if asJSON {
					return writeJSON(cmd.OutOrStdout(), rep)
				}
				rep.Print(cmd.OutOrStdout())
				return nil
			}
			b, err := f.build(args[0])
			if err != nil {
				return err
			}
			if st := b.stimulus; st != nil && !cmd.Flags().Changed("ticks") {
				// As run does: the stimulus and the ticks its last spikes
				// take to cross the network.
				f.ticks = int(st.Ticks) + drainTicks(b.net, st.Population)
			}
			if runMs := float64(f.ticks) * b.net.Dt; warmup >= 0 && warmup >= runMs {
				return usagef("--warmup %v ms: expected less than the run of %d ticks = %v ms", warmup, f.ticks, runMs)
			}
			bar := newProgress(cmd.ErrOrStderr(), "compare", 2*int64(f.ticks))
			rep, err := compare.Run(b.graph, b.arch, b.mapping, compare.Options{
				Mode: b.mode, Ticks: f.ticks, Workers: f.workers, WarmupMs: warmup, Stats: stats, MatVec: matvec,
				MaxDenseBytes: maxMiB << 20,
				Progress:      func(done, _ int64) { bar.update(done) },
			})
			bar.finish()
			var me *dense.MemoryError
			if errors.As(err, &me) {
				return fmt.Errorf("%s: the dense reference needs %d MiB, above --max-memory %d: raise --max-memory (negative: no limit) or compare a smaller network",
					args[0], (me.Need+1<<20-1)>>20, me.Limit>>20)
			}
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), rep)
			}
			rep.Print(cmd.OutOrStdout())
			return nil
		},
	}
	f.register(cmd.Flags(), true)
	f.stim = &stimulusFlags{}
	f.stim.register(cmd.Flags())
	cmd.Flags().Float64Var(&warmup, "warmup", -1, fmt.Sprintf("ms left out of the rate/CV/correlation distributions (default: %g ms, at most a fifth of the run)", compare.DefaultWarmupMs))
	cmd.Flags().BoolVar(&matvec, "matvec", false, "run the dense reference as a full matrix-vector product per tick (the clock-driven cost; slow) instead of adding the rows of the neurons that fired")
	cmd.Flags().Int64Var(&maxMiB, "max-memory", dense.DefaultMaxBytes>>20, "MiB the dense reference may allocate (negative: no limit)")
	cmd.Flags().BoolVar(&stats, "stats", false, "report the distribution statistics in fixed mode even when the runs are identical")
	cmd.Flags().StringArrayVar(&traces, "trace-in", nil, "a recorded .aer trace to read; give two to compare them instead of a network")
	renamedFlags(cmd, map[string]string{"trace": "trace-in"})
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object")
	return cmd
}

// compareTraces reads two traces and compares their spikes over ticks
// [0, end), or, with end 0, over the longer of the recorded runs (or up to
// the last spike of a trace that does not record its run).
func compareTraces(pathA, pathB string, warmupMs float64, end int64) (*compare.SpikesReport, error) {
	a, metaA, err := readRecording(pathA, end)
	if err != nil {
		return nil, err
	}
	b, metaB, err := readRecording(pathB, end)
	if err != nil {
		return nil, err
	}
	if metaA.DtMs != metaB.DtMs {
		return nil, fmt.Errorf("%s has ticks of %g ms, %s of %g ms: expected the same time step", pathA, metaA.DtMs, pathB, metaB.DtMs)
	}
	pops := metaA.Populations
	ticks := end
	if ticks == 0 {
		for _, m := range []aer.Meta{metaA, metaB} {
			if m.Run != nil {
				ticks = max(ticks, m.Run.Ticks)
			}
		}
		for _, l := range [][]aer.Spike{a.Spikes, b.Spikes} {
			for _, s := range l {
				ticks = max(ticks, s.Time+1)
			}
		}
	}
	if ticks == 0 {
		return nil, fmt.Errorf("%s and %s hold no spike and do not record how long their runs lasted: nothing to compare; give --ticks", pathA, pathB)
	}
	if warmupMs >= 0 && warmupMs >= float64(ticks)*metaA.DtMs {
		return nil, usagef("--warmup %v ms: expected less than the recordings' %v ms", warmupMs, float64(ticks)*metaA.DtMs)
	}
	return compare.Spikes(a, b, compare.SpikesOptions{Dt: metaA.DtMs, Ticks: ticks, WarmupMs: warmupMs, Populations: pops})
}

// readRecording reads the spikes of a trace and counts its late and
// dropped packets, those of ticks [0, end) when end > 0.
func readRecording(path string, end int64) (*compare.Recording, aer.Meta, error) {
	r, err := aer.Open(path)
	if err != nil {
		return nil, aer.Meta{}, err
	}
	defer r.Close()
	m := r.Meta()
	if m.TimeUnit != aer.UnitTick {
		return nil, m, fmt.Errorf("%s: time unit %q: only traces in ticks (recorded runs) can be compared", path, m.TimeUnit)
	}
	if err := requireSpikes(path, m); err != nil {
		return nil, m, err
	}
	before := func(t int64) bool { return end == 0 || t < end }
	// The statistics index neurons by address: an address past the
	// populations the trace declares is a damaged or foreign trace.
	var neurons uint64
	for _, p := range m.Populations {
		neurons = max(neurons, uint64(p.First)+uint64(p.Size))
	}
	rec := &compare.Recording{Name: filepath.Base(path), FirstBadTick: -1}
	for s, err := range r.Spikes() {
		if err != nil {
			return nil, m, err
		}
		if len(m.Populations) > 0 && uint64(s.Addr) >= neurons {
			return nil, m, fmt.Errorf("%s: spike at tick %d: address %d beyond the %d neurons of the populations the trace declares", path, s.Time, s.Addr, neurons)
		}
		if before(s.Time) {
			rec.Spikes = append(rec.Spikes, s)
		}
	}
	if m.Has(aer.KindPacket) {
		for p, err := range r.Packets() {
			if err != nil {
				return nil, m, err
			}
			if !before(p.Emit) {
				continue
			}
			bad := false
			if p.Flags&aer.FlagDropped != 0 {
				rec.PacketsDropped++
				bad = true
			} else if p.Flags&aer.FlagLate != 0 {
				rec.PacketsLate++
				bad = true
			}
			if bad && (rec.FirstBadTick < 0 || p.Emit < rec.FirstBadTick) {
				rec.FirstBadTick = p.Emit
			}
		}
	}
	return rec, m, nil
}
