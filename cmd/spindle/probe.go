package main

import (
	"encoding/binary"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/pflag"
	"github.com/spindle-sim/spindle/chip"
	"github.com/spindle-sim/spindle/npy"
	"github.com/spindle-sim/spindle/snn"
)

// probeSpec is one --probe: variable v of neurons [from, to) of a
// population.
type probeSpec struct {
	text     string
	pop      string
	from, to int // to < 0: to the end of the population
	v        chip.Var
}

// parseProbe parses POP.VAR, POP[K].VAR or POP[A:B].VAR (A or B may be
// left out: from the first, to the last).
func parseProbe(s string) (probeSpec, error) {
	p := probeSpec{text: s, to: -1}
	dot := strings.LastIndexByte(s, '.')
	if dot < 0 {
		return p, fmt.Errorf("--probe %q: expected POP.VAR, POP[K].VAR or POP[A:B].VAR, e.g. exc[0:10].v", s)
	}
	v, err := chip.ParseVar(s[dot+1:])
	if err != nil {
		return p, fmt.Errorf("--probe %q: %w", s, err)
	}
	p.v = v
	head := s[:dot]
	if open := strings.IndexByte(head, '['); open >= 0 {
		if !strings.HasSuffix(head, "]") {
			return p, fmt.Errorf("--probe %q: expected ] after the index range", s)
		}
		rng := head[open+1 : len(head)-1]
		head = head[:open]
		num := func(t string, def int) (int, error) {
			if t == "" {
				return def, nil
			}
			n, err := strconv.Atoi(t)
			if err != nil || n < 0 {
				return 0, fmt.Errorf("--probe %q: index %q: expected a non-negative integer", s, t)
			}
			return n, nil
		}
		if a, b, ok := strings.Cut(rng, ":"); ok {
			if p.from, err = num(a, 0); err != nil {
				return p, err
			}
			if p.to, err = num(b, -1); err != nil {
				return p, err
			}
			if p.to >= 0 && p.to <= p.from {
				return p, fmt.Errorf("--probe %q: range [%d:%d] is empty: expected A < B", s, p.from, p.to)
			}
		} else {
			if rng == "" {
				return p, fmt.Errorf("--probe %q: expected an index or a range A:B inside []", s)
			}
			if p.from, err = num(rng, 0); err != nil {
				return p, err
			}
			p.to = p.from + 1
		}
	}
	if head == "" {
		return p, fmt.Errorf("--probe %q: expected a population name before the index or .%s", s, p.v)
	}
	p.pop = head
	return p, nil
}

// neurons returns the global ids the spec names in network g, or an error
// naming the population or index that does not fit.
func (p *probeSpec) neurons(g *snn.Graph) (pop int, ids []uint32, err error) {
	net := g.Net
	pop = net.PopulationIndex(p.pop)
	if pop < 0 {
		var names []string
		for i := range net.Populations {
			names = append(names, net.Populations[i].Name)
		}
		return 0, nil, fmt.Errorf("--probe %q: no population %q (have: %s)", p.text, p.pop, strings.Join(names, ", "))
	}
	pp := &net.Populations[pop]
	if pp.Kind != snn.LIF {
		return 0, nil, fmt.Errorf("--probe %q: population %q is an input (%s), which has no state: expected a LIF population", p.text, p.pop, pp.Kind)
	}
	to := p.to
	if to < 0 {
		to = pp.Size
	}
	if p.from >= pp.Size || to > pp.Size {
		return 0, nil, fmt.Errorf("--probe %q: population %q has %d neurons (0 to %d): the index is out of range", p.text, p.pop, pp.Size, pp.Size-1)
	}
	for i := p.from; i < to; i++ {
		ids = append(ids, uint32(g.PopStart[pop]+i))
	}
	return pop, ids, nil
}

// probeFlags are run's --probe, --probe-out and --series.
type probeFlags struct {
	specs  []string
	out    string
	series string
	parsed []probeSpec
}

