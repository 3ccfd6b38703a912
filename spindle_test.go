package spindle_test

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spindle-sim/spindle"
	"github.com/spindle-sim/spindle/chip"
	"github.com/spindle-sim/spindle/chip/mapping"
	"github.com/spindle-sim/spindle/snn"
)

// TestDocProgram: the program in the package documentation is the body
// of Example, which the tests compile and run, so the documented program
// compiles and runs as shown.
func TestDocProgram(t *testing.T) {
	fset := token.NewFileSet()
	docFile, err := parser.ParseFile(fset, "doc.go", nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	var prog []string
	in := false
	for _, line := range strings.Split(docFile.Doc.Text(), "\n") {
		switch {
		case strings.HasPrefix(line, "\tpackage main"):
			in = true
		case in && !strings.HasPrefix(line, "\t") && line != "":
			in = false
		}
		if in {
			prog = append(prog, strings.TrimPrefix(line, "\t"))
		}
	}
	if len(prog) == 0 {
		t.Fatal("doc.go: no program (a tab-indented block starting with package main)")
	}
	if len(prog) > 40 {
		t.Errorf("doc.go: the program has %d lines; the front door promises a short one", len(prog))
	}
	docBody := funcBody(t, "doc.go program", strings.Join(prog, "\n"), "main")
	src, err := os.ReadFile("example_test.go")
	if err != nil {
		t.Fatal(err)
	}
	exBody := funcBody(t, "example_test.go", string(src), "Example")
	if docBody != exBody {
		t.Errorf("the program of doc.go and func Example differ:\n--- doc.go main\n%s\n--- Example\n%s", docBody, exBody)
	}
}

// funcBody returns the statements of function name in src, printed.
func funcBody(t *testing.T, what, src, name string) string {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, what, src, 0) // no comments: the Output lines go
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	for _, d := range f.Decls {
		if fn, ok := d.(*ast.FuncDecl); ok && fn.Name.Name == name {
			var b bytes.Buffer
			for _, st := range fn.Body.List {
				printer.Fprint(&b, fset, st)
				b.WriteByte('\n')
			}
			return b.String()
		}
	}
	t.Fatalf("%s: no func %s", what, name)
	return ""
}

func tinyNet(mode snn.Mode) *snn.Network {
	lif := snn.Neuron{TauM: 10, VTh: 1, Receptors: []snn.Receptor{{Name: "exc", TauSyn: 2}}}
	return &snn.Network{Name: "tiny", Dt: 1, Seed: 3, Mode: mode,
		Populations: []snn.Population{
			{Name: "in", Size: 3, Kind: snn.Poisson, RateHz: 200},
			{Name: "out", Size: 4, Neuron: lif},
		},
		Projections: []snn.Projection{{Pre: "in", Post: "out", Connector: snn.Connector{Kind: snn.AllToAll}, Weight: snn.Const(3)}},
	}
}

