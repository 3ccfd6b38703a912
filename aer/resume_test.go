package aer

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestContinue: a trace stopped at a WriterState and carried on by
// Continue (in the same file or another, with the header the whole run
// would have written) is the trace written in one go, byte for byte.
func TestContinue(t *testing.T) {
	spikes := cubaSpikes(4, 300, 20, 1, 400)
	meta := func(ticks int64) Meta {
		return Meta{DtMs: 1, TimeUnit: UnitTick, Kinds: []string{KindSpike, KindPacket}, Run: &Run{Network: "n.yaml", Ticks: ticks}}
	}
	packet := func(i int) Packet {
		return Packet{Emit: spikes[i].Time, Deliver: spikes[i].Time + 1, Src: spikes[i].Addr % 7, Dst: spikes[i].Addr % 5, Hops: 2}
	}
	write := func(w *Writer, from, to int) {
		t.Helper()
		for i := from; i < to; i++ {
			if err := w.WriteSpike(spikes[i].Time, spikes[i].Addr); err != nil {
				t.Fatal(err)
			}
			if i%3 == 0 {
				if err := w.WritePacket(packet(i)); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	dir := t.TempDir()
	whole := filepath.Join(dir, "whole.aer")
	f, _ := os.Create(whole)
	w, err := NewWriterSize(f, meta(400), 500)
	if err != nil {
		t.Fatal(err)
	}
	write(w, 0, len(spikes))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	want, _ := os.ReadFile(whole)

	for _, cut := range []int{0, 1, 499, 500, 1777, len(spikes)} {
		for _, samePath := range []bool{false, true} {
			part := filepath.Join(dir, "part.aer")
			f, _ := os.Create(part)
			w, err := NewWriterSize(f, meta(200), 500)
			if err != nil {
				t.Fatal(err)
			}
			write(w, 0, cut)
			st, err := w.State()
			if err != nil {
				t.Fatal(err)
			}
			// The first run goes on and finishes its own trace.
			write(w, cut, min(cut+300, len(spikes)))
			w.Close()
			f.Close()
			b, err := st.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			var back WriterState
			if err := back.UnmarshalBinary(b); err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(dir, "out.aer")
			if samePath {
				out = part
			}
			c, err := Continue(out, part, meta(400), &back)
			if err != nil {
				t.Fatalf("cut %d: %v", cut, err)
			}
			write(c, cut, len(spikes))
			if err := c.Close(); err != nil {
				t.Fatal(err)
			}
			got, _ := os.ReadFile(out)
			if !bytes.Equal(got, want) {
				t.Errorf("cut at %d (same file %v): %d bytes, want the %d of the whole trace", cut, samePath, len(got), len(want))
			}
			if ents, _ := os.ReadDir(dir); len(ents) > 3 {
				t.Errorf("%d files left in the directory", len(ents))
			}
		}
	}
}

// TestContinueRefuses: a trace cut short, or changed, cannot be
// continued, and the file is left as it was.
func TestContinueRefuses(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "t.aer")
	m := Meta{DtMs: 1, TimeUnit: UnitTick}
	w, err := Create(path, m)
	if err != nil {
		t.Fatal(err)
	}
	w.n = 10
	w.times, w.addrs = make([]int64, 0, 10), make([]uint32, 0, 10)
	for i := 0; i < 95; i++ {
		w.WriteSpike(int64(i), uint32(i%13))
	}
	st, _ := w.State()
	w.Close()
	full, _ := os.ReadFile(path)
	for _, c := range []struct {
		name string
		file []byte
		meta Meta
		want string
	}{
		{"cut", full[:200], m, "it was cut"},
		{"changed", append(append([]byte(nil), full[:150]...), append([]byte{full[150] ^ 1}, full[151:]...)...), m, "changed or replaced"},
		{"other kinds", full, Meta{DtMs: 1, TimeUnit: UnitTick, Kinds: []string{KindPacket}}, "records"},
	} {
		if err := os.WriteFile(path, c.file, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Continue(path, path, c.meta, st)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
		if b, _ := os.ReadFile(path); !bytes.Equal(b, c.file) {
			t.Errorf("%s: the trace was changed", c.name)
		}
		if ents, _ := os.ReadDir(dir); len(ents) != 1 {
			t.Errorf("%s: %d files in the directory", c.name, len(ents))
		}
	}
}

// FuzzWriterState: UnmarshalBinary refuses what it cannot use, without
// panicking, and what it accepts encodes back the same.
func FuzzWriterState(f *testing.F) {
	var buf bytes.Buffer
	w, _ := NewWriterSize(&buf, Meta{DtMs: 1, TimeUnit: UnitTick, Kinds: []string{KindSpike, KindPacket}}, 8)
	for i := 0; i < 21; i++ {
		w.WriteSpike(int64(i), uint32(i))
		w.WritePacket(Packet{Emit: int64(i), Deliver: int64(i + 1), Src: 1, Dst: 2, Hops: 1})
	}
	st, _ := w.State()
	b, _ := st.MarshalBinary()
	f.Add(b)
	f.Fuzz(func(t *testing.T, b []byte) {
		var s WriterState
		if err := s.UnmarshalBinary(b); err != nil {
			return
		}
		again, _ := s.MarshalBinary()
		if !bytes.Equal(again, b) {
			t.Errorf("decoded and encoded again: %d bytes, were %d", len(again), len(b))
		}
	})
}
