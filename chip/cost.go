package chip

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/spindle-sim/spindle/router"
)

// Timing is the rule that turns a tick's work into its modelled duration
// (docs/energy.md).
type Timing uint8

const (
	// Detailed times each message: it leaves its core once the neurons
	// before it are processed, crosses the network through the router's
	// link queues, is held up by messages waiting for busy destinations
	// on its route (timedSends), and waits for its destination core to
	// finish the messages before it. The tick ends when the last core and
	// the last message are done, plus synchronisation. The zero value.
	Detailed Timing = iota
	// Simple is SANA-FE's simple rule: each core's neuron side and message
	// side are sums of their events' latencies, the tick lasts as long as
	// the largest of them on any core, plus synchronisation; the network
	// adds nothing.
	Simple
)

// Timings are the names ParseTiming accepts.
var Timings = []string{"detailed", "simple"}

func (t Timing) String() string {
	if int(t) < len(Timings) {
		return Timings[t]
	}
	return fmt.Sprintf("Timing(%d)", uint8(t))
}

// ParseTiming reads a timing rule by name.
func ParseTiming(s string) (Timing, error) {
	for i, n := range Timings {
		if n == s {
			return Timing(i), nil
		}
	}
	return 0, fmt.Errorf("timing %q: expected simple or detailed", s)
}

// coreTick is what one core did in one tick, in the counts the cost
// model prices.
type coreTick struct {
	updates, spikes, learning int64
	sent                      int64 // messages
	// stalled is how long back-pressure held the core's sending, which
	// delays the rest of its neuron side (detailed timing, barrier sync).
	stalled float64
}

// inTick is what one core received in one tick. It is kept apart from
// coreTick because every message adds to its destination's, a core
// anywhere on the board: a smaller table stays in the cache. A core takes
// at most one message an input axon a tick, so its counts fit 32 bits.
type inTick struct {
	received int32             // messages
	syn      [numFormats]int32 // synapses of the messages received
}

// arrival is one message of the open tick under detailed timing: it
// reaches core dst at seconds into the tick and keeps it busy for work
// seconds.
type arrival struct {
	dst      uint32
	at, work float64
}

// cost accumulates the modelled energy and time of a run, tick by tick.
// Energies are kept as event counts and priced when read, so that every
// component is its count times its per-event cost; see docs/energy.md
// for the model and the sources of the figures.
type cost struct {
	arch   *Arch
	timing Timing
	lif    []int64 // compartments each core accesses every tick
	// lifActive is the sum of lif over active.
	lifActive int64
	// active lists the cores that hold neurons, in order: the others
	// neither work nor receive, and a board has many more cores than a
	// small network uses (CUBA: 5 of 128).
	active []int
	sync   float64 // synchronisation per tick, for the tiles and chips in use

	work     []coreTick // the open tick, per core
	in       []inTick   // the open tick, per core
	lanes    [][]inTick // more tables like in, for a tick sent in lanes
	laned    int        // how many of lanes the open tick used
	arrivals []arrival  // the open tick's messages, detailed timing in real-time sync
	lastDone float64    // when the last core finished its messages, detailed timing in barrier sync

	ticks                             int64
	syn                               [numFormats]int64
	access, updates, spikes, learning int64
	sent, received                    int64
	network                           float64 // joules, link traversals
	seconds, tickMax                  float64
}

// newCost prepares the cost model of mapping m on arch a: lif[c] is the
// number of compartments core c accesses every tick.
func newCost(a *Arch, m *Mapping, lif []int64, timing Timing) cost {
	tiles, chips := map[int]bool{}, map[int]bool{}
	var active []int
	for c, ns := range m.Cores {
		if len(ns) > 0 {
			tiles[c/a.CoresPerTile] = true
			chips[c/a.CoresPerChip()] = true
			active = append(active, c)
		}
	}
	var lifActive int64
	for _, c := range active {
		lifActive += lif[c]
	}
	return cost{
		arch: a, timing: timing, lif: lif, lifActive: lifActive, active: active,
		sync: a.SyncLatency(len(tiles), len(chips)),
		work: make([]coreTick, len(lif)),
		in:   make([]inTick, len(lif)),
	}
}

