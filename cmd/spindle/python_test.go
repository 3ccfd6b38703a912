package main

import (
	"encoding/json"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spindle-sim/spindle/aer"
)

// pythonWithNumPy returns a Python 3 interpreter that imports NumPy:
// $SPINDLE_PYTHON, python3 on the PATH or /usr/bin/python3 (where
// Debian's python3-numpy goes, which .ci/run installs).
func pythonWithNumPy(t *testing.T) string {
	t.Helper()
	cands := []string{"python3", "/usr/bin/python3"}
	if p := os.Getenv("SPINDLE_PYTHON"); p != "" {
		cands = []string{p}
	}
	for _, c := range cands {
		p, err := exec.LookPath(c)
		if err != nil {
			continue
		}
		if exec.Command(p, "-c", "import numpy").Run() == nil {
			return p
		}
	}
	t.Skipf("no Python 3 with NumPy (tried %s): apt-get install python3-numpy", strings.Join(cands, ", "))
	return ""
}

// pyCase is what Go's reader finds in a trace, for the Python tests to
// compare with (python/tests/test_spindle_aer.py, TestGoTraces).
type pyCase struct {
	Path         string   `json:"path"`
	Spikes       int      `json:"spikes"`
	FirstSpike   [2]int64 `json:"first_spike"`
	LastSpike    [2]int64 `json:"last_spike"`
	SumT         uint64   `json:"sum_t"`
	WeightedAddr uint64   `json:"weighted_addr"` // sum of i * addr_i
	Packets      *int     `json:"packets"`       // nil: no packet stream
	FirstPacket  [6]int64 `json:"first_packet"`
	LastPacket   [6]int64 `json:"last_packet"`
	SumLatency   int64    `json:"sum_latency"`
	HopsDst      int64    `json:"hops_dst"` // sum of hops * dst
	DtMs         float64  `json:"dt_ms"`
	TimeUnit     string   `json:"time_unit"`
	Source       string   `json:"source"`
	Populations  [][3]any `json:"populations"`
	Cores        []int    `json:"cores"`
	Run          *aer.Run `json:"run"`
}

