package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spindle-sim/spindle/chip/mapping"
	"github.com/spindle-sim/spindle/internal/figure"
	"github.com/spindle-sim/spindle/loader"
)

func newMapCmd() *cobra.Command {
	var f simFlags
	var asJSON bool
	var profile, png, placementOut string
	cmd := &cobra.Command{
		Use:   "map NET.yaml|GRAPH.nir",
		Short: "Report how a network maps onto an architecture",
		Long: `Map places the network on the architecture's cores and reports the cores
and chips used, the fullest core against each per-core limit, which limits
bind, and the expected traffic: packets per tick (one per spiking neuron and
destination core, its own core included, as 'spindle run' counts them),
hop-packets per tick and the load of the busiest link under dimension-order
routing. Expected rates are the Poisson rates of inputs and 10 Hz for LIF
neurons, or every neuron's measured rate in a recorded trace (--profile).
It simulates nothing. See docs/mapping.md.`,
		Example: `  spindle map examples/cuba.yaml --arch loihi --map balanced --json
  spindle map examples/topographic.yaml --map locality --profile run.aer -o map.png
  spindle map examples/cuba.yaml --map random --placement-out cuba.placement.yaml`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if png != "" {
				if err := checkPlotName(png); err != nil {
					return err
				}
			}
			b, err := f.buildProfiled(args[0], profile)
			if err != nil {
				return err
			}
			rates := mapping.ExpectedRates(b.graph)
			source := fmt.Sprintf("poisson rates, %g Hz per LIF neuron", mapping.DefaultLIFRateHz)
			if b.profile != nil {
				rates, source = b.profile, "profile "+profile
			}
			est, err := mapping.Estimated(b.graph, b.arch, b.mapping, rates)
			if err != nil {
				return err
			}
			rep := mappingReport(b, est)
			rep.MapSeconds = b.mapSeconds
			rep.RatesFrom = source
			if png != "" {
				if err := plotMapping(png, b, est); err != nil {
					return err
				}
			}
			if placementOut != "" {
				if err := loader.WritePlacement(placementOut, b.graph, b.mapping); err != nil {
					return err
				}
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), rep)
			}
			rep.print(cmd.OutOrStdout())
			return nil
		},
	}
	f.register(cmd.Flags(), false)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object")
	cmd.Flags().StringVar(&profile, "profile", "", "a recorded .aer spike trace of this network: expected rates for the locality mapper and the report")
	cmd.Flags().StringVar(&placementOut, "placement-out", "", "write the mapping as a placement YAML file (and per-neuron CSV files beside it when needed) to edit and feed back with --placement")
	cmd.Flags().StringVarP(&png, "output", "o", "", "draw the board, per-core load and per-link traffic to this image file (."+strings.Join(figure.ImageFormats(), ", .")+")")
	return cmd
}

type mapReport struct {
	Network            string       `json:"network"`
	Arch               string       `json:"arch"`
	Map                string       `json:"map"`
	Neurons            int          `json:"neurons"`
	Synapses           int          `json:"synapses"`
	CoresUsed          int          `json:"cores_used"`
	ChipsUsed          int          `json:"chips_used"`
	BoardChips         int          `json:"board_chips"`
	NeuronsPerCoreMax  int          `json:"neurons_per_core_max"`
	SynapsesPerCoreMax int          `json:"synapses_per_core_max"`
	InputAxonsMax      int          `json:"input_axons_per_core_max"`
	OutputAxonsMax     int          `json:"output_axons_per_core_max"`
	FanInMax           int          `json:"fan_in_max"`
	Routes             int          `json:"routes"`
	InterCoreEdges     int          `json:"inter_core_edges"`
	Limits             []limitUsage `json:"limits"`
	// SynapseMemory is every used core's synapse memory, in synapses
	// (weights where the arch shares convolution kernels, SynapseModel).
	SynapseMemory []int    `json:"synapse_memory_per_core"`
	SynapseModel  string   `json:"synapse_model"`
	Binding       []string `json:"binding_limits"`

	RatesFrom          string  `json:"rates_from"`
	Packets            float64 `json:"expected_packets_per_tick"`
	InterCorePackets   float64 `json:"expected_inter_core_packets_per_tick"`
	HopPackets         float64 `json:"expected_hop_packets_per_tick"`
	ChipHopPackets     float64 `json:"expected_chip_hop_packets_per_tick"`
	MaxLinkLoad        float64 `json:"max_link_load"`
	NetworkJoulesPerTk float64 `json:"expected_network_joules_per_tick"`
	MapSeconds         float64 `json:"map_seconds"`
}