func loihi(t *testing.T) *chip.Arch {
	t.Helper()
	a, err := spindle.Arch("loihi")
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestMode: the engine runs in the network's mode unless the options name
// one.
func TestMode(t *testing.T) {
	for _, c := range []struct {
		net, opt, want snn.Mode
	}{
		{snn.NetworkMode, snn.NetworkMode, snn.Float},
		{snn.Fixed, snn.NetworkMode, snn.Fixed},
		{snn.Float, snn.NetworkMode, snn.Float},
		{snn.Fixed, snn.Float, snn.Float},
		{snn.Float, snn.Fixed, snn.Fixed},
	} {
		sim, err := spindle.New(tinyNet(c.net), loihi(t), spindle.Options{Mode: c.opt})
		if err != nil {
			t.Fatal(err)
		}
		if err := sim.Run(50); err != nil {
			t.Fatal(err)
		}
		// The engine's own mode shows in its checkpoint.
		var ck bytes.Buffer
		if err := sim.Engine.Checkpoint(&ck); err != nil {
			t.Fatal(err)
		}
		snap, err := chip.ReadCheckpoint(&ck)
		if err != nil {
			t.Fatal(err)
		}
		sim.Close()
		if sim.Mode != c.want || snap.Mode != c.want {
			t.Errorf("network %v, options %v: Sim.Mode %v, engine %v; want %v", c.net, c.opt, sim.Mode, snap.Mode, c.want)
		}
		if len(sim.Spikes()) == 0 {
			t.Errorf("network %v, options %v: no spikes", c.net, c.opt)
		}
	}
}

// TestErrors: bad input is an error that says what was expected.
func TestErrors(t *testing.T) {
	noWeight := tinyNet(snn.Fixed)
	noWeight.Projections[0].Weight = snn.Dist{}
	for _, c := range []struct {
		name string
		do   func(t *testing.T) error
		want string
	}{
		{"nil network", func(t *testing.T) error { _, err := spindle.New(nil, loihi(t), spindle.Options{}); return err }, "expected a network"},
		{"no weight", func(t *testing.T) error { _, err := spindle.New(noWeight, loihi(t), spindle.Options{}); return err },
			`projection 0 (in -> out): weight: expected a weight`},
		{"bad mapper", func(t *testing.T) error {
			_, err := spindle.New(tinyNet(snn.Fixed), loihi(t), spindle.Options{Mapper: mapping.Mapper(9)})
			return err
		}, "expected one of sequential, balanced, random, locality"},
		{"unknown preset", func(t *testing.T) error { _, err := spindle.Arch("loihi9"); return err }, "loihi9"},
		{"missing file", func(t *testing.T) error { _, err := spindle.Load(filepath.Join(t.TempDir(), "none.yaml")); return err }, "none.yaml"},
		{"probe population", func(t *testing.T) error { return probe(t, "hidden", 0, 1, chip.V) }, `population "hidden": no such population`},
		{"probe range", func(t *testing.T) error { return probe(t, "out", 2, 9, chip.V) }, "neuron 8: expected an index in [0, 4)"},
		{"probe empty", func(t *testing.T) error { return probe(t, "out", 2, 2, chip.V) }, "expected lo < hi"},
		{"probe input", func(t *testing.T) error { return probe(t, "in", 0, 1, chip.V) }, "has no state"},
		{"negative run", func(t *testing.T) error {
			sim, err := spindle.New(tinyNet(snn.Fixed), loihi(t), spindle.Options{})
			if err != nil {
				return err
			}
			defer sim.Close()
			return sim.Run(-1)
		}, "expected a non-negative count"},
		{"no sleep", func(t *testing.T) error {
			sim, err := spindle.New(tinyNet(snn.Fixed), loihi(t), spindle.Options{})
			if err != nil {
				return err
			}
			defer sim.Close()
			return sim.Sleep()
		}, "no sleep protocol"},
		{"trace directory", func(t *testing.T) error {
			_, err := spindle.New(tinyNet(snn.Fixed), loihi(t), spindle.Options{Trace: filepath.Join(t.TempDir(), "no", "such.aer")})
			return err
		}, "such.aer"},
		{"read trace", func(t *testing.T) error {
			p := filepath.Join(t.TempDir(), "bad.aer")
			os.WriteFile(p, []byte("not a trace"), 0o644)
			_, _, err := spindle.ReadTrace(p)
			return err
		}, "bad.aer"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := c.do(t)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}

func probe(t *testing.T, pop string, lo, hi int, v chip.Var) error {
	sim, err := spindle.New(tinyNet(snn.Fixed), loihi(t), spindle.Options{})
	if err != nil {
		return err
	}
	defer sim.Close()
	_, err = sim.Probe(pop, lo, hi, v)
	return err
}

// TestTraceMatchesSpikes: a recorded trace holds the spikes a run without
// one keeps, and OnSpike sees them too.
func TestTraceMatchesSpikes(t *testing.T) {
	for _, mapper := range mapping.Mappers() {
		plain, err := spindle.New(tinyNet(snn.Fixed), loihi(t), spindle.Options{Mapper: mapper})
		if err != nil {
			t.Fatal(err)
		}
		if err := plain.Run(100); err != nil {
			t.Fatal(err)
		}
		plain.Close()
		p := filepath.Join(t.TempDir(), "tiny.aer")
		seen := 0
		rec, err := spindle.New(tinyNet(snn.Fixed), loihi(t), spindle.Options{Mapper: mapper, Trace: p, OnSpike: func(int64, uint32) { seen++ }})
		if err != nil {
			t.Fatal(err)
		}
		if err := rec.Run(100); err != nil {
			t.Fatal(err)
		}
		if err := rec.Close(); err != nil {
			t.Fatal(err)
		}
		meta, spikes, err := spindle.ReadTrace(p)
		if err != nil {
			t.Fatal(err)
		}
		want := plain.Spikes()
		if len(want) == 0 || !slices.Equal(spikes, want) || seen != len(want) || rec.Spikes() != nil {
			t.Errorf("%v: trace %d spikes, OnSpike %d, kept %d; want %d", mapper, len(spikes), seen, len(rec.Spikes()), len(want))
		}
		if meta.Run == nil || meta.Run.Map != mapper.String() || meta.Run.Mode != "fixed" || len(meta.Populations) != 2 {
			t.Errorf("%v: trace metadata %+v", mapper, meta)
		}
	}
}

// TestCompareFollowsMode: Compare runs in the network's mode and with the
// arch's weight bits.
func TestCompareFollowsMode(t *testing.T) {
	for _, mode := range []snn.Mode{snn.Fixed, snn.Float} {
		a := loihi(t)
		rep, err := spindle.Compare(tinyNet(mode), a, 200, spindle.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Mode != mode || rep.WeightBits != a.WeightBits {
			t.Errorf("%v network: report mode %s, %d weight bits; want %v, %d", mode, rep.Mode, rep.WeightBits, mode, a.WeightBits)
		}
		if mode == snn.Fixed && !rep.Identical {
			t.Errorf("fixed mode: engine and dense reference differ: %d and %d spikes", rep.EventSpikes, rep.DenseSpikes)
		}
	}
}
