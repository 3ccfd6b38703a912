package figure

import (
	"bytes"
	"strings"
	"testing"

	"github.com/spindle-sim/spindle/chip"
	"github.com/spindle-sim/spindle/chip/mapping"
	"github.com/spindle-sim/spindle/snn"
)

func TestMapping(t *testing.T) {
	lif := snn.Neuron{TauM: 10, VTh: 1, Receptors: []snn.Receptor{{Name: "e", TauSyn: 2}}}
	net := &snn.Network{Name: "tiny", Dt: 1, Seed: 1, Populations: []snn.Population{
		{Name: "in", Size: 20, Kind: snn.Poisson, RateHz: 10},
		{Name: "out", Size: 40, Neuron: lif},
	}, Projections: []snn.Projection{{Name: "ff", Pre: "in", Post: "out", Receptor: "e",
		Connector: snn.Connector{Kind: snn.AllToAll}, Weight: snn.Const(0.1), Delay: snn.Const(1)}}}
	g, err := net.Build()
	if err != nil {
		t.Fatal(err)
	}
	a := &chip.Arch{Name: "small", NeuronsPerCore: 16, InputAxonsPerCore: 64, OutputAxonsPerCore: 256,
		SynapsesPerCore: 4096, MaxFanIn: 64, MaxDelayTicks: 16, WeightBits: 8, CoresPerTile: 2, TilesX: 2, TilesY: 2,
		LinkBuffer: 16, Sync: chip.Barrier}
	m, err := mapping.Map(g, a, mapping.Sequential, 0)
	if err != nil {
		t.Fatal(err)
	}
	e, err := mapping.Estimated(g, a, m, mapping.ExpectedRates(g))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := Mapping(&b, "svg", "tiny", a, m, e); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "<svg") || !strings.Contains(b.String(), "tiny on small") {
		t.Errorf("not an SVG of the mapping: %.200s", b.String())
	}
	if err := Mapping(&b, "gif", "tiny", a, m, e); err == nil || !strings.Contains(err.Error(), "png, svg") {
		t.Errorf("gif: %v", err)
	}
}
