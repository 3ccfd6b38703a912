package router

import (
	"cmp"
	"fmt"
	"math/bits"
	"slices"

	"github.com/google/btree"
)

// Packet is one AER packet from a source core to one input axon of a
// destination core. Multicast is done by the caller: one packet per
// destination core.
type Packet struct {
	Emit    int64 // tick the source core sent it; set by the caller
	Deliver int64 // tick the destination core receives it; set by Send
	// seq is the send sequence number: it makes the queue order total, so
	// equal (Deliver, Dst, Src) packets come out in the order they went in.
	seq  uint64
	Src  uint32 // source core
	Dst  uint32 // destination core
	Axon uint32 // input axon on Dst
	Hops uint16 // links on the route; set by Send
	Late bool   // realtime sync: missed its tick's budget; set by Send
	// Count is the number of spikes the packet carries: a graded spike,
	// as Loihi 2 sends a payload with one message; 0 and 1 both mean one.
	Count uint8
}

// bucket holds the queued packets of one (Deliver, Dst) pair in send
// order. The queue is a flat slice while every queued packet is due at
// one tick (Router.next), otherwise a B-tree of buckets ordered by
// (Deliver, Dst); within
// a bucket PopDue orders by (Src, seq). Keying the tree by bucket rather
// than by packet makes a packet's enqueue an append: the tree is touched
// once per destination core and tick, not once per packet.
type bucket struct {
	deliver  int64
	dst      uint32
	unsorted bool // a packet arrived after one from a higher source core
	packets  []Packet
}

func (b *bucket) add(p Packet) {
	if n := len(b.packets); n > 0 && b.packets[n-1].Src > p.Src {
		b.unsorted = true
	}
	b.packets = append(b.packets, p)
}

func bucketBefore(a, b *bucket) bool {
	if a.deliver != b.deliver {
		return a.deliver < b.deliver
	}
	return a.dst < b.dst
}

// sendOrder orders the packets of a bucket by (Src, seq).
func sendOrder(a, b Packet) int {
	if a.Src != b.Src {
		return cmp.Compare(a.Src, b.Src)
	}
	return cmp.Compare(a.seq, b.seq)
}

// Tile is a tile's position in the board-wide grid of tiles:
// X = chipX*TilesX + x and Y = chipY*TilesY + y, where (x, y) is its
// position on its chip's mesh.
type Tile struct{ X, Y int }

// TickStats is what the network did in one tick's communication phase.
type TickStats struct {
	Tick           int64 // as passed to EndTick
	Packets        int64 // sent, including those dropped
	HopPackets     int64 // link traversals
	ChipHopPackets int64 // of which over chip-to-chip links
	Late           int64
	Dropped        int64
	// DrainSeconds is when the last packet of the tick left the network
	// (reached its destination or was dropped), counted from the moment
	// all were injected. The engine adds core time and barrier cost.
	DrainSeconds float64
	EnergyJoules float64 // link traversal energy
}

// Totals are the Router's counters since New. At any time
// Sent == Delivered + Dropped + Pending.
type Totals struct {
	Sent           int64
	Delivered      int64 // returned by PopDue
	Dropped        int64
	Pending        int64 // queued, not yet returned by PopDue
	Late           int64 // delivered or pending packets that were late
	HopPackets     int64
	ChipHopPackets int64
	EnergyJoules   float64
}

// LinkStats are one directed link's counters since New.
type LinkStats struct {
	From, To   Tile
	ChipToChip bool  // the two tiles are on different chips
	Packets    int64 // forwarded
	// PeakQueue is the most packets the link's queue held at once,
	// counting the one being forwarded. Realtime sync keeps it at most
	// LinkBuffer; in barrier sync a value above LinkBuffer shows how far
	// the buffer would have overflowed.
	PeakQueue int64
	Late      int64 // packets that crossed the tick budget on this link
	Dropped   int64 // packets that found this link's queue full
}

// Link directions; a link is identified by its source tile and direction.
const (
	east  = iota // +X
	west         // -X
	north        // +Y
	south        // -Y
	ndirs
)

// Kinds of link as the energy model prices them: the four on-chip
// directions, then chip-to-chip links of any direction.
const (
	chipKind = ndirs
	nkinds   = ndirs + 1
)

