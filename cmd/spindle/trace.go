package main

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/spindle-sim/spindle/aer"
	"github.com/spindle-sim/spindle/aer/anyformat"
	"github.com/spindle-sim/spindle/npy"
	"github.com/spindle-sim/spindle/spikestats"
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
		newTraceConvertCmd(), newTraceRecoverCmd())
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

// eachEvent calls fn for every event (spikes for an .aer file) of src.
func eachEvent(src *anyformat.Source, fn func(e anyformat.Event)) error {
	buf := make([]anyformat.Event, 1<<14)
	for {
		n, err := src.Read(buf)
		for _, e := range buf[:n] {
			fn(e)
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// eachPacket calls fn for every packet of an .aer trace.
func eachPacket(tr *aer.Reader, fn func(p aer.Packet)) error {
	buf := make([]aer.Packet, 1<<14)
	for {
		n, err := tr.ReadPackets(buf)
		for _, p := range buf[:n] {
			fn(p)
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// hasPackets reports whether src is an .aer trace holding packets.
func hasPackets(src *anyformat.Source) bool {
	return src.Trace() != nil && src.Trace().Count(aer.KindPacket) > 0
}

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
	if err := eachEvent(src, func(e anyformat.Event) { stats.Add(aer.Spike{Time: e.Time, Addr: e.Addr}) }); err != nil {
		return nil, err
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

// timeScale returns milliseconds per time unit of a source.
func timeScale(info anyformat.Info) float64 {
	if info.TimeUnit == aer.UnitTick && info.Meta != nil {
		return info.Meta.DtMs
	}
	return 1e-3
}

// spanSeconds is the duration rates are computed over: for tick traces the
// run from tick 0 (or the first record if earlier) to the last tick
// inclusive, for microsecond sources the first to the last event.
func spanSeconds(info anyformat.Info, first, last int64) float64 {
	ms := timeScale(info)
	if info.TimeUnit == aer.UnitTick {
		return float64(last-min(first, 0)+1) * ms / 1000
	}
	return math.Max(float64(last-first), 1) * ms / 1000
}

type statsRow struct {
	Kind        string   `json:"kind"` // address, population, core, link
	ID          int64    `json:"id"`
	Dst         *int64   `json:"dst,omitempty"`
	Name        string   `json:"name,omitempty"`
	Count       int64    `json:"count"`
	Received    *int64   `json:"received,omitempty"`
	RateHz      *float64 `json:"rate_hz,omitempty"`
	ISIMeanMs   *float64 `json:"isi_mean_ms,omitempty"`
	ISICV       *float64 `json:"isi_cv,omitempty"`
	Late        *int64   `json:"late,omitempty"`
	Dropped     *int64   `json:"dropped,omitempty"`
	MeanHops    *float64 `json:"mean_hops,omitempty"`
	MeanLatency *float64 `json:"mean_latency_ms,omitempty"`
}

type traceStats struct {
	File        string     `json:"file"`
	Seconds     float64    `json:"seconds"`
	Spikes      int64      `json:"spikes"`
	Packets     int64      `json:"packets"`
	Populations []statsRow `json:"populations"`
	Addresses   []statsRow `json:"addresses"`
	Cores       []statsRow `json:"cores"`
	Links       []statsRow `json:"links"`
}

func ptr[T any](v T) *T { return &v }

func newTraceStatsCmd() *cobra.Command {
	var asJSON, asCSV bool
	var top int
	var px pixelFlags
	cmd := &cobra.Command{
		Use:   "stats FILE",
		Short: "Per-address and per-population rates and ISIs; per-core and per-link packet traffic",
		Long: `Stats reports spike rates (Hz) and inter-spike intervals (mean in ms and
coefficient of variation) per address and per population, and for packet
traces the packets each core sent and received and each link's (source core
to destination core) packets, late and dropped packets, mean hops and mean
latency. Text output lists populations, the most active addresses and the
busiest links; --json and --csv list everything.`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if asJSON && asCSV {
				return usagef("--json and --csv: choose one")
			}
			if top < 0 {
				return usagef("--top %d: expected a count >= 0", top)
			}
			opt, err := px.options()
			if err != nil {
				return err
			}
			s, err := traceStatsOf(args[0], opt)
			if err != nil {
				return err
			}
			switch {
			case asJSON:
				return writeJSON(cmd.OutOrStdout(), s)
			case asCSV:
				return s.writeCSV(cmd.OutOrStdout())
			}
			s.print(cmd.OutOrStdout(), top)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().BoolVar(&asCSV, "csv", false, "print one CSV table of every row")
	cmd.Flags().IntVar(&top, "top", 10, "text output: how many addresses and links to list (0: none)")
	px.register(cmd)
	return cmd
}

func traceStatsOf(path string, opt anyformat.Options) (*traceStats, error) {
	src, err := anyformat.Open(path, opt)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	info := src.Info()
	var ss spikestats.Stream
	if err := eachEvent(src, func(e anyformat.Event) { ss.Add(aer.Spike{Time: e.Time, Addr: e.Addr}) }); err != nil {
		return nil, err
	}
	var tr aer.Traffic
	first, last := ss.First, ss.Last
	if src.Trace() != nil {
		havePkt := false
		err := eachPacket(src.Trace(), func(p aer.Packet) {
			if !havePkt && ss.N == 0 {
				first = p.Emit
			}
			havePkt = true
			first, last = min(first, p.Emit), max(last, p.Emit)
			tr.Add(p)
		})
		if err != nil {
			return nil, err
		}
	}
	out := &traceStats{File: path, Spikes: ss.N, Packets: tr.N,
		Populations: []statsRow{}, Addresses: []statsRow{}, Cores: []statsRow{}, Links: []statsRow{}}
	if ss.N > 0 || tr.N > 0 {
		out.Seconds = spanSeconds(info, first, last)
	}
	ms := timeScale(info)
	meta := info.Meta
	if meta == nil || len(meta.Populations) == 0 {
		// Camera files and traces without a schema: one population of every address.
		n := uint32(0)
		if info.Rule != nil {
			n = uint32(info.Rule.NumAddrs())
		} else if ss.Distinct() > 0 {
			by := ss.ByAddress()
			n = by[len(by)-1].Addr + 1
		}
		meta = &aer.Meta{Populations: []aer.Population{{Name: "all", Size: n}}}
	}
	for i, p := range ss.ByPopulation(meta.Populations) {
		out.Populations = append(out.Populations, statsRow{Kind: "population", ID: int64(i), Name: p.Name, Count: p.Count,
			RateHz:    spikestats.Finite(float64(p.Count) / float64(max(p.Size, 1)) / out.Seconds),
			ISIMeanMs: spikestats.Finite(p.ISIMean * ms), ISICV: spikestats.Finite(p.ISICV)})
	}
	for _, a := range ss.ByAddress() {
		out.Addresses = append(out.Addresses, statsRow{Kind: "address", ID: int64(a.Addr), Count: a.Count,
			RateHz: spikestats.Finite(float64(a.Count) / out.Seconds), ISIMeanMs: spikestats.Finite(a.ISIMean * ms), ISICV: spikestats.Finite(a.ISICV)})
	}
	for c, t := range tr.Cores {
		out.Cores = append(out.Cores, statsRow{Kind: "core", ID: int64(c), Count: t.Sent, Received: ptr(t.Received)})
	}
	sort.Slice(out.Cores, func(i, j int) bool { return out.Cores[i].ID < out.Cores[j].ID })
	for l, t := range tr.Links {
		n := float64(t.Packets)
		out.Links = append(out.Links, statsRow{Kind: "link", ID: int64(l.Src), Dst: ptr(int64(l.Dst)), Count: t.Packets,
			Late: ptr(t.Late), Dropped: ptr(t.Dropped), MeanHops: ptr(float64(t.Hops) / n), MeanLatency: ptr(float64(t.Latency) / n * ms)})
	}
	sort.Slice(out.Links, func(i, j int) bool {
		a, b := out.Links[i], out.Links[j]
		return a.ID < b.ID || a.ID == b.ID && *a.Dst < *b.Dst
	})
	return out, nil
}

func fmtOpt[T any](v *T, format string) string {
	if v == nil {
		return "-"
	}
	return fmt.Sprintf(format, *v)
}

func (s *traceStats) print(w io.Writer, top int) {
	if s.Spikes == 0 && s.Packets == 0 {
		fmt.Fprintf(w, "%s: no events\n", s.File)
		return
	}
	fmt.Fprintf(w, "%s: %d spikes, %d packets over %.6g s\n", s.File, s.Spikes, s.Packets, s.Seconds)
	if s.Spikes > 0 {
		fmt.Fprintf(w, "\n%-16s %12s %10s %12s %8s\n", "population", "spikes", "rate_hz", "isi_mean_ms", "isi_cv")
		for _, p := range s.Populations {
			fmt.Fprintf(w, "%-16s %12d %10s %12s %8s\n", p.Name, p.Count, fmtOpt(p.RateHz, "%.4g"), fmtOpt(p.ISIMeanMs, "%.4g"), fmtOpt(p.ISICV, "%.3f"))
		}
		if top > 0 {
			by := append([]statsRow(nil), s.Addresses...)
			sort.SliceStable(by, func(i, j int) bool { return by[i].Count > by[j].Count })
			fmt.Fprintf(w, "\nmost active addresses (%d of %d):\n%-12s %12s %10s %12s %8s\n", min(top, len(by)), len(by), "address", "spikes", "rate_hz", "isi_mean_ms", "isi_cv")
			for _, a := range by[:min(top, len(by))] {
				fmt.Fprintf(w, "%-12d %12d %10s %12s %8s\n", a.ID, a.Count, fmtOpt(a.RateHz, "%.4g"), fmtOpt(a.ISIMeanMs, "%.4g"), fmtOpt(a.ISICV, "%.3f"))
			}
		}
	}
	if s.Packets > 0 {
		fmt.Fprintf(w, "\n%-8s %12s %12s\n", "core", "sent", "received")
		for _, c := range s.Cores {
			fmt.Fprintf(w, "%-8d %12d %12d\n", c.ID, c.Count, *c.Received)
		}
		if top > 0 {
			by := append([]statsRow(nil), s.Links...)
			sort.SliceStable(by, func(i, j int) bool { return by[i].Count > by[j].Count })
			fmt.Fprintf(w, "\nbusiest links (%d of %d):\n%-12s %10s %8s %8s %9s %15s\n", min(top, len(by)), len(by), "src->dst", "packets", "late", "dropped", "mean_hops", "mean_latency_ms")
			for _, l := range by[:min(top, len(by))] {
				fmt.Fprintf(w, "%-12s %10d %8d %8d %9.3f %15.4g\n", fmt.Sprintf("%d->%d", l.ID, *l.Dst), l.Count, *l.Late, *l.Dropped, *l.MeanHops, *l.MeanLatency)
			}
		}
	}
	if s.Spikes > 0 || s.Packets > 0 {
		fmt.Fprintln(w, "\n(--json or --csv for every address, core and link)")
	}
}

func (s *traceStats) writeCSV(out io.Writer) error {
	w := bufio.NewWriter(out)
	fmt.Fprintln(w, "kind,id,dst,name,count,received,rate_hz,isi_mean_ms,isi_cv,late,dropped,mean_hops,mean_latency_ms")
	f := func(v *float64) string {
		if v == nil {
			return ""
		}
		return strconv.FormatFloat(*v, 'g', 8, 64)
	}
	i := func(v *int64) string {
		if v == nil {
			return ""
		}
		return strconv.FormatInt(*v, 10)
	}
	for _, rows := range [][]statsRow{s.Populations, s.Addresses, s.Cores, s.Links} {
		for _, r := range rows {
			fmt.Fprintf(w, "%s,%d,%s,%s,%d,%s,%s,%s,%s,%s,%s,%s,%s\n", r.Kind, r.ID, i(r.Dst), csvField(r.Name), r.Count, i(r.Received),
				f(r.RateHz), f(r.ISIMeanMs), f(r.ISICV), i(r.Late), i(r.Dropped), f(r.MeanHops), f(r.MeanLatency))
		}
	}
	return w.Flush()
}

func csvField(s string) string {
	if strings.ContainsAny(s, ",\"\n") {
		return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
	}
	return s
}

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
	if !hasPackets(src) {
		if info.Format.Camera() {
			fmt.Fprintln(w, "# time_us x y p addr")
		} else {
			fmt.Fprintf(w, "# time addr (time in %s)\n", info.TimeUnit)
		}
		buf := make([]anyformat.Event, 1<<14)
		for {
			n, err := src.Read(buf)
			for _, e := range buf[:n] {
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
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
		}
	}
	// Merge the two streams of an .aer trace by time.
	fmt.Fprintf(w, "# spike TIME ADDR | packet EMIT DELIVER SRC DST HOPS FLAGS (time in %s)\n", info.TimeUnit)
	sb := make([]aer.Spike, 1<<12)
	pb := make([]aer.Packet, 1<<12)
	var ss []aer.Spike
	var ps []aer.Packet
	sEOF, pEOF := false, false
	for {
		if len(ss) == 0 && !sEOF {
			n, err := tr.ReadSpikes(sb)
			if err != nil && err != io.EOF {
				return err
			}
			ss, sEOF = sb[:n], err == io.EOF
		}
		if len(ps) == 0 && !pEOF {
			n, err := tr.ReadPackets(pb)
			if err != nil && err != io.EOF {
				return err
			}
			ps, pEOF = pb[:n], err == io.EOF
		}
		if len(ss) == 0 && len(ps) == 0 {
			return nil
		}
		if len(ps) == 0 || len(ss) > 0 && ss[0].Time <= ps[0].Emit {
			s := ss[0]
			ss = ss[1:]
			if s.Time > to {
				ss, sEOF = nil, true
				continue
			}
			fmt.Fprintf(w, "spike %d %d\n", s.Time, s.Addr)
			continue
		}
		p := ps[0]
		ps = ps[1:]
		if p.Emit > to {
			ps, pEOF = nil, true
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
	}
}

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

type recoverResult struct {
	In           string `json:"in"`
	Out          string `json:"out"`
	Chunks       int    `json:"chunks"`
	Spikes       int64  `json:"spikes"`
	Packets      int64  `json:"packets"`
	DroppedBytes int64  `json:"dropped_bytes"`
	Stopped      string `json:"stopped,omitempty"`
}

func newTraceRecoverCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "recover IN OUT",
		Short: "Salvage every complete chunk of an unfinished .aer trace into a valid file",
		Long: `Recover scans IN from its header, keeps every chunk whose checksums and
contents are intact up to the first damaged or partial one, and writes them
with a fresh index to OUT (through a temporary file, renamed at the end).
Use it on the trace of a run that was killed or ran out of disk.`,
		Args: exactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			in, out := args[0], args[1]
			if sameFile(in, out) {
				return usagef("recover: input and output are the same file %s", in)
			}
			f, err := os.Open(in)
			if err != nil {
				return err
			}
			defer f.Close()
			st, err := f.Stat()
			if err != nil {
				return err
			}
			var rep aer.RecoverReport
			err = writeOutput(out, func(o *os.File) error {
				w := bufio.NewWriterSize(o, 1<<20)
				var rerr error
				if rep, rerr = aer.Recover(w, f, st.Size()); rerr != nil {
					return rerr
				}
				if rep.Chunks == 0 {
					why := "the file ends after its header"
					if rep.Reason != "" {
						why = "stopped at " + rep.Reason
					}
					return fmt.Errorf("no complete chunk to recover (%s); wrote nothing", why)
				}
				if err := w.Flush(); err != nil {
					return err
				}
				return o.Sync()
			})
			if err != nil {
				return fmt.Errorf("recover %s: %w", in, err)
			}
			res := recoverResult{In: in, Out: out, Chunks: rep.Chunks, Spikes: rep.Spikes, Packets: rep.Packets,
				DroppedBytes: rep.DroppedBytes, Stopped: rep.Reason}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), res)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "recovered %d chunks (%d spikes, %d packets) into %s; dropped %d bytes\n",
				res.Chunks, res.Spikes, res.Packets, out, res.DroppedBytes)
			if res.Stopped != "" {
				fmt.Fprintf(cmd.OutOrStdout(), "stopped at %s\n", res.Stopped)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

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
	cmd.Flags().StringVarP(&out, "out", "o", "", "PNG file to write")
	cmd.Flags().IntVar(&maxPoints, "max-points", 200_000, "most spikes drawn in the raster")
	px.register(cmd)
	return cmd
}

// rateBins is the number of time bins of the rate panel.
const rateBins = 200

func tracePlot(path, out string, opt anyformat.Options, maxPoints int) error {
	// First pass: count and time range, to choose the raster stride and the bins.
	var n int64
	var first, last int64
	src, err := anyformat.Open(path, opt)
	if err != nil {
		return err
	}
	err = eachEvent(src, func(e anyformat.Event) {
		if n == 0 {
			first = e.Time
		}
		n++
		last = e.Time
	})
	src.Close()
	if err != nil {
		return err
	}
	src, err = anyformat.Open(path, opt)
	if err != nil {
		return err
	}
	defer src.Close()
	info := src.Info()
	ms := timeScale(info)
	var rows []*plot.Plot
	if n > 0 {
		raster, rate, err := spikePlots(src, info, n, first, last, ms, maxPoints)
		if err != nil {
			return err
		}
		rows = append(rows, raster, rate)
	}
	if hasPackets(src) {
		hm, err := packetHeatmap(src.Trace())
		if err != nil {
			return err
		}
		rows = append(rows, hm)
	}
	if len(rows) == 0 {
		return fmt.Errorf("%s: no events to plot", path)
	}
	rows[0].Title.Text = fmt.Sprintf("%s (%s)", filepath.Base(path), info.Format)
	if len(rows) == 1 {
		rows[0].Title.Text += ": core-to-core packets"
	}
	const width = 10 * vg.Inch
	heights := map[int]vg.Length{1: 7 * vg.Inch, 2: 9 * vg.Inch, 3: 15 * vg.Inch}
	img := vgimg.New(width, heights[len(rows)])
	dc := draw.New(img)
	grid := make([][]*plot.Plot, len(rows))
	for i, p := range rows {
		grid[i] = []*plot.Plot{p}
	}
	tiles := draw.Tiles{Rows: len(rows), Cols: 1, PadTop: vg.Points(6), PadBottom: vg.Points(6), PadLeft: vg.Points(6), PadRight: vg.Points(12), PadY: vg.Points(12)}
	canvases := plot.Align(grid, tiles, dc)
	for i, p := range rows {
		p.Draw(canvases[i][0])
	}
	err = writeOutput(out, func(f *os.File) error {
		_, err := vgimg.PngCanvas{Canvas: img}.WriteTo(f)
		return err
	})
	if err != nil {
		return fmt.Errorf("-o %s: %w", out, err)
	}
	return nil
}

// rasterGroup is one population's slice of the address space and its rate.
type rasterGroup struct {
	name   string
	size   float64 // neurons, for the per-neuron rate
	counts []float64
	pts    plotter.XYs
}

func spikePlots(src *anyformat.Source, info anyformat.Info, n, first, last int64, ms float64, maxPoints int) (*plot.Plot, *plot.Plot, error) {
	stride := (n-1)/int64(maxPoints) + 1 // n + maxPoints - 1 could overflow
	binWidth := float64(last-first+1) / rateBins
	var groups []*rasterGroup
	var groupOf func(e anyformat.Event) int
	switch {
	case info.Format.Camera() && !info.Rule.MergePolarity:
		half := float64(info.Rule.NumAddrs() / 2)
		groups = []*rasterGroup{{name: "OFF", size: half}, {name: "ON", size: half}}
		groupOf = func(e anyformat.Event) int { return int(e.P & 1) }
	case info.Meta != nil && len(info.Meta.Populations) > 0:
		m := info.Meta
		for _, p := range m.Populations {
			groups = append(groups, &rasterGroup{name: p.Name, size: float64(p.Size)})
		}
		groups = append(groups, &rasterGroup{name: "other", size: 1})
		other := len(groups) - 1
		groupOf = func(e anyformat.Event) int {
			if i := m.Population(e.Addr); i >= 0 {
				return i
			}
			return other
		}
	default:
		size := 1.0
		if info.Rule != nil {
			size = float64(info.Rule.NumAddrs())
		}
		groups = []*rasterGroup{{name: "all", size: size}}
		groupOf = func(anyformat.Event) int { return 0 }
	}
	for _, g := range groups {
		g.counts = make([]float64, rateBins)
	}
	// Microsecond clocks are absolute (camera epochs): plot from the first event.
	t0, xlabel := 0.0, "time (ms)"
	if info.TimeUnit == aer.UnitUS {
		t0, xlabel = float64(first), "time since the first event (ms)"
	}
	var i int64
	var maxAddr uint32
	err := eachEvent(src, func(e anyformat.Event) {
		g := groups[groupOf(e)]
		g.counts[min(int(float64(e.Time-first)/binWidth), rateBins-1)]++
		if i%stride == 0 {
			g.pts = append(g.pts, plotter.XY{X: (float64(e.Time) - t0) * ms, Y: float64(e.Addr)})
		}
		maxAddr = max(maxAddr, e.Addr)
		i++
	})
	if err != nil {
		return nil, nil, err
	}
	raster := plot.New()
	raster.X.Label.Text = xlabel
	raster.Y.Label.Text = "address"
	if stride > 1 {
		raster.Y.Label.Text = fmt.Sprintf("address (every %d-th of %d spikes)", stride, n)
	}
	rate := plot.New()
	rate.X.Label.Text = xlabel
	rate.Y.Label.Text = "rate per address (Hz)"
	rate.Legend.Top = true
	binSeconds := binWidth * ms / 1000
	for k, g := range groups {
		if len(g.pts) == 0 && sum(g.counts) == 0 {
			continue
		}
		c := plotColor(k)
		if len(g.pts) > 0 {
			sc, err := plotter.NewScatter(g.pts)
			if err != nil {
				return nil, nil, err
			}
			sc.GlyphStyle = draw.GlyphStyle{Color: c, Radius: vg.Points(0.7), Shape: draw.BoxGlyph{}}
			raster.Add(sc)
			raster.Legend.Add(g.name, sc)
		}
		xy := make(plotter.XYs, rateBins)
		for b := range xy {
			xy[b] = plotter.XY{X: (float64(first) - t0 + (float64(b)+0.5)*binWidth) * ms, Y: g.counts[b] / g.size / binSeconds}
		}
		l, err := plotter.NewLine(xy)
		if err != nil {
			return nil, nil, err
		}
		l.Color = c
		l.Width = vg.Points(1.2)
		rate.Add(l)
		rate.Legend.Add(g.name, l)
	}
	raster.Legend.Top = true
	raster.X.Min, raster.X.Max = (float64(first)-t0)*ms, (float64(last+1)-t0)*ms
	rate.X.Min, rate.X.Max = raster.X.Min, raster.X.Max
	raster.Y.Min, raster.Y.Max = 0, float64(maxAddr)+1
	rate.Y.Min = 0
	return raster, rate, nil
}

func sum(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s
}

// plotColor gives population k a distinct, print-safe colour.
func plotColor(k int) color.Color {
	cs := []color.RGBA{{0, 90, 181, 255}, {220, 50, 32, 255}, {0, 140, 70, 255}, {230, 140, 0, 255}, {120, 60, 160, 255}, {90, 90, 90, 255}}
	return cs[k%len(cs)]
}

// coreGrid is a src x dst matrix of packet counts for plotter.HeatMap.
type coreGrid struct {
	n int
	z []float64
}

func (g *coreGrid) Dims() (c, r int)   { return g.n, g.n }
func (g *coreGrid) Z(c, r int) float64 { return g.z[r*g.n+c] }
func (g *coreGrid) X(c int) float64    { return float64(c) }
func (g *coreGrid) Y(r int) float64    { return float64(r) }

// coreTicks marks whole core ids, at most about ten of them: the default
// ticker puts marks between cells, at fractional ids.
type coreTicks struct{}

func (coreTicks) Ticks(lo, hi float64) []plot.Tick {
	first, last := int(math.Ceil(lo)), int(math.Floor(hi))
	step := niceStep(last - first)
	var out []plot.Tick
	for c := (first + step - 1) / step * step; c <= last; c += step {
		out = append(out, plot.Tick{Value: float64(c), Label: strconv.Itoa(c)})
	}
	return out
}

// niceStep is the least of 1, 2, 5, 10, 20, 50, ... that cuts span into
// fewer than ten steps.
func niceStep(span int) int {
	for base := 1; ; base *= 10 {
		for _, m := range []int{1, 2, 5} {
			if span/(m*base) < 10 {
				return m * base
			}
		}
	}
}

// maxHeatCores bounds the heatmap matrix; core ids beyond it are an error
// rather than a huge allocation.
const maxHeatCores = 4096

func packetHeatmap(tr *aer.Reader) (*plot.Plot, error) {
	tr.SeekTime(math.MinInt64)
	var t aer.Traffic
	if err := eachPacket(tr, t.Add); err != nil {
		return nil, err
	}
	n := 0
	for l := range t.Links {
		n = max(n, int(l.Src)+1, int(l.Dst)+1)
	}
	if n > maxHeatCores {
		return nil, fmt.Errorf("heatmap: core id %d beyond the %d cores a heatmap can show", n-1, maxHeatCores)
	}
	g := &coreGrid{n: max(n, 1), z: make([]float64, max(n, 1)*max(n, 1))}
	peak := 1.0
	for l, lt := range t.Links {
		g.z[int(l.Dst)*g.n+int(l.Src)] = float64(lt.Packets)
		peak = max(peak, float64(lt.Packets))
	}
	cm := moreland.BlackBody()
	cm.SetMin(0)
	cm.SetMax(peak)
	hm := plotter.NewHeatMap(g, palette.Reverse(cm).Palette(255)) // white = no packets
	hm.Min, hm.Max = 0, peak
	p := plot.New()
	p.X.Label.Text = "source core"
	p.Y.Label.Text = fmt.Sprintf("destination core   (white 0 .. black %.0f packets)", peak)
	p.X.Tick.Marker, p.Y.Tick.Marker = coreTicks{}, coreTicks{}
	p.Add(hm)
	// Small boards get the count written in each cell, in a colour that
	// stays readable on both ends of the palette.
	if n <= 16 {
		var lab plotter.XYLabels
		var styles []text.Style
		for r := range g.n {
			for c := range g.n {
				v := g.Z(c, r)
				lab.XYs = append(lab.XYs, plotter.XY{X: float64(c), Y: float64(r)})
				lab.Labels = append(lab.Labels, strconv.FormatFloat(v, 'f', 0, 64))
				st := text.Style{Color: color.Black, XAlign: text.XCenter, YAlign: text.YCenter, Handler: p.Title.TextStyle.Handler}
				st.Font.Size = vg.Points(9)
				if v > peak/2 {
					st.Color = color.White
				}
				styles = append(styles, st)
			}
		}
		labels, err := plotter.NewLabels(lab)
		if err != nil {
			return nil, err
		}
		for i := range styles {
			styles[i].Font = labels.TextStyle[i].Font
			styles[i].Font.Size = vg.Points(9)
		}
		labels.TextStyle = styles
		p.Add(labels)
	}
	return p, nil
}
