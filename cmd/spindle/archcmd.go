package main

import (
	"fmt"

	"github.com/spf13/cobra"
	"github.com/spindle-sim/spindle/chip"
	"github.com/spindle-sim/spindle/loader"
)

func newArchCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "arch",
		Short: "List and show the architecture presets",
		Long: `The presets describe Loihi-like (one 32-chip board, or 768 chips as in
Pohoiki Springs), TrueNorth-like and SpiNNaker-like hardware. They are embedded in the binary; 'arch show NAME' prints one as
YAML, which is also a starting point for an arch file of your own
(write "base: NAME" and override fields).`,
	}
	var listJSON, showJSON bool
	list := &cobra.Command{
		Use:   "list",
		Short: "List the presets",
		Args:  exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			var archs []*chip.Arch
			for _, name := range loader.Presets() {
				a, err := loader.LoadArch(name)
				if err != nil {
					return err
				}
				archs = append(archs, a)
			}
			if listJSON {
				return writeJSON(cmd.OutOrStdout(), archs)
			}
			for _, a := range archs {
				fmt.Fprintf(cmd.OutOrStdout(), "%-16s %5d cores/chip %5d neurons/core  %-8s %s\n",
					a.Name, a.CoresPerChip(), a.NeuronsPerCore, a.Sync, a.Description)
			}
			return nil
		},
	}
	list.Flags().BoolVar(&listJSON, "json", false, "print the presets as a JSON array")
	show := &cobra.Command{
		Use:   "show NAME",
		Short: "Print a preset",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if showJSON {
				a, err := loader.LoadArch(args[0])
				if err != nil {
					return err
				}
				return writeJSON(cmd.OutOrStdout(), a)
			}
			text, err := loader.PresetYAML(args[0])
			if err != nil {
				return err
			}
			_, err = cmd.OutOrStdout().Write(text)
			return err
		},
	}
	show.Flags().BoolVar(&showJSON, "json", false, "print the preset as JSON")
	cmd.AddCommand(list, show)
	requireSubcommand(cmd)
	return cmd
}
