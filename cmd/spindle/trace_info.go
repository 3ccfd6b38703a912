package main

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/spindle-sim/spindle/aer"
	"github.com/spindle-sim/spindle/aer/anyformat"
	"github.com/spindle-sim/spindle/spikestats"
)

type traceInfo struct {
	File          string  `json:"file"`
	Format        string  `json:"format"`
	Events        int64   `json:"events"`
	Spikes        int64   `json:"spikes"`
	Packets       int64   `json:"packets"`
	FirstTime     int64   `json:"first_time"`
	LastTime      int64   `json:"last_time"`
	TimeUnit      string  `json:"time_unit"`
	DtMs          float64 `json:"dt_ms,omitempty"`
	Addresses     int     `json:"addresses"`
	Chunks        int     `json:"chunks,omitempty"`
	Bytes         int64   `json:"bytes"`
	BytesPerEvent float64 `json:"bytes_per_event"`
	Width         int     `json:"width,omitempty"`
	Height        int     `json:"height,omitempty"`
	Source        string  `json:"source,omitempty"`
	Populations   int     `json:"populations,omitempty"`
}

func newTraceInfoCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "info FILE",
		Short: "Format, event count, time range, distinct addresses and size of a trace",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			in, err := traceInfoOf(args[0])
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), in)
			}
			in.print(cmd.OutOrStdout())
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func traceInfoOf(path string) (*traceInfo, error) {
	src, err := anyformat.Open(path, anyformat.Options{})
	if err != nil {
		return nil, err
	}
	defer src.Close()
	info := src.Info()
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	out := &traceInfo{File: path, Format: string(info.Format), TimeUnit: info.TimeUnit, Bytes: st.Size(),
		Width: info.Width, Height: info.Height}
	var stats spikestats.Stream
	for e, err := range src.Events() {
		if err != nil {
			return nil, err
		}
		stats.Add(aer.Spike{Time: e.Time, Addr: e.Addr})
	}
	out.Spikes, out.Addresses = stats.N, stats.Distinct()
	if stats.N > 0 {
		out.FirstTime, out.LastTime = stats.First, stats.Last
	}
	if tr := src.Trace(); tr != nil {
		m := tr.Meta()
		out.DtMs, out.Source, out.Populations = m.DtMs, m.Source, len(m.Populations)
		chunks := tr.Chunks()
		out.Chunks = len(chunks)
		for _, c := range chunks {
			if c.Kind == aer.KindPacket {
				out.Packets += int64(c.Count)
				if out.Spikes == 0 && out.Packets == int64(c.Count) || c.First < out.FirstTime {
					out.FirstTime = c.First
				}
				out.LastTime = max(out.LastTime, c.Last)
			}
		}
	}
	out.Events = out.Spikes + out.Packets
	if out.Events > 0 {
		out.BytesPerEvent = float64(out.Bytes) / float64(out.Events)
	}
	return out, nil
}

func (in *traceInfo) print(w io.Writer) {
	fmt.Fprintf(w, "file             %s\nformat           %s\n", in.File, in.Format)
	if in.Source != "" {
		fmt.Fprintf(w, "source           %s\n", in.Source)
	}
	if in.Width > 0 {
		fmt.Fprintf(w, "sensor           %dx%d\n", in.Width, in.Height)
	}
	fmt.Fprintf(w, "events           %d (%d spikes, %d packets)\n", in.Events, in.Spikes, in.Packets)
	if in.Events > 0 {
		fmt.Fprintf(w, "time             %d .. %d %s", in.FirstTime, in.LastTime, in.TimeUnit)
	} else {
		fmt.Fprint(w, "time             no events")
	}
	if in.DtMs > 0 {
		fmt.Fprintf(w, " (dt %g ms)", in.DtMs)
	}
	fmt.Fprintf(w, "\naddresses        %d distinct\n", in.Addresses)
	if in.Format == string(anyformat.AER) {
		fmt.Fprintf(w, "chunks           %d\npopulations      %d\n", in.Chunks, in.Populations)
	}
	fmt.Fprintf(w, "bytes            %d (%.3f per event)\n", in.Bytes, in.BytesPerEvent)
}
