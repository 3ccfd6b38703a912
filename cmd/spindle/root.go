package main

import (
	"encoding/json"
	"fmt"
	"io"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
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

// minArgs refuses fewer than n positional arguments.
func minArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < n {
			return usagef("%s: expected at least %d argument(s), got %d (see --help)", cmd.CommandPath(), n, len(args))
		}
		return nil
	}
}

// requireSubcommand makes cmd, which only groups subcommands, refuse to
// run on its own: cobra would print the help and succeed, hiding a
// mistyped or missing subcommand from scripts.
func requireSubcommand(cmd *cobra.Command) {
	cmd.Args = cobra.ArbitraryArgs
	cmd.RunE = subcommandError
}

// subcommandError is the usage error for a missing or unknown subcommand
// of cmd, naming the subcommands there are.
func subcommandError(cmd *cobra.Command, args []string) error {
	var names []string
	for _, c := range cmd.Commands() {
		if c.IsAvailableCommand() {
			names = append(names, c.Name())
		}
	}
	if len(args) == 0 {
		return usagef("%s: expected a subcommand, one of %s (see --help)", cmd.CommandPath(), strings.Join(names, ", "))
	}
	return usagef("unknown command %q for %q: expected one of %s", args[0], cmd.CommandPath(), strings.Join(names, ", "))
}

// renamedFlags keeps the old names of renamed flags of cmd working, as
// spellings of the new ones, so that scripts written for them still run;
// help and errors show only the new names. On the command line -o is
// always a file (--output) and --out-dir a folder; --trace writes a trace
// and --trace-in reads one.
func renamedFlags(cmd *cobra.Command, oldToNew map[string]string) {
	cmd.Flags().SetNormalizeFunc(func(_ *pflag.FlagSet, name string) pflag.NormalizedName {
		if n, ok := oldToNew[name]; ok {
			name = n
		}
		return pflag.NormalizedName(name)
	})
}

// version is the module version the binary was built from: a tag or a
// pseudo-version, else "(devel)" and the commit when the build recorded it.
func version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok || info.Main.Version == "" {
		return "(devel)"
	}
	v := info.Main.Version
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" && v == "(devel)" {
			v += " " + s.Value
		}
	}
	return v
}

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "spindle",
		Short: "Neuromorphic-hardware event simulator for spiking networks",
		Long: `Spindle partitions a spiking network across simulated neuromorphic cores,
routes address-event packets over a modelled network-on-chip, learns and
sleeps on the cores, records compressed AER traces and compares every run
with a dense reference simulation.`,
		Version: version(),
		Args:    cobra.ArbitraryArgs,
		// Alone, the program shows its help: that is how one discovers it.
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cmd.Help()
			}
			return subcommandError(cmd, args)
		},
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &usageError{err} })
	root.AddCommand(
		newDemoCmd(),
		newRunCmd(),
		newResumeCmd(),
		newMapCmd(),
		newReplayCmd(),
		newTraceCmd(),
		newArchCmd(),
		newSleepCmd(),
		newCompareCmd(),
		newBenchCmd(),
		newConvertCmd(),
	)
	return root
}

// writeJSON prints v as indented JSON, the one format behind every --json flag.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
