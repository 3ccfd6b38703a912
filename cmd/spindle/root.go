package main

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

// usageError marks a mistake in the command line itself (unknown flag,
// wrong number of arguments, a flag value out of range); it exits with 2.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Errorf(format, args...)}
}

// exactArgs is cobra.ExactArgs reporting a usage error.
func exactArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return usagef("%s: expected %d argument(s), got %d (see --help)", cmd.CommandPath(), n, len(args))
		}
		return nil
	}
}

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "spindle",
		Short: "Neuromorphic-hardware event simulator for spiking networks",
		Long: `Spindle partitions a spiking network across simulated neuromorphic cores,
routes address-event packets over a modelled network-on-chip, learns and
sleeps on the cores, records compressed AER traces and compares every run
with a dense reference simulation.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &usageError{err} })
	root.AddCommand(
		newDemoCmd(),
		newRunCmd(),
		newMapCmd(),
		newReplayCmd(),
		newTraceCmd(),
		newArchCmd(),
		newSleepCmd(),
		newCompareCmd(),
	)
	return root
}

// writeJSON prints v as indented JSON, the one format behind every --json flag.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
