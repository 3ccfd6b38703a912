package loader

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/spindle-sim/spindle/chip"
	"github.com/spindle-sim/spindle/snn"
	"gopkg.in/yaml.v3"
)

var placementKeys = []string{"cores", "counts", "file"}

// maxCore bounds a core index in a placement: far beyond any board the
// router models, small enough that a typo cannot allocate gigabytes.
const maxCore = 1 << 24

// LoadPlacement reads a placement file, a YAML document whose only key is
// placement: (as in a network file; see docs/yaml.md), for the populations
// of net. Per-neuron files it names are relative to it.
func LoadPlacement(path string, net *snn.Network) ([]snn.Placement, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("loader: %w", err)
	}
	p := &netParser{dec: dec{file: path}, net: net}
	root, err := p.dec.parse(data)
	if err != nil {
		return nil, err
	}
	top, err := p.mapping(root, "", []string{"placement"})
	if err != nil {
		return nil, err
	}
	f, ok := top.get("placement")
	if !ok {
		return nil, p.errAt(root, "", "missing required field placement")
	}
	return p.parsePlacement(f.val)
}

// parsePlacement decodes placement: a mapping from population names to
// {cores: "0-3,7", counts: [...]} or {file: cores.csv}.
func (p *netParser) parsePlacement(v *yaml.Node) ([]snn.Placement, error) {
	v = resolve(v)
	if isNull(v) {
		return nil, nil
	}
	if v.Kind != yaml.MappingNode {
		return nil, p.errAt(v, "placement", "expected a mapping from population names to {cores: \"0-3\"} or {file: cores.csv}, got %s", describe(v))
	}
	var out []snn.Placement
	seen := map[string]int{}
	for i := 0; i+1 < len(v.Content); i += 2 {
		k := resolve(v.Content[i])
		name, err := p.name(k, "placement")
		if err != nil {
			return nil, err
		}
		path := "placement." + name
		if line, dup := seen[name]; dup {
			return nil, p.errAt(k, path, "defined twice (first at line %d)", line)
		}
		seen[name] = k.Line
		pi := p.net.PopulationIndex(name)
		if pi < 0 {
			return nil, p.errAt(k, path, "unknown population %q (have: %s)", clip(name), p.popNames())
		}
		pl, err := p.placeOne(v.Content[i+1], path, name, p.net.Populations[pi].Size)
		if err != nil {
			return nil, err
		}
		out = append(out, pl)
	}
	return out, nil
}

func (p *netParser) placeOne(v *yaml.Node, path, pop string, size int) (snn.Placement, error) {
	pl := snn.Placement{Population: pop}
	if r := resolve(v); r == nil || r.Kind != yaml.MappingNode {
		return pl, p.errAt(v, path, "expected {cores: \"0-3\"}, {cores: [0, 1], counts: [n0, n1]} or {file: cores.csv}, got %s", describe(v))
	}
	f, err := p.mapping(v, path, placementKeys)
	if err != nil {
		return pl, err
	}
	if g, ok := f.get("file"); ok {
		if f.has("cores") || f.has("counts") {
			return pl, p.errAt(g.key, path, "expected either file or cores, not both")
		}
		return p.placementFile(g.val, join(path, "file"), pop, size)
	}
	g, ok := f.get("cores")
	if !ok {
		return pl, p.errAt(f.node, path, "missing required field cores (a list or ranges such as \"0-3,7\") or file")
	}
	cp := join(path, "cores")
	cores, err := p.coreList(g.val, cp)
	if err != nil {
		return pl, err
	}
	if len(cores) == 0 {
		return pl, p.errAt(g.val, cp, "expected at least one core")
	}
	counts := make([]int, len(cores))
	if h, ok := f.get("counts"); ok {
		np := join(path, "counts")
		items, err := p.seq(h.val, np)
		if err != nil {
			return pl, err
		}
		if len(items) != len(cores) {
			return pl, p.errAt(h.val, np, "expected %d counts, one per core, got %d", len(cores), len(items))
		}
		total := 0
		for k, it := range items {
			n, err := p.integer(it, index(np, k), "a neuron count >= 0", 0, int64(size))
			if err != nil {
				return pl, err
			}
			counts[k] = int(n)
			total += int(n)
		}
		if total != size {
			return pl, p.errAt(h.val, np, "expected counts summing to the %d neurons of population %q, got %d", size, pop, total)
		}
	} else {
		// Deal the neurons out in order, as evenly as possible; the first
		// cores take one more.
		for k := range counts {
			counts[k] = size / len(cores)
			if k < size%len(cores) {
				counts[k]++
			}
		}
	}
	pl.Cores = make([]int, 0, size)
	for k, c := range cores {
		for range counts[k] {
			pl.Cores = append(pl.Cores, c)
		}
	}
	return pl, nil
}

