package loader

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/spindle-sim/spindle/chip"
	"gopkg.in/yaml.v3"
)

// SANA-FE architecture files (arch/loihi.yaml and the like) describe a
// chip as tiles of cores, each core a pipeline of hardware units with
// per-event costs. Their structure (mesh, cores per tile, neurons per
// core, link buffers) is read here onto chip.Arch, their costs by
// SANAFEArchCosts and applySANAFECosts; what they leave unsaid (chip-to-
// chip links, delays) comes from Spindle's loihi preset.

// sanafeUnlimited stands for the per-core tables SANA-FE does not bound:
// it limits a core's neurons only.
const sanafeUnlimited = 1 << 30

// sanafeWeightBits is Spindle's state width: SANA-FE keeps weights as
// doubles, so no integer weight of a SANA-FE network may be rounded.
const sanafeWeightBits = 24

// IsSANAFEArch reports whether data looks like a SANA-FE architecture
// file: its first top-level key is architecture.
func IsSANAFEArch(data []byte) bool {
	return firstTopKey(data, []string{"architecture"})
}

var (
	sanafeArchKeys     = []string{"name", "attributes", "tile"}
	sanafeNoCKeys      = []string{"topology", "width", "height", "link_buffer_size", "sync_model", "latency_sync", "log_energy", "log_latency"}
	sanafeTileKeys     = []string{"name", "attributes", "core"}
	sanafeCoreKeys     = []string{"name", "attributes", "axon_in", "synapse", "dendrite", "soma", "axon_out"}
	sanafeCoreAttrKeys = []string{"buffer_position", "buffer_inside_unit", "max_neurons_supported", "log_energy", "log_latency"}
)

// ParseSANAFEArch reads the structure of a SANA-FE architecture file onto
// Spindle's loihi preset. Spindle's chip is a uniform mesh, so every tile
// must hold as many cores, and every core as many neurons.
func ParseSANAFEArch(filename string, data []byte) (*chip.Arch, error) {
	a, err := loadPreset("loihi")
	if err != nil {
		return nil, err
	}
	d := &dec{file: filename}
	root, err := d.parse(data)
	if err != nil {
		return nil, err
	}
	top, err := d.mapping(root, "", []string{"architecture"})
	if err != nil {
		return nil, err
	}
	af, ok := top.get("architecture")
	if !ok {
		return nil, d.errAt(root, "", "missing required section architecture")
	}
	f, err := d.mapping(af.val, "architecture", sanafeArchKeys)
	if err != nil {
		return nil, err
	}
	a.Name = strings.TrimSuffix(filename, ".yaml")
	if g, ok := f.get("name"); ok {
		if a.Name, err = d.name(g.val, "architecture.name"); err != nil {
			return nil, err
		}
	}
	a.Description = "SANA-FE architecture " + filename
	noc, ok := f.get("attributes")
	if !ok {
		return nil, d.errAt(f.node, "architecture", "missing required field attributes (width, height, link_buffer_size)")
	}
	nf, err := d.mapping(noc.val, "architecture.attributes", sanafeNoCKeys)
	if err != nil {
		return nil, err
	}
	if g, ok := nf.get("topology"); ok {
		if _, err := d.word(g.val, "architecture.attributes.topology", "a topology", []string{"mesh"}); err != nil {
			return nil, err
		}
	}
	if g, ok := nf.get("sync_model"); ok {
		if _, err := d.word(g.val, "architecture.attributes.sync_model", "a synchronisation model", []string{"fixed", "table"}); err != nil {
			return nil, err
		}
	}
	ints := []struct {
		key string
		dst *int
	}{{"width", &a.TilesX}, {"height", &a.TilesY}, {"link_buffer_size", &a.LinkBuffer}}
	for _, c := range ints {
		g, ok := nf.get(c.key)
		if !ok {
			return nil, d.errAt(nf.node, "architecture.attributes", "missing required field %s", c.key)
		}
		x, err := d.integer(g.val, "architecture.attributes."+c.key, "a positive integer", 1, 1<<16)
		if err != nil {
			return nil, err
		}
		*c.dst = int(x)
	}
	g, ok := f.get("tile")
	if !ok {
		return nil, d.errAt(f.node, "architecture", "missing required field tile")
	}
	tiles, err := d.seq(g.val, "architecture.tile")
	if err != nil {
		return nil, err
	}
	nTiles := 0
	a.CoresPerTile, a.NeuronsPerCore = 0, 0
	for k, t := range tiles {
		path := index("architecture.tile", k)
		n, cores, npc, err := sanafeTile(d, t, path)
		if err != nil {
			return nil, err
		}
		if a.CoresPerTile != 0 && (cores != a.CoresPerTile || npc != a.NeuronsPerCore) {
			return nil, d.errAt(t, path, "%d cores of %d neurons per tile: Spindle's chip is uniform; expected %d cores of %d neurons as in the tiles before", cores, npc, a.CoresPerTile, a.NeuronsPerCore)
		}
		a.CoresPerTile, a.NeuronsPerCore = cores, npc
		nTiles += n
	}
	if nTiles != a.TilesX*a.TilesY {
		return nil, d.errAt(g.val, "architecture.tile", "%d tiles: expected width x height = %d (Spindle's mesh has no empty places)", nTiles, a.TilesX*a.TilesY)
	}
	a.MaxChips = 1
	a.InputAxonsPerCore, a.OutputAxonsPerCore = sanafeUnlimited, sanafeUnlimited
	a.SynapsesPerCore, a.MaxFanIn = sanafeUnlimited, sanafeUnlimited
	a.WeightBits = sanafeWeightBits
	costs, err := SANAFEArchCosts(filename, data)
	if err != nil {
		return nil, err
	}
	if err := applySANAFECosts(a, costs); err != nil {
		return nil, d.errAt(tiles[0], "architecture.tile[0]", "%v", err)
	}
	if err := a.Validate(); err != nil {
		return nil, &Error{File: filename, Msg: err.Error()}
	}
	return a, nil
}

