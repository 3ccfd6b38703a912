package main

import (
	_ "embed"

	"github.com/spf13/cobra"
	"github.com/spindle-sim/spindle/chip"
	"github.com/spindle-sim/spindle/loader"
)

//go:embed demo.yaml
var demoNetwork []byte

func newDemoCmd() *cobra.Command {
	var asJSON bool
	var ticks int
	var out string
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run the main job on embedded defaults",
		Long: `Demo builds a small balanced network (embedded; print it with --print-network),
maps it onto a Loihi-like chip, runs it, and prints the run summary.`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			net, err := loader.ParseNetwork("demo.yaml", demoNetwork)
			if err != nil {
				return err
			}
			arch, err := loader.LoadArch("loihi")
			if err != nil {
				return err
			}
			g, err := net.Build()
			if err != nil {
				return err
			}
			m, err := chip.Map(g, arch, "balanced", 0)
			if err != nil {
				return err
			}
			b := &built{net: net, graph: g, arch: arch, mapping: m, mode: net.Mode}
			res, err := simulate(b, simOptions{ticks: ticks, source: "demo.yaml", progress: cmd.ErrOrStderr()})
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), res)
			}
			res.print(cmd.OutOrStdout())
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object")
	cmd.Flags().IntVar(&ticks, "ticks", 1000, "ticks to simulate")
	cmd.Flags().StringVarP(&out, "out", "o", "spindle-demo", "directory for the demo's trace, summary and plots")
	return cmd
}