type link struct {
	// busy is when the link finishes the packets queued so far this
	// tick; it is only valid while phase equals Router.phase, which lets
	// EndTick clear every link in O(1).
	busy    int64
	phase   uint64
	service int64 // ps per packet
	latency int64 // ps
	kind    uint8 // a direction, or chipKind
	exists  bool  // false on the board's edges
	chip    bool

	packets, peak, late, dropped int64
}

// Router routes packets over the board's network and queues them until
// they are due. The zero value is not usable; call New.
type Router struct {
	cfg     Config
	perChip int // cores per chip
	gx, gy  int // board-wide tile grid
	cores   int
	budget  int64 // ps, realtime only
	buffer  int64

	links   []link // (Y*gx+X)*ndirs + dir
	queue   *btree.BTreeG[*bucket]
	pending int64
	free    []*bucket // emptied buckets, kept for reuse
	// hot caches the bucket of each destination for delivery tick hotTick,
	// the tick nearly every packet of a tick is due at.
	hot     []*bucket
	hotTick int64
	tiles   []tileXY // of each core
	// On a large board (far) Forward computes a core's tile instead: its
	// chip's first tile (chipAt) plus its tile within the chip (localAt),
	// its chip the core's number divided by the cores per chip as a
	// multiplication (chipOf). The table of every core's tile is larger
	// than a processor's own cache there (98,304 cores), and looking up
	// each packet's destination in it missed: a third of scale_1m's sends.
	far             bool
	chipAt, localAt []tileXY
	perChipInv      uint64 // ceil(2^64 / perChip), 0 when perChip is 1
	onePerChip      uint64 // 1 when perChip is 1, else 0
	// chipX and chipY give the chip column of each tile column and the
	// chip row of each tile row, so that Forward counts a route's
	// chip-to-chip hops without a division.
	chipX, chipY []int32
	probe        bucket // the search key of enqueue, kept so it does not escape
	seq          uint64
	phase        uint64

	tick  TickStats // the open tick, without Tick, DrainSeconds and EnergyJoules
	drain int64     // ps, the open tick
	tot   Totals    // without Pending
	// hops counts the open tick's link traversals by kind of link, and
	// energy is the price of one of each kind: EndTick prices the tick
	// as a sum of products, whichever way its packets were routed.
	hops   [nkinds]int64
	energy [nkinds]float64
	// fwd holds the per-link packet counts of Forward's packets as one
	// difference array per direction, east and west row-major (Y*gx+X),
	// north and south column-major (X*gy+Y), so that a straight run of
	// links costs two additions; fold adds them into the links.
	fwd      [ndirs][]int64
	fwdDirty bool
	lanes    []*Lane // Lanes's, kept for the next tick
	// next holds Forward's packets while they are all due at one tick,
	// nextDeliver, and the queue is empty: PopDue then orders them by
	// destination with a counting sort (count, one slot per core and one
	// more) instead of a tree of buckets. nextUnsorted records a packet
	// sent after one from a higher source core.
	next         []Packet
	nextDeliver  int64
	nextUnsorted bool
	count        []int32
	keys         []uint64 // popNext's sort keys: destination, position
	sent         []Packet // PopSent's result; next's spare buffer
	// batches are the sorted lanes of next, and batchesReady says they
	// hold next's packets (PopBatches).
	batches      []Batch
	batchesReady bool
}

// freeNodes is how many queue nodes are kept for reuse; a node holds up to
// 2*degree-1 buckets.
const (
	degree    = 32
	freeNodes = 1024
)

