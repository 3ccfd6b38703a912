package snn

import (
	"math"
	"slices"
	"strings"
	"testing"
)

func lif() Neuron {
	return Neuron{TauM: 20, VRest: -65, VReset: -70, VTh: -50, TRef: 2,
		Receptors: []Receptor{{Name: "exc", TauSyn: 5}, {Name: "inh", TauSyn: 10}}}
}

func twoPops(c Connector, sameTarget bool) *Network {
	post := "b"
	if sameTarget {
		post = "a"
	}
	return &Network{
		Name: "t", Dt: 1, Seed: 3,
		Populations: []Population{{Name: "a", Size: 50, Neuron: lif()}, {Name: "b", Size: 40, Neuron: lif()}},
		Projections: []Projection{{Name: "p", Pre: "a", Post: post, Connector: c, Weight: Const(1), Delay: UniformDist(1, 5)}},
	}
}

func TestConnectors(t *testing.T) {
	for _, c := range []struct {
		name     string
		conn     Connector
		same     bool
		min, max int
	}{
		{"all_to_all", Connector{Kind: AllToAll}, false, 2000, 2000},
		{"all_to_all no self", Connector{Kind: AllToAll, NoSelf: true}, true, 2450, 2450},
		{"one_to_one", Connector{Kind: OneToOne}, true, 50, 50},
		{"probability", Connector{Kind: FixedProbability, P: 0.1}, false, 150, 250},
		{"probability 0", Connector{Kind: FixedProbability, P: 0}, false, 0, 0},
		{"probability 1", Connector{Kind: FixedProbability, P: 1}, false, 2000, 2000},
		{"in_degree", Connector{Kind: FixedInDegree, InDegree: 7}, false, 280, 280},
		{"list", Connector{Kind: FromList, List: []Conn{{Pre: 1, Post: 2}, {Pre: 0, Post: 3, Weight: 5, HasWeight: true}}}, false, 2, 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			g, err := twoPops(c.conn, c.same).Build()
			if err != nil {
				t.Fatal(err)
			}
			if n := g.Synapses(); n < c.min || n > c.max {
				t.Errorf("%d synapses, want %d..%d", n, c.min, c.max)
			}
			for i := 0; i < g.N; i++ {
				for s := g.PreStart[i]; s < g.PreStart[i+1]; s++ {
					if c.conn.NoSelf && int(g.Post[s]) == i {
						t.Fatalf("self connection of %d", i)
					}
					if g.Delay(s) < 1 || g.Delay(s) > 5 {
						t.Fatalf("delay %d outside 1..5", g.Delay(s))
					}
				}
			}
		})
	}
}

func TestFixedInDegreeIsExactAndDistinct(t *testing.T) {
	net := twoPops(Connector{Kind: FixedInDegree, InDegree: 49, NoSelf: true}, true)
	g, err := net.Build()
	if err != nil {
		t.Fatal(err)
	}
	in := map[uint32]map[int]bool{}
	for i := 0; i < g.N; i++ {
		for s := g.PreStart[i]; s < g.PreStart[i+1]; s++ {
			p := g.Post[s]
			if in[p] == nil {
				in[p] = map[int]bool{}
			}
			if in[p][i] || int(p) == i {
				t.Fatalf("duplicate or self input %d -> %d", i, p)
			}
			in[p][i] = true
		}
	}
	for p := uint32(0); p < 50; p++ {
		if len(in[p]) != 49 {
			t.Fatalf("neuron %d has %d inputs, want 49", p, len(in[p]))
		}
	}
}

func TestBuildIsDeterministic(t *testing.T) {
	a, _ := twoPops(Connector{Kind: FixedProbability, P: 0.3}, false).Build()
	b, _ := twoPops(Connector{Kind: FixedProbability, P: 0.3}, false).Build()
	if !slices.Equal(a.Post, b.Post) || !slices.Equal(a.delay, b.delay) || !slices.Equal(a.PreStart, b.PreStart) {
		t.Error("same seed, different synapses")
	}
	n := twoPops(Connector{Kind: FixedProbability, P: 0.3}, false)
	n.Seed = 4
	c, _ := n.Build()
	if slices.Equal(a.Post, c.Post) {
		t.Error("different seeds, same synapses")
	}
}

func TestInhibitorySign(t *testing.T) {
	n := twoPops(Connector{Kind: AllToAll}, false)
	n.Projections[0].Inhibitory = true
	n.Projections[0].Weight = UniformDist(-1, 2)
	g, err := n.Build()
	if err != nil {
		t.Fatal(err)
	}
	for s := range g.Synapses() {
		if w := g.Weight(s); w > 0 {
			t.Fatalf("inhibitory weight %v > 0", w)
		}
	}
}

