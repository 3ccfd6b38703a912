package spikestats

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/stat"
)

// samplePairs returns k distinct unordered pairs of distinct neurons among
// n (local indices, i < j), drawn from a PCG stream of (seed, stream) so
// the same population always gets the same pairs. When n(n-1)/2 <= k it
// returns every pair.
func samplePairs(n, k int, seed, stream uint64) [][2]int {
	if n < 2 || k <= 0 {
		return nil
	}
	all := int64(n) * int64(n-1) / 2
	if all <= int64(k) {
		out := make([][2]int, 0, all)
		for i := 0; i < n; i++ {
			for j := i + 1; j < n; j++ {
				out = append(out, [2]int{i, j})
			}
		}
		return out
	}
	r := rand.New(rand.NewPCG(seed, stream))
	seen := make(map[[2]int]bool, k)
	out := make([][2]int, 0, k)
	for len(out) < k {
		i, j := r.IntN(n), r.IntN(n)
		if i == j {
			continue
		}
		if i > j {
			i, j = j, i
		}
		if p := [2]int{i, j}; !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}

// binTicks returns the correlation bin in ticks: BinMs/Dt rounded, at
// least one tick.
func binTicks(opt Options) int64 {
	return max(1, int64(math.Round(opt.BinMs/opt.Dt)))
}

// correlations returns the Pearson correlation coefficient of the binned
// spike counts of each pair, over the whole bins in [Warmup, End). Pairs
// where either count vector is constant (a silent neuron, say) have none
// and are left out. The counts are kept sparse, so memory follows the
// spikes rather than the number of bins, which a long run makes huge.
func correlations(tr *trains, p Population, pairs [][2]int, opt Options) []float64 {
	w := binTicks(opt)
	nb := (opt.End - opt.Warmup) / w
	if nb < 2 || len(pairs) == 0 {
		return nil
	}
	counts := map[int]sparse{}
	get := func(j int) sparse {
		if c, ok := counts[j]; ok {
			return c
		}
		c := sparse{n: nb}
		for _, t := range tr.window(int(p.First)+j, opt.Warmup, opt.Warmup+nb*w) {
			b := (t - opt.Warmup) / w
			if k := len(c.at); k > 0 && c.at[k-1] == b {
				c.val[k-1]++
				continue
			}
			c.at = append(c.at, b)
			c.val = append(c.val, 1)
		}
		counts[j] = c
		return c
	}
	var out []float64
	for _, pr := range pairs {
		if c, ok := pearson(get(pr[0]), get(pr[1])); ok {
			out = append(out, c)
		}
	}
	return out
}

// sparse is a vector of n entries given by its non-zero ones: val[k] at
// index at[k], at ascending.
type sparse struct {
	n   int64
	at  []int64
	val []float64
}

// Pearson returns the correlation coefficient of x and y (equal lengths);
// ok is false when either is constant.
func Pearson(x, y []float64) (r float64, ok bool) {
	if len(x) != len(y) {
		return 0, false
	}
	return pearson(toSparse(x), toSparse(y))
}

func toSparse(x []float64) sparse {
	s := sparse{n: int64(len(x))}
	for i, v := range x {
		if v != 0 {
			s.at = append(s.at, int64(i))
			s.val = append(s.val, v)
		}
	}
	return s
}

// pearson is Pearson of two sparse vectors of the same length. The
// centred sums run over the indices where either vector is non-zero; the
// indices where both are zero add the same term each, counted once.
func pearson(x, y sparse) (r float64, ok bool) {
	if x.n != y.n || x.n < 2 {
		return 0, false
	}
	n := float64(x.n)
	mx, my := sum(x.val)/n, sum(y.val)/n
	var sxy, sxx, syy float64
	both := x.n // indices where both are zero
	for i, j := 0, 0; i < len(x.at) || j < len(y.at); both-- {
		var a, b float64
		switch {
		case j == len(y.at) || i < len(x.at) && x.at[i] < y.at[j]:
			a = x.val[i]
			i++
		case i == len(x.at) || y.at[j] < x.at[i]:
			b = y.val[j]
			j++
		default:
			a, b = x.val[i], y.val[j]
			i++
			j++
		}
		sxy += (a - mx) * (b - my)
		sxx += (a - mx) * (a - mx)
		syy += (b - my) * (b - my)
	}
	z := float64(both)
	sxy += z * mx * my
	sxx += z * mx * mx
	syy += z * my * my
	if sxx == 0 || syy == 0 {
		return 0, false
	}
	r = sxy / math.Sqrt(sxx*syy)
	return max(-1, min(1, r)), true
}

func sum(x []float64) float64 {
	s := 0.0
	for _, v := range x {
		s += v
	}
	return s
}

// KS returns the two-sample Kolmogorov–Smirnov statistic of a and b: the
// largest distance between their empirical distribution functions,
// sup_x |F_a(x) - F_b(x)|, in [0, 1]. It is NaN when either sample is
// empty or holds a NaN. The arguments are left alone.
func KS(a, b []float64) float64 {
	if len(a) == 0 || len(b) == 0 {
		return math.NaN()
	}
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return stat.KolmogorovSmirnov(x, nil, y, nil)
}

// Identical returns the fraction of identical spikes, |A∩B| / max(|A|,
// |B|), with spikes as (tick, neuron) sets; 1 when both are empty.
func Identical(a, b []Spike) float64 {
	a, b = normalise(a), normalise(b)
	if len(a) == 0 && len(b) == 0 {
		return 1
	}
	common := 0
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch c := spikeCmp(a[i], b[j]); {
		case c < 0:
			i++
		case c > 0:
			j++
		default:
			common++
			i++
			j++
		}
	}
	return float64(common) / float64(max(len(a), len(b)))
}

