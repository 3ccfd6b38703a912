package router

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"testing"
)

// busyRouter returns a router of testConfig in realtime sync with a tight
// budget after ticks ticks of random traffic: late packets stay queued
// across ticks.
func busyRouter(t testing.TB, ticks int64, seed uint64) *Router {
	cfg := testConfig()
	cfg.Sync, cfg.TickBudget, cfg.LinkBuffer = Realtime, 10e-9, 4
	r, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(seed, 2))
	var due []Packet
	for tk := int64(0); tk < ticks; tk++ {
		due = r.PopDue(tk, due[:0])
		for i := 0; i < 40; i++ {
			r.SendAt(Packet{Src: uint32(rng.IntN(r.Cores())), Dst: uint32(rng.IntN(r.Cores())), Axon: uint32(i), Emit: tk}, rng.Float64()*5e-9)
		}
		r.EndTick(tk)
	}
	return r
}

// TestStateContinues: a router restored from its state delivers the same
// packets as the one it was taken from, with the same counters.
func TestStateContinues(t *testing.T) {
	a := busyRouter(t, 30, 1)
	st := a.AppendState(nil)
	b, err := New(a.cfg)
	if err != nil {
		t.Fatal(err)
	}
	rest, err := b.RestoreState(append(slices.Clone(st), 9), nil)
	if err != nil || !bytes.Equal(rest, []byte{9}) {
		t.Fatalf("restore: %v, rest %v", err, rest)
	}
	if a.Stats().Pending == 0 {
		t.Fatal("no packets in flight: the test tests nothing")
	}
	if !bytes.Equal(b.AppendState(nil), st) {
		t.Error("the restored router's state differs")
	}
	for tk := int64(30); tk < 40; tk++ {
		da, db := a.PopDue(tk, nil), b.PopDue(tk, nil)
		if !slices.Equal(da, db) {
			t.Fatalf("tick %d: %d and %d packets due, or other ones", tk, len(da), len(db))
		}
		for i := 0; i < 10; i++ {
			p := Packet{Src: uint32(i), Dst: uint32(3 * i), Emit: tk}
			pa, qa := a.Send(p)
			pb, qb := b.Send(p)
			if pa != pb || qa != qb {
				t.Fatalf("tick %d: sent %+v %v and %+v %v", tk, pa, qa, pb, qb)
			}
		}
		if sa, sb := a.EndTick(tk), b.EndTick(tk); sa != sb {
			t.Fatalf("tick %d: %+v and %+v", tk, sa, sb)
		}
	}
	if a.Stats() != b.Stats() || !slices.Equal(a.Links(), b.Links()) {
		t.Error("counters differ")
	}
	if _, err := b.RestoreState(st, nil); err == nil {
		t.Error("RestoreState on a used router succeeded")
	}
}

// FuzzRestoreState: RestoreState refuses what does not fit without
// panicking; a router it accepts can run on.
func FuzzRestoreState(f *testing.F) {
	f.Add(busyRouter(f, 12, 3).AppendState(nil))
	cfg := busyRouter(f, 0, 0).cfg
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.RestoreState(b, nil); err != nil {
			return
		}
		for tk := int64(0); tk < 3; tk++ {
			r.PopDue(tk, nil)
			r.Send(Packet{Src: 1, Dst: 2, Emit: tk})
			r.EndTick(tk)
		}
		if s := r.Stats(); s.Sent != s.Delivered+s.Dropped+s.Pending {
			t.Errorf("counters %+v", s)
		}
	})
}

// The state taken while Forward's packets wait for PopDue holds them, and
// every link's packets: the restored router continues as the original.
func TestStateForwarded(t *testing.T) {
	a := newRouter(t, testConfig())
	rng := rand.New(rand.NewPCG(7, 8))
	for tk := int64(0); tk < 3; tk++ {
		a.PopDue(tk, nil)
		for i := range 50 {
			a.Forward(Packet{Src: rng.Uint32N(48), Dst: rng.Uint32N(48), Axon: uint32(i), Emit: tk})
		}
		a.EndTick(tk)
	}
	st := a.AppendState(nil)
	b := newRouter(t, testConfig())
	if _, err := b.RestoreState(st, nil); err != nil {
		t.Fatal(err)
	}
	if a.Stats() != b.Stats() || a.Stats().Pending != 50 {
		t.Fatalf("restored totals %+v, want %+v with 50 pending", b.Stats(), a.Stats())
	}
	if !slices.Equal(a.Links(), b.Links()) {
		t.Error("restored link counters differ")
	}
	if da, db := a.PopDue(3, nil), b.PopDue(3, nil); !slices.Equal(da, db) || len(da) != 50 {
		t.Errorf("restored router delivers %d packets, the original %d, or other ones", len(db), len(da))
	}
}