// sanafeTile reads one tile entry: how many tiles its name covers
// ("t[0..31]"), and its cores per tile and neurons per core.
func sanafeTile(d *dec, t *yaml.Node, path string) (tiles, cores, npc int, err error) {
	f, err := d.mapping(t, path, sanafeTileKeys)
	if err != nil {
		return 0, 0, 0, err
	}
	if tiles, err = sanafeCount(d, f, path); err != nil {
		return 0, 0, 0, err
	}
	g, ok := f.get("core")
	if !ok {
		return 0, 0, 0, d.errAt(f.node, path, "missing required field core")
	}
	items, err := d.seq(g.val, join(path, "core"))
	if err != nil {
		return 0, 0, 0, err
	}
	for k, c := range items {
		cp := index(join(path, "core"), k)
		cf, err := d.mapping(c, cp, sanafeCoreKeys)
		if err != nil {
			return 0, 0, 0, err
		}
		n, err := sanafeCount(d, cf, cp)
		if err != nil {
			return 0, 0, 0, err
		}
		max := 1024 // SANA-FE's default_max_neurons (src/arch.hpp)
		if at, ok := cf.get("attributes"); ok {
			af, err := d.mapping(at.val, join(cp, "attributes"), sanafeCoreAttrKeys)
			if err != nil {
				return 0, 0, 0, err
			}
			if m, ok := af.get("max_neurons_supported"); ok {
				x, err := d.integer(m.val, join(cp, "attributes.max_neurons_supported"), "a positive integer", 1, 1<<16)
				if err != nil {
					return 0, 0, 0, err
				}
				max = int(x)
			}
		}
		if cores > 0 && max != npc {
			return 0, 0, 0, d.errAt(c, cp, "max_neurons_supported %d: Spindle's cores are uniform; expected %d as the cores before", max, npc)
		}
		npc = max
		cores += n
	}
	if cores == 0 {
		return 0, 0, 0, d.errAt(g.val, join(path, "core"), "expected at least one core")
	}
	return tiles, cores, npc, nil
}

// sanafeCount reads how many units a name stands for: "x" is one,
// "x[0..31]" thirty-two.
func sanafeCount(d *dec, f *fields, path string) (int, error) {
	g, ok := f.get("name")
	if !ok {
		return 0, d.errAt(f.node, path, "missing required field name")
	}
	n := resolve(g.val)
	if n == nil || n.Kind != yaml.ScalarNode {
		return 0, d.errAt(g.val, join(path, "name"), "expected a name, got %s", describe(g.val))
	}
	open := strings.IndexByte(n.Value, '[')
	if open < 0 {
		return 1, nil
	}
	lo, hi, ok := strings.Cut(strings.TrimSuffix(n.Value[open+1:], "]"), "..")
	l, err1 := strconv.Atoi(lo)
	h, err2 := strconv.Atoi(hi)
	if !ok || !strings.HasSuffix(n.Value, "]") || err1 != nil || err2 != nil || l < 0 || h < l || h-l >= 1<<20 {
		return 0, d.errAt(g.val, join(path, "name"), "expected name or name[first..last], got %q", clip(n.Value))
	}
	return h - l + 1, nil
}