// injectAt is when, in seconds into the tick, core c sends its sent-th
// message (counting from 0) of the tick, carrying the k-th spike (from 0)
// of compartment l, under detailed timing in barrier sync: the core has
// accessed compartments 0..l, updated their share of the tick's updates,
// sent k+1 spikes and sent+1 messages. Which compartments updated is not
// known, so the updates are spread evenly over the compartments.
func (k *cost) injectAt(c, l int, spike, sent int64) float64 {
	a := k.arch
	n := k.lif[c]
	done := min(int64(l+1), n)
	t := float64(done)*a.NeuronAccessLatency + float64(spike+1)*a.SpikeLatency + float64(sent+1)*a.MessageOutLatency
	if n > 0 {
		t += float64(k.work[c].updates) * float64(done) / float64(n) * a.NeuronUpdateLatency
	}
	return t
}

// message records one message of the open tick from core src over route
// synapses syn to core dst; queued is false for a message the network
// dropped, which no core receives. at is its arrival time, which detailed
// timing in real-time sync keeps to order each core's messages.
func (k *cost) message(src, dst uint32, syn synCounts, queued bool, at float64) {
	k.count(src, dst, syn, queued)
	if queued && k.timing == Detailed {
		k.arrivals = append(k.arrivals, arrival{dst: dst, at: at, work: k.receiveTime(syn)})
	}
}

// count counts one message as message does.
func (k *cost) count(src, dst uint32, syn synCounts, queued bool) {
	k.work[src].sent++
	if !queued {
		return
	}
	w := &k.in[dst]
	w.received++
	w.syn[Sparse] += syn.sparse
	w.syn[Dense] += syn.dense
	w.syn[Conv] += syn.conv
}

// add counts one message received over n synapses of format f, as count
// does.
func (w *inTick) add(f SynapseFormat, n int32) {
	w.received++
	w.syn[f] += n
}

// addLanes makes room for n more tables of what the cores receive, one
// for each lane but the first of a tick sent in lanes (Engine.sendInLanes),
// which counts in in; close adds them into in.
func (k *cost) addLanes(n int) {
	for len(k.lanes) < n {
		k.lanes = append(k.lanes, make([]inTick, len(k.in)))
	}
	k.laned = n
}

// laneIn returns the table lane i counts what the cores receive in.
func (k *cost) laneIn(i int) []inTick {
	if i == 0 {
		return k.in
	}
	return k.lanes[i-1]
}

// plus adds x's counts to w's.
func (w *inTick) plus(x *inTick) {
	w.received += x.received
	for f, n := range x.syn {
		w.syn[f] += n
	}
}

// receiveTime is the time a destination core spends on a message over
// route synapses syn: receiving it and walking its synapses.
func (k *cost) receiveTime(syn synCounts) float64 {
	a := k.arch
	return a.MessageInLatency + float64(syn.sparse)*a.SynOpLatency +
		float64(syn.dense)*a.SynOpLatencyDense + float64(syn.conv)*a.SynOpLatencyConv
}

// neuronTime is the time core c's neuron side takes in the open tick.
func (k *cost) neuronTime(c int) float64 {
	a, w := k.arch, &k.work[c]
	return float64(k.lif[c])*a.NeuronAccessLatency + float64(w.updates)*a.NeuronUpdateLatency +
		float64(w.spikes)*a.SpikeLatency + float64(w.sent)*a.MessageOutLatency +
		// A learning engine's pass over a synapse reads and writes it
		// as a synaptic event does; no calibrated figure of its own is
		// published, so it is timed as one (docs/energy.md).
		float64(w.learning)*a.SynOpLatency
}

// messageTime is the time core c's message side takes in the open tick:
// receiving its messages and walking their synapses.
func (k *cost) messageTime(c int) float64 {
	a, w := k.arch, &k.in[c]
	t := float64(w.received) * a.MessageInLatency
	for f, n := range w.syn {
		_, lat := a.synOp(SynapseFormat(f))
		t += float64(n) * lat
	}
	return t
}

