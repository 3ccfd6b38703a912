package core

import (
	"slices"
	"testing"
)

// Slices taken from an arena are zeroed, exactly as long and as wide as
// asked, and never overlap, across blocks too; grow keeps what a slice
// holds.
func TestArenaTake(t *testing.T) {
	a := new(Arena)
	var got [][]int64
	sizes := []int{0, 1, 7, blockBytes / 8, 3, blockBytes/8 - 2, 5, 1000}
	for k, n := range sizes {
		x := take(a, i64s, n)
		if len(x) != n || cap(x) != n {
			t.Fatalf("take(%d): len %d cap %d", n, len(x), cap(x))
		}
		if slices.ContainsFunc(x, func(v int64) bool { return v != 0 }) {
			t.Fatalf("take(%d): not zeroed", n)
		}
		for i := range x {
			x[i] = int64(k + 1)
		}
		got = append(got, x)
	}
	for k, x := range got {
		if slices.ContainsFunc(x, func(v int64) bool { return v != int64(k+1) }) {
			t.Errorf("slice %d (%d elements) overwritten by another", k, len(x))
		}
	}
	x := append(take(a, i64s, 2), 9) // beyond its capacity: a copy
	x = grow(a, i64s, x, 10)
	if cap(x)-len(x) < 10 || !slices.Equal(x, []int64{0, 0, 9}) {
		t.Errorf("grow: %v, capacity %d", x, cap(x))
	}
	if y := grow(nil, i64s, []int64{1}, 3); cap(y) < 4 || y[0] != 1 {
		t.Errorf("grow without an arena: %v, capacity %d", y, cap(y))
	}
}
