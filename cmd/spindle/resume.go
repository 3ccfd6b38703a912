package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
)

func newResumeCmd() *cobra.Command {
	var ticks, workers, every int
	var trace, ckPath string
	var asJSON bool
	var dist distFlags
	cmd := &cobra.Command{
		Use:   "resume CHECKPOINT.spck",
		Short: "Continue a run from its checkpoint",
		Long: `Resume continues the run that wrote a checkpoint ('spindle run NET --checkpoint
FILE'), exactly: the spikes, packet counters, energy and trace are those of
the run that never stopped. It builds the network again as the run's command
line did (the network file and its flags, from the run's directory), checks
that it is the network, architecture, mapping and mode of the checkpoint,
restores the state and simulates.

--ticks M runs M more awake ticks, then the network's sleep step (unless the
run skipped it); without --ticks, the rest of the run's own --ticks. A
checkpoint taken inside the sleep step finishes it (--ticks 0). The summary
covers the whole run, as if it had run in one go: 'run --ticks N' then
'resume --ticks M' reports what 'run --ticks N+M' does.

--trace OUT carries on the run's trace into OUT (which may be the same
file: it is then replaced only when the resumed run succeeds), so that OUT
is the trace of the run in one go, byte for byte. See docs/checkpoint.md.

A distributed run's checkpoint (NAME.rank0ofR.spck, ...) resumes on as many
ranks as wrote it: 'mpirun -np R spindle resume NAME.spck --distributed'
(docs/distributed.md).`,
		Example: `  spindle run examples/cuba_fixed.yaml --ticks 5000 --trace cuba.aer --checkpoint cuba.spck
  spindle resume cuba.spck --ticks 5000 --trace cuba.aer`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if ticks < 0 {
				return usagef("--ticks %d: expected a non-negative count", ticks)
			}
			if err := dist.start(); err != nil {
				return err
			}
			part, err := dist.checkpointPart(args[0])
			if err != nil {
				return err
			}
			_, p, err := readCheckpoint(part)
			if err != nil {
				return err
			}
			total := p.Ticks
			if cmd.Flags().Changed("ticks") {
				if p.Slept > 0 && ticks != 0 {
					return usagef("--ticks %d: the checkpoint %s was taken inside the sleep step (%d of %d ticks); resume finishes it: --ticks 0 or none", ticks, args[0], p.Slept, p.SleepTicks)
				}
				total = p.Awake + int64(ticks)
			}
			if trace != "" && p.Trace == "" {
				return usagef("--trace %s: the checkpoint %s recorded no trace to continue", trace, args[0])
			}
			abs := func(s string) string {
				if s == "" {
					return ""
				}
				a, err := filepath.Abs(s)
				if err != nil {
					return s
				}
				return a
			}
			from, trace, ckPath := abs(args[0]), abs(trace), abs(ckPath)
			runArgs := []string{"run", p.Args[0]}
			for _, a := range p.Args[1:] {
				name, _, _ := strings.Cut(strings.TrimPrefix(a, "--"), "=")
				switch name {
				case "ticks", "trace", "checkpoint", "checkpoint-every", "resume-from", "workers", "json", "cpuprofile", "distributed":
					continue
				}
				runArgs = append(runArgs, a)
			}
			runArgs = append(runArgs, fmt.Sprintf("--ticks=%d", total), "--resume-from="+from, fmt.Sprintf("--workers=%d", workers))
			if trace != "" {
				runArgs = append(runArgs, "--trace="+trace)
			}
			if ckPath != "" {
				runArgs = append(runArgs, "--checkpoint="+ckPath, fmt.Sprintf("--checkpoint-every=%d", every))
			} else if every != 0 {
				return usagef("--checkpoint-every %d: expected --checkpoint FILE to write to", every)
			}
			if asJSON {
				runArgs = append(runArgs, "--json")
			}
			if dist.on {
				runArgs = append(runArgs, "--distributed")
			}
			// The run's relative paths are the run's directory's.
			if here, err := os.Getwd(); err == nil && p.Dir != "" && p.Dir != here {
				if err := os.Chdir(p.Dir); err != nil {
					return fmt.Errorf("checkpoint %s: the run's directory: %w", args[0], err)
				}
				defer os.Chdir(here)
			}
			root := newRootCmd()
			root.SetArgs(runArgs)
			root.SetOut(cmd.OutOrStdout())
			root.SetErr(cmd.ErrOrStderr())
			return root.Execute()
		},
	}
	fs := cmd.Flags()
	fs.IntVar(&ticks, "ticks", 0, "awake ticks to run from the checkpoint, before the sleep step (default: the rest of the run's --ticks)")
	fs.IntVar(&workers, "workers", 0, "worker goroutines stepping cores (0: adaptive); the results do not depend on it")
	fs.StringVar(&trace, "trace", "", "carry on the run's trace into this file (.aer); it may be the run's own")
	fs.StringVar(&ckPath, "checkpoint", "", "write checkpoints of the resumed run to `FILE`, as run does")
	fs.IntVar(&every, "checkpoint-every", 0, "with --checkpoint: every `K` ticks of the run")
	fs.BoolVar(&asJSON, "json", false, "print one JSON object")
	dist.register(fs)
	return cmd
}
