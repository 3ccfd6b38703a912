package chip

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/spindle-sim/spindle/core"
	"github.com/spindle-sim/spindle/snn"
)

// Comm is the transport of a distributed run: one process (rank) of
// Size, numbered Rank from 0. internal/mpi implements it on MPI; a test
// may implement it in memory.
type Comm interface {
	Rank() int
	Size() int
	// Alltoallv sends send[k] to rank k and returns, in recv[k], what
	// rank k sent to this one. Every rank calls it together, once per
	// exchange; recv may reuse the slices it is given.
	Alltoallv(send, recv [][]byte) ([][]byte, error)
}

// distributed is what an engine keeps as one rank of a distributed run
// (docs/distributed.md). The rank steps only its own cores, a contiguous
// block, and keeps the routes of their neurons only; the router and the
// cost model are replicated: after each tick's update every rank sends
// every other the counter growth, spikes and packets of its cores, and
// then all of them route the whole board's packets, in the same order,
// as a single process does.
type distributed struct {
	comm        Comm
	rank, ranks int
	first       []int // rank k owns cores first[k] .. first[k+1]-1
	lo, hi      int   // this rank's

	send   []byte
	sendTo [][]byte
	recv   [][]byte
	// remote holds the counters of the cores other ranks own, from
	// their exchanges; rspikes the spikes of the tick of every core, as
	// the messages (its own included) gave them.
	remote  []core.Counters
	rspikes [][]uint16
	// The packets of the tick, of every core, in the order one process
	// sends them: by source core, then spike, then route. groups[j] is
	// the number of packets of the tick's j-th spike (a graded spike of
	// count n is one), which are the next ones of dst, axon and syn.
	groups []uint32
	dst    []uint32
	axon   axonNumbers
	syn    [][numFormats]int32
	sent   int64 // bytes sent to the other ranks
	err    error
}

// Partition assigns the cores of mapping m on arch a to ranks in
// contiguous blocks: whole chips when there are at least as many chips
// as ranks, cores otherwise, balanced by neurons. Rank k owns cores
// first[k] .. first[k+1]-1; a rank may own none.
func Partition(m *Mapping, a *Arch, ranks int) (first []int) {
	n := len(m.Cores)
	unit := 1
	if m.Chips >= ranks && a.CoresPerChip() > 0 {
		unit = a.CoresPerChip()
	}
	units := (n + unit - 1) / unit
	weight := make([]int, units)
	total := 0
	for c, ns := range m.Cores {
		w := max(len(ns), 1)
		weight[c/unit] += w
		total += w
	}
	first = make([]int, ranks+1)
	k, done := 0, 0
	for u := 0; u < units; u++ {
		// Unit u goes to rank k; the next rank begins once this one has
		// its share.
		done += weight[u]
		for k < ranks-1 && done*ranks >= total*(k+1) {
			k++
			first[k] = min((u+1)*unit, n)
		}
	}
	for k++; k <= ranks; k++ {
		first[k] = n
	}
	first[ranks] = n
	return first
}

func newDistributed(comm Comm, m *Mapping, a *Arch) (*distributed, error) {
	r, size := comm.Rank(), comm.Size()
	if size < 1 || r < 0 || r >= size {
		return nil, fmt.Errorf("chip: rank %d of %d ranks: expected 0 <= rank < ranks", r, size)
	}
	d := &distributed{comm: comm, rank: r, ranks: size, first: Partition(m, a, size)}
	d.lo, d.hi = d.first[r], d.first[r+1]
	d.sendTo = make([][]byte, size)
	d.recv = make([][]byte, size)
	d.remote = make([]core.Counters, len(m.Cores))
	d.rspikes = make([][]uint16, len(m.Cores))
	d.axon.hi = []uint16{} // any axon number may come
	return d, nil
}

// owns reports whether the rank steps core c (always, in one process).
func (e *Engine) owns(c int) bool {
	return e.dist == nil || c >= e.dist.lo && c < e.dist.hi
}

// ownedCores returns the range of cores this engine steps.
func (e *Engine) ownedCores() (lo, hi int) {
	if e.dist == nil {
		return 0, len(e.cores)
	}
	return e.dist.lo, e.dist.hi
}

