//go:build mpi

package mpi

import (
	"bytes"
	"fmt"
	"os"
	"testing"
)

var world *Comm

// TestMain initialises MPI once; under mpirun every rank runs the tests
// together, alone it is a singleton of one rank.
func TestMain(m *testing.M) {
	c, err := Init()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	world = c
	code := m.Run()
	if err := c.Finalize(); err != nil && code == 0 {
		code = 1
	}
	os.Exit(code)
}

// message is what rank from sends rank to in round i: its length varies,
// and is 0 for some pairs.
func message(from, to, i int) []byte {
	return bytes.Repeat([]byte{byte(from*16 + to)}, (from+2*to+i)%5*3)
}

func TestAlltoallv(t *testing.T) {
	r, n := world.Rank(), world.Size()
	var recv [][]byte
	for i := range 4 {
		send := make([][]byte, n)
		for k := range send {
			send[k] = message(r, k, i)
		}
		var err error
		if recv, err = world.Alltoallv(send, recv); err != nil {
			t.Fatal(err)
		}
		for k := range recv {
			if want := message(k, r, i); !bytes.Equal(recv[k], want) {
				t.Fatalf("rank %d, round %d: from rank %d got %v, want %v", r, i, k, recv[k], want)
			}
		}
	}
	if _, err := world.Alltoallv(make([][]byte, n+1), nil); err == nil {
		t.Error("Alltoallv accepted a buffer too many")
	}
}

func TestSumInt64(t *testing.T) {
	r, n := world.Rank(), world.Size()
	got, err := world.SumInt64([]int64{1, int64(r), 1 << 40})
	if err != nil {
		t.Fatal(err)
	}
	want := []int64{int64(n), int64(n * (n - 1) / 2), int64(n) << 40}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("SumInt64[%d] = %d, want %d", i, got[i], want[i])
		}
	}
	if err := world.Barrier(); err != nil {
		t.Error(err)
	}
}
