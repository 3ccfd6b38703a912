//go:build !mpi

package mpi

import (
	"errors"
	"strings"
	"testing"
)

func TestInitWithoutMPI(t *testing.T) {
	c, err := Init()
	if c != nil || !errors.Is(err, ErrNoMPI) {
		t.Fatalf("Init = %v, %v; want ErrNoMPI", c, err)
	}
	if msg := err.Error(); !strings.Contains(msg, "-tags mpi") || strings.Contains(msg, "\n") {
		t.Errorf("the error should be one line that says how to build with MPI: %q", msg)
	}
	if Available {
		t.Error("Available in a build without the mpi tag")
	}
}
