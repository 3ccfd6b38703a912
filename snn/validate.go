package snn

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// projectionLabel names projection i in errors: by its name, or by its
// index and populations when it has none (a network built in code).
func projectionLabel(i int, pr *Projection) string {
	if pr.Name != "" {
		return fmt.Sprintf("projection %q", pr.Name)
	}
	return fmt.Sprintf("projection %d (%s -> %s)", i, pr.Pre, pr.Post)
}

// MaxDelayTicks bounds the synaptic delay any simulator must support.
const MaxDelayTicks = 4096

// Validate checks the network for values no simulator can run. Errors name
// the population or projection and the field.
func (n *Network) Validate() error {
	if !(n.Dt > 0) || math.IsInf(n.Dt, 0) {
		return fmt.Errorf("dt %v ms: expected a positive time step", n.Dt)
	}
	seen := map[string]bool{}
	for i := range n.Populations {
		p := &n.Populations[i]
		if p.Name == "" {
			return fmt.Errorf("population %d: name: expected a non-empty name", i)
		}
		if seen[p.Name] {
			return fmt.Errorf("population %q: name: defined twice", p.Name)
		}
		seen[p.Name] = true
		if p.Size < 0 {
			return fmt.Errorf("population %q: size %d: expected a non-negative size", p.Name, p.Size)
		}
		if err := p.validate(); err != nil {
			return fmt.Errorf("population %q: %w", p.Name, err)
		}
		if p.Shape != nil {
			size := 1
			for _, d := range p.Shape {
				if d < 1 || d > p.Size {
					size = -1
					break
				}
				size *= d
			}
			if size != p.Size {
				return fmt.Errorf("population %q: shape %v: expected positive dimensions whose product is the size %d", p.Name, p.Shape, p.Size)
			}
		}
	}
	for i := range n.Projections {
		pr := &n.Projections[i]
		if err := n.validateProjection(pr); err != nil {
			return fmt.Errorf("%s: %w", projectionLabel(i, pr), err)
		}
		if pr.Plasticity != nil {
			if err := pr.Plasticity.validate(n, pr); err != nil {
				return fmt.Errorf("%s: plasticity: %w", projectionLabel(i, pr), err)
			}
		}
	}
	if n.Sleep != nil {
		if err := n.Sleep.Validate(n); err != nil {
			return fmt.Errorf("sleep: %w", err)
		}
	}
	placed := map[string]bool{}
	for _, pl := range n.Placement {
		if err := n.validatePlacement(&pl, placed); err != nil {
			return fmt.Errorf("placement: population %q: %w", pl.Population, err)
		}
	}
	return nil
}

func (n *Network) validatePlacement(pl *Placement, placed map[string]bool) error {
	i := n.PopulationIndex(pl.Population)
	if i < 0 {
		return fmt.Errorf("unknown population")
	}
	if placed[pl.Population] {
		return fmt.Errorf("placed twice")
	}
	placed[pl.Population] = true
	size := n.Populations[i].Size
	if len(pl.Cores) != size {
		return fmt.Errorf("%d cores for %d neurons: expected one per neuron", len(pl.Cores), size)
	}
	if pl.Slots != nil && len(pl.Slots) != size {
		return fmt.Errorf("%d slots for %d neurons: expected one per neuron", len(pl.Slots), size)
	}
	for k, c := range pl.Cores {
		if c < 0 {
			return fmt.Errorf("neuron %d: core %d: expected a core index >= 0", k, c)
		}
		if pl.Slots != nil && pl.Slots[k] < 0 {
			return fmt.Errorf("neuron %d: slot %d: expected a position >= 0", k, pl.Slots[k])
		}
	}
	return nil
}

func (p *Population) validate() error {
	switch p.Kind {
	case Poisson:
		if !(p.RateHz >= 0) || math.IsInf(p.RateHz, 0) {
			return fmt.Errorf("rate %v Hz: expected a finite rate >= 0", p.RateHz)
		}
	case SpikeSource:
		if len(p.SpikeTimes) != p.Size {
			return fmt.Errorf("spike_times: %d lists for %d neurons: expected one list per neuron", len(p.SpikeTimes), p.Size)
		}
		for i, ts := range p.SpikeTimes {
			for j, t := range ts {
				if !(t >= 0) || math.IsInf(t, 0) {
					return fmt.Errorf("spike_times[%d][%d] = %v: expected a finite time >= 0", i, j, t)
				}
				if j > 0 && t < ts[j-1] {
					return fmt.Errorf("spike_times[%d][%d] = %v: expected times in increasing order", i, j, t)
				}
			}
		}
	case LIF:
		nu := &p.Neuron
		if nu.LeakDecay != 0 && !(nu.LeakDecay > 0 && nu.LeakDecay <= 1) {
			return fmt.Errorf("leak_decay %v: expected a fraction in (0, 1]", nu.LeakDecay)
		}
		if nu.LeakDecay == 0 && !nu.NoLeak && !(nu.TauM > 0) {
			return fmt.Errorf("tau_m %v ms: expected a positive time constant", nu.TauM)
		}
		if nu.NoLeak && nu.TauM < 0 {
			return fmt.Errorf("tau_m %v ms: expected a time constant >= 0", nu.TauM)
		}
		if !(nu.TRef >= 0) {
			return fmt.Errorf("t_ref %v ms: expected a non-negative period", nu.TRef)
		}
		for _, v := range []float64{nu.VRest, nu.VReset, nu.VTh, nu.Bias} {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("voltage parameter %v: expected a finite value", v)
			}
		}
		if len(nu.Receptors) == 0 {
			return fmt.Errorf("receptors: expected at least one receptor")
		}
		if len(nu.Receptors) > MaxReceptors {
			return fmt.Errorf("receptors: %d channels, at most %d supported", len(nu.Receptors), MaxReceptors)
		}
		for _, r := range nu.Receptors {
			if !(r.TauSyn >= 0) || math.IsInf(r.TauSyn, 0) {
				return fmt.Errorf("receptor %q: tau_syn %v ms: expected a time constant >= 0", r.Name, r.TauSyn)
			}
		}
		if nu.VInit.IsSet() {
			if err := nu.VInit.validate(); err != nil {
				return fmt.Errorf("v_init: %w", err)
			}
		}
	default:
		return fmt.Errorf("kind %d: unknown", p.Kind)
	}
	return nil
}

