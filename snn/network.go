package snn

import (
	"fmt"
	"math"
)

// Mode is the numeric mode of a simulation.
type Mode uint8

const (
	// NetworkMode, the zero Mode, leaves the choice to the network: an
	// engine, a dense simulation or a comparison given it runs in the
	// network's Mode, and a Network whose Mode is NetworkMode runs in Float.
	NetworkMode Mode = iota
	// Float is ideal floating-point dynamics.
	Float
	// Fixed is hardware integer arithmetic in the manner of Loihi:
	// integer weights, 12-bit decay constants and saturating 24-bit state.
	Fixed
)

// String returns "float", "fixed" or, for NetworkMode, "network".
func (m Mode) String() string {
	switch m {
	case Float:
		return "float"
	case Fixed:
		return "fixed"
	case NetworkMode:
		return "network"
	}
	return fmt.Sprintf("mode(%d)", uint8(m))
}

// Resolve returns the mode a simulation asked for m runs in on a network
// of mode net: m itself unless it is NetworkMode, then net, and Float when
// net is NetworkMode too.
func (m Mode) Resolve(net Mode) Mode {
	if m == NetworkMode {
		m = net
	}
	if m == NetworkMode {
		return Float
	}
	return m
}

// ParseMode reads "fixed" or "float".
func ParseMode(s string) (Mode, error) {
	switch s {
	case "float":
		return Float, nil
	case "fixed":
		return Fixed, nil
	}
	return Float, fmt.Errorf("mode %q: expected fixed or float", s)
}

// MarshalText writes "fixed" or "float", so that JSON carries the name.
func (m Mode) MarshalText() ([]byte, error) {
	if m != Float && m != Fixed {
		return nil, fmt.Errorf("snn: Mode(%d): not a mode", uint8(m))
	}
	return []byte(m.String()), nil
}

// UnmarshalText reads a name written by MarshalText.
func (m *Mode) UnmarshalText(b []byte) error {
	v, err := ParseMode(string(b))
	if err != nil {
		return err
	}
	*m = v
	return nil
}

// Kind says how a population produces spikes.
type Kind uint8

const (
	// LIF is a current-based leaky integrate-and-fire population
	// (integrate-and-fire when its Neuron has no leak).
	LIF Kind = iota
	// Poisson is an input population firing independently at RateHz.
	Poisson
	// SpikeSource is an input population replaying given spike times.
	SpikeSource
)

func (k Kind) String() string {
	switch k {
	case Poisson:
		return "poisson"
	case SpikeSource:
		return "spike_source"
	}
	return "lif"
}

// Receptor is one synaptic current channel of a neuron.
type Receptor struct {
	Name   string
	TauSyn float64 // ms; the current decays as exp(-t/TauSyn)
}

// Neuron holds the parameters of a current-based LIF neuron. Voltages are
// in mV, times in ms. The membrane obeys
//
//	tau_m dv/dt = (v_rest - v) + sum(I_r) + bias
//
// and each receptor current decays with its own tau_syn; a spike arriving
// on receptor r adds its weight (mV) to I_r. With NoLeak the (v_rest - v)
// term is dropped: an integrate-and-fire neuron.
type Neuron struct {
	TauM   float64 // ms
	VRest  float64
	VReset float64
	VTh    float64 // a spike is emitted when v > VTh
	TRef   float64 // ms of refractoriness after a spike; v is held at VReset
	Bias   float64 // constant input, mV
	NoLeak bool
	// LeakDecay, if > 0, replaces the continuous leak by Loihi's form,
	// v <- v*LeakDecay + sum(I_r) + bias each tick: the input enters
	// without the (1 - decay) gain, as SANA-FE's and Loihi's compartments
	// integrate it. TauM and NoLeak are then unused.
	LeakDecay float64
	Receptors []Receptor
	VInit     Dist // initial membrane potential; zero Dist means VRest

	// FixedScale is the number of fixed-mode state units per mV; zero
	// chooses 2^16 units for the larger of |VTh-VRest| and |VReset-VRest|.
	FixedScale float64
}

// Population is a group of neurons sharing parameters.
type Population struct {
	Name   string
	Size   int
	Kind   Kind
	Neuron Neuron // for LIF

	RateHz float64 // for Poisson
	// SpikeTimes, for SpikeSource: per neuron, times in ms in increasing
	// order. Times in one tick merge into one spike unless Graded.
	SpikeTimes [][]float64
	// Graded, for SpikeSource: k times of a neuron in one tick are a
	// graded spike of k, delivered as k spikes (its synapses add k times
	// their weight), as event-camera counts reach a network's first layer.
	Graded bool

	// Shape, if not nil, is the neurons' layout as a row-major array
	// (for example [channels, height, width] of a feature map, as a NIR
	// graph gives it); its product is Size.
	Shape []int
}

