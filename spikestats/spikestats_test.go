package spikestats

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/spindle-sim/spindle/snn"
	"gonum.org/v1/gonum/stat"
)

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

// ksBrute evaluates sup |F_a - F_b| at every sample point.
func ksBrute(a, b []float64) float64 {
	cdf := func(s []float64, x float64) float64 {
		n := 0
		for _, v := range s {
			if v <= x {
				n++
			}
		}
		return float64(n) / float64(len(s))
	}
	d := 0.0
	for _, x := range append(slices.Clone(a), b...) {
		d = math.Max(d, math.Abs(cdf(a, x)-cdf(b, x)))
	}
	return d
}

func TestKS(t *testing.T) {
	cases := []struct {
		name string
		a, b []float64
		want float64
	}{
		{"identical", []float64{3, 1, 2, 2}, []float64{2, 1, 2, 3}, 0},
		{"disjoint", []float64{1, 2, 3}, []float64{4, 5}, 1},
		{"disjoint reversed", []float64{10, 11}, []float64{-1, 0, 1}, 1},
		// F_a(4) = 1, F_b(4) = 2/6.
		{"overlap", []float64{1, 2, 3, 4}, []float64{3, 4, 5, 6, 7, 8}, 2.0 / 3},
		// At 1: 1/4 vs 0; at 2: 3/4 vs 3/4; at 3: 1 vs 3/4.
		{"ties", []float64{1, 2, 2, 3}, []float64{2, 2, 2, 4}, 0.25},
		{"one point each", []float64{5}, []float64{5}, 0},
		{"empty", nil, []float64{1}, math.NaN()},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := slices.Clone(c.a)
			got := KS(c.a, c.b)
			if math.IsNaN(c.want) != math.IsNaN(got) || !math.IsNaN(c.want) && !near(got, c.want, 1e-12) {
				t.Fatalf("KS = %v, want %v", got, c.want)
			}
			if !slices.Equal(a, c.a) {
				t.Fatal("KS reordered its argument")
			}
		})
	}
	r := rand.New(rand.NewPCG(1, 2))
	for k := 0; k < 500; k++ {
		a := make([]float64, 1+r.IntN(12))
		b := make([]float64, 1+r.IntN(12))
		for i := range a {
			a[i] = float64(r.IntN(6))
		}
		for i := range b {
			b[i] = float64(r.IntN(6))
		}
		if got, want := KS(a, b), ksBrute(a, b); !near(got, want, 1e-12) {
			t.Fatalf("KS(%v, %v) = %v, want %v", a, b, got, want)
		}
	}
}

// vrBrute is the closed form evaluated pair by pair.
func vrBrute(a, b []float64, tau float64) float64 {
	s := func(x, y []float64) float64 {
		t := 0.0
		for _, u := range x {
			for _, v := range y {
				t += math.Exp(-math.Abs(u-v) / tau)
			}
		}
		return t
	}
	return math.Sqrt(math.Max(0, 0.5*(s(a, a)+s(b, b)-2*s(a, b))))
}

// vrIntegral integrates (1/tau) ∫ (f-g)² numerically.
func vrIntegral(a, b []float64, tau float64) float64 {
	f := func(s []float64, t float64) float64 {
		v := 0.0
		for _, x := range s {
			if t >= x {
				v += math.Exp(-(t - x) / tau)
			}
		}
		return v
	}
	const h = 0.001
	sum := 0.0
	for t := h / 2; t < 200; t += h {
		d := f(a, t) - f(b, t)
		sum += d * d * h
	}
	return math.Sqrt(sum / tau)
}

