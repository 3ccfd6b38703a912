package router

import "slices"

// A Lane forwards one goroutine's share of a tick's packets, so that the
// sends of a large board's tick split over the processors. It does what
// Forward does, on difference arrays and counters of its own, and writes
// its packets into the slots of the queue Lanes gave it; JoinLanes adds
// the lanes up. The result is the router Forward would have left, packet
// for packet and count for count: the sums are of integers.
type Lane struct {
	r                          *Router
	fwd                        [ndirs][]int64
	hops                       [nkinds]int64
	hopPackets, chipHopPackets int64
	slots                      []Packet // the lane's part of the queue
	n                          int      // slots filled
	seq                        uint64   // the sequence number of slots[0]
	// Sort's result, when it was called this tick.
	sorted   Batch
	isSorted bool
}

// A Batch is one lane's packets of a tick sorted by destination core,
// each core's in send order (Lane.Sort). Packets[Start[c]:Start[c+1]] are
// the packets addressed to core c.
type Batch struct {
	Packets []Packet
	Start   []int32
}

// Lanes prepares a tick's packets to be forwarded in len(counts) lanes
// that may run concurrently, lane k forwarding exactly counts[k] packets,
// each lane's in source order and after every packet of the lanes before
// it, as the packets of one Forward call after another would be. Until
// JoinLanes the router is used through the lanes alone. Lanes returns nil,
// and the caller uses Forward, unless the sync is barrier and nothing is
// queued.
func (r *Router) Lanes(counts []int) []*Lane {
	if r.cfg.Sync == Realtime || r.queue.Len() > 0 || len(r.next) > 0 {
		return nil
	}
	total := 0
	for _, n := range counts {
		total += n
	}
	r.next = slices.Grow(r.next[:0], total)[:total]
	r.batchesReady = false
	r.allocFwd()
	for len(r.lanes) < len(counts) {
		l := &Lane{r: r}
		if len(r.lanes) == 0 {
			l.fwd = r.fwd // the first lane counts in the router's own arrays
		} else {
			for dir := range l.fwd {
				l.fwd[dir] = make([]int64, r.gx*r.gy+1)
			}
		}
		r.lanes = append(r.lanes, l)
	}
	off := 0
	for k, n := range counts {
		l := r.lanes[k]
		l.slots, l.n, l.seq = r.next[off:off+n:off+n], 0, r.seq+uint64(off)
		l.hops, l.hopPackets, l.chipHopPackets = [nkinds]int64{}, 0, 0
		l.isSorted = false
		off += n
	}
	return r.lanes[:len(counts)]
}

// Forward is Router.Forward in barrier sync, into the lane. It panics if
// the lane is full: a caller that miscounted its packets.
func (l *Lane) Forward(p Packet) {
	r := l.r
	var s, d Tile
	if r.far {
		s, d = r.computeEnds(p.Src, p.Dst)
	} else {
		s, d = r.ends(p.Src, p.Dst)
	}
	n, chip := r.route(&l.fwd, &l.hops, s, d)
	l.hopPackets += int64(n)
	l.chipHopPackets += int64(chip)
	p.Hops = uint16(n)
	p.Deliver, p.Late = p.Emit+1, false
	p.seq = l.seq + uint64(l.n)
	l.slots[l.n] = p
	l.n++
}

// Sort orders the lane's packets by destination core, keeping each
// core's in send order, once the lane has forwarded them all. It runs on
// the lane's goroutine, so that a large board's tick is sorted by every
// worker at once: PopBatches then returns the lanes' batches, and the serial
// counting sort of PopDue (scale_1m: 100,000 packets over 98,304 cores, a
// tenth of a tick) is not needed.
func (l *Lane) Sort() {
	r := l.r
	// A counting sort whose counts end as the batch's Start: core d's
	// count goes in s[d+2]; summed, s[d+1] is where its packets start;
	// placing them moves s[d+1] to where they end, which is where core
	// d+1's start, so that s[c] is then the start of core c's.
	s := slices.Grow(l.sorted.Start[:0], r.cores+2)[:r.cores+2]
	clear(s)
	pkts := l.slots[:l.n]
	for i := range pkts {
		s[pkts[i].Dst+2]++
	}
	for c := 2; c < len(s); c++ {
		s[c] += s[c-1]
	}
	out := slices.Grow(l.sorted.Packets[:0], len(pkts))[:len(pkts)]
	for _, p := range pkts {
		out[s[p.Dst+1]] = p
		s[p.Dst+1]++
	}
	l.sorted = Batch{Packets: out, Start: s[:r.cores+1]}
	l.isSorted = true
}

// PopBatches is PopDue for a tick whose packets were all forwarded by lanes
// that sorted them (Lane.Sort): when every queued packet is due at t and
// came from those lanes, it empties the queue and returns the lanes' batches
// in lane order, and true. The packets addressed to a core are then its
// packets of each batch in turn, in the order PopDue gives them. Otherwise
// it returns nil and false, and the caller uses PopDue. The batches are
// valid until the lanes next forward.
func (r *Router) PopBatches(t int64) ([]Batch, bool) {
	if !r.batchesReady || r.queue.Len() > 0 || r.nextDeliver > t {
		return nil, false
	}
	r.popped(nil)
	return r.batches, true
}

// JoinLanes ends the lanes Lanes returned: the router then holds their
// packets and their counts, as if Forward had sent them one after another.
// It panics if a lane forwarded fewer packets than it was given.
func (r *Router) JoinLanes(lanes []*Lane) {
	total := 0
	sorted := true
	r.batches = r.batches[:0]
	for k, l := range lanes {
		sorted = sorted && l.isSorted
		r.batches = append(r.batches, l.sorted)
		if l.n != len(l.slots) {
			panic("router: a lane forwarded fewer packets than Lanes was told")
		}
		total += l.n
		for kind, h := range l.hops {
			r.hops[kind] += h
		}
		r.tot.HopPackets += l.hopPackets
		r.tick.HopPackets += l.hopPackets
		r.tot.ChipHopPackets += l.chipHopPackets
		r.tick.ChipHopPackets += l.chipHopPackets
		if l.hopPackets > 0 {
			r.fwdDirty = true
			if k > 0 {
				for dir, diff := range l.fwd {
					own := r.fwd[dir]
					for i, v := range diff {
						own[i] += v
					}
					clear(diff)
				}
			}
		}
	}
	r.seq += uint64(total)
	r.tot.Sent += int64(total)
	r.tick.Packets += int64(total)
	r.pending += int64(total)
	r.next = r.next[:total]
	r.nextUnsorted = false
	r.batchesReady = sorted && total > 0
	if total > 0 {
		r.nextDeliver = r.next[0].Deliver
	}
}
