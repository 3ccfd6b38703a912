package loader

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/spindle-sim/spindle/chip"
	"github.com/spindle-sim/spindle/chip/presets"
	"github.com/spindle-sim/spindle/router"
	"gopkg.in/yaml.v3"
)

// archField binds one YAML key to a field of chip.Arch.
type archField struct {
	key  string
	kind byte // 'i' int, 'f' float (non-negative), 's' string, 'y' sync, 't' sync table, 'b' bool
	ip   func(a *chip.Arch) *int
	fp   func(a *chip.Arch) *float64
	fp2  func(a *chip.Arch) *float64 // a second float the key sets, if any
	sp   func(a *chip.Arch) *string
	tp   func(a *chip.Arch) *[]chip.SyncStep
	bp   func(a *chip.Arch) *bool
}

func intField(key string, p func(a *chip.Arch) *int) archField {
	return archField{key: key, kind: 'i', ip: p}
}

func floatField(key string, p func(a *chip.Arch) *float64) archField {
	return archField{key: key, kind: 'f', fp: p}
}

// pairField binds a key that sets two floats alike: a hop cost for both
// directions of an axis.
func pairField(key string, p, q func(a *chip.Arch) *float64) archField {
	return archField{key: key, kind: 'f', fp: p, fp2: q}
}

var archFields = []archField{
	{key: "name", kind: 's', sp: func(a *chip.Arch) *string { return &a.Name }},
	{key: "description", kind: 's', sp: func(a *chip.Arch) *string { return &a.Description }},
	intField("neurons_per_core", func(a *chip.Arch) *int { return &a.NeuronsPerCore }),
	intField("input_axons_per_core", func(a *chip.Arch) *int { return &a.InputAxonsPerCore }),
	intField("output_axons_per_core", func(a *chip.Arch) *int { return &a.OutputAxonsPerCore }),
	intField("synapses_per_core", func(a *chip.Arch) *int { return &a.SynapsesPerCore }),
	intField("max_fan_in", func(a *chip.Arch) *int { return &a.MaxFanIn }),
	intField("max_delay_ticks", func(a *chip.Arch) *int { return &a.MaxDelayTicks }),
	intField("weight_bits", func(a *chip.Arch) *int { return &a.WeightBits }),
	{key: "conv_weight_sharing", kind: 'b', bp: func(a *chip.Arch) *bool { return &a.ConvWeightSharing }},
	intField("cores_per_tile", func(a *chip.Arch) *int { return &a.CoresPerTile }),
	intField("tiles_x", func(a *chip.Arch) *int { return &a.TilesX }),
	intField("tiles_y", func(a *chip.Arch) *int { return &a.TilesY }),
	intField("max_chips", func(a *chip.Arch) *int { return &a.MaxChips }),
	{key: "sync", kind: 'y'},
	floatField("tick_budget", func(a *chip.Arch) *float64 { return &a.TickBudget }),
	// An axis's key sets both its directions; a direction's key, applied
	// after, overrides it.
	pairField("hop_latency_ew", func(a *chip.Arch) *float64 { return &a.HopLatencyEast }, func(a *chip.Arch) *float64 { return &a.HopLatencyWest }),
	pairField("hop_latency_ns", func(a *chip.Arch) *float64 { return &a.HopLatencyNorth }, func(a *chip.Arch) *float64 { return &a.HopLatencySouth }),
	pairField("hop_energy_ew", func(a *chip.Arch) *float64 { return &a.HopEnergyEast }, func(a *chip.Arch) *float64 { return &a.HopEnergyWest }),
	pairField("hop_energy_ns", func(a *chip.Arch) *float64 { return &a.HopEnergyNorth }, func(a *chip.Arch) *float64 { return &a.HopEnergySouth }),
	floatField("hop_latency_east", func(a *chip.Arch) *float64 { return &a.HopLatencyEast }),
	floatField("hop_latency_west", func(a *chip.Arch) *float64 { return &a.HopLatencyWest }),
	floatField("hop_latency_north", func(a *chip.Arch) *float64 { return &a.HopLatencyNorth }),
	floatField("hop_latency_south", func(a *chip.Arch) *float64 { return &a.HopLatencySouth }),
	floatField("hop_energy_east", func(a *chip.Arch) *float64 { return &a.HopEnergyEast }),
	floatField("hop_energy_west", func(a *chip.Arch) *float64 { return &a.HopEnergyWest }),
	floatField("hop_energy_north", func(a *chip.Arch) *float64 { return &a.HopEnergyNorth }),
	floatField("hop_energy_south", func(a *chip.Arch) *float64 { return &a.HopEnergySouth }),
	floatField("chip_hop_latency", func(a *chip.Arch) *float64 { return &a.ChipHopLatency }),
	floatField("chip_hop_energy", func(a *chip.Arch) *float64 { return &a.ChipHopEnergy }),
	floatField("link_service_time", func(a *chip.Arch) *float64 { return &a.LinkServiceTime }),
	floatField("chip_link_service_time", func(a *chip.Arch) *float64 { return &a.ChipLinkServiceTime }),
	intField("link_buffer", func(a *chip.Arch) *int { return &a.LinkBuffer }),
	floatField("synop_energy", func(a *chip.Arch) *float64 { return &a.SynOpEnergy }),
	floatField("synop_latency", func(a *chip.Arch) *float64 { return &a.SynOpLatency }),
	floatField("synop_energy_dense", func(a *chip.Arch) *float64 { return &a.SynOpEnergyDense }),
	floatField("synop_latency_dense", func(a *chip.Arch) *float64 { return &a.SynOpLatencyDense }),
	floatField("synop_energy_conv", func(a *chip.Arch) *float64 { return &a.SynOpEnergyConv }),
	floatField("synop_latency_conv", func(a *chip.Arch) *float64 { return &a.SynOpLatencyConv }),
	floatField("neuron_access_energy", func(a *chip.Arch) *float64 { return &a.NeuronAccessEnergy }),
	floatField("neuron_access_latency", func(a *chip.Arch) *float64 { return &a.NeuronAccessLatency }),
	floatField("neuron_update_energy", func(a *chip.Arch) *float64 { return &a.NeuronUpdateEnergy }),
	floatField("neuron_update_latency", func(a *chip.Arch) *float64 { return &a.NeuronUpdateLatency }),
	floatField("spike_energy", func(a *chip.Arch) *float64 { return &a.SpikeEnergy }),
	floatField("spike_latency", func(a *chip.Arch) *float64 { return &a.SpikeLatency }),
	floatField("message_out_energy", func(a *chip.Arch) *float64 { return &a.MessageOutEnergy }),
	floatField("message_out_latency", func(a *chip.Arch) *float64 { return &a.MessageOutLatency }),
	floatField("message_in_energy", func(a *chip.Arch) *float64 { return &a.MessageInEnergy }),
	floatField("message_in_latency", func(a *chip.Arch) *float64 { return &a.MessageInLatency }),
	floatField("barrier_latency", func(a *chip.Arch) *float64 { return &a.BarrierLatency }),
	floatField("barrier_energy", func(a *chip.Arch) *float64 { return &a.BarrierEnergy }),
	{key: "sync_latency_tiles", kind: 't', tp: func(a *chip.Arch) *[]chip.SyncStep { return &a.SyncTiles }},
	{key: "sync_latency_chips", kind: 't', tp: func(a *chip.Arch) *[]chip.SyncStep { return &a.SyncChips }},
}

