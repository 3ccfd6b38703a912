package main

import (
	"fmt"
	"math"

	"github.com/spf13/cobra"

	"github.com/spindle-sim/spindle/aer"
	"github.com/spindle-sim/spindle/aer/anyformat"
)

func newTraceCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "trace SUBCOMMAND",
		Short: "Inspect, plot, convert and recover event traces (.aer, AEDAT, EVT, DAT, N-MNIST)",
		Long: `Trace reads Spindle's .aer traces and event-camera and dataset files
(AEDAT 2.0/3.1/4.0, Prophesee EVT 2.0/3.0 RAW and DAT, N-MNIST/N-Caltech101),
detecting the format from the file's content. Camera pixels become addresses
by (y*width + x)*2 + polarity; see docs/formats/camera.md.`,
	}
	cmd.AddCommand(newTraceInfoCmd(), newTraceStatsCmd(), newTracePlotCmd(), newTraceCatCmd(),
		newTraceConvertCmd(), newTraceRecoverCmd(), newTraceMergeCmd())
	requireSubcommand(cmd)
	return cmd
}

// pixelFlags set the pixel-to-address rule for camera files.
type pixelFlags struct {
	downsample int
	merge      bool
}

func (f *pixelFlags) register(cmd *cobra.Command) {
	cmd.Flags().IntVar(&f.downsample, "downsample", 1, "camera: map k×k pixel blocks to one address")
	cmd.Flags().BoolVar(&f.merge, "merge-polarity", false, "camera: one address per pixel for ON and OFF events")
}

func (f *pixelFlags) options() (anyformat.Options, error) {
	if f.downsample < 1 || f.downsample > aer.MaxSensorSide {
		return anyformat.Options{}, usagef("--downsample %d: expected a factor from 1 to %d", f.downsample, aer.MaxSensorSide)
	}
	return anyformat.Options{Downsample: f.downsample, MergePolarity: f.merge}, nil
}

// spanSeconds is the duration rates are computed over: for tick traces the
// run from tick 0 (or the first record if earlier) to the last tick
// inclusive, for microsecond sources the first to the last event.
func spanSeconds(info anyformat.Info, first, last int64) float64 {
	ms := info.MsPerUnit()
	if info.TimeUnit == aer.UnitTick {
		return float64(last-min(first, 0)+1) * ms / 1000
	}
	return math.Max(float64(last-first), 1) * ms / 1000
}

func ptr[T any](v T) *T { return &v }

func fmtOpt[T any](v *T, format string) string {
	if v == nil {
		return "-"
	}
	return fmt.Sprintf(format, *v)
}
