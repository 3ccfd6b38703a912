//go:build !mpi

package main

import (
	"strings"
	"testing"
)

// TestDistributedWithoutMPI: the default build refuses --distributed in
// one line that says how to build with MPI.
func TestDistributedWithoutMPI(t *testing.T) {
	for _, args := range [][]string{
		{"run", "../../examples/cuba_fixed.yaml", "--ticks", "10", "--distributed"},
		{"resume", "nosuch.spck", "--distributed"},
	} {
		code, out, errs := spindle(t, args...)
		if code != 2 || out != "" || !strings.Contains(errs, "go build -tags mpi ./cmd/spindle") || strings.Count(strings.TrimSpace(errs), "\n") > 0 {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 and one line on how to build with MPI", args, code, out, errs)
		}
	}
}
