package aer

import "testing"

func TestTraffic(t *testing.T) {
	var tr Traffic
	tr.Add(Packet{Emit: 0, Deliver: 2, Src: 1, Dst: 2, Hops: 3, Flags: FlagLate})
	tr.Add(Packet{Emit: 1, Deliver: 2, Src: 1, Dst: 2, Hops: 3, Flags: FlagDropped})
	tr.Add(Packet{Emit: 1, Deliver: 2, Src: 2, Dst: 1, Hops: 1})
	l := tr.Links[Link{1, 2}]
	if l.Packets != 2 || l.Late != 1 || l.Dropped != 1 || l.Hops != 6 || l.Latency != 3 {
		t.Errorf("link 1->2: %+v", l)
	}
	if c := tr.Cores[1]; c.Sent != 2 || c.Received != 1 {
		t.Errorf("core 1: %+v", c)
	}
}
