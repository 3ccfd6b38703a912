package compare

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"github.com/spindle-sim/spindle/chip"
	"github.com/spindle-sim/spindle/chip/mapping"
	"github.com/spindle-sim/spindle/loader"
	"github.com/spindle-sim/spindle/snn"
)

// randomNetwork draws a network with 1-3 LIF populations of 1-60 neurons,
// 1-2 input populations (Poisson or spike sources), 1-3 receptors with
// random tau_syn, delays of 1 to maxDelay ticks, random weights of both
// signs, every connector kind, random bias, t_ref and leak.
func randomNetwork(r *rand.Rand, seed uint64, maxDelay, ticks int) *snn.Network {
	dts := []float64{1, 0.5, 0.1, 0.25}
	dt := dts[r.IntN(len(dts))]
	net := &snn.Network{Name: fmt.Sprintf("random-%d", seed), Dt: dt, Seed: seed, Mode: snn.Fixed}
	nLIF := 1 + r.IntN(3)
	for i := 0; i < nLIF; i++ {
		vrest := -70 + 20*r.Float64()
		span := 2 + 18*r.Float64()
		nu := snn.Neuron{
			TauM:   dt * (1 + 60*r.Float64()),
			VRest:  vrest,
			VTh:    vrest + span,
			VReset: vrest - 10*r.Float64() + 2*r.Float64(),
			TRef:   dt * float64(r.IntN(6)),
		}
		if r.IntN(5) == 0 {
			nu.NoLeak = true
			if r.IntN(3) == 0 {
				nu.TauM = 0
			}
		}
		if r.IntN(5) < 3 {
			nu.Bias = span * (2*r.Float64() - 0.5)
		}
		for k := 0; k < 1+r.IntN(3); k++ {
			nu.Receptors = append(nu.Receptors, snn.Receptor{Name: fmt.Sprintf("r%d", k), TauSyn: dt * (0.5 + 40*r.Float64())})
		}
		if r.IntN(2) == 0 {
			nu.VInit = snn.UniformDist(nu.VReset, nu.VTh)
		}
		if r.IntN(8) == 0 {
			nu.FixedScale = 100 + 10000*r.Float64()
		}
		net.Populations = append(net.Populations, snn.Population{Name: fmt.Sprintf("lif%d", i), Size: 1 + r.IntN(60), Kind: snn.LIF, Neuron: nu})
	}
	for i := 0; i < 1+r.IntN(2); i++ {
		p := snn.Population{Name: fmt.Sprintf("in%d", i), Size: 1 + r.IntN(60)}
		if r.IntN(2) == 0 {
			p.Kind = snn.Poisson
			p.RateHz = 200 * r.Float64()
		} else {
			p.Kind = snn.SpikeSource
			p.SpikeTimes = make([][]float64, p.Size)
			for j := range p.SpikeTimes {
				t := 0.0
				for k := r.IntN(20); k > 0; k-- {
					t += dt * float64(r.IntN(max(1, ticks/5)))
					p.SpikeTimes[j] = append(p.SpikeTimes[j], t)
				}
			}
		}
		net.Populations = append(net.Populations, p)
	}
	npop := len(net.Populations)
	delay := func() snn.Dist {
		lo := 1 + r.IntN(maxDelay)
		switch r.IntN(3) {
		case 0:
			return snn.Const(dt * float64(lo))
		case 1:
			hi := lo + r.IntN(maxDelay-lo+1)
			return snn.UniformDist(dt*float64(lo), dt*float64(hi))
		}
		return snn.Dist{} // one tick
	}
	for post := 0; post < nLIF; post++ {
		pp := &net.Populations[post]
		span := pp.Neuron.VTh - pp.Neuron.VRest
		for k := 0; k < 1+r.IntN(3); k++ {
			pre := r.IntN(npop)
			npre := net.Populations[pre].Size
			pr := snn.Projection{
				Name: fmt.Sprintf("p%d_%d", post, k), Pre: net.Populations[pre].Name, Post: pp.Name,
				Receptor:   pp.Neuron.Receptors[r.IntN(len(pp.Neuron.Receptors))].Name,
				Delay:      delay(),
				Inhibitory: r.IntN(3) == 0,
			}
			w := span * (0.05 + 1.5*r.Float64())
			switch r.IntN(3) {
			case 0:
				pr.Weight = snn.Const(w)
			case 1:
				pr.Weight = snn.UniformDist(-0.3*w, w)
			default:
				pr.Weight = snn.NormalDist(w/2, w/2, -w, 2*w)
			}
			c := &pr.Connector
			c.NoSelf = r.IntN(2) == 0
			switch kind := snn.ConnectorKind(r.IntN(5)); kind {
			case snn.AllToAll:
				c.Kind = kind
			case snn.OneToOne:
				if npre == pp.Size {
					c.Kind = kind
				} else {
					c.Kind, c.P = snn.FixedProbability, 0.3
				}
			case snn.FixedProbability:
				c.Kind, c.P = kind, 0.6*r.Float64()
			case snn.FixedInDegree:
				avail := npre
				if c.NoSelf && pre == post {
					avail--
				}
				c.Kind, c.InDegree = kind, r.IntN(max(0, avail)+1)
			case snn.FromList:
				c.Kind = kind
				for n := r.IntN(3 * pp.Size); n > 0; n-- {
					cn := snn.Conn{Pre: r.IntN(npre), Post: r.IntN(pp.Size)}
					if r.IntN(2) == 0 {
						cn.Weight, cn.HasWeight = w*(2*r.Float64()-0.5), true
					}
					if r.IntN(2) == 0 {
						cn.Delay, cn.HasDelay = dt*float64(1+r.IntN(maxDelay)), true
					}
					c.List = append(c.List, cn)
				}
			}
			net.Projections = append(net.Projections, pr)
		}
	}
	return net
}