func (f *probeFlags) register(fs *pflag.FlagSet) {
	fs.StringArrayVar(&f.specs, "probe", nil, "record a state variable of neurons every tick: `POP[A:B].VAR`, POP[K].VAR or POP.VAR, VAR v (membrane potential, mV) or i (synaptic current of each receptor, mV); repeatable (docs/probes.md)")
	fs.StringVar(&f.out, "probe-out", "", "write the --probe recordings to `FILE` (.npz; default: beside --trace as NAME.probes.npz, else probes.npz)")
	fs.StringVar(&f.series, "series", "", "write a per-tick series of spikes, packets, hop-packets, drops, late packets, energy by component and modelled tick time to `FILE` (.csv or .npz)")
}

// check parses the flags and refuses an output that is one of the run's
// inputs or outputs.
func (f *probeFlags) check(trace string, inputs ...string) error {
	for _, s := range f.specs {
		p, err := parseProbe(s)
		if err != nil {
			return usagef("%v", err)
		}
		f.parsed = append(f.parsed, p)
	}
	if f.out != "" && len(f.specs) == 0 {
		return usagef("--probe-out %s: expected --probe to say what to record", f.out)
	}
	if len(f.specs) > 0 && f.out == "" {
		f.out = "probes.npz"
		if trace != "" {
			f.out = strings.TrimSuffix(trace, filepath.Ext(trace)) + ".probes.npz"
		}
	}
	if f.out != "" && strings.ToLower(filepath.Ext(f.out)) != ".npz" {
		return usagef("--probe-out %s: expected a .npz file name", f.out)
	}
	if e := strings.ToLower(filepath.Ext(f.series)); f.series != "" && e != ".csv" && e != ".npz" {
		return usagef("--series %s: expected a .csv or .npz file name", f.series)
	}
	for _, out := range []struct{ flag, path string }{{"--probe-out", f.out}, {"--series", f.series}} {
		if out.path == "" {
			continue
		}
		for _, in := range append([]string{trace}, inputs...) {
			if in != "" && (sameFile(out.path, in) || filepath.Clean(out.path) == filepath.Clean(in)) {
				return usagef("%s %s: the same file as %s, which it would overwrite; choose another name", out.flag, out.path, in)
			}
		}
	}
	if f.out != "" && f.series != "" && filepath.Clean(f.out) == filepath.Clean(f.series) {
		return usagef("--series %s: the same file as --probe-out", f.series)
	}
	return nil
}

// probeRun holds the probes and the series of one run.
type probeRun struct {
	f      *probeFlags
	b      *built
	eng    *chip.Engine
	specs  []probeSpec
	pops   []int
	probes []*chip.Probe

	// The series: the totals after the previous tick, and a column of
	// per-tick values for each quantity.
	last   chip.Stats
	ticks  []int64
	counts map[string][]int64
	energy map[string][]float64
}

var seriesCounts = []string{"spikes", "packets", "hop_packets", "drops", "late"}

// start attaches the probes to eng, with room for ticks rows. It returns
// nil when there is nothing to record.
func (f *probeFlags) start(b *built, eng *chip.Engine, ticks int) (*probeRun, error) {
	if f == nil || (len(f.parsed) == 0 && f.series == "") {
		return nil, nil
	}
	r := &probeRun{f: f, b: b, eng: eng, specs: f.parsed}
	for i := range r.specs {
		pop, ids, err := r.specs[i].neurons(b.graph)
		if err != nil {
			return nil, &usageError{err}
		}
		p, err := eng.Probe(ids, r.specs[i].v)
		if err != nil {
			return nil, fmt.Errorf("--probe %q: %w", r.specs[i].text, err)
		}
		p.Reserve(ticks)
		r.pops, r.probes = append(r.pops, pop), append(r.probes, p)
	}
	if f.series != "" {
		r.last = eng.Stats()
		r.counts, r.energy = map[string][]int64{}, map[string][]float64{}
	}
	return r, nil
}