// Owns reports whether this engine steps the core of global neuron id:
// always in one process; in a distributed run, whether its rank does.
// OnSpike sees every spike on every rank; a rank's trace part keeps
// those of the neurons it owns.
func (e *Engine) Owns(id uint32) bool { return e.owns(int(e.mapng.CoreOf[id])) }

// Ranks returns the rank of this engine and the number of ranks of its
// run (0 and 1 in one process), and the cores the rank steps, first to
// end-1.
func (e *Engine) Ranks() (rank, ranks, first, end int) {
	if e.dist == nil {
		return 0, 1, 0, len(e.cores)
	}
	return e.dist.rank, e.dist.ranks, e.dist.lo, e.dist.hi
}

// Exchanged returns the bytes this rank has sent to the other ranks of
// a distributed run so far (0 in one process): each tick, its message
// of the counter growth, spikes and packets of its cores, to each of
// the others.
func (e *Engine) Exchanged() int64 {
	if e.dist == nil {
		return 0
	}
	return e.dist.sent
}

// Err returns the first error of a distributed run's exchanges; the
// engine stops stepping after one. It is nil in one process.
func (e *Engine) Err() error {
	if e.dist == nil {
		return nil
	}
	return e.dist.err
}

// graded returns how many times spike k of sp repeats from k on, up to
// 255: a graded spike (an input listed n times in the tick) is one
// message carrying its count.
func graded(sp []uint16, k int) int {
	n := 1
	for k+n < len(sp) && sp[k+n] == sp[k] && n < math.MaxUint8 {
		n++
	}
	return n
}

// packOwn appends core c's growth of counters in the tick (from last to
// now), its spikes and their packets to the tick's message to the other
// ranks. A packet is its destination core, input axon and the synapses
// its route reaches (the count of the one format, or one per format):
// what the router and the cost model of every rank need.
func (e *Engine) packOwn(c int, now, last core.Counters) {
	d := e.dist
	if d.ranks == 1 {
		return
	}
	b := d.send
	b = binary.AppendUvarint(b, uint64(now.SynapticEvents-last.SynapticEvents))
	b = binary.AppendUvarint(b, uint64(now.NeuronUpdates-last.NeuronUpdates))
	b = binary.AppendUvarint(b, uint64(now.Spikes-last.Spikes))
	b = binary.AppendUvarint(b, uint64(now.LearningUpdates-last.LearningUpdates))
	sp := e.spikes[c]
	b = binary.AppendUvarint(b, uint64(len(sp)))
	for _, l := range sp {
		b = binary.AppendUvarint(b, uint64(l))
	}
	cr := e.cores[c]
	for k := 0; k < len(sp); k += graded(sp, k) {
		id := cr.Global(int(sp[k]))
		lo, hi := e.routeStart[id], e.routeStart[id+1]
		b = binary.AppendUvarint(b, uint64(hi-lo))
		for r := lo; r < hi; r++ {
			b = binary.AppendUvarint(b, uint64(e.routeDst[r]))
			b = binary.AppendUvarint(b, uint64(e.routeAxon.at(r)))
			syn := e.routeSynapses(r)
			if e.oneFormat {
				b = binary.AppendUvarint(b, uint64(syn.of(e.format)))
				continue
			}
			for f := range numFormats {
				b = binary.AppendUvarint(b, uint64(syn.of(f)))
			}
		}
	}
	d.send = b
}

var errExchange = errors.New("a rank's message ends early or runs on")

// exchange sends this rank's message of the tick to every other rank and
// takes theirs, and reads all of them, its own included, in rank order:
// the spikes of the other ranks' cores into e.spikes, their counters'
// growth into the cost model's work and the remote counters, and every
// core's packets into the tick's packets.
func (e *Engine) exchange() {
	d := e.dist
	if d.ranks == 1 {
		return
	}
	for k := range d.sendTo {
		d.sendTo[k] = nil
		if k != d.rank {
			d.sendTo[k] = d.send
		}
	}
	recv, err := d.comm.Alltoallv(d.sendTo, d.recv)
	d.sent += int64(len(d.send)) * int64(d.ranks-1)
	if err != nil {
		d.send = d.send[:0]
		d.err = fmt.Errorf("chip: rank %d: exchange at tick %d: %w", d.rank, e.tick, err)
		return
	}
	d.recv = recv
	d.clearPackets()
	for k := 0; k < d.ranks; k++ {
		b := recv[k]
		if k == d.rank {
			b = d.send
		}
		if err := e.takeRank(k, b); err != nil {
			d.err = fmt.Errorf("chip: rank %d: message of rank %d at tick %d: %w", d.rank, k, e.tick, err)
			break
		}
	}
	d.send = d.send[:0]
}