// New returns a Router for the layout and costs in cfg, or an error naming
// the first field of cfg that is out of range.
func New(cfg Config) (*Router, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	r := &Router{
		cfg:     cfg,
		perChip: cfg.CoresPerTile * cfg.TilesX * cfg.TilesY,
		gx:      cfg.TilesX * cfg.ChipsX,
		gy:      cfg.TilesY * cfg.ChipsY,
		budget:  picos(cfg.TickBudget),
		buffer:  int64(cfg.LinkBuffer),
		queue:   btree.NewWithFreeListG(degree, bucketBefore, btree.NewFreeListG[*bucket](freeNodes)),
		hotTick: -1,
	}
	r.cores = r.perChip * cfg.ChipsX * cfg.ChipsY
	r.hot = make([]*bucket, r.cores)
	r.perChipInv, r.onePerChip = inverse(r.perChip)
	r.chipAt = make([]tileXY, cfg.ChipsX*cfg.ChipsY)
	for chip := range r.chipAt {
		t := r.tileOf(uint32(chip * r.perChip))
		r.chipAt[chip] = tileXY{int32(t.X), int32(t.Y)}
	}
	r.localAt = make([]tileXY, r.perChip)
	for local := range r.localAt {
		t := r.tileOf(uint32(local))
		r.localAt[local] = tileXY{int32(t.X), int32(t.Y)}
	}
	r.tiles = make([]tileXY, r.cores)
	for c := range r.tiles {
		t := r.tileOf(uint32(c))
		r.tiles[c] = tileXY{int32(t.X), int32(t.Y)}
	}
	r.far = r.cores > maxTileTable
	r.chipX, r.chipY = make([]int32, r.gx), make([]int32, r.gy)
	for x := range r.chipX {
		r.chipX[x] = int32(x / cfg.TilesX)
	}
	for y := range r.chipY {
		r.chipY[y] = int32(y / cfg.TilesY)
	}
	r.links = make([]link, r.gx*r.gy*ndirs)
	latency := [ndirs]float64{east: cfg.HopLatencyEast, west: cfg.HopLatencyWest, north: cfg.HopLatencyNorth, south: cfg.HopLatencySouth}
	r.energy = [nkinds]float64{east: cfg.HopEnergyEast, west: cfg.HopEnergyWest, north: cfg.HopEnergyNorth, south: cfg.HopEnergySouth, chipKind: cfg.ChipHopEnergy}
	for y := 0; y < r.gy; y++ {
		for x := 0; x < r.gx; x++ {
			for d := 0; d < ndirs; d++ {
				to, ok := r.neighbour(Tile{x, y}, d)
				if !ok {
					continue
				}
				l := &r.links[r.linkIndex(x, y, d)]
				l.exists = true
				l.chip = x/cfg.TilesX != to.X/cfg.TilesX || y/cfg.TilesY != to.Y/cfg.TilesY
				if l.chip {
					l.latency, l.kind, l.service = picos(cfg.ChipHopLatency), chipKind, picos(cfg.ChipLinkServiceTime)
				} else {
					l.latency, l.kind, l.service = picos(latency[d]), uint8(d), picos(cfg.LinkServiceTime)
				}
			}
		}
	}
	return r, nil
}

func (r *Router) linkIndex(x, y, dir int) int { return (y*r.gx+x)*ndirs + dir }

func (r *Router) neighbour(t Tile, dir int) (Tile, bool) {
	switch dir {
	case east:
		t.X++
	case west:
		t.X--
	case north:
		t.Y++
	case south:
		t.Y--
	}
	return t, t.X >= 0 && t.X < r.gx && t.Y >= 0 && t.Y < r.gy
}

// Cores returns the number of cores on the board; core ids run from 0 to
// Cores()-1.
func (r *Router) Cores() int { return r.cores }

// TileOf returns the board-wide position of core c's tile. It panics if c
// is not a core of the board.
func (r *Router) TileOf(c uint32) Tile {
	if int64(c) >= int64(r.cores) {
		panic(fmt.Sprintf("router: core %d out of range [0, %d)", c, r.cores))
	}
	t := r.tiles[c]
	return Tile{int(t.x), int(t.y)}
}

// ends returns the tiles of cores src and dst: TileOf without its message,
// small enough to be inlined on the path of every packet. It panics, as
// TileOf does, for a core not on the board.
func (r *Router) ends(src, dst uint32) (s, d Tile) {
	a, b := r.tiles[src], r.tiles[dst]
	return Tile{int(a.x), int(a.y)}, Tile{int(b.x), int(b.y)}
}

// computeEnds is ends from the chip and local tables, for a far board. It
// panics, as ends does, for a core not on the board: its chip is not in
// chipAt.
//
//go:noinline
func (r *Router) computeEnds(src, dst uint32) (s, d Tile) {
	return r.computeTile(src), r.computeTile(dst)
}

// computeTile returns core c's tile from the chip and local tables.
func (r *Router) computeTile(c uint32) Tile {
	chip := r.chipOf(c)
	o, l := r.chipAt[chip], r.localAt[c-chip*uint32(r.perChip)]
	return Tile{int(o.x + l.x), int(o.y + l.y)}
}

