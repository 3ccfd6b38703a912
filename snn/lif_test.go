package snn

import "testing"

func TestLIFStep(t *testing.T) {
	fixed := []struct {
		name              string
		v, cur            int64
		keepV, gainV      int32
		bias, vth, vreset int64
		want              int64
		fired             bool
	}{
		{"decays toward zero, not to -1", -1, 0, 4095, 1, 0, 100, 0, 0, false},
		{"leak and drive", 4096, 4096, 2048, 2048, 0, 1 << 20, 0, 4096, false},
		{"bias drives", 0, 0, 4096, 4096, 50, 100, 0, 50, false},
		{"threshold is strict", 0, 100, 4096, 4096, 0, 100, -7, 100, false},
		{"fires above it", 0, 101, 4096, 4096, 0, 100, -7, -7, true},
		{"saturates", 1 << 22, 1 << 22, 4096, 4096, 0, 1 << 30, 0, 1<<23 - 1, false},
	}
	for _, c := range fixed {
		got, fired := MembraneFixed(c.v, c.cur, c.keepV, c.gainV, c.bias, c.vth, c.vreset)
		if got != c.want || fired != c.fired {
			t.Errorf("fixed %s: %d %v, want %d %v", c.name, got, fired, c.want, c.fired)
		}
	}
	if got := CurrentFixed(-3, 2048, 0); got != -1 {
		t.Errorf("current -3 halved: %d, want -1 (toward zero)", got)
	}
	if got := CurrentFixed(1<<23-1, 4096, 10); got != 1<<23-1 {
		t.Errorf("current saturates: %d", got)
	}
	if got := CurrentFloat(2, 0.5, 3); got != 4 {
		t.Errorf("float current %v", got)
	}
	if v, fired := MembraneFloat(10, 5, 0.5, 0.5, 1, 100, -3); v != 8 || fired {
		t.Errorf("float membrane %v %v", v, fired)
	}
	if v, fired := MembraneFloat(10, 200, 0.5, 0.5, 1, 100, -3); v != -3 || !fired {
		t.Errorf("float spike %v %v", v, fired)
	}
}
