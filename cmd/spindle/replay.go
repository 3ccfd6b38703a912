package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spindle-sim/spindle/aer"
	"github.com/spindle-sim/spindle/chip"
)

func newReplayCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "replay SUBCOMMAND",
		Short: "Replay a recorded trace",
		Long:  `Replay pushes a recorded spike trace through a network's hardware mapping.`,
	}
	cmd.AddCommand(newReplayTrafficCmd())
	requireSubcommand(cmd)
	return cmd
}

// replayResult is runResult with what a replay adds; the shared keys mean
// the same as in 'spindle run --json'.
type replayResult struct {
	*runResult
	Trace        string   `json:"trace"`
	SpikesPerSec float64  `json:"replayed_spikes_per_second"`
	NotModelled  []string `json:"not_modelled"`
	// TraceSpikes is every spike of the trace; Spikes, those replayed.
	TraceSpikes int64 `json:"trace_spikes"`
	// Warnings say why the replay may not reproduce the recorded run.
	Warnings []string `json:"warnings"`
}

// requireSpikes refuses a trace that records no spikes, which a replay or
// a comparison would otherwise take for a silent run.
func requireSpikes(path string, m aer.Meta) error {
	if m.Has(aer.KindSpike) {
		return nil
	}
	return fmt.Errorf("%s holds no spike records, only %s: record the run with --record spikes or --record all", path, strings.Join(m.Kinds, ", "))
}

func newReplayTrafficCmd() *cobra.Command {
	var f simFlags
	var net string
	var asJSON bool
	var ticks int64
	cmd := &cobra.Command{
		Use:   "traffic TRACE.aer --net NET.yaml",
		Short: "Push a recorded trace's spike traffic through a mapping, without simulating neurons",
		Long: `Traffic replays every spike of a recorded trace through the network-on-chip
of a mapping: one packet per (spike, destination core) exactly as the event
engine sends them, with the same router, link timing, drops and late
packets, and counts the synaptic events of the delivered packets. Neuron
updates are not known from spikes: they are left out of the energy and the
modelled tick time (see docs/energy.md). The trace must be a spike trace of
the network (same populations, sizes and dt). The output has the keys of
'spindle run --json'.

The replay lasts as long as the recorded run (the trace records its ticks),
or --ticks: spikes from tick --ticks on are left out. Through the run's own
arch and mapping it reproduces the run's counts exactly when the network is
built as in the run: a warning (stderr, and "warnings" in --json) says when
the seed, the network or the stimulus differ from the trace's record.`,
		Example: `  spindle run examples/topographic.yaml --ticks 500 --trace run.aer
  spindle replay traffic run.aer --net examples/topographic.yaml --map locality --json`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if net == "" {
				return usagef("replay traffic: --net NET.yaml is required")
			}
			if ticks < 0 {
				return usagef("--ticks %d: expected a non-negative count", ticks)
			}
			b, err := f.build(net)
			if err != nil {
				return err
			}
			tr, err := aer.Open(args[0])
			if err != nil {
				return err
			}
			defer tr.Close()
			meta := tr.Meta()
			if err := requireSpikes(args[0], meta); err != nil {
				return err
			}
			if err := chip.CheckTrace(b.graph, meta); err != nil {
				return fmt.Errorf("%s does not belong to %s: %w", args[0], net, err)
			}
			warnings := replayWarnings(args[0], meta.Run, b, cmd.Flags().Changed("ticks"))
			if !cmd.Flags().Changed("ticks") && meta.Run != nil {
				ticks = meta.Run.Ticks
			}
			for _, w := range warnings {
				fmt.Fprintln(cmd.ErrOrStderr(), "spindle: warning:", w)
			}
			perPop := make([]int64, len(b.net.Populations))
			var readErr error
			spikes := func(yield func(int64, uint32) bool) {
				for s, err := range tr.Spikes() {
					if err != nil {
						readErr = err
						return
					}
					if ticks > 0 && s.Time >= ticks {
						return
					}
					if int64(s.Addr) < int64(b.graph.N) {
						perPop[b.graph.PopOf(int(s.Addr))]++
					}
					if !yield(s.Time, s.Addr) {
						return
					}
				}
			}
			start := time.Now()
			p, err := chip.ReplayTraffic(b.graph, b.arch, b.mapping, f.timingRule(), spikes, ticks)
			if err == nil {
				err = readErr
			}
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			wall := time.Since(start).Seconds()
			s := p.Stats()
			res := &replayResult{
				runResult:   summarise(b, s, perPop, wall),
				Trace:       args[0],
				TraceSpikes: tr.Count(aer.KindSpike),
				NotModelled: []string{"neuron_updates", "energy_joules.by_component.neuron", "neuron update time in modelled_seconds_per_tick"},
				Warnings:    append([]string{}, warnings...),
			}
			if wall > 0 {
				res.SpikesPerSec = float64(s.Spikes) / wall
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), res)
			}
			res.print(cmd.OutOrStdout())
			left := ""
			if n := res.TraceSpikes - s.Spikes; n > 0 {
				left = fmt.Sprintf(", leaving out the %d from tick %d on", n, s.Ticks)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "replayed %d spikes of the trace's %d%s in %.3f s (%.3g spikes/s); not modelled: neuron updates\n",
				s.Spikes, res.TraceSpikes, left, wall, res.SpikesPerSec)
			return nil
		},
	}
	f.register(cmd.Flags(), false)
	f.registerTiming(cmd.Flags())
	cmd.Flags().StringVar(&net, "net", "", "the network file the trace was recorded from (required)")
	cmd.Flags().Int64Var(&ticks, "ticks", 0, "ticks to replay; spikes from this tick on are left out (default: the recorded run's length; 0: up to the trace's last spike)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object")
	return cmd
}

// replayWarnings says where the network b differs from the one the run
// recorded in a trace was built from, and so why the replay may not give
// the run's numbers.
func replayWarnings(path string, run *aer.Run, b *built, ticksGiven bool) []string {
	if run == nil {
		if ticksGiven {
			return nil
		}
		return []string{fmt.Sprintf("%s does not record its run (written by an older version or another program): replaying up to its last spike, with the network as built here", path)}
	}
	var out []string
	if run.Name != b.net.Name {
		out = append(out, fmt.Sprintf("%s was recorded from network %q, the replay builds %q", path, run.Name, b.net.Name))
	}
	if run.Seed != b.net.Seed {
		out = append(out, fmt.Sprintf("%s was recorded with seed %d, the replay builds the network with seed %d: random connections (and the random mapping) differ, and so do the counts; give --seed %d", path, run.Seed, b.net.Seed, run.Seed))
	}
	if run.Stimulus != "" && b.mapping.Strategy == "locality" {
		out = append(out, fmt.Sprintf("%s was recorded with --stimulus %s, which the replay does not apply: the locality mapping weighs the inputs' expected rates, so it may place neurons otherwise than the run", path, run.Stimulus))
	}
	if run.Ticks == 0 && !ticksGiven {
		out = append(out, fmt.Sprintf("%s does not record how long its run lasted: replaying up to its last spike; give --ticks", path))
	}
	return out
}
