package loader

import (
	"reflect"
	"strconv"
	"strings"
	"testing"
)

func TestSANAFEArchFixtures(t *testing.T) {
	for _, c := range []struct {
		file                                 string
		name                                 string
		tilesX, tilesY, cpt, npc, linkBuffer int
	}{
		{"arch/loihi.yaml", "loihi_chip", 8, 4, 4, 1024, 16},
		{"examples/truenorth.yaml", "truenorth_chip", 64, 64, 1, 256, 1},
	} {
		t.Run(c.file, func(t *testing.T) {
			data := sanafeFixture(t, c.file)
			if !IsSANAFEArch(data) || IsSANAFENetwork(data) {
				t.Fatal("not detected as a SANA-FE architecture only")
			}
			a, err := ParseSANAFEArch(c.file, data)
			if err != nil {
				t.Fatal(err)
			}
			if a.Name != c.name || a.TilesX != c.tilesX || a.TilesY != c.tilesY || a.CoresPerTile != c.cpt || a.NeuronsPerCore != c.npc || a.LinkBuffer != c.linkBuffer {
				t.Errorf("%s %dx%d tiles of %d cores of %d neurons, link buffer %d; want %s %dx%d, %d, %d, %d",
					a.Name, a.TilesX, a.TilesY, a.CoresPerTile, a.NeuronsPerCore, a.LinkBuffer, c.name, c.tilesX, c.tilesY, c.cpt, c.npc, c.linkBuffer)
			}
			// SANA-FE's Loihi costs are the loihi preset's.
			if c.file == "arch/loihi.yaml" {
				p, _ := loadPreset("loihi")
				if a.SynOpEnergyConv != p.SynOpEnergyConv || a.NeuronAccessLatency != p.NeuronAccessLatency || a.MessageOutEnergy != p.MessageOutEnergy ||
					a.HopLatencyNorth != p.HopLatencyNorth || a.HopEnergyWest != p.HopEnergyWest || !reflect.DeepEqual(a.SyncTiles, p.SyncTiles) || a.BarrierLatency != p.BarrierLatency {
					t.Errorf("costs differ from the loihi preset's:\n%+v\n%+v", a, p)
				}
			}
			if a.WeightBits != 24 || a.MaxChips != 1 || a.SynapsesPerCore != sanafeUnlimited {
				t.Errorf("weight_bits %d, max_chips %d, synapses_per_core %d; want 24, 1 and no limit", a.WeightBits, a.MaxChips, a.SynapsesPerCore)
			}
		})
	}
}

