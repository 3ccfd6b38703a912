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
		off += n
	}
	return r.lanes[:len(counts)]
}

// Forward is Router.Forward in barrier sync, into the lane. It panics if
// the lane is full: a caller that miscounted its packets.
func (l *Lane) Forward(p Packet) {
	r := l.r
	s, d := r.ends(p.Src, p.Dst)
	n, chip := r.route(&l.fwd, &l.hops, s, d)
	l.hopPackets += int64(n)
	l.chipHopPackets += int64(chip)
	p.Hops = uint16(n)
	p.Deliver, p.Late = p.Emit+1, false
	p.seq = l.seq + uint64(l.n)
	l.slots[l.n] = p
	l.n++
}

// JoinLanes ends the lanes Lanes returned: the router then holds their
// packets and their counts, as if Forward had sent them one after another.
// It panics if a lane forwarded fewer packets than it was given.
func (r *Router) JoinLanes(lanes []*Lane) {
	total := 0
	for k, l := range lanes {
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
	if total > 0 {
		r.nextDeliver = r.next[0].Deliver
	}
}