// DistKind names a distribution of a synaptic parameter.
type DistKind uint8

const (
	Constant DistKind = iota
	Uniform
	Normal
)

// Dist is a constant, a uniform distribution on [Low, High), or a normal
// distribution with Mean and SD redrawn until it lies in [Low, High] (the
// PyNN "normal_clipped"); Low and High default to ±Inf for Normal.
//
// The zero Dist is "not given" (a neuron's VInit then means VRest, a
// projection without a weight is an error). A literal such as
// Dist{Kind: Constant, Value: -55} is given; Const, UniformDist and
// NormalDist build the same values, and Const(0) is the one way to give a
// constant zero, which as a literal equals the zero Dist.
type Dist struct {
	Kind      DistKind
	Value     float64
	Low, High float64
	Mean, SD  float64
	set       bool
}

// Const returns a constant distribution.
func Const(v float64) Dist { return Dist{Kind: Constant, Value: v, set: true} }

// UniformDist returns a uniform distribution on [lo, hi).
func UniformDist(lo, hi float64) Dist { return Dist{Kind: Uniform, Low: lo, High: hi, set: true} }

// NormalDist returns a normal distribution clipped to [lo, hi] by redrawing.
func NormalDist(mean, sd, lo, hi float64) Dist {
	return Dist{Kind: Normal, Mean: mean, SD: sd, Low: lo, High: hi, set: true}
}

// IsSet reports whether the distribution was given at all: built by
// Const, UniformDist or NormalDist, or a literal other than the zero Dist.
func (d Dist) IsSet() bool { return d.set || d != (Dist{}) }

// bounds returns the interval every draw lies in.
func (d Dist) bounds() (lo, hi float64) {
	switch d.Kind {
	case Constant:
		return d.Value, d.Value
	case Uniform:
		return d.Low, d.High
	}
	return d.Low, d.High
}

func (d Dist) validate() error {
	switch d.Kind {
	case Constant:
		if math.IsNaN(d.Value) || math.IsInf(d.Value, 0) {
			return fmt.Errorf("value %v is not finite", d.Value)
		}
	case Uniform:
		if !(d.Low <= d.High) || math.IsInf(d.Low, 0) || math.IsInf(d.High, 0) {
			return fmt.Errorf("uniform bounds [%v, %v): expected finite low <= high", d.Low, d.High)
		}
	case Normal:
		if !(d.SD >= 0) || math.IsNaN(d.Mean) || math.IsInf(d.Mean, 0) {
			return fmt.Errorf("normal mean %v sd %v: expected finite mean and sd >= 0", d.Mean, d.SD)
		}
		if !(d.Low <= d.High) {
			return fmt.Errorf("normal clip bounds [%v, %v]: expected low <= high", d.Low, d.High)
		}
	}
	return nil
}

// ConnectorKind names a rule that instantiates synapses.
type ConnectorKind uint8

const (
	AllToAll ConnectorKind = iota
	OneToOne
	FixedProbability
	FixedInDegree
	FromList
	// Convolution instantiates Connector.Conv: a convolution between two
	// feature maps.
	Convolution
)

var connectorNames = [...]string{"all_to_all", "one_to_one", "fixed_probability", "fixed_in_degree", "list", "conv"}

func (k ConnectorKind) String() string { return connectorNames[k] }

// ParseConnector reads a connector name as written in network files.
func ParseConnector(s string) (ConnectorKind, error) {
	for i, n := range connectorNames {
		if n == s {
			return ConnectorKind(i), nil
		}
	}
	return 0, fmt.Errorf("connector %q: expected one of all_to_all, one_to_one, fixed_probability, fixed_in_degree, list, conv", s)
}

// Connector instantiates the synapses of a projection.
type Connector struct {
	Kind     ConnectorKind
	P        float64 // FixedProbability
	InDegree int     // FixedInDegree: presynaptic partners drawn per target
	NoSelf   bool    // within one population, never connect a neuron to itself
	// FromList: the explicit synapses are List's, then Table's.
	List  []Conn
	Table ConnTable
	// Convolution: the convolution.
	Conv *Conv
}

// Len returns the number of explicit synapses of a FromList connector.
func (c *Connector) Len() int { return len(c.List) + c.Table.Len() }

// At returns explicit synapse k.
func (c *Connector) At(k int) Conn {
	if k < len(c.List) {
		return c.List[k]
	}
	return c.Table.At(k - len(c.List))
}

// AllWeighted reports whether every explicit synapse gives its weight.
func (c *Connector) AllWeighted() bool {
	for k := range c.List {
		if !c.List[k].HasWeight {
			return false
		}
	}
	return c.Table.allWeighted()
}