// goCase reads the .aer trace at path with package aer.
func goCase(t *testing.T, path string) pyCase {
	t.Helper()
	r, err := aer.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	m := r.Meta()
	c := pyCase{Path: path, DtMs: m.DtMs, TimeUnit: m.TimeUnit, Source: m.Source, Run: m.Run,
		Populations: [][3]any{}, Cores: []int{}}
	for _, p := range m.Populations {
		c.Populations = append(c.Populations, [3]any{p.Name, p.First, p.Size})
		c.Cores = append(c.Cores, len(p.Cores))
	}
	buf := make([]aer.Spike, 1000)
	for {
		n, err := r.ReadSpikes(buf)
		for _, s := range buf[:n] {
			if c.Spikes == 0 {
				c.FirstSpike = [2]int64{s.Time, int64(s.Addr)}
			}
			c.LastSpike = [2]int64{s.Time, int64(s.Addr)}
			c.SumT += uint64(s.Time)
			c.WeightedAddr += uint64(c.Spikes) * uint64(s.Addr)
			c.Spikes++
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if m.Has(aer.KindPacket) {
		np := 0
		pb := make([]aer.Packet, 1000)
		for {
			n, err := r.ReadPackets(pb)
			for _, p := range pb[:n] {
				rec := [6]int64{p.Emit, p.Deliver, int64(p.Src), int64(p.Dst), int64(p.Hops), int64(p.Flags)}
				if np == 0 {
					c.FirstPacket = rec
				}
				c.LastPacket = rec
				c.SumLatency += p.Deliver - p.Emit
				c.HopsDst += int64(p.Hops) * int64(p.Dst)
				np++
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		c.Packets = &np
	}
	return c
}

// writeMixedTrace writes a trace whose chunks take both spike codecs:
// small chunks, some with addresses out of order within a tick, and
// packets of every flag, with a core map and a run description.
func writeMixedTrace(t *testing.T, path string) {
	t.Helper()
	cores := make([]uint16, 300)
	for i := range cores {
		cores[i] = uint16(i / 37)
	}
	m := aer.Meta{DtMs: 0.25, TimeUnit: aer.UnitTick, Source: "python_test µ", Kinds: []string{aer.KindSpike, aer.KindPacket},
		Populations: []aer.Population{{Name: "exc", First: 0, Size: 300, Cores: cores}, {Name: "inh", First: 300, Size: 75}},
		Run:         &aer.Run{Network: "net.yaml", Name: "mixed", Seed: 3, Ticks: 12000, Arch: "loihi", Map: "random", Chips: 1, Mode: "fixed"}}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w, err := aer.NewWriterSize(f, m, 777)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for tk := int64(0); tk < 12000; tk += 1 + int64(rng.IntN(3)) {
		if tk >= 3000 && tk < 9000 {
			tk = 9000 // a pause: a gap that escapes its unary code
		}
		k := rng.IntN(6)
		base := uint32(rng.IntN(370))
		for j := 0; j < k; j++ {
			a := base + uint32(j)
			if tk < 1500 { // out of order within the tick: the columns codec
				a = uint32(rng.IntN(375))
			}
			if err := w.WriteSpike(tk, min(a, 374)); err != nil {
				t.Fatal(err)
			}
		}
		{
			// Far deliveries make big varints, negative latencies zigzag.
			w.WritePacket(aer.Packet{Emit: tk, Deliver: tk + int64(rng.IntN(5000)) - 2, Src: rng.Uint32(), Dst: uint32(rng.IntN(9)),
				Hops: uint16(rng.IntN(70000)), Flags: uint8(rng.IntN(4))})
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
}

// TestPython reads traces written by the command line and by package aer
// with the Python package in python/ and compares what it finds with Go's
// reader, then runs the package's own unit tests.
func TestPython(t *testing.T) {
	py := pythonWithNumPy(t)
	dir := t.TempDir()
	run := filepath.Join(dir, "run.aer")
	if code, _, errs := spindle(t, "run", "../../examples/cuba.yaml", "--ticks", "300", "--trace", run, "--record", "all"); code != 0 {
		t.Fatalf("run: exit %d: %s", code, errs)
	}
	mixed := filepath.Join(dir, "mixed.aer")
	writeMixedTrace(t, mixed)
	empty := filepath.Join(dir, "empty.aer")
	w, err := aer.Create(empty, aer.Meta{DtMs: 1, TimeUnit: aer.UnitTick, Kinds: []string{aer.KindSpike, aer.KindPacket}})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	var cases []pyCase
	for _, p := range []string{run, mixed, "../../aer/testdata/v1.aer", empty} {
		c := goCase(t, p)
		cases = append(cases, c)
		npz := strings.TrimSuffix(filepath.Join(dir, filepath.Base(p)), ".aer") + ".npz"
		args := []string{"trace", "convert", p, npz, "--packets"}
		if c.Packets != nil && *c.Packets == 0 {
			args = args[:4] // --packets refuses a trace without packets
			c.Packets = nil
		}
		if code, _, errs := spindle(t, args...); code != 0 {
			t.Fatalf("convert %s: exit %d: %s", p, code, errs)
		}
		c.Path = npz
		cases = append(cases, c)
	}
	spikesOnly := filepath.Join(dir, "spikes.npz")
	if code, _, errs := spindle(t, "trace", "convert", mixed, spikesOnly); code != 0 {
		t.Fatalf("convert: exit %d: %s", code, errs)
	}
	c := goCase(t, mixed)
	c.Path, c.Packets = spikesOnly, nil
	cases = append(cases, c)
	if cases[0].Spikes == 0 || *cases[0].Packets == 0 {
		t.Fatalf("the run recorded %d spikes, %v packets: want some of each", cases[0].Spikes, *cases[0].Packets)
	}
	js, err := json.Marshal(cases)
	if err != nil {
		t.Fatal(err)
	}
	casesPath := filepath.Join(dir, "cases.json")
	if err := os.WriteFile(casesPath, js, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(py, "-m", "unittest", "discover", "-v", "-s", "../../python/tests")
	cmd.Env = append(os.Environ(), "PYTHONPATH=../../python", "SPINDLE_AER_CASES="+casesPath, "PYTHONDONTWRITEBYTECODE=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s -m unittest: %v\n%s", py, err, out)
	}
	if !strings.Contains(string(out), "test_cases") || strings.Contains(string(out), "test_cases (test_spindle_aer.TestGoTraces.test_cases) ... skipped") {
		t.Errorf("the Go traces were not compared:\n%s", out)
	}
	t.Logf("%s", out)
}

// pythonWithVenv returns a Python 3 with NumPy that can make a virtual
// environment with pip: $SPINDLE_PYTHON, or Debian's /usr/bin/python3
// (a pyenv python3 first on the PATH usually has no NumPy).
func pythonWithVenv(t *testing.T) string {
	t.Helper()
	py := "/usr/bin/python3"
	if p := os.Getenv("SPINDLE_PYTHON"); p != "" {
		py = p
	}
	if out, err := exec.Command(py, "-c", "import numpy, venv, ensurepip").CombinedOutput(); err != nil {
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		t.Skipf("%s cannot make a venv with NumPy (%v: %s): apt-get install python3-numpy python3-venv", py, err, lines[len(lines)-1])
	}
	return py
}

// pythonEnv is the environment without the variables that would point
// Python or pip elsewhere (PYTHONPATH, PIP_INDEX_URL, VIRTUAL_ENV, ...),
// with byte-code writing off so that nothing lands in the checkout.
func pythonEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "PYTHON") || strings.HasPrefix(kv, "PIP_") || strings.HasPrefix(kv, "VIRTUAL_ENV=") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "PYTHONDONTWRITEBYTECODE=1", "PIP_DISABLE_PIP_VERSION_CHECK=1", "PIP_CONFIG_FILE="+os.DevNull, "PIP_NO_INPUT=1")
}

// treeFiles lists the files under dir with their sizes.
func treeFiles(t *testing.T, dir string) map[string]int64 {
	t.Helper()
	files := map[string]int64{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		files[p] = fi.Size()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestPythonInstall installs python/ with pip into a virtual environment
// as a user does, without an index (so offline): as a wheel and editable,
// reading a trace with the installed package from outside the checkout,
// and uninstalls it after each.
func TestPythonInstall(t *testing.T) {
	if testing.Short() {
		t.Skip("makes a venv and runs pip (about 20 s)")
	}
	py := pythonWithVenv(t)
	src, err := filepath.Abs("../../python")
	if err != nil {
		t.Fatal(err)
	}
	before := treeFiles(t, src)
	dir := t.TempDir()
	work := filepath.Join(dir, "work") // the commands run outside the checkout
	if err := os.Mkdir(work, 0o755); err != nil {
		t.Fatal(err)
	}
	env := pythonEnv()
	run := func(name string, args ...string) (string, error) {
		cmd := exec.Command(name, args...)
		cmd.Dir, cmd.Env = work, env
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	must := func(name string, args ...string) string {
		t.Helper()
		out, err := run(name, args...)
		if err != nil {
			t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
		}
		return out
	}

	// A trace for the installed package to read: the .npz route needs
	// NumPy only (the .aer one may need a zstd decoder).
	want := goCase(t, "../../aer/testdata/v1.aer")
	npz := filepath.Join(dir, "v1.npz")
	if code, _, errs := spindle(t, "trace", "convert", "../../aer/testdata/v1.aer", npz); code != 0 {
		t.Fatalf("convert: exit %d: %s", code, errs)
	}

	venv := filepath.Join(dir, "venv")
	if out, err := run(py, "-m", "venv", "--system-site-packages", venv); err != nil {
		t.Skipf("%s -m venv: %v (apt-get install python3-venv):\n%s", py, err, out)
	}
	vpy, pip := filepath.Join(venv, "bin", "python"), filepath.Join(venv, "bin", "pip")
	site, err := filepath.Glob(filepath.Join(venv, "lib", "python3*", "site-packages"))
	if err != nil || len(site) != 1 {
		t.Fatalf("the venv's site-packages: %v %v", site, err)
	}
	const probe = `import importlib.metadata as md, json, sys, spindle_aer
tr = spindle_aer.read(sys.argv[1])
print(json.dumps({"file": spindle_aer.__file__, "version": md.version("spindle-aer"),
  "package_version": spindle_aer.__version__, "requires": md.requires("spindle-aer"),
  "spikes": len(tr.spikes), "first": [int(tr.spikes["t"][0]), int(tr.spikes["addr"][0])],
  "last": [int(tr.spikes["t"][-1]), int(tr.spikes["addr"][-1])], "dt_ms": tr.dt_ms}))`
	type found struct {
		File           string   `json:"file"`
		Version        string   `json:"version"`
		PackageVersion string   `json:"package_version"`
		Requires       []string `json:"requires"`
		Spikes         int      `json:"spikes"`
		First          [2]int64 `json:"first"`
		Last           [2]int64 `json:"last"`
		DtMs           float64  `json:"dt_ms"`
	}
	for _, tc := range []struct {
		name, from string // from: where spindle_aer/__init__.py must be found
		args       []string
	}{
		{"wheel", filepath.Join(site[0], "spindle_aer", "__init__.py"), []string{src}},
		{"editable", filepath.Join(src, "spindle_aer", "__init__.py"), []string{"-e", src}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			must(pip, append([]string{"install", "--no-index", "--no-cache-dir"}, tc.args...)...)
			var got found
			if err := json.Unmarshal([]byte(must(vpy, "-c", probe, npz)), &got); err != nil {
				t.Fatal(err)
			}
			if got.File != tc.from {
				t.Errorf("spindle_aer imported from %s, want %s", got.File, tc.from)
			}
			if got.Version == "" || got.Version != got.PackageVersion {
				t.Errorf("installed version %q, spindle_aer.__version__ %q", got.Version, got.PackageVersion)
			}
			if len(got.Requires) == 0 || got.Requires[0] != "numpy" {
				t.Errorf("requirements %q: want numpy first", got.Requires)
			}
			if got.Spikes != want.Spikes || got.First != want.FirstSpike || got.Last != want.LastSpike || got.DtMs != want.DtMs {
				t.Errorf("read %d spikes %v..%v dt %g, Go read %d %v..%v dt %g",
					got.Spikes, got.First, got.Last, got.DtMs, want.Spikes, want.FirstSpike, want.LastSpike, want.DtMs)
			}
			must(pip, "uninstall", "-y", "spindle-aer")
			if out, err := run(vpy, "-c", "import spindle_aer"); err == nil || !strings.Contains(out, "ModuleNotFoundError") {
				t.Errorf("spindle_aer still imports after pip uninstall: %v %s", err, out)
			}
			for _, pat := range []string{"spindle_aer*", "__editable__*spindle_aer*"} {
				if left, _ := filepath.Glob(filepath.Join(site[0], pat)); len(left) > 0 {
					t.Errorf("pip uninstall left %v", left)
				}
			}
		})
	}
	after := treeFiles(t, src)
	for p := range after {
		if _, ok := before[p]; !ok {
			t.Errorf("installing wrote %s into the checkout", p)
		}
	}
}
