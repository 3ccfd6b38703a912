//go:build !mpi

package mpi

import "errors"

// Available reports whether this build has MPI.
const Available = false

// ErrNoMPI is what Init returns in a build without MPI.
var ErrNoMPI = errors.New("this spindle was built without MPI: build it with 'go build -tags mpi ./cmd/spindle' (cgo, needs Open MPI's libopenmpi-dev) and launch it with 'mpirun -np R spindle run NET --distributed' (docs/distributed.md)")

// Comm is MPI_COMM_WORLD after Init; a build without MPI has none.
type Comm struct{}

// Init returns ErrNoMPI: this build has no MPI.
func Init() (*Comm, error) { return nil, ErrNoMPI }

// Rank returns 0.
func (c *Comm) Rank() int { return 0 }

// Size returns 1.
func (c *Comm) Size() int { return 1 }

// Alltoallv returns ErrNoMPI.
func (c *Comm) Alltoallv(send, recv [][]byte) ([][]byte, error) { return nil, ErrNoMPI }

// SumInt64 returns ErrNoMPI.
func (c *Comm) SumInt64(v []int64) ([]int64, error) { return nil, ErrNoMPI }

// Barrier returns ErrNoMPI.
func (c *Comm) Barrier() error { return ErrNoMPI }

// Abort does nothing.
func (c *Comm) Abort(code int) {}

// Finalize returns ErrNoMPI.
func (c *Comm) Finalize() error { return ErrNoMPI }
