package chip

import (
	"github.com/spindle-sim/spindle/snn"
)

// What chip's external tests (package chip_test, which may import
// chip/mapping and loader) need of chip's unexported internals.

// CPUTime lets the external tests measure CPU time as the internal ones do.
var CPUTime = cpuTime

var (
	TinyArch     = tinyArch
	Castagnoli   = castagnoli
	ParsePayload = parsePayload
	ParseFlagged = parseFlagged
	WriteAtomic  = writeAtomic
)

const (
	CheckpointHeader = checkpointHeader
	FlagRank         = flagRank
)

// Graph returns the graph the engine runs.
func (e *Engine) Graph() *snn.Graph { return e.graph }

// OneFormat reports whether every synapse is static and of one format.
func (e *Engine) OneFormat() bool { return e.oneFormat }

// LearnRule returns the learning rule of projection p, nil if static.
func (e *Engine) LearnRule(p int) *snn.Learner { return e.learn.rules[p] }

// ProbesKept returns the engine's probes; nil: none.
func (e *Engine) ProbesKept() []*Probe { return e.probes }

// PlanPiece is a piece of a worker's share of the cores (piece).
type PlanPiece struct {
	Core     int
	From, To int // compartments, when Split
	Split    bool
}

// Plan returns the pieces of the cores' work among w workers (plan).
func (e *Engine) Plan(w int, split bool) [][]PlanPiece {
	var out [][]PlanPiece
	for _, pieces := range e.plan(w, split) {
		var ps []PlanPiece
		for _, pc := range pieces {
			ps = append(ps, PlanPiece{Core: pc.core, From: pc.from, To: pc.to, Split: pc.split})
		}
		out = append(out, ps)
	}
	return out
}

// RankFirst returns, in a distributed run, the first core of every rank
// and the number of cores last.
func (e *Engine) RankFirst() []int { return e.dist.first }

// TakeRank reads a message of rank k's spikes as the exchange does.
func (e *Engine) TakeRank(k int, b []byte) error { return e.takeRank(k, b) }

// ClearPackets forgets the packets taken.
func (e *Engine) ClearPackets() { e.dist.clearPackets() }

// OwnsCore reports whether the engine's rank steps core c.
func (e *Engine) OwnsCore(c int) bool { return e.owns(c) }

// CoreSpikes returns the compartments of core c that spiked (or, taken
// from another rank, its spikes).
func (e *Engine) CoreSpikes(c int) []uint16 { return e.spikes[c] }

// Taken is what TakeRank read: the packet count of every spike, and of
// every packet its destination core and input axon, and the number of
// synapse counts and of axons kept.
type Taken struct {
	Groups []uint32
	Dst    []uint32
	Axon   func(r int) uint32
	Syns   int
	Axons  int
}

// Taken returns the packets taken.
func (e *Engine) Taken() Taken {
	d := e.dist
	return Taken{Groups: d.groups, Dst: d.dst, Axon: d.axon.at, Syns: len(d.syn), Axons: len(d.axon.lo)}
}

// SetLargeBoard makes the engines built until restore is called treat
// every board as larger than the caches (core.Arena, warmer), and lay
// their synapses a few thousand at a time, on a goroutine of their own
// (layer); or treat none as large.
func SetLargeBoard(on bool) (restore func()) {
	oldWarm, oldHeld := warmSynapses, layHeld
	warmSynapses = 1 << 62
	if on {
		warmSynapses, layHeld = -1, 4096
	}
	return func() { warmSynapses, layHeld = oldWarm, oldHeld }
}