// step appends the tick just simulated to the series.
func (r *probeRun) step() {
	if r == nil || r.counts == nil {
		return
	}
	s := r.eng.Stats()
	l := r.last
	r.ticks = append(r.ticks, s.Ticks-1)
	for k, d := range []int64{s.Spikes - l.Spikes, s.Router.Sent - l.Router.Sent, s.Router.HopPackets - l.Router.HopPackets,
		s.Router.Dropped - l.Router.Dropped, s.Router.Late - l.Router.Late} {
		r.counts[seriesCounts[k]] = append(r.counts[seriesCounts[k]], d)
	}
	n := len(r.ticks)
	add := func(name string, x float64) {
		col := r.energy[name]
		if len(col) < n-1 { // a component that appeared only now
			col = append(col, make([]float64, n-1-len(col))...)
		}
		r.energy[name] = append(col, x)
	}
	for c, e := range s.EnergyByComponent {
		add("energy_"+c, e-l.EnergyByComponent[c])
	}
	add("energy_total", s.EnergyJoules-l.EnergyJoules)
	add("tick_seconds", s.ModelledSeconds-l.ModelledSeconds)
	r.last = s
}

// finish writes the files.
func (r *probeRun) finish(source string) error {
	if r == nil {
		return nil
	}
	if len(r.probes) > 0 {
		if err := writeOutput(r.f.out, r.writeProbes(source)); err != nil {
			return fmt.Errorf("--probe-out %s: %w", r.f.out, err)
		}
	}
	if r.counts != nil {
		if err := writeOutput(r.f.series, r.writeSeries(source)); err != nil {
			return fmt.Errorf("--series %s: %w", r.f.series, err)
		}
	}
	return nil
}

// probeMeta is the JSON "meta" member of a probe file (docs/probes.md).
type probeMeta struct {
	Format    string           `json:"format"`
	Version   int              `json:"version"`
	DtMs      float64          `json:"dt_ms"`
	FirstTick int64            `json:"first_tick"`
	Ticks     int              `json:"ticks"`
	Mode      snn.Mode         `json:"mode"`
	Network   string           `json:"network"`
	Source    string           `json:"source"`
	Probes    []probeMetaEntry `json:"probes"`
}

type probeMetaEntry struct {
	Name       string   `json:"name"`
	Array      string   `json:"array"`
	Population string   `json:"population"`
	Index      []int    `json:"index"` // within the population
	Variable   string   `json:"variable"`
	Units      string   `json:"units"`
	VRestMv    float64  `json:"v_rest_mv"`
	Receptors  []string `json:"receptors,omitempty"`
	Shape      []int    `json:"shape"`
}

func (r *probeRun) writeProbes(source string) func(*os.File) error {
	return func(f *os.File) error {
		net := r.b.net
		p0 := r.probes[0]
		m := probeMeta{Format: "spindle-probes", Version: 1, DtMs: net.Dt, FirstTick: p0.First(), Ticks: p0.Len(),
			Mode: r.b.mode, Network: net.Name, Source: source}
		z := npy.NewZip(f)
		ticks := make([]byte, 0, 8*p0.Len())
		for k := 0; k < p0.Len(); k++ {
			ticks = binary.LittleEndian.AppendUint64(ticks, uint64(p0.First()+int64(k)))
		}
		z.Array("tick", "<i8", []int{p0.Len()}, ticks)
		for k, p := range r.probes {
			pop := &net.Populations[r.pops[k]]
			e := probeMetaEntry{Name: r.specs[k].text, Array: fmt.Sprintf("probe%d", k), Population: pop.Name,
				Variable: p.Var().String(), Units: "mV", VRestMv: pop.Neuron.VRest}
			first := r.b.graph.PopStart[r.pops[k]]
			for _, id := range p.Neurons() {
				e.Index = append(e.Index, int(id)-first)
			}
			e.Shape = []int{p.Len(), len(p.Neurons())}
			data := p.Data()
			off := 0.0
			if p.Var() == chip.V {
				off = pop.Neuron.VRest // the file holds the absolute potential
			} else {
				e.Shape = append(e.Shape, p.Width())
				for _, rc := range pop.Neuron.Receptors {
					e.Receptors = append(e.Receptors, rc.Name)
				}
			}
			b := make([]byte, 0, 8*len(data))
			for _, x := range data {
				b = binary.LittleEndian.AppendUint64(b, math.Float64bits(x+off))
			}
			z.Array(e.Array, "<f8", e.Shape, b)
			m.Probes = append(m.Probes, e)
		}
		js, err := json.Marshal(m)
		if err != nil {
			return err
		}
		z.Float64("dt_ms", net.Dt)
		z.String("meta", string(js))
		return z.Close()
	}
}