func TestValidate(t *testing.T) {
	for _, c := range []struct {
		name   string
		change func(n *Network)
		want   string
	}{
		{"dt", func(n *Network) { n.Dt = 0 }, "dt"},
		{"size", func(n *Network) { n.Populations[0].Size = -1 }, "size -1"},
		{"duplicate", func(n *Network) { n.Populations[1].Name = "a" }, "defined twice"},
		{"unknown pre", func(n *Network) { n.Projections[0].Pre = "zz" }, `unknown population "zz"`},
		{"probability", func(n *Network) { n.Projections[0].Connector = Connector{Kind: FixedProbability, P: 1.5} }, "[0, 1]"},
		{"short delay", func(n *Network) { n.Projections[0].Delay = Const(0.2) }, "at least one tick"},
		{"receptor", func(n *Network) { n.Projections[0].Receptor = "nmda" }, `no receptor "nmda"`},
		{"tau_m", func(n *Network) { n.Populations[0].Neuron.TauM = -1 }, "tau_m"},
		{"tau_syn", func(n *Network) { n.Populations[0].Neuron.Receptors[0].TauSyn = -1 }, "tau_syn"},
		{"in_degree", func(n *Network) { n.Projections[0].Connector = Connector{Kind: FixedInDegree, InDegree: 51} }, "in_degree 51"},
		{"input target", func(n *Network) { n.Populations[1].Kind = Poisson }, "cannot receive"},
		{"no weight", func(n *Network) { n.Projections[0].Weight = Dist{} }, "weight"},
	} {
		n := twoPops(Connector{Kind: AllToAll}, false)
		c.change(n)
		err := n.Validate()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
}

func TestMulShiftRoundsTowardZero(t *testing.T) {
	for _, c := range []struct {
		x    int64
		k    int32
		want int64
	}{
		{4096, 4095, 4095}, {-4096, 4095, -4095}, {1, 4095, 0}, {-1, 4095, 0},
		{100, 2048, 50}, {-101, 2048, -50}, {0, 4096, 0}, {-3, 4096, -3},
	} {
		if got := MulShift(c.x, c.k); got != c.want {
			t.Errorf("MulShift(%d, %d) = %d, want %d", c.x, c.k, got, c.want)
		}
	}
	if Saturate(1<<30) != 1<<23-1 || Saturate(-1<<30) != -1<<23 {
		t.Error("Saturate does not clamp to 24 bits")
	}
}

func TestFixedWeightsQuantise(t *testing.T) {
	n := twoPops(Connector{Kind: AllToAll}, false)
	n.Projections[0].Weight = UniformDist(0, 3)
	g, err := n.Build()
	if err != nil {
		t.Fatal(err)
	}
	scale := g.Params[1].Scale
	for _, bits := range []int{8, 16} {
		w := g.FixedWeights(bits)
		var maxM int32
		exp := 0
		for math.Ldexp(3*scale, -exp) > math.Ldexp(1, bits-1)-1 {
			exp++
		}
		for s, x := range w {
			if x%(1<<exp) != 0 {
				t.Fatalf("%d bits: weight %d is not a multiple of 2^%d", bits, x, exp)
			}
			maxM = max(maxM, x>>exp)
			if err := math.Abs(float64(x) - g.Weight(s)*scale); err > math.Ldexp(1, exp) {
				t.Fatalf("%d bits: weight %d off the exact %.1f by more than one step", bits, x, g.Weight(s)*scale)
			}
		}
		if maxM > 1<<(bits-1)-1 {
			t.Errorf("%d bits: mantissa %d too wide", bits, maxM)
		}
	}
}

func TestPoissonIntervalRate(t *testing.T) {
	const p = 0.02
	var total int64
	const k = 20000
	for i := uint64(0); i < k; i++ {
		total += PoissonInterval(1, 0, 7, i, p)
	}
	mean := float64(total) / k
	if math.Abs(mean-1/p) > 0.05/p {
		t.Errorf("mean interval %.1f ticks, want about %.1f", mean, 1/p)
	}
	if PoissonInterval(1, 0, 0, 0, 1) != 1 {
		t.Error("p = 1 must fire every tick")
	}
}

func TestLIFParams(t *testing.T) {
	nu := lif()
	p := lifParams(&nu, 0.1)
	if math.Abs(p.KeepV-math.Exp(-0.1/20)) > 1e-15 || p.VTh != 15 || p.VReset != -5 || p.RefTicks != 20 {
		t.Errorf("float params %+v", p)
	}
	if p.FKeepV != int32(math.Round(4096*math.Exp(-0.005))) || p.FVTh != 1<<16 {
		t.Errorf("fixed params %+v", p)
	}
}

// TestLeakDecayParams: Loihi's leak keeps leak_decay of v and adds the
// input without a gain, whatever tau_m says.
func TestLeakDecayParams(t *testing.T) {
	nu := lif()
	nu.LeakDecay = 4095.0 / 4096
	p := lifParams(&nu, 0.1)
	if p.KeepV != 4095.0/4096 || p.GainV != 1 || p.FKeepV != 4095 || p.FGainV != 4096 {
		t.Errorf("params %+v; want keep 4095/4096 and gain 1", p)
	}
	nu.LeakDecay = 1.5
	if err := (&Network{Dt: 1, Populations: []Population{{Name: "p", Size: 1, Neuron: nu}}}).Validate(); err == nil || !strings.Contains(err.Error(), "leak_decay") {
		t.Errorf("leak_decay 1.5: %v; want an error naming it", err)
	}
}

// TestFanIn: the counts of FanIn are those of the built synapses, exact
// but for fixed_probability below 1, for which they are a lower bound.
func TestFanIn(t *testing.T) {
	for _, c := range []struct {
		name  string
		conn  Connector
		same  bool
		exact bool
	}{
		{"all_to_all", Connector{Kind: AllToAll}, false, true},
		{"all_to_all no self", Connector{Kind: AllToAll, NoSelf: true}, true, true},
		{"one_to_one", Connector{Kind: OneToOne}, true, true},
		{"probability", Connector{Kind: FixedProbability, P: 0.1}, false, false},
		{"probability 0", Connector{Kind: FixedProbability, P: 0}, false, true},
		{"probability 1 no self", Connector{Kind: FixedProbability, P: 1, NoSelf: true}, true, true},
		{"in_degree no self", Connector{Kind: FixedInDegree, InDegree: 7, NoSelf: true}, true, true},
		{"list", Connector{Kind: FromList, List: []Conn{{Pre: 1, Post: 2}, {Pre: 3, Post: 2}, {Pre: 0, Post: 0}}}, false, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			n := twoPops(c.conn, c.same)
			counts, exact, err := n.FanIn()
			if err != nil {
				t.Fatal(err)
			}
			g, err := n.Build()
			if err != nil {
				t.Fatal(err)
			}
			built := make([]int, g.N)
			for _, p := range g.Post {
				built[p]++
			}
			if exact != c.exact || len(counts) != g.N {
				t.Fatalf("exact %v, %d counts; want %v, %d", exact, len(counts), c.exact, g.N)
			}
			for i := range counts {
				if counts[i] > built[i] || (exact && counts[i] != built[i]) {
					t.Fatalf("neuron %d: counted %d, built %d", i, counts[i], built[i])
				}
			}
		})
	}
	bad := twoPops(Connector{Kind: FixedInDegree, InDegree: 51}, false)
	if _, _, err := bad.FanIn(); err == nil || !strings.Contains(err.Error(), "in_degree 51") {
		t.Fatalf("FanIn of an invalid network: %v", err)
	}
}