var archKeys = func() []string {
	ks := []string{"base"}
	for _, f := range archFields {
		ks = append(ks, f.key)
	}
	return ks
}()

// Presets returns the names of the architecture presets (package
// chip/presets), sorted.
func Presets() []string { return presets.Names() }

// PresetYAML returns the text of a preset, comments included.
func PresetYAML(name string) ([]byte, error) {
	b, ok := presets.YAML(name)
	if !ok {
		return nil, fmt.Errorf("loader: unknown preset %q (have: %s)", name, strings.Join(Presets(), ", "))
	}
	return b, nil
}

// LoadArch returns a preset by name ("loihi", "loihi-presilicon",
// "pohoiki", "truenorth", "spinnaker") or reads an architecture YAML file:
// Spindle's, or a SANA-FE architecture file (see ParseSANAFEArch).
func LoadArch(nameOrPath string) (*chip.Arch, error) {
	if contains(Presets(), nameOrPath) {
		return loadPreset(nameOrPath)
	}
	data, err := os.ReadFile(nameOrPath)
	if err != nil {
		if os.IsNotExist(err) && looksLikeName(nameOrPath) {
			return nil, fmt.Errorf("loader: unknown preset %q (have: %s)", nameOrPath, strings.Join(Presets(), ", "))
		}
		return nil, fmt.Errorf("loader: %w", err)
	}
	if IsSANAFEArch(data) {
		return ParseSANAFEArch(nameOrPath, data)
	}
	return ParseArch(nameOrPath, data)
}

// looksLikeName reports whether s reads as a preset name rather than a
// file path.
func looksLikeName(s string) bool {
	return !strings.ContainsAny(s, `/\.`)
}

func loadPreset(name string) (*chip.Arch, error) { return loadPresetAt(name, 1) }

// loadPresetAt loads a preset at depth (1: named by a user's file or
// flag); a preset may build on another preset, which may not.
func loadPresetAt(name string, depth int) (*chip.Arch, error) {
	data, err := PresetYAML(name)
	if err != nil {
		return nil, err
	}
	a := &chip.Arch{}
	p := &archParser{dec: dec{file: "preset " + name}, depth: depth}
	if err := p.decode(data, a); err != nil {
		return nil, err
	}
	return a, nil
}

// ParseArch decodes an architecture YAML document and validates it. A
// `base: PRESET` key starts from that preset and the other keys override
// its fields.
func ParseArch(filename string, data []byte) (*chip.Arch, error) {
	a := &chip.Arch{}
	p := &archParser{dec: dec{file: filename}}
	if err := p.decode(data, a); err != nil {
		return nil, err
	}
	return a, nil
}