// chipOf returns c / perChip. With perChipInv = ceil(2^64 / d) for d >= 2,
// the high word of perChipInv * c is c / d for every 32-bit c (Lemire,
// Kaser and Kurz, "Faster remainder by direct computation", 2019); d = 1,
// whose inverse needs 65 bits, takes the second term instead.
func (r *Router) chipOf(c uint32) uint32 {
	hi, _ := bits.Mul64(r.perChipInv, uint64(c))
	return uint32(hi + r.onePerChip*uint64(c))
}

// maxTileTable is the most cores of a board whose Forward reads their
// tiles from the table: 128 KB stay in a processor's own cache beside the
// tick's other tables, and a look-up is faster than computeTile's
// arithmetic (W1: 6 % of the run); on a larger board it misses.
const maxTileTable = 1 << 14

// inverse returns chipOf's perChipInv and onePerChip for d cores a chip.
func inverse(d int) (inv, one uint64) {
	if d == 1 {
		return 0, 1
	}
	return ^uint64(0)/uint64(d) + 1, 0
}

// tileXY is a Tile in half the bytes (a mesh has at most MaxTiles tiles).
type tileXY struct{ x, y int32 }

// tileOf computes TileOf by divisions; New tabulates it, and what
// computeTile needs.
func (r *Router) tileOf(c uint32) Tile {
	chip, local := int(c)/r.perChip, int(c)%r.perChip
	tile := local / r.cfg.CoresPerTile
	return Tile{
		X: (chip%r.cfg.ChipsX)*r.cfg.TilesX + tile%r.cfg.TilesX,
		Y: (chip/r.cfg.ChipsX)*r.cfg.TilesY + tile/r.cfg.TilesX,
	}
}

// Hops returns the number of links a packet from core src to core dst
// crosses: the Manhattan distance between their tiles, 0 on one tile.
// It has no side effects, so mappers can use it to score placements.
func (r *Router) Hops(src, dst uint32) int {
	s, d := r.TileOf(src), r.TileOf(dst)
	return abs(d.X-s.X) + abs(d.Y-s.Y)
}

// LinkSlots returns the number of link indices Path uses: they run from 0
// to LinkSlots()-1 (the board's edges hold unused indices).
func (r *Router) LinkSlots() int { return len(r.links) }

// Run is a straight stretch of a route: N directed links, the first at
// index First, each next one Step indices on.
type Run struct{ First, Step, N int32 }

// Path is the dimension-order route Send takes between two cores: the
// links of X, then those of Y. A cost model can keep its own state per
// link with their indices; being two runs, a path costs no memory per
// hop.
type Path struct{ X, Y Run }

// Hops returns the number of links on p.
func (p Path) Hops() int { return int(p.X.N + p.Y.N) }