// TestInputs: the inputs drawn without building are those of the built
// network, neuron by neuron, though the connectors' streams also draw
// delays between the picks.
func TestInputs(t *testing.T) {
	for _, c := range []Connector{
		{Kind: AllToAll, NoSelf: true},
		{Kind: OneToOne},
		{Kind: FixedProbability, P: 0.1},
		{Kind: FixedProbability, P: 1},
		{Kind: FixedInDegree, InDegree: 7, NoSelf: true},
		{Kind: FromList, List: []Conn{{Pre: 1, Post: 2}, {Pre: 3, Post: 2}, {Pre: 0, Post: 0}}},
	} {
		for _, same := range []bool{false, true} {
			n := twoPops(c, same)
			if n.Validate() != nil {
				continue // one_to_one between populations of two sizes
			}
			if c.Kind == FixedInDegree {
				// Projections onto one population, drawn in parallel.
				n.Projections = append(n.Projections,
					Projection{Name: "q", Pre: "a", Post: n.Projections[0].Post, Connector: Connector{Kind: FixedInDegree, InDegree: 3}, Weight: UniformDist(0, 1)},
					Projection{Name: "r", Pre: "b", Post: "b", Connector: Connector{Kind: AllToAll, NoSelf: true}, Weight: Const(1)},
					Projection{Name: "s", Pre: "b", Post: n.Projections[0].Post, Connector: Connector{Kind: FixedInDegree, InDegree: 5}, Weight: Const(1)})
			}
			in, err := n.Inputs()
			if err != nil {
				t.Fatal(err)
			}
			g, err := n.Build()
			if err != nil {
				t.Fatal(err)
			}
			built := make([][]uint32, g.N)
			for i := 0; i < g.N; i++ {
				for _, p := range g.Post[g.PreStart[i]:g.PreStart[i+1]] {
					built[p] = append(built[p], uint32(i))
				}
			}
			for i := range built {
				drawn := slices.Sorted(slices.Values(in.Pre[in.Start[i]:in.Start[i+1]]))
				if !slices.Equal(drawn, built[i]) {
					t.Fatalf("%v, same %v: neuron %d: drew inputs %v, built %v", c.Kind, same, i, drawn, built[i])
				}
			}
		}
	}
}

