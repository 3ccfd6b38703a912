package main

import (
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"
	"github.com/spindle-sim/spindle/chip"
)

func newMapCmd() *cobra.Command {
	var f simFlags
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "map NET.yaml",
		Short: "Report how a network maps onto an architecture",
		Long: `Map places the network on the architecture's cores and reports the cores
and chips used, the fullest core against each per-core limit, and which
limits bind. It simulates nothing.`,
		Example: `  spindle map examples/cuba.yaml --arch loihi --map balanced --json`,
		Args:    exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			b, err := f.build(args[0])
			if err != nil {
				return err
			}
			start := time.Now()
			eng, err := chip.NewEngine(b.graph, b.arch, b.mapping, chip.Options{Mode: b.mode, Workers: 1})
			if err != nil {
				return err
			}
			defer eng.Close()
			rep := mappingReport(b, eng)
			rep.MapSeconds = b.buildSeconds
			rep.CoreBuildSeconds = time.Since(start).Seconds()
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), rep)
			}
			rep.print(cmd.OutOrStdout())
			return nil
		},
	}
	f.register(cmd.Flags(), false)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object")
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
	NeuronsPerCoreMax  int          `json:"neurons_per_core_max"`
	SynapsesPerCoreMax int          `json:"synapses_per_core_max"`
	InputAxonsMax      int          `json:"input_axons_per_core_max"`
	OutputAxonsMax     int          `json:"output_axons_per_core_max"`
	InterCoreEdges     int          `json:"inter_core_edges"`
	Limits             []limitUsage `json:"limits"`
	Binding            []string     `json:"binding_limits"`
	MapSeconds         float64      `json:"map_seconds"`
	CoreBuildSeconds   float64      `json:"core_build_seconds"`
}

// limitUsage is the fullest core's use of one per-core limit.
type limitUsage struct {
	Name        string  `json:"name"`
	Max         int     `json:"max_used"`
	Limit       int     `json:"limit"`
	Utilisation float64 `json:"utilisation"`
}

func mappingReport(b *built, eng *chip.Engine) *mapReport {
	r := &mapReport{
		Network: b.net.Name, Arch: b.arch.Name, Map: b.mapping.Strategy,
		Neurons: b.graph.N, Synapses: b.graph.Synapses(),
		CoresUsed: b.mapping.CoresUsed(), ChipsUsed: b.mapping.Chips,
	}
	for _, c := range eng.Cores() {
		r.NeuronsPerCoreMax = max(r.NeuronsPerCoreMax, c.Compartments())
		r.SynapsesPerCoreMax = max(r.SynapsesPerCoreMax, c.Synapses())
		r.InputAxonsMax = max(r.InputAxonsMax, c.Axons())
		r.OutputAxonsMax = max(r.OutputAxonsMax, c.OutputAxons())
	}
	r.InterCoreEdges = eng.InterCoreRoutes()
	a := b.arch
	for _, l := range []limitUsage{
		{Name: "neurons_per_core", Max: r.NeuronsPerCoreMax, Limit: a.NeuronsPerCore},
		{Name: "synapses_per_core", Max: r.SynapsesPerCoreMax, Limit: a.SynapsesPerCore},
		{Name: "input_axons_per_core", Max: r.InputAxonsMax, Limit: a.InputAxonsPerCore},
		{Name: "output_axons_per_core", Max: r.OutputAxonsMax, Limit: a.OutputAxonsPerCore},
	} {
		l.Utilisation = float64(l.Max) / float64(l.Limit)
		r.Limits = append(r.Limits, l)
	}
	// A limit binds when the fullest core is within 10% of it: placing one
	// more neuron's worth there would likely break it.
	for _, l := range r.Limits {
		if l.Utilisation >= 0.9 {
			r.Binding = append(r.Binding, l.Name)
		}
	}
	return r
}

func (r *mapReport) print(w io.Writer) {
	fmt.Fprintf(w, "%s on %s (%s map): %d neurons, %d synapses -> %d cores on %d chip(s)\n",
		r.Network, r.Arch, r.Map, r.Neurons, r.Synapses, r.CoresUsed, r.ChipsUsed)
	for _, l := range r.Limits {
		fmt.Fprintf(w, "  %-22s fullest core %8d of %8d (%5.1f%%)\n", l.Name, l.Max, l.Limit, 100*l.Utilisation)
	}
	fmt.Fprintf(w, "binding limits: %v; inter-core routes: %d\n", r.Binding, r.InterCoreEdges)
}