// close ends the open tick, in which the network did ts, and charges it,
// in one pass over the cores: on a large board (scale_1m: 57,895 cores)
// each pass is a millisecond.
func (k *cost) close(ts router.TickStats) {
	k.closeWith(ts, k.sumCores(k.active))
}

// coreSums is what the tick's pass over a run of active cores gathers:
// the sums of their counts and the longest of their times. Integer sums
// and a maximum do not depend on the order they are taken in, so runs
// summed apart (on a large board's workers) give what one pass gives.
type coreSums struct {
	tick                                      float64
	updates, spikes, learning, sent, received int64
	syn                                       [numFormats]int64
}

// sumCores gathers the open tick's counts and times of the cores of
// active, a run of k.active, and clears them for the next tick; it adds
// their counts from the lanes of the tick to their own first. Runs that do
// not overlap may be summed concurrently.
func (k *cost) sumCores(active []int) coreSums {
	var s coreSums
	lanes := k.lanes[:k.laned]
	for _, c := range active {
		in, w := &k.in[c], &k.work[c]
		for _, l := range lanes {
			in.plus(&l[c])
			l[c] = inTick{}
		}
		if k.timing == Simple {
			s.tick = max(s.tick, k.neuronTime(c), k.messageTime(c))
		} else {
			s.tick = max(s.tick, k.neuronTime(c)+w.stalled)
		}
		s.updates += w.updates
		s.spikes += w.spikes
		s.learning += w.learning
		s.sent += w.sent
		*w = coreTick{}
		s.received += int64(in.received)
		for f, n := range in.syn {
			s.syn[f] += int64(n)
		}
		*in = inTick{}
	}
	return s
}

// closeWith is close for a tick whose cores sumCores has gathered, in
// one run or in several.
func (k *cost) closeWith(ts router.TickStats, runs ...coreSums) {
	a := k.arch
	k.laned = 0
	var tick float64
	for _, s := range runs {
		tick = max(tick, s.tick)
		k.updates += s.updates
		k.spikes += s.spikes
		k.learning += s.learning
		k.sent += s.sent
		k.received += s.received
		for f, n := range s.syn {
			k.syn[f] += n
		}
	}
	k.access += k.lifActive
	if k.timing != Simple {
		tick = max(tick, k.lastDone)
		k.lastDone = 0
		// Each core takes its messages in the order they arrive, one
		// at a time, starting each when it arrives or when the core
		// finishes the one before, whichever is later.
		slices.SortStableFunc(k.arrivals, func(x, y arrival) int {
			if x.dst != y.dst {
				return cmp.Compare(x.dst, y.dst)
			}
			return cmp.Compare(x.at, y.at)
		})
		var busy float64
		for i, m := range k.arrivals {
			if i == 0 || m.dst != k.arrivals[i-1].dst {
				busy = 0
			}
			busy = max(busy, m.at) + m.work
			tick = max(tick, busy)
		}
		tick = max(tick, ts.DrainSeconds)
		k.arrivals = k.arrivals[:0]
	}
	tick += k.sync
	if a.Sync == Realtime {
		tick = max(tick, a.TickBudget)
	}
	k.seconds += tick
	k.tickMax = max(k.tickMax, tick)
	k.ticks++
	k.network += ts.EnergyJoules
}