// coreList decodes cores: an integer, a list of integers, or text of
// comma-separated indices and ranges such as "0-3,7".
func (p *netParser) coreList(v *yaml.Node, path string) ([]int, error) {
	r := resolve(v)
	what := fmt.Sprintf("core indices in [0, %d) as a list or ranges such as \"0-3,7\"", maxCore)
	if r != nil && r.Kind == yaml.SequenceNode {
		out := make([]int, len(r.Content))
		for k, it := range r.Content {
			c, err := p.integer(it, index(path, k), fmt.Sprintf("a core index in [0, %d)", maxCore), 0, maxCore-1)
			if err != nil {
				return nil, err
			}
			out[k] = int(c)
		}
		return out, nil
	}
	if r == nil || r.Kind != yaml.ScalarNode || (r.Tag != "!!str" && r.Tag != "!!int") {
		return nil, p.errAt(v, path, "expected %s, got %s", what, describe(v))
	}
	var out []int
	for _, part := range strings.Split(r.Value, ",") {
		lo, hi, isRange := strings.Cut(strings.TrimSpace(part), "-")
		a, err1 := strconv.Atoi(strings.TrimSpace(lo))
		b, err2 := a, error(nil)
		if isRange {
			b, err2 = strconv.Atoi(strings.TrimSpace(hi))
		}
		if err1 != nil || err2 != nil || a < 0 || b < a || b >= maxCore {
			return nil, p.errAt(r, path, "expected %s, got %q", what, clip(strings.TrimSpace(part)))
		}
		if len(out)+b-a+1 > maxCore {
			return nil, p.errAt(r, path, "more than %d cores", maxCore)
		}
		for c := a; c <= b; c++ {
			out = append(out, c)
		}
	}
	return out, nil
}

// placementFile reads a per-neuron placement: a CSV file with a header
// core or core,slot and one row per neuron, in neuron order.
func (p *netParser) placementFile(v *yaml.Node, path, pop string, size int) (snn.Placement, error) {
	pl := snn.Placement{Population: pop}
	name, err := p.name(v, path)
	if err != nil {
		return pl, p.errAt(v, path, "expected a CSV file name, got %s", describe(v))
	}
	file := name
	if !filepath.IsAbs(file) {
		file = filepath.Join(filepath.Dir(p.file), file)
	}
	f, err := os.Open(file)
	if err == nil {
		var st os.FileInfo
		if st, err = f.Stat(); err == nil && !st.Mode().IsRegular() {
			err = errors.New("not a regular file")
		}
		if err == nil {
			pl.Cores, pl.Slots, err = readPlacementCSV(f, size)
		}
		f.Close()
	}
	if err != nil {
		return pl, p.errAt(v, path, "%s: %v", name, err)
	}
	return pl, nil
}

// readPlacementCSV reads the core (and slot) of each of size neurons.
func readPlacementCSV(r io.Reader, size int) (cores, slots []int, err error) {
	cr := csv.NewReader(r)
	cr.Comment = '#'
	cr.ReuseRecord = true
	head, err := cr.Read()
	if err == io.EOF {
		return nil, nil, errors.New("empty file: expected a header core or core,slot")
	}
	if err != nil {
		return nil, nil, csvError(err)
	}
	for i := range head {
		head[i] = strings.TrimSpace(head[i])
	}
	withSlots := slices.Equal(head, []string{"core", "slot"})
	if !withSlots && !slices.Equal(head, []string{"core"}) {
		return nil, nil, fmt.Errorf("line 1: header %q: expected core or core,slot", clip(strings.Join(head, ",")))
	}
	cores = make([]int, 0, size)
	if withSlots {
		slots = make([]int, 0, size)
	}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, csvError(err)
		}
		line, _ := cr.FieldPos(0)
		if len(cores) == size {
			return nil, nil, fmt.Errorf("line %d: more rows than the %d neurons of the population", line, size)
		}
		for i, field := range rec {
			n, err := strconv.Atoi(strings.TrimSpace(field))
			if i == 0 && (err != nil || n < 0 || n >= maxCore) {
				return nil, nil, fmt.Errorf("line %d: core: expected a core index in [0, %d), got %q", line, maxCore, clip(field))
			}
			if i == 1 && (err != nil || n < 0 || n > math.MaxUint16) {
				return nil, nil, fmt.Errorf("line %d: slot: expected a position in [0, %d], got %q", line, math.MaxUint16, clip(field))
			}
			if i == 0 {
				cores = append(cores, n)
			} else {
				slots = append(slots, n)
			}
		}
	}
	if len(cores) != size {
		return nil, nil, fmt.Errorf("%d rows for the %d neurons of the population: expected one per neuron", len(cores), size)
	}
	return cores, slots, nil
}

