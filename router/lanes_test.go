package router

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
)

// Packets forwarded in concurrent lanes leave the router exactly as one
// Forward call after another: the same queue, totals, tick counts, energy
// and per-link packets, tick after tick. On odd ticks the lanes sort their
// packets, and their batches, taken core by core, are PopDue's packets.
func TestLanesMatchForward(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	one, lanes := newRouter(t, testConfig()), newRouter(t, testConfig())
	lanes.far = true // its tiles computed, as on a board of many cores
	cores := uint32(one.Cores())
	var got, want []Packet
	for tick := range int64(12) {
		var ps []Packet
		for range rng.IntN(200) {
			ps = append(ps, Packet{Src: rng.Uint32N(cores), Dst: rng.Uint32N(cores), Axon: rng.Uint32N(50), Emit: tick})
		}
		slices.SortStableFunc(ps, func(a, b Packet) int { return cmp.Compare(a.Src, b.Src) })
		for _, p := range ps {
			one.Forward(p)
		}
		// Cut the tick's packets anywhere into 1 to 3 lanes.
		cuts := []int{0, len(ps)}
		for range rng.IntN(3) {
			cuts = append(cuts, rng.IntN(len(ps)+1))
		}
		slices.Sort(cuts)
		counts := make([]int, len(cuts)-1)
		for k := range counts {
			counts[k] = cuts[k+1] - cuts[k]
		}
		ls := lanes.Lanes(counts)
		if ls == nil {
			t.Fatalf("tick %d: Lanes refused an empty barrier-sync queue", tick)
		}
		var wg sync.WaitGroup
		for k, l := range ls {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for _, p := range ps[cuts[k]:cuts[k+1]] {
					l.Forward(p)
				}
				if tick%2 == 1 {
					l.Sort()
				}
			}()
		}
		wg.Wait()
		lanes.JoinLanes(ls)
		if a, b := one.EndTick(tick), lanes.EndTick(tick); a != b {
			t.Fatalf("tick %d: tick stats %+v, want %+v", tick, b, a)
		}
		want = one.PopDue(tick+1, want[:0])
		batches, ok := lanes.PopBatches(tick + 1)
		if sorted := tick%2 == 1 && len(ps) > 0; ok != sorted {
			t.Fatalf("tick %d: PopBatches reports %v, want %v", tick, ok, sorted)
		}
		got = got[:0]
		if ok {
			for c := range cores {
				for _, b := range batches {
					got = append(got, b.Packets[b.Start[c]:b.Start[c+1]]...)
				}
			}
		} else {
			got = lanes.PopDue(tick+1, got)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("tick %d: lanes queued other packets than Forward", tick)
		}
		if a, b := one.Stats(), lanes.Stats(); a != b {
			t.Fatalf("tick %d: totals %+v, want %+v", tick, b, a)
		}
	}
	if !slices.Equal(one.Links(), lanes.Links()) {
		t.Error("per-link counts differ")
	}
	// A packet queued after the lanes joined leaves their batches short:
	// PopBatches refuses them.
	ls := lanes.Lanes([]int{1})
	ls[0].Forward(Packet{Src: 0, Dst: 3, Emit: 12})
	ls[0].Sort()
	lanes.JoinLanes(ls)
	lanes.Forward(Packet{Src: 1, Dst: 2, Emit: 12})
	if _, ok := lanes.PopBatches(13); ok {
		t.Error("PopBatches returned batches that miss a packet forwarded after them")
	}
	// With packets queued, Lanes leaves the tick to Forward.
	if lanes.Lanes([]int{1}) != nil {
		t.Error("Lanes accepted a tick with a packet queued already")
	}
}
