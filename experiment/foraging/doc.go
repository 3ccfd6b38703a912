// Package foraging is the foraging experiment of Golden, Delanois, Sanda
// and Bazhenov, "Sleep prevents catastrophic forgetting in spiking neural
// networks by forming a joint synaptic weight representation", PLOS
// Comput Biol 18(11): e1010628 (2022), run on a simulated chip with
// on-core learning.
//
// An agent lives in a 50x50 world whose edges wrap around (a torus) and
// which holds two-pixel particles, horizontal, vertical, positive-diagonal
// ("/") or negative-diagonal ("\"), covering 10% of the pixels; no two
// particles touch, and an eaten particle respawns at once elsewhere under
// the same rule with the same shape. The agent sees the 7x7 window around
// it and moves to one of its 8 neighbours, eating the particle it steps
// on.
//
// Its brain is a 49-784-8 spiking network of LIF neurons (the paper used
// map-based neurons): one Poisson input per pixel, firing while its pixel
// is covered; 784 hidden neurons on a 28x28 sheet, 16 over each pixel,
// each fed by the 3x3 patch of pixels under it (Params.LocalFields), whose
// weights learn by unsupervised STDP during pre-training, each neuron's
// summed input held fixed, while the 16 neurons over a pixel inhibit each
// other (Params.WTA), so that they learn different two-pixel features; then
// the weights freeze (DesignedParams instead makes most of them static
// two-pixel conjunction detectors of one orientation, an engineered layer;
// Params.Conjunctions, random local conjunctions); 8 output neurons, one
// per move, fed all to all by the
// hidden layer through an excitatory and an inhibitory projection that
// learn by reward-modulated STDP (each output's summed excitatory weight
// held constant by heterosynaptic scaling, Rules.Normalize), and
// inhibiting each other; and 8 motor
// sources, one per output. A movement cycle shows the view for
// PresentTicks ticks; the output neuron with most spikes in that half
// chooses the move, ties (and silence) going to the output whose membrane
// potential summed over the half is highest (Params.Readout,
// DecideByPotential); while learning, the view stays on for
// MotorTicks more ticks in which the chosen move's motor source drives its
// output (an efference copy, so that the eligibility pairs the view with
// the move taken, whoever chose it); then the reward (+1 for a rewarded
// particle, -1 for a punished one) is broadcast at the start of the silent
// second half, when the eligibility traces still hold the credit, minus
// the running mean of the meals' values (Params.BaselineMeals); the weights
// of the outputs other than the chosen one are set back after the reward
// (Params.GateChosen), so a meal teaches only the move taken.
//
// Run trains one agent per seed, in parallel, through the protocol:
// pre-training on all four shapes, Task 1 (horizontal rewarded,
// negative-diagonal punished), then Task 2 (vertical rewarded,
// positive-diagonal punished) alone, in blocks each followed by a sleep
// phase (input silenced, hidden layer driven by noise at its waking rates,
// thresholds lowered, the inhibitory projection silenced, unsupervised
// STDP under a small constant positive modulation), or in blocks
// alternating with Task 1 (the control). It
// tests every condition on both tasks with learning frozen and measures
// how the hidden->output weights move relative to the two task solutions
// (distances, PCA trajectory, histograms); WritePlots draws them.
//
// PaperParams and PaperProtocol run the paper's learning instead, on the
// chip's learning engine: hidden -> output updates proportional to the
// weight with the presynaptic factor W_i0/W_i and per-output
// normalisation after every update, inhibition tied to minus each hidden
// neuron's mean excitatory weight, rewards +1/-0.001/-0.0001 without a
// baseline, one input pulse per covered pixel, the spike-count decision,
// Task 2 three times as long as Task 1 and sleep alternating 1:1 with
// 100-cycle Task 2 blocks; Result.Surviving reports how many of the Task
// 1-relevant synapses each condition keeps.
//
// docs/experiments.md has the protocol, the results and how to reproduce
// them.
package foraging
