package snn

import (
	"math"
	"testing"
)

func TestMulShift(t *testing.T) {
	for _, c := range []struct {
		a, b int64
		s    uint
		want int64
	}{
		{3, 5, 1, 8},   // 7.5 rounds away from zero
		{-3, 5, 1, -8}, // and so does -7.5
		{1 << 40, 1 << 30, 16, 1 << 54},
		{1 << 62, 1 << 20, 16, math.MaxInt64}, // saturates
		{-(1 << 62), 1 << 20, 16, -math.MaxInt64},
		{0, 1 << 40, 16, 0},
	} {
		if got := mulShift(c.a, c.b, c.s); got != c.want {
			t.Errorf("mulShift(%d, %d, %d) = %d, want %d", c.a, c.b, c.s, got, c.want)
		}
	}
}

// TestTieAndBalance checks the arithmetic of a presynaptic group in both
// modes: the tied weight is minus the mean (fixed: rounded to the nearest
// unit, then to the weight step), and the factor is W_i0/W_i.
func TestTieAndBalance(t *testing.T) {
	for _, c := range []struct {
		name    string
		fixed   bool
		step    uint
		w       []float64
		wantTie float64
	}{
		{"float", false, 0, []float64{1, 2, 3, 6}, -3},
		{"fixed exact", true, 0, []float64{100, 200, 300, 600}, -300},
		{"fixed rounds the mean", true, 0, []float64{1, 1, 0, 0}, -1},      // 0.5 rounds up
		{"fixed rounds to the step", true, 2, []float64{5, 5, 5, 6}, -4},   // mean 5.25 -> 5 -> 4
		{"fixed bound", true, 0, []float64{1000, 1000, 1000, 1000}, -500},  // w_min
		{"float bound", false, 0, []float64{1000, 1000, 1000, 1000}, -500}, // w_min
		{"fixed half step up", true, 3, []float64{12, 12, 12, 12}, -16},    // 12 -> 16 (ties up)
	} {
		src := &Learner{Proj: 0, Rule: RSTDP, Balance: true, Fixed: c.fixed, Enabled: true}
		tied := &Learner{Proj: 1, Rule: Tied, TiedTo: 0, Fixed: c.fixed, Enabled: true,
			wMin: -500, wMax: 0, wMinX: -500, wMaxX: 0, step: c.step}
		var syn []SynState
		var proj []uint16
		for _, x := range c.w {
			syn = append(syn, SynState{W: x})
			proj = append(proj, 0)
		}
		for range c.w {
			syn = append(syn, SynState{})
			proj = append(proj, 1)
		}
		src.tiedBy = true
		gs := PreGroups(1, func(int) (int, int) { return 0, len(syn) }, []*Learner{src, tied}, proj, syn)
		if len(gs) != 1 || len(gs[0].Syns) != len(c.w) || len(gs[0].Tied) != len(c.w) {
			t.Fatalf("%s: groups %+v", c.name, gs)
		}
		gs[0].Tie([]*Learner{src, tied}, proj, syn)
		for k := len(c.w); k < len(syn); k++ {
			if syn[k].W != c.wantTie {
				t.Errorf("%s: tied weight %v, want %v", c.name, syn[k].W, c.wantTie)
			}
		}
		// Double the weights: the factor halves.
		for k := range c.w {
			syn[k].W *= 2
		}
		gs[0].Balance(syn)
		want := 0.5
		if c.fixed {
			want = kOne / 2
		}
		if math.Abs(gs[0].Factor-want) > want*0.01 {
			t.Errorf("%s: factor %v after doubling, want %v", c.name, gs[0].Factor, want)
		}
	}
}