// fill writes the totals into s. Without neuron updates (a traffic
// replay) the energy has no "neuron" component.
func (k *cost) fill(s *Stats, neurons bool) {
	a := k.arch
	var synaptic float64
	for f, n := range k.syn {
		e, _ := a.synOp(SynapseFormat(f))
		synaptic += float64(n) * e
	}
	barrier := 0.0
	if a.Sync == Barrier {
		barrier = float64(k.ticks) * a.BarrierEnergy
	}
	s.EnergyByComponent = map[string]float64{
		"synaptic": synaptic,
		"access":   float64(k.access) * a.NeuronAccessEnergy,
		"spike":    float64(k.spikes) * a.SpikeEnergy,
		"message":  float64(k.sent)*a.MessageOutEnergy + float64(k.received)*a.MessageInEnergy,
		"network":  k.network,
		"barrier":  barrier,
	}
	if neurons {
		s.EnergyByComponent["neuron"] = float64(k.updates) * a.NeuronUpdateEnergy
	}
	if k.learning > 0 {
		s.EnergyByComponent["learning"] = float64(k.learning) * a.SynOpEnergy
	}
	s.EnergyJoules = 0
	for _, name := range sortedComponents(s.EnergyByComponent) {
		s.EnergyJoules += s.EnergyByComponent[name]
	}
	s.Messages = MessageCounts{Sent: k.sent, Received: k.received, SynapsesSparse: k.syn[Sparse], SynapsesDense: k.syn[Dense], SynapsesConv: k.syn[Conv]}
	s.ModelledSeconds = k.seconds
	s.ModelledTickMax = k.tickMax
	s.Timing = k.timing
}

// sortedComponents returns the component names in a fixed order, so that
// the total is summed the same way every time.
func sortedComponents(m map[string]float64) []string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// timedSends holds a tick's packets under detailed timing in barrier
// sync and sends them in order of their modelled send times, as the cores
// would: a link serves packets in the order they are sent, so core 1's
// first packet must not queue behind core 0's last.
//
// It also models congestion from busy destinations. A message that
// reaches a busy core waits in the network until the core starts on it,
// in one of the hops+2 buffers of its route: the sender's output queue,
// the queue of each link, and the destination's input queue, link_buffer
// messages each. Where along the route is not tracked, so it counts as an
// equal share of one message in each. A new message finds the shares of
// the messages held on its route ahead of it; they leave as their
// destinations take them, each buffer one per mean work of the held
// messages, all hops+2 at once, so it arrives no sooner than ahead × mean
// work / (hops+2) after it is sent. When the messages ahead exceed the
// route's capacity, (hops+2) × link_buffer, the sender stalls until the
// excess has been taken, excess × mean work, and sends nothing else
// meanwhile: one busy destination holds up its senders' messages to idle
// ones. This is the structure of SANA-FE's detailed timing model (Boyle et
// al. 2025), on Spindle's link queues for the unloaded network.
type timedSends struct {
	pend  []timedSend
	queue sendQueue
	// The messages held, waiting for their destination to start them:
	// per destination core, pend indices from fifo[d][head[d]] on, in the
	// order the core starts them; and the destinations, by when they
	// start their first.
	fifo    [][]int
	head    []int
	waiting sendQueue
	start   []float64     // when pend[i]'s destination starts it
	done    []float64     // per destination core: when it finishes the messages so far
	links   []float64     // messages waiting in each link's buffer, in shares
	inputs  []float64     // messages waiting at each core's input, in shares
	outputs []float64     // messages waiting at each core's output, in shares
	paths   []router.Path // of pend[i]
	work    []float64     // pend[i]'s work at its destination
	// The messages waiting, and the sum of their work.
	held     int
	heldWork float64
}

type timedSend struct {
	p      router.Packet
	route  int
	at     float64 // modelled send time without back-pressure
	queued bool    // set by flush
}

// grow makes room for n more packets at once: a burst of traffic would
// otherwise grow pend by doubling, copying it each time.
func (ts *timedSends) grow(n int) { ts.pend = slices.Grow(ts.pend, n) }

func (ts *timedSends) add(p router.Packet, route int, at float64) {
	ts.pend = append(ts.pend, timedSend{p: p, route: route, at: at})
}

