package main

import (
	"bufio"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/spindle-sim/spindle/aer"
)

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