// TestBuildRowsInOrder: synapses held and written a group of rows at a
// time, over several flushes, land in each row in the order they were
// made: projection by projection, by target.
func TestBuildRowsInOrder(t *testing.T) {
	n := &Network{Name: "rows", Dt: 1, Seed: 9,
		Populations: []Population{{Name: "a", Size: 3000, Kind: Poisson, RateHz: 1}, {Name: "b", Size: 2500, Neuron: lif()}},
		Projections: []Projection{
			{Name: "p", Pre: "a", Post: "b", Connector: Connector{Kind: FixedInDegree, InDegree: 90}, Weight: Const(1)},
			{Name: "q", Pre: "a", Post: "b", Connector: Connector{Kind: FixedProbability, P: 0.02}, Weight: UniformDist(0, 1)},
		}}
	g, err := n.Build()
	if err != nil {
		t.Fatal(err)
	}
	if g.Synapses() < 2*placerHeld {
		t.Fatalf("%d synapses: too few to flush more than once", g.Synapses())
	}
	for i := 0; i < g.N; i++ {
		for s := g.PreStart[i] + 1; s < g.PreStart[i+1]; s++ {
			if g.Proj[s] < g.Proj[s-1] || (g.Proj[s] == g.Proj[s-1] && g.Post[s] <= g.Post[s-1]) {
				t.Fatalf("row %d: synapse %d (projection %d, target %d) after (%d, %d)", i, s, g.Proj[s], g.Post[s], g.Proj[s-1], g.Post[s-1])
			}
		}
	}
	m := g.Synapses()
	g.ReleaseSynapses()
	if g.Synapses() != m || g.Post != nil {
		t.Fatalf("released: %d synapses counted (%d before), %d targets kept", g.Synapses(), m, len(g.Post))
	}
}

// TestConnTable checks that a table holds what Set stores, a value not
// given included, and that Validate finds a bad index in either storage
// at its position in the whole list.
func TestConnTable(t *testing.T) {
	tb := NewConnTable(3)
	in := []Conn{{Pre: 1, Post: 2}, {Pre: 0, Post: 1, Weight: -2, HasWeight: true}, {Pre: 3, Post: 0, Delay: 2, HasDelay: true}}
	for k, c := range in {
		tb.Set(k, c)
	}
	c := Connector{Kind: FromList, List: []Conn{{Pre: 2, Post: 2, Weight: 1, HasWeight: true}}, Table: tb}
	if c.Len() != 4 || c.At(0) != c.List[0] || c.AllWeighted() {
		t.Fatalf("len %d, at(0) %+v, all weighted %v", c.Len(), c.At(0), c.AllWeighted())
	}
	for k, want := range in {
		if got := c.At(k + 1); got != want {
			t.Errorf("At(%d) = %+v, want %+v", k+1, got, want)
		}
	}
	net := &Network{Dt: 1, Populations: []Population{{Name: "a", Size: 3, Kind: Poisson}, {Name: "b", Size: 3, Neuron: Neuron{TauM: 10, VTh: 1, Receptors: []Receptor{{Name: "s", TauSyn: 1}}}}},
		Projections: []Projection{{Name: "p", Pre: "a", Post: "b", Connector: c, Weight: Const(1)}}}
	err := net.Validate()
	if err == nil || !strings.Contains(err.Error(), "list[3]: pre 3 outside population") {
		t.Errorf("Validate: %v", err)
	}
	net.Projections[0].Connector.Table.Pre[2] = 2
	g, err := net.Build()
	if err != nil || g.Synapses() != 4 {
		t.Fatalf("Build: %v", err)
	}
}