// flush sends the held packets through r, each at its send time delayed
// by its core's stalls so far, in order of those times; prices them in k
// with the synapses of their routes and times their destinations' work
// on them; and then shows each to hook (if set) in the order they were
// added. buffer is the arch's link_buffer.
func (ts *timedSends) flush(r *router.Router, k *cost, routeSyn func(route int) synCounts, buffer int, hook func(router.Packet, bool)) {
	cores := len(k.work)
	if len(ts.done) < cores || len(ts.links) < r.LinkSlots() {
		ts.fifo = make([][]int, cores)
		ts.head = make([]int, cores)
		ts.done = make([]float64, cores)
		ts.inputs = make([]float64, cores)
		ts.outputs = make([]float64, cores)
		ts.links = make([]float64, r.LinkSlots())
	}
	ts.paths = slices.Grow(ts.paths[:0], len(ts.pend))
	for i := range ts.pend {
		ts.paths = append(ts.paths, r.Path(ts.pend[i].p.Src, ts.pend[i].p.Dst))
	}
	// The packets of one core were added together, in send order: each
	// core's first packet starts the queue, and each packet sent queues
	// the core's next.
	ts.queue = ts.queue[:0]
	for i := range ts.pend {
		if i == 0 || ts.pend[i].p.Src != ts.pend[i-1].p.Src {
			ts.queue.push(sendEvent{at: ts.pend[i].at, i: i})
		}
	}
	ts.work = slices.Grow(ts.work[:0], len(ts.pend))[:len(ts.pend)]
	ts.start = slices.Grow(ts.start[:0], len(ts.pend))[:len(ts.pend)]
	// Both queues take an event and usually put back its successor at
	// once: the two are done as one replacement of the earliest event.
	for len(ts.queue) > 0 {
		ev := ts.queue[0]
		for len(ts.waiting) > 0 && ts.waiting[0].at <= ev.at {
			d := ts.waiting[0].i
			ts.take(ts.fifo[d][ts.head[d]])
			ts.head[d]++
			if h := ts.head[d]; h < len(ts.fifo[d]) {
				ts.waiting.replaceTop(sendEvent{at: ts.start[ts.fifo[d][h]], i: d})
			} else {
				ts.waiting.pop()
			}
		}
		s := &ts.pend[ev.i]
		src, dst := s.p.Src, s.p.Dst
		path := ts.paths[ev.i]
		buffers := float64(path.Hops() + 2)
		ahead := ts.plusLinks(ts.plusLinks(ts.inputs[dst]+ts.outputs[src], path.X), path.Y)
		var mean float64
		if ts.held > 0 {
			mean = ts.heldWork / float64(ts.held)
		}
		at := ev.at
		if excess := ahead - buffers*float64(buffer); excess > 0 {
			at += excess * mean
		}
		p, arrive, queued := r.RouteTimed(s.p, at)
		arrive = max(arrive, at+ahead*mean/buffers)
		s.p, s.queued = p, queued
		syn := routeSyn(s.route)
		k.count(src, dst, syn, queued)
		ts.work[ev.i] = k.receiveTime(syn)
		if queued {
			start := max(ts.done[dst], arrive)
			ts.start[ev.i] = start
			ts.done[dst] = start + ts.work[ev.i]
			k.lastDone = max(k.lastDone, ts.done[dst])
			ts.hold(ev.i)
			if ts.head[dst] == len(ts.fifo[dst]) {
				ts.waiting.push(sendEvent{at: start, i: int(dst)})
			}
			ts.fifo[dst] = append(ts.fifo[dst], ev.i)
		}
		// A stall delays the rest of the core's work.
		k.work[src].stalled = at - s.at
		if n := ev.i + 1; n < len(ts.pend) && ts.pend[n].p.Src == src {
			ts.queue.replaceTop(sendEvent{at: ts.pend[n].at + k.work[src].stalled, i: n})
		} else {
			ts.queue.pop()
		}
	}
	// Queued in the order the cores sent them, the packets of each
	// destination stay in order of source core, as PopDue returns them.
	for i := range ts.pend {
		if ts.pend[i].queued {
			r.Queue(ts.pend[i].p)
		}
		if hook != nil {
			hook(ts.pend[i].p, ts.pend[i].queued)
		}
	}
	ts.reset(cores)
}