// randomArch returns a preset in barrier sync with small cores, so that a
// network of a few dozen neurons spans several cores, and a random weight
// width.
func randomArch(t testing.TB, r *rand.Rand) (*chip.Arch, int) {
	names := []string{"loihi", "truenorth", "spinnaker"}
	a, err := loader.LoadArch(names[r.IntN(len(names))])
	if err != nil {
		t.Fatal(err)
	}
	a.Sync = chip.Barrier
	a.NeuronsPerCore = 3 + r.IntN(30)
	if r.IntN(3) == 0 {
		a.WeightBits = []int{2, 4, 12, 16, 24}[r.IntN(5)]
	}
	// Delays must fit the preset's delay memory.
	return a, min(20, a.MaxDelayTicks)
}

// TestFixedIdentity: on random networks, mappings, archs and worker
// counts, the event engine and the dense reference agree bit for bit.
func TestFixedIdentity(t *testing.T) {
	nets, ticks := 200, 1000
	if testing.Short() {
		nets, ticks = 20, 200
	}
	prev := runtime.GOMAXPROCS(0)
	defer runtime.GOMAXPROCS(prev)
	for _, procs := range []int{1, 2} {
		runtime.GOMAXPROCS(procs)
		t.Run(fmt.Sprintf("GOMAXPROCS=%d", procs), func(t *testing.T) { fixedIdentity(t, nets, ticks, uint64(procs)) })
	}
}

func fixedIdentity(t *testing.T, nets, ticks int, stream uint64) {
	r := rand.New(rand.NewPCG(42, stream))
	var spikes, cores, built int
	for n := 0; n < nets; n++ {
		seed := r.Uint64()
		a, maxDelay := randomArch(t, r)
		net := randomNetwork(r, seed, maxDelay, ticks)
		g, err := net.Build()
		if err != nil {
			t.Fatalf("network %d: %v", n, err)
		}
		strategy := mapping.Mappers()[r.IntN(len(mapping.Mappers()))]
		m, err := mapping.Map(g, a, strategy, 0)
		if err != nil {
			// A draw can break a core limit of the preset (fan-in on
			// truenorth); that is the mapper's business, not ours.
			t.Logf("network %d: not mapped: %v", n, err)
			continue
		}
		built++
		cores += m.CoresUsed()
		opt := Options{Mode: snn.Fixed, Ticks: ticks}
		dn, err := runDense(g, a, opt)
		if err != nil {
			t.Fatalf("network %d: %v", n, err)
		}
		spikes += len(dn.spikes)
		// Under GOMAXPROCS=1 two workers take turns on one thread, and
		// the engine's spinning phaser makes each tick cost tens of
		// microseconds, so that body alternates the worker count.
		// In -short mode (CI runs it under the race detector, where the
		// spinning is slower still) every body alternates, and
		// GOMAXPROCS=1 uses one worker only.
		workers := []int{1, 2}
		if runtime.GOMAXPROCS(0) == 1 || testing.Short() {
			workers = workers[n%2 : n%2+1]
		}
		if runtime.GOMAXPROCS(0) == 1 && testing.Short() {
			workers = []int{1}
		}
		for _, w := range workers {
			opt.Workers = w
			ev, err := runEvent(g, a, m, opt)
			if err != nil {
				t.Fatalf("network %d: %v", n, err)
			}
			if !slices.Equal(ev.spikes, dn.spikes) {
				rep, err := Run(g, a, m, opt)
				if err != nil {
					t.Fatalf("network %d (seed %d, %s, %s map, %d workers): spikes differ and the report fails: %v", n, seed, a.Name, strategy, w, err)
				}
				t.Fatalf("network %d (seed %d, %s, %d neurons per core, %d-bit weights, %s map, %d workers): %d event vs %d dense spikes, first divergence %+v, event %+v dense %+v",
					n, seed, a.Name, a.NeuronsPerCore, a.WeightBits, strategy, w, rep.EventSpikes, rep.DenseSpikes,
					*rep.FirstDivergence, rep.FirstDivergence.EventState, rep.FirstDivergence.DenseState)
			}
		}
	}
	t.Logf("%d of %d networks mapped and identical over %d ticks: %d spikes, %.1f cores on average", built, nets, ticks, spikes, float64(cores)/float64(max(built, 1)))
	if built < nets*9/10 {
		t.Errorf("only %d of %d random networks could be mapped", built, nets)
	}
	if spikes == 0 {
		t.Error("no network spiked: the test shows nothing")
	}
}
