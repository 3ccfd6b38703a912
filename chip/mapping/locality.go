package mapping

import (
	"math"
	"math/rand/v2"
	"slices"

	"github.com/spindle-sim/spindle/chip"
	"github.com/spindle-sim/spindle/router"
	"github.com/spindle-sim/spindle/snn"
)

// The locality mapper works in three steps (docs/mapping.md):
//
//  1. growOrder lists the neurons in breadth-first order over the
//     undirected synapse graph, starting each connected piece at its
//     lowest-numbered neuron, and greedy cuts that order into cores with
//     the same limit logic as every other mapper: a core grows around a
//     seed neuron through its synapses.
//  2. placed puts the cores on the board's mesh: a Hilbert-curve start in
//     core order, improved by simulated annealing of pairwise swaps of core
//     positions, minimising the sum over core pairs of expected traffic
//     times hops.

// growOrder returns the neurons in breadth-first order of the undirected
// graph, each component started at its lowest neuron.
func growOrder(g *snn.Graph, in inAdjacency) []uint32 {
	order := make([]uint32, 0, g.N)
	visited := make([]bool, g.N)
	for s := 0; s < g.N; s++ {
		if visited[s] {
			continue
		}
		visited[s] = true
		head := len(order)
		order = append(order, uint32(s))
		for head < len(order) {
			v := order[head]
			head++
			for _, w := range g.Post[g.PreStart[v]:g.PreStart[v+1]] {
				if !visited[w] {
					visited[w] = true
					order = append(order, w)
				}
			}
			for _, w := range in.pre[in.start[v]:in.start[v+1]] {
				if !visited[w] {
					visited[w] = true
					order = append(order, w)
				}
			}
		}
	}
	return order
}

// partTraffic returns, for every pair of cores that exchange packets, the
// expected packets per tick between them in both directions, as adjacency
// lists (symmetric).
func partTraffic(g *snn.Graph, cores [][]uint32, rates []float64) (adj [][]int32, w [][]float64) {
	coreOf := make([]int32, g.N)
	for c, ns := range cores {
		for _, id := range ns {
			coreOf[id] = int32(c)
		}
	}
	P := len(cores)
	adj = make([][]int32, P)
	w = make([][]float64, P)
	stamp := make([]int32, P)
	for i := range stamp {
		stamp[i] = -1
	}
	acc := make([]float64, P)
	var touched []int32
	// Outgoing traffic of each core, then symmetrised.
	out := make([]map[int32]float64, P)
	for c, ns := range cores {
		touched = touched[:0]
		for _, id := range ns {
			r := rates[id]
			if r <= 0 {
				continue
			}
			for _, post := range g.Post[g.PreStart[id]:g.PreStart[id+1]] {
				d := coreOf[post]
				if stamp[d] == int32(id) {
					continue
				}
				stamp[d] = int32(id)
				if d == int32(c) {
					continue
				}
				if acc[d] == 0 {
					touched = append(touched, d)
				}
				acc[d] += r
			}
		}
		out[c] = make(map[int32]float64, len(touched))
		for _, d := range touched {
			out[c][d] = acc[d]
			acc[d] = 0
		}
		// Stamps hold neuron ids, unique across cores: no reset needed.
	}
	sym := make([]map[int32]float64, P)
	for c := range sym {
		sym[c] = map[int32]float64{}
	}
	for c, m := range out {
		for d, v := range m {
			sym[c][d] += v
			sym[d][int32(c)] += v
		}
	}
	for c, m := range sym {
		keys := make([]int32, 0, len(m))
		for d := range m {
			keys = append(keys, d)
		}
		slices.Sort(keys)
		adj[c] = keys
		w[c] = make([]float64, len(keys))
		for k, d := range keys {
			w[c][k] = m[d]
		}
	}
	return adj, w
}