// reset empties the per-core and per-link state of the tick for the next.
// A tick that touched few of a large board's cores and links has its
// entries zeroed one by one; clearing every core's would cost more than
// the tick (CUBA: 5 busy cores of 128).
func (ts *timedSends) reset(cores int) {
	hops := 0
	for _, p := range ts.paths {
		hops += p.Hops()
	}
	if len(ts.pend) < cores/4 && hops < len(ts.links)/4 {
		for i := range ts.pend {
			p := &ts.pend[i].p
			ts.fifo[p.Dst], ts.head[p.Dst] = ts.fifo[p.Dst][:0], 0
			ts.done[p.Dst], ts.inputs[p.Dst], ts.outputs[p.Src] = 0, 0, 0
			ts.zeroLinks(ts.paths[i].X)
			ts.zeroLinks(ts.paths[i].Y)
		}
	} else {
		for d := range ts.fifo {
			ts.fifo[d], ts.head[d] = ts.fifo[d][:0], 0
		}
		clear(ts.done)
		clear(ts.inputs)
		clear(ts.outputs)
		clear(ts.links)
	}
	ts.pend, ts.waiting = ts.pend[:0], ts.waiting[:0]
	ts.held, ts.heldWork = 0, 0
}

func (ts *timedSends) zeroLinks(run router.Run) {
	for l, n := run.First, run.N; n > 0; l, n = l+run.Step, n-1 {
		ts.links[l] = 0
	}
}

// hold puts pend[i] in the buffers of its route, an equal share in each.
func (ts *timedSends) hold(i int) {
	ts.shares(i, 1)
	ts.held++
	ts.heldWork += ts.work[i]
}

// take removes pend[i] from the buffers of its route: its destination has
// started on it.
func (ts *timedSends) take(i int) {
	ts.shares(i, -1)
	ts.held--
	ts.heldWork -= ts.work[i]
	if ts.held == 0 {
		ts.heldWork = 0 // no rounding left over
	}
}

func (ts *timedSends) shares(i int, sign float64) {
	path := ts.paths[i]
	w := sign / float64(path.Hops()+2)
	ts.inputs[ts.pend[i].p.Dst] += w
	ts.outputs[ts.pend[i].p.Src] += w
	ts.addLinks(path.X, w)
	ts.addLinks(path.Y, w)
}

func (ts *timedSends) addLinks(run router.Run, w float64) {
	for l, n := run.First, run.N; n > 0; l, n = l+run.Step, n-1 {
		ts.links[l] += w
	}
}

// plusLinks adds to sum, one by one, the shares waiting on run's links.
func (ts *timedSends) plusLinks(sum float64, run router.Run) float64 {
	for l, n := run.First, run.N; n > 0; l, n = l+run.Step, n-1 {
		sum += ts.links[l]
	}
	return sum
}

// sendEvent is a core's next packet, pend[i], due at at.
type sendEvent struct {
	at float64
	i  int
}

// sendQueue is a binary min-heap of send events by time, then by packet
// (the order they were added), so that the order is deterministic.
type sendQueue []sendEvent

func (q sendQueue) less(a, b int) bool {
	if q[a].at != q[b].at {
		return q[a].at < q[b].at
	}
	return q[a].i < q[b].i
}

func (q *sendQueue) push(e sendEvent) {
	*q = append(*q, e)
	h := *q
	for j := len(h) - 1; j > 0; {
		p := (j - 1) / 2
		if !h.less(j, p) {
			break
		}
		h[j], h[p] = h[p], h[j]
		j = p
	}
}

func (q *sendQueue) pop() sendEvent {
	h := *q
	top := h[0]
	n := len(h) - 1
	h[0] = h[n]
	*q = h[:n]
	(*q).down()
	return top
}

// replaceTop replaces the earliest event with e: a pop and a push in one.
func (q sendQueue) replaceTop(e sendEvent) {
	q[0] = e
	q.down()
}

// down moves the first event down to its place.
func (q sendQueue) down() {
	n := len(q)
	for j := 0; ; {
		l, r, m := 2*j+1, 2*j+2, j
		if l < n && q.less(l, m) {
			m = l
		}
		if r < n && q.less(r, m) {
			m = r
		}
		if m == j {
			break
		}
		q[j], q[m] = q[m], q[j]
		j = m
	}
}
