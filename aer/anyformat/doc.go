// Package anyformat opens any event file Spindle reads — its own .aer traces
// and the camera and dataset formats of aer/aedat, aer/evt, aer/dat and
// aer/nmnist — detecting the format from the content, and presents it as one
// stream of events with neuron addresses. LoadStimulus turns such a file into
// tick-stamped input spikes for a network.
//
// Camera pixels become addresses by aer.AddressRule and microseconds become
// ticks by aer.TickRule; docs/formats/camera.md states both rules.
package anyformat
