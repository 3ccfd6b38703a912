package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/pflag"
	"github.com/spindle-sim/spindle/chip"
	"github.com/spindle-sim/spindle/internal/mpi"
)

// distFlags is --distributed of run and resume: the process is one rank
// of an MPI job (docs/distributed.md).
type distFlags struct {
	on   bool
	comm *mpi.Comm // after start, when on
}

// world is MPI_COMM_WORLD, initialised by the first --distributed of the
// process (resume runs run in the same process) and finalised by main.
var world *mpi.Comm

func (f *distFlags) register(fs *pflag.FlagSet) {
	fs.BoolVar(&f.on, "distributed", false, "run as one rank of an MPI job ('mpirun -np R spindle run NET --distributed'): each rank steps its block of cores, trace and checkpoint in parts; needs a build with -tags mpi (docs/distributed.md)")
}

// start joins the MPI job when --distributed is given. A build without
// MPI refuses the flag, saying how to build with it.
func (f *distFlags) start() error {
	if f == nil || !f.on {
		return nil
	}
	if world == nil {
		c, err := mpi.Init()
		if err != nil {
			return usagef("--distributed: %v", err)
		}
		world = c
	}
	f.comm = world
	return nil
}

// chipComm returns the engine's transport: none in one process or on a
// single rank, which is one process.
func (f *distFlags) chipComm() chip.Comm {
	if f == nil || f.comm == nil || f.comm.Size() < 2 {
		return nil
	}
	return f.comm
}

// rank returns the process's rank and the number of ranks (0, 1 when
// not distributed).
func (f *distFlags) rank() (int, int) {
	if f == nil || f.comm == nil {
		return 0, 1
	}
	return f.comm.Rank(), f.comm.Size()
}

// partPath names rank's part of a distributed run's file path:
// cuba.aer -> cuba.rank0of2.aer. A run on one rank writes path itself.
func partPath(path string, rank, ranks int) string {
	if ranks < 2 || path == "" {
		return path
	}
	ext := filepath.Ext(path)
	return fmt.Sprintf("%s.rank%dof%d%s", strings.TrimSuffix(path, ext), rank, ranks, ext)
}

// checkpointPart returns the file of this rank's part of the checkpoint
// path, or an error that says how many ranks wrote it when the part is
// not there.
func (f *distFlags) checkpointPart(path string) (string, error) {
	rank, ranks := f.rank()
	part := partPath(path, rank, ranks)
	if _, err := os.Stat(part); err == nil {
		return part, nil
	}
	ext := filepath.Ext(path)
	others, _ := filepath.Glob(strings.TrimSuffix(path, ext) + ".rank*of*" + ext)
	sort.Strings(others)
	counts := map[int]bool{}
	for _, o := range others {
		var r, n int
		if _, err := fmt.Sscanf(strings.TrimPrefix(o, strings.TrimSuffix(path, ext)+".rank"), "%dof%d", &r, &n); err == nil && n > 1 {
			counts[n] = true
		}
	}
	if len(counts) == 0 {
		return part, nil // the reader reports the missing file
	}
	var ns []string
	for n := range counts {
		ns = append(ns, fmt.Sprint(n))
	}
	sort.Strings(ns)
	here := "one process"
	if ranks > 1 {
		here = fmt.Sprintf("%d ranks", ranks)
	}
	return "", fmt.Errorf("checkpoint %s: written in parts by a distributed run on %s ranks (%s), this is %s: resume it with 'mpirun -np %s spindle resume %s --distributed'",
		path, strings.Join(ns, " or "), strings.Join(others, ", "), here, ns[0], path)
}
