package aer

// Traffic accumulates router packets per core and per link (source core to
// destination core).
type Traffic struct {
	Cores map[uint32]*CoreTraffic
	Links map[Link]*LinkTraffic
	N     int64
}

// CoreTraffic counts the packets a core sent and received.
type CoreTraffic struct {
	Sent, Received int64
}

// Link is a source-destination core pair.
type Link struct{ Src, Dst uint32 }

// LinkTraffic summarises the packets of one link.
type LinkTraffic struct {
	Packets, Late, Dropped int64
	Hops                   int64 // summed
	Latency                int64 // summed deliver - emit
}

// Add records a packet.
func (tr *Traffic) Add(p Packet) {
	if tr.Cores == nil {
		tr.Cores = make(map[uint32]*CoreTraffic)
		tr.Links = make(map[Link]*LinkTraffic)
	}
	tr.N++
	core := func(c uint32) *CoreTraffic {
		x := tr.Cores[c]
		if x == nil {
			x = &CoreTraffic{}
			tr.Cores[c] = x
		}
		return x
	}
	core(p.Src).Sent++
	core(p.Dst).Received++
	l := tr.Links[Link{p.Src, p.Dst}]
	if l == nil {
		l = &LinkTraffic{}
		tr.Links[Link{p.Src, p.Dst}] = l
	}
	l.Packets++
	l.Hops += int64(p.Hops)
	l.Latency += p.Deliver - p.Emit
	if p.Flags&FlagLate != 0 {
		l.Late++
	}
	if p.Flags&FlagDropped != 0 {
		l.Dropped++
	}
}
