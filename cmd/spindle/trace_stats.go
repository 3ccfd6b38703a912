package main

import (
	"encoding/csv"
	"fmt"
	"io"
	"sort"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/spindle-sim/spindle/aer"
	"github.com/spindle-sim/spindle/aer/anyformat"
	"github.com/spindle-sim/spindle/spikestats"
)

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
busiest links; --json and --csv list everything.

A neuron's ISI CV is the standard deviation of its intervals (normalised by
their number) over their mean, for a neuron of at least 3 spikes; a
population's isi_cv is the mean of its neurons' CVs, the number spindle
compare reports for the same spikes (docs/dense.md). isi_mean_ms pools the
intervals of all its neurons.`,
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
	for e, err := range src.Events() {
		if err != nil {
			return nil, err
		}
		ss.Add(aer.Spike{Time: e.Time, Addr: e.Addr})
	}
	var tr aer.Traffic
	first, last := ss.First, ss.Last
	if src.Trace() != nil {
		havePkt := false
		for p, err := range src.Trace().Packets() {
			if err != nil {
				return nil, err
			}
			if !havePkt && ss.N == 0 {
				first = p.Emit
			}
			havePkt = true
			first, last = min(first, p.Emit), max(last, p.Emit)
			tr.Add(p)
		}
	}
	out := &traceStats{File: path, Spikes: ss.N, Packets: tr.N,
		Populations: []statsRow{}, Addresses: []statsRow{}, Cores: []statsRow{}, Links: []statsRow{}}
	if ss.N > 0 || tr.N > 0 {
		out.Seconds = spanSeconds(info, first, last)
	}
	ms := info.MsPerUnit()
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
	w := csv.NewWriter(out)
	w.Write([]string{"kind", "id", "dst", "name", "count", "received", "rate_hz", "isi_mean_ms", "isi_cv", "late", "dropped", "mean_hops", "mean_latency_ms"})
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
			w.Write([]string{r.Kind, strconv.FormatInt(r.ID, 10), i(r.Dst), r.Name, strconv.FormatInt(r.Count, 10), i(r.Received),
				f(r.RateHz), f(r.ISIMeanMs), f(r.ISICV), i(r.Late), i(r.Dropped), f(r.MeanHops), f(r.MeanLatency)})
		}
	}
	w.Flush()
	return w.Error()
}
