// Package mpi is the small binding of a distributed run to the system's
// MPI (docs/distributed.md): initialisation, the rank and size of
// MPI_COMM_WORLD, and MPI_Alltoallv of byte buffers, which is all the
// engine exchanges.
//
// The binding is cgo against Open MPI (Debian's libopenmpi-dev) and is
// compiled only with the mpi build tag:
//
//	go build -tags mpi ./cmd/spindle
//
// Without the tag, the default pure-Go build, Init returns ErrNoMPI,
// which says how to build with MPI.
package mpi