// SANAFECosts are the per-event costs of a SANA-FE architecture's first
// tile and core (joules, seconds), by SANA-FE's names.
type SANAFECosts struct {
	HopEnergy, HopLatency map[string]float64 // north, east, south, west
	// Per unit name (loihi_dense_synapse, loihi_lif, ...) and attribute
	// (energy_process_spike, latency_access_neuron, ...).
	Units map[string]map[string]float64
	// Sections lists the unit names of each core section (soma, synapse,
	// dendrite, axon_in, axon_out) in file order.
	Sections map[string][]string
	// SyncModel is fixed or table; LatencySync holds the fixed value at
	// key 0, or the table by tiles in use.
	SyncModel   string
	LatencySync map[int]float64
}

// SANAFEArchCosts reads the per-event costs of a SANA-FE architecture
// file, for the cost model to price events as SANA-FE does.
func SANAFEArchCosts(filename string, data []byte) (*SANAFECosts, error) {
	d := &dec{file: filename}
	root, err := d.parse(data)
	if err != nil {
		return nil, err
	}
	c := &SANAFECosts{HopEnergy: map[string]float64{}, HopLatency: map[string]float64{}, Units: map[string]map[string]float64{},
		Sections: map[string][]string{}, LatencySync: map[int]float64{}}
	arch := mapValue(root, "architecture")
	noc := mapValue(arch, "attributes")
	if s := resolve(mapValue(noc, "sync_model")); s != nil {
		c.SyncModel = s.Value
	}
	if ls := resolve(mapValue(noc, "latency_sync")); ls != nil {
		switch ls.Kind {
		case yaml.ScalarNode:
			if c.LatencySync[0], err = d.float(ls, "architecture.attributes.latency_sync"); err != nil {
				return nil, err
			}
		case yaml.MappingNode:
			for k := 0; k+1 < len(ls.Content); k += 2 {
				tiles, err := d.integer(ls.Content[k], "architecture.attributes.latency_sync", "a tile count", 1, 1<<20)
				if err != nil {
					return nil, err
				}
				if c.LatencySync[int(tiles)], err = d.float(ls.Content[k+1], fmt.Sprintf("architecture.attributes.latency_sync.%d", tiles)); err != nil {
					return nil, err
				}
			}
		}
	}
	tiles := resolve(mapValue(arch, "tile"))
	if tiles == nil || tiles.Kind != yaml.SequenceNode || len(tiles.Content) == 0 {
		return nil, d.errAt(root, "architecture.tile", "expected a list of tiles")
	}
	tile := tiles.Content[0]
	if ta := resolve(mapValue(tile, "attributes")); ta != nil && ta.Kind == yaml.MappingNode {
		for k := 0; k+1 < len(ta.Content); k += 2 {
			key := ta.Content[k].Value
			dir, ok := strings.CutSuffix(strings.TrimPrefix(strings.TrimPrefix(key, "energy_"), "latency_"), "_hop")
			if !ok {
				continue
			}
			switch dir {
			case "north", "east", "south", "west":
			default:
				return nil, d.errAt(ta.Content[k], "architecture.tile[0].attributes."+key, "expected a hop direction: north, east, south or west")
			}
			x, err := d.float(ta.Content[k+1], "architecture.tile[0].attributes."+key)
			if err != nil {
				return nil, err
			}
			if strings.HasPrefix(key, "energy_") {
				c.HopEnergy[dir] = x
			} else {
				c.HopLatency[dir] = x
			}
		}
	}
	cores := resolve(mapValue(tile, "core"))
	if cores == nil || cores.Kind != yaml.SequenceNode || len(cores.Content) == 0 {
		return nil, d.errAt(tile, "architecture.tile[0].core", "expected a list of cores")
	}
	for _, section := range []string{"axon_in", "synapse", "dendrite", "soma", "axon_out"} {
		units := resolve(mapValue(cores.Content[0], section))
		if units == nil || units.Kind != yaml.SequenceNode {
			continue
		}
		for _, u := range units.Content {
			name := resolve(mapValue(u, "name"))
			attrs := resolve(mapValue(u, "attributes"))
			if name == nil || attrs == nil || attrs.Kind != yaml.MappingNode {
				continue
			}
			m := map[string]float64{}
			for k := 0; k+1 < len(attrs.Content); k += 2 {
				key := attrs.Content[k].Value
				if !strings.HasPrefix(key, "energy_") && !strings.HasPrefix(key, "latency_") {
					continue
				}
				if m[key], err = d.float(attrs.Content[k+1], "architecture.tile[0].core[0]."+section+"."+name.Value+"."+key); err != nil {
					return nil, err
				}
			}
			c.Units[name.Value] = m
			c.Sections[section] = append(c.Sections[section], name.Value)
		}
	}
	return c, nil
}

