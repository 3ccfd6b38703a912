package main

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
)

// TestRunReadoutFlags: --readout, --align and --dt refuse what they cannot
// apply to, with the exit status of a usage error (2) or of a bad input
// file (1).
func TestRunReadoutFlags(t *testing.T) {
	dir := t.TempDir()
	net := writeFile(t, dir, "net.yaml", tinyNet)
	stim := stimulusTrace(t, dir, "st.aer", 1, 16, [][2]int64{{0, 1}})
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--readout", "nope"}, 2, `--readout "nope": unknown population of network "tiny" (have: in, out)`},
		{[]string{"--align", "zero"}, 2, "--align: expected --stimulus FILE"},
		{[]string{"--stimulus", stim, "--align", "middle"}, 2, `--align "middle": expected first-event or zero`},
		{[]string{"--dt", "-1"}, 2, "--dt -1: expected a positive tick in ms"},
		{[]string{"--dt", "0.5"}, 1, "a time step of 0.5 ms applies to NIR graphs only"},
	} {
		code, _, errs := spindle(t, append([]string{"run", net, "--ticks", "5"}, c.args...)...)
		if code != c.code || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, %q; want exit %d saying %q", c.args, code, errs, c.code, c.want)
		}
	}
	code, out, errs := spindle(t, "run", net, "--ticks", "50", "--readout", "out", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var r runResult
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	checkReadout(t, &r, "out", 2)
}

// checkReadout checks that a run's readout is of pop's n neurons, sums to
// the population's spikes and names the first of the largest counts.
func checkReadout(t *testing.T, r *runResult, pop string, n int) {
	t.Helper()
	ro := r.Readout
	if ro == nil || ro.Population != pop || len(ro.Counts) != n {
		t.Fatalf("readout %+v, want %d counts of %q", ro, n, pop)
	}
	var sum int64
	for _, c := range ro.Counts {
		sum += c
	}
	for _, p := range r.Populations {
		if p.Name == pop && p.Spikes != sum {
			t.Errorf("readout counts sum to %d, population %q spiked %d times", sum, pop, p.Spikes)
		}
	}
	if best := slices.Max(ro.Counts); ro.Counts[ro.Argmax] != best || slices.Index(ro.Counts, best) != ro.Argmax {
		t.Errorf("argmax %d of %v", ro.Argmax, ro.Counts)
	}
}

// TestRunNIRClassifies runs the command: cnn_sinabs.nir on the
// N-MNIST sample with a readout, float and fixed mode on loihi. The class
// itself is checked against the frame reference in package loader
// (TestNIRFrameReference); here the command's plumbing: the input layout,
// graded counts, the drain and the readout.
func TestRunNIRClassifies(t *testing.T) {
	const nir, events = "../../../shared/fixtures/nir/cnn_sinabs.nir", "../../../shared/fixtures/events/sample_nmnist.bin"
	for _, f := range []string{nir, events} {
		if _, err := os.Stat(f); err != nil {
			t.Skip("shared fixtures absent:", err)
		}
	}
	if testing.Short() {
		t.Skip("two runs of a million synapses")
	}
	for _, mode := range []string{"float", "fixed"} {
		code, out, errs := spindle(t, "run", nir, "--stimulus", events, "--dt", "1", "--align", "first-event", "--readout", "12", "--mode", mode, "--json")
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", mode, code, errs)
		}
		var r runResult
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatal(err)
		}
		st := r.Stimulus
		if st == nil || st.Layout != "channels" || !st.Graded || st.Population != "input" {
			t.Fatalf("%s: stimulus %+v", mode, st)
		}
		// Five edges from the input to the output layer: five ticks of
		// drain after the stimulus.
		if r.Ticks != st.Ticks+5 || r.Arch != "loihi" || r.Mode.String() != mode {
			t.Errorf("%s: %d ticks for a stimulus of %d, arch %s, mode %s", mode, r.Ticks, st.Ticks, r.Arch, r.Mode)
		}
		checkReadout(t, &r, "12", 10)
		t.Logf("%s: class %d, counts %v", mode, r.Readout.Argmax, r.Readout.Counts)
	}
}

// TestRunReadoutVoltages: a population that never fires (as a NIR LI
// output becomes) is read out by its final voltages, in both modes.
func TestRunReadoutVoltages(t *testing.T) {
	dir := t.TempDir()
	net := writeFile(t, dir, "li.yaml", `name: li
populations:
  - {name: in, size: 4, kind: poisson, rate: 200}
  - {name: out, size: 3, neuron: {tau_m: 20, v_th: 1.7976931348623157e308, fixed_scale: 65536, receptors: [{name: syn, tau_syn: 0}]}}
projections:
  - {pre: in, post: out, connector: {list: [[0, 0, 1], [1, 1, 2], [2, 1, 2], [3, 2, 0.5]]}}
`)
	for _, mode := range []string{"float", "fixed"} {
		code, out, errs := spindle(t, "run", net, "--ticks", "100", "--mode", mode, "--readout", "out", "--json")
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", mode, code, errs)
		}
		var r runResult
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatal(err)
		}
		ro := r.Readout
		if ro == nil || len(ro.Voltages) != 3 || slices.Max(ro.Counts) != 0 {
			t.Fatalf("%s: readout %+v", mode, ro)
		}
		if best := slices.Max(ro.Voltages); best <= 0 || ro.Voltages[ro.Argmax] != best {
			t.Errorf("%s: argmax %d of %v", mode, ro.Argmax, ro.Voltages)
		}
	}
}