// MaxReceptors bounds the synaptic current channels of one neuron.
const MaxReceptors = 8

func (n *Network) validateProjection(pr *Projection) error {
	pre, post := n.PopulationIndex(pr.Pre), n.PopulationIndex(pr.Post)
	if pre < 0 {
		return fmt.Errorf("pre: unknown population %q", pr.Pre)
	}
	if post < 0 {
		return fmt.Errorf("post: unknown population %q", pr.Post)
	}
	pp := &n.Populations[post]
	if pp.Kind != LIF {
		return fmt.Errorf("post: population %q is an input (%s) and cannot receive synapses", pr.Post, pp.Kind)
	}
	if pp.Neuron.ReceptorIndex(pr.Receptor) < 0 {
		return fmt.Errorf("receptor: population %q has no receptor %q", pr.Post, pr.Receptor)
	}
	c := &pr.Connector
	npre, npost := n.Populations[pre].Size, pp.Size
	switch c.Kind {
	case FixedProbability:
		if !(c.P >= 0 && c.P <= 1) {
			return fmt.Errorf("p %v: expected a probability in [0, 1]", c.P)
		}
	case FixedInDegree:
		if c.InDegree < 0 {
			return fmt.Errorf("in_degree %d: expected a non-negative count", c.InDegree)
		}
		avail := npre
		if c.NoSelf && pre == post {
			avail--
		}
		if c.InDegree > avail {
			return fmt.Errorf("in_degree %d: exceeds the %d available presynaptic neurons", c.InDegree, avail)
		}
	case OneToOne:
		if npre != npost {
			return fmt.Errorf("one_to_one: sizes %d and %d differ", npre, npost)
		}
	case Convolution:
		if c.Conv == nil {
			return fmt.Errorf("conv: expected the convolution's parameters")
		}
		if err := c.Conv.validate(npre, npost); err != nil {
			return err
		}
	case FromList:
		for i := range c.List {
			cn := c.List[i]
			if cn.Pre < 0 || cn.Pre >= npre {
				return fmt.Errorf("list[%d]: pre %d outside population %q of size %d", i, cn.Pre, pr.Pre, npre)
			}
			if cn.Post < 0 || cn.Post >= npost {
				return fmt.Errorf("list[%d]: post %d outside population %q of size %d", i, cn.Post, pr.Post, npost)
			}
			if cn.HasDelay && cn.Delay < n.Dt/2 {
				return fmt.Errorf("list[%d]: delay %v ms: expected at least one tick (%v ms)", i, cn.Delay, n.Dt)
			}
		}
		// The columns of a table are checked as they lie: millions of
		// synapses, and Validate runs before every count and build.
		for i, p := range c.Table.Pre {
			if p < 0 || int(p) >= npre {
				return fmt.Errorf("list[%d]: pre %d outside population %q of size %d", len(c.List)+i, p, pr.Pre, npre)
			}
		}
		for i, p := range c.Table.Post {
			if p < 0 || int(p) >= npost {
				return fmt.Errorf("list[%d]: post %d outside population %q of size %d", len(c.List)+i, p, pr.Post, npost)
			}
		}
		for i, d := range c.Table.Delay {
			if d < n.Dt/2 { // false for NaN, a delay not given
				return fmt.Errorf("list[%d]: delay %v ms: expected at least one tick (%v ms)", len(c.List)+i, d, n.Dt)
			}
		}
	}
	if pr.Format != "" && !slices.Contains(SynapseFormats, pr.Format) {
		return fmt.Errorf("synapse_format %q: expected one of %s", pr.Format, strings.Join(SynapseFormats, ", "))
	}
	if (c.Kind != FromList || !c.AllWeighted()) && c.Kind != Convolution {
		if !pr.Weight.IsSet() {
			return fmt.Errorf("weight: expected a weight (snn.Const(w), or a Dist other than the zero Dist)")
		}
		if err := pr.Weight.validate(); err != nil {
			return fmt.Errorf("weight: %w", err)
		}
	}
	if pr.Delay.IsSet() {
		if err := pr.Delay.validate(); err != nil {
			return fmt.Errorf("delay: %w", err)
		}
		// A normal delay is clipped to [1, MaxDelayTicks] ticks when drawn.
		if pr.Delay.Kind != Normal {
			lo, hi := pr.Delay.bounds()
			if lo < n.Dt/2 {
				return fmt.Errorf("delay %v ms: expected at least one tick (%v ms)", lo, n.Dt)
			}
			if math.Round(hi/n.Dt) > MaxDelayTicks {
				return fmt.Errorf("delay %v ms: exceeds %d ticks", hi, MaxDelayTicks)
			}
		}
	}
	return nil
}