func TestVanRossumTrains(t *testing.T) {
	tau := 10.0
	e := math.Exp(-5.0 / tau)
	cases := []struct {
		name string
		a, b []float64
		want float64
	}{
		{"identical", []float64{1, 5, 30}, []float64{1, 5, 30}, 0},
		{"both empty", nil, nil, 0},
		{"one spike vs none", []float64{7}, nil, 1 / math.Sqrt2},
		{"none vs one spike", nil, []float64{7}, 1 / math.Sqrt2},
		// D² = ½(2 + 2e^{-Δ/τ}).
		{"two spikes vs none", []float64{0, 5}, nil, math.Sqrt(1 + e)},
		// D² = 1 - e^{-Δ/τ}.
		{"shifted by 5", []float64{10}, []float64{15}, math.Sqrt(1 - e)},
		{"coincident spikes", []float64{3, 3}, []float64{3}, 1 / math.Sqrt2},
	}
	for _, c := range cases {
		if got := VanRossumTrains(c.a, c.b, tau); !near(got, c.want, 1e-12) {
			t.Errorf("%s: D = %v, want %v", c.name, got, c.want)
		}
	}
	// The merge against the pair-by-pair closed form, ties included.
	r := rand.New(rand.NewPCG(3, 4))
	for k := 0; k < 300; k++ {
		a := make([]float64, r.IntN(15))
		b := make([]float64, r.IntN(15))
		for i := range a {
			a[i] = float64(r.IntN(80)) * 0.5
		}
		for i := range b {
			b[i] = float64(r.IntN(80)) * 0.5
		}
		slices.Sort(a)
		slices.Sort(b)
		if got, want := VanRossumTrains(a, b, 4), vrBrute(a, b, 4); !near(got, want, 1e-9) {
			t.Fatalf("D(%v, %v) = %v, want %v", a, b, got, want)
		}
	}
	// The closed form against the integral definition.
	a, b := []float64{2, 11, 12.5, 40}, []float64{3, 12, 30}
	if got, want := VanRossumTrains(a, b, tau), vrIntegral(a, b, tau); !near(got, want, 1e-4) {
		t.Fatalf("closed form %v, integral %v", got, want)
	}
}

func TestVanRossumLists(t *testing.T) {
	a := []Spike{{Time: 10, Addr: 0}, {Time: 20, Addr: 1}, {Time: 3, Addr: 4}}
	if got := VanRossum(a, a, 1, 10); got != 0 {
		t.Fatalf("identical lists: %v", got)
	}
	if got := VanRossum(nil, nil, 1, 10); got != 0 {
		t.Fatalf("empty lists: %v", got)
	}
	// Neurons 0 and 4 agree; neuron 1 has one spike against none: the mean
	// over the three active neurons is (1/√2)/3.
	b := []Spike{{Time: 3, Addr: 4}, {Time: 10, Addr: 0}}
	if got := VanRossum(a, b, 1, 10); !near(got, 1/math.Sqrt2/3, 1e-12) {
		t.Fatalf("D = %v, want %v", got, 1/math.Sqrt2/3)
	}
	// dt scales times: a 5-tick shift at 2 ms per tick is 10 ms.
	got := VanRossum([]Spike{{Time: 0, Addr: 0}}, []Spike{{Time: 5, Addr: 0}}, 2, 10)
	if want := math.Sqrt(1 - math.Exp(-1)); !near(got, want, 1e-12) {
		t.Fatalf("shift: %v, want %v", got, want)
	}
	// Neuron numbers are names, not sizes: the largest address costs no
	// more than neuron 1 (a crafted trace must not exhaust memory).
	far := []Spike{{Time: 10, Addr: 0}, {Time: 20, Addr: math.MaxUint32}, {Time: 3, Addr: 4}}
	if got := VanRossum(far, b, 1, 10); !near(got, 1/math.Sqrt2/3, 1e-12) {
		t.Fatalf("far neuron: D = %v, want %v", got, 1/math.Sqrt2/3)
	}
}

