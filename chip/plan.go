package chip

// piece is one worker's share of one core's tick: the whole core, or a
// range of its LIF compartments when the core is split among workers.
type piece struct {
	core     int
	from, to int  // compartments, when split
	split    bool // only part of the core: DeliverRange and UpdateRange
	spikes   []uint16
	events   int64
	updated  int64
}

// plan shares the cores' work among w workers: plan[k] is worker k's
// pieces. Work is counted in LIF compartments (at least one per core).
// With split, a core that can be split (core.Splittable) is cut at the
// workers' boundaries, so that two workers share a network of a few large
// cores evenly; otherwise cores stay whole.
func (e *Engine) plan(w int, split bool) [][]piece {
	lo, hi := e.ownedCores()
	total := 0
	for _, cr := range e.cores[lo:hi] {
		if cr.Compartments() > 0 {
			total += max(cr.LIF(), 1)
		}
	}
	bound := func(k int) int { return total * (k + 1) / w }
	p := make([][]piece, w)
	k, done := 0, 0
	for c := lo; c < hi; c++ {
		cr := e.cores[c]
		n := cr.LIF()
		if cr.Compartments() == 0 {
			continue // nothing to step: no neuron, no packet
		}
		if !split || n == 0 || !cr.Splittable() {
			p[k] = append(p[k], piece{core: c})
			done += max(n, 1)
			for k < w-1 && done >= bound(k) {
				k++
			}
			continue
		}
		for from := 0; from < n; {
			take := n - from
			if k < w-1 {
				take = min(take, bound(k)-done)
			}
			if take <= 0 {
				k++
				continue
			}
			p[k] = append(p[k], piece{core: c, from: from, to: from + take, split: take < n})
			from += take
			done += take
			if k < w-1 && done >= bound(k) {
				k++
			}
		}
	}
	return p
}

// splitCore is a core that a plan splits, with its pieces in compartment
// order.
type splitCore struct {
	core   int
	pieces []*piece
}

// splitCores lists the cores split by plan p, in core order.
func splitCores(p [][]piece) []splitCore {
	var out []splitCore
	for k := range p {
		for i := range p[k] {
			pc := &p[k][i]
			if !pc.split {
				continue
			}
			if n := len(out); n > 0 && out[n-1].core == pc.core {
				out[n-1].pieces = append(out[n-1].pieces, pc)
			} else {
				out = append(out, splitCore{core: pc.core, pieces: []*piece{pc}})
			}
		}
	}
	return out
}