// Path returns the route from core src to core dst. It panics if src or
// dst is not a core of the board.
func (r *Router) Path(src, dst uint32) Path {
	s, d := r.ends(src, dst)
	// Along row s.Y from s.X to d.X, then along column d.X to d.Y.
	x := Run{First: int32(r.linkIndex(s.X, s.Y, east)), Step: ndirs, N: int32(d.X - s.X)}
	if d.X < s.X {
		x = Run{First: int32(r.linkIndex(s.X, s.Y, west)), Step: -ndirs, N: int32(s.X - d.X)}
	}
	row := int32(r.gx * ndirs)
	y := Run{First: int32(r.linkIndex(d.X, s.Y, north)), Step: row, N: int32(d.Y - s.Y)}
	if d.Y < s.Y {
		y = Run{First: int32(r.linkIndex(d.X, s.Y, south)), Step: -row, N: int32(s.Y - d.Y)}
	}
	return Path{X: x, Y: y}
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// Send routes p, which the caller fills in except for Deliver, Hops and
// Late, and queues it for delivery; it returns the packet as routed and
// whether it was queued (false: dropped at a full link buffer, realtime
// sync only; Deliver then says when it was due).
//
// All packets sent between two EndTick calls belong to one tick and are
// injected together at the start of its communication phase; the order of
// the Send calls is the order in which links serve them, so it must be
// deterministic for results to be. Send panics if Src or Dst is not a core
// of the board.
func (r *Router) Send(p Packet) (Packet, bool) { return r.SendAt(p, 0) }

// SendAt is Send for a packet injected at seconds into the tick's
// communication phase rather than at its start: a core that sends as it
// updates its neurons spreads its packets over the tick. Calls must still
// come in a deterministic order.
func (r *Router) SendAt(p Packet, seconds float64) (Packet, bool) {
	p, _, ok := r.SendTimed(p, seconds)
	return p, ok
}

// SendTimed is SendAt that also returns when, in seconds into the tick's
// communication phase, the packet reached its destination core (or, if
// dropped, the link it was dropped at): the cost model's detailed timing
// starts the destination's work on it then.
func (r *Router) SendTimed(p Packet, seconds float64) (Packet, float64, bool) {
	p, at, ok := r.send(p, seconds)
	if ok {
		r.enqueue(p)
	}
	return p, secondsOf(at), ok
}

// RouteTimed is SendTimed without the queueing: the packet is routed and
// counted, and Queue must then queue it (if it was not dropped), before
// EndTick. A caller that routes a tick's packets in order of injection
// time can queue them in its own order: the order of Queue calls from one
// source core must be the order of their RouteTimed calls.
func (r *Router) RouteTimed(p Packet, seconds float64) (Packet, float64, bool) {
	p, at, ok := r.send(p, seconds)
	return p, secondsOf(at), ok
}

// Forward is Send for a caller that does not need to know when packets
// cross links. In barrier sync, where timing never decides a packet's fate,
// it queues p and counts its hops, their energy and each link's packets in
// O(1), whatever the route's length: a dimension-order route is two
// straight runs of links, which two difference arrays count. Forward's
// packets do not queue at links, so they count neither towards the links'
// PeakQueue nor towards the tick's DrainSeconds. In realtime sync, where
// timing decides lateness and drops, Forward is Send.
func (r *Router) Forward(p Packet) (Packet, bool) {
	if r.cfg.Sync == Realtime {
		return r.Send(p)
	}
	var s, d Tile
	if r.far {
		s, d = r.computeEnds(p.Src, p.Dst)
	} else {
		s, d = r.ends(p.Src, p.Dst)
	}
	r.allocFwd()
	n, chip := r.route(&r.fwd, &r.hops, s, d)
	r.fwdDirty = r.fwdDirty || n > 0
	r.tot.HopPackets += int64(n)
	r.tick.HopPackets += int64(n)
	r.tot.ChipHopPackets += int64(chip)
	r.tick.ChipHopPackets += int64(chip)

	p.Hops = uint16(n)
	p.Deliver, p.Late = p.Emit+1, false
	p.seq = r.seq
	r.seq++
	r.tot.Sent++
	r.tick.Packets++
	r.enqueue(p)
	return p, true
}

// allocFwd makes Forward's difference arrays on first use.
func (r *Router) allocFwd() {
	if r.fwd[0] == nil {
		for dir := range r.fwd {
			r.fwd[dir] = make([]int64, r.gx*r.gy+1)
		}
	}
}

// route counts a packet from tile s to tile d in the difference arrays
// fwd and the hop counts hops, and returns its hops and how many of them
// are chip-to-chip.
func (r *Router) route(fwd *[ndirs][]int64, hops *[nkinds]int64, s, d Tile) (n, chip int) {
	// Along row s.Y from s.X to d.X, then along column d.X to d.Y; the
	// difference arrays take +1 at a run's first link and -1 one past its
	// last.
	switch row := s.Y * r.gx; {
	case d.X > s.X:
		fwd[east][row+s.X]++
		fwd[east][row+d.X]--
		n, chip = d.X-s.X, int(r.chipX[d.X]-r.chipX[s.X])
		hops[east] += int64(n - chip)
	case d.X < s.X:
		fwd[west][row+d.X+1]++
		fwd[west][row+s.X+1]--
		n, chip = s.X-d.X, int(r.chipX[s.X]-r.chipX[d.X])
		hops[west] += int64(n - chip)
	}
	switch col := d.X * r.gy; {
	case d.Y > s.Y:
		fwd[north][col+s.Y]++
		fwd[north][col+d.Y]--
		m, c := d.Y-s.Y, int(r.chipY[d.Y]-r.chipY[s.Y])
		n, chip = n+m, chip+c
		hops[north] += int64(m - c)
	case d.Y < s.Y:
		fwd[south][col+d.Y+1]++
		fwd[south][col+s.Y+1]--
		m, c := s.Y-d.Y, int(r.chipY[s.Y]-r.chipY[d.Y])
		n, chip = n+m, chip+c
		hops[south] += int64(m - c)
	}
	hops[chipKind] += int64(chip)
	return n, chip
}

// Reserve makes room for n more packets to be queued, so that a burst of
// traffic does not grow the queue by repeated copying. The engine calls it
// with the number of messages a tick's spikes send, or once with the most
// a tick can send. The room holds after PopSent, whose buffer is made as
// roomy.
func (r *Router) Reserve(n int) {
	if r.queue.Len() == 0 {
		r.next = slices.Grow(r.next, n)
		r.sent = slices.Grow(r.sent[:0], n)
	}
}

// spill moves the packets of next into the tree.
func (r *Router) spill() {
	r.pending -= int64(len(r.next))
	for _, p := range r.next {
		r.enqueueTree(p)
	}
	r.next, r.nextUnsorted, r.batchesReady = r.next[:0], false, false
}

// popNext appends the packets of next to buf in the queue's order,
// (Dst, Src, send order), and empties next.
func (r *Router) popNext(buf []Packet) []Packet {
	if len(r.next)*8 < r.cores {
		// Few packets on a large board: sorting them costs less than
		// counting over every core. (Dst, Src, seq) is a total order, so
		// the result is the counting sort's. Packets queued in send
		// order are already in (Src, seq) order, so their keys are their
		// destination and position: integers sort faster than packets.
		if r.nextUnsorted {
			base := len(buf)
			buf = append(buf, r.next...)
			slices.SortFunc(buf[base:], dstOrder)
			return r.popped(buf)
		}
		r.keys = r.keys[:0]
		for i := range r.next {
			r.keys = append(r.keys, uint64(r.next[i].Dst)<<32|uint64(i))
		}
		slices.Sort(r.keys)
		for _, k := range r.keys {
			buf = append(buf, r.next[uint32(k)])
		}
		return r.popped(buf)
	}
	if r.count == nil {
		r.count = make([]int32, r.cores+1)
	}
	count := r.count
	clear(count)
	for i := range r.next {
		count[r.next[i].Dst+1]++
	}
	for c := 1; c < len(count); c++ {
		count[c] += count[c-1]
	}
	base := len(buf)
	buf = buf[:base+len(r.next)]
	// A stable scatter keeps each destination's packets in send order.
	for _, p := range r.next {
		buf[base+int(count[p.Dst])] = p
		count[p.Dst]++
	}
	if r.nextUnsorted {
		for lo := base; lo < len(buf); {
			hi := lo + 1
			for hi < len(buf) && buf[hi].Dst == buf[lo].Dst {
				hi++
			}
			slices.SortFunc(buf[lo:hi], sendOrder)
			lo = hi
		}
	}
	return r.popped(buf)
}

// PopSent is PopDue for a caller that needs each destination's packets in
// the queue's order but not the destinations in order: when every packet
// queued is due at t and was queued by Forward in source order, it
// returns them as they were sent, in (Src, send order) order, without the
// sort by destination, and true. Otherwise it returns nothing and false,
// and the caller uses PopDue. The slice is valid until the next PopSent.
func (r *Router) PopSent(t int64) ([]Packet, bool) {
	if r.queue.Len() > 0 || r.nextUnsorted || len(r.next) > 0 && r.nextDeliver > t {
		return nil, false
	}
	due := r.next
	r.popped(nil)
	// The packets stay where Forward put them; next takes the spare
	// buffer, so that a tick's sends do not overwrite them.
	r.next, r.sent = r.sent[:0], due
	return due, true
}

// popped counts the packets of next as delivered and empties next.
func (r *Router) popped(buf []Packet) []Packet {
	n := int64(len(r.next))
	r.tot.Delivered += n
	r.pending -= n
	r.next, r.nextUnsorted, r.batchesReady = r.next[:0], false, false
	return buf
}

// dstOrder orders packets by destination, then as sendOrder does.
func dstOrder(a, b Packet) int {
	if a.Dst != b.Dst {
		return cmp.Compare(a.Dst, b.Dst)
	}
	return sendOrder(a, b)
}

// fold adds the packets Forward counted in its difference arrays to the
// links' counters and clears the arrays.
func (r *Router) fold() {
	if !r.fwdDirty {
		return
	}
	for dir, diff := range r.fwd {
		var run int64
		for k := 0; k < r.gx*r.gy; k++ {
			run += diff[k]
			if run == 0 {
				continue
			}
			x, y := k%r.gx, k/r.gx // row-major: east, west
			if dir == north || dir == south {
				x, y = k/r.gy, k%r.gy
			}
			r.links[r.linkIndex(x, y, dir)].packets += run
		}
		clear(diff)
	}
	r.fwdDirty = false
}

// tickEnergy prices the open tick's hops.
func (r *Router) tickEnergy() float64 {
	var e float64
	for k, n := range r.hops {
		e += float64(n) * r.energy[k]
	}
	return e
}

// Queue queues a packet RouteTimed routed and did not drop.
func (r *Router) Queue(p Packet) { r.enqueue(p) }

// send routes p as SendAt does, without queueing it, and returns the
// arrival time in picoseconds.
func (r *Router) send(p Packet, seconds float64) (Packet, int64, bool) {
	s, d := r.ends(p.Src, p.Dst)
	p.Hops = uint16(abs(d.X-s.X) + abs(d.Y-s.Y))
	p.Deliver, p.Late = p.Emit+1, false // what a dropped packet reports
	p.seq = r.seq
	r.seq++
	r.tot.Sent++
	r.tick.Packets++

	realtime := r.cfg.Sync == Realtime
	at := picos(seconds) // ps: when p is at the current tile, ready for its next link
	late := -1           // the link on which p crossed the budget
	x, y := s.X, s.Y
	for x != d.X || y != d.Y {
		// Dimension order: X until aligned, then Y.
		dir, nx, ny := east, x, y
		switch {
		case x < d.X:
			nx = x + 1
		case x > d.X:
			dir, nx = west, x-1
		case y < d.Y:
			dir, ny = north, y+1
		default:
			dir, ny = south, y-1
		}
		i := r.linkIndex(x, y, dir)
		next, ok := r.hop(i, at, realtime)
		if !ok {
			r.tot.Dropped++
			r.tick.Dropped++
			r.drain = max(r.drain, at)
			return p, at, false
		}
		if realtime && late < 0 && next > r.budget {
			late = i
		}
		at, x, y = next, nx, ny
	}
	r.drain = max(r.drain, at)

	// The injection time counts against the budget (docs/router.md): a
	// packet that crosses no link is late when its sender sent it late.
	if late >= 0 || realtime && at > r.budget {
		// On time means within the tick's budget; each further budget
		// (or part of one) the packet needs pushes it one tick later.
		p.Late = true
		p.Deliver = p.Emit + (at+r.budget-1)/r.budget
		if late >= 0 {
			r.links[late].late++
		}
		r.tot.Late++
		r.tick.Late++
	}
	return p, at, true
}

// hop moves a packet that is ready at time at onto link i. It returns when
// the packet reaches the far tile, or false if the link's buffer was full.
func (r *Router) hop(i int, at int64, realtime bool) (int64, bool) {
	l := &r.links[i]
	if l.phase != r.phase {
		l.phase, l.busy = r.phase, 0
	}
	// Packets still queued at this link when p arrives: the link works
	// through its backlog at one packet per service time. Barrier sync
	// needs the count only when it raises the peak, which a product
	// tells without the division: ceil(x/s) > k just when x > k*s.
	var queued int64
	if l.busy > at && l.service > 0 && (realtime || l.busy-at > (l.peak-1)*l.service) {
		queued = (l.busy - at + l.service - 1) / l.service
	}
	if realtime && queued >= r.buffer {
		l.dropped++
		return at, false
	}
	l.peak = max(l.peak, queued+1)
	l.busy = max(l.busy, at) + l.service
	l.packets++
	r.tot.HopPackets++
	r.tick.HopPackets++
	if l.chip {
		r.tot.ChipHopPackets++
		r.tick.ChipHopPackets++
	}
	r.hops[l.kind]++
	return l.busy + l.latency, true
}

// enqueue queues p: in next while every queued packet is due at the same
// tick (always so in barrier sync, when PopDue is called every tick),
// otherwise in the tree.
func (r *Router) enqueue(p Packet) {
	n := len(r.next)
	if r.queue.Len() > 0 || n > 0 && p.Deliver != r.nextDeliver {
		r.spill()
		r.enqueueTree(p)
		return
	}
	if n > 0 && r.next[n-1].Src > p.Src {
		r.nextUnsorted = true
	}
	r.nextDeliver = p.Deliver
	r.next = append(r.next, p)
	r.batchesReady = false
	r.pending++
}

// enqueueTree appends p to the bucket of (p.Deliver, p.Dst).
func (r *Router) enqueueTree(p Packet) {
	r.pending++
	if p.Deliver == r.hotTick {
		if b := r.hot[p.Dst]; b != nil {
			b.add(p)
			return
		}
	}
	r.probe.deliver, r.probe.dst = p.Deliver, p.Dst
	b, ok := r.queue.Get(&r.probe)
	if !ok {
		if n := len(r.free); n > 0 {
			b, r.free = r.free[n-1], r.free[:n-1]
		} else {
			b = &bucket{}
		}
		b.deliver, b.dst = p.Deliver, p.Dst
		r.queue.ReplaceOrInsert(b)
	}
	if p.Deliver != r.hotTick {
		clear(r.hot)
		r.hotTick = p.Deliver
	}
	r.hot[p.Dst] = b
	b.add(p)
}

// PopDue removes every queued packet with Deliver <= t and appends them to
// buf in (Deliver, Dst, Src, send order) order, the same for every run.
// Passing buf[:0] of a reused slice avoids allocation.
func (r *Router) PopDue(t int64, buf []Packet) []Packet {
	// Room for every pending packet at once: a burst of traffic would
	// otherwise grow buf by doubling, copying it each time.
	buf = slices.Grow(buf, int(r.pending))
	if len(r.next) > 0 {
		switch {
		case r.queue.Len() > 0:
			r.spill()
		case r.nextDeliver <= t:
			return r.popNext(buf)
		default:
			return buf
		}
	}
	for {
		b, ok := r.queue.Min()
		if !ok || b.deliver > t {
			return buf
		}
		r.queue.DeleteMin()
		// Packets are mostly sent in source order already; late packets
		// from earlier ticks can break it.
		if b.unsorted {
			slices.SortFunc(b.packets, sendOrder)
		}
		buf = append(buf, b.packets...)
		n := int64(len(b.packets))
		r.tot.Delivered += n
		r.pending -= n
		if b.deliver == r.hotTick && r.hot[b.dst] == b {
			r.hot[b.dst] = nil
		}
		b.packets, b.unsorted = b.packets[:0], false
		r.free = append(r.free, b)
	}
}

// EndTick closes the communication phase of tick t: it returns what the
// network did since the previous EndTick and empties every link's queue,
// so the next tick's packets find an idle network. (A late packet's
// backlog is not carried into the next tick; see docs/router.md.)
func (r *Router) EndTick(t int64) TickStats {
	st := r.tick
	st.Tick = t
	st.DrainSeconds = secondsOf(r.drain)
	st.EnergyJoules = r.tickEnergy()
	r.tot.EnergyJoules += st.EnergyJoules
	r.tick, r.drain, r.hops = TickStats{}, 0, [nkinds]int64{}
	r.phase++
	return st
}

// Stats returns the counters since New.
func (r *Router) Stats() Totals {
	t := r.tot
	t.Pending = r.pending
	t.EnergyJoules += r.tickEnergy()
	return t
}

// Links returns the counters of every directed link on the board, ordered
// by source tile (row-major: Y, then X) and then direction (east, west,
// north, south).
func (r *Router) Links() []LinkStats {
	r.fold()
	var out []LinkStats
	for i := range r.links {
		l := &r.links[i]
		if !l.exists {
			continue
		}
		tile := i / ndirs
		from := Tile{X: tile % r.gx, Y: tile / r.gx}
		to, _ := r.neighbour(from, i%ndirs)
		out = append(out, LinkStats{
			From: from, To: to, ChipToChip: l.chip,
			Packets: l.packets, PeakQueue: l.peak, Late: l.late, Dropped: l.dropped,
		})
	}
	return out
}
