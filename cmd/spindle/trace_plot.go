package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/spindle-sim/spindle/aer/anyformat"
	"github.com/spindle-sim/spindle/internal/figure"
)

func newTracePlotCmd() *cobra.Command {
	var out string
	var maxPoints int
	var px pixelFlags
	cmd := &cobra.Command{
		Use:   "plot FILE -o OUT.png",
		Short: "Raster plot and population rates; for packet traces a source x destination core heatmap",
		Long: `Plot draws the spikes of FILE as a raster (time against address; at most
--max-points dots, every k-th spike when there are more) above the rate of
each population over time (camera files: ON and OFF events), and, for
traces holding packets, a heatmap of packets from each source core (x) to
each destination core (y), coloured by log10(1 + packets).`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return usagef("plot: -o OUT.png is required")
			}
			if !strings.EqualFold(filepath.Ext(out), ".png") {
				return usagef("plot: -o %s: expected a .png file name", out)
			}
			if maxPoints < 1 {
				return usagef("--max-points %d: expected a positive count", maxPoints)
			}
			opt, err := px.options()
			if err != nil {
				return err
			}
			if err := tracePlot(args[0], out, opt, maxPoints); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s\n", out)
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "", "PNG file to write")
	renamedFlags(cmd, map[string]string{"out": "output"})
	cmd.Flags().IntVar(&maxPoints, "max-points", 200_000, "most spikes drawn in the raster")
	px.register(cmd)
	return cmd
}

// tracePlot draws the trace at path (figure.Trace) into the PNG file out.
func tracePlot(path, out string, opt anyformat.Options, maxPoints int) error {
	var png bytes.Buffer
	if err := figure.Trace(&png, path, opt, maxPoints); err != nil {
		return err
	}
	err := writeOutput(out, func(f *os.File) error {
		_, err := png.WriteTo(f)
		return err
	})
	if err != nil {
		return fmt.Errorf("-o %s: %w", out, err)
	}
	return nil
}