// applySANAFECosts prices events as SANA-FE's file does, on the cost
// model of docs/energy.md, which has SANA-FE's structure: per synapse
// format, soma access, update and spike, message out and in, hops, and
// synchronisation fixed or by tiles in use. The first soma unit is the
// one a neuron naming none gets; a synapse unit serves the format its
// name contains (dense, sparse, conv), and a core with one synapse unit
// serves every format with it.
func applySANAFECosts(a *chip.Arch, c *SANAFECosts) error {
	a.HopEnergyEast, a.HopLatencyEast = c.HopEnergy["east"], c.HopLatency["east"]
	a.HopEnergyWest, a.HopLatencyWest = c.HopEnergy["west"], c.HopLatency["west"]
	a.HopEnergyNorth, a.HopLatencyNorth = c.HopEnergy["north"], c.HopLatency["north"]
	a.HopEnergySouth, a.HopLatencySouth = c.HopEnergy["south"], c.HopLatency["south"]
	for _, name := range c.Sections["dendrite"] {
		if u := c.Units[name]; u["energy_update"] != 0 || u["latency_update"] != 0 {
			return fmt.Errorf("dendrite unit %q: Spindle charges no dendrite update; expected energy_update and latency_update 0", name)
		}
	}
	// A section without units costs nothing.
	first := func(section string) map[string]float64 {
		if len(c.Sections[section]) == 0 {
			return map[string]float64{}
		}
		return c.Units[c.Sections[section][0]]
	}
	soma := first("soma")
	a.NeuronAccessEnergy, a.NeuronAccessLatency = soma["energy_access_neuron"], soma["latency_access_neuron"]
	a.NeuronUpdateEnergy, a.NeuronUpdateLatency = soma["energy_update_neuron"], soma["latency_update_neuron"]
	a.SpikeEnergy, a.SpikeLatency = soma["energy_spike_out"], soma["latency_spike_out"]
	out := first("axon_out")
	a.MessageOutEnergy, a.MessageOutLatency = out["energy_message_out"], out["latency_message_out"]
	in := first("axon_in")
	a.MessageInEnergy, a.MessageInLatency = in["energy_message_in"], in["latency_message_in"]
	syn := first("synapse")
	formats := map[string]map[string]float64{"sparse": syn, "dense": syn, "conv": syn}
	for _, name := range c.Sections["synapse"] {
		for f := range formats {
			if strings.Contains(name, f) {
				formats[f] = c.Units[name]
			}
		}
	}
	a.SynOpEnergy, a.SynOpLatency = formats["sparse"]["energy_process_spike"], formats["sparse"]["latency_process_spike"]
	a.SynOpEnergyDense, a.SynOpLatencyDense = formats["dense"]["energy_process_spike"], formats["dense"]["latency_process_spike"]
	a.SynOpEnergyConv, a.SynOpLatencyConv = formats["conv"]["energy_process_spike"], formats["conv"]["latency_process_spike"]
	a.BarrierEnergy, a.SyncChips = 0, nil
	switch c.SyncModel {
	case "", "fixed":
		a.BarrierLatency, a.SyncTiles = c.LatencySync[0], nil
	case "table":
		a.BarrierLatency, a.SyncTiles = 0, nil
		for _, tiles := range sortedInts(c.LatencySync) {
			a.SyncTiles = append(a.SyncTiles, chip.SyncStep{From: tiles, Seconds: c.LatencySync[tiles]})
		}
	default:
		return fmt.Errorf("sync_model %q: expected fixed or table", c.SyncModel)
	}
	return nil
}

func sortedInts(m map[int]float64) []int {
	keys := make([]int, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	return keys
}

// mapValue returns the value of key in mapping n, or nil.
func mapValue(n *yaml.Node, key string) *yaml.Node {
	n = resolve(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for k := 0; k+1 < len(n.Content); k += 2 {
		if n.Content[k].Value == key {
			return n.Content[k+1]
		}
	}
	return nil
}