// limitUsage is the fullest core's use of one per-core limit.
type limitUsage struct {
	Name        string  `json:"name"`
	Max         int     `json:"max_used"`
	Limit       int     `json:"limit"`
	Utilisation float64 `json:"utilisation"`
}

func mappingReport(b *built, e *mapping.Estimate) *mapReport {
	r := &mapReport{
		Network: b.net.Name, Arch: b.arch.Name, Map: b.mapping.Strategy,
		Neurons: b.graph.N, Synapses: b.graph.Synapses(),
		CoresUsed: e.CoresUsed, ChipsUsed: e.ChipsUsed, BoardChips: b.mapping.Chips,
		Routes: e.Routes, InterCoreEdges: e.InterCoreRoutes,
		Packets: e.PacketsPerTick, InterCorePackets: e.InterCorePacketsPerTick,
		HopPackets: e.HopPacketsPerTick, ChipHopPackets: e.ChipHopPacketsPerTick,
		MaxLinkLoad: e.MaxLinkLoad, NetworkJoulesPerTk: e.NetworkJoulesPerTick,
	}
	r.SynapseModel = "expanded"
	if b.arch.ConvWeightSharing {
		r.SynapseModel = "shared convolution kernels"
	}
	for _, c := range e.Cores {
		if c.Neurons > 0 {
			r.SynapseMemory = append(r.SynapseMemory, c.SynapseMemory)
		}
		r.NeuronsPerCoreMax = max(r.NeuronsPerCoreMax, c.Neurons)
		r.SynapsesPerCoreMax = max(r.SynapsesPerCoreMax, c.SynapseMemory)
		r.InputAxonsMax = max(r.InputAxonsMax, c.InputAxons)
		r.OutputAxonsMax = max(r.OutputAxonsMax, c.OutputAxons)
		r.FanInMax = max(r.FanInMax, c.MaxFanIn)
	}
	a := b.arch
	for _, l := range []limitUsage{
		{Name: "neurons_per_core", Max: r.NeuronsPerCoreMax, Limit: a.NeuronsPerCore},
		{Name: "synapses_per_core", Max: r.SynapsesPerCoreMax, Limit: a.SynapsesPerCore},
		{Name: "input_axons_per_core", Max: r.InputAxonsMax, Limit: a.InputAxonsPerCore},
		{Name: "output_axons_per_core", Max: r.OutputAxonsMax, Limit: a.OutputAxonsPerCore},
		{Name: "max_fan_in", Max: r.FanInMax, Limit: a.MaxFanIn},
	} {
		l.Utilisation = float64(l.Max) / float64(l.Limit)
		r.Limits = append(r.Limits, l)
	}
	// The limits that split the network, however full the cores look
	// afterwards: a core closed for its inputs may hold few neurons.
	r.Binding = append([]string{}, b.mapping.Binding...)
	return r
}

func (r *mapReport) print(w io.Writer) {
	fmt.Fprintf(w, "%s on %s (%s map): %d neurons, %d synapses -> %d cores on %d chip(s) (board of %d)\n",
		r.Network, r.Arch, r.Map, r.Neurons, r.Synapses, r.CoresUsed, r.ChipsUsed, r.BoardChips)
	for _, l := range r.Limits {
		fmt.Fprintf(w, "  %-22s fullest core %8d of %8d (%5.1f%%)\n", l.Name, l.Max, l.Limit, 100*l.Utilisation)
	}
	if len(r.SynapseMemory) <= 64 {
		fmt.Fprintf(w, "synapse memory per core (%s): %s\n", r.SynapseModel, joinInts(r.SynapseMemory))
	} else {
		lo, hi, sum := r.SynapseMemory[0], 0, 0
		for _, m := range r.SynapseMemory {
			lo, hi, sum = min(lo, m), max(hi, m), sum+m
		}
		fmt.Fprintf(w, "synapse memory per core (%s): min %d, mean %.0f, max %d (--json lists every core)\n", r.SynapseModel, lo, float64(sum)/float64(len(r.SynapseMemory)), hi)
	}
	binding := "none"
	if len(r.Binding) > 0 {
		binding = strings.Join(r.Binding, ", ")
	}
	fmt.Fprintf(w, "binding limits: %s; routes %d, of which inter-core %d\n", binding, r.Routes, r.InterCoreEdges)
	fmt.Fprintf(w, "expected per tick (%s): %.4g packets (%.4g inter-core), %.4g hop-packets (%.4g chip-to-chip), busiest link %.4g\n",
		r.RatesFrom, r.Packets, r.InterCorePackets, r.HopPackets, r.ChipHopPackets, r.MaxLinkLoad)
	fmt.Fprintf(w, "mapper: %.3f s\n", r.MapSeconds)
}

// joinInts writes v as "1 2 3" for people, not as Go's [1 2 3].
func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, " ")
}
