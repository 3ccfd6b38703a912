//go:build mpi

package mpi

/*
#cgo pkg-config: ompi-c
#include <stdlib.h>
#include <mpi.h>

static int world_rank(int *r) { return MPI_Comm_rank(MPI_COMM_WORLD, r); }
static int world_size(int *n) { return MPI_Comm_size(MPI_COMM_WORLD, n); }
static int counts(int *send, int *recv) {
	return MPI_Alltoall(send, 1, MPI_INT, recv, 1, MPI_INT, MPI_COMM_WORLD);
}
static int alltoallv(void *send, int *scounts, int *sdispls, void *recv, int *rcounts, int *rdispls) {
	return MPI_Alltoallv(send, scounts, sdispls, MPI_BYTE, recv, rcounts, rdispls, MPI_BYTE, MPI_COMM_WORLD);
}
static int barrier(void) { return MPI_Barrier(MPI_COMM_WORLD); }
static int abort_world(int code) { return MPI_Abort(MPI_COMM_WORLD, code); }
static int sum_int64(long long *in, long long *out, int n) {
	return MPI_Allreduce(in, out, n, MPI_LONG_LONG, MPI_SUM, MPI_COMM_WORLD);
}
*/
import "C"

import (
	"fmt"
	"math"
	"runtime"
	"unsafe"
)

// Available reports whether this build has MPI.
const Available = true

// Comm is MPI_COMM_WORLD after Init.
type Comm struct {
	rank, size int
	// Buffers reused from one exchange to the next.
	scount, sdispl, rcount, rdispl []C.int
	sbuf, rbuf                     []byte
}

func check(what string, rc C.int) error {
	if rc != C.MPI_SUCCESS {
		return fmt.Errorf("mpi: %s: error %d", what, int(rc))
	}
	return nil
}

// Init initialises MPI (MPI_Init_thread, serialized) and returns
// MPI_COMM_WORLD. The calling goroutine is locked to its thread: MPI is
// then called from it alone.
func Init() (*Comm, error) {
	runtime.LockOSThread()
	var done C.int
	if err := check("MPI_Initialized", C.MPI_Initialized(&done)); err != nil {
		return nil, err
	}
	if done == 0 {
		var provided C.int
		if err := check("MPI_Init_thread", C.MPI_Init_thread(nil, nil, C.MPI_THREAD_SERIALIZED, &provided)); err != nil {
			return nil, err
		}
	}
	var r, n C.int
	if err := check("MPI_Comm_rank", C.world_rank(&r)); err != nil {
		return nil, err
	}
	if err := check("MPI_Comm_size", C.world_size(&n)); err != nil {
		return nil, err
	}
	c := &Comm{rank: int(r), size: int(n)}
	c.scount = make([]C.int, n)
	c.sdispl = make([]C.int, n)
	c.rcount = make([]C.int, n)
	c.rdispl = make([]C.int, n)
	return c, nil
}

// Rank returns the process's rank in MPI_COMM_WORLD.
func (c *Comm) Rank() int { return c.rank }

// Size returns the number of processes in MPI_COMM_WORLD.
func (c *Comm) Size() int { return c.size }

// Alltoallv sends send[k] to rank k and returns in recv[k] what rank k
// sent: MPI_Alltoall of the counts, then MPI_Alltoallv of the bytes.
// The returned slices share one buffer, valid until the next call.
func (c *Comm) Alltoallv(send, recv [][]byte) ([][]byte, error) {
	if len(send) != c.size {
		return nil, fmt.Errorf("mpi: Alltoallv: %d buffers for %d ranks", len(send), c.size)
	}
	total := 0
	for k, b := range send {
		if len(b) > math.MaxInt32 || total+len(b) > math.MaxInt32 {
			return nil, fmt.Errorf("mpi: Alltoallv: %d bytes to send, more than MPI's int counts", total+len(b))
		}
		c.scount[k], c.sdispl[k] = C.int(len(b)), C.int(total)
		total += len(b)
	}
	c.sbuf = c.sbuf[:0]
	for _, b := range send {
		c.sbuf = append(c.sbuf, b...)
	}
	if err := check("MPI_Alltoall", C.counts(&c.scount[0], &c.rcount[0])); err != nil {
		return nil, err
	}
	rtotal := 0
	for k := range c.rcount {
		c.rdispl[k] = C.int(rtotal)
		rtotal += int(c.rcount[k])
	}
	if cap(c.rbuf) < rtotal {
		c.rbuf = make([]byte, rtotal)
	}
	c.rbuf = c.rbuf[:rtotal]
	// MPI wants a valid address even for no bytes.
	c.sbuf = append(c.sbuf, 0)
	c.rbuf = append(c.rbuf, 0)
	if err := check("MPI_Alltoallv", C.alltoallv(unsafe.Pointer(&c.sbuf[0]), &c.scount[0], &c.sdispl[0],
		unsafe.Pointer(&c.rbuf[0]), &c.rcount[0], &c.rdispl[0])); err != nil {
		return nil, err
	}
	c.rbuf = c.rbuf[:rtotal]
	if len(recv) != c.size {
		recv = make([][]byte, c.size)
	}
	for k := range recv {
		off := int(c.rdispl[k])
		recv[k] = c.rbuf[off : off+int(c.rcount[k]) : off+int(c.rcount[k])]
	}
	return recv, nil
}

// SumInt64 returns the sum over the ranks of each of v's elements
// (MPI_Allreduce).
func (c *Comm) SumInt64(v []int64) ([]int64, error) {
	out := make([]int64, len(v))
	if len(v) == 0 {
		return out, nil
	}
	if err := check("MPI_Allreduce", C.sum_int64((*C.longlong)(unsafe.Pointer(&v[0])), (*C.longlong)(unsafe.Pointer(&out[0])), C.int(len(v)))); err != nil {
		return nil, err
	}
	return out, nil
}

// Barrier waits for every rank (MPI_Barrier).
func (c *Comm) Barrier() error { return check("MPI_Barrier", C.barrier()) }

// Abort ends every rank of the job with code (MPI_Abort): a rank that
// fails alone would otherwise leave the others waiting in an exchange.
func (c *Comm) Abort(code int) { C.abort_world(C.int(code)) }

// Finalize ends MPI (MPI_Finalize).
func (c *Comm) Finalize() error { return check("MPI_Finalize", C.MPI_Finalize()) }