// clearPackets empties the tick's packets.
func (d *distributed) clearPackets() {
	d.groups, d.dst, d.syn = d.groups[:0], d.dst[:0], d.syn[:0]
	d.axon.lo, d.axon.hi = d.axon.lo[:0], d.axon.hi[:0]
}

// message reads a rank's message: unsigned varints, the first error
// kept.
type message struct {
	b   []byte
	bad bool
}

func (m *message) next() uint64 {
	v, n := binary.Uvarint(m.b)
	if n <= 0 {
		m.b, m.bad = nil, true
		return 0
	}
	m.b = m.b[n:]
	return v
}

// takeRank reads rank k's message b of the tick; k may be this rank,
// whose spikes and counters are its cores' own and are not taken again.
func (e *Engine) takeRank(k int, b []byte) error {
	d := e.dist
	m := message{b: b}
	for c := d.first[k]; c < d.first[k+1]; c++ {
		if len(m.b) == 0 {
			return errExchange
		}
		syn, upd, spk, lrn := m.next(), m.next(), m.next(), m.next()
		n := m.next()
		if n > uint64(len(m.b)) {
			return errExchange
		}
		sp := d.rspikes[c][:0]
		comps := uint64(e.cores[c].Compartments())
		for range n {
			l := m.next()
			if l >= comps {
				return fmt.Errorf("core %d: compartment %d out of range", c, l)
			}
			sp = append(sp, uint16(l))
		}
		d.rspikes[c] = sp
		for j := 0; j < len(sp); j += graded(sp, j) {
			if err := e.takePackets(&m); err != nil {
				return fmt.Errorf("core %d: %w", c, err)
			}
		}
		if m.bad {
			return errExchange
		}
		if k == d.rank {
			continue
		}
		e.spikes[c] = sp
		r := &d.remote[c]
		r.SynapticEvents += int64(syn)
		r.NeuronUpdates += int64(upd)
		r.Spikes += int64(spk)
		r.LearningUpdates += int64(lrn)
		w := &e.cost.work[c]
		w.updates, w.spikes, w.learning = int64(upd), int64(spk), int64(lrn)
	}
	if len(m.b) != 0 || m.bad {
		return errExchange
	}
	return nil
}

// takePackets reads the packets of one spike from m.
func (e *Engine) takePackets(m *message) error {
	d := e.dist
	per := uint64(3) // bytes a packet takes at least
	if !e.oneFormat {
		per = 2 + uint64(numFormats)
	}
	n := m.next()
	if n > uint64(len(m.b))/per {
		return errExchange
	}
	d.groups = append(d.groups, uint32(n))
	for range n {
		dst, axon := m.next(), m.next()
		if dst >= uint64(len(e.cores)) {
			return fmt.Errorf("a packet to core %d of %d", dst, len(e.cores))
		}
		if axon > math.MaxUint32 || e.owns(int(dst)) && axon >= uint64(e.cores[dst].Axons()) {
			return fmt.Errorf("a packet to input axon %d of core %d", axon, dst)
		}
		var syn [numFormats]int32
		for f := range syn {
			if e.oneFormat && f != int(e.format) {
				continue
			}
			v := m.next()
			if v > math.MaxInt32 {
				return fmt.Errorf("a packet to core %d reaching %d synapses", dst, v)
			}
			syn[f] = int32(v)
		}
		d.dst = append(d.dst, uint32(dst))
		d.axon.add(uint32(axon))
		d.syn = append(d.syn, syn)
	}
	return nil
}

// synapses returns the synapses the tick's packet r reaches, by format.
func (d *distributed) synapses(r int) synCounts { return countsOf(d.syn[r]) }

// counters returns core c's counters: its own, or, for a core another
// rank steps, those its exchanges reported.
func (e *Engine) counters(c int) core.Counters {
	if e.owns(c) {
		return e.cores[c].Counters()
	}
	return e.dist.remote[c]
}

// learnsAny reports whether a projection of net is plastic.
func learnsAny(net *snn.Network) bool {
	for i := range net.Projections {
		if net.Projections[i].Plasticity != nil {
			return true
		}
	}
	return false
}
