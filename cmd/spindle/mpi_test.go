//go:build mpi

package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// mpiBinary builds spindle with MPI into dir and returns it and mpirun's
// command; the test skips without mpirun.
func mpiBinary(t *testing.T, dir string) (bin string, mpirun []string) {
	t.Helper()
	run, err := exec.LookPath("mpirun")
	if err != nil {
		t.Skip("mpirun not found: apt-get install openmpi-bin libopenmpi-dev")
	}
	bin = filepath.Join(dir, "spindle")
	if out, err := exec.Command("go", "build", "-tags", "mpi", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build -tags mpi: %v\n%s", err, out)
	}
	return bin, []string{run, "--allow-run-as-root", "--oversubscribe"}
}

// launch runs bin with args on ranks ranks (0: without mpirun) in dir
// and returns its exit status, stdout and stderr.
func launch(t *testing.T, dir string, mpirun []string, ranks int, bin string, args ...string) (int, string, string) {
	t.Helper()
	var argv []string
	if ranks > 0 {
		argv = append(append(argv, mpirun...), "-np", fmt.Sprint(ranks))
	}
	argv = append(argv, bin)
	argv = append(argv, args...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "OMPI_ALLOW_RUN_AS_ROOT=1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1")
	var out, errs strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errs
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, out.String(), errs.String()
}

func summary(t *testing.T, what, out string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatalf("%s: %v: %q", what, err, out)
	}
	delete(m, "build_seconds")
	delete(m, "wall_seconds")
	if d, ok := m["distributed"].(map[string]any); ok && d["exchanged_bytes"].(float64) <= 0 {
		t.Errorf("%s: a distributed run that exchanged nothing: %v", what, d)
	}
	delete(m, "distributed")
	return m
}

// TestDistributedRanks: mpirun -np 2 and 4 give the single process's
// summary (spikes per population, packets, drops, energy, modelled time),
// in both modes, and their merged trace parts its trace, event for event
// and byte for byte. A run checkpointed on 2 ranks resumes on 2 ranks to
// the same summary and trace, and is refused on 4 and in one process.
func TestDistributedRanks(t *testing.T) {
	dir := t.TempDir()
	bin, mpirun := mpiBinary(t, dir)
	net, _ := filepath.Abs("../../examples/cuba.yaml")
	fixed, _ := filepath.Abs("../../examples/cuba_fixed.yaml")
	const ticks = "200"
	ranks := []int{2, 4}
	if testing.Short() {
		ranks = []int{2}
	}
	for _, nf := range []string{fixed, net} {
		name := filepath.Base(nf)
		code, out, errs := launch(t, dir, mpirun, 0, bin, "run", nf, "--ticks", ticks, "--trace", "one.aer", "--record", "all", "--json")
		if code != 0 {
			t.Fatalf("%s: one process: exit %d: %s", name, code, errs)
		}
		want := summary(t, name, out)
		_, wantS, wantP := readAll(t, filepath.Join(dir, "one.aer"))
		wantBytes, _ := os.ReadFile(filepath.Join(dir, "one.aer"))
		for _, r := range ranks {
			code, out, errs := launch(t, dir, mpirun, r, bin, "run", nf, "--ticks", ticks, "--distributed", "--trace", "d.aer", "--record", "all", "--json")
			if code != 0 {
				t.Fatalf("%s: %d ranks: exit %d: %s", name, r, code, errs)
			}
			if got := summary(t, name, out); !reflect.DeepEqual(got, want) {
				t.Errorf("%s: %d ranks: summary\n%v\none process\n%v", name, r, got, want)
			}
			args := []string{"trace", "merge", "-o", "merged.aer"}
			for k := range r {
				args = append(args, partPath("d.aer", k, r))
			}
			if code, _, errs := launch(t, dir, mpirun, 0, bin, args...); code != 0 {
				t.Fatalf("%s: %d ranks: merge: exit %d: %s", name, r, code, errs)
			}
			_, gotS, gotP := readAll(t, filepath.Join(dir, "merged.aer"))
			if !reflect.DeepEqual(gotS, wantS) || !reflect.DeepEqual(gotP, wantP) {
				t.Errorf("%s: %d ranks: merged trace has %d spikes, %d packets; one process %d, %d; they differ", name, r, len(gotS), len(gotP), len(wantS), len(wantP))
			}
			if got, _ := os.ReadFile(filepath.Join(dir, "merged.aer")); string(got) != string(wantBytes) {
				t.Errorf("%s: %d ranks: the merged trace's bytes differ from one process's", name, r)
			}
		}
	}

	// Checkpoint on 2 ranks after 120 ticks, resume 80 more on 2.
	code, out, errs := launch(t, dir, mpirun, 0, bin, "run", fixed, "--ticks", ticks, "--trace", "one.aer", "--record", "all", "--json")
	if code != 0 {
		t.Fatalf("one process: exit %d: %s", code, errs)
	}
	want := summary(t, "one process", out)
	wantBytes, _ := os.ReadFile(filepath.Join(dir, "one.aer"))
	if code, _, errs := launch(t, dir, mpirun, 2, bin, "run", fixed, "--ticks", "120", "--distributed", "--trace", "ck.aer", "--record", "all", "--checkpoint", "ck.spck"); code != 0 {
		t.Fatalf("2 ranks to a checkpoint: exit %d: %s", code, errs)
	}
	for _, tc := range []struct {
		ranks int
		args  []string
	}{{4, []string{"--distributed"}}, {0, nil}} {
		code, out, errs := launch(t, dir, mpirun, tc.ranks, bin, append([]string{"resume", "ck.spck", "--ticks", "80"}, tc.args...)...)
		if code != 1 || out != "" || !strings.Contains(errs, "written in parts by a distributed run on 2 ranks") || !strings.Contains(errs, "mpirun -np 2") {
			t.Errorf("resume on %d ranks: exit %d, stdout %q, stderr %q; want exit 1 naming the 2 ranks", tc.ranks, code, out, errs)
		}
	}
	code, out, errs = launch(t, dir, mpirun, 2, bin, "resume", "ck.spck", "--ticks", "80", "--distributed", "--trace", "ck.aer", "--json")
	if code != 0 {
		t.Fatalf("resume on 2 ranks: exit %d: %s", code, errs)
	}
	if got := summary(t, "resumed", out); !reflect.DeepEqual(got, want) {
		t.Errorf("resumed on 2 ranks: summary\n%v\none process\n%v", got, want)
	}
	if code, _, errs := launch(t, dir, mpirun, 0, bin, "trace", "merge", "-o", "ckm.aer", "ck.rank0of2.aer", "ck.rank1of2.aer"); code != 0 {
		t.Fatalf("merge: exit %d: %s", code, errs)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "ckm.aer")); string(got) != string(wantBytes) {
		t.Errorf("resumed on 2 ranks: the merged trace's bytes differ from one process's")
	}
}
