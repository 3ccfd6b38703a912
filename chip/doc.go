// Package chip describes neuromorphic hardware and runs networks on it.
//
// An Arch says what one core can hold, how cores sit in tiles, tiles on a
// chip's mesh and chips on a board, and what events cost. A mapper places
// the neurons of an snn.Graph onto cores within every limit; the Engine
// then steps the cores and the router tick by tick, across worker
// goroutines, with identical spikes for any number of workers.
package chip
