package foraging

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestDecideMaxSpikes(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	if m := Decide([]int{0, 3, 1, 0, 5, 0, 2, 0}, 7, rng); m != 4 {
		t.Fatalf("Decide = %d, want 4 (most spikes)", m)
	}
}

func TestDecideNoneFiringKeepsDirection(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for last := 0; last < Moves; last++ {
		if m := Decide(make([]int, Moves), last, rng); m != last {
			t.Fatalf("Decide with no spikes = %d, want the last move %d", m, last)
		}
	}
}

func TestDecideTiesAtRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	counts := []int{0, 2, 0, 2, 1, 0, 0, 2}
	seen := map[int]int{}
	const n = 30000
	for i := 0; i < n; i++ {
		seen[Decide(counts, 0, rng)]++
	}
	if len(seen) != 3 {
		t.Fatalf("ties went to %v, want only moves 1, 3 and 7", seen)
	}
	for _, m := range []int{1, 3, 7} {
		if f := float64(seen[m]) / n; math.Abs(f-1.0/3) > 0.02 {
			t.Errorf("move %d won %.3f of ties, want 1/3", m, f)
		}
	}
}

func TestExplorationSchedule(t *testing.T) {
	e := DefaultExploration
	for _, c := range []struct {
		hungry int
		p      float64
	}{{0, 0.01}, {1, 0.02}, {10, 0.11}, {98, 0.99}, {99, 1}, {500, 1}} {
		if got := e.P(c.hungry); math.Abs(got-c.p) > 1e-12 {
			t.Errorf("P(%d) = %v, want %v", c.hungry, got, c.p)
		}
	}
	rng := rand.New(rand.NewPCG(9, 9))
	const n = 100000
	for _, hungry := range []int{0, 29} {
		random := 0
		for i := 0; i < n; i++ {
			if _, r := e.Choose(2, hungry, rng); r {
				random++
			}
		}
		want := e.P(hungry)
		if f := float64(random) / n; math.Abs(f-want) > 4*math.Sqrt(want*(1-want)/n)+1e-3 {
			t.Errorf("hungry %d: random moves %.4f of cycles, want %.4f", hungry, f, want)
		}
	}
	// A random move is uniform over the eight moves.
	counts := make([]int, Moves)
	for i := 0; i < n; i++ {
		m, _ := Exploration{Base: 1}.Choose(2, 0, rng)
		counts[m]++
	}
	for m, c := range counts {
		if f := float64(c) / n; math.Abs(f-0.125) > 0.01 {
			t.Errorf("random move %d drawn %.3f of the time", m, f)
		}
	}
	if m, r := (Exploration{}).Choose(5, 1000, rng); m != 5 || r {
		t.Errorf("no exploration: Choose = %d, %v", m, r)
	}
}

func TestScorePerformance(t *testing.T) {
	var s Score
	if p, ok := s.Performance(); ok || p != 0.5 {
		t.Fatalf("empty score: %v, %v; want 0.5, false", p, ok)
	}
	for _, v := range []int{1, 1, 1, -1, 0, 0} {
		s.Add(v)
	}
	if s != (Score{Rewarded: 3, Punished: 1, Neutral: 2}) {
		t.Fatalf("score %+v", s)
	}
	if p, ok := s.Performance(); !ok || p != 0.75 {
		t.Fatalf("performance %v, %v; want 0.75", p, ok)
	}
	later := s
	later.Add(-1)
	later.Add(-1)
	if d := later.Sub(s); d != (Score{Punished: 2}) {
		t.Fatalf("Sub = %+v", d)
	}
	if p, _ := later.Sub(s).Performance(); p != 0 {
		t.Fatalf("all punished: performance %v, want 0", p)
	}
}

func TestDecideByPotential(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	v := []float64{9, 1, 2, 3, 4, 5, 6, 7}
	if m := DecideByPotential([]int{0, 3, 1, 0, 5, 0, 2, 0}, v, rng); m != 4 {
		t.Fatalf("DecideByPotential = %d, want 4 (most spikes)", m)
	}
	if m := DecideByPotential([]int{0, 2, 0, 2, 1, 0, 0, 2}, v, rng); m != 7 {
		t.Fatalf("DecideByPotential = %d, want 7 (tie broken by potential)", m)
	}
	if m := DecideByPotential(make([]int, Moves), v, rng); m != 0 {
		t.Fatalf("DecideByPotential with no spikes = %d, want 0 (highest potential)", m)
	}
	seen := map[int]bool{}
	for i := 0; i < 200; i++ {
		seen[DecideByPotential([]int{1, 1, 0, 0, 0, 0, 0, 0}, []float64{2, 2, 5, 0, 0, 0, 0, 0}, rng)] = true
	}
	if len(seen) != 2 || !seen[0] || !seen[1] {
		t.Fatalf("exact ties went to %v, want 0 and 1", seen)
	}
}