// WritePlacement writes mapping m of graph g as a placement file (see
// LoadPlacement) to path: each population as core ranges with counts when
// its neurons sit in runs, one core after the other; otherwise, and for
// every population when some core holds its neurons out of neuron order,
// as a per-neuron CSV file beside path. Feeding the file back with the
// same arch and chips reproduces m's cores, their order and the board.
func WritePlacement(path string, g *snn.Graph, m *chip.Mapping) error {
	net := g.Net
	// A core in neuron order needs no slots; one that is not needs them
	// for every neuron on it, and so, simply, does every population.
	ordered := true
	for _, ns := range m.Cores {
		ordered = ordered && slices.IsSorted(ns)
	}
	var slot []int
	if !ordered {
		slot = make([]int, g.N)
		for _, ns := range m.Cores {
			for k, id := range ns {
				slot[id] = k
			}
		}
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "# placement of network %q, %d cores, from the %s mapper; feed back with --placement\n", net.Name, len(m.Cores), m.Strategy)
	b.WriteString("placement:\n")
	stem := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	for pi, pop := range net.Populations {
		if pop.Size == 0 {
			continue
		}
		first := g.PopStart[pi]
		cores := m.CoreOf[first : first+pop.Size]
		key := strconv.Quote(pop.Name)
		if spec, ok := coreRuns(cores); ok && ordered {
			fmt.Fprintf(&b, "  %s: %s\n", key, spec)
			continue
		}
		name := fmt.Sprintf("%s.%d.%s.csv", safeName(stem), pi, safeName(pop.Name))
		var f bytes.Buffer
		if slot != nil {
			f.WriteString("core,slot\n")
		} else {
			f.WriteString("core\n")
		}
		for k, c := range cores {
			f.WriteString(strconv.Itoa(int(c)))
			if slot != nil {
				f.WriteString("," + strconv.Itoa(slot[first+k]))
			}
			f.WriteByte('\n')
		}
		if err := os.WriteFile(filepath.Join(filepath.Dir(path), name), f.Bytes(), 0o644); err != nil {
			return fmt.Errorf("loader: placement: %w", err)
		}
		fmt.Fprintf(&b, "  %s: {file: %s}\n", key, strconv.Quote(name))
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("loader: placement: %w", err)
	}
	return nil
}

// coreRuns writes the cores of a population's neurons as {cores, counts}
// when they form runs on distinct cores, counts omitted when the runs
// are the even split that cores alone means.
func coreRuns(cores []uint32) (string, bool) {
	var ids, counts []int
	for k, c := range cores {
		if k > 0 && c == cores[k-1] {
			counts[len(counts)-1]++
			continue
		}
		if slices.Contains(ids, int(c)) {
			return "", false
		}
		ids = append(ids, int(c))
		counts = append(counts, 1)
	}
	if len(ids) == 0 {
		return "", false
	}
	even := true
	for k, n := range counts {
		want := len(cores) / len(ids)
		if k < len(cores)%len(ids) {
			want++
		}
		even = even && n == want
	}
	spec := "{cores: \"" + ranges(ids) + "\""
	if !even {
		parts := make([]string, len(counts))
		for k, n := range counts {
			parts[k] = strconv.Itoa(n)
		}
		spec += ", counts: [" + strings.Join(parts, ", ") + "]"
	}
	return spec + "}", true
}

// ranges writes core indices as "0-3,7".
func ranges(ids []int) string {
	var parts []string
	for k := 0; k < len(ids); {
		j := k
		for j+1 < len(ids) && ids[j+1] == ids[j]+1 {
			j++
		}
		if j > k {
			parts = append(parts, fmt.Sprintf("%d-%d", ids[k], ids[j]))
		} else {
			parts = append(parts, strconv.Itoa(ids[k]))
		}
		k = j + 1
	}
	return strings.Join(parts, ",")
}
