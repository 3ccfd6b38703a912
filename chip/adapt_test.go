package chip

import (
	"testing"
	"time"
)

// adapt keeps the faster way only when its trials were long enough to
// tell, and the workers only when they win by parallelMargin.
func TestAdapt(t *testing.T) {
	for _, tc := range []struct {
		name             string
		parTick, serTick time.Duration // what a tick takes each way
		wantParallel     bool
	}{
		{"workers twice as fast", 100 * time.Microsecond, 200 * time.Microsecond, true},
		{"one goroutine faster", 200 * time.Microsecond, 100 * time.Microsecond, false},
		{"a tie goes to one goroutine", 100 * time.Microsecond, 105 * time.Microsecond, false},
	} {
		clock := time.Unix(0, 0)
		a := newAdapt()
		a.now = func() time.Time { return clock }
		a.start = clock
		trial := map[bool]int{}
		for a.phase != keeping || trial[false] == 0 {
			par := a.next()
			trial[par]++
			if par {
				clock = clock.Add(tc.parTick)
			} else {
				clock = clock.Add(tc.serTick)
			}
			if trial[true]+trial[false] > 10000 {
				t.Fatalf("%s: no decision after 10000 ticks", tc.name)
			}
		}
		if got := a.next(); got != tc.wantParallel {
			t.Errorf("%s: keeps parallel %v, want %v", tc.name, got, tc.wantParallel)
		}
		// Each trial ran at least minTrial of its own ticks, however
		// short they were.
		if min := int(minTrial / tc.parTick); trial[true] < min {
			t.Errorf("%s: parallel trial of %d ticks, want at least %d", tc.name, trial[true], min)
		}
		for range keepTicks - 2 { // the keeping phase began with the last tick of the loop and the check above
			if a.next() != tc.wantParallel {
				t.Fatalf("%s: changed its mind while keeping", tc.name)
			}
		}
		if a.next() || a.phase != timingSerial {
			t.Errorf("%s: no new trial after %d ticks", tc.name, keepTicks)
		}
	}
}

// When one goroutine keeps winning, each keeping phase is twice as long
// as the one before, up to maxKeepTicks; a win of the workers resets it.
func TestAdaptBacksOff(t *testing.T) {
	clock := time.Unix(0, 0)
	a := newAdapt()
	a.now = func() time.Time { return clock }
	a.start = clock
	parTick, serTick := 200*time.Microsecond, 100*time.Microsecond
	var keeps []int
	run, last := 0, a.phase
	for len(keeps) < 10 {
		par := a.next()
		if a.phase != last {
			if last == keeping {
				keeps = append(keeps, run)
			}
			run, last = 0, a.phase
		}
		run++
		if par {
			clock = clock.Add(parTick)
		} else {
			clock = clock.Add(serTick)
		}
	}
	want := keepTicks
	for k, n := range keeps {
		if n != want {
			t.Fatalf("keeping phase %d lasted %d ticks, want %d (all: %v)", k, n, want, keeps)
		}
		want = min(2*want, maxKeepTicks)
	}
	parTick = 50 * time.Microsecond // the workers win the next trial
	for a.phase != keeping || a.parallel == false {
		if a.next() {
			clock = clock.Add(parTick)
		} else {
			clock = clock.Add(serTick)
		}
	}
	if a.keep != keepTicks {
		t.Errorf("after the workers won, one goroutine would be kept %d ticks, want %d", a.keep, keepTicks)
	}
}

// Ticks shorter than minParallelTick on one goroutine never try the
// workers, and one goroutine is kept longer each time.
func TestAdaptShortTicks(t *testing.T) {
	clock := time.Unix(0, 0)
	a := newAdapt()
	a.now = func() time.Time { return clock }
	a.start = clock
	var keeps []int
	run, last := 0, a.phase
	for range 200000 {
		if a.next() {
			t.Fatal("the workers were tried on ticks too short for them")
		}
		if a.phase != last {
			if last == keeping {
				keeps = append(keeps, run)
			}
			run, last = 0, a.phase
		}
		run++
		clock = clock.Add(minParallelTick / 4)
	}
	if len(keeps) < 3 || keeps[1] != 2*keeps[0] || keeps[2] != 2*keeps[1] {
		t.Errorf("keeping phases %v, want each twice the one before", keeps)
	}
}