// TestSANAFEArchHops: the demo chip prices each direction of hop apart,
// and so does Spindle.
func TestSANAFEArchHops(t *testing.T) {
	a, err := ParseSANAFEArch("example_chip.yaml", sanafeFixture(t, "examples/example_chip.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := [8]float64{a.HopEnergyEast, a.HopEnergyWest, a.HopEnergyNorth, a.HopEnergySouth, a.HopLatencyEast, a.HopLatencyWest, a.HopLatencyNorth, a.HopLatencySouth},
		[8]float64{2.5e-12, 1.8e-12, 2.0e-12, 2.0e-12, 1.2e-9, 2.0e-9, 1.4e-9, 1.5e-9}; got != want {
		t.Errorf("hop energies and latencies (east, west, north, south) %v; want %v", got, want)
	}
	if a.TilesX != 2 || a.TilesY != 1 || a.CoresPerTile != 4 || a.NeuronsPerCore != 100 || a.LinkBuffer != 4 {
		t.Errorf("structure %dx%d tiles of %d cores of %d neurons, link buffer %d; want 2x1, 4, 100, 4", a.TilesX, a.TilesY, a.CoresPerTile, a.NeuronsPerCore, a.LinkBuffer)
	}
	// demo_synapse serves every format; demo_soma_default is the first soma.
	if a.SynOpEnergy != 20e-12 || a.SynOpEnergyDense != 20e-12 || a.SynOpEnergyConv != 20e-12 || a.NeuronAccessEnergy != 20e-12 ||
		a.SpikeEnergy != 60e-12 || a.MessageOutEnergy != 100e-12 || a.HopEnergyEast != 2.5e-12 || a.BarrierLatency != 0 || a.SyncTiles != nil {
		t.Errorf("costs %+v", a)
	}
}

func TestSANAFEArchCosts(t *testing.T) {
	c, err := SANAFEArchCosts("loihi.yaml", sanafeFixture(t, "arch/loihi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []struct {
		got, want float64
		what      string
	}{
		{c.Units["loihi_dense_synapse"]["energy_process_spike"], 35.5e-12, "dense synapse energy"},
		{c.Units["loihi_conv_synapse"]["latency_process_spike"], 3.1e-9, "conv synapse latency"},
		{c.Units["loihi_lif"]["energy_access_neuron"], 51.2e-12, "soma access energy"},
		{c.Units["loihi_out"]["energy_message_out"], 111e-12, "message out energy"},
		{c.Units["loihi_in"]["latency_message_in"], 16e-9, "message in latency"},
		{c.HopEnergy["north"], 4.2e-12, "north hop energy"},
		{c.HopLatency["west"], 4.1e-9, "west hop latency"},
		{c.LatencySync[29], 1.8e-6, "sync at 29 tiles"},
	} {
		if v.got != v.want {
			t.Errorf("%s %g; want %g", v.what, v.got, v.want)
		}
	}
	if c.SyncModel != "table" || len(c.LatencySync) != 4 {
		t.Errorf("sync %s %v; want a table of 4", c.SyncModel, c.LatencySync)
	}
}

const sanafeArchSmall = `architecture:
  name: two
  attributes: {width: 2, height: 1, link_buffer_size: 4}
  tile:
    - name: t[0..1]
      core:
        - name: c[0..1]
          attributes: {max_neurons_supported: 64}
          soma:
            - {name: s, attributes: {model: leaky_integrate_fire}}
`

func TestSANAFEArchErrors(t *testing.T) {
	if a, err := ParseSANAFEArch("a.yaml", []byte(sanafeArchSmall)); err != nil || a.CoresPerChip() != 4 || a.NeuronsPerCore != 64 {
		t.Fatalf("small arch: %v, %+v", err, a)
	}
	for _, c := range []struct {
		name, old, new string
		line           int
		want           string
	}{
		{"tile count", "t[0..1]", "t[0..2]", 5, "3 tiles: expected width x height = 2"},
		{"tile range", "t[0..1]", "t[1..0]", 5, "expected name or name[first..last]"},
		{"uneven tiles", "    - name: t[0..1]\n", "    - name: t0\n      core: [{name: c}]\n    - name: t1\n", 7, "Spindle's chip is uniform"},
		{"topology", "width: 2,", "topology: torus, width: 2,", 3, `"torus"`},
		{"missing width", "width: 2, ", "", 3, "missing required field width"},
		{"neurons", "max_neurons_supported: 64", "max_neurons_supported: 0", 8, "expected a positive integer"},
		{"unknown key", "link_buffer_size: 4", "link_buffer_size: 4, flits: 2", 3, `unknown key`},
		{"hop direction", "    - name: t[0..1]\n", "    - name: t[0..1]\n      attributes: {energy_up_hop: 1.0e-12}\n", 6, "energy_up_hop: expected a hop direction: north, east, south or west"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if !strings.Contains(sanafeArchSmall, c.old) {
				t.Fatalf("%q not in the document", c.old)
			}
			_, err := ParseSANAFEArch("a.yaml", []byte(strings.Replace(sanafeArchSmall, c.old, c.new, 1)))
			if err == nil {
				t.Fatal("accepted")
			}
			checkError(t, err)
			if prefix := "loader: a.yaml:" + strconv.Itoa(c.line) + ":"; !strings.HasPrefix(err.Error(), prefix) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q; want prefix %q and %q", err, prefix, c.want)
			}
		})
	}
}

// TestLeakDecayKey: a Spindle neuron can take Loihi's leak directly.
func TestLeakDecayKey(t *testing.T) {
	doc := "mode: fixed\nneurons:\n  n: {leak_decay: 0.75, v_th: 1}\npopulations:\n  - {name: p, size: 1, neuron: n}\n"
	net, err := ParseNetwork("n.yaml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if nu := net.Populations[0].Neuron; nu.LeakDecay != 0.75 {
		t.Errorf("leak_decay %v; want 0.75", nu.LeakDecay)
	}
	for _, bad := range []string{"{leak_decay: 0.75, tau_m: 20, v_th: 1}", "{leak_decay: 1.5, v_th: 1}", "{leak_decay: 0, v_th: 1}"} {
		_, err := ParseNetwork("n.yaml", []byte(strings.Replace(doc, "{leak_decay: 0.75, v_th: 1}", bad, 1)))
		if err == nil || !strings.Contains(err.Error(), "leak_decay") {
			t.Errorf("%s: error %v; want one naming leak_decay", bad, err)
		}
	}
}