// Conn is one explicit synapse. Zero Weight or Delay take the projection's
// distribution.
type Conn struct {
	Pre, Post     int
	Weight, Delay float64
	HasWeight     bool
	HasDelay      bool
}

// ConnTable holds explicit synapses column by column: 16 bytes a synapse,
// 24 with delays, against 40 as Conn, for the millions of synapses of a
// network read from files. A NaN weight or delay is one not given.
type ConnTable struct {
	Pre, Post []int32
	Weight    []float64 // mV; nil: no synapse gives one
	Delay     []float64 // ms; nil: no synapse gives one
}

// NewConnTable returns a table of n synapses 0 -> 0 that give no weight
// or delay; Set fills them.
func NewConnTable(n int) ConnTable {
	return ConnTable{Pre: make([]int32, n), Post: make([]int32, n)}
}

// Len returns the number of synapses.
func (t *ConnTable) Len() int { return len(t.Pre) }

// At returns synapse k.
func (t *ConnTable) At(k int) Conn {
	c := Conn{Pre: int(t.Pre[k]), Post: int(t.Post[k])}
	if t.Weight != nil && !math.IsNaN(t.Weight[k]) {
		c.Weight, c.HasWeight = t.Weight[k], true
	}
	if t.Delay != nil && !math.IsNaN(t.Delay[k]) {
		c.Delay, c.HasDelay = t.Delay[k], true
	}
	return c
}

// Set stores c as synapse k. Indices beyond int32 are stored as
// math.MinInt32, outside every population.
func (t *ConnTable) Set(k int, c Conn) {
	t.Pre[k], t.Post[k] = index32(c.Pre), index32(c.Post)
	if c.HasWeight {
		t.Weight = column(t.Weight, len(t.Pre))
		t.Weight[k] = c.Weight
	}
	if c.HasDelay {
		t.Delay = column(t.Delay, len(t.Pre))
		t.Delay[k] = c.Delay
	}
}

func index32(i int) int32 {
	if i < math.MinInt32 || i > math.MaxInt32 {
		return math.MinInt32
	}
	return int32(i)
}

// column returns col, or a new column of n values not given.
func column(col []float64, n int) []float64 {
	if col != nil {
		return col
	}
	col = make([]float64, n)
	for i := range col {
		col[i] = math.NaN()
	}
	return col
}

func (t *ConnTable) allWeighted() bool {
	if t.Len() == 0 {
		return true
	}
	if t.Weight == nil {
		return false
	}
	for _, w := range t.Weight {
		if math.IsNaN(w) {
			return false
		}
	}
	return true
}

// SynapseFormats are the values Projection.Format may take besides "".
var SynapseFormats = []string{"sparse", "dense", "conv"}

// Projection connects a presynaptic to a postsynaptic population onto one
// receptor of the postsynaptic neurons.
type Projection struct {
	Name       string
	Pre, Post  string
	Receptor   string // empty: the first receptor
	Connector  Connector
	Weight     Dist        // mV
	Delay      Dist        // ms, rounded to whole ticks, at least one tick
	Inhibitory bool        // weights are made negative
	Plasticity *Plasticity // nil: static synapses
	// Format names how synapse memory stores the projection: "sparse",
	// "dense" or "conv". It prices synaptic events on hardware and changes
	// nothing else; empty lets the hardware model choose by connector.
	Format string
}

// Network is the declarative description of a spiking network.
type Network struct {
	Name        string
	Dt          float64 // ms per tick
	Seed        uint64
	Mode        Mode
	Populations []Population
	Projections []Projection
	Sleep       *SleepSpec // an optional sleep protocol step; nil: none
	// Placement pins populations to cores; a mapper honours it (see
	// mapping.MapWith). Empty: the mapper places every neuron.
	Placement []Placement
}

// Placement pins the neurons of one population to cores of the board.
type Placement struct {
	Population string
	Cores      []int // the core of each neuron, in neuron order
	// Slots, if not nil, is each neuron's position among the neurons of
	// its core; a core's neurons otherwise sit in neuron order.
	Slots []int
}

// PopulationIndex returns the index of the named population, or -1.
func (n *Network) PopulationIndex(name string) int {
	for i := range n.Populations {
		if n.Populations[i].Name == name {
			return i
		}
	}
	return -1
}

// ProjectionIndex returns the index of the named projection, or -1.
func (n *Network) ProjectionIndex(name string) int {
	for i := range n.Projections {
		if n.Projections[i].Name == name {
			return i
		}
	}
	return -1
}

// ReceptorIndex returns the index of receptor name in neuron nu; the empty
// name means the first receptor.
func (nu *Neuron) ReceptorIndex(name string) int {
	if name == "" && len(nu.Receptors) > 0 {
		return 0
	}
	for i, r := range nu.Receptors {
		if r.Name == name {
			return i
		}
	}
	return -1
}
