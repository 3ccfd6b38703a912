// Package router models how address-event (AER) packets travel between
// neuromorphic cores, and holds them until the tick they are due.
//
// A Router knows the board's layout: cores sit in tiles, tiles form a 2-D
// mesh on each chip, and chips form a grid on the board. Routing is
// dimension-order (X first, then Y) over the board-wide grid of tiles, so a
// route is fixed by its end points, as in hardware that routes without
// tables of its own. Each hop occupies one directed link for a service time
// and then takes a hop latency; packets of one tick that share a link queue
// behind each other. From that the Router derives, per packet, its hop
// count, when it reaches its destination within the tick, and in realtime
// sync whether it arrives late or is dropped at a full link buffer; per
// tick, how long the network takes to drain and what it costs in energy;
// and per link, how much traffic and congestion it saw.
//
// The chip engine drives it once per tick:
//
//	buf = r.PopDue(t, buf[:0])   // deliver what is due at tick t
//	... cores run, emitting packets ...
//	r.Send(p)                    // for each packet, in a deterministic order
//	st := r.EndTick(t)           // close tick t's communication phase
//
// Everything is deterministic: times are integers (picoseconds), pending
// packets are ordered by (Deliver, Dst, Src, send sequence), and nothing
// depends on map order or goroutines. A Router is not safe for concurrent
// use; the engine serialises Send calls so their order is reproducible.
//
// The model, its assumptions and its formulas are described in
// docs/router.md.
package router
