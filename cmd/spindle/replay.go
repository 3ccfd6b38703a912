package main

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"
	"github.com/spindle-sim/spindle/aer"
	"github.com/spindle-sim/spindle/chip"
)

func newReplayCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "replay",
		Short: "Replay a recorded trace",
		Long:  `Replay pushes a recorded spike trace through a network's hardware mapping.`,
	}
	cmd.AddCommand(newReplayTrafficCmd())
	return cmd
}

// replayResult is runResult with what a replay adds; the shared keys mean
// the same as in 'spindle run --json'.
type replayResult struct {
	*runResult
	Trace          string   `json:"trace"`
	SpikesPerSec   float64  `json:"replayed_spikes_per_second"`
	NotModelled    []string `json:"not_modelled"`
	SpikesRecorded int64    `json:"trace_spikes"`
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
'spindle run --json'.`,
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
			if err := chip.CheckTrace(b.graph, tr.Meta()); err != nil {
				return fmt.Errorf("%s does not belong to %s: %w", args[0], net, err)
			}
			perPop := make([]int64, len(b.net.Populations))
			var readErr error
			buf := make([]aer.Spike, 1<<16)
			spikes := func(yield func(int64, uint32) bool) {
				for {
					n, err := tr.ReadSpikes(buf)
					for _, s := range buf[:n] {
						if int64(s.Addr) < int64(b.graph.N) {
							perPop[b.graph.PopOf(int(s.Addr))]++
						}
						if !yield(s.Time, s.Addr) {
							return
						}
					}
					if errors.Is(err, io.EOF) {
						return
					}
					if err != nil {
						readErr = err
						return
					}
				}
			}
			start := time.Now()
			p, err := chip.ReplayTraffic(b.graph, b.arch, b.mapping, spikes, ticks)
			if err == nil {
				err = readErr
			}
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			wall := time.Since(start).Seconds()
			s := p.Stats()
			res := &replayResult{
				runResult:      summarise(b, s, perPop, wall),
				Trace:          args[0],
				SpikesRecorded: s.Spikes,
				NotModelled:    []string{"neuron_updates", "energy_joules.by_component.neuron", "neuron update time in modelled_seconds_per_tick"},
			}
			if wall > 0 {
				res.SpikesPerSec = float64(s.Spikes) / wall
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), res)
			}
			res.print(cmd.OutOrStdout())
			fmt.Fprintf(cmd.OutOrStdout(), "replayed %d spikes in %.3f s (%.3g spikes/s); not modelled: neuron updates\n", s.Spikes, wall, res.SpikesPerSec)
			return nil
		},
	}
	f.register(cmd.Flags(), false)
	cmd.Flags().StringVar(&net, "net", "", "the network file the trace was recorded from (required)")
	cmd.Flags().Int64Var(&ticks, "ticks", 0, "ticks to replay (0: up to the trace's last spike)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object")
	return cmd
}
