// Package chip describes neuromorphic hardware and runs networks on it.
//
// An Arch says what one core can hold, how cores sit in tiles, tiles on a
// chip's mesh and chips on a board, and what events cost. A Mapping places
// the neurons of an snn.Graph onto cores within every limit (package
// chip/mapping makes one); the Engine then steps the cores and the router tick by tick, across worker
// goroutines, with identical spikes for any number of workers. With
// Options.Comm the engine is one rank of a distributed run (MPI through
// internal/mpi, or any Comm): it steps its block of cores (Partition) and
// the results are those of one process.
package chip
