package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"reflect"

	"github.com/spf13/cobra"
	"github.com/spindle-sim/spindle/aer"
)

func newTraceMergeCmd() *cobra.Command {
	var out string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "merge -o OUT.aer PART.aer...",
		Short: "Join the trace parts of a distributed run into the run's trace",
		Long: `Merge joins the trace parts that the ranks of a distributed run wrote
('mpirun -np R spindle run NET --distributed --trace T.aer' writes
T.rank0ofR.aer ... T.rank<R-1>ofR.aer) into one trace: the spikes of every
tick in core order, as one process records them, and the packets, which
rank 0's part holds. The result is the trace of the same run in one
process, event for event (docs/distributed.md). Every part of the run must
be given, once.`,
		Example: `  spindle trace merge -o cuba.aer cuba.rank0of2.aer cuba.rank1of2.aer`,
		Args:    minArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return usagef("merge: expected -o OUT.aer")
			}
			for _, in := range args {
				if sameFile(in, out) {
					return usagef("merge: -o %s is the same file as the part %s", out, in)
				}
			}
			res, err := mergeParts(out, args)
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), res)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "merged %d parts: %d spikes, %d packets into %s\n", res.Parts, res.Spikes, res.Packets, out)
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "", "the merged trace `OUT.aer`")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

type mergeResult struct {
	Out     string `json:"out"`
	Parts   int    `json:"parts"`
	Spikes  int64  `json:"spikes"`
	Packets int64  `json:"packets"`
}

// stream reads one part's spikes or packets a buffer at a time.
type stream[T any] struct {
	read func([]T) (int, error)
	buf  []T
	pos  int
	done bool
	err  error
}

// peek returns the next record, or false at the end (or an error).
func (s *stream[T]) peek() (T, bool) {
	for s.pos == len(s.buf) && !s.done {
		n, err := s.read(s.buf[:cap(s.buf)])
		s.buf, s.pos = s.buf[:n], 0
		if err == io.EOF {
			s.done = n == 0
		} else if err != nil {
			s.err, s.done = err, true
		}
	}
	var zero T
	if s.pos == len(s.buf) {
		return zero, false
	}
	return s.buf[s.pos], true
}

// mergeParts writes the trace of the parts to out.
func mergeParts(out string, paths []string) (*mergeResult, error) {
	rs := make([]*aer.Reader, len(paths))
	defer func() {
		for _, r := range rs {
			if r != nil {
				r.Close()
			}
		}
	}()
	var meta aer.Meta
	var ranks int
	byRank := map[int]int{}
	for i, p := range paths {
		r, err := aer.Open(p)
		if err != nil {
			return nil, err
		}
		rs[i] = r
		m := r.Meta()
		if m.Part == nil {
			return nil, fmt.Errorf("merge %s: not a part of a distributed run (no \"part\" in its header)", p)
		}
		pt := *m.Part
		if i == 0 {
			meta, ranks = m, pt.Ranks
			meta.Part = nil
		}
		if pt.Ranks != ranks || pt.Rank < 0 || pt.Rank >= ranks {
			return nil, fmt.Errorf("merge %s: part %d of %d ranks, expected a part of %s's %d ranks", p, pt.Rank, pt.Ranks, paths[0], ranks)
		}
		if j, dup := byRank[pt.Rank]; dup {
			return nil, fmt.Errorf("merge %s: rank %d's part again (%s)", p, pt.Rank, paths[j])
		}
		byRank[pt.Rank] = i
		m.Part = nil
		if !reflect.DeepEqual(m, meta) {
			a, _ := json.Marshal(m)
			b, _ := json.Marshal(meta)
			return nil, fmt.Errorf("merge %s: the header is of another run than %s's: %s, expected %s", p, paths[0], a, b)
		}
	}
	if len(byRank) != ranks {
		var missing []int
		for k := range ranks {
			if _, ok := byRank[k]; !ok {
				missing = append(missing, k)
			}
		}
		return nil, fmt.Errorf("merge: the run had %d ranks; the parts of ranks %v are missing", ranks, missing)
	}
	// Spikes by tick, then rank (the ranks' cores are consecutive
	// blocks, so that is core order); packets as rank 0 recorded them.
	spikes := make([]*stream[aer.Spike], ranks)
	var packets *stream[aer.Packet]
	for k := range ranks {
		r := rs[byRank[k]]
		spikes[k] = &stream[aer.Spike]{read: r.ReadSpikes, buf: make([]aer.Spike, 0, 1<<14)}
		if r.Meta().Part.Packets {
			packets = &stream[aer.Packet]{read: r.ReadPackets, buf: make([]aer.Packet, 0, 1<<14)}
		}
	}
	res := &mergeResult{Out: out, Parts: ranks}
	err := writeOutput(out, func(o *os.File) error {
		w, err := aer.NewWriter(o, meta)
		if err != nil {
			return err
		}
		for {
			// The earliest tick any stream holds.
			t, any := int64(0), false
			for _, s := range spikes {
				if sp, ok := s.peek(); ok && (!any || sp.Time < t) {
					t, any = sp.Time, true
				}
			}
			if packets != nil {
				if p, ok := packets.peek(); ok && (!any || p.Emit < t) {
					t, any = p.Emit, true
				}
			}
			if !any {
				break
			}
			for _, s := range spikes {
				for sp, ok := s.peek(); ok && sp.Time == t; sp, ok = s.peek() {
					if err := w.WriteSpike(sp.Time, sp.Addr); err != nil {
						return err
					}
					s.pos++
					res.Spikes++
				}
			}
			if packets != nil {
				for p, ok := packets.peek(); ok && p.Emit == t; p, ok = packets.peek() {
					if err := w.WritePacket(p); err != nil {
						return err
					}
					packets.pos++
					res.Packets++
				}
			}
		}
		for k, s := range spikes {
			if s.err != nil {
				return fmt.Errorf("%s: %w", paths[byRank[k]], s.err)
			}
		}
		if packets != nil && packets.err != nil {
			return packets.err
		}
		if err := w.Close(); err != nil {
			return err
		}
		return o.Sync()
	})
	if err != nil {
		return nil, fmt.Errorf("merge %s: %w", out, err)
	}
	return res, nil
}
