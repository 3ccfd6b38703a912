package aer

import (
	"errors"
	"path/filepath"
	"testing"
)

func TestIterators(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.aer")
	w, err := Create(path, Meta{DtMs: 1, TimeUnit: UnitTick, Kinds: []string{KindSpike, KindPacket}})
	if err != nil {
		t.Fatal(err)
	}
	const n = 3*iterBuf + 7 // more than one buffer
	for i := range n {
		if err := w.WriteSpike(int64(i/3), uint32(i%5)); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 10 {
		if err := w.WritePacket(Packet{Emit: int64(i), Deliver: int64(i) + 1, Src: 1, Dst: 2}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	r, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	k := 0
	for s, err := range r.Spikes() {
		if err != nil {
			t.Fatal(err)
		}
		if s != (Spike{Time: int64(k / 3), Addr: uint32(k % 5)}) {
			t.Fatalf("spike %d: %+v", k, s)
		}
		k++
	}
	if k != n {
		t.Fatalf("%d spikes, want %d", k, n)
	}
	k = 0
	for p, err := range r.Packets() {
		if err != nil || p.Emit != int64(k) {
			t.Fatalf("packet %d: %+v %v", k, p, err)
		}
		k++
		if k == 4 { // breaking out is allowed
			break
		}
	}
	if k != 4 {
		t.Fatalf("%d packets before the break", k)
	}
}

func TestRecordsError(t *testing.T) {
	bad := errors.New("bad chunk")
	calls := 0
	read := func(buf []int) (int, error) {
		calls++
		if calls == 1 {
			buf[0], buf[1] = 1, 2
			return 2, nil
		}
		buf[0] = 3
		return 1, bad
	}
	var got []int
	var errs []error
	for x, err := range Records(read) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		got = append(got, x)
	}
	if len(got) != 3 || got[2] != 3 || len(errs) != 1 || !errors.Is(errs[0], bad) {
		t.Fatalf("records %v, errors %v", got, errs)
	}
}
