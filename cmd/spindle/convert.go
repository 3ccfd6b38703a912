package main

import (
	"fmt"

	"github.com/spf13/cobra"
	"github.com/spindle-sim/spindle/loader"
)

func newConvertCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "convert",
		Short: "Rewrite network files into faster forms",
	}
	requireSubcommand(cmd)
	cmd.AddCommand(&cobra.Command{
		Use:   "synapses IN.yaml OUT.yaml",
		Short: "Move explicit synapse lists out of a network YAML into .npz files",
		Long: `Synapses writes OUT.yaml, a copy of the network file IN.yaml in which every
long explicit synapse list (connector: {list: [[pre, post, weight], ...]})
is replaced by connector: {file: NAME.npz}, and writes those .npz files
beside OUT.yaml. Comments and everything else are copied as they are, so
OUT.yaml describes the same network; a network without a name: key takes
the name of its file. The .npz files read in a fraction of the time and
memory of the YAML text. See docs/yaml.md.`,
		Example: `  spindle convert synapses dvs_gesture.spindle.yaml dvs_npz.yaml`,
		Args:    exactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			res, err := loader.MoveListsToFiles(args[0], args[1])
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s and %d .npz files holding %d synapses\n", args[1], len(res.Files), res.Synapses)
			return nil
		},
	})
	return cmd
}
