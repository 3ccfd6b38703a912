package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spindle-sim/spindle/aer"
)

func TestPartPath(t *testing.T) {
	for _, tc := range []struct {
		path        string
		rank, ranks int
		want        string
	}{
		{"cuba.aer", 0, 1, "cuba.aer"},
		{"cuba.aer", 1, 2, "cuba.rank1of2.aer"},
		{"out/ck.spck", 3, 4, "out/ck.rank3of4.spck"},
		{"noext", 0, 2, "noext.rank0of2"},
	} {
		if got := partPath(tc.path, tc.rank, tc.ranks); got != tc.want {
			t.Errorf("partPath(%q, %d, %d) = %q, want %q", tc.path, tc.rank, tc.ranks, got, tc.want)
		}
	}
}

// readAll returns every spike and packet of a trace.
func readAll(t *testing.T, path string) (aer.Meta, []aer.Spike, []aer.Packet) {
	t.Helper()
	r, err := aer.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var sp []aer.Spike
	var pk []aer.Packet
	buf := make([]aer.Spike, 4096)
	for {
		n, err := r.ReadSpikes(buf)
		sp = append(sp, buf[:n]...)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	pbuf := make([]aer.Packet, 4096)
	for {
		n, err := r.ReadPackets(pbuf)
		pk = append(pk, pbuf[:n]...)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return r.Meta(), sp, pk
}

// splitTrace writes the parts the ranks of a distributed run would write
// of the single-process trace in: rank k the spikes of cores first[k] to
// first[k+1]-1, rank 0 every packet.
func splitTrace(t *testing.T, in string, first []int, dir string) []string {
	t.Helper()
	meta, spikes, packets := readAll(t, in)
	coreOf := func(addr uint32) int {
		for _, p := range meta.Populations {
			if addr >= p.First && addr < p.First+p.Size {
				return int(p.Cores[addr-p.First])
			}
		}
		t.Fatalf("address %d in no population", addr)
		return 0
	}
	ranks := len(first) - 1
	var paths []string
	for k := range ranks {
		m := meta
		m.Part = &aer.Part{Rank: k, Ranks: ranks, FirstCore: first[k], EndCore: first[k+1], Packets: k == 0}
		path := filepath.Join(dir, partPath("part.aer", k, ranks))
		w, err := aer.Create(path, m)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range spikes {
			if c := coreOf(s.Addr); c >= first[k] && c < first[k+1] {
				if err := w.WriteSpike(s.Time, s.Addr); err != nil {
					t.Fatal(err)
				}
			}
		}
		if k == 0 {
			for _, p := range packets {
				if err := w.WritePacket(p); err != nil {
					t.Fatal(err)
				}
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, path)
	}
	return paths
}

// TestTraceMerge: the parts of a trace, split by core as the ranks of a
// distributed run write them, merge into the trace itself, event for
// event and (detailed timing: a tick's spikes, then its packets) byte for
// byte; parts of another run, a rank twice or one missing are refused.
func TestTraceMerge(t *testing.T) {
	dir := t.TempDir()
	one := filepath.Join(dir, "one.aer")
	if code, _, errs := spindle(t, "run", "../../examples/cuba_fixed.yaml", "--ticks", "300", "--trace", one, "--record", "all"); code != 0 {
		t.Fatalf("run: exit %d: %s", code, errs)
	}
	want, err := os.ReadFile(one)
	if err != nil {
		t.Fatal(err)
	}
	_, wantS, wantP := readAll(t, one)
	for _, first := range [][]int{{0, 5}, {0, 2, 5}, {0, 1, 1, 3, 5}} {
		sub := t.TempDir()
		parts := splitTrace(t, one, first, sub)
		out := filepath.Join(sub, "merged.aer")
		// The parts in any order.
		rev := append([]string(nil), parts...)
		for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
			rev[i], rev[j] = rev[j], rev[i]
		}
		if code, _, errs := spindle(t, append([]string{"trace", "merge", "-o", out}, rev...)...); code != 0 {
			t.Fatalf("%d parts: merge: exit %d: %s", len(parts), code, errs)
		}
		_, gotS, gotP := readAll(t, out)
		if len(gotS) != len(wantS) || len(gotP) != len(wantP) {
			t.Fatalf("%d parts: merged %d spikes and %d packets, the trace has %d and %d", len(parts), len(gotS), len(gotP), len(wantS), len(wantP))
		}
		for i := range gotS {
			if gotS[i] != wantS[i] {
				t.Fatalf("%d parts: spike %d is %+v, want %+v", len(parts), i, gotS[i], wantS[i])
			}
		}
		for i := range gotP {
			if gotP[i] != wantP[i] {
				t.Fatalf("%d parts: packet %d is %+v, want %+v", len(parts), i, gotP[i], wantP[i])
			}
		}
		got, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%d parts: the merged trace's %d bytes differ from the trace's %d", len(parts), len(got), len(want))
		}
	}

	parts := splitTrace(t, one, []int{0, 2, 5}, dir)
	other := splitTrace(t, one, []int{0, 1, 3, 5}, t.TempDir())
	out := filepath.Join(dir, "bad.aer")
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no -o", []string{"trace", "merge", parts[0], parts[1]}, 2, "expected -o OUT.aer"},
		{"not a part", []string{"trace", "merge", "-o", out, one}, 1, "not a part of a distributed run"},
		{"a part missing", []string{"trace", "merge", "-o", out, parts[1]}, 1, "the parts of ranks [0] are missing"},
		{"a part twice", []string{"trace", "merge", "-o", out, parts[0], parts[0], parts[1]}, 1, "rank 0's part again"},
		{"another count of ranks", []string{"trace", "merge", "-o", out, parts[0], other[1]}, 1, "part 1 of 3 ranks"},
		{"over a part", []string{"trace", "merge", "-o", parts[0], parts[0], parts[1]}, 2, "the same file"},
	} {
		code, _, errs := spindle(t, tc.args...)
		if code != tc.code || !strings.Contains(errs, tc.want) || strings.Count(strings.TrimSpace(errs), "\n") > 0 {
			t.Errorf("%s: exit %d, stderr %q; want exit %d, one line mentioning %q", tc.name, code, errs, tc.code, tc.want)
		}
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a refused merge left %s: %v", out, err)
	}
}