type archParser struct {
	dec
	depth int // 0: a user's file; 1: a preset; 2: a preset's base
}

func (p *archParser) decode(data []byte, a *chip.Arch) error {
	root, err := p.parse(data)
	if err != nil {
		return err
	}
	if r := resolve(root); r.Kind != yaml.MappingNode {
		return p.errAt(root, "", "expected a mapping of architecture fields, got %s", describe(root))
	}
	f, err := p.mapping(root, "", archKeys)
	if err != nil {
		return err
	}
	if g, ok := f.get("base"); ok {
		if p.depth > 1 {
			return p.errAt(g.key, "base", "a preset that is another's base cannot name a base")
		}
		name, err := p.word(g.val, "base", "preset", Presets())
		if err != nil {
			return err
		}
		b, err := loadPresetAt(name, p.depth+1)
		if err != nil {
			return err
		}
		*a = *b
		a.Description = "based on preset " + name
	}
	if p.depth == 0 {
		base := filepath.Base(p.file)
		a.Name = strings.TrimSuffix(base, filepath.Ext(base))
	}
	for _, af := range archFields {
		g, ok := f.get(af.key)
		if !ok {
			continue
		}
		switch af.kind {
		case 's':
			s, err := p.text(g.val, af.key)
			if err != nil {
				return err
			}
			*af.sp(a) = s
		case 'y':
			s, err := p.word(g.val, af.key, "sync", []string{chip.Barrier.String(), chip.Realtime.String()})
			if err != nil {
				return err
			}
			if a.Sync, err = router.ParseSync(s); err != nil {
				return err
			}
		case 'i':
			lo := int64(1)
			what := "a positive integer"
			if af.key == "max_chips" {
				lo, what = 0, "0 (no limit) or a positive integer"
			}
			v, err := p.integer(g.val, af.key, what, lo, math.MaxInt32)
			if err != nil {
				return err
			}
			*af.ip(a) = int(v)
		case 'f':
			what := "a finite number >= 0 (SI units: seconds, joules)"
			if af.key == "tick_budget" {
				what = "a tick budget >= 0 in seconds"
			}
			v, err := p.floatCheck(g.val, af.key, what, func(x float64) bool { return x >= 0 })
			if err != nil {
				return err
			}
			*af.fp(a) = v
			if af.fp2 != nil {
				*af.fp2(a) = v
			}
		case 'b':
			v, err := p.boolean(g.val, af.key)
			if err != nil {
				return err
			}
			*af.bp(a) = v
		case 't':
			t, err := p.syncTable(g.val, af.key)
			if err != nil {
				return err
			}
			*af.tp(a) = t
		}
	}
	if err := a.Validate(); err != nil {
		// Point at the offending key when the file sets it.
		msg := err.Error()
		for _, af := range archFields {
			if strings.Contains(msg, ": "+af.key+" ") {
				if g, ok := f.get(af.key); ok {
					return p.errAt(g.val, af.key, "%s", msg)
				}
				return p.errAt(root, "", "%s", msg)
			}
		}
		return p.errAt(root, "", "%s", msg)
	}
	return nil
}

// text decodes a scalar string (a name or description).
func (p *archParser) text(n *yaml.Node, path string) (string, error) {
	r := resolve(n)
	if r == nil || r.Kind != yaml.ScalarNode || r.Tag == "!!null" {
		return "", p.errAt(n, path, "expected text, got %s", describe(n))
	}
	return r.Value, nil
}

// syncTable decodes a synchronisation table: a mapping from a count of
// tiles or chips in use to the seconds a tick's synchronisation takes
// from that count on, counts in increasing order, as SANA-FE's
// latency_sync table. An empty mapping (or null) removes the table.
func (p *archParser) syncTable(n *yaml.Node, path string) ([]chip.SyncStep, error) {
	r := resolve(n)
	if isNull(r) {
		return nil, nil
	}
	if r.Kind != yaml.MappingNode {
		return nil, p.errAt(n, path, "expected a mapping of count in use to seconds, e.g. {1: 0.6e-6, 4: 1.4e-6}, got %s", describe(n))
	}
	var t []chip.SyncStep
	for i := 0; i+1 < len(r.Content); i += 2 {
		k, v := r.Content[i], r.Content[i+1]
		from, err := p.integer(k, path, "a count >= 1 in use", 1, math.MaxInt32)
		if err != nil {
			return nil, err
		}
		if len(t) > 0 && int(from) <= t[len(t)-1].From {
			return nil, p.errAt(k, path, "count %d after %d: expected counts in increasing order", from, t[len(t)-1].From)
		}
		sec, err := p.floatCheck(v, join(path, k.Value), "a finite time >= 0 in seconds", func(x float64) bool { return x >= 0 })
		if err != nil {
			return nil, err
		}
		t = append(t, chip.SyncStep{From: int(from), Seconds: sec})
	}
	return t, nil
}
