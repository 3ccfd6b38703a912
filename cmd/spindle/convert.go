package main

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spindle-sim/spindle/loader"
)

func newConvertCmd() *cobra.Command {
	var out string
	var dropTRef bool
	cmd := &cobra.Command{
		Use:   "convert NET -o OUT.nir | convert synapses IN.yaml OUT.yaml",
		Short: "Write a network as a NIR graph, or rewrite network files into faster forms",
		Long: `Convert NET -o OUT.nir writes the network file NET (YAML, NIR or SANA-FE) as a
NIR graph (an HDF5 file in the layout of h5py-written NIR files, which h5py
and "spindle run" read):
spike_source populations become Input nodes, LIF populations LIF, CubaLIF,
IF, LI, CubaLI, I or Threshold nodes with per-neuron parameters, conv
connectors Conv2d nodes (after a SumPool2d or AvgPool2d for a pooling stage),
other projections Linear or Affine nodes with their weights, and every
population that projects nowhere an Output. What NIR cannot express (a
refractory period, a delay longer than one tick outside a NIR Delay node,
two synaptic time constants, plasticity, uneven conv padding) stops the
conversion with an error naming the population or projection;
--drop-refractory writes neurons with a refractory period without one.
Converting a NIR file gives back its nodes and parameters: the source's
Conv1d, Conv2d, pooling, Flatten, Scale and Delay nodes are written again
where the network's projections still are their composition; a chain whose
weights changed becomes one Linear or Affine node, with a note. NIR holds no
time step, stimulus or initial state: spike times and poisson rates (a
poisson population becomes an Input) and v_init are left out, with a note.
The mapping is described in docs/nir.md.

Convert synapses rewrites a network YAML with its synapse lists in .npz files.`,
		Example: `  spindle convert net.yaml -o net.nir
  spindle convert ../shared/fixtures/nir/braille_noDelay_bias_zero.nir -o braille.nir
  spindle convert ../shared/fixtures/nir/cnn_sinabs.nir -o cnn.nir
  spindle convert synapses dvs_gesture.spindle.yaml dvs_npz.yaml`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("%s: expected NET -o OUT.nir, or the subcommand synapses; got %d arguments (see --help)", cmd.CommandPath(), len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return usagef("%s %s: expected -o OUT.nir", cmd.CommandPath(), args[0])
			}
			if !strings.EqualFold(filepath.Ext(out), ".nir") {
				return usagef("%s: -o %s: expected a .nir file (the one format convert writes)", cmd.CommandPath(), out)
			}
			res, err := loader.NIRWriteOptions{DropRefractory: dropTRef}.ConvertToNIR(args[0], out)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "wrote %s: %d nodes, %d edges (the network's dt %g ms is not stored: NIR has no time step)\n", out, res.Nodes, res.Edges, res.Net.Dt)
			for _, n := range res.Notes {
				fmt.Fprintf(w, "note: %s\n", n)
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "", "the NIR file to write (`OUT.nir`)")
	cmd.Flags().BoolVar(&dropTRef, "drop-refractory", false, "write neurons with a refractory period (t_ref) without one, which NIR lacks")
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
