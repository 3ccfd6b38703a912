package router

import (
	"fmt"

	"github.com/spindle-sim/spindle/internal/state"
)

// AppendState appends to b the router's state between two ticks (after
// EndTick): the packets in flight in queue order, with their send
// sequence numbers, the counters since New, and every link's counters.
// The links' queues are empty between ticks and are not included.
func (r *Router) AppendState(b []byte) []byte {
	r.fold()
	r.spill()
	e := state.Enc{B: b}
	e.Len(r.cores)
	e.Len(len(r.links))
	e.U64(r.seq)
	t := r.tot
	for _, v := range []int64{t.Sent, t.Delivered, t.Dropped, t.Late, t.HopPackets, t.ChipHopPackets} {
		e.I64(v)
	}
	e.F64(t.EnergyJoules)
	for i := range r.links {
		l := &r.links[i]
		e.I64(l.packets)
		e.I64(l.peak)
		e.I64(l.late)
		e.I64(l.dropped)
	}
	e.I64(r.pending)
	e.Len(r.queue.Len())
	r.queue.Ascend(func(bk *bucket) bool {
		e.Len(len(bk.packets))
		for i := range bk.packets {
			p := &bk.packets[i]
			e.I64(p.Emit)
			e.I64(p.Deliver)
			e.U64(p.seq)
			e.U32(p.Src)
			e.U32(p.Dst)
			e.U32(p.Axon)
			e.U32(uint32(p.Hops))
			e.Bool(p.Late)
		}
		return true
	})
	return e.B
}

// RestoreState sets a fresh router of the same Config to the state
// AppendState wrote at the start of b, and returns the rest of b. check,
// if not nil, vets each packet in flight (its axon, which the router
// does not know) and refuses the state with its error.
func (r *Router) RestoreState(b []byte, check func(Packet) error) ([]byte, error) {
	if r.tot.Sent != 0 || r.pending != 0 {
		return nil, fmt.Errorf("router: RestoreState on a router that has sent packets")
	}
	d := state.NewDec(b)
	d.Count(r.cores, "router cores")
	d.Count(len(r.links), "router links")
	r.seq = d.U64()
	t := &r.tot
	for _, v := range []*int64{&t.Sent, &t.Delivered, &t.Dropped, &t.Late, &t.HopPackets, &t.ChipHopPackets} {
		*v = d.I64()
	}
	t.EnergyJoules = d.F64()
	for i := range r.links {
		l := &r.links[i]
		l.packets, l.peak, l.late, l.dropped = d.I64(), d.I64(), d.I64(), d.I64()
	}
	pending := d.I64()
	// A bucket holds at least one packet of 37 bytes.
	buckets := d.Len(8+37, "router buckets")
	for k := 0; k < buckets && d.Err() == nil; k++ {
		n := d.Len(37, "router packets")
		if n == 0 {
			d.Fail("router bucket %d: no packets", k)
		}
		var first Packet
		for i := 0; i < n && d.Err() == nil; i++ {
			p := Packet{Emit: d.I64(), Deliver: d.I64(), seq: d.U64(), Src: d.U32(), Dst: d.U32(), Axon: d.U32()}
			hops := d.U32()
			p.Hops, p.Late = uint16(hops), d.Bool()
			switch {
			case d.Err() != nil:
			case p.Src >= uint32(r.cores) || p.Dst >= uint32(r.cores) || hops > 0xFFFF:
				d.Fail("router packet %d of bucket %d: source %d, destination %d, hops %d on a board of %d cores", i, k, p.Src, p.Dst, hops, r.cores)
			case i > 0 && (p.Deliver != first.Deliver || p.Dst != first.Dst):
				d.Fail("router bucket %d: packet %d is for (tick %d, core %d), the bucket for (tick %d, core %d)", k, i, p.Deliver, p.Dst, first.Deliver, first.Dst)
			case p.seq >= r.seq:
				d.Fail("router packet %d of bucket %d: sequence number %d, not below the next %d", i, k, p.seq, r.seq)
			default:
				if check != nil {
					if err := check(p); err != nil {
						d.Fail("router packet %d of bucket %d: %v", i, k, err)
						break
					}
				}
				if i == 0 {
					first = p
				}
				r.enqueue(p)
			}
		}
	}
	if d.Err() == nil && pending != r.pending {
		d.Fail("router: %d packets pending, %d in the queue", pending, r.pending)
	}
	if d.Err() == nil && t.Sent != t.Delivered+t.Dropped+r.pending {
		d.Fail("router: %d packets sent, %d delivered, %d dropped, %d pending", t.Sent, t.Delivered, t.Dropped, r.pending)
	}
	if err := d.Err(); err != nil {
		return nil, fmt.Errorf("router: %w", err)
	}
	return d.Rest(), nil
}
