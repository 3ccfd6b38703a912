// Package compare runs one network on the event engine and on the dense
// reference and reports their agreement.
//
// Run simulates a mapped graph twice, each simulator on its own so that
// the wall times are fair: once on the event engine (package chip: cores,
// router, the architecture's sync) and once on the dense clock-driven
// reference (package dense). In fixed mode both quantise weights with the
// architecture's weight_bits and must agree spike for spike; when they do
// not, Run re-runs both in lock-step up to the first tick whose spike sets
// differ and reports the neuron and both simulators' states there. In float
// mode agreement is statistical: Run reports, per population, the firing
// rate, ISI CV and spike-count correlation distributions of both runs and
// their Kolmogorov–Smirnov distances (package spikestats), after a warm-up.
//
// Hardware effects are attributed: in realtime sync (the SpiNNaker preset)
// packets that miss their tick arrive late or are dropped, which changes
// the spikes; the report counts them, gives the first tick with a late or
// dropped packet, and says whether the first divergence comes after it.
//
// Spikes compares two recorded spike lists (two traces) the same way.
//
// See docs/compare.md for the report's fields.
package compare
