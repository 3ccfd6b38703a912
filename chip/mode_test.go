package chip_test

import (
	"bytes"
	"testing"

	"github.com/spindle-sim/spindle/chip"
	"github.com/spindle-sim/spindle/chip/internal/chiptest"
	"github.com/spindle-sim/spindle/chip/mapping"
	"github.com/spindle-sim/spindle/snn"
)

// TestOptionsModeFollowsNetwork: an Options without Mode runs in the
// network's mode, not in float mode.
func TestOptionsModeFollowsNetwork(t *testing.T) {
	for _, c := range []struct {
		net, opt, want snn.Mode
	}{
		{snn.Fixed, snn.NetworkMode, snn.Fixed},
		{snn.Float, snn.NetworkMode, snn.Float},
		{snn.NetworkMode, snn.NetworkMode, snn.Float},
		{snn.Fixed, snn.Float, snn.Float},
	} {
		net := plasticNet(c.net, 3)
		net.Mode = c.net
		g, err := net.Build()
		if err != nil {
			t.Fatal(err)
		}
		a := chiptest.Arch()
		m, err := mapping.Map(g, a, mapping.Sequential, 0)
		if err != nil {
			t.Fatal(err)
		}
		e, err := chip.NewEngine(g, a, m, chip.Options{Mode: c.opt, Workers: 1})
		if err != nil {
			t.Fatal(err)
		}
		e.Run(5)
		var buf bytes.Buffer
		err = e.Checkpoint(&buf)
		e.Close()
		if err != nil {
			t.Fatal(err)
		}
		ck := bytes.Clone(buf.Bytes())
		s, err := chip.ReadCheckpoint(&buf)
		if err != nil {
			t.Fatal(err)
		}
		if s.Mode != c.want {
			t.Errorf("network %v, options %v: the engine runs in %v mode, want %v", c.net, c.opt, s.Mode, c.want)
		}
		// A checkpoint restores into an engine whose options leave the mode
		// to the network exactly when the modes agree.
		if _, err := chip.Restore(bytes.NewReader(ck), g, a, m, chip.Options{Workers: 1}); (err == nil) != (c.want == c.net.Resolve(snn.NetworkMode)) {
			t.Errorf("network %v, options %v: restore with the network's mode: %v", c.net, c.opt, err)
		}
	}
}