// hilbert returns the index along a Hilbert curve of order n (a power of
// two) of cell (x, y).
func hilbert(n, x, y int) int {
	d := 0
	for s := n / 2; s > 0; s /= 2 {
		rx, ry := 0, 0
		if x&s > 0 {
			rx = 1
		}
		if y&s > 0 {
			ry = 1
		}
		d += s * s * ((3 * rx) ^ ry)
		if ry == 0 {
			if rx == 1 {
				x, y = s-1-x, s-1-y
			}
			x, y = y, x
		}
	}
	return d
}

// placed puts the cores (parts) of a locality partition on the board and
// returns the mapping.
func placed(g *snn.Graph, a *chip.Arch, parts [][]uint32, chips int, rates []float64) (*chip.Mapping, error) {
	chips, err := chipsFor(g, a, parts, chips)
	if err != nil {
		return nil, err
	}
	m := &chip.Mapping{Strategy: "locality", Chips: chips, CoreOf: make([]uint32, g.N)}
	m.ChipsX, m.ChipsY = chipGrid(chips)
	r, err := router.New(a.RouterConfig(m))
	if err != nil {
		return nil, err
	}
	slots := min(r.Cores(), chips*a.CoresPerChip())
	tiles := make([]router.Tile, slots)
	side := 1
	for c := range tiles {
		tiles[c] = r.TileOf(uint32(c))
		for side <= max(tiles[c].X, tiles[c].Y) {
			side *= 2
		}
	}
	// Slots in Hilbert order of their tile, then core order in the tile.
	order := make([]int, slots)
	key := make([]int, slots)
	for c := range order {
		order[c] = c
		key[c] = hilbert(side, tiles[c].X, tiles[c].Y)
	}
	slices.SortStableFunc(order, func(x, y int) int { return key[x] - key[y] })

	P := len(parts)
	slotOf := make([]int, P)
	partAt := make([]int, slots)
	for s := range partAt {
		partAt[s] = -1
	}
	for p := range parts {
		slotOf[p] = order[p]
		partAt[order[p]] = p
	}
	adj, w := partTraffic(g, parts, rates)
	anneal(r, tiles, adj, w, slotOf, partAt, g.Net.Seed)

	last := 0
	for p := range parts {
		last = max(last, slotOf[p])
	}
	m.Cores = make([][]uint32, last+1)
	for p, ns := range parts {
		m.Cores[slotOf[p]] = ns
		for _, id := range ns {
			m.CoreOf[id] = uint32(slotOf[p])
		}
	}
	return m, nil
}

// placementCost is the expected hop-packets per tick of a placement.
func placementCost(r *router.Router, adj [][]int32, w [][]float64, slotOf []int) float64 {
	cost := 0.0
	for p := range adj {
		for k, q := range adj[p] {
			if int(q) > p {
				cost += w[p][k] * float64(r.Hops(uint32(slotOf[p]), uint32(slotOf[q])))
			}
		}
	}
	return cost
}

