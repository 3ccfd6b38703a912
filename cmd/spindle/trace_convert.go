package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/spindle-sim/spindle/aer"
	"github.com/spindle-sim/spindle/aer/anyformat"
	"github.com/spindle-sim/spindle/aer/export"
)

func newTraceConvertCmd() *cobra.Command {
	var dt float64
	var absolute, packets bool
	var px pixelFlags
	cmd := &cobra.Command{
		Use:   "convert IN OUT",
		Short: "Convert any supported file to .aer, .csv, NumPy .npy or .npz (chosen by OUT's extension)",
		Long: `Convert writes IN's events to OUT: an .aer trace, a CSV table with a header
row, a NumPy .npy file holding a structured array (spikes: t int64, addr
uint32; camera events also x, y uint16 and p uint8; packets: emit, deliver
int64, src, dst uint32, hops uint16, flags uint8), or a NumPy .npz archive
holding that array as "spikes" (and "packets" with --packets) with the
trace's metadata: dt_ms, time_unit, source, population_names,
population_first, population_size and meta, the whole JSON header (see
docs/python.md). OUT is written through a temporary file and renamed at the
end, so a failed conversion leaves nothing.

--dt converts microsecond times to ticks of that many milliseconds by
tick = floor((t_us - t0)/(dt*1000)), t0 being the first event's time unless
--absolute-time; dt runs from 0.001 (1 µs) to 1e9 ms, and 0, the default,
keeps the source's times. --packets exports the packet stream of an .aer
trace to CSV or .npy instead of its spikes, and to .npz beside them; an .aer
output keeps both streams.`,
		Example: `  spindle trace convert sample.aedat4 sample.aer --dt 1 --downsample 4
  spindle trace convert run.aer spikes.npy
  spindle trace convert run.aer run.npz --packets
  spindle trace convert run.aer packets.csv --packets`,
		Args: exactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			in, out := args[0], args[1]
			ext := strings.ToLower(filepath.Ext(out))
			if ext != ".aer" && ext != ".csv" && ext != ".npy" && ext != ".npz" {
				return usagef("convert: output %s: expected a .aer, .csv, .npy or .npz file name", out)
			}
			// Camera timestamps count microseconds: a shorter tick adds
			// no resolution, and below 1 ns, the unit of aer.TickRule,
			// would not be the dt the metadata states.
			if dt != 0 && !(dt >= minConvertDtMs && dt <= maxConvertDtMs) {
				return usagef("--dt %v: expected 0 (keep the times) or a tick length from %g ms (1 µs, the resolution of camera timestamps) to %g ms", dt, minConvertDtMs, maxConvertDtMs)
			}
			if sameFile(in, out) {
				return usagef("convert: input and output are the same file %s", in)
			}
			opt, err := px.options()
			if err != nil {
				return err
			}
			n, note, err := traceConvert(in, out, opt, dt, absolute, packets)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %d records to %s%s\n", n, out, note)
			return nil
		},
	}
	cmd.Flags().Float64Var(&dt, "dt", 0, "convert microsecond times to ticks of this many ms, 0.001 to 1e9 (0: keep the times)")
	cmd.Flags().BoolVar(&absolute, "absolute-time", false, "with --dt, count ticks from t=0 instead of from the first event")
	cmd.Flags().BoolVar(&packets, "packets", false, "CSV/.npy: export the packets of an .aer trace instead of its spikes; .npz: beside them")
	px.register(cmd)
	return cmd
}

// The range of trace convert --dt: at least the microsecond of camera
// timestamps, and short enough that a tick's nanoseconds, times 1000, fit
// the int64 arithmetic of aer.TickRule.
const (
	minConvertDtMs = 1e-3
	maxConvertDtMs = 1e9
)

// traceConvert converts in to out and returns the records written and a
// note for the user about what was not.
func traceConvert(in, out string, opt anyformat.Options, dt float64, absolute, packets bool) (int64, string, error) {
	src, err := anyformat.Open(in, opt)
	if err != nil {
		return 0, "", err
	}
	defer src.Close()
	info := src.Info()
	if dt > 0 && info.TimeUnit != aer.UnitUS {
		return 0, "", usagef("--dt: %s is already in %s, not microseconds", in, info.TimeUnit)
	}
	if packets && !src.HasPackets() {
		return 0, "", fmt.Errorf("--packets: %s holds no packets", in)
	}
	note := ""
	if tr := src.Trace(); tr != nil && !packets && !strings.EqualFold(filepath.Ext(out), ".aer") {
		if ns, np := tr.Count(aer.KindSpike), tr.Count(aer.KindPacket); ns == 0 && np > 0 {
			note = fmt.Sprintf(" (%s holds no spikes but %d packets: --packets exports them)", in, np)
		}
	}
	x := export.New(src, export.Options{DtMs: dt, Absolute: absolute, Packets: packets, Name: in})
	var n int64
	err = writeOutput(out, func(f *os.File) error {
		switch strings.ToLower(filepath.Ext(out)) {
		case ".aer":
			n, err = x.AER(f)
		case ".csv":
			n, err = x.CSV(f)
		case ".npz":
			n, err = x.NPZ(f)
		default:
			n, err = x.NPY(f)
		}
		if err != nil {
			return err
		}
		return f.Sync()
	})
	if err != nil {
		return 0, "", fmt.Errorf("convert %s -> %s: %w", in, out, err)
	}
	return n, note, nil
}