// seriesColumns returns the series' column names in their order: tick,
// the counts, the energies by component (sorted), the total energy and
// the modelled tick time.
func (r *probeRun) seriesColumns() []string {
	cols := append([]string{"tick"}, seriesCounts...)
	var en []string
	for name := range r.energy {
		if name != "energy_total" && name != "tick_seconds" {
			en = append(en, name)
		}
	}
	slices.Sort(en)
	return append(append(cols, en...), "energy_total", "tick_seconds")
}

// column returns column name, padded with zeros to the series' length.
func (r *probeRun) column(name string) (ints []int64, floats []float64) {
	switch {
	case name == "tick":
		return r.ticks, nil
	case r.counts[name] != nil:
		return r.counts[name], nil
	}
	col := r.energy[name]
	return nil, append(col, make([]float64, len(r.ticks)-len(col))...)
}

// seriesMeta is the JSON "meta" member of an .npz series.
type seriesMeta struct {
	Format  string            `json:"format"`
	Version int               `json:"version"`
	DtMs    float64           `json:"dt_ms"`
	Network string            `json:"network"`
	Source  string            `json:"source"`
	Arch    string            `json:"arch"`
	Timing  string            `json:"timing"`
	Columns []string          `json:"columns"`
	Units   map[string]string `json:"units"`
}

func (r *probeRun) writeSeries(source string) func(*os.File) error {
	return func(f *os.File) error {
		cols := r.seriesColumns()
		if strings.ToLower(filepath.Ext(r.f.series)) == ".csv" {
			w := csv.NewWriter(f)
			w.Write(cols)
			row := make([]string, len(cols))
			ints := make([][]int64, len(cols))
			floats := make([][]float64, len(cols))
			for c, name := range cols {
				ints[c], floats[c] = r.column(name)
			}
			for k := range r.ticks {
				for c := range cols {
					if ints[c] != nil {
						row[c] = strconv.FormatInt(ints[c][k], 10)
					} else {
						row[c] = strconv.FormatFloat(floats[c][k], 'g', -1, 64)
					}
				}
				w.Write(row)
			}
			w.Flush()
			return w.Error()
		}
		m := seriesMeta{Format: "spindle-series", Version: 1, DtMs: r.b.net.Dt, Network: r.b.net.Name, Source: source,
			Arch: r.b.arch.Name, Timing: r.last.Timing.String(), Columns: cols, Units: map[string]string{}}
		z := npy.NewZip(f)
		n := len(r.ticks)
		for _, name := range cols {
			ints, floats := r.column(name)
			b := make([]byte, 0, 8*n)
			if ints != nil {
				for _, x := range ints {
					b = binary.LittleEndian.AppendUint64(b, uint64(x))
				}
				z.Array(name, "<i8", []int{n}, b)
				m.Units[name] = "count"
				continue
			}
			for _, x := range floats {
				b = binary.LittleEndian.AppendUint64(b, math.Float64bits(x))
			}
			z.Array(name, "<f8", []int{n}, b)
			m.Units[name] = "J"
		}
		m.Units["tick"] = "tick"
		m.Units["tick_seconds"] = "s"
		js, err := json.Marshal(m)
		if err != nil {
			return err
		}
		z.Float64("dt_ms", r.b.net.Dt)
		z.String("meta", string(js))
		return z.Close()
	}
}