// FirstDivergence returns the first spike, in (tick, neuron) order, of
// the symmetric difference of a and b — the first tick at which their
// spike sets differ and the smallest neuron id in the difference at that
// tick — and inA, whether a holds it (otherwise b does); ok is false when
// the lists hold the same spikes. compare.Divergence reports it.
func FirstDivergence(a, b []Spike) (s Spike, inA, ok bool) {
	a, b = normalise(a), normalise(b)
	i, j := 0, 0
	for i < len(a) && j < len(b) && a[i] == b[j] {
		i++
		j++
	}
	// Everything before i and j is common; the smaller of the next spikes
	// in (tick, neuron) order is the least element of the difference.
	switch {
	case i < len(a) && (j == len(b) || spikeCmp(a[i], b[j]) < 0):
		return a[i], true, true
	case j < len(b):
		return b[j], false, true
	}
	return Spike{}, false, false
}

// VanRossumTrains returns the van Rossum distance between two spike trains
// given as ascending times in ms, with time constant tau ms:
//
//	D² = (1/tau) ∫ (f - g)² dt,  f(t) = Σ_i exp(-(t - a_i)/tau) H(t - a_i)
//
// and g likewise for b, which in closed form is
//
//	D² = ½ [ Σ_ij e^(-|a_i-a_j|/tau) + Σ_ij e^(-|b_i-b_j|/tau) - 2 Σ_ij e^(-|a_i-b_j|/tau) ]
//
// One spike against none gives D = 1/√2. Each double sum is computed
// exactly in linear time by a merge with a running exponential sum.
func VanRossumTrains(a, b []float64, tau float64) float64 {
	d2 := 0.5 * (expSum(a, a, tau) + expSum(b, b, tau) - 2*expSum(a, b, tau))
	return math.Sqrt(max(0, d2))
}

// expSum returns Σ_i Σ_j exp(-|x_i - y_j| / tau) for ascending x and y.
func expSum(x, y []float64, tau float64) float64 {
	return causalSum(x, y, tau, true) + causalSum(y, x, tau, false)
}

// causalSum returns Σ_i Σ_{j: y_j <= x_i} exp(-(x_i - y_j)/tau), or with
// y_j < x_i when !withTies.
func causalSum(x, y []float64, tau float64, withTies bool) float64 {
	total, acc, at := 0.0, 0.0, math.Inf(-1) // acc = Σ_{y_j seen} exp(-(at - y_j)/tau)
	j := 0
	for _, xi := range x {
		for j < len(y) && (y[j] < xi || withTies && y[j] == xi) {
			if at != math.Inf(-1) {
				acc *= math.Exp(-(y[j] - at) / tau)
			}
			acc++
			at = y[j]
			j++
		}
		if j > 0 {
			total += acc * math.Exp(-(xi-at)/tau)
		}
	}
	return total
}

// VanRossum returns the van Rossum distance of two spike lists: the mean,
// over the neurons that spike in either list, of the per-neuron distance
// VanRossumTrains with spike times tick·dt ms and time constant tau ms; 0
// when neither list has a spike.
func VanRossum(a, b []Spike, dt, tau float64) float64 {
	// By neuron, then tick: a walk over both lists meets each neuron's
	// trains side by side, with memory for the spikes only, whatever the
	// neuron numbers.
	byNeuron := func(s []Spike) []Spike {
		s = slices.Clone(normalise(s))
		slices.SortFunc(s, func(x, y Spike) int {
			return cmp.Or(cmp.Compare(x.Addr, y.Addr), cmp.Compare(x.Time, y.Time))
		})
		return s
	}
	a, b = byNeuron(a), byNeuron(b)
	var xs, ys []float64
	sum, active := 0.0, 0
	for len(a) > 0 || len(b) > 0 {
		var id uint32
		switch {
		case len(a) == 0:
			id = b[0].Addr
		case len(b) == 0:
			id = a[0].Addr
		default:
			id = min(a[0].Addr, b[0].Addr)
		}
		xs, a = trainMs(xs[:0], a, id, dt)
		ys, b = trainMs(ys[:0], b, id, dt)
		sum += VanRossumTrains(xs, ys, tau)
		active++
	}
	if active == 0 {
		return 0
	}
	return sum / float64(active)
}

// trainMs appends to dst the times in ms of neuron id's spikes at the head
// of s (sorted by neuron), and returns the rest of s.
func trainMs(dst []float64, s []Spike, id uint32, dt float64) ([]float64, []Spike) {
	k := 0
	for ; k < len(s) && s[k].Addr == id; k++ {
		dst = append(dst, float64(s[k].Time)*dt)
	}
	return dst, s[k:]
}