func TestIdentical(t *testing.T) {
	cases := []struct {
		name string
		a, b []Spike
		want float64
	}{
		{"both empty", nil, nil, 1},
		{"one empty", []Spike{{Time: 1, Addr: 1}}, nil, 0},
		{"same, unsorted and repeated", []Spike{{Time: 2, Addr: 1}, {Time: 1, Addr: 3}, {Time: 2, Addr: 1}}, []Spike{{Time: 1, Addr: 3}, {Time: 2, Addr: 1}}, 1},
		{"half", []Spike{{Time: 1, Addr: 1}, {Time: 2, Addr: 2}, {Time: 3, Addr: 3}, {Time: 4, Addr: 4}}, []Spike{{Time: 1, Addr: 1}, {Time: 2, Addr: 2}, {Time: 3, Addr: 4}}, 0.5},
		{"neuron differs", []Spike{{Time: 1, Addr: 1}}, []Spike{{Time: 1, Addr: 2}}, 0},
	}
	for _, c := range cases {
		if got := Identical(c.a, c.b); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

func TestFirstDivergence(t *testing.T) {
	cases := []struct {
		name string
		a, b []Spike
		want *Spike
		inA  bool
	}{
		{"equal", []Spike{{Time: 1, Addr: 2}, {Time: 1, Addr: 1}}, []Spike{{Time: 1, Addr: 1}, {Time: 1, Addr: 2}}, nil, false},
		{"empty", nil, nil, nil, false},
		{"extra in b", []Spike{{Time: 1, Addr: 1}}, []Spike{{Time: 1, Addr: 1}, {Time: 5, Addr: 0}}, &Spike{Time: 5, Addr: 0}, false},
		{"extra in a", []Spike{{Time: 1, Addr: 1}, {Time: 2, Addr: 9}}, []Spike{{Time: 1, Addr: 1}}, &Spike{Time: 2, Addr: 9}, true},
		// Tick 3 differs in neurons 4 (a) and 2 (b): the smallest is 2.
		{"smallest neuron", []Spike{{Time: 1, Addr: 1}, {Time: 3, Addr: 1}, {Time: 3, Addr: 4}}, []Spike{{Time: 1, Addr: 1}, {Time: 3, Addr: 1}, {Time: 3, Addr: 2}, {Time: 3, Addr: 4}, {Time: 3, Addr: 5}}, &Spike{Time: 3, Addr: 2}, false},
		{"later tick in a", []Spike{{Time: 1, Addr: 1}, {Time: 4, Addr: 0}}, []Spike{{Time: 1, Addr: 1}, {Time: 3, Addr: 7}}, &Spike{Time: 3, Addr: 7}, false},
		{"first tick", []Spike{{Time: 0, Addr: 3}}, []Spike{{Time: 0, Addr: 2}, {Time: 0, Addr: 3}}, &Spike{Time: 0, Addr: 2}, false},
	}
	for _, c := range cases {
		d, inA, ok := FirstDivergence(c.a, c.b)
		if ok != (c.want != nil) || ok && (d != *c.want || inA != c.inA) {
			t.Errorf("%s: %v %v %v, want %v %v", c.name, d, inA, ok, c.want, c.inA)
		}
	}
}

func TestCV(t *testing.T) {
	if cv, ok := CV([]int64{0, 10, 20, 30, 40}); !ok || cv != 0 {
		t.Fatalf("regular train: %v %v", cv, ok)
	}
	if _, ok := CV([]int64{0, 10}); ok {
		t.Fatal("two spikes have a CV")
	}
	// ISIs 1 and 3: mean 2, sd 1.
	if cv, ok := CV([]int64{0, 1, 4}); !ok || cv != 0.5 {
		t.Fatalf("hand case: %v", cv)
	}
	// A Bernoulli train with p = 0.002 per tick has geometric intervals,
	// CV = sqrt(1-p) ≈ 1.
	var ticks []int64
	next := snn.PoissonInterval(9, 0, 0, 0, 0.002) - 1
	for k := uint64(1); len(ticks) < 20000; k++ {
		ticks = append(ticks, next)
		next += snn.PoissonInterval(9, 0, 0, k, 0.002)
	}
	if cv, ok := CV(ticks); !ok || !near(cv, 1, 0.03) {
		t.Fatalf("Poisson CV = %v", cv)
	}
}

func TestPearson(t *testing.T) {
	x := []float64{0, 1, 0, 2, 1, 0}
	if r, ok := Pearson(x, x); !ok || !near(r, 1, 1e-15) {
		t.Fatalf("identical: %v", r)
	}
	y := []float64{2, 1, 2, 0, 1, 2}
	if r, ok := Pearson(x, y); !ok || !near(r, -1, 1e-15) {
		t.Fatalf("mirror: %v", r)
	}
	for _, c := range [][]float64{{1, 1, 1, 1, 1, 1}, {0, 0, 0, 0, 0, 0}, {3, 3, 3, 3, 3, 3}} {
		if _, ok := Pearson(x, c); ok {
			t.Fatalf("constant vector %v has a correlation", c)
		}
	}
	// Against gonum's two-pass formula, on vectors mostly zero (as binned
	// spike counts are) and on dense ones.
	r := rand.New(rand.NewPCG(1, 2))
	for k := 0; k < 200; k++ {
		n := 2 + r.IntN(50)
		a, b := make([]float64, n), make([]float64, n)
		for i := range a {
			if r.IntN(4) == 0 || k%2 == 0 {
				a[i] = float64(r.IntN(4))
			}
			if r.IntN(4) == 0 || k%2 == 0 {
				b[i] = float64(r.IntN(4))
			}
		}
		got, ok := Pearson(a, b)
		want := stat.Correlation(a, b, nil)
		if ok != !math.IsNaN(want) || ok && !near(got, want, 1e-12) {
			t.Fatalf("Pearson(%v, %v) = %v, %v; gonum %v", a, b, got, ok, want)
		}
	}
}

// TestCorrelationsMemory: the binned counts of the correlations take
// memory by spike, not by bin: ten million 1-ms bins with a few spikes
// used to allocate 80 MB per sampled neuron.
func TestCorrelationsMemory(t *testing.T) {
	const end = 10_000_000
	var sp []Spike
	for tick := int64(0); tick < end; tick += end / 100 {
		sp = append(sp, Spike{Time: tick, Addr: 0}, Spike{Time: tick + 1, Addr: 1}, Spike{Time: tick, Addr: 1})
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	st, err := Stats(sp, []Population{pop("a", 0, 2)}, Options{Dt: 1, End: end, BinMs: 1})
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if len(st[0].Corrs) != 1 || !(st[0].Corrs[0] > 0.7 && st[0].Corrs[0] < 0.71) {
		t.Errorf("correlations %v, want one of about 1/sqrt(2)", st[0].Corrs)
	}
	if b := after.TotalAlloc - before.TotalAlloc; b > 1<<20 {
		t.Errorf("%d bytes allocated for 300 spikes over %d bins", b, end)
	}
}

func TestStats(t *testing.T) {
	pops := []Population{pop("a", 0, 3), pop("b", 3, 2)}
	var sp []Spike
	for tick := int64(0); tick < 1000; tick += 10 {
		sp = append(sp, Spike{Time: tick, Addr: 0}, Spike{Time: tick, Addr: 1}) // identical regular trains
	}
	sp = append(sp, Spike{Time: 5, Addr: 2}, Spike{Time: 500, Addr: 3}, Spike{Time: 600, Addr: 3}, Spike{Time: 900, Addr: 3}, Spike{Time: 50, Addr: 99})
	st, err := Stats(sp, pops, Options{Dt: 1, Warmup: 100, End: 1100})
	if err != nil {
		t.Fatal(err)
	}
	// 1000 ms after warm-up; neurons 0 and 1 fire at 100..990: 90 spikes.
	// Neuron 3 has ISIs 100 and 300: mean 200, sd 100, CV 0.5.
	if want := []float64{90, 90, 0}; !slices.Equal(st[0].Rates, want) {
		t.Fatalf("rates %v, want %v", st[0].Rates, want)
	}
	if want := []float64{3, 0}; !slices.Equal(st[1].Rates, want) {
		t.Fatalf("rates %v, want %v", st[1].Rates, want)
	}
	if !slices.Equal(st[0].CVs, []float64{0, 0}) || len(st[1].CVs) != 1 || st[1].CVs[0] != 0.5 {
		t.Fatalf("CVs %v %v", st[0].CVs, st[1].CVs)
	}
	// Pairs (0,1), (0,2), (1,2): only (0,1) is defined (2 is silent).
	if len(st[0].Corrs) != 1 || !near(st[0].Corrs[0], 1, 1e-12) {
		t.Fatalf("correlations %v", st[0].Corrs)
	}
	if st[0].MeanRate() != 60 || !math.IsNaN(st[1].MeanCorr()) {
		t.Fatal("means")
	}
	for _, o := range []Options{{}, {Dt: 1, Warmup: 5, End: 5}, {Dt: 1, BinMs: -1}, {Dt: 1, TauMs: math.Inf(1)}} {
		if _, err := Stats(sp, pops, o); err == nil {
			t.Fatalf("options %+v accepted", o)
		}
	}
}

func TestSamplePairs(t *testing.T) {
	p := samplePairs(1000, 200, 5, 1)
	if len(p) != 200 || !slices.Equal(p, samplePairs(1000, 200, 5, 1)) {
		t.Fatal("not 200 reproducible pairs")
	}
	seen := map[[2]int]bool{}
	for _, x := range p {
		if x[0] >= x[1] || x[1] >= 1000 || seen[x] {
			t.Fatalf("bad pair %v", x)
		}
		seen[x] = true
	}
	if slices.Equal(p, samplePairs(1000, 200, 5, 2)) {
		t.Fatal("streams share pairs")
	}
	if n := len(samplePairs(10, 200, 5, 1)); n != 45 {
		t.Fatalf("%d pairs of 10 neurons, want all 45", n)
	}
}

// poissonList is Bernoulli spikes of n neurons over ticks with
// probability p per tick.
func poissonList(seed uint64, first, n int, ticks int64, p float64) []Spike {
	r := rand.New(rand.NewPCG(seed, 0))
	var out []Spike
	for t := int64(0); t < ticks; t++ {
		for i := 0; i < n; i++ {
			if r.Float64() < p {
				out = append(out, Spike{Time: t, Addr: uint32(first + i)})
			}
		}
	}
	return out
}

func TestCompare(t *testing.T) {
	pops := []Population{pop("E", 0, 80), pop("I", 80, 20), pop("silent", 100, 5)}
	a := append(poissonList(1, 0, 80, 5000, 0.01), poissonList(2, 80, 20, 5000, 0.03)...)
	opt := Options{Dt: 1, Warmup: 500, End: 5000, Seed: 3}
	r, err := Compare(a, a, pops, opt)
	if err != nil {
		t.Fatal(err)
	}
	if r.IdenticalFraction != 1 || r.VanRossum != 0 || !r.Identical || r.SpikesA != r.SpikesB {
		t.Fatalf("self comparison: %+v", r)
	}
	for _, p := range r.Populations[:2] {
		if p.KSRate != 0 || p.KSCV != 0 || p.KSCorr != 0 || p.RateA != p.RateB {
			t.Fatalf("self comparison of %s: %+v", p.Name, p)
		}
		if !near(p.CVA, 1, 0.1) {
			t.Fatalf("%s: Poisson CV %v", p.Name, p.CVA)
		}
		if !near(p.CorrA, 0, 0.05) {
			t.Fatalf("%s: independent trains correlate %v", p.Name, p.CorrA)
		}
	}
	if p := r.Populations[0]; !near(p.RateA, 10, 0.5) {
		t.Fatalf("E rate %v, want ~10 Hz", p.RateA)
	}
	if s := r.Populations[2]; s.RateA != 0 || !math.IsNaN(s.CVA) || !math.IsNaN(s.KSCV) {
		t.Fatalf("silent population: %+v", s)
	}

	// A statistically equal, spike-wise different run.
	b := append(poissonList(7, 0, 80, 5000, 0.01), poissonList(8, 80, 20, 5000, 0.03)...)
	r, err = Compare(a, b, pops, opt)
	if err != nil {
		t.Fatal(err)
	}
	if r.IdenticalFraction > 0.05 || r.Identical || r.VanRossum < 0.5 {
		t.Fatalf("different runs: %+v", r)
	}
	if p := r.Populations[0]; p.KSRate > 0.5 || !near(p.RateA, p.RateB, 1) {
		t.Fatalf("E: %+v", p)
	}

	// JSON: NaN is null and reads back as NaN.
	js, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"name":"E"`, `"cv_a":null`, `"ks_rate":`, `"identical_fraction":`, `"van_rossum":`, `"identical":false`} {
		if !strings.Contains(string(js), key) {
			t.Fatalf("JSON lacks %s: %s", key, js)
		}
	}
	var back Report
	if err := json.Unmarshal(js, &back); err != nil {
		t.Fatal(err)
	}
	if !math.IsNaN(back.Populations[2].CVA) || back.Populations[0].RateA != r.Populations[0].RateA {
		t.Fatalf("round trip: %+v", back.Populations)
	}
}

func TestPopulations(t *testing.T) {
	n := &snn.Network{Dt: 1, Populations: []snn.Population{
		{Name: "in", Size: 4, Kind: snn.Poisson, RateHz: 5},
		{Name: "out", Size: 2, Neuron: snn.Neuron{TauM: 10, VTh: 1, Receptors: []snn.Receptor{{Name: "x", TauSyn: 1}}}},
	}}
	g, err := n.Build()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := Populations(g), []Population{pop("in", 0, 4), pop("out", 4, 2)}; !slices.EqualFunc(got, want, func(a, b Population) bool { return a.Name == b.Name && a.First == b.First && a.Size == b.Size }) {
		t.Fatalf("%v, want %v", got, want)
	}
}

// TestComparePopulationBounds: a population description past MaxNeurons
// (a damaged or crafted trace) is an error, not an allocation.
func TestComparePopulationBounds(t *testing.T) {
	opt := Options{Dt: 1, End: 10}
	for _, pops := range [][]Population{
		{pop("huge", 0, 1<<32-1)},
		{pop("far", 1<<32-1, 5)},
		{pop("past", MaxNeurons-2, 5)},
	} {
		if _, err := Compare(nil, nil, pops, opt); err == nil {
			t.Errorf("%+v: accepted", pops)
		}
	}
	if _, err := Compare(nil, nil, []Population{pop("ok", 0, 5)}, opt); err != nil {
		t.Errorf("a small population: %v", err)
	}
}

func pop(name string, first, size uint32) Population {
	return Population{Name: name, First: first, Size: size}
}

// TestAgree: the agreement of two lists is the measures of the lists, and
// Report carries it.
func TestAgree(t *testing.T) {
	s := func(tk int64, id uint32) Spike { return Spike{Time: tk, Addr: id} }
	shift := math.Sqrt(1 - math.Exp(-1.0/DefaultTauMs)) // one spike 1 ms late
	for _, c := range []struct {
		name      string
		a, b      []Spike
		identical bool
		fraction  float64
		vr        float64 // mean over the neurons that spike in either list
	}{
		{"both empty", nil, nil, true, 1, 0},
		{"same", []Spike{s(0, 0), s(3, 2)}, []Spike{s(0, 0), s(3, 2)}, true, 1, 0},
		{"same out of order", []Spike{s(3, 2), s(0, 0)}, []Spike{s(0, 0), s(3, 2)}, true, 1, 0},
		{"one missing", []Spike{s(0, 0), s(3, 2)}, []Spike{s(0, 0)}, false, 0.5, 1 / math.Sqrt2 / 2},
		{"one late", []Spike{s(0, 0), s(3, 2)}, []Spike{s(0, 0), s(4, 2)}, false, 0.5, shift / 2},
		{"disjoint", []Spike{s(1, 0)}, []Spike{s(1, 1)}, false, 0, 1 / math.Sqrt2},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := Agree(c.a, c.b, 1, DefaultTauMs)
			want := Agreement{Identical: c.identical, SpikesA: len(c.a), SpikesB: len(c.b), IdenticalFraction: c.fraction, VanRossum: c.vr, VanRossumTauMs: DefaultTauMs}
			if math.Abs(got.VanRossum-want.VanRossum) > 1e-12 {
				t.Errorf("van Rossum %v, want %v", got.VanRossum, want.VanRossum)
			}
			got.VanRossum = want.VanRossum
			if got != want {
				t.Errorf("Agree = %+v, want %+v", got, want)
			}
			if len(c.a) == 0 && len(c.b) == 0 {
				return
			}
			r, err := Compare(c.a, c.b, []Population{pop("all", 0, 3)}, Options{Dt: 1, End: 10})
			if err != nil {
				t.Fatal(err)
			}
			if r.Agreement != Agree(normalise(c.a), normalise(c.b), 1, DefaultTauMs) {
				t.Errorf("Report's agreement %+v", r.Agreement)
			}
		})
	}
}
