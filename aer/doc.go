// Package aer holds address-event records and Spindle's compressed trace
// format (.aer), plus the camera-event conventions shared by the foreign
// codecs in its subpackages.
//
// A trace stores two independent, time-ordered streams: spikes (a tick and
// a neuron address) and router packets (emit and delivery tick, source and
// destination core, hops, late/dropped flags). Writer appends records in
// bounded memory, one zstd-compressed chunk at a time, so a writer killed
// mid-run leaves every completed chunk on disk; Recover rebuilds the index of
// such a file. Reader iterates either stream and seeks by time through the
// index. The byte layout is specified in docs/formats/aer.md.
//
// Event cameras and event datasets are read by aer/aedat (AEDAT 2.0, 3.1,
// 4.0), aer/evt (Prophesee EVT 2.0 and 3.0 RAW), aer/dat (Prophesee DAT) and
// aer/nmnist (N-MNIST, N-Caltech101); aer/anyformat detects the format of a
// file and maps pixels to addresses and microseconds to ticks with the rules
// of AddressRule and TickRule.
package aer
