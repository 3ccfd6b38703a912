package main

import (
	"bufio"
	"fmt"
	"iter"
	"math"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/spindle-sim/spindle/aer"
	"github.com/spindle-sim/spindle/aer/anyformat"
)

func newTraceCatCmd() *cobra.Command {
	var from, to int64
	var px pixelFlags
	cmd := &cobra.Command{
		Use:   "cat FILE",
		Short: "Print events as text, one per line",
		Long: `Cat prints one event per line after a '#' line naming the columns:
"time addr" for spike traces, "time_us x y p addr" for camera files, and for
traces holding packets both streams merged in time order as
"spike TIME ADDR" and "packet EMIT DELIVER SRC DST HOPS FLAGS" (flags: L
late, D dropped, - neither). --from and --to select times in the file's
unit, both inclusive.`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.Flags().Changed("to") && cmd.Flags().Changed("from") && to < from {
				return usagef("--to %d is before --from %d", to, from)
			}
			opt, err := px.options()
			if err != nil {
				return err
			}
			w := bufio.NewWriterSize(cmd.OutOrStdout(), 1<<16)
			if err := traceCat(w, args[0], opt, from, to); err != nil {
				w.Flush()
				return err
			}
			return w.Flush()
		},
	}
	cmd.Flags().Int64Var(&from, "from", math.MinInt64, "first time to print")
	cmd.Flags().Int64Var(&to, "to", math.MaxInt64, "last time to print")
	// The defaults are sentinels; help says what they mean.
	cmd.Flags().Lookup("from").DefValue = "the first event"
	cmd.Flags().Lookup("to").DefValue = "the last event"
	px.register(cmd)
	return cmd
}

func traceCat(w *bufio.Writer, path string, opt anyformat.Options, from, to int64) error {
	src, err := anyformat.Open(path, opt)
	if err != nil {
		return err
	}
	defer src.Close()
	info := src.Info()
	tr := src.Trace()
	if tr != nil {
		tr.SeekTime(from)
	}
	var line []byte
	if !src.HasPackets() {
		if info.Format.Camera() {
			fmt.Fprintln(w, "# time_us x y p addr")
		} else {
			fmt.Fprintf(w, "# time addr (time in %s)\n", info.TimeUnit)
		}
		for e, err := range src.Events() {
			if err != nil {
				return err
			}
			if e.Time < from {
				continue
			}
			if e.Time > to {
				return nil
			}
			line = strconv.AppendInt(line[:0], e.Time, 10)
			if info.Format.Camera() {
				line = append(line, ' ')
				line = strconv.AppendUint(line, uint64(e.X), 10)
				line = append(line, ' ')
				line = strconv.AppendUint(line, uint64(e.Y), 10)
				line = append(line, ' ')
				line = strconv.AppendUint(line, uint64(e.P), 10)
			}
			line = append(line, ' ')
			line = strconv.AppendUint(line, uint64(e.Addr), 10)
			line = append(line, '\n')
			if _, err := w.Write(line); err != nil {
				return err
			}
		}
		return nil
	}
	// Merge the two streams of an .aer trace by time.
	fmt.Fprintf(w, "# spike TIME ADDR | packet EMIT DELIVER SRC DST HOPS FLAGS (time in %s)\n", info.TimeUnit)
	nextSpike, stopS := iter.Pull2(tr.Spikes())
	defer stopS()
	nextPacket, stopP := iter.Pull2(tr.Packets())
	defer stopP()
	// The next spike and packet not yet written; ok false once a stream
	// has ended (or passed to).
	s, err, sOK := nextSpike()
	if sOK && err != nil {
		return err
	}
	p, err, pOK := nextPacket()
	if pOK && err != nil {
		return err
	}
	sOK, pOK = sOK && s.Time <= to, pOK && p.Emit <= to
	for sOK || pOK {
		if sOK && (!pOK || s.Time <= p.Emit) {
			fmt.Fprintf(w, "spike %d %d\n", s.Time, s.Addr)
			if s, err, sOK = nextSpike(); sOK && err != nil {
				return err
			}
			sOK = sOK && s.Time <= to
			continue
		}
		flags := "-"
		if p.Flags&(aer.FlagLate|aer.FlagDropped) != 0 {
			flags = ""
			if p.Flags&aer.FlagLate != 0 {
				flags += "L"
			}
			if p.Flags&aer.FlagDropped != 0 {
				flags += "D"
			}
		}
		fmt.Fprintf(w, "packet %d %d %d %d %d %s\n", p.Emit, p.Deliver, p.Src, p.Dst, p.Hops, flags)
		if p, err, pOK = nextPacket(); pOK && err != nil {
			return err
		}
		pOK = pOK && p.Emit <= to
	}
	return nil
}
