package main

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/spindle-sim/spindle/aer"
	"github.com/spindle-sim/spindle/aer/anyformat"
	"github.com/spindle-sim/spindle/npy"
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

// converter maps source times to output times.
type converter struct {
	rule    *aer.TickRule
	started bool
}

func (c *converter) time(t int64, absolute bool) int64 {
	if c.rule == nil {
		return t
	}
	if !c.started && !absolute {
		c.rule.T0 = t
	}
	c.started = true
	return c.rule.Tick(t)
}

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
	if packets && !hasPackets(src) {
		return 0, "", fmt.Errorf("--packets: %s holds no packets", in)
	}
	note := ""
	if tr := src.Trace(); tr != nil && !packets && !strings.EqualFold(filepath.Ext(out), ".aer") {
		if ns, np := tr.Count(aer.KindSpike), tr.Count(aer.KindPacket); ns == 0 && np > 0 {
			note = fmt.Sprintf(" (%s holds no spikes but %d packets: --packets exports them)", in, np)
		}
	}
	cv := &converter{}
	if dt > 0 {
		cv.rule = &aer.TickRule{DtMs: dt}
	}
	var n int64
	err = writeOutput(out, func(f *os.File) error {
		switch strings.ToLower(filepath.Ext(out)) {
		case ".aer":
			n, err = convertAER(f, src, in, cv, dt, absolute)
		case ".csv":
			n, err = convertTable(f, src, cv, absolute, packets, false)
		case ".npz":
			n, err = convertNPZ(f, src, in, cv, dt, absolute, packets)
		default:
			n, err = convertTable(f, src, cv, absolute, packets, true)
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

// convertMeta is the metadata of a conversion of src (the file in) with
// tick length dt, or 0 to keep the times.
func convertMeta(src *anyformat.Source, in string, dt float64) aer.Meta {
	info := src.Info()
	var m aer.Meta
	if info.Meta != nil {
		m = *info.Meta
	} else {
		m = aer.Meta{TimeUnit: aer.UnitUS, Source: fmt.Sprintf("%s (%s)", filepath.Base(in), info.Format),
			Sensor: info.Rule, Kinds: []string{aer.KindSpike}}
	}
	if dt > 0 {
		m.TimeUnit, m.DtMs = aer.UnitTick, dt
	}
	return m
}

func convertAER(f *os.File, src *anyformat.Source, in string, cv *converter, dt float64, absolute bool) (int64, error) {
	w, err := aer.NewWriter(f, convertMeta(src, in, dt))
	if err != nil {
		return 0, err
	}
	var n int64
	werr := eachEvent(src, func(e anyformat.Event) {
		if err == nil {
			err = w.WriteSpike(cv.time(e.Time, absolute), e.Addr)
			n++
		}
	})
	if werr != nil {
		return n, werr
	}
	if err == nil && hasPackets(src) {
		if perr := eachPacket(src.Trace(), func(p aer.Packet) {
			if err == nil {
				err = w.WritePacket(p)
				n++
			}
		}); perr != nil {
			return n, perr
		}
	}
	if err != nil {
		return n, err
	}
	return n, w.Close()
}

// convertTable writes CSV or .npy. An .npy header must state the record
// count, which a streaming source does not know in advance: the header is
// written with the count padded to a fixed width and rewritten at the end.
func convertTable(f *os.File, src *anyformat.Source, cv *converter, absolute, packets, asNPY bool) (int64, error) {
	info := src.Info()
	var fields []npy.Field
	switch {
	case packets:
		fields = []npy.Field{field("emit", "<i8", 8), field("deliver", "<i8", 8), field("src", "<u4", 4), field("dst", "<u4", 4), field("hops", "<u2", 2), field("flags", "|u1", 1)}
	case info.Format.Camera():
		fields = []npy.Field{field("t", "<i8", 8), field("x", "<u2", 2), field("y", "<u2", 2), field("p", "|u1", 1), field("addr", "<u4", 4)}
	default:
		fields = []npy.Field{field("t", "<i8", 8), field("addr", "<u4", 4)}
	}
	w := bufio.NewWriterSize(f, 1<<16)
	hlen := 0
	if asNPY {
		hdr := npy.StructHeader(fields, 0)
		hlen = len(hdr)
		w.Write(hdr)
	} else {
		names := make([]string, len(fields))
		for i, fl := range fields {
			names[i] = fl.Name
		}
		fmt.Fprintln(w, strings.Join(names, ","))
	}
	var n int64
	var rec, line []byte
	le := binary.LittleEndian
	var err error
	if packets {
		err = eachPacket(src.Trace(), func(p aer.Packet) {
			n++
			if asNPY {
				rec = le.AppendUint64(rec[:0], uint64(p.Emit))
				rec = le.AppendUint64(rec, uint64(p.Deliver))
				rec = le.AppendUint32(rec, p.Src)
				rec = le.AppendUint32(rec, p.Dst)
				rec = le.AppendUint16(rec, p.Hops)
				w.Write(append(rec, p.Flags))
				return
			}
			line = fmt.Appendf(line[:0], "%d,%d,%d,%d,%d,%d\n", p.Emit, p.Deliver, p.Src, p.Dst, p.Hops, p.Flags)
			w.Write(line)
		})
	} else {
		camera := info.Format.Camera()
		err = eachEvent(src, func(e anyformat.Event) {
			n++
			t := cv.time(e.Time, absolute)
			if asNPY {
				rec = le.AppendUint64(rec[:0], uint64(t))
				if camera {
					rec = le.AppendUint16(rec, e.X)
					rec = le.AppendUint16(rec, e.Y)
					rec = append(rec, e.P)
				}
				w.Write(le.AppendUint32(rec, e.Addr))
				return
			}
			line = strconv.AppendInt(line[:0], t, 10)
			if camera {
				line = fmt.Appendf(line, ",%d,%d,%d", e.X, e.Y, e.P)
			}
			line = append(line, ',')
			line = strconv.AppendUint(line, uint64(e.Addr), 10)
			w.Write(append(line, '\n'))
		})
	}
	if err != nil {
		return n, err
	}
	if err := w.Flush(); err != nil {
		return n, err
	}
	if asNPY {
		hdr := npy.StructHeader(fields, n)
		if len(hdr) != hlen {
			return n, fmt.Errorf("npy header grew from %d to %d bytes", hlen, len(hdr))
		}
		if _, err := f.WriteAt(hdr, 0); err != nil {
			return n, err
		}
	}
	return n, nil
}