// anneal improves a placement by simulated annealing of swaps of the
// contents of two slots (a slot may be empty). Proposals mostly move a
// core next to one of its traffic partners. The best placement seen is
// kept; the random stream is fixed by the seed.
func anneal(r *router.Router, tiles []router.Tile, adj [][]int32, w [][]float64, slotOf, partAt []int, seed uint64) {
	P, S := len(slotOf), len(partAt)
	if P < 2 {
		return
	}
	hops := func(s, t int) float64 {
		a, b := tiles[s], tiles[t]
		return float64(abs(a.X-b.X) + abs(a.Y-b.Y))
	}
	// delta of moving p from its slot to slot t, ignoring partner skip.
	moveDelta := func(p, t, skip int) float64 {
		s := slotOf[p]
		d := 0.0
		for k, q := range adj[p] {
			if int(q) == skip {
				continue
			}
			u := slotOf[q]
			d += w[p][k] * (hops(t, u) - hops(s, u))
		}
		return d
	}
	swapDelta := func(s, t int) float64 {
		p, q := partAt[s], partAt[t]
		d := 0.0
		if p >= 0 {
			d += moveDelta(p, t, q)
		}
		if q >= 0 {
			d += moveDelta(q, s, p)
		}
		return d
	}
	swap := func(s, t int) {
		p, q := partAt[s], partAt[t]
		partAt[s], partAt[t] = q, p
		if p >= 0 {
			slotOf[p] = t
		}
		if q >= 0 {
			slotOf[q] = s
		}
	}
	// Slots by tile, to propose positions near a partner.
	gx, gy := 0, 0
	for _, t := range tiles {
		gx, gy = max(gx, t.X+1), max(gy, t.Y+1)
	}
	byTile := make([][]int, gx*gy)
	for s, t := range tiles {
		byTile[t.Y*gx+t.X] = append(byTile[t.Y*gx+t.X], s)
	}
	rng := rand.New(rand.NewPCG(seed, streamPlace))
	propose := func() (int, int) {
		p := rng.IntN(P)
		s := slotOf[p]
		if len(adj[p]) > 0 && rng.IntN(8) != 0 {
			q := adj[p][rng.IntN(len(adj[p]))]
			tq := tiles[slotOf[q]]
			x := min(gx-1, max(0, tq.X+rng.IntN(3)-1))
			y := min(gy-1, max(0, tq.Y+rng.IntN(3)-1))
			cand := byTile[y*gx+x]
			if len(cand) > 0 {
				return s, cand[rng.IntN(len(cand))]
			}
		}
		return s, rng.IntN(S)
	}
	// Starting temperature: the mean uphill step of random proposals.
	sum, n := 0.0, 0
	for i := 0; i < 200; i++ {
		s, t := propose()
		if d := swapDelta(s, t); d > 0 {
			sum += d
			n++
		}
	}
	if n == 0 {
		return
	}
	cost := placementCost(r, adj, w, slotOf)
	best := cost
	bestSlot := slices.Clone(slotOf)
	steps := min(4_000_000, max(20_000, 400*P))
	t0 := sum / float64(n)
	tEnd := t0 * 1e-4
	alpha := math.Pow(tEnd/t0, 1/float64(steps))
	temp := t0
	for i := 0; i < steps; i++ {
		s, t := propose()
		if s == t {
			continue
		}
		d := swapDelta(s, t)
		if d <= 0 || rng.Float64() < math.Exp(-d/temp) {
			swap(s, t)
			cost += d
			if cost < best-1e-12 {
				best = cost
				copy(bestSlot, slotOf)
			}
		}
		temp *= alpha
	}
	copy(slotOf, bestSlot)
	for s := range partAt {
		partAt[s] = -1
	}
	for p, s := range slotOf {
		partAt[s] = p
	}
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// interCorePackets is the expected packets per tick between different cores
// of a partition.
func interCorePackets(g *snn.Graph, cores [][]uint32, rates []float64) float64 {
	coreOf := make([]int32, g.N)
	for c, ns := range cores {
		for _, id := range ns {
			coreOf[id] = int32(c)
		}
	}
	stamp := make([]int32, len(cores))
	for i := range stamp {
		stamp[i] = -1
	}
	total := 0.0
	for i := 0; i < g.N; i++ {
		if rates[i] <= 0 {
			continue
		}
		for _, post := range g.Post[g.PreStart[i]:g.PreStart[i+1]] {
			if d := coreOf[post]; stamp[d] != int32(i) {
				stamp[d] = int32(i)
				if d != coreOf[i] {
					total += rates[i]
				}
			}
		}
	}
	return total
}

// better reports whether partition a (traffic ta) is to be preferred to b:
// clearly fewer cores (10%), else less inter-core traffic.
func better(a, b [][]uint32, ta, tb float64) bool {
	if 10*len(a) < 9*len(b) {
		return true
	}
	if 10*len(b) < 9*len(a) {
		return false
	}
	return ta < tb
}
